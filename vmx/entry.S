/* VMX guest entry and exit: load the guest GPRs and CR2 (VMX switches
 * neither, SDM Vol. 3C 27.3.2, 28.5), VMLAUNCH or VMRESUME, and on a VM exit
 * (host RIP = vmx_exit_stub, host RSP = the stack of vmx_enter, written
 * into the VMCS on every entry) save them back and return to the caller. */

#define VMCS_HOST_RSP 0x6c14

#include "core/guest_gprs_asm.h"

	.text
	.code64

/* int vmx_enter(struct guest_gprs *gprs %rdi, u64 *cr2 %rsi, int resume %edx)
 * Returns 0 after a VM exit, 1 on VMfailValid (ZF), 2 on VMfailInvalid (CF).
 * Interrupts are off while the guest runs; RFLAGS is restored on return. */
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushfq
	cli
	pushq %rsi                      /* 8(%rsp) at exit: CR2 slot */
	pushq %rdi                      /* (%rsp) at exit: struct guest_gprs */

	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfailed

	movq (%rsi), %rax
	movq %rax, %cr2

	testl %edx, %edx                /* flags survive the MOVs below */
	GPRS_LOAD_MOST %rdi
	movq G_RAX(%rdi), %rax
	movq G_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp .Lfailed
1:	vmresume

/* VMLAUNCH/VMRESUME fell through (SDM Vol. 3C 31.2): ZF = VMfailValid,
 * CF = VMfailInvalid. The stack is intact, the guest GPRs are dropped. */
.Lfailed:
	movl $1, %eax
	jz 2f
	movl $2, %eax
2:	addq $16, %rsp
	jmp .Lout

/* Host RIP of every VM exit. RSP is what vmx_enter wrote; RFLAGS is 0x2
 * (SDM Vol. 3C 28.5.3), so interrupts stay off until the popfq. */
	.globl vmx_exit_stub
	.type vmx_exit_stub, @function
vmx_exit_stub:
	pushq %rdi                      /* guest RDI */
	movq 8(%rsp), %rdi              /* struct guest_gprs */
	movq %rax, G_RAX(%rdi)
	GPRS_SAVE_MOST %rdi
	popq %rax
	movq %rax, G_RDI(%rdi)
	addq $8, %rsp                   /* the gprs pointer */
	popq %rsi                       /* CR2 slot */
	movq %cr2, %rax
	movq %rax, (%rsi)
	xorl %eax, %eax

.Lout:
	popfq
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size vmx_enter, . - vmx_enter

	.section .note.GNU-stack, "", @progbits
