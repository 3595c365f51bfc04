/* The block layer: disk registry, per-device FIFO of requests waiting for the
 * hardware, completion by polling, the swap_delay latency model (a request
 * finishes no earlier than its submit TSC plus the delay, whenever the
 * hardware itself finished) and `blkfault=` fault injection, applied here so
 * that it works the same for every driver. Single-threaded: only the boot
 * CPU calls in. */
#include "drivers/blk.h"
#include "drivers/ahci.h"
#include "drivers/ata.h"
#include "drivers/lapic.h"
#include "drivers/nvme.h"
#include "drivers/virtio_blk.h"
#include "core/cmdline.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/heap.h"

u64 blk_swap_delay_us;

static struct blk_dev *devs[BLK_MAX_DEVS];
static size_t ndevs;

/* --- blkfault= ----------------------------------------------------------- */

char blk_fault_spec[BLK_FAULT_SPEC_LEN];

enum fault_action { FA_FAIL, FA_EVERY, FA_FLIP, FA_VANISH, FA_DELAY, FA_DISK };

struct fault_rule {
	u8 action;
	char kind;                    /* 0 any command, 'r' reads, 'w' writes */
	u64 n;
};

#define FAULT_RULES_MAX 8
#define FAULT_LINES_MAX 16        /* injection lines printed before going quiet */
#define FAULT_FLIP_BYTE (PAGE_SIZE / 2 + 1)
#define FAULT_FLIP_BIT 3

static struct {
	struct fault_rule rules[FAULT_RULES_MAX];
	u32 nrules;
	char disk[BLK_NAME_LEN];      /* only this disk counts ("" all) */
	bool armed, vanished;
	u64 cmds, reads, writes;      /* counted since blk_fault_arm() */
	u64 injected;
} fault;

static const char *const fault_names[] = {
	[FA_FAIL] = "fail", [FA_EVERY] = "every", [FA_FLIP] = "flip",
	[FA_VANISH] = "vanish", [FA_DELAY] = "delay", [FA_DISK] = "disk",
};

/* Parse the value of one item (after "key:") into rule r. */
static int fault_parse_value(struct fault_rule *r, const char *v, size_t len)
{
	if (r->action == FA_DISK) {
		if (!len || len >= sizeof(fault.disk))
			return E_INVAL;
		memcpy(fault.disk, v, len);
		fault.disk[len] = 0;
		return E_OK;
	}
	if (len && (v[0] == 'r' || v[0] == 'w') && r->action != FA_DELAY) {
		r->kind = v[0];
		v++;
		len--;
	}
	if (r->action == FA_FLIP && r->kind == 'w')
		return E_INVAL;   /* only reads have data to corrupt */
	if (r->action == FA_FLIP)
		r->kind = 'r';
	if (cmdline_parse_u64(v, len, false, &r->n) < 0)
		return E_INVAL;
	return r->n || r->action == FA_DELAY || r->action == FA_VANISH ? E_OK : E_INVAL;
}

/* Parse one `key:value` item of blkfault=. */
static int fault_parse_item(const char *it, size_t len)
{
	const char *colon = it;
	struct fault_rule r = { 0 };
	size_t k;

	while (colon < it + len && *colon != ':')
		colon++;
	if (colon == it + len)
		return E_INVAL;
	for (k = 0; k < ARRAY_SIZE(fault_names); k++)
		if (strlen(fault_names[k]) == (size_t)(colon - it) &&
		    !memcmp(fault_names[k], it, (size_t)(colon - it)))
			break;
	if (k == ARRAY_SIZE(fault_names) || fault.nrules == FAULT_RULES_MAX)
		return E_INVAL;
	r.action = (u8)k;
	if (fault_parse_value(&r, colon + 1, len - (size_t)(colon + 1 - it)) < 0)
		return E_INVAL;
	if (r.action == FA_DELAY)
		blk_swap_delay_us = r.n;
	else if (r.action != FA_DISK)
		fault.rules[fault.nrules++] = r;
	return E_OK;
}

/* Parse blk_fault_spec; on any bad item, inject nothing and say why. */
static void fault_parse(void)
{
	const char *p = blk_fault_spec;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (fault_parse_item(p, len) < 0) {
			pr_err("blkfault=%s: bad item '%.*s' (fail:N, every:N, flip:N, vanish:N "
			       "with N optionally rN or wN, delay:US, disk:NAME); no faults injected",
			       blk_fault_spec, (int)len, p);
			fault.nrules = 0;
			fault.disk[0] = 0;
			return;
		}
		p += len + (end != NULL);
	}
	if (fault.nrules || fault.disk[0])
		pr_info("disk: blkfault=%s: fault injection on (commands counted from the end "
			"of the swap-area probe)", blk_fault_spec);
}

/* See drivers/blk.h. */
void blk_fault_arm(void)
{
	fault.armed = fault.nrules != 0;
	if (fault.armed && fault.disk[0] && !blk_find(fault.disk))
		pr_warn("blkfault=%s: no disk named %s: nothing will be injected", blk_fault_spec,
			fault.disk);
}

/* Does rule ru hit the command r, whose count of ru's kind is c? */
static u8 fault_rule_hits(const struct fault_rule *ru, const struct blk_req *r, u64 c)
{
	if ((ru->kind == 'r' && r->write) || (ru->kind == 'w' && !r->write))
		return BLK_FAULT_NONE;
	switch (ru->action) {
	case FA_FAIL: return c == ru->n ? BLK_FAULT_FAIL : BLK_FAULT_NONE;
	case FA_EVERY: return c % ru->n == 0 ? BLK_FAULT_FAIL : BLK_FAULT_NONE;
	case FA_FLIP: return c == ru->n ? BLK_FAULT_FLIP : BLK_FAULT_NONE;
	case FA_VANISH:
		if (c > ru->n)
			fault.vanished = true;
		return fault.vanished ? BLK_FAULT_FAIL : BLK_FAULT_NONE;
	default: return BLK_FAULT_NONE;
	}
}

/* Count r and choose what happens to it; say so when it is a fault. */
static void fault_choose(struct blk_req *r)
{
	u8 f = BLK_FAULT_NONE;

	r->fault = BLK_FAULT_NONE;
	if (!fault.armed || (fault.disk[0] && strcmp(fault.disk, r->dev->name)))
		return;
	fault.cmds++;
	r->write ? fault.writes++ : fault.reads++;
	for (u32 i = 0; i < fault.nrules && !f; i++) {
		const struct fault_rule *ru = &fault.rules[i];
		f = fault_rule_hits(ru, r, ru->kind == 'r' ? fault.reads
				    : ru->kind == 'w' ? fault.writes : fault.cmds);
	}
	if (fault.vanished)
		f = BLK_FAULT_FAIL;
	r->fault = f;
	if (f == BLK_FAULT_NONE || fault.injected++ >= FAULT_LINES_MAX)
		return;
	if (f == BLK_FAULT_FLIP)
		pr_warn("disk %s: blkfault: command %lu (read %lu, page %lu, %u pages) returns "
			"bit %d of byte %lu of its first page inverted", r->dev->name, fault.cmds,
			fault.reads, r->page, r->npages, FAULT_FLIP_BIT, (u64)FAULT_FLIP_BYTE);
	else
		pr_warn("disk %s: blkfault: command %lu (%s %lu, page %lu, %u pages) fails%s",
			r->dev->name, fault.cmds, r->write ? "write" : "read",
			r->write ? fault.writes : fault.reads, r->page, r->npages,
			fault.vanished ? ": the disk has vanished" : "");
	if (fault.injected == FAULT_LINES_MAX)
		pr_warn("disk: blkfault: further injected faults are not shown");
}

/* --- the block layer --------------------------------------------------- */

void blk_init(void)
{
	fault_parse();
	virtio_blk_probe();
	ata_probe();
	ahci_probe();
	nvme_probe();
	if (!ndevs)
		pr_info("disk: none found");
	if (blk_swap_delay_us)
		pr_info("disk: swap_delay=%lu us per request", blk_swap_delay_us);
}

int blk_register(struct blk_dev *d)
{
	if (!d->name[0] || !d->pages || !d->ops || !d->max_pages_per_cmd || !d->queue_depth)
		return E_INVAL;
	if (ndevs == BLK_MAX_DEVS) {
		pr_err("disk %s: more than %d disks, ignored", d->name, BLK_MAX_DEVS);
		return E_NOMEM;
	}
	devs[ndevs++] = d;
	kprintf("disk %s: %lu MiB (%lu sectors), \"%s\"\n", d->name,
		(u64)(d->sectors * d->sector_size / MiB), d->sectors, d->model);
	return E_OK;
}

size_t blk_count(void)
{
	return ndevs;
}

struct blk_dev *blk_get(size_t i)
{
	return i < ndevs ? devs[i] : NULL;
}

struct blk_dev *blk_find(const char *name)
{
	for (size_t i = 0; i < ndevs; i++)
		if (!strcmp(devs[i]->name, name))
			return devs[i];
	return NULL;
}

/* Append r to the list (head, tail). */
static void list_append(struct blk_req **head, struct blk_req **tail, struct blk_req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

/* Hand queued requests to the hardware while it has room. A driver may
 * finish a request inside start() (PIO), so it counts as started first. */
static void start_queued(struct blk_dev *d)
{
	while (d->queue_head && d->in_hw < d->queue_depth) {
		struct blk_req *r = d->queue_head;
		int rc;

		d->queue_head = r->next;
		if (!d->queue_head)
			d->queue_tail = NULL;
		d->in_hw++;
		if (r->fault == BLK_FAULT_FAIL) {
			blk_hw_done(r, E_IO);   /* never reaches the hardware */
			continue;
		}
		rc = d->ops->start(d, r);
		if (rc == E_BUSY) {
			d->in_hw--;
			r->next = d->queue_head;
			d->queue_head = r;
			if (!d->queue_tail)
				d->queue_tail = r;
			return;
		}
		if (rc != E_OK)
			blk_hw_done(r, E_IO);
	}
}

int blk_submit(struct blk_req *r)
{
	struct blk_dev *d = r->dev;

	if (!d || !r->frames || !r->done || !r->npages || r->npages > d->max_pages_per_cmd)
		return E_INVAL;
	if (r->page >= d->pages || r->npages > d->pages - r->page)
		return E_RANGE;
	r->status = E_OK;
	r->hw_done = false;
	r->completed = false;
	r->ready_tsc = rdtsc() + (blk_swap_delay_us ? us_to_tsc(blk_swap_delay_us) : 0);
	fault_choose(r);
	list_append(&d->queue_head, &d->queue_tail, r);
	if (++d->in_flight > d->max_in_flight)
		d->max_in_flight = d->in_flight;
	start_queued(d);
	return E_OK;
}

void blk_hw_done(struct blk_req *r, int status)
{
	struct blk_dev *d = r->dev;

	ASSERT(!r->hw_done && d->in_hw > 0);
	r->hw_done = true;
	r->status = status;
	d->in_hw--;
	list_append(&d->done_head, &d->done_tail, r);
}

/* Account for r and call its done() callback. */
static void complete(struct blk_dev *d, struct blk_req *r)
{
	d->in_flight--;
	if (r->fault == BLK_FAULT_FLIP && r->status == E_OK)
		((u8 *)hpa_to_ptr(r->frames[0]))[FAULT_FLIP_BYTE] ^= 1u << FAULT_FLIP_BIT;
	if (r->status != E_OK)
		d->errors++;
	else if (r->write) {
		d->writes++;
		d->pages_written += r->npages;
	} else {
		d->reads++;
		d->pages_read += r->npages;
	}
	r->completed = true;
	r->done(r);
}

/* Complete the hardware-done requests whose latency has passed. Requests
 * submitted later may be ready earlier only if the delay changed, so the
 * whole list is scanned rather than stopping at the first unready one. */
static void complete_ready(struct blk_dev *d)
{
	struct blk_req **pp = &d->done_head, *r, *prev = NULL;
	u64 now = rdtsc();

	while ((r = *pp)) {
		if (now < r->ready_tsc) {
			prev = r;
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (d->done_tail == r)
			d->done_tail = prev;
		complete(d, r);
	}
}

void blk_poll(void)
{
	for (size_t i = 0; i < ndevs; i++) {
		struct blk_dev *d = devs[i];

		if (!d->in_flight)
			continue;
		if (d->in_hw)
			d->ops->poll(d);
		start_queued(d);
		if (d->done_head)
			complete_ready(d);
	}
}

bool blk_busy(void)
{
	for (size_t i = 0; i < ndevs; i++)
		if (devs[i]->in_flight)
			return true;
	return false;
}

int blk_wait(struct blk_req *r)
{
	while (!r->completed) {
		blk_poll();
		cpu_relax();
	}
	return r->status;
}

static void sync_done(struct blk_req *r __unused)
{
}

/* One command's worth of blk_rw_sync: the request and its frame list. */
struct sync_cmd {
	struct blk_req req;
	hpa_t frames[];
};

int blk_rw_sync(struct blk_dev *d, u64 page, u32 npages, hpa_t buf, bool write)
{
	u32 per = d ? d->max_pages_per_cmd : 0;
	u32 ncmd = per ? (npages + per - 1) / per : 0;
	struct sync_cmd **cmds;
	int rc = E_OK;

	if (!d || !npages)
		return E_INVAL;
	if (page >= d->pages || npages > d->pages - page)
		return E_RANGE;
	cmds = kzalloc(ncmd * sizeof(*cmds));
	if (!cmds)
		return E_NOMEM;
	for (u32 c = 0; c < ncmd; c++) {
		u32 n = MIN(per, npages - c * per);
		struct sync_cmd *s = kzalloc(sizeof(*s) + n * sizeof(hpa_t));

		if (!s) {
			rc = E_NOMEM;
			break;
		}
		for (u32 k = 0; k < n; k++)
			s->frames[k] = hpa(buf.v + ((u64)c * per + k) * PAGE_SIZE);
		s->req = (struct blk_req){ .dev = d, .page = page + (u64)c * per, .npages = n,
					   .write = write, .frames = s->frames, .done = sync_done };
		cmds[c] = s;
		if (blk_submit(&s->req) != E_OK)
			panic("blk_rw_sync: a checked request was refused");
	}
	for (u32 c = 0; c < ncmd && cmds[c]; c++) {
		int st = blk_wait(&cmds[c]->req);

		if (st != E_OK && rc == E_OK)
			rc = st;
		kfree(cmds[c]);
	}
	kfree(cmds);
	return rc;
}

void blk_print(void)
{
	for (size_t i = 0; i < ndevs; i++) {
		struct blk_dev *d = devs[i];

		kprintf("disk %s: %lu pages, reads %lu (%lu pages), writes %lu (%lu pages), "
			"errors %lu, max in flight %u\n", d->name, d->pages, d->reads,
			d->pages_read, d->writes, d->pages_written, d->errors, d->max_in_flight);
	}
}
