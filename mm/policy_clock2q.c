/* CLOCK2Q: an active/inactive CLOCK with two hands over the frame index space
 * (the two "lists" are interleaved and told apart by POLICY_F_ACTIVE). The
 * inactive hand evicts; a page must be seen referenced at two successive
 * inactive-hand visits to become active, so a one-off scan never displaces
 * the active set. The active hand demotes active pages idle since its last
 * visit, and only runs while the inactive share is below its target. */
#include "mm/policy.h"

static void c2q_insert(struct policy *p, u32 idx)
{
	/* Inactive and unreferenced: the faulting access itself sets the
	 * accessed bit on the retry, so the first visit always sees it set and
	 * only records REF; promotion needs a reference after that visit. */
	(void)p;
	(void)idx;
}

static void c2q_unlink(struct policy *p, u32 idx, u8 bits)
{
	(void)idx;
	if (bits & POLICY_F_ACTIVE)
		p->nactive--;
}

/* Advance a hand by one frame; return the frame it was on. */
static u32 c2q_advance(struct policy *p, u32 *hand)
{
	u32 i = *hand;
	*hand = i + 1 == p->nframes ? 0 : i + 1;
	p->stats.visits++;
	return i;
}

/* True when fewer than inactive_pct percent of tracked frames are inactive. */
static bool c2q_needs_aging(const struct policy *p)
{
	u64 inactive = p->ntracked - p->nactive;
	return p->nactive > 0 &&
	       inactive * 100 < (u64)p->ntracked * p->inactive_pct;
}

/* True if frame i is tracked, on the given clock and may be looked at. */
static bool c2q_visitable(struct policy *p, u32 i, u8 active)
{
	u8 b = *policy_byte(p, i);
	return (b & POLICY_F_TRACKED) && (b & POLICY_F_ACTIVE) == active &&
	       p->hooks.is_candidate(p->hooks.ctx, i);
}

/* One step of the active hand: demote the frame under it if it was not
 * referenced since the hand last passed. A demoted page keeps REF, so one
 * more reference before the inactive hand arrives makes it active again. */
static void c2q_active_step(struct policy *p)
{
	u32 i = c2q_advance(p, &p->hand_active);
	if (!c2q_visitable(p, i, POLICY_F_ACTIVE) || policy_test_ref(p, i))
		return;
	*policy_byte(p, i) = (u8)((*policy_byte(p, i) & ~POLICY_F_ACTIVE) | POLICY_F_REF);
	p->nactive--;
	p->stats.demotions++;
}

/* One step of the inactive hand. Return true if the frame under it is a
 * victim: not referenced since the last visit. With sample_only (background
 * aging) it records references but never chooses a victim. */
static bool c2q_inactive_step(struct policy *p, u32 *victim, bool sample_only)
{
	u32 i = c2q_advance(p, &p->hand);
	if (!c2q_visitable(p, i, 0))
		return false;
	u8 *b = policy_byte(p, i);
	if (policy_test_ref(p, i)) {
		if (*b & POLICY_F_REF) {
			*b = (u8)((*b & ~POLICY_F_REF) | POLICY_F_ACTIVE);
			p->nactive++;
			p->stats.promotions++;
		} else {
			*b |= POLICY_F_REF;
		}
		return false;
	}
	if (sample_only)
		return false;
	*victim = i;
	return true;
}

/* The inactive hand gets two sweeps (the first may only record REF bits);
 * the active hand runs beside it while the inactive share is short, also at
 * most two sweeps, so an all-active idle set is demoted and then found. */
static u32 c2q_pick(struct policy *p, u32 *victims, u32 n)
{
	u64 budget_a = 2ull * p->nframes;
	u32 got = 0;

	for (u64 v = 0; v < 2ull * p->nframes && got < n; v++) {
		if (budget_a > 0 && c2q_needs_aging(p)) {
			c2q_active_step(p);
			budget_a--;
		}
		u32 i;
		if (c2q_inactive_step(p, &i, false)) {
			policy_untrack(p, i);
			victims[got++] = i;
		}
	}
	return got;
}

/* Between reclaims: sample the inactive pages' accessed bits so pages in
 * use get promoted before pressure comes, and keep the inactive share. */
static void c2q_age(struct policy *p, u32 budget)
{
	u32 unused;

	while (budget-- > 0) {
		if (c2q_needs_aging(p))
			c2q_active_step(p);
		c2q_inactive_step(p, &unused, true);
	}
}

const struct policy_ops policy_clock2q_ops = {
	.name = "clock2q",
	.insert = c2q_insert,
	.unlink = c2q_unlink,
	.pick = c2q_pick,
	.age = c2q_age,
};
