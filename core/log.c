/* kprintf and leveled logging onto the console. Each call formats into a
 * bounded buffer first, so a line reaches the serial port in one piece. */
#include "core/log.h"
#include "core/console.h"
#include "core/string.h"

int log_threshold = LOG_INFO;

static const char *const level_prefix[] = {
	[LOG_ERR] = "error: ", [LOG_WARN] = "warning: ", [LOG_INFO] = "", [LOG_DEBUG] = "",
};

/* Format and write one message; add the newline a log line lacks. */
static int emit(const char *prefix, bool newline, const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(prefix, strlen(prefix));
	console_write(buf, (size_t)n);
	if (newline && (n == 0 || buf[n - 1] != '\n'))
		console_write("\n", 1);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = emit("", false, fmt, ap);
	va_end(ap);
	return n;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	if (level > log_threshold)
		return;
	if (level < LOG_ERR)
		level = LOG_ERR;
	va_start(ap, fmt);
	emit(level_prefix[MIN(level, LOG_DEBUG)], true, fmt, ap);
	va_end(ap);
}
