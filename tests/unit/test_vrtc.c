/* Unit tests for core/vdev/rtc.c with a 1 GHz TSC: time registers in BCD
 * and binary, 12-hour mode, the SET bit as guests use it to write the
 * time, periodic interrupts counted over a simulated second, update-ended
 * and alarm interrupts, register C clearing and IRQ 8, the UIP window,
 * the NMI bit of the index, calendar roll-over and the memory-size bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/rtc.h"

#define HZ 1000000000ull

static struct vrtc rtc;
static int irq_rises;
static bool irq_level;

static void irq_set(void *ctx, u8 line, bool level)
{
	(void)ctx;
	assert_int_equal(line, 8);
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}

static const struct vdev_irq irq = { .set = irq_set };

/* 2026-12-06 11:18:39, a Sunday. */
static const struct vrtc_time t0 = {
	.year = 2026, .month = 12, .day = 6, .hour = 11, .min = 18, .sec = 39,
};

static void setup(u64 ram)
{
	irq_rises = 0;
	irq_level = false;
	vrtc_init(&rtc, HZ, &t0, ram, 1000, &irq);
}

static u8 rd(u8 idx, u64 now)
{
	vrtc_io_write(&rtc, 0x70, idx, now);
	return vrtc_io_read(&rtc, 0x71, now);
}

static void wr(u8 idx, u8 val, u64 now)
{
	vrtc_io_write(&rtc, 0x70, idx, now);
	vrtc_io_write(&rtc, 0x71, val, now);
}

static void test_bcd_time(void **state)
{
	(void)state;
	setup(64 * MiB);
	assert_int_equal(rd(0x00, 1000), 0x39);
	assert_int_equal(rd(0x02, 1000), 0x18);
	assert_int_equal(rd(0x04, 1000), 0x11);
	assert_int_equal(rd(0x06, 1000), 0x01);   /* Sunday */
	assert_int_equal(rd(0x07, 1000), 0x06);
	assert_int_equal(rd(0x08, 1000), 0x12);
	assert_int_equal(rd(0x09, 1000), 0x26);
	assert_int_equal(rd(0x32, 1000), 0x20);
	assert_int_equal(rd(0x0a, 1000), 0x26);
	assert_int_equal(rd(0x0b, 1000), 0x02);
	assert_int_equal(rd(0x0d, 1000), 0x80);
	/* Time advances with the TSC: 21 s later the minute rolls. */
	assert_int_equal(rd(0x00, 1000 + 21 * HZ), 0x00);
	assert_int_equal(rd(0x02, 1000 + 21 * HZ), 0x19);
	assert_int_equal(rd(0x00, 1000 + 21 * HZ - 1), 0x59);
}

static void test_binary_and_12h(void **state)
{
	(void)state;
	setup(64 * MiB);
	wr(0x0b, 0x04, 1000);                     /* binary, 12-hour */
	assert_int_equal(rd(0x00, 1000), 39);
	assert_int_equal(rd(0x04, 1000), 11);     /* 11 AM */
	assert_int_equal(rd(0x09, 1000), 26);
	u64 pm = 1000 + 3600 * HZ;                /* 12:18 PM */
	assert_int_equal(rd(0x04, pm), 0x80 | 12);
	assert_int_equal(rd(0x04, pm + 3600 * HZ), 0x80 | 1);
	wr(0x0b, 0x00, 1000);                     /* BCD, 12-hour */
	assert_int_equal(rd(0x04, 1000 + 12 * 3600 * HZ), 0x80 | 0x11);
	/* Midnight is 12 AM. */
	assert_int_equal(rd(0x04, 1000 + 13 * 3600 * HZ), 0x12);
}

/* Linux's mc146818_set_time: SET on, write the registers, SET off. */
static void test_set_time(void **state)
{
	(void)state;
	setup(64 * MiB);
	u64 now = 5 * HZ + 1000 + HZ / 3;
	wr(0x0b, 0x82, now);
	wr(0x00, 0x58, now);
	wr(0x02, 0x59, now);
	wr(0x04, 0x23, now);
	wr(0x07, 0x31, now);
	wr(0x08, 0x12, now);
	wr(0x09, 0x99, now);
	wr(0x32, 0x20, now);
	/* Frozen while SET is on. */
	assert_int_equal(rd(0x00, now + 10 * HZ), 0x58);
	assert_true(rd(0x0b, now) & 0x80);
	u64 go = now + 10 * HZ;
	wr(0x0b, 0x02, go);
	assert_int_equal(rd(0x00, go), 0x58);
	/* The update phase is kept: the next second starts at the old
	 * boundary (base 1000 + whole seconds). */
	u64 boundary = 1000 + 16 * HZ;
	assert_int_equal(rd(0x00, boundary - 1), 0x58);
	assert_int_equal(rd(0x00, boundary), 0x59);
	/* Roll over into 2100-01-01, a Friday. */
	u64 later = boundary + 1 * HZ;
	assert_int_equal(rd(0x00, later), 0x00);
	assert_int_equal(rd(0x04, later), 0x00);
	assert_int_equal(rd(0x07, later), 0x01);
	assert_int_equal(rd(0x08, later), 0x01);
	assert_int_equal(rd(0x09, later), 0x00);
	assert_int_equal(rd(0x32, later), 0x21);
	assert_int_equal(rd(0x06, later), 6);
	struct vrtc_time t;
	vrtc_get_time(&rtc, later, &t);
	assert_int_equal(t.year, 2100);
	/* Setting SET clears UIE. */
	wr(0x0b, 0x12, later);
	wr(0x0b, 0x92, later);
	assert_int_equal(rd(0x0b, later), 0x82);
}

static void test_write_while_running(void **state)
{
	(void)state;
	setup(64 * MiB);
	wr(0x02, 0x45, 1000 + HZ / 2);
	assert_int_equal(rd(0x02, 1000 + HZ / 2), 0x45);
	assert_int_equal(rd(0x00, 1000 + HZ / 2), 0x39);
	assert_int_equal(rd(0x00, 1000 + HZ), 0x40);
	assert_int_equal(rd(0x02, 1000 + HZ), 0x45);
}

static void test_leap_day(void **state)
{
	(void)state;
	struct vrtc_time t = { .year = 2024, .month = 2, .day = 28, .hour = 23,
			       .min = 59, .sec = 59 };
	vrtc_init(&rtc, HZ, &t, 0, 0, NULL);
	assert_int_equal(rd(0x07, HZ), 0x29);
	assert_int_equal(rd(0x08, HZ), 0x02);
	assert_int_equal(rd(0x06, HZ), 5);     /* Thursday */
	assert_int_equal(rd(0x07, HZ + 86400 * HZ), 0x01);
	assert_int_equal(rd(0x08, HZ + 86400 * HZ), 0x03);
}

static void test_periodic_rate(void **state)
{
	(void)state;
	setup(64 * MiB);
	wr(0x0a, 0x26, 1000);                     /* 1024 Hz */
	wr(0x0b, 0x42, 1000);                     /* PIE */
	int n = 0;
	u64 now = 1000;
	while (true) {
		u64 e = vrtc_next_event(&rtc);
		if (e > 1000 + HZ)
			break;
		assert_true(e > now);
		now = e;
		vrtc_tick(&rtc, now);
		assert_true(irq_level);
		u8 c = rd(0x0c, now);
		assert_int_equal(c & 0xc0, 0xc0);
		assert_false(irq_level);
		n++;
	}
	assert_int_equal(n, 1024);
	assert_int_equal(rtc.irqs, 1024);
	/* Rates 1 and 2 are 256 and 128 Hz; 15 is 2 Hz. */
	wr(0x0a, 0x21, now);
	u64 e = vrtc_next_event(&rtc);
	assert_true(e - now <= HZ / 256 && e - now > 0);
	wr(0x0a, 0x2f, now);
	e = vrtc_next_event(&rtc);
	assert_true(e - now <= HZ / 2);
	wr(0x0a, 0x20, now);                      /* rate 0: off */
	assert_int_equal(rtc.next_periodic, VDEV_NO_EVENT);
}

static void test_flags_and_irq(void **state)
{
	(void)state;
	setup(64 * MiB);
	/* PF sets with PIE clear, without an interrupt. */
	vrtc_tick(&rtc, 1000 + HZ / 100);
	assert_int_equal(irq_rises, 0);
	u8 c = rd(0x0c, 1000 + HZ / 100);
	assert_true(c & 0x40);
	assert_false(c & 0x80);
	/* Reading C cleared it. */
	assert_int_equal(rd(0x0c, 1000 + HZ / 100) & 0x40, 0);
	/* Update-ended interrupt with UIE; the line stays up until C is read,
	 * so the next second gives no new edge. */
	wr(0x0a, 0x20, 1000);
	wr(0x0b, 0x12, 1000);
	assert_int_equal(vrtc_next_event(&rtc), 1000 + HZ);
	vrtc_tick(&rtc, 1000 + HZ);
	assert_int_equal(irq_rises, 1);
	vrtc_tick(&rtc, 1000 + 2 * HZ);
	assert_int_equal(irq_rises, 1);
	assert_int_equal(rd(0x0c, 1000 + 2 * HZ), 0x90);   /* rate 0: no PF */
	assert_false(irq_level);
	vrtc_tick(&rtc, 1000 + 3 * HZ);
	assert_int_equal(irq_rises, 2);
	/* Enabling an interrupt for an already-set flag raises it. */
	rd(0x0c, 1000 + 3 * HZ);
	wr(0x0b, 0x02, 1000 + 3 * HZ);
	vrtc_tick(&rtc, 1000 + 4 * HZ);
	assert_int_equal(irq_rises, 2);
	wr(0x0b, 0x12, 1000 + 4 * HZ);
	assert_int_equal(irq_rises, 3);
}

static void test_alarm(void **state)
{
	(void)state;
	setup(64 * MiB);
	wr(0x01, 0x45, 1000);                     /* at xx:xx:45 */
	wr(0x03, 0xc0, 1000);
	wr(0x05, 0xff, 1000);
	wr(0x0b, 0x22, 1000);                     /* AIE */
	vrtc_tick(&rtc, 1000 + 5 * HZ);           /* :44 */
	assert_int_equal(irq_rises, 0);
	vrtc_tick(&rtc, 1000 + 6 * HZ);           /* :45 */
	assert_int_equal(irq_rises, 1);
	assert_int_equal(rd(0x0c, 1000 + 6 * HZ) & 0xb0, 0xb0);   /* PF may be set too */
	vrtc_tick(&rtc, 1000 + 7 * HZ);
	assert_int_equal(irq_rises, 1);
	assert_int_equal(rd(0x0c, 1000 + 7 * HZ) & 0xb0, 0x10);
}

static void test_uip_window(void **state)
{
	(void)state;
	setup(64 * MiB);
	u64 b = 1000 + HZ;
	assert_false(rd(0x0a, b - 245000) & 0x80);
	assert_true(rd(0x0a, b - 244000) & 0x80);
	assert_true(rd(0x0a, b - 1) & 0x80);
	assert_false(rd(0x0a, b) & 0x80);
	/* No UIP while SET stops updates. */
	wr(0x0b, 0x82, b);
	assert_false(rd(0x0a, b + HZ - 1) & 0x80);
}

static void test_index_and_memory(void **state)
{
	(void)state;
	setup(512 * MiB);
	/* Index bit 7 (NMI mask) is not part of the register number. */
	assert_int_equal(rd(0x80 | 0x09, 1000), 0x26);
	wr(0x40, 0xab, 1000);
	assert_int_equal(rd(0xc0, 1000), 0xab);
	assert_int_equal(rd(0x7f, 1000), 0x00);
	/* Writes to C and D are ignored. */
	wr(0x0d, 0x00, 1000);
	assert_int_equal(rd(0x0d, 1000), 0x80);
	/* Memory-size bytes. */
	assert_int_equal(rd(0x15, 1000) | rd(0x16, 1000) << 8, 640);
	assert_int_equal(rd(0x17, 1000) | rd(0x18, 1000) << 8, 0xffff);
	assert_int_equal(rd(0x30, 1000) | rd(0x31, 1000) << 8, 0xffff);
	assert_int_equal(rd(0x34, 1000) | rd(0x35, 1000) << 8, (512 - 16) * 16);
	assert_int_equal(rd(0x5b, 1000) | rd(0x5c, 1000) << 8 | rd(0x5d, 1000) << 16, 0);
	setup(8 * MiB);
	assert_int_equal(rd(0x17, 1000) | rd(0x18, 1000) << 8, 7 * 1024);
	assert_int_equal(rd(0x34, 1000) | rd(0x35, 1000) << 8, 0);
	setup(5 * GiB);
	assert_int_equal(rd(0x34, 1000) | rd(0x35, 1000) << 8, (3072 - 16) * 16);
	assert_int_equal(rd(0x5b, 1000) | rd(0x5c, 1000) << 8 | rd(0x5d, 1000) << 16,
			 2 * 16384);
	vrtc_set_ram(&rtc, 2 * GiB, 1 * GiB);
	assert_int_equal(rd(0x5b, 1000) | rd(0x5c, 1000) << 8 | rd(0x5d, 1000) << 16, 16384);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_time),
		cmocka_unit_test(test_binary_and_12h),
		cmocka_unit_test(test_set_time),
		cmocka_unit_test(test_write_while_running),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_periodic_rate),
		cmocka_unit_test(test_flags_and_irq),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_uip_window),
		cmocka_unit_test(test_index_and_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
