/* ticker: a busy counter that reports its progress: `lines=` (20) times it
 * counts `steps=` (5000000) loop iterations without any exit, then prints
 * `ticker: progress <n>/<lines> (counter <c>)`, which exits to the
 * hypervisor's UART. Beside a guest that waits for swap-ins, its lines
 * show that it kept running meanwhile. Ends with status 0. */
#include "rt.h"

int main(const char *cmdline)
{
	u64 lines = 20, steps = 5000000, counter = 0;

	rt_opt_uint(cmdline, "lines", &lines);
	rt_opt_uint(cmdline, "steps", &steps);
	rt_printf("ticker: %lu lines of %lu steps\n", lines, steps);
	for (u64 n = 1; n <= lines; n++) {
		for (u64 i = 0; i < steps; i++) {
			counter++;
			asm volatile("" : "+r"(counter));
		}
		rt_printf("ticker: progress %lu/%lu (counter %lu)\n", n, lines, counter);
	}
	rt_report(counter == lines * steps, "ticker: counted %lu", counter);
	return rt_summary();
}
