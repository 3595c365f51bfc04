/* Swap-slot allocator (mm/swap.h): two bitmaps over the slots of the swap
 * area, next-fit allocation of single slots and contiguous runs from a
 * moving hint (so consecutive evictions land in consecutive slots and can be
 * written as one command), and retirement of slots whose write failed. */
#include "mm/swap.h"
#include "core/panic.h"
#include "mm/heap.h"

static inline bool bit_test(const u64 *bm, u64 i)
{
	return bm[i / 64] & BIT(i % 64);
}

static inline void bit_set(u64 *bm, u64 i)
{
	bm[i / 64] |= BIT(i % 64);
}

static inline void bit_clear(u64 *bm, u64 i)
{
	bm[i / 64] &= ~BIT(i % 64);
}

/* First index >= start whose bit in bm equals value, or nbits if none. */
static u64 find_next(const u64 *bm, u64 nbits, u64 start, bool value)
{
	u64 nwords = (nbits + 63) / 64, w;
	u64 word;

	if (start >= nbits)
		return nbits;
	w = start / 64;
	word = (value ? bm[w] : ~bm[w]) & (~0ull << (start % 64));
	while (!word) {
		if (++w >= nwords)
			return nbits;
		word = value ? bm[w] : ~bm[w];
	}
	return MIN(w * 64 + (u64)__builtin_ctzll(word), nbits);
}

/* See mm/swap.h. */
int swap_slots_init(struct swap_slots *s, u64 nslots)
{
	u64 nwords = (nslots + 63) / 64;

	if (nslots == 0)
		return E_INVAL;
	u64 *used = kzalloc(nwords * sizeof(u64));
	u64 *retired = kzalloc(nwords * sizeof(u64));
	if (!used || !retired) {
		kfree(used);
		kfree(retired);
		return E_NOMEM;
	}
	if (nslots % 64)
		used[nwords - 1] = ~0ull << (nslots % 64);
	*s = (struct swap_slots){ .nslots = nslots, .nwords = nwords, .used = used,
				  .retired = retired, .nfree = nslots };
	return E_OK;
}

/* See mm/swap.h. */
void swap_slots_destroy(struct swap_slots *s)
{
	kfree(s->used);
	kfree(s->retired);
	*s = (struct swap_slots){ 0 };
}

/* Mark [first, first + n) allocated and move the hint past it. */
static void take_run(struct swap_slots *s, u64 first, u64 n)
{
	for (u64 i = first; i < first + n; i++)
		bit_set(s->used, i);
	s->nfree -= n;
	s->hint = first + n < s->nslots ? first + n : 0;
}

/* See mm/swap.h. */
u64 swap_slot_alloc(struct swap_slots *s)
{
	u64 nbits = s->nwords * 64, p;

	if (s->nfree == 0)
		return SWAP_SLOT_NONE;
	p = find_next(s->used, nbits, s->hint, false);
	if (p >= s->nslots)
		p = find_next(s->used, nbits, 0, false);
	ASSERT(p < s->nslots);   /* nfree said there was one */
	take_run(s, p, 1);
	return p;
}

/* First start in [from, limit) of a free run of n slots, or SWAP_SLOT_NONE.
 * A run may extend past limit; the padding bits end it at nslots. */
static u64 find_run(const struct swap_slots *s, u64 from, u64 limit, u64 n)
{
	u64 nbits = s->nwords * 64, p = from;

	for (;;) {
		p = find_next(s->used, nbits, p, false);
		if (p >= limit || p >= s->nslots)
			return SWAP_SLOT_NONE;
		u64 end = find_next(s->used, nbits, p, true);
		if (end - p >= n)
			return p;
		p = end;
	}
}

/* See mm/swap.h. */
u64 swap_slot_alloc_run(struct swap_slots *s, u64 n)
{
	u64 p;

	ASSERT(n >= 1);
	if (n > s->nfree)
		return SWAP_SLOT_NONE;
	p = find_run(s, s->hint, s->nslots, n);
	if (p == SWAP_SLOT_NONE)
		p = find_run(s, 0, s->hint, n);
	if (p == SWAP_SLOT_NONE)
		return SWAP_SLOT_NONE;
	take_run(s, p, n);
	return p;
}

/* See mm/swap.h. */
bool swap_slot_is_allocated(const struct swap_slots *s, u64 slot)
{
	return slot < s->nslots && bit_test(s->used, slot) && !bit_test(s->retired, slot);
}

static void check_allocated(const struct swap_slots *s, u64 slot, const char *what)
{
	if (!swap_slot_is_allocated(s, slot))
		panic("swap: %s of slot %lu that is not allocated (%s, %lu slots)", what, slot,
		      slot >= s->nslots ? "out of range"
		      : bit_test(s->retired, slot) ? "retired" : "free", s->nslots);
}

/* See mm/swap.h. */
void swap_slot_free(struct swap_slots *s, u64 slot)
{
	check_allocated(s, slot, "free");
	bit_clear(s->used, slot);
	s->nfree++;
}

/* See mm/swap.h. */
void swap_slot_free_run(struct swap_slots *s, u64 first, u64 n)
{
	for (u64 i = 0; i < n; i++)
		check_allocated(s, first + i, "free");
	for (u64 i = 0; i < n; i++)
		swap_slot_free(s, first + i);
}

/* See mm/swap.h. */
void swap_slot_retire(struct swap_slots *s, u64 slot)
{
	check_allocated(s, slot, "retire");
	bit_set(s->retired, slot);
	s->nretired++;
}
