/* Page replacement policy: which guest-data frames to evict. Pure logic over
 * host frame indexes, compiled into the hypervisor and the host tests. It
 * learns about references only through the caller's accessed-bit callback and
 * keeps at most 4 bits per frame in a byte the caller provides (the high
 * nibble of struct frame's flags for FRAME_GUEST frames); see docs/policy.md. */
#ifndef MM_POLICY_H
#define MM_POLICY_H

#include "core/types.h"

enum policy_algo {
	POLICY_CLOCK,       /* plain CLOCK, one hand: the baseline */
	POLICY_CLOCK2Q,     /* active/inactive CLOCK, two hands, scan resistant */
	POLICY_NALGOS
};

/* Per-frame bits, all in the high nibble: the rest of the byte belongs to
 * someone else and is never changed. POLICY_F_REF and POLICY_F_ACTIVE are
 * used by POLICY_CLOCK2Q only. */
#define POLICY_F_TRACKED BIT(4)   /* frame is in the policy (inserted) */
#define POLICY_F_SOFTREF BIT(5)   /* policy_touch() since the last visit */
#define POLICY_F_REF     BIT(6)   /* inactive: seen referenced at one visit */
#define POLICY_F_ACTIVE  BIT(7)   /* on the active clock */
#define POLICY_F_MASK    0xf0u

/* Default share of tracked frames CLOCK2Q keeps inactive (percent). */
#define POLICY_INACTIVE_PCT 33

/* What the policy needs from its user. Callbacks are O(1) and never call
 * back into the policy. */
struct policy_hooks {
	/* Return whether frame idx was referenced since the last call for it
	 * (EPT/NPT accessed bit, or a software stand-in) and clear that state.
	 * Only called for frames is_candidate() accepts. */
	bool (*test_and_clear_referenced)(void *ctx, u32 idx);
	/* True if frame idx backs guest data and may be evicted now (not
	 * pinned for I/O or hypervisor access). Others are skipped. */
	bool (*is_candidate)(void *ctx, u32 idx);
	void *ctx;
};

struct policy_stats {
	u64 inserts, removes, picked;
	u64 visits;         /* frames the hands passed, every kind */
	u64 promotions;     /* inactive -> active */
	u64 demotions;      /* active -> inactive */
};

struct policy;

/* One algorithm. Filled with designated initializers in mm/policy_*.c. */
struct policy_ops {
	const char *name;
	void (*insert)(struct policy *p, u32 idx);
	void (*unlink)(struct policy *p, u32 idx, u8 bits);
	u32 (*pick)(struct policy *p, u32 *victims, u32 n);
	void (*age)(struct policy *p, u32 budget);
};

/*
 * One policy instance over frames 0..nframes-1. Fields tagged (c) are set at
 * init. Not locked: the pager serializes calls (docs/policy.md).
 */
struct policy {
	const struct policy_ops *ops;   /* (c) */
	struct policy_hooks hooks;      /* (c) */
	u8 *bits;                       /* (c) byte of frame i: bits[i * stride] */
	size_t stride;                  /* (c) */
	u32 nframes;                    /* (c) */
	u32 inactive_pct;               /* (c) CLOCK2Q inactive target */
	u32 hand;                       /* CLOCK hand / CLOCK2Q inactive hand */
	u32 hand_active;                /* CLOCK2Q active hand */
	u32 ntracked;                   /* frames with POLICY_F_TRACKED */
	u32 nactive;                    /* of those, with POLICY_F_ACTIVE */
	struct policy_stats stats;
};

/*
 * Start policy algo over nframes frames whose policy byte for frame i is
 * bits[i * stride] (stride 1 for a plain array, sizeof(struct frame) with
 * bits = &frame_desc_by_index(0)->flags in the hypervisor). Clears the policy
 * nibble of every byte, nothing else. inactive_pct 0 means the default.
 * Allocates nothing. Return E_INVAL for an unknown algo, 0 frames, missing
 * hooks or inactive_pct > 100.
 */
int policy_init(struct policy *p, enum policy_algo algo, u32 nframes,
		u8 *bits, size_t stride, const struct policy_hooks *hooks,
		u32 inactive_pct) __must_check;

/* A fault just mapped a guest page into frame idx: track it (inactive for
 * CLOCK2Q). Panics if idx is out of range or already tracked. O(1). */
void policy_insert(struct policy *p, u32 idx);

/* Frame idx stops backing guest data (freed, owner died): forget it. A frame
 * that is not tracked (for example one pick just returned) is ignored. O(1). */
void policy_remove(struct policy *p, u32 idx);

/* Software saw frame idx referenced (no hardware A bit for it, e.g. the
 * fallback without EPT A/D): counts as referenced at the next visit. O(1). */
void policy_touch(struct policy *p, u32 idx);

/*
 * Choose up to n victims among the candidate frames and store their indexes
 * in victims[]. The victims are no longer tracked when this returns: the
 * caller evicts them, and re-inserts any it has to keep (write failure, got
 * pinned meanwhile). Scans at most two sweeps of each hand (4 * nframes
 * visits), so it returns fewer than n, maybe 0, when not enough frames
 * qualify. Never returns a frame is_candidate() rejected.
 */
u32 policy_pick(struct policy *p, u32 *victims, u32 n) __must_check;

/* Background aging: let the hands sample up to budget frames without
 * evicting (CLOCK2Q demotes idle active frames to keep the inactive share;
 * plain CLOCK does nothing). Optional: pick ages on its own. */
void policy_age(struct policy *p, u32 budget);

/* Printable name of an algorithm ("clock", "clock2q"), or NULL. */
const char *policy_algo_name(enum policy_algo algo);

/* Frames currently tracked / tracked and active. */
static inline u32 policy_tracked(const struct policy *p) { return p->ntracked; }
static inline u32 policy_active(const struct policy *p) { return p->nactive; }

/* Internal to mm/policy*.c: the policy byte of frame idx. */
static inline u8 *policy_byte(const struct policy *p, u32 idx)
{
	return p->bits + (size_t)idx * p->stride;
}

/* Internal: was idx referenced since the last visit (hardware or touch)?
 * Clears both. Call only for candidates. */
bool policy_test_ref(struct policy *p, u32 idx);

/* Internal: take the tracked frame idx out of the policy (bits cleared). */
void policy_untrack(struct policy *p, u32 idx);

extern const struct policy_ops policy_clock_ops;
extern const struct policy_ops policy_clock2q_ops;

#endif
