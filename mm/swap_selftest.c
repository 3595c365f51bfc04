/* In-image self-test of the swap area (`selftest` with a marked disk):
 * allocate many slots in runs, write page-unique patterns to them through
 * the block layer with several commands in flight, read them back in
 * another grouping, compare, free, and check the allocator is empty again.
 * Passes (skipped) without an active swap area. */
#include "core/cpu.h"
#include "core/log.h"
#include "core/selftest.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/swap_area.h"

#define ST_PAGES 192        /* slots written; fewer if the area is smaller */
#define ST_MAX_RUN 8        /* longest run per write command */

struct swap_st {
	struct swap_area *a;
	u64 npages;
	u64 nslotted;           /* pages [0, nslotted) hold a slot */
	u64 slot[ST_PAGES];     /* slot of page i */
	hpa_t frame[ST_PAGES];  /* host frame of page i */
	struct blk_req req[ST_PAGES];
	u64 nonce;              /* per-boot, so stale disk contents cannot pass */
};

static void st_done(struct blk_req *r __unused)
{
}

/* The word w of page i: unique per page, word and boot. */
static u64 pattern(const struct swap_st *t, u64 i, u64 w)
{
	return (t->nonce ^ (t->slot[i] << 24) ^ w) * 0x9e3779b97f4a7c15ull + i;
}

static void fill_page(const struct swap_st *t, u64 i)
{
	u64 *p = hpa_to_ptr(t->frame[i]);

	for (u64 w = 0; w < PAGE_SIZE / 8; w++)
		p[w] = pattern(t, i, w);
}

static bool check_page(const struct swap_st *t, u64 i)
{
	const u64 *p = hpa_to_ptr(t->frame[i]);

	for (u64 w = 0; w < PAGE_SIZE / 8; w++) {
		if (p[w] != pattern(t, i, w)) {
			pr_err("swap-slots: slot %lu word %lu: read 0x%lx, wrote 0x%lx",
			       t->slot[i], w, p[w], pattern(t, i, w));
			return false;
		}
	}
	return true;
}

/* Allocate slots for every page in runs of 1..ST_MAX_RUN; false if the
 * allocator runs dry early. Records run lengths in req[first].npages. */
static bool alloc_slots(struct swap_st *t)
{
	u32 max_run = MAX(1u, MIN(ST_MAX_RUN, t->a->dev->max_pages_per_cmd));

	for (u64 i = 0, k = 0; i < t->npages; k++) {
		u64 n = MIN(1 + k % max_run, t->npages - i);
		u64 first = swap_slot_alloc_run(&t->a->slots, n);
		if (first == SWAP_SLOT_NONE)
			return false;
		for (u64 j = 0; j < n; j++)
			t->slot[i + j] = first + j;
		t->req[i].npages = (u32)n;
		i += n;
		t->nslotted = i;
	}
	return true;
}

/* Submit req[i] for pages [i, i + n) and count it. */
static bool submit(struct swap_st *t, u64 i, u32 n, bool write, u64 *nreq)
{
	struct blk_req *r = &t->req[i];

	memset(r, 0, sizeof(*r));
	r->npages = n;
	r->frames = &t->frame[i];
	r->write = write;
	r->done = st_done;
	int rc = swap_area_submit(r, t->slot[i]);
	if (rc < 0) {
		pr_err("swap-slots: submit of slot %lu (+%u) failed: %d", t->slot[i], n, rc);
		return false;
	}
	(*nreq)++;
	return true;
}

/* Wait for every submitted request (those with a done callback), even
 * after a failure: the block layer owns them until then. */
static bool wait_all(struct swap_st *t, const char *what)
{
	bool ok = true;

	for (u64 i = 0; i < t->npages; i++) {
		if (!t->req[i].done)
			continue;
		if (blk_wait(&t->req[i]) != E_OK) {
			pr_err("swap-slots: %s of slot %lu failed", what, t->slot[i]);
			ok = false;
		}
		t->req[i].done = NULL;
	}
	return ok;
}

/* Several commands in flight at once (when there are several). */
static bool check_in_flight(const struct swap_st *t, u64 nreq, const char *what)
{
	if (nreq < 2 || t->a->dev->in_flight >= 2)
		return true;
	pr_err("swap-slots: %lu %s commands submitted but only %u in flight", nreq, what,
	       t->a->dev->in_flight);
	return false;
}

/* Write every run as one command, all in flight together. */
static bool write_all(struct swap_st *t)
{
	u64 nreq = 0, n;
	bool ok = true;

	for (u64 i = 0; i < t->npages; i++)
		fill_page(t, i);
	for (u64 i = 0; i < t->npages && ok; i += n) {
		n = t->req[i].npages;
		ok = submit(t, i, (u32)n, true, &nreq);
	}
	ok = ok && check_in_flight(t, nreq, "write");
	pr_info("swap-slots: %lu write commands submitted, %u in flight", nreq,
		t->a->dev->in_flight);
	return wait_all(t, "write") && ok;
}

/* Read back page by page in reverse order (another grouping than the
 * writes), all in flight, into cleared frames; compare. */
static bool read_all(struct swap_st *t)
{
	u64 nreq = 0;
	bool ok = true;

	for (u64 i = 0; i < t->npages; i++)
		memset(hpa_to_ptr(t->frame[i]), 0, PAGE_SIZE);
	for (u64 i = t->npages; i-- > 0 && ok;)
		ok = submit(t, i, 1, false, &nreq);
	ok = ok && check_in_flight(t, nreq, "read");
	if (!wait_all(t, "read") || !ok)
		return false;
	for (u64 i = 0; i < t->npages; i++)
		if (!check_page(t, i))
			return false;
	return true;
}

static bool take_frames(struct swap_st *t)
{
	for (u64 i = 0; i < t->npages; i++) {
		t->frame[i] = frame_alloc(FRAME_HYP, 0);
		if (!frame_is_valid(t->frame[i])) {
			t->npages = i;
			return false;
		}
	}
	return true;
}

/* Allocate, write, read back, compare; the caller frees slots and frames. */
static bool run(struct swap_st *t)
{
	ST_CHECK(take_frames(t));
	ST_CHECK(alloc_slots(t));
	return write_all(t) && read_all(t);
}

/* Give back what run() took, whatever happened. */
static void release(struct swap_st *t)
{
	for (u64 i = 0; i < t->nslotted; i++)
		swap_slot_free(&t->a->slots, t->slot[i]);
	for (u64 i = 0; i < t->npages; i++)
		frame_free(t->frame[i]);
}

static bool test_swap_slots(void)
{
	struct swap_area *a = swap_area_active();

	if (!a) {
		pr_info("swap-slots: no swap area attached, skipped");
		return true;
	}
	u64 in_use = swap_slots_in_use(&a->slots), nfree = a->slots.nfree;
	struct swap_st *t = kzalloc(sizeof(*t));
	ST_CHECK(t);
	t->a = a;
	t->npages = MIN(ST_PAGES, a->slots.nfree);
	t->nonce = rdtsc();
	bool ok = run(t);
	release(t);
	kfree(t);
	ST_CHECK(ok);
	ST_CHECK(swap_slots_in_use(&a->slots) == in_use);
	ST_CHECK(a->slots.nfree == nfree);
	ST_CHECK(!blk_busy());
	pr_info("swap-slots: %lu slots written, read back, compared and freed on %s",
		MIN(ST_PAGES, nfree), a->dev->name);
	return true;
}
SELFTEST("swap-slots", test_swap_slots);
