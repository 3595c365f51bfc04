/* core/bench.c: the median, the sample hooks (nothing recorded with the
 * option off; a demand-zero sample completes at the next entry; a swap-in
 * sample only once its read has completed) and the metadata line counted
 * from the frame descriptors a guest owns, in fake memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/bench.c"
#include "fakemem.h"
#include "stubs.h"

static struct vm test_vm = { .id = 3, .name = "g", .mem_size = 64 * MiB };

static int reset(void **state)
{
	(void)state;
	memset(bvm, 0, sizeof(bvm));
	opt_bench = true;
	stub_log_len = 0;
	stub_log_buf[0] = 0;
	return 0;
}

static void test_median(void **state)
{
	u64 odd[] = { 9, 1, 5, 7, 3 }, even[] = { 4, 2, 8, 6 }, one[] = { 42 };
	(void)state;
	assert_int_equal(bench_median(odd, 5), 5);
	assert_int_equal(odd[0], 1);                 /* sorted in place */
	assert_int_equal(odd[4], 9);
	assert_int_equal(bench_median(even, 4), 6);  /* the upper middle */
	assert_int_equal(bench_median(one, 1), 42);
	assert_int_equal(bench_median(NULL, 0), 0);
}

static void test_off_records_nothing(void **state)
{
	(void)state;
	opt_bench = false;
	assert_int_equal(bench_now(), 0);
	bench_fault_begin(&test_vm);
	bench_fault_zero(&test_vm);
	bench_before_entry(&test_vm);
	bench_evicted(&test_vm, BENCH_EVICT_ONE, 1, 1);
	bench_write_cmd(&test_vm, 8);
	bench_guest_end(&test_vm);
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 0);
	assert_int_equal(bvm[3].n[BENCH_EVICT_ONE], 0);
	assert_int_equal(bvm[3].write_cmds, 0);
	assert_int_equal(stub_log_len, 0);
}

static void test_zero_fault_sample(void **state)
{
	(void)state;
	bench_fault_begin(&test_vm);
	bench_before_entry(&test_vm);        /* not a demand-zero fault: no sample */
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 0);
	bench_fault_begin(&test_vm);
	bench_fault_zero(&test_vm);
	bench_before_entry(&test_vm);
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 1);
	bench_before_entry(&test_vm);        /* completed once only */
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 1);
	bench_fault_zero(&test_vm);          /* without a handler entry (loader) */
	bench_before_entry(&test_vm);
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 1);
}

static void test_cpuid_exit_sample(void **state)
{
	(void)state;
	bench_exit_begin(&test_vm);
	bench_before_entry(&test_vm);
	bench_before_entry(&test_vm);
	assert_int_equal(bvm[3].n[BENCH_CPUID_EXIT], 1);
	assert_int_equal(bvm[3].n[BENCH_ZERO_FAULT], 0);
}

static void test_swapin_waits_for_completion(void **state)
{
	(void)state;
	bvm[3].fault_tsc = rdtsc() - 1000;     /* the handler began 1000 ticks ago */
	bench_swapin_submitted(&test_vm);
	u64 part = bvm[3].swapin_part;
	assert_true(part >= 1000);
	bench_before_entry(&test_vm);        /* another entry before the read ends */
	assert_int_equal(bvm[3].n[BENCH_SWAPIN], 0);
	assert_true(bvm[3].swapin_part > 0);
	bench_swapin_done(&test_vm);
	bench_before_entry(&test_vm);
	assert_int_equal(bvm[3].n[BENCH_SWAPIN], 1);
	assert_true(bvm[3].s[BENCH_SWAPIN][0] >= part);   /* both parts summed */
	assert_int_equal(bvm[3].swapin_part, 0);
}

static void test_evict_per_page_and_writes(void **state)
{
	(void)state;
	u64 t0 = bench_now();
	assert_true(t0 > 0);
	bench_evicted(&test_vm, BENCH_EVICT_SWEEP, t0 - 3200, 32);   /* >= 100 per page */
	assert_int_equal(bvm[3].n[BENCH_EVICT_SWEEP], 1);
	assert_true(bvm[3].s[BENCH_EVICT_SWEEP][0] >= 100);
	bench_evicted(&test_vm, BENCH_EVICT_SWEEP, t0, 0);          /* nothing unmapped */
	bench_evicted(NULL, BENCH_EVICT_SWEEP, t0, 4);
	assert_int_equal(bvm[3].n[BENCH_EVICT_SWEEP], 1);
	bench_write_cmd(&test_vm, 32);
	bench_write_cmd(&test_vm, 16);
	assert_int_equal(bvm[3].write_cmds, 2);
	assert_int_equal(bvm[3].write_pages, 48);
}

/* Two table pages and five data frames owned by the guest, one frame of
 * another guest: the metadata line counts the guest's seven. */
static void test_metadata_line(void **state)
{
	struct fakemem *mem = fakemem_with_frames();
	hpa_t f;
	(void)state;
	for (int i = 0; i < 2; i++) {
		f = frame_alloc(FRAME_PT, 3);
		assert_true(frame_is_valid(f));
	}
	for (int i = 0; i < 5; i++) {
		f = frame_alloc(FRAME_GUEST, 3);
		assert_true(frame_is_valid(f));
	}
	f = frame_alloc(FRAME_GUEST, 4);
	assert_true(frame_is_valid(f));
	test_vm.mem.swapped_pages = 8;
	bench_write_cmd(&test_vm, 4);
	bench_guest_end(&test_vm);
	assert_non_null(strstr(stub_log_buf, "metadata g: mem 64 MiB"));
	assert_non_null(strstr(stub_log_buf, "tdp-tables 8192 (2 pages)"));
	assert_non_null(strstr(stub_log_buf, "frame-descriptors 112 (7 frames)"));
	assert_non_null(strstr(stub_log_buf, "swap-slots 35 "));   /* 8 x 35 bits */
	assert_non_null(strstr(stub_log_buf, "bench g: swap writes 1 commands 4 pages"));
	assert_non_null(strstr(stub_log_buf, "bench g: page clear median "));
	assert_int_equal(bvm[3].write_cmds, 0);                    /* reset after printing */
	test_vm.mem.swapped_pages = 0;
	fakemem_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_median, reset),
		cmocka_unit_test_setup(test_off_records_nothing, reset),
		cmocka_unit_test_setup(test_zero_fault_sample, reset),
		cmocka_unit_test_setup(test_cpuid_exit_sample, reset),
		cmocka_unit_test_setup(test_swapin_waits_for_completion, reset),
		cmocka_unit_test_setup(test_evict_per_page_and_writes, reset),
		cmocka_unit_test_setup(test_metadata_line, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
