/* Replacement policy front end: init, the calls every algorithm shares
 * (insert/remove/touch bookkeeping in the caller's per-frame byte) and the
 * dispatch to the chosen algorithm's ops. Algorithms: mm/policy_clock.c,
 * mm/policy_clock2q.c. */
#include "mm/policy.h"
#include "core/panic.h"

static const struct policy_ops *const policy_table[POLICY_NALGOS] = {
	[POLICY_CLOCK] = &policy_clock_ops,
	[POLICY_CLOCK2Q] = &policy_clock2q_ops,
};

int policy_init(struct policy *p, enum policy_algo algo, u32 nframes,
		u8 *bits, size_t stride, const struct policy_hooks *hooks,
		u32 inactive_pct)
{
	if ((unsigned)algo >= POLICY_NALGOS || nframes == 0 || !bits ||
	    stride == 0 || !hooks || !hooks->test_and_clear_referenced ||
	    !hooks->is_candidate || inactive_pct > 100)
		return E_INVAL;
	*p = (struct policy){
		.ops = policy_table[algo],
		.hooks = *hooks,
		.bits = bits,
		.stride = stride,
		.nframes = nframes,
		.inactive_pct = inactive_pct ? inactive_pct : POLICY_INACTIVE_PCT,
	};
	for (u32 i = 0; i < nframes; i++)
		*policy_byte(p, i) &= (u8)~POLICY_F_MASK;
	return E_OK;
}

const char *policy_algo_name(enum policy_algo algo)
{
	if ((unsigned)algo >= POLICY_NALGOS)
		return NULL;
	return policy_table[algo]->name;
}

void policy_insert(struct policy *p, u32 idx)
{
	ASSERT(idx < p->nframes);
	ASSERT(!(*policy_byte(p, idx) & POLICY_F_TRACKED));
	*policy_byte(p, idx) |= POLICY_F_TRACKED;
	p->ntracked++;
	p->stats.inserts++;
	p->ops->insert(p, idx);
}

void policy_untrack(struct policy *p, u32 idx)
{
	u8 *b = policy_byte(p, idx);

	p->ops->unlink(p, idx, *b);
	*b &= (u8)~POLICY_F_MASK;
	p->ntracked--;
}

void policy_remove(struct policy *p, u32 idx)
{
	ASSERT(idx < p->nframes);
	if (!(*policy_byte(p, idx) & POLICY_F_TRACKED))
		return;
	policy_untrack(p, idx);
	p->stats.removes++;
}

void policy_touch(struct policy *p, u32 idx)
{
	ASSERT(idx < p->nframes);
	u8 *b = policy_byte(p, idx);
	if (*b & POLICY_F_TRACKED)
		*b |= POLICY_F_SOFTREF;
}

bool policy_test_ref(struct policy *p, u32 idx)
{
	u8 *b = policy_byte(p, idx);
	bool soft = *b & POLICY_F_SOFTREF;

	*b &= (u8)~POLICY_F_SOFTREF;
	/* Always test: the hardware bit must be cleared even after a touch. */
	bool hw = p->hooks.test_and_clear_referenced(p->hooks.ctx, idx);
	return hw || soft;
}

u32 policy_pick(struct policy *p, u32 *victims, u32 n)
{
	if (n == 0 || p->ntracked == 0)
		return 0;
	u32 got = p->ops->pick(p, victims, n);
	ASSERT(got <= n);
	p->stats.picked += got;
	return got;
}

void policy_age(struct policy *p, u32 budget)
{
	p->ops->age(p, budget);
}
