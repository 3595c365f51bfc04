/* Physical frame allocator. Owns one 16-byte descriptor per 4 KiB host frame
 * (struct frame) and the list of free frames. Later modules (reverse map,
 * pager, heap, page-table engine) keep their per-frame state in the
 * descriptor's flags/link/data fields; see docs/mm.md for the layout. */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include "core/types.h"
#include "core/addr.h"

/* What a frame is used for. FRAME_ABSENT must stay 0 (zeroed descriptors). */
enum frame_state {
	FRAME_ABSENT = 0,   /* not RAM, a hole, or reserved: never handed out */
	FRAME_FREE,         /* on the free list */
	FRAME_HYP,          /* hypervisor data (heap, VMCS/VMCB, stacks, ...) */
	FRAME_PT,           /* page-table page (host paging, EPT, NPT) */
	FRAME_GUEST,        /* backs guest memory */
	FRAME_NSTATES
};

#define FRAME_NONE 0xffffffffu      /* "no frame" in a u32 link */
#define FRAME_INVALID (~0ull)       /* hpa_t.v returned on exhaustion */

/*
 * Frame descriptor. flags, link and data belong to the frame's current user
 * and are zeroed (link = FRAME_NONE) by every allocation:
 *   FRAME_FREE : link = next free frame index.
 *   FRAME_PT   : flags = table level (1 = holds 4 KiB leaves, 4 = root),
 *                data  = first VA/GPA frame number the table covers
 *                (written by the page-table engine, see pt_entry_to_va()).
 *   FRAME_GUEST: data = hpa of the single EPT/NPT leaf mapping the frame,
 *                or an rmap chain pointer when FRAME_F_RMAP_CHAIN is set;
 *                link = pager LRU list link.
 *   FRAME_HYP  : the heap marks its pages with FRAME_F_HEAP_*.
 */
struct frame {
	u8 state;           /* enum frame_state */
	u8 flags;           /* FRAME_F_* or table level, meaning set by state */
	u16 owner;          /* VM id, 0 = hypervisor */
	u32 link;           /* frame index: free list / LRU lists */
	u64 data;           /* see above */
};
_Static_assert(sizeof(struct frame) == 16, "struct frame must be 16 bytes");

/* flags bits for FRAME_HYP frames owned by the heap (mm/heap.c). */
#define FRAME_F_HEAP_SLAB  BIT(0)   /* slab page of one size class */
#define FRAME_F_HEAP_BIG   BIT(1)   /* first page of a large block, data = pages */
#define FRAME_F_HEAP_TAIL  BIT(2)   /* later page of a large block */
/* flags bits for FRAME_GUEST frames (docs/pager.md). Bits 0-3 are the
 * pager's and the reverse map's, bits 4-7 the replacement policy's. */
#define FRAME_F_DIRTY      BIT(0)   /* written since its swap copy (if any) was made */
#define FRAME_F_PINNED     BIT(1)   /* under I/O or used by the hypervisor: no victim */
#define FRAME_F_SWAPCACHE  BIT(2)   /* a swap slot holds a clean copy (pager_cache_slot) */
#define FRAME_F_RMAP_CHAIN BIT(3)   /* data points at a multi-mapper chain */
#define FRAME_F_POLICY_MASK 0xf0u   /* mm/policy.c's own bits */

#ifndef MEM_RANGE_DEFINED
#define MEM_RANGE_DEFINED
/* A range of host-physical memory, [base, end). */
struct mem_range {
	u64 base, end;
};
#endif

/* True unless a is the FRAME_INVALID sentinel of a failed allocation. */
static inline bool frame_is_valid(hpa_t a)
{
	return a.v != FRAME_INVALID;
}

/*
 * Take ownership of the free RAM described by usable[0..n): sorted,
 * non-overlapping, page-aligned, non-empty ranges that exclude the image,
 * modules and boot data. Carves the descriptor array (frames 0..highest
 * usable frame) out of the first range big enough, preferring memory below
 * 4 GiB; those frames become FRAME_HYP. Frame 0 is never handed out.
 * The free list hands out low addresses first. The array must be reachable
 * through hpa_to_ptr(). May be called again to start over (host tests).
 * Returns E_INVAL for malformed ranges, E_NOMEM if the array fits nowhere.
 */
int frame_init(const struct mem_range *usable, size_t n) __must_check;

/* Take one free frame, mark it `state` (HYP, PT or GUEST) for `owner`.
 * Contents are not cleared. Returns FRAME_INVALID when none is free. O(1). */
hpa_t frame_alloc(u8 state, u16 owner) __must_check;

/* Like frame_alloc() but the frame's 4 KiB are zeroed. */
hpa_t frame_alloc_zeroed(u8 state, u16 owner) __must_check;

/*
 * Take n physically contiguous free frames whose first address is a multiple
 * of align (a power of two >= PAGE_SIZE; 0 means PAGE_SIZE), for hardware
 * structures such as the SVM IOPM/MSRPM. Contents are not cleared. Each
 * frame is later released with frame_free(). Slow: scans the descriptor
 * array and rebuilds the free list. Returns E_INVAL or E_NOMEM.
 */
int frame_alloc_contig(size_t n, u64 align, u8 state, u16 owner, hpa_t *out) __must_check;

/* Return an allocated frame to the free list. Panics on a double free, an
 * unaligned address, or a frame that was never allocatable. O(1). */
void frame_free(hpa_t a);

/* Descriptor of the frame containing a, or NULL beyond the array. */
struct frame *frame_desc(hpa_t a);

/* Descriptor of frame index i, or NULL beyond the array. */
struct frame *frame_desc_by_index(u64 i);

/* Number of frames currently free / of usable frames managed at init. */
u64 frame_free_count(void);
u64 frame_total_count(void);

/* Number of descriptors: frame indexes run from 0 to frame_span() - 1. */
u64 frame_span(void);

/* Printable name of an enum frame_state value ("free", "pt", ...). */
const char *frame_state_name(unsigned state);

/* Print usable, free and descriptor-array figures with pr_info(). */
void frame_print_stats(void);

#endif
