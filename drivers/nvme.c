/* NVMe controller driver (NVM Express Base Specification 1.4): controller
 * reset and enable (3.5.1), the admin queue for Identify, Set Features and
 * queue creation, and one polled I/O queue pair carrying the block layer's
 * page requests as Read/Write commands with PRP lists (drivers/nvme_cmd.c).
 * Interrupts stay off (IEN=0 on the I/O CQ, all vectors masked). */
#include "drivers/nvme.h"
#include "drivers/nvme_cmd.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

/* Controller registers in BAR0 (NVMe 1.4 3.1, Figure 78). */
#define NVME_CAP   0x00
#define NVME_INTMS 0x0c
#define NVME_CC    0x14
#define NVME_CSTS  0x1c
#define NVME_AQA   0x24
#define NVME_ASQ   0x28
#define NVME_ACQ   0x30

#define CC_EN          BIT(0)
#define CC_IOSQES_64   (6u << 16)   /* 2^6-byte SQ entries */
#define CC_IOCQES_16   (4u << 20)   /* 2^4-byte CQ entries */
#define CSTS_RDY       BIT(0)
#define CSTS_CFS       BIT(1)

#define NVME_ADMIN_QSIZE 16
#define NVME_IO_QSIZE    64          /* 64 SQEs fill one page */
#define NVME_SLOTS       32          /* commands in flight on the I/O queue */
#define NVME_MAX_PAGES   64          /* pages per command (one PRP list page) */
#define NVME_ADMIN_TIMEOUT_US (5 * 1000 * 1000)
#define NVME_IO_TIMEOUT_US    (10 * 1000 * 1000)
#define NVME_MAX_CTRL    8

struct nvme {
	struct blk_dev blk;
	volatile u8 *regs;               /* (c) BAR0 through the direct map */
	u32 dstrd;                       /* (c) CAP.DSTRD */
	u64 ready_timeout_us;            /* (c) CAP.TO in microseconds */
	u32 lba_per_page;                /* (c) logical blocks per 4 KiB page */
	u16 qsize;                       /* (c) I/O queue entries */
	u16 nslots;                      /* (c) I/O commands in flight at most */
	struct nvme_sq asq, iosq;
	struct nvme_cq acq, iocq;
	u8 *id;                          /* Identify buffer (one page) */
	hpa_t id_hpa;
	u16 admin_cid;
	u64 *prp_list[NVME_SLOTS];
	hpa_t prp_hpa[NVME_SLOTS];
	struct blk_req *slot_req[NVME_SLOTS];
	u64 slot_start[NVME_SLOTS];
	bool dead;                       /* timed out or fatal: all requests fail */
};

static unsigned nnvme;

static u32 rd32(struct nvme *n, u32 off)
{
	return *(volatile u32 *)(n->regs + off);
}

static void wr32(struct nvme *n, u32 off, u32 v)
{
	*(volatile u32 *)(n->regs + off) = v;
}

/* 64-bit registers as two dword accesses, low first (NVMe 1.4 3.1). */
static void wr64(struct nvme *n, u32 off, u64 v)
{
	wr32(n, off, (u32)v);
	wr32(n, off + 4, (u32)(v >> 32));
}

static void ring(struct nvme *n, u16 qid, bool cq, u16 val)
{
	__asm__ volatile("" : : : "memory");
	wr32(n, nvme_db_offset(qid, cq, n->dstrd), val);
}

/* Wait until CSTS.RDY equals rdy. E_IO on a fatal status or a timeout. */
static int wait_ready(struct nvme *n, bool rdy)
{
	u64 t0 = rdtsc(), limit = us_to_tsc(n->ready_timeout_us);

	for (;;) {
		u32 csts = rd32(n, NVME_CSTS);

		if (csts == 0xffffffff || (rdy && (csts & CSTS_CFS)))
			return E_IO;
		if (!!(csts & CSTS_RDY) == rdy)
			return E_OK;
		if (rdtsc() - t0 > limit)
			return E_IO;
		cpu_relax();
	}
}

/* One zeroed frame for a queue or buffer: its pointer and address. */
static void *alloc_page(hpa_t *out)
{
	hpa_t a = frame_alloc_zeroed(FRAME_HYP, 0);

	if (!frame_is_valid(a))
		return NULL;
	*out = a;
	return hpa_to_ptr(a);
}

/* Run one admin command and wait for it (polling, with a timeout).
 * Returns E_OK, or E_IO for an error status or no completion. */
static int admin_cmd(struct nvme *n, struct nvme_sqe *sqe)
{
	u64 t0 = rdtsc(), limit = us_to_tsc(NVME_ADMIN_TIMEOUT_US);
	struct nvme_cqe c;

	sqe->cid = ++n->admin_cid;
	ring(n, 0, false, nvme_sq_push(&n->asq, sqe));
	while (!nvme_cq_next(&n->acq, &c)) {
		if (rdtsc() - t0 > limit) {
			pr_err("disk %s: admin command 0x%x timed out", n->blk.name, sqe->opcode);
			return E_IO;
		}
		cpu_relax();
	}
	ring(n, 0, true, n->acq.head);
	if (c.cid != sqe->cid || nvme_cqe_status(&c)) {
		pr_err("disk %s: admin command 0x%x failed, status 0x%x", n->blk.name,
		       sqe->opcode, nvme_cqe_status(&c));
		return E_IO;
	}
	return E_OK;
}

/* Identify with CNS cns for namespace nsid into n->id (NVMe 1.4 5.15). */
static int identify(struct nvme *n, u32 cns, u32 nsid)
{
	struct nvme_sqe s = { .opcode = NVME_ADM_IDENTIFY, .nsid = nsid,
			      .prp1 = n->id_hpa.v, .cdw10 = cns };

	return admin_cmd(n, &s);
}

/* Reset (CC.EN=0), give the controller the admin queues and enable it
 * (NVMe 1.4 7.6.1 initialization steps 1-6). */
static int ctrl_enable(struct nvme *n)
{
	u64 cap = rd32(n, NVME_CAP) | (u64)rd32(n, NVME_CAP + 4) << 32;
	hpa_t sq = { 0 }, cq = { 0 };

	n->dstrd = (cap >> 32) & 0xf;
	n->ready_timeout_us = MAX(((cap >> 24) & 0xff) * 500000ull, 1000000ull);
	n->qsize = (u16)MIN((u64)NVME_IO_QSIZE, (cap & 0xffff) + 1);
	if (!(cap & BIT(37)) || ((cap >> 48) & 0xf) != 0 || n->qsize < 2)
		return E_NOTSUP;     /* no NVM command set, or no 4 KiB pages */
	n->nslots = MIN(NVME_SLOTS, n->qsize - 1);
	wr32(n, NVME_CC, 0);
	if (wait_ready(n, false) != E_OK)
		return E_IO;
	n->asq = (struct nvme_sq){ alloc_page(&sq), NVME_ADMIN_QSIZE, 0 };
	n->acq = (struct nvme_cq){ alloc_page(&cq), NVME_ADMIN_QSIZE, 0, 1 };
	n->id = alloc_page(&n->id_hpa);
	if (!n->asq.ent || !n->acq.ent || !n->id)
		return E_NOMEM;
	wr32(n, NVME_INTMS, 0xffffffff);
	wr32(n, NVME_AQA, (NVME_ADMIN_QSIZE - 1) << 16 | (NVME_ADMIN_QSIZE - 1));
	wr64(n, NVME_ASQ, sq.v);
	wr64(n, NVME_ACQ, cq.v);
	wr32(n, NVME_CC, CC_EN | CC_IOSQES_64 | CC_IOCQES_16);   /* CSS NVM, MPS 4 KiB */
	return wait_ready(n, true);
}

/* Identify the controller and namespace 1; fill the blk_dev fields. */
static int ctrl_identify(struct nvme *n)
{
	struct nvme_ns_info ns;
	u32 mpsmin = (rd32(n, NVME_CAP + 4) >> 16) & 0xf;
	int rc;

	if (identify(n, NVME_CNS_CTRL, 0) != E_OK)
		return E_IO;
	nvme_ctrl_model(n->id, n->blk.model, sizeof(n->blk.model));
	n->blk.max_pages_per_cmd = nvme_ctrl_max_pages(n->id, mpsmin, NVME_MAX_PAGES);
	if (identify(n, NVME_CNS_NS, 1) != E_OK)
		return E_IO;
	rc = nvme_parse_ns(n->id, &ns);
	if (rc != E_OK) {
		pr_err("disk %s: namespace 1 %s", n->blk.name,
		       rc == E_NOENT ? "is inactive" : "has a format with metadata or an odd block size");
		return rc;
	}
	n->lba_per_page = PAGE_SIZE / ns.lba_size;
	n->blk.sectors = ns.nsze;
	n->blk.sector_size = ns.lba_size;
	n->blk.pages = ns.nsze / n->lba_per_page;
	n->blk.queue_depth = n->nslots;
	return E_OK;
}

/* Ask for one I/O queue pair, then create CQ 1 and SQ 1 (NVMe 1.4 5.21.1.7,
 * 5.3, 5.4: the CQ must exist before the SQ that names it). */
static int ctrl_io_queues(struct nvme *n)
{
	struct nvme_sqe feat = { .opcode = NVME_ADM_SET_FEAT, .cdw10 = NVME_FEAT_NQUEUES };
	struct nvme_sqe ccq = { .opcode = NVME_ADM_CREATE_CQ };
	struct nvme_sqe csq = { .opcode = NVME_ADM_CREATE_SQ };
	hpa_t sq = { 0 }, cq = { 0 };

	n->iosq = (struct nvme_sq){ alloc_page(&sq), n->qsize, 0 };
	n->iocq = (struct nvme_cq){ alloc_page(&cq), n->qsize, 0, 1 };
	if (!n->iosq.ent || !n->iocq.ent)
		return E_NOMEM;
	for (u16 s = 0; s < n->nslots; s++)
		if (!(n->prp_list[s] = alloc_page(&n->prp_hpa[s])))
			return E_NOMEM;
	if (admin_cmd(n, &feat) != E_OK)
		return E_IO;
	ccq.prp1 = cq.v;
	ccq.cdw10 = (u32)(n->qsize - 1) << 16 | 1;
	ccq.cdw11 = 1;                       /* physically contiguous, no IRQ */
	if (admin_cmd(n, &ccq) != E_OK)
		return E_IO;
	csq.prp1 = sq.v;
	csq.cdw10 = (u32)(n->qsize - 1) << 16 | 1;
	csq.cdw11 = 1u << 16 | 1;            /* CQ 1, contiguous */
	return admin_cmd(n, &csq);
}

static int nvme_start(struct blk_dev *d, struct blk_req *r)
{
	struct nvme *n = d->priv;
	struct nvme_sqe sqe;
	u16 s;

	if (n->dead)
		return E_IO;
	for (s = 0; s < n->nslots && n->slot_req[s]; s++)
		;
	if (s == n->nslots)
		return E_BUSY;
	if (nvme_build_rw(&sqe, s, 1, r->write, r->page * n->lba_per_page,
			  r->npages * n->lba_per_page, r->frames, r->npages,
			  n->prp_list[s], n->prp_hpa[s]) != E_OK)
		return E_IO;
	n->slot_req[s] = r;
	n->slot_start[s] = rdtsc();
	ring(n, 1, false, nvme_sq_push(&n->iosq, &sqe));
	return E_OK;
}

/* A command outlived NVME_IO_TIMEOUT_US, or the controller reported a fatal
 * status: disable it, fail every request, refuse new ones. */
static void nvme_kill(struct nvme *n, const char *why)
{
	pr_err("disk %s: %s; controller disabled, disk disabled", n->blk.name, why);
	wr32(n, NVME_CC, 0);
	n->dead = true;
	for (u16 s = 0; s < n->nslots; s++) {
		if (n->slot_req[s]) {
			blk_hw_done(n->slot_req[s], E_IO);
			n->slot_req[s] = NULL;
		}
	}
}

/* Complete the request in the slot named by completion c. */
static void nvme_finish(struct nvme *n, const struct nvme_cqe *c)
{
	struct blk_req *r;
	u16 st = nvme_cqe_status(c);

	if (c->cid >= n->nslots || !n->slot_req[c->cid]) {
		pr_err("disk %s: completion for unknown command %u", n->blk.name, c->cid);
		return;
	}
	r = n->slot_req[c->cid];
	n->slot_req[c->cid] = NULL;
	if (st)
		pr_err("disk %s: %s of page %lu (%u pages) failed, status 0x%x", n->blk.name,
		       r->write ? "write" : "read", r->page, r->npages, st);
	blk_hw_done(r, st ? E_IO : E_OK);
}

static void nvme_poll(struct blk_dev *d)
{
	struct nvme *n = d->priv;
	u64 limit = us_to_tsc(NVME_IO_TIMEOUT_US), now;
	struct nvme_cqe c;
	bool any = false;

	if (n->dead)
		return;
	while (nvme_cq_next(&n->iocq, &c)) {
		nvme_finish(n, &c);
		any = true;
	}
	if (any)
		ring(n, 1, true, n->iocq.head);
	if (!any && (rd32(n, NVME_CSTS) & CSTS_CFS))
		return nvme_kill(n, "controller fatal status");
	now = rdtsc();
	for (u16 s = 0; s < n->nslots; s++)
		if (n->slot_req[s] && now - n->slot_start[s] > limit)
			return nvme_kill(n, "command timed out");
}

static const struct blk_ops nvme_ops = { .start = nvme_start, .poll = nvme_poll };

/* Set up one controller; on failure it is disabled and left allocated. */
static void nvme_add(const struct pci_dev *p)
{
	const struct pci_bar *b = &p->bar[0];
	struct nvme *n;
	int rc;

	if (b->io || !b->base || b->size < 0x2000 || b->base + b->size > 4 * GiB) {
		pr_err("nvme %02x:%02x.%x: BAR0 missing or above 4 GiB, skipped", p->bus, p->dev, p->fn);
		return;
	}
	n = kzalloc(sizeof(*n));
	if (!n)
		return;
	pci_enable(p, PCI_CMD_MEM | PCI_CMD_MASTER);
	n->regs = hpa_to_ptr(hpa(b->base));
	ksnprintf(n->blk.name, sizeof(n->blk.name), "nvme%un1", nnvme);
	n->blk.ops = &nvme_ops;
	n->blk.priv = n;
	rc = ctrl_enable(n);
	if (rc == E_OK)
		rc = ctrl_identify(n);
	if (rc == E_OK)
		rc = ctrl_io_queues(n);
	if (rc == E_OK && !n->blk.pages)
		rc = E_INVAL;
	if (rc == E_OK)
		rc = blk_register(&n->blk);
	if (rc != E_OK) {
		pr_err("nvme %02x:%02x.%x: set-up failed (%d), skipped", p->bus, p->dev, p->fn, rc);
		wr32(n, NVME_CC, 0);
		return;   /* n and its queues stay allocated: the device may still own them */
	}
	nnvme++;
}

void nvme_probe(void)
{
	for (size_t i = 0; i < pci_dev_count() && nnvme < NVME_MAX_CTRL; i++) {
		const struct pci_dev *p = pci_dev_at(i);

		if (p->class_code == 0x01 && p->subclass == 0x08 && p->prog_if == 0x02)
			nvme_add(p);
	}
}
