/* The hypervisor console: every output line goes to the serial port chosen
 * with `console=` (COM1 0x3f8 by default). */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include "core/types.h"

struct bootinfo_fb;

/* Initialise the default console (COM1) as early as possible. */
void console_init_early(void);

/* Switch to the port named by `console=` (com1..com4 or an I/O port number). */
int console_select(u16 port) __must_check;

/* Choose the outputs (`console=`): the serial port, the framebuffer, or
 * both. Takes effect at console_fb_attach(); until then the serial port. */
void console_set_outputs(bool serial, bool fb);

/* Start drawing on the loader's framebuffer b if console_set_outputs()
 * asked for it, replaying the output so far. Returns E_OK, or E_NOTSUP when
 * it was asked for but b is absent or not a usable linear RGB framebuffer
 * (the serial port then stays on). Call once, after options are parsed. */
int console_fb_attach(const struct bootinfo_fb *b) __must_check;

/* Write n bytes ("\n" becomes "\r\n"). */
void console_write(const char *s, size_t n);

/* Wait until the UART has shifted out every byte (before leaving an
 * emulator, which would drop what is still queued). */
void console_drain(void);

/* Read one byte if one is waiting; return -1 otherwise. */
int console_getc(void);

#endif
