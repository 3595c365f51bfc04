/* Unit tests of the reverse map (mm/rmap.c) over the real frame allocator,
 * heap and page-table engine in fake memory, in the EPT and NPT formats:
 * single mappers, chains, many frames, misuse that must panic, and the
 * audit against a clean and a deliberately corrupted guest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "mm/rmap.h"
#include "mm/pagestate.h"
#include "mm/gmem.h"
#include "mm/heap.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "fakemem.h"
#include "stubs.h"

#define VM1 1
#define VM2 2

struct fixture {
	void *mem;
	const struct pt_format *fmt;
	struct pt tdp1, tdp2;
	u64 free_before;
};

static int setup_fmt(void **state, const struct pt_format *fmt)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = fakemem_with_frames();
	heap_init();
	stub_log_reset();
	f->fmt = fmt;
	f->free_before = frame_free_count();
	assert_int_equal(pt_create(&f->tdp1, fmt, VM1), 0);
	assert_int_equal(pt_create(&f->tdp2, fmt, VM2), 0);
	*state = f;
	return 0;
}

static int setup_ept(void **state) { return setup_fmt(state, &pt_fmt_ept); }
static int setup_npt(void **state) { return setup_fmt(state, &pt_fmt_npt); }

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct heap_stats hs;
	heap_get_stats(&hs);
	assert_int_equal(hs.bytes_in_use, 0);   /* every chain was freed */
	pt_destroy(&f->tdp1);
	pt_destroy(&f->tdp2);
	fakemem_destroy(f->mem);
	free(f);
	return 0;
}

/* Map a new guest frame of vm at gpa in tdp (no rmap yet); return its leaf. */
static u64 *map_at(struct pt *tdp, hpa_t frame, u64 gpa)
{
	int level;
	assert_int_equal(pt_map(tdp, gpa, frame, PAGE_SIZE, PT_R | PT_W | PT_X), 0);
	u64 *leaf = pt_walk(tdp, gpa, &level, false);
	assert_non_null(leaf);
	assert_int_equal(level, 1);
	return leaf;
}

static hpa_t guest_frame(u16 vm)
{
	hpa_t a = frame_alloc_zeroed(FRAME_GUEST, vm);
	assert_true(frame_is_valid(a));
	return a;
}

static void test_single_mapper(void **state)
{
	struct fixture *f = *state;
	hpa_t fr = guest_frame(VM1);
	u64 *leaf = map_at(&f->tdp1, fr, 0x1234000);
	struct rmap_entry e;
	assert_false(rmap_lookup(fr, &e));
	assert_int_equal(rmap_count(fr), 0);
	rmap_set(fr, leaf);
	assert_int_equal(rmap_count(fr), 1);
	assert_true(rmap_has_mapper(fr, leaf));
	assert_true(rmap_lookup(fr, &e));
	assert_int_equal(e.vm, VM1);
	assert_int_equal(e.gfn.v, 0x1234);
	assert_ptr_equal(e.leaf, leaf);
	/* The single form is the leaf's hpa in data: no chain, no heap. */
	assert_false(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
	assert_int_equal(frame_desc(fr)->data, ptr_to_hpa(leaf).v);
	rmap_remove(fr, leaf);
	assert_int_equal(rmap_count(fr), 0);
	assert_false(rmap_lookup(fr, &e));
	assert_false(rmap_has_mapper(fr, leaf));
}

struct collect {
	int n;
	struct rmap_entry e[8];
	int stop_at;
};

static int collect_fn(const struct rmap_entry *e, void *ctx)
{
	struct collect *c = ctx;
	c->e[c->n++] = *e;
	return c->n == c->stop_at ? 77 : 0;
}

static void test_chain(void **state)
{
	struct fixture *f = *state;
	hpa_t fr = guest_frame(VM1);
	u64 *l1 = map_at(&f->tdp1, fr, 0x10000);
	u64 *l2 = map_at(&f->tdp1, fr, 0x7654000);
	u64 *l3 = map_at(&f->tdp2, fr, 0x3000);   /* shared with another VM */
	rmap_set(fr, l1);
	assert_int_equal(rmap_add_mapper(fr, l2), 0);
	assert_true(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
	assert_int_equal(rmap_add_mapper(fr, l3), 0);
	assert_int_equal(rmap_count(fr), 3);
	struct collect c = { 0 };
	assert_int_equal(rmap_for_each(fr, collect_fn, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.e[0].gfn.v, 0x10);
	assert_int_equal(c.e[1].gfn.v, 0x7654);
	assert_int_equal(c.e[2].gfn.v, 0x3);
	assert_int_equal(c.e[0].vm, VM1);
	assert_int_equal(c.e[2].vm, VM2);
	assert_ptr_equal(c.e[2].leaf, l3);
	/* fn's non-zero return stops the walk and is passed on. */
	struct collect s = { .stop_at = 2 };
	assert_int_equal(rmap_for_each(fr, collect_fn, &s), 77);
	assert_int_equal(s.n, 2);
	/* Remove the first: the next one becomes what lookup reports. */
	rmap_remove(fr, l1);
	struct rmap_entry e;
	assert_true(rmap_lookup(fr, &e));
	assert_ptr_equal(e.leaf, l2);
	assert_true(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
	/* Down to one mapper: back to the single form, chain freed. */
	rmap_remove(fr, l2);
	assert_false(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
	assert_int_equal(frame_desc(fr)->data, ptr_to_hpa(l3).v);
	assert_int_equal(rmap_count(fr), 1);
	rmap_remove(fr, l3);
	assert_int_equal(rmap_count(fr), 0);
	/* add_mapper on a frame with none is rmap_set. */
	assert_int_equal(rmap_add_mapper(fr, l1), 0);
	assert_false(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
	rmap_remove(fr, l1);
}

static void test_chain_grows_and_shrinks(void **state)
{
	struct fixture *f = *state;
	enum { N = 300 };
	static u64 *leaves[N];
	hpa_t fr = guest_frame(VM1);
	for (int i = 0; i < N; i++) {
		leaves[i] = map_at(&f->tdp1, fr, (u64)i * 0x201000);
		if (i == 0)
			rmap_set(fr, leaves[i]);
		else
			assert_int_equal(rmap_add_mapper(fr, leaves[i]), 0);
		assert_int_equal(rmap_count(fr), i + 1);
	}
	for (int i = 0; i < N; i++)
		assert_true(rmap_has_mapper(fr, leaves[i]));
	/* Remove in a scrambled order; every other mapper stays findable. */
	for (int k = 0; k < N; k++) {
		int i = (k * 7) % N;
		rmap_remove(fr, leaves[i]);
		assert_false(rmap_has_mapper(fr, leaves[i]));
		assert_int_equal(rmap_count(fr), N - k - 1);
	}
	assert_false(frame_desc(fr)->flags & FRAME_F_RMAP_CHAIN);
}

static void test_many_frames(void **state)
{
	struct fixture *f = *state;
	enum { N = 4000 };
	static hpa_t fr[N];
	for (int i = 0; i < N; i++) {
		fr[i] = guest_frame(VM1);
		rmap_set(fr[i], map_at(&f->tdp1, fr[i], 0x100000 + (u64)i * PAGE_SIZE * 3));
	}
	for (int i = N - 1; i >= 0; i--) {
		struct rmap_entry e;
		assert_true(rmap_lookup(fr[i], &e));
		assert_int_equal(e.gfn.v, 0x100 + (u64)i * 3);
		assert_int_equal(e.vm, VM1);
		hpa_t back;
		assert_int_equal(pt_translate(&f->tdp1, e.gfn.v << PAGE_SHIFT, &back, NULL), 0);
		assert_int_equal(back.v, fr[i].v);
	}
	assert_int_equal(rmap_audit(&f->tdp1, VM1, NULL, 0), 0);
}

static void test_aux_kept(void **state)
{
	struct fixture *f = *state;
	hpa_t fr = guest_frame(VM1);
	u64 *l1 = map_at(&f->tdp1, fr, 0x5000);
	u64 *l2 = map_at(&f->tdp1, fr, 0x6000);
	rmap_set_aux(fr, RMAP_AUX_MAX);
	assert_int_equal(rmap_count(fr), 0);
	rmap_set(fr, l1);
	assert_int_equal(rmap_aux(fr), RMAP_AUX_MAX);
	assert_int_equal(rmap_add_mapper(fr, l2), 0);
	assert_int_equal(rmap_aux(fr), RMAP_AUX_MAX);
	rmap_set_aux(fr, 12345);
	assert_int_equal(rmap_count(fr), 2);
	rmap_remove(fr, l1);
	assert_int_equal(rmap_aux(fr), 12345);
	struct rmap_entry e;
	assert_true(rmap_lookup(fr, &e));
	assert_ptr_equal(e.leaf, l2);
	rmap_clear(fr);
	assert_int_equal(rmap_count(fr), 0);
	assert_int_equal(rmap_aux(fr), 12345);
}

static void test_add_nomem(void **state)
{
	struct fixture *f = *state;
	hpa_t fr = guest_frame(VM1);
	u64 *l1 = map_at(&f->tdp1, fr, 0x5000);
	u64 *l2 = map_at(&f->tdp1, fr, 0x6000);
	rmap_set(fr, l1);
	/* Take every free frame: the heap cannot make a chain. */
	static hpa_t taken[FAKEMEM_SIZE / PAGE_SIZE];
	size_t n = 0;
	for (hpa_t a; frame_is_valid(a = frame_alloc(FRAME_HYP, 0));)
		taken[n++] = a;
	assert_int_equal(rmap_add_mapper(fr, l2), E_NOMEM);
	assert_int_equal(rmap_count(fr), 1);
	assert_int_equal(frame_desc(fr)->data, ptr_to_hpa(l1).v);
	while (n)
		frame_free(taken[--n]);
	assert_int_equal(rmap_add_mapper(fr, l2), 0);
	rmap_clear(fr);
}

/* ---- misuse panics ---- */

struct misuse {
	struct fixture *f;
	hpa_t fr, fresh;
	u64 *leaf, *other;
};

static void do_remove_other(void *arg)
{
	struct misuse *m = arg;
	rmap_remove(m->fr, m->other);
}

static void do_add_twice(void *arg)
{
	struct misuse *m = arg;
	if (rmap_add_mapper(m->fr, m->leaf) != E_OK)
		abort();
}

static void do_set_again(void *arg)
{
	struct misuse *m = arg;
	rmap_set(m->fr, m->other);
}

static void do_set_bad_leaf(void *arg)
{
	struct misuse *m = arg;
	hpa_t hyp = frame_alloc(FRAME_HYP, 0);
	rmap_set(m->fresh, hpa_to_ptr(hyp));
}

static void do_set_upper_level(void *arg)
{
	struct misuse *m = arg;
	rmap_set(m->fresh, hpa_to_ptr(m->f->tdp1.root));
}

static void do_set_non_guest(void *arg)
{
	struct misuse *m = arg;
	rmap_set(frame_alloc(FRAME_HYP, 0), m->other);
}

static void test_misuse_panics(void **state)
{
	struct fixture *f = *state;
	struct misuse m = { f, guest_frame(VM1), guest_frame(VM1), NULL, NULL };
	m.leaf = map_at(&f->tdp1, m.fr, 0x5000);
	m.other = map_at(&f->tdp1, guest_frame(VM1), 0x6000);
	rmap_set(m.fr, m.leaf);
	assert_true(fakemem_panics(do_remove_other, &m));
	assert_true(fakemem_panics(do_add_twice, &m));
	assert_true(fakemem_panics(do_set_again, &m));
	assert_true(fakemem_panics(do_set_bad_leaf, &m));
	assert_true(fakemem_panics(do_set_upper_level, &m));
	assert_true(fakemem_panics(do_set_non_guest, &m));
	/* The same calls done right do not panic. */
	rmap_remove(m.fr, m.leaf);
	assert_false(fakemem_panics(do_add_twice, &m));
}

/* ---- audit ---- */

struct guest {
	struct gmem g;
	hpa_t pages[8];
	u64 *leaves[8];
};

/* A gmem guest on tdp1 with 8 populated RAM pages (plus the hole). */
static void guest_populate(struct fixture *f, struct guest *gs)
{
	assert_int_equal(gmem_init_pc(&gs->g, &f->tdp1, VM1, 16 * MiB), 0);
	for (int i = 0; i < 8; i++) {
		u64 a = 0x200000 + (u64)i * PAGE_SIZE;
		assert_int_equal(gmem_backing(&gs->g, gpa(a), &gs->pages[i]), 0);
		gs->leaves[i] = pt_walk(&f->tdp1, a, NULL, false);
	}
}

static int audit(struct fixture *f, struct guest *gs)
{
	stub_log_reset();
	return rmap_audit(&f->tdp1, VM1, &gs->g.ones_frame, 1);
}

static void test_audit_clean(void **state)
{
	struct fixture *f = *state;
	struct guest gs;
	guest_populate(f, &gs);
	assert_int_equal(gmem_fault(&gs.g, gpa(0xc1000), false), GMEM_FAULT_FIXED);   /* ROM */
	assert_int_equal(audit(f, &gs), 0);
	/* Without naming the shared hole frame, its 32 leaves are reported. */
	stub_log_reset();
	assert_int_equal(rmap_audit(&f->tdp1, VM1, NULL, 0), 32);
	/* A page in writeback (leaf cleared, frame pinned, its rmap still
	 * naming the leaf) and a swapped page are consistent states. */
	*gs.leaves[0] = pagestate_make_writeback(f->fmt, hpa_to_hfn(gs.pages[0]));
	frame_desc(gs.pages[0])->flags |= FRAME_F_PINNED;
	*gs.leaves[1] = pagestate_make_swapped(f->fmt, 99);
	rmap_remove(gs.pages[1], gs.leaves[1]);
	assert_int_equal(audit(f, &gs), 0);
	*gs.leaves[1] = 0;
	frame_free(gs.pages[1]);
	assert_int_equal(audit(f, &gs), 0);
	gmem_destroy(&gs.g);
	rmap_clear(gs.pages[0]);
	frame_free(gs.pages[0]);   /* gmem frees only mapped frames */
}

static void test_audit_finds_corruption(void **state)
{
	struct fixture *f = *state;
	struct guest gs;
	guest_populate(f, &gs);
	/* 1. Leaf cleared without telling the rmap. */
	u64 saved = *gs.leaves[0];
	*gs.leaves[0] = 0;
	assert_int_equal(audit(f, &gs), 1);
	assert_true(stub_log_contains("non-present leaf"));
	*gs.leaves[0] = saved;
	/* 2. Leaf mapped without an rmap entry. */
	rmap_remove(gs.pages[1], gs.leaves[1]);
	assert_int_equal(audit(f, &gs), 1);
	assert_true(stub_log_contains("misses this leaf"));
	rmap_set(gs.pages[1], gs.leaves[1]);
	/* 3. Frame owned by another VM. */
	frame_desc(gs.pages[2])->owner = VM2;
	assert_true(audit(f, &gs) >= 1);
	assert_true(stub_log_contains("not a guest frame of this vm"));
	frame_desc(gs.pages[2])->owner = VM1;
	/* 4. Two leaves swapped: each rmap names a leaf mapping another frame. */
	u64 a = *gs.leaves[3], b = *gs.leaves[4];
	*gs.leaves[3] = b;
	*gs.leaves[4] = a;
	assert_int_equal(audit(f, &gs), 4);
	assert_true(stub_log_contains("mapping another frame"));
	*gs.leaves[3] = a;
	*gs.leaves[4] = b;
	/* 5. A corrupted software entry, a writeback entry whose frame maps
	 * another leaf, and a writeback entry naming a non-guest frame. */
	*gs.leaves[5] = pt_make_swap_entry(f->fmt, 3ull << PAGESTATE_TAG_SHIFT);
	rmap_remove(gs.pages[5], gs.leaves[5]);
	assert_int_equal(audit(f, &gs), 1);
	assert_true(stub_log_contains("invalid leaf"));
	*gs.leaves[5] = pagestate_make_writeback(f->fmt, hpa_to_hfn(gs.pages[6]));
	frame_desc(gs.pages[6])->flags |= FRAME_F_PINNED;
	assert_int_equal(audit(f, &gs), 1);
	assert_true(stub_log_contains("does not map back to its leaf"));
	frame_desc(gs.pages[6])->flags &= ~FRAME_F_PINNED;
	assert_true(audit(f, &gs) >= 1);
	assert_true(stub_log_contains("not pinned"));
	*gs.leaves[5] = pagestate_make_writeback(f->fmt, hpa_to_hfn(f->tdp1.root));
	assert_int_equal(audit(f, &gs), 1);
	*gs.leaves[5] = 0;   /* demand-zero again */
	frame_free(gs.pages[5]);
	/* 6. An rmap naming a leaf in another VM's tree. */
	u64 *foreign = map_at(&f->tdp2, gs.pages[6], 0x9000);
	assert_int_equal(rmap_add_mapper(gs.pages[6], foreign), 0);
	assert_int_equal(audit(f, &gs), 1);
	assert_true(stub_log_contains("not a leaf of this vm"));
	rmap_remove(gs.pages[6], foreign);
	assert_int_equal(pt_unmap(&f->tdp2, 0x9000, PAGE_SIZE), 0);
	assert_int_equal(audit(f, &gs), 0);
	gmem_destroy(&gs.g);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_ept, teardown), \
	      cmocka_unit_test_setup_teardown(fn, setup_npt, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_single_mapper), T(test_chain), T(test_chain_grows_and_shrinks),
		T(test_many_frames), T(test_aux_kept), T(test_add_nomem),
		T(test_misuse_panics), T(test_audit_clean), T(test_audit_finds_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
