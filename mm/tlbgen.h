/* Flush generations: the protocol that keeps a frame whose EPT/NPT leaf was
 * cleared from being reused or written back before the TLBs of the VM (its
 * TLB domain: EPTP/VPID or ASID) can no longer reach it. Clearing a leaf
 * takes a ticket; one batched flush per sweep completes a generation; a
 * frame is released only once its ticket is covered (always-on ASSERT).
 * Lock-free (atomics), ready for several CPUs. See docs/pager.md. */
#ifndef MM_TLBGEN_H
#define MM_TLBGEN_H

#include "core/types.h"
#include "core/addr.h"

/* One TLB domain's generations. Tickets compare modulo 2^64 (wrap-safe while
 * fewer than 2^63 generations separate a ticket from the present). */
struct tlbgen {
	u64 next;       /* ticket handed out now = generation of the next flush */
	u64 done;       /* newest generation whose flush has completed */
	u8 pending;     /* leaves were cleared since the last flush started */
	u64 flushes;    /* statistics: flush callbacks run */
};

/* The vendor's flush of everything the domain's TLBs may cache (INVEPT
 * single-context / NPT flush-by-ASID or a new ASID; later a cross-CPU
 * shootdown). It must not return before the flush is complete everywhere. */
typedef void tlbgen_flush_fn(struct tlbgen *g, void *ctx);

/* Start with nothing pending: tickets from 1, generation 0 complete. */
void tlbgen_init(struct tlbgen *g);

/* Start with `first` as the first ticket (tests use values near 2^64). */
void tlbgen_init_at(struct tlbgen *g, u64 first);

/* Call right after clearing (or changing the frame of) one or more leaves of
 * the domain: returns the ticket that must be safe before the frames those
 * leaves mapped are freed, reused or written back. */
u64 tlbgen_note_cleared(struct tlbgen *g);

/* If leaves were cleared since the last flush, run fn(g, ctx) once and
 * complete their generation; return whether fn ran. Concurrent callers are
 * safe: each flush covers every leaf cleared before it started. */
bool tlbgen_flush(struct tlbgen *g, tlbgen_flush_fn *fn, void *ctx);

/* True once the flush covering `ticket` has completed. */
bool tlbgen_is_safe(const struct tlbgen *g, u64 ticket);

/* Panic unless tlbgen_is_safe(): call before freeing, reusing or starting
 * the writeback of a frame whose leaf was cleared under `ticket`. */
void tlbgen_assert_safe(const struct tlbgen *g, u64 ticket);

/* Make ticket safe, flushing if it is not yet (the slow path for a single
 * page outside a sweep, e.g. the eviction hypercall). */
void tlbgen_sync(struct tlbgen *g, u64 ticket, tlbgen_flush_fn *fn, void *ctx);

/*
 * Victims of one sweep waiting for their flush: (domain, ticket, frame).
 * Storage comes from the caller (the pager's reserve), so a sweep needs no
 * allocation. The only way to get a frame back out is tlbgen_batch_frame(),
 * which asserts that its flush has completed.
 */
struct tlbgen_victim {
	struct tlbgen *gen;
	u64 ticket;
	hpa_t frame;
};

struct tlbgen_batch {
	struct tlbgen_victim *v;   /* (c) caller's array */
	u32 cap;                   /* (c) its length */
	u32 n;                     /* victims recorded */
};

/* Use storage[0..cap) for an empty batch. */
void tlbgen_batch_init(struct tlbgen_batch *b, struct tlbgen_victim *storage, u32 cap);

/* Record frame, whose leaf in domain g was just cleared, and take its
 * ticket. Returns E_RANGE when the batch is full (flush and drain first:
 * the leaf is cleared, so the caller must not drop the frame). */
int tlbgen_batch_add(struct tlbgen_batch *b, struct tlbgen *g, hpa_t frame) __must_check;

/* Flush each domain with unsafe victims once (fn as for tlbgen_flush());
 * return the number of flushes run. */
u32 tlbgen_batch_flush(struct tlbgen_batch *b, tlbgen_flush_fn *fn, void *ctx);

/* Frame of victim i; panics if its flush has not completed. */
hpa_t tlbgen_batch_frame(const struct tlbgen_batch *b, u32 i);

/* Empty the batch (after every frame was taken out). */
void tlbgen_batch_reset(struct tlbgen_batch *b);

#endif
