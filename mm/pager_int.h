/* Internal interface between the pager's files (mm/pager*.c). */
#ifndef MM_PAGER_INT_H
#define MM_PAGER_INT_H

#include "core/vm.h"
#include "drivers/blk.h"
#include "mm/frame.h"
#include "mm/pager.h"
#include "mm/pager_tune.h"
#include "mm/policy.h"

#define PAGER_IO_MAX 64          /* requests in flight at once */
#define PAGER_RESERVE_MIN 512    /* frames kept for tables, heap, VMCS/VMCB */
#define PAGER_WRITE_FAIL_RUN 8   /* failed write commands in a row: the area is failing */
#define PAGER_WRITE_FAIL_LINES 16   /* failed write commands reported one by one */

/* One swap request: pages written out to contiguous slots (eviction), or
 * one page read in (fault). frames[i] goes to slot + i. */
struct pager_io {
	struct blk_req req;
	hpa_t frames[PAGER_SWEEP_MAX];
	u32 npages;
	u64 slot;
	struct vm *vm;                 /* reads: the faulting guest */
	bool in_use;
};

struct pager {
	bool swap;                   /* (c) a swap area is active */
	u64 cap;                     /* (c) frames for guest data */
	u64 used;                    /* guest data frames allocated */
	u64 low, high;               /* (c) watermarks of cap - used */
	struct policy policy;        /* (c) over all frame indexes */
	struct vm *vms[VM_MAX + 1];  /* by id */
	struct pager_io io[PAGER_IO_MAX];
	u64 io_in_flight;
	u64 sweeps, swap_full, audit_problems;
	u64 integrity_errors;        /* swap-ins whose checksum did not match */
	u32 write_fail_run;          /* write commands failed in a row */
	u64 write_fail_cmds;         /* write commands failed in all */
	bool swap_failing;           /* PAGER_WRITE_FAIL_RUN in a row: no more writes */
	u64 teardown_audits, teardown_audit_tsc;   /* audits at guests' ends, their cost */
	u64 cmds_read, cmds_written, pages_read, pages_written;
};

extern struct pager pager;

/* While a sweep serves one guest's limit=, only its frames are candidates. */
extern struct vm *pager_sweep_only;

static inline u32 frame_index(hpa_t f) { return (u32)(f.v >> PAGE_SHIFT); }
static inline hpa_t index_frame(u32 i) { return hpa((u64)i << PAGE_SHIFT); }

/* The swap-cache slot a clean resident frame still has, or SWAP_SLOT_NONE
 * (kept in the descriptor's link field, unused by guest frames otherwise). */
u64 pager_cache_slot(hpa_t f);
void pager_set_cache_slot(hpa_t f, u64 slot);
void pager_drop_cache_slot(hpa_t f);

/* Frame accounting: a guest data frame leaves the pager's books. */
void pager_release_frame(hpa_t f);

/* Map f at leaf again (write-back taken back, swap-in done). */
void pager_remap(struct vm *vm, u64 *leaf, hpa_t f);

/* Wake every VM waiting for frames. */
void pager_wake_frame_waiters(void);

/* A free request slot, or NULL. */
struct pager_io *pager_io_get(void);
void pager_io_put(struct pager_io *io);

/* Evict up to want pages (of `only` if not NULL); return how many frames
 * were freed at once (zero and clean pages; dirty ones free later). */
u32 pager_sweep(u32 want, struct vm *only);

/* The flush callback for tlbgen: the vendor's EPT/NPT flush of that VM. */
void pager_flush_vm(struct tlbgen *g, void *ctx);

/* A frame for a swap-in, not zeroed: the read fills all 4 KiB before the
 * page is mapped, and a failed or mismatching read never maps it (the
 * frame is released unseen). Same reclaim rules as the gmem hook. */
hpa_t pager_alloc_for_read(struct vm *vm);

#endif
