/* The guest's 16550 UART at 0x3f8, emulated register by register: polling
 * and interrupt-driven drivers both work. Transmitted text is shown on the
 * hypervisor console as `[name] ...` lines; console input arrives through
 * vdev_uart_rx into a 16-byte receive FIFO. Interrupts go out on line 4,
 * gated by MCR OUT2 as on a PC. */
#ifndef CORE_VDEV_UART_H
#define CORE_VDEV_UART_H

#include "core/types.h"
#include "core/vdev/irq.h"

#define VDEV_UART_BASE 0x3f8
#define VDEV_UART_IRQ 4
#define VDEV_UART_LINE_MAX 160
#define VDEV_UART_FIFO 16

struct vdev_uart {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	char line[VDEV_UART_LINE_MAX];   /* transmitted bytes since the last newline */
	u32 len;
	const char *owner;               /* (c) guest name for the prefix */
	u8 rx[VDEV_UART_FIFO];           /* receive FIFO (one byte used without FCR0) */
	u8 rx_head, rx_count;
	bool overrun;                    /* LSR OE, cleared by reading LSR */
	bool thre_pending;               /* THR-empty interrupt not yet acknowledged */
	u8 msr_delta;                    /* MSR bits 3:0, cleared by reading MSR */
	bool irq_out;                    /* level of the interrupt line now */
	u64 overruns;                    /* bytes lost to a full FIFO (statistics) */
	struct vdev_irq irq;             /* (c) line VDEV_UART_IRQ; set NULL: none */
};

/* Reset state (no interrupts enabled, FIFO off, 115200 baud). irq may be
 * NULL, or have a NULL set, for a UART without an interrupt line. */
void vdev_uart_init(struct vdev_uart *u, const char *owner, const struct vdev_irq *irq);

/* Register access at offset 0..7 from the base. */
u8 vdev_uart_read(struct vdev_uart *u, u16 offset);
void vdev_uart_write(struct vdev_uart *u, u16 offset, u8 val);

/* A byte arrives on the serial input: into the receive FIFO. Returns false
 * when it is full (the byte is lost and LSR OE set) or in loopback mode
 * (the input is disconnected; no overrun). */
bool vdev_uart_rx(struct vdev_uart *u, u8 c);

/* How many bytes vdev_uart_rx would accept now (0 in loopback mode). */
u32 vdev_uart_rx_room(const struct vdev_uart *u);

/* Print what is left of an unfinished line (at guest exit). */
void vdev_uart_flush(struct vdev_uart *u);

#endif
