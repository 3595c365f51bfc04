/* States of a guest page as recorded in its level-1 EPT/NPT leaf: not
 * present (demand-zero), resident, writeback, swapped, swap-in. The
 * non-present states are software entries of the page-table engine (never
 * present to the hardware). The legal transitions and what a fault does in
 * each state are defined here; docs/pager.md draws the machine. */
#ifndef MM_PAGESTATE_H
#define MM_PAGESTATE_H

#include "core/types.h"
#include "core/addr.h"
#include "mm/pt.h"

enum pagestate {
	PAGESTATE_NOT_PRESENT = 0,  /* entry 0: demand-zero on the next touch */
	PAGESTATE_RESIDENT,         /* present leaf mapping a guest frame */
	PAGESTATE_WRITEBACK,        /* leaf cleared, frame (still valid) being written */
	PAGESTATE_SWAPPED,          /* contents only in a swap slot */
	PAGESTATE_SWAPIN,           /* slot being read into a frame not yet mapped */
	PAGESTATE_PROTECTED,        /* resident, access removed to sample a reference
				       (EPT without A/D bits): the next touch restores it */
	PAGESTATE_INVALID,          /* none of the above: a corrupted entry */
	PAGESTATE_NSTATES
};

/*
 * Software entries carry a 40-bit value (PT_SWAP_MAX): bits 39:38 are a tag,
 * bits 37:0 the payload. Tag 0 = swapped (payload = slot, so the entry is
 * exactly pt_make_swap_entry(slot)), 1 = writeback (frame index),
 * 2 = swap-in (destination frame index), 3 = never written.
 */
#define PAGESTATE_TAG_SHIFT 38
#define PAGESTATE_SLOT_MAX ((1ull << PAGESTATE_TAG_SHIFT) - 1)
#define PAGESTATE_FRAME_MAX 0xfffffffeull   /* frame indices are u32, FRAME_NONE excluded */

/* A decoded leaf. slot is valid for SWAPPED, frame for RESIDENT (the mapped
 * frame), WRITEBACK and SWAPIN; both are 0 otherwise. */
struct pagestate_info {
	enum pagestate state;
	u64 slot;
	hfn_t frame;
};

/* What a nested page fault on a page in a given state must do. */
enum pagestate_fault {
	PAGESTATE_FAULT_ZERO,      /* NOT_PRESENT: allocate, zero, map */
	PAGESTATE_FAULT_RETRY,     /* RESIDENT: mapped meanwhile (or a permission
				    * fault of A/D emulation): fix and re-enter */
	PAGESTATE_FAULT_RECLAIM,   /* WRITEBACK: map the same frame again (its
				    * write may still run); never read the slot */
	PAGESTATE_FAULT_SWAPIN,    /* SWAPPED: allocate a frame, enter SWAPIN, read */
	PAGESTATE_FAULT_WAIT,      /* SWAPIN: wait for the read already in flight */
	PAGESTATE_FAULT_UNPROTECT, /* PROTECTED: restore the leaf, note the reference */
	PAGESTATE_FAULT_BROKEN,    /* INVALID: hypervisor bug, panic */
};

/* Build the non-present leaf of a swapped page. slot <= PAGESTATE_SLOT_MAX. */
u64 pagestate_make_swapped(const struct pt_format *fmt, u64 slot);

/* Build the non-present leaf of a page whose frame is being written back.
 * A fault reads the frame index from it and takes the frame back. */
u64 pagestate_make_writeback(const struct pt_format *fmt, hfn_t frame);

/* Build the non-present leaf of a page being read into `frame`; a second
 * fault finds the frame (and through it the I/O) and waits. */
u64 pagestate_make_swapin(const struct pt_format *fmt, hfn_t frame);
u64 pagestate_make_protected(const struct pt_format *fmt, hfn_t frame);

/* Decode a level-1 leaf of format fmt. Never fails: anything that is not one
 * of the encodings above is PAGESTATE_INVALID. */
struct pagestate_info pagestate_decode(const struct pt_format *fmt, u64 e);

/* True if a page may go from state `from` to state `to` (see docs/pager.md).
 * Staying in the same state is not a transition and returns false. */
bool pagestate_transition_ok(enum pagestate from, enum pagestate to);

/*
 * Replace the leaf *leaf from *expected to new atomically (compare-exchange,
 * so A/D bits the CPU sets meanwhile are never lost). Panics unless the
 * decoded states form a legal transition (a pager bug). Returns true on
 * success; false if the entry was not *expected, which then holds the
 * current value (the caller re-decides: the CPU set A/D, or another CPU won).
 */
bool pagestate_replace(const struct pt_format *fmt, u64 *leaf, u64 *expected,
		       u64 new) __must_check;

/* The action a fault on a page in state s calls for. */
enum pagestate_fault pagestate_fault_action(enum pagestate s);

/* Printable name of a state ("resident", ...). */
const char *pagestate_name(enum pagestate s);

#endif
