/* Loader headers. GRUB's `multiboot2` command reads the Multiboot2 header and
 * loads the ELF segments at their physical addresses; QEMU's `-kernel` only
 * speaks Multiboot 1 and refuses ELF64, so a Multiboot 1 header with the
 * a.out-kludge address fields (flag bit 16) describes the same image. */

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))
#define MB2_MAGIC 0xe85250d6
#define KERNEL_VMA 0xffffffff80000000

	.section .multiboot, "a"
	.code32

	/* Multiboot 1 (Multiboot spec 0.6.96, 3.1.1-3.1.3): must sit in the
	 * first 8 KiB, 4-byte aligned. */
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header - KERNEL_VMA   /* header_addr */
	.long _image_start_phys         /* load_addr */
	.long _load_end_phys            /* load_end_addr */
	.long _bss_end_phys             /* bss_end_addr */
	.long start32_phys              /* entry_addr */

	/* Multiboot2 (spec 2.0, 3.1): first 32 KiB, 8-byte aligned tags. */
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0                         /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))

	/* Entry address tag (type 3): enter at the 32-bit physical entry. */
	.balign 8
	.short 3, 0
	.long 12
	.long start32_phys

	/* Module alignment tag (type 6): page-align modules. */
	.balign 8
	.short 6, 0
	.long 8

	/* Framebuffer tag (type 5, spec 3.1.10), optional (flags bit 0): ask
	 * for a 1024x768x32 linear framebuffer; GRUB may give another mode or,
	 * with `set gfxpayload=text`, none. core/console.c draws on it only
	 * with console=fb or console=both. */
	.balign 8
	.short 5, 1
	.long 20
	.long 1024, 768, 32

	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:
