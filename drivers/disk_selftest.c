/* The disk self-test (`selftest` with a disk attached): on every disk whose
 * first page carries a valid swap header (core/swapfmt.h), write page-unique
 * patterns over the start of the data area with many commands in flight,
 * read them back with a different split and compare. Disks without a valid
 * header are only read (their first page), never written. */
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/selftest.h"
#include "core/string.h"
#include "core/swapfmt.h"
#include "mm/frame.h"

#define DST_PAGES  256     /* data-area pages exercised per disk */
#define DST_BATCH  64      /* frames in the buffer pool */
#define DST_REQS   DST_BATCH

struct dst_req {
	struct blk_req req;
	u64 submit_tsc, done_tsc;
};

static hpa_t pool[DST_BATCH];
static struct dst_req reqs[DST_REQS];
static u64 seed;

static void dst_done(struct blk_req *r)
{
	struct dst_req *q = r->ctx;

	q->done_tsc = rdtsc();
}

/* The pattern word i of disk page p. */
static inline u64 dst_word(u64 p, u64 i)
{
	return seed ^ (p << 24) ^ (i * 0x9e3779b97f4a7c15ull);
}

static void dst_fill(u64 first, u32 n)
{
	for (u32 k = 0; k < n; k++) {
		u64 *w = hpa_to_ptr(pool[k]);

		for (u64 i = 0; i < PAGE_SIZE / 8; i++)
			w[i] = dst_word(first + k, i);
	}
}

/* Compare the pool with the patterns of pages [first, first + n). */
static bool dst_check(struct blk_dev *d, u64 first, u32 n)
{
	for (u32 k = 0; k < n; k++) {
		const u64 *w = hpa_to_ptr(pool[k]);

		for (u64 i = 0; i < PAGE_SIZE / 8; i++) {
			if (w[i] != dst_word(first + k, i)) {
				pr_err("disk %s: page %lu word %lu reads 0x%lx, wrote 0x%lx",
				       d->name, first + k, i, w[i], dst_word(first + k, i));
				return false;
			}
		}
	}
	return true;
}

/*
 * Transfer disk pages [first, first + n) to or from pool[0..n) as requests
 * of `run` pages (the last may be shorter), all submitted before the first
 * wait, and check their status and the modelled latency. Every submitted
 * request is waited for, even after a failure, before the pool is reused.
 */
static bool dst_transfer(struct blk_dev *d, u64 first, u32 n, u32 run, bool write)
{
	u32 nreq = 0;
	bool ok = true;
	u64 min_tsc = us_to_tsc(blk_swap_delay_us);

	run = MIN(run, d->max_pages_per_cmd);
	for (u32 k = 0; k < n; k += run, nreq++) {
		struct dst_req *q = &reqs[nreq];

		q->req = (struct blk_req){ .dev = d, .page = first + k, .npages = MIN(run, n - k),
					   .write = write, .frames = &pool[k], .done = dst_done,
					   .ctx = q };
		q->submit_tsc = rdtsc();
		if (blk_submit(&q->req) != E_OK) {
			pr_err("disk %s: request for page %lu refused", d->name, first + k);
			ok = false;
			break;
		}
	}
	for (u32 i = 0; i < nreq; i++) {
		if (blk_wait(&reqs[i].req) != E_OK) {
			pr_err("disk %s: %s of pages %lu+%u failed", d->name,
			       write ? "write" : "read", reqs[i].req.page, reqs[i].req.npages);
			ok = false;
		} else if (reqs[i].done_tsc - reqs[i].submit_tsc < min_tsc) {
			pr_err("disk %s: request completed before swap_delay", d->name);
			ok = false;
		}
	}
	return ok;
}

/* Write, clear, read back and compare pages [first, first + n). */
static bool dst_batch(struct blk_dev *d, u64 first, u32 n, u32 wrun, u32 rrun)
{
	dst_fill(first, n);
	ST_CHECK(dst_transfer(d, first, n, wrun, true));
	for (u32 k = 0; k < n; k++)
		memset(hpa_to_ptr(pool[k]), 0, PAGE_SIZE);
	ST_CHECK(dst_transfer(d, first, n, rrun, false));
	return dst_check(d, first, n);
}

/* The whole test on one marked disk: its data area per the header. */
static bool dst_disk(struct blk_dev *d, const struct swapfmt_info *info)
{
	u64 first = info->data_start_page, n = MIN(info->nslots, DST_PAGES);
	u64 r0 = d->reads, w0 = d->writes;
	static const u32 runs[][2] = { { 1, 4 }, { 4, 1 }, { 16, 3 }, { 32, 32 }, { 3, 16 } };

	ST_CHECK(first + n <= d->pages);
	for (u64 done = 0, b = 0; done < n; done += DST_BATCH, b++) {
		u32 cnt = (u32)MIN(DST_BATCH, n - done);

		ST_CHECK(dst_batch(d, first + done, cnt, runs[b % 5][0], runs[b % 5][1]));
	}
	kprintf("disk selftest %s: %lu pages at %lu written and verified, %lu commands, "
		"max %u in flight, swap_delay %lu us\n", d->name, n, first,
		d->reads - r0 + d->writes - w0, d->max_in_flight, blk_swap_delay_us);
	ST_CHECK(d->max_in_flight > 1);
	return true;
}

/* Read d's first page and test d if its swap header is valid. */
static bool dst_one(struct blk_dev *d, bool *tested)
{
	struct swapfmt_info info;
	char why[96];
	enum swapfmt_status st;

	ST_CHECK(blk_rw_sync(d, 0, 1, pool[0], false) == E_OK);
	ST_CHECK(blk_rw_sync(d, d->pages, 1, pool[0], false) == E_RANGE);
	st = swapfmt_check(hpa_to_ptr(pool[0]), PAGE_SIZE, d->pages * PAGE_SIZE, &info,
			   why, sizeof(why));
	if (st != SWAPFMT_OK) {
		kprintf("disk selftest %s: %s, not written\n", d->name,
			st == SWAPFMT_NOT_MARKED ? "not marked" : why);
		return true;
	}
	*tested = true;
	return dst_disk(d, &info);
}

static bool disk_selftest(void)
{
	bool ok = true, tested = false;

	seed = rdtsc() * 0x2545f4914f6cdd1dull;
	for (u32 k = 0; k < DST_BATCH; k++) {
		pool[k] = frame_alloc(FRAME_HYP, 0);
		ST_CHECK(frame_is_valid(pool[k]));
	}
	for (size_t i = 0; i < blk_count(); i++)
		ok = dst_one(blk_get(i), &tested) && ok;
	for (u32 k = 0; k < DST_BATCH; k++)
		frame_free(pool[k]);
	if (!tested)
		kprintf("disk selftest: no marked disk, nothing written\n");
	ST_CHECK(!blk_busy());
	return ok;
}
SELFTEST("disk: patterns on marked disks, several commands in flight", disk_selftest);
