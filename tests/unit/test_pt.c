/* Unit tests for the page-table engine (mm/pt.c, mm/pt_formats.c) in the
 * host, EPT and NPT formats over fake physical memory: exact entry bits,
 * map/unmap/walk/translate at 4K/2M/1G, refusals, ranges, protect, A/D,
 * swap entries, reverse lookup of an entry's address, and teardown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/addr.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "stubs.h"
#include "fakemem.h"

#define RWX (PT_R | PT_W | PT_X)
#define ADDR(e) ((e) & 0x000ffffffffff000ull)
#define HOST_HIGH 0xffff800000000000ull

static const struct pt_format *const formats[] = { &pt_fmt_host, &pt_fmt_ept, &pt_fmt_npt };

static struct pt pt;
static u64 base_free;

static int setup(void **state)
{
	*state = fakemem_with_frames();
	base_free = frame_free_count();
	return 0;
}

static int teardown(void **state)
{
	fakemem_destroy(*state);
	return 0;
}

static void make(const struct pt_format *f)
{
	assert_int_equal(pt_create(&pt, f, 5), E_OK);
	pt_set_ad(&pt, true);
}

/* Entry at `level` on the path to va, read table by table from the root. */
static u64 entry_at(u64 va, int level)
{
	u64 *t = hpa_to_ptr(pt.root);
	for (int l = 4;; l--) {
		u64 e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (l == level)
			return e;
		t = hpa_to_ptr(hpa(ADDR(e)));
	}
}

static void test_geometry(void **state)
{
	(void)state;
	assert_int_equal(pt_level_size(1), 4096);
	assert_int_equal(pt_level_size(2), 2 * MiB);
	assert_int_equal(pt_level_size(3), 1 * GiB);
	assert_int_equal(pt_level_size(4), 512 * GiB);
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		assert_int_equal(formats[i]->levels, 4);
}

static void test_create_destroy(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(frame_free_count(), base_free - 1);
		struct frame *f = frame_desc(pt.root);
		assert_int_equal(f->state, FRAME_PT);
		assert_int_equal(f->owner, 5);
		assert_int_equal(f->flags, 4);
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
		pt_destroy(&pt);   /* second destroy is a no-op */
	}
}

static void test_ept_exact_bits(void **state)
{
	(void)state;
	make(&pt_fmt_ept);
	u64 va = 0x12345000;
	assert_int_equal(pt_map(&pt, va, hpa(0x777000), PT_SIZE_4K, RWX), E_OK);
	assert_int_equal(entry_at(va, 1), 0x777000 | 0x37);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(entry_at(va, l) & 0xfff, 0x7);
	assert_int_equal(pt_map(&pt, 0x40200000, hpa(0x800000), PT_SIZE_2M, PT_R | PT_W), E_OK);
	assert_int_equal(entry_at(0x40200000, 2), 0x800000 | 0xb3);
	assert_int_equal(pt_map(&pt, 0x80000000, hpa(0xfee00000), PT_SIZE_4K, PT_R | PT_UC), E_OK);
	assert_int_equal(entry_at(0x80000000, 1), 0xfee00000 | 0x1);
	assert_int_equal(pt_map(&pt, 1 * GiB * 7, hpa(1 * GiB * 9), PT_SIZE_1G, PT_X), E_OK);
	assert_int_equal(entry_at(7 * GiB, 3), 9 * GiB | 0xb4);
	pt_destroy(&pt);
}

static void test_host_exact_bits(void **state)
{
	(void)state;
	make(&pt_fmt_host);
	u64 va = HOST_HIGH + 0x5000;
	assert_int_equal(pt_map(&pt, va, hpa(0x9000), PT_SIZE_4K, PT_R | PT_W), E_OK);
	assert_int_equal(entry_at(va, 1), 0x8000000000000003ull | 0x9000);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(entry_at(va, l) & 0xfff, 0x7);
	assert_int_equal(pt_map(&pt, 0x200000, hpa(0x400000), PT_SIZE_2M, RWX | PT_G), E_OK);
	assert_int_equal(entry_at(0x200000, 2), 0x400000 | 0x183);
	assert_int_equal(pt_map(&pt, 0x3000, hpa(0xfec00000), PT_SIZE_4K, PT_R | PT_W | PT_UC), E_OK);
	assert_int_equal(entry_at(0x3000, 1), 0x80000000fec0001bull);
	assert_int_equal(pt_map(&pt, 0x4000, hpa(0x4000), PT_SIZE_4K, PT_R | PT_X | PT_U), E_OK);
	assert_int_equal(entry_at(0x4000, 1), 0x4000 | 0x5);
	pt_destroy(&pt);
}

static void test_npt_exact_bits(void **state)
{
	(void)state;
	make(&pt_fmt_npt);
	assert_int_equal(pt_map(&pt, 0x1000, hpa(0x2000), PT_SIZE_4K, RWX), E_OK);
	assert_int_equal(entry_at(0x1000, 1), 0x2000 | 0x7);
	for (int l = 4; l >= 2; l--)
		assert_int_equal(entry_at(0x1000, l) & 0x7, 0x7);   /* P, RW, U at every level */
	assert_int_equal(pt_map(&pt, 0x600000, hpa(0x600000), PT_SIZE_2M, PT_R), E_OK);
	assert_int_equal(entry_at(0x600000, 2), 0x8000000000600085ull);
	assert_int_equal(pt_map(&pt, 0x2000, hpa(0x3000), PT_SIZE_4K, PT_R | PT_G), E_OK);
	assert_int_equal(entry_at(0x2000, 1) & BIT(8), 0);   /* no G in nested tables */
	pt_destroy(&pt);
}

/* Map, walk, translate and unmap one page of each size in every format. */
static void test_map_translate_unmap_sizes(void **state)
{
	(void)state;
	static const u64 sizes[] = { PT_SIZE_4K, PT_SIZE_2M, PT_SIZE_1G };
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		for (int s = 0; s < 3; s++) {
			u64 va = 3 * GiB * (s + 1) + (s < 2 ? sizes[s] * 3 : 0);
			hpa_t pa = hpa(sizes[s] * 5), out;
			unsigned fl;
			int level;
			assert_int_equal(pt_map(&pt, va, pa, sizes[s], PT_R | PT_W), E_OK);
			u64 *e = pt_walk(&pt, va + 0x123, &level, false);
			assert_non_null(e);
			assert_int_equal(level, s + 1);
			assert_true(pt_entry_is_present(&pt, *e));
			assert_int_equal(pt_translate(&pt, va + sizes[s] - 8, &out, &fl), E_OK);
			assert_int_equal(out.v, pa.v + sizes[s] - 8);
			assert_int_equal(fl & PT_MAP_FLAGS, PT_R | PT_W | (formats[i] == &pt_fmt_npt ? PT_U : 0));
			assert_int_equal(pt_translate(&pt, va + sizes[s], &out, &fl), E_NOENT);
			assert_int_equal(pt_translate(&pt, va - 1, NULL, NULL), E_NOENT);
			assert_int_equal(pt_unmap(&pt, va, sizes[s]), E_OK);
			assert_int_equal(pt_translate(&pt, va, &out, &fl), E_NOENT);
			assert_int_equal(pt_unmap(&pt, va, sizes[s]), E_NOENT);
		}
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
	}
}

static void test_refuse_overlap(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(pt_map(&pt, 0x200000, hpa(0x1000), PT_SIZE_4K, PT_R), E_OK);
		assert_int_equal(pt_map(&pt, 0x400000, hpa(0x400000), PT_SIZE_2M, PT_R), E_OK);
		assert_int_equal(pt_map(&pt, 1 * GiB, hpa(0), PT_SIZE_1G, PT_R), E_OK);
		u64 used = frame_free_count();
		/* same page again, even with the same target */
		assert_int_equal(pt_map(&pt, 0x200000, hpa(0x1000), PT_SIZE_4K, PT_R), E_EXIST);
		/* 2M over a table holding a 4K leaf; 4K inside a 2M or 1G leaf */
		assert_int_equal(pt_map(&pt, 0x200000, hpa(0), PT_SIZE_2M, PT_R), E_EXIST);
		assert_int_equal(pt_map(&pt, 0x401000, hpa(0), PT_SIZE_4K, PT_R), E_EXIST);
		assert_int_equal(pt_map(&pt, 1 * GiB + 0x200000, hpa(0), PT_SIZE_2M, PT_R), E_EXIST);
		/* 1G over a directory that holds the 2M leaf */
		assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_1G, PT_R), E_EXIST);
		assert_int_equal(frame_free_count(), used);
		hpa_t out;
		assert_int_equal(pt_translate(&pt, 0x200000, &out, NULL), E_OK);
		assert_int_equal(out.v, 0x1000);
		assert_int_equal(pt_translate(&pt, 0x401000, &out, NULL), E_OK);
		assert_int_equal(out.v, 0x401000);
		pt_destroy(&pt);
	}
}

static void test_refuse_bad_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(pt_map(&pt, 0x1800, hpa(0), PT_SIZE_4K, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0x1000, hpa(0x800), PT_SIZE_4K, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0x201000, hpa(0), PT_SIZE_2M, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0x200000, hpa(0x1000), PT_SIZE_2M, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0x40000000, hpa(0x200000), PT_SIZE_1G, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0, hpa(0), 8 * KiB, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0, hpa(1ull << 52), PT_SIZE_4K, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 1ull << 48, hpa(0), PT_SIZE_4K, PT_R), E_INVAL);
		assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, PT_R | BIT(12)), E_INVAL);
		assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, PT_R | PT_DIRTY), E_INVAL);
		assert_int_equal(pt_unmap(&pt, 0x1800, PT_SIZE_4K), E_INVAL);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 0, PT_R, PT_SIZE_4K), E_INVAL);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 0x1800, PT_R, PT_SIZE_4K), E_INVAL);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 0x1000, PT_R, 8 * KiB), E_INVAL);
		assert_int_equal(pt_map_range(&pt, (1ull << 48) - 0x1000, hpa(0), 0x2000, PT_R,
					      PT_SIZE_4K), E_INVAL);
		assert_int_equal(frame_free_count(), base_free - 1);   /* nothing created */
		pt_destroy(&pt);
	}
	/* Unrepresentable permissions. */
	make(&pt_fmt_ept);
	assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, PT_W), E_INVAL);
	assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, 0), E_INVAL);
	assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, PT_X), E_OK);   /* execute-only */
	pt_destroy(&pt);
	make(&pt_fmt_host);
	assert_int_equal(pt_map(&pt, 0, hpa(0), PT_SIZE_4K, PT_X), E_INVAL);
	assert_int_equal(pt_map(&pt, 0x0000800000000000ull, hpa(0), PT_SIZE_4K, PT_R), E_INVAL);
	assert_int_equal(pt_map(&pt, 0xffff7ffffffff000ull, hpa(0), PT_SIZE_4K, PT_R), E_INVAL);
	assert_int_equal(pt_map_range(&pt, 0x00007ffffffff000ull, hpa(0), 0x2000, PT_R,
				      PT_SIZE_4K), E_INVAL);   /* crosses the canonical hole */
	assert_int_equal(pt_map(&pt, 0xfffffffffffff000ull, hpa(0), PT_SIZE_4K, PT_R), E_OK);
	pt_destroy(&pt);
}

static void test_unmap_refuses_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(pt_map(&pt, 0x400000, hpa(0x400000), PT_SIZE_2M, PT_R), E_OK);
		assert_int_equal(pt_map(&pt, 0x600000, hpa(0x1000), PT_SIZE_4K, PT_R), E_OK);
		assert_int_equal(pt_unmap(&pt, 0x401000, PT_SIZE_4K), E_INVAL);
		assert_int_equal(pt_unmap(&pt, 0x400000, PT_SIZE_4K), E_INVAL);
		assert_int_equal(pt_unmap(&pt, 0x600000, PT_SIZE_2M), E_INVAL);
		assert_int_equal(pt_unmap(&pt, 0, PT_SIZE_1G), E_INVAL);
		assert_int_equal(pt_translate(&pt, 0x401000, NULL, NULL), E_OK);
		assert_int_equal(pt_translate(&pt, 0x600000, NULL, NULL), E_OK);
		pt_destroy(&pt);
	}
}

static void test_walk(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		int level = 0;
		assert_null(pt_walk(&pt, 0x5000, &level, false));
		assert_int_equal(frame_free_count(), base_free - 1);
		u64 *e = pt_walk(&pt, 0x5000, &level, true);
		assert_non_null(e);
		assert_int_equal(level, 1);
		assert_int_equal(*e, 0);
		assert_int_equal(frame_free_count(), base_free - 4);
		assert_ptr_equal(pt_walk(&pt, 0x5000, NULL, false), e);
		assert_ptr_equal(pt_walk(&pt, 0x6000, NULL, false), e + 1);
		struct frame *f = frame_desc(ptr_to_hpa(e));
		assert_int_equal(f->state, FRAME_PT);
		assert_int_equal(f->owner, 5);
		assert_int_equal(f->flags, 1);
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
	}
}

/* Leaf level used for each address of a mapped range. */
static int level_of(u64 va)
{
	int level = 0;
	assert_non_null(pt_walk(&pt, va, &level, false));
	return level;
}

static void test_map_range_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		u64 va = 1 * GiB - 2 * MiB - 8 * KiB, len = 8 * KiB + 2 * MiB + 1 * GiB + 2 * MiB + 4 * KiB;
		assert_int_equal(pt_map_range(&pt, va, hpa(va), len, PT_R, PT_SIZE_1G), E_OK);
		assert_int_equal(level_of(va), 1);
		assert_int_equal(level_of(va + 4 * KiB), 1);
		assert_int_equal(level_of(1 * GiB - 2 * MiB), 2);
		assert_int_equal(level_of(1 * GiB), 3);
		assert_int_equal(level_of(2 * GiB - 1), 3);
		assert_int_equal(level_of(2 * GiB), 2);
		assert_int_equal(level_of(2 * GiB + 2 * MiB), 1);
		assert_int_equal(pt_translate(&pt, 2 * GiB + 2 * MiB + 4 * KiB, NULL, NULL), E_NOENT);
		assert_int_equal(pt_translate(&pt, va - 4 * KiB, NULL, NULL), E_NOENT);
		for (u64 off = 0; off < len; off += 4 * KiB * 37) {
			hpa_t out;
			assert_int_equal(pt_translate(&pt, va + off, &out, NULL), E_OK);
			assert_int_equal(out.v, va + off);
		}
		pt_destroy(&pt);

		/* max 2M, and va/pa aligned differently forces 4K */
		make(formats[i]);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 1 * GiB, PT_R, PT_SIZE_2M), E_OK);
		assert_int_equal(level_of(1 * GiB - 1), 2);
		assert_int_equal(pt_map_range(&pt, 1 * GiB, hpa(0x1000), 4 * MiB, PT_R, PT_SIZE_1G), E_OK);
		assert_int_equal(level_of(1 * GiB + 2 * MiB), 1);
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
	}
}

static void test_map_range_all_or_nothing(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(pt_map(&pt, 0x305000, hpa(0), PT_SIZE_4K, PT_R), E_OK);
		assert_int_equal(pt_map_range(&pt, 0x100000, hpa(0), 4 * MiB, PT_R, PT_SIZE_2M),
				 E_EXIST);
		assert_int_equal(pt_translate(&pt, 0x100000, NULL, NULL), E_NOENT);
		assert_int_equal(pt_translate(&pt, 0x200000, NULL, NULL), E_NOENT);
		pt_destroy(&pt);

		/* Out of frames half way: the first 2 MiB are unmapped again. */
		make(formats[i]);
		u64 keep = 3;   /* PDPT, PD, first PT; the second PT fails */
		hpa_t *hold = calloc(base_free, sizeof(*hold));
		u64 n = 0;
		while (frame_free_count() > keep)
			hold[n++] = frame_alloc(FRAME_HYP, 0);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 4 * MiB, PT_R | PT_W, PT_SIZE_4K),
				 E_NOMEM);
		assert_int_equal(pt_translate(&pt, 0, NULL, NULL), E_NOENT);
		assert_int_equal(pt_translate(&pt, 2 * MiB - 4 * KiB, NULL, NULL), E_NOENT);
		while (n > 0)
			frame_free(hold[--n]);
		free(hold);
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 4 * MiB, PT_R | PT_W, PT_SIZE_4K), E_OK);
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
	}
}

static void test_protect(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		const struct pt_format *f = formats[i];
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 4 * MiB, RWX, PT_SIZE_2M), E_OK);
		assert_int_equal(pt_map(&pt, 4 * MiB, hpa(0x1000), PT_SIZE_4K, RWX), E_OK);
		u64 *e = pt_walk(&pt, 4 * MiB, NULL, false);
		*e |= f->a_bit | f->d_bit;   /* as the CPU would */
		assert_int_equal(pt_protect(&pt, 0, 4 * MiB + 4 * KiB, PT_R), E_OK);
		unsigned fl;
		hpa_t out;
		assert_int_equal(pt_translate(&pt, 4 * MiB, &out, &fl), E_OK);
		assert_int_equal(out.v, 0x1000);
		assert_int_equal(fl & (RWX | PT_ACCESSED | PT_DIRTY), PT_R | PT_ACCESSED | PT_DIRTY);
		assert_int_equal(pt_translate(&pt, 3 * MiB, &out, &fl), E_OK);
		assert_int_equal(out.v, 3 * MiB);
		assert_int_equal(fl & RWX, PT_R);
		assert_int_equal(*e & f->addr_mask, 0x1000);
		/* checked before any change */
		assert_int_equal(pt_protect(&pt, 0, 4 * MiB + 8 * KiB, RWX), E_NOENT);
		assert_int_equal(pt_protect(&pt, 0, 1 * MiB, RWX), E_INVAL);
		assert_int_equal(pt_protect(&pt, 0, 4 * MiB, PT_W), E_INVAL);
		assert_int_equal(pt_translate(&pt, 0, NULL, &fl), E_OK);
		assert_int_equal(fl & RWX, PT_R);
		assert_int_equal(pt_protect(&pt, 2 * MiB, 2 * MiB, PT_R | PT_W | PT_UC), E_OK);
		assert_int_equal(pt_translate(&pt, 2 * MiB, NULL, &fl), E_OK);
		assert_int_equal(fl & (RWX | PT_UC), PT_R | PT_W | PT_UC);
		pt_destroy(&pt);
	}
}

static void test_accessed_dirty(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		assert_int_equal(pt_map(&pt, 0x7000, hpa(0x7000), PT_SIZE_4K, PT_R | PT_W), E_OK);
		u64 *e = pt_walk(&pt, 0x7000, NULL, false);
		u64 orig = *e;
		assert_false(pt_is_accessed(&pt, e));
		assert_false(pt_test_and_clear_accessed(&pt, e));
		*e |= formats[i]->a_bit | formats[i]->d_bit;
		assert_true(pt_is_accessed(&pt, e));
		assert_true(pt_is_dirty(&pt, e));
		assert_true(pt_test_and_clear_accessed(&pt, e));
		assert_false(pt_test_and_clear_accessed(&pt, e));
		assert_true(pt_is_dirty(&pt, e));
		assert_true(pt_test_and_clear_dirty(&pt, e));
		assert_false(pt_is_dirty(&pt, e));
		assert_int_equal(*e, orig);
		pt_destroy(&pt);
	}
	assert_int_equal(pt_fmt_ept.a_bit, BIT(8));
	assert_int_equal(pt_fmt_ept.d_bit, BIT(9));
	assert_int_equal(pt_fmt_host.a_bit, BIT(5));
	assert_int_equal(pt_fmt_npt.d_bit, BIT(6));
}

static void ept_ad_without_enable(void *arg)
{
	(void)arg;
	struct pt p;
	if (pt_create(&p, &pt_fmt_ept, 1))
		return;
	u64 *e = pt_walk(&p, 0, NULL, true);
	pt_test_and_clear_accessed(&p, e);
}

static void test_ept_ad_needs_enable(void **state)
{
	(void)state;
	assert_int_equal(pt_create(&pt, &pt_fmt_ept, 1), E_OK);
	assert_false(pt.ad_enabled);
	pt_destroy(&pt);
	assert_int_equal(pt_create(&pt, &pt_fmt_npt, 1), E_OK);
	assert_true(pt.ad_enabled);
	pt_destroy(&pt);
	assert_true(fakemem_panics(ept_ad_without_enable, NULL));
}

static void test_swap_entries(void **state)
{
	(void)state;
	static const u64 values[] = { 0, 1, 0x12345, 0xdeadbeef, PT_SWAP_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct pt_format *f = formats[i];
		make(f);
		for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
			u64 e = pt_make_swap_entry(f, values[v]);
			assert_true(e != 0);
			assert_false(pt_entry_is_present(&pt, e));
			assert_int_equal(e & (BIT(0) | BIT(1) | BIT(2) | BIT(10) | BIT(63)), 0);
			assert_true(pt_is_swap_entry(f, e));
			assert_int_equal(pt_swap_entry_value(f, e), values[v]);
		}
		assert_false(pt_is_swap_entry(f, 0));
		assert_int_equal(pt_map(&pt, 0x9000, hpa(0x9000), PT_SIZE_4K, PT_R), E_OK);
		u64 *e = pt_walk(&pt, 0x9000, NULL, false);
		assert_false(pt_is_swap_entry(f, *e));
		/* A swapped-out page: not translated, not silently overwritten. */
		*e = pt_make_swap_entry(f, 42);
		assert_int_equal(pt_translate(&pt, 0x9000, NULL, NULL), E_NOENT);
		assert_int_equal(pt_map(&pt, 0x9000, hpa(0x9000), PT_SIZE_4K, PT_R), E_EXIST);
		assert_int_equal(pt_unmap(&pt, 0x9000, PT_SIZE_4K), E_NOENT);
		assert_ptr_equal(pt_walk(&pt, 0x9000, NULL, false), e);
		assert_int_equal(pt_swap_entry_value(f, *e), 42);
		pt_destroy(&pt);
	}
}

static void test_entry_to_va(void **state)
{
	(void)state;
	int level;
	make(&pt_fmt_ept);
	assert_int_equal(pt_map(&pt, 0x12345000, hpa(0x1000), PT_SIZE_4K, PT_R), E_OK);
	assert_int_equal(pt_map(&pt, 0x40200000, hpa(0x200000), PT_SIZE_2M, PT_R), E_OK);
	assert_int_equal(pt_map(&pt, 0x7fc0000000ull, hpa(0), PT_SIZE_1G, PT_R), E_OK);
	assert_int_equal(pt_entry_to_va(pt_walk(&pt, 0x12345000, NULL, false), &level), 0x12345000);
	assert_int_equal(level, 1);
	assert_int_equal(pt_entry_to_va(pt_walk(&pt, 0x40300000, NULL, false), &level), 0x40200000);
	assert_int_equal(level, 2);
	assert_int_equal(pt_entry_to_va(pt_walk(&pt, 0x7fc0001000ull, NULL, false), &level),
			 0x7fc0000000ull);
	assert_int_equal(level, 3);
	assert_int_equal(frame_desc(ptr_to_hpa(pt_walk(&pt, 0x12345000, NULL, false)))->data,
			 0x12345000 >> 12 & ~511ull);
	pt_destroy(&pt);
	make(&pt_fmt_host);
	assert_int_equal(pt_map(&pt, HOST_HIGH + 0x201000, hpa(0x1000), PT_SIZE_4K, PT_R), E_OK);
	assert_int_equal(pt_entry_to_va(pt_walk(&pt, HOST_HIGH + 0x201000, NULL, false), NULL),
			 0x0000800000201000ull);
	pt_destroy(&pt);
}

static void test_destroy_returns_all_tables(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		make(formats[i]);
		for (u64 k = 0; k < 64; k++) {
			u64 va = (k * 0x9e3779b97f4a7c15ull) & 0x00007fffffe00000ull;
			if (va >= 64 * MiB && pt_translate(&pt, va, NULL, NULL) == E_NOENT)
				assert_int_equal(pt_map(&pt, va, hpa(k << 12), PT_SIZE_4K, PT_R), E_OK);
		}
		assert_int_equal(pt_map_range(&pt, 0, hpa(0), 64 * MiB, RWX, PT_SIZE_4K), E_OK);
		assert_true(frame_free_count() < base_free - 64);
		pt_destroy(&pt);
		assert_int_equal(frame_free_count(), base_free);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_geometry),
		T(test_create_destroy),
		T(test_ept_exact_bits),
		T(test_host_exact_bits),
		T(test_npt_exact_bits),
		T(test_map_translate_unmap_sizes),
		T(test_refuse_overlap),
		T(test_refuse_bad_input),
		T(test_unmap_refuses_split),
		T(test_walk),
		T(test_map_range_sizes),
		T(test_map_range_all_or_nothing),
		T(test_protect),
		T(test_accessed_dirty),
		T(test_ept_ad_needs_enable),
		T(test_swap_entries),
		T(test_entry_to_va),
		T(test_destroy_returns_all_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
