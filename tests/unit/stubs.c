/* Host stand-ins for the hypervisor services that pure code calls: logging
 * (captured so tests can assert on warnings), panic (aborts the test), and
 * the physical-memory window (a test points it at its fake memory). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/panic.h"
#include "core/addr.h"
#include "stubs.h"

u64 phys_window;
int log_threshold = LOG_DEBUG;

char stub_log_buf[STUB_LOG_SIZE];
size_t stub_log_len;
int stub_log_count[LOG_DEBUG + 1];

void stub_log_reset(void)
{
	stub_log_len = 0;
	stub_log_buf[0] = 0;
	memset(stub_log_count, 0, sizeof(stub_log_count));
}

bool stub_log_contains(const char *needle)
{
	return strstr(stub_log_buf, needle) != NULL;
}

static void stub_log_append(const char *fmt, va_list ap)
{
	if (stub_log_len >= STUB_LOG_SIZE - 1)
		return;
	int n = vsnprintf(stub_log_buf + stub_log_len, STUB_LOG_SIZE - stub_log_len, fmt, ap);
	if (n > 0)
		stub_log_len = MIN(stub_log_len + (size_t)n, STUB_LOG_SIZE - 1);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	if (level >= 0 && level <= LOG_DEBUG)
		stub_log_count[level]++;
	va_start(ap, fmt);
	stub_log_append(fmt, ap);
	va_end(ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stub_log_append(fmt, ap);
	va_end(ap);
	return 0;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}
