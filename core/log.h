/* Console output: a freestanding printf family and leveled logging.
 * Messages above the `loglevel=` threshold are dropped. */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>
#include "core/types.h"

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Current threshold: messages with level <= log_threshold are printed. */
extern int log_threshold;

/* Format into buf (at most n bytes including the NUL); return the length the
 * full output would have had. Supports %d %i %u %x %X %p %s %c %% with
 * flags '-', '0', width, precision for %s, and length modifiers l, ll, z, h, hh. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print unconditionally to the console. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print if level <= log_threshold; ERR and WARN lines get an "error: " /
 * "warning: " prefix so they stand out in serial logs. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
