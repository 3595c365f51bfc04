/* Swap slots: which 4 KiB slots of the active swap area hold a page, which
 * are free, which were retired after a failed write, and the checksum of
 * what each slot was last written with. The state lives in hypervisor
 * memory (two heap bitmaps and a u32 per slot), never on the disk.
 * Single-threaded. */
#ifndef MM_SWAP_H
#define MM_SWAP_H

#include "core/types.h"

#define SWAP_SLOT_NONE (~0ull)   /* "no slot" */

/*
 * One allocator. A set bit in used means allocated or retired; retired
 * marks the slots that are never handed out again. Bits past nslots in the
 * last word are set in used (never free) and counted nowhere.
 */
struct swap_slots {
	u64 nslots;      /* (c) set at init */
	u64 nwords;      /* (c) 64-bit words per bitmap */
	u64 *used;       /* (c) kzalloc'd bitmap */
	u64 *retired;    /* (c) kzalloc'd bitmap */
	u32 *csum;       /* (c) kzalloc'd: swap_csum_page() of each slot's last write */
	u64 *written;    /* (c) kzalloc'd bitmap: slots ever written (swap_csum_store) */
	u64 nwritten;    /* distinct slots ever written */
	u64 nfree;       /* slots neither allocated nor retired */
	u64 nretired;
	u64 hint;        /* slot where the next search starts (next fit) */
};

/* Start an allocator of nslots free slots (bitmaps from the heap).
 * Return E_OK, E_INVAL for 0 slots, E_NOMEM. */
int swap_slots_init(struct swap_slots *s, u64 nslots) __must_check;

/* Release the bitmaps; *s is then empty (nslots 0). */
void swap_slots_destroy(struct swap_slots *s);

/* Allocate one slot: the first free slot at or after the hint, wrapping.
 * Return the slot or SWAP_SLOT_NONE when none is free. O(1) while the
 * area after the hint has room; at worst one pass over the bitmap words. */
u64 swap_slot_alloc(struct swap_slots *s) __must_check;

/* Allocate n contiguous free slots (for one multi-page write), next fit
 * from the hint. Return the first or SWAP_SLOT_NONE if no run of n exists
 * (nothing is then allocated). n must be >= 1. */
u64 swap_slot_alloc_run(struct swap_slots *s, u64 n) __must_check;

/* Free an allocated slot. Panics on a slot out of range, free or retired
 * (a pager bug). */
void swap_slot_free(struct swap_slots *s, u64 slot);

/* Free the n allocated slots [first, first + n). */
void swap_slot_free_run(struct swap_slots *s, u64 first, u64 n);

/* Retire an allocated slot whose write failed: it is never handed out
 * again and the caller no longer owns it. Panics as swap_slot_free(). */
void swap_slot_retire(struct swap_slots *s, u64 slot);

/* True if slot is allocated (not free, not retired). */
bool swap_slot_is_allocated(const struct swap_slots *s, u64 slot);

/* The checksum of one page as it is written to, or read from, slot:
 * 64-bit multiply-rotate-xor over the page's 512 words in four independent
 * lanes, seeded with the slot (a page read from the wrong slot does not
 * match), finished with a 64-bit avalanche mix folded to 32 bits. Any change
 * confined to one 64-bit word always changes the 64-bit state; after the
 * fold a corruption escapes with probability about 2^-32. */
u32 swap_csum_page(const void *page, u64 slot);

/* Record the checksum of page as the contents of allocated slot s (call
 * when its write is submitted) and count the slot as written. Panics as
 * swap_slot_free() on a slot that is not allocated. */
void swap_csum_store(struct swap_slots *s, u64 slot, const void *page);

/* True if page (just read from allocated slot) matches the checksum its
 * write stored. */
bool swap_csum_verify(const struct swap_slots *s, u64 slot, const void *page);

/* Slots currently allocated (neither free nor retired). */
static inline u64 swap_slots_in_use(const struct swap_slots *s)
{
	return s->nslots - s->nfree - s->nretired;
}

#endif
