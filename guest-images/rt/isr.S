/* Entry stubs for vectors 0-31 (exceptions) and 32-255 (external and
 * software interrupts): push a uniform frame (vector, error code, general
 * registers) and call rt_trap(), which reports an exception and exits,
 * redirects the frame to rt_try's recovery point, or calls the handler
 * registered for an interrupt vector. Vectors with a CPU-pushed error code:
 * SDM Vol. 3A 6.15 (table 6-1); interrupts never push one. */

	.macro stub v
	.align 16
isr_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
	.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr

/* Interrupt stubs: vector v (32-255) at rt_irq_stubs + 16 * (v - 32). */
	.align 16
	.globl rt_irq_stubs
rt_irq_stubs:
	.set vec, 32
	.rept 224
	.align 16
	pushq $0
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

/* Frame layout (struct rt_frame in rt.h): r15..rax, vector, error, then
 * the CPU's rip, cs, rflags, rsp, ss. */
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
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call rt_trap
	movq %rbx, %rsp
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
	addq $16, %rsp
	iretq

	.section .rodata
	.align 8
	.globl rt_isr_table
rt_isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr

	.section .note.GNU-stack, "", @progbits
