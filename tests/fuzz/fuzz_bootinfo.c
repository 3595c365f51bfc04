/* libFuzzer harness for the boot-information parser (core/bootinfo.c).
 * Byte 0: bit 0 picks Multiboot 1 (set) or 2, bit 1 an unknown magic. The
 * rest is the loader's structure.
 * - Multiboot 2: copied into a heap buffer of exactly its size (physical
 *   window 0, so the information's address is the buffer's) with total_size
 *   forced to that size: AddressSanitizer catches any read outside it.
 * - Multiboot 1: copied to INFO_MB1 inside a 4 GiB (+ slack) zero mapping
 *   that stands for physical memory, so every 32-bit pointer in it is
 *   readable; pointers into the input itself reach its strings and tables.
 * Invariants: an unknown magic or an absurd total_size is refused with one
 * error and an all-zero result; otherwise every string is NUL-terminated in
 * its array, counts are within the arrays, map entries are non-empty with a
 * known type and adjacent equal entries merged, modules end after they
 * start, a kept RSDP passes acpi_rsdp_check at its length, and the
 * information range is what the loader said. */
#include <string.h>
#include <sys/mman.h>
#include "core/bootinfo.h"
#include "core/acpi_tables.h"
#include "core/log.h"
#include "stubs.h"
#include "fuzz_check.h"

#define INFO_MB1 0x10000ull
#define PHYS_SPAN ((4ull << 30) + (2ull << 20))

static struct boot_info bi;
static u8 *phys;                 /* Multiboot 1 physical memory */

static bool str_ok(const char *s, size_t size) { return strnlen(s, size) < size; }

static void check_map(const struct boot_info *b)
{
	CHECK(b->nmap <= BOOTINFO_MMAP_MAX);
	CHECK(b->map_source <= BOOTINFO_MAP_MEMINFO);
	for (size_t i = 0; i < b->nmap; i++) {
		const struct bootinfo_mem *m = &b->map[i];
		CHECK(m->len > 0);
		CHECK(m->type >= BOOTINFO_MEM_USABLE && m->type <= BOOTINFO_MEM_OTHER);
		if (i) {
			const struct bootinfo_mem *p = &b->map[i - 1];
			CHECK(!(p->type == m->type && p->base + p->len == m->base &&
				p->len + m->len > p->len));
		}
	}
}

static void check_result(const struct boot_info *b)
{
	CHECK(str_ok(b->cmdline, sizeof(b->cmdline)));
	CHECK(str_ok(b->loader_name, sizeof(b->loader_name)));
	check_map(b);
	CHECK(b->nmodules <= BOOTINFO_MODS_MAX);
	for (size_t i = 0; i < b->nmodules; i++) {
		CHECK(b->modules[i].end >= b->modules[i].start);
		CHECK(str_ok(b->modules[i].string, sizeof(b->modules[i].string)));
	}
	CHECK(b->rsdp_len == 0 || b->rsdp_len == ACPI_RSDP_V1_SIZE ||
	      b->rsdp_len == ACPI_RSDP_V2_SIZE);
	if (b->rsdp_len)
		CHECK(acpi_rsdp_check(b->rsdp, b->rsdp_len) ==
		      (b->rsdp_len == ACPI_RSDP_V2_SIZE ? 2 : 1));
	CHECK(b->warnings <= (unsigned)stub_log_count[LOG_WARN]);
}

static void check_refused(int rc)
{
	static const struct boot_info zero;

	CHECK(rc == E_INVAL);
	CHECK(stub_log_count[LOG_ERR] == 1);
	CHECK(memcmp(&bi, &zero, sizeof(bi)) == 0);
}

static void run_mb2(u32 magic, const u8 *data, size_t n)
{
	u8 *buf = malloc(n);
	u32 total = (u32)n;
	int rc;

	CHECK(buf);
	memcpy(buf, data, n);
	memcpy(buf, &total, 4);
	phys_window = 0;
	rc = bootinfo_parse(magic, hpa((u64)(uintptr_t)buf), &bi);
	if (magic != BOOTINFO_MB2_MAGIC || total < 16) {
		check_refused(rc);
	} else {
		CHECK(rc == E_OK && bi.loader == BOOTINFO_LOADER_MB2);
		CHECK(bi.info_end.v - bi.info_start.v == total);
		check_result(&bi);
	}
	free(buf);
}

static void run_mb1(u32 magic, const u8 *data, size_t n)
{
	int rc;

	if (!phys) {
		phys = mmap(NULL, PHYS_SPAN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		CHECK(phys != MAP_FAILED);
	}
	phys_window = (u64)(uintptr_t)phys;
	memcpy(phys + INFO_MB1, data, n);
	rc = bootinfo_parse(magic, hpa(INFO_MB1), &bi);
	if (magic != BOOTINFO_MB1_MAGIC) {
		check_refused(rc);
	} else {
		CHECK(rc == E_OK && bi.loader == BOOTINFO_LOADER_MB1);
		check_result(&bi);
	}
	memset(phys + INFO_MB1, 0, n);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	bool mb1;
	u32 magic;

	if (n < 9)
		return 0;
	mb1 = data[0] & 1;
	magic = mb1 ? BOOTINFO_MB1_MAGIC : BOOTINFO_MB2_MAGIC;
	if (data[0] & 2)
		magic ^= 0x100;
	stub_log_reset();
	if (mb1)
		run_mb1(magic, data + 1, n - 1);
	else
		run_mb2(magic, data + 1, n - 1);
	return 0;
}
