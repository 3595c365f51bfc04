/* Unit tests for mm/swap.c over fake physical memory (the bitmaps come from
 * the heap): exhaustion, reuse after free, next-fit order, contiguous runs,
 * retired slots never coming back, odd sizes, and panics on misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/swap.h"
#include "stubs.h"
#include "fakemem.h"

static struct swap_slots sl;

static int setup(void **state)
{
	*state = fakemem_with_frames();
	heap_init();
	return 0;
}

static int teardown(void **state)
{
	swap_slots_destroy(&sl);
	fakemem_destroy(*state);
	return 0;
}

static void test_init(void **state)
{
	(void)state;
	struct heap_stats before, after;
	assert_int_equal(swap_slots_init(&sl, 0), E_INVAL);
	heap_get_stats(&before);
	assert_int_equal(swap_slots_init(&sl, 15360), E_OK);
	assert_int_equal(sl.nfree, 15360);
	assert_int_equal(swap_slots_in_use(&sl), 0);
	swap_slots_destroy(&sl);
	heap_get_stats(&after);
	assert_int_equal(after.bytes_in_use, before.bytes_in_use);
	assert_int_equal(sl.nslots, 0);
}

/* Every slot exactly once, then none, for sizes around word boundaries. */
static void test_exhaust_sizes(void **state)
{
	(void)state;
	const u64 sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 1000 };
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		u64 n = sizes[k];
		assert_int_equal(swap_slots_init(&sl, n), E_OK);
		u8 *seen = calloc(n, 1);
		for (u64 i = 0; i < n; i++) {
			u64 s = swap_slot_alloc(&sl);
			assert_true(s < n);
			assert_false(seen[s]);
			seen[s] = 1;
			assert_true(swap_slot_is_allocated(&sl, s));
		}
		assert_int_equal(swap_slot_alloc(&sl), SWAP_SLOT_NONE);
		assert_int_equal(swap_slot_alloc_run(&sl, 1), SWAP_SLOT_NONE);
		assert_int_equal(sl.nfree, 0);
		assert_int_equal(swap_slots_in_use(&sl), n);
		for (u64 i = 0; i < n; i++)
			swap_slot_free(&sl, i);
		assert_int_equal(sl.nfree, n);
		assert_int_equal(swap_slots_in_use(&sl), 0);
		free(seen);
		swap_slots_destroy(&sl);
	}
}

/* Next fit: allocation moves forward; a freed slot behind the hint comes
 * back only after the wrap. */
static void test_next_fit_and_reuse(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 100), E_OK);
	for (u64 i = 0; i < 10; i++)
		assert_int_equal(swap_slot_alloc(&sl), i);
	swap_slot_free(&sl, 3);
	assert_false(swap_slot_is_allocated(&sl, 3));
	assert_int_equal(swap_slot_alloc(&sl), 10);
	for (u64 i = 11; i < 100; i++)
		assert_int_equal(swap_slot_alloc(&sl), i);
	assert_int_equal(swap_slot_alloc(&sl), 3);   /* wrapped around */
	assert_int_equal(swap_slot_alloc(&sl), SWAP_SLOT_NONE);
	swap_slot_free(&sl, 50);
	assert_int_equal(swap_slot_alloc(&sl), 50);
}

static void test_runs(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 200), E_OK);
	assert_int_equal(swap_slot_alloc_run(&sl, 70), 0);     /* crosses a word */
	assert_int_equal(swap_slot_alloc_run(&sl, 64), 70);
	for (u64 i = 0; i < 134; i++)
		assert_true(swap_slot_is_allocated(&sl, i));
	assert_false(swap_slot_is_allocated(&sl, 134));
	assert_int_equal(swap_slot_alloc_run(&sl, 67), SWAP_SLOT_NONE);  /* 66 left */
	assert_int_equal(sl.nfree, 66);
	/* Holes: free 10..19 and 30..59; a run of 25 fits only in the second
	 * (after wrap, since the hint is at 134). */
	swap_slot_free_run(&sl, 10, 10);
	swap_slot_free_run(&sl, 30, 30);
	assert_int_equal(swap_slot_alloc_run(&sl, 66), 134);
	assert_int_equal(swap_slot_alloc_run(&sl, 25), 30);
	assert_int_equal(swap_slot_alloc_run(&sl, 10), 10);
	assert_int_equal(swap_slot_alloc_run(&sl, 5), 55);
	assert_int_equal(swap_slot_alloc_run(&sl, 1), SWAP_SLOT_NONE);
	assert_int_equal(sl.nfree, 0);
	/* The very end of the area: a run of exactly the last slots. */
	swap_slot_free_run(&sl, 190, 10);
	assert_int_equal(swap_slot_alloc_run(&sl, 11), SWAP_SLOT_NONE);
	assert_int_equal(swap_slot_alloc_run(&sl, 10), 190);
}

/* Fragmented free space: enough free slots in total, no run long enough. */
static void test_run_fragmented(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 128), E_OK);
	assert_int_equal(swap_slot_alloc_run(&sl, 128), 0);
	for (u64 i = 0; i < 128; i += 2)
		swap_slot_free(&sl, i);
	assert_int_equal(sl.nfree, 64);
	assert_int_equal(swap_slot_alloc_run(&sl, 2), SWAP_SLOT_NONE);
	assert_int_equal(sl.nfree, 64);   /* nothing taken by the failed search */
	u64 s = swap_slot_alloc_run(&sl, 1);
	assert_true(s < 128 && s % 2 == 0);
}

static void test_retire(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 8), E_OK);
	for (u64 i = 0; i < 8; i++)
		assert_int_equal(swap_slot_alloc(&sl), i);
	swap_slot_retire(&sl, 2);
	swap_slot_retire(&sl, 5);
	assert_int_equal(sl.nretired, 2);
	assert_false(swap_slot_is_allocated(&sl, 2));
	assert_int_equal(swap_slots_in_use(&sl), 6);
	for (u64 i = 0; i < 8; i++)
		if (i != 2 && i != 5)
			swap_slot_free(&sl, i);
	assert_int_equal(sl.nfree, 6);
	assert_int_equal(swap_slots_in_use(&sl), 0);
	/* Retired slots never come back, singly or inside a run. */
	for (int i = 0; i < 6; i++) {
		u64 s = swap_slot_alloc(&sl);
		assert_true(s != 2 && s != 5 && s < 8);
	}
	assert_int_equal(swap_slot_alloc(&sl), SWAP_SLOT_NONE);
	swap_slot_free_run(&sl, 0, 2);
	swap_slot_free(&sl, 3);
	swap_slot_free(&sl, 4);
	assert_int_equal(swap_slot_alloc_run(&sl, 3), SWAP_SLOT_NONE);
	assert_int_equal(swap_slot_alloc_run(&sl, 2), 0);
	assert_int_equal(swap_slot_alloc_run(&sl, 2), 3);
}

static void do_free_unallocated(void *arg) { (void)arg; swap_slot_free(&sl, 7); }
static void do_double_free(void *arg)
{
	(void)arg;
	swap_slot_free(&sl, 0);
	swap_slot_free(&sl, 0);
}
static void do_free_range(void *arg) { (void)arg; swap_slot_free(&sl, 16); }
static void do_free_retired(void *arg) { (void)arg; swap_slot_retire(&sl, 1); swap_slot_free(&sl, 1); }
static void do_retire_free(void *arg) { (void)arg; swap_slot_retire(&sl, 9); }
static void do_free_run_partial(void *arg) { (void)arg; swap_slot_free_run(&sl, 0, 5); }

static void test_misuse_panics(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 16), E_OK);
	assert_int_equal(swap_slot_alloc_run(&sl, 4), 0);
	assert_true(fakemem_panics(do_free_unallocated, NULL));
	assert_true(fakemem_panics(do_double_free, NULL));
	assert_true(fakemem_panics(do_free_range, NULL));
	assert_true(fakemem_panics(do_free_retired, NULL));
	assert_true(fakemem_panics(do_retire_free, NULL));
	assert_true(fakemem_panics(do_free_run_partial, NULL));
	/* The checked-first run free left nothing half-freed in the parent. */
	assert_int_equal(swap_slots_in_use(&sl), 4);
}

/* Random alloc/free/retire against a shadow array. */
static void test_random_shadow(void **state)
{
	(void)state;
	const u64 n = 777;
	u8 shadow[777] = { 0 };   /* 0 free, 1 allocated, 2 retired */
	u64 x = 12345, nfree = n, nret = 0;
	assert_int_equal(swap_slots_init(&sl, n), E_OK);
	for (int step = 0; step < 20000; step++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		u64 r = x >> 33, s = r % n;
		if (r % 3 != 0) {
			u64 len = 1 + (r >> 10) % 9, got = swap_slot_alloc_run(&sl, len);
			if (got == SWAP_SLOT_NONE)
				continue;
			for (u64 i = got; i < got + len; i++) {
				assert_int_equal(shadow[i], 0);
				shadow[i] = 1;
			}
			nfree -= len;
		} else if (shadow[s] == 1) {
			if ((r >> 20) % 50 == 0) {
				swap_slot_retire(&sl, s);
				shadow[s] = 2;
				nret++;
			} else {
				swap_slot_free(&sl, s);
				shadow[s] = 0;
				nfree++;
			}
		}
		assert_int_equal(sl.nfree, nfree);
		assert_int_equal(sl.nretired, nret);
	}
	for (u64 i = 0; i < n; i++)
		assert_int_equal(swap_slot_is_allocated(&sl, i), shadow[i] == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_fit_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse_panics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_shadow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
