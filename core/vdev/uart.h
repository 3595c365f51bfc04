/* The guest's 16550 UART at 0x3f8, emulated register by register so
 * polling drivers work; transmitted text is shown on the hypervisor console
 * as `[name] ...` lines. */
#ifndef CORE_VDEV_UART_H
#define CORE_VDEV_UART_H

#include "core/types.h"

#define VDEV_UART_BASE 0x3f8
#define VDEV_UART_LINE_MAX 160

struct vdev_uart {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	char line[VDEV_UART_LINE_MAX];   /* transmitted bytes since the last newline */
	u32 len;
	const char *owner;               /* (c) guest name for the prefix */
};

void vdev_uart_init(struct vdev_uart *u, const char *owner);

/* Register access at offset 0..7 from the base. */
u8 vdev_uart_read(struct vdev_uart *u, u16 offset);
void vdev_uart_write(struct vdev_uart *u, u16 offset, u8 val);

/* Print what is left of an unfinished line (at guest exit). */
void vdev_uart_flush(struct vdev_uart *u);

#endif
