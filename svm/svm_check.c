/* The VMRUN consistency checks of APM Vol. 2 15.5.1 ("Canonicalization and
 * Consistency Checks") redone in software, so that a VMEXIT_INVALID names
 * the rule the VMCB broke instead of leaving only the dump to read. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/log.h"

#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CS_ATTR_L BIT(9)            /* VMCB attrib: descriptor bit 53 */
#define CS_ATTR_D BIT(10)           /* descriptor bit 54 */
/* EFER bits 1-7 and 9 are reserved, must be zero (APM Vol. 2 3.1.7). */
#define EFER_MBZ (0xfeull | BIT(9))

static int check(bool violated, const char *rule)
{
	if (violated)
		kprintf("  violated: %s\n", rule);
	return violated;
}

static int svm_check_cr(const struct vmcb_save *s)
{
	u8 pbits = cpufeat()->phys_bits ? cpufeat()->phys_bits : 52;
	bool pae = s->cr4 & CR4_PAE;
	int n = 0;

	n += check(!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW), "CR0.CD = 0 with CR0.NW = 1");
	n += check(s->cr0 >> 32, "CR0[63:32] not zero");
	n += check(pae && (s->cr3 >> pbits), "CR3 sets bits above MAXPHYADDR");
	n += check(!pae && (s->cr3 >> 32), "CR3[63:32] not zero (non-PAE)");
	n += check(s->cr4 >> 32, "CR4[63:32] not zero");
	n += check(s->cr4 & CR4_VMXE, "CR4.VMXE set (reserved on AMD)");
	n += check(s->dr6 >> 32, "DR6[63:32] not zero");
	n += check(s->dr7 >> 32, "DR7[63:32] not zero");
	return n;
}

static int svm_check_efer(const struct vmcb_save *s)
{
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);
	int n = 0;

	n += check(!(s->efer & EFER_SVME), "EFER.SVME = 0");
	n += check(s->efer & EFER_MBZ, "EFER sets a must-be-zero bit");
	n += check(lme_pg && !(s->cr4 & CR4_PAE), "EFER.LME and CR0.PG with CR4.PAE = 0");
	n += check(lme_pg && !(s->cr0 & CR0_PE), "EFER.LME and CR0.PG with CR0.PE = 0");
	n += check(lme_pg && (s->cr4 & CR4_PAE) && (s->cs.attrib & CS_ATTR_L) &&
		   (s->cs.attrib & CS_ATTR_D), "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set");
	return n;
}

/* EVENTINJ: types 1, 5-7 are reserved; an exception needs a vector below
 * 32 other than 2 (APM Vol. 2 15.20). */
static int svm_check_event(u64 ev)
{
	u8 type = VMCB_EV_TYPE(ev), vec = VMCB_EV_VECTOR(ev);
	if (!(ev & VMCB_EV_VALID))
		return 0;
	return check(type == 1 || type > 4, "EVENTINJ has a reserved type") +
	       check(type == VMCB_EV_TYPE_EXC && (vec > 31 || vec == 2),
		     "EVENTINJ injects an exception with an impossible vector");
}

static int svm_check_control(const struct vmcb_control *c)
{
	u8 pbits = cpufeat()->phys_bits ? cpufeat()->phys_bits : 52;
	u64 limit = 1ull << pbits;
	bool fba = cpufeat()->svm.flush_by_asid;
	u8 tlb = c->tlb_control;
	int n = 0;

	n += check(!(c->intercept_misc2 & VMCB_I2_VMRUN), "VMRUN intercept clear");
	n += check(c->asid == 0, "ASID = 0");
	n += check(c->iopm_base_pa + SVM_IOPM_PAGES * PAGE_SIZE > limit,
		   "IOPM extends beyond MAXPHYADDR");
	n += check(c->msrpm_base_pa + SVM_MSRPM_PAGES * PAGE_SIZE > limit,
		   "MSRPM extends beyond MAXPHYADDR");
	n += check(tlb > 1 && (!fba || (tlb != 3 && tlb != 7)), "TLB_CONTROL reserved value");
	n += check((c->np_ctl & VMCB_NP_ENABLE) && (c->n_cr3 >> pbits),
		   "nCR3 beyond MAXPHYADDR");
	n += svm_check_event(c->event_inj);
	return n;
}

int svm_check_vmcb(const struct vmcb *vmcb)
{
	return svm_check_cr(&vmcb->save) + svm_check_efer(&vmcb->save) +
	       svm_check_control(&vmcb->ctl);
}
