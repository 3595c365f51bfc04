/* Guest entry for SVM: VMRUN with the guest GPRs swapped in and out of
 * struct guest_gprs (RAX lives in the VMCB). VMRUN/#VMEXIT switch only part
 * of the state (APM Vol. 2 15.5.1, 15.6): FS, GS, TR, LDTR, KernelGSBase,
 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are switched here with VMSAVE/VMLOAD
 * of a host VMCB and of the guest VMCB (APM Vol. 2 15.5.2). */

#include "core/guest_gprs_asm.h"

	.text
	.code64

/* void svm_vmrun(struct guest_gprs *gprs, u64 vmcb_pa, u64 host_vmcb_pa)
 * GIF is cleared for the whole switch so no interrupt or NMI arrives while
 * the CPU holds part host, part guest state; STGI at the end lets a pending
 * host interrupt (intercepted as INTR) be taken. */
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                  /* 16(%rsp): gprs */
	pushq %rsi                  /*  8(%rsp): guest VMCB */
	pushq %rdx                  /*  0(%rsp): host VMCB */

	clgi
	movq %rdx, %rax
	vmsave %rax                 /* host FS/GS/TR/LDTR/syscall MSRs */
	movq %rsi, %rax
	vmload %rax                 /* the guest's */

	GPRS_LOAD_MOST %rdi
	movq G_RDI(%rdi), %rdi

	sti                         /* host IF=1 under GIF=0: with V_INTR_MASKING a
				       host interrupt then ends the guest's run
				       through the INTR intercept (APM Vol. 2
				       15.17, 15.21.1); it is taken after STGI */
	vmrun %rax                  /* RAX = guest VMCB; #VMEXIT restores host RAX, RSP */
	cli

	pushq %rdi                  /* guest RDI; gprs is now at 24(%rsp) */
	movq 24(%rsp), %rdi
	popq G_RDI(%rdi)
	GPRS_SAVE_MOST %rdi

	movq 8(%rsp), %rax
	vmsave %rax                 /* guest FS/GS/TR/LDTR/syscall MSRs */
	movq 0(%rsp), %rax
	vmload %rax                 /* host's back */
	stgi

	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size svm_vmrun, . - svm_vmrun

	.section .note.GNU-stack, "", @progbits
