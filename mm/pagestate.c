/* Page states in EPT/NPT leaves (see mm/pagestate.h): encoding on top of the
 * page-table engine's software entries, decoding, the transition table that
 * every leaf change of the pager goes through, and the fault actions. */
#include "mm/pagestate.h"
#include "core/panic.h"

#define PS_TAG_SWAPPED   0ull
#define PS_TAG_WRITEBACK 1ull
#define PS_TAG_SWAPIN    2ull
#define PS_TAG_PROTECTED 3ull
#define PS_TAG_MASK      3ull

_Static_assert(PAGESTATE_TAG_SHIFT + 2 == 40 && PT_SWAP_MAX == (1ull << 40) - 1,
	       "a 2-bit tag above the payload fills the engine's 40-bit value");
_Static_assert(PAGESTATE_FRAME_MAX <= PAGESTATE_SLOT_MAX, "a frame index fits the payload");

static u64 ps_make(const struct pt_format *fmt, u64 tag, u64 payload)
{
	ASSERT(payload <= PAGESTATE_SLOT_MAX);
	return pt_make_swap_entry(fmt, (tag << PAGESTATE_TAG_SHIFT) | payload);
}

u64 pagestate_make_swapped(const struct pt_format *fmt, u64 slot)
{
	ASSERT(slot <= PAGESTATE_SLOT_MAX);
	return ps_make(fmt, PS_TAG_SWAPPED, slot);
}

u64 pagestate_make_writeback(const struct pt_format *fmt, hfn_t frame)
{
	ASSERT(frame.v <= PAGESTATE_FRAME_MAX);
	return ps_make(fmt, PS_TAG_WRITEBACK, frame.v);
}

u64 pagestate_make_swapin(const struct pt_format *fmt, hfn_t frame)
{
	ASSERT(frame.v <= PAGESTATE_FRAME_MAX);
	return ps_make(fmt, PS_TAG_SWAPIN, frame.v);
}

u64 pagestate_make_protected(const struct pt_format *fmt, hfn_t frame)
{
	ASSERT(frame.v && frame.v <= PAGESTATE_FRAME_MAX);
	return ps_make(fmt, PS_TAG_PROTECTED, frame.v);
}

/* Decode a software entry's tag and payload. */
static struct pagestate_info ps_decode_soft(const struct pt_format *fmt, u64 e)
{
	struct pagestate_info in = { PAGESTATE_INVALID, 0, { 0 } };
	if ((e & ~(fmt->swap_mark | fmt->swap_mask)) != 0)
		return in;   /* stray bits: not something the pager wrote */
	u64 v = pt_swap_entry_value(fmt, e);
	u64 payload = v & PAGESTATE_SLOT_MAX;
	switch (v >> PAGESTATE_TAG_SHIFT) {
	case PS_TAG_SWAPPED:
		in.state = PAGESTATE_SWAPPED;
		in.slot = payload;
		break;
	case PS_TAG_WRITEBACK:
	case PS_TAG_SWAPIN:
		if (payload > PAGESTATE_FRAME_MAX)
			break;
		in.state = (v >> PAGESTATE_TAG_SHIFT) == PS_TAG_WRITEBACK ? PAGESTATE_WRITEBACK
									  : PAGESTATE_SWAPIN;
		in.frame.v = payload;
		break;
	case PS_TAG_PROTECTED:
		if (payload == 0 || payload > PAGESTATE_FRAME_MAX)
			break;   /* frame 0 is never a guest frame */
		in.state = PAGESTATE_PROTECTED;
		in.frame.v = payload;
		break;
	}
	return in;
}

struct pagestate_info pagestate_decode(const struct pt_format *fmt, u64 e)
{
	struct pagestate_info in = { PAGESTATE_NOT_PRESENT, 0, { 0 } };
	if (e == 0)
		return in;
	if (e & fmt->present) {
		in.state = PAGESTATE_RESIDENT;
		in.frame = hpa_to_hfn(hpa(e & fmt->addr_mask));
		return in;
	}
	if (!pt_is_swap_entry(fmt, e)) {
		in.state = PAGESTATE_INVALID;
		return in;
	}
	return ps_decode_soft(fmt, e);
}

/* legal[from] has bit `to` set for every allowed transition. */
static const u8 ps_legal[PAGESTATE_NSTATES] = {
	[PAGESTATE_NOT_PRESENT] = BIT(PAGESTATE_RESIDENT),
	[PAGESTATE_RESIDENT] = BIT(PAGESTATE_NOT_PRESENT) | BIT(PAGESTATE_WRITEBACK) |
			       BIT(PAGESTATE_SWAPPED) | BIT(PAGESTATE_PROTECTED),
	[PAGESTATE_PROTECTED] = BIT(PAGESTATE_RESIDENT) | BIT(PAGESTATE_WRITEBACK),
	[PAGESTATE_WRITEBACK] = BIT(PAGESTATE_RESIDENT) | BIT(PAGESTATE_SWAPPED) |
				BIT(PAGESTATE_NOT_PRESENT),   /* all-zero victim */
	[PAGESTATE_SWAPPED] = BIT(PAGESTATE_SWAPIN),
	[PAGESTATE_SWAPIN] = BIT(PAGESTATE_RESIDENT) | BIT(PAGESTATE_SWAPPED),
	[PAGESTATE_INVALID] = 0,
};

bool pagestate_transition_ok(enum pagestate from, enum pagestate to)
{
	if ((unsigned)from >= PAGESTATE_NSTATES || (unsigned)to >= PAGESTATE_NSTATES)
		return false;
	return (ps_legal[from] & BIT(to)) != 0;
}

bool pagestate_replace(const struct pt_format *fmt, u64 *leaf, u64 *expected, u64 new)
{
	enum pagestate from = pagestate_decode(fmt, *expected).state;
	enum pagestate to = pagestate_decode(fmt, new).state;
	if (!pagestate_transition_ok(from, to))
		panic("pagestate: illegal leaf change %s -> %s (0x%lx -> 0x%lx)",
		      pagestate_name(from), pagestate_name(to), (unsigned long)*expected,
		      (unsigned long)new);
	return __atomic_compare_exchange_n(leaf, expected, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

enum pagestate_fault pagestate_fault_action(enum pagestate s)
{
	static const enum pagestate_fault act[PAGESTATE_NSTATES] = {
		[PAGESTATE_NOT_PRESENT] = PAGESTATE_FAULT_ZERO,
		[PAGESTATE_RESIDENT] = PAGESTATE_FAULT_RETRY,
		[PAGESTATE_WRITEBACK] = PAGESTATE_FAULT_RECLAIM,
		[PAGESTATE_SWAPPED] = PAGESTATE_FAULT_SWAPIN,
		[PAGESTATE_SWAPIN] = PAGESTATE_FAULT_WAIT,
		[PAGESTATE_PROTECTED] = PAGESTATE_FAULT_UNPROTECT,
		[PAGESTATE_INVALID] = PAGESTATE_FAULT_BROKEN,
	};
	return (unsigned)s < PAGESTATE_NSTATES ? act[s] : PAGESTATE_FAULT_BROKEN;
}

const char *pagestate_name(enum pagestate s)
{
	static const char *const names[PAGESTATE_NSTATES] = {
		[PAGESTATE_NOT_PRESENT] = "not-present", [PAGESTATE_RESIDENT] = "resident",
		[PAGESTATE_WRITEBACK] = "writeback", [PAGESTATE_SWAPPED] = "swapped",
		[PAGESTATE_SWAPIN] = "swap-in", [PAGESTATE_PROTECTED] = "protected",
		[PAGESTATE_INVALID] = "invalid",
	};
	return (unsigned)s < PAGESTATE_NSTATES ? names[s] : "?";
}
