/* Leaving the machine. Tests judge the serial output, so the exit code is
 * only a convenience for whoever started the emulator. */
#include "core/platform.h"
#include "core/console.h"
#include "core/cpu.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900

__noreturn void platform_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

__noreturn void platform_exit(int code)
{
	static const char shutdown[] = "Shutdown";

	console_drain();
	outb(QEMU_DEBUG_EXIT_PORT, (u8)code);
	for (const char *p = shutdown; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
	platform_halt();
}
