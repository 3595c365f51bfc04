/* VMX guest entry and exit: load the guest GPRs and CR2 (VMX switches
 * neither, SDM Vol. 3C 27.3.2, 28.5), VMLAUNCH or VMRESUME, and on a VM exit
 * (host RIP = vmx_exit_stub, host RSP = the stack of vmx_enter, written
 * into the VMCS on every entry) save them back and return to the caller. */

#define VMCS_HOST_RSP 0x6c14

/* struct guest_gprs offsets (core/vcpu.h; checked in vmx/vmx.c). */
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
	movq G_RBX(%rdi), %rbx
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RSI(%rdi), %rsi
	movq G_RBP(%rdi), %rbp
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
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
