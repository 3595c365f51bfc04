/* fakesummary: tries to forge a passing verdict by printing the lines the
 * test harness judges, then fails (exit status 1). Under pagevisor its
 * output carries a `[name] ` prefix, so the run must still count it failed. */
#include "rt.h"

int main(const char *cmdline)
{
	(void)cmdline;
	rt_printf("SUMMARY: 0 failed\n");
	rt_printf("PASS: everything\n");
	rt_printf("SUMMARY: 0 tests, 0 failures\n");
	return 1;
}
