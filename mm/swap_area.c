/* Finding the swap area at boot (mm/swap_area.h): page 0 of every disk is
 * read (never written) and checked with core/swapfmt; on a disk without a
 * header there, so is the first page of each GPT partition of pagevisor's
 * type (core/gpt.h). The `swap=` option picks one marked area; its slots get
 * an allocator. Requests go through swap_area_submit(), which keeps them
 * inside the area's slots, so nothing without a valid header is written. */
#include "mm/swap_area.h"
#include "core/gpt.h"
#include "core/log.h"
#include "core/options.h"
#include "core/string.h"
#include "mm/frame.h"

/* A disk or partition whose header was accepted. */
struct swap_candidate {
	struct blk_dev *dev;
	u64 start_page;               /* disk page of the header */
	char name[SWAP_AREA_NAME_LEN];
	struct swapfmt_info info;
};

#define MAX_CANDIDATES (BLK_MAX_DEVS * 4)

static struct swap_candidate candidates[MAX_CANDIDATES];
static size_t ncandidates;
static struct swap_area area;
static bool area_active;

/* See mm/swap_area.h. */
struct swap_area *swap_area_active(void)
{
	return area_active ? &area : NULL;
}

static u64 dev_bytes(const struct blk_dev *d)
{
	return d->sectors * d->sector_size;
}

/* Check the header page in buf of the area `name` (bytes long, from disk
 * page start of d); print its line; remember it if it is marked. Returns
 * false when it carries no magic at all. */
static bool probe_area(struct blk_dev *d, const char *name, u64 start, u64 bytes, hpa_t buf)
{
	struct swapfmt_info info;
	char why[128], uuid[SWAPFMT_UUID_STR_LEN];
	enum swapfmt_status st = swapfmt_check(hpa_to_ptr(buf), PAGE_SIZE, bytes, &info, why,
					       sizeof(why));

	if (st == SWAPFMT_NOT_MARKED)
		return false;
	if (st != SWAPFMT_OK) {
		pr_warn("swap: %s: header refused: %s; left alone", name, why);
		return true;
	}
	swapfmt_uuid_to_str(info.uuid, uuid);
	pr_info("swap: %s: marked, %lu MiB, %lu slots, uuid %s%s%s%s", name,
		(u64)(info.nslots * PAGE_SIZE / MiB), info.nslots, uuid, info.label[0] ? ", label '" : "",
		info.label, info.label[0] ? "'" : "");
	for (size_t i = 0; i < ncandidates; i++)
		if (!memcmp(candidates[i].info.uuid, info.uuid, SWAPFMT_UUID_LEN))
			pr_warn("swap: %s and %s have the same uuid (a copied image?)",
				candidates[i].name, name);
	if (ncandidates == MAX_CANDIDATES) {
		pr_warn("swap: %s: more than %d marked areas, left alone", name, MAX_CANDIDATES);
		return true;
	}
	struct swap_candidate *c = &candidates[ncandidates++];
	*c = (struct swap_candidate){ .dev = d, .start_page = start, .info = info };
	ksnprintf(c->name, sizeof(c->name), "%s", name);
	return true;
}

/* gpt_read()'s reader: any bytes of the disk, through one cached page. */
struct gpt_reader {
	struct blk_dev *dev;
	hpa_t buf;
	u64 cached;                   /* disk page in buf, or ~0 */
};

static int gpt_reader_read(void *ctx, u64 off, void *out, size_t len)
{
	struct gpt_reader *r = ctx;

	while (len) {
		u64 page = off / PAGE_SIZE, in = off % PAGE_SIZE;
		size_t n = MIN(len, (size_t)(PAGE_SIZE - in));
		if (page != r->cached) {
			r->cached = ~0ul;
			int rc = blk_rw_sync(r->dev, page, 1, r->buf, false);
			if (rc < 0)
				return rc;
			r->cached = page;
		}
		memcpy(out, (u8 *)hpa_to_ptr(r->buf) + in, n);
		out = (u8 *)out + n;
		off += n;
		len -= n;
	}
	return E_OK;
}

/* Read the first page of GPT partition p of d into buf and check it. */
static void probe_part(struct blk_dev *d, const struct gpt_part *p, hpa_t buf)
{
	char name[SWAP_AREA_NAME_LEN];
	u64 first = p->first_lba * d->sector_size, bytes;
	int rc;

	ksnprintf(name, sizeof(name), "%sp%u", d->name, p->index);
	bytes = (p->last_lba - p->first_lba + 1) * d->sector_size;
	if (first % PAGE_SIZE || bytes < PAGE_SIZE) {
		pr_warn("swap: %s: pagevisor partition not 4 KiB aligned or too small "
			"(LBA %lu, %lu bytes), left alone", name, p->first_lba, bytes);
		return;
	}
	rc = blk_rw_sync(d, first / PAGE_SIZE, 1, buf, false);
	if (rc < 0) {
		pr_warn("swap: %s: first page unreadable (error %d), left alone", name, rc);
		return;
	}
	if (!probe_area(d, name, first / PAGE_SIZE, bytes - bytes % PAGE_SIZE, buf))
		pr_info("swap: %s: pagevisor partition type but not marked (pvswap mark "
			"--partition), left alone", name);
}

/* Look for partitions of pagevisor's type on d (no header at page 0). */
static void probe_gpt(struct blk_dev *d, hpa_t buf)
{
	struct gpt_reader r = { .dev = d, .buf = buf, .cached = 0 };
	static struct gpt_disk g;
	char why[128];
	u32 nswap = 0;
	enum gpt_status st = gpt_read(gpt_reader_read, &r, d->sector_size, d->sectors, &g, why,
				      sizeof(why));

	if (st == GPT_NONE) {
		pr_info("swap: %s: not marked, left alone", d->name);
		return;
	}
	if (st != GPT_OK) {
		pr_warn("swap: %s: GPT refused (%s): %s; left alone", d->name,
			gpt_status_name(st), why);
		return;
	}
	for (u32 i = 0; i < g.nparts; i++) {
		if (!gpt_is_swap_part(&g.parts[i]))
			continue;
		nswap++;
		probe_part(d, &g.parts[i], buf);
	}
	if (!nswap)
		pr_info("swap: %s: not marked (GPT, %u partitions, none of pagevisor's type), "
			"left alone", d->name, g.nparts);
}

/* Read and check page 0 of d into buf; print its line; remember it if it
 * is marked; without a header there, look at its GPT. */
static void probe_disk(struct blk_dev *d, hpa_t buf)
{
	int rc = blk_rw_sync(d, 0, 1, buf, false);

	if (rc < 0) {
		pr_warn("swap: %s: page 0 unreadable (error %d), left alone", d->name, rc);
		return;
	}
	if (!probe_area(d, d->name, 0, dev_bytes(d), buf))
		probe_gpt(d, buf);
}

static struct swap_candidate *find_by_uuid(const char *text)
{
	u8 uuid[SWAPFMT_UUID_LEN];

	if (swapfmt_uuid_parse(text, strlen(text), uuid) < 0) {
		pr_err("swap=uuid:%s: not a uuid (8-4-4-4-12 hex digits)", text);
		return NULL;
	}
	for (size_t i = 0; i < ncandidates; i++)
		if (!memcmp(candidates[i].info.uuid, uuid, SWAPFMT_UUID_LEN))
			return &candidates[i];
	pr_err("swap=uuid:%s: no marked disk or partition has that uuid", text);
	return NULL;
}

static struct swap_candidate *find_by_name(const char *name)
{
	for (size_t i = 0; i < ncandidates; i++)
		if (!strcmp(candidates[i].name, name))
			return &candidates[i];
	if (blk_find(name))
		pr_err("swap=%s: that disk has no valid swap header (see above)", name);
	else
		pr_err("swap=%s: no such disk", name);
	return NULL;
}

/* The candidate `swap=` asks for, or NULL (after saying why). */
static struct swap_candidate *choose(const char *opt)
{
	if (!strcmp(opt, "off")) {
		pr_info("swap: off (swap=off)");
		return NULL;
	}
	if (!strcmp(opt, "auto")) {
		if (!ncandidates)
			pr_info("swap: no marked disk or partition, running without swap");
		return ncandidates ? &candidates[0] : NULL;
	}
	if (!strncmp(opt, "uuid:", 5))
		return find_by_uuid(opt + 5);
	return find_by_name(opt);
}

/* See mm/swap_area.h. */
void swap_area_init(void)
{
	hpa_t buf = frame_alloc(FRAME_HYP, 0);
	struct swap_candidate *c;
	char uuid[SWAPFMT_UUID_STR_LEN];

	if (!frame_is_valid(buf)) {
		pr_err("swap: no frame to read disk headers; running without swap");
		return;
	}
	for (size_t i = 0; i < blk_count(); i++)
		probe_disk(blk_get(i), buf);
	frame_free(buf);
	blk_fault_arm();   /* blkfault= counts the commands after the probe */
	c = choose(opt_swap);
	if (!c) {
		if (strcmp(opt_swap, "off") && strcmp(opt_swap, "auto"))
			pr_err("swap: running without swap");
		return;
	}
	if (swap_slots_init(&area.slots, c->info.nslots) < 0) {
		pr_err("swap: %s: no memory for the bitmaps of %lu slots; running without swap",
		       c->name, c->info.nslots);
		return;
	}
	area.dev = c->dev;
	area.start_page = c->start_page;
	memcpy(area.name, c->name, sizeof(area.name));
	area.info = c->info;
	area_active = true;
	swapfmt_uuid_to_str(c->info.uuid, uuid);
	pr_info("swap: using %s (uuid %s): %lu slots of 4 KiB from disk page %lu", c->name,
		uuid, c->info.nslots, c->start_page + c->info.data_start_page);
}

/* See mm/swap_area.h. */
int swap_area_submit(struct blk_req *r, u64 slot)
{
	if (!area_active)
		return E_NOENT;
	if (slot >= area.info.nslots || r->npages > area.info.nslots - slot)
		return E_RANGE;
	r->dev = area.dev;
	r->page = area.start_page + area.info.data_start_page + slot;
	return blk_submit(r);
}
