/* Unit tests for core/acpi_tables.c over a fake 1 MiB physical memory:
 * checksums, RSDP validation and scanning, XSDT/RSDT walks with corrupt
 * tables, and the FADT PM timer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/acpi_tables.h"
#include "stubs.h"

#define FAKE_MEM_SIZE (1024 * 1024 + 64 * 1024)
static u8 *mem;

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

static void fix_sum(u8 *p, size_t len, u8 *field)
{
	u8 sum = 0;
	*field = 0;
	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	*field = (u8)(0 - sum);
}

/* Write an RSDP at physical address a; revision 0 or 2. */
static struct acpi_rsdp *put_rsdp(u64 a, int rev, u32 rsdt, u64 xsdt)
{
	struct acpi_rsdp *r = (struct acpi_rsdp *)(mem + a);
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "PVTEST", 6);
	r->revision = (u8)rev;
	r->rsdt_address = rsdt;
	r->length = ACPI_RSDP_V2_SIZE;
	r->xsdt_address = xsdt;
	fix_sum((u8 *)r, ACPI_RSDP_V1_SIZE, &r->checksum);
	fix_sum((u8 *)r, ACPI_RSDP_V2_SIZE, &r->ext_checksum);
	return r;
}

/* Write a table header of length len at a with a correct checksum. */
static struct acpi_sdt_header *put_table(u64 a, const char *sig, u32 len)
{
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)(mem + a);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = 1;
	fix_sum((u8 *)h, len, &h->checksum);
	return h;
}

static void put_root(u64 a, const char *sig, size_t esz, const u64 *ents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(mem + a + ACPI_SDT_HEADER_SIZE + i * esz, &ents[i], esz);
	put_table(a, sig, (u32)(ACPI_SDT_HEADER_SIZE + n * esz));
}

static void test_checksum(void **state)
{
	u8 b[8] = { 1, 2, 3, 4, 5, 6, 7, 0 };
	(void)state;
	assert_false(acpi_checksum_ok(b, sizeof(b)));
	fix_sum(b, sizeof(b), &b[7]);
	assert_true(acpi_checksum_ok(b, sizeof(b)));
	assert_true(acpi_checksum_ok(b, 0));
	b[0]++;
	assert_false(acpi_checksum_ok(b, sizeof(b)));
}

static void test_rsdp_check(void **state)
{
	struct acpi_rsdp *r;
	(void)state;
	r = put_rsdp(0x1000, 0, 0x2000, 0);
	assert_int_equal(acpi_rsdp_check(r, 20), 1);
	assert_int_equal(acpi_rsdp_check(r, 19), 0);      /* too few bytes */
	r->oem_id[0] ^= 1;                                 /* v1 checksum broken */
	assert_int_equal(acpi_rsdp_check(r, 36), 0);

	r = put_rsdp(0x1000, 2, 0x2000, 0x3000);
	assert_int_equal(acpi_rsdp_check(r, 36), 2);
	assert_int_equal(acpi_rsdp_check(r, 24), 1);      /* v2 part not readable */
	r->reserved[0] = 1;                                /* extended checksum broken */
	stub_log_reset();
	assert_int_equal(acpi_rsdp_check(r, 36), 1);
	assert_true(stub_log_contains("extended checksum"));

	r = put_rsdp(0x1000, 2, 0x2000, 0x3000);
	r->length = 1000;                                  /* longer than available */
	fix_sum((u8 *)r, 20, &r->checksum);
	assert_int_equal(acpi_rsdp_check(r, 36), 1);

	r = put_rsdp(0x1000, 0, 0x2000, 0);
	r->signature[0] = 'X';
	assert_int_equal(acpi_rsdp_check(r, 36), 0);
}

static void test_rsdp_scan(void **state)
{
	hpa_t f = hpa(0);
	(void)state;
	assert_false(acpi_rsdp_scan(hpa(0xe0000), 0x20000, &f));
	/* A candidate with a bad checksum first, an unaligned one, then a good one. */
	put_rsdp(0xe0100, 0, 0x1234, 0)->checksum ^= 0xff;
	put_rsdp(0xe0208, 0, 0x1234, 0);
	assert_false(acpi_rsdp_scan(hpa(0xe0000), 0x20000, &f));
	put_rsdp(0xf0010, 2, 0x1234, 0x5678);
	assert_true(acpi_rsdp_scan(hpa(0xe0000), 0x20000, &f));
	assert_int_equal(f.v, 0xf0010);
	/* A region too short to hold it is not searched past its end. */
	assert_false(acpi_rsdp_scan(hpa(0xf0000), 0x20, &f));
	/* An RSDP at the very end of the region is still found. */
	assert_true(acpi_rsdp_scan(hpa(0xf0000), 0x10 + 20, &f));
	/* A wrapping region is refused. */
	assert_false(acpi_rsdp_scan(hpa(~0ull - 15), 64, &f));
}

static void test_rsdp_find_bios(void **state)
{
	hpa_t f = hpa(0);
	u16 seg = 0x9fc0;
	(void)state;
	assert_false(acpi_rsdp_find_bios(&f));
	put_rsdp(0xe8000, 0, 0x1000, 0);
	assert_true(acpi_rsdp_find_bios(&f));
	assert_int_equal(f.v, 0xe8000);
	memcpy(mem + 0x40e, &seg, 2);                      /* EBDA wins */
	put_rsdp(0x9fc00 + 0x40, 0, 0x1000, 0);
	assert_true(acpi_rsdp_find_bios(&f));
	assert_int_equal(f.v, 0x9fc40);
}

static void test_find_table_xsdt(void **state)
{
	hpa_t t = hpa(0);
	u64 ents[] = { 0x11000, 0x12000, 0, 0x13000, 0x14000 };
	struct acpi_rsdp *r;
	(void)state;
	put_table(0x11000, "FACP", 116)->checksum ^= 1;   /* corrupt FADT first */
	put_table(0x12000, "APIC", 44);
	put_table(0x13000, "HPET", 20);                    /* length < header */
	memcpy(mem + 0x13000, "FACP", 4);
	put_table(0x14000, "FACP", 244);
	put_root(0x10000, "XSDT", 8, ents, 5);
	r = put_rsdp(0xe0000, 2, 0, 0x10000);
	stub_log_reset();
	assert_int_equal(acpi_find_table(r, 36, "FACP", &t), E_OK);
	assert_int_equal(t.v, 0x14000);
	assert_true(stub_log_contains("bad checksum"));
	assert_true(stub_log_contains("bad length"));
	assert_int_equal(acpi_find_table(r, 36, "APIC", &t), E_OK);
	assert_int_equal(t.v, 0x12000);
	assert_int_equal(acpi_find_table(r, 36, "MCFG", &t), E_NOENT);
}

static void test_find_table_rsdt_fallback(void **state)
{
	hpa_t t = hpa(0);
	u64 x[] = { 0x22000 }, rs[] = { 0x22000 };
	struct acpi_rsdp *r;
	(void)state;
	put_table(0x22000, "FACP", 116);
	put_root(0x20000, "XSDT", 8, x, 1);
	mem[0x20000 + 10] ^= 0x55;                         /* XSDT checksum broken */
	put_root(0x21000, "RSDT", 4, rs, 1);
	r = put_rsdp(0xe0000, 2, 0x21000, 0x20000);
	stub_log_reset();
	assert_int_equal(acpi_find_table(r, 36, "FACP", &t), E_OK);
	assert_int_equal(t.v, 0x22000);
	assert_true(stub_log_contains("falling back to the RSDT"));

	/* Version 1 RSDP: only the RSDT is used. */
	r = put_rsdp(0xe0000, 0, 0x21000, 0);
	t = hpa(0);
	assert_int_equal(acpi_find_table(r, 20, "FACP", &t), E_OK);
	assert_int_equal(t.v, 0x22000);

	/* Root table with the wrong signature or absurd length. */
	memcpy(mem + 0x21000, "XXXX", 4);
	assert_int_equal(acpi_find_table(r, 20, "FACP", &t), E_INVAL);
	put_root(0x21000, "RSDT", 4, rs, 1);
	((struct acpi_sdt_header *)(mem + 0x21000))->length = 0x7fffffff;
	assert_int_equal(acpi_find_table(r, 20, "FACP", &t), E_INVAL);
	/* Invalid RSDP. */
	r->checksum ^= 1;
	assert_int_equal(acpi_find_table(r, 20, "FACP", &t), E_INVAL);
}

static void put_u32(u64 a, u32 v) { memcpy(mem + a, &v, 4); }
static void put_u64(u64 a, u64 v) { memcpy(mem + a, &v, 8); }

static void test_pm_timer(void **state)
{
	struct acpi_pm_timer pt = { 0, false };
	(void)state;
	/* ACPI 1.0 FADT: PM_TMR_BLK only, 24-bit. */
	put_u32(0x30000 + 76, 0x608);
	mem[0x30000 + 91] = 4;
	put_table(0x30000, "FACP", 116);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x30000), &pt), E_OK);
	assert_int_equal(pt.port, 0x608);
	assert_false(pt.ext32);

	/* ACPI 2.0+ FADT: X_PM_TMR_BLK in I/O space wins; TMR_VAL_EXT set. */
	put_u32(0x31000 + 76, 0x608);
	mem[0x31000 + 91] = 4;
	put_u32(0x31000 + 112, 1u << 8);
	mem[0x31000 + 208] = 1;
	put_u64(0x31000 + 212, 0xb008);
	put_table(0x31000, "FACP", 276);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x31000), &pt), E_OK);
	assert_int_equal(pt.port, 0xb008);
	assert_true(pt.ext32);

	/* Memory-mapped timer: not supported, output untouched. */
	mem[0x31000 + 208] = 0;
	put_table(0x31000, "FACP", 276);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x31000), &pt), E_NOTSUP);
	assert_int_equal(pt.port, 0xb008);

	/* No timer at all. */
	put_table(0x32000, "FACP", 244);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x32000), &pt), E_NOENT);

	/* Port beyond 16 bits and wrong PM_TMR_LEN. */
	put_u32(0x33000 + 76, 0x12345);
	put_table(0x33000, "FACP", 116);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x33000), &pt), E_INVAL);
	put_u32(0x33000 + 76, 0x808);
	mem[0x33000 + 91] = 2;
	put_table(0x33000, "FACP", 116);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x33000), &pt), E_INVAL);

	/* Too short, wrong signature, bad checksum. */
	put_table(0x34000, "FACP", 100);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x34000), &pt), E_INVAL);
	put_table(0x34000, "APIC", 244);
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x34000), &pt), E_INVAL);
	put_table(0x34000, "FACP", 244);
	mem[0x34000 + 50] ^= 1;
	assert_int_equal(acpi_fadt_pm_timer(hpa(0x34000), &pt), E_INVAL);
	assert_int_equal(pt.port, 0xb008);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_find_bios, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_table_xsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_table_rsdt_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pm_timer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
