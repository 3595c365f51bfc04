/* The in-image self-test runner (`selftest` on the command line). Verdict
 * lines start at column 0 so the test harness can tell them from guest or
 * diagnostic output. */
#include "core/selftest.h"
#include "core/log.h"

extern const struct selftest _selftests_start[], _selftests_end[];

int selftest_run_all(void)
{
	int total = 0, failures = 0;

	for (const struct selftest *t = _selftests_start; t < _selftests_end; t++) {
		bool ok = t->fn();
		kprintf("%s: %s\n", ok ? "PASS" : "FAIL", t->name);
		total++;
		failures += !ok;
	}
	kprintf("SUMMARY: %d tests, %d failures\n", total, failures);
	return failures;
}
