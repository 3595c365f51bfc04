/* Guest memory slots and demand allocation (see mm/gmem.h). RAM starts
 * unbacked; the first touch maps a zeroed host frame and records the leaf
 * that maps it in the reverse map (mm/rmap.h).
 * The VGA hole maps one all-ones frame read-only; ROM pages appear zeroed
 * and read-only on first read. Writes to either are ignored by the caller. */
#include "mm/gmem.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/rmap.h"

#define GMEM_MAX_RAM (1ull << 46)

static void gmem_add_slot(struct gmem *g, u64 base, u64 end, enum gmem_kind kind)
{
	if (end <= base)
		return;
	ASSERT(g->nslots < GMEM_MAX_SLOTS);
	g->slots[g->nslots++] = (struct gmem_slot){ gpa(base), end - base, kind };
	if (kind == GMEM_RAM)
		g->ram_size += end - base;
}

/* Map the shared all-ones frame read-only over the whole hole. */
static int gmem_map_hole(struct gmem *g)
{
	g->ones_frame = frame_alloc(FRAME_GUEST, g->owner);
	if (!frame_is_valid(g->ones_frame))
		return E_NOMEM;
	memset(hpa_to_ptr(g->ones_frame), 0xff, PAGE_SIZE);
	frame_desc(g->ones_frame)->flags |= FRAME_F_PINNED;   /* shared, not reverse-mapped */
	for (u64 a = GMEM_PC_LOW_RAM_END; a < GMEM_PC_HOLE_END; a += PAGE_SIZE) {
		int rc = pt_map(g->tdp, a, g->ones_frame, PAGE_SIZE, PT_R);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int gmem_init_pc(struct gmem *g, struct pt *tdp, u16 owner, u64 ram)
{
	if (ram < 2 * MiB || !IS_ALIGNED(ram, PAGE_SIZE) || ram > GMEM_MAX_RAM)
		return E_INVAL;
	memset(g, 0, sizeof(*g));
	g->tdp = tdp;
	g->owner = owner;
	g->ones_frame = hpa(FRAME_INVALID);
	gmem_add_slot(g, 0, GMEM_PC_LOW_RAM_END, GMEM_RAM);
	gmem_add_slot(g, GMEM_PC_LOW_RAM_END, GMEM_PC_HOLE_END, GMEM_HOLE);
	gmem_add_slot(g, GMEM_PC_HOLE_END, GMEM_PC_ROM_END, GMEM_ROM);
	gmem_add_slot(g, GMEM_PC_ROM_END, MIN(ram, GMEM_PC_MMIO_START), GMEM_RAM);
	if (ram > GMEM_PC_MMIO_START)
		gmem_add_slot(g, GMEM_PC_HIGH_START,
			      GMEM_PC_HIGH_START + ram - GMEM_PC_MMIO_START, GMEM_RAM);
	int rc = gmem_map_hole(g);
	if (rc < 0)
		gmem_destroy(g);
	return rc;
}

const struct gmem_slot *gmem_slot_find(const struct gmem *g, gpa_t a)
{
	for (size_t i = 0; i < g->nslots; i++) {
		const struct gmem_slot *s = &g->slots[i];
		if (a.v >= s->base.v && a.v - s->base.v < s->size)
			return s;
	}
	return NULL;
}

const char *gmem_kind_name(enum gmem_kind k)
{
	static const char *const names[] = {
		[GMEM_NONE] = "none", [GMEM_RAM] = "ram", [GMEM_ROM] = "rom", [GMEM_HOLE] = "hole",
	};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

/* Free every guest frame mapped by the tree below table (at level, mapping
 * guest-physical addresses from base), except the shared all-ones frame,
 * which gmem_destroy frees once. Only RAM frames came through the hooks
 * (ROM frames come from the frame allocator): only they go back through
 * frame_released. */
static void gmem_free_leaves(struct gmem *g, hpa_t table, int level, u64 base)
{
	u64 *e = hpa_to_ptr(table);
	u64 span = PAGE_SIZE << (9 * (level - 1));
	for (int i = 0; i < PT_ENTRIES; i++) {
		if (!pt_entry_is_present(g->tdp, e[i]))
			continue;
		bool leaf = level == 1 || (e[i] & g->tdp->fmt->ps_bit);
		hpa_t a = pt_entry_addr(g->tdp, e[i], leaf ? level : 1);
		u64 at = base + (u64)i * span;
		if (!leaf)
			gmem_free_leaves(g, a, level - 1, at);
		else if (a.v != g->ones_frame.v && level == 1) {
			const struct gmem_slot *s = gmem_slot_find(g, gpa(at));
			if (s && s->kind == GMEM_RAM && g->hooks && g->hooks->frame_released)
				g->hooks->frame_released(g, a);
			rmap_clear(a);
			frame_free(a);
		}
	}
}

void gmem_destroy(struct gmem *g)
{
	if (g->tdp && frame_is_valid(g->tdp->root))
		gmem_free_leaves(g, g->tdp->root, g->tdp->fmt->levels, 0);
	if (frame_is_valid(g->ones_frame))
		frame_free(g->ones_frame);
	g->ones_frame = hpa(FRAME_INVALID);
	g->resident_pages = 0;
}

/* Map f at page a with flags and record the reverse map. */
static int gmem_map(struct gmem *g, gpa_t a, hpa_t f, unsigned flags)
{
	int level;
	int rc = pt_map(g->tdp, ALIGN_DOWN(a.v, PAGE_SIZE), f, PAGE_SIZE, flags);
	if (rc < 0)
		return rc;
	u64 *leaf = pt_walk(g->tdp, ALIGN_DOWN(a.v, PAGE_SIZE), &level, false);
	ASSERT(leaf && level == 1);
	rmap_set(f, leaf);
	if (flags & PT_W) {
		g->resident_pages++;
		if (g->hooks && g->hooks->frame_mapped)
			g->hooks->frame_mapped(g, f);
	}
	return 0;
}

int gmem_map_frame(struct gmem *g, gpa_t a, hpa_t f)
{
	return gmem_map(g, a, f, PT_R | PT_W | PT_X);
}

u64 *gmem_leaf(struct gmem *g, gpa_t a)
{
	int level;
	u64 *leaf = pt_walk(g->tdp, ALIGN_DOWN(a.v, PAGE_SIZE), &level, false);
	return leaf && level == 1 ? leaf : NULL;
}

/* Map a fresh zeroed frame at page a with flags; ROM frames come from the
 * frame allocator, RAM frames through the hooks (the pager). */
static int gmem_populate(struct gmem *g, gpa_t a, unsigned flags, hpa_t *out)
{
	bool ram = flags & PT_W;
	hpa_t f = ram && g->hooks ? g->hooks->alloc_frame(g) :
		  frame_alloc_zeroed(FRAME_GUEST, g->owner);
	if (!frame_is_valid(f))
		return E_NOMEM;
	int rc = gmem_map(g, a, f, flags);
	if (rc < 0) {
		if (ram && g->hooks && g->hooks->frame_released)
			g->hooks->frame_released(g, f);
		frame_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* The frame mapped at page a, if any. A page the pager holds elsewhere
 * (a non-zero, non-present leaf) is brought back first through the hook. */
static bool gmem_lookup(struct gmem *g, gpa_t a, hpa_t *out)
{
	unsigned flags;
	hpa_t pa;
	if (pt_translate(g->tdp, ALIGN_DOWN(a.v, PAGE_SIZE), &pa, &flags) == 0) {
		*out = pa;
		return true;
	}
	u64 *leaf = gmem_leaf(g, a);
	if (!leaf || !*leaf || !g->hooks || !g->hooks->make_resident ||
	    g->hooks->make_resident(g, a) < 0)
		return false;
	if (pt_translate(g->tdp, ALIGN_DOWN(a.v, PAGE_SIZE), &pa, &flags) < 0)
		return false;
	*out = pa;
	return true;
}

static unsigned gmem_kind_flags(enum gmem_kind k)
{
	return k == GMEM_RAM ? PT_R | PT_W | PT_X : PT_R | PT_X;
}

enum gmem_fault_result gmem_fault(struct gmem *g, gpa_t a, bool write)
{
	const struct gmem_slot *s = gmem_slot_find(g, a);
	hpa_t f;
	if (!s)
		return GMEM_FAULT_NOSLOT;
	if (s->kind != GMEM_RAM && write)
		return GMEM_FAULT_IGNORE;
	if (gmem_lookup(g, a, &f))
		return GMEM_FAULT_FIXED;   /* mapped meanwhile: retry */
	if (gmem_populate(g, a, gmem_kind_flags(s->kind), &f) < 0)
		return GMEM_FAULT_NOMEM;
	if (s->kind == GMEM_RAM)
		g->demand_faults++;
	return GMEM_FAULT_FIXED;
}

int gmem_backing(struct gmem *g, gpa_t a, hpa_t *out)
{
	const struct gmem_slot *s = gmem_slot_find(g, a);
	if (!s || (s->kind != GMEM_RAM && s->kind != GMEM_ROM))
		return E_RANGE;
	if (gmem_lookup(g, a, out))
		return 0;
	return gmem_populate(g, a, gmem_kind_flags(s->kind), out);
}

int gmem_write(struct gmem *g, gpa_t a, const void *src, u64 len)
{
	const u8 *p = src;
	while (len) {
		u64 off = a.v & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		hpa_t f;
		int rc = gmem_backing(g, a, &f);
		if (rc < 0)
			return rc;
		memcpy((u8 *)hpa_to_ptr(f) + off, p, n);
		p += n;
		len -= n;
		a.v += n;
	}
	return 0;
}

int gmem_read(struct gmem *g, gpa_t a, void *dst, u64 len)
{
	u8 *p = dst;
	while (len) {
		u64 off = a.v & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		const struct gmem_slot *s = gmem_slot_find(g, a);
		hpa_t f;
		if (!s)
			return E_RANGE;
		if (gmem_lookup(g, a, &f)) {
			memcpy(p, (u8 *)hpa_to_ptr(f) + off, n);
		} else {
			u64 *leaf = gmem_leaf(g, a);
			if (leaf && *leaf && s->kind == GMEM_RAM)
				return E_NOMEM;   /* held by the pager, could not come back */
			memset(p, s->kind == GMEM_HOLE ? 0xff : 0, n);
		}
		p += n;
		len -= n;
		a.v += n;
	}
	return 0;
}

u64 gmem_ram_top(const struct gmem *g)
{
	u64 top = 0;
	for (size_t i = 0; i < g->nslots; i++)
		if (g->slots[i].kind == GMEM_RAM)
			top = MAX(top, g->slots[i].base.v + g->slots[i].size);
	return top;
}
