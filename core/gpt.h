/* GUID Partition Tables (UEFI spec 2.10 section 5.3): the protective MBR,
 * the primary header at LBA 1 with its CRC32, and the partition-entry array
 * with its CRC32, read through a caller's byte reader. Pure C shared by the
 * hypervisor (swap partitions, mm/swap_area.c), the host tool tools/pvswap.c
 * and the unit tests. Only the primary table is used; the backup is not read. */
#ifndef CORE_GPT_H
#define CORE_GPT_H

#include "core/types.h"

#define GPT_GUID_LEN 16
#define GPT_GUID_STR_LEN 37           /* 8-4-4-4-12 and NUL */
#define GPT_MAX_PARTS 32              /* used entries kept by gpt_read() */
#define GPT_MAX_ARRAY_BYTES (1u << 20) /* larger entry arrays are refused */
#define GPT_HDR_MIN 92u               /* UEFI 5.3.2: header size at least 92 */

/* The pagevisor swap partition type GUID (docs/swap.md), in its text form
 * and in on-disk (mixed-endian) byte order. */
#define GPT_PAGEVISOR_SWAP_STR "abefb5c0-3244-47d3-8f7d-a48ee1ff6ab4"
extern const u8 gpt_pagevisor_swap_type[GPT_GUID_LEN];

/* The on-disk header, little-endian (UEFI 5.3.2 table 5-5). */
struct gpt_header {
	char signature[8];            /*  0 "EFI PART" */
	u32 revision;                 /*  8 0x00010000 */
	u32 header_size;              /* 12 bytes covered by header_crc */
	u32 header_crc;               /* 16 CRC32 with this field zero */
	u32 reserved;                 /* 20 */
	u64 my_lba;                   /* 24 1 for the primary header */
	u64 alternate_lba;            /* 32 the backup header */
	u64 first_usable_lba;         /* 40 */
	u64 last_usable_lba;          /* 48 */
	u8 disk_guid[GPT_GUID_LEN];   /* 56 */
	u64 entries_lba;              /* 72 start of the entry array */
	u32 nentries;                 /* 80 */
	u32 entry_size;               /* 84 128 * 2^n */
	u32 entries_crc;              /* 88 CRC32 of nentries * entry_size bytes */
} __packed;

/* One partition entry's first 128 bytes (UEFI 5.3.3 table 5-6). */
struct gpt_entry {
	u8 type_guid[GPT_GUID_LEN];   /*   0 all zero: unused entry */
	u8 unique_guid[GPT_GUID_LEN]; /*  16 */
	u64 first_lba;                /*  32 */
	u64 last_lba;                 /*  40 inclusive */
	u64 attributes;               /*  48 */
	u16 name[36];                 /*  56 UTF-16LE */
} __packed;

_Static_assert(sizeof(struct gpt_header) == GPT_HDR_MIN, "gpt header size");
_Static_assert(sizeof(struct gpt_entry) == 128, "gpt entry size");

/* A used partition, in host terms. index counts from 1 as sgdisk does. */
struct gpt_part {
	u32 index;
	u8 type_guid[GPT_GUID_LEN];
	u8 unique_guid[GPT_GUID_LEN];
	u64 first_lba, last_lba;
};

/* What gpt_read() found. */
struct gpt_disk {
	u32 sector_size;
	u8 disk_guid[GPT_GUID_LEN];
	u32 nparts;                   /* used entries, at most GPT_MAX_PARTS kept */
	u32 ignored;                  /* used entries beyond GPT_MAX_PARTS */
	struct gpt_part parts[GPT_MAX_PARTS];
};

/* gpt_read()'s result. */
enum gpt_status {
	GPT_OK = 0,
	GPT_NONE,          /* no protective MBR: not a GPT disk, left alone */
	GPT_IO,            /* the reader failed */
	GPT_BAD_HEADER,    /* signature, size, CRC or fields of the header */
	GPT_BAD_ENTRIES,   /* entry array CRC, or an entry outside the usable LBAs */
};

/* Read len bytes at byte offset off of the disk into buf; E_OK or an error. */
typedef int (*gpt_read_fn)(void *ctx, u64 off, void *buf, size_t len);

/* Standard CRC32 (IEEE 802.3, reflected polynomial 0xEDB88320) of
 * buf[0..len), continuing from crc (start with 0; inversions inside):
 * gpt_crc32(0, "123456789", 9) == 0xcbf43926. */
u32 gpt_crc32(u32 crc, const void *buf, size_t len);

/*
 * Read the GPT of a disk of disk_sectors sectors of sector_size bytes (512
 * or 4096) through rd. GPT_OK fills *out with every used entry. Otherwise a
 * one-line reason goes into why[0..why_len) (if not NULL), e.g. "header
 * CRC mismatch (stored 0x1, computed 0x2)". Reads only; never writes.
 */
enum gpt_status gpt_read(gpt_read_fn rd, void *ctx, u32 sector_size, u64 disk_sectors,
			 struct gpt_disk *out, char *why, size_t why_len);

/* Short name of a status ("ok", "no GPT", "bad header", ...). */
const char *gpt_status_name(enum gpt_status st);

/* Whether partition p has pagevisor's swap type GUID. */
bool gpt_is_swap_part(const struct gpt_part *p);

/* Format a GUID in on-disk order as 8-4-4-4-12 lower-case text (the first
 * three groups are little-endian on disk, UEFI appendix A). */
void gpt_guid_to_str(const u8 guid[GPT_GUID_LEN], char out[GPT_GUID_STR_LEN]);

#endif
