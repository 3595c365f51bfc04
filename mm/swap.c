/* Swap-slot allocator (mm/swap.h): two bitmaps over the slots of the swap
 * area, next-fit allocation of single slots and contiguous runs from a
 * moving hint (so consecutive evictions land in consecutive slots and can be
 * written as one command), retirement of slots whose write failed, and the
 * per-slot checksums that catch a page the disk hands back corrupted. */
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
	u32 *csum = kzalloc(nslots * sizeof(u32));
	u64 *written = kzalloc(nwords * sizeof(u64));
	if (!used || !retired || !csum || !written) {
		kfree(used);
		kfree(retired);
		kfree(csum);
		kfree(written);
		return E_NOMEM;
	}
	if (nslots % 64)
		used[nwords - 1] = ~0ull << (nslots % 64);
	*s = (struct swap_slots){ .nslots = nslots, .nwords = nwords, .used = used,
				  .retired = retired, .csum = csum, .written = written,
				  .nfree = nslots };
	return E_OK;
}

/* See mm/swap.h. */
void swap_slots_destroy(struct swap_slots *s)
{
	kfree(s->used);
	kfree(s->retired);
	kfree(s->csum);
	kfree(s->written);
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

static inline u64 rotl64(u64 x, int r)
{
	return x << r | x >> (64 - r);
}

/* Each step is a bijection of the lane for a fixed word (rotate, xor, odd
 * multiply), so a change to one word always changes that lane. */
#define CSUM_K1 0x9e3779b97f4a7c15ull
#define CSUM_K2 0xc2b2ae3d27d4eb4full

/* See mm/swap.h. */
u32 swap_csum_page(const void *page, u64 slot)
{
	const u64 *w = page;
	u64 a = slot ^ CSUM_K1, b = slot ^ CSUM_K2, c = ~slot, d = slot * CSUM_K1 + 1;

	for (size_t i = 0; i < PAGE_SIZE / 8; i += 4) {
		a = (rotl64(a, 31) ^ w[i]) * CSUM_K1;
		b = (rotl64(b, 31) ^ w[i + 1]) * CSUM_K1;
		c = (rotl64(c, 31) ^ w[i + 2]) * CSUM_K1;
		d = (rotl64(d, 31) ^ w[i + 3]) * CSUM_K1;
	}
	u64 h = a ^ rotl64(b, 16) ^ rotl64(c, 32) ^ rotl64(d, 48);
	h ^= h >> 33;   /* the 64-bit finaliser of MurmurHash3 (public constants) */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= CSUM_K2;
	h ^= h >> 33;
	return (u32)(h ^ (h >> 32));
}

/* See mm/swap.h. */
void swap_csum_store(struct swap_slots *s, u64 slot, const void *page)
{
	check_allocated(s, slot, "checksum");
	s->csum[slot] = swap_csum_page(page, slot);
	if (!bit_test(s->written, slot)) {
		bit_set(s->written, slot);
		s->nwritten++;
	}
}

/* See mm/swap.h. */
bool swap_csum_verify(const struct swap_slots *s, u64 slot, const void *page)
{
	check_allocated(s, slot, "checksum check");
	return s->csum[slot] == swap_csum_page(page, slot);
}
