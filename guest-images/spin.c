/* spin: an endless loop with no exits (no I/O, no CPUID, no PAUSE), for
 * preemption tests: only the hypervisor's slice timer can take the CPU
 * from it, so the other guests finish only if preemption works. It never
 * ends by itself: give it a `timeout=` module option. Option `sti`: loop
 * with RFLAGS.IF = 1 (no interrupt reaches it: pagevisor injects none), for
 * Bochs 2.7's SVM, which never preempts a guest looping with IF = 0
 * (docs/svm.md). */
#include "rt.h"

int main(const char *cmdline)
{
	u64 sti = 0;
	rt_opt_uint(cmdline, "sti", &sti);
	rt_printf("spin: looping forever without exits\n");
	if (sti)
		asm volatile("sti");
	for (;;)
		asm volatile("");
}
