/* Unit tests for mm/frame.c: descriptor layout, init from memory ranges,
 * allocation order, exhaustion, reuse, contiguous runs, misuse panics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/addr.h"
#include "core/log.h"
#include "mm/frame.h"
#include "stubs.h"
#include "fakemem.h"

/* 64 MiB covered: 16384 descriptors * 16 bytes = 64 pages at 1 MiB. */
#define ARRAY_PAGES 64
#define USABLE ((FAKEMEM_SIZE - FAKEMEM_LOW) / PAGE_SIZE)
#define FIRST_FREE (FAKEMEM_LOW + ARRAY_PAGES * PAGE_SIZE)

static int setup(void **state)
{
	*state = fakemem_with_frames();
	stub_log_reset();
	return 0;
}

static int teardown(void **state)
{
	fakemem_destroy(*state);
	return 0;
}

static void test_desc_is_16_bytes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct frame), 16);
	assert_int_equal(offsetof(struct frame, data), 8);
}

static void test_init_counts_and_array(void **state)
{
	(void)state;
	assert_int_equal(frame_total_count(), USABLE);
	assert_int_equal(frame_free_count(), USABLE - ARRAY_PAGES);
	assert_int_equal(frame_desc(hpa(FAKEMEM_LOW))->state, FRAME_HYP);
	assert_int_equal(frame_desc(hpa(FIRST_FREE - PAGE_SIZE))->state, FRAME_HYP);
	assert_int_equal(frame_desc(hpa(FIRST_FREE))->state, FRAME_FREE);
	assert_int_equal(frame_desc(hpa(0))->state, FRAME_ABSENT);
	assert_int_equal(frame_desc(hpa(FAKEMEM_LOW - PAGE_SIZE))->state, FRAME_ABSENT);
	assert_null(frame_desc(hpa(FAKEMEM_SIZE)));
	assert_non_null(frame_desc(hpa(FAKEMEM_SIZE - 1)));
}

static void test_low_addresses_first(void **state)
{
	(void)state;
	u64 prev = 0;
	for (int i = 0; i < 100; i++) {
		hpa_t a = frame_alloc(FRAME_HYP, 0);
		assert_true(frame_is_valid(a));
		if (i == 0)
			assert_int_equal(a.v, FIRST_FREE);
		else
			assert_int_equal(a.v, prev + PAGE_SIZE);
		prev = a.v;
	}
}

static void test_alloc_sets_descriptor(void **state)
{
	(void)state;
	hpa_t a = frame_alloc(FRAME_GUEST, 7);
	struct frame *f = frame_desc(a);
	assert_int_equal(f->state, FRAME_GUEST);
	assert_int_equal(f->owner, 7);
	assert_int_equal(f->link, FRAME_NONE);
	assert_int_equal(f->data, 0);
	assert_int_equal(f->flags, 0);
	frame_free(a);
	assert_int_equal(f->state, FRAME_FREE);
	assert_int_equal(f->owner, 0);
}

static void test_exhaust_free_all_reuse(void **state)
{
	(void)state;
	u64 n = frame_free_count();
	hpa_t *got = calloc(n, sizeof(*got));
	u8 *seen = calloc(FAKEMEM_SIZE / PAGE_SIZE, 1);
	for (u64 i = 0; i < n; i++) {
		got[i] = frame_alloc(FRAME_HYP, 1);
		assert_true(frame_is_valid(got[i]));
		assert_true(got[i].v >= FIRST_FREE && got[i].v < FAKEMEM_SIZE);
		assert_int_equal(seen[got[i].v / PAGE_SIZE]++, 0);
	}
	assert_int_equal(frame_free_count(), 0);
	assert_false(frame_is_valid(frame_alloc(FRAME_HYP, 1)));
	assert_false(frame_is_valid(frame_alloc_zeroed(FRAME_HYP, 1)));
	for (u64 i = 0; i < n; i++)
		frame_free(got[i]);
	assert_int_equal(frame_free_count(), n);
	hpa_t again = frame_alloc(FRAME_PT, 2);
	assert_true(frame_is_valid(again));
	assert_int_equal(again.v, got[n - 1].v);   /* LIFO reuse */
	free(got);
	free(seen);
}

static void test_alloc_zeroed(void **state)
{
	(void)state;
	hpa_t a = frame_alloc(FRAME_HYP, 0);
	memset(hpa_to_ptr(a), 0xa5, PAGE_SIZE);
	frame_free(a);
	hpa_t b = frame_alloc_zeroed(FRAME_HYP, 0);
	assert_int_equal(a.v, b.v);
	u8 *p = hpa_to_ptr(b);
	for (u64 i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
}

static void test_contig_alignment(void **state)
{
	(void)state;
	u64 before = frame_free_count();
	hpa_t a;
	assert_int_equal(frame_alloc_contig(3, 2 * MiB, FRAME_HYP, 3, &a), E_OK);
	assert_true(IS_ALIGNED(a.v, 2 * MiB));
	assert_int_equal(frame_free_count(), before - 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(frame_desc(hpa(a.v + i * PAGE_SIZE))->state, FRAME_HYP);
		assert_int_equal(frame_desc(hpa(a.v + i * PAGE_SIZE))->owner, 3);
	}
	/* The run is gone from the free list: no single allocation returns it. */
	for (hpa_t b; frame_is_valid(b = frame_alloc(FRAME_HYP, 0));)
		assert_true(b.v < a.v || b.v >= a.v + 3 * PAGE_SIZE);
	for (int i = 0; i < 3; i++)
		frame_free(hpa(a.v + i * PAGE_SIZE));
	assert_int_equal(frame_free_count(), 3);
}

static void test_contig_bad_args(void **state)
{
	(void)state;
	hpa_t a;
	assert_int_equal(frame_alloc_contig(0, 0, FRAME_HYP, 0, &a), E_INVAL);
	assert_int_equal(frame_alloc_contig(1, 3 * PAGE_SIZE, FRAME_HYP, 0, &a), E_INVAL);
	assert_int_equal(frame_alloc_contig(1, 2048, FRAME_HYP, 0, &a), E_INVAL);
	assert_int_equal(frame_alloc_contig(1, 0, FRAME_FREE, 0, &a), E_INVAL);
	assert_int_equal(frame_alloc_contig(USABLE, 0, FRAME_HYP, 0, &a), E_NOMEM);
	assert_int_equal(frame_alloc_contig(1, 64 * MiB, FRAME_HYP, 0, &a), E_NOMEM);
}

static void test_contig_fragmented(void **state)
{
	(void)state;
	u64 n = frame_free_count();
	hpa_t *got = calloc(n, sizeof(*got));
	for (u64 i = 0; i < n; i++)
		got[i] = frame_alloc(FRAME_HYP, 0);
	for (u64 i = 0; i < n; i += 2)
		frame_free(got[i]);
	hpa_t a;
	assert_int_equal(frame_alloc_contig(2, 0, FRAME_HYP, 0, &a), E_NOMEM);
	frame_free(got[101]);   /* got[100..102] now free and adjacent */
	assert_int_equal(frame_alloc_contig(3, 0, FRAME_HYP, 0, &a), E_OK);
	assert_int_equal(a.v, got[100].v);
	u64 left = frame_free_count();
	for (u64 i = 0; i < left; i++)
		assert_true(frame_is_valid(frame_alloc(FRAME_HYP, 0)));
	assert_false(frame_is_valid(frame_alloc(FRAME_HYP, 0)));
	free(got);
}

static void test_init_rejects_bad_ranges(void **state)
{
	(void)state;
	struct mem_range unsorted[] = { { 8 * MiB, 9 * MiB }, { 2 * MiB, 3 * MiB } };
	struct mem_range overlap[] = { { 2 * MiB, 9 * MiB }, { 8 * MiB, 10 * MiB } };
	struct mem_range unaligned[] = { { 2 * MiB + 1, 3 * MiB } };
	struct mem_range empty[] = { { 2 * MiB, 2 * MiB } };
	struct mem_range tiny[] = { { 4 * KiB, 8 * KiB }, { 64 * MiB - 8 * KiB, 64 * MiB } };
	assert_int_equal(frame_init(unsorted, 2), E_INVAL);
	assert_int_equal(frame_init(overlap, 2), E_INVAL);
	assert_int_equal(frame_init(unaligned, 1), E_INVAL);
	assert_int_equal(frame_init(empty, 1), E_INVAL);
	assert_int_equal(frame_init(unsorted, 0), E_INVAL);
	assert_int_equal(frame_init(tiny, 2), E_NOMEM);
	assert_true(stub_log_contains("descriptor array"));
	assert_true(stub_log_count[LOG_ERR] >= 6);
}

static void test_init_holes_and_frame0(void **state)
{
	(void)state;
	struct mem_range r[] = { { 0, 2 * MiB }, { 4 * MiB, 6 * MiB } };
	assert_int_equal(frame_init(r, 2), E_OK);
	/* 1536 descriptors = 6 pages at 4 KiB (frame 0 is skipped). */
	assert_int_equal(frame_total_count(), 512 - 1 + 512);
	assert_int_equal(frame_free_count(), 512 - 1 + 512 - 6);
	assert_int_equal(frame_desc(hpa(0))->state, FRAME_ABSENT);
	assert_int_equal(frame_desc(hpa(3 * MiB))->state, FRAME_ABSENT);
	assert_int_equal(frame_desc(hpa(PAGE_SIZE))->state, FRAME_HYP);
	for (hpa_t a; frame_is_valid(a = frame_alloc(FRAME_HYP, 0));) {
		assert_true(a.v != 0);
		assert_true(a.v < 2 * MiB || (a.v >= 4 * MiB && a.v < 6 * MiB));
	}
}

static void test_init_sparse_high_memory(void **state)
{
	(void)state;
	/* The array for 5 GiB + 4 MiB of address space (~20 MiB) goes low. */
	struct mem_range r[] = { { 1 * MiB, 40 * MiB }, { 5 * GiB, 5 * GiB + 4 * MiB } };
	assert_int_equal(frame_init(r, 2), E_OK);
	u64 array_pages = ALIGN_UP((5 * GiB + 4 * MiB) / PAGE_SIZE * 16, PAGE_SIZE) / PAGE_SIZE;
	u64 low_free = 39 * MiB / PAGE_SIZE - array_pages;
	assert_int_equal(frame_free_count(), low_free + 1024);
	for (u64 i = 0; i < low_free; i++)
		assert_true(frame_alloc(FRAME_HYP, 0).v < 40 * MiB);
	assert_int_equal(frame_alloc(FRAME_HYP, 0).v, 5 * GiB);
	assert_int_equal(frame_desc(hpa(4 * GiB))->state, FRAME_ABSENT);
}

static void free_twice(void *arg)
{
	(void)arg;
	hpa_t a = frame_alloc(FRAME_HYP, 0);
	frame_free(a);
	frame_free(a);
}

static void free_absent(void *arg)
{
	(void)arg;
	frame_free(hpa(0));
}

static void free_never_allocated(void *arg)
{
	(void)arg;
	frame_free(hpa(FIRST_FREE + 10 * PAGE_SIZE));
}

static void free_unaligned(void *arg)
{
	(void)arg;
	hpa_t a = frame_alloc(FRAME_HYP, 0);
	frame_free(hpa(a.v + 8));
}

static void free_ok(void *arg)
{
	(void)arg;
	frame_free(frame_alloc(FRAME_HYP, 0));
}

static void test_misuse_panics(void **state)
{
	(void)state;
	assert_true(fakemem_panics(free_twice, NULL));
	assert_true(fakemem_panics(free_absent, NULL));
	assert_true(fakemem_panics(free_never_allocated, NULL));
	assert_true(fakemem_panics(free_unaligned, NULL));
	assert_false(fakemem_panics(free_ok, NULL));
}

static void test_names_and_stats(void **state)
{
	(void)state;
	assert_string_equal(frame_state_name(FRAME_FREE), "free");
	assert_string_equal(frame_state_name(FRAME_PT), "pt");
	assert_string_equal(frame_state_name(FRAME_GUEST), "guest");
	assert_string_equal(frame_state_name(99), "?");
	frame_print_stats();
	assert_true(stub_log_contains("16128 usable"));
	assert_true(stub_log_contains("x 16 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desc_is_16_bytes),
		cmocka_unit_test_setup_teardown(test_init_counts_and_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_addresses_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_sets_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_free_all_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contig_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contig_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contig_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_rejects_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_holes_and_frame0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_sparse_high_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse_panics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
