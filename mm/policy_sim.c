/* Trace replay over simulated frames for the replacement policy (see
 * mm/policy_sim.h). Pure: all state lives in the caller's work area: the
 * policy bytes, one accessed bit per frame, the frame -> page map, a free
 * frame stack and an open-addressing page -> frame hash. */
#include "mm/policy_sim.h"

struct sim {
	struct policy pol;
	u32 nframes;
	u8 *abit;           /* simulated EPT/NPT accessed bit per frame */
	u8 *pbits;          /* policy byte per frame */
	u64 *frame_page;    /* page held by each frame */
	u32 *free;          /* stack of free frames */
	u32 nfree;
	u64 *hkey;          /* page, or POLICY_SIM_NOPAGE when the slot is empty */
	u32 *hval;          /* frame of hkey[] */
	u64 hmask;          /* hash slots - 1 */
	u32 *victims;       /* nframes entries */
};

static u64 sim_hash_slots(u32 nframes)
{
	u64 n = 1;
	while (n < 2ull * nframes)
		n <<= 1;
	return n;
}

size_t policy_sim_work_size(u32 nframes)
{
	u64 h = sim_hash_slots(nframes);
	return sizeof(struct sim) + 16 + (size_t)nframes * (1 + 1 + 8 + 4 + 4) +
	       (size_t)h * (8 + 4) + 32;
}

/* Carve n bytes aligned to 8 from *cur. */
static void *sim_carve(u8 **cur, size_t n)
{
	u8 *p = (u8 *)ALIGN_UP((u64)*cur, 8);
	*cur = p + n;
	return p;
}

static u64 sim_hash(const struct sim *s, u64 page)
{
	return ((page * 0x9e3779b97f4a7c15ull) >> 20) & s->hmask;
}

/* Slot holding page, or the empty slot where it would go. */
static u64 sim_slot(const struct sim *s, u64 page)
{
	u64 i = sim_hash(s, page);
	while (s->hkey[i] != POLICY_SIM_NOPAGE && s->hkey[i] != page)
		i = (i + 1) & s->hmask;
	return i;
}

/* Remove page from the hash: backward-shift deletion keeps every probe
 * chain unbroken without tombstones. */
static void sim_unmap(struct sim *s, u64 page)
{
	u64 i = sim_slot(s, page), j = i;

	s->hkey[i] = POLICY_SIM_NOPAGE;
	for (;;) {
		j = (j + 1) & s->hmask;
		if (s->hkey[j] == POLICY_SIM_NOPAGE)
			return;
		u64 home = sim_hash(s, s->hkey[j]);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (((j - home) & s->hmask) >= ((j - i) & s->hmask)) {
			s->hkey[i] = s->hkey[j];
			s->hval[i] = s->hval[j];
			s->hkey[j] = POLICY_SIM_NOPAGE;
			i = j;
		}
	}
}

static bool sim_test_and_clear(void *ctx, u32 idx)
{
	struct sim *s = ctx;
	bool a = s->abit[idx];
	s->abit[idx] = 0;
	return a;
}

static bool sim_is_candidate(void *ctx, u32 idx)
{
	struct sim *s = ctx;
	return s->frame_page[idx] != POLICY_SIM_NOPAGE;
}

/* Lay the simulator out in cfg->work and start the policy. */
static int sim_init(struct sim **out, const struct policy_sim_cfg *cfg)
{
	u32 nf = cfg->nframes;
	if (nf == 0 || !cfg->work || cfg->batch == 0 ||
	    cfg->work_size < policy_sim_work_size(nf))
		return E_INVAL;
	u8 *cur = cfg->work;
	struct sim *s = sim_carve(&cur, sizeof(*s));
	u64 h = sim_hash_slots(nf);
	s->nframes = nf;
	s->hmask = h - 1;
	s->frame_page = sim_carve(&cur, nf * 8ull);
	s->hkey = sim_carve(&cur, h * 8);
	s->hval = sim_carve(&cur, h * 4);
	s->free = sim_carve(&cur, nf * 4ull);
	s->victims = sim_carve(&cur, nf * 4ull);
	s->abit = sim_carve(&cur, nf);
	s->pbits = sim_carve(&cur, nf);
	for (u64 i = 0; i < h; i++)
		s->hkey[i] = POLICY_SIM_NOPAGE;
	for (u32 i = 0; i < nf; i++) {
		s->frame_page[i] = POLICY_SIM_NOPAGE;
		s->abit[i] = 0;
		s->pbits[i] = 0;
		s->free[i] = nf - 1 - i;    /* frame 0 is handed out first */
	}
	s->nfree = nf;
	struct policy_hooks hooks = {
		.test_and_clear_referenced = sim_test_and_clear,
		.is_candidate = sim_is_candidate,
		.ctx = s,
	};
	*out = s;
	return policy_init(&s->pol, cfg->algo, nf, s->pbits, 1, &hooks,
			   cfg->inactive_pct);
}

/* No frame is free: ask the policy for a batch of victims and evict them. */
static int sim_reclaim(struct sim *s, u32 batch, struct policy_sim_result *res)
{
	u32 got = policy_pick(&s->pol, s->victims, MIN(batch, s->nframes));
	res->reclaims++;
	if (got == 0)
		return E_BUSY;
	for (u32 k = 0; k < got; k++) {
		u32 f = s->victims[k];
		sim_unmap(s, s->frame_page[f]);
		s->frame_page[f] = POLICY_SIM_NOPAGE;
		s->abit[f] = 0;
		s->free[s->nfree++] = f;
	}
	res->evictions += got;
	return E_OK;
}

/* One reference: a hit sets the accessed bit; a miss maps a frame, and the
 * retried access sets the bit as the CPU's page walk would. */
static int sim_ref(struct sim *s, u64 page, u32 batch, struct policy_sim_result *res)
{
	u64 slot = sim_slot(s, page);
	if (s->hkey[slot] == page) {
		s->abit[s->hval[slot]] = 1;
		return E_OK;
	}
	res->faults++;
	if (s->nfree == 0) {
		int rc = sim_reclaim(s, batch, res);
		if (rc < 0)
			return rc;
		slot = sim_slot(s, page);
	}
	u32 f = s->free[--s->nfree];
	s->hkey[slot] = page;
	s->hval[slot] = f;
	s->frame_page[f] = page;
	policy_insert(&s->pol, f);
	s->abit[f] = 1;
	return E_OK;
}

int policy_sim_run_cfg(const struct policy_sim_cfg *cfg, const u64 *trace,
		       u64 len, struct policy_sim_result *res)
{
	struct sim *s;
	int rc = sim_init(&s, cfg);
	if (rc < 0)
		return rc;
	*res = (struct policy_sim_result){ 0 };
	for (u64 t = 0; t < len; t++) {
		if (trace[t] == POLICY_SIM_NOPAGE)
			return E_INVAL;
		rc = sim_ref(s, trace[t], cfg->batch, res);
		if (rc < 0)
			return rc;
		res->refs++;
		if (cfg->sample_every && res->refs % cfg->sample_every == 0)
			policy_age(&s->pol, cfg->age_budget);
	}
	res->policy = s->pol.stats;
	return E_OK;
}

int policy_sim_run(enum policy_algo algo, u32 nframes, const u64 *trace,
		   u64 len, u64 sample_every, u64 *faults, void *work)
{
	struct policy_sim_cfg cfg = {
		.algo = algo,
		.nframes = nframes,
		.batch = 1,
		.sample_every = sample_every,
		.age_budget = nframes / 8 + 1,
		.work = work,
		.work_size = policy_sim_work_size(nframes),
	};
	struct policy_sim_result res;
	int rc = policy_sim_run_cfg(&cfg, trace, len, &res);
	if (rc == E_OK)
		*faults = res.faults;
	return rc;
}
