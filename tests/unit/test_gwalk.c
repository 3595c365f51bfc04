/* Unit tests for core/gwalk.c: paging off, 32-bit paging (4 KiB, 4 MiB with
 * PSE and PSE-36), PAE (4 KiB, 2 MiB, NX) and 4-level paging (4 KiB, 2 MiB,
 * 1 GiB), each with not-present, rights and reserved-bit faults, over a
 * fake guest memory read through the callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/gwalk.h"

#define GMEM_SIZE (16 * MiB)
#define P  0x1ull
#define RW 0x2ull
#define US 0x4ull
#define PS 0x80ull
#define NX (1ull << 63)

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static u8 gm[GMEM_SIZE] __aligned(4096);
static unsigned reads;

/* gmem_read's contract over gm[]: E_RANGE outside it. */
static int fake_read(void *ctx, gpa_t a, void *dst, u64 len)
{
	(void)ctx;
	reads++;
	if (a.v >= GMEM_SIZE || len > GMEM_SIZE - a.v)
		return E_RANGE;
	memcpy(dst, gm + a.v, len);
	return 0;
}

static void put32(u64 a, u32 v) { memcpy(gm + a, &v, 4); }
static void put64(u64 a, u64 v) { memcpy(gm + a, &v, 8); }

static int setup(void **state)
{
	(void)state;
	memset(gm, 0, sizeof(gm));
	reads = 0;
	return 0;
}

/* Translate and expect success at want with page size psize. */
static void expect_ok(const struct gwalk_regs *r, u64 la, u32 acc, u64 want, u64 psize)
{
	struct gwalk_result res;
	int rc = gwalk(r, la, acc, fake_read, NULL, &res);
	if (rc != 0)
		fail_msg("la %lx: rc %d pf_error %x", la, rc, res.pf_error);
	assert_false(res.fault);
	assert_int_equal(res.gpa.v, want);
	assert_int_equal(res.page_size, psize);
}

/* Translate and expect a #PF with error code err. */
static void expect_pf(const struct gwalk_regs *r, u64 la, u32 acc, u32 err)
{
	struct gwalk_result res;
	assert_int_equal(gwalk(r, la, acc, fake_read, NULL, &res), E_NOENT);
	assert_true(res.fault);
	assert_int_equal(res.pf_error, err);
}

static void test_paging_off(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = 0x11, .cr3 = 0xdead000 };
	expect_ok(&r, 0x12345678, GWALK_FETCH, 0x12345678, PAGE_SIZE);
	expect_ok(&r, 0xffff0 + 0xffff, 0, 0x10ffef, PAGE_SIZE);   /* no A20 wrap */
	expect_ok(&r, 0x100001000ull, GWALK_WRITE, 0x1000, PAGE_SIZE);  /* 32-bit wrap */
	r.cr4 = CR4_PAE;    /* PAE without PG changes nothing */
	expect_ok(&r, 0xfffff000, 0, 0xfffff000, PAGE_SIZE);
	assert_int_equal(reads, 0);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000. */
static void test_32bit(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x1000 };
	u64 la = 0x00403abcull;                   /* PDE 1, PTE 3 */
	put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	put32(0x2000 + 3 * 4, 0x345000 | P | US);  /* read-only user page */
	expect_ok(&r, la, 0, 0x345abc, PAGE_SIZE);
	expect_ok(&r, la, GWALK_WRITE, 0x345abc, PAGE_SIZE);     /* WP clear */
	expect_ok(&r, la, GWALK_USER | GWALK_FETCH, 0x345abc, PAGE_SIZE);
	expect_ok(&r, 0xf00403abcull, 0, 0x345abc, PAGE_SIZE);   /* upper bits dropped */
	expect_pf(&r, la, GWALK_USER | GWALK_WRITE, GWALK_PF_P | GWALK_PF_W | GWALK_PF_U);
	r.cr0 |= CR0_WP;
	expect_pf(&r, la, GWALK_WRITE, GWALK_PF_P | GWALK_PF_W);
	r.cr4 = CR4_SMEP;   /* supervisor fetch from a user page */
	expect_pf(&r, la, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	expect_pf(&r, la + 0x1000, 0, 0);                        /* PTE 4 absent */
	expect_pf(&r, 0x00800000, GWALK_USER, GWALK_PF_U);      /* PDE 2 absent */
}

/* 4 MiB pages need CR4.PSE; without it PS is ignored (Table 4-4/4-5). */
static void test_32bit_pse(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x1000, .cr4 = CR4_PSE };
	put32(0x1000 + 3 * 4, 0x00c00000 | PS | P | RW);
	expect_ok(&r, 0x00c12345, GWALK_WRITE, 0x00c12345, 4 * MiB);
	put32(0x1000 + 4 * 4, 0x01000000 | (0x5 << 13) | PS | P);  /* PSE-36 bits 34:32 */
	expect_ok(&r, 0x01234567, 0, 0x501234567ull, 4 * MiB);
	expect_pf(&r, 0x01234567, GWALK_USER, GWALK_PF_P | GWALK_PF_U);
	put32(0x1000 + 5 * 4, 0x01400000 | (1 << 21) | PS | P);    /* bit 21 reserved */
	expect_pf(&r, 0x01400000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	r.cr4 = 0;          /* PS ignored: 0x00c00000 is a page table */
	put32(0x00c00000 + 0x12 * 4, 0x7000 | P);
	expect_ok(&r, 0x00c12345, 0, 0x7345, PAGE_SIZE);
}

/* PAE: PDPT at 0x3020 (CR3 32-byte aligned), PD at 0x4000, PT at 0x5000. */
static void test_pae(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | CR0_WP | 1, .cr3 = 0x3020, .cr4 = CR4_PAE };
	u64 la = 0x80000000ull | (2 << 21) | (7 << 12) | 0x123;   /* PDPTE 2, PDE 2, PTE 7 */
	put64(0x3020 + 2 * 8, 0x4000 | P);          /* PDPTEs have no R/W, U/S */
	put64(0x4000 + 2 * 8, 0x5000 | P | RW | US);
	put64(0x5000 + 7 * 8, 0x123456000ull | P | RW | US);
	expect_ok(&r, la, GWALK_WRITE | GWALK_USER, 0x123456123ull, PAGE_SIZE);
	put64(0x4000 + 3 * 8, 0x40000000ull | PS | P | RW);  /* 2 MiB page */
	expect_ok(&r, 0x80000000ull | (3 << 21) | 0x1abcde, GWALK_WRITE, 0x401abcdeull, 2 * MiB);
	expect_pf(&r, 0x80000000ull | (3 << 21), GWALK_USER, GWALK_PF_P | GWALK_PF_U);
	put64(0x4000 + 4 * 8, 0x40100000ull | PS | P);       /* bits 20:13 must be 0 */
	expect_pf(&r, 0x80000000ull | (4 << 21), 0, GWALK_PF_P | GWALK_PF_RSVD);
	expect_pf(&r, 0x40000000ull, GWALK_WRITE, GWALK_PF_W);    /* PDPTE 1 absent */
	put64(0x3020 + 3 * 8, 0x4000 | P | RW);                   /* reserved in a PDPTE */
	expect_pf(&r, 0xc0000000ull, 0, GWALK_PF_P | GWALK_PF_RSVD);
}

/* NX is reserved without EFER.NXE and forbids fetches with it. */
static void test_pae_nx(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x3000, .cr4 = CR4_PAE };
	put64(0x3000, 0x4000 | P);
	put64(0x4000, 0x5000 | P | RW);
	put64(0x5000 + 8, 0x9000 | P | RW | NX);
	expect_pf(&r, 0x1000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	r.efer = EFER_NXE;
	expect_ok(&r, 0x1010, GWALK_WRITE, 0x9010, PAGE_SIZE);
	expect_pf(&r, 0x1010, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	put64(0x4000, 0x5000 | P | RW | NX);   /* NX at a higher level counts too */
	put64(0x5000 + 8, 0x9000 | P | RW);
	expect_pf(&r, 0x1010, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	expect_pf(&r, 0x2000, GWALK_FETCH, GWALK_PF_ID);          /* absent, fetch */
}

/* 4-level paging: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000. */
static void lm_tables(void)
{
	put64(0x10000 + 0x1ff * 8, 0x11000 | P | RW);        /* top half */
	put64(0x10000 + 0 * 8, 0x11000 | P | RW | US);
	put64(0x11000 + 1 * 8, 0x12000 | P | RW | US);
	put64(0x12000 + 5 * 8, 0x13000 | P | RW | US);
	put64(0x13000 + 9 * 8, 0xabcdef000ull | P | RW | US);
	put64(0x12000 + 6 * 8, 0x80200000ull | PS | P | RW | US);   /* 2 MiB */
	put64(0x11000 + 2 * 8, 0x1c0000000ull | PS | P | RW);        /* 1 GiB, supervisor */
}

static void test_long_mode(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | CR0_WP | 1, .cr3 = 0x10000 | 0x18,
				.cr4 = CR4_PAE, .efer = EFER_LMA | EFER_NXE | (1 << 8) };
	lm_tables();
	u64 la4k = (1ull << 30) | (5ull << 21) | (9ull << 12) | 0x777;
	expect_ok(&r, la4k, GWALK_WRITE | GWALK_USER, 0xabcdef777ull, PAGE_SIZE);
	expect_ok(&r, (1ull << 30) | (6ull << 21) | 0x12345, GWALK_FETCH | GWALK_USER,
		  0x80212345ull, 2 * MiB);
	expect_ok(&r, (2ull << 30) | 0x3456789, GWALK_WRITE, 0x1c3456789ull, GiB);
	expect_pf(&r, (2ull << 30), GWALK_USER, GWALK_PF_P | GWALK_PF_U);
	/* The top half goes through PML4E 511: the same PDPT. */
	expect_ok(&r, 0xffffff8000000000ull | (2ull << 30) | 0x10, 0, 0x1c0000010ull, GiB);
	expect_pf(&r, (3ull << 30), GWALK_FETCH, GWALK_PF_ID);
	expect_pf(&r, 1ull << 39, GWALK_WRITE, GWALK_PF_W);
}

static void test_long_mode_errors(void **state)
{
	(void)state;
	struct gwalk_regs r = { .cr0 = CR0_PG | 1, .cr3 = 0x10000, .cr4 = CR4_PAE,
				.efer = EFER_LMA };
	struct gwalk_result res;
	lm_tables();
	assert_int_equal(gwalk(&r, 0x0000800000000000ull, 0, fake_read, NULL, &res), E_INVAL);
	assert_int_equal(gwalk(&r, 0xffff7fffffffffffull, 0, fake_read, NULL, &res), E_INVAL);
	put64(0x10000 + 2 * 8, 0x11000 | PS | P);            /* PS in a PML4E */
	expect_pf(&r, 2ull << 39, 0, GWALK_PF_P | GWALK_PF_RSVD);
	put64(0x11000 + 3 * 8, 0x40100000ull | PS | P);      /* 1 GiB misaligned */
	expect_pf(&r, 3ull << 30, 0, GWALK_PF_P | GWALK_PF_RSVD);
	put64(0x10000 + 4 * 8, 0x7fff000ull | P);            /* PDPT outside memory */
	assert_int_equal(gwalk(&r, 4ull << 39, 0, fake_read, NULL, &res), E_RANGE);
	put64(0x12000 + 6 * 8, 0x80200000ull | PS | P | NX); /* NX without NXE */
	expect_pf(&r, (1ull << 30) | (6ull << 21), 0, GWALK_PF_P | GWALK_PF_RSVD);
	r.cr4 |= CR4_LA57;
	assert_int_equal(gwalk(&r, 0, 0, fake_read, NULL, &res), E_NOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off, setup),
		cmocka_unit_test_setup(test_32bit, setup),
		cmocka_unit_test_setup(test_32bit_pse, setup),
		cmocka_unit_test_setup(test_pae, setup),
		cmocka_unit_test_setup(test_pae_nx, setup),
		cmocka_unit_test_setup(test_long_mode, setup),
		cmocka_unit_test_setup(test_long_mode_errors, setup),
	};
	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
