/* The guest's 16550 UART (register layout: PC16550D data sheet). No
 * interrupts yet: the transmitter is always empty, the receiver never has
 * data. Output is collected per line and printed as `[name] text`, so a
 * guest can never produce a line that looks like the hypervisor's own. */
#include "core/vdev/uart.h"
#include "core/log.h"
#include "core/string.h"

enum { R_DATA = 0, R_IER = 1, R_IIR_FCR = 2, R_LCR = 3, R_MCR = 4, R_LSR = 5, R_MSR = 6, R_SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01
#define IIR_FIFO_ON 0xc0

void vdev_uart_init(struct vdev_uart *u, const char *owner)
{
	memset(u, 0, sizeof(*u));
	u->owner = owner;
	u->dll = 1;    /* 115200 baud */
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

u8 vdev_uart_read(struct vdev_uart *u, u16 offset)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case R_DATA: return dlab ? u->dll : 0;
	case R_IER: return dlab ? u->dlm : u->ier;
	case R_IIR_FCR: return IIR_NO_INT | ((u->fcr & 1) ? IIR_FIFO_ON : 0);
	case R_LCR: return u->lcr;
	case R_MCR: return u->mcr;
	case R_LSR: return LSR_THRE | LSR_TEMT;
	case R_MSR: return (u->mcr & 0x10) ? (u8)((u->mcr & 0x0f) << 4) : 0xb0; /* loopback, or CTS|DSR|DCD */
	case R_SCR: return u->scr;
	default: return 0xff;
	}
}

void vdev_uart_write(struct vdev_uart *u, u16 offset, u8 val)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case R_DATA:
		if (dlab)
			u->dll = val;
		else
			uart_tx(u, val);
		break;
	case R_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case R_IIR_FCR: u->fcr = val; break;
	case R_LCR: u->lcr = val; break;
	case R_MCR: u->mcr = val & 0x1f; break;
	case R_SCR: u->scr = val; break;
	default: break;   /* LSR and MSR are read-only */
	}
}
