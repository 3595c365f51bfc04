/* The block layer: a registry of the disks the drivers found (ATA, virtio-blk),
 * page-granular read/write requests queued per device, completions found by
 * polling (blk_poll() on every VM exit and timer tick), and the `swap_delay=`
 * latency model. Drivers plug in through struct blk_ops. docs/disks.md. */
#ifndef DRIVERS_BLK_H
#define DRIVERS_BLK_H

#include "core/addr.h"
#include "core/types.h"

#define BLK_MAX_DEVS 8
#define BLK_NAME_LEN 16
#define BLK_MODEL_LEN 41      /* ATA IDENTIFY model string is 40 bytes */
#define BLK_SECTORS_PER_PAGE(d) (PAGE_SIZE / (d)->sector_size)

struct blk_dev;
struct blk_req;

/*
 * What a driver provides. start() hands one request to the hardware: it
 * returns E_OK (the driver owns it until it calls blk_hw_done()) or E_BUSY
 * (no room now: the block layer keeps it queued and retries after the next
 * completion). poll() looks at the hardware and calls blk_hw_done() for every
 * request that finished. Both run with the block layer single-threaded.
 */
struct blk_ops {
	int (*start)(struct blk_dev *d, struct blk_req *r) __must_check;
	void (*poll)(struct blk_dev *d);
};

/* One disk. Fields marked (c) are set by the driver before blk_register(). */
struct blk_dev {
	char name[BLK_NAME_LEN];      /* (c) "ata0-master", "vda" */
	char model[BLK_MODEL_LEN];    /* (c) model string for the boot line */
	u64 pages;                    /* (c) capacity in 4 KiB pages (rounded down) */
	u64 sectors;                  /* (c) capacity in device sectors */
	u32 sector_size;              /* (c) 512 */
	u32 max_pages_per_cmd;        /* (c) longest request one command takes */
	u32 queue_depth;              /* (c) commands the hardware holds at once */
	const struct blk_ops *ops;    /* (c) */
	void *priv;                   /* (c) the driver's state */
	/* Block layer state, [single-threaded]. */
	struct blk_req *queue_head, *queue_tail;   /* submitted, not started */
	struct blk_req *done_head, *done_tail;     /* hardware done, latency pending */
	u32 in_hw;                    /* started, hardware not done */
	u32 in_flight;                /* submitted, done() not called yet */
	u32 max_in_flight;            /* high-water mark of in_flight */
	u64 reads, writes, errors;    /* completed requests */
	u64 pages_read, pages_written;
};

/*
 * One request: npages whole 4 KiB pages starting at disk page `page`, to or
 * from the host frames frames[0..npages) (need not be contiguous). The caller
 * fills dev, page, npages, frames, write, done and ctx; everything else is the
 * block layer's. The request and the frames array belong to the block layer
 * from blk_submit() until done() is called.
 */
struct blk_req {
	struct blk_dev *dev;
	u64 page;
	u32 npages;
	bool write;
	const hpa_t *frames;
	void (*done)(struct blk_req *r);   /* called from blk_poll(); may submit */
	void *ctx;
	int status;                        /* E_OK, E_IO: valid in done() */
	/* Internal. */
	struct blk_req *next;
	u64 ready_tsc;                     /* submit TSC + swap_delay */
	bool hw_done;
	bool completed;                    /* done() has been called */
	u8 fault;                          /* enum blk_fault_kind chosen at submit */
};

/* What `blkfault=` does to one command (chosen when it is submitted). */
enum blk_fault_kind {
	BLK_FAULT_NONE,
	BLK_FAULT_FAIL,    /* never reaches the driver; completes with E_IO */
	BLK_FAULT_FLIP,    /* a read that succeeds with one bit of its data inverted */
};

#define BLK_FAULT_SPEC_LEN 96

/* The `blkfault=` option's text (empty: no fault injection). Grammar in
 * docs/cmdline.md: comma-separated `fail:N`, `every:N`, `flip:N`,
 * `vanish:N`, `delay:US`, `disk:NAME`; N may carry an r or w prefix (count
 * only reads or only writes). */
extern char blk_fault_spec[BLK_FAULT_SPEC_LEN];

/* Start counting commands for `blkfault=` (the swap area calls it once the
 * boot-time header reads are done, so command 1 is the first one after). */
void blk_fault_arm(void);

/* Modelled latency per request in microseconds (`swap_delay=`, default 0). */
extern u64 blk_swap_delay_us;

/* Probe every driver (virtio-blk, ATA, AHCI, NVMe) and print one `disk <name>: ...` line
 * per disk found. Call once after pci_init() and the TSC calibration. */
void blk_init(void);

/* Add a disk the driver has filled in. Returns E_OK, E_NOMEM when the
 * registry is full, E_INVAL for a nameless or empty disk. Prints its line. */
int blk_register(struct blk_dev *d) __must_check;

/* Number of disks, the i-th (NULL out of range), and the one named name. */
size_t blk_count(void);
struct blk_dev *blk_get(size_t i);
struct blk_dev *blk_find(const char *name);

/*
 * Queue request r (fields above) and start it if the device has room.
 * Returns E_OK (done() will be called later from blk_poll(), exactly once)
 * or, without calling done(): E_INVAL for a missing device, frames or done
 * callback, or npages 0 / above dev->max_pages_per_cmd; E_RANGE if the pages
 * pass the end of the disk. A request never completes before its submit
 * time plus blk_swap_delay_us.
 */
int blk_submit(struct blk_req *r) __must_check;

/* Poll every device: collect hardware completions, start queued requests,
 * and call done() for requests whose modelled latency has passed. Cheap when
 * nothing is outstanding; safe to call from any run-loop point. */
void blk_poll(void);

/* True while any request on any device has not had done() called. */
bool blk_busy(void);

/*
 * Read or write npages pages at disk page `page` to or from the contiguous
 * host buffer at buf, and wait for the result (polling), splitting into
 * commands of at most max_pages_per_cmd pages, all in flight together.
 * For boot-time header reads and the self-test. Returns E_OK, E_INVAL,
 * E_RANGE (as blk_submit) or E_IO.
 */
int blk_rw_sync(struct blk_dev *d, u64 page, u32 npages, hpa_t buf, bool write) __must_check;

/* Wait (polling) until request r has completed; return its status. */
int blk_wait(struct blk_req *r) __must_check;

/* For drivers: the hardware finished r with status (E_OK or E_IO). */
void blk_hw_done(struct blk_req *r, int status);

/* Print one line per disk with its counters (monitor and tests). */
void blk_print(void);

#endif
