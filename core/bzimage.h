/* Linux x86 boot protocol loader: checks a bzImage's setup header, places
 * the protected-mode kernel, the initrd, the command line and the zero page
 * (struct boot_params with an e820 table built from the guest's slots) in
 * guest memory, for the 32-bit boot protocol entry. Pure over mm/gmem.h; the
 * image is outside input and is checked in full before anything is written.
 * Reference: Linux Documentation/arch/x86/boot.rst and zero-page.rst. */
#ifndef CORE_BZIMAGE_H
#define CORE_BZIMAGE_H

#include "core/types.h"
#include "mm/gmem.h"

/* Setup header fields: offsets in the file (= in boot_params). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_SYSSIZE 0x1f4
#define BZ_BOOT_FLAG 0x1fe
#define BZ_JUMP 0x200
#define BZ_HEADER 0x202
#define BZ_VERSION 0x206
#define BZ_TYPE_OF_LOADER 0x210
#define BZ_LOADFLAGS 0x211
#define BZ_CODE32_START 0x214
#define BZ_RAMDISK_IMAGE 0x218
#define BZ_RAMDISK_SIZE 0x21c
#define BZ_HEAP_END_PTR 0x224
#define BZ_EXT_LOADER_VER 0x226      /* and ext_loader_type at 0x227 */
#define BZ_CMD_LINE_PTR 0x228
#define BZ_INITRD_ADDR_MAX 0x22c
#define BZ_KERNEL_ALIGNMENT 0x230
#define BZ_RELOCATABLE 0x234
#define BZ_MIN_ALIGNMENT 0x235
#define BZ_XLOADFLAGS 0x236
#define BZ_CMDLINE_SIZE 0x238
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_SETUP_DATA 0x250
#define BZ_PREF_ADDRESS 0x258
#define BZ_INIT_SIZE 0x260
#define BZ_HDR_MAX_END 0x290            /* edd_mbr_sig_buffer follows hdr */

/* Zero-page (struct boot_params) fields outside the setup header. */
#define BZ_ZP_ACPI_RSDP_ADDR 0x070
#define BZ_ZP_EXT_RAMDISK_IMAGE 0x0c0
#define BZ_ZP_EXT_RAMDISK_SIZE 0x0c4
#define BZ_ZP_EXT_CMD_LINE_PTR 0x0c8
#define BZ_ZP_E820_ENTRIES 0x1e8
#define BZ_ZP_SENTINEL 0x1ef
#define BZ_ZP_E820_TABLE 0x2d0
#define BZ_ZP_E820_MAX 128              /* E820_MAX_ENTRIES_ZEROPAGE */
#define BZ_ZP_SIZE 0x1000

#define BZ_BOOT_FLAG_MAGIC 0xaa55
#define BZ_HDRS_MAGIC 0x53726448u       /* "HdrS" */
#define BZ_VERSION_MIN 0x0206           /* cmdline_size exists from 2.06 */
#define BZ_VERSION_PREF 0x020a          /* pref_address, init_size */
#define BZ_VERSION_RSDP 0x020e          /* acpi_rsdp_addr */

#define BZ_LOADED_HIGH BIT(0)           /* loadflags: a bzImage */
#define BZ_XLF_KERNEL_64 BIT(0)         /* xloadflags: 64-bit entry at +0x200 */
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)

#define BZ_LOADER_TYPE 0xff             /* "undefined" boot loader id */
#define BZ_HIGH_LOAD 0x100000ull        /* non-relocatable kernels load here */
#define BZ_ZERO_PAGE_GPA 0x7000ull      /* below 640 KiB, as boot.rst suggests */
#define BZ_CMDLINE_GPA 0x20000ull
#define BZ_CMDLINE_AREA 0x10000ull      /* [0x20000, 0x30000): longest cmdline + NUL */

/* e820 types (ACPI 6.5 15, "address range types"). */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3                     /* ACPI reclaimable */
#define E820_NVS 4

/* One e820 entry as boot_params.e820_table holds it. */
struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;
_Static_assert(sizeof(struct e820_entry) == 20, "boot_params e820 entry");

/* Extra ranges the platform reserves (e.g. the ACPI tables); they take
 * precedence over the slot kinds beneath them, a later range over an
 * earlier one. */
#define BZ_E820_EXTRA_MAX 16
struct e820_extra {
	const struct e820_entry *ranges;
	size_t n;                       /* at most BZ_E820_EXTRA_MAX */
};

/* What bzimage_parse() read from a setup header, defaults filled in. */
struct bzimage_info {
	u16 version;
	u8 loadflags;
	u16 xloadflags;                 /* 0 before 2.12 */
	bool relocatable;
	u32 kernel_alignment;           /* power of two when relocatable */
	u8 min_alignment;               /* log2; 0 before 2.10 */
	u64 pref_address;               /* BZ_HIGH_LOAD before 2.10 */
	u64 init_size;                  /* bytes needed from the load address */
	u32 initrd_addr_max;            /* highest byte address of the initrd */
	u32 cmdline_size;               /* longest cmdline without the NUL */
	u64 setup_size;                 /* (setup_sects + 1) * 512 */
	u64 hdr_end;                    /* 0x202 + byte at 0x201 */
	u64 payload_off, payload_size;  /* protected-mode kernel: the rest of the file */
	char why[160];                  /* the reason when rejected */
};

/* An initrd to pass: bytes in host memory. */
struct bzimage_initrd {
	const u8 *data;
	u64 size;
};

/* Where bzimage_load() put things (guest-physical). */
struct bzimage_result {
	u32 entry32;                    /* 32-bit entry = load address; ESI = zero_page */
	u64 entry64;                    /* load + 0x200 when XLF_KERNEL_64, else 0 */
	u32 zero_page;
	u32 cmdline;
	u64 load_start, load_end;       /* the kernel bytes written */
	u64 reserve_end;                /* load_start + init_size */
	u64 initrd_start, initrd_end;   /* 0, 0 without an initrd */
	u32 e820_entries;
	u16 version;
};

/*
 * Check the setup header of image[0..size) and fill *out. Returns 0, or
 * E_INVAL with out->why naming the problem. Accepts protocol 2.06 to 2.255
 * bzImages (LOADED_HIGH): 2.06 is the first with cmdline_size, and every
 * field the 32-bit protocol needs (code32_start, initrd_addr_max,
 * kernel_alignment, relocatable_kernel) exists by then. Before 2.10,
 * init_size is estimated as four times the payload and pref_address is
 * 1 MiB.
 */
int bzimage_parse(const u8 *image, u64 size, struct bzimage_info *out) __must_check;

/* True when image[0..size) carries the boot protocol's signatures (boot
 * flag 0xAA55 at 0x1FE, "HdrS" at 0x202): it is meant to be loaded as a
 * Linux kernel, whether or not the rest of the header is acceptable. */
bool bzimage_detect(const u8 *image, u64 size);

/*
 * Build the e820 map of g into entries[0..max): RAM slots usable (1), ROM
 * and the VGA hole reserved (2), NONE slots left out, then the extra ranges
 * (may be NULL) laid over them; sorted, non-overlapping, adjacent equal
 * types merged. Returns the number of entries, E_INVAL for an extra range
 * that wraps or too many extras, E_RANGE when more than max are needed.
 */
int bzimage_e820(const struct gmem *g, const struct e820_extra *extras,
		 struct e820_entry *entries, size_t max) __must_check;

/*
 * Check the bzImage image[0..size) (bzimage_parse) and the placement of
 * everything, then load it into g for the 32-bit boot protocol entry: the
 * kernel at pref_address when relocatable and [pref, pref + init_size) is
 * RAM, else at the first kernel_alignment (then min_alignment) boundary from
 * 1 MiB where it is, or at 1 MiB when not relocatable; the initrd (NULL or
 * empty: none) page-aligned as high as possible below min(initrd_addr_max,
 * 4 GiB) and above the kernel's init_size; the command line (NULL = "",
 * truncated with a warning beyond cmdline_size) at BZ_CMDLINE_GPA; the zero
 * page at BZ_ZERO_PAGE_GPA with the setup header, type_of_loader 0xff,
 * LOADED_HIGH, cmd_line_ptr, ramdisk_*, the e820 table (bzimage_e820 with
 * `reserved`) and acpi_rsdp_addr (when non-zero and protocol >= 2.14).
 * Nothing is placed inside a reserved range. On a bad image or when
 * something does not fit, print one pr_err line "<modname>: <reason>" and
 * return E_INVAL with g unchanged; E_NOMEM if host frames ran out while
 * writing. Fills *out on success; the caller starts the vCPU at entry32 in
 * flat 32-bit protected mode, paging and interrupts off, ESI = zero_page,
 * EBP = EDI = EBX = 0 (boot.rst: CS __BOOT_CS 0x10, DS/ES/SS __BOOT_DS 0x18).
 */
int bzimage_load(struct gmem *g, const char *modname, const u8 *image, u64 size,
		 const char *cmdline, const struct bzimage_initrd *initrd, u64 acpi_rsdp,
		 const struct e820_extra *reserved, struct bzimage_result *out) __must_check;

#endif
