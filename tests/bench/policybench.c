/* policybench: the replacement-quality benchmark of `make bench` (issue 10
 * part 1, docs/BENCHMARKS.md). Replays traces (files, and with -s the
 * synthetic ones) at 10/25/50/75% of each footprint through every policy
 * column and writes the tables, geometric means and gnuplot data.
 * --smoke runs the self-checks on small inputs and exits non-zero on failure. */
#include "tests/bench/report.h"
#include "tests/bench/smoke.h"
#include "core/panic.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLICE_REFS 2000000   /* default references per timer slice (docs/BENCHMARKS.md) */
#define SYNTH_PAGES 10000
#define SYNTH_LEN 1000000

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "policybench: panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define PAGER_MECH { .kind = MECH_PAGER, .slice_refs = SLICE_REFS }

static const struct column bench_cols[] = {
	{ "opt", &pol_opt, { .kind = MECH_DEMAND } },
	{ "opt-sw", &pol_opt, PAGER_MECH },
	{ "lru", &pol_lru, PAGER_MECH },
	{ "lru-a", &pol_lrua, PAGER_MECH },
	{ "clock-a", &pol_clocka, PAGER_MECH },
	{ "clock", &pol_clock, PAGER_MECH },
	{ "clock2q", &pol_clock2q, PAGER_MECH },
	{ "fifo", &pol_fifo, PAGER_MECH },
	{ "random", &pol_random, PAGER_MECH },
	{ "linear", &pol_linear, PAGER_MECH },
};
enum { COL_OWN = 6, COL_LRUA = 3, COL_CLOCKA = 4 };

static const u32 goal_pcts[] = { 10, 25, 50, 75 };

/* -t: references per timer slice for the pager's columns (0: none). */
static u64 slice_refs = SLICE_REFS;

/* Replay trace t at pct% of its footprint through every column. */
static void bench_row(const struct trace *t, u32 pct, bool in_goal, struct row *r)
{
	*r = (struct row){ .pct = pct, .in_goal = in_goal, .npages = t->npages, .len = t->len };
	snprintf(r->trace, sizeof(r->trace), "%s", t->name);
	r->cap = MAX(1u, (u32)((u64)t->npages * pct / 100));
	for (u32 c = 0; c < ARRAY_SIZE(bench_cols); c++) {
		struct run_result res;
		struct mech k = bench_cols[c].mech;
		if (k.kind == MECH_PAGER)
			k.slice_refs = slice_refs;
		if (replay_run(t, r->cap, bench_cols[c].p, &k, &res) < 0) {
			fprintf(stderr, "policybench: %s at %u%%: %s found no victim\n", t->name,
				pct, bench_cols[c].label);
			exit(1);
		}
		r->faults[c] = res.faults;
	}
	fprintf(stderr, "policybench: %s %u%% (%u frames): opt %lu clock2q %lu\n", t->name, pct,
		r->cap, r->faults[0], r->faults[COL_OWN]);
}

/* All sizes of one trace; the loop also at 1/1.2 of its footprint (the
 * "loop over 1.2x memory" case), outside the goal set. */
static void bench_trace(const struct trace *t, struct report *rp)
{
	u32 n = ARRAY_SIZE(goal_pcts) + !strcmp(t->name, "loop");
	rp->rows = realloc(rp->rows, (rp->nrows + n) * sizeof(struct row));
	for (u32 i = 0; i < ARRAY_SIZE(goal_pcts); i++)
		bench_row(t, goal_pcts[i], true, &rp->rows[rp->nrows++]);
	if (n > ARRAY_SIZE(goal_pcts))
		bench_row(t, 83, false, &rp->rows[rp->nrows++]);
}

static int gen_loop(struct trace *t)
{
	return synth_loop(t, SYNTH_PAGES, SYNTH_LEN);
}

static int gen_zipf08(struct trace *t)
{
	return synth_zipf(t, "zipf0.8", 0.8, SYNTH_PAGES, SYNTH_LEN, 8);
}

static int gen_zipf12(struct trace *t)
{
	return synth_zipf(t, "zipf1.2", 1.2, SYNTH_PAGES, SYNTH_LEN, 12);
}

static int gen_hotcold(struct trace *t)
{
	return synth_hotcold(t, SYNTH_PAGES, SYNTH_LEN, 90);
}

static int gen_scan(struct trace *t)
{
	return synth_scan(t, SYNTH_PAGES / 5, SYNTH_PAGES * 4 / 5, SYNTH_LEN, 7);
}

/* The synthetic traces, SYNTH_PAGES pages each (fixed seeds). */
static int (*const synth_gens[])(struct trace *t) = {
	gen_loop, gen_zipf08, gen_zipf12, gen_hotcold, gen_scan,
};

static void bench_synthetic(struct report *rp)
{
	for (u32 i = 0; i < ARRAY_SIZE(synth_gens); i++) {
		struct trace t;
		if (synth_gens[i](&t) < 0) {
			fprintf(stderr, "policybench: synthetic trace %u failed\n", i);
			exit(1);
		}
		bench_trace(&t, rp);
		trace_free(&t);
	}
}

static int bench_write(const char *dir, const struct report *rp)
{
	char path[4200];
	report_write(stdout, rp, false);
	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/policy.txt", dir);
	FILE *txt = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/policy.md", dir);
	FILE *md = fopen(path, "w");
	if (!txt || !md) {
		fprintf(stderr, "policybench: cannot write to %s\n", dir);
		return 1;
	}
	report_write(txt, rp, false);
	report_write(md, rp, true);
	fclose(txt);
	fclose(md);
	return report_write_dat(dir, rp) ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: policybench [-o DIR] [-s] [-t SLICE] [TRACE...]\n"
			"  -s: the synthetic traces; -t: references per timer slice (default %d)\n"
			"       policybench --smoke\n", SLICE_REFS);
	return 2;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	bool synth = false;
	struct report rp = {
		.cols = bench_cols, .ncols = ARRAY_SIZE(bench_cols),
		.own = COL_OWN, .rivals = { COL_LRUA, COL_CLOCKA },
	};
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "--smoke"))
		return smoke_run();
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-s"))
			synth = true;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			slice_refs = strtoull(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (synth)
		bench_synthetic(&rp);
	for (; i < argc; i++) {
		struct trace t;
		if (trace_read(argv[i], &t) < 0)
			return 1;
		bench_trace(&t, &rp);
		trace_free(&t);
	}
	if (rp.nrows == 0)
		return usage();
	int rc = bench_write(dir, &rp);
	free(rp.rows);
	return rc;
}
