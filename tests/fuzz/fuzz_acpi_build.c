/* libFuzzer harness for the ACPI table builder (core/acpi_build.c), read
 * back with the ACPI parser (core/acpi_tables.c). The input's bytes become
 * an acpi_build_cfg (fields taken modulo small ranges so that valid configs
 * are common, or raw), a base address and a buffer size.
 * Invariants: acpi_build_size() is 0 exactly when acpi_build() says E_INVAL;
 * a buffer one byte short is E_RANGE and left untouched; otherwise the
 * tables fill exactly acpi_build_size() bytes below 4 GiB, are aligned as
 * documented, every checksummed table sums to 0, the RSDP is a valid 2.0
 * one, and acpi_find_table() finds the FADT and MADT where acpi_build said
 * (through the XSDT and, with the XSDT address cleared, the RSDT), the
 * FADT's DSDT/FACS pointers and PM timer are the config's, and the MADT
 * lists one enabled local APIC per CPU within its length. */
#include <string.h>
#include "core/acpi_build.h"
#include "core/acpi_tables.h"
#include "stubs.h"
#include "fuzz_check.h"

#define BUF_MAX 8192

static u8 buf[BUF_MAX + 64];

struct reader {
	const u8 *p;
	size_t n, i;
};

static u64 take(struct reader *r, int bytes)
{
	u64 v = 0;

	for (int k = 0; k < bytes; k++)
		v |= (u64)(r->i < r->n ? r->p[r->i++] : 0) << (8 * k);
	return v;
}

/* A field: raw when the selector says so, else a small plausible value. */
static u64 pick(struct reader *r, u64 mod, u64 add, int raw_bytes)
{
	u8 sel = (u8)take(r, 1);

	return sel >= 0xf0 ? take(r, raw_bytes) : add + sel % mod;
}

static void make_cfg(struct reader *r, struct acpi_build_cfg *c)
{
	c->cpus = (u32)pick(r, 260, 0, 4);
	c->s5_slp_typ = (u8)pick(r, 9, 0, 1);
	c->sci_irq = (u8)pick(r, 18, 0, 1);
	c->pm1a_evt_port = (u16)pick(r, 0x30, 0xb000 - 8, 2);
	c->pm1a_cnt_port = (u16)pick(r, 0x30, 0xb004 - 8, 2);
	c->pm_tmr_port = (u16)pick(r, 0x30, 0xb008 - 8, 2);
	c->reset_port = (u16)pick(r, 1, 0xcf9, 2);
	c->reset_value = (u8)take(r, 1);
	c->rtc_century_index = (u8)take(r, 1);
	c->lapic_base = pick(r, 2, 0xfee00000, 8);
	c->ioapic_base = pick(r, 2, 0xfec00000, 8);
	c->ioapic_id = (u32)pick(r, 300, 0, 4);
	c->gsi_base = (u32)take(r, 1);
}

static u64 pick_base(struct reader *r)
{
	static const u64 bases[] = { 0xe0000, 0xf0000, 0xe0001, 4 * GiB - 4096,
				     4 * GiB - 700, 4 * GiB };
	u8 sel = (u8)take(r, 1);

	return sel < ARRAY_SIZE(bases) * 32 ? bases[sel % ARRAY_SIZE(bases)] : take(r, 8);
}

static const struct acpi_sdt_header *table(u64 base, u64 gpa, struct acpi_build_out *o)
{
	CHECK(gpa >= base && gpa + ACPI_SDT_HEADER_SIZE <= base + o->used);
	CHECK(IS_ALIGNED(gpa, 8));
	const struct acpi_sdt_header *h = (const void *)(buf + (gpa - base));
	CHECK(gpa + h->length <= base + o->used);
	CHECK(acpi_checksum_ok(h, h->length));
	return h;
}

static void check_madt(const struct acpi_sdt_header *h, u32 cpus)
{
	const u8 *p = (const u8 *)h + ACPI_SDT_HEADER_SIZE + 8, *end = (const u8 *)h + h->length;
	u32 lapics = 0;

	while (p < end) {
		CHECK(p + 2 <= end && p[1] >= 2 && p + p[1] <= end);
		if (p[0] == 0) {
			CHECK(p[1] == 8 && p[3] == lapics && (p[4] & 1));
			lapics++;
		}
		p += p[1];
	}
	CHECK(lapics == cpus);
}

static void check_tables(const struct acpi_build_cfg *c, u64 base, struct acpi_build_out *o)
{
	u8 *rsdp = buf + (o->rsdp_gpa - base);
	const u8 *fadt;
	struct acpi_pm_timer tmr;
	u32 facs32, dsdt32;
	hpa_t at;

	CHECK(IS_ALIGNED(o->rsdp_gpa, 16) && o->rsdp_gpa >= base && o->rsdp_gpa < base + 16);
	CHECK(IS_ALIGNED(o->facs_gpa, 64) && o->facs_gpa + 64 <= base + o->used);
	CHECK(acpi_rsdp_check(rsdp, ACPI_RSDP_V2_SIZE) == 2);
	fadt = (const u8 *)table(base, o->fadt_gpa, o);
	check_madt(table(base, o->madt_gpa, o), c->cpus);
	table(base, o->xsdt_gpa, o);
	table(base, o->rsdt_gpa, o);
	table(base, o->dsdt_gpa, o);
	phys_window = (u64)(uintptr_t)buf - base;
	CHECK(acpi_find_table(rsdp, ACPI_RSDP_V2_SIZE, "FACP", &at) == E_OK && at.v == o->fadt_gpa);
	CHECK(acpi_find_table(rsdp, ACPI_RSDP_V2_SIZE, "APIC", &at) == E_OK && at.v == o->madt_gpa);
	CHECK(acpi_find_table(rsdp, ACPI_RSDP_V2_SIZE, "DSDT", &at) == E_NOENT);
	CHECK(acpi_fadt_pm_timer(hpa(o->fadt_gpa), &tmr) == E_OK && tmr.port == c->pm_tmr_port);
	memcpy(&facs32, fadt + 36, 4);
	memcpy(&dsdt32, fadt + 40, 4);
	CHECK(facs32 == o->facs_gpa && dsdt32 == o->dsdt_gpa);
	/* The RSDT path: clear the XSDT address (the extended checksum then
	 * fails, which makes the RSDP a 1.0 one). */
	memset(rsdp + 24, 0, 8);
	CHECK(acpi_find_table(rsdp, ACPI_RSDP_V2_SIZE, "APIC", &at) == E_OK && at.v == o->madt_gpa);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	struct reader r = { data, n, 0 };
	struct acpi_build_cfg c;
	struct acpi_build_out o;
	size_t need, size;
	u64 base;
	int rc;

	memset(&c, 0, sizeof(c));
	make_cfg(&r, &c);
	base = pick_base(&r);
	need = acpi_build_size(&c, base);
	memset(buf, 0xa5, sizeof(buf));
	rc = acpi_build(&c, buf, need ? need - 1 : BUF_MAX, base, &o);
	if (!need) {
		CHECK(rc == E_INVAL);
		return 0;
	}
	CHECK(need <= BUF_MAX && base + need <= 4 * GiB);
	CHECK(rc == E_RANGE);
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5);
	size = need + (size_t)take(&r, 1) % 64;
	stub_log_reset();
	CHECK(acpi_build(&c, buf, size, base, &o) == E_OK);
	CHECK(o.used == need && buf[need] == 0xa5);
	check_tables(&c, base, &o);
	return 0;
}
