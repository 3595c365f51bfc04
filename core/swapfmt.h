/* The pagevisor swap-area format (docs/swap.md): a little-endian header in
 * the first 4 KiB page of an area that marks it as given to the hypervisor,
 * its CRC32C checksum, and the checks that accept or refuse it. Pure C shared
 * by the hypervisor and the host tool tools/pvswap.c (no hypervisor calls). */
#ifndef CORE_SWAPFMT_H
#define CORE_SWAPFMT_H

#include "core/types.h"

#define SWAPFMT_MAGIC "PAGEVISOR-SWAP"        /* NUL-padded to 16 bytes */
#define SWAPFMT_MAGIC_LEN 16
#define SWAPFMT_VERSION 1
#define SWAPFMT_PAGE 4096u                    /* the area's unit, whatever the disk's */
#define SWAPFMT_HDR_SIZE 256u                 /* version 1 header_size */
#define SWAPFMT_DATA_START 1u                 /* what pvswap writes: slots follow page 0 */
#define SWAPFMT_LABEL_LEN 64                  /* including the NUL */
#define SWAPFMT_UUID_LEN 16
#define SWAPFMT_UUID_STR_LEN 37               /* 8-4-4-4-12 hex digits and NUL */
#define SWAPFMT_MAX_SLOTS 0xfffffffful        /* slot numbers fit in 32 bits */
#define SWAPFMT_FLAGS_KNOWN 0u                /* version 1 defines no flag */
#define SWAPFMT_CSUM_OFFSET 132u

/*
 * The on-disk header (all integers little-endian). Every version keeps
 * magic, version, header_size and checksum where version 1 has them; the
 * checksum covers bytes [0, header_size) except its own four bytes.
 */
struct swapfmt_header {
	char magic[SWAPFMT_MAGIC_LEN];   /*   0 "PAGEVISOR-SWAP\0\0" */
	u32 version;                     /*  16 SWAPFMT_VERSION */
	u32 header_size;                 /*  20 bytes covered by the checksum */
	u64 total_pages;                 /*  24 area size in 4 KiB pages, header included */
	u64 data_start_page;             /*  32 area page of slot 0 (>= 1) */
	u64 nslots;                      /*  40 slots: pages [data_start, data_start + nslots) */
	u8 uuid[SWAPFMT_UUID_LEN];       /*  48 random, identifies the area */
	char label[SWAPFMT_LABEL_LEN];   /*  64 NUL-terminated, printable, may be empty */
	u32 flags;                       /* 128 none defined: must be 0 */
	u32 checksum;                    /* 132 CRC32C, see above */
	u8 reserved[120];                /* 136 zero */
} __packed;

_Static_assert(sizeof(struct swapfmt_header) == SWAPFMT_HDR_SIZE, "swapfmt header size");
_Static_assert(__builtin_offsetof(struct swapfmt_header, version) == 16, "version offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, header_size) == 20, "header_size offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, total_pages) == 24, "total_pages offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, data_start_page) == 32, "data_start offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, nslots) == 40, "nslots offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, uuid) == 48, "uuid offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, label) == 64, "label offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, flags) == 128, "flags offset");
_Static_assert(__builtin_offsetof(struct swapfmt_header, checksum) == SWAPFMT_CSUM_OFFSET,
	       "checksum offset");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the format is little-endian");

/* What a valid header says, in host terms. */
struct swapfmt_info {
	u64 total_pages;
	u64 data_start_page;
	u64 nslots;
	u32 flags;
	u8 uuid[SWAPFMT_UUID_LEN];
	char label[SWAPFMT_LABEL_LEN];
};

/* Why a page was not accepted (swapfmt_check's result). */
enum swapfmt_status {
	SWAPFMT_OK = 0,
	SWAPFMT_NOT_MARKED,   /* no magic: a foreign disk, to be left alone */
	SWAPFMT_BAD_SIZE,     /* header_size outside [SWAPFMT_HDR_SIZE, SWAPFMT_PAGE] */
	SWAPFMT_BAD_CSUM,     /* checksum mismatch */
	SWAPFMT_BAD_VERSION,  /* a version this code does not know */
	SWAPFMT_BAD_FIELD,    /* nonsense field values */
	SWAPFMT_TRUNCATED,    /* the area is smaller than the header says */
};

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of buf[0..len),
 * continuing from crc (start with 0; the pre/post inversion is inside):
 * swapfmt_crc32c(0, "123456789", 9) == 0xe3069283. */
u32 swapfmt_crc32c(u32 crc, const void *buf, size_t len);

/* The checksum a header of header_size bytes at hdr should carry (the
 * checksum field is skipped). header_size must be in [136, SWAPFMT_PAGE]. */
u32 swapfmt_csum(const void *hdr, u32 header_size);

/*
 * Fill *h as a valid version 1 header for an area of total_pages pages with
 * slots from page SWAPFMT_DATA_START to the end, the given uuid and label
 * (NULL = empty). Return E_OK, E_RANGE if the area holds no slot or more
 * than SWAPFMT_MAX_SLOTS, E_INVAL if the label is too long or not printable.
 */
int swapfmt_build(struct swapfmt_header *h, u64 total_pages, const u8 uuid[SWAPFMT_UUID_LEN],
		  const char *label) __must_check;

/*
 * Check the first page of an area whose real size is area_bytes (len bytes
 * at page, at least SWAPFMT_HDR_SIZE). On SWAPFMT_OK fill *info (if not
 * NULL). Otherwise write a one-line reason without a trailing newline into
 * why[0..why_len) (if not NULL), e.g. "checksum mismatch (stored 0x1234,
 * computed 0x5678)". Never writes page.
 */
enum swapfmt_status swapfmt_check(const void *page, size_t len, u64 area_bytes,
				  struct swapfmt_info *info, char *why, size_t why_len);

/* Short name of a status ("ok", "not marked", "checksum mismatch", ...). */
const char *swapfmt_status_name(enum swapfmt_status st);

/* Format uuid as 8-4-4-4-12 lower-case hex into out. */
void swapfmt_uuid_to_str(const u8 uuid[SWAPFMT_UUID_LEN], char out[SWAPFMT_UUID_STR_LEN]);

/* Parse the 8-4-4-4-12 form (either case) of s[0..len) into uuid.
 * Return E_OK or E_INVAL. */
int swapfmt_uuid_parse(const char *s, size_t len, u8 uuid[SWAPFMT_UUID_LEN]) __must_check;

#endif
