/* GPT parsing (core/gpt.h): the protective MBR, the primary header and its
 * CRC32, the entry array and its CRC32, each refusal with its reason. Pure:
 * compiled into the hypervisor, the unit tests and tools/pvswap.c, so it
 * calls nothing but the caller's reader and a snprintf. */
#include "core/gpt.h"

#if __STDC_HOSTED__
#include <stdio.h>
#include <string.h>
#define gpt_snprintf snprintf
#else
#include "core/log.h"
#include "core/string.h"
#define gpt_snprintf ksnprintf
#endif

/* abefb5c0-3244-47d3-8f7d-a48ee1ff6ab4 in on-disk byte order. */
const u8 gpt_pagevisor_swap_type[GPT_GUID_LEN] = {
	0xc0, 0xb5, 0xef, 0xab, 0x44, 0x32, 0xd3, 0x47,
	0x8f, 0x7d, 0xa4, 0x8e, 0xe1, 0xff, 0x6a, 0xb4,
};

/* See core/gpt.h. Bitwise: run at boot over a few KiB only. */
u32 gpt_crc32(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* See core/gpt.h. */
const char *gpt_status_name(enum gpt_status st)
{
	switch (st) {
	case GPT_OK: return "ok";
	case GPT_NONE: return "no GPT";
	case GPT_IO: return "read error";
	case GPT_BAD_HEADER: return "bad header";
	case GPT_BAD_ENTRIES: return "bad partition entries";
	}
	return "?";
}

/* See core/gpt.h. */
bool gpt_is_swap_part(const struct gpt_part *p)
{
	return !memcmp(p->type_guid, gpt_pagevisor_swap_type, GPT_GUID_LEN);
}

/* See core/gpt.h. */
void gpt_guid_to_str(const u8 g[GPT_GUID_LEN], char out[GPT_GUID_STR_LEN])
{
	static const u8 order[GPT_GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6,
						8, 9, 10, 11, 12, 13, 14, 15 };
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 0; i < GPT_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[g[order[i]] >> 4];
		*o++ = hex[g[order[i]] & 15];
	}
	*o = '\0';
}

/* Whether the 512-byte LBA 0 is a protective (or hybrid) MBR: the 0x55aa
 * signature and a partition record of type 0xee (UEFI 5.2.3). */
static bool has_protective_mbr(const u8 *mbr)
{
	if (mbr[510] != 0x55 || mbr[511] != 0xaa)
		return false;
	for (int i = 0; i < 4; i++)
		if (mbr[446 + 16 * i + 4] == 0xee)
			return true;
	return false;
}

/* The header's own CRC over header_size bytes with the CRC field zero. */
static u32 header_crc(const u8 *sec, u32 size)
{
	static const u8 zero[4];
	u32 crc = gpt_crc32(0, sec, 16);

	crc = gpt_crc32(crc, zero, 4);
	return gpt_crc32(crc, sec + 20, size - 20);
}

/* Check the header fields (UEFI 5.3.2); 0 or a reason in why. */
static int check_fields(const struct gpt_header *h, u32 ss, u64 nsec, char *why, size_t n)
{
	u64 array_bytes = (u64)h->nentries * h->entry_size;
	u64 array_secs = (array_bytes + ss - 1) / ss;

	if (h->my_lba != 1)
		return gpt_snprintf(why, n, "header says it is at LBA %lu, not 1", h->my_lba), -1;
	if (h->entry_size < 128 || h->entry_size > 4096 || (h->entry_size & (h->entry_size - 1)))
		return gpt_snprintf(why, n, "entry size %u is not 128 * 2^n up to 4096",
				    h->entry_size), -1;
	if (!h->nentries || array_bytes > GPT_MAX_ARRAY_BYTES)
		return gpt_snprintf(why, n, "%u entries: none or more than %u bytes", h->nentries,
				    GPT_MAX_ARRAY_BYTES), -1;
	if (h->first_usable_lba > h->last_usable_lba || h->last_usable_lba >= nsec)
		return gpt_snprintf(why, n, "usable LBAs %lu..%lu outside the disk's %lu sectors",
				    h->first_usable_lba, h->last_usable_lba, nsec), -1;
	/* array_secs > nsec - entries_lba, not entries_lba + array_secs > nsec:
	 * an entries_lba near 2^64 must not wrap past the check. */
	if (h->entries_lba < 2 || h->entries_lba > nsec || array_secs > nsec - h->entries_lba ||
	    (h->entries_lba <= h->last_usable_lba &&
	     h->entries_lba + array_secs > h->first_usable_lba))
		return gpt_snprintf(why, n, "entry array at LBA %lu (%lu sectors) outside the "
				    "disk or inside the usable LBAs", h->entries_lba, array_secs), -1;
	return 0;
}

/* Read and check LBA 0 and the header at LBA 1 into *h. */
static enum gpt_status read_header(gpt_read_fn rd, void *ctx, u32 ss, u64 nsec,
				   struct gpt_header *h, char *why, size_t n)
{
	static u8 sec[4096];
	u32 crc;

	if (nsec < 3)
		return gpt_snprintf(why, n, "disk of %lu sectors is too small for a GPT", nsec),
		       GPT_NONE;
	if (rd(ctx, 0, sec, 512) < 0)
		return gpt_snprintf(why, n, "LBA 0 unreadable"), GPT_IO;
	if (!has_protective_mbr(sec)) {
		gpt_snprintf(why, n, "no protective MBR");
		return GPT_NONE;
	}
	if (rd(ctx, ss, sec, ss) < 0)
		return gpt_snprintf(why, n, "LBA 1 unreadable"), GPT_IO;
	memcpy(h, sec, sizeof(*h));
	if (memcmp(h->signature, "EFI PART", 8))
		return gpt_snprintf(why, n, "protective MBR but no \"EFI PART\" at LBA 1"),
		       GPT_BAD_HEADER;
	if (h->header_size < GPT_HDR_MIN || h->header_size > ss)
		return gpt_snprintf(why, n, "header size %u outside %u..%u", h->header_size,
				    GPT_HDR_MIN, ss), GPT_BAD_HEADER;
	crc = header_crc(sec, h->header_size);
	if (crc != h->header_crc)
		return gpt_snprintf(why, n, "header CRC mismatch (stored 0x%x, computed 0x%x)",
				    h->header_crc, crc), GPT_BAD_HEADER;
	if (check_fields(h, ss, nsec, why, n) < 0)
		return GPT_BAD_HEADER;
	return GPT_OK;
}

/* Keep used entry e (number idx from 0) in out, after checking its LBAs. */
static int add_entry(const struct gpt_header *h, const struct gpt_entry *e, u32 idx,
		     struct gpt_disk *out, char *why, size_t n)
{
	static const u8 unused[GPT_GUID_LEN];

	if (!memcmp(e->type_guid, unused, GPT_GUID_LEN))
		return 0;
	if (e->first_lba > e->last_lba || e->first_lba < h->first_usable_lba ||
	    e->last_lba > h->last_usable_lba)
		return gpt_snprintf(why, n, "partition %u: LBAs %lu..%lu outside the usable "
				    "%lu..%lu", idx + 1, e->first_lba, e->last_lba,
				    h->first_usable_lba, h->last_usable_lba), -1;
	if (out->nparts >= GPT_MAX_PARTS) {
		out->ignored++;
		return 0;
	}
	struct gpt_part *p = &out->parts[out->nparts++];
	p->index = idx + 1;
	memcpy(p->type_guid, e->type_guid, GPT_GUID_LEN);
	memcpy(p->unique_guid, e->unique_guid, GPT_GUID_LEN);
	p->first_lba = e->first_lba;
	p->last_lba = e->last_lba;
	return 0;
}

/* Read every entry (128 bytes at a time, for the CRC) and check the CRC. */
static enum gpt_status read_entries(gpt_read_fn rd, void *ctx, const struct gpt_header *h,
				    struct gpt_disk *out, char *why, size_t n)
{
	u8 chunk[128];
	u64 off = h->entries_lba * out->sector_size;
	u32 crc = 0;
	bool bad = false;

	for (u32 i = 0; i < h->nentries; i++) {
		for (u32 c = 0; c < h->entry_size; c += sizeof(chunk)) {
			if (rd(ctx, off, chunk, sizeof(chunk)) < 0)
				return gpt_snprintf(why, n, "entry array unreadable"), GPT_IO;
			crc = gpt_crc32(crc, chunk, sizeof(chunk));
			if (!c && !bad && add_entry(h, (const struct gpt_entry *)chunk, i, out,
						    why, n) < 0)
				bad = true;
			off += sizeof(chunk);
		}
	}
	if (crc != h->entries_crc)
		return gpt_snprintf(why, n, "entry array CRC mismatch (stored 0x%x, computed "
				    "0x%x)", h->entries_crc, crc), GPT_BAD_ENTRIES;
	return bad ? GPT_BAD_ENTRIES : GPT_OK;
}

/* See core/gpt.h. */
enum gpt_status gpt_read(gpt_read_fn rd, void *ctx, u32 sector_size, u64 disk_sectors,
			 struct gpt_disk *out, char *why, size_t why_len)
{
	struct gpt_header h;
	enum gpt_status st;
	char dummy[1];

	if (!why || !why_len) {
		why = dummy;
		why_len = sizeof(dummy);
	}
	why[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->sector_size = sector_size;
	if (sector_size != 512 && sector_size != 4096) {
		gpt_snprintf(why, why_len, "sector size %u not supported", sector_size);
		return GPT_NONE;
	}
	st = read_header(rd, ctx, sector_size, disk_sectors, &h, why, why_len);
	if (st != GPT_OK)
		return st;
	memcpy(out->disk_guid, h.disk_guid, GPT_GUID_LEN);
	st = read_entries(rd, ctx, &h, out, why, why_len);
	if (st != GPT_OK)
		out->nparts = 0;
	return st;
}
