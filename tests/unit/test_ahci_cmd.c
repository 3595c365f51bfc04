/* Unit tests for drivers/ahci_cmd.c against fake physical memory: the command
 * header, H2D register FIS and one-PRD-per-page table of READ/WRITE DMA EXT
 * and IDENTIFY as the HBA would read them; refusals that leave memory
 * untouched; IDENTIFY parsing (sectors, sector size, model). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/ahci_cmd.h"
#include "fakemem.h"

#define CL_HPA    0x10000ull
#define TBL_HPA   0x11000ull
#define DATA_HPA  0x100000ull

static void *mem;

static int setup(void **state)
{
	(void)state;
	mem = fakemem_create(4 * MiB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fakemem_destroy(mem);
	return 0;
}

static struct ahci_cmd_hdr *hdr(void)
{
	return hpa_to_ptr(hpa(CL_HPA));
}

static struct ahci_cmd_table *tbl(void)
{
	return hpa_to_ptr(hpa(TBL_HPA));
}

static hpa_t frames[33];

static struct ahci_io rw_io(bool write, u64 lba, u32 npages)
{
	for (u32 i = 0; i < 33; i++)
		frames[i] = hpa(DATA_HPA + (u64)(32 - i) * PAGE_SIZE);   /* scattered, descending */
	return (struct ahci_io){ .command = write ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT,
				 .write = write, .lba = lba, .count = npages * 8, .bufs = frames,
				 .nbufs = npages, .buf_bytes = PAGE_SIZE, .max_prds = 32, .addr64 = true };
}

static void test_read_fis_and_prds(void **state)
{
	struct ahci_io io = rw_io(false, 0x123456789abcull, 3);
	const u8 *f = tbl()->cfis;

	(void)state;
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), hpa(TBL_HPA), &io), E_OK);
	assert_int_equal(hdr()->flags, 5 | (3u << 16));          /* CFL 5 dwords, no W, PRDTL 3 */
	assert_int_equal(hdr()->ctba, (u32)TBL_HPA);
	assert_int_equal(hdr()->ctbau, 0);
	assert_int_equal(hdr()->prdbc, 0);
	assert_int_equal(f[0], 0x27);
	assert_int_equal(f[1], 0x80);
	assert_int_equal(f[2], 0x25);
	assert_int_equal(f[4], 0xbc);
	assert_int_equal(f[5], 0x9a);
	assert_int_equal(f[6], 0x78);
	assert_int_equal(f[7], 0x40);
	assert_int_equal(f[8], 0x56);
	assert_int_equal(f[9], 0x34);
	assert_int_equal(f[10], 0x12);
	assert_int_equal(f[12], 24);
	assert_int_equal(f[13], 0);
	for (u32 i = 0; i < 3; i++) {
		assert_int_equal(tbl()->prdt[i].dba, (u32)frames[i].v);
		assert_int_equal(tbl()->prdt[i].dbau, 0);
		assert_int_equal(tbl()->prdt[i].dbc, PAGE_SIZE - 1);
	}
}

static void test_write_32_pages_64bit(void **state)
{
	struct ahci_io io = rw_io(true, 8, 32);

	(void)state;
	frames[31] = hpa(0x1234567000ull);
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), hpa(TBL_HPA), &io), E_OK);
	assert_int_equal(hdr()->flags, 5 | BIT(6) | (32u << 16));
	assert_int_equal(tbl()->cfis[2], 0x35);
	assert_int_equal(tbl()->cfis[12], 0);                     /* 256 sectors: 0x0100 */
	assert_int_equal(tbl()->cfis[13], 1);
	assert_int_equal(tbl()->prdt[31].dba, 0x34567000u);
	assert_int_equal(tbl()->prdt[31].dbau, 0x12);
	assert_int_equal(AHCI_CMD_TABLE_BYTES(32), 640);
}

static void test_ncq_fis(void **state)
{
	struct ahci_io io = rw_io(true, 0x1000, 32);
	const u8 *f = tbl()->cfis;

	(void)state;
	io.command = ATA_CMD_WRITE_FPDMA;
	io.tag = 31;
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), hpa(TBL_HPA), &io), E_OK);
	assert_int_equal(f[2], 0x61);
	assert_int_equal(f[3], 0);                                /* 256 sectors in FEATURE */
	assert_int_equal(f[11], 1);
	assert_int_equal(f[12], 31 << 3);                         /* tag in COUNT 7:3 */
	assert_int_equal(f[13], 0);
	assert_int_equal(f[5], 0x10);
	assert_int_equal(f[7], 0x40);
	assert_int_equal(hdr()->flags, 5 | BIT(6) | (32u << 16));
	io.tag = 32;
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), hpa(TBL_HPA), &io), E_INVAL);
}

static void test_identify(void **state)
{
	hpa_t buf = hpa(DATA_HPA);
	struct ahci_io io = { .command = ATA_CMD_IDENTIFY, .bufs = &buf, .nbufs = 1,
			      .buf_bytes = 512, .max_prds = 1 };

	(void)state;
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), hpa(TBL_HPA), &io), E_OK);
	assert_int_equal(hdr()->flags, 5 | (1u << 16));
	assert_int_equal(tbl()->cfis[2], 0xec);
	assert_int_equal(tbl()->cfis[12], 0);
	assert_int_equal(tbl()->prdt[0].dbc, 511);
}

/* Each refusal leaves the header and table as they were. */
static void expect_refused(struct ahci_io io, hpa_t t, int rc)
{
	memset(hdr(), 0xa5, sizeof(struct ahci_cmd_hdr));
	memset(tbl(), 0xa5, AHCI_CMD_TABLE_BYTES(2));
	assert_int_equal(ahci_cmd_build(hdr(), tbl(), t, &io), rc);
	assert_int_equal(hdr()->flags, 0xa5a5a5a5u);
	assert_int_equal(tbl()->cfis[0], 0xa5);
	assert_int_equal(tbl()->prdt[0].dba, 0xa5a5a5a5u);
}

static void test_refused(void **state)
{
	struct ahci_io io;

	(void)state;
	expect_refused(rw_io(false, 0, 0), hpa(TBL_HPA), E_INVAL);           /* no PRD */
	expect_refused(rw_io(false, 0, 33), hpa(TBL_HPA), E_INVAL);          /* above max_prds */
	expect_refused(rw_io(false, 1ull << 48, 1), hpa(TBL_HPA), E_INVAL);  /* LBA past 48 bits */
	expect_refused(rw_io(false, 0, 1), hpa(TBL_HPA + 0x40), E_INVAL);    /* CTBA unaligned */
	io = rw_io(false, 0, 1);
	io.count = 0x10000;
	expect_refused(io, hpa(TBL_HPA), E_INVAL);
	io = rw_io(false, 0, 2);
	io.buf_bytes = 511;
	expect_refused(io, hpa(TBL_HPA), E_INVAL);                           /* odd length */
	io = rw_io(false, 0, 2);
	frames[1] = hpa(DATA_HPA + 1);
	expect_refused(io, hpa(TBL_HPA), E_INVAL);                           /* odd address */
	io = rw_io(false, 0, 2);
	io.addr64 = false;
	frames[1] = hpa(0xfffff000ull + 0x1000);
	expect_refused(io, hpa(TBL_HPA), E_RANGE);                           /* above 4 GiB */
	io = rw_io(false, 0, 1);
	io.addr64 = false;
	expect_refused(io, hpa(0x100000000ull), E_RANGE);
}

static void test_identify_parse(void **state)
{
	u16 w[256] = { 0 };
	const char *model = "QEMU HARDDISK   ";
	char out[41];

	(void)state;
	assert_int_equal(ahci_id_sectors(w), 0);                  /* no LBA */
	w[49] = BIT(9);
	w[60] = 0x5678;
	w[61] = 0x0012;
	assert_int_equal(ahci_id_sectors(w), 0x125678);
	w[83] = BIT(10);
	w[100] = 0x1111;
	w[101] = 0x2222;
	w[102] = 0x0003;
	assert_int_equal(ahci_id_sectors(w), 0x322221111ull);
	assert_int_equal(ahci_id_sector_size(w), 512);
	assert_int_equal(ahci_id_ncq_depth(w), 0);
	w[76] = BIT(8);
	w[75] = 31;
	assert_int_equal(ahci_id_ncq_depth(w), 32);
	w[76] = 0xffff;
	assert_int_equal(ahci_id_ncq_depth(w), 0);
	w[106] = 0x4000 | BIT(12);
	w[117] = 2048;
	assert_int_equal(ahci_id_sector_size(w), 4096);
	for (int i = 0; i < 20; i++)
		w[27 + i] = ' ' << 8 | ' ';
	for (int i = 0; model[i]; i += 2)
		w[27 + i / 2] = (u16)(model[i] << 8 | model[i + 1]);
	ahci_id_model(w, out);
	assert_string_equal(out, "QEMU HARDDISK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_fis_and_prds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_32_pages_64bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncq_fis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test(test_identify_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
