/* policybench's result table and its writers (tests/bench/report.c). */
#ifndef TESTS_BENCH_REPORT_H
#define TESTS_BENCH_REPORT_H

#include "tests/bench/bench.h"
#include <stdio.h>

#define REPORT_COLS_MAX 16

/* One policy under one sweep mechanics. Column 0 is OPT on demand, the
 * denominator of every ratio. */
struct column {
	const char *label;
	const struct bpol *p;
	struct mech mech;
};

/* One trace at one memory size. */
struct row {
	char trace[48];
	u32 pct, cap;
	u32 npages;               /* the trace's footprint */
	u64 len;                  /* the trace's references */
	bool in_goal;             /* one of the goal sizes (10/25/50/75%) */
	u64 faults[REPORT_COLS_MAX];
};

struct report {
	const struct column *cols;
	u32 ncols;
	struct row *rows;
	u32 nrows;
	u32 own;                  /* column of the project's default policy */
	u32 rivals[2];            /* the A-bit LRU and CLOCK columns it is held to */
};

/* Legend, fault table, ratio table, geometric means and goals, as plain
 * text or markdown. */
void report_write(FILE *f, const struct report *rp, bool md);

/* dir/policy-<pct>.dat: per memory size, a row per trace with each column's
 * ratio to OPT (gnuplot input). */
int report_write_dat(const char *dir, const struct report *rp);

#endif
