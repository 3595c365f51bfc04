/* Shared between the two halves of the software VM-entry checks
 * (entry_check.c: controls and host state; entry_check_guest.c: guest
 * state): the failure collector and small predicates. Pure. */
#ifndef VMX_ENTRY_CHECK_INT_H
#define VMX_ENTRY_CHECK_INT_H

#include "vmx/entry_check.h"
#include "vmx/vmcs.h"

/* Architectural bits the checks test (SDM Vol. 3A 2.5, 2.2.1). */
#define CHK_CR0_PE    BIT(0)
#define CHK_CR0_WP    BIT(16)
#define CHK_CR0_PG    BIT(31)
#define CHK_CR4_PAE   BIT(5)
#define CHK_CR4_PCIDE BIT(17)
#define CHK_CR4_CET   BIT(23)
#define CHK_EFER_LME  BIT(8)
#define CHK_EFER_LMA  BIT(10)
#define CHK_EFER_VALID (BIT(0) | BIT(8) | BIT(10) | BIT(11))   /* SCE LME LMA NXE */

/* Failing checks collected in order: the first `max` names kept, all counted. */
struct chk {
	const char **out;
	int max;
	int n;
};

/* Record `name` as failed unless ok. */
void chk(struct chk *c, bool ok, const char *name);

/* a is canonical for a linear-address width of `bits` (48 when 0). */
bool chk_canonical(u64 a, u8 bits);

/* a has no bits at or above MAXPHYADDR = bits. */
bool chk_phys_ok(u64 a, u8 bits);

/* Every byte of pat is a valid PAT memory type. */
bool chk_pat_ok(u64 pat);

/* The secondary controls in effect: 0 unless "activate secondary controls"
 * is set (SDM Vol. 3C 25.6.2). */
static inline u32 chk_proc2(const struct vmx_check_input *in)
{
	return (in->proc & PROC_SECONDARY) ? in->proc2 : 0;
}

/* The guest-state checks of SDM Vol. 3C 27.3.1 (entry_check_guest.c). */
void chk_guest(struct chk *c, const struct vmx_check_input *in);

#endif
