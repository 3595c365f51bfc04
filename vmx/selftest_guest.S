/* The guest of the VMX self-test (vmx/vmx_selftest.c), copied to guest
 * physical ST_BASE and started in the Multiboot state (32-bit protected mode,
 * paging off). It checks CPUID, a 16-bit IN, an injected #GP and an INT3
 * whose delivery faults on a not yet backed stack page (re-injection), then
 * enters long mode with a MOV to CR0 that also sets NE (the emulated CR0
 * path), moves CR8, and leaves through port 0xf4 with 0 or the number of
 * the failed check. Absolute addresses are (label - start + ST_BASE). */

#define ST_BASE 0x1000
#define A(l) l - vmx_st_guest + ST_BASE
#define CHECK(cond, n) j##cond 1f; movb $n, %al; jmp fail; 1:

	.section .rodata.vmx_st_guest, "a"
	.globl vmx_st_guest, vmx_st_guest_end
	.code32
vmx_st_guest:
	movl $0x8000, %esp
	lgdtl A(gdtr)
	lidtl A(idtr)

	movl $0x40000000, %eax          /* 1: the hypervisor leaf says "page..." */
	cpuid
	cmpl $0x65676170, %ebx
	CHECK(e, 1)

	movl $0x12345678, %eax          /* 2: IN AX keeps EAX[31:16] */
	movw $0x2000, %dx
	inw %dx, %ax
	cmpl $0x1234ffff, %eax
	CHECK(e, 2)

	movl $0x20000, %esp             /* 3, 4: #GP pushed on an unbacked page */
	movl $0x12345678, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
gp_insn:
	wrmsr
	movb $5, %al                    /* no #GP at all */
	jmp fail

after_gp:
	movl $0x30000, %esp             /* 6: INT3 pushed on an unbacked page */
	int3
bp_next:
	movb $6, %al                    /* the handler did not run */
	jmp fail

after_bp:
	movl %cr4, %eax                 /* 7..10: long mode, CR0.NE set too */
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0x10000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000020, %eax
	movl %eax, %cr0
	ljmpl $0x18, $A(long64)

gp_handler:
	cmpl $0, (%esp)                 /* 3: error code 0 */
	CHECK(e, 3)
	cmpl $A(gp_insn), 4(%esp)       /* 4: fault at the WRMSR */
	CHECK(e, 4)
	jmp after_gp

bp_handler:
	cmpl $A(bp_next), (%esp)        /* 6: trap after the INT3 */
	CHECK(e, 6)
	jmp after_bp

fail:
	outb %al, $0xf4
	hlt

	.code64
long64:
	movl $0xc0000080, %ecx
	rdmsr
	testl $0x400, %eax              /* 7: EFER.LMA */
	movb $7, %al
	jz fail64
	movq %cr0, %rax
	movl $0x80000031, %edx
	cmpq %rdx, %rax                 /* 8: PG NE ET PE as written */
	movb $8, %al
	jne fail64
	movq %cr4, %rax
	cmpq $0x20, %rax                /* 9: PAE only, VMXE hidden */
	movb $9, %al
	jne fail64
	movl $0xa, %edx                 /* 10: CR8 reads back what was written */
	movq %rdx, %cr8
	movq %cr8, %rax
	cmpq %rdx, %rax
	movb $10, %al
	jne fail64
	xorl %eax, %eax
fail64:
	outb %al, $0xf4
	hlt

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
gdt_end:
idt:                                    /* 32-bit interrupt gates, vectors 0..13 */
	.fill 3, 8, 0
	.word A(bp_handler), 0x08, 0x8e00, 0   /* 3: #BP */
	.fill 9, 8, 0
	.word A(gp_handler), 0x08, 0x8e00, 0   /* 13: #GP */
idt_end:
gdtr:
	.word gdt_end - gdt - 1
	.long A(gdt)
idtr:
	.word idt_end - idt - 1
	.long A(idt)
vmx_st_guest_end:

	.section .note.GNU-stack, "", @progbits
