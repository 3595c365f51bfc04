/* Host paging: the hypervisor's page tables, built once at boot with the
 * generic engine. The direct map uses the largest pages the CPU allows
 * (1 GiB when CPUID.80000001:EDX[26], else 2 MiB); the image is mapped
 * with 4 KiB pages so each section gets its own permissions. MMIO in the
 * direct map is cacheable in the page tables; the firmware's MTRRs make
 * the MMIO ranges uncacheable (SDM Vol. 3A 12.5.2.2, effective type UC). */
#include "mm/hostpt.h"
#include "core/addr.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/log.h"

extern char _image_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _bss_end[];

/* The boot tables (boot/entry.S) already map the first 4 GiB at
 * DIRECT_MAP_BASE, so the window is valid from the first C instruction. */
u64 phys_window = DIRECT_MAP_BASE;

static struct pt host_pt;

struct pt *hostpt(void)
{
	return &host_pt;
}

void hostpt_flush_va(u64 va)
{
	invlpg((const void *)(uintptr_t)va);
}

/* Without NX the engine must not set bit 63 (reserved, SDM Vol. 3A 4.5). */
static unsigned exec_if_no_nx(void)
{
	return cpufeat()->nx ? 0 : PT_X;
}

static int map_image_section(const char *start, const char *end, unsigned flags)
{
	u64 va = (u64)(uintptr_t)start;
	u64 len = ALIGN_UP((u64)(uintptr_t)end, PAGE_SIZE) - va;
	return pt_map_range(&host_pt, va, hpa(va - KERNEL_VMA_BASE), len,
			    flags | exec_if_no_nx(), PAGE_SIZE);
}

static int map_direct_range(u64 base, u64 end, unsigned flags, u64 max_page)
{
	if (end <= base)
		return 0;
	return pt_map_range(&host_pt, DIRECT_MAP_BASE + base, hpa(base), end - base,
			    flags | exec_if_no_nx(), max_page);
}

/* The direct map is read-write and never executable, except that the
 * image's text and rodata stay read-only through this alias too. */
static int map_direct(u64 top, u64 max_page)
{
	u64 ro_start = (u64)(uintptr_t)_image_start - KERNEL_VMA_BASE;
	u64 ro_end = ALIGN_UP((u64)(uintptr_t)_rodata_end, PAGE_SIZE) - KERNEL_VMA_BASE;
	int rc = map_direct_range(0, ro_start, PT_R | PT_W, max_page);
	if (rc == 0)
		rc = map_direct_range(ro_start, ro_end, PT_R, max_page);
	if (rc == 0)
		rc = map_direct_range(ro_end, top, PT_R | PT_W, max_page);
	return rc;
}

int hostpt_init(u64 top)
{
	u64 max_page = cpufeat()->pages_1g ? GiB : 2 * MiB;
	int rc = pt_create(&host_pt, &pt_fmt_host, 0);
	if (rc < 0)
		return rc;
	rc = map_direct(ALIGN_UP(top, 2 * MiB), max_page);
	if (rc == 0)
		rc = map_image_section(_image_start, _text_end, PT_R | PT_X);
	if (rc == 0)
		rc = map_image_section(_rodata_start, _rodata_end, PT_R);
	if (rc == 0)
		rc = map_image_section(_data_start, _bss_end, PT_R | PT_W);
	if (rc < 0) {
		pr_err("host paging: building the tables failed (%d)", rc);
		return rc;
	}
	write_cr3(host_pt.root.v);
	pr_info("paging: direct map of %lu MiB with %s pages, image W^X%s",
		(u64)(ALIGN_UP(top, 2 * MiB) / MiB), max_page == GiB ? "1 GiB" : "2 MiB",
		cpufeat()->nx ? "" : " (no NX on this CPU: data stays executable)");
	return 0;
}
