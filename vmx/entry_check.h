/* Software re-run of the VM-entry checks (SDM Vol. 3C 27.2 controls and host
 * state, 27.3.1 guest state) over a snapshot of a VMCS, so a failed entry can
 * name the rule it broke. Pure: no VMREAD, no MSR access (the caller fills
 * the snapshot), so the host unit tests run it on hand-made images. */
#ifndef VMX_ENTRY_CHECK_H
#define VMX_ENTRY_CHECK_H

#include "core/types.h"

/* One guest segment register (SDM Vol. 3C 25.4.1). */
struct vmx_check_seg {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar;                   /* access rights, bit 16 = unusable */
};

/* The capability MSRs the checks compare against (SDM Vol. 3D A.3-A.10):
 * control MSRs as read (allowed-0 in bits 31:0, allowed-1 in 63:32), the
 * TRUE_* variants where IA32_VMX_BASIC[55] offers them. */
struct vmx_check_caps {
	u64 basic, pin, proc, proc2, exit, entry, misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid_cap;
	u8 phys_bits;             /* CPUID 0x80000008 EAX[7:0] (MAXPHYADDR) */
	u8 virt_bits;             /* linear-address width, EAX[15:8] */
	bool cpu_lma;             /* IA32_EFER.LMA of the CPU doing the entry */
};

/* Everything of a VMCS the checks read: controls, host state, guest state.
 * Indices of seg[] follow enum vmx_seg (ES CS SS DS FS GS LDTR TR). */
struct vmx_check_input {
	struct vmx_check_caps cap;
	/* VM-execution, exit and entry control fields (25.6-25.8) */
	u32 pin, proc, proc2, exit, entry;
	u32 cr3_target_count;
	u64 io_bitmap_a, io_bitmap_b, msr_bitmap;
	u64 eptp;
	u16 vpid;
	u32 exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
	u64 exit_msr_store_addr, exit_msr_load_addr, entry_msr_load_addr;
	u32 entry_intr_info, entry_exc_error, entry_insn_len;
	/* host-state area (25.5) */
	u64 host_cr0, host_cr3, host_cr4;
	u16 host_es, host_cs, host_ss, host_ds, host_fs, host_gs, host_tr;
	u64 host_fs_base, host_gs_base, host_tr_base, host_gdtr_base, host_idtr_base;
	u64 host_sysenter_esp, host_sysenter_eip, host_rip, host_efer, host_pat;
	/* guest-state area (25.4) */
	u64 cr0, cr3, cr4, dr7, debugctl, efer, pat;
	u64 sysenter_esp, sysenter_eip;
	struct vmx_check_seg seg[8];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u64 rip, rflags;
	u32 activity, interruptibility;
	u64 pending_dbg, link;
	u64 pdpte[4];
};

/* Run the checks in the order of SDM Vol. 3C 27.2 and 27.3.1. Store the
 * names of the first `max` failing checks in fails[] (static strings of the
 * form "guest CS.base bits 63:32 not zero (SDM 27.3.1.2)") and return how
 * many failed in all; 0 means the snapshot passes every check modelled. */
int vmx_check_run(const struct vmx_check_input *in, const char **fails, int max);

/* The first failing check of `in`, or NULL when all pass. */
const char *vmx_check_first(const struct vmx_check_input *in);

#endif
