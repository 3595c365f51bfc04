/* Unit tests for core/acpi_build.c: the tables are built into a fake
 * physical memory at 0xE0000 and read back with the parser of
 * core/acpi_tables.c (RSDP scan, XSDT/RSDT walk, FADT PM timer) and with
 * explicit field offsets of ACPI 6.5: checksums, FADT fields, MADT
 * entries, the DSDT's AML decoded to \_S5, and the error cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/acpi_build.h"
#include "core/acpi_tables.h"
#include "stubs.h"

#define FAKE_MEM_SIZE (1024 * 1024 + 64 * 1024)
#define BIOS_BASE 0xe0000ull
#define BIOS_LEN 0x20000ull

static u8 *mem;

static const struct acpi_build_cfg cfg_default = {
	.lapic_base = 0xfee00000, .ioapic_id = 1, .ioapic_base = 0xfec00000,
	.gsi_base = 0, .pm1a_evt_port = 0x600, .pm1a_cnt_port = 0x604,
	.pm_tmr_port = 0x608, .sci_irq = 9, .reset_port = 0xcf9,
	.reset_value = 0x06, .s5_slp_typ = 5, .rtc_century_index = 0x32,
	.cpus = 1,
};

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, FAKE_MEM_SIZE);
	phys_window = (u64)(uintptr_t)mem;
	stub_log_reset();
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

static u8 rd8(u64 a) { return mem[a]; }
static u16 rd16(u64 a) { u16 v; memcpy(&v, mem + a, 2); return v; }
static u32 rd32(u64 a) { u32 v; memcpy(&v, mem + a, 4); return v; }
static u64 rd64(u64 a) { u64 v; memcpy(&v, mem + a, 8); return v; }

/* Build cfg at base into the fake memory; assert success. */
static struct acpi_build_out build_at(const struct acpi_build_cfg *c, u64 base)
{
	struct acpi_build_out out;
	memset(&out, 0, sizeof(out));
	assert_int_equal(acpi_build(c, mem + base, BIOS_BASE + BIOS_LEN - base, base, &out), E_OK);
	assert_true(out.used > 0);
	assert_true(base + out.used <= BIOS_BASE + BIOS_LEN);
	return out;
}

static void assert_table(u64 a, const char *sig, u32 len, u8 rev)
{
	assert_memory_equal(mem + a, sig, 4);
	assert_int_equal(rd32(a + 4), len);
	assert_int_equal(rd8(a + 8), rev);
	assert_true(acpi_checksum_ok(mem + a, len));
	assert_memory_equal(mem + a + 10, "PGVSR ", 6);
	assert_memory_equal(mem + a + 16, "PAGEVISR", 8);
}

static void test_rsdp_and_roots(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE);
	hpa_t found, t;

	assert_int_equal(o.rsdp_gpa, BIOS_BASE);
	assert_true(acpi_rsdp_scan(hpa(BIOS_BASE), BIOS_LEN, &found));
	assert_int_equal(found.v, o.rsdp_gpa);
	assert_int_equal(acpi_rsdp_check(mem + o.rsdp_gpa, 36), 2);
	assert_memory_equal(mem + o.rsdp_gpa + 9, "PGVSR ", 6);
	assert_int_equal(rd32(o.rsdp_gpa + 16), o.rsdt_gpa);
	assert_int_equal(rd64(o.rsdp_gpa + 24), o.xsdt_gpa);

	assert_table(o.xsdt_gpa, "XSDT", 36 + 16, 1);
	assert_int_equal(rd64(o.xsdt_gpa + 36), o.fadt_gpa);
	assert_int_equal(rd64(o.xsdt_gpa + 44), o.madt_gpa);
	assert_table(o.rsdt_gpa, "RSDT", 36 + 8, 1);
	assert_int_equal(rd32(o.rsdt_gpa + 36), o.fadt_gpa);
	assert_int_equal(rd32(o.rsdt_gpa + 40), o.madt_gpa);

	assert_int_equal(acpi_find_table(mem + found.v, 36, "FACP", &t), E_OK);
	assert_int_equal(t.v, o.fadt_gpa);
	assert_int_equal(acpi_find_table(mem + found.v, 36, "APIC", &t), E_OK);
	assert_int_equal(t.v, o.madt_gpa);
	assert_int_equal(acpi_find_table(mem + found.v, 36, "HPET", &t), E_NOENT);
	assert_int_equal(stub_log_count[0] + stub_log_count[1], 0);
}

/* Every byte from base to base+used lies in [base, base+used) and the
 * tables do not overlap one another. */
static void test_layout(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE);
	const u64 start[] = { o.rsdp_gpa, o.facs_gpa, o.xsdt_gpa, o.rsdt_gpa,
			      o.fadt_gpa, o.madt_gpa, o.dsdt_gpa };
	u64 len[ARRAY_SIZE(start)] = { 36, 64 };

	for (size_t i = 2; i < ARRAY_SIZE(start); i++)
		len[i] = rd32(start[i] + 4);
	for (size_t i = 0; i + 1 < ARRAY_SIZE(start); i++)
		assert_true(start[i] + len[i] <= start[i + 1]);
	assert_int_equal(start[6] + len[6], BIOS_BASE + o.used);
	assert_int_equal(o.facs_gpa % 64, 0);
	assert_int_equal(acpi_build_size(&cfg_default, BIOS_BASE), o.used);
}

static void test_fadt(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE);
	u64 f = o.fadt_gpa;
	struct acpi_pm_timer tmr;

	assert_table(f, "FACP", 276, 6);
	assert_int_equal(rd8(f + 131) & 0xf, 5);                 /* minor version */
	assert_int_equal(rd32(f + 36), o.facs_gpa);
	assert_int_equal(rd64(f + 132), 0);                       /* X_FIRMWARE_CTRL */
	assert_int_equal(rd32(f + 40), o.dsdt_gpa);
	assert_int_equal(rd64(f + 140), o.dsdt_gpa);
	assert_int_equal(rd16(f + 46), 9);                        /* SCI_INT */
	assert_int_equal(rd32(f + 48), 0);                        /* SMI_CMD */
	assert_int_equal(rd32(f + 56), 0x600);
	assert_int_equal(rd32(f + 64), 0x604);
	assert_int_equal(rd32(f + 76), 0x608);
	assert_int_equal(rd32(f + 60) | rd32(f + 68) | rd32(f + 72), 0); /* no b blocks, PM2 */
	assert_int_equal(rd32(f + 80) | rd32(f + 84), 0);         /* no GPE blocks */
	assert_int_equal(rd8(f + 88), 4);
	assert_int_equal(rd8(f + 89), 2);
	assert_int_equal(rd8(f + 91), 4);
	assert_int_equal(rd8(f + 108), 0x32);                     /* CENTURY */
	assert_int_equal(rd16(f + 109), 0x0d);  /* legacy devices, no VGA, no MSI; 8042 clear */
	assert_int_equal(rd32(f + 112),
			 BIT(0) | BIT(2) | BIT(5) | BIT(6) | BIT(8) | BIT(10));
	/* RESET_REG: system I/O, 8 bits at 0xCF9, byte access; value 6. */
	assert_int_equal(rd8(f + 116), 1);
	assert_int_equal(rd8(f + 117), 8);
	assert_int_equal(rd8(f + 118), 0);
	assert_int_equal(rd8(f + 119), 1);
	assert_int_equal(rd64(f + 120), 0xcf9);
	assert_int_equal(rd8(f + 128), 0x06);
	/* X_PM1a_EVT_BLK, X_PM1a_CNT_BLK, X_PM_TMR_BLK. */
	assert_int_equal(rd8(f + 148), 1);
	assert_int_equal(rd8(f + 149), 32);
	assert_int_equal(rd64(f + 152), 0x600);
	assert_int_equal(rd8(f + 172), 1);
	assert_int_equal(rd8(f + 173), 16);
	assert_int_equal(rd64(f + 176), 0x604);
	assert_int_equal(rd8(f + 208), 1);
	assert_int_equal(rd8(f + 209), 32);
	assert_int_equal(rd64(f + 212), 0x608);

	assert_int_equal(acpi_fadt_pm_timer(hpa(f), &tmr), E_OK);
	assert_int_equal(tmr.port, 0x608);
	assert_true(tmr.ext32);
}

static void test_facs(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE);

	assert_memory_equal(mem + o.facs_gpa, "FACS", 4);
	assert_int_equal(rd32(o.facs_gpa + 4), 64);
	assert_int_equal(rd32(o.facs_gpa + 16), 0);               /* global lock free */
	assert_int_equal(rd8(o.facs_gpa + 32), 2);                /* version */
}

struct madt_seen {
	int lapics, ioapics, isos, nmis;
	u8 lapic_id[8];
	u16 iso_flags[16];
	u32 iso_gsi[16];
	bool iso_irq[16];
};

/* Walk the MADT's entries; assert they exactly fill the table. */
static void madt_walk(u64 m, struct madt_seen *s)
{
	u32 len = rd32(m + 4);
	u64 p = m + 44;

	memset(s, 0, sizeof(*s));
	while (p < m + len) {
		u8 type = rd8(p), elen = rd8(p + 1);

		assert_true(elen >= 2 && p + elen <= m + len);
		if (type == 0) {
			assert_int_equal(elen, 8);
			assert_int_equal(rd8(p + 2), rd8(p + 3));     /* UID = APIC ID */
			assert_int_equal(rd32(p + 4), 1);             /* enabled */
			s->lapic_id[s->lapics++ & 7] = rd8(p + 3);
		} else if (type == 1) {
			assert_int_equal(elen, 12);
			assert_int_equal(rd8(p + 2), 1);
			assert_int_equal(rd32(p + 4), 0xfec00000);
			assert_int_equal(rd32(p + 8), 0);
			s->ioapics++;
		} else if (type == 2) {
			u8 irq = rd8(p + 3);

			assert_int_equal(elen, 10);
			assert_int_equal(rd8(p + 2), 0);              /* ISA */
			assert_true(irq < 16 && !s->iso_irq[irq]);
			s->iso_irq[irq] = true;
			s->iso_gsi[irq] = rd32(p + 4);
			s->iso_flags[irq] = rd16(p + 8);
			s->isos++;
		} else {
			assert_int_equal(type, 4);
			assert_int_equal(elen, 6);
			assert_int_equal(rd8(p + 2), 0xff);
			assert_int_equal(rd16(p + 3), 0);
			assert_int_equal(rd8(p + 5), 1);              /* LINT1 */
			s->nmis++;
		}
		p += elen;
	}
	assert_int_equal(p, m + len);
}

static void test_madt(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE);
	struct madt_seen s;

	assert_table(o.madt_gpa, "APIC", rd32(o.madt_gpa + 4), 5);
	assert_int_equal(rd32(o.madt_gpa + 36), 0xfee00000);
	assert_int_equal(rd32(o.madt_gpa + 40), 1);               /* PCAT_COMPAT */
	madt_walk(o.madt_gpa, &s);
	assert_int_equal(s.lapics, 1);
	assert_int_equal(s.lapic_id[0], 0);
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.nmis, 1);
	assert_int_equal(s.isos, 2);
	assert_true(s.iso_irq[0]);
	assert_int_equal(s.iso_gsi[0], 2);
	assert_int_equal(s.iso_flags[0], 0);
	assert_true(s.iso_irq[9]);
	assert_int_equal(s.iso_gsi[9], 9);
	assert_int_equal(s.iso_flags[9], 0x0d);                   /* level, active high */
}

static void test_madt_cpus(void **state)
{
	(void)state;
	struct acpi_build_cfg c = cfg_default;
	struct acpi_build_out o;
	struct madt_seen s;

	c.cpus = 4;
	c.sci_irq = 10;
	o = build_at(&c, BIOS_BASE);
	assert_true(acpi_checksum_ok(mem + o.madt_gpa, rd32(o.madt_gpa + 4)));
	madt_walk(o.madt_gpa, &s);
	assert_int_equal(s.lapics, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.lapic_id[i], i);
	assert_true(s.iso_irq[10]);
	assert_false(s.iso_irq[9]);
	assert_int_equal(rd16(o.fadt_gpa + 46), 10);
}

/* Decode an AML PkgLength (ACPI 6.5 20.2.4) at *p; return its value. */
static u32 aml_pkglen(const u8 **p)
{
	u8 lead = *(*p)++;
	u32 n = lead >> 6, v;

	if (n == 0)
		return lead & 0x3f;
	v = lead & 0x0f;
	for (u32 i = 0; i < n; i++)
		v |= (u32)*(*p)++ << (4 + 8 * i);
	return v;
}

/* Decode one integer data object: ZeroOp, OneOp, ByteConst, WordConst. */
static u64 aml_integer(const u8 **p)
{
	u8 op = *(*p)++;
	u64 v;

	if (op == 0x00 || op == 0x01)
		return op;
	assert_true(op == 0x0a || op == 0x0b);
	v = *(*p)++;
	if (op == 0x0b)
		v |= (u64)*(*p)++ << 8;
	return v;
}

/* Find Name(<name>, Package(){...}) among the DSDT's top-level terms
 * (which must all be such Names) and return its elements in e[]. */
static int aml_find_package(u64 dsdt, const char *name, u64 *e, int max)
{
	const u8 *p = mem + dsdt + 36, *end = mem + dsdt + rd32(dsdt + 4);
	int found = -1;

	while (p < end) {
		const u8 *pkg_start;
		u32 plen;
		int n;
		bool match;

		assert_int_equal(*p++, 0x08);                         /* NameOp */
		if (*p == 0x5c)
			p++;                                          /* root */
		match = memcmp(p, name, 4) == 0;
		p += 4;
		assert_int_equal(*p++, 0x12);                         /* PackageOp */
		pkg_start = p;
		plen = aml_pkglen(&p);
		n = *p++;
		for (int i = 0; i < n; i++) {
			u64 v = aml_integer(&p);
			if (match && i < max)
				e[i] = v;
		}
		assert_ptr_equal(p, pkg_start + plen);
		if (match)
			found = n;
	}
	assert_ptr_equal(p, end);
	return found;
}

static void test_dsdt_s5(void **state)
{
	(void)state;
	struct acpi_build_cfg c = cfg_default;
	struct acpi_build_out o;
	u64 e[4] = { 99, 99, 99, 99 };

	c.s5_slp_typ = 7;
	o = build_at(&c, BIOS_BASE);
	assert_table(o.dsdt_gpa, "DSDT", rd32(o.dsdt_gpa + 4), 2);
	assert_int_equal(aml_find_package(o.dsdt_gpa, "_S5_", e, 4), 4);
	assert_int_equal(e[0], 7);
	assert_int_equal(e[1], 7);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 0);
	assert_int_equal(aml_find_package(o.dsdt_gpa, "_S0_", e, 4), 4);
	assert_int_equal(e[0], 0);
	assert_int_equal(aml_find_package(o.dsdt_gpa, "_S3_", e, 4), -1);
}

/* A base that is not 16-byte aligned: RSDP and FACS still aligned in
 * guest-physical terms, and the scan finds the RSDP. */
static void test_unaligned_base(void **state)
{
	(void)state;
	struct acpi_build_out o = build_at(&cfg_default, BIOS_BASE + 8);
	hpa_t found, t;

	assert_int_equal(o.rsdp_gpa, BIOS_BASE + 16);
	assert_int_equal(o.facs_gpa % 64, 0);
	assert_true(acpi_rsdp_scan(hpa(BIOS_BASE), BIOS_LEN, &found));
	assert_int_equal(found.v, o.rsdp_gpa);
	assert_int_equal(acpi_find_table(mem + found.v, 36, "FACP", &t), E_OK);
	assert_int_equal(t.v, o.fadt_gpa);
	assert_int_equal(rd32(o.fadt_gpa + 36), o.facs_gpa);
}

static void test_too_small(void **state)
{
	(void)state;
	size_t need = acpi_build_size(&cfg_default, BIOS_BASE);
	struct acpi_build_out o;

	assert_true(need > 0);
	memset(mem + BIOS_BASE, 0xaa, need);
	assert_int_equal(acpi_build(&cfg_default, mem + BIOS_BASE, need - 1, BIOS_BASE, &o),
			 E_RANGE);
	for (size_t i = 0; i < need; i++)
		assert_int_equal(mem[BIOS_BASE + i], 0xaa);
	assert_int_equal(acpi_build(&cfg_default, mem + BIOS_BASE, need, BIOS_BASE, &o), E_OK);
	assert_int_equal(o.used, need);
}

static void test_invalid_cfg(void **state)
{
	(void)state;
	struct acpi_build_out o;
	struct acpi_build_cfg bad[7];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		bad[i] = cfg_default;
	bad[0].cpus = 0;
	bad[1].s5_slp_typ = 0;
	bad[2].s5_slp_typ = 8;
	bad[3].sci_irq = 2;
	bad[4].sci_irq = 16;
	bad[5].pm_tmr_port = 0xfffe;
	bad[6].pm1a_cnt_port = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(acpi_build(&bad[i], mem, FAKE_MEM_SIZE, 0, &o), E_INVAL);
		assert_int_equal(acpi_build_size(&bad[i], 0), 0);
	}
	assert_int_equal(acpi_build(&cfg_default, mem, FAKE_MEM_SIZE, 4 * GiB, &o), E_INVAL);
	assert_int_equal(acpi_build(&cfg_default, mem, FAKE_MEM_SIZE, 4 * GiB - 64, &o), E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rsdp_and_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fadt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_facs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dsdt_s5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_cfg, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
