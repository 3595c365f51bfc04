/* Guest entry for SVM: VMRUN with the guest GPRs swapped in and out of
 * struct guest_gprs (RAX lives in the VMCB). VMRUN/#VMEXIT switch only part
 * of the state (APM Vol. 2 15.5.1, 15.6): FS, GS, TR, LDTR, KernelGSBase,
 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are switched here with VMSAVE/VMLOAD
 * of a host VMCB and of the guest VMCB (APM Vol. 2 15.5.2). */

/* struct guest_gprs offsets (checked by _Static_assert in svm/svm.c). */
#define G_RBX 8
#define G_RCX 16
#define G_RDX 24
#define G_RSI 32
#define G_RDI 40
#define G_RBP 48
#define G_R8  56
#define G_R9  64
#define G_R10 72
#define G_R11 80
#define G_R12 88
#define G_R13 96
#define G_R14 104
#define G_R15 112

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

	movq G_RBX(%rdi), %rbx
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RBP(%rdi), %rbp
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RSI(%rdi), %rsi
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
	movq %rbx, G_RBX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)

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
