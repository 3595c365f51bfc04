/* Entry formats of the page-table engine: the host x86-64, Intel EPT and AMD
 * NPT descriptors, and the helpers that encode and decode one entry (leaf
 * bits, generic flags, accessed/dirty, software swap entries) for any of
 * them. The tree walking itself lives in mm/pt.c. */
#include "core/types.h"
#include "core/addr.h"
#include "core/panic.h"
#include "mm/frame.h"
#include "mm/pt.h"

/* x86-64 4-level paging entry bits (SDM Vol. 3A 4.5, APM Vol. 2 5.3). */
#define X86_P    BIT(0)
#define X86_RW   BIT(1)
#define X86_US   BIT(2)
#define X86_PWT  BIT(3)
#define X86_PCD  BIT(4)
#define X86_A    BIT(5)
#define X86_D    BIT(6)
#define X86_PS   BIT(7)
#define X86_G    BIT(8)
#define X86_NX   BIT(63)   /* needs EFER.NXE (for NPT: the host's EFER.NXE) */

/* EPT entry bits (SDM Vol. 3C 29.3.2; memory type 29.3.7; A/D 29.3.5). */
#define EPT_R     BIT(0)
#define EPT_W     BIT(1)
#define EPT_X     BIT(2)
#define EPT_MT(t) ((u64)(t) << 3)   /* leaf memory type, bits 5:3 */
#define EPT_IPAT  BIT(6)
#define EPT_PS    BIT(7)
#define EPT_A     BIT(8)
#define EPT_D     BIT(9)
#define EPT_UX    BIT(10)           /* user exec with mode-based exec control */
#define EPT_MT_UC 0
#define EPT_MT_WB 6

#define PT_ADDR_MASK 0x000ffffffffff000ull   /* bits 51:12 */

/*
 * Software non-present entries. x86: P = 0 makes every other bit ignored
 * (SDM Vol. 3A 4.5). EPT: not present when bits 2:0 are 0 and, with
 * mode-based execute control, bit 10 is 0 (SDM Vol. 3C 29.3.2); bit 63
 * (suppress #VE) is kept clear, #VE is never enabled. So: marker in bit 11,
 * value in bits 51:12, for all three formats.
 */
#define PT_SWAP_MARK  BIT(11)
#define PT_SWAP_SHIFT 12
#define PT_SWAP_MASK  (PT_SWAP_MAX << PT_SWAP_SHIFT)
_Static_assert((PT_SWAP_MASK & ~PT_ADDR_MASK) == 0, "swap value in bits 51:12");
_Static_assert(((PT_SWAP_MARK | PT_SWAP_MASK) & (X86_P | EPT_R | EPT_W | EPT_X | EPT_UX)) == 0,
	       "swap entries are not present in any format");

/* Default PAT (SDM Vol. 3A 13.12.4): index 0 = WB, index 3 (PCD|PWT) = UC,
 * for 4 KiB and large leaves alike since the PAT bit stays 0. */
const struct pt_format pt_fmt_host = {
	.name = "x86-64", .levels = 4, .max_leaf_level = 3,
	.nx = true, .has_r = false, .ad_always = true, .canonical = true,
	.present = X86_P, .r_bit = X86_P, .w_bit = X86_RW, .x_bit = X86_NX,
	.u_bit = X86_US, .g_bit = X86_G, .a_bit = X86_A, .d_bit = X86_D,
	.ps_bit = X86_PS, .addr_mask = PT_ADDR_MASK,
	.table_bits = X86_P | X86_RW | X86_US,   /* the leaf decides U/W/X */
	.leaf_bits = 0,
	.mt_mask = X86_PWT | X86_PCD, .mt_wb = 0, .mt_uc = X86_PWT | X86_PCD,
	.swap_mark = PT_SWAP_MARK, .swap_mask = PT_SWAP_MASK, .swap_shift = PT_SWAP_SHIFT,
};

/* NPT: the x86-64 format, but every access through a nested table is a
 * user access, so U must be set at every level (APM Vol. 2 15.25.5).
 * Memory type comes from the host PAT as for host paging (15.25.8). */
const struct pt_format pt_fmt_npt = {
	.name = "npt", .levels = 4, .max_leaf_level = 3,
	.nx = true, .has_r = false, .ad_always = true, .canonical = false,
	.present = X86_P, .r_bit = X86_P, .w_bit = X86_RW, .x_bit = X86_NX,
	.u_bit = X86_US, .g_bit = 0, .a_bit = X86_A, .d_bit = X86_D,
	.ps_bit = X86_PS, .addr_mask = PT_ADDR_MASK,
	.table_bits = X86_P | X86_RW | X86_US,
	.leaf_bits = X86_US,
	.mt_mask = X86_PWT | X86_PCD, .mt_wb = 0, .mt_uc = X86_PWT | X86_PCD,
	.swap_mark = PT_SWAP_MARK, .swap_mask = PT_SWAP_MASK, .swap_shift = PT_SWAP_SHIFT,
};

/* EPT: leaves carry their memory type with IPAT clear, so the guest PAT
 * still refines it (SDM Vol. 3C 29.3.7.2). A/D only if EPTP bit 6 is set. */
const struct pt_format pt_fmt_ept = {
	.name = "ept", .levels = 4, .max_leaf_level = 3,
	.nx = false, .has_r = true, .ad_always = false, .canonical = false,
	.present = EPT_R | EPT_W | EPT_X, .r_bit = EPT_R, .w_bit = EPT_W,
	.x_bit = EPT_X, .u_bit = 0, .g_bit = 0, .a_bit = EPT_A, .d_bit = EPT_D,
	.ps_bit = EPT_PS, .addr_mask = PT_ADDR_MASK,
	.table_bits = EPT_R | EPT_W | EPT_X,
	.leaf_bits = 0,
	.mt_mask = EPT_MT(7) | EPT_IPAT, .mt_wb = EPT_MT(EPT_MT_WB), .mt_uc = EPT_MT(EPT_MT_UC),
	.swap_mark = PT_SWAP_MARK, .swap_mask = PT_SWAP_MASK, .swap_shift = PT_SWAP_SHIFT,
};

u64 pt_make_leaf(const struct pt *pt, hpa_t pa, int level, unsigned flags)
{
	const struct pt_format *f = pt->fmt;
	ASSERT(level >= 1 && level <= f->max_leaf_level);
	ASSERT((pa.v & ~f->addr_mask) == 0 && IS_ALIGNED(pa.v, pt_level_size(level)));
	u64 e = pa.v | f->leaf_bits | ((flags & PT_UC) ? f->mt_uc : f->mt_wb);
	if ((flags & PT_R) || !f->has_r)
		e |= f->r_bit;
	if (flags & PT_W)
		e |= f->w_bit;
	if (!(flags & PT_X) == f->nx)
		e |= f->x_bit;
	if (flags & PT_U)
		e |= f->u_bit;
	if (flags & PT_G)
		e |= f->g_bit;
	if (level > 1)
		e |= f->ps_bit;
	return e;
}

bool pt_entry_is_present(const struct pt *pt, u64 e)
{
	return (e & pt->fmt->present) != 0;
}

hpa_t pt_entry_addr(const struct pt *pt, u64 e, int level)
{
	return hpa(e & pt->fmt->addr_mask & ~(pt_level_size(level) - 1));
}

unsigned pt_entry_flags(const struct pt *pt, u64 e)
{
	const struct pt_format *f = pt->fmt;
	unsigned fl = 0;
	if (!pt_entry_is_present(pt, e))
		return 0;
	if (!f->has_r || (e & f->r_bit))
		fl |= PT_R;
	if (e & f->w_bit)
		fl |= PT_W;
	if (!(e & f->x_bit) == f->nx)
		fl |= PT_X;
	if (e & f->u_bit)
		fl |= PT_U;
	if (e & f->g_bit)
		fl |= PT_G;
	if ((e & f->mt_mask) == f->mt_uc)
		fl |= PT_UC;
	if (e & f->a_bit)
		fl |= PT_ACCESSED;
	if (e & f->d_bit)
		fl |= PT_DIRTY;
	return fl;
}

static void pt_assert_ad(const struct pt *pt)
{
	if (!pt->ad_enabled)
		panic("pt: %s tree used for A/D tracking without A/D enabled", pt->fmt->name);
}

bool pt_is_accessed(const struct pt *pt, const u64 *entry)
{
	pt_assert_ad(pt);
	return (__atomic_load_n(entry, __ATOMIC_RELAXED) & pt->fmt->a_bit) != 0;
}

bool pt_is_dirty(const struct pt *pt, const u64 *entry)
{
	pt_assert_ad(pt);
	return (__atomic_load_n(entry, __ATOMIC_RELAXED) & pt->fmt->d_bit) != 0;
}

bool pt_test_and_clear_accessed(const struct pt *pt, u64 *entry)
{
	pt_assert_ad(pt);
	return (__atomic_fetch_and(entry, ~pt->fmt->a_bit, __ATOMIC_SEQ_CST) & pt->fmt->a_bit) != 0;
}

bool pt_test_and_clear_dirty(const struct pt *pt, u64 *entry)
{
	pt_assert_ad(pt);
	return (__atomic_fetch_and(entry, ~pt->fmt->d_bit, __ATOMIC_SEQ_CST) & pt->fmt->d_bit) != 0;
}

u64 pt_make_swap_entry(const struct pt_format *fmt, u64 value)
{
	ASSERT(value <= PT_SWAP_MAX);
	u64 e = fmt->swap_mark | (value << fmt->swap_shift);
	ASSERT((e & fmt->present) == 0 && (e & ~(fmt->swap_mark | fmt->swap_mask)) == 0);
	return e;
}

bool pt_is_swap_entry(const struct pt_format *fmt, u64 e)
{
	return (e & fmt->present) == 0 && (e & fmt->swap_mark) != 0;
}

u64 pt_swap_entry_value(const struct pt_format *fmt, u64 e)
{
	ASSERT(pt_is_swap_entry(fmt, e));
	return (e & fmt->swap_mask) >> fmt->swap_shift;
}

u64 pt_entry_to_va(const u64 *entry, int *level_out)
{
	hpa_t h = ptr_to_hpa(entry);
	struct frame *f = frame_desc(h);
	ASSERT(f && f->state == FRAME_PT && f->flags >= 1 && f->flags <= PT_LEVELS);
	u64 index = (h.v & (PAGE_SIZE - 1)) / sizeof(u64);
	if (level_out)
		*level_out = f->flags;
	return (f->data << PAGE_SHIFT) + index * pt_level_size(f->flags);
}
