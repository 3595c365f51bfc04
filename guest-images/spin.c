/* spin: an endless loop with no exits (no I/O, no CPUID, no PAUSE), for
 * preemption tests: only the hypervisor's slice timer can take the CPU
 * from it, so the other guests finish only if preemption works. It never
 * ends by itself: give it a `timeout=` module option. */
#include "rt.h"

int main(const char *cmdline)
{
	(void)cmdline;
	rt_printf("spin: looping forever without exits\n");
	for (;;)
		asm volatile("");
}
