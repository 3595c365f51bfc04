/* Unit tests for mm/memmap.c: sanitizing, overlap resolution, merging,
 * reserved ranges, page rounding and the "no RAM" error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/log.h"
#include "mm/memmap.h"
#include "stubs.h"

static struct boot_info bi;
static struct mem_range out[64];
static size_t nout;

static int setup(void **state)
{
	(void)state;
	memset(&bi, 0, sizeof(bi));
	memset(out, 0, sizeof(out));
	nout = 99;
	stub_log_reset();
	return 0;
}

static void add(u64 base, u64 len, u32 type)
{
	bi.map[bi.nmap++] = (struct bootinfo_mem){ base, len, type, type };
}

static int build(const struct mem_range *res, size_t nres)
{
	return memmap_build(&bi, res, nres, out, ARRAY_SIZE(out), &nout);
}

#define RANGE(i, b, e)                                  \
	do {                                            \
		assert_int_equal(out[i].base, (b));     \
		assert_int_equal(out[i].end, (e));      \
	} while (0)

static void test_typical_pc(void **state)
{
	(void)state;
	add(0, 0x9fc00, BOOTINFO_MEM_USABLE);
	add(0x9fc00, 0x400, BOOTINFO_MEM_RESERVED);
	add(0xf0000, 0x10000, BOOTINFO_MEM_RESERVED);
	add(0x100000, 0x7ee0000, BOOTINFO_MEM_USABLE);
	add(0x7fe0000, 0x20000, BOOTINFO_MEM_ACPI_RECLAIM);
	add(0x100000000, 0x40000000, BOOTINFO_MEM_USABLE);
	assert_int_equal(build(NULL, 0), E_OK);
	assert_int_equal(nout, 2);
	RANGE(0, 0x100000, 0x7fe0000);
	RANGE(1, 0x100000000, 0x140000000);
	assert_int_equal(memmap_top(out, nout), 0x140000000);
	assert_int_equal(memmap_total(out, nout), 0x7ee0000 + 0x40000000);
	assert_true(stub_log_contains("MiB usable in 2 ranges"));
	assert_int_equal(stub_log_count[LOG_WARN], 0);
}

static void test_reserved_and_rounding(void **state)
{
	struct mem_range res[] = {
		{ 0x200000, 0x280000 },                  /* image */
		{ 0x300800, 0x301800 },                  /* unaligned module */
		{ 0x500000, 0x400000 },                  /* inverted: ignored */
		{ 0x1000000, 0x1000000 },                /* empty: ignored */
	};
	(void)state;
	add(0x100800, 0xfff800 - 0x800, BOOTINFO_MEM_USABLE);   /* [0x100800, 0x10ff000) */
	assert_int_equal(build(res, ARRAY_SIZE(res)), E_OK);
	assert_int_equal(nout, 3);
	RANGE(0, 0x101000, 0x200000);            /* start rounded up */
	RANGE(1, 0x280000, 0x300000);            /* module's pages excluded */
	RANGE(2, 0x302000, 0x10ff000);
}

static void test_overlap_non_usable_wins(void **state)
{
	(void)state;
	add(0x100000, 0x1000000, BOOTINFO_MEM_USABLE);          /* [1M, 17M) */
	add(0x800000, 0x100000, BOOTINFO_MEM_ACPI_NVS);         /* inside it */
	add(0x1000000, 0x200000, BOOTINFO_MEM_RESERVED);        /* overlaps the tail */
	assert_int_equal(build(NULL, 0), E_OK);
	assert_int_equal(nout, 2);
	RANGE(0, 0x100000, 0x800000);
	RANGE(1, 0x900000, 0x1000000);
	assert_true(stub_log_contains("usable [0x100000, 0x1100000) overlaps ACPI NVS [0x800000, 0x900000)"));
	assert_true(stub_log_contains("overlaps reserved [0x1000000, 0x1200000)"));
	assert_int_equal(stub_log_count[LOG_WARN], 2);
}

static void test_merge_and_sort(void **state)
{
	(void)state;
	add(0x400000, 0x100000, BOOTINFO_MEM_USABLE);
	add(0x200000, 0x100000, BOOTINFO_MEM_USABLE);
	add(0x300000, 0x100000, BOOTINFO_MEM_USABLE);           /* joins the two */
	add(0x250000, 0x10000, BOOTINFO_MEM_USABLE);            /* duplicate inside */
	add(0x900000, 0x100000, BOOTINFO_MEM_USABLE);
	add(0x880000, 0x100000, BOOTINFO_MEM_USABLE);           /* overlaps the next */
	assert_int_equal(build(NULL, 0), E_OK);
	assert_int_equal(nout, 2);
	RANGE(0, 0x200000, 0x500000);
	RANGE(1, 0x880000, 0xa00000);
}

static void test_bad_entries(void **state)
{
	(void)state;
	add(0x100000, 0, BOOTINFO_MEM_USABLE);                  /* empty */
	add(0xfffffffffffff000, 0x2000, BOOTINFO_MEM_USABLE);   /* wraps */
	add(0x20000000000000, 0x1000, BOOTINFO_MEM_USABLE);     /* above 2^52 */
	add(0xffffffff00000, 0x200000, BOOTINFO_MEM_USABLE);    /* crosses 2^52 */
	add(0x200000, 0x100000, BOOTINFO_MEM_USABLE);
	add(0x1000, ~0ull, BOOTINFO_MEM_RESERVED);              /* wraps: dropped, so */
	assert_int_equal(build(NULL, 0), E_OK);                 /* it removes nothing */
	assert_int_equal(nout, 2);
	RANGE(0, 0x200000, 0x300000);
	RANGE(1, 0xffffffff00000, MEMMAP_PHYS_LIMIT);
	assert_true(stub_log_contains("is empty; dropped"));
	assert_true(stub_log_contains("is wrapping; dropped"));
	assert_true(stub_log_contains("above the 52-bit physical limit"));
	assert_true(stub_log_contains("clipped at the 52-bit"));
}

static void test_no_ram_above_1mib(void **state)
{
	struct mem_range res[] = { { 0x100000, 0x400000 } };
	(void)state;
	add(0, 0xa0000, BOOTINFO_MEM_USABLE);
	assert_int_equal(build(NULL, 0), E_NOMEM);
	assert_int_equal(nout, 0);
	assert_true(stub_log_contains("no usable RAM above 1 MiB"));

	/* RAM above 1 MiB that the reserved ranges cover entirely. */
	add(0x100000, 0x300000, BOOTINFO_MEM_USABLE);
	assert_int_equal(build(res, 1), E_NOMEM);
	assert_int_equal(nout, 0);

	/* Less than a page left after rounding. */
	memset(&bi, 0, sizeof(bi));
	add(0x100800, 0x800, BOOTINFO_MEM_USABLE);
	assert_int_equal(build(NULL, 0), E_NOMEM);

	/* Nothing at all. */
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(build(NULL, 0), E_NOMEM);
}

static void test_output_too_small(void **state)
{
	struct mem_range small[2];
	struct mem_range res[] = { { 0x180000, 0x190000 }, { 0x280000, 0x290000 } };
	(void)state;
	add(0x100000, 0x100000, BOOTINFO_MEM_USABLE);
	add(0x300000, 0x100000, BOOTINFO_MEM_USABLE);
	assert_int_equal(memmap_build(&bi, NULL, 0, small, 2, &nout), E_OK);
	assert_int_equal(nout, 2);
	/* Splitting the first range would need a third slot. */
	assert_int_equal(memmap_build(&bi, res, 1, small, 2, &nout), E_NOMEM);
	assert_int_equal(nout, 0);
	assert_true(stub_log_contains("more than 2 ranges"));
	add(0x500000, 0x100000, BOOTINFO_MEM_USABLE);
	assert_int_equal(memmap_build(&bi, NULL, 0, small, 2, &nout), E_NOMEM);
}

static void test_helpers_on_empty(void **state)
{
	(void)state;
	assert_int_equal(memmap_top(out, 0), 0);
	assert_int_equal(memmap_total(out, 0), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_typical_pc),
		T(test_reserved_and_rounding),
		T(test_overlap_non_usable_wins),
		T(test_merge_and_sort),
		T(test_bad_entries),
		T(test_no_ram_above_1mib),
		T(test_output_too_small),
		T(test_helpers_on_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
