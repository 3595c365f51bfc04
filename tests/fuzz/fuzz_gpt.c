/* libFuzzer harness for the GPT parser (core/gpt.c). Byte 0: bit 0 makes
 * the harness store correct header and entry-array CRCs (so mutations reach
 * the field checks), bit 1 puts a protective MBR at LBA 0 and the input from
 * LBA 1 on (else the input starts at LBA 0), bit 2 picks 4096-byte sectors
 * (else 512), bits 3-4 the disk size the parser is told (the input's own,
 * 1 MiB more, 2^40 sectors, or 2 sectors), bits 5-7 which read fails (0:
 * none). Bytes beyond the input read as zero.
 * Invariants: every read lies inside the disk the parser was told about
 * (no offset overflow) and has a sane length; GPT_OK keeps at most
 * GPT_MAX_PARTS partitions, each with first <= last inside the disk and a
 * 1-based index, and any other status keeps none; a read failure is GPT_IO
 * or GPT_NONE; the reason is a terminated string, non-empty on a refusal. */
#include <string.h>
#include "core/gpt.h"
#include "stubs.h"
#include "fuzz_check.h"

#define DISK_MAX (16 * 4096)

struct fdisk {
	u8 img[DISK_MAX];
	u64 size;            /* bytes of img that hold input */
	u32 ss;
	u64 nsec;            /* what the parser is told */
	unsigned reads, fail_at;
};

static struct fdisk d;

static int fd_read(void *ctx, u64 off, void *buf, size_t len)
{
	struct fdisk *f = ctx;

	CHECK(len > 0 && len <= 4096);
	CHECK(off + len >= off && off + len <= f->nsec * f->ss);
	if (++f->reads == f->fail_at)
		return E_IO;
	memset(buf, 0, len);
	if (off < f->size)
		memcpy(buf, f->img + off, MIN(len, f->size - off));
	return E_OK;
}

/* Store the CRCs the header and its entry array should carry. */
static void fix_crcs(struct fdisk *f)
{
	struct gpt_header h;
	u8 *hp = f->img + f->ss;
	u64 bytes, off;
	u32 crc = 0;

	if (f->size < f->ss + sizeof(h))
		return;
	memcpy(&h, hp, sizeof(h));
	bytes = (u64)h.nentries * h.entry_size;
	off = h.entries_lba * f->ss;
	if (bytes <= GPT_MAX_ARRAY_BYTES && off < f->size && h.entries_lba < DISK_MAX) {
		u64 in = MIN(bytes, f->size - off);
		static const u8 zero[128];
		crc = gpt_crc32(0, f->img + off, in);
		for (u64 z = in; z < bytes; z += MIN((u64)sizeof(zero), bytes - z))
			crc = gpt_crc32(crc, zero, MIN((u64)sizeof(zero), bytes - z));
		memcpy(hp + 88, &crc, 4);
	}
	if (h.header_size >= GPT_HDR_MIN && h.header_size <= f->ss) {
		memset(hp + 16, 0, 4);
		crc = gpt_crc32(0, hp, h.header_size);
		memcpy(hp + 16, &crc, 4);
	}
}

static void setup(const u8 *data, size_t n)
{
	u8 ctl = data[0];
	size_t skip;

	memset(d.img, 0, sizeof(d.img));
	d.ss = ctl & 4 ? 4096 : 512;
	skip = ctl & 2 ? d.ss : 0;
	d.size = MIN(n - 1 + skip, sizeof(d.img));
	memcpy(d.img + skip, data + 1, d.size - skip);
	if (ctl & 2) {
		d.img[446 + 4] = 0xee;
		d.img[510] = 0x55;
		d.img[511] = 0xaa;
	}
	if (ctl & 1)
		fix_crcs(&d);
	d.nsec = (d.size + d.ss - 1) / d.ss;
	d.nsec = (u64[]){ d.nsec, d.nsec + MiB / d.ss, 1ull << 40, 2 }[(ctl >> 3) & 3];
	d.reads = 0;
	d.fail_at = ctl >> 5;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	static struct gpt_disk out;
	char why[120];
	enum gpt_status st;

	if (n < 1)
		return 0;
	setup(data, n);
	memset(why, 'X', sizeof(why));
	st = gpt_read(fd_read, &d, d.ss, d.nsec, &out, why, sizeof(why));
	CHECK(strnlen(why, sizeof(why)) < sizeof(why));
	CHECK(strcmp(gpt_status_name(st), "?") != 0);
	CHECK(st == GPT_OK || why[0]);
	if (d.fail_at && d.reads >= d.fail_at)
		CHECK(st == GPT_IO || st == GPT_NONE);
	if (st != GPT_OK) {
		CHECK(out.nparts == 0);
		return 0;
	}
	CHECK(out.nparts <= GPT_MAX_PARTS && out.sector_size == d.ss);
	for (u32 i = 0; i < out.nparts; i++) {
		const struct gpt_part *p = &out.parts[i];
		CHECK(p->index >= 1 && (i == 0 || p->index > out.parts[i - 1].index));
		CHECK(p->first_lba <= p->last_lba && p->last_lba < d.nsec);
	}
	return 0;
}
