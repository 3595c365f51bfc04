/* Unit tests for core/vdev/uart.c: `[name] text` output and its
 * sanitising, IIR priorities, THRE interrupt rules, the receive FIFO with
 * trigger levels and overrun, FCR clearing, loopback with modem-status
 * deltas, and the OUT2 gate on the interrupt line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/vdev/uart.h"
#include "stubs.h"

enum { DATA = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static struct vdev_uart u;
static bool line;
static int rises;

static void irq_set(void *ctx, u8 l, bool level)
{
	(void)ctx;
	assert_int_equal(l, 4);
	assert_int_not_equal(level, line);   /* only changes are reported */
	if (level)
		rises++;
	line = level;
}

static const struct vdev_irq irq = { .set = irq_set };

static void setup(void)
{
	line = false;
	rises = 0;
	stub_log_reset();
	vdev_uart_init(&u, "g1", &irq);
}

static void send(const char *s)
{
	while (*s)
		vdev_uart_write(&u, DATA, (u8)*s++);
}

static void test_output_lines(void **state)
{
	(void)state;
	setup();
	send("hello\r\nx\x1b[2J\n");
	assert_true(stub_log_contains("[g1] hello\n"));
	assert_true(stub_log_contains("[g1] x.[2J\n"));
	send("tail");
	vdev_uart_flush(&u);
	assert_true(stub_log_contains("[g1] tail\n"));
	/* DLAB: offsets 0/1 are the divisor latch, nothing is sent. */
	stub_log_reset();
	vdev_uart_write(&u, LCR, 0x83);
	vdev_uart_write(&u, DATA, 0x0c);
	vdev_uart_write(&u, IER, 0x00);
	assert_int_equal(vdev_uart_read(&u, DATA), 0x0c);
	vdev_uart_write(&u, LCR, 0x03);
	vdev_uart_flush(&u);
	assert_int_equal(stub_log_len, 0);
	assert_int_equal(vdev_uart_read(&u, SCR), 0);
	vdev_uart_write(&u, SCR, 0x5a);
	assert_int_equal(vdev_uart_read(&u, SCR), 0x5a);
}

static void test_no_irq_uart(void **state)
{
	(void)state;
	vdev_uart_init(&u, "g0", NULL);
	vdev_uart_write(&u, MCR, 0x08);
	vdev_uart_write(&u, IER, 0x02);
	assert_true(u.irq_out);   /* the line is computed, just not wired */
	assert_int_equal(vdev_uart_read(&u, IIR) & 0x0f, 0x02);
}

static void test_thre_rules(void **state)
{
	(void)state;
	setup();
	vdev_uart_write(&u, MCR, 0x08);                /* OUT2 */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x01);
	/* Enabling THRE while THR is empty raises it at once. */
	vdev_uart_write(&u, IER, 0x02);
	assert_true(line);
	assert_int_equal(rises, 1);
	/* Reading IIR showing THRE acknowledges it. */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x02);
	assert_false(line);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x01);
	/* A THR write brings it back (transmission is instantaneous). */
	send("a");
	assert_true(line);
	assert_int_equal(rises, 2);
	/* Re-writing IER with THRE still set does not re-raise after ack. */
	vdev_uart_read(&u, IIR);
	vdev_uart_write(&u, IER, 0x02);
	assert_false(line);
	/* Disabling and enabling again does. */
	vdev_uart_write(&u, IER, 0x00);
	vdev_uart_write(&u, IER, 0x02);
	assert_true(line);
}

/* Linux's serial8250_do_startup THRE probe: IER=THRI, read IIR, IER=0,
 * IER=THRI, read IIR: both reads must show THRE (no UART_BUG_THRE). */
static void test_linux_thre_probe(void **state)
{
	(void)state;
	setup();
	vdev_uart_write(&u, FCR, 0x07);
	vdev_uart_write(&u, IER, 0x02);
	u8 iir1 = vdev_uart_read(&u, IIR);
	vdev_uart_write(&u, IER, 0x00);
	vdev_uart_write(&u, IER, 0x02);
	u8 iir = vdev_uart_read(&u, IIR);
	vdev_uart_write(&u, IER, 0x00);
	assert_int_equal(iir1, 0xc2);
	assert_int_equal(iir, 0xc2);
	/* The 16550A probe: FIFO bits 7:6 set, no 64-byte FIFO bit 5. */
	vdev_uart_write(&u, FCR, 0x21);
	assert_int_equal(vdev_uart_read(&u, IIR) & 0xe0, 0xc0);
}

static void test_out2_gate(void **state)
{
	(void)state;
	setup();
	vdev_uart_write(&u, IER, 0x02);
	assert_false(line);                            /* OUT2 low: tri-stated */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x02); /* still pending inside */
	send("b");
	assert_false(line);
	vdev_uart_write(&u, MCR, 0x08);
	assert_true(line);
	vdev_uart_write(&u, MCR, 0x00);
	assert_false(line);
}

static void test_iir_priorities(void **state)
{
	(void)state;
	setup();
	vdev_uart_write(&u, MCR, 0x0b);
	vdev_uart_write(&u, IER, 0x0f);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x02);
	send("x");
	/* Received data beats THRE. */
	assert_true(vdev_uart_rx(&u, 'k'));
	assert_int_equal(vdev_uart_read(&u, IIR), 0x04);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x04);   /* not acknowledged by IIR */
	/* Overrun (line status) beats received data. */
	assert_false(vdev_uart_rx(&u, 'l'));               /* FIFO off: 1 byte */
	assert_int_equal(u.overruns, 1);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x06);
	assert_int_equal(vdev_uart_read(&u, LSR), 0x63);   /* DR OE THRE TEMT */
	assert_int_equal(vdev_uart_read(&u, LSR), 0x61);   /* OE cleared */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x04);
	assert_int_equal(vdev_uart_read(&u, DATA), 'k');
	assert_int_equal(vdev_uart_read(&u, LSR), 0x60);
	/* Then THRE, then modem status (delta from the loopback lines). */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x02);
	vdev_uart_write(&u, MCR, 0x1b);
	vdev_uart_write(&u, MCR, 0x19);                    /* RTS drops: DCTS */
	assert_int_equal(vdev_uart_read(&u, IIR), 0x00);
	assert_true(line);
	assert_int_equal(vdev_uart_read(&u, MSR) & 0x0f, 0x01);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x01);
	assert_false(line);
}

static void test_rx_fifo(void **state)
{
	(void)state;
	setup();
	/* Linux: FIFO on, clear, trigger level 8. */
	vdev_uart_write(&u, FCR, 0x87);
	vdev_uart_write(&u, MCR, 0x0b);
	vdev_uart_write(&u, IER, 0x01);
	assert_int_equal(vdev_uart_read(&u, IIR), 0xc1);
	assert_int_equal(vdev_uart_rx_room(&u), 16);
	/* Below the trigger level: character timeout. */
	vdev_uart_rx(&u, '0');
	assert_true(line);
	assert_int_equal(vdev_uart_read(&u, IIR), 0xcc);
	for (u8 c = '1'; c < '8'; c++)
		assert_true(vdev_uart_rx(&u, c));
	assert_int_equal(vdev_uart_read(&u, IIR), 0xc4);
	for (u8 c = '8'; c <= '?'; c++)
		assert_true(vdev_uart_rx(&u, c));
	assert_int_equal(vdev_uart_rx_room(&u), 0);
	assert_false(vdev_uart_rx(&u, '!'));
	assert_int_equal(vdev_uart_read(&u, LSR), 0x63);
	/* The FIFO keeps the first 16 in order. */
	for (u8 c = '0'; c <= '?'; c++)
		assert_int_equal(vdev_uart_read(&u, DATA), c);
	assert_int_equal(vdev_uart_read(&u, LSR) & 1, 0);
	assert_false(line);
	/* FCR bit 1 clears the receive FIFO. */
	vdev_uart_rx(&u, 'a');
	vdev_uart_rx(&u, 'b');
	vdev_uart_write(&u, FCR, 0x83);
	assert_int_equal(vdev_uart_read(&u, LSR) & 1, 0);
	assert_int_equal(vdev_uart_rx_room(&u), 16);
	/* Turning the FIFO off leaves a one-byte holding register. */
	vdev_uart_rx(&u, 'c');
	vdev_uart_write(&u, FCR, 0x00);
	assert_int_equal(vdev_uart_rx_room(&u), 1);
	assert_int_equal(vdev_uart_read(&u, IIR), 0x01);
}

static void test_loopback(void **state)
{
	(void)state;
	setup();
	vdev_uart_write(&u, FCR, 0x01);
	vdev_uart_write(&u, MCR, 0x1b);                /* loop, OUT2, RTS, DTR */
	assert_int_equal(vdev_uart_read(&u, MSR) & 0xf0, 0xb0);
	vdev_uart_write(&u, IER, 0x01);
	send("AB");
	assert_true(line);
	assert_int_equal(vdev_uart_read(&u, DATA), 'A');
	assert_int_equal(vdev_uart_read(&u, DATA), 'B');
	assert_false(line);
	vdev_uart_flush(&u);
	assert_false(stub_log_contains("[g1]"));       /* nothing reached the console */
	/* External input is disconnected in loopback. */
	assert_int_equal(vdev_uart_rx_room(&u), 0);
	assert_false(vdev_uart_rx(&u, 'z'));
	assert_false(u.overrun);
	/* OUT1 -> RI: a falling RI is TERI. */
	vdev_uart_write(&u, MCR, 0x1f);
	assert_true(vdev_uart_read(&u, MSR) & 0x40);
	vdev_uart_write(&u, MCR, 0x1b);
	assert_int_equal(vdev_uart_read(&u, MSR) & 0x0f, 0x04);
	/* Linux's 8250 autoconfig: LOOP|RTS|OUT2 must read back DCD|CTS. */
	vdev_uart_write(&u, MCR, 0x1a);
	assert_int_equal(vdev_uart_read(&u, MSR) & 0xf0, 0x90);
	/* Leaving loopback: the usual CTS|DSR|DCD and output to the console. */
	vdev_uart_write(&u, MCR, 0x0b);
	assert_int_equal(vdev_uart_read(&u, MSR) & 0xf0, 0xb0);
	send("C\n");
	assert_true(stub_log_contains("[g1] C\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_lines),
		cmocka_unit_test(test_no_irq_uart),
		cmocka_unit_test(test_thre_rules),
		cmocka_unit_test(test_linux_thre_probe),
		cmocka_unit_test(test_out2_gate),
		cmocka_unit_test(test_iir_priorities),
		cmocka_unit_test(test_rx_fifo),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
