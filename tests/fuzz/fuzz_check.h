/* Shared by the libFuzzer harnesses: CHECK() aborts (a libFuzzer crash
 * with the input saved) when an invariant fails, naming the harness file
 * and line. Host-only (tests/fuzz/fuzz.mk). */
#ifndef TESTS_FUZZ_FUZZ_CHECK_H
#define TESTS_FUZZ_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
				__FILE__, __LINE__, #c);                       \
			abort();                                               \
		}                                                              \
	} while (0)

/* Little-endian reads from fuzz input (fields may be unaligned). */
static inline unsigned long long fuzz_rd(const unsigned char *p, int bytes)
{
	unsigned long long v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#endif
