/* Unit tests for core/vdev/pit.c with a 1 GHz TSC (one PIT clock is
 * 838.0965 ns): counts read back after known TSC advances, latch and
 * read-back commands, modes 0-5 OUT levels, IRQ 0 pulses and next_event in
 * modes 2/3/0, port 0x61 gate/OUT2/refresh as Linux's PIT calibration
 * uses them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/pit.h"

#define HZ 1000000000ull

static struct vpit pit;
static int irq_edges;
static bool irq_level;

static void irq_set(void *ctx, u8 line, bool level)
{
	(void)ctx;
	assert_int_equal(line, 0);
	if (level && !irq_level)
		irq_edges++;
	irq_level = level;
}

static const struct vdev_irq irq = { .set = irq_set };

/* TSC at which n PIT clocks have elapsed from 0 (rounded up). */
static u64 clk(u64 n)
{
	return (n * HZ + VPIT_HZ - 1) / VPIT_HZ;
}

static void setup(void)
{
	irq_edges = 0;
	irq_level = false;
	vpit_init(&pit, HZ, &irq);
}

static void program(int ch, u8 mode, u16 count, u64 now)
{
	vpit_io_write(&pit, 0x43, (u8)(ch << 6 | 0x30 | mode << 1), now);
	vpit_io_write(&pit, 0x40 + ch, (u8)count, now);
	vpit_io_write(&pit, 0x40 + ch, (u8)(count >> 8), now);
}

static u16 read_count(int ch, u64 now)
{
	vpit_io_write(&pit, 0x43, (u8)(ch << 6), now);   /* counter latch */
	u16 lo = vpit_io_read(&pit, 0x40 + ch, now);
	return (u16)(lo | vpit_io_read(&pit, 0x40 + ch, now) << 8);
}

static void test_mode0_count_and_out(void **state)
{
	(void)state;
	setup();
	program(0, 0, 1000, 0);
	assert_false(vpit_out(&pit, 0, 0));
	assert_int_equal(read_count(0, clk(100)), 900);
	assert_int_equal(read_count(0, clk(999)), 1);
	assert_false(vpit_out(&pit, 0, clk(1000) - 1));
	assert_true(vpit_out(&pit, 0, clk(1000)));
	/* The count wraps past zero; OUT stays high. */
	assert_int_equal(read_count(0, clk(1001)), 0xffff);
	assert_true(vpit_out(&pit, 0, clk(5000)));
	/* Large advances: no drift after ~1 hour of guest time. */
	program(0, 0, 0, 0);
	u64 hour = 3600 * HZ;
	u64 d = (u64)((unsigned __int128)hour * VPIT_HZ / HZ);
	assert_int_equal(read_count(0, hour), (u16)(0x10000 - d % 0x10000));
}

static void test_mode0_irq(void **state)
{
	(void)state;
	setup();
	program(0, 0, 1000, 0);
	assert_int_equal(vpit_next_event(&pit), clk(1000));
	vpit_tick(&pit, clk(1000) - 1);
	assert_int_equal(irq_edges, 0);
	vpit_tick(&pit, clk(1000));
	assert_int_equal(irq_edges, 1);
	assert_int_equal(pit.irqs, 1);
	assert_int_equal(vpit_next_event(&pit), VDEV_NO_EVENT);
	vpit_tick(&pit, clk(100000));
	assert_int_equal(irq_edges, 1);
}

static void test_mode2_periodic(void **state)
{
	(void)state;
	setup();
	/* Linux's periodic PIT at HZ=1000: mode 2, count 1193. */
	u64 t0 = 12345;
	program(0, 2, 1193, t0);
	assert_true(vpit_out(&pit, 0, t0));
	u64 first = t0 + clk(1193);
	assert_int_equal(vpit_next_event(&pit), first);
	/* OUT low for exactly the last clock of each period. */
	assert_false(vpit_out(&pit, 0, t0 + clk(1192)));
	assert_true(vpit_out(&pit, 0, t0 + clk(1191)));
	assert_int_equal(read_count(0, t0 + clk(1)), 1192);
	assert_int_equal(read_count(0, t0 + clk(1193)), 1193);
	/* One pulse per call at each period; next_event steps by one period. */
	u64 now = first;
	for (int i = 1; i <= 1000; i++) {
		vpit_tick(&pit, now);
		now = vpit_next_event(&pit);
		assert_int_equal(now, t0 + clk((u64)(i + 1) * 1193));
	}
	assert_int_equal(irq_edges, 1000);
	/* A descheduled guest gets one interrupt, not a backlog. */
	vpit_tick(&pit, now + clk(10 * 1193) + 5);
	assert_int_equal(irq_edges, 1001);
	assert_int_equal(vpit_next_event(&pit), t0 + clk(1012 * 1193));
}

static void test_mode3_square(void **state)
{
	(void)state;
	setup();
	program(0, 3, 100, 0);
	assert_true(vpit_out(&pit, 0, clk(49)));
	assert_false(vpit_out(&pit, 0, clk(50)));
	assert_false(vpit_out(&pit, 0, clk(99)));
	assert_true(vpit_out(&pit, 0, clk(100)));
	/* Counts go down by two in each half. */
	assert_int_equal(read_count(0, clk(10)), 80);
	assert_int_equal(read_count(0, clk(60)), 80);
	assert_int_equal(vpit_next_event(&pit), clk(100));
	vpit_tick(&pit, clk(100));
	assert_int_equal(vpit_next_event(&pit), clk(200));
	/* Odd count: high one clock longer. */
	program(0, 3, 5, 0);
	assert_true(vpit_out(&pit, 0, clk(2)));
	assert_false(vpit_out(&pit, 0, clk(3)));
	/* Mode bits x11 are mode 3. */
	vpit_io_write(&pit, 0x43, 0x3e, 0);
	assert_int_equal(pit.ch[0].mode, 3);
}

static void test_mode4_strobe(void **state)
{
	(void)state;
	setup();
	program(0, 4, 50, 0);
	assert_true(vpit_out(&pit, 0, clk(49)));
	assert_false(vpit_out(&pit, 0, clk(50)));
	assert_true(vpit_out(&pit, 0, clk(51)));
	assert_int_equal(vpit_next_event(&pit), clk(51));
	vpit_tick(&pit, clk(51));
	assert_int_equal(irq_edges, 1);
	assert_int_equal(vpit_next_event(&pit), VDEV_NO_EVENT);
}

/* Linux's pit_calibrate_tsc: gate high, speaker off, mode 0 on channel 2,
 * poll port 0x61 bit 5 until OUT2 rises. */
static void test_port61_calibration(void **state)
{
	(void)state;
	setup();
	vpit_io_write(&pit, 0x61, (vpit_io_read(&pit, 0x61, 0) & ~0x02) | 0x01, 0);
	vpit_io_write(&pit, 0x43, 0xb0, 0);
	u16 latch = (u16)(VPIT_HZ / 20);   /* 50 ms */
	vpit_io_write(&pit, 0x42, latch & 0xff, 100);
	vpit_io_write(&pit, 0x42, latch >> 8, 100);
	assert_int_equal(vpit_io_read(&pit, 0x61, 100) & 0x23, 0x01);
	u64 t = 100;
	while (!(vpit_io_read(&pit, 0x61, t) & 0x20))
		t += 1000;
	/* OUT2 rose 50 ms (within one poll step) after the count was written. */
	u64 expect = 100 + clk(latch);
	assert_true(t >= expect && t < expect + 1000);
	assert_int_equal(vpit_io_read(&pit, 0x61, t) & 0x03, 0x01);
	/* Gate low pauses mode 0 on channel 2, gate high resumes. */
	program(2, 0, 1000, 0);
	vpit_io_write(&pit, 0x61, 0x00, clk(300));
	assert_int_equal(read_count(2, clk(900)), 700);
	vpit_io_write(&pit, 0x61, 0x01, clk(900));
	assert_int_equal(read_count(2, clk(900) + clk(100)), 600);
	assert_false(vpit_io_read(&pit, 0x61, clk(900) + clk(700) - 1) & 0x20);
	assert_true(vpit_io_read(&pit, 0x61, clk(900) + clk(700)) & 0x20);
}

static void test_port61_refresh(void **state)
{
	(void)state;
	setup();
	u8 a = vpit_io_read(&pit, 0x61, clk(1)) & 0x10;
	u8 b = vpit_io_read(&pit, 0x61, clk(19)) & 0x10;
	u8 c = vpit_io_read(&pit, 0x61, clk(37)) & 0x10;
	assert_int_not_equal(a, b);
	assert_int_equal(a, c);
}

static void test_gate_modes(void **state)
{
	(void)state;
	setup();
	/* Mode 1: waits for a gate rising edge, OUT low while counting. */
	vpit_io_write(&pit, 0x61, 0x01, 0);
	program(2, 1, 100, 0);
	assert_true(vpit_out(&pit, 2, clk(500)));
	vpit_io_write(&pit, 0x61, 0x00, clk(500));
	vpit_io_write(&pit, 0x61, 0x01, clk(600));
	assert_false(vpit_out(&pit, 2, clk(600) + clk(50)));
	assert_int_equal(read_count(2, clk(600) + clk(50)), 50);
	assert_true(vpit_out(&pit, 2, clk(600) + clk(100)));
	/* Retrigger restarts the one-shot. */
	vpit_io_write(&pit, 0x61, 0x00, clk(800));
	vpit_io_write(&pit, 0x61, 0x01, clk(810));
	assert_false(vpit_out(&pit, 2, clk(900)));
	/* Mode 5: strobe one clock after the count from the trigger. */
	program(2, 5, 10, clk(1000));
	vpit_io_write(&pit, 0x61, 0x00, clk(1000));
	vpit_io_write(&pit, 0x61, 0x01, clk(2000));
	assert_true(vpit_out(&pit, 2, clk(2000) + clk(9)));
	assert_false(vpit_out(&pit, 2, clk(2000) + clk(10)));
	assert_true(vpit_out(&pit, 2, clk(2000) + clk(11)));
	/* Mode 2 restarts on a rising gate; gate low forces OUT high. */
	program(2, 2, 10, clk(3000));
	assert_int_equal(read_count(2, clk(3000) + clk(4)), 6);
	vpit_io_write(&pit, 0x61, 0x00, clk(3000) + clk(9));
	assert_true(vpit_out(&pit, 2, clk(3000) + clk(9)));
	vpit_io_write(&pit, 0x61, 0x01, clk(3020));
	assert_int_equal(read_count(2, clk(3020) + clk(3)), 7);
}

static void test_latch_and_readback(void **state)
{
	(void)state;
	setup();
	program(0, 2, 1000, 0);
	/* A latched value holds while time moves on, until both bytes read. */
	vpit_io_write(&pit, 0x43, 0x00, clk(100));
	assert_int_equal(vpit_io_read(&pit, 0x40, clk(500)), 900 & 0xff);
	vpit_io_write(&pit, 0x43, 0x00, clk(600));   /* ignored: still latched */
	assert_int_equal(vpit_io_read(&pit, 0x40, clk(700)), 900 >> 8);
	assert_int_equal(read_count(0, clk(700)), 300);
	/* LSB-only access. */
	vpit_io_write(&pit, 0x43, 0x54, 0);          /* ch1, LSB, mode 2 */
	vpit_io_write(&pit, 0x41, 18, 0);
	assert_int_equal(pit.ch[1].reload, 18);
	assert_int_equal(vpit_io_read(&pit, 0x41, clk(5)), 13);
	assert_int_equal(vpit_io_read(&pit, 0x41, clk(6)), 12);
	/* Read-back: status then count of channel 0 and status of channel 2. */
	program(2, 0, 500, 0);
	vpit_io_write(&pit, 0x43, 0xc2, clk(100));   /* count+status, ch0 */
	vpit_io_write(&pit, 0x43, 0xe8, clk(100));   /* status only, ch2 */
	u8 st0 = vpit_io_read(&pit, 0x40, clk(900));
	assert_int_equal(st0 & 0x3f, 0x34);          /* LSB/MSB, mode 2, binary */
	assert_true(st0 & 0x80);                     /* OUT high mid-period */
	assert_false(st0 & 0x40);                    /* count loaded */
	assert_int_equal(vpit_io_read(&pit, 0x40, clk(900)), 900 & 0xff);
	assert_int_equal(vpit_io_read(&pit, 0x40, clk(900)), 900 >> 8);
	u8 st2 = vpit_io_read(&pit, 0x42, clk(900));
	assert_int_equal(st2, 0x30);                 /* OUT low, mode 0 */
	/* Null count after a control word until a count is written. */
	vpit_io_write(&pit, 0x43, 0x30, 0);
	vpit_io_write(&pit, 0x43, 0xe2, 0);
	assert_true(vpit_io_read(&pit, 0x40, 0) & 0x40);
}

/* At a non-round TSC rate, counts and event times over days of guest time
 * equal exact 128-bit arithmetic (a host-side oracle). */
static void test_exact_odd_rate(void **state)
{
	(void)state;
	const u64 hz = 2994373117ull;
	vpit_init(&pit, hz, &irq);
	program(0, 2, 0, 7);
	for (u64 now = 7; now < 7 + 5 * 86400 * hz; now += 86400 * hz / 3 + 12345) {
		u64 d = (u64)((unsigned __int128)(now - 7) * VPIT_HZ / hz);
		assert_int_equal(vpit_count(&pit, 0, now), (u16)(0x10000 - d % 0x10000));
		vpit_tick(&pit, now);
		u64 e = (d / 0x10000 + 1) * 0x10000;
		u64 t = 7 + (u64)(((unsigned __int128)e * hz + VPIT_HZ - 1) / VPIT_HZ);
		if (now >= 7 + (u64)(((unsigned __int128)0x10000 * hz + VPIT_HZ - 1) / VPIT_HZ))
			assert_int_equal(vpit_next_event(&pit), t);
	}
}

static void test_no_irq_unprogrammed(void **state)
{
	(void)state;
	setup();
	assert_int_equal(vpit_next_event(&pit), VDEV_NO_EVENT);
	vpit_tick(&pit, 10 * HZ);
	assert_int_equal(irq_edges, 0);
	/* Rewriting the mode stops channel 0's interrupts until a count. */
	program(0, 2, 100, 0);
	vpit_io_write(&pit, 0x43, 0x34, clk(50));
	assert_int_equal(vpit_next_event(&pit), VDEV_NO_EVENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode0_count_and_out),
		cmocka_unit_test(test_mode0_irq),
		cmocka_unit_test(test_mode2_periodic),
		cmocka_unit_test(test_mode3_square),
		cmocka_unit_test(test_mode4_strobe),
		cmocka_unit_test(test_port61_calibration),
		cmocka_unit_test(test_port61_refresh),
		cmocka_unit_test(test_gate_modes),
		cmocka_unit_test(test_latch_and_readback),
		cmocka_unit_test(test_exact_odd_rate),
		cmocka_unit_test(test_no_irq_unprogrammed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
