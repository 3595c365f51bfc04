/* Unit tests for core/vdev/lapic.c: xAPIC register semantics and masks,
 * PPR/EOI ordering with nested in-service vectors, the timer in one-shot,
 * periodic and TSC-deadline modes against a fake 1 GHz TSC, x2APIC MSRs
 * and their #GP cases, ICR self-IPIs, LINT0 virtual wire, odd MMIO. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/lapic.h"

#define HZ 1000000000ull        /* 1 GHz: 10 TSC ticks per 100 MHz bus tick */
#define BASE_EN BIT(11)
#define BASE_EXTD BIT(10)
#define BASE_BSP BIT(8)
#define MSR_BASE 0x1b
#define MSR_DEADLINE 0x6e0
#define MASKED 0x10000u
#define PERIODIC (1u << 17)
#define DEADLINE (2u << 17)

static struct vlapic L;
static int eoi_calls;
static u8 eoi_vector;

static void eoi_hook(void *ctx, u8 vector)
{
	(void)ctx;
	eoi_calls++;
	eoi_vector = vector;
}

static u32 rd(u32 off)
{
	return (u32)vlapic_mmio_read(&L, off, 4, 0);
}

static void wr(u32 off, u32 val)
{
	vlapic_mmio_write(&L, off, 4, val, 0);
}

static bool irr(u8 v)
{
	return (L.irr[v >> 5] >> (v & 31)) & 1;
}

static bool isr(u8 v)
{
	return (L.isr[v >> 5] >> (v & 31)) & 1;
}

/* APIC 3, software-enabled (SVR 0x1FF). */
static int setup(void **state)
{
	(void)state;
	struct vlapic_eoi_hook h = { eoi_hook, NULL };
	vlapic_init(&L, 3, HZ, &h);
	eoi_calls = 0;
	eoi_vector = 0;
	wr(0xf0, 0x1ff);
	return 0;
}

static void test_reset_state(void **state)
{
	(void)state;
	vlapic_init(&L, 3, HZ, NULL);
	assert_int_equal(L.base_msr, VLAPIC_DEFAULT_BASE | BASE_EN | BASE_BSP);
	assert_int_equal(rd(0x20), 0x03000000);
	assert_int_equal(rd(0x30), 0x00060014);          /* version 0x14, max LVT 6 */
	assert_int_equal(rd(0xf0), 0xff);
	assert_int_equal(rd(0xe0), 0xffffffff);
	for (u32 off = 0x320; off <= 0x370; off += 0x10)
		assert_int_equal(rd(off), MASKED);
	assert_int_equal(rd(0x2f0), MASKED);
	assert_true(vlapic_mmio_covers(&L, VLAPIC_DEFAULT_BASE));
	assert_false(vlapic_mmio_covers(&L, 0xfec00000));
	assert_int_equal(vlapic_pending(&L), -1);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	/* Software-disabled: fixed interrupts are not accepted. */
	vlapic_accept(&L, 0x40, false);
	assert_false(irr(0x40));
}

static void test_register_masks(void **state)
{
	(void)state;
	wr(0x80, 0xffffffff);
	assert_int_equal(rd(0x80), 0xff);
	wr(0xd0, 0xffffffff);
	assert_int_equal(rd(0xd0), 0xff000000);
	wr(0xe0, 0);
	assert_int_equal(rd(0xe0), 0x0fffffff);
	wr(0xf0, 0xffffffff);
	assert_int_equal(rd(0xf0), 0x1ff);               /* focus, EOI suppression: 0 */
	wr(0x350, 0xffffffff);
	assert_int_equal(rd(0x350), 0x1a7ff);            /* status, remote IRR read-only */
	wr(0x370, 0xffffffff);
	assert_int_equal(rd(0x370), 0x100ff);
	wr(0x2f0, 0xffffffff);
	assert_int_equal(rd(0x2f0), 0x107ff);
	wr(0x3e0, 0xff);
	assert_int_equal(rd(0x3e0), 0xb);
	wr(0x310, 0xffffffff);
	assert_int_equal(rd(0x310), 0xff000000);
	wr(0x300, 0xffffffff);                          /* all-but-self: dropped */
	assert_int_equal(rd(0x300), 0xccfff);            /* delivery status reads 0 */
	assert_int_equal(L.ipis_dropped, 1);
	/* Read-only registers ignore writes. */
	wr(0x20, 0x05000000);
	wr(0x30, 0);
	wr(0xa0, 0x55);
	wr(0x200, 0xffffffff);
	assert_int_equal(rd(0x20), 0x03000000);
	assert_int_equal(rd(0x30), 0x00060014);
	assert_int_equal(rd(0xa0), 0xff);                /* PPR = TPR 0xFF */
	assert_int_equal(rd(0x200), 0);
	assert_int_equal(rd(0xb0), 0);                   /* EOI is write-only */
}

static void test_esr_and_illegal(void **state)
{
	(void)state;
	vlapic_accept(&L, 5, false);                    /* receive illegal vector */
	assert_false(irr(5));
	assert_int_equal(rd(0x280), 0);                  /* not latched yet */
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x40);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0);
	/* Reserved register: illegal register address; error LVT fires. */
	wr(0x370, 0xfe);
	assert_int_equal(rd(0x400), 0);
	assert_true(irr(0xfe));
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x80);
}

static void test_sw_disable_masks_lvts(void **state)
{
	(void)state;
	wr(0x350, 0x700);
	assert_int_equal(rd(0x350), 0x700);
	wr(0xf0, 0xff);                                 /* software disable */
	for (u32 off = 0x320; off <= 0x370; off += 0x10)
		assert_true(rd(off) & MASKED);
	wr(0x350, 0x700);                               /* mask bit sticks */
	assert_int_equal(rd(0x350), 0x10700);
	wr(0xf0, 0x1ff);
	wr(0x350, 0x700);
	assert_int_equal(rd(0x350), 0x700);
}

static void test_priority_nested(void **state)
{
	(void)state;
	vlapic_accept(&L, 0x31, false);
	vlapic_accept(&L, 0x52, false);
	vlapic_accept(&L, 0x45, false);
	assert_int_equal(vlapic_pending(&L), 0x52);
	vlapic_ack(&L, 0x52);
	assert_true(isr(0x52));
	assert_false(irr(0x52));
	assert_int_equal(rd(0xa0), 0x50);
	assert_int_equal(vlapic_pending(&L), -1);        /* 0x45: class 4 <= 5 */
	vlapic_accept(&L, 0x55, false);
	assert_int_equal(vlapic_pending(&L), -1);        /* same class is blocked */
	vlapic_accept(&L, 0x61, false);
	assert_int_equal(vlapic_pending(&L), 0x61);
	vlapic_ack(&L, 0x61);
	assert_int_equal(rd(0xa0), 0x60);
	assert_int_equal(rd(0x90), 0x60);                /* APR */
	wr(0xb0, 0);                                    /* EOI: highest ISR (0x61) */
	assert_false(isr(0x61));
	assert_true(isr(0x52));
	assert_int_equal(vlapic_pending(&L), -1);
	wr(0xb0, 0);
	assert_false(isr(0x52));
	assert_int_equal(vlapic_pending(&L), 0x55);
	assert_int_equal(eoi_calls, 0);                  /* edge vectors */
	/* TPR: class must be strictly above. */
	wr(0x80, 0x50);
	assert_int_equal(vlapic_pending(&L), -1);
	wr(0x80, 0x4f);
	assert_int_equal(vlapic_pending(&L), 0x55);
	/* PPR = TPR when TPR's class is at least the ISR class. */
	vlapic_ack(&L, 0x55);
	wr(0x80, 0x70);
	assert_int_equal(rd(0xa0), 0x70);
	wr(0x80, 0x2f);
	assert_int_equal(rd(0xa0), 0x50);
	/* EOI with nothing in service is harmless. */
	wr(0xb0, 0);
	wr(0xb0, 0);
	assert_int_equal(rd(0x100 + 0x10 * 1), 0);
}

static void test_level_eoi_hook(void **state)
{
	(void)state;
	vlapic_accept(&L, 0x80, true);
	assert_int_equal(rd(0x180 + 0x10 * 4), 1);       /* TMR bit 0x80 */
	vlapic_ack(&L, 0x80);
	assert_int_equal(rd(0x100 + 0x10 * 4), 1);       /* ISR */
	wr(0xb0, 0);
	assert_int_equal(eoi_calls, 1);
	assert_int_equal(eoi_vector, 0x80);
	vlapic_accept(&L, 0x80, false);                 /* edge now: TMR cleared */
	assert_int_equal(rd(0x180 + 0x10 * 4), 0);
	vlapic_ack(&L, 0x80);
	wr(0xb0, 0);
	assert_int_equal(eoi_calls, 1);
}

static void test_timer_oneshot(void **state)
{
	(void)state;
	wr(0x3e0, 0xb);                                 /* divide by 1 */
	wr(0x320, 0x40);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 1000);
	assert_int_equal(vlapic_next_event(&L), 1000 + 10000);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 1000), 1000);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 1000 + 3009), 700);
	vlapic_tick(&L, 10999);
	assert_false(irr(0x40));
	vlapic_tick(&L, 11000);
	assert_true(irr(0x40));
	assert_int_equal(L.timer_fired, 1);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 12000), 0);
	assert_int_equal(rd(0x380), 1000);
	vlapic_tick(&L, 50000);
	assert_int_equal(L.timer_fired, 1);
	/* Divide by 2: twice as long. Rewriting the count restarts. */
	wr(0x3e0, 0);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 100000);
	assert_int_equal(vlapic_next_event(&L), 100000 + 20000);
	vlapic_mmio_write(&L, 0x380, 4, 500, 110000);
	assert_int_equal(vlapic_next_event(&L), 110000 + 10000);
	/* Writing 0 stops it. */
	vlapic_mmio_write(&L, 0x380, 4, 0, 111000);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 111000), 0);
}

static void test_timer_divider_table(void **state)
{
	(void)state;
	static const struct { u32 dcr; u64 div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		wr(0x3e0, t[i].dcr);
		vlapic_mmio_write(&L, 0x380, 4, 100, 7);
		assert_int_equal(vlapic_next_event(&L), 7 + 100 * 10 * t[i].div);
	}
}

static void test_timer_dcr_change_keeps_count(void **state)
{
	(void)state;
	wr(0x3e0, 0xb);
	wr(0x320, 0x40);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 0);
	vlapic_mmio_write(&L, 0x3e0, 4, 0x0, 3000);      /* 300 counts gone, now /2 */
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 3000), 700);
	assert_int_equal(vlapic_next_event(&L), 3000 + 700 * 20);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 3000 + 200 * 20), 500);
	vlapic_tick(&L, 17000);
	assert_int_equal(L.timer_fired, 1);
	/* A one-shot that ran out stays at 0 whatever the divider. */
	vlapic_mmio_write(&L, 0x3e0, 4, 0xa, 18000);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 18001), 0);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
}

static void test_timer_large_values(void **state)
{
	(void)state;
	/* A 3.7 GHz TSC far into its range, the longest count and divider. */
	const u64 hz = 3700000000ull, now = 1ull << 62;
	vlapic_init(&L, 0, hz, NULL);
	wr(0xf0, 0x1ff);
	wr(0x3e0, 0xa);                                 /* divide by 128 */
	vlapic_mmio_write(&L, 0x380, 4, 0xffffffff, now);
	unsigned __int128 tsc = (unsigned __int128)0xffffffffull * 128 * hz;
	u64 want = (u64)((tsc + VLAPIC_BUS_HZ - 1) / VLAPIC_BUS_HZ);
	assert_int_equal(vlapic_next_event(&L), now + want);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, now), 0xffffffff);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, now + want / 2), 0x80000000);
	/* An odd TSC rate: the count reaches 0 exactly at next_event. */
	vlapic_init(&L, 0, 1234567891ull, NULL);
	wr(0xf0, 0x1ff);
	wr(0x3e0, 0x1);                                 /* divide by 4 */
	wr(0x320, PERIODIC | 0x40);
	vlapic_mmio_write(&L, 0x380, 4, 777, 12345);
	for (int k = 0; k < 5; k++) {
		u64 t = vlapic_next_event(&L);
		assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, t - 1), 1);
		assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, t), 777);
		vlapic_tick(&L, t);
		assert_true(vlapic_next_event(&L) > t);
	}
	assert_int_equal(L.timer_fired, 5);
}

static void test_timer_periodic(void **state)
{
	(void)state;
	wr(0x3e0, 0xb);
	wr(0x320, PERIODIC | 0x41);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 5000);
	assert_int_equal(vlapic_next_event(&L), 15000);
	/* Three periods and 250 counts later. */
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 5000 + 3 * 10000 + 2500), 750);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 5000 + 2 * 10000), 1000);
	vlapic_tick(&L, 15000);
	assert_true(irr(0x41));
	assert_int_equal(vlapic_next_event(&L), 25000);
	/* Missed periods are skipped: one interrupt, next on the grid. */
	vlapic_tick(&L, 5000 + 5 * 10000 + 3);
	assert_int_equal(L.timer_fired, 2);
	assert_int_equal(vlapic_next_event(&L), 65000);
	/* Masked: the expiry is consumed, no interrupt. */
	vlapic_ack(&L, 0x41);
	wr(0xb0, 0);
	wr(0x320, PERIODIC | MASKED | 0x41);
	vlapic_tick(&L, 65000);
	assert_false(irr(0x41));
	assert_int_equal(L.timer_fired, 2);
	assert_int_equal(vlapic_next_event(&L), 75000);
	assert_int_equal(rd(0x380), 1000);               /* same mode: still armed */
}

static void test_timer_mode_change_disarms(void **state)
{
	(void)state;
	wr(0x3e0, 0xb);
	wr(0x320, 0x40);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 0);
	wr(0x320, PERIODIC | 0x40);
	assert_int_equal(rd(0x380), 0);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	vlapic_tick(&L, 100000);
	assert_false(irr(0x40));
}

static void test_tsc_deadline(void **state)
{
	(void)state;
	u64 v = 1;
	/* Not in deadline mode: reads 0, writes ignored. */
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 5000, 0));
	assert_true(vlapic_msr_read(&L, MSR_DEADLINE, &v, 0));
	assert_int_equal(v, 0);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);

	wr(0x320, DEADLINE | 0x42);
	vlapic_mmio_write(&L, 0x380, 4, 1000, 0);        /* ignored in this mode */
	assert_int_equal(rd(0x380), 0);
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 20000, 0));
	assert_true(vlapic_msr_read(&L, MSR_DEADLINE, &v, 0));
	assert_int_equal(v, 20000);
	assert_int_equal(vlapic_next_event(&L), 20000);
	assert_int_equal(vlapic_mmio_read(&L, 0x390, 4, 10000), 0);
	vlapic_tick(&L, 19999);
	assert_false(irr(0x42));
	vlapic_tick(&L, 20000);
	assert_true(irr(0x42));
	assert_true(vlapic_msr_read(&L, MSR_DEADLINE, &v, 0));
	assert_int_equal(v, 0);                          /* disarmed itself */
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);

	/* A deadline in the past fires at the next tick. */
	vlapic_ack(&L, 0x42);
	wr(0xb0, 0);
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 100, 50000));
	vlapic_tick(&L, 50001);
	assert_true(irr(0x42));
	assert_int_equal(L.timer_fired, 2);

	/* Writing 0 disarms; leaving the mode disarms too. */
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 90000, 0));
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 0, 0));
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	assert_true(vlapic_msr_write(&L, MSR_DEADLINE, 90000, 0));
	wr(0x320, 0x42);
	assert_true(vlapic_next_event(&L) == VDEV_NO_EVENT);
	wr(0x320, DEADLINE | 0x42);
	assert_true(vlapic_msr_read(&L, MSR_DEADLINE, &v, 0));
	assert_int_equal(v, 0);
}

static void test_x2apic_transitions(void **state)
{
	(void)state;
	u64 base = VLAPIC_DEFAULT_BASE, v;
	/* x2APIC MSRs are a #GP in xAPIC mode. */
	assert_false(vlapic_msr_read(&L, 0x802, &v, 0));
	assert_false(vlapic_msr_write(&L, MSR_BASE, base | BASE_EXTD, 0));   /* EXTD without EN */
	assert_false(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN | BIT(9), 0));
	assert_false(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN | BIT(60), 0));
	assert_true(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN | BASE_EXTD, 0));
	assert_true(vlapic_msr_read(&L, MSR_BASE, &v, 0));
	assert_int_equal(v, base | BASE_EN | BASE_EXTD | BASE_BSP);      /* BSP kept */
	assert_false(vlapic_mmio_covers(&L, base));
	assert_int_equal(vlapic_mmio_read(&L, 0x30, 4, 0), 0);
	/* x2APIC -> xAPIC directly: #GP; -> disabled: fine. */
	assert_false(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN, 0));
	assert_true(vlapic_msr_write(&L, MSR_BASE, base, 0));
	assert_false(vlapic_msr_read(&L, 0x802, &v, 0));
	assert_false(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN | BASE_EXTD, 0));
	assert_true(vlapic_msr_write(&L, MSR_BASE, base | BASE_EN, 0));
	assert_true(vlapic_mmio_covers(&L, base));
	/* Disabling reset the registers: software-disabled again. */
	assert_int_equal(rd(0xf0), 0xff);
	/* Relocation. */
	assert_true(vlapic_msr_write(&L, MSR_BASE, 0xfed00000 | BASE_EN, 0));
	assert_true(vlapic_mmio_covers(&L, 0xfed00000));
	assert_false(vlapic_mmio_covers(&L, base));
}

static void x2(u32 id)
{
	struct vlapic_eoi_hook h = { eoi_hook, NULL };
	vlapic_init(&L, id, HZ, &h);
	assert_true(vlapic_msr_write(&L, MSR_BASE, VLAPIC_DEFAULT_BASE | BASE_EN | BASE_EXTD, 0));
	assert_true(vlapic_msr_write(&L, 0x80f, 0x1ff, 0));
}

static void test_x2apic_msrs(void **state)
{
	(void)state;
	u64 v;
	x2(0x125);
	assert_true(vlapic_msr_read(&L, 0x802, &v, 0));
	assert_int_equal(v, 0x125);                      /* full 32-bit ID */
	assert_true(vlapic_msr_read(&L, 0x803, &v, 0));
	assert_int_equal(v, 0x60014);
	assert_true(vlapic_msr_read(&L, 0x80d, &v, 0));
	assert_int_equal(v, (0x12u << 16) | (1u << 5));   /* cluster 0x12, bit 5 */
	assert_true(vlapic_msr_write(&L, 0x808, 0x30, 0));
	assert_true(vlapic_msr_read(&L, 0x808, &v, 0));
	assert_int_equal(v, 0x30);
	assert_true(vlapic_msr_read(&L, 0x80a, &v, 0));
	assert_int_equal(v, 0x30);
	/* #GP: writes to read-only, reads of write-only, reserved, DFR. */
	assert_false(vlapic_msr_write(&L, 0x802, 0, 0));
	assert_false(vlapic_msr_write(&L, 0x80a, 0, 0));
	assert_false(vlapic_msr_write(&L, 0x80d, 0, 0));
	assert_false(vlapic_msr_write(&L, 0x839, 0, 0));
	assert_false(vlapic_msr_read(&L, 0x80b, &v, 0));
	assert_false(vlapic_msr_read(&L, 0x83f, &v, 0));
	assert_false(vlapic_msr_read(&L, 0x80e, &v, 0));
	assert_false(vlapic_msr_write(&L, 0x80e, 0, 0));
	assert_false(vlapic_msr_read(&L, 0x809, &v, 0));    /* no APR */
	assert_false(vlapic_msr_read(&L, 0x831, &v, 0));    /* no ICR high */
	assert_false(vlapic_msr_read(&L, 0x800, &v, 0));
	assert_false(vlapic_msr_read(&L, 0x840, &v, 0));
	assert_false(vlapic_msr_read(&L, 0x8ff, &v, 0));
	assert_false(vlapic_msr_write(&L, 0x808, BIT(32), 0)); /* bits 63:32 */
	assert_false(vlapic_msr_write(&L, 0x828, 1, 0));    /* ESR: only 0 */
	assert_true(vlapic_msr_write(&L, 0x828, 0, 0));
	/* SELF IPI, then EOI (only 0 may be written). */
	assert_true(vlapic_msr_write(&L, 0x83f, 0x90, 0));
	assert_int_equal(vlapic_pending(&L), 0x90);
	vlapic_ack(&L, 0x90);
	assert_false(vlapic_msr_write(&L, 0x80b, 1, 0));
	assert_true(isr(0x90));
	assert_true(vlapic_msr_write(&L, 0x80b, 0, 0));
	assert_false(isr(0x90));
	/* 64-bit ICR: destination in 63:32. */
	assert_true(vlapic_msr_write(&L, 0x830, (0x125ull << 32) | 0x4091, 0));
	assert_true(irr(0x91));
	assert_true(vlapic_msr_read(&L, 0x830, &v, 0));
	assert_int_equal(v, (0x125ull << 32) | 0x4091);
	assert_true(vlapic_msr_write(&L, 0x830, (0x25ull << 32) | 0x4092, 0));
	assert_false(irr(0x92));                         /* 0x25 is not us */
	/* Timer through MSRs. */
	assert_true(vlapic_msr_write(&L, 0x83e, 0xb, 0));
	assert_true(vlapic_msr_write(&L, 0x838, 1000, 0));
	assert_true(vlapic_msr_read(&L, 0x839, &v, 5000));
	assert_int_equal(v, 500);
	assert_true(vlapic_msr_read(&L, 0x828, &v, 0));
	assert_int_equal(v, 0);
}

static void test_icr_self_ipis(void **state)
{
	(void)state;
	wr(0x300, (1u << 18) | 0x50);                   /* self */
	assert_true(irr(0x50));
	wr(0x300, (2u << 18) | 0x51);                   /* all including self */
	assert_true(irr(0x51));
	wr(0x300, (3u << 18) | 0x52);                   /* all excluding self */
	assert_false(irr(0x52));
	wr(0x310, 0x03000000);
	wr(0x300, 0x53);                                /* physical, ID 3 */
	assert_true(irr(0x53));
	wr(0x310, 0x04000000);
	wr(0x300, 0x54);
	assert_false(irr(0x54));
	wr(0x310, 0xff000000);
	wr(0x300, 0x55);                                /* broadcast */
	assert_true(irr(0x55));
	/* Logical flat: LDR bit 0 matches. */
	wr(0xd0, 0x01000000);
	wr(0x310, 0x01000000);
	wr(0x300, BIT(11) | 0x56);
	assert_true(irr(0x56));
	wr(0x310, 0x02000000);
	wr(0x300, BIT(11) | 0x57);
	assert_false(irr(0x57));
	assert_int_equal(L.ipis_dropped, 3);
	/* NMI to self; INIT and SIPI are dropped. */
	wr(0x300, (1u << 18) | (4u << 8));
	assert_true(L.nmi_pending);
	u32 before[8];
	memcpy(before, L.irr, sizeof(before));
	wr(0x300, (1u << 18) | (5u << 8) | 0x58);
	wr(0x300, (1u << 18) | (6u << 8) | 0x59);
	assert_memory_equal(before, L.irr, sizeof(before));
	assert_int_equal(L.ipis_dropped, 5);
	assert_int_equal(rd(0x300) & BIT(12), 0);
	/* An illegal vector to self: send and receive errors. */
	wr(0x300, (1u << 18) | 0x05);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x60);
}

static void test_lint0_extint(void **state)
{
	(void)state;
	vlapic_init(&L, 0, HZ, NULL);
	assert_false(vlapic_accepts_pic(&L));            /* LINT0 masked at reset */
	vlapic_set_virtual_wire(&L);
	assert_true(vlapic_accepts_pic(&L));
	assert_int_equal(rd(0x350), 0x700);
	wr(0x350, 0x30);                                /* fixed: not the PIC */
	assert_false(vlapic_accepts_pic(&L));
	wr(0x350, 0x10700);                             /* masked ExtINT */
	assert_false(vlapic_accepts_pic(&L));
	assert_true(vlapic_msr_write(&L, MSR_BASE, VLAPIC_DEFAULT_BASE, 0));
	assert_true(vlapic_accepts_pic(&L));             /* hardware-disabled */
	assert_int_equal(vlapic_pending(&L), -1);
}

static void test_hw_disable_resets(void **state)
{
	(void)state;
	wr(0x80, 0x20);
	vlapic_accept(&L, 0x70, false);
	assert_true(vlapic_msr_write(&L, MSR_BASE, VLAPIC_DEFAULT_BASE, 0));
	assert_int_equal(vlapic_mmio_read(&L, 0x80, 4, 0), 0);
	vlapic_accept(&L, 0x71, false);
	assert_false(irr(0x71));
	assert_true(vlapic_msr_write(&L, MSR_BASE, VLAPIC_DEFAULT_BASE | BASE_EN, 0));
	assert_int_equal(rd(0x80), 0);
	assert_false(irr(0x70));
}

static void test_mmio_odd(void **state)
{
	(void)state;
	wr(0x80, 0x5a);
	u64 odd = L.odd_accesses;
	assert_int_equal(vlapic_mmio_read(&L, 0xf0, 1, 0), 0xff);
	assert_int_equal(vlapic_mmio_read(&L, 0xf1, 1, 0), 0x01);
	assert_int_equal(vlapic_mmio_read(&L, 0xf0, 2, 0), 0x1ff);
	assert_int_equal(vlapic_mmio_read(&L, 0xf0, 8, 0), 0x1ff);      /* bytes 4-7 reserved */
	assert_int_equal(vlapic_mmio_read(&L, 0x2c, 8, 0), 0x60014ull << 32);
	assert_int_equal(vlapic_mmio_read(&L, 0x7e, 4, 0), 0x5a0000);   /* crosses into TPR */
	assert_int_equal(vlapic_mmio_read(&L, 0xffc, 8, 0), 0);
	assert_int_equal(vlapic_mmio_read(&L, 0xfff, 8, 0), 0);
	assert_int_equal(vlapic_mmio_read(&L, 0x84, 4, 0), 0);
	assert_int_equal(L.odd_accesses, odd + 9);
	vlapic_mmio_write(&L, 0x80, 1, 0x11, 0);
	vlapic_mmio_write(&L, 0x80, 8, 0x11, 0);
	vlapic_mmio_write(&L, 0x7c, 8, 0x1100000000ull, 0);
	assert_int_equal(rd(0x80), 0x5a);
	assert_int_equal(L.odd_accesses, odd + 12);
	/* Hammer every offset and width: nothing crashes or escapes. */
	static const u8 sizes[] = { 0, 1, 2, 3, 4, 8, 16 };
	for (u32 off = 0; off < 0x1010; off++)
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			(void)vlapic_mmio_read(&L, off, sizes[s], off * 3);
			vlapic_mmio_write(&L, off, sizes[s], ~0ull, off * 3);
		}
	assert_true(L.odd_accesses > odd + 12);
	assert_int_equal(vlapic_mmio_read(&L, 0x1000, 4, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test_setup(test_register_masks, setup),
		cmocka_unit_test_setup(test_esr_and_illegal, setup),
		cmocka_unit_test_setup(test_sw_disable_masks_lvts, setup),
		cmocka_unit_test_setup(test_priority_nested, setup),
		cmocka_unit_test_setup(test_level_eoi_hook, setup),
		cmocka_unit_test_setup(test_timer_oneshot, setup),
		cmocka_unit_test_setup(test_timer_divider_table, setup),
		cmocka_unit_test_setup(test_timer_dcr_change_keeps_count, setup),
		cmocka_unit_test_setup(test_timer_periodic, setup),
		cmocka_unit_test(test_timer_large_values),
		cmocka_unit_test_setup(test_timer_mode_change_disarms, setup),
		cmocka_unit_test_setup(test_tsc_deadline, setup),
		cmocka_unit_test_setup(test_x2apic_transitions, setup),
		cmocka_unit_test(test_x2apic_msrs),
		cmocka_unit_test_setup(test_icr_self_ipis, setup),
		cmocka_unit_test(test_lint0_extint),
		cmocka_unit_test_setup(test_hw_disable_resets, setup),
		cmocka_unit_test_setup(test_mmio_odd, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
