/* virtio-blk, legacy PCI interface (Virtio 1.0 spec 4.1.4.8 "Legacy
 * Interfaces: A Note on PCI Device Layout", 2.6.2 legacy virtqueue layout,
 * 5.2 block device). The descriptor table is cut into fixed chains, one per
 * request slot: header, one descriptor per data page, status byte. No feature
 * is negotiated; interrupts are suppressed and the used ring is polled. */
#include "drivers/virtio_blk.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_DEV_BLK_LEGACY 0x1001

/* Legacy register block in BAR0 (spec 4.1.4.8). */
#define VIO_HOST_FEATURES  0x00
#define VIO_GUEST_FEATURES 0x04
#define VIO_QUEUE_PFN      0x08
#define VIO_QUEUE_SIZE     0x0c
#define VIO_QUEUE_SEL      0x0e
#define VIO_QUEUE_NOTIFY   0x10
#define VIO_STATUS         0x12
#define VIO_ISR            0x13
#define VIO_CONFIG         0x14   /* device config without MSI-X */

#define VIO_ST_ACK         1
#define VIO_ST_DRIVER      2
#define VIO_ST_DRIVER_OK   4
#define VIO_ST_FAILED      128

#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_ALIGN 4096

#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_S_OK    0

#define VBLK_MAX_PAGES     32     /* data descriptors per chain */
#define VBLK_MAX_SLOTS     16
#define VBLK_TIMEOUT_US    (10 * 1000 * 1000)

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
} __packed;

struct vring_used_elem {
	u32 id;
	u32 len;
} __packed;

struct vblk_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
} __packed;

/* Per-slot device-visible memory: request header and status byte. */
struct vblk_slot_mem {
	struct vblk_hdr hdr;
	u8 status;
	u8 pad[15];
} __packed;
_Static_assert(sizeof(struct vblk_slot_mem) == 32, "slot memory layout");

struct vblk {
	struct blk_dev blk;
	u16 io;                          /* BAR0 I/O base */
	u16 qsize;                       /* (c) from the device */
	u16 chain;                       /* descriptors per slot */
	u16 nslots;
	struct vring_desc *desc;
	volatile u16 *avail;             /* flags, idx, ring[qsize], used_event */
	volatile u16 *used_hdr;          /* flags, idx */
	volatile struct vring_used_elem *used;
	u16 avail_idx, used_seen;
	struct vblk_slot_mem *slot_mem;
	hpa_t slot_mem_hpa;
	struct blk_req *slot_req[VBLK_MAX_SLOTS];
	u64 slot_start[VBLK_MAX_SLOTS];
	bool dead;                       /* timed out: every request fails */
};

static unsigned nvblk;

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

/* Bytes of a legacy virtqueue of q entries (spec 2.6.2). */
static u64 vring_bytes(u16 q)
{
	u64 first = ALIGN_UP(16ull * q + 2 * (3 + q), VRING_ALIGN);

	return first + ALIGN_UP(2 * 3 + 8ull * q, VRING_ALIGN);
}

/* Queue 0 memory: allocate, zero and give it to the device. */
static int vblk_setup_queue(struct vblk *v)
{
	u64 bytes = vring_bytes(v->qsize);
	hpa_t ring, mem;
	u8 *p;

	if (frame_alloc_contig(bytes / PAGE_SIZE, PAGE_SIZE, FRAME_HYP, 0, &ring) != E_OK)
		return E_NOMEM;
	mem = frame_alloc_zeroed(FRAME_HYP, 0);
	if (!frame_is_valid(mem))
		return E_NOMEM;
	if (ring.v + bytes > (1ull << 44))
		return E_NOTSUP;    /* the legacy PFN register is 32 bits */
	p = hpa_to_ptr(ring);
	memset(p, 0, bytes);
	v->desc = (struct vring_desc *)p;
	v->avail = (volatile u16 *)(p + 16ull * v->qsize);
	v->used_hdr = (volatile u16 *)(p + ALIGN_UP(16ull * v->qsize + 2 * (3 + v->qsize), VRING_ALIGN));
	v->used = (volatile struct vring_used_elem *)(v->used_hdr + 2);
	v->avail[0] = VRING_AVAIL_F_NO_INTERRUPT;
	v->slot_mem = hpa_to_ptr(mem);
	v->slot_mem_hpa = mem;
	outl(v->io + VIO_QUEUE_PFN, (u32)(ring.v >> 12));
	return E_OK;
}

/* Fill slot s's descriptor chain for r. */
static void vblk_fill_chain(struct vblk *v, u16 s, struct blk_req *r)
{
	u16 i = s * v->chain;
	struct vblk_slot_mem *m = &v->slot_mem[s];
	u64 m_hpa = v->slot_mem_hpa.v + s * sizeof(*m);

	m->hdr = (struct vblk_hdr){ .type = r->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
				    .sector = r->page * BLK_SECTORS_PER_PAGE(&v->blk) };
	m->status = 0xff;
	v->desc[i] = (struct vring_desc){ m_hpa, sizeof(m->hdr), VRING_DESC_F_NEXT, i + 1 };
	for (u32 k = 0; k < r->npages; k++, i++)
		v->desc[i + 1] = (struct vring_desc){ r->frames[k].v, PAGE_SIZE,
			VRING_DESC_F_NEXT | (r->write ? 0 : VRING_DESC_F_WRITE), i + 2 };
	v->desc[i + 1] = (struct vring_desc){ m_hpa + 16, 1, VRING_DESC_F_WRITE, 0 };
}

static int vblk_start(struct blk_dev *d, struct blk_req *r)
{
	struct vblk *v = d->priv;
	u16 s;

	if (v->dead)
		return E_IO;
	for (s = 0; s < v->nslots && v->slot_req[s]; s++)
		;
	if (s == v->nslots)
		return E_BUSY;
	vblk_fill_chain(v, s, r);
	v->slot_req[s] = r;
	v->slot_start[s] = rdtsc();
	v->avail[2 + v->avail_idx % v->qsize] = s * v->chain;
	barrier();
	v->avail[1] = ++v->avail_idx;
	barrier();
	outw(v->io + VIO_QUEUE_NOTIFY, 0);
	return E_OK;
}

/* A request outlived VBLK_TIMEOUT_US: fail everything, stop the device. */
static void vblk_kill(struct vblk *v)
{
	pr_err("disk %s: request timed out; device reset, disk disabled", v->blk.name);
	outb(v->io + VIO_STATUS, 0);
	v->dead = true;
	for (u16 s = 0; s < v->nslots; s++) {
		if (v->slot_req[s]) {
			blk_hw_done(v->slot_req[s], E_IO);
			v->slot_req[s] = NULL;
		}
	}
}

/* Complete slot s from its status byte (spec 5.2.6). */
static void vblk_finish(struct vblk *v, u16 s)
{
	struct blk_req *r = v->slot_req[s];
	u8 st = v->slot_mem[s].status;

	v->slot_req[s] = NULL;
	if (st != VIRTIO_BLK_S_OK)
		pr_err("disk %s: %s of page %lu (%u pages) failed, status %u", v->blk.name,
		       r->write ? "write" : "read", r->page, r->npages, st);
	blk_hw_done(r, st == VIRTIO_BLK_S_OK ? E_OK : E_IO);
}

static void vblk_poll(struct blk_dev *d)
{
	struct vblk *v = d->priv;
	u64 limit = us_to_tsc(VBLK_TIMEOUT_US), now;

	while (v->used_seen != v->used_hdr[1]) {
		u32 id;
		u16 s;

		barrier();
		id = v->used[v->used_seen % v->qsize].id;
		v->used_seen++;
		s = id / v->chain;
		if (id % v->chain || s >= v->nslots || !v->slot_req[s]) {
			pr_err("disk %s: device returned bad descriptor id %u", d->name, id);
			continue;
		}
		vblk_finish(v, s);
	}
	now = rdtsc();
	for (u16 s = 0; s < v->nslots; s++)
		if (v->slot_req[s] && now - v->slot_start[s] > limit)
			return vblk_kill(v);
}

static const struct blk_ops vblk_ops = { .start = vblk_start, .poll = vblk_poll };

/* Reset, acknowledge, size queue 0 and the slots, read the capacity. */
static int vblk_init_dev(struct vblk *v)
{
	u64 cap;

	outb(v->io + VIO_STATUS, 0);
	outb(v->io + VIO_STATUS, VIO_ST_ACK | VIO_ST_DRIVER);
	(void)inl(v->io + VIO_HOST_FEATURES);
	outl(v->io + VIO_GUEST_FEATURES, 0);
	outw(v->io + VIO_QUEUE_SEL, 0);
	v->qsize = inw(v->io + VIO_QUEUE_SIZE);
	if (v->qsize < 3 || (v->qsize & (v->qsize - 1)))
		return E_NOTSUP;
	v->chain = MIN(VBLK_MAX_PAGES, v->qsize - 2) + 2;
	v->nslots = MIN(VBLK_MAX_SLOTS, v->qsize / v->chain);
	cap = inl(v->io + VIO_CONFIG) | (u64)inl(v->io + VIO_CONFIG + 4) << 32;
	v->blk.sectors = cap;
	v->blk.sector_size = 512;
	v->blk.pages = cap / (PAGE_SIZE / 512);
	v->blk.max_pages_per_cmd = v->chain - 2;
	v->blk.queue_depth = v->nslots;
	return vblk_setup_queue(v);
}

static void vblk_add(const struct pci_dev *p)
{
	struct vblk *v = kzalloc(sizeof(*v));
	int rc;

	if (!v || !p->bar[0].io || !p->bar[0].base) {
		pr_err("virtio-blk %02x:%02x.%x: no I/O BAR0 or no memory, skipped",
		       p->bus, p->dev, p->fn);
		kfree(v);
		return;
	}
	pci_enable(p, PCI_CMD_IO | PCI_CMD_MASTER);
	v->io = (u16)p->bar[0].base;
	ksnprintf(v->blk.name, sizeof(v->blk.name), "vd%c", 'a' + nvblk);
	ksnprintf(v->blk.model, sizeof(v->blk.model), "virtio-blk %02x:%02x.%x",
		  p->bus, p->dev, p->fn);
	v->blk.ops = &vblk_ops;
	v->blk.priv = v;
	rc = vblk_init_dev(v);
	if (rc == E_OK && !v->blk.pages)
		rc = E_INVAL;
	if (rc == E_OK)
		rc = blk_register(&v->blk);
	if (rc != E_OK) {
		pr_err("virtio-blk %02x:%02x.%x: set-up failed (%d), skipped", p->bus, p->dev, p->fn, rc);
		outb(v->io + VIO_STATUS, VIO_ST_FAILED);
		return;   /* v and its rings stay allocated: the device may still own them */
	}
	nvblk++;
	outb(v->io + VIO_STATUS, VIO_ST_ACK | VIO_ST_DRIVER | VIO_ST_DRIVER_OK);
}

void virtio_blk_probe(void)
{
	for (size_t i = 0; i < pci_dev_count() && nvblk < 26; i++) {
		const struct pci_dev *p = pci_dev_at(i);

		if (p->vendor == VIRTIO_VENDOR && p->device == VIRTIO_DEV_BLK_LEGACY)
			vblk_add(p);
	}
}
