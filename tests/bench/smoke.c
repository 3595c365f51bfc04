/* policybench --smoke (`make bench-smoke`): a few seconds of checks that the
 * bench measures what it claims. The trace parser on a known text; OPT, LRU
 * and FIFO on the textbook reference string; the simulator's CLOCK against
 * the project's; the replay engine against mm/policy_sim.c; and on a small
 * zipf trace, OPT below every policy and every fault count at least the
 * footprint. Not a benchmark: no thresholds on the numbers. */
#include "tests/bench/smoke.h"
#include "tests/bench/bench.h"
#include "mm/pager_tune.h"
#include "mm/policy.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int smoke_failed;

static void smoke_check(bool ok, const char *what)
{
	printf("%s: bench-smoke %s\n", ok ? "PASS" : "FAIL", what);
	smoke_failed += !ok;
}

static u64 smoke_faults(const struct trace *t, u32 cap, const struct bpol *p, struct mech k)
{
	struct run_result r;
	return replay_run(t, cap, p, &k, &r) < 0 ? ~0ull : r.faults;
}

/* Comments, blank lines, hex, decimal and a run length; a bad line fails. */
static void smoke_parser(void)
{
	char path[] = "/tmp/policybench-smokeXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct trace t;
	if (!f) {
		smoke_check(false, "trace parser (temporary file)");
		return;
	}
	fprintf(f, "# header\n0x10\n\n 7  # seven\n0x10 x3\n16\n");
	fclose(f);
	bool ok = trace_read(path, &t) == 0 && t.len == 6 && t.npages == 2 &&
		  t.ref[0] == 1 && t.ref[1] == 0 && t.ref[4] == 1 && t.ref[5] == 1 &&
		  t.next[0] == 2 && t.next[1] == 6;
	if (ok)
		trace_free(&t);
	f = fopen(path, "w");
	fprintf(f, "12\n12 y\n");
	fclose(f);
	ok = ok && trace_read(path, &t) < 0;
	unlink(path);
	smoke_check(ok, "trace parser: hex, decimal, xN, comments; rejects a bad line");
}

/* Silberschatz's string over 3 frames: OPT 9, LRU 12, FIFO 15 faults. */
static void smoke_textbook(void)
{
	static const u64 s[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
	struct trace t;
	struct mech d = { .kind = MECH_DEMAND };
	if (trace_from_pages("textbook", s, ARRAY_SIZE(s), &t) < 0) {
		smoke_check(false, "textbook string");
		return;
	}
	u64 opt = smoke_faults(&t, 3, &pol_opt, d), lru = smoke_faults(&t, 3, &pol_lru, d);
	u64 fifo = smoke_faults(&t, 3, &pol_fifo, d);
	printf("  textbook: opt %lu lru %lu fifo %lu\n", opt, lru, fifo);
	smoke_check(opt == 9 && lru == 12 && fifo == 15, "OPT 9, LRU 12, FIFO 15 on the textbook string");
	trace_free(&t);
}

/* The same trace under the same mechanics: the simulator's CLOCK and the
 * project's make identical choices; the engine with fault-time batches of
 * 32 gives mm/policy_sim.c's fault counts for both project policies. */
static void smoke_cross(const struct trace *t, u32 cap)
{
	struct mech pg = { .kind = MECH_PAGER, .slice_refs = 50000 };
	struct mech fb = { .kind = MECH_FAULT_BATCH, .batch = PAGER_SWEEP_MAX };
	u64 a = smoke_faults(t, cap, &pol_clocka, pg), b = smoke_faults(t, cap, &pol_clock, pg);
	printf("  clock-a %lu, clock %lu\n", a, b);
	smoke_check(a == b, "simulator CLOCK matches mm/policy_clock.c under the pager's sweeps");
	u64 e2 = smoke_faults(t, cap, &pol_clock2q, fb), s2 = replay_policy_sim(t, cap, POLICY_CLOCK2Q, PAGER_SWEEP_MAX);
	u64 e1 = smoke_faults(t, cap, &pol_clock, fb), s1 = replay_policy_sim(t, cap, POLICY_CLOCK, PAGER_SWEEP_MAX);
	printf("  engine/policy_sim: clock2q %lu/%lu clock %lu/%lu\n", e2, s2, e1, s1);
	smoke_check(e2 == s2 && e1 == s1, "replay engine matches mm/policy_sim.c (batch 32)");
}

/* OPT on demand is a lower bound for every policy under the pager's
 * sweeps; every policy faults at least once per page. */
static void smoke_bounds(const struct trace *t, u32 cap)
{
	static const struct bpol *const all[] = { &pol_opt, &pol_lru, &pol_lrua, &pol_clocka,
		&pol_clock, &pol_clock2q, &pol_fifo, &pol_random, &pol_linear };
	struct mech pg = { .kind = MECH_PAGER, .slice_refs = 50000 };
	u64 opt = smoke_faults(t, cap, &pol_opt, (struct mech){ .kind = MECH_DEMAND });
	bool ok = opt >= t->npages && opt != ~0ull;
	for (u32 i = 0; i < ARRAY_SIZE(all); i++) {
		u64 f = smoke_faults(t, cap, all[i], pg);
		printf("  %-8s %lu\n", all[i]->name, f);
		ok = ok && f != ~0ull && f >= opt && f >= t->npages && f <= t->len;
	}
	smoke_check(ok, "OPT is a lower bound, every policy faults at least once per page");
}

int smoke_run(void)
{
	struct trace t;
	smoke_parser();
	smoke_textbook();
	if (synth_zipf(&t, "zipf0.8", 0.8, 2000, 200000, 8) < 0)
		return 1;
	smoke_cross(&t, 500);
	smoke_bounds(&t, 500);
	trace_free(&t);
	if (synth_scan(&t, 400, 1600, 100000, 7) == 0) {
		smoke_cross(&t, 300);
		trace_free(&t);
	}
	printf("SUMMARY: bench-smoke %d failed\n", smoke_failed);
	return smoke_failed ? 1 : 0;
}
