/* Guest page walk (SDM Vol. 3A chapter 4): one loop over the paging
 * structures of 32-bit paging (4.3), PAE paging (4.4) and 4-level paging
 * (4.5), driven by a small per-mode geometry, then the access-rights
 * check of 4.6. Never writes guest memory (no accessed/dirty updates). */
#include "core/gwalk.h"

#define CR0_WP    BIT(16)
#define CR0_PG    BIT(31)
#define CR4_PSE   BIT(4)
#define CR4_PAE   BIT(5)
#define CR4_LA57  BIT(12)
#define CR4_SMEP  BIT(20)
#define EFER_LMA  BIT(10)
#define EFER_NXE  BIT(11)

#define PTE_P     BIT(0)
#define PTE_RW    BIT(1)
#define PTE_US    BIT(2)
#define PTE_PS    BIT(7)
#define PTE_NX    BIT(63)
#define PTE_ADDR  0x000ffffffffff000ull   /* bits 51:12 (MAXPHYADDR <= 52) */

enum gw_mode { GW_32, GW_PAE, GW_LM };

/* Levels, entry size, index bits of the top level and of the others, and
 * the linear-address shift of the top level. */
static const struct geom {
	u8 levels, esize, top_bits, bits, top_shift;
} geoms[] = {
	[GW_32]  = { 2, 4, 10, 10, 22 },   /* Figure 4-2 */
	[GW_PAE] = { 3, 8, 2, 9, 30 },     /* Figure 4-5 */
	[GW_LM]  = { 4, 8, 9, 9, 39 },     /* Figure 4-8 */
};

struct walk {
	const struct gwalk_regs *regs;
	enum gw_mode mode;
	u32 access;
	gwalk_read_fn read;
	void *ctx;
	bool wr, us, nx;   /* rights accumulated over the levels so far */
};

/* May an entry at this level map a page (PS = 1)? (Tables 4-4, 4-9, 4-17) */
static bool ps_allowed(const struct walk *w, int level)
{
	switch (w->mode) {
	case GW_32: return level == 2 && (w->regs->cr4 & CR4_PSE);
	case GW_PAE: return level == 2;
	default: return level == 2 || level == 3;
	}
}

/* Reserved bits set in entry e at level (4.7 RSVD): NX without
 * EFER.NXE, PS where no page can be mapped, the PAE PDPTE's reserved
 * bits, and the must-be-zero address bits of a large page. */
static bool is_rsvd(const struct walk *w, int level, u64 e, unsigned shift, bool large)
{
	if (w->mode == GW_32)
		return large && (e & BIT(21));                 /* Table 4-4 */
	if ((e & PTE_NX) && !(w->regs->efer & EFER_NXE))
		return true;
	if (w->mode == GW_PAE && level == 3)
		return e & (BIT(1) | BIT(2) | 0x1e0 | PTE_NX);  /* Table 4-8 */
	if (level > 1 && (e & PTE_PS) && !ps_allowed(w, level))
		return true;                                    /* PML4E bit 7 */
	return large && (e & (BIT(shift) - 1) & ~(BIT(13) - 1));
}

/* Guest-physical address of la inside the page that leaf entry e maps. */
static u64 leaf_addr(const struct walk *w, u64 e, u64 la, unsigned shift)
{
	u64 off = la & (BIT(shift) - 1);
	if (w->mode != GW_32)
		return (e & PTE_ADDR & ~(BIT(shift) - 1)) | off;
	if (shift == 12)
		return (e & 0xfffff000ull) | off;
	/* 4 MiB page: bits 31:22, plus PSE-36 bits 39:32 from 20:13 (Table 4-4). */
	return (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32) | off;
}

/* Would the access be allowed with the accumulated rights (4.6)? */
static bool access_ok(const struct walk *w)
{
	bool user = w->access & GWALK_USER;
	if (user && !w->us)
		return false;
	if ((w->access & GWALK_WRITE) && !w->wr && (user || (w->regs->cr0 & CR0_WP)))
		return false;
	if (w->access & GWALK_FETCH) {
		if (w->nx)
			return false;
		if (!user && w->us && (w->regs->cr4 & CR4_SMEP))
			return false;
	}
	return true;
}

/* Record the #PF the guest would take (error code per 4.7). */
static int fault(const struct walk *w, struct gwalk_result *res, u32 bits)
{
	bool id = (w->regs->cr4 & CR4_SMEP) ||
		  (w->mode != GW_32 && (w->regs->efer & EFER_NXE));
	res->fault = true;
	res->pf_error = bits;
	if (w->access & GWALK_WRITE)
		res->pf_error |= GWALK_PF_W;
	if (w->access & GWALK_USER)
		res->pf_error |= GWALK_PF_U;
	if ((w->access & GWALK_FETCH) && id)
		res->pf_error |= GWALK_PF_ID;
	return E_NOENT;
}

/* Read the entry at index idx of the table at table. */
static int read_entry(const struct walk *w, u64 table, u64 idx, u64 *e)
{
	u8 esize = geoms[w->mode].esize;
	*e = 0;
	return w->read(w->ctx, gpa(table + idx * esize), e, esize);
}

/* Root table address from CR3 (4.3, 4.4.1, 4.5.2). */
static u64 root_table(const struct walk *w)
{
	u64 cr3 = w->regs->cr3;
	switch (w->mode) {
	case GW_32: return cr3 & 0xfffff000ull;
	case GW_PAE: return cr3 & 0xffffffe0ull;
	default: return cr3 & PTE_ADDR;
	}
}

/* Walk the levels from the root to the leaf for la. */
static int walk_levels(struct walk *w, u64 la, struct gwalk_result *res)
{
	const struct geom *g = &geoms[w->mode];
	u64 table = root_table(w), e;
	unsigned shift = g->top_shift, bits = g->top_bits;

	for (int level = g->levels; ; level--) {
		int r = read_entry(w, table, (la >> shift) & (BIT(bits) - 1), &e);
		if (r)
			return r;
		if (!(e & PTE_P))
			return fault(w, res, 0);
		bool large = level > 1 && (e & PTE_PS) && ps_allowed(w, level);
		if (is_rsvd(w, level, e, shift, large))
			return fault(w, res, GWALK_PF_P | GWALK_PF_RSVD);
		if (!(w->mode == GW_PAE && level == 3)) {   /* PDPTEs carry no rights */
			w->wr &= !!(e & PTE_RW);
			w->us &= !!(e & PTE_US);
		}
		w->nx |= w->mode != GW_32 && (e & PTE_NX);
		if (level == 1 || large) {
			if (!access_ok(w))
				return fault(w, res, GWALK_PF_P);
			res->gpa = gpa(leaf_addr(w, e, la, shift));
			res->page_size = BIT(shift);
			return 0;
		}
		table = w->mode == GW_32 ? (e & 0xfffff000ull) : (e & PTE_ADDR);
		shift -= g->bits;
		bits = g->bits;
	}
}

int gwalk(const struct gwalk_regs *regs, u64 la, u32 access, gwalk_read_fn read,
	  void *ctx, struct gwalk_result *res)
{
	struct walk w = { .regs = regs, .access = access, .read = read, .ctx = ctx,
			  .wr = true, .us = true, .nx = false };

	*res = (struct gwalk_result){ .page_size = PAGE_SIZE };
	if (!(regs->cr0 & CR0_PG)) {
		res->gpa = gpa(la & 0xffffffffull);
		return 0;
	}
	if (regs->efer & EFER_LMA) {
		if (regs->cr4 & CR4_LA57)
			return E_NOTSUP;
		if ((u64)((s64)(la << 16) >> 16) != la)
			return E_INVAL;                  /* non-canonical (3.3.7.1) */
		w.mode = GW_LM;
	} else {
		la &= 0xffffffffull;
		w.mode = (regs->cr4 & CR4_PAE) ? GW_PAE : GW_32;
	}
	return walk_levels(&w, la, res);
}
