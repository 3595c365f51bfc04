/* policybench --smoke: quick self-checks of the bench (tests/bench/smoke.c). */
#ifndef TESTS_BENCH_SMOKE_H
#define TESTS_BENCH_SMOKE_H

/* Run the checks; print one line each and return 0 if all passed, else 1. */
int smoke_run(void);

#endif
