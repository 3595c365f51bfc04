/* Explaining a failed VM entry: snapshot the current VMCS and the VMX
 * capability MSRs into a struct vmx_check_input, run the software entry
 * checks (entry_check.c) and print every rule that fails, first one first.
 * The CPU itself only says "invalid guest state" (SDM Vol. 3C 27.8). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/entry_check.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/log.h"
#include "core/string.h"

#define REPORT_MAX 8

/* VMREAD that gives 0 for a field this CPU does not have (a diagnosis
 * must not panic where vmcs_read would). */
static u64 snap_read(u32 field)
{
	u64 val = 0;
	u8 fail;
	__asm__ volatile("vmread %2, %1; setna %0" : "=q"(fail), "=r"(val)
			 : "r"((u64)field) : "cc");
	return fail ? 0 : val;
}

static u64 snap_msr(u32 msr)
{
	u64 val = 0;
	return rdmsr_safe(msr, &val) < 0 ? 0 : val;
}

/* The capability MSRs the checks compare against (SDM Vol. 3D A.1-A.10). */
static void snap_caps(struct vmx_check_caps *k)
{
	k->basic = snap_msr(MSR_IA32_VMX_BASIC);
	bool t = k->basic & BIT(55);
	k->pin = snap_msr(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	k->proc = snap_msr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	k->proc2 = snap_msr(MSR_IA32_VMX_PROCBASED_CTLS2);
	k->exit = snap_msr(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	k->entry = snap_msr(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	k->misc = snap_msr(MSR_IA32_VMX_MISC);
	k->cr0_fixed0 = snap_msr(MSR_IA32_VMX_CR0_FIXED0);
	k->cr0_fixed1 = snap_msr(MSR_IA32_VMX_CR0_FIXED1);
	k->cr4_fixed0 = snap_msr(MSR_IA32_VMX_CR4_FIXED0);
	k->cr4_fixed1 = snap_msr(MSR_IA32_VMX_CR4_FIXED1);
	k->ept_vpid_cap = snap_msr(MSR_IA32_VMX_EPT_VPID_CAP);
	k->phys_bits = cpufeat()->phys_bits;
	k->virt_bits = cpufeat()->virt_bits;
	k->cpu_lma = rdmsr(MSR_EFER) & EFER_LMA;
}

static void snap_controls(struct vmx_check_input *in)
{
	in->pin = (u32)snap_read(VMCS_PIN_CTLS);
	in->proc = (u32)snap_read(VMCS_PROC_CTLS);
	in->proc2 = (u32)snap_read(VMCS_PROC_CTLS2);
	in->exit = (u32)snap_read(VMCS_EXIT_CTLS);
	in->entry = (u32)snap_read(VMCS_ENTRY_CTLS);
	in->cr3_target_count = (u32)snap_read(VMCS_CR3_TARGET_COUNT);
	in->io_bitmap_a = snap_read(VMCS_IO_BITMAP_A);
	in->io_bitmap_b = snap_read(VMCS_IO_BITMAP_B);
	in->msr_bitmap = snap_read(VMCS_MSR_BITMAP);
	in->eptp = snap_read(VMCS_EPT_POINTER);
	in->vpid = (u16)snap_read(VMCS_VPID);
	in->exit_msr_store_count = (u32)snap_read(VMCS_EXIT_MSR_STORE_COUNT);
	in->exit_msr_load_count = (u32)snap_read(VMCS_EXIT_MSR_LOAD_COUNT);
	in->entry_msr_load_count = (u32)snap_read(VMCS_ENTRY_MSR_LOAD_COUNT);
	in->exit_msr_store_addr = snap_read(VMCS_EXIT_MSR_STORE_ADDR);
	in->exit_msr_load_addr = snap_read(VMCS_EXIT_MSR_LOAD_ADDR);
	in->entry_msr_load_addr = snap_read(VMCS_ENTRY_MSR_LOAD_ADDR);
	in->entry_intr_info = (u32)snap_read(VMCS_ENTRY_INTR_INFO);
	in->entry_exc_error = (u32)snap_read(VMCS_ENTRY_EXC_ERROR);
	in->entry_insn_len = (u32)snap_read(VMCS_ENTRY_INSN_LEN);
}

static void snap_host(struct vmx_check_input *in)
{
	in->host_cr0 = snap_read(VMCS_HOST_CR0);
	in->host_cr3 = snap_read(VMCS_HOST_CR3);
	in->host_cr4 = snap_read(VMCS_HOST_CR4);
	in->host_es = (u16)snap_read(VMCS_HOST_ES_SEL);
	in->host_cs = (u16)snap_read(VMCS_HOST_CS_SEL);
	in->host_ss = (u16)snap_read(VMCS_HOST_SS_SEL);
	in->host_ds = (u16)snap_read(VMCS_HOST_DS_SEL);
	in->host_fs = (u16)snap_read(VMCS_HOST_FS_SEL);
	in->host_gs = (u16)snap_read(VMCS_HOST_GS_SEL);
	in->host_tr = (u16)snap_read(VMCS_HOST_TR_SEL);
	in->host_fs_base = snap_read(VMCS_HOST_FS_BASE);
	in->host_gs_base = snap_read(VMCS_HOST_GS_BASE);
	in->host_tr_base = snap_read(VMCS_HOST_TR_BASE);
	in->host_gdtr_base = snap_read(VMCS_HOST_GDTR_BASE);
	in->host_idtr_base = snap_read(VMCS_HOST_IDTR_BASE);
	in->host_sysenter_esp = snap_read(VMCS_HOST_SYSENTER_ESP);
	in->host_sysenter_eip = snap_read(VMCS_HOST_SYSENTER_EIP);
	in->host_rip = snap_read(VMCS_HOST_RIP);
	in->host_efer = snap_read(VMCS_HOST_EFER);
	in->host_pat = snap_read(VMCS_HOST_PAT);
}

static void snap_guest(struct vmx_check_input *in)
{
	in->cr0 = snap_read(VMCS_GUEST_CR0);
	in->cr3 = snap_read(VMCS_GUEST_CR3);
	in->cr4 = snap_read(VMCS_GUEST_CR4);
	in->dr7 = snap_read(VMCS_GUEST_DR7);
	in->debugctl = snap_read(VMCS_GUEST_DEBUGCTL);
	in->efer = snap_read(VMCS_GUEST_EFER);
	in->pat = snap_read(VMCS_GUEST_PAT);
	in->sysenter_esp = snap_read(VMCS_GUEST_SYSENTER_ESP);
	in->sysenter_eip = snap_read(VMCS_GUEST_SYSENTER_EIP);
	for (int s = 0; s < SEG_NR; s++) {
		in->seg[s].sel = (u16)snap_read(VMCS_SEG_SEL(s));
		in->seg[s].base = snap_read(VMCS_SEG_BASE(s));
		in->seg[s].limit = (u32)snap_read(VMCS_SEG_LIMIT(s));
		in->seg[s].ar = (u32)snap_read(VMCS_SEG_AR(s));
	}
	in->gdtr_base = snap_read(VMCS_GUEST_GDTR_BASE);
	in->idtr_base = snap_read(VMCS_GUEST_IDTR_BASE);
	in->gdtr_limit = (u32)snap_read(VMCS_GUEST_GDTR_LIMIT);
	in->idtr_limit = (u32)snap_read(VMCS_GUEST_IDTR_LIMIT);
	in->rip = snap_read(VMCS_GUEST_RIP);
	in->rflags = snap_read(VMCS_GUEST_RFLAGS);
	in->activity = (u32)snap_read(VMCS_GUEST_ACTIVITY);
	in->interruptibility = (u32)snap_read(VMCS_GUEST_INTERRUPTIBILITY);
	in->pending_dbg = snap_read(VMCS_GUEST_PENDING_DBG);
	in->link = snap_read(VMCS_LINK_POINTER);
	for (int i = 0; i < 4; i++)
		in->pdpte[i] = snap_read(VMCS_GUEST_PDPTE0 + 2 * i);
}

void vmx_check_snapshot(struct vcpu *v, struct vmx_check_input *in)
{
	vmx_vmcs_load(v);
	memset(in, 0, sizeof(*in));
	snap_caps(&in->cap);
	snap_controls(in);
	snap_host(in);
	snap_guest(in);
}

const char *vmx_entry_explain(struct vcpu *v)
{
	struct vmx_check_input in;
	const char *fails[REPORT_MAX];
	vmx_check_snapshot(v, &in);
	int n = vmx_check_run(&in, fails, REPORT_MAX);
	if (n == 0) {
		pr_warn("guest %s: the software VM-entry checks find no broken rule", v->vm->name);
		return NULL;
	}
	for (int i = 0; i < MIN(n, REPORT_MAX); i++)
		pr_warn("guest %s: VM-entry check %s: %s", v->vm->name,
			i == 0 ? "failed" : "also failed", fails[i]);
	if (n > REPORT_MAX)
		pr_warn("guest %s: and %d more failing VM-entry checks", v->vm->name,
			n - REPORT_MAX);
	return fails[0];
}
