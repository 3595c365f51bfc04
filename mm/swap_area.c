/* Finding the swap area at boot (mm/swap_area.h): page 0 of every disk is
 * read (never written) and checked with core/swapfmt; the `swap=` option
 * picks one marked disk; its slots get an allocator. Requests to the area go
 * through swap_area_submit(), which keeps them inside the area's slots, so
 * a disk without a valid header is never written. */
#include "mm/swap_area.h"
#include "core/log.h"
#include "core/options.h"
#include "core/string.h"
#include "mm/frame.h"

/* A disk whose header was accepted. */
struct swap_candidate {
	struct blk_dev *dev;
	struct swapfmt_info info;
};

static struct swap_candidate candidates[BLK_MAX_DEVS];
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

/* Read and check page 0 of d into buf; print its line; remember it if
 * it is marked. */
static void probe_disk(struct blk_dev *d, hpa_t buf)
{
	struct swapfmt_info info;
	char why[128], uuid[SWAPFMT_UUID_STR_LEN];
	int rc = blk_rw_sync(d, 0, 1, buf, false);

	if (rc < 0) {
		pr_warn("swap: %s: page 0 unreadable (error %d), left alone", d->name, rc);
		return;
	}
	enum swapfmt_status st = swapfmt_check(hpa_to_ptr(buf), PAGE_SIZE, dev_bytes(d), &info,
					       why, sizeof(why));
	if (st == SWAPFMT_NOT_MARKED) {
		pr_info("swap: %s: not marked, left alone", d->name);
		return;
	}
	if (st != SWAPFMT_OK) {
		pr_warn("swap: %s: header refused: %s; left alone", d->name, why);
		return;
	}
	swapfmt_uuid_to_str(info.uuid, uuid);
	pr_info("swap: %s: marked, %lu MiB, %lu slots, uuid %s%s%s%s", d->name,
		(u64)(info.nslots * PAGE_SIZE / MiB), info.nslots, uuid, info.label[0] ? ", label '" : "",
		info.label, info.label[0] ? "'" : "");
	for (size_t i = 0; i < ncandidates; i++)
		if (!memcmp(candidates[i].info.uuid, info.uuid, SWAPFMT_UUID_LEN))
			pr_warn("swap: %s and %s have the same uuid (a copied image?)",
				candidates[i].dev->name, d->name);
	candidates[ncandidates++] = (struct swap_candidate){ .dev = d, .info = info };
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
	pr_err("swap=uuid:%s: no marked disk has that uuid", text);
	return NULL;
}

static struct swap_candidate *find_by_name(const char *name)
{
	for (size_t i = 0; i < ncandidates; i++)
		if (!strcmp(candidates[i].dev->name, name))
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
			pr_info("swap: no marked disk, running without swap");
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
	c = choose(opt_swap);
	if (!c) {
		if (strcmp(opt_swap, "off") && strcmp(opt_swap, "auto"))
			pr_err("swap: running without swap");
		return;
	}
	if (swap_slots_init(&area.slots, c->info.nslots) < 0) {
		pr_err("swap: %s: no memory for the bitmaps of %lu slots; running without swap",
		       c->dev->name, c->info.nslots);
		return;
	}
	area.dev = c->dev;
	area.info = c->info;
	area_active = true;
	swapfmt_uuid_to_str(c->info.uuid, uuid);
	pr_info("swap: using %s (uuid %s): %lu slots of 4 KiB from disk page %lu", c->dev->name,
		uuid, c->info.nslots, c->info.data_start_page);
}

/* See mm/swap_area.h. */
int swap_area_submit(struct blk_req *r, u64 slot)
{
	if (!area_active)
		return E_NOENT;
	if (slot >= area.info.nslots || r->npages > area.info.nslots - slot)
		return E_RANGE;
	r->dev = area.dev;
	r->page = area.info.data_start_page + slot;
	return blk_submit(r);
}
