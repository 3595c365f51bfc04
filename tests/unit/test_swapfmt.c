/* Unit tests for core/swapfmt.c: the CRC32C check values, a built header
 * accepted with every field, and refusal with the right reason of foreign,
 * corrupted, truncated, unknown-version and nonsense headers; UUID text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/swapfmt.h"

static const u8 test_uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
				  0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21 };
#define AREA_PAGES 15361ull   /* 60 MiB of slots and the header page */

static u8 page[4096];
static char why[160];

static struct swapfmt_header *hdr(void)
{
	return (struct swapfmt_header *)page;
}

static void build(void)
{
	memset(page, 0, sizeof(page));
	assert_int_equal(swapfmt_build(hdr(), AREA_PAGES, test_uuid, "test swap"), E_OK);
}

static enum swapfmt_status check(u64 area_bytes)
{
	return swapfmt_check(page, sizeof(page), area_bytes, NULL, why, sizeof(why));
}

/* Re-seal the header after editing a field, so only the field is wrong. */
static void reseal(void)
{
	hdr()->checksum = swapfmt_csum(page, hdr()->header_size);
}

static void test_crc32c_vectors(void **state)
{
	(void)state;
	u8 zeros[32] = { 0 }, ones[32];
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(swapfmt_crc32c(0, "123456789", 9), 0xe3069283);
	/* RFC 3720 B.4 test vectors. */
	assert_int_equal(swapfmt_crc32c(0, zeros, 32), 0x8a9136aa);
	assert_int_equal(swapfmt_crc32c(0, ones, 32), 0x62a8ab43);
	/* Chaining equals one pass. */
	u32 c = swapfmt_crc32c(0, "12345", 5);
	assert_int_equal(swapfmt_crc32c(c, "6789", 4), 0xe3069283);
	assert_int_equal(swapfmt_crc32c(0, "", 0), 0);
}

static void test_build_and_accept(void **state)
{
	(void)state;
	struct swapfmt_info info;
	build();
	assert_memory_equal(page, "PAGEVISOR-SWAP\0\0", 16);
	/* Little-endian fields at their documented offsets. */
	assert_int_equal(page[16], 1);
	assert_int_equal(page[20], 0x00);
	assert_int_equal(page[21], 0x01);                   /* header size 256 */
	assert_int_equal(page[24], AREA_PAGES & 0xff);
	assert_int_equal(page[25], AREA_PAGES >> 8);
	assert_int_equal(page[32], 1);                      /* data start */
	assert_memory_equal(page + 48, test_uuid, 16);
	assert_string_equal((char *)page + 64, "test swap");
	assert_int_equal(swapfmt_check(page, sizeof(page), AREA_PAGES * 4096, &info, why,
				       sizeof(why)), SWAPFMT_OK);
	assert_int_equal(info.total_pages, AREA_PAGES);
	assert_int_equal(info.data_start_page, 1);
	assert_int_equal(info.nslots, AREA_PAGES - 1);
	assert_memory_equal(info.uuid, test_uuid, 16);
	assert_string_equal(info.label, "test swap");
	/* A disk larger than the area is fine; the header alone is enough. */
	assert_int_equal(check(AREA_PAGES * 4096 + 12345), SWAPFMT_OK);
	assert_int_equal(swapfmt_check(page, 256, AREA_PAGES * 4096, NULL, NULL, 0), SWAPFMT_OK);
}

static void test_build_limits(void **state)
{
	(void)state;
	struct swapfmt_header h;
	char long_label[80];
	assert_int_equal(swapfmt_build(&h, 0, test_uuid, NULL), E_RANGE);
	assert_int_equal(swapfmt_build(&h, 1, test_uuid, NULL), E_RANGE);
	assert_int_equal(swapfmt_build(&h, 2, test_uuid, NULL), E_OK);
	assert_int_equal(h.nslots, 1);
	assert_int_equal(swapfmt_build(&h, SWAPFMT_MAX_SLOTS + 1, test_uuid, NULL), E_OK);
	assert_int_equal(swapfmt_build(&h, SWAPFMT_MAX_SLOTS + 2, test_uuid, NULL), E_RANGE);
	memset(long_label, 'a', sizeof(long_label));
	long_label[64] = 0;
	assert_int_equal(swapfmt_build(&h, 10, test_uuid, long_label), E_INVAL);
	long_label[63] = 0;
	assert_int_equal(swapfmt_build(&h, 10, test_uuid, long_label), E_OK);
	assert_int_equal(swapfmt_build(&h, 10, test_uuid, "tab\there"), E_INVAL);
}

static void test_foreign(void **state)
{
	(void)state;
	memset(page, 0, sizeof(page));
	assert_int_equal(check(1 * MiB), SWAPFMT_NOT_MARKED);
	assert_non_null(strstr(why, "magic"));
	build();
	page[0] = 'p';   /* lower case: someone else's format */
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_NOT_MARKED);
	build();
	page[15] = 'X';  /* the NUL padding belongs to the magic */
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_NOT_MARKED);
	memset(page, 0xff, sizeof(page));
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_NOT_MARKED);
	assert_string_equal(swapfmt_status_name(SWAPFMT_NOT_MARKED), "not marked");
}

/* Every single-bit flip outside the magic is refused, never accepted. */
static void test_corrupted_any_bit(void **state)
{
	(void)state;
	for (unsigned byte = 16; byte < SWAPFMT_HDR_SIZE; byte++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			build();
			page[byte] ^= (u8)(1u << bit);
			enum swapfmt_status st = check(AREA_PAGES * 4096);
			assert_int_not_equal(st, SWAPFMT_OK);
			if (byte < 20 || byte >= 24)   /* header_size flips may say "size" */
				assert_int_equal(st, SWAPFMT_BAD_CSUM);
		}
	}
}

static void test_checksum_message(void **state)
{
	(void)state;
	char expect[80];
	build();
	u32 stored = hdr()->checksum;
	page[70] ^= 0x20;   /* one letter of the label */
	u32 computed = swapfmt_csum(page, 256);
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_CSUM);
	snprintf(expect, sizeof(expect), "checksum mismatch (stored 0x%08x, computed 0x%08x)",
		 stored, computed);
	assert_string_equal(why, expect);
	/* Bytes of the page past header_size are not covered. */
	build();
	page[300] = 0x55;
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_OK);
}

static void test_truncated(void **state)
{
	(void)state;
	build();
	assert_int_equal(check((AREA_PAGES - 1) * 4096), SWAPFMT_TRUNCATED);
	assert_non_null(strstr(why, "truncated"));
	assert_non_null(strstr(why, "15361"));
	assert_int_equal(check(AREA_PAGES * 4096 - 1), SWAPFMT_TRUNCATED);
	assert_int_equal(check(0), SWAPFMT_TRUNCATED);
	/* A short read cannot hold a header. */
	assert_int_equal(swapfmt_check(page, 100, AREA_PAGES * 4096, NULL, why, sizeof(why)),
			 SWAPFMT_BAD_SIZE);
}

static void test_header_size(void **state)
{
	(void)state;
	build();
	hdr()->header_size = 4097;
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_SIZE);
	hdr()->header_size = 255;
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_SIZE);
	/* A sealed larger header is refused by version 1 as a field. */
	hdr()->header_size = 512;
	reseal();
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_FIELD);
	/* header_size larger than what was read. */
	assert_int_equal(swapfmt_check(page, 300, AREA_PAGES * 4096, NULL, why, sizeof(why)),
			 SWAPFMT_BAD_SIZE);
}

static void test_unknown_version(void **state)
{
	(void)state;
	build();
	hdr()->version = 2;
	reseal();
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_VERSION);
	assert_string_equal(why, "unknown version 2 (this build knows 1)");
	hdr()->version = 0;
	reseal();
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_VERSION);
}

/* Edit one field, re-seal, expect SWAPFMT_BAD_FIELD with a reason containing
 * needle. */
static void expect_field(void (*edit)(struct swapfmt_header *), const char *needle)
{
	build();
	edit(hdr());
	reseal();
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_BAD_FIELD);
	if (!strstr(why, needle))
		fail_msg("reason '%s' lacks '%s'", why, needle);
}

static void e_start0(struct swapfmt_header *h) { h->data_start_page = 0; }
static void e_start_end(struct swapfmt_header *h) { h->data_start_page = h->total_pages; }
static void e_start_huge(struct swapfmt_header *h) { h->data_start_page = ~0ull; }
static void e_nslots0(struct swapfmt_header *h) { h->nslots = 0; }
static void e_nslots_big(struct swapfmt_header *h) { h->nslots = h->total_pages; }
static void e_nslots_wrap(struct swapfmt_header *h) { h->nslots = ~0ull; }
static void e_total_small(struct swapfmt_header *h) { h->total_pages = 1; }
static void e_flags(struct swapfmt_header *h) { h->flags = 0x4; }
static void e_label(struct swapfmt_header *h) { memset(h->label, 'x', sizeof(h->label)); }
static void e_label_ctl(struct swapfmt_header *h) { h->label[0] = '\n'; }
static void e_reserved(struct swapfmt_header *h) { h->reserved[119] = 1; }
static void e_many(struct swapfmt_header *h)
{
	h->total_pages = SWAPFMT_MAX_SLOTS + 10;
	h->nslots = SWAPFMT_MAX_SLOTS + 1;
}

static void test_nonsense_fields(void **state)
{
	(void)state;
	expect_field(e_start0, "data start page 0");
	expect_field(e_start_end, "data start page 15361");
	expect_field(e_start_huge, "data start page");
	expect_field(e_nslots0, "0 slots");
	expect_field(e_nslots_big, "do not fit");
	expect_field(e_nslots_wrap, "do not fit");
	expect_field(e_total_small, "data start page 1 outside");
	expect_field(e_flags, "unknown flags 0x4");
	expect_field(e_label, "label");
	expect_field(e_label_ctl, "label");
	expect_field(e_reserved, "reserved");
	expect_field(e_many, "at most");
	/* Fewer slots than the area could hold is allowed. */
	build();
	hdr()->nslots = 10;
	reseal();
	assert_int_equal(check(AREA_PAGES * 4096), SWAPFMT_OK);
}

static void test_uuid_text(void **state)
{
	(void)state;
	char s[SWAPFMT_UUID_STR_LEN];
	u8 back[16];
	swapfmt_uuid_to_str(test_uuid, s);
	assert_string_equal(s, "12345678-9abc-def0-0fed-cba987654321");
	assert_int_equal(swapfmt_uuid_parse(s, strlen(s), back), E_OK);
	assert_memory_equal(back, test_uuid, 16);
	const char *upper = "12345678-9ABC-DEF0-0FED-CBA987654321";
	assert_int_equal(swapfmt_uuid_parse(upper, strlen(upper), back), E_OK);
	assert_memory_equal(back, test_uuid, 16);
	const char *bad[] = { "12345678-9abc-def0-0fed-cba98765432",
			      "12345678-9abc-def0-0fed-cba9876543210",
			      "123456789abc-def0-0fed-cba987654321-",
			      "12345678-9abc-def0-0fed-cba98765432g", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(swapfmt_uuid_parse(bad[i], strlen(bad[i]), back), E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_build_and_accept),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_corrupted_any_bit),
		cmocka_unit_test(test_checksum_message),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_size),
		cmocka_unit_test(test_unknown_version),
		cmocka_unit_test(test_nonsense_fields),
		cmocka_unit_test(test_uuid_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
