/* Test-guest entry: the Multiboot (version 1) header, the 32-bit entry the
 * loader jumps to (paging off, flat segments, no valid GDT/IDT assumed), the
 * switch to long mode over an identity map of the low 8 GiB in 2 MiB pages
 * (guests with RAM above 4 GiB reach it directly),
 * and rt_try() for probes that expect a fault. Built with -DRT_AOUT for the
 * a.out-kludge variant (header fields give the load addresses). */

#define MB_MAGIC        0x1BADB002
#define MB_PAGE_ALIGN   (1 << 0)
#define MB_MEMINFO      (1 << 1)
#define MB_AOUT_KLUDGE  (1 << 16)
#ifdef RT_AOUT
#define MB_FLAGS        (MB_PAGE_ALIGN | MB_MEMINFO | MB_AOUT_KLUDGE)
#else
#define MB_FLAGS        (MB_PAGE_ALIGN | MB_MEMINFO)
#endif

#define CR0_PE          (1 << 0)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xC0000080
#define EFER_LME        (1 << 8)
#define PTE_P_W         0x3             /* present, writable */
#define PDE_2M          0x83            /* present, writable, PS (SDM Vol. 3A 4.5) */
#define PD_PAGES        8               /* page directories: 8 x 1 GiB identity */

#define SEL_CODE32      0x08
#define SEL_DATA        0x10
#define SEL_CODE64      0x18

/* Multiboot specification 0.6.96, section 3.1.1: 4-byte aligned, within the
 * first 8192 bytes of the image (the linker script puts it first). */
	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef RT_AOUT
	.long mb_header                 /* header_addr */
	.long _load_start               /* load_addr */
	.long _load_end                 /* load_end_addr */
	.long _bss_end                  /* bss_end_addr */
	.long _start32                  /* entry_addr */
#endif

	.section .text.entry, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %edi                 /* Multiboot magic, kept for rt_start */
	movl %ebx, %esi                 /* Multiboot information address */
	lgdt gdt_ptr
	ljmp $SEL_CODE32, $1f
1:	movl $SEL_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $rt_stack_top, %esp

	/* Every entry of every table is written: nothing relies on the
	 * loader's bss zeroing (rt_start checks that separately). */
	movl $pml4, %ebx
	movl $pdpt, %eax
	orl $PTE_P_W, %eax
	movl %eax, (%ebx)
	movl $0, 4(%ebx)
	movl $1, %ecx
2:	movl $0, (%ebx,%ecx,8)
	movl $0, 4(%ebx,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 2b

	movl $pdpt, %ebx                /* pdpt[0..7] -> pd (8 pages), rest 0 */
	xorl %ecx, %ecx
3:	xorl %eax, %eax
	cmpl $PD_PAGES, %ecx
	jae 4f
	movl %ecx, %eax
	shll $12, %eax
	addl $pd, %eax
	orl $PTE_P_W, %eax
4:	movl %eax, (%ebx,%ecx,8)
	movl $0, 4(%ebx,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 3b

	movl $pd, %ebx                  /* 4096 x 2 MiB = 8 GiB identity */
	xorl %ecx, %ecx
5:	movl %ecx, %eax
	shll $21, %eax
	orl $PDE_2M, %eax
	movl %eax, (%ebx,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax                  /* bits 32+ of the address */
	movl %eax, 4(%ebx,%ecx,8)
	incl %ecx
	cmpl $(PD_PAGES * 512), %ecx
	jne 5b

	/* SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, then CR0.PG activates IA-32e. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl %edi, %ebp
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %ebp, %edi
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $long_entry

	.code64
long_entry:
	movl $SEL_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movq $rt_stack_top, %rsp
	xorl %ebp, %ebp
	movl %edi, %edi
	movl %esi, %esi
	call rt_start                   /* (magic, info); does not return */
6:	hlt
	jmp 6b

/*
 * int rt_try(void (*fn)(void *), void *arg): run fn(arg); return -1 if it
 * returned normally, else the vector of the exception it raised (the
 * handler resumes at the label below on the stack saved here).
 */
	.text
	.globl rt_try
rt_try:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp                   /* keep the call 16-byte aligned */
	movq %rsp, rt_fixup_rsp(%rip)
	leaq 1f(%rip), %rax
	movq %rax, rt_fixup_rip(%rip)
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	movq $-1, %rax
1:	movq $0, rt_fixup_rip(%rip)     /* a fault lands here with the vector in rax */
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.section .rodata
	.align 16
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff        /* 0x10: data, flat */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code (L=1, D=0) */
gdt_end:
	.align 8
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip PD_PAGES * 4096
	.align 16
	.globl rt_stack_top
rt_stack:
	.skip 16384
rt_stack_top:

	.section .note.GNU-stack, "", @progbits
