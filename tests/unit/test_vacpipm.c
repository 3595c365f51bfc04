/* Unit tests for core/vdev/acpipm.c at an odd TSC rate (2.999999937 GHz):
 * the PM timer's count over a simulated second and at arbitrary points
 * against exact 128-bit reference math, its 32-bit wrap, TMR_STS on bit
 * 31 toggles, write-one-to-clear status, PM1_EN, PM1_CNT with SCI_EN
 * reading 1 and SLP_EN calling back with SLP_TYP, byte accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/acpipm.h"
#include "core/vdev/irq.h"

#define TSC_HZ 2999999937ull
#define T0 123456789ull            /* TSC at init */

static struct vacpipm pm;
static int sleep_calls;
static int last_typ;
static void *last_ctx;

static void on_sleep(void *ctx, u8 typ)
{
	sleep_calls++;
	last_typ = typ;
	last_ctx = ctx;
}

static void setup(void)
{
	sleep_calls = 0;
	last_typ = -1;
	last_ctx = NULL;
	vacpipm_init(&pm, TSC_HZ, T0, on_sleep, &pm);
}

/* Exact reference: timer clocks after dt TSC ticks. */
static u64 ref_ticks(u64 dt)
{
	return (u64)((unsigned __int128)dt * VACPIPM_TMR_HZ / TSC_HZ);
}

/* The first TSC (after T0) at which n timer clocks have elapsed. */
static u64 tsc_at(u64 n)
{
	return T0 + (u64)(((unsigned __int128)n * TSC_HZ + VACPIPM_TMR_HZ - 1) / VACPIPM_TMR_HZ);
}

static u32 rd(enum vacpipm_block b, u8 off, u8 size, u64 now)
{
	return vacpipm_io_read(&pm, b, off, size, now);
}

static void wr(enum vacpipm_block b, u8 off, u8 size, u32 v, u64 now)
{
	vacpipm_io_write(&pm, b, off, size, v, now);
}

static void test_timer_rate(void **state)
{
	(void)state;
	setup();
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, T0), 0);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, T0 - 1000), 0);   /* before start */
	/* One simulated second is exactly 3579545 clocks. */
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, T0 + TSC_HZ), VACPIPM_TMR_HZ);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, T0 + 10 * TSC_HZ), 10 * VACPIPM_TMR_HZ);
	/* Arbitrary points, including days in, match the exact math. */
	const u64 dts[] = { 1, 837, 838, 839, 1000, 12345678, TSC_HZ / 3,
			    TSC_HZ - 1, 86400ull * TSC_HZ + 17, 1ull << 50 };
	for (size_t i = 0; i < ARRAY_SIZE(dts); i++)
		assert_int_equal(vacpipm_timer(&pm, T0 + dts[i]), (u32)ref_ticks(dts[i]));
	/* Monotonic, and each clock boundary lands on the first TSC past it. */
	for (u64 n = 1; n < 5000; n += 7) {
		assert_int_equal(vacpipm_timer(&pm, tsc_at(n)), n);
		assert_int_equal(vacpipm_timer(&pm, tsc_at(n) - 1), n - 1);
	}
}

static void test_timer_wrap(void **state)
{
	(void)state;
	setup();
	u64 wrap = tsc_at(1ull << 32);

	assert_int_equal(rd(VACPIPM_TMR, 0, 4, wrap - 1), 0xffffffffu);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, wrap), 0);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, tsc_at((1ull << 32) + 5)), 5);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, tsc_at((3ull << 32) + 0x1234)), 0x1234);
}

static void test_timer_bytes_and_readonly(void **state)
{
	(void)state;
	setup();
	u64 now = tsc_at(0x12345678);
	u32 v = 0;

	for (u8 i = 0; i < 4; i++)
		v |= rd(VACPIPM_TMR, i, 1, now) << (8 * i);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(rd(VACPIPM_TMR, 2, 2, now), 0x1234);
	wr(VACPIPM_TMR, 0, 4, 0, now);
	assert_int_equal(rd(VACPIPM_TMR, 0, 4, now), 0x12345678);
	assert_int_equal(rd(VACPIPM_TMR, 2, 4, now), 0xffff1234);  /* past the block */
}

static void test_tmr_sts(void **state)
{
	(void)state;
	setup();
	u64 half = tsc_at(1ull << 31);

	assert_int_equal(rd(VACPIPM_EVT, 0, 2, half - 1) & VACPIPM_TMR_STS, 0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, half) & VACPIPM_TMR_STS, VACPIPM_TMR_STS);
	/* Writing 0 does not clear; writing 1 does, until the next toggle. */
	wr(VACPIPM_EVT, 0, 2, 0, half + 10);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, half + 10) & VACPIPM_TMR_STS, VACPIPM_TMR_STS);
	wr(VACPIPM_EVT, 0, 2, VACPIPM_TMR_STS, half + 10);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, half + 20) & VACPIPM_TMR_STS, 0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, tsc_at(1ull << 32) - 1) & VACPIPM_TMR_STS, 0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, tsc_at(1ull << 32)) & VACPIPM_TMR_STS,
			 VACPIPM_TMR_STS);
	/* The SCI follows TMR_STS only with TMR_EN; next_event is the toggle. */
	assert_false(vacpipm_sci(&pm, tsc_at(1ull << 32)));
	assert_int_equal(vacpipm_next_event(&pm, half + 20), VDEV_NO_EVENT);
	wr(VACPIPM_EVT, 2, 2, VACPIPM_TMR_EN, half + 20);
	assert_int_equal(vacpipm_next_event(&pm, half + 20), tsc_at(1ull << 32));
	assert_false(vacpipm_sci(&pm, tsc_at(1ull << 32) - 1));
	assert_true(vacpipm_sci(&pm, tsc_at(1ull << 32)));
}

static void test_w1c_status(void **state)
{
	(void)state;
	setup();
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0), 0);
	vacpipm_power_button(&pm);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0), VACPIPM_PWRBTN_STS);
	assert_false(vacpipm_sci(&pm, T0));
	wr(VACPIPM_EVT, 2, 2, VACPIPM_PWRBTN_EN, T0);
	assert_true(vacpipm_sci(&pm, T0));
	assert_int_equal(vacpipm_next_event(&pm, T0 + 5), T0 + 5);
	/* Writing back what was read as 0 keeps the bit. */
	wr(VACPIPM_EVT, 0, 2, (u16)~VACPIPM_PWRBTN_STS & ~VACPIPM_TMR_STS, T0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0), VACPIPM_PWRBTN_STS);
	/* A byte write of the high byte clears bit 8; the low byte does not. */
	wr(VACPIPM_EVT, 0, 1, 0xff, T0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0), VACPIPM_PWRBTN_STS);
	wr(VACPIPM_EVT, 1, 1, 0x01, T0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0), 0);
	assert_false(vacpipm_sci(&pm, T0));
	/* A dword write of the block clears status and sets enables at once. */
	vacpipm_power_button(&pm);
	wr(VACPIPM_EVT, 0, 4, (u32)VACPIPM_TMR_EN << 16 | VACPIPM_PWRBTN_STS, T0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 4, T0), (u32)VACPIPM_TMR_EN << 16);
}

static void test_pm1_en(void **state)
{
	(void)state;
	setup();
	wr(VACPIPM_EVT, 2, 2, 0xffff, T0);
	assert_int_equal(rd(VACPIPM_EVT, 2, 2, T0), 0x4721);       /* defined bits only */
	wr(VACPIPM_EVT, 3, 1, 0x00, T0);
	assert_int_equal(rd(VACPIPM_EVT, 2, 2, T0), 0x0021);
	assert_int_equal(rd(VACPIPM_EVT, 2, 1, T0), 0x21);
	assert_int_equal(rd(VACPIPM_EVT, 0, 4, T0), 0x00210000);
}

static void test_sci_en_and_cnt(void **state)
{
	(void)state;
	setup();
	assert_int_equal(rd(VACPIPM_CNT, 0, 2, T0), VACPIPM_SCI_EN);
	wr(VACPIPM_CNT, 0, 2, 0, T0);
	assert_int_equal(rd(VACPIPM_CNT, 0, 2, T0), VACPIPM_SCI_EN);
	/* SLP_TYP reads back; GBL_RLS (bit 2) and SLP_EN do not; no sleep yet. */
	wr(VACPIPM_CNT, 0, 2, 3u << VACPIPM_SLP_TYP_SHIFT | BIT(2), T0);
	assert_int_equal(rd(VACPIPM_CNT, 0, 2, T0), 3u << VACPIPM_SLP_TYP_SHIFT | VACPIPM_SCI_EN);
	assert_int_equal(sleep_calls, 0);
	assert_int_equal(rd(VACPIPM_CNT, 0, 4, T0), 0xffff0000u | 3u << 10 | 1);
}

static void test_slp_en_callback(void **state)
{
	(void)state;
	setup();
	wr(VACPIPM_EVT, 0, 2, VACPIPM_WAK_STS, T0);
	wr(VACPIPM_CNT, 0, 2, 5u << VACPIPM_SLP_TYP_SHIFT, T0);
	assert_int_equal(sleep_calls, 0);
	wr(VACPIPM_CNT, 0, 2, 5u << VACPIPM_SLP_TYP_SHIFT | VACPIPM_SLP_EN, T0);
	assert_int_equal(sleep_calls, 1);
	assert_int_equal(last_typ, 5);
	assert_ptr_equal(last_ctx, &pm);
	assert_int_equal(pm.sleeps, 1);
	assert_int_equal(rd(VACPIPM_CNT, 0, 2, T0) & VACPIPM_SLP_EN, 0);
	/* The callback returned: the guest "woke" (WAK_STS), W1C as usual. */
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0) & VACPIPM_WAK_STS, VACPIPM_WAK_STS);
	wr(VACPIPM_EVT, 0, 2, VACPIPM_WAK_STS, T0);
	assert_int_equal(rd(VACPIPM_EVT, 0, 2, T0) & VACPIPM_WAK_STS, 0);
	/* A byte write of the high byte carries SLP_TYP and SLP_EN together. */
	wr(VACPIPM_CNT, 1, 1, (VACPIPM_SLP_EN | 7u << VACPIPM_SLP_TYP_SHIFT) >> 8, T0);
	assert_int_equal(sleep_calls, 2);
	assert_int_equal(last_typ, 7);
	/* A low-byte write cannot reach SLP_EN. */
	wr(VACPIPM_CNT, 0, 1, 0xff, T0);
	assert_int_equal(sleep_calls, 2);
}

static void test_no_callback(void **state)
{
	(void)state;
	vacpipm_init(&pm, TSC_HZ, T0, NULL, NULL);
	wr(VACPIPM_CNT, 0, 2, 5u << VACPIPM_SLP_TYP_SHIFT | VACPIPM_SLP_EN, T0);
	assert_int_equal(pm.sleeps, 1);
	assert_int_equal(rd(VACPIPM_CNT, 0, 2, T0), 5u << VACPIPM_SLP_TYP_SHIFT | VACPIPM_SCI_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_rate),
		cmocka_unit_test(test_timer_wrap),
		cmocka_unit_test(test_timer_bytes_and_readonly),
		cmocka_unit_test(test_tmr_sts),
		cmocka_unit_test(test_w1c_status),
		cmocka_unit_test(test_pm1_en),
		cmocka_unit_test(test_sci_en_and_cnt),
		cmocka_unit_test(test_slp_en_callback),
		cmocka_unit_test(test_no_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
