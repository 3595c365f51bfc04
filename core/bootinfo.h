/* The loader's hand-over (Multiboot 1 or 2) turned into one neutral,
 * self-contained struct boot_info: every string and table the hypervisor
 * needs is copied out, so the loader's structure may be overwritten after
 * bootinfo_parse(). The input is never trusted; see core/bootinfo.c. */
#ifndef CORE_BOOTINFO_H
#define CORE_BOOTINFO_H

#include "core/types.h"
#include "core/addr.h"

#define BOOTINFO_MB1_MAGIC 0x2badb002u   /* EAX from a Multiboot 1 loader */
#define BOOTINFO_MB2_MAGIC 0x36d76289u   /* EAX from a Multiboot 2 loader */

#define BOOTINFO_CMDLINE_MAX 1024        /* bytes including the NUL */
#define BOOTINFO_NAME_MAX 64
#define BOOTINFO_MMAP_MAX 128
#define BOOTINFO_MODS_MAX 32
#define BOOTINFO_MOD_STR_MAX 256
#define BOOTINFO_RSDP_MAX 36             /* an ACPI 2.0+ RSDP */
#define BOOTINFO_MB2_MAX_SIZE (1 * MiB)  /* larger total_size is refused */

enum bootinfo_loader { BOOTINFO_LOADER_NONE, BOOTINFO_LOADER_MB1, BOOTINFO_LOADER_MB2 };

/* Neutral memory types; only BOOTINFO_MEM_USABLE may be handed to the frame
 * allocator. OTHER is a loader type we do not know (treated as reserved). */
enum bootinfo_mem_type {
	BOOTINFO_MEM_USABLE = 1,
	BOOTINFO_MEM_RESERVED,
	BOOTINFO_MEM_ACPI_RECLAIM,
	BOOTINFO_MEM_ACPI_NVS,
	BOOTINFO_MEM_BAD,
	BOOTINFO_MEM_OTHER,
};

/* Where the memory map came from (see bootinfo.c for the preference). */
enum bootinfo_map_source {
	BOOTINFO_MAP_NONE,
	BOOTINFO_MAP_EFI,        /* MB2 tag 17 */
	BOOTINFO_MAP_MB2,        /* MB2 tag 6 */
	BOOTINFO_MAP_MB1,        /* MB1 flags bit 6 */
	BOOTINFO_MAP_MEMINFO,    /* synthesized from mem_lower/mem_upper */
};

struct bootinfo_mem {
	u64 base;
	u64 len;
	u32 type;                /* enum bootinfo_mem_type */
	u32 raw_type;            /* the loader's or firmware's own type number */
};

struct bootinfo_module {
	u64 start;               /* physical, [start, end) */
	u64 end;
	char string[BOOTINFO_MOD_STR_MAX];
};

struct bootinfo_fb {
	bool present;
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, type;            /* type: 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
	enum bootinfo_loader loader;
	char cmdline[BOOTINFO_CMDLINE_MAX];
	char loader_name[BOOTINFO_NAME_MAX];

	bool has_meminfo;                /* basic lower/upper memory sizes */
	u32 mem_lower_kib, mem_upper_kib;

	enum bootinfo_map_source map_source;
	size_t nmap;
	struct bootinfo_mem map[BOOTINFO_MMAP_MAX];

	size_t nmodules;
	struct bootinfo_module modules[BOOTINFO_MODS_MAX];

	size_t rsdp_len;                 /* 0: loader gave no (valid) RSDP */
	u8 rsdp[BOOTINFO_RSDP_MAX];      /* copy, validated with acpi_rsdp_check */

	struct bootinfo_fb fb;

	hpa_t info_start, info_end;      /* the loader structure, [start, end) */
	unsigned warnings;               /* problems found and worked around */
};

/* Parse the loader information at physical address info for the loader
 * whose magic (EAX at entry) is magic into *out (fully overwritten).
 * Malformed parts are reported with one pr_warn/pr_err line each and dropped
 * or clipped; out->warnings counts them. Return E_OK (possibly with
 * warnings), or E_INVAL when the magic is unknown (the message names it),
 * info is 0, or the Multiboot 2 total_size is absurd. */
int bootinfo_parse(u32 magic, hpa_t info, struct boot_info *out) __must_check;

/* Short lowercase name of an enum bootinfo_mem_type ("usable", "reserved",
 * ...); "unknown" for anything else. Never NULL. */
const char *bootinfo_mem_type_name(int type);

/* Log the loader, command line, modules (pr_info) and map (pr_debug). */
void bootinfo_print(const struct boot_info *bi);

#endif
