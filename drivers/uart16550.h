/* 16550 UART on an I/O port base: the host side of the serial console. */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "core/types.h"

/* Program base for 115200 baud, 8N1, FIFOs on, interrupts off. Return
 * E_NOENT when no UART answers at base (scratch register test). */
int uart_init(u16 base) __must_check;

/* Send one byte, waiting for the transmit holding register to empty. */
void uart_putc(u16 base, u8 c);

/* Wait (bounded) until the transmitter is empty (LSR.TEMT). */
void uart_drain(u16 base);

/* Return a received byte, or -1 when none is waiting. */
int uart_getc(u16 base);

#endif
