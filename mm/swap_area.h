/* The swap area: at boot, which disks or GPT partitions (core/gpt.h, of
 * pagevisor's type GUID) carry a valid pagevisor swap header
 * (core/swapfmt.h), which one the `swap=` option picks, and the only path
 * by which the hypervisor writes to a disk: swap_area_submit(), which
 * confines every request to the slots of that one marked area. */
#ifndef MM_SWAP_AREA_H
#define MM_SWAP_AREA_H

#include "core/swapfmt.h"
#include "drivers/blk.h"
#include "mm/swap.h"

#define SWAP_AREA_NAME_LEN (BLK_NAME_LEN + 12)

/* The active area. (c) set by swap_area_init(). */
struct swap_area {
	struct blk_dev *dev;          /* (c) the disk holding the area */
	u64 start_page;               /* (c) disk page of the area's page 0 (header) */
	char name[SWAP_AREA_NAME_LEN];/* (c) "vda", or "vdap2" for GPT partition 2 */
	struct swapfmt_info info;     /* (c) what its header says */
	struct swap_slots slots;      /* slot allocator over info.nslots */
};

/*
 * Read page 0 of every disk of the block layer and, on a disk without a
 * header there, its GPT and the first page of every partition of
 * pagevisor's type; print one `swap: <disk or partition>: ...` line each
 * (marked with its size, slots and UUID; "not marked, left alone"; or
 * "header refused: <reason>"), then pick the area named by `swap=` (auto:
 * the first marked area; off; a disk or partition name such as vda or
 * vdap2; uuid:<uuid>) and start its slot allocator. Never writes. Call
 * once, after blk_init().
 */
void swap_area_init(void);

/* The active swap area, or NULL when there is none. */
struct swap_area *swap_area_active(void);

/*
 * Submit r for slots [slot, slot + r->npages) of the active area: fills
 * r->dev and r->page, then blk_submit(). The caller fills npages, frames,
 * write, done and ctx as for blk_submit(). Returns E_NOENT without an
 * active area, E_RANGE if the slots pass the end of the area, or what
 * blk_submit() returns. Every hypervisor write to a disk goes through here.
 */
int swap_area_submit(struct blk_req *r, u64 slot) __must_check;

#endif
