/* Printing a vCPU's VMCS for kills and failed VM entries: every guest-state
 * field the entry checks look at (SDM Vol. 3C 27.3.1) and the control words,
 * plus the meaning of VM-instruction error numbers (31.4). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/log.h"

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(u32 n)
{
	if (n < ARRAY_SIZE(insn_errors) && insn_errors[n])
		return insn_errors[n];
	return "unknown VM-instruction error";
}

static void dump_seg(const char *name, enum vmx_seg s)
{
	kprintf("  %-4s sel %04lx ar %05lx limit %08lx base %016lx\n", name,
		vmcs_read(VMCS_SEG_SEL(s)), vmcs_read(VMCS_SEG_AR(s)),
		vmcs_read(VMCS_SEG_LIMIT(s)), vmcs_read(VMCS_SEG_BASE(s)));
}

static void dump_segs(void)
{
	static const char *const names[SEG_NR] = {
		"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"
	};
	for (int s = 0; s < SEG_NR; s++)
		dump_seg(names[s], (enum vmx_seg)s);
	kprintf("  gdtr base %016lx limit %04lx  idtr base %016lx limit %04lx\n",
		vmcs_read(VMCS_GUEST_GDTR_BASE), vmcs_read(VMCS_GUEST_GDTR_LIMIT),
		vmcs_read(VMCS_GUEST_IDTR_BASE), vmcs_read(VMCS_GUEST_IDTR_LIMIT));
}

static void dump_regs(struct vcpu *v)
{
	const struct guest_gprs *g = &v->gprs;
	kprintf("  rip %016lx rsp %016lx rflags %016lx\n", vmcs_read(VMCS_GUEST_RIP),
		vmcs_read(VMCS_GUEST_RSP), vmcs_read(VMCS_GUEST_RFLAGS));
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", g->rax, g->rbx, g->rcx,
		g->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx\n", g->rsi, g->rdi, g->rbp);
	kprintf("  cr0 %016lx (shadow %lx mask %lx) cr3 %016lx\n", vmcs_read(VMCS_GUEST_CR0),
		vmcs_read(VMCS_CR0_SHADOW), vmcs_read(VMCS_CR0_MASK), vmcs_read(VMCS_GUEST_CR3));
	kprintf("  cr4 %016lx (shadow %lx mask %lx) cr2 %016lx\n", vmcs_read(VMCS_GUEST_CR4),
		vmcs_read(VMCS_CR4_SHADOW), vmcs_read(VMCS_CR4_MASK), vmx_vcpu(v)->cr2);
	kprintf("  efer %016lx pat %016lx dr7 %016lx debugctl %lx\n",
		vmcs_read(VMCS_GUEST_EFER), vmcs_read(VMCS_GUEST_PAT),
		vmcs_read(VMCS_GUEST_DR7), vmcs_read(VMCS_GUEST_DEBUGCTL));
	kprintf("  dr0 %lx dr1 %lx dr2 %lx dr3 %lx  lstar %lx kernel-gs %lx\n",
		vmx_dr_get(v, 0), vmx_dr_get(v, 1), vmx_dr_get(v, 2), vmx_dr_get(v, 3),
		vmx_msr_get(v, GMSR_LSTAR), vmx_msr_get(v, GMSR_KERNEL_GS_BASE));
}

static void dump_state_and_controls(void)
{
	kprintf("  activity %lx interruptibility %lx pending-dbg %lx link %016lx\n",
		vmcs_read(VMCS_GUEST_ACTIVITY), vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
		vmcs_read(VMCS_GUEST_PENDING_DBG), vmcs_read(VMCS_LINK_POINTER));
	kprintf("  pin %08lx proc %08lx proc2 %08lx exit %08lx entry %08lx\n",
		vmcs_read(VMCS_PIN_CTLS), vmcs_read(VMCS_PROC_CTLS), vmcs_read(VMCS_PROC_CTLS2),
		vmcs_read(VMCS_EXIT_CTLS), vmcs_read(VMCS_ENTRY_CTLS));
	kprintf("  entry-intr %08lx err %lx len %lx  eptp %016lx\n",
		vmcs_read(VMCS_ENTRY_INTR_INFO), vmcs_read(VMCS_ENTRY_EXC_ERROR),
		vmcs_read(VMCS_ENTRY_INSN_LEN), vmcs_read(VMCS_EPT_POINTER));
	kprintf("  exit reason %lx qualification %lx idt-vectoring %08lx err %lx\n",
		vmcs_read(VMCS_EXIT_REASON), vmcs_read(VMCS_EXIT_QUALIFICATION),
		vmcs_read(VMCS_IDT_VECTORING_INFO), vmcs_read(VMCS_IDT_VECTORING_ERROR));
}

/* vmx_ops.dump: the guest state of v's VMCS. */
void vmx_dump(struct vcpu *v)
{
	vmx_vmcs_load(v);
	kprintf("guest %s VMCS state:\n", v->vm->name);
	dump_regs(v);
	dump_segs();
	dump_state_and_controls();
}
