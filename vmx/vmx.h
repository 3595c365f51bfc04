/* Internal interface of the VMX half of the vCPU interface: per-CPU control
 * words computed once from the capability MSRs, per-VM (EPTP, VPID) and
 * per-vCPU (VMCS, launch state, CR2, queued event) state, and the functions
 * the files of vmx/ call in each other. Common code never includes it. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "core/types.h"
#include "core/addr.h"
#include "core/vcpu.h"
#include "core/vm.h"

/* Control words for every VMCS, computed by vmx_cpu_enable(): allowed-0
 * bits plus the wanted ones (SDM Vol. 3D A.3-A.5). (c) set at enable. */
struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 cr0_mask, cr4_mask;   /* guest/host masks: bits VMX forces */
	hpa_t msr_bitmap;         /* 4 KiB of ones: every MSR access exits */
	bool tsc_aux;             /* the host has RDTSCP, hence IA32_TSC_AUX */
	bool preempt;             /* VMX-preemption timer in use (pin bit 6) */
	bool nmi_window;          /* virtual NMIs and NMI-window exiting offered */
};

/* Per-VM VMX state (vm->arch). */
struct vmx_vm {
	u16 vpid;                 /* (c) 0 when VPIDs are not used */
	u64 eptp;                 /* (c) EPT pointer (SDM Vol. 3C 25.6.11) */
};

/* Per-vCPU VMX state (vcpu->arch). */
struct vmx_vcpu {
	hpa_t vmcs;               /* (c) VMCS region */
	bool launched;            /* VMLAUNCH done: next entry is VMRESUME */
	u64 cr2;                  /* guest CR2: VMX does not switch it */
	bool inject;              /* inject_exception queued an event */
	u32 inject_info;          /* its VM-entry interruption information */
	u32 inject_error;
	/* State VMX does not switch, in the CPU while this vCPU is the one
	 * that ran last (vcpu_switch.c); valid here otherwise. */
	u64 dr[4], dr6;
	u64 msr[GMSR_NR];         /* STAR LSTAR CSTAR SFMASK KERNEL_GS_BASE TSC_AUX */
};

extern struct vmx_controls vmx_ctl;

static inline struct vmx_vcpu *vmx_vcpu(struct vcpu *v) { return v->arch; }
static inline struct vmx_vm *vmx_vm(struct vm *vm) { return vm->arch; }

/* vmx.c */
int vmx_cpu_enable(void) __must_check;

/* vmcs.c: make v's VMCS current on this CPU (VMPTRLD when it is not). */
void vmx_vmcs_load(struct vcpu *v);
int vmx_vcpu_create(struct vcpu *v, const struct vcpu_boot_state *boot) __must_check;
void vmx_vcpu_destroy(struct vcpu *v);
u64 vmx_get_reg(struct vcpu *v, enum vreg r);
void vmx_set_reg(struct vcpu *v, enum vreg r, u64 val);
/* Guest CR0/CR4 as the hardware must hold them for a guest-visible value. */
u64 vmx_cr0_forced(u64 visible);
u64 vmx_cr4_forced(u64 visible);
/* Keep the "IA-32e mode guest" entry control equal to guest EFER.LMA. */
void vmx_sync_ia32e(u64 efer);

/* vmcs_dump.c */
void vmx_dump(struct vcpu *v);

/* ept.c */
int vmx_vm_init(struct vm *vm) __must_check;
void vmx_vm_destroy(struct vm *vm);
void vmx_flush_tdp(struct vm *vm);

/* event.c */
void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
bool vmx_irq_injectable(struct vcpu *v);
bool vmx_nmi_injectable(struct vcpu *v);
void vmx_inject_irq(struct vcpu *v, u8 vector);
void vmx_inject_nmi(struct vcpu *v);
void vmx_request_window(struct vcpu *v, bool irq, bool nmi);
void vmx_event_before_entry(struct vcpu *v);
void vmx_event_after_exit(struct vcpu *v);

/* vcpu_switch.c: lazy switching of DR0-3/DR6 and the MSRs outside the
 * VMCS. vmx_switch_init sets reset values in a new vCPU; before_entry loads
 * v's values when another vCPU ran last on this CPU (and then returns
 * true); forget drops a vCPU being destroyed. vmx_dr_get reads DRn (0-3). */
void vmx_switch_init(struct vcpu *v);
bool vmx_switch_before_entry(struct vcpu *v);
void vmx_switch_forget(struct vcpu *v);
u64 vmx_dr_get(struct vcpu *v, int n);
u64 vmx_msr_get(struct vcpu *v, enum guest_msr m);
void vmx_msr_set(struct vcpu *v, enum guest_msr m, u64 val);

/* entry_report.c: snapshot v's VMCS and the capability MSRs for the
 * software entry checks (vmx/entry_check.h); explain a failed entry by
 * printing every failing check. Returns the first one's name, or NULL
 * when the software checks find nothing. */
struct vmx_check_input;
void vmx_check_snapshot(struct vcpu *v, struct vmx_check_input *in);
const char *vmx_entry_explain(struct vcpu *v);

/* exit.c */
enum exit_action vmx_run(struct vcpu *v);

/* entry.S: enter the guest with its GPRs and CR2; return 0 after a VM
 * exit, 1 on VMfailValid, 2 on VMfailInvalid (SDM Vol. 3C 31.2). */
int vmx_enter(struct guest_gprs *gprs, u64 *cr2, int resume);
void vmx_exit_stub(void);

#endif
