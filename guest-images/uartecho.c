/* uartecho: COM1 with interrupts. IRQ 4 through IOAPIC pin 4 (default) or
 * the 8259 (pic=1); IER enables received-data and THR-empty interrupts and
 * MCR.OUT2 gates the line. Output goes through a ring buffer that the THRE
 * interrupt drains; every received line is echoed back as `echo: <line>`
 * until a line `quit`. Then (polled again) the byte and interrupt counts,
 * `PASS: uart interrupts` if RX and THRE interrupts both arrived, SUMMARY.
 * Options: pic=1, timeout= (TSC milliseconds without quit: FAIL; 60000). */
#include "pc.h"

#define COM1            0x3F8
#define UART_RBR        0
#define UART_THR        0
#define UART_IER        1
#define UART_IIR        2
#define UART_FCR        2
#define UART_MCR        4
#define UART_LSR        5
#define IER_RDA         (1U << 0)
#define IER_THRE        (1U << 1)
#define IIR_NONE        (1U << 0)
#define IIR_ID(iir)     ((iir) >> 1 & 7)
#define IIR_ID_THRE     1
#define IIR_ID_RDA      2
#define IIR_ID_LSR      3
#define IIR_ID_TIMEOUT  6
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DR          (1U << 0)
#define LSR_THRE        (1U << 5)
#define FIFO_SIZE       16
#define UART_IRQ        4
#define VEC_IOAPIC      0x44
#define VEC_TICK        0x31
#define TICK_MS         50
#define RING            4096            /* power of two */
#define LINE_MAX        120
#define LINES           8

static volatile char tx[RING];
static volatile u32 tx_head, tx_tail;
static volatile bool tx_busy;           /* a THRE interrupt is still to come */
static char rx_line[LINE_MAX + 1];
static u32 rx_len;
static char lines[LINES][LINE_MAX + 1];
static volatile u32 lines_in, lines_out;
static volatile u64 rx_bytes, rx_irqs, thre_irqs, rx_dropped;
static bool use_pic;

/* THRE: refill the FIFO from the ring, or note that the line went idle. */
static void tx_refill(void)
{
	unsigned n = 0;

	while (tx_tail != tx_head && n++ < FIFO_SIZE) {
		rt_outb(COM1 + UART_THR, (u8)tx[tx_tail % RING]);
		tx_tail++;
	}
	tx_busy = n > 0;
}

static void rx_byte(u8 c)
{
	rx_bytes++;
	if (c == '\r' || c == '\n') {
		if (!rx_len)
			return;
		rx_line[rx_len] = 0;
		if (lines_in - lines_out < LINES)
			memcpy(lines[lines_in++ % LINES], rx_line, rx_len + 1);
		else
			rx_dropped++;
		rx_len = 0;
		return;
	}
	if (rx_len < LINE_MAX)
		rx_line[rx_len++] = (char)c;
}

static void uart_irq(u8 vector)
{
	u8 iir;

	while (!((iir = rt_inb(COM1 + UART_IIR)) & IIR_NONE)) {
		if (IIR_ID(iir) == IIR_ID_THRE) {
			thre_irqs++;
			tx_refill();
		} else if (IIR_ID(iir) == IIR_ID_RDA || IIR_ID(iir) == IIR_ID_TIMEOUT) {
			rx_irqs++;
			while (rt_inb(COM1 + UART_LSR) & LSR_DR)
				rx_byte(rt_inb(COM1 + UART_RBR));
		} else if (IIR_ID(iir) == IIR_ID_LSR) {
			rt_inb(COM1 + UART_LSR);
		} else {
			break;
		}
	}
	if (vector == VEC_IOAPIC)
		rt_lapic_eoi();
	else
		rt_pic_eoi(UART_IRQ);
}

static void tick(u8 vector)
{
	(void)vector;
	rt_lapic_eoi();
}

/* Queue s for interrupt-driven output (waits while the ring is full). If
 * the transmitter is idle no THRE interrupt is coming: start it here. */
static void tx_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			tx_puts("\r");
		rt_cli();
		while (tx_head - tx_tail >= RING)
			rt_wait_irq();
		tx[tx_head % RING] = *s;
		tx_head++;
		if (!tx_busy && (rt_inb(COM1 + UART_LSR) & LSR_THRE))
			tx_refill();
		rt_sti();
	}
}

static void tx_drain(void)
{
	rt_cli();
	while (tx_head != tx_tail || !(rt_inb(COM1 + UART_LSR) & LSR_THRE))
		rt_wait_irq();
	rt_sti();
}

static void uart_irq_on(void)
{
	rt_irq_handler(use_pic ? PIC_VECTOR + UART_IRQ : VEC_IOAPIC, uart_irq);
	rt_outb(COM1 + UART_FCR, 0x07);         /* enable and clear FIFOs */
	while (rt_inb(COM1 + UART_LSR) & LSR_DR)
		rt_inb(COM1 + UART_RBR);
	rt_outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	if (use_pic)
		rt_pic_set_mask((u16)~(1U << UART_IRQ));
	else
		rt_ioapic_route(UART_IRQ, VEC_IOAPIC);
	rt_outb(COM1 + UART_IER, IER_RDA | IER_THRE);
	rt_sti();
}

static void uart_irq_off(void)
{
	rt_cli();
	rt_outb(COM1 + UART_IER, 0);
	rt_pic_set_mask(PIC_ALL_MASKED);
	rt_ioapic_mask(UART_IRQ);
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
}

/* Echo lines until `quit`; false on timeout. */
static bool echo_loop(u64 timeout_ms)
{
	char out[LINE_MAX + 16];
	u64 start = rt_rdtsc();

	for (;;) {
		rt_cli();
		while (lines_out == lines_in) {
			if (rt_rdtsc() - start >= rt_tsc_ms(timeout_ms))
				return false;
			rt_wait_irq();
		}
		rt_sti();
		if (!rt_strcmp(lines[lines_out % LINES], "quit"))
			return true;
		rt_snprintf(out, sizeof(out), "echo: %s\n", lines[lines_out % LINES]);
		lines_out++;
		tx_puts(out);
	}
}

int main(const char *cmdline)
{
	u64 timeout_ms = 60000, pic = 0;
	char banner[160];
	bool quit;

	rt_opt_uint(cmdline, "timeout", &timeout_ms);
	rt_opt_uint(cmdline, "pic", &pic);
	use_pic = pic != 0;
	rt_pc_init();
	rt_irq_handler(VEC_TICK, tick);
	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_TICK);
	rt_lapic_write(LAPIC_TIMER_ICR, (u32)(rt_clock.lapic_khz * TICK_MS));
	uart_irq_on();
	rt_snprintf(banner, sizeof(banner),
		    "uartecho: interrupt-driven COM1 on IRQ %u through %s (vector 0x%x), timeout %lu ms\n",
		    UART_IRQ, use_pic ? "the 8259" : "IOAPIC pin 4",
		    use_pic ? PIC_VECTOR + UART_IRQ : VEC_IOAPIC, timeout_ms);
	tx_puts(banner);
	tx_puts("echo: ready\n");
	quit = echo_loop(timeout_ms);
	tx_drain();
	uart_irq_off();
	rt_printf("uartecho: received %lu bytes, %lu RX interrupts, %lu THRE interrupts, %lu lines dropped\n",
		  rx_bytes, rx_irqs, thre_irqs, rx_dropped);
	rt_report(quit, "uart quit line received%s", quit ? "" : " (timeout)");
	rt_report(rx_irqs && thre_irqs, "uart interrupts");
	return rt_summary();
}
