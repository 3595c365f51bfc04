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

#ifndef HOST_TEST
/* Print the return addresses of the frame-pointer chain starting at rbp
 * (first line: rip). Stops at a null, misaligned or non-hypervisor frame. */
void panic_backtrace(u64 rbp, u64 rip);

/* Leave the machine after a fatal report. */
__noreturn void panic_stop(void);
#endif
