/* AHCI driver (Serial ATA AHCI 1.3.1): HBA reset and enable, port start,
 * IDENTIFY, READ/WRITE DMA EXT through command lists with one PRD per page
 * and up to 32 command slots in flight, completions polled from PxCI, and
 * port error recovery (AHCI 6.2.2). Interrupts stay off. Command construction
 * is in drivers/ahci_cmd.c. */
#include "drivers/ahci.h"
#include "drivers/ahci_cmd.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define AHCI_MAX_PAGES     32        /* PRDs per command, one per page */
#define AHCI_TABLE_STRIDE  1024      /* bytes per command table: 0x80 + 32 * 16 fits */
#define AHCI_TABLES_PER_FRAME (PAGE_SIZE / AHCI_TABLE_STRIDE)
#define AHCI_MAX_SLOTS     32
#define AHCI_TIMEOUT_US    (10 * 1000 * 1000)
#define AHCI_WAIT_US       (1000 * 1000)
#define AHCI_FIS_OFFSET    1024      /* received FIS area after the 1 KiB command list */
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/* Generic host control registers (AHCI 3.1). */
#define HBA_CAP  0x00
#define HBA_GHC  0x04
#define HBA_IS   0x08
#define HBA_PI   0x0c
#define HBA_VS   0x10
#define CAP_NCS(c) ((((c) >> 8) & 0x1f) + 1)
#define CAP_SCLO BIT(24)
#define CAP_SNCQ BIT(30)
#define CAP_S64A BIT(31)
#define GHC_HR   BIT(0)
#define GHC_IE   BIT(1)
#define GHC_AE   BIT(31)

/* Port registers (AHCI 3.3), 0x80 bytes per port from 0x100. */
#define PORT_BASE(n) (0x100 + 0x80 * (n))
#define PX_CLB   0x00
#define PX_CLBU  0x04
#define PX_FB    0x08
#define PX_FBU   0x0c
#define PX_IS    0x10
#define PX_IE    0x14
#define PX_CMD   0x18
#define PX_TFD   0x20
#define PX_SIG   0x24
#define PX_SSTS  0x28
#define PX_SERR  0x30
#define PX_SACT  0x34
#define PX_CI    0x38
#define PXCMD_ST  BIT(0)
#define PXCMD_SUD BIT(1)
#define PXCMD_POD BIT(2)
#define PXCMD_CLO BIT(3)
#define PXCMD_FRE BIT(4)
#define PXCMD_FR  BIT(14)
#define PXCMD_CR  BIT(15)
#define PXIS_ERRORS (BIT(30) | BIT(29) | BIT(28) | BIT(27))   /* TFES HBFS HBDS IFS */
#define TFD_BSY  0x80
#define TFD_DRQ  0x08
#define SSTS_DET_PRESENT 3          /* device present, Phy communication (AHCI 3.3.10) */
#define SIG_ATA   0x00000101        /* AHCI 3.3.9, SATA 3.x 11.3 */
#define SIG_ATAPI 0xeb140101

struct ahci_port {
	struct blk_dev blk;
	volatile u32 *regs;                   /* (c) this port's register block */
	const char *hba_name;                 /* (c) "00:1f.2" */
	unsigned num;                         /* (c) port number on the HBA */
	bool addr64, sclo, sncq;              /* (c) CAP.S64A, CAP.SCLO, CAP.SNCQ */
	bool ncq;                             /* (c) HBA and disk queue: FPDMA commands */
	u32 nslots;                           /* (c) command slots used */
	struct ahci_cmd_hdr *cl;              /* (c) command list */
	hpa_t cl_hpa;
	u8 *tables[AHCI_MAX_SLOTS / AHCI_TABLES_PER_FRAME];
	hpa_t tables_hpa[AHCI_MAX_SLOTS / AHCI_TABLES_PER_FRAME];
	u32 issued;                           /* slots written to PxCI, not finished */
	u32 retry;                            /* slots to reissue one by one after an error */
	u64 recover_tsc;                      /* when the last error recovery ran */
	struct blk_req *slot_req[AHCI_MAX_SLOTS];
	u64 slot_start[AHCI_MAX_SLOTS];
	bool dead;                            /* timed out or unrecoverable: all requests fail */
};

static unsigned nsata;

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static u32 port_rd(struct ahci_port *p, u32 off)
{
	return p->regs[off / 4];
}

static void port_wr(struct ahci_port *p, u32 off, u32 v)
{
	p->regs[off / 4] = v;
}

/* Wait until (*reg & mask) == want; false after us microseconds. */
static bool wait_reg(volatile u32 *reg, u32 mask, u32 want, u64 us)
{
	u64 end = rdtsc() + us_to_tsc(us);

	while ((*reg & mask) != want) {
		if (rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool port_wait(struct ahci_port *p, u32 off, u32 mask, u32 want)
{
	return wait_reg(&p->regs[off / 4], mask, want, AHCI_WAIT_US);
}

/* Command table of slot s and its host-physical address. */
static struct ahci_cmd_table *slot_table(struct ahci_port *p, u32 s, hpa_t *pa)
{
	u32 off = (s % AHCI_TABLES_PER_FRAME) * AHCI_TABLE_STRIDE;

	*pa = hpa(p->tables_hpa[s / AHCI_TABLES_PER_FRAME].v + off);
	return (struct ahci_cmd_table *)(p->tables[s / AHCI_TABLES_PER_FRAME] + off);
}

/* Stop the command engine: clear PxCMD.ST and wait for CR (AHCI 10.1.2). */
static bool port_stop_engine(struct ahci_port *p)
{
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_ST);
	return port_wait(p, PX_CMD, PXCMD_CR, 0);
}

/* Start the command engine once the device is idle, using command list
 * override when BSY or DRQ stick and the HBA offers it (AHCI 10.3.1). */
static bool port_start_engine(struct ahci_port *p)
{
	if ((port_rd(p, PX_TFD) & (TFD_BSY | TFD_DRQ)) && p->sclo) {
		port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_CLO);
		if (!port_wait(p, PX_CMD, PXCMD_CLO, 0))
			return false;
	}
	if (port_rd(p, PX_TFD) & (TFD_BSY | TFD_DRQ))
		return false;
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_ST);
	return true;
}

/* Stop the port and clear its errors, then start it again (AHCI 6.2.2.1). */
static bool port_restart(struct ahci_port *p)
{
	if (!port_stop_engine(p))
		return false;
	port_wr(p, PX_SERR, 0xffffffff);
	port_wr(p, PX_IS, 0xffffffff);
	return port_start_engine(p);
}

/* Fail every request the port holds and stop the port for good. */
static void port_kill(struct ahci_port *p, const char *why)
{
	pr_err("disk %s: %s; port stopped, disk disabled", p->blk.name, why);
	(void)port_stop_engine(p);
	p->dead = true;
	p->issued = p->retry = 0;
	for (u32 s = 0; s < p->nslots; s++) {
		if (p->slot_req[s]) {
			blk_hw_done(p->slot_req[s], E_IO);
			p->slot_req[s] = NULL;
		}
	}
}

/* Hand slot s (its command already built) to the HBA. */
static void slot_issue(struct ahci_port *p, u32 s)
{
	p->issued |= BIT(s);
	p->slot_start[s] = rdtsc();
	barrier();
	if (p->ncq)
		port_wr(p, PX_SACT, BIT(s));    /* PxSACT before PxCI (AHCI 5.3.2.1) */
	port_wr(p, PX_CI, BIT(s));
}

/* Finish slot s with status rc. */
static void slot_finish(struct ahci_port *p, u32 s, int rc)
{
	struct blk_req *r = p->slot_req[s];

	p->slot_req[s] = NULL;
	p->issued &= ~BIT(s);
	p->retry &= ~BIT(s);
	blk_hw_done(r, rc);
}

/* Build the command for r in slot s: FPDMA QUEUED with tag s under NCQ,
 * else READ/WRITE DMA EXT. */
static int slot_build(struct ahci_port *p, u32 s, struct blk_req *r)
{
	u32 spp = BLK_SECTORS_PER_PAGE(&p->blk);
	hpa_t t_hpa;
	struct ahci_cmd_table *t = slot_table(p, s, &t_hpa);
	struct ahci_io io = { .command = p->ncq ? (r->write ? ATA_CMD_WRITE_FPDMA : ATA_CMD_READ_FPDMA)
					    : (r->write ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT),
			      .tag = (u8)s, .write = r->write, .lba = r->page * spp, .count = r->npages * spp,
			      .bufs = r->frames, .nbufs = r->npages, .buf_bytes = PAGE_SIZE,
			      .max_prds = AHCI_MAX_PAGES, .addr64 = p->addr64 };

	return ahci_cmd_build(&p->cl[s], t, t_hpa, &io);
}

static int ahci_start(struct blk_dev *d, struct blk_req *r)
{
	struct ahci_port *p = d->priv;
	u32 s;

	if (p->dead)
		return E_IO;
	if (p->retry)
		return E_BUSY;    /* recovering: one command at a time until the retries are done */
	for (s = 0; s < p->nslots && p->slot_req[s]; s++)
		;
	if (s == p->nslots)
		return E_BUSY;
	if (slot_build(p, s, r) != E_OK) {
		pr_err("disk %s: request for page %lu (%u pages) cannot be built", d->name,
		       r->page, r->npages);
		return E_IO;
	}
	p->slot_req[s] = r;
	slot_issue(p, s);
	return E_OK;
}

/*
 * The port reported an error (PxIS.TFES/HBFS/HBDS/IFS). Restart it; if one
 * command was outstanding it is the one that failed (E_IO). With several,
 * the HBA's notion of which failed (PxCMD.CCS) is not reliable everywhere
 * (QEMU clears the failed slot's PxCI bit), so each is reissued alone: a
 * command that fails alone fails for good, the others succeed on reissue.
 * After an NCQ error the device wants READ LOG EXT page 10h before it
 * queues again (SATA 3.x 13.6.3.2); rather than that, the port falls back
 * to non-queued commands for good.
 */
static void port_recover(struct ahci_port *p, u32 is)
{
	u32 out = p->issued;

	pr_err("disk %s: port error (PxIS 0x%x, PxTFD 0x%x, PxSERR 0x%x); port restarted",
	       p->blk.name, is, port_rd(p, PX_TFD), port_rd(p, PX_SERR));
	if (!port_restart(p))
		return port_kill(p, "port restart failed");
	p->issued = 0;
	p->recover_tsc = rdtsc();
	if (p->ncq) {
		p->ncq = false;
		pr_warn("disk %s: NCQ off after the error, one command at a time", p->blk.name);
	}
	if (out && !(out & (out - 1))) {
		u32 s = (u32)__builtin_ctz(out);
		struct blk_req *r = p->slot_req[s];

		pr_err("disk %s: %s of page %lu (%u pages) failed", p->blk.name,
		       r->write ? "write" : "read", r->page, r->npages);
		slot_finish(p, s, E_IO);
	} else {
		p->retry |= out;
	}
}

/* Reissue the next retried command once nothing else is on the port (no
 * command of before the error still queued in PxCI or PxSACT). */
static void port_reissue(struct ahci_port *p)
{
	u32 s = (u32)__builtin_ctz(p->retry | BIT(31));

	if (p->issued || !p->retry || port_rd(p, PX_CI) || port_rd(p, PX_SACT))
		return;
	if (slot_build(p, s, p->slot_req[s]) != E_OK)
		return slot_finish(p, s, E_IO);
	slot_issue(p, s);
	p->retry &= ~p->issued;
}

static void ahci_poll(struct blk_dev *d)
{
	struct ahci_port *p = d->priv;
	u64 limit = us_to_tsc(AHCI_TIMEOUT_US), now;
	u32 done, is;

	if (p->dead)
		return;
	/* PxCI (and PxSACT, where an NCQ command stays until its Set Device
	 * Bits FIS) before PxIS: a cleared bit counts as success only if no
	 * error was reported after it was read. */
	done = p->issued & ~port_rd(p, PX_CI);
	if (p->ncq)
		done &= ~port_rd(p, PX_SACT);
	is = port_rd(p, PX_IS);
	barrier();
	if (is & PXIS_ERRORS) {
		port_recover(p, is);
		done = 0;
	} else if (is) {
		port_wr(p, PX_IS, is);
	}
	for (u32 s = 0; done; s++, done >>= 1)
		if (done & 1)
			slot_finish(p, s, E_OK);
	port_reissue(p);
	now = rdtsc();
	if (p->retry && !p->issued && now - p->recover_tsc > limit)
		return port_kill(p, "commands left over after an error never finished");
	for (u32 s = 0; s < p->nslots; s++)
		if ((p->issued & BIT(s)) && now - p->slot_start[s] > limit)
			return port_kill(p, "command timed out");
}

static const struct blk_ops ahci_ops = { .start = ahci_start, .poll = ahci_poll };

/* The command list and received-FIS area of p (one page). */
static int port_alloc_cl(struct ahci_port *p)
{
	hpa_t f = frame_alloc_zeroed(FRAME_HYP, 0);

	if (!frame_is_valid(f))
		return E_NOMEM;
	p->cl = hpa_to_ptr(f);
	p->cl_hpa = f;
	return !p->addr64 && f.v >> 32 ? E_RANGE : E_OK;
}

/* The command tables of p, four to a page. */
static int port_alloc_tables(struct ahci_port *p)
{
	for (u32 i = 0; i < DIV_ROUND_UP(p->nslots, AHCI_TABLES_PER_FRAME); i++) {
		hpa_t f = frame_alloc_zeroed(FRAME_HYP, 0);

		if (!frame_is_valid(f))
			return E_NOMEM;
		p->tables[i] = hpa_to_ptr(f);
		p->tables_hpa[i] = f;
		if (!p->addr64 && f.v >> 32)
			return E_RANGE;
	}
	return E_OK;
}

/* A port that is not used: stop it and, once the HBA has let go of its
 * memory (PxCMD.CR and FR clear), give the memory and the IDENTIFY buffer
 * back; else keep them, the HBA may still write there. */
static void port_release(struct ahci_port *p, hpa_t buf)
{
	bool idle = port_stop_engine(p);

	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_FRE);
	if (!idle || !port_wait(p, PX_CMD, PXCMD_FR, 0))
		return;
	frame_free(buf);
	if (p->cl)
		frame_free(p->cl_hpa);
	for (u32 i = 0; i < ARRAY_SIZE(p->tables); i++)
		if (p->tables[i])
			frame_free(p->tables_hpa[i]);
	kfree(p);
}

/* Idle the port, give it its memory, enable FIS receive (AHCI 10.1.2 steps
 * 3-5), then check that a SATA disk answered (PxSSTS.DET, PxSIG). */
static int port_setup(struct ahci_port *p)
{
	u32 sig;

	if (!port_stop_engine(p))
		return E_IO;
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) & ~PXCMD_FRE);
	if (!port_wait(p, PX_CMD, PXCMD_FR, 0))
		return E_IO;
	port_wr(p, PX_CLB, (u32)p->cl_hpa.v);
	port_wr(p, PX_CLBU, (u32)(p->cl_hpa.v >> 32));
	port_wr(p, PX_FB, (u32)(p->cl_hpa.v + AHCI_FIS_OFFSET));
	port_wr(p, PX_FBU, (u32)((p->cl_hpa.v + AHCI_FIS_OFFSET) >> 32));
	port_wr(p, PX_SERR, 0xffffffff);
	port_wr(p, PX_IS, 0xffffffff);
	port_wr(p, PX_IE, 0);
	port_wr(p, PX_CMD, port_rd(p, PX_CMD) | PXCMD_FRE | PXCMD_SUD | PXCMD_POD);
	if (!port_wait(p, PX_SSTS, 0xf, SSTS_DET_PRESENT))
		return E_NOENT;
	(void)port_wait(p, PX_TFD, TFD_BSY | TFD_DRQ, 0);
	sig = port_rd(p, PX_SIG);
	if (sig == SIG_ATAPI) {
		pr_info("ahci %s port %u: ATAPI device, skipped", p->hba_name, p->num);
		return E_NOTSUP;
	}
	if (sig != SIG_ATA) {
		pr_info("ahci %s port %u: signature 0x%x is not a SATA disk, skipped",
			p->hba_name, p->num, sig);
		return E_NOTSUP;
	}
	port_wr(p, PX_SERR, 0xffffffff);
	return port_start_engine(p) ? E_OK : E_IO;
}

/* IDENTIFY DEVICE (ACS-3 7.12) through slot 0 into the frame buf, polled. */
static int port_identify(struct ahci_port *p, hpa_t buf)
{
	struct ahci_io io = { .command = ATA_CMD_IDENTIFY, .bufs = &buf, .nbufs = 1,
			      .buf_bytes = 512, .max_prds = 1, .addr64 = p->addr64 };
	hpa_t t_hpa;
	struct ahci_cmd_table *t = slot_table(p, 0, &t_hpa);
	int rc = ahci_cmd_build(&p->cl[0], t, t_hpa, &io);

	if (rc != E_OK)
		return rc;
	barrier();
	port_wr(p, PX_CI, 1);
	if (!port_wait(p, PX_CI, 1, 0) || (port_rd(p, PX_IS) & PXIS_ERRORS)) {
		(void)port_restart(p);
		return E_IO;
	}
	return E_OK;
}

/* Fill p's block device from IDENTIFY words w. */
static int port_describe(struct ahci_port *p, const u16 w[256])
{
	u64 sectors = ahci_id_sectors(w);

	u32 qd = ahci_id_ncq_depth(w);

	if (!sectors || ahci_id_sector_size(w) != 512)
		return E_NOTSUP;
	if (p->sncq && qd) {
		p->ncq = true;
		p->nslots = MIN(p->nslots, qd);
	}
	ksnprintf(p->blk.name, sizeof(p->blk.name), "sata%u", nsata);
	ahci_id_model(w, p->blk.model);
	p->blk.sectors = sectors;
	p->blk.sector_size = 512;
	p->blk.pages = sectors / (PAGE_SIZE / 512);
	p->blk.max_pages_per_cmd = AHCI_MAX_PAGES;
	p->blk.queue_depth = p->nslots;
	p->blk.ops = &ahci_ops;
	p->blk.priv = p;
	return p->blk.pages ? E_OK : E_INVAL;
}

/* Bring up port n of the HBA at abar and register its disk. */
static void port_add(volatile u8 *abar, const char *hba_name, unsigned n, u32 cap)
{
	struct ahci_port *p = kzalloc(sizeof(*p));
	hpa_t buf = frame_alloc_zeroed(FRAME_HYP, 0);
	int rc;

	if (!p || !frame_is_valid(buf)) {
		pr_err("ahci %s port %u: out of memory, skipped", hba_name, n);
		kfree(p);
		if (frame_is_valid(buf))
			frame_free(buf);
		return;
	}
	p->regs = (volatile u32 *)(abar + PORT_BASE(n));
	p->hba_name = hba_name;
	p->num = n;
	p->addr64 = cap & CAP_S64A;
	p->sclo = cap & CAP_SCLO;
	p->sncq = cap & CAP_SNCQ;
	p->nslots = MIN(CAP_NCS(cap), AHCI_MAX_SLOTS);
	rc = port_alloc_cl(p);
	if (rc == E_OK)
		rc = port_setup(p);
	if (rc == E_OK)
		rc = port_alloc_tables(p);
	if (rc == E_OK)
		rc = port_identify(p, buf);
	if (rc == E_OK)
		rc = port_describe(p, hpa_to_ptr(buf));
	if (rc == E_OK)
		rc = blk_register(&p->blk);
	if (rc == E_OK) {
		pr_info("ahci %s port %u: %s, %s, %u commands in flight", hba_name, n, p->blk.name,
			p->ncq ? "NCQ" : "no NCQ", p->nslots);
		frame_free(buf);
		nsata++;
		return;
	}
	if (rc != E_NOENT && rc != E_NOTSUP)
		pr_err("ahci %s port %u: set-up failed (%d), skipped", hba_name, n, rc);
	port_release(p, buf);
}

/* Reset the HBA and put it in AHCI mode (AHCI 10.4.3, 3.1.2). */
static bool hba_reset(volatile u32 *ghc)
{
	*ghc |= GHC_AE;
	*ghc |= GHC_HR;
	if (!wait_reg(ghc, GHC_HR, 0, AHCI_WAIT_US))
		return false;
	*ghc |= GHC_AE;
	*ghc &= ~GHC_IE;
	return true;
}

static void hba_add(const struct pci_dev *d)
{
	char *name = kzalloc(8);
	const struct pci_bar *b = &d->bar[5];
	volatile u8 *abar;
	u32 cap, pi;

	if (!name)
		return;
	ksnprintf(name, 8, "%02x:%02x.%x", d->bus, d->dev, d->fn);
	if (b->io || !b->base || b->size < PORT_BASE(1) || b->base + b->size > 4 * GiB) {
		pr_err("ahci %s: no usable ABAR (BAR5) below 4 GiB, skipped", name);
		kfree(name);
		return;
	}
	pci_enable(d, PCI_CMD_MEM | PCI_CMD_MASTER);
	abar = hpa_to_ptr(hpa(b->base));
	if (!hba_reset((volatile u32 *)(abar + HBA_GHC))) {
		pr_err("ahci %s: HBA reset did not finish, skipped", name);
		kfree(name);
		return;
	}
	cap = *(volatile u32 *)(abar + HBA_CAP);
	pi = *(volatile u32 *)(abar + HBA_PI);
	pr_info("ahci %s: version 0x%x, ports 0x%x, %u slots, %s addresses", name,
		*(volatile u32 *)(abar + HBA_VS), pi, CAP_NCS(cap), cap & CAP_S64A ? "64-bit" : "32-bit");
	for (unsigned n = 0; n < 32; n++)
		if ((pi & BIT(n)) && PORT_BASE(n + 1) <= b->size)
			port_add(abar, name, n, cap);
}

void ahci_probe(void)
{
	const struct pci_dev *d = NULL;

	while ((d = pci_find_class(0x01, 0x06, d)))
		if (d->prog_if == 0x01)
			hba_add(d);
}
