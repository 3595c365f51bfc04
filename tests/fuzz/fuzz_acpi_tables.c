/* libFuzzer harness for the ACPI parser (core/acpi_tables.c): firmware
 * tables are outside input. Physical memory is a 4 GiB (+ slack) zero
 * mapping; the input (after byte 0) is placed at the BIOS area 0xE0000 and,
 * when byte 0 bit 0 is set, also at the EBDA 0x9FC00 (segment stored at
 * 0x40E). The parser trusts table addresses to be memory (firmware is out of
 * scope), so the harness keeps every 64-bit address below 4 GiB: it clears
 * the high half of each RSDP candidate's XSDT address and of the XSDT
 * entries it points at inside the input. With bit 1 set it then stores the
 * right checksums in the RSDP candidates, the root tables they name and the
 * tables those list inside the input (so mutations get past them).
 * Invariants: a found RSDP is 16-byte aligned inside the areas searched and
 * passes acpi_rsdp_check; a table acpi_find_table returns has that
 * signature, a plausible length and a valid checksum; results are only the
 * documented codes; acpi_fadt_pm_timer's port leaves room for 4 bytes.
 * FUZZ_VERBOSE=1 in the environment prints what each input found. */
#include <string.h>
#include <sys/mman.h>
#include "core/acpi_tables.h"
#include "core/log.h"
#include "stubs.h"
#include "fuzz_check.h"

#define ROM 0xe0000ull
#define EBDA 0x9fc00ull
#define SPAN ((4ull << 30) + ACPI_TABLE_MAX_SIZE + (1ull << 20))

static u8 *phys;
static u64 in_end;          /* the input occupies [ROM, in_end) */

static u32 rd32(u64 a) { u32 v; memcpy(&v, phys + a, 4); return v; }

static void fix_sum(u64 a, u64 len, u64 sum_at)
{
	u8 s = 0;

	phys[sum_at] = 0;
	for (u64 i = a; i < a + len && i < in_end; i++)
		s = (u8)(s + phys[i]);
	phys[sum_at] = (u8)(0 - s);
}

/* Patch the root table at t (if inside the input); esz is its entry size. */
static void patch_root(u64 t, int esz, bool fix)
{
	if (t < ROM || t + ACPI_SDT_HEADER_SIZE > in_end)
		return;
	if (esz == 8)
		for (u64 e = t + ACPI_SDT_HEADER_SIZE; e + 8 <= MIN(in_end, t + rd32(t + 4)); e += 8)
			memset(phys + e + 4, 0, 4);
	if (!fix || rd32(t + 4) < ACPI_SDT_HEADER_SIZE)
		return;
	for (u64 e = t + ACPI_SDT_HEADER_SIZE; e + 4 <= MIN(in_end, t + rd32(t + 4)); e += esz) {
		u64 leaf = rd32(e);
		if (leaf >= ROM && leaf + ACPI_SDT_HEADER_SIZE <= in_end && leaf != t &&
		    rd32(leaf + 4) >= ACPI_SDT_HEADER_SIZE)
			fix_sum(leaf, rd32(leaf + 4), leaf + 9);
	}
	fix_sum(t, rd32(t + 4), t + 9);
}

static void patch_rsdp(u64 a, bool fix)
{
	memset(phys + a + 28, 0, 4);
	patch_root(rd32(a + 24), 8, fix);
	patch_root(rd32(a + 16), 4, fix);
	if (!fix)
		return;
	fix_sum(a, ACPI_RSDP_V1_SIZE, a + 8);
	if (rd32(a + 20) >= ACPI_RSDP_V2_SIZE && rd32(a + 20) <= in_end - a)
		fix_sum(a, rd32(a + 20), a + 32);
}

/* After patching: is every 64-bit address the parser may follow < 4 GiB? */
static bool addresses_safe(void)
{
	for (u64 a = ROM; a + ACPI_RSDP_V2_SIZE <= in_end; a += 16) {
		u64 t = rd32(a + 24);
		if (memcmp(phys + a, "RSD PTR ", 8))
			continue;
		if (rd32(a + 28))
			return false;
		if (t < ROM || t + ACPI_SDT_HEADER_SIZE > in_end)
			continue;
		for (u64 e = t + ACPI_SDT_HEADER_SIZE; e + 8 <= MIN(in_end, t + rd32(t + 4)); e += 8)
			if (rd32(e + 4))
				return false;
	}
	return true;
}

static void check_table(const void *rsdp, size_t avail, const char *sig)
{
	hpa_t t;
	int rc = acpi_find_table(rsdp, avail, sig, &t);
	struct acpi_pm_timer tmr;
	const struct acpi_sdt_header *h;

	CHECK(rc == E_OK || rc == E_NOENT || rc == E_INVAL);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s: rc %d at 0x%lx\n", sig, rc, rc ? 0 : t.v);
	if (rc != E_OK)
		return;
	CHECK(t.v && t.v < 4 * GiB);
	h = hpa_to_ptr(t);
	CHECK(memcmp(h->signature, sig, 4) == 0);
	CHECK(h->length >= ACPI_SDT_HEADER_SIZE && h->length <= ACPI_TABLE_MAX_SIZE);
	CHECK(acpi_checksum_ok(h, h->length));
	if (memcmp(sig, "FACP", 4))
		return;
	rc = acpi_fadt_pm_timer(t, &tmr);
	CHECK(rc == E_OK || rc == E_NOENT || rc == E_NOTSUP || rc == E_INVAL);
	if (rc == E_OK)
		CHECK(tmr.port && tmr.port <= 0xfffc);
}

/* Place the input at ROM and patch it; with ebda, copy the result there. */
static void place(const u8 *data, size_t n, bool ebda, bool fix)
{
	memcpy(phys + ROM, data, n);
	in_end = ROM + n;
	for (u64 a = ROM; a + ACPI_RSDP_V2_SIZE <= in_end; a += 16)
		if (!memcmp(phys + a, "RSD PTR ", 8))
			patch_rsdp(a, fix);
	if (ebda) {
		u16 seg = EBDA >> 4;
		memcpy(phys + 0x40e, &seg, 2);
		memcpy(phys + EBDA, phys + ROM, MIN(n, (size_t)KiB));
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	hpa_t found;

	if (n < 1)
		return 0;
	if (!phys) {
		phys = mmap(NULL, SPAN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		CHECK(phys != MAP_FAILED);
	}
	phys_window = (u64)(uintptr_t)phys;
	place(data + 1, MIN(n - 1, (size_t)(0x100000 - ROM)), data[0] & 1, data[0] & 2);
	stub_log_reset();
	if (addresses_safe() && acpi_rsdp_find_bios(&found)) {
		u64 f = found.v;
		size_t avail = f >= ROM ? (size_t)(0x100000 - f) : (size_t)(EBDA + KiB - f);
		CHECK(IS_ALIGNED(f, 16));
		CHECK((f >= ROM && f + ACPI_RSDP_V1_SIZE <= 0x100000) ||
		      ((data[0] & 1) && f >= EBDA && f + ACPI_RSDP_V1_SIZE <= EBDA + KiB));
		CHECK(acpi_rsdp_check(hpa_to_ptr(found), avail) > 0);
		check_table(hpa_to_ptr(found), avail, "FACP");
		check_table(hpa_to_ptr(found), avail, "APIC");
	}
	memset(phys + ROM, 0, in_end - ROM);
	memset(phys + EBDA, 0, KiB);
	memset(phys + 0x40e, 0, 2);
	return 0;
}
