/* struct guest_gprs (core/vcpu.h) for the vendors' entry code: the field
 * offsets (checked against the C struct in core/vcpu.c) and the loads and
 * stores of the registers both VMX and SVM switch by hand. Included by
 * vmx/entry.S and svm/entry.S only. */
#ifndef CORE_GUEST_GPRS_ASM_H
#define CORE_GUEST_GPRS_ASM_H

#define G_RAX 0
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

#ifdef __ASSEMBLY__
/* Load RBX, RCX, RDX, RSI, RBP, R8-R15 from the struct at \base (RAX and
 * RDI are the caller's: RAX may live in the VMCB, RDI holds \base). */
.macro GPRS_LOAD_MOST base
	movq G_RBX(\base), %rbx
	movq G_RCX(\base), %rcx
	movq G_RDX(\base), %rdx
	movq G_RSI(\base), %rsi
	movq G_RBP(\base), %rbp
	movq G_R8(\base), %r8
	movq G_R9(\base), %r9
	movq G_R10(\base), %r10
	movq G_R11(\base), %r11
	movq G_R12(\base), %r12
	movq G_R13(\base), %r13
	movq G_R14(\base), %r14
	movq G_R15(\base), %r15
.endm

/* Store the same registers into the struct at \base. */
.macro GPRS_SAVE_MOST base
	movq %rbx, G_RBX(\base)
	movq %rcx, G_RCX(\base)
	movq %rdx, G_RDX(\base)
	movq %rsi, G_RSI(\base)
	movq %rbp, G_RBP(\base)
	movq %r8, G_R8(\base)
	movq %r9, G_R9(\base)
	movq %r10, G_R10(\base)
	movq %r11, G_R11(\base)
	movq %r12, G_R12(\base)
	movq %r13, G_R13(\base)
	movq %r14, G_R14(\base)
	movq %r15, G_R15(\base)
.endm
#endif

#endif
