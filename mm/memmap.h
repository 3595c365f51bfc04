/* The loader's memory map (struct boot_info) turned into the list of free
 * RAM the frame allocator takes: sanitized, with every firmware and reserved
 * range cut out, page-aligned and sorted. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "core/types.h"
#include "core/bootinfo.h"

#ifndef MEM_RANGE_DEFINED
#define MEM_RANGE_DEFINED
/* A range of host-physical memory, [base, end). */
struct mem_range {
	u64 base, end;
};
#endif

/* Highest physical address bit x86-64 can ever have (SDM Vol. 3A 4.1.4:
 * MAXPHYADDR is at most 52); map entries above it are clipped. */
#define MEMMAP_PHYS_LIMIT (1ull << 52)
/* The first MiB stays out of the allocator: real-mode IVT, BDA, EBDA and
 * BIOS areas, and room for AP trampolines. */
#define MEMMAP_LOW_RESERVED MiB

/*
 * Build the usable-RAM list from bi's map into out[0..max_out) and set
 * *nout. Entries with zero length or that wrap are dropped, parts above
 * MEMMAP_PHYS_LIMIT clipped (each reported); where a usable entry overlaps a
 * non-usable one the non-usable one wins (reported with both ranges);
 * overlapping and adjacent usable ranges merge; reserved[0..nreserved) (the
 * image, modules, boot information; empty or inverted ranges are ignored)
 * and the first MiB are cut out; what is left is rounded inward to 4 KiB
 * and sorted. Logs the final map and total with pr_info. Return E_OK, or
 * E_NOMEM with *nout = 0 when no usable RAM is left above 1 MiB or out
 * cannot hold the result (both with a message).
 */
int memmap_build(const struct boot_info *bi, const struct mem_range *reserved,
		 size_t nreserved, struct mem_range *out, size_t max_out,
		 size_t *nout) __must_check;

/* End (exclusive) of the highest range of a sorted list, 0 if n == 0. */
u64 memmap_top(const struct mem_range *r, size_t n);

/* Total bytes in r[0..n). */
u64 memmap_total(const struct mem_range *r, size_t n);

/* Print r[0..n) and the total in MiB with pr_info. */
void memmap_print(const struct mem_range *r, size_t n);

#endif
