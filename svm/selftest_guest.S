/* The state guest of the SVM self-tests (svm/svm_selftest.c), copied to
 * guest physical ST_BASE and started in the Multiboot state with EBX = a
 * seed and EAX = flags. It sets DR0-3, CR2 and the vendor-kept MSRs to
 * values derived from the seed, makes many exits (the test runs another vCPU
 * after each one), reads everything back, and leaves through port 0xf4 with
 * 0 or the number of the failed check. Flags: bit 0 RDTSCP may be used,
 * bit 1 XSAVE is there (set CR4.OSXSAVE, XSETBV XCR0 = x87|SSE), bit 2 then
 * XSETBV an invalid XCR0 under an empty IDT (the #GP must kill the guest). */

#define CHECK(cond, n) j##cond 1f; movb $n, %al; jmp fail; 1:
#define WRMSR(msr, off) movl $msr, %ecx; leal off(%ebp), %eax; xorl %edx, %edx; wrmsr
#define CHKMSR(msr, off, n) movl $msr, %ecx; rdmsr; subl $off, %eax; cmpl %ebp, %eax; CHECK(e, n)
#define CHKDR(dr, off, n) movl dr, %eax; subl $off, %eax; cmpl %ebp, %eax; CHECK(e, n)

	.section .rodata.svm_st_guest, "a"
	.globl svm_st_guest, svm_st_guest_end
	.code32
svm_st_guest:
	movl %eax, %esi                 /* flags */
	movl %ebx, %ebp                 /* seed (CPUID clobbers EBX) */
	movl %ebp, %eax
	movl %eax, %dr0
	leal 1(%ebp), %eax
	movl %eax, %dr1
	leal 2(%ebp), %eax
	movl %eax, %dr2
	leal 3(%ebp), %eax
	movl %eax, %dr3
	leal 4(%ebp), %eax
	movl %eax, %cr2
	WRMSR(0xc0000103, 0)            /* TSC_AUX */
	WRMSR(0xc0000082, 5)            /* LSTAR */
	WRMSR(0xc0000102, 6)            /* KERNEL_GS_BASE */
	WRMSR(0xc0000081, 7)            /* STAR */
	WRMSR(0x176, 8)                 /* SYSENTER_EIP */

	movl $40, %edi                  /* exits: the other vCPU runs in between */
2:	xorl %eax, %eax
	cpuid
	decl %edi
	jnz 2b

	CHKDR(%dr0, 0, 1)
	CHKDR(%dr1, 1, 2)
	CHKDR(%dr2, 2, 3)
	CHKDR(%dr3, 3, 4)
	CHKDR(%cr2, 4, 5)
	CHKMSR(0xc0000103, 0, 6)
	CHKMSR(0xc0000082, 5, 7)
	CHKMSR(0xc0000102, 6, 8)
	CHKMSR(0xc0000081, 7, 9)
	CHKMSR(0x176, 8, 10)

	testl $1, %esi                  /* 11: RDTSCP returns this vCPU's TSC_AUX */
	jz 3f
	rdtscp
	cmpl %ebp, %ecx
	CHECK(e, 11)
3:
	testl $2, %esi                  /* 12: XSETBV x87|SSE, read back */
	jz 4f
	movl %cr4, %eax
	orl $0x40000, %eax
	movl %eax, %cr4
	xorl %ecx, %ecx
	movl $3, %eax
	xorl %edx, %edx
	xsetbv
	xorl %eax, %eax
	cpuid
	xorl %ecx, %ecx
	xgetbv
	cmpl $3, %eax
	CHECK(e, 12)
	testl $4, %esi                  /* invalid XCR0 (SSE without x87): #GP */
	jz 4f
	lidtl idtr0 - svm_st_guest + 0x1000
	xorl %ecx, %ecx
	movl $2, %eax
	xorl %edx, %edx
	xsetbv
	movb $13, %al                   /* no #GP */
	jmp fail
4:
	xorl %eax, %eax
fail:
	outb %al, $0xf4
	hlt
	.p2align 3
idtr0:
	.word 0
	.long 0
svm_st_guest_end:

	.section .note.GNU-stack, "", @progbits
