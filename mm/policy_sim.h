/* Replay harness for the replacement policy: runs a page reference trace
 * through the real policy module over simulated frames whose accessed bits
 * behave like EPT/NPT A bits (set by every reference, seen by the policy only
 * when it tests them). Shared by the unit tests and `make bench`. */
#ifndef MM_POLICY_SIM_H
#define MM_POLICY_SIM_H

#include "core/types.h"
#include "mm/policy.h"

#define POLICY_SIM_NOPAGE (~0ull)   /* not a valid page number in a trace */

struct policy_sim_cfg {
	enum policy_algo algo;
	u32 nframes;        /* host frames for guest data */
	u32 inactive_pct;   /* CLOCK2Q target, 0 = default */
	u32 batch;          /* victims asked per reclaim when no frame is free, >= 1 */
	u64 sample_every;   /* references between policy_age() calls, 0 = never */
	u32 age_budget;     /* frames per policy_age() call */
	void *work;         /* policy_sim_work_size(nframes) bytes, any alignment */
	size_t work_size;
};

struct policy_sim_result {
	u64 refs;           /* references replayed */
	u64 faults;         /* references that found their page not resident */
	u64 evictions;      /* victims evicted */
	u64 reclaims;       /* policy_pick() calls */
	struct policy_stats policy;
};

/* Bytes of work memory a simulation of nframes frames needs. */
size_t policy_sim_work_size(u32 nframes);

/*
 * Replay trace[0..len) (page numbers, any u64 except POLICY_SIM_NOPAGE).
 * A missing page takes a free frame; with none free, the policy is asked for
 * cfg->batch victims, which are evicted. Deterministic. Return E_INVAL for a
 * bad cfg or page number, E_BUSY if the policy gave no victim with every
 * frame in use (a policy bug), else E_OK with *res filled in.
 */
int policy_sim_run_cfg(const struct policy_sim_cfg *cfg, const u64 *trace,
		       u64 len, struct policy_sim_result *res) __must_check;

/* Shorthand: batch 1, age_budget nframes/8 + 1; *faults gets the fault count.
 * work holds policy_sim_work_size(nframes) bytes. */
int policy_sim_run(enum policy_algo algo, u32 nframes, const u64 *trace,
		   u64 len, u64 sample_every, u64 *faults, void *work) __must_check;

#endif
