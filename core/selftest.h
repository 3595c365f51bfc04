/* In-image self-tests, run when `selftest` is on the command line. Each test
 * registers itself with SELFTEST() in the .selftests section; the runner
 * prints `PASS: <name>` / `FAIL: <name>` and `SUMMARY: <n> tests, <m> failures`. */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

#include "core/types.h"

struct selftest {
	const char *name;
	bool (*fn)(void);   /* true = pass; print details with pr_err on failure */
};

#define SELFTEST(name_, fn_)                                                   \
	static const struct selftest __selftest_##fn_                          \
		__attribute__((used, section(".selftests"), aligned(8))) = { name_, fn_ }

/* Run every registered test; return the number of failures. */
int selftest_run_all(void);

/* Check helper: print the failing expression and return false from the test. */
#define ST_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			pr_err("selftest check failed: %s (%s:%d)", #cond,     \
			       __FILE__, __LINE__);                            \
			return false;                                          \
		}                                                              \
	} while (0)

#endif
