/* Fatal hypervisor errors. panic() is for broken hypervisor invariants only:
 * a misbehaving guest or bad outside input must never reach it. */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include "core/types.h"

/* Print the message, a register dump and a frame-pointer backtrace, then stop
 * the machine (leaving the emulator through its exit port if there is one). */
__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Cheap assertions stay on in every build. */
#define ASSERT(cond)                                                         \
	do {                                                                 \
		if (unlikely(!(cond)))                                       \
			panic("assertion failed: %s at %s:%d", #cond,        \
			      __FILE__, __LINE__);                           \
	} while (0)

#endif
