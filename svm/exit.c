/* SVM exit dispatch: one table indexed by exit code (APM Vol. 2 Appendix C)
 * with one small handler per exit reason. Handlers decode the VMCB exit
 * information and call the shared emulation of core/emulate.h; exits
 * without a handler go to emu_unhandled_exit, which kills only the guest. */
#include "svm/svm.h"
#include "svm/svm_check.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/emulate.h"
#include "core/fpu.h"
#include "core/gwalk.h"
#include "core/sched.h"
#include "core/log.h"
#include "core/vm.h"

struct svm_exit_entry {
	enum exit_action (*fn)(struct vcpu *v, struct vmcb *vmcb, const char *name);
	u8 kind;            /* enum vm_exit_kind */
	const char *name;
};

/* Move RIP past the intercepted instruction: nRIP when the CPU saves it
 * (APM Vol. 2 15.7.1), else the length decoded at RIP (QEMU TCG has no NRIP
 * save). EXIT_KILL when the instruction cannot be decoded. */
static enum exit_action svm_skip_insn(struct vcpu *v, struct vmcb *vmcb)
{
	u64 rip;
	if (cpufeat()->svm.nrip_save) {
		rip = vmcb->ctl.next_rip;
	} else {
		u32 len = emu_insn_len(v);
		if (!len)
			return EXIT_KILL;
		rip = vmcb->save.rip + len;
	}
	svm_set_reg(v, VREG_RIP, rip);
	return EXIT_RESUME;
}

static enum exit_action svm_exit_resume(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)v, (void)vmcb, (void)name;
	return EXIT_RESUME;
}

/* A host interrupt (the slice timer) made the guest exit: with GIF set
 * again, let the host take it; yield when the slice is over. */
static enum exit_action svm_exit_intr(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)v, (void)vmcb, (void)name;
	sched_take_host_interrupts();
	return EXIT_RESUME;
}

/* VINTR: the interrupt window opened; emu_before_entry() injects. */
static enum exit_action svm_exit_vintr(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)vmcb, (void)name;
	svm_request_window(v, false, false);
	return EXIT_RESUME;
}

/* IRET intercepted after an injected NMI: NMIs are unmasked again. */
static enum exit_action svm_exit_iret(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)vmcb, (void)name;
	svm_nmi_unmask(v);
	return EXIT_RESUME;
}

static enum exit_action svm_exit_cpuid(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)name;
	emu_cpuid(v);
	return svm_skip_insn(v, vmcb);
}

static enum exit_action svm_exit_hlt(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)name;
	enum exit_action a = svm_skip_insn(v, vmcb);
	return a == EXIT_RESUME ? emu_hlt(v) : a;
}

/* INVD would discard the host's dirty cache lines: run it as a no-op, as
 * WBINVD-free guests cannot tell the difference under nested paging. */
static enum exit_action svm_exit_invd(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)name;
	return svm_skip_insn(v, vmcb);
}

/* Size in bytes from IOIO EXITINFO1 SZ8/SZ16/SZ32 (APM Vol. 2 15.10.2). */
static u8 svm_ioio_size(u64 info)
{
	if (info & SVM_IOIO_SZ32)
		return 4;
	return (info & SVM_IOIO_SZ16) ? 2 : 1;
}

/* IN/OUT. An 8/16-bit IN keeps the upper bits of RAX, a 32-bit IN
 * zero-extends into RAX. EXITINFO2 always holds the next RIP for IOIO
 * intercepts, NRIP or not (APM Vol. 2 15.10.2). */
static enum exit_action svm_exit_ioio(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	u64 info = vmcb->ctl.exit_info1;
	u16 port = SVM_IOIO_PORT(info);
	u8 size = svm_ioio_size(info);
	bool in = info & SVM_IOIO_IN;
	u64 mask = size == 4 ? 0xffffffffull : (1ull << (size * 8)) - 1;
	u32 val = (u32)(v->gprs.rax & mask);

	(void)name;
	if (info & SVM_IOIO_STR) {
		vm_kill(v->vm, "string I/O (%s%s) at port 0x%x is not emulated (rip 0x%lx)",
			info & SVM_IOIO_REP ? "REP " : "", in ? "INS" : "OUTS", port,
			vmcb->save.rip);
		return EXIT_KILL;
	}
	enum exit_action a = emu_io(v, port, size, in, &val);
	if (a == EXIT_KILL)
		return a;
	if (in)
		v->gprs.rax = size == 4 ? val : (v->gprs.rax & ~mask) | (val & mask);
	svm_set_reg(v, VREG_RIP, vmcb->ctl.exit_info2);
	return a;
}

/* RDMSR/WRMSR (EXITINFO1 0 = read, 1 = write; APM Vol. 2 15.11). A refused
 * access raises #GP(0) at the instruction, which is not skipped. */
static enum exit_action svm_exit_msr(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	u32 msr = (u32)v->gprs.rcx;
	u64 val = (v->gprs.rdx << 32) | (u32)v->gprs.rax;
	bool ok;

	(void)name;
	if (vmcb->ctl.exit_info1 == 1) {
		ok = emu_wrmsr(v, msr, val);
	} else {
		ok = emu_rdmsr(v, msr, &val);
		if (ok) {
			v->gprs.rax = (u32)val;
			v->gprs.rdx = val >> 32;
		}
	}
	if (!ok) {
		svm_inject_exception(v, 13, true, 0);
		return EXIT_RESUME;
	}
	return svm_skip_insn(v, vmcb);
}

/* XSETBV (intercepted, APM Vol. 2 15.9: the CPU raises #UD without
 * CR4.OSXSAVE and #GP at CPL > 0 before checking the intercept): ECX selects
 * the XCR, EDX:EAX is the value. A value the FPU layer refuses is #GP(0) at
 * the instruction (SDM Vol. 2C XSETBV). */
static enum exit_action svm_exit_xsetbv(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	u64 val = (v->gprs.rdx << 32) | (u32)v->gprs.rax;
	(void)name;
	if (!emu_xsetbv(v, (u32)v->gprs.rcx, val)) {
		svm_inject_exception(v, 13, true, 0);
		return EXIT_RESUME;
	}
	return svm_skip_insn(v, vmcb);
}

/* Nested page fault: EXITINFO1 is a page-fault error code, EXITINFO2 the
 * guest-physical address (APM Vol. 2 15.25.6). */
static enum exit_action svm_exit_npf(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	u64 err = vmcb->ctl.exit_info1;
	(void)name;
	return emu_tdp_fault(v, gpa(vmcb->ctl.exit_info2), err & SVM_NPF_WRITE,
			     err & SVM_NPF_FETCH);
}

static enum exit_action svm_exit_shutdown(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)vmcb, (void)name;
	return emu_triple_fault(v);
}

/* Bytes the IDT must cover for the vector-8 entry: 4-byte IVT entries in
 * real mode, 8-byte gates in protected mode, 16-byte gates in long mode
 * (APM Vol. 2 8.2, 8.9). */
static u64 svm_idt_df_end(const struct vmcb_save *s)
{
	if (!(s->cr0 & CR0_PE))
		return 8 * 4 + 3;
	return (s->efer & EFER_LMA) ? 8 * 16 + 15 : 8 * 8 + 7;
}

#define SVM_CR4_LA57 BIT(12)   /* 5-level paging: not judged here */

enum svm_df_walk { SVM_DF_FAULT, SVM_DF_MAPPED, SVM_DF_UNKNOWN };

/* Translate linear address la as the CPU would for a supervisor access:
 * SVM_DF_FAULT only when the guest's own paging says #PF (a walk that
 * cannot read guest memory decides nothing). */
static enum svm_df_walk svm_df_walk(struct vcpu *v, u64 la, u32 access, gpa_t *out)
{
	struct gwalk_regs regs = emu_gwalk_regs(v);
	struct gwalk_result res = { .fault = false };
	int r = gwalk(&regs, la, access, emu_guest_read, &v->vm->mem, &res);
	if (!r) {
		*out = res.gpa;
		return SVM_DF_MAPPED;
	}
	return res.fault ? SVM_DF_FAULT : SVM_DF_UNKNOWN;
}

/* Whether the gate's type and target rule out delivery: not present, not
 * a 64-bit interrupt/trap gate, or a non-canonical offset. */
static bool svm_df_gate_bad(const u64 g[2])
{
	u8 type = (u8)(g[0] >> 40);
	u64 off = (g[0] & 0xffff) | ((g[0] >> 32) & 0xffff0000ull) | (g[1] << 32);
	if (!(type & 0x80) || ((type & 0xf) != 0xe && (type & 0xf) != 0xf))
		return true;
	return !is_canonical(off);
}

/* The 40-byte frame pushed at CPL 0 without IST (RSP aligned down to 16). */
static bool svm_df_stack_bad(struct vcpu *v, const struct vmcb_save *s)
{
	u64 top = s->rsp & ~0xfull;
	gpa_t gpa;
	if (!is_canonical(top - 40) || !is_canonical(top - 1))
		return true;
	return svm_df_walk(v, top - 40, GWALK_WRITE, &gpa) == SVM_DF_FAULT ||
	       svm_df_walk(v, top - 1, GWALK_WRITE, &gpa) == SVM_DF_FAULT;
}

/* In long mode with paging, whether delivering #DF certainly fails (APM
 * Vol. 2 8.9): the gate unmapped or bad, or a CPL-0, non-IST stack the CPU
 * cannot push onto. What needs the TSS (IST, CPL > 0) is not judged.
 * Bochs 2.7 stops the emulator on such a delivery instead of taking the
 * SHUTDOWN intercept; real hardware would exit with SHUTDOWN. */
static bool svm_df_doomed(struct vcpu *v, const struct vmcb_save *s)
{
	u64 la = s->idtr.base + 8 * 16, g[2];
	gpa_t gpa;
	enum svm_df_walk w;
	if (!(s->efer & EFER_LMA) || !(s->cr0 & CR0_PG) || (s->cr4 & SVM_CR4_LA57))
		return false;
	if (!is_canonical(la))
		return true;
	w = svm_df_walk(v, la, 0, &gpa);
	if (w != SVM_DF_MAPPED)
		return w == SVM_DF_FAULT;
	if ((la & (PAGE_SIZE - 1)) > PAGE_SIZE - sizeof(g) || gmem_read(&v->vm->mem, gpa, g, sizeof(g)))
		return false;
	if (svm_df_gate_bad(g))
		return true;
	return !((g[0] >> 32) & 7) && s->cpl == 0 && svm_df_stack_bad(v, s);
}

/* #DF is intercepted because Bochs 2.7 does not honour the SHUTDOWN
 * intercept for a triple fault raised during exception delivery (it
 * stops the whole emulator). When the IDT cannot even hold the #DF gate,
 * or the #DF's own delivery certainly fails (svm_df_doomed), the delivery
 * would shut down: kill the guest as a triple fault. Otherwise re-inject
 * the #DF (error code 0, APM Vol. 2 8.2.9) as the CPU would have
 * delivered it; a failure then is a real shutdown, intercepted as such.
 * The event whose delivery raised the #DF is superseded. */
static enum exit_action svm_exit_df(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)name;
	v->event_pending = false;
	if (vmcb->save.idtr.limit < svm_idt_df_end(&vmcb->save) || svm_df_doomed(v, &vmcb->save))
		return emu_triple_fault(v);
	svm_inject_exception(v, 8, true, 0);
	return EXIT_RESUME;
}

/* A guest SVM instruction: #UD, as on a CPU without SVM (APM Vol. 2 15.4). */
static enum exit_action svm_exit_virt_insn(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	(void)vmcb;
	return emu_virt_insn(v, name);
}

/* VMMCALL: the debug hypercall when `debug_hypercalls` is on, else #UD
 * (core/emulate.h emu_hypercall). */
static enum exit_action svm_exit_vmmcall(struct vcpu *v, struct vmcb *vmcb, const char *name)
{
	bool advance;
	enum exit_action a = emu_hypercall(v, name, &advance);
	if (advance && svm_skip_insn(v, vmcb) == EXIT_KILL)
		return EXIT_KILL;
	return a;
}

static const struct svm_exit_entry svm_exit_table[SVM_EXIT_MAX + 1] = {
	[SVM_EXIT_EXC(8)]   = { svm_exit_df, VMEXIT_K_EXCEPTION, "#DF" },
	[SVM_EXIT_INTR]     = { svm_exit_intr, VMEXIT_K_INTR, "intr" },
	[SVM_EXIT_NMI]      = { svm_exit_resume, VMEXIT_K_INTR, "nmi" },
	[SVM_EXIT_VINTR]    = { svm_exit_vintr, VMEXIT_K_INTR, "vintr" },
	[SVM_EXIT_IRET]     = { svm_exit_iret, VMEXIT_K_OTHER, "iret" },
	[SVM_EXIT_CPUID]    = { svm_exit_cpuid, VMEXIT_K_CPUID, "cpuid" },
	[SVM_EXIT_INVD]     = { svm_exit_invd, VMEXIT_K_OTHER, "invd" },
	[SVM_EXIT_HLT]      = { svm_exit_hlt, VMEXIT_K_HLT, "hlt" },
	[SVM_EXIT_IOIO]     = { svm_exit_ioio, VMEXIT_K_IO, "ioio" },
	[SVM_EXIT_MSR]      = { svm_exit_msr, VMEXIT_K_MSR, "msr" },
	[SVM_EXIT_SHUTDOWN] = { svm_exit_shutdown, VMEXIT_K_OTHER, "shutdown" },
	[SVM_EXIT_VMRUN]    = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "vmrun" },
	[SVM_EXIT_VMMCALL]  = { svm_exit_vmmcall, VMEXIT_K_VIRT_INSN, "vmmcall" },
	[SVM_EXIT_VMLOAD]   = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "vmload" },
	[SVM_EXIT_VMSAVE]   = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "vmsave" },
	[SVM_EXIT_STGI]     = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "stgi" },
	[SVM_EXIT_CLGI]     = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "clgi" },
	[SVM_EXIT_SKINIT]   = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "skinit" },
	[SVM_EXIT_INVLPGA]  = { svm_exit_virt_insn, VMEXIT_K_VIRT_INSN, "invlpga" },
	[SVM_EXIT_XSETBV]   = { svm_exit_xsetbv, VMEXIT_K_OTHER, "xsetbv" },
	[SVM_EXIT_NPF]      = { svm_exit_npf, VMEXIT_K_TDP_FAULT, "npf" },
};

/* The CPU facts the software VMRUN checks need, from cpufeat(). We run in
 * long mode, so the CPU has it. */
static struct svm_check_cpu svm_check_cpu_facts(void)
{
	const struct cpufeat *f = cpufeat();
	return (struct svm_check_cpu){
		.phys_bits = f->phys_bits ? f->phys_bits : 52,
		.long_mode = true,
		.flush_by_asid = f->svm.flush_by_asid,
	};
}

/* VMRUN refused the VMCB (APM Vol. 2 15.5.1): name every consistency rule
 * the software check finds broken in the VMCB as it was entered, dump the
 * VMCB, and kill the guest with the first broken rule as the reason. */
static enum exit_action svm_exit_invalid(struct vcpu *v)
{
	static struct vmcb entered;     /* one CPU; too big for the stack */
	struct svm_check_cpu cpu = svm_check_cpu_facts();
	u32 broken;

	svm_vmcb_as_entered(v, &entered);
	broken = svm_check_vmcb(&entered, &cpu);
	kprintf("guest %s: VMRUN failed with VMEXIT_INVALID; consistency checks:\n", v->vm->name);
	for (int r = 0; r < SVMC_NR; r++)
		if (broken & (1u << r))
			kprintf("  violated: %s\n", svm_rule_name(r));
	if (!broken)
		kprintf("  (no rule of APM Vol. 2 15.5.1 found violated)\n");
	svm_dump(v);
	if (broken)
		vm_kill(v->vm, "VMRUN failed (VMEXIT_INVALID): %s",
			svm_rule_name(svm_rule_first(broken)));
	else
		vm_kill(v->vm, "VMRUN failed: invalid guest state (VMEXIT_INVALID)");
	return EXIT_KILL;
}

/* VMEXIT_INVALID is -1 in the 64-bit EXITCODE (APM Vol. 2 Appendix C);
 * QEMU 7.2 TCG writes it zero-extended from 32 bits. No real exit code has
 * its low 32 bits all set. */
bool svm_is_exit_invalid(u64 code)
{
	return (u32)code == (u32)SVM_EXIT_INVALID;
}

/* Dispatch the exit that just happened, counting it for the VM. */
enum exit_action svm_handle_exit(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);
	u64 code = vmcb->ctl.exit_code;
	const struct svm_exit_entry *e = code <= SVM_EXIT_MAX ? &svm_exit_table[code] : NULL;

	v->vm->exits++;
	v->vm->exits_by_kind[e && e->fn ? e->kind : VMEXIT_K_OTHER]++;
	if (svm_is_exit_invalid(code))
		return svm_exit_invalid(v);
	if (!e || !e->fn)
		return emu_unhandled_exit(v, "SVM", code, e && e->name ? e->name : "unknown");
	return e->fn(v, vmcb, e->name);
}
