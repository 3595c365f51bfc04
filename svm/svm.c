/* AMD SVM on this CPU: enabling it (VM_CR.SVMDIS, EFER.SVME, the host save
 * area), the pages every guest shares (host VMCB for VMSAVE/VMLOAD, the
 * all-intercepting IOPM and MSRPM), one guest entry (svm_run) and the
 * svm_ops table that common code reaches SVM through. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/fpu.h"
#include "core/emulate.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/frame.h"

#define VM_CR_SVMDIS BIT(4)     /* APM Vol. 2 15.30.1 */

/* This CPU's SVM pages (one CPU for now). (c) set once by svm_cpu_enable. */
static struct {
	bool enabled;
	hpa_t hsave;            /* VM_HSAVE_PA: host state saved by VMRUN */
	hpa_t host_vmcb;        /* host FS/GS/TR/LDTR/syscall MSRs (VMSAVE) */
	hpa_t iopm;             /* 3 pages, all ones: intercept every port */
	hpa_t msrpm;            /* 2 pages, all ones: intercept every MSR */
} svm_cpu;

hpa_t svm_host_vmcb_pa(void) { return svm_cpu.host_vmcb; }
hpa_t svm_iopm_pa(void) { return svm_cpu.iopm; }
hpa_t svm_msrpm_pa(void) { return svm_cpu.msrpm; }

/* APM Vol. 2 15.4: SVM can be enabled unless VM_CR.SVMDIS is set. Bochs
 * ryzen raises #GP on VM_CR; an unreadable VM_CR counts as not disabled and
 * the WRMSR of EFER.SVME is the real test. */
static bool svm_is_disabled_by_firmware(void)
{
	u64 vm_cr;
	if (rdmsr_safe(MSR_VM_CR, &vm_cr) < 0)
		return false;
	return vm_cr & VM_CR_SVMDIS;
}

/* n contiguous pages filled with 0xff, for the IOPM/MSRPM (APM Vol. 2
 * 15.10.1, 15.11: a set bit intercepts the access). */
static int svm_alloc_all_ones(size_t n, hpa_t *out)
{
	int rc = frame_alloc_contig(n, PAGE_SIZE, FRAME_HYP, 0, out);
	if (rc < 0)
		return rc;
	memset(hpa_to_ptr(*out), 0xff, n * PAGE_SIZE);
	return 0;
}

static int svm_alloc_cpu_pages(void)
{
	svm_cpu.hsave = frame_alloc_zeroed(FRAME_HYP, 0);
	svm_cpu.host_vmcb = frame_alloc_zeroed(FRAME_HYP, 0);
	if (!frame_is_valid(svm_cpu.hsave) || !frame_is_valid(svm_cpu.host_vmcb))
		return E_NOMEM;
	if (svm_alloc_all_ones(SVM_IOPM_PAGES, &svm_cpu.iopm) < 0 ||
	    svm_alloc_all_ones(SVM_MSRPM_PAGES, &svm_cpu.msrpm) < 0)
		return E_NOMEM;
	return 0;
}

/* svm_ops.cpu_enable: check the CPU, allocate the per-CPU pages, point
 * VM_HSAVE_PA at the host save area (APM Vol. 2 15.30.4) and set EFER.SVME
 * (15.4). Idempotent. */
static int svm_cpu_enable(void)
{
	const struct svm_caps *caps = &cpufeat()->svm;
	u64 efer;

	if (svm_cpu.enabled)
		return 0;
	if (!caps->present || !caps->npt) {
		pr_err("svm: the CPU lacks %s", caps->present ? "nested paging" : "SVM");
		return E_NOTSUP;
	}
	if (svm_is_disabled_by_firmware()) {
		pr_err("svm: disabled by firmware (VM_CR.SVMDIS=1)");
		return E_NOTSUP;
	}
	if (svm_alloc_cpu_pages() < 0) {
		pr_err("svm: out of memory for the host save area, IOPM and MSRPM");
		return E_NOMEM;
	}
	if (rdmsr_safe(MSR_EFER, &efer) < 0 || wrmsr_safe(MSR_EFER, efer | EFER_SVME) < 0) {
		pr_err("svm: setting EFER.SVME raised #GP");
		return E_NOTSUP;
	}
	wrmsr(MSR_VM_HSAVE_PA, svm_cpu.hsave.v);
	svm_msr_init();
	svm_cpu.enabled = true;
	pr_info("svm: enabled (hsave 0x%lx, %u ASIDs, NRIP %s, flush-by-ASID %s)",
		svm_cpu.hsave.v, caps->nasids, caps->nrip_save ? "yes" : "no",
		caps->flush_by_asid ? "yes" : "no");
	return 0;
}

static inline u64 xgetbv0(void)
{
	u32 lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

/* QEMU 7.2 TCG ignores the XSETBV intercept (APM Vol. 2 15.9 requires it):
 * the guest's XSETBV then changes the CPU's XCR0 without an exit. Take such
 * a value over after the exit, through the same policy as an intercepted
 * XSETBV; a value the policy refuses kills the guest, since the #GP it
 * should have had can no longer be raised at the instruction. */
static enum exit_action svm_sync_xcr0(struct vcpu *v)
{
	static bool told;
	u64 hw;

	if (!fpu_has_xsave() || (hw = xgetbv0()) == v->xcr0)
		return EXIT_RESUME;
	if (!told) {
		pr_warn("svm: a guest XSETBV ran without the XSETBV intercept; XCR0 is "
			"read back after each exit");
		told = true;
	}
	if (emu_xsetbv(v, 0, hw))
		return EXIT_RESUME;
	vm_kill(v->vm, "XSETBV of XCR0 0x%lx ran unintercepted and is not allowed", hw);
	return EXIT_KILL;
}

/* Bochs 2.7 does not load CR2 from the VMCB at VMRUN (APM Vol. 2 15.5.1
 * says it does): give the CPU the guest's CR2 first. #VMEXIT leaves the
 * guest's CR2 in the CPU, so this writes only on a vCPU switch or after
 * set_reg; the host itself never takes a page fault that needs CR2 later. */
static void svm_load_cr2(const struct vmcb *vmcb)
{
	if (read_cr2() != vmcb->save.cr2)
		write_cr2(vmcb->save.cr2);
}

/* Remember what the VMRUN consistency checks read: on VMEXIT_INVALID Bochs
 * 2.7 writes the host state into the save area and clears EVENTINJ.V, so
 * the VMCB no longer shows what was refused. */
static void svm_record_entry(struct svm_vcpu *sv)
{
	const struct vmcb *vmcb = sv->vmcb;
	sv->entered = (struct svm_entry_fields){
		.efer = vmcb->save.efer, .cr0 = vmcb->save.cr0, .cr3 = vmcb->save.cr3,
		.cr4 = vmcb->save.cr4, .dr6 = vmcb->save.dr6, .dr7 = vmcb->save.dr7,
		.g_pat = vmcb->save.g_pat, .event_inj = vmcb->ctl.event_inj,
		.cs_attrib = vmcb->save.cs.attrib,
	};
}

void svm_vmcb_as_entered(struct vcpu *v, struct vmcb *out)
{
	const struct svm_entry_fields *e = &svm_vcpu(v)->entered;
	*out = *svm_vmcb(v);
	out->save.efer = e->efer;
	out->save.cr0 = e->cr0;
	out->save.cr3 = e->cr3;
	out->save.cr4 = e->cr4;
	out->save.dr6 = e->dr6;
	out->save.dr7 = e->dr7;
	out->save.g_pat = e->g_pat;
	out->save.cs.attrib = e->cs_attrib;
	out->ctl.event_inj = e->event_inj;
}

/* svm_ops.run: enter the guest once and dispatch its exit. RAX travels
 * through the VMCB (APM Vol. 2 15.5.1); TLB_CONTROL and EVENTINJ are one-shot
 * and cleared after the exit. FPU state, TSC_AUX and DR0-3 are loaded only
 * when another vCPU ran last. */
/* Guest CR8 is V_TPR while V_INTR_MASKING is set (APM Vol. 2 15.21.4):
 * copy the local APIC's TPR in and a changed V_TPR back out. */
static void svm_tpr_before_entry(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);
	u8 tpr = (u8)emu_cr8_read(v);
	vmcb->ctl.vintr = (vmcb->ctl.vintr & ~VMCB_V_TPR_MASK) | tpr;
	svm_vcpu(v)->v_tpr = tpr;
}

static void svm_tpr_after_exit(struct vcpu *v)
{
	u8 tpr = (u8)(svm_vmcb(v)->ctl.vintr & 0xf);
	if (tpr != svm_vcpu(v)->v_tpr)
		emu_cr8_write(v, tpr);
}

static enum exit_action svm_run(struct vcpu *v)
{
	struct svm_vcpu *sv = svm_vcpu(v);
	struct vmcb *vmcb = sv->vmcb;

	svm_asid_prepare(v->vm, vmcb);
	emu_before_entry(v);
	svm_tpr_before_entry(v);
	svm_event_before_entry(v);
	sched_arm_exit_timer(v);
	fpu_enter_guest(v);
	svm_switch_lazy_state(v);
	vmcb->save.rax = v->gprs.rax;
	svm_record_entry(sv);
	svm_load_cr2(vmcb);
	svm_vmrun(&v->gprs, sv->vmcb_pa.v, svm_cpu.host_vmcb.v);
	v->gprs.rax = vmcb->save.rax;
	vmcb->ctl.tlb_control = VMCB_TLB_NOTHING;
	vmcb->ctl.event_inj = 0;
	svm_event_after_exit(v);
	svm_tpr_after_exit(v);
	if (svm_sync_xcr0(v) == EXIT_KILL)
		return EXIT_KILL;
	return svm_handle_exit(v);
}

const struct vcpu_ops svm_ops = {
	.name = "SVM",
	.cpu_enable = svm_cpu_enable,
	.vm_init = svm_vm_init,
	.vm_destroy = svm_vm_destroy,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.inject_exception = svm_inject_exception,
	.flush_tdp = svm_flush_tdp,
	.dump = svm_dump,
	.msr_get = svm_msr_get,
	.msr_set = svm_msr_set,
	.irq_injectable = svm_irq_injectable,
	.nmi_injectable = svm_nmi_injectable,
	.inject_irq = svm_inject_irq,
	.inject_nmi = svm_inject_nmi,
	.request_window = svm_request_window,
};

