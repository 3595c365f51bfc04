/* Reverse map (see mm/rmap.h): the mappers of a guest frame live in its
 * descriptor's data field, as one leaf hpa or, for several mappers, a heap
 * chain of leaf hpas, plus 20 spare aux bits. Also the audit
 * that checks one VM's EPT/NPT against the reverse map and frame ownership. */
#include "mm/rmap.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/pagestate.h"

#define RMAP_HPA_MASK ((1ull << RMAP_HPA_BITS) - 1)

/* Leaf hpas of a multi-mapper frame, in the order they were added. */
struct rmap_chain {
	u32 n, cap;
	u64 leaf[];
};

static struct frame *rmap_desc(hpa_t frame)
{
	struct frame *d = frame_desc(frame);
	ASSERT(d && d->state == FRAME_GUEST && IS_ALIGNED(frame.v, PAGE_SIZE));
	return d;
}

static u64 rmap_ref(const struct frame *d)
{
	return d->data & RMAP_HPA_MASK;
}

static void rmap_set_ref(struct frame *d, u64 ref)
{
	ASSERT((ref & ~RMAP_HPA_MASK) == 0);
	d->data = (d->data & ~RMAP_HPA_MASK) | ref;
}

static struct rmap_chain *rmap_chain(const struct frame *d)
{
	return (d->flags & FRAME_F_RMAP_CHAIN) ? hpa_to_ptr(hpa(rmap_ref(d))) : NULL;
}

/* The leaf hpas of d's mappers and their number; *single is the storage
 * for the single-mapper form. */
static const u64 *rmap_leaves(const struct frame *d, u64 *single, u32 *n)
{
	struct rmap_chain *c = rmap_chain(d);
	*single = rmap_ref(d);
	*n = c ? c->n : *single != 0;
	return c ? c->leaf : single;
}

/* The hpa of a level-1 leaf of an EPT/NPT table; panics on anything else. */
static u64 rmap_leaf_hpa(const u64 *leaf)
{
	hpa_t h = ptr_to_hpa(leaf);
	struct frame *t = frame_desc(h);
	ASSERT(IS_ALIGNED(h.v, sizeof(u64)) && h.v != 0 && (h.v & ~RMAP_HPA_MASK) == 0);
	ASSERT(t && t->state == FRAME_PT && t->flags == 1);
	return h.v;
}

static void rmap_entry_of(u64 leaf_hpa, struct rmap_entry *out)
{
	u64 *leaf = hpa_to_ptr(hpa(leaf_hpa));
	out->vm = frame_desc(hpa(leaf_hpa))->owner;
	out->gfn = gpa_to_gfn(gpa(pt_entry_to_va(leaf, NULL)));
	out->leaf = leaf;
}

void rmap_set(hpa_t frame, u64 *leaf)
{
	struct frame *d = rmap_desc(frame);
	u64 h = rmap_leaf_hpa(leaf);
	ASSERT(!(d->flags & FRAME_F_RMAP_CHAIN) && rmap_ref(d) == 0);
	rmap_set_ref(d, h);
}

/* Smallest capacity >= n whose chain fills a heap size class exactly. */
static u32 rmap_chain_cap(u32 n)
{
	u64 bytes = 32;
	while ((bytes - sizeof(struct rmap_chain)) / sizeof(u64) < n)
		bytes *= 2;
	return (u32)((bytes - sizeof(struct rmap_chain)) / sizeof(u64));
}

/* A new chain holding the n leaves of old plus room for one more. */
static struct rmap_chain *rmap_chain_grow(const u64 *old, u32 n)
{
	u32 cap = rmap_chain_cap(n + 1);
	struct rmap_chain *c = kmalloc(sizeof(*c) + cap * sizeof(u64));
	if (!c)
		return NULL;
	c->n = n;
	c->cap = cap;
	memcpy(c->leaf, old, n * sizeof(u64));
	return c;
}

int rmap_add_mapper(hpa_t frame, u64 *leaf)
{
	struct frame *d = rmap_desc(frame);
	u64 h = rmap_leaf_hpa(leaf);
	if (rmap_has_mapper(frame, leaf))
		panic("rmap: leaf 0x%lx already maps frame 0x%lx", (unsigned long)h,
		      (unsigned long)frame.v);
	if (!(d->flags & FRAME_F_RMAP_CHAIN) && rmap_ref(d) == 0) {
		rmap_set_ref(d, h);
		return E_OK;
	}
	struct rmap_chain *c = rmap_chain(d);
	if (!c || c->n == c->cap) {
		u64 single = rmap_ref(d);
		struct rmap_chain *g = c ? rmap_chain_grow(c->leaf, c->n) : rmap_chain_grow(&single, 1);
		if (!g)
			return E_NOMEM;
		kfree(c);
		c = g;
		d->flags |= FRAME_F_RMAP_CHAIN;
		rmap_set_ref(d, ptr_to_hpa(c).v);
	}
	c->leaf[c->n++] = h;
	return E_OK;
}

void rmap_remove(hpa_t frame, u64 *leaf)
{
	struct frame *d = rmap_desc(frame);
	u64 h = ptr_to_hpa(leaf).v;
	struct rmap_chain *c = rmap_chain(d);
	if (!c) {
		if (rmap_ref(d) != h || h == 0)
			panic("rmap: leaf 0x%lx does not map frame 0x%lx", (unsigned long)h,
			      (unsigned long)frame.v);
		rmap_set_ref(d, 0);
		return;
	}
	u32 i = 0;
	while (i < c->n && c->leaf[i] != h)
		i++;
	if (i == c->n)
		panic("rmap: leaf 0x%lx is not in the chain of frame 0x%lx", (unsigned long)h,
		      (unsigned long)frame.v);
	memmove(&c->leaf[i], &c->leaf[i + 1], (c->n - i - 1) * sizeof(u64));
	if (--c->n == 1) {
		u64 last = c->leaf[0];
		kfree(c);
		d->flags &= (u8)~FRAME_F_RMAP_CHAIN;
		rmap_set_ref(d, last);
	}
}

void rmap_clear(hpa_t frame)
{
	struct frame *d = rmap_desc(frame);
	kfree(rmap_chain(d));
	d->flags &= (u8)~FRAME_F_RMAP_CHAIN;
	rmap_set_ref(d, 0);
}

u32 rmap_count(hpa_t frame)
{
	u64 single;
	u32 n;
	rmap_leaves(rmap_desc(frame), &single, &n);
	return n;
}

bool rmap_has_mapper(hpa_t frame, const u64 *leaf)
{
	u64 single, h = ptr_to_hpa(leaf).v;
	u32 n;
	const u64 *leaves = rmap_leaves(rmap_desc(frame), &single, &n);
	for (u32 i = 0; i < n; i++)
		if (leaves[i] == h)
			return true;
	return false;
}

bool rmap_lookup(hpa_t frame, struct rmap_entry *out)
{
	u64 single;
	u32 n;
	const u64 *leaves = rmap_leaves(rmap_desc(frame), &single, &n);
	if (n == 0)
		return false;
	rmap_entry_of(leaves[0], out);
	return true;
}

int rmap_for_each(hpa_t frame, int (*fn)(const struct rmap_entry *e, void *ctx), void *ctx)
{
	u64 single;
	u32 n;
	const u64 *leaves = rmap_leaves(rmap_desc(frame), &single, &n);
	struct rmap_entry e;
	for (u32 i = 0; i < n; i++) {
		rmap_entry_of(leaves[i], &e);
		int rc = fn(&e, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

u64 rmap_aux(hpa_t frame)
{
	return rmap_desc(frame)->data >> RMAP_HPA_BITS;
}

void rmap_set_aux(hpa_t frame, u64 aux)
{
	struct frame *d = rmap_desc(frame);
	ASSERT(aux <= RMAP_AUX_MAX);
	d->data = rmap_ref(d) | (aux << RMAP_HPA_BITS);
}

/* ---- audit ---- */

struct rmap_audit {
	struct pt *tdp;
	u16 vm;
	const hpa_t *shared;
	size_t nshared;
	int problems;
};

static bool rmap_audit_is_shared(const struct rmap_audit *a, hpa_t f)
{
	for (size_t i = 0; i < a->nshared; i++)
		if (a->shared[i].v == f.v)
			return true;
	return false;
}

static void rmap_audit_fail(struct rmap_audit *a, const u64 *leaf, const char *what, u64 val)
{
	u64 gpa = leaf ? pt_entry_to_va(leaf, NULL) : 0;
	pr_err("rmap audit: vm %u gpa 0x%lx: %s (0x%lx)", a->vm, (unsigned long)gpa, what,
	       (unsigned long)val);
	a->problems++;
}

/* A guest frame named by a leaf: exists, FRAME_GUEST, owned by the VM. */
static bool rmap_audit_frame_ok(struct rmap_audit *a, const u64 *leaf, hfn_t fn)
{
	struct frame *d = frame_desc(hfn_to_hpa(fn));
	if (d && d->state == FRAME_GUEST && d->owner == a->vm)
		return true;
	rmap_audit_fail(a, leaf, d ? "frame not a guest frame of this vm" : "frame beyond RAM",
			hfn_to_hpa(fn).v);
	return false;
}

static void rmap_audit_leaf(struct rmap_audit *a, u64 *leaf)
{
	struct pagestate_info in = pagestate_decode(a->tdp->fmt, *leaf);
	switch (in.state) {
	case PAGESTATE_NOT_PRESENT:
	case PAGESTATE_SWAPPED:
		return;
	case PAGESTATE_INVALID:
		rmap_audit_fail(a, leaf, "invalid leaf", *leaf);
		return;
	case PAGESTATE_PROTECTED:
		/* Access taken away to sample a reference: still its frame. */
		if (rmap_audit_frame_ok(a, leaf, in.frame) &&
		    !rmap_has_mapper(hfn_to_hpa(in.frame), leaf))
			rmap_audit_fail(a, leaf, "rmap of the protected frame misses this leaf",
					hfn_to_hpa(in.frame).v);
		return;
	case PAGESTATE_WRITEBACK:
	case PAGESTATE_SWAPIN:
		/* The frame under I/O keeps exactly this leaf as its mapper, so
		 * the completion (or a fault taking it back) finds the leaf. */
		if (!rmap_audit_frame_ok(a, leaf, in.frame))
			return;
		if (!(frame_desc(hfn_to_hpa(in.frame))->flags & FRAME_F_PINNED))
			rmap_audit_fail(a, leaf, "frame under I/O is not pinned",
					hfn_to_hpa(in.frame).v);
		else if (rmap_count(hfn_to_hpa(in.frame)) != 1 ||
			 !rmap_has_mapper(hfn_to_hpa(in.frame), leaf))
			rmap_audit_fail(a, leaf, "frame under I/O does not map back to its leaf",
					hfn_to_hpa(in.frame).v);
		return;
	case PAGESTATE_RESIDENT:
		if (!rmap_audit_frame_ok(a, leaf, in.frame))
			return;
		if (rmap_audit_is_shared(a, hfn_to_hpa(in.frame)))
			return;
		if (!rmap_has_mapper(hfn_to_hpa(in.frame), leaf))
			rmap_audit_fail(a, leaf, "rmap of the mapped frame misses this leaf",
					hfn_to_hpa(in.frame).v);
		return;
	default:
		rmap_audit_fail(a, leaf, "unknown state", in.state);
	}
}

/* Every entry of the table at `level`: recurse into tables, check leaves. */
static void rmap_audit_table(struct rmap_audit *a, hpa_t table, int level)
{
	u64 *e = hpa_to_ptr(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if (level == 1) {
			rmap_audit_leaf(a, &e[i]);
		} else if (pt_entry_is_present(a->tdp, e[i])) {
			if (e[i] & a->tdp->fmt->ps_bit)
				rmap_audit_fail(a, &e[i], "large leaf (not reverse-mapped)", e[i]);
			else
				rmap_audit_table(a, pt_entry_addr(a->tdp, e[i], 1), level - 1);
		} else if (e[i] != 0) {
			rmap_audit_fail(a, &e[i], "non-present entry above level 1", e[i]);
		}
	}
}

/* A leaf named by the rmap of frame f: a present level-1 leaf in a table of
 * this VM that maps f. */
static void rmap_audit_mapper(struct rmap_audit *a, hpa_t f, u64 leaf_hpa)
{
	struct frame *t = frame_desc(hpa(leaf_hpa));
	if (!t || t->state != FRAME_PT || t->flags != 1 || t->owner != a->vm) {
		pr_err("rmap audit: vm %u frame 0x%lx: rmap names 0x%lx, not a leaf of this vm",
		       a->vm, (unsigned long)f.v, (unsigned long)leaf_hpa);
		a->problems++;
		return;
	}
	u64 *leaf = hpa_to_ptr(hpa(leaf_hpa));
	struct pagestate_info in = pagestate_decode(a->tdp->fmt, *leaf);
	bool in_io = in.state == PAGESTATE_WRITEBACK || in.state == PAGESTATE_SWAPIN ||
		     in.state == PAGESTATE_PROTECTED;
	if (in_io && in.frame.v == f.v >> PAGE_SHIFT)
		return;
	if (!pt_entry_is_present(a->tdp, *leaf))
		rmap_audit_fail(a, leaf, "rmap names a non-present leaf", *leaf);
	else if (pt_entry_addr(a->tdp, *leaf, 1).v != f.v)
		rmap_audit_fail(a, leaf, "rmap names a leaf mapping another frame", *leaf);
}

/* Scan every descriptor for the VM's guest frames and check their mappers. */
static void rmap_audit_frames(struct rmap_audit *a)
{
	struct frame *d;
	for (u64 i = 0; (d = frame_desc_by_index(i)) != NULL; i++) {
		if (d->state != FRAME_GUEST || d->owner != a->vm)
			continue;
		u64 single;
		u32 n;
		const u64 *leaves = rmap_leaves(d, &single, &n);
		for (u32 k = 0; k < n; k++)
			rmap_audit_mapper(a, hpa(i << PAGE_SHIFT), leaves[k]);
	}
}

int rmap_audit(struct pt *tdp, u16 vm_id, const hpa_t *shared, size_t nshared)
{
	struct rmap_audit a = { tdp, vm_id, shared, nshared, 0 };
	if (frame_is_valid(tdp->root))
		rmap_audit_table(&a, tdp->root, tdp->fmt->levels);
	rmap_audit_frames(&a);
	if (a.problems)
		pr_err("rmap audit: vm %u: %d problem(s)", vm_id, a.problems);
	return a.problems;
}
