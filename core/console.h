/* The hypervisor console: every output line goes to the serial port chosen
 * with `console=` (COM1 0x3f8 by default). */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include "core/types.h"

/* Initialise the default console (COM1) as early as possible. */
void console_init_early(void);

/* Switch to the port named by `console=` (com1..com4 or an I/O port number). */
int console_select(u16 port) __must_check;

/* Write n bytes ("\n" becomes "\r\n"). */
void console_write(const char *s, size_t n);

/* Wait until the UART has shifted out every byte (before leaving an
 * emulator, which would drop what is still queued). */
void console_drain(void);

/* Read one byte if one is waiting; return -1 otherwise. */
int console_getc(void);

#endif
