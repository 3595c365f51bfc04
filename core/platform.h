/* Leaving the machine: emulator exit ports for tests, halt otherwise. */
#ifndef CORE_PLATFORM_H
#define CORE_PLATFORM_H

#include "core/types.h"

/* Leave the emulator with status code (QEMU isa-debug-exit at 0xf4 exits
 * with (code << 1) | 1; Bochs quits on "Shutdown" written to 0x8900). On
 * real hardware neither port exists and the CPU halts forever. */
__noreturn void platform_exit(int code);

/* Halt with interrupts disabled, forever. */
__noreturn void platform_halt(void);

#endif
