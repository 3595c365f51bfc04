/* The VMRUN consistency checks of APM Vol. 2 15.5.1 ("Canonicalization and
 * Consistency Checks") redone in software, so that a VMEXIT_INVALID names
 * the rule the VMCB broke instead of leaving only the dump to read. Pure:
 * the VMCB and the CPU facts come in, a set of broken rules goes out. */
#include "svm/svm_check.h"

/* CR4 bits defined on AMD (APM Vol. 2 3.1.3): VME..LA57 (0-12, with VMXE
 * 13 reserved), FSGSBASE, PCIDE, OSXSAVE (16-18), SMEP, SMAP, PKE, CET
 * (20-23); every other bit is reserved, must be zero. */
#define CR4_DEFINED ((0x1fffull & ~BIT(13)) | (7ull << 16) | (0xfull << 20))
/* EFER (APM Vol. 2 3.1.7): SCE 0, LME 8, LMA 10, NXE..TCE 11-15, MCOMMIT
 * 17, INTWB 18, UAIE 20, AIBRSE 21; the rest must be zero. */
#define EFER_DEFINED (BIT(0) | BIT(8) | (0x3full << 10) | (3ull << 17) | (3ull << 20))

static const char *const svm_rule_names[SVMC_NR] = {
	[SVMC_EFER_SVME] = "EFER.SVME = 0",
	[SVMC_CR0_CD_NW] = "CR0.CD = 0 with CR0.NW = 1",
	[SVMC_CR0_HIGH] = "CR0[63:32] not zero",
	[SVMC_CR3_MBZ] = "CR3 sets a must-be-zero bit",
	[SVMC_CR4_MBZ] = "CR4 sets a must-be-zero bit",
	[SVMC_DR6_HIGH] = "DR6[63:32] not zero",
	[SVMC_DR7_HIGH] = "DR7[63:32] not zero",
	[SVMC_EFER_MBZ] = "EFER sets a must-be-zero bit",
	[SVMC_EFER_LM_UNSUP] = "EFER.LME or EFER.LMA set on a CPU without long mode",
	[SVMC_LM_NO_PAE] = "EFER.LME and CR0.PG with CR4.PAE = 0",
	[SVMC_LM_NO_PE] = "EFER.LME and CR0.PG with CR0.PE = 0",
	[SVMC_LM_CS_LD] = "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set",
	[SVMC_VMRUN_INTERCEPT] = "VMRUN intercept clear",
	[SVMC_MSRPM_RANGE] = "MSRPM reaches beyond MAXPHYADDR",
	[SVMC_IOPM_RANGE] = "IOPM reaches beyond MAXPHYADDR",
	[SVMC_EVENT_TYPE] = "EVENTINJ has a reserved type",
	[SVMC_EVENT_VECTOR] = "EVENTINJ injects an exception with vector 2 or above 31",
	[SVMC_ASID_ZERO] = "ASID = 0",
	[SVMC_TLB_CONTROL] = "TLB_CONTROL has a reserved value",
	[SVMC_NCR3_RANGE] = "nCR3 beyond MAXPHYADDR",
	[SVMC_GPAT] = "G_PAT holds a reserved memory type",
};

const char *svm_rule_name(enum svm_rule r)
{
	return r < SVMC_NR ? svm_rule_names[r] : "no rule";
}

enum svm_rule svm_rule_first(u32 violated)
{
	return violated ? (enum svm_rule)__builtin_ctz(violated) : SVMC_NR;
}

static u32 rule(bool violated, enum svm_rule r)
{
	return violated ? 1u << r : 0;
}

/* True when [base, base + size) reaches the address 2^bits (the APM: "extend
 * to a physical address that is greater than or equal to" MAXPHYADDR). */
static bool beyond(u64 base, u64 size, u8 bits)
{
	u64 limit = bits >= 64 ? ~0ull : 1ull << bits;
	return base >= limit || size > limit - base;
}

/* CR3: in long mode bits at or above MAXPHYADDR are reserved (APM Vol. 2
 * 3.1.2, Figure 3-5); outside it CR3 is a 32-bit register. */
static u32 svm_check_cr(const struct vmcb_save *s, const struct svm_check_cpu *cpu)
{
	bool lm = s->efer & VMCB_EFER_LME;
	u64 cr3_mbz = lm ? ~0ull << (cpu->phys_bits < 64 ? cpu->phys_bits : 63) : ~0ull << 32;

	return rule(!(s->cr0 & VMCB_CR0_CD) && (s->cr0 & VMCB_CR0_NW), SVMC_CR0_CD_NW) |
	       rule(s->cr0 >> 32, SVMC_CR0_HIGH) |
	       rule(s->cr3 & cr3_mbz, SVMC_CR3_MBZ) |
	       rule(s->cr4 & ~CR4_DEFINED, SVMC_CR4_MBZ) |
	       rule(s->dr6 >> 32, SVMC_DR6_HIGH) |
	       rule(s->dr7 >> 32, SVMC_DR7_HIGH);
}

static u32 svm_check_efer(const struct vmcb_save *s, const struct svm_check_cpu *cpu)
{
	bool lme_pg = (s->efer & VMCB_EFER_LME) && (s->cr0 & VMCB_CR0_PG);
	bool pae = s->cr4 & VMCB_CR4_PAE;
	bool cs_ld = (s->cs.attrib & VMCB_ATTR_L) && (s->cs.attrib & VMCB_ATTR_D);

	return rule(!(s->efer & VMCB_EFER_SVME), SVMC_EFER_SVME) |
	       rule(s->efer & ~EFER_DEFINED, SVMC_EFER_MBZ) |
	       rule(!cpu->long_mode && (s->efer & (VMCB_EFER_LME | VMCB_EFER_LMA)),
		    SVMC_EFER_LM_UNSUP) |
	       rule(lme_pg && !pae, SVMC_LM_NO_PAE) |
	       rule(lme_pg && !(s->cr0 & VMCB_CR0_PE), SVMC_LM_NO_PE) |
	       rule(lme_pg && pae && cs_ld, SVMC_LM_CS_LD);
}

/* EVENTINJ (APM Vol. 2 15.20): types 1 and 5-7 are reserved; an exception
 * (type 3) with vector 2 or a vector above 31 is illegal. */
static u32 svm_check_event(u64 ev)
{
	u8 type = VMCB_EV_TYPE(ev), vec = VMCB_EV_VECTOR(ev);
	if (!(ev & VMCB_EV_VALID))
		return 0;
	return rule(type == 1 || type > 4, SVMC_EVENT_TYPE) |
	       rule(type == VMCB_EV_TYPE_EXC && (vec > 31 || vec == 2), SVMC_EVENT_VECTOR);
}

/* PAT entries may be UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (APM Vol. 2
 * 7.8.2); with nested paging VMRUN loads G_PAT and refuses the others
 * (15.25.8). */
static bool pat_has_reserved_type(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return true;
	}
	return false;
}

/* Controls: the VMRUN intercept, the permission maps below MAXPHYADDR,
 * ASID 0 (the host's), TLB_CONTROL values of 15.16.1 (3 and 7 need
 * flush-by-ASID) and nCR3 (15.25.3). */
static u32 svm_check_control(const struct vmcb_control *c, const struct svm_check_cpu *cpu)
{
	u8 tlb = c->tlb_control;
	bool tlb_ok = tlb <= 1 || (cpu->flush_by_asid && (tlb == 3 || tlb == 7));

	return rule(!(c->intercept_misc2 & VMCB_I2_VMRUN), SVMC_VMRUN_INTERCEPT) |
	       rule(beyond(c->msrpm_base_pa, SVM_MSRPM_PAGES * PAGE_SIZE, cpu->phys_bits),
		    SVMC_MSRPM_RANGE) |
	       rule(beyond(c->iopm_base_pa, SVM_IOPM_PAGES * PAGE_SIZE, cpu->phys_bits),
		    SVMC_IOPM_RANGE) |
	       svm_check_event(c->event_inj) |
	       rule(c->asid == 0, SVMC_ASID_ZERO) |
	       rule(!tlb_ok, SVMC_TLB_CONTROL) |
	       rule((c->np_ctl & VMCB_NP_ENABLE) && beyond(c->n_cr3, 1, cpu->phys_bits),
		    SVMC_NCR3_RANGE);
}

u32 svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_cpu *cpu)
{
	bool np = vmcb->ctl.np_ctl & VMCB_NP_ENABLE;
	return svm_check_cr(&vmcb->save, cpu) | svm_check_efer(&vmcb->save, cpu) |
	       svm_check_control(&vmcb->ctl, cpu) |
	       rule(np && pat_has_reserved_type(vmcb->save.g_pat), SVMC_GPAT);
}
