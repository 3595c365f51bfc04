/* 16550 UART driver (register layout: National Semiconductor PC16550D data
 * sheet): polled transmit and receive, no interrupts. */
#include "drivers/uart16550.h"
#include "core/cpu.h"

enum {
	UART_DATA = 0, UART_IER = 1, UART_DLL = 0, UART_DLM = 1, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCR = 7,
};
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LSR_TX_EMPTY   0x40
#define LCR_DLAB       0x80
#define UART_CLOCK     115200

int uart_init(u16 base)
{
	outb(base + UART_SCR, 0x5a);
	if (inb(base + UART_SCR) != 0x5a)
		return E_NOENT;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, UART_CLOCK / 115200);
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, 0x03);        /* 8 data bits, no parity, 1 stop */
	outb(base + UART_FCR, 0x07);        /* enable and clear FIFOs */
	outb(base + UART_MCR, 0x03);        /* DTR | RTS */
	return E_OK;
}

void uart_putc(u16 base, u8 c)
{
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(base + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(base + UART_DATA, c);
}

int uart_getc(u16 base)
{
	if (!(inb(base + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(base + UART_DATA);
}

void uart_drain(u16 base)
{
	for (int spins = 0; spins < 1000000; spins++) {
		if (inb(base + UART_LSR) & LSR_TX_EMPTY)
			return;
		cpu_relax();
	}
}
