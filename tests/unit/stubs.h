/* Test-side view of tests/unit/stubs.c: the captured log. */
#ifndef TESTS_UNIT_STUBS_H
#define TESTS_UNIT_STUBS_H

#include "core/types.h"

#define STUB_LOG_SIZE 65536
extern char stub_log_buf[STUB_LOG_SIZE];
extern size_t stub_log_len;
extern int stub_log_count[4];   /* messages per log level */

void stub_log_reset(void);
bool stub_log_contains(const char *needle);

#endif
