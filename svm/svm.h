/* Private interface between the files of svm/: per-CPU, per-VM and per-vCPU
 * SVM state and the functions one svm/ file offers the others. Common code
 * never includes this header; it sees only svm_ops (core/vcpu.h). */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "core/types.h"
#include "core/addr.h"
#include "core/vcpu.h"
#include "svm/vmcb.h"

struct vm;

/* Per-vCPU state, vcpu->arch. */
struct svm_vcpu {
	struct vmcb *vmcb;        /* (c) guest VMCB, one page */
	hpa_t vmcb_pa;            /* (c) its physical address for VMRUN */
	/* State with no VMCB field, loaded when this vCPU is entered after
	 * another one (svm/msr.c). */
	u64 dr[4];                /* DR0-3, saved when another vCPU takes over */
	u64 tsc_aux;              /* TSC_AUX (MSR 0xC0000103), read by RDTSCP */
	bool nmi_masked;          /* an injected NMI's handler has not IRETed yet */
	u8 v_tpr;                 /* V_TPR as given to the last VMRUN */
	/* The VMCB fields the VMRUN checks read, as given to the last VMRUN:
	 * emulators overwrite the VMCB on VMEXIT_INVALID (svm.c). */
	struct svm_entry_fields {
		u64 efer, cr0, cr3, cr4, dr6, dr7, g_pat, event_inj;
		u16 cs_attrib;
	} entered;
};

/* Per-VM state, vm->arch. */
struct svm_vm {
	u32 asid;                 /* ASID of the current generation, 0 = none */
	u64 asid_gen;             /* generation asid belongs to */
	bool flush;               /* NPT changed: flush before the next VMRUN */
};

static inline struct svm_vcpu *svm_vcpu(struct vcpu *v) { return v->arch; }
static inline struct vmcb *svm_vmcb(struct vcpu *v) { return svm_vcpu(v)->vmcb; }

/* svm.c: this CPU's shared SVM pages (valid after svm_ops.cpu_enable). */
hpa_t svm_host_vmcb_pa(void);
hpa_t svm_iopm_pa(void);
hpa_t svm_msrpm_pa(void);

/* entry.S: VMSAVE host, VMLOAD guest, VMRUN, VMSAVE guest, VMLOAD host,
 * with GIF cleared around it and the guest GPRs (except RAX, which lives in
 * the VMCB) swapped in and out of *gprs. */
void svm_vmrun(struct guest_gprs *gprs, u64 vmcb_pa, u64 host_vmcb_pa);

/* vmcb.c */
int svm_vcpu_create(struct vcpu *v, const struct vcpu_boot_state *boot) __must_check;
void svm_vcpu_destroy(struct vcpu *v);
u64 svm_get_reg(struct vcpu *v, enum vreg r);
void svm_set_reg(struct vcpu *v, enum vreg r, u64 val);
void svm_dump(struct vcpu *v);

/* event.c */
void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
void svm_event_before_entry(struct vcpu *v);
void svm_event_after_exit(struct vcpu *v);
bool svm_irq_injectable(struct vcpu *v);
bool svm_nmi_injectable(struct vcpu *v);
void svm_inject_irq(struct vcpu *v, u8 vector);
void svm_inject_nmi(struct vcpu *v);
void svm_request_window(struct vcpu *v, bool irq, bool nmi);
void svm_nmi_unmask(struct vcpu *v);

/* npt.c */
int svm_vm_init(struct vm *vm) __must_check;
void svm_vm_destroy(struct vm *vm);
void svm_flush_tdp(struct vm *vm);

/* asid.c */
void svm_asid_prepare(struct vm *vm, struct vmcb *vmcb);
void svm_asid_flush(struct vm *vm);
void svm_asid_release(struct vm *vm);

/* svm.c: the VMCB as the last VMRUN was given it, in *out (for the
 * software checks after VMEXIT_INVALID). */
void svm_vmcb_as_entered(struct vcpu *v, struct vmcb *out);

/* msr.c */
void svm_msr_init(void);
void svm_switch_lazy_state(struct vcpu *v);
void svm_lazy_forget(struct vcpu *v);
u64 svm_msr_get(struct vcpu *v, enum guest_msr m);
void svm_msr_set(struct vcpu *v, enum guest_msr m, u64 val);

/* exit.c */
enum exit_action svm_handle_exit(struct vcpu *v);
bool svm_is_exit_invalid(u64 exit_code);

#endif
