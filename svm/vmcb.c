/* The guest VMCB: allocating it (filled by svm/vmcb_init.c), register
 * access for common code (get_reg/set_reg, with EFER.SVME hidden from the
 * guest), and the state dump printed when a guest is killed. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define RFLAGS_FIXED     BIT(1)

/* svm_ops.vcpu_create: allocate and fill the VMCB for a vCPU starting in
 * the Multiboot state `boot`. The VM's NPT root must exist (vm_init).
 * Returns E_NOMEM. */
int svm_vcpu_create(struct vcpu *v, const struct vcpu_boot_state *boot)
{
	struct svm_vcpu *sv = kzalloc(sizeof(*sv));
	if (!sv)
		return E_NOMEM;
	sv->vmcb_pa = frame_alloc_zeroed(FRAME_HYP, v->vm->id);
	if (!frame_is_valid(sv->vmcb_pa)) {
		kfree(sv);
		return E_NOMEM;
	}
	sv->vmcb = hpa_to_ptr(sv->vmcb_pa);
	vmcb_init_multiboot(sv->vmcb, svm_iopm_pa().v, svm_msrpm_pa().v, v->vm->tdp.root.v, boot);
	memset(&v->gprs, 0, sizeof(v->gprs));
	v->gprs.rax = boot->eax;
	v->gprs.rbx = boot->ebx;
	v->gprs.rsi = boot->esi;
	v->event_pending = false;
	v->arch = sv;
	return 0;
}

/* svm_ops.vcpu_destroy: free the VMCB; the CPU's DR0-3/TSC_AUX no longer
 * belong to v. */
void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = svm_vcpu(v);
	if (!sv)
		return;
	svm_lazy_forget(v);
	frame_free(sv->vmcb_pa);
	kfree(sv);
	v->arch = NULL;
}

/* Segment attributes cross the vCPU interface in the VMX access-rights
 * layout (core/insn_fetch.c: type..P in 7:0, AVL/L/D/G in 15:12); the VMCB
 * packs descriptor bits 55:52 into 11:8 (APM Vol. 2 15.5.1). */
static u64 vmcb_attr_to_ar(u16 attrib)
{
	return (attrib & 0xff) | ((u64)(attrib & 0xf00) << 4);
}

static u16 vmcb_ar_to_attr(u64 ar)
{
	return (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

/* svm_ops.get_reg. EFER comes back without SVME, which only the hypervisor
 * needs (the guest sees EFER as if SVM did not exist). */
u64 svm_get_reg(struct vcpu *v, enum vreg r)
{
	const struct vmcb_save *s = &svm_vmcb(v)->save;
	switch (r) {
	case VREG_RIP: return s->rip;
	case VREG_RSP: return s->rsp;
	case VREG_RFLAGS: return s->rflags;
	case VREG_CR0: return s->cr0;
	case VREG_CR2: return s->cr2;
	case VREG_CR3: return s->cr3;
	case VREG_CR4: return s->cr4;
	case VREG_EFER: return s->efer & ~EFER_SVME;
	case VREG_CS_BASE: return s->cs.base;
	case VREG_CS_ATTR: return vmcb_attr_to_ar(s->cs.attrib);
	case VREG_SS_ATTR: return vmcb_attr_to_ar(s->ss.attrib);
	case VREG_ES_BASE: return s->es.base;
	case VREG_SS_BASE: return s->ss.base;
	case VREG_DS_BASE: return s->ds.base;
	case VREG_FS_BASE: return s->fs.base;
	case VREG_GS_BASE: return s->gs.base;
	case VREG_NR: break;
	}
	panic("svm: get_reg of unknown register %d", r);
}

/* A guest write of EFER: SVME stays set (APM Vol. 2 15.5.1) and LMA stays
 * what the hardware made it (it is read-only, APM Vol. 2 14.5.2); the CPU
 * sets LMA itself when the guest enables paging with LME set. */
static u64 svm_efer_from_guest(u64 cur, u64 val)
{
	return (val & ~(EFER_SVME | EFER_LMA)) | (cur & EFER_LMA) | EFER_SVME;
}

/* svm_ops.set_reg. Setting RIP also drops an interrupt shadow (the
 * instruction that caused it has been emulated and skipped). */
void svm_set_reg(struct vcpu *v, enum vreg r, u64 val)
{
	struct vmcb *vmcb = svm_vmcb(v);
	struct vmcb_save *s = &vmcb->save;
	switch (r) {
	case VREG_RIP: s->rip = val; vmcb->ctl.int_state &= ~VMCB_INT_SHADOW; return;
	case VREG_RSP: s->rsp = val; return;
	case VREG_RFLAGS: s->rflags = val | RFLAGS_FIXED; return;
	case VREG_CR0: s->cr0 = val; return;
	case VREG_CR2: s->cr2 = val; return;
	case VREG_CR3: s->cr3 = val; return;
	case VREG_CR4: s->cr4 = val; return;
	case VREG_EFER: s->efer = svm_efer_from_guest(s->efer, val); return;
	case VREG_CS_BASE: s->cs.base = val; return;
	case VREG_CS_ATTR: s->cs.attrib = vmcb_ar_to_attr(val); return;
	case VREG_SS_ATTR: s->ss.attrib = vmcb_ar_to_attr(val); return;
	default: break;
	}
	panic("svm: set_reg of unknown register %d", r);
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	kprintf("  %-4s sel %04x attr %03x limit %08x base %016lx\n",
		name, s->sel, s->attrib, s->limit, s->base);
}

static void dump_control(const struct vmcb_control *c)
{
	kprintf("  intercepts cr %08x dr %08x exc %08x misc %08x %08x %08x\n",
		c->intercept_cr, c->intercept_dr, c->intercept_exc,
		c->intercept_misc1, c->intercept_misc2, c->intercept_misc3);
	kprintf("  asid %u tlb_control %u np_ctl %lx ncr3 %016lx vintr %lx int_state %lx\n",
		c->asid, c->tlb_control, c->np_ctl, c->n_cr3, c->vintr, c->int_state);
	kprintf("  iopm %016lx msrpm %016lx nrip %016lx\n",
		c->iopm_base_pa, c->msrpm_base_pa, c->next_rip);
	kprintf("  exit code %lx info1 %016lx info2 %016lx exitintinfo %016lx eventinj %016lx\n",
		c->exit_code, c->exit_info1, c->exit_info2, c->exit_int_info, c->event_inj);
}

static void dump_save(const struct vmcb_save *s)
{
	kprintf("  rip %016lx rsp %016lx rax %016lx rflags %016lx cpl %u\n",
		s->rip, s->rsp, s->rax, s->rflags, s->cpl);
	kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n",
		s->cr0, s->cr2, s->cr3, s->cr4);
	kprintf("  efer %016lx dr6 %016lx dr7 %016lx pat %016lx\n",
		s->efer, s->dr6, s->dr7, s->g_pat);
	dump_seg("cs", &s->cs);
	dump_seg("ss", &s->ss);
	dump_seg("ds", &s->ds);
	dump_seg("es", &s->es);
	dump_seg("fs", &s->fs);
	dump_seg("gs", &s->gs);
	dump_seg("tr", &s->tr);
	dump_seg("ldtr", &s->ldtr);
	dump_seg("gdtr", &s->gdtr);
	dump_seg("idtr", &s->idtr);
}

/* svm_ops.dump: the control fields that explain an exit or a failed VMRUN,
 * then the guest state save area. */
void svm_dump(struct vcpu *v)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	kprintf("guest %s: SVM VMCB at 0x%lx:\n", v->vm->name, svm_vcpu(v)->vmcb_pa.v);
	dump_control(&vmcb->ctl);
	dump_save(&vmcb->save);
}
