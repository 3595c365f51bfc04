/* Unit tests of guest memory slots and demand allocation (mm/gmem.c) over
 * the real frame allocator and page-table engine in fake memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "mm/gmem.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "fakemem.h"

struct fixture {
	void *mem;
	struct pt tdp;
	struct gmem g;
	u64 free_before;
};

static int setup_fmt(void **state, const struct pt_format *fmt, u64 ram)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = fakemem_with_frames();
	f->free_before = frame_free_count();
	assert_int_equal(pt_create(&f->tdp, fmt, 1), 0);
	if (fmt == &pt_fmt_ept)
		pt_set_ad(&f->tdp, true);
	assert_int_equal(gmem_init_pc(&f->g, &f->tdp, 1, ram), 0);
	*state = f;
	return 0;
}

static int setup_ept(void **state) { return setup_fmt(state, &pt_fmt_ept, 1 * GiB); }
static int setup_npt(void **state) { return setup_fmt(state, &pt_fmt_npt, 1 * GiB); }

static int teardown(void **state)
{
	struct fixture *f = *state;
	gmem_destroy(&f->g);
	pt_destroy(&f->tdp);
	assert_int_equal(frame_free_count(), f->free_before);
	fakemem_destroy(f->mem);
	free(f);
	return 0;
}

static void test_pc_layout(void **state)
{
	struct fixture *f = *state;
	const struct gmem_slot *s;
	assert_int_equal(gmem_slot_find(&f->g, gpa(0x1000))->kind, GMEM_RAM);
	assert_int_equal(gmem_slot_find(&f->g, gpa(0x9ffff))->kind, GMEM_RAM);
	assert_int_equal(gmem_slot_find(&f->g, gpa(0xa0000))->kind, GMEM_HOLE);
	assert_int_equal(gmem_slot_find(&f->g, gpa(0xbffff))->kind, GMEM_HOLE);
	assert_int_equal(gmem_slot_find(&f->g, gpa(0xc0000))->kind, GMEM_ROM);
	assert_int_equal(gmem_slot_find(&f->g, gpa(0xfffff))->kind, GMEM_ROM);
	s = gmem_slot_find(&f->g, gpa(0x100000));
	assert_non_null(s);
	assert_int_equal(s->kind, GMEM_RAM);
	assert_int_equal(s->base.v + s->size, 1 * GiB);
	assert_null(gmem_slot_find(&f->g, gpa(1 * GiB)));
	assert_null(gmem_slot_find(&f->g, gpa(0xfee00000)));
	assert_int_equal(f->g.ram_size, 640 * KiB + 1 * GiB - 1 * MiB);
	assert_int_equal(f->g.resident_pages, 0);
}

static void test_large_guest_above_4g(void **state)
{
	(void)state;
	struct pt tdp;
	struct gmem g;
	assert_int_equal(pt_create(&tdp, &pt_fmt_npt, 2), 0);
	assert_int_equal(gmem_init_pc(&g, &tdp, 2, 5 * GiB), 0);
	assert_null(gmem_slot_find(&g, gpa(GMEM_PC_MMIO_START)));
	assert_null(gmem_slot_find(&g, gpa(0xffffffff)));
	const struct gmem_slot *s = gmem_slot_find(&g, gpa(GMEM_PC_HIGH_START));
	assert_non_null(s);
	assert_int_equal(s->size, 2 * GiB);
	assert_null(gmem_slot_find(&g, gpa(GMEM_PC_HIGH_START + 2 * GiB)));
	gmem_destroy(&g);
	pt_destroy(&tdp);
}

static void test_bad_sizes(void **state)
{
	struct fixture *f = *state;
	struct gmem g;
	assert_int_equal(gmem_init_pc(&g, &f->tdp, 1, 1 * MiB), E_INVAL);
	assert_int_equal(gmem_init_pc(&g, &f->tdp, 1, 4 * MiB + 1), E_INVAL);
}

static void test_demand_fault(void **state)
{
	struct fixture *f = *state;
	u64 before = frame_free_count();
	hpa_t pa;
	unsigned flags;
	assert_int_equal(gmem_fault(&f->g, gpa(0x345678), true), GMEM_FAULT_FIXED);
	assert_int_equal(f->g.resident_pages, 1);
	assert_int_equal(f->g.demand_faults, 1);
	assert_int_equal(pt_translate(&f->tdp, 0x345000, &pa, &flags), 0);
	assert_true(flags & PT_W);
	assert_true(flags & PT_X);
	/* The frame is zeroed, owned by the VM, and its descriptor points at
	 * the leaf that maps it (the reverse map). */
	struct frame *d = frame_desc(pa);
	assert_int_equal(d->state, FRAME_GUEST);
	assert_int_equal(d->owner, 1);
	int level;
	u64 *leaf = pt_walk(&f->tdp, 0x345000, &level, false);
	assert_int_equal(d->data, ptr_to_hpa(leaf).v);
	assert_int_equal(pt_entry_to_va(leaf, &level), 0x345000);
	for (int i = 0; i < 512; i++)
		assert_int_equal(((u64 *)hpa_to_ptr(pa))[i], 0);
	/* A second fault on the same page allocates nothing. */
	assert_int_equal(gmem_fault(&f->g, gpa(0x345000), false), GMEM_FAULT_FIXED);
	assert_int_equal(f->g.demand_faults, 1);
	assert_true(frame_free_count() < before);
}

static void test_fault_outside_slots(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(gmem_fault(&f->g, gpa(0xfee00000), false), GMEM_FAULT_NOSLOT);
	assert_int_equal(gmem_fault(&f->g, gpa(1 * GiB + 4096), true), GMEM_FAULT_NOSLOT);
	assert_int_equal(f->g.resident_pages, 0);
}

static void test_hole_and_rom(void **state)
{
	struct fixture *f = *state;
	u8 buf[16];
	assert_int_equal(gmem_fault(&f->g, gpa(0xb8000), true), GMEM_FAULT_IGNORE);
	assert_int_equal(gmem_fault(&f->g, gpa(0xc1000), true), GMEM_FAULT_IGNORE);
	assert_int_equal(gmem_read(&f->g, gpa(0xb8000), buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xff);
	/* A read of ROM maps a zero page read-only and is not guest RAM. */
	assert_int_equal(gmem_fault(&f->g, gpa(0xc1000), false), GMEM_FAULT_FIXED);
	hpa_t pa;
	unsigned flags;
	assert_int_equal(pt_translate(&f->tdp, 0xc1000, &pa, &flags), 0);
	assert_false(flags & PT_W);
	assert_int_equal(f->g.demand_faults, 0);
	/* The hole's all-ones frame is mapped read-only. */
	assert_int_equal(pt_translate(&f->tdp, 0xa0000, &pa, &flags), 0);
	assert_false(flags & PT_W);
	assert_int_equal(*(u8 *)hpa_to_ptr(pa), 0xff);
}

static void test_write_populates_only_touched(void **state)
{
	struct fixture *f = *state;
	static u8 data[3 * 4096];
	u8 back[sizeof(data)];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	/* Unaligned: touches 4 pages. */
	assert_int_equal(gmem_write(&f->g, gpa(0x200800), data, sizeof(data)), 0);
	assert_int_equal(f->g.resident_pages, 4);
	assert_int_equal(f->g.demand_faults, 0);
	assert_int_equal(gmem_read(&f->g, gpa(0x200800), back, sizeof(back)), 0);
	assert_memory_equal(back, data, sizeof(data));
	/* Reading absent RAM gives zeros and allocates nothing. */
	assert_int_equal(gmem_read(&f->g, gpa(0x800000), back, 4096), 0);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(f->g.resident_pages, 4);
	assert_int_equal(gmem_write(&f->g, gpa(0xfee00000), data, 4), E_RANGE);
	assert_int_equal(gmem_read(&f->g, gpa(2 * GiB), back, 4), E_RANGE);
}

static void test_out_of_memory(void **state)
{
	struct fixture *f = *state;
	u64 n = 0;
	/* The guest has 1 GiB, the host 63 MiB: faults run out of frames. */
	for (u64 a = 1 * MiB; a < 1 * GiB; a += PAGE_SIZE, n++) {
		enum gmem_fault_result r = gmem_fault(&f->g, gpa(a), true);
		if (r == GMEM_FAULT_NOMEM)
			break;
		assert_int_equal(r, GMEM_FAULT_FIXED);
	}
	assert_true(n > 1000);
	assert_true(n < (64 * MiB) / PAGE_SIZE);
	assert_int_equal(f->g.resident_pages, n);
}

/* Hooks that count what goes through them. */
static int hook_allocs, hook_releases;

static hpa_t count_alloc(struct gmem *g)
{
	hook_allocs++;
	return frame_alloc_zeroed(FRAME_GUEST, g->owner);
}

static void count_release(struct gmem *g, hpa_t f)
{
	(void)g, (void)f;
	hook_releases++;
}

static const struct gmem_hooks counting_hooks = {
	.alloc_frame = count_alloc, .frame_released = count_release,
};

/* Only RAM frames come from (and go back through) the hooks: ROM pages,
 * written by the hypervisor (firmware tables) or read by the guest, come
 * from the frame allocator and must not be released to the pager. */
static void test_hooks_see_ram_only(void **state)
{
	struct fixture *f = *state;
	struct pt tdp;
	struct gmem g;
	u8 table[64] = { 'R', 'S', 'D', ' ' };
	hook_allocs = hook_releases = 0;
	assert_int_equal(pt_create(&tdp, f->tdp.fmt, 2), 0);
	assert_int_equal(gmem_init_pc(&g, &tdp, 2, 64 * MiB), 0);
	g.hooks = &counting_hooks;
	assert_int_equal(gmem_write(&g, gpa(0xe0000), table, sizeof(table)), 0);
	assert_int_equal(gmem_fault(&g, gpa(0xf0000), false), GMEM_FAULT_FIXED);
	assert_int_equal(gmem_fault(&g, gpa(0x200000), true), GMEM_FAULT_FIXED);
	assert_int_equal(gmem_fault(&g, gpa(0x1000), true), GMEM_FAULT_FIXED);
	assert_int_equal(hook_allocs, 2);
	gmem_destroy(&g);
	pt_destroy(&tdp);
	assert_int_equal(hook_releases, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_ept, teardown)
#define TN(fn) cmocka_unit_test_setup_teardown(fn, setup_npt, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pc_layout), TN(test_pc_layout), T(test_large_guest_above_4g),
		T(test_bad_sizes), T(test_demand_fault), TN(test_demand_fault),
		T(test_fault_outside_slots), T(test_hole_and_rom), TN(test_hole_and_rom),
		T(test_write_populates_only_touched), T(test_out_of_memory),
		TN(test_out_of_memory), T(test_hooks_see_ram_only), TN(test_hooks_see_ram_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
