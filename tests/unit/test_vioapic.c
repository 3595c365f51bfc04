/* Unit tests for core/vdev/ioapic.c: the IOREGSEL/IOWIN window, ID and
 * version registers, redirection entry masks and read-only bits, edge pins
 * (rising edge only, masked edges lost), level pins with remote IRR, EOI
 * and unmasking, and odd-width/odd-offset MMIO that must not crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/ioapic.h"

#define MASKED BIT(16)
#define LEVEL BIT(15)
#define REMOTE_IRR BIT(14)

static struct vioapic IO;
static struct vioapic_msg msgs[16];
static int nmsgs;

static void sink(void *ctx, const struct vioapic_msg *m)
{
	(void)ctx;
	if (nmsgs < (int)ARRAY_SIZE(msgs))
		msgs[nmsgs] = *m;
	nmsgs++;
}

static u32 reg_read(u32 reg)
{
	vioapic_mmio_write(&IO, 0x00, 4, reg);
	return (u32)vioapic_mmio_read(&IO, 0x10, 4);
}

static void reg_write(u32 reg, u32 val)
{
	vioapic_mmio_write(&IO, 0x00, 4, reg);
	vioapic_mmio_write(&IO, 0x10, 4, val);
}

static void redir(u32 pin, u64 e)
{
	reg_write(0x11 + 2 * pin, (u32)(e >> 32));
	reg_write(0x10 + 2 * pin, (u32)e);
}

static u64 redir_read(u32 pin)
{
	return (u64)reg_read(0x11 + 2 * pin) << 32 | reg_read(0x10 + 2 * pin);
}

static int setup(void **state)
{
	(void)state;
	struct vioapic_sink s = { sink, NULL };
	vioapic_init(&IO, 1, &s);
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	return 0;
}

static void test_registers(void **state)
{
	(void)state;
	assert_int_equal(reg_read(0x00), 0x01000000);
	assert_int_equal(reg_read(0x01), 0x00170011);    /* version 0x11, 24 entries */
	assert_int_equal(reg_read(0x02), 0x01000000);
	reg_write(0x00, 0xffffffff);
	assert_int_equal(reg_read(0x00), 0x0f000000);    /* only bits 27:24 */
	reg_write(0x01, 0);
	assert_int_equal(reg_read(0x01), 0x00170011);
	assert_int_equal(reg_read(0x03), 0);
	assert_int_equal(reg_read(0x40), 0);             /* past the last entry */
	reg_write(0x40, 0xffffffff);
	assert_int_equal(reg_read(0xff), 0);
	/* IOREGSEL keeps 8 bits. */
	vioapic_mmio_write(&IO, 0x00, 4, 0x1234);
	assert_int_equal(vioapic_mmio_read(&IO, 0x00, 4), 0x34);
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(redir_read(pin), MASKED);
}

static void test_redir_masks(void **state)
{
	(void)state;
	redir(3, ~0ull);
	/* Delivery status (12) and remote IRR (14) are read-only; 55:17 reserved. */
	assert_int_equal(redir_read(3), 0xff00000000000000ull | 0x1afff);
	assert_int_equal(nmsgs, 0);
	assert_int_equal(redir_read(2), MASKED);
	assert_int_equal(redir_read(4), MASKED);
}

static void test_edge(void **state)
{
	(void)state;
	redir(2, (0x03ull << 56) | 0x30);                /* edge, fixed, physical 3 */
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x30);
	assert_int_equal(msgs[0].delivery, 0);
	assert_int_equal(msgs[0].dest, 3);
	assert_false(msgs[0].logical);
	assert_false(msgs[0].level);
	vioapic_set_irq(&IO, 2, true);                  /* still high: no edge */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&IO, 2, false);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(redir_read(2) & REMOTE_IRR, 0); /* edge: never set */
	/* A masked edge is lost, also after unmasking. */
	vioapic_set_irq(&IO, 2, false);
	redir(2, MASKED | 0x30);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(nmsgs, 2);
	redir(2, 0x30);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(IO.delivered, 2);
	/* Logical, NMI delivery fields. */
	redir(5, (0x0full << 56) | BIT(11) | (4 << 8) | 0x02);
	vioapic_set_irq(&IO, 5, true);
	assert_int_equal(nmsgs, 3);
	assert_true(msgs[2].logical);
	assert_int_equal(msgs[2].delivery, 4);
	assert_int_equal(msgs[2].dest, 0x0f);
}

static void test_level_remote_irr(void **state)
{
	(void)state;
	redir(9, LEVEL | 0x49);
	vioapic_set_irq(&IO, 9, true);
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].level);
	assert_true(redir_read(9) & REMOTE_IRR);
	vioapic_set_irq(&IO, 9, true);                  /* remote IRR holds it */
	vioapic_set_irq(&IO, 9, false);
	vioapic_set_irq(&IO, 9, true);
	assert_int_equal(nmsgs, 1);
	/* Writing the entry keeps remote IRR (read-only). */
	redir(9, LEVEL | 0x49);
	assert_true(redir_read(9) & REMOTE_IRR);
	assert_int_equal(nmsgs, 1);
	/* EOI of another vector: nothing. */
	vioapic_eoi(&IO, 0x48);
	assert_true(redir_read(9) & REMOTE_IRR);
	/* EOI while still high: delivered again. */
	vioapic_eoi(&IO, 0x49);
	assert_int_equal(nmsgs, 2);
	assert_true(redir_read(9) & REMOTE_IRR);
	/* Line drops, EOI: remote IRR clear, nothing sent. */
	vioapic_set_irq(&IO, 9, false);
	vioapic_eoi(&IO, 0x49);
	assert_int_equal(nmsgs, 2);
	assert_false(redir_read(9) & REMOTE_IRR);
	vioapic_set_irq(&IO, 9, true);
	assert_int_equal(nmsgs, 3);
}

static void test_level_masked_then_unmasked(void **state)
{
	(void)state;
	redir(10, MASKED | LEVEL | 0x4a);
	vioapic_set_irq(&IO, 10, true);
	assert_int_equal(nmsgs, 0);
	assert_false(redir_read(10) & REMOTE_IRR);
	redir(10, LEVEL | 0x4a);                         /* unmask a high pin */
	assert_int_equal(nmsgs, 1);
	assert_true(redir_read(10) & REMOTE_IRR);
	/* Masked while awaiting EOI: the EOI clears remote IRR, no delivery. */
	redir(10, MASKED | LEVEL | 0x4a);
	vioapic_eoi(&IO, 0x4a);
	assert_false(redir_read(10) & REMOTE_IRR);
	assert_int_equal(nmsgs, 1);
	/* Unmasking a low level pin sends nothing. */
	vioapic_set_irq(&IO, 10, false);
	redir(10, LEVEL | 0x4a);
	assert_int_equal(nmsgs, 1);
	/* Two level pins sharing a vector are both re-armed by one EOI. */
	redir(11, LEVEL | 0x4a);
	vioapic_set_irq(&IO, 10, true);
	vioapic_set_irq(&IO, 11, true);
	assert_int_equal(nmsgs, 3);
	vioapic_eoi(&IO, 0x4a);
	assert_int_equal(nmsgs, 5);
	/* Switching a pin to edge drops its remote IRR. */
	redir(11, 0x4a);
	assert_false(redir_read(11) & REMOTE_IRR);
}

static void test_bad_pin_and_no_sink(void **state)
{
	(void)state;
	vioapic_set_irq(&IO, 24, true);
	vioapic_set_irq(&IO, 255, true);
	assert_int_equal(IO.level, 0);
	vioapic_init(&IO, 0, NULL);
	redir(0, 0x20);
	vioapic_set_irq(&IO, 0, true);                  /* no sink: counted only */
	assert_int_equal(IO.delivered, 1);
}

static void test_mmio_odd(void **state)
{
	(void)state;
	vioapic_mmio_write(&IO, 0x00, 4, 0x01);          /* select version */
	u64 odd = IO.odd_accesses;
	assert_int_equal(vioapic_mmio_read(&IO, 0x10, 1), 0x11);
	assert_int_equal(vioapic_mmio_read(&IO, 0x12, 1), 0x17);
	assert_int_equal(vioapic_mmio_read(&IO, 0x10, 8), 0x170011);
	assert_int_equal(vioapic_mmio_read(&IO, 0x0c, 8), 0x170011ull << 32);
	assert_int_equal(vioapic_mmio_read(&IO, 0x00, 2), 0x01);
	assert_int_equal(vioapic_mmio_read(&IO, 0x20, 4), 0);
	assert_int_equal(vioapic_mmio_read(&IO, 0xffc, 8), 0);
	assert_int_equal(IO.odd_accesses, odd + 7);
	/* Odd writes have no effect. */
	vioapic_mmio_write(&IO, 0x00, 1, 0x10);
	vioapic_mmio_write(&IO, 0x10, 8, 0);
	vioapic_mmio_write(&IO, 0x20, 4, 0);
	assert_int_equal(vioapic_mmio_read(&IO, 0x00, 4), 0x01);
	assert_int_equal(IO.odd_accesses, odd + 10);
	static const u8 sizes[] = { 0, 1, 2, 3, 4, 8, 16 };
	for (u32 off = 0; off < 0x1010; off++)
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			(void)vioapic_mmio_read(&IO, off, sizes[s]);
			vioapic_mmio_write(&IO, off, sizes[s], ~0ull);
		}
	/* Every selector value through IOWIN. */
	for (u32 sel = 0; sel < 0x100; sel++) {
		(void)reg_read(sel);
		reg_write(sel, 0);
	}
	assert_true(IO.odd_accesses > odd + 10);
	assert_int_equal(nmsgs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_registers, setup),
		cmocka_unit_test_setup(test_redir_masks, setup),
		cmocka_unit_test_setup(test_edge, setup),
		cmocka_unit_test_setup(test_level_remote_irr, setup),
		cmocka_unit_test_setup(test_level_masked_then_unmasked, setup),
		cmocka_unit_test_setup(test_bad_pin_and_no_sink, setup),
		cmocka_unit_test_setup(test_mmio_odd, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
