/* libFuzzer harness for the swap-area header parser (core/swapfmt.c). Byte
 * 0: bit 0 makes the harness store the right checksum (so mutations reach
 * the field checks), bits 1-3 pick the area's real size, bits 4-7 the size
 * of the reason buffer. The rest is the area's first page, in a heap buffer
 * of exactly its size (AddressSanitizer catches reads past it). Invariants:
 * an accepted header describes slots inside the area (data start >= 1, slots
 * within total_pages, total_pages within the real size, at most
 * SWAPFMT_MAX_SLOTS), its label is printable and terminated, and the reason
 * is empty; a refusal has a non-empty, terminated reason and a status with a
 * name. Round trips: swapfmt_build of an accepted header's size (E_RANGE if
 * it would hold too many slots), uuid and label gives a header swapfmt_check
 * accepts with the same fields; the uuid survives text and back. */
#include <string.h>
#include "core/swapfmt.h"
#include "stubs.h"
#include "fuzz_check.h"

static const u64 area_sizes[8] = {
	0, 4096, 8192, 1 * MiB, 128 * MiB, 4 * GiB, 16ull << 40, ~0ull,
};

static void check_info(const struct swapfmt_info *in, u64 area)
{
	CHECK(in->data_start_page >= 1 && in->data_start_page < in->total_pages);
	CHECK(in->nslots >= 1 && in->nslots <= in->total_pages - in->data_start_page);
	CHECK(in->nslots <= SWAPFMT_MAX_SLOTS);
	CHECK(in->total_pages <= area / SWAPFMT_PAGE);
	CHECK(in->flags == 0);
	CHECK(strnlen(in->label, SWAPFMT_LABEL_LEN) < SWAPFMT_LABEL_LEN);
	for (const char *c = in->label; *c; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
}

static void round_trip(const struct swapfmt_info *in)
{
	struct swapfmt_header h;
	struct swapfmt_info again;
	char s[SWAPFMT_UUID_STR_LEN];
	u8 uuid[SWAPFMT_UUID_LEN];

	if (in->total_pages - SWAPFMT_DATA_START > SWAPFMT_MAX_SLOTS) {
		CHECK(swapfmt_build(&h, in->total_pages, in->uuid, in->label) == E_RANGE);
		return;
	}
	CHECK(swapfmt_build(&h, in->total_pages, in->uuid, in->label) == E_OK);
	CHECK(swapfmt_check(&h, sizeof(h), in->total_pages * SWAPFMT_PAGE, &again, NULL, 0) ==
	      SWAPFMT_OK);
	CHECK(again.total_pages == in->total_pages && again.data_start_page == SWAPFMT_DATA_START);
	CHECK(again.nslots == in->total_pages - SWAPFMT_DATA_START);
	CHECK(memcmp(again.uuid, in->uuid, SWAPFMT_UUID_LEN) == 0);
	CHECK(strcmp(again.label, in->label) == 0);
	swapfmt_uuid_to_str(in->uuid, s);
	CHECK(strlen(s) == SWAPFMT_UUID_STR_LEN - 1);
	CHECK(swapfmt_uuid_parse(s, strlen(s), uuid) == E_OK);
	CHECK(memcmp(uuid, in->uuid, SWAPFMT_UUID_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	u64 area;
	size_t len, why_len;
	u8 *page;
	char why[160];
	struct swapfmt_info info;
	enum swapfmt_status st;

	if (n < 1)
		return 0;
	area = area_sizes[(data[0] >> 1) & 7];
	why_len = data[0] >> 4 ? (size_t)(data[0] >> 4) * 10 : sizeof(why);
	len = n - 1;
	page = malloc(len ? len : 1);
	CHECK(page);
	memcpy(page, data + 1, len);
	if ((data[0] & 1) && len >= SWAPFMT_HDR_SIZE) {
		u32 hs;
		memcpy(&hs, page + 20, 4);
		if (hs >= 136 && hs <= len && hs <= SWAPFMT_PAGE) {
			u32 c = swapfmt_csum(page, hs);
			memcpy(page + SWAPFMT_CSUM_OFFSET, &c, 4);
		}
	}
	memset(why, 'X', sizeof(why));
	st = swapfmt_check(page, len, area, &info, why, why_len);
	CHECK(strcmp(swapfmt_status_name(st), "?") != 0);
	CHECK(strnlen(why, why_len) < why_len);
	if (st == SWAPFMT_OK) {
		CHECK(why[0] == 0);
		check_info(&info, area);
		round_trip(&info);
	} else {
		CHECK(why_len == 1 || why[0] != 0);
	}
	free(page);
	return 0;
}
