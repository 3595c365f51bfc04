/* Plain CLOCK (second chance) over the frame index space: one hand; a
 * candidate whose accessed bit is set has it cleared and is passed over, one
 * whose bit is clear is the victim. Kept as the baseline the benchmark
 * compares POLICY_CLOCK2Q against. Uses only POLICY_F_TRACKED/SOFTREF. */
#include "mm/policy.h"

static void clock_insert(struct policy *p, u32 idx)
{
	(void)p;
	(void)idx;
}

static void clock_unlink(struct policy *p, u32 idx, u8 bits)
{
	(void)p;
	(void)idx;
	(void)bits;
}

/* Advance the hand by one frame; return the frame it was on. */
static u32 clock_advance(struct policy *p)
{
	u32 i = p->hand;
	p->hand = i + 1 == p->nframes ? 0 : i + 1;
	p->stats.visits++;
	return i;
}

/* Two full sweeps: the first may only clear accessed bits, the second then
 * finds every candidate not referenced in between. */
static u32 clock_pick(struct policy *p, u32 *victims, u32 n)
{
	u32 got = 0;

	for (u64 v = 0; v < 2ull * p->nframes && got < n; v++) {
		u32 i = clock_advance(p);
		if (!(*policy_byte(p, i) & POLICY_F_TRACKED) ||
		    !p->hooks.is_candidate(p->hooks.ctx, i))
			continue;
		if (policy_test_ref(p, i))
			continue;
		policy_untrack(p, i);
		victims[got++] = i;
	}
	return got;
}

/* CLOCK keeps no history beyond the accessed bit itself: sampling it early
 * would only lose information. */
static void clock_age(struct policy *p, u32 budget)
{
	(void)p;
	(void)budget;
}

const struct policy_ops policy_clock_ops = {
	.name = "clock",
	.insert = clock_insert,
	.unlink = clock_unlink,
	.pick = clock_pick,
	.age = clock_age,
};
