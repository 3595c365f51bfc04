/* Reverse map: from a host frame that backs guest memory to every EPT/NPT
 * leaf that maps it, in O(1) from the frame descriptor. The VM and the guest
 * frame number come from the descriptor of the leaf's table page (mm/pt.c),
 * so a single mapper costs nothing beyond the descriptor's data field; more
 * mappers (page sharing) use a small heap chain. Layout: docs/pager.md. */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "core/types.h"
#include "core/addr.h"
#include "mm/pt.h"

/*
 * data of a FRAME_GUEST descriptor:
 *   bits 43:0  hpa of the one level-1 leaf mapping the frame (0: none), or,
 *              with FRAME_F_RMAP_CHAIN, hpa of the heap chain;
 *   bits 63:44 aux: 20 bits the reverse map keeps but does not interpret
 *              (spare: the pager keeps its swap-cache slot in `link`).
 * Host memory is capped at 16 TiB (frame indices are u32), so every hpa
 * fits in 44 bits.
 */
#define RMAP_HPA_BITS 44
#define RMAP_AUX_BITS 20
#define RMAP_AUX_MAX ((1ull << RMAP_AUX_BITS) - 1)

/* One mapper of a frame. */
struct rmap_entry {
	u16 vm;       /* owner of the leaf's table page: the VM id */
	gfn_t gfn;    /* guest frame the leaf translates */
	u64 *leaf;    /* the level-1 EPT/NPT entry */
};

/* Record leaf (a level-1 entry of an EPT/NPT table) as the only mapper of
 * the FRAME_GUEST frame, which must have none. O(1), never fails. */
void rmap_set(hpa_t frame, u64 *leaf);

/* Add leaf as one more mapper of frame (the first one is rmap_set). Returns
 * E_NOMEM if the chain cannot grow (nothing changes). Panics if leaf already
 * maps the frame. */
int rmap_add_mapper(hpa_t frame, u64 *leaf) __must_check;

/* Remove leaf from frame's mappers; a chain left with one mapper goes back
 * to the single form. Panics if leaf is not a mapper (a pager bug). */
void rmap_remove(hpa_t frame, u64 *leaf);

/* Forget every mapper and free any chain (teardown, before frame_free()).
 * Keeps aux. */
void rmap_clear(hpa_t frame);

/* Number of leaves mapping frame. */
u32 rmap_count(hpa_t frame);

/* True if leaf is one of frame's mappers. */
bool rmap_has_mapper(hpa_t frame, const u64 *leaf);

/* Fill *out with frame's first mapper; false if it has none. O(1). */
bool rmap_lookup(hpa_t frame, struct rmap_entry *out);

/* Call fn for every mapper of frame, in the order they were added, until
 * fn returns non-zero; return that value, or 0. fn must not change frame's
 * mappers. */
int rmap_for_each(hpa_t frame, int (*fn)(const struct rmap_entry *e, void *ctx), void *ctx);

/* The aux bits of frame's descriptor, and setting them (aux <= RMAP_AUX_MAX). */
u64 rmap_aux(hpa_t frame);
void rmap_set_aux(hpa_t frame, u64 aux);

/*
 * Debug check of one VM (the `audit` option runs it after every eviction
 * sweep). A leaf "refers to" a frame when it maps it (resident) or names it
 * (writeback, swap-in: mm/pagestate.h). Checks that every leaf of tdp that
 * refers to a frame refers to a FRAME_GUEST frame owned by vm_id whose
 * reverse map names that leaf; that a frame under I/O is pinned and named by
 * exactly one leaf; that every leaf named by the reverse map of a FRAME_GUEST
 * frame owned by vm_id is a level-1 leaf of vm_id's tables that refers to
 * that frame; and that no leaf is INVALID. Frames in shared[0..nshared) may
 * be mapped without a reverse map (the VGA hole's all-ones page). Prints each
 * problem; returns their number (0 = clean).
 */
int rmap_audit(struct pt *tdp, u16 vm_id, const hpa_t *shared, size_t nshared);

#endif
