/* ATA/IDE disks (ATA/ATAPI-8 ACS; the PCI IDE Controller Specification 1.0
 * for native/compatibility mode and the Bus Master IDE Programming Interface
 * for DMA). A channel runs one command at a time for its two drives: with a
 * bus-master BAR the command is READ/WRITE DMA (EXT) and completion is polled;
 * otherwise PIO, transferred inside start(). Errors and timeouts complete the
 * request with E_IO and software-reset the channel. */
#include "drivers/ata.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

/* Command block registers (offsets from the command base). */
#define ATA_DATA      0
#define ATA_ERROR     1
#define ATA_COUNT     2
#define ATA_LBA0      3
#define ATA_LBA1      4
#define ATA_LBA2      5
#define ATA_DRIVE     6
#define ATA_STATUS    7
#define ATA_CMD       7
/* Control block: alternate status (read) / device control (write). */
#define ATA_CTL_NIEN  0x02
#define ATA_CTL_SRST  0x04

#define ATA_ST_ERR    0x01
#define ATA_ST_DRQ    0x08
#define ATA_ST_DF     0x20
#define ATA_ST_BSY    0x80

#define ATA_CMD_READ_PIO       0x20
#define ATA_CMD_READ_PIO_EXT   0x24
#define ATA_CMD_READ_DMA_EXT   0x25
#define ATA_CMD_WRITE_PIO      0x30
#define ATA_CMD_WRITE_PIO_EXT  0x34
#define ATA_CMD_WRITE_DMA_EXT  0x35
#define ATA_CMD_READ_DMA       0xc8
#define ATA_CMD_WRITE_DMA      0xca
#define ATA_CMD_IDENTIFY       0xec

/* Bus-master registers (offsets from BAR4 + 8 * channel). */
#define BM_CMD        0
#define BM_STATUS     2
#define BM_PRDT       4
#define BM_CMD_START  0x01
#define BM_CMD_TO_MEM 0x08     /* the device reads the disk, writes memory */
#define BM_ST_ACTIVE  0x01
#define BM_ST_ERR     0x02
#define BM_ST_IRQ     0x04
#define PRD_EOT       0x8000

#define ATA_PAGES_PER_CMD 16   /* 128 sectors: fits LBA28's count register */
#define ATA_TIMEOUT_US    (5 * 1000 * 1000)

struct ata_prd {
	u32 addr;
	u16 bytes;              /* 0 means 64 KiB */
	u16 flags;
} __packed;

struct ata_chan {
	u16 cmd, ctl, bm;       /* (c) I/O bases; bm 0 = no bus master */
	u8 index;               /* (c) 0 primary, 1 secondary */
	struct blk_req *busy;   /* the DMA command in progress */
	u64 start_tsc;
	struct ata_prd *prdt;   /* (c) one page, below 4 GiB */
	hpa_t prdt_hpa;
};

struct ata_disk {
	struct blk_dev blk;
	struct ata_chan *ch;
	bool slave, lba48;
};

static inline u8 ata_alt(struct ata_chan *c)
{
	return inb(c->ctl);
}

/* The 400 ns a device may take to show its status after a command or a
 * drive select (ACS-3 7.1): four alternate-status reads. */
static void ata_delay400(struct ata_chan *c)
{
	for (int i = 0; i < 4; i++)
		(void)ata_alt(c);
}

/* Wait until BSY clears; return the status, or -1 on timeout. */
static int ata_wait_idle(struct ata_chan *c, u64 timeout_us)
{
	u64 end = rdtsc() + us_to_tsc(timeout_us);
	u8 st;

	while ((st = ata_alt(c)) & ATA_ST_BSY) {
		if (rdtsc() > end)
			return -1;
		cpu_relax();
	}
	return st;
}

/* Software reset of the channel (ACS-3 11.2, SRST), leaving nIEN set so
 * the polled driver never raises an interrupt. */
static void ata_reset(struct ata_chan *c)
{
	outb(c->ctl, ATA_CTL_NIEN | ATA_CTL_SRST);
	tsc_wait_us(10);
	outb(c->ctl, ATA_CTL_NIEN);
	tsc_wait_us(2000);
	(void)ata_wait_idle(c, ATA_TIMEOUT_US);
	if (c->bm) {
		outb(c->bm + BM_CMD, 0);
		outb(c->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
	}
}

/* Select the drive and load LBA and count for a command on d. */
static void ata_setup_regs(struct ata_disk *d, u64 lba, u32 count)
{
	u16 b = d->ch->cmd;

	if (d->lba48) {
		outb(b + ATA_DRIVE, 0x40 | (d->slave << 4));
		ata_delay400(d->ch);
		outb(b + ATA_COUNT, (u8)(count >> 8));
		outb(b + ATA_LBA0, (u8)(lba >> 24));
		outb(b + ATA_LBA1, (u8)(lba >> 32));
		outb(b + ATA_LBA2, (u8)(lba >> 40));
	} else {
		outb(b + ATA_DRIVE, 0xe0 | (d->slave << 4) | ((lba >> 24) & 0x0f));
		ata_delay400(d->ch);
	}
	outb(b + ATA_COUNT, (u8)count);
	outb(b + ATA_LBA0, (u8)lba);
	outb(b + ATA_LBA1, (u8)(lba >> 8));
	outb(b + ATA_LBA2, (u8)(lba >> 16));
}

/* Wait for DRQ of the next PIO sector; false on error or timeout. */
static bool ata_pio_ready(struct ata_chan *c)
{
	int st;

	ata_delay400(c);
	st = ata_wait_idle(c, ATA_TIMEOUT_US);
	return st >= 0 && !(st & (ATA_ST_ERR | ATA_ST_DF)) && (st & ATA_ST_DRQ);
}

/* Run r as one PIO command (ACS-3 READ/WRITE SECTORS (EXT)). */
static int ata_pio(struct ata_disk *d, struct blk_req *r)
{
	struct ata_chan *c = d->ch;
	u32 spp = BLK_SECTORS_PER_PAGE(&d->blk), count = r->npages * spp;
	u8 cmd = r->write ? (d->lba48 ? ATA_CMD_WRITE_PIO_EXT : ATA_CMD_WRITE_PIO)
			  : (d->lba48 ? ATA_CMD_READ_PIO_EXT : ATA_CMD_READ_PIO);
	int st;

	if (ata_wait_idle(c, ATA_TIMEOUT_US) < 0)
		return E_IO;
	ata_setup_regs(d, r->page * spp, count);
	outb(c->cmd + ATA_CMD, cmd);
	for (u32 s = 0; s < count; s++) {
		u16 *w = (u16 *)hpa_to_ptr(r->frames[s / spp]) + (s % spp) * 256;
		u64 n = 256;

		if (!ata_pio_ready(c))
			return E_IO;
		if (r->write)
			__asm__ volatile("rep outsw" : "+S"(w), "+c"(n)
					 : "d"(c->cmd + ATA_DATA) : "memory");
		else
			__asm__ volatile("rep insw" : "+D"(w), "+c"(n)
					 : "d"(c->cmd + ATA_DATA) : "memory");
	}
	ata_delay400(c);
	st = ata_wait_idle(c, ATA_TIMEOUT_US);
	return st < 0 || (st & (ATA_ST_ERR | ATA_ST_DF)) ? E_IO : E_OK;
}

/* Build the PRD table for r; false if a frame is above 4 GiB. */
static bool ata_build_prdt(struct ata_chan *c, struct blk_req *r)
{
	for (u32 k = 0; k < r->npages; k++) {
		if (r->frames[k].v >> 32)
			return false;
		c->prdt[k] = (struct ata_prd){ (u32)r->frames[k].v, PAGE_SIZE,
					       k + 1 == r->npages ? PRD_EOT : 0 };
	}
	return true;
}

/* Start r as a bus-master DMA command (Bus Master IDE spec 3.0 sequence). */
static void ata_dma_start(struct ata_disk *d, struct blk_req *r)
{
	struct ata_chan *c = d->ch;
	u32 spp = BLK_SECTORS_PER_PAGE(&d->blk);
	u8 cmd = r->write ? (d->lba48 ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_WRITE_DMA)
			  : (d->lba48 ? ATA_CMD_READ_DMA_EXT : ATA_CMD_READ_DMA);

	outb(c->bm + BM_CMD, 0);
	outl(c->bm + BM_PRDT, (u32)c->prdt_hpa.v);
	outb(c->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
	ata_setup_regs(d, r->page * spp, r->npages * spp);
	outb(c->cmd + ATA_CMD, cmd);
	outb(c->bm + BM_CMD, (r->write ? 0 : BM_CMD_TO_MEM) | BM_CMD_START);
	c->busy = r;
	c->start_tsc = rdtsc();
}

static int ata_start(struct blk_dev *bd, struct blk_req *r)
{
	struct ata_disk *d = bd->priv;
	struct ata_chan *c = d->ch;
	int rc;

	if (c->busy)
		return E_BUSY;
	if (c->bm && ata_wait_idle(c, ATA_TIMEOUT_US) >= 0 && ata_build_prdt(c, r)) {
		ata_dma_start(d, r);
		return E_OK;
	}
	rc = ata_pio(d, r);
	if (rc != E_OK) {
		pr_err("disk %s: %s of page %lu failed (status 0x%x, error 0x%x); channel reset",
		       bd->name, r->write ? "write" : "read", r->page, ata_alt(c),
		       inb(c->cmd + ATA_ERROR));
		ata_reset(c);
	}
	blk_hw_done(r, rc);
	return E_OK;
}

/* Finish the DMA command on c with status rc. */
static void ata_dma_finish(struct ata_disk *d, int rc)
{
	struct ata_chan *c = d->ch;
	struct blk_req *r = c->busy;

	outb(c->bm + BM_CMD, 0);
	outb(c->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
	c->busy = NULL;
	if (rc != E_OK) {
		pr_err("disk %s: DMA %s of page %lu failed; channel reset", d->blk.name,
		       r->write ? "write" : "read", r->page);
		ata_reset(c);
	}
	blk_hw_done(r, rc);
}

static void ata_poll(struct blk_dev *bd)
{
	struct ata_disk *d = bd->priv;
	struct ata_chan *c = d->ch;
	u8 bm, st;

	if (!c->busy || c->busy->dev != bd)
		return;
	bm = inb(c->bm + BM_STATUS);
	st = ata_alt(c);
	if ((st & ATA_ST_BSY) || ((bm & BM_ST_ACTIVE) && !(bm & BM_ST_IRQ))) {
		if (rdtsc() - c->start_tsc > us_to_tsc(ATA_TIMEOUT_US))
			ata_dma_finish(d, E_IO);
		return;
	}
	st = inb(c->cmd + ATA_STATUS);   /* also acknowledges the device */
	ata_dma_finish(d, (st & (ATA_ST_ERR | ATA_ST_DF)) || (bm & BM_ST_ERR) ? E_IO : E_OK);
}

static const struct blk_ops ata_ops = { .start = ata_start, .poll = ata_poll };


/* IDENTIFY DEVICE (ACS-3 7.12) into w; false when there is no device, or an
 * ATAPI/SATA packet device (signature in LBA mid/high, ACS-3 9.1). */
static bool ata_identify(struct ata_chan *c, bool slave, u16 w[256])
{
	int st;

	outb(c->cmd + ATA_DRIVE, 0xa0 | (slave << 4));
	ata_delay400(c);
	outb(c->cmd + ATA_COUNT, 0);
	outb(c->cmd + ATA_LBA0, 0);
	outb(c->cmd + ATA_LBA1, 0);
	outb(c->cmd + ATA_LBA2, 0);
	outb(c->cmd + ATA_CMD, ATA_CMD_IDENTIFY);
	ata_delay400(c);
	st = ata_alt(c);
	if (st == 0 || st == 0xff)
		return false;
	st = ata_wait_idle(c, 1000 * 1000);
	if (st < 0 || inb(c->cmd + ATA_LBA1) || inb(c->cmd + ATA_LBA2))
		return false;   /* hung, or 0x14/0xEB (ATAPI), 0x3C/0xC3 (SATA) */
	if (!ata_pio_ready(c))
		return false;
	for (int i = 0; i < 256; i++)
		w[i] = inw(c->cmd + ATA_DATA);
	(void)inb(c->cmd + ATA_STATUS);
	return true;
}

/* The model string of IDENTIFY words 27-46: byte-swapped, space-padded. */
static void ata_model(const u16 w[256], char out[BLK_MODEL_LEN])
{
	int n = 0;

	for (int i = 27; i <= 46; i++) {
		out[n++] = (char)(w[i] >> 8);
		out[n++] = (char)w[i];
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == 0))
		n--;
	out[n] = 0;
}

/* Register the disk answering IDENTIFY on c as master or slave. */
static void ata_add_disk(struct ata_chan *c, bool slave, const u16 w[256])
{
	struct ata_disk *d;
	u64 sectors;
	bool lba48 = w[83] & BIT(10);

	if (!(w[49] & BIT(9))) {
		pr_warn("ata%u-%s: no LBA support, skipped", c->index, slave ? "slave" : "master");
		return;
	}
	sectors = lba48 ? (u64)w[100] | (u64)w[101] << 16 | (u64)w[102] << 32 | (u64)w[103] << 48
			: (u64)w[60] | (u64)w[61] << 16;
	d = kzalloc(sizeof(*d));
	if (!d)
		return;
	d->ch = c;
	d->slave = slave;
	d->lba48 = lba48;
	ksnprintf(d->blk.name, sizeof(d->blk.name), "ata%u-%s", c->index, slave ? "slave" : "master");
	ata_model(w, d->blk.model);
	d->blk.sectors = sectors;
	d->blk.sector_size = 512;
	d->blk.pages = sectors / 8;
	d->blk.max_pages_per_cmd = ATA_PAGES_PER_CMD;
	d->blk.queue_depth = 1;
	d->blk.ops = &ata_ops;
	d->blk.priv = d;
	if (blk_register(&d->blk) != E_OK)
		kfree(d);
}

/* Set up channel index at the given ports (bm 0: PIO only) and probe both
 * drives. */
static void ata_probe_channel(u8 index, u16 cmd, u16 ctl, u16 bm)
{
	struct ata_chan *c;
	u16 *w;

	if (inb(ctl) == 0xff)
		return;   /* floating bus: no drive on this channel */
	c = kzalloc(sizeof(*c));
	w = kmalloc(512);
	if (!c || !w)
		goto out;
	*c = (struct ata_chan){ .cmd = cmd, .ctl = ctl, .index = index };
	if (bm) {
		c->prdt_hpa = frame_alloc_zeroed(FRAME_HYP, 0);
		if (frame_is_valid(c->prdt_hpa) && !(c->prdt_hpa.v >> 32)) {
			c->prdt = hpa_to_ptr(c->prdt_hpa);
			c->bm = bm;
		}
	}
	outb(ctl, ATA_CTL_NIEN);
	pr_info("ata%u: ports 0x%x/0x%x, %s", index, cmd, ctl, c->bm ? "bus-master DMA" : "PIO");
	for (int slave = 0; slave < 2; slave++)
		if (ata_identify(c, slave, w))
			ata_add_disk(c, slave, w);
	kfree(w);
	return;     /* c stays: registered disks point at it */
out:
	kfree(c);
	kfree(w);
}

/* A PCI IDE controller: each channel in native mode (prog-if bits 0/2)
 * uses BAR0/1 or BAR2/3, else the legacy ports; bus master at BAR4 when
 * prog-if bit 7 says so (PCI IDE Controller Specification 1.0, 2.1). */
static void ata_probe_pci(const struct pci_dev *p)
{
	static const u16 legacy[2][2] = { { 0x1f0, 0x3f6 }, { 0x170, 0x376 } };
	u16 bm = (p->prog_if & 0x80) && p->bar[4].io ? (u16)p->bar[4].base : 0;

	pci_enable(p, PCI_CMD_IO | (bm ? PCI_CMD_MASTER : 0));
	for (u8 ch = 0; ch < 2; ch++) {
		bool native = p->prog_if & (1 << (2 * ch));
		u16 cmd = native ? (u16)p->bar[2 * ch].base : legacy[ch][0];
		u16 ctl = native ? (u16)p->bar[2 * ch + 1].base + 2 : legacy[ch][1];

		ata_probe_channel(ch, cmd, ctl, bm ? bm + 8 * ch : 0);
	}
}

void ata_probe(void)
{
	const struct pci_dev *p = pci_find_class(0x01, 0x01, NULL);

	if (p) {
		ata_probe_pci(p);
		return;
	}
	ata_probe_channel(0, 0x1f0, 0x3f6, 0);
	ata_probe_channel(1, 0x170, 0x376, 0);
}
