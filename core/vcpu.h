/* The common vCPU interface. VMX (vmx/) and SVM (svm/) each fill one
 * struct vcpu_ops; common code never includes a vendor header and reaches
 * the vendor only through vcpu_ops, while vendor exit handlers reach common
 * code only through the shared emulation helpers of core/emulate.h. */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include "core/types.h"
#include "core/addr.h"

struct vm;

/* Guest general-purpose registers the hardware does not keep in the
 * VMCS/VMCB (RSP and RIP live there; on SVM so does RAX, which the vendor
 * code copies in and out around VMRUN so this struct is always complete). */
struct guest_gprs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Registers reachable through vcpu_ops get_reg/set_reg. */
enum vreg {
	VREG_RIP, VREG_RSP, VREG_RFLAGS, VREG_CR0, VREG_CR2, VREG_CR3, VREG_CR4,
	VREG_EFER, VREG_CS_BASE, VREG_CS_ATTR, VREG_SS_ATTR,
	/* Data segment bases (read-only through get_reg): the MMIO emulator's
	 * linear addresses. */
	VREG_ES_BASE, VREG_SS_BASE, VREG_DS_BASE, VREG_FS_BASE, VREG_GS_BASE,
	VREG_NR
};

/* Architectural MSRs whose guest values the vendor keeps (in the VMCS or
 * VMCB where the hardware has a field, else per vCPU, loaded into the CPU
 * whenever another vCPU ran last). The policy (which values are legal) is
 * common code: core/emulate.c. */
enum guest_msr {
	GMSR_FS_BASE, GMSR_GS_BASE, GMSR_KERNEL_GS_BASE,
	GMSR_STAR, GMSR_LSTAR, GMSR_CSTAR, GMSR_SFMASK,
	GMSR_SYSENTER_CS, GMSR_SYSENTER_ESP, GMSR_SYSENTER_EIP,
	GMSR_TSC_AUX, GMSR_PAT,
	GMSR_NR
};

/* What an exit handler asks the run loop to do next. */
enum exit_action {
	EXIT_RESUME,   /* re-enter the guest */
	EXIT_YIELD,    /* let the scheduler pick (HLT, preemption) */
	EXIT_KILL,     /* the guest is dead: vm->end_* says why */
	EXIT_DONE,     /* the guest ended itself (exit port): vm->end_* says how */
};

/* Where a guest starts: 32-bit protected mode, paging off, flat 4 GiB
 * CS/DS/ES/FS/GS/SS (the Multiboot spec 3.2 machine state, which is also
 * the Linux 32-bit boot protocol's), at eip with these registers (EAX/EBX
 * for Multiboot, ESI = the zero page for Linux); the others are zero. */
struct vcpu_boot_state {
	u32 eip, eax, ebx, esi;
};

struct vcpu {
	struct vm *vm;            /* (c) owning VM */
	void *arch;               /* (c) vendor state: VMCS region / VMCB etc. */
	struct guest_gprs gprs;   /* guest GPRs, valid between exits */
	/* Event being delivered when the last exit happened (IDT-vectoring
	 * info / EXITINTINFO), re-injected by the vendor at the next entry. */
	bool event_pending;
	u8 event_vector, event_type;
	bool event_has_error;
	u32 event_error;
	u32 event_insn_len;       /* VMX software events: VM-entry instruction length */
	void *fpu_area;           /* (c) XSAVE/FXSAVE area, 64-byte aligned (core/fpu.c) */
	u64 xcr0;                 /* the guest's XCR0 */
};

struct vcpu_ops {
	const char *name;                                /* "VMX" / "SVM" */
	/* Turn the extension on for this CPU (VMXON / EFER.SVME + host save
	 * area). Returns a negative code with a message when it cannot. */
	int (*cpu_enable)(void);
	/* Per-VM hardware state: the EPT/NPT format of vm->tdp, VPID/ASID. */
	int (*vm_init)(struct vm *vm);
	void (*vm_destroy)(struct vm *vm);
	/* Build the VMCS/VMCB for a vCPU starting in `boot` state. */
	int (*vcpu_create)(struct vcpu *v, const struct vcpu_boot_state *boot);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Enter the guest once and handle the exit through the vendor exit
	 * table; return what the run loop should do. Never panics on guest
	 * behaviour: failures set vm->end_* and return EXIT_KILL. */
	enum exit_action (*run)(struct vcpu *v);
	u64 (*get_reg)(struct vcpu *v, enum vreg r);
	void (*set_reg)(struct vcpu *v, enum vreg r, u64 val);
	/* Queue a hardware exception for the next entry (SDM Vol. 3C 27.6,
	 * APM Vol. 2 15.20). */
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error, u32 error);
	/* Drop the guest's cached translations after its EPT/NPT changed
	 * (INVEPT single-context / ASID flush). */
	void (*flush_tdp)(struct vm *vm);
	/* Print the guest state (for kills and VM-entry failures). */
	void (*dump)(struct vcpu *v);
	/* Read / write a guest MSR of enum guest_msr, value already checked by
	 * the common policy. NULL while a vendor does not keep them yet: the
	 * MSRs then raise #GP and CPUID hides SYSCALL, SEP, RDTSCP and PAT. */
	u64 (*msr_get)(struct vcpu *v, enum guest_msr m);
	void (*msr_set)(struct vcpu *v, enum guest_msr m, u64 val);
	/* Interrupt delivery (SDM Vol. 3C 26.7.5, 27.6; APM Vol. 2 15.20,
	 * 15.21). Called from the vendor's run() before its entry, through
	 * emu_before_entry(). irq_injectable: an external interrupt can be
	 * injected at this entry (RFLAGS.IF, no STI/MOV-SS shadow, no other
	 * event queued); nmi_injectable: likewise for an NMI (not blocked by
	 * an NMI still being handled). request_window asks for an exit as soon
	 * as the guest can take an interrupt (irq) or an NMI (nmi); false
	 * cancels the request. */
	bool (*irq_injectable)(struct vcpu *v);
	bool (*nmi_injectable)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, u8 vector);
	void (*inject_nmi)(struct vcpu *v);
	void (*request_window)(struct vcpu *v, bool irq, bool nmi);
};

/* The ops chosen at boot from cpufeat(); NULL when neither VMX nor SVM
 * is usable. */
extern const struct vcpu_ops *vcpu_ops;

extern const struct vcpu_ops vmx_ops;
extern const struct vcpu_ops svm_ops;

/* Pick vmx_ops or svm_ops from the detected features and enable it on this
 * CPU. Returns E_NOTSUP with a message when the CPU offers neither. */
int vcpu_select(void) __must_check;

#endif
