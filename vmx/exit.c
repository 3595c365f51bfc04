/* One guest entry and its exit: VMLAUNCH/VMRESUME through entry.S, failed
 * entries, and the one exit table indexed by basic exit reason (SDM Vol. 3C
 * Appendix C) whose small handlers decode the exit and call the shared
 * emulation of core/emulate.h. Missing entries go to emu_unhandled_exit. */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/exit.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/emulate.h"
#include "core/fpu.h"
#include "core/log.h"
#include "core/sched.h"
#include "drivers/lapic.h"

#define GP_VECTOR 13

struct vmx_exit {
	vmx_exit_fn fn;
	enum vm_exit_kind kind;
	const char *name;
};

void vmx_skip_insn(struct vcpu *v)
{
	vmx_set_reg(v, VREG_RIP, vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSN_LEN));
}

enum exit_action vmx_inject_gp(struct vcpu *v)
{
	vmx_inject_exception(v, GP_VECTOR, true, 0);
	return EXIT_RESUME;
}

/* Exception or NMI (reason 0): the exception bitmap is empty, so only a
 * host NMI (NMI exiting) lands here; it has done its job by exiting. */
static enum exit_action exit_exc_nmi(struct vcpu *v, u32 reason)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
	if (((info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_NMI)
		return EXIT_RESUME;
	return emu_unhandled_exit(v, "VMX", reason, "exception");
}

/* External interrupt: it stays pending in the host (not acknowledged on
 * exit, SDM Vol. 3C 25.7.1) until the host opens an interrupt window; the
 * slice timer's tick then makes the guest yield (core/sched.h). */
static enum exit_action exit_ext_intr(struct vcpu *v, u32 reason)
{
	(void)v, (void)reason;
	sched_take_host_interrupts();
	return EXIT_RESUME;
}

/* VMX-preemption timer (SDM Vol. 3C 26.5.1): the slice is over, or a
 * virtual timer of the guest is due (the run loop tells which). */
static enum exit_action exit_preempt_timer(struct vcpu *v, u32 reason)
{
	(void)v, (void)reason;
	return EXIT_RESUME;
}

/* Interrupt window / NMI window (26.7.5, 26.7.6): the guest can take the
 * pending event now; emu_before_entry() injects it. */
static enum exit_action exit_window(struct vcpu *v, u32 reason)
{
	(void)v, (void)reason;
	return EXIT_RESUME;
}

static enum exit_action exit_triple_fault(struct vcpu *v, u32 reason)
{
	(void)reason;
	return emu_triple_fault(v);
}

static enum exit_action exit_cpuid(struct vcpu *v, u32 reason)
{
	(void)reason;
	emu_cpuid(v);
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

static enum exit_action exit_hlt(struct vcpu *v, u32 reason)
{
	(void)reason;
	vmx_skip_insn(v);
	return emu_hlt(v);
}

/* INVD / WBINVD: caches are coherent here; nothing to do. */
static enum exit_action exit_skip(struct vcpu *v, u32 reason)
{
	(void)reason;
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

static const char *vmx_exit_name(u32 reason);

/* VMX instructions and GETSEC: the guest sees no VMX/SMX, so #UD. */
static enum exit_action exit_virt_insn(struct vcpu *v, u32 reason)
{
	return emu_virt_insn(v, vmx_exit_name(reason));
}

/* VMCALL: the debug hypercall when `debug_hypercalls` is on, else #UD
 * (core/emulate.h emu_hypercall). */
static enum exit_action exit_vmcall(struct vcpu *v, u32 reason)
{
	bool advance;
	enum exit_action a = emu_hypercall(v, vmx_exit_name(reason), &advance);
	if (advance)
		vmx_skip_insn(v);
	return a;
}

/* I/O instruction (SDM Vol. 3C 28.2.1 table 28-5): size bits 2:0 (0, 1,
 * 3 = 1, 2, 4 bytes), direction bit 3 (1 = IN), string bit 4, port 31:16. */
static enum exit_action exit_io(struct vcpu *v, u32 reason)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	u8 size = (q & 7) + 1;
	bool in = q & BIT(3);
	u16 port = (u16)(q >> 16);
	u32 mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	u32 val = in ? 0 : (u32)v->gprs.rax & mask;
	(void)reason;
	if (q & BIT(4)) {
		vm_kill(v->vm, "string I/O (%s) on port 0x%x is not supported (RIP 0x%lx)",
			in ? "INS" : "OUTS", port, vmcs_read(VMCS_GUEST_RIP));
		return EXIT_KILL;
	}
	enum exit_action act = emu_io(v, port, size, in, &val);
	if (act == EXIT_KILL)
		return act;
	if (in && size == 4)
		v->gprs.rax = val;           /* a 32-bit destination zero-extends */
	else if (in)
		v->gprs.rax = (v->gprs.rax & ~(u64)mask) | (val & mask);
	vmx_skip_insn(v);
	return act;
}

/* RDMSR / WRMSR: ECX selects, EDX:EAX carries the value; a refused access
 * is #GP(0) with RIP unchanged (SDM Vol. 2B "RDMSR"). */
static enum exit_action exit_rdmsr(struct vcpu *v, u32 reason)
{
	u64 val;
	(void)reason;
	if (!emu_rdmsr(v, (u32)v->gprs.rcx, &val))
		return vmx_inject_gp(v);
	v->gprs.rax = (u32)val;
	v->gprs.rdx = val >> 32;
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

static enum exit_action exit_wrmsr(struct vcpu *v, u32 reason)
{
	u64 val = (v->gprs.rdx << 32) | (u32)v->gprs.rax;
	(void)reason;
	if (!emu_wrmsr(v, (u32)v->gprs.rcx, val))
		return vmx_inject_gp(v);
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

/* EPT violation (SDM Vol. 3C 28.2.1 table 28-7: bit 1 write, bit 2
 * instruction fetch); the address is the guest-physical address field. */
static enum exit_action exit_ept_violation(struct vcpu *v, u32 reason)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	(void)reason;
	return emu_tdp_fault(v, gpa(vmcs_read(VMCS_GUEST_PHYS_ADDR)), q & BIT(1), q & BIT(2));
}

/* EPT misconfiguration (29.3.3.1): our tables are malformed, a hypervisor
 * bug, but only this guest is affected. */
static enum exit_action exit_ept_misconfig(struct vcpu *v, u32 reason)
{
	(void)reason;
	vm_kill(v->vm, "EPT misconfiguration at guest-physical 0x%lx (RIP 0x%lx)",
		vmcs_read(VMCS_GUEST_PHYS_ADDR), vmcs_read(VMCS_GUEST_RIP));
	return EXIT_KILL;
}

/* XSETBV always exits (SDM Vol. 3C 26.1.2); ECX selects the XCR, EDX:EAX
 * is the value. */
static enum exit_action exit_xsetbv(struct vcpu *v, u32 reason)
{
	u64 val = (v->gprs.rdx << 32) | (u32)v->gprs.rax;
	(void)reason;
	if (!emu_xsetbv(v, (u32)v->gprs.rcx, val))
		return vmx_inject_gp(v);
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

#define VIRT(r, n) [r] = { exit_virt_insn, VMEXIT_K_VIRT_INSN, n }

static const struct vmx_exit vmx_exits[VMX_EXIT_NR] = {
	[VMX_EXIT_EXC_NMI] = { exit_exc_nmi, VMEXIT_K_EXCEPTION, "exception or NMI" },
	[VMX_EXIT_EXT_INTR] = { exit_ext_intr, VMEXIT_K_INTR, "external interrupt" },
	[VMX_EXIT_TRIPLE_FAULT] = { exit_triple_fault, VMEXIT_K_OTHER, "triple fault" },
	[VMX_EXIT_INIT] = { NULL, VMEXIT_K_OTHER, "INIT signal" },
	[VMX_EXIT_INTR_WINDOW] = { exit_window, VMEXIT_K_INTR, "interrupt window" },
	[VMX_EXIT_NMI_WINDOW] = { exit_window, VMEXIT_K_INTR, "NMI window" },
	[VMX_EXIT_SIPI] = { NULL, VMEXIT_K_OTHER, "SIPI" },
	[VMX_EXIT_TASK_SWITCH] = { NULL, VMEXIT_K_OTHER, "task switch" },
	[VMX_EXIT_CPUID] = { exit_cpuid, VMEXIT_K_CPUID, "CPUID" },
	[VMX_EXIT_GETSEC] = { exit_virt_insn, VMEXIT_K_VIRT_INSN, "getsec" },
	[VMX_EXIT_HLT] = { exit_hlt, VMEXIT_K_HLT, "HLT" },
	[VMX_EXIT_INVD] = { exit_skip, VMEXIT_K_OTHER, "INVD" },
	[VMX_EXIT_VMCALL] = { exit_vmcall, VMEXIT_K_VIRT_INSN, "vmcall" },
	VIRT(VMX_EXIT_VMCLEAR, "vmclear"),
	VIRT(VMX_EXIT_VMLAUNCH, "vmlaunch"), VIRT(VMX_EXIT_VMPTRLD, "vmptrld"),
	VIRT(VMX_EXIT_VMPTRST, "vmptrst"), VIRT(VMX_EXIT_VMREAD, "vmread"),
	VIRT(VMX_EXIT_VMRESUME, "vmresume"), VIRT(VMX_EXIT_VMWRITE, "vmwrite"),
	VIRT(VMX_EXIT_VMXOFF, "vmxoff"), VIRT(VMX_EXIT_VMXON, "vmxon"),
	VIRT(VMX_EXIT_INVEPT, "invept"), VIRT(VMX_EXIT_INVVPID, "invvpid"),
	VIRT(VMX_EXIT_VMFUNC, "vmfunc"),
	[VMX_EXIT_CR_ACCESS] = { vmx_exit_cr_access, VMEXIT_K_OTHER, "control-register access" },
	[VMX_EXIT_DR_ACCESS] = { NULL, VMEXIT_K_OTHER, "MOV DR" },
	[VMX_EXIT_IO] = { exit_io, VMEXIT_K_IO, "I/O instruction" },
	[VMX_EXIT_RDMSR] = { exit_rdmsr, VMEXIT_K_MSR, "RDMSR" },
	[VMX_EXIT_WRMSR] = { exit_wrmsr, VMEXIT_K_MSR, "WRMSR" },
	[VMX_EXIT_MWAIT] = { NULL, VMEXIT_K_OTHER, "MWAIT" },
	[VMX_EXIT_MONITOR] = { NULL, VMEXIT_K_OTHER, "MONITOR" },
	[VMX_EXIT_PAUSE] = { NULL, VMEXIT_K_OTHER, "PAUSE" },
	[VMX_EXIT_EPT_VIOLATION] = { exit_ept_violation, VMEXIT_K_TDP_FAULT, "EPT violation" },
	[VMX_EXIT_EPT_MISCONFIG] = { exit_ept_misconfig, VMEXIT_K_TDP_FAULT,
				     "EPT misconfiguration" },
	[VMX_EXIT_PREEMPT_TIMER] = { exit_preempt_timer, VMEXIT_K_INTR, "preemption timer" },
	[VMX_EXIT_WBINVD] = { exit_skip, VMEXIT_K_OTHER, "WBINVD" },
	[VMX_EXIT_XSETBV] = { exit_xsetbv, VMEXIT_K_OTHER, "XSETBV" },
};

static const char *vmx_exit_name(u32 reason)
{
	return reason < VMX_EXIT_NR ? vmx_exits[reason].name : NULL;
}

static enum exit_action vmx_handle_exit(struct vcpu *v, u32 reason)
{
	const struct vmx_exit *e = reason < VMX_EXIT_NR ? &vmx_exits[reason] : NULL;
	v->vm->exits_by_kind[e && e->name ? e->kind : VMEXIT_K_OTHER]++;
	if (!e || !e->fn)
		return emu_unhandled_exit(v, "VMX", reason, e ? e->name : NULL);
	return e->fn(v, reason);
}

/* Kill v for a failed entry, naming the first broken rule the software
 * checks find (entry_report.c) before the VMCS dump. */
static enum exit_action vmx_entry_kill(struct vcpu *v, const char *what)
{
	const char *rule = vmx_entry_explain(v);
	vmx_dump(v);
	if (rule)
		vm_kill(v->vm, "VM entry failed: %s", rule);
	else
		vm_kill(v->vm, "VM entry failed: %s", what);
	return EXIT_KILL;
}

/* VM entry failed after the checks of the VMX controls and host state
 * (SDM Vol. 3C 27.8): exit reason with bit 31 set. */
static enum exit_action vmx_entry_failed(struct vcpu *v, u32 reason)
{
	static const char *const why[] = {
		[VMX_EXIT_BAD_GUEST_STATE] = "invalid guest state",
		[VMX_EXIT_MSR_LOADING] = "MSR loading",
		[VMX_EXIT_MACHINE_CHECK] = "machine-check event",
	};
	u32 basic = EXIT_REASON_BASIC(reason);
	const char *name = basic < ARRAY_SIZE(why) && why[basic] ? why[basic] : "unknown";
	pr_warn("guest %s: VM entry failed: exit reason 0x%x (%u, %s), qualification 0x%lx",
		v->vm->name, reason, basic, name, vmcs_read(VMCS_EXIT_QUALIFICATION));
	return vmx_entry_kill(v, name);
}

/* VMLAUNCH/VMRESUME itself failed (SDM Vol. 3C 31.2, 31.4). */
static enum exit_action vmx_entry_insn_failed(struct vcpu *v, int rc)
{
	const char *insn = vmx_vcpu(v)->launched ? "VMRESUME" : "VMLAUNCH";
	if (rc == 2) {
		vm_kill(v->vm, "%s failed: VMfailInvalid (no current VMCS)", insn);
		return EXIT_KILL;
	}
	u32 err = (u32)vmcs_read(VMCS_INSN_ERROR);
	pr_warn("guest %s: %s failed: VM-instruction error %u (%s)", v->vm->name, insn, err,
		vmx_insn_error_name(err));
	return vmx_entry_kill(v, vmx_insn_error_name(err));
}

/* The VMX-preemption timer ends the entry when the slice is over or the
 * guest's next virtual timer event is due (sched_exit_deadline), whichever
 * comes first; it ticks every 2^IA32_VMX_MISC[4:0] TSC cycles (SDM Vol. 3C
 * 26.5.1). */
static void vmx_preempt_before_entry(struct vcpu *v)
{
	if (!vmx_ctl.preempt)
		return;
	u64 now = rdtsc(), deadline = sched_exit_deadline(v);
	u64 ticks = deadline > now ? (deadline - now) >> cpufeat()->vmx.preemption_timer_rate : 0;
	vmcs_write(VMCS_GUEST_PREEMPT_TIMER, MIN(ticks, 0xffffffffull));
}

/* vmx_ops.run: enter the guest once and handle its exit. */
enum exit_action vmx_run(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	vmx_vmcs_load(v);
	emu_before_entry(v);
	vmx_event_before_entry(v);
	vmx_switch_before_entry(v);
	vmx_preempt_before_entry(v);
	fpu_enter_guest(v);
	int rc = vmx_enter(&v->gprs, &x->cr2, x->launched);
	if (rc)
		return vmx_entry_insn_failed(v, rc);
	x->launched = true;
	v->vm->exits++;
	u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	if (reason & EXIT_REASON_FAILED)
		return vmx_entry_failed(v, reason);
	vmx_event_after_exit(v);
	/* The guest may have entered or left long mode by itself (MOV to CR0
	 * that did not exit): the exit saved EFER (28.3.1); keep the entry
	 * control equal to LMA for the next entry (27.3.1.1). */
	vmx_sync_ia32e(vmcs_read(VMCS_GUEST_EFER));
	return vmx_handle_exit(v, EXIT_REASON_BASIC(reason));
}
