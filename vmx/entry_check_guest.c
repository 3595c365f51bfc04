/* The guest-state VM-entry checks of SDM Vol. 3C 27.3.1 re-run in software
 * over a VMCS snapshot: control registers, debug registers and MSRs,
 * segment registers, GDTR/IDTR, RIP/RFLAGS, non-register state and the PAE
 * PDPTEs, for the controls pagevisor uses. Pure: host-testable. */
#include "vmx/entry_check_int.h"

#define AR_TYPE(ar)   ((ar) & 0xf)
#define AR_S          BIT(4)
#define AR_DPL(ar)    (((ar) >> 5) & 3)
#define AR_P          BIT(7)
#define AR_L          BIT(13)
#define AR_DB         BIT(14)
#define AR_G          BIT(15)
#define AR_RESERVED   0xfffe0f00u          /* bits 11:8 and 31:17 */
#define RFLAGS_TF     BIT(8)
#define RFLAGS_IF     BIT(9)
#define RFLAGS_VM     BIT(17)
#define RFLAGS_RESERVED (~0x3fffffull | BIT(15) | BIT(5) | BIT(3))
#define DEBUGCTL_RESERVED (~0xffffull | 0x3cull)
#define PENDING_DBG_RESERVED 0xfffffffffffeaff0ull   /* 11:4, 13, 15, 63:17 */
#define ACT_ACTIVE 0
#define ACT_HLT 1
#define ACT_SHUTDOWN 2
#define ACT_SIPI 3

static bool ia32e(const struct vmx_check_input *in) { return in->entry & ENTRY_IA32E_GUEST; }
static bool usable(const struct vmx_check_seg *s) { return !(s->ar & VMX_AR_UNUSABLE); }

/* Limit against granularity: G clear if any of limit 11:0 is 0, G set if
 * any of limit 31:20 is 1 (SDM Vol. 3C 27.3.1.2). */
static bool g_ok(const struct vmx_check_seg *s)
{
	bool g = s->ar & AR_G;
	return !((s->limit & 0xfff) != 0xfff && g) && !((s->limit >> 20) && !g);
}

/* Control registers, debug controls and MSRs (SDM Vol. 3C 27.3.1.1). */
static void check_cr(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_caps *k = &in->cap;
	u64 f0 = k->cr0_fixed0;
	if (chk_proc2(in) & PROC2_UNRESTRICTED)
		f0 &= ~(CHK_CR0_PE | CHK_CR0_PG);
	chk(c, (in->cr0 & f0) == f0 && !(in->cr0 & ~k->cr0_fixed1),
	    "guest CR0 breaks IA32_VMX_CR0_FIXED0/1 (SDM 27.3.1.1)");
	chk(c, !(in->cr0 & CHK_CR0_PG) || (in->cr0 & CHK_CR0_PE),
	    "guest CR0.PG set with CR0.PE clear (SDM 27.3.1.1)");
	chk(c, (in->cr4 & k->cr4_fixed0) == k->cr4_fixed0 && !(in->cr4 & ~k->cr4_fixed1),
	    "guest CR4 breaks IA32_VMX_CR4_FIXED0/1 (SDM 27.3.1.1)");
	chk(c, !(in->cr4 & CHK_CR4_CET) || (in->cr0 & CHK_CR0_WP),
	    "guest CR4.CET set with CR0.WP clear (SDM 27.3.1.1)");
	if (in->entry & ENTRY_LOAD_DEBUG)
		chk(c, !(in->debugctl & DEBUGCTL_RESERVED),
		    "guest IA32_DEBUGCTL reserved bits set (SDM 27.3.1.1)");
	if (ia32e(in))
		chk(c, (in->cr0 & CHK_CR0_PG) && (in->cr4 & CHK_CR4_PAE),
		    "IA-32e mode guest with CR0.PG or CR4.PAE clear (SDM 27.3.1.1)");
	else
		chk(c, !(in->cr4 & CHK_CR4_PCIDE),
		    "guest CR4.PCIDE set outside IA-32e mode (SDM 27.3.1.1)");
	chk(c, chk_phys_ok(in->cr3, k->phys_bits), "guest CR3 bits beyond MAXPHYADDR (SDM 27.3.1.1)");
}

static void check_dr_msrs(struct chk *c, const struct vmx_check_input *in)
{
	bool pg = in->cr0 & CHK_CR0_PG;
	if (in->entry & ENTRY_LOAD_DEBUG)
		chk(c, !(in->dr7 >> 32), "guest DR7 bits 63:32 not zero (SDM 27.3.1.1)");
	chk(c, chk_canonical(in->sysenter_esp, in->cap.virt_bits) &&
	    chk_canonical(in->sysenter_eip, in->cap.virt_bits),
	    "guest IA32_SYSENTER_ESP/EIP not canonical (SDM 27.3.1.1)");
	if (in->entry & ENTRY_LOAD_PAT)
		chk(c, chk_pat_ok(in->pat), "guest IA32_PAT has an invalid memory type (SDM 27.3.1.1)");
	if (!(in->entry & ENTRY_LOAD_EFER))
		return;
	chk(c, !(in->efer & ~CHK_EFER_VALID), "guest IA32_EFER reserved bits set (SDM 27.3.1.1)");
	chk(c, !!(in->efer & CHK_EFER_LMA) == ia32e(in),
	    "guest IA32_EFER.LMA differs from IA-32e mode guest (SDM 27.3.1.1)");
	chk(c, !pg || !!(in->efer & CHK_EFER_LME) == ia32e(in),
	    "guest IA32_EFER.LME differs from IA-32e mode guest with CR0.PG set (SDM 27.3.1.1)");
}

/* Virtual-8086 mode: base = selector << 4, limit FFFFH, access rights F3H
 * for CS, SS, DS, ES, FS, GS (SDM Vol. 3C 27.3.1.2). */
static void check_segs_v86(struct chk *c, const struct vmx_check_input *in)
{
	static const char *const names[6] = {
		"guest ES not as virtual-8086 mode requires (SDM 27.3.1.2)",
		"guest CS not as virtual-8086 mode requires (SDM 27.3.1.2)",
		"guest SS not as virtual-8086 mode requires (SDM 27.3.1.2)",
		"guest DS not as virtual-8086 mode requires (SDM 27.3.1.2)",
		"guest FS not as virtual-8086 mode requires (SDM 27.3.1.2)",
		"guest GS not as virtual-8086 mode requires (SDM 27.3.1.2)",
	};
	for (int i = SEG_ES; i <= SEG_GS; i++) {
		const struct vmx_check_seg *s = &in->seg[i];
		chk(c, s->base == (u64)s->sel << 4 && s->limit == 0xffff && s->ar == 0xf3, names[i]);
	}
}

/* Selector and base fields (SDM 27.3.1.2). */
static void check_sel_base(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_seg *s = in->seg;
	u8 vb = in->cap.virt_bits;
	chk(c, !(s[SEG_TR].sel & 4), "guest TR selector TI flag set (SDM 27.3.1.2)");
	chk(c, !usable(&s[SEG_LDTR]) || !(s[SEG_LDTR].sel & 4),
	    "guest LDTR selector TI flag set (SDM 27.3.1.2)");
	if (!(chk_proc2(in) & PROC2_UNRESTRICTED) && !(in->rflags & RFLAGS_VM))
		chk(c, (s[SEG_SS].sel & 3) == (s[SEG_CS].sel & 3),
		    "guest SS selector RPL differs from CS RPL (SDM 27.3.1.2)");
	chk(c, chk_canonical(s[SEG_TR].base, vb), "guest TR.base not canonical (SDM 27.3.1.2)");
	chk(c, chk_canonical(s[SEG_FS].base, vb) && chk_canonical(s[SEG_GS].base, vb),
	    "guest FS/GS.base not canonical (SDM 27.3.1.2)");
	chk(c, !usable(&s[SEG_LDTR]) || chk_canonical(s[SEG_LDTR].base, vb),
	    "guest LDTR.base not canonical (SDM 27.3.1.2)");
	chk(c, !(s[SEG_CS].base >> 32), "guest CS.base bits 63:32 not zero (SDM 27.3.1.2)");
	chk(c, !usable(&s[SEG_SS]) || !(s[SEG_SS].base >> 32),
	    "guest SS.base bits 63:32 not zero (SDM 27.3.1.2)");
	chk(c, (!usable(&s[SEG_DS]) || !(s[SEG_DS].base >> 32)) &&
	    (!usable(&s[SEG_ES]) || !(s[SEG_ES].base >> 32)),
	    "guest DS/ES.base bits 63:32 not zero (SDM 27.3.1.2)");
}

static void check_cs(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_seg *cs = &in->seg[SEG_CS];
	u32 type = AR_TYPE(cs->ar), dpl = AR_DPL(cs->ar), ss_dpl = AR_DPL(in->seg[SEG_SS].ar);
	bool ug = chk_proc2(in) & PROC2_UNRESTRICTED;
	chk(c, type == 9 || type == 11 || type == 13 || type == 15 || (ug && type == 3),
	    "guest CS type not accessed code (SDM 27.3.1.2)");
	chk(c, cs->ar & AR_S, "guest CS.S (descriptor type) clear (SDM 27.3.1.2)");
	chk(c, type != 3 || dpl == 0, "guest CS.DPL not 0 with a data-type CS (SDM 27.3.1.2)");
	chk(c, !(type == 9 || type == 11) || dpl == ss_dpl,
	    "guest CS.DPL differs from SS.DPL for non-conforming code (SDM 27.3.1.2)");
	chk(c, !(type == 13 || type == 15) || dpl <= ss_dpl,
	    "guest CS.DPL above SS.DPL for conforming code (SDM 27.3.1.2)");
	chk(c, cs->ar & AR_P, "guest CS not present (SDM 27.3.1.2)");
	chk(c, !(cs->ar & AR_RESERVED), "guest CS access-rights reserved bits set (SDM 27.3.1.2)");
	chk(c, !(ia32e(in) && (cs->ar & AR_L) && (cs->ar & AR_DB)),
	    "guest CS.L and CS.D both set in IA-32e mode (SDM 27.3.1.2)");
	chk(c, g_ok(cs), "guest CS.limit inconsistent with CS.G (SDM 27.3.1.2)");
}

static void check_ss(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_seg *ss = &in->seg[SEG_SS];
	bool ug = chk_proc2(in) & PROC2_UNRESTRICTED;
	bool real = !(in->cr0 & CHK_CR0_PE) || AR_TYPE(in->seg[SEG_CS].ar) == 3;
	chk(c, ug || AR_DPL(ss->ar) == (ss->sel & 3u),
	    "guest SS.DPL differs from SS selector RPL (SDM 27.3.1.2)");
	chk(c, !real || AR_DPL(ss->ar) == 0,
	    "guest SS.DPL not 0 in real mode or with a data-type CS (SDM 27.3.1.2)");
	if (!usable(ss))
		return;
	chk(c, AR_TYPE(ss->ar) == 3 || AR_TYPE(ss->ar) == 7,
	    "guest SS type not read/write accessed data (SDM 27.3.1.2)");
	chk(c, (ss->ar & AR_S) && (ss->ar & AR_P), "guest SS.S or SS.P clear (SDM 27.3.1.2)");
	chk(c, !(ss->ar & AR_RESERVED), "guest SS access-rights reserved bits set (SDM 27.3.1.2)");
	chk(c, g_ok(ss), "guest SS.limit inconsistent with SS.G (SDM 27.3.1.2)");
}

/* DS, ES, FS, GS when usable (SDM Vol. 3C 27.3.1.2). */
static void check_data_segs(struct chk *c, const struct vmx_check_input *in)
{
	static const enum vmx_seg segs[4] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	static const char *const type_name[4] = {
		"guest DS type not accessed, or unreadable code (SDM 27.3.1.2)",
		"guest ES type not accessed, or unreadable code (SDM 27.3.1.2)",
		"guest FS type not accessed, or unreadable code (SDM 27.3.1.2)",
		"guest GS type not accessed, or unreadable code (SDM 27.3.1.2)",
	};
	bool ug = chk_proc2(in) & PROC2_UNRESTRICTED;
	for (int i = 0; i < 4; i++) {
		const struct vmx_check_seg *s = &in->seg[segs[i]];
		u32 type = AR_TYPE(s->ar);
		if (!usable(s))
			continue;
		chk(c, (type & 1) && (!(type & 8) || (type & 2)), type_name[i]);
		chk(c, (s->ar & AR_S) && (s->ar & AR_P),
		    "guest DS/ES/FS/GS.S or .P clear (SDM 27.3.1.2)");
		chk(c, ug || type > 11 || AR_DPL(s->ar) >= (s->sel & 3u),
		    "guest DS/ES/FS/GS.DPL below its selector RPL (SDM 27.3.1.2)");
		chk(c, !(s->ar & AR_RESERVED),
		    "guest DS/ES/FS/GS access-rights reserved bits set (SDM 27.3.1.2)");
		chk(c, g_ok(s), "guest DS/ES/FS/GS.limit inconsistent with .G (SDM 27.3.1.2)");
	}
}

/* TR (always usable) and LDTR (when usable), SDM Vol. 3C 27.3.1.2. */
static void check_tr_ldtr(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_seg *tr = &in->seg[SEG_TR], *ldtr = &in->seg[SEG_LDTR];
	u32 type = AR_TYPE(tr->ar);
	chk(c, type == 11 || (type == 3 && !ia32e(in)),
	    "guest TR type not a busy TSS (11; or 3 outside IA-32e mode) (SDM 27.3.1.2)");
	chk(c, !(tr->ar & AR_S) && (tr->ar & AR_P), "guest TR.S set or TR.P clear (SDM 27.3.1.2)");
	chk(c, !(tr->ar & AR_RESERVED), "guest TR access-rights reserved bits set (SDM 27.3.1.2)");
	chk(c, g_ok(tr), "guest TR.limit inconsistent with TR.G (SDM 27.3.1.2)");
	chk(c, usable(tr), "guest TR marked unusable (SDM 27.3.1.2)");
	if (!usable(ldtr))
		return;
	chk(c, AR_TYPE(ldtr->ar) == 2 && !(ldtr->ar & AR_S) && (ldtr->ar & AR_P),
	    "guest LDTR not a present LDT descriptor (type 2, S 0) (SDM 27.3.1.2)");
	chk(c, !(ldtr->ar & AR_RESERVED), "guest LDTR access-rights reserved bits set (SDM 27.3.1.2)");
	chk(c, g_ok(ldtr), "guest LDTR.limit inconsistent with LDTR.G (SDM 27.3.1.2)");
}

/* GDTR/IDTR (27.3.1.3), RIP and RFLAGS (27.3.1.4). */
static void check_dt_rip_rflags(struct chk *c, const struct vmx_check_input *in)
{
	u8 vb = in->cap.virt_bits;
	u32 ev = in->entry_intr_info;
	bool ext_intr = (ev & INTR_INFO_VALID) && !(ev & INTR_INFO_TYPE_MASK);
	chk(c, chk_canonical(in->gdtr_base, vb) && chk_canonical(in->idtr_base, vb),
	    "guest GDTR/IDTR base not canonical (SDM 27.3.1.3)");
	chk(c, !(in->gdtr_limit >> 16) && !(in->idtr_limit >> 16),
	    "guest GDTR/IDTR limit bits 31:16 not zero (SDM 27.3.1.3)");
	if (ia32e(in) && (in->seg[SEG_CS].ar & AR_L))
		chk(c, chk_canonical(in->rip, vb), "guest RIP not canonical in 64-bit mode (SDM 27.3.1.4)");
	else
		chk(c, !(in->rip >> 32), "guest RIP bits 63:32 not zero outside 64-bit mode "
		    "(SDM 27.3.1.4)");
	chk(c, !(in->rflags & RFLAGS_RESERVED) && (in->rflags & BIT(1)),
	    "guest RFLAGS reserved bits wrong (bit 1 must be 1) (SDM 27.3.1.4)");
	chk(c, !(in->rflags & RFLAGS_VM) || (!ia32e(in) && (in->cr0 & CHK_CR0_PE)),
	    "guest RFLAGS.VM set in IA-32e mode or with CR0.PE clear (SDM 27.3.1.4)");
	chk(c, !ext_intr || (in->rflags & RFLAGS_IF),
	    "guest RFLAGS.IF clear while injecting an external interrupt (SDM 27.3.1.4)");
}

/* Which injected events an activity state accepts (SDM Vol. 3C 27.3.1.5). */
static bool event_ok_in_state(u32 act, u8 type, u8 vec)
{
	switch (act) {
	case ACT_ACTIVE: return true;
	case ACT_HLT:
		return type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI ||
		       type == INTR_TYPE_OTHER ||
		       (type == INTR_TYPE_HW_EXC && (vec == 1 || vec == 18));
	case ACT_SHUTDOWN:
		return type == INTR_TYPE_NMI || (type == INTR_TYPE_HW_EXC && vec == 18);
	default: return false;
	}
}

static void check_activity(struct chk *c, const struct vmx_check_input *in)
{
	u32 act = in->activity, ev = in->entry_intr_info;
	u8 type = (ev & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	chk(c, act == ACT_ACTIVE || (act <= ACT_SIPI && (in->cap.misc & BIT(5 + act))),
	    "guest activity state not active nor offered by IA32_VMX_MISC[8:6] (SDM 27.3.1.5)");
	chk(c, act != ACT_HLT || AR_DPL(in->seg[SEG_SS].ar) == 0,
	    "guest activity state HLT with SS.DPL not 0 (SDM 27.3.1.5)");
	chk(c, act == ACT_ACTIVE ||
	    !(in->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)),
	    "guest not active while blocked by STI or MOV SS (SDM 27.3.1.5)");
	chk(c, !(ev & INTR_INFO_VALID) || event_ok_in_state(act, type, ev & 0xff),
	    "guest activity state cannot take the injected event (SDM 27.3.1.5)");
}

static void check_interruptibility(struct chk *c, const struct vmx_check_input *in)
{
	u32 is = in->interruptibility, ev = in->entry_intr_info;
	bool valid = ev & INTR_INFO_VALID;
	u8 type = (ev & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	u32 sti_ss = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS;
	chk(c, !(is & ~0x1fu), "guest interruptibility-state bits 31:5 set (SDM 27.3.1.5)");
	chk(c, (is & sti_ss) != sti_ss, "guest blocked by both STI and MOV SS (SDM 27.3.1.5)");
	chk(c, !(is & INTERRUPTIBILITY_STI) || (in->rflags & RFLAGS_IF),
	    "guest blocking by STI with RFLAGS.IF clear (SDM 27.3.1.5)");
	chk(c, !(valid && type == INTR_TYPE_EXT_INTR && (is & sti_ss)),
	    "guest blocked by STI/MOV SS while injecting an external interrupt (SDM 27.3.1.5)");
	chk(c, !(valid && type == INTR_TYPE_NMI && (is & INTERRUPTIBILITY_MOV_SS)),
	    "guest blocked by MOV SS while injecting an NMI (SDM 27.3.1.5)");
	chk(c, !(is & INTERRUPTIBILITY_SMI), "guest blocking by SMI outside SMM (SDM 27.3.1.5)");
	chk(c, !(valid && type == INTR_TYPE_NMI && (in->pin & PIN_VIRTUAL_NMIS) &&
		 (is & INTERRUPTIBILITY_NMI)),
	    "guest virtual-NMI blocking while injecting an NMI (SDM 27.3.1.5)");
}

/* Pending debug exceptions and the VMCS link pointer (SDM 27.3.1.5). BS
 * must equal "single-stepping" (TF set, BTF clear) while blocked by STI or
 * MOV SS or in HLT. */
static void check_pending_dbg_link(struct chk *c, const struct vmx_check_input *in)
{
	u64 pd = in->pending_dbg;
	bool step = (in->rflags & RFLAGS_TF) && !(in->debugctl & BIT(1));
	bool blocked = (in->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
		       in->activity == ACT_HLT;
	chk(c, !(pd & PENDING_DBG_RESERVED),
	    "guest pending debug exceptions reserved bits set (SDM 27.3.1.5)");
	chk(c, !blocked || !!(pd & BIT(14)) == step,
	    "guest pending debug BS differs from RFLAGS.TF while blocked (SDM 27.3.1.5)");
	if (in->link == ~0ull)
		return;
	chk(c, !(in->link & 0xfff) && chk_phys_ok(in->link, in->cap.phys_bits),
	    "guest VMCS link pointer misaligned or beyond MAXPHYADDR (SDM 27.3.1.5)");
	chk(c, false, "guest VMCS link pointer not FFFFFFFF_FFFFFFFFH (no shadow VMCS) "
	    "(SDM 27.3.1.5)");
}

/* PAE paging with EPT loads the PDPTEs from the VMCS: reserved bits 2:1,
 * 8:5 and beyond MAXPHYADDR must be 0 in present ones (SDM 27.3.1.6). */
static void check_pdptes(struct chk *c, const struct vmx_check_input *in)
{
	bool ok = true;
	if (!(in->cr0 & CHK_CR0_PG) || !(in->cr4 & CHK_CR4_PAE) || ia32e(in) ||
	    !(chk_proc2(in) & PROC2_EPT))
		return;
	for (int i = 0; i < 4; i++) {
		u64 e = in->pdpte[i];
		if ((e & 1) && ((e & 0x1e6) || !chk_phys_ok(e, in->cap.phys_bits)))
			ok = false;
	}
	chk(c, ok, "guest PDPTE reserved bits set (SDM 27.3.1.6)");
}

void chk_guest(struct chk *c, const struct vmx_check_input *in)
{
	check_cr(c, in);
	check_dr_msrs(c, in);
	check_sel_base(c, in);
	if (in->rflags & RFLAGS_VM) {
		check_segs_v86(c, in);
	} else {
		check_cs(c, in);
		check_ss(c, in);
		check_data_segs(c, in);
	}
	check_tr_ldtr(c, in);
	check_dt_rip_rflags(c, in);
	check_activity(c, in);
	check_interruptibility(c, in);
	check_pending_dbg_link(c, in);
	check_pdptes(c, in);
}
