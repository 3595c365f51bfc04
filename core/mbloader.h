/* Multiboot (version 1) kernel loader: places an ELF32/ELF64 or a.out-kludge
 * image in a guest's memory and builds the Multiboot information structure
 * there, per the Multiboot Specification 0.6.96. Pure over mm/gmem.h; the
 * image is outside input and checked in full before anything is written. */
#ifndef CORE_MBLOADER_H
#define CORE_MBLOADER_H

#include "core/types.h"
#include "mm/gmem.h"

#define MB_HEADER_MAGIC 0x1badb002u      /* in the image (spec 3.1.2) */
#define MB_BOOT_MAGIC 0x2badb002u        /* EAX at the guest's entry (3.2) */
#define MB_SEARCH_LEN 8192               /* header lies within these bytes */
#define MB_MAX_SEGS 32                   /* PT_LOAD segments accepted */
#define MB_MAX_MODS 32                   /* modules handed to one guest */
#define MB_LOADER_NAME "pagevisor"

/* Header flags (spec 3.1.2). Bits 0-15 are requirements: a loader that
 * cannot honour one must refuse the image. */
#define MB_FLAG_PAGE_ALIGN BIT(0)        /* modules page-aligned: always done */
#define MB_FLAG_MEMINFO BIT(1)           /* mem_* and mmap: always given */
#define MB_FLAG_VIDEO BIT(2)             /* video mode: accepted, ignored */
#define MB_FLAG_AOUT_KLUDGE BIT(16)      /* load addresses in the header */
#define MB_FLAGS_HONOURED (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO)

/* Info flags (spec 3.3) that mbloader_build_info() sets. */
#define MB_INFO_MEMORY BIT(0)
#define MB_INFO_CMDLINE BIT(2)
#define MB_INFO_MODS BIT(3)
#define MB_INFO_MMAP BIT(6)
#define MB_INFO_LOADER_NAME BIT(9)

enum mb_format { MB_FMT_AOUT, MB_FMT_ELF32, MB_FMT_ELF64 };

/* Where a loaded image went. */
struct mb_load_result {
	enum mb_format format;
	u32 header_flags;                /* the image's Multiboot header flags */
	u32 entry;                       /* guest-physical entry point (EIP) */
	u64 image_start, image_end;      /* lowest/highest+1 loaded byte, bss included */
};

/* One module to hand to the guest: bytes in host memory and its string. */
struct mb_module_src {
	const u8 *data;
	u64 size;
	const char *string;              /* NULL is an empty string */
};

/*
 * Check the Multiboot kernel image[0..size) in full, then load it into g:
 * file bytes are written (populating only the pages they touch) and bss is
 * zeroed only in pages already populated (absent RAM reads as zero). On a
 * bad image print one pr_err line "<modname>: <reason>" and return E_INVAL
 * with g unchanged; E_NOMEM if host frames ran out while writing. Fills
 * *out on success.
 */
int mbloader_load(struct gmem *g, const char *modname, const u8 *image, u64 size,
		  struct mb_load_result *out) __must_check;

/*
 * Copy the modules into guest RAM page-aligned above the image and build the
 * Multiboot information structure after them (docs/guests.md): memory sizes
 * and a memory map from g's slots, cmdline (NULL = ""), modules, boot loader
 * name "pagevisor". Everything is placed below 4 GiB in RAM; E_RANGE (with a
 * pr_err line naming modname) when it does not fit, E_NOMEM when out of
 * frames. *info_gpa gets the address for EBX.
 */
int mbloader_build_info(struct gmem *g, const char *modname,
			const struct mb_load_result *img, const char *cmdline,
			const struct mb_module_src *mods, size_t nmods,
			u32 *info_gpa) __must_check;

#endif
