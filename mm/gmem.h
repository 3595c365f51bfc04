/* Guest memory slots: which guest-physical ranges are RAM, ROM, the legacy
 * VGA hole, or nothing, with the standard PC layout, and the demand
 * allocation of RAM on the first touch. Pure logic over the page-table
 * engine and the frame allocator (host-testable). */
#ifndef MM_GMEM_H
#define MM_GMEM_H

#include "core/types.h"
#include "core/addr.h"
#include "mm/pt.h"

enum gmem_kind {
	GMEM_NONE = 0,  /* not backed: an access kills the guest */
	GMEM_RAM,       /* demand-allocated, zero on first touch, RWX */
	GMEM_ROM,       /* read-only (firmware tables later), writes ignored */
	GMEM_HOLE,      /* legacy VGA window: reads all-ones, writes ignored */
};

struct gmem_slot {
	gpa_t base;
	u64 size;
	enum gmem_kind kind;
};

#define GMEM_MAX_SLOTS 8
#define GMEM_PC_LOW_RAM_END   0xa0000ull      /* 640 KiB */
#define GMEM_PC_HOLE_END      0xc0000ull
#define GMEM_PC_ROM_END       0x100000ull     /* 1 MiB */
#define GMEM_PC_MMIO_START    0xc0000000ull   /* 32-bit MMIO hole [3 GiB, 4 GiB) */
#define GMEM_PC_HIGH_START    0x100000000ull

struct gmem;

/* How RAM frames are obtained and released: the pager (mm/pager.c) plugs
 * in here to account guest data frames, reclaim when they run short and
 * track them for replacement. NULL hooks: the plain frame allocator. */
struct gmem_hooks {
	hpa_t (*alloc_frame)(struct gmem *g);              /* zeroed, or FRAME_INVALID */
	void (*frame_mapped)(struct gmem *g, hpa_t f);     /* a RAM frame got its leaf */
	void (*frame_released)(struct gmem *g, hpa_t f);   /* at destroy, before freeing */
	/* Page a's leaf is a pager state (swapped, in writeback, protected):
	 * bring it back (synchronously) so the hypervisor can read or write it;
	 * 0 or a negative code. */
	int (*make_resident)(struct gmem *g, gpa_t a);
};

/* Guest memory of one VM. */
struct gmem {
	const struct gmem_hooks *hooks;           /* (c) NULL: frame allocator */
	void *hook_ctx;                           /* (c) e.g. the struct vm */
	struct gmem_slot slots[GMEM_MAX_SLOTS];   /* (c) sorted by base */
	size_t nslots;                            /* (c) */
	u64 ram_size;                             /* (c) bytes of RAM, all slots */
	struct pt *tdp;                           /* (c) the VM's EPT/NPT tree */
	u16 owner;                                /* (c) VM id for frame owner */
	hpa_t ones_frame;                         /* (c) all-ones page for the hole, read-only */
	u64 resident_pages;                       /* RAM frames currently mapped */
	u64 demand_faults;                        /* RAM pages allocated on touch */
	/* Pager statistics (mm/pager*.c). */
	u64 swapped_pages;                        /* leaves holding a slot */
	u64 major_faults;                         /* swap-ins */
	u64 minor_faults;                         /* taken back during writeback */
	u64 evictions;                            /* pages unmapped by reclaim */
	u64 writebacks;                           /* pages written to swap */
	u64 clean_drops;                          /* dropped: clean copy in swap */
	u64 zero_drops;                           /* dropped: all zero */
	u64 write_errors;                         /* failed writes (slot retired) */
	u64 io_pending;                           /* this guest's requests in flight */
	u64 limit_pages;                          /* (c) limit=, 0 = none */
};

/* The page-table leaf for guest-physical page a, or NULL when no level-1
 * table covers it yet. */
u64 *gmem_leaf(struct gmem *g, gpa_t a);

/* Map frame f (a zeroed or filled RAM frame) at page a, writable, and
 * record the reverse map; resident_pages counts it. */
int gmem_map_frame(struct gmem *g, gpa_t a, hpa_t f) __must_check;

/* Lay out `ram` bytes of RAM the PC way: [0, 640K) RAM, [640K, 768K) the
 * all-ones hole, [768K, 1M) ROM, RAM from 1 MiB up to the 3 GiB MMIO hole,
 * the rest from 4 GiB. Nothing is allocated for RAM yet. Returns E_INVAL
 * when ram is below 2 MiB or not page-aligned, E_NOMEM for the ROM/hole
 * frames. */
int gmem_init_pc(struct gmem *g, struct pt *tdp, u16 owner, u64 ram) __must_check;

/* Release every frame of the guest (RAM, ROM, hole) and its tables. */
void gmem_destroy(struct gmem *g);

/* The slot containing a, or NULL (a hole in the layout: MMIO, beyond RAM). */
const struct gmem_slot *gmem_slot_find(const struct gmem *g, gpa_t a);

/* Highest end of any RAM slot (for "raise mem=" messages). */
u64 gmem_ram_top(const struct gmem *g);

/* Printable name of a slot kind. */
const char *gmem_kind_name(enum gmem_kind k);

/* Outcome of a nested page fault. */
enum gmem_fault_result {
	GMEM_FAULT_FIXED,     /* mapped: re-enter and retry the access */
	GMEM_FAULT_IGNORE,    /* write to ROM/hole: skip the instruction */
	GMEM_FAULT_NOSLOT,    /* address in no slot: kill the guest */
	GMEM_FAULT_NOMEM,     /* no host frame left: kill the guest */
};

/* Handle an EPT violation / nested page fault at a (write says whether the
 * access was a write): allocate and map a zeroed frame for RAM. */
enum gmem_fault_result gmem_fault(struct gmem *g, gpa_t a, bool write);

/* Host address backing guest RAM page a, allocating it (zeroed) when
 * absent; used by the loader, which populates only what it writes. Returns
 * E_RANGE outside RAM, E_NOMEM when out of frames. */
int gmem_backing(struct gmem *g, gpa_t a, hpa_t *out) __must_check;

/* Copy len bytes into guest RAM at a (populating pages as needed). */
int gmem_write(struct gmem *g, gpa_t a, const void *src, u64 len) __must_check;

/* Copy len bytes out of guest memory at a; absent RAM reads as zero
 * without being allocated. Returns E_RANGE outside RAM/ROM. */
int gmem_read(struct gmem *g, gpa_t a, void *dst, u64 len) __must_check;

#endif
