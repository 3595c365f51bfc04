/* The hypervisor console on a 16550 serial port (COM1 unless `console=`
 * chooses another) and/or the loader's framebuffer (core/fbcon.h,
 * `console=fb|both`). Output before console_init_early() is dropped; output
 * before the framebuffer is attached is kept and drawn when it is. */
#include "core/console.h"
#include "core/addr.h"
#include "core/bootinfo.h"
#include "core/fbcon.h"
#include "core/string.h"
#include "drivers/uart16550.h"

static u16 console_port;
static bool serial_off;              /* console=fb, once the framebuffer works */
static bool fb_wanted, fb_active;
static struct fbcon fb;
static char early[4096];             /* output before console_fb_attach() */
static size_t early_len;
static bool early_done;

void console_set_outputs(bool serial, bool fbuf)
{
	serial_off = !serial;
	fb_wanted = fbuf;
}

int console_fb_attach(const struct bootinfo_fb *b)
{
	early_done = true;
	if (!fb_wanted) {
		serial_off = false;
		return E_OK;
	}
	/* Reached through the direct map, which covers at least the low 4 GiB. */
	if (!b->present || b->type != 1 || b->addr + (u64)b->pitch * b->height > 4 * GiB ||
	    fbcon_setup(&fb, hpa_to_ptr(hpa(b->addr)), b->pitch, b->width, b->height, b->bpp) < 0) {
		serial_off = false;
		return E_NOTSUP;
	}
	fb_active = true;
	fbcon_write(&fb, early, early_len);
	return E_OK;
}

void console_init_early(void)
{
	if (uart_init(0x3f8) == E_OK)
		console_port = 0x3f8;
}

int console_select(u16 port)
{
	int rc = uart_init(port);
	if (rc != E_OK)
		return rc;
	console_port = port;
	return E_OK;
}

void console_write(const char *s, size_t n)
{
	if (!early_done) {
		size_t k = MIN(n, sizeof(early) - early_len);
		memcpy(early + early_len, s, k);
		early_len += k;
	}
	if (fb_active)
		fbcon_write(&fb, s, n);
	if (!console_port || serial_off)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(console_port, '\r');
		uart_putc(console_port, (u8)s[i]);
	}
}

int console_getc(void)
{
	return console_port ? uart_getc(console_port) : -1;
}

void console_drain(void)
{
	if (console_port)
		uart_drain(console_port);
}
