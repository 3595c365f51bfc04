/* Host memory bring-up at boot (see mm/mm.h). */
#include "mm/mm.h"
#include "core/bootinfo.h"
#include "core/log.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/hostpt.h"
#include "mm/memmap.h"

extern char _image_start_phys[], _bss_end_phys[];

#define MM_MAX_RESERVED (2 + BOOTINFO_MODS_MAX)
#define MM_MAX_USABLE 256

static struct mem_range usable[MM_MAX_USABLE];

/* Everything the loader put in RAM that must survive: the image, the
 * boot information structure, and every module (guest images). */
static size_t collect_reserved(const struct boot_info *bi, struct mem_range *r)
{
	size_t n = 0;
	r[n++] = (struct mem_range){ (u64)(uintptr_t)_image_start_phys,
				     (u64)(uintptr_t)_bss_end_phys };
	if (bi->info_end.v > bi->info_start.v)
		r[n++] = (struct mem_range){ bi->info_start.v, bi->info_end.v };
	for (size_t i = 0; i < bi->nmodules && n < MM_MAX_RESERVED; i++)
		r[n++] = (struct mem_range){ bi->modules[i].start, bi->modules[i].end };
	return n;
}

/* RAM in any state: free, firmware tables, NVS (reserved ranges above
 * 4 GiB are 64-bit MMIO windows and can be terabytes wide). */
static bool is_ram_type(u32 type)
{
	return type == BOOTINFO_MEM_USABLE || type == BOOTINFO_MEM_ACPI_RECLAIM ||
	       type == BOOTINFO_MEM_ACPI_NVS;
}

/* Highest physical address the direct map must cover: all RAM and at
 * least the 4 GiB below which the LAPIC, IOAPIC and 32-bit PCI BARs live. */
static u64 direct_map_top(const struct boot_info *bi)
{
	u64 top = 4 * GiB;
	for (size_t i = 0; i < bi->nmap; i++) {
		u64 end = bi->map[i].base + bi->map[i].len;
		if (!is_ram_type(bi->map[i].type))
			continue;
		if (end > top && end > bi->map[i].base && end <= (1ull << 46))
			top = end;
	}
	return top;
}

int mm_init(const struct boot_info *bi)
{
	struct mem_range reserved[MM_MAX_RESERVED];
	size_t nres = collect_reserved(bi, reserved);
	size_t nusable = 0;

	int rc = memmap_build(bi, reserved, nres, usable, MM_MAX_USABLE, &nusable);
	if (rc < 0)
		return rc;
	rc = frame_init(usable, nusable);
	if (rc < 0) {
		pr_err("frame allocator: cannot start (%d)", rc);
		return rc;
	}
	rc = hostpt_init(direct_map_top(bi));
	if (rc < 0)
		return rc;
	heap_init();
	frame_print_stats();
	return 0;
}
