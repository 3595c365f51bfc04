/* The guest's 16550 UART (PC16550D data sheet): registers, the receive
 * FIFO, the four interrupt sources in IIR priority order, loopback and the
 * PC's OUT2 gate on the interrupt line. Transmission is instantaneous.
 * Output is collected per line and printed as `[name] text`, so a guest
 * can never produce a line that looks like the hypervisor's own. */
#include "core/vdev/uart.h"
#include "core/log.h"
#include "core/string.h"

enum { R_DATA = 0, R_IER = 1, R_IIR_FCR = 2, R_LCR = 3, R_MCR = 4, R_LSR = 5, R_MSR = 6, R_SCR = 7 };
#define LCR_DLAB 0x80
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_MS 0x00
#define IIR_NO_INT 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

void vdev_uart_init(struct vdev_uart *u, const char *owner, const struct vdev_irq *irq)
{
	memset(u, 0, sizeof(*u));
	u->owner = owner;
	u->dll = 1;    /* 115200 baud */
	if (irq)
		u->irq = *irq;
}

void vdev_uart_flush(struct vdev_uart *u)
{
	if (!u->len)
		return;
	u->line[u->len] = 0;
	kprintf("[%s] %s\n", u->owner, u->line);
	u->len = 0;
}

/* Collect one transmitted byte; control characters other than tab are
 * shown as '.', so a guest cannot move the cursor over our output. */
static void uart_tx(struct vdev_uart *u, u8 c)
{
	if (c == '\n') {
		vdev_uart_flush(u);
		return;
	}
	if (c == '\r')
		return;
	if (u->len >= VDEV_UART_LINE_MAX - 1)
		vdev_uart_flush(u);
	u->line[u->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';
}

static bool uart_fifo_on(const struct vdev_uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static u32 uart_rx_capacity(const struct vdev_uart *u)
{
	return uart_fifo_on(u) ? VDEV_UART_FIFO : 1;
}

/* Receiver trigger level from FCR bits 7:6. */
static u32 uart_rx_trigger(const struct vdev_uart *u)
{
	static const u8 levels[4] = { 1, 4, 8, 14 };
	return uart_fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* The highest-priority pending enabled source as an IIR value (bits 3:0).
 * Data below the trigger level reports a character timeout at once: there
 * is no time in this model, so the four character times have passed. */
static u8 uart_source(const struct vdev_uart *u)
{
	if ((u->ier & IER_RLS) && u->overrun)
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_count)
		return u->rx_count >= uart_rx_trigger(u) ? IIR_RDA : IIR_TIMEOUT;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_MS) && u->msr_delta)
		return IIR_MS;
	return IIR_NO_INT;
}

static void uart_update_irq(struct vdev_uart *u)
{
	bool level = uart_source(u) != IIR_NO_INT && (u->mcr & MCR_OUT2);
	if (level == u->irq_out)
		return;
	u->irq_out = level;
	vdev_irq_set(&u->irq, VDEV_UART_IRQ, level);
}

static bool uart_rx_push(struct vdev_uart *u, u8 c)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->overrun = true;
		u->overruns++;
		uart_update_irq(u);
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % VDEV_UART_FIFO] = c;
	u->rx_count++;
	uart_update_irq(u);
	return true;
}

bool vdev_uart_rx(struct vdev_uart *u, u8 c)
{
	if (u->mcr & MCR_LOOP)
		return false;
	return uart_rx_push(u, c);
}

u32 vdev_uart_rx_room(const struct vdev_uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	return uart_rx_capacity(u) - MIN(u->rx_count, uart_rx_capacity(u));
}

static void uart_rx_clear(struct vdev_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Modem status inputs (MSR bits 7:4): CTS, DSR and DCD asserted, or in
 * loopback RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static u8 uart_msr_lines(const struct vdev_uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return 0xb0;
	u8 m = u->mcr;
	return (u8)((m & 0x02) << 3 | (m & 0x01) << 5 | (m & 0x04) << 4 | (m & 0x08) << 4);
}

/* MSR deltas for a change of the input lines: DCTS, DDSR, TERI (RI
 * falling), DDCD. */
static u8 uart_msr_changes(u8 old, u8 now)
{
	u8 x = old ^ now;
	return (u8)(((x >> 4) & 0x0b) | ((old & ~now) & 0x40 ? 0x04 : 0));
}

static u8 uart_read_data(struct vdev_uart *u)
{
	if (u->lcr & LCR_DLAB)
		return u->dll;
	if (!u->rx_count)
		return 0;
	u8 c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VDEV_UART_FIFO;
	u->rx_count--;
	return c;
}

static u8 uart_read_ier(struct vdev_uart *u)
{
	return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
}

/* Reading IIR while it shows THRE acknowledges that interrupt. */
static u8 uart_read_iir(struct vdev_uart *u)
{
	u8 src = uart_source(u);
	if (src == IIR_THRE)
		u->thre_pending = false;
	return (u8)(src | (uart_fifo_on(u) ? IIR_FIFO_ON : 0));
}

static u8 uart_read_lcr(struct vdev_uart *u)
{
	return u->lcr;
}

static u8 uart_read_mcr(struct vdev_uart *u)
{
	return u->mcr;
}

static u8 uart_read_lsr(struct vdev_uart *u)
{
	u8 v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
	u->overrun = false;
	return v;
}

static u8 uart_read_msr(struct vdev_uart *u)
{
	u8 v = uart_msr_lines(u) | u->msr_delta;
	u->msr_delta = 0;
	return v;
}

static u8 uart_read_scr(struct vdev_uart *u)
{
	return u->scr;
}

static u8 (*const uart_readers[8])(struct vdev_uart *u) = {
	[R_DATA] = uart_read_data, [R_IER] = uart_read_ier, [R_IIR_FCR] = uart_read_iir,
	[R_LCR] = uart_read_lcr, [R_MCR] = uart_read_mcr, [R_LSR] = uart_read_lsr,
	[R_MSR] = uart_read_msr, [R_SCR] = uart_read_scr,
};

u8 vdev_uart_read(struct vdev_uart *u, u16 offset)
{
	if (offset >= ARRAY_SIZE(uart_readers))
		return 0xff;
	u8 v = uart_readers[offset](u);
	uart_update_irq(u);
	return v;
}

/* THR: the byte leaves at once, so THR is empty again and its interrupt
 * (cleared by the write) is pending again. */
static void uart_write_data(struct vdev_uart *u, u8 val)
{
	if (u->lcr & LCR_DLAB) {
		u->dll = val;
		return;
	}
	if (u->mcr & MCR_LOOP)
		uart_rx_push(u, val);
	else
		uart_tx(u, val);
	u->thre_pending = true;
}

/* Enabling the THRE interrupt while THR is empty raises it. */
static void uart_write_ier(struct vdev_uart *u, u8 val)
{
	if (u->lcr & LCR_DLAB) {
		u->dlm = val;
		return;
	}
	if ((val & IER_THRE) && !(u->ier & IER_THRE))
		u->thre_pending = true;
	u->ier = val & 0x0f;
}

/* FCR: toggling FCR0 resets the FIFOs, FCR1 clears the receive FIFO. */
static void uart_write_fcr(struct vdev_uart *u, u8 val)
{
	if (((val ^ u->fcr) & FCR_ENABLE) || (val & FCR_CLEAR_RX))
		uart_rx_clear(u);
	u->fcr = val & 0xc9;
}

static void uart_write_lcr(struct vdev_uart *u, u8 val)
{
	u->lcr = val;
}

static void uart_write_mcr(struct vdev_uart *u, u8 val)
{
	u8 old = uart_msr_lines(u);
	u->mcr = val & 0x1f;
	u->msr_delta |= uart_msr_changes(old, uart_msr_lines(u));
}

static void uart_write_scr(struct vdev_uart *u, u8 val)
{
	u->scr = val;
}

/* LSR and MSR are read-only: no writer. */
static void (*const uart_writers[8])(struct vdev_uart *u, u8 val) = {
	[R_DATA] = uart_write_data, [R_IER] = uart_write_ier, [R_IIR_FCR] = uart_write_fcr,
	[R_LCR] = uart_write_lcr, [R_MCR] = uart_write_mcr, [R_SCR] = uart_write_scr,
};

void vdev_uart_write(struct vdev_uart *u, u16 offset, u8 val)
{
	if (offset >= ARRAY_SIZE(uart_writers) || !uart_writers[offset])
		return;
	uart_writers[offset](u, val);
	uart_update_irq(u);
}
