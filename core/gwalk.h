/* Guest page walk: translate a guest linear address to guest-physical the
 * way the guest's own MMU would (paging off, 32-bit, PAE, 4-level), reading
 * the guest's paging structures through a callback. Pure: the kernel passes
 * gmem_read on the VM's memory, host unit tests a fake guest memory. */
#ifndef CORE_GWALK_H
#define CORE_GWALK_H

#include "core/types.h"
#include "core/addr.h"

/* Control registers that select and root the guest's paging mode. */
struct gwalk_regs {
	u64 cr0, cr3, cr4, efer;
};

/* Reads len bytes of guest-physical memory at a into dst; 0 or a negative
 * code (gmem_read's contract). */
typedef int (*gwalk_read_fn)(void *ctx, gpa_t a, void *dst, u64 len);

/* Kind of access being translated (flags; 0 = supervisor data read). */
enum {
	GWALK_WRITE = 1u << 0,
	GWALK_USER  = 1u << 1,   /* CPL 3 */
	GWALK_FETCH = 1u << 2,
};

/* #PF error code bits (SDM Vol. 3A 4.7). */
enum {
	GWALK_PF_P    = 1u << 0,   /* protection violation (entry present) */
	GWALK_PF_W    = 1u << 1,
	GWALK_PF_U    = 1u << 2,
	GWALK_PF_RSVD = 1u << 3,
	GWALK_PF_ID   = 1u << 4,
};

struct gwalk_result {
	gpa_t gpa;        /* the translation (valid when gwalk returns 0) */
	u64 page_size;    /* 4 KiB, 2 MiB, 4 MiB or 1 GiB (4 KiB with paging off) */
	bool fault;       /* the guest's access would raise #PF */
	u32 pf_error;     /* its error code when fault is set */
};

/* Translate linear address la for an access of kind `access` (GWALK_*)
 * under the guest's CR0/CR3/CR4/EFER, reading paging-structure entries
 * with read(ctx, ...). Checks present, reserved (PS where not allowed, NX
 * without EFER.NXE, large-page alignment bits), R/W with CR0.WP, U/S, NX
 * and SMEP; does not set accessed/dirty bits, check SMAP or protection
 * keys, or use the CPU's cached PAE PDPTEs (reads them from CR3).
 * Returns 0 with res->gpa set; E_NOENT when the guest's access would
 * #PF (res->fault and res->pf_error set; nothing is injected: callers kill
 * or retry); E_INVAL for a non-canonical address (#GP); E_NOTSUP for
 * 5-level paging (CR4.LA57); or read's negative code when a paging
 * structure lies outside guest memory. */
int gwalk(const struct gwalk_regs *regs, u64 la, u32 access, gwalk_read_fn read,
	  void *ctx, struct gwalk_result *res) __must_check;

#endif
