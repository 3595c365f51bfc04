/* The pager: when frames for guest data run short it picks guest pages
 * that have not been used lately (mm/policy.c over the hardware A bits),
 * writes the dirty ones to the swap area, unmaps them from the guest's
 * EPT/NPT, and brings them back on the next touch. docs/pager.md has the
 * page states, the flush protocol and the lock order. */
#ifndef MM_PAGER_H
#define MM_PAGER_H

#include "core/types.h"
#include "core/addr.h"

struct vm;

/* Outcome of a nested page fault as the pager sees it. */
enum pager_result {
	PAGER_FIXED,      /* mapped: re-enter and retry */
	PAGER_WAIT,       /* I/O or frames outstanding: the vCPU waits (vm->waiting) */
	PAGER_IGNORE,     /* write to ROM/hole: skip the instruction */
	PAGER_NOSLOT,     /* address in no slot */
	PAGER_NOMEM,      /* no frame can be freed for it: kill the guest */
	PAGER_IOERR,      /* its swap slot could not be read: kill the guest */
};

/* Start the pager: guest data frames are capped at hv_mem bytes (0: all
 * free frames minus the reserve); overcommit needs the active swap area.
 * Says at boot which it is. Call after swap_area_init(). */
void pager_init(u64 hv_mem);

/* True when guests may be given more memory than the host frames (a swap
 * area is active). */
bool pager_overcommit(void);

/* Attach the pager to a VM whose gmem has just been initialised. */
void pager_vm_init(struct vm *vm, u64 limit_pages);

/* Handle a nested page fault at a. */
enum pager_result pager_fault(struct vm *vm, gpa_t a, bool write);

/* Before the VM's memory is destroyed: wait for its I/O, release its swap
 * slots and untrack its frames. */
void pager_vm_release(struct vm *vm);

/* Evict the page at a now (debug hypercall): 0, or a negative code when the
 * page is not resident RAM or cannot be evicted. */
int pager_evict_gpa(struct vm *vm, gpa_t a) __must_check;

/* Run one reclaim sweep if frames are below the low watermark (called from
 * the run loop between slices, so reclaim also runs ahead of faults). */
void pager_balance(void);

/* Audit every VM's EPT/NPT against the reverse map after each sweep
 * (`audit` option). */
extern bool pager_audit;

/* Problems the audits found so far. */
u64 pager_audit_problems(void);

/* Print the pager's global statistics. */
void pager_print_stats(void);

#endif
