/* policybench: replays page reference traces through the hypervisor's own
 * replacement policy (mm/policy*.c) and reference policies under the pager's
 * sweep mechanics, and reports faults against Belady's OPT. Shared types of
 * the files in tests/bench; docs/BENCHMARKS.md describes the method. */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include "core/types.h"

#define BENCH_NONE 0xffffffffu   /* no page / no frame */

/* A trace with dense page ids: ref[i] < npages, ids in page-number order
 * (id 0 is the lowest page number), so a scan over ids is a scan over the
 * guest's frames in address order. */
struct trace {
	char name[48];
	u32 *ref;
	u64 len;
	u32 npages;         /* footprint: distinct pages */
	u32 *next;          /* next[i]: position of the next reference to ref[i]'s page, or len */
};

/* Read a trace file in the documented format ("-" is stdin; a name ending in
 * .gz is read through zcat). Returns 0, or -1 with a message on stderr. */
int trace_read(const char *path, struct trace *t);

/* Build a trace from raw page numbers (any u64): renumbers them densely in
 * address order and fills next[]. Takes ownership of nothing. */
int trace_from_pages(const char *name, const u64 *pages, u64 len, struct trace *t);

void trace_free(struct trace *t);

/* The synthetic traces (deterministic): fills t, returns 0. */
int synth_loop(struct trace *t, u32 npages, u64 len);
int synth_zipf(struct trace *t, const char *name, double alpha, u32 npages, u64 len, u64 seed);
int synth_hotcold(struct trace *t, u32 npages, u64 len, u64 seed);
int synth_scan(struct trace *t, u32 hot, u32 scan, u64 len, u64 seed);

/* Deterministic 64-bit generator (xorshift64*). */
static inline u64 bench_rand(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Simulated guest memory: cap frames, each with an EPT/NPT-like accessed
 * bit set by every reference and seen by sampled policies only when they
 * test it. The frame allocation order matches mm/policy_sim.c. */
struct mem {
	u32 cap, used;
	u32 *page_frame;     /* page id -> frame or BENCH_NONE */
	u32 *frame_page;     /* frame -> page id or BENCH_NONE */
	u8 *abit;
	u8 *seen;            /* page id ever loaded (a refault is a swap-in) */
	u32 *free;           /* stack of free frames */
	u32 nfree;
	const struct trace *t;
	u64 pos;             /* position of the reference being served */
};

/* Accessed bit of frame f, cleared: the only reference information an
 * A-bit-sampled policy gets. */
static inline bool mem_test_and_clear(struct mem *m, u32 f)
{
	bool a = m->abit[f];
	m->abit[f] = 0;
	return a;
}

enum pol_info { INFO_OFFLINE, INFO_EXACT, INFO_ABIT, INFO_BLIND };

/* A policy under test. Victims returned by pick are evicted by the caller. */
struct bpol {
	const char *name;
	enum pol_info info;
	const char *what;                 /* one line for the report */
	void *(*create)(struct mem *m);
	void (*insert)(void *st, u32 frame);   /* page m->t->ref[m->pos] loaded into frame */
	void (*hit)(void *st, u32 frame);      /* exact-information policies only, else NULL */
	u32 (*pick)(void *st, u32 *victims, u32 n);
	void (*destroy)(void *st);
};

/* The policies (tests/bench/refpol.c, blindpol.c, projpol.c). */
extern const struct bpol pol_opt, pol_lru, pol_lrua, pol_clocka, pol_clock,
	pol_clock2q, pol_fifo, pol_random, pol_linear;

/* How sweeps are triggered. MECH_PAGER is the hypervisor's: a fault with no
 * free frame sweeps PAGER_SWEEP_MAX victims; after a swap-in (the vCPU waits,
 * the slice ends) and every slice_refs references the run loop's
 * pager_balance sweeps again if fewer than pager_low_mark(cap) frames are
 * free. MECH_DEMAND evicts one victim per fault with no free frame (the
 * textbook model OPT's lower bound is stated in). MECH_FAULT_BATCH sweeps
 * `batch` victims at a fault only (what mm/policy_sim.c does). */
enum mech_kind { MECH_PAGER, MECH_DEMAND, MECH_FAULT_BATCH };

struct mech {
	enum mech_kind kind;
	u32 batch;           /* MECH_FAULT_BATCH only */
	u64 slice_refs;      /* MECH_PAGER: references per timer slice, 0 = none */
};

struct run_result {
	u64 faults, majors, evictions, sweeps;
};

/* Replay t over cap frames with policy p under mechanics k. Returns 0, or
 * -1 if the policy gave no victim with every frame in use. */
int replay_run(const struct trace *t, u32 cap, const struct bpol *p,
	       const struct mech *k, struct run_result *r);

/* Project policy replayed through mm/policy_sim.c (fault-time sweeps of
 * batch victims): the cross-check of replay_run. Returns faults or ~0. */
u64 replay_policy_sim(const struct trace *t, u32 cap, int algo, u32 batch);

#endif
