/* The replay engine of policybench: simulated frames with accessed bits and
 * the pager's sweep mechanics (mm/pager.c, mm/pager_evict.c, core/sched.c):
 * a fault with no free frame sweeps PAGER_SWEEP_MAX victims; a swap-in makes
 * the vCPU wait, which ends its slice, after which the run loop's
 * pager_balance sweeps if fewer than pager_low_mark(cap) frames are free.
 * Disk I/O is instant: a victim's frame is free as soon as it is picked. */
#include "tests/bench/bench.h"
#include "mm/pager_tune.h"
#include "mm/policy_sim.h"
#include <stdio.h>
#include <stdlib.h>

static void mem_init(struct mem *m, const struct trace *t, u32 cap)
{
	*m = (struct mem){ .cap = cap, .nfree = cap, .t = t };
	m->page_frame = malloc(t->npages * sizeof(u32));
	m->seen = calloc(t->npages, 1);
	m->frame_page = malloc(cap * sizeof(u32));
	m->abit = calloc(cap, 1);
	m->free = malloc(cap * sizeof(u32));
	for (u32 p = 0; p < t->npages; p++)
		m->page_frame[p] = BENCH_NONE;
	for (u32 f = 0; f < cap; f++) {
		m->frame_page[f] = BENCH_NONE;
		m->free[f] = cap - 1 - f;   /* frame 0 first, as mm/policy_sim.c */
	}
}

static void mem_free(struct mem *m)
{
	free(m->page_frame);
	free(m->seen);
	free(m->frame_page);
	free(m->abit);
	free(m->free);
}

/* One sweep: ask for up to want victims and evict them. Returns how many. */
static u32 replay_sweep(struct mem *m, const struct bpol *p, void *st, u32 want,
			struct run_result *r)
{
	u32 victims[PAGER_SWEEP_MAX];
	want = MIN(MIN(want, (u32)PAGER_SWEEP_MAX), m->used);
	u32 got = want ? p->pick(st, victims, want) : 0;
	r->sweeps++;
	for (u32 i = 0; i < got; i++) {
		u32 f = victims[i];
		if (f >= m->cap || m->frame_page[f] == BENCH_NONE) {
			fprintf(stderr, "policybench: %s picked frame %u, not in use\n", p->name, f);
			exit(1);
		}
		m->page_frame[m->frame_page[f]] = BENCH_NONE;
		m->frame_page[f] = BENCH_NONE;
		m->abit[f] = 0;
		m->free[m->nfree++] = f;
		m->used--;
	}
	r->evictions += got;
	return got;
}

/* pager_balance: a sweep when fewer than the low watermark are free. */
static void replay_balance(struct mem *m, const struct bpol *p, void *st, struct run_result *r)
{
	if (m->cap - m->used < pager_low_mark(m->cap))
		replay_sweep(m, p, st, PAGER_SWEEP_MAX, r);
}

/* Victims wanted at a fault with no free frame. */
static u32 replay_fault_want(const struct mech *k)
{
	static const u32 want[] = {
		[MECH_PAGER] = PAGER_SWEEP_MAX,
		[MECH_DEMAND] = 1,
	};
	return k->kind == MECH_FAULT_BATCH ? k->batch : want[k->kind];
}

/* A miss on page pg: find a frame, map it, set its accessed bit as the
 * retried access would. Returns -1 if no frame could be freed. */
static int replay_fault(struct mem *m, const struct bpol *p, void *st, const struct mech *k,
			u32 pg, struct run_result *r)
{
	r->faults++;
	if (m->nfree == 0 && replay_sweep(m, p, st, replay_fault_want(k), r) == 0)
		return -1;
	u32 f = m->free[--m->nfree];
	m->page_frame[pg] = f;
	m->frame_page[f] = pg;
	m->used++;
	p->insert(st, f);
	m->abit[f] = 1;
	if (m->seen[pg]) {
		r->majors++;
		if (k->kind == MECH_PAGER)
			replay_balance(m, p, st, r);   /* the swap-in ended the slice */
	}
	m->seen[pg] = 1;
	return 0;
}

int replay_run(const struct trace *t, u32 cap, const struct bpol *p,
	       const struct mech *k, struct run_result *r)
{
	struct mem m;
	int rc = 0;
	mem_init(&m, t, cap);
	void *st = p->create(&m);
	*r = (struct run_result){ 0 };
	for (m.pos = 0; m.pos < t->len && !rc; m.pos++) {
		u32 pg = t->ref[m.pos], f = m.page_frame[pg];
		if (f != BENCH_NONE) {
			m.abit[f] = 1;
			if (p->hit)
				p->hit(st, f);
		} else {
			rc = replay_fault(&m, p, st, k, pg, r);
		}
		if (k->kind == MECH_PAGER && k->slice_refs && (m.pos + 1) % k->slice_refs == 0)
			replay_balance(&m, p, st, r);
	}
	p->destroy(st);
	mem_free(&m);
	return rc;
}

u64 replay_policy_sim(const struct trace *t, u32 cap, int algo, u32 batch)
{
	u64 *pages = malloc(t->len * sizeof(u64));
	struct policy_sim_cfg cfg = {
		.algo = (enum policy_algo)algo,
		.nframes = cap,
		.batch = batch,
		.work_size = policy_sim_work_size(cap),
	};
	struct policy_sim_result res;
	cfg.work = malloc(cfg.work_size);
	for (u64 i = 0; i < t->len; i++)
		pages[i] = t->ref[i];
	int rc = policy_sim_run_cfg(&cfg, pages, t->len, &res);
	free(cfg.work);
	free(pages);
	return rc == E_OK ? res.faults : ~0ull;
}
