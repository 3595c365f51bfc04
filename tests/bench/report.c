/* policybench's output: the fault table and the ratio-to-OPT table (plain
 * text and markdown), the geometric means per policy, the goal check of
 * issue 10 part 1, and one gnuplot data file per memory size. */
#include "tests/bench/report.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const info_label[] = {
	[INFO_OFFLINE] = "offline", [INFO_EXACT] = "exact",
	[INFO_ABIT] = "A-bit", [INFO_BLIND] = "blind",
};

static double report_ratio(const struct row *r, u32 c)
{
	return r->faults[0] ? (double)r->faults[c] / (double)r->faults[0] : 1.0;
}

/* Column c's geometric mean ratio to OPT over the rows in the goal set. */
static double report_geomean(const struct report *rp, u32 c)
{
	double sum = 0;
	u32 n = 0;
	for (u32 i = 0; i < rp->nrows; i++) {
		if (!rp->rows[i].in_goal)
			continue;
		sum += log(report_ratio(&rp->rows[i], c));
		n++;
	}
	return n ? exp(sum / n) : 0;
}

static void report_legend(FILE *f, const struct report *rp, bool md)
{
	fprintf(f, md ? "| column | information | sweeps | policy |\n|---|---|---|---|\n"
		      : "Columns (information: offline = knows the future, exact = sees every\n"
			"reference, A-bit = sees only accessed bits sampled at its sweeps,\n"
			"blind = no reference information):\n");
	for (u32 c = 0; c < rp->ncols; c++) {
		const struct column *col = &rp->cols[c];
		const char *mech = col->mech.kind == MECH_DEMAND ? "1 per fault" : "pager's";
		fprintf(f, md ? "| %s | %s | %s | %s |\n" : "  %-8s %-8s %-12s %s\n", col->label,
			info_label[col->p->info], mech, col->p->what);
	}
	fprintf(f, "\n");
}

static void report_table(FILE *f, const struct report *rp, bool md, bool ratios)
{
	fprintf(f, md ? "| trace | memory | frames |" : "%-10s %6s %7s", "trace", "memory", "frames");
	for (u32 c = 0; c < rp->ncols; c++)
		fprintf(f, md ? " %s |" : " %9s", rp->cols[c].label);
	fprintf(f, "\n");
	if (md) {
		fprintf(f, "|---|---|---|");
		for (u32 c = 0; c < rp->ncols; c++)
			fprintf(f, "---|");
		fprintf(f, "\n");
	}
	for (u32 i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		fprintf(f, md ? "| %s | %u%% | %u |" : "%-10s %5u%% %7u", r->trace, r->pct, r->cap);
		for (u32 c = 0; c < rp->ncols; c++) {
			if (ratios && c > 0)
				fprintf(f, md ? " %.3f |" : " %9.3f", report_ratio(r, c));
			else
				fprintf(f, md ? " %lu |" : " %9lu", r->faults[c]);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

/* The goals of issue 10 part 1, checked on the goal rows. */
static void report_goals(FILE *f, const struct report *rp, bool md)
{
	u32 own = rp->own, worse = 0, n = 0;
	for (u32 i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		if (!r->in_goal)
			continue;
		n++;
		for (u32 k = 0; k < ARRAY_SIZE(rp->rivals); k++) {
			u64 them = r->faults[rp->rivals[k]];
			if ((double)r->faults[own] > 1.02 * (double)them) {
				worse++;
				fprintf(f, "%s%s at %u%%: %s %lu faults > 1.02 x %s %lu (%.3f)\n",
					md ? "- " : "  ", r->trace, r->pct, rp->cols[own].label,
					r->faults[own], rp->cols[rp->rivals[k]].label, them,
					(double)r->faults[own] / (double)them);
			}
		}
	}
	double g = report_geomean(rp, own);
	fprintf(f, "%sgoal 1 (no more faults than %s and %s within 2%%, %u cases): %s (%u misses)\n",
		md ? "\n- " : "", rp->cols[rp->rivals[0]].label, rp->cols[rp->rivals[1]].label, n,
		worse ? "MISSED" : "met", worse);
	fprintf(f, "%sgoal 2 (geometric-mean ratio to OPT at most 1.5): %s (%.3f)\n",
		md ? "- " : "", g <= 1.5 ? "met" : "MISSED", g);
}

/* One line per trace: references and footprint. */
static void report_traces(FILE *f, const struct report *rp, bool md)
{
	fprintf(f, md ? "| trace | references | footprint (pages) |\n|---|---|---|\n"
		      : "Traces:\n");
	for (u32 i = 0; i < rp->nrows; i++)
		if (i == 0 || strcmp(rp->rows[i].trace, rp->rows[i - 1].trace))
			fprintf(f, md ? "| %s | %lu | %u |\n" : "  %-10s %10lu references %7u pages\n",
				rp->rows[i].trace, rp->rows[i].len, rp->rows[i].npages);
	fprintf(f, "\n");
}

void report_write(FILE *f, const struct report *rp, bool md)
{
	report_legend(f, rp, md);
	report_traces(f, rp, md);
	fprintf(f, md ? "Faults:\n\n" : "Faults:\n");
	report_table(f, rp, md, false);
	fprintf(f, md ? "Ratio to OPT (opt column: faults):\n\n" : "Ratio to OPT (opt column: faults):\n");
	report_table(f, rp, md, true);
	fprintf(f, md ? "Geometric-mean ratio to OPT over the goal rows (sizes 10/25/50/75%%):\n\n| column | ratio |\n|---|---|\n"
		      : "Geometric-mean ratio to OPT over the goal rows (sizes 10/25/50/75%%):\n");
	for (u32 c = 1; c < rp->ncols; c++)
		fprintf(f, md ? "| %s | %.3f |\n" : "  %-8s %.3f\n", rp->cols[c].label, report_geomean(rp, c));
	fprintf(f, "\nGoals:\n");
	report_goals(f, rp, md);
}

/* Whether an earlier row has the same memory size as row i. */
static bool report_pct_seen(const struct report *rp, u32 i)
{
	for (u32 j = 0; j < i; j++)
		if (rp->rows[j].pct == rp->rows[i].pct)
			return true;
	return false;
}

static void report_dat_row(FILE *f, const struct report *rp, const struct row *r)
{
	fprintf(f, "%s", r->trace);
	for (u32 c = 1; c < rp->ncols; c++)
		fprintf(f, " %.4f", report_ratio(r, c));
	fprintf(f, "\n");
}

int report_write_dat(const char *dir, const struct report *rp)
{
	for (u32 i = 0; i < rp->nrows; i++) {
		if (report_pct_seen(rp, i))
			continue;
		char path[4200];
		snprintf(path, sizeof(path), "%s/policy-%u.dat", dir, rp->rows[i].pct);
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, "trace");
		for (u32 c = 1; c < rp->ncols; c++)
			fprintf(f, " %s", rp->cols[c].label);
		fprintf(f, "\n");
		for (u32 j = i; j < rp->nrows; j++)
			if (rp->rows[j].pct == rp->rows[i].pct)
				report_dat_row(f, rp, &rp->rows[j]);
		fclose(f);
	}
	return 0;
}
