/* Unit tests for core/vdev/pic.c: the initialisation sequences of Linux
 * and a BIOS, masks, EOIs (non-specific, specific, rotating), fully nested
 * priority across the cascade, poll mode, auto-EOI, special mask mode,
 * spurious IRQ 7/15 and level-triggered lines through the ELCR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/pic.h"

static struct vpic pic;

/* Linux's init_8259A: mask all, ICW1 0x11, vectors 0x30/0x38, cascade on
 * IR2, 8086 mode, then unmask everything. */
static void linux_program(u8 mbase, u8 sbase, u8 icw4)
{
	vpic_io_write(&pic, 0x21, 0xff);
	vpic_io_write(&pic, 0xa1, 0xff);
	vpic_io_write(&pic, 0x20, 0x11);
	vpic_io_write(&pic, 0x21, mbase);
	vpic_io_write(&pic, 0x21, 0x04);
	vpic_io_write(&pic, 0x21, icw4);
	vpic_io_write(&pic, 0xa0, 0x11);
	vpic_io_write(&pic, 0xa1, sbase);
	vpic_io_write(&pic, 0xa1, 0x02);
	vpic_io_write(&pic, 0xa1, icw4);
	vpic_io_write(&pic, 0x21, 0x00);
	vpic_io_write(&pic, 0xa1, 0x00);
}

static void linux_init(u8 mbase, u8 sbase, u8 icw4)
{
	vpic_init(&pic);
	linux_program(mbase, sbase, icw4);
}

static void pulse(u8 irq)
{
	vpic_set_irq(&pic, irq, true);
	vpic_set_irq(&pic, irq, false);
}

static void test_reset_state(void **state)
{
	(void)state;
	vpic_init(&pic);
	assert_int_equal(vpic_io_read(&pic, 0x21), 0xff);
	assert_int_equal(vpic_io_read(&pic, 0xa1), 0xff);
	pulse(0);
	assert_int_equal(vpic_pending(&pic), -1);     /* masked */
	vpic_io_write(&pic, 0x21, 0xfe);
	assert_int_equal(vpic_pending(&pic), 0x08);   /* BIOS vector base */
	assert_int_equal(vpic_ack(&pic), 0x08);
}

static void test_init_sequence(void **state)
{
	(void)state;
	vpic_init(&pic);
	vpic_io_write(&pic, 0x20, 0x11);
	/* ICW1 clears the IMR (8259A data sheet, Initialization Command Words). */
	assert_int_equal(vpic_io_read(&pic, 0x21), 0x00);
	assert_int_not_equal(pic.chip[0].icw_step, 0);
	vpic_io_write(&pic, 0x21, 0x37);   /* low 3 bits ignored */
	vpic_io_write(&pic, 0x21, 0x04);
	vpic_io_write(&pic, 0x21, 0x01);
	assert_int_equal(pic.chip[0].icw_step, 0);
	assert_int_equal(pic.chip[0].vector_base, 0x30);
	/* The next odd write is OCW1 again. */
	vpic_io_write(&pic, 0x21, 0xfb);
	assert_int_equal(vpic_io_read(&pic, 0x21), 0xfb);
	/* Without IC4, ICW3 ends the sequence. */
	vpic_io_write(&pic, 0xa0, 0x10);
	vpic_io_write(&pic, 0xa1, 0x70);
	vpic_io_write(&pic, 0xa1, 0x02);
	assert_int_equal(pic.chip[1].icw_step, 0);
	vpic_io_write(&pic, 0xa1, 0x5a);
	assert_int_equal(vpic_io_read(&pic, 0xa1), 0x5a);
}

static void test_init_clears_requests(void **state)
{
	(void)state;
	linux_init(0x30, 0x38, 0x01);
	pulse(3);
	vpic_io_write(&pic, 0x20, 0x0a);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x08);
	vpic_ack(&pic);
	linux_init(0x30, 0x38, 0x01);
	vpic_io_write(&pic, 0x20, 0x0b);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x00);
	assert_int_equal(vpic_pending(&pic), -1);
	/* A line held high must go low and high again after ICW1. */
	vpic_set_irq(&pic, 4, true);
	linux_program(0x30, 0x38, 0x01);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_set_irq(&pic, 4, false);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_pending(&pic), 0x34);
}

static void test_mask_and_eoi(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	vpic_io_write(&pic, 0x21, 0x02);
	pulse(1);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_io_write(&pic, 0x21, 0x00);
	assert_int_equal(vpic_pending(&pic), 0x21);
	assert_int_equal(vpic_ack(&pic), 0x21);
	assert_int_equal(pic.chip[0].isr, 0x02);
	assert_int_equal(pic.chip[0].irr, 0x00);
	/* The same line again is blocked while in service. */
	pulse(1);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_io_write(&pic, 0x20, 0x20);
	assert_int_equal(pic.chip[0].isr, 0);
	assert_int_equal(vpic_pending(&pic), 0x21);
}

static void test_nested_priority(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	pulse(4);
	assert_int_equal(vpic_ack(&pic), 0x24);
	/* Lower priority waits, higher priority nests. */
	pulse(6);
	assert_int_equal(vpic_pending(&pic), -1);
	pulse(1);
	assert_int_equal(vpic_ack(&pic), 0x21);
	assert_int_equal(pic.chip[0].isr, 0x12);
	/* Non-specific EOI ends the highest (IR1), IR6 still blocked by IR4. */
	vpic_io_write(&pic, 0x20, 0x20);
	assert_int_equal(pic.chip[0].isr, 0x10);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_io_write(&pic, 0x20, 0x64);   /* specific EOI 4 */
	assert_int_equal(vpic_ack(&pic), 0x26);
}

static void test_cascade(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	pulse(12);
	/* Master IRR shows IR2 from the slave's INTR. */
	vpic_io_write(&pic, 0x20, 0x0a);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x04);
	assert_int_equal(vpic_pending(&pic), 0x2c);
	pulse(0);
	assert_int_equal(vpic_ack(&pic), 0x20);   /* IR0 beats IR2 */
	vpic_io_write(&pic, 0x20, 0x20);
	assert_int_equal(vpic_ack(&pic), 0x2c);
	assert_int_equal(pic.chip[0].isr, 0x04);
	assert_int_equal(pic.chip[1].isr, 0x10);
	/* While the master's IR2 is in service, further slave requests wait
	 * (fully nested mode), even of higher priority on the slave. */
	pulse(9);
	assert_int_equal(vpic_pending(&pic), -1);
	pulse(1);
	assert_int_equal(vpic_pending(&pic), 0x21);
	vpic_ack(&pic);
	vpic_io_write(&pic, 0x20, 0x20);          /* ends IR1 */
	vpic_io_write(&pic, 0xa0, 0x20);          /* slave EOI (IR12) */
	vpic_io_write(&pic, 0x20, 0x20);          /* master EOI (IR2) */
	assert_int_equal(vpic_ack(&pic), 0x29);
	/* Masking the slave's line via the slave IMR. */
	vpic_io_write(&pic, 0xa0, 0x20);
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_io_write(&pic, 0xa1, 0x08);
	pulse(11);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_io_write(&pic, 0x21, 0x04);
	vpic_io_write(&pic, 0xa1, 0x00);
	assert_int_equal(vpic_pending(&pic), -1); /* IR2 masked on the master */
	vpic_io_write(&pic, 0x21, 0x00);
	assert_int_equal(vpic_pending(&pic), 0x2b);
}

static void test_spurious(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	assert_int_equal(vpic_ack(&pic), 0x27);
	assert_int_equal(pic.spurious, 1);
	assert_int_equal(pic.chip[0].isr, 0);
	/* A level request that vanishes before the acknowledge. */
	vpic_io_write(&pic, 0x4d1, 0x08);        /* IRQ 11 level */
	vpic_set_irq(&pic, 11, true);
	assert_int_equal(vpic_pending(&pic), 0x2b);
	vpic_set_irq(&pic, 11, false);
	assert_int_equal(vpic_pending(&pic), -1);
	assert_int_equal(vpic_ack(&pic), 0x27);
	/* A request latched on the master's IR2 with nothing on the slave:
	 * IRQ 15 spurious, the master's IR2 in service (the OS sends the
	 * master an EOI). */
	vpic_set_irq(&pic, 2, true);
	assert_int_equal(vpic_pending(&pic), 0x2f);
	assert_int_equal(vpic_ack(&pic), 0x2f);
	assert_int_equal(pic.spurious, 3);
	assert_int_equal(pic.chip[0].isr, 0x04);
	assert_int_equal(pic.chip[1].isr, 0x00);
}

static void test_elcr_level(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	/* IRQ 0, 1, 2, 8, 13 cannot be level-triggered. */
	vpic_io_write(&pic, 0x4d0, 0xff);
	vpic_io_write(&pic, 0x4d1, 0xff);
	assert_int_equal(vpic_io_read(&pic, 0x4d0), 0xf8);
	assert_int_equal(vpic_io_read(&pic, 0x4d1), 0xde);
	vpic_io_write(&pic, 0x4d0, 0x20);        /* IRQ 5 level */
	vpic_io_write(&pic, 0x4d1, 0x00);
	vpic_set_irq(&pic, 5, true);
	assert_int_equal(vpic_ack(&pic), 0x25);
	assert_int_equal(pic.chip[0].irr, 0x20); /* still asserted */
	vpic_io_write(&pic, 0x20, 0x20);
	/* Still high after EOI: interrupts again. */
	assert_int_equal(vpic_pending(&pic), 0x25);
	vpic_set_irq(&pic, 5, false);
	assert_int_equal(vpic_pending(&pic), -1);
	/* An edge line keeps its request after the input drops. */
	pulse(3);
	assert_int_equal(vpic_pending(&pic), 0x23);
	/* An edge line held high requests once. */
	vpic_ack(&pic);
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_set_irq(&pic, 4, true);
	vpic_ack(&pic);
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vpic_pending(&pic), -1);
}

static void test_poll_and_reads(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	pulse(5);
	pulse(3);
	vpic_io_write(&pic, 0x20, 0x0a);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x28);
	vpic_io_write(&pic, 0x20, 0x0c);         /* poll */
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x83);
	/* Poll is one-shot; reads return IRR again (RR unchanged). */
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x20);
	vpic_io_write(&pic, 0x20, 0x0b);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x08);
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_io_write(&pic, 0x20, 0x0c);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x85);
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_io_write(&pic, 0x20, 0x0c);
	assert_int_equal(vpic_io_read(&pic, 0x20), 0x00);
}

static void test_auto_eoi_and_rotation(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x03);           /* AEOI */
	pulse(3);
	assert_int_equal(vpic_ack(&pic), 0x23);
	assert_int_equal(pic.chip[0].isr, 0);
	linux_init(0x20, 0x28, 0x01);
	/* Rotate on non-specific EOI: the served line becomes lowest. */
	pulse(1);
	vpic_ack(&pic);
	vpic_io_write(&pic, 0x20, 0xa0);
	assert_int_equal(pic.chip[0].priority_add, 2);
	pulse(1);
	pulse(6);
	assert_int_equal(vpic_ack(&pic), 0x26);
	vpic_io_write(&pic, 0x20, 0xe6);         /* rotate on specific EOI 6 */
	assert_int_equal(pic.chip[0].isr, 0);
	pulse(0);
	assert_int_equal(vpic_ack(&pic), 0x20);  /* 7 is lowest now: 0 first */
	vpic_io_write(&pic, 0x20, 0x20);
	vpic_io_write(&pic, 0x20, 0xc0 | 3);     /* set priority: IR3 lowest */
	pulse(3);
	assert_int_equal(vpic_ack(&pic), 0x21);  /* IR1 still waiting beats IR3 */
}

static void test_special_mask(void **state)
{
	(void)state;
	linux_init(0x20, 0x28, 0x01);
	pulse(1);
	assert_int_equal(vpic_ack(&pic), 0x21);
	pulse(5);
	assert_int_equal(vpic_pending(&pic), -1);
	vpic_io_write(&pic, 0x20, 0x68);         /* set special mask mode */
	vpic_io_write(&pic, 0x21, 0x02);         /* mask the in-service IR1 */
	assert_int_equal(vpic_pending(&pic), 0x25);
	vpic_io_write(&pic, 0x20, 0x48);         /* reset special mask mode */
	assert_int_equal(vpic_pending(&pic), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_init_sequence),
		cmocka_unit_test(test_init_clears_requests),
		cmocka_unit_test(test_mask_and_eoi),
		cmocka_unit_test(test_nested_priority),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_elcr_level),
		cmocka_unit_test(test_poll_and_reads),
		cmocka_unit_test(test_auto_eoi_and_rotation),
		cmocka_unit_test(test_special_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
