/* The VM-entry checks of SDM Vol. 3C 27.2 (VMX controls, host state, address-
 * space size) re-run in software over a VMCS snapshot, in the manual's order,
 * each failure named by the rule and its section. The guest-state checks of
 * 27.3.1 are in entry_check_guest.c. Pure: host-testable. */
#include "vmx/entry_check.h"
#include "vmx/entry_check_int.h"
#include "vmx/vmcs.h"

void chk(struct chk *c, bool ok, const char *name)
{
	if (ok)
		return;
	if (c->n < c->max)
		c->out[c->n] = name;
	c->n++;
}

bool chk_canonical(u64 a, u8 bits)
{
	int s = 64 - (bits ? bits : 48);
	return (u64)((s64)(a << s) >> s) == a;
}

bool chk_phys_ok(u64 a, u8 bits)
{
	return bits >= 64 || (a >> bits) == 0;
}

/* Every PAT entry one of UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (SDM Vol. 3A
 * 13.12.2). */
bool chk_pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* A control word against its capability MSR (SDM Vol. 3D A.3): allowed-0
 * settings (bits 31:0 set) must be 1, bits clear in allowed-1 (63:32) 0. */
static bool ctl_ok(u32 val, u64 cap)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);
	return (val & must1) == must1 && (val & ~may1) == 0;
}

/* A 4-KiB-aligned structure address within MAXPHYADDR. */
static bool page_addr_ok(u64 a, u8 bits)
{
	return (a & 0xfff) == 0 && chk_phys_ok(a, bits);
}

/* An MSR area of `count` 16-byte entries (SDM Vol. 3C 27.2.1.2/27.2.1.3). */
static bool msr_area_ok(u64 a, u32 count, u8 bits)
{
	return count == 0 || ((a & 0xf) == 0 && chk_phys_ok(a + (u64)count * 16 - 1, bits));
}

/* EPT pointer (SDM Vol. 3C 27.2.1.1, 25.6.11; caps from Vol. 3D A.10). */
static void check_eptp(struct chk *c, const struct vmx_check_input *in)
{
	u64 e = in->eptp, cap = in->cap.ept_vpid_cap;
	u8 type = e & 7, walk = (e >> 3) & 7;
	chk(c, (type == 0 && (cap & BIT(8))) || (type == 6 && (cap & BIT(14))),
	    "EPTP memory type not offered by IA32_VMX_EPT_VPID_CAP (SDM 27.2.1.1)");
	chk(c, walk == 3 || (walk == 4 && (cap & BIT(7))),
	    "EPTP page-walk length not 4 (SDM 27.2.1.1)");
	chk(c, !(e & BIT(6)) || (cap & BIT(21)),
	    "EPTP accessed/dirty bit 6 set but EPT A/D not offered (SDM 27.2.1.1)");
	chk(c, !(e & 0xf80) && chk_phys_ok(e, in->cap.phys_bits),
	    "EPTP reserved bits 11:7 or beyond MAXPHYADDR set (SDM 27.2.1.1)");
}

/* VM-execution control fields (SDM Vol. 3C 27.2.1.1). */
static void check_exec_ctls(struct chk *c, const struct vmx_check_input *in)
{
	u32 proc2 = chk_proc2(in);
	u8 pb = in->cap.phys_bits;
	chk(c, ctl_ok(in->pin, in->cap.pin),
	    "pin-based controls break IA32_VMX_(TRUE_)PINBASED_CTLS (SDM 27.2.1.1)");
	chk(c, ctl_ok(in->proc, in->cap.proc),
	    "processor-based controls break IA32_VMX_(TRUE_)PROCBASED_CTLS (SDM 27.2.1.1)");
	if (in->proc & PROC_SECONDARY)
		chk(c, ctl_ok(in->proc2, in->cap.proc2),
		    "secondary controls break IA32_VMX_PROCBASED_CTLS2 (SDM 27.2.1.1)");
	chk(c, in->cr3_target_count <= ((in->cap.misc >> 16) & 0x1ff),
	    "CR3-target count above IA32_VMX_MISC[24:16] (SDM 27.2.1.1)");
	if (in->proc & PROC_USE_IO_BITMAPS)
		chk(c, page_addr_ok(in->io_bitmap_a, pb) && page_addr_ok(in->io_bitmap_b, pb),
		    "I/O bitmap address not 4-KiB aligned or beyond MAXPHYADDR (SDM 27.2.1.1)");
	if (in->proc & PROC_USE_MSR_BITMAP)
		chk(c, page_addr_ok(in->msr_bitmap, pb),
		    "MSR bitmap address not 4-KiB aligned or beyond MAXPHYADDR (SDM 27.2.1.1)");
	if (!(in->proc & PROC_TPR_SHADOW))
		chk(c, !(proc2 & (PROC2_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR)),
		    "x2APIC/APIC-register virtualization without use TPR shadow (SDM 27.2.1.1)");
	chk(c, (in->pin & PIN_NMI_EXIT) || !(in->pin & PIN_VIRTUAL_NMIS),
	    "virtual NMIs without NMI exiting (SDM 27.2.1.1)");
	chk(c, (in->pin & PIN_VIRTUAL_NMIS) || !(in->proc & PROC_NMI_WINDOW),
	    "NMI-window exiting without virtual NMIs (SDM 27.2.1.1)");
	chk(c, !((proc2 & PROC2_X2APIC) && (proc2 & PROC2_APIC_ACCESS)),
	    "virtualize x2APIC mode with virtualize APIC accesses (SDM 27.2.1.1)");
	if (proc2 & PROC2_VPID)
		chk(c, in->vpid != 0, "VPID is 0000H with enable VPID (SDM 27.2.1.1)");
	if (proc2 & PROC2_EPT)
		check_eptp(c, in);
	if (proc2 & PROC2_UNRESTRICTED)
		chk(c, proc2 & PROC2_EPT, "unrestricted guest without enable EPT (SDM 27.2.1.1)");
}

/* VM-exit control fields (SDM Vol. 3C 27.2.1.2). */
static void check_exit_ctls(struct chk *c, const struct vmx_check_input *in)
{
	chk(c, ctl_ok(in->exit, in->cap.exit),
	    "VM-exit controls break IA32_VMX_(TRUE_)EXIT_CTLS (SDM 27.2.1.2)");
	chk(c, (in->pin & PIN_PREEMPT_TIMER) || !(in->exit & EXIT_SAVE_PREEMPT),
	    "save preemption timer without activate preemption timer (SDM 27.2.1.2)");
	chk(c, msr_area_ok(in->exit_msr_store_addr, in->exit_msr_store_count, in->cap.phys_bits),
	    "VM-exit MSR-store area misaligned or beyond MAXPHYADDR (SDM 27.2.1.2)");
	chk(c, msr_area_ok(in->exit_msr_load_addr, in->exit_msr_load_count, in->cap.phys_bits),
	    "VM-exit MSR-load area misaligned or beyond MAXPHYADDR (SDM 27.2.1.2)");
}

/* Exceptions that push an error code (SDM Vol. 3A 6.13). */
static bool vector_has_error(u8 v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* The deliver-error-code bit of an injected event (SDM Vol. 3C 27.2.1.3):
 * 1 exactly for hardware exceptions with an error code in protected mode
 * (any hardware exception there when IA32_VMX_BASIC[56] relaxes it). */
static void check_entry_error_code(struct chk *c, const struct vmx_check_input *in,
				   u8 type, u8 vec)
{
	bool pe = in->cr0 & CHK_CR0_PE, relaxed = in->cap.basic & BIT(56);
	bool may = type == INTR_TYPE_HW_EXC && pe && (relaxed || vector_has_error(vec));
	bool must = type == INTR_TYPE_HW_EXC && pe && !relaxed && vector_has_error(vec);
	if (in->entry_intr_info & INTR_INFO_HAS_ERROR) {
		chk(c, may, "VM-entry deliver-error-code set for an event without one (SDM 27.2.1.3)");
		chk(c, !(in->entry_exc_error & 0xffff0000u),
		    "VM-entry exception error code bits 31:16 set (SDM 27.2.1.3)");
	} else {
		chk(c, !must, "VM-entry deliver-error-code clear for #DF/#TS/#NP/#SS/#GP/#PF/#AC "
		    "(SDM 27.2.1.3)");
	}
}

/* VM-entry interruption-information field (SDM Vol. 3C 27.2.1.3). */
static void check_entry_event(struct chk *c, const struct vmx_check_input *in)
{
	u32 info = in->entry_intr_info;
	u8 type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT, vec = info & 0xff;
	bool mtf = (in->cap.proc >> 32) & PROC_MTF;
	if (!(info & INTR_INFO_VALID))
		return;
	chk(c, type != 1 && (type != INTR_TYPE_OTHER || mtf),
	    "VM-entry interruption type reserved (SDM 27.2.1.3)");
	chk(c, type != INTR_TYPE_NMI || vec == 2, "VM-entry NMI with vector not 2 (SDM 27.2.1.3)");
	chk(c, type != INTR_TYPE_HW_EXC || vec <= 31,
	    "VM-entry hardware exception with vector above 31 (SDM 27.2.1.3)");
	chk(c, type != INTR_TYPE_OTHER || vec == 0,
	    "VM-entry other event with vector not 0 (SDM 27.2.1.3)");
	check_entry_error_code(c, in, type, vec);
	chk(c, !(info & 0x7ffff000u),
	    "VM-entry interruption-information bits 30:12 set (SDM 27.2.1.3)");
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		chk(c, in->entry_insn_len <= 15 &&
		    (in->entry_insn_len > 0 || (in->cap.misc & BIT(30))),
		    "VM-entry instruction length not 1-15 for a software event (SDM 27.2.1.3)");
}

/* VM-entry control fields (SDM Vol. 3C 27.2.1.3). */
static void check_entry_ctls(struct chk *c, const struct vmx_check_input *in)
{
	chk(c, ctl_ok(in->entry, in->cap.entry),
	    "VM-entry controls break IA32_VMX_(TRUE_)ENTRY_CTLS (SDM 27.2.1.3)");
	check_entry_event(c, in);
	chk(c, msr_area_ok(in->entry_msr_load_addr, in->entry_msr_load_count, in->cap.phys_bits),
	    "VM-entry MSR-load area misaligned or beyond MAXPHYADDR (SDM 27.2.1.3)");
	chk(c, !(in->entry & (ENTRY_SMM | ENTRY_DUAL_MONITOR)),
	    "entry to SMM or deactivate dual-monitor set outside SMM (SDM 27.2.1.3)");
}

/* Host control registers and MSRs (SDM Vol. 3C 27.2.2). */
static void check_host_regs(struct chk *c, const struct vmx_check_input *in)
{
	const struct vmx_check_caps *k = &in->cap;
	bool host64 = in->exit & EXIT_HOST_64BIT;
	chk(c, (in->host_cr0 & k->cr0_fixed0) == k->cr0_fixed0 && !(in->host_cr0 & ~k->cr0_fixed1),
	    "host CR0 breaks IA32_VMX_CR0_FIXED0/1 (SDM 27.2.2)");
	chk(c, (in->host_cr4 & k->cr4_fixed0) == k->cr4_fixed0 && !(in->host_cr4 & ~k->cr4_fixed1),
	    "host CR4 breaks IA32_VMX_CR4_FIXED0/1 (SDM 27.2.2)");
	chk(c, chk_phys_ok(in->host_cr3, k->phys_bits), "host CR3 bits beyond MAXPHYADDR (SDM 27.2.2)");
	chk(c, chk_canonical(in->host_sysenter_esp, k->virt_bits) &&
	    chk_canonical(in->host_sysenter_eip, k->virt_bits),
	    "host IA32_SYSENTER_ESP/EIP not canonical (SDM 27.2.2)");
	if (in->exit & EXIT_LOAD_PAT)
		chk(c, chk_pat_ok(in->host_pat), "host IA32_PAT has an invalid memory type (SDM 27.2.2)");
	if (!(in->exit & EXIT_LOAD_EFER))
		return;
	chk(c, !(in->host_efer & ~CHK_EFER_VALID), "host IA32_EFER reserved bits set (SDM 27.2.2)");
	chk(c, !!(in->host_efer & CHK_EFER_LMA) == host64 && !!(in->host_efer & CHK_EFER_LME) == host64,
	    "host IA32_EFER.LMA/LME differ from host address-space size (SDM 27.2.2)");
}

/* Host selectors and bases (SDM Vol. 3C 27.2.3). */
static void check_host_segs(struct chk *c, const struct vmx_check_input *in)
{
	u16 all = in->host_es | in->host_cs | in->host_ss | in->host_ds | in->host_fs |
		  in->host_gs | in->host_tr;
	u8 vb = in->cap.virt_bits;
	chk(c, !(all & 7), "host segment selector with RPL or TI set (SDM 27.2.3)");
	chk(c, in->host_cs != 0, "host CS selector is 0000H (SDM 27.2.3)");
	chk(c, in->host_tr != 0, "host TR selector is 0000H (SDM 27.2.3)");
	chk(c, in->host_ss != 0 || (in->exit & EXIT_HOST_64BIT),
	    "host SS selector 0000H without host address-space size (SDM 27.2.3)");
	chk(c, chk_canonical(in->host_fs_base, vb) && chk_canonical(in->host_gs_base, vb),
	    "host FS/GS base not canonical (SDM 27.2.3)");
	chk(c, chk_canonical(in->host_gdtr_base, vb) && chk_canonical(in->host_idtr_base, vb),
	    "host GDTR/IDTR base not canonical (SDM 27.2.3)");
	chk(c, chk_canonical(in->host_tr_base, vb), "host TR base not canonical (SDM 27.2.3)");
}

/* Address-space size (SDM Vol. 3C 27.2.4). */
static void check_host_mode(struct chk *c, const struct vmx_check_input *in)
{
	bool host64 = in->exit & EXIT_HOST_64BIT;
	if (in->cap.cpu_lma)
		chk(c, host64, "host address-space size 0 on a CPU in IA-32e mode (SDM 27.2.4)");
	else
		chk(c, !host64 && !(in->entry & ENTRY_IA32E_GUEST),
		    "host address-space size or IA-32e mode guest outside IA-32e mode (SDM 27.2.4)");
	if (!host64) {
		chk(c, !(in->entry & ENTRY_IA32E_GUEST),
		    "IA-32e mode guest without host address-space size (SDM 27.2.4)");
		chk(c, !(in->host_cr4 & CHK_CR4_PCIDE) && !(in->host_rip >> 32),
		    "host CR4.PCIDE or RIP 63:32 set in a 32-bit host (SDM 27.2.4)");
	} else {
		chk(c, in->host_cr4 & CHK_CR4_PAE,
		    "host CR4.PAE clear with host address-space size (SDM 27.2.4)");
		chk(c, chk_canonical(in->host_rip, in->cap.virt_bits),
		    "host RIP not canonical (SDM 27.2.4)");
	}
}

int vmx_check_run(const struct vmx_check_input *in, const char **fails, int max)
{
	struct chk c = { .out = fails, .max = max, .n = 0 };
	check_exec_ctls(&c, in);
	check_exit_ctls(&c, in);
	check_entry_ctls(&c, in);
	check_host_regs(&c, in);
	check_host_segs(&c, in);
	check_host_mode(&c, in);
	chk_guest(&c, in);
	return c.n;
}

const char *vmx_check_first(const struct vmx_check_input *in)
{
	const char *first = NULL;
	return vmx_check_run(in, &first, 1) ? first : NULL;
}
