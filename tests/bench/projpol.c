/* The project's own policies (mm/policy.c with mm/policy_clock2q.c, the
 * pager's default, and mm/policy_clock.c) driven over the simulated frames:
 * they see references only through the accessed-bit callback, exactly as in
 * mm/pager.c. */
#include "tests/bench/bench.h"
#include "mm/policy.h"
#include <stdlib.h>

struct proj {
	struct policy pol;
	struct mem *m;
	u8 *bits;
};

static bool proj_test_ref(void *ctx, u32 idx)
{
	return mem_test_and_clear(((struct proj *)ctx)->m, idx);
}

static bool proj_is_candidate(void *ctx, u32 idx)
{
	return ((struct proj *)ctx)->m->frame_page[idx] != BENCH_NONE;
}

static void *proj_create(struct mem *m, enum policy_algo algo)
{
	struct proj *p = calloc(1, sizeof(*p));
	struct policy_hooks hooks = {
		.test_and_clear_referenced = proj_test_ref,
		.is_candidate = proj_is_candidate,
		.ctx = p,
	};
	p->m = m;
	p->bits = calloc(m->cap, 1);
	if (policy_init(&p->pol, algo, m->cap, p->bits, 1, &hooks, POLICY_INACTIVE_PCT) != E_OK)
		abort();
	return p;
}

static void *proj_create_clock2q(struct mem *m)
{
	return proj_create(m, POLICY_CLOCK2Q);
}

static void *proj_create_clock(struct mem *m)
{
	return proj_create(m, POLICY_CLOCK);
}

static void proj_insert(void *st, u32 f)
{
	policy_insert(&((struct proj *)st)->pol, f);
}

static u32 proj_pick(void *st, u32 *victims, u32 n)
{
	return policy_pick(&((struct proj *)st)->pol, victims, n);
}

static void proj_destroy(void *st)
{
	struct proj *p = st;
	free(p->bits);
	free(p);
}

const struct bpol pol_clock2q = {
	.name = "clock2q", .info = INFO_ABIT,
	.what = "the project's policy (mm/policy_clock2q.c, the pager's default)",
	.create = proj_create_clock2q, .insert = proj_insert, .hit = NULL,
	.pick = proj_pick, .destroy = proj_destroy,
};

const struct bpol pol_clock = {
	.name = "clock", .info = INFO_ABIT,
	.what = "the project's CLOCK baseline (mm/policy_clock.c)",
	.create = proj_create_clock, .insert = proj_insert, .hit = NULL,
	.pick = proj_pick, .destroy = proj_destroy,
};
