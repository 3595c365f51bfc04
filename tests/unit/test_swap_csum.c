/* Unit tests for the swap checksums of mm/swap.c: a page stored for a slot
 * verifies; every single-bit flip of a page, two words exchanged, a page
 * read from the wrong slot and a stale checksum after a slot is reused all
 * fail to verify; the checksum array is allocated and freed with the slot
 * bitmaps; distinct written slots are counted; checking a slot that is not
 * allocated panics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/types.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/swap.h"
#include "stubs.h"
#include "fakemem.h"

static struct swap_slots sl;
static u64 page[PAGE_SIZE / 8];

static void fill_page(u64 seed)
{
	u64 x = seed;
	for (size_t i = 0; i < ARRAY_SIZE(page); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		page[i] = x;
	}
}

static int setup(void **state)
{
	*state = fakemem_with_frames();
	heap_init();
	fill_page(42);
	return 0;
}

static int teardown(void **state)
{
	swap_slots_destroy(&sl);
	fakemem_destroy(*state);
	return 0;
}

/* 4 bytes per slot come from the heap with the bitmaps and go back. */
static void test_alloc_free(void **state)
{
	(void)state;
	struct heap_stats before, with, after;
	heap_get_stats(&before);
	assert_int_equal(swap_slots_init(&sl, 65535), E_OK);
	heap_get_stats(&with);
	assert_non_null(sl.csum);
	assert_true(with.bytes_in_use - before.bytes_in_use >= 65535 * 4);
	swap_slots_destroy(&sl);
	heap_get_stats(&after);
	assert_int_equal(after.bytes_in_use, before.bytes_in_use);
	assert_null(sl.csum);
}

static void test_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 100), E_OK);
	for (int k = 0; k < 100; k++) {
		u64 s = swap_slot_alloc(&sl);
		fill_page((u64)k);
		swap_csum_store(&sl, s, page);
		assert_true(swap_csum_verify(&sl, s, page));
	}
	/* Still true for the first one after the others were stored. */
	fill_page(0);
	assert_true(swap_csum_verify(&sl, 0, page));
	/* An all-zero page has a checksum like any other. */
	memset(page, 0, sizeof(page));
	swap_csum_store(&sl, 7, page);
	assert_true(swap_csum_verify(&sl, 7, page));
	page[511] = 1;
	assert_false(swap_csum_verify(&sl, 7, page));
}

/* Every one of the 32768 single-bit flips is caught. */
static void test_every_bit_flip(void **state)
{
	(void)state;
	u8 *b = (u8 *)page;
	assert_int_equal(swap_slots_init(&sl, 4), E_OK);
	u64 s = swap_slot_alloc_run(&sl, 4) + 2;
	swap_csum_store(&sl, s, page);
	for (u32 bit = 0; bit < PAGE_SIZE * 8; bit++) {
		b[bit / 8] ^= (u8)(1u << (bit % 8));
		if (swap_csum_verify(&sl, s, page))
			fail_msg("flip of bit %u not detected", bit);
		b[bit / 8] ^= (u8)(1u << (bit % 8));
	}
	assert_true(swap_csum_verify(&sl, s, page));
}

/* Reordered words, words moved between lanes, a page from the wrong slot. */
static void test_order_and_slot(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 8), E_OK);
	assert_int_equal(swap_slot_alloc_run(&sl, 8), 0);
	swap_csum_store(&sl, 3, page);
	swap_csum_store(&sl, 4, page);
	/* Same data, different slots: different checksums. */
	assert_int_not_equal(sl.csum[3], sl.csum[4]);
	assert_int_not_equal(swap_csum_page(page, 3), swap_csum_page(page, 4));
	const size_t pairs[][2] = { { 0, 1 }, { 0, 4 }, { 5, 9 }, { 100, 511 } };
	for (size_t k = 0; k < ARRAY_SIZE(pairs); k++) {
		u64 t = page[pairs[k][0]];
		page[pairs[k][0]] = page[pairs[k][1]];
		page[pairs[k][1]] = t;
		assert_false(swap_csum_verify(&sl, 3, page));
		page[pairs[k][1]] = page[pairs[k][0]];
		page[pairs[k][0]] = t;
	}
	assert_true(swap_csum_verify(&sl, 3, page));
}

/* A slot freed and allocated again verifies only against its new write. */
static void test_reuse(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 1), E_OK);
	u64 s = swap_slot_alloc(&sl);
	swap_csum_store(&sl, s, page);
	swap_slot_free(&sl, s);
	assert_int_equal(swap_slot_alloc(&sl), s);
	fill_page(43);
	assert_false(swap_csum_verify(&sl, s, page));
	swap_csum_store(&sl, s, page);
	assert_true(swap_csum_verify(&sl, s, page));
	/* One distinct slot written, however often. */
	assert_int_equal(sl.nwritten, 1);
}

/* nwritten counts distinct slots, as the image holds data in them. */
static void test_written_count(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 200), E_OK);
	assert_int_equal(sl.nwritten, 0);
	assert_int_equal(swap_slot_alloc_run(&sl, 130), 0);
	for (u64 i = 0; i < 130; i += 2)
		swap_csum_store(&sl, i, page);
	assert_int_equal(sl.nwritten, 65);
	for (u64 i = 0; i < 130; i++)
		swap_csum_store(&sl, i, page);
	assert_int_equal(sl.nwritten, 130);
	swap_slot_free_run(&sl, 0, 130);
	assert_int_equal(sl.nwritten, 130);
}

static void do_store_free(void *ctx)
{
	(void)ctx;
	swap_csum_store(&sl, 5, page);
}

static void do_verify_retired(void *ctx)
{
	(void)ctx;
	(void)swap_csum_verify(&sl, 1, page);
}

static void do_verify_range(void *ctx)
{
	(void)ctx;
	(void)swap_csum_verify(&sl, 16, page);
}

static void test_misuse_panics(void **state)
{
	(void)state;
	assert_int_equal(swap_slots_init(&sl, 16), E_OK);
	assert_int_equal(swap_slot_alloc_run(&sl, 2), 0);
	swap_slot_retire(&sl, 1);
	assert_true(fakemem_panics(do_store_free, NULL));
	assert_true(fakemem_panics(do_verify_retired, NULL));
	assert_true(fakemem_panics(do_verify_range, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_bit_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_written_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse_panics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
