/* Interrupt and exception entry stubs for all 256 vectors. Each stub makes
 * the frame uniform (a zero error code where the CPU pushes none, SDM Vol. 3A
 * 6.13), pushes its vector and joins isr_common, which saves the general
 * registers as a struct regs (core/idt.h) and calls isr_dispatch(). */

	.section .text
	.altmacro

.macro ISR_STUB vec
	.balign 16
isr_stub_\vec:
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

.macro ISR_ADDR vec
	.quad isr_stub_\vec
.endm

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call isr_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                  /* vector and error code */
	iretq

	.set i, 0
	.rept 256
	ISR_STUB %i
	.set i, i + 1
	.endr

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	.set i, 0
	.rept 256
	ISR_ADDR %i
	.set i, i + 1
	.endr
