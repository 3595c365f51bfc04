/* 32-bit entry from either loader: check for long mode, build boot page
 * tables (identity and direct map of the first 4 GiB, the image at
 * KERNEL_VMA), enable PAE/LME/NX/paging and jump to kmain() in the top 2 GiB.
 * The loader magic and info pointer are passed on; C validates them. */

#define KERNEL_VMA 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VMA)
#define COM1 0x3f8
#define BOOT_STACK_SIZE 16384

	.section .boot.text, "ax"
	.code32
	.globl start32
start32:
	cli
	cld
	movl %eax, %edi                 /* loader magic -> kmain arg 1 */
	movl %ebx, %esi                 /* info pointer -> kmain arg 2 */
	movl $PHYS(boot_stack_top), %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX.LM (SDM Vol. 3A 9.8.5). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp                 /* keep NX support (bit 20) */

	pushl %edi
	pushl %esi
	call build_boot_tables
	popl %esi
	popl %edi

	movl %cr4, %eax
	orl $(1 << 5), %eax             /* CR4.PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3

	movl $0xc0000080, %ecx          /* EFER */
	rdmsr
	orl $(1 << 8), %eax             /* LME */
	btl $20, %ebp
	jnc 1f
	orl $(1 << 11), %eax            /* NXE when the CPU has NX */
1:	wrmsr

	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax   /* PG | WP | PE */
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $0x08, $PHYS(start64_low)

/* Fill boot_pd[0..3] with 2 MiB identity pages over 4 GiB and link the
 * tables: PML4[0] and PML4[256] (direct map) -> boot_pdpt_low, PML4[511] ->
 * boot_pdpt_high whose entry 510 maps KERNEL_VMA to physical 0..1 GiB. */
build_boot_tables:
	movl $PHYS(boot_pd), %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                 /* P | RW | PS */
	movl %eax, (%edi, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax                  /* high bits of (i << 21) */
	movl %eax, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl $PHYS(boot_pdpt_low), %edi
	movl $PHYS(boot_pd), %eax
	orl $3, %eax
	xorl %ecx, %ecx
3:	movl %eax, (%edi, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 3b

	movl $PHYS(boot_pdpt_high), %edi
	movl $PHYS(boot_pd), %eax
	orl $3, %eax
	movl %eax, 510 * 8(%edi)

	movl $PHYS(boot_pml4), %edi
	movl $PHYS(boot_pdpt_low), %eax
	orl $3, %eax
	movl %eax, (%edi)
	movl %eax, 256 * 8(%edi)
	movl $PHYS(boot_pdpt_high), %eax
	orl $3, %eax
	movl %eax, 511 * 8(%edi)
	ret

/* No long mode: say so on COM1 and stop. */
no_long_mode:
	movl $PHYS(msg_no_lm), %esi
	call serial_puts32
4:	hlt
	jmp 4b

serial_puts32:
	movw $COM1 + 3, %dx
	movb $0x03, %al                 /* 8N1 */
	outb %al, %dx
5:	lodsb
	testb %al, %al
	jz 7f
	movb %al, %bl
	movw $COM1 + 5, %dx
6:	inb %dx, %al
	testb $0x20, %al
	jz 6b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 5b
7:	ret

	.code64
start64_low:
	movabsq $start64_high, %rax
	jmp *%rax

	.section .text
start64_high:
	xorl %eax, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp                 /* terminates the backtrace */
	/* %edi = magic, %esi = info (zero-extended by the 32-bit moves) */
	call kmain
8:	cli
	hlt
	jmp 8b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
msg_no_lm:
	.asciz "pagevisor: this CPU has no long mode (CPUID 0x80000001 EDX.LM=0); cannot boot\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
