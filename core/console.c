/* The hypervisor console on a 16550 serial port (COM1 unless `console=`
 * chooses another). Output before console_init_early() is dropped. */
#include "core/console.h"
#include "drivers/uart16550.h"

static u16 console_port;

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
	if (!console_port)
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
