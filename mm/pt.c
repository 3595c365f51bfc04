/* The page-table engine's tree operations: walking, mapping, unmapping,
 * protecting and destroying 4-level trees of any format in mm/pt_formats.c.
 * Table frames come from mm/frame.c and record in their descriptor the
 * level and the first address they cover (see pt_entry_to_va()). */
#include "core/types.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/frame.h"
#include "mm/pt.h"

#define PT_VA_MASK ((1ull << PT_VA_BITS) - 1)

static unsigned pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static bool pt_is_large(const struct pt *pt, u64 e, int level)
{
	return level > 1 && level <= pt->fmt->max_leaf_level && (e & pt->fmt->ps_bit);
}

static bool pt_is_table(const struct pt *pt, u64 e, int level)
{
	return level > 1 && pt_entry_is_present(pt, e) && !pt_is_large(pt, e, level);
}

static void pt_write(u64 *e, u64 v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* Leaf level for a page size, or 0 if size is not 4K/2M/1G. */
static int pt_size_level(const struct pt *pt, u64 size)
{
	for (int l = 1; l <= pt->fmt->max_leaf_level; l++)
		if (size == pt_level_size(l))
			return l;
	return 0;
}

static bool pt_va_ok(const struct pt *pt, u64 va)
{
	if (pt->fmt->canonical)
		return (u64)((s64)(va << 16) >> 16) == va;
	return va <= PT_VA_MASK;
}

/* [va, va+len) is non-empty and valid; a canonical range stays in one half. */
static bool pt_range_ok(const struct pt *pt, u64 va, u64 len)
{
	u64 last = va + len - 1;
	if (len == 0 || last < va || !pt_va_ok(pt, va) || !pt_va_ok(pt, last))
		return false;
	return !pt->fmt->canonical || ((va ^ last) >> (PT_VA_BITS - 1)) == 0;
}

static bool pt_flags_ok(const struct pt *pt, unsigned flags)
{
	if (flags & ~PT_MAP_FLAGS)
		return false;
	if (!pt->fmt->has_r)
		return (flags & PT_R) != 0;
	/* EPT: W without R is a misconfiguration (SDM Vol. 3C 29.3.3.1). */
	return (flags & (PT_R | PT_W | PT_X)) != 0 && !((flags & PT_W) && !(flags & PT_R));
}

static u64 *pt_new_table(struct pt *pt, u64 *parent, u64 va, int level)
{
	hpa_t t = frame_alloc_zeroed(FRAME_PT, pt->owner);
	if (!frame_is_valid(t))
		return NULL;
	struct frame *f = frame_desc(t);
	f->flags = (u8)level;
	f->data = (va & PT_VA_MASK & ~(pt_level_size(level + 1) - 1)) >> PAGE_SHIFT;
	pt_write(parent, t.v | pt->fmt->table_bits);
	return hpa_to_ptr(t);
}

/*
 * Descend toward the entry for va at `target` level. Stops early at a large
 * leaf or, unless create is set, at a non-present entry above target; a
 * non-zero non-present entry above target is never replaced. Returns the
 * entry it stopped at (level in *level), NULL if a table could not be
 * allocated.
 */
static u64 *pt_descend(struct pt *pt, u64 va, int target, int *level, bool create)
{
	u64 *table = hpa_to_ptr(pt->root);
	for (int l = pt->fmt->levels;; l--) {
		u64 *e = &table[pt_index(va, l)];
		u64 v = *e;
		*level = l;
		if (l == target || pt_is_large(pt, v, l))
			return e;
		if (pt_entry_is_present(pt, v)) {
			table = hpa_to_ptr(hpa(v & pt->fmt->addr_mask));
			continue;
		}
		if (!create || v != 0)
			return create ? NULL : e;
		table = pt_new_table(pt, e, va, l - 1);
		if (!table)
			return NULL;
	}
}

/* E_OK if a leaf at `level` for va could be written without replacing
 * anything, E_EXIST otherwise. */
static int pt_slot_check(struct pt *pt, u64 va, int level)
{
	int l;
	u64 *e = pt_descend(pt, va, level, &l, false);
	return *e == 0 ? E_OK : E_EXIST;
}

int pt_create(struct pt *pt, const struct pt_format *fmt, u16 owner)
{
	hpa_t root = frame_alloc_zeroed(FRAME_PT, owner);
	if (!frame_is_valid(root))
		return E_NOMEM;
	struct frame *f = frame_desc(root);
	f->flags = fmt->levels;
	f->data = 0;
	pt->fmt = fmt;
	pt->root = root;
	pt->ad_enabled = fmt->ad_always;
	pt->owner = owner;
	return E_OK;
}

void pt_set_ad(struct pt *pt, bool enabled)
{
	ASSERT(pt->fmt->a_bit != 0);
	pt->ad_enabled = enabled || pt->fmt->ad_always;
}

static void pt_free_table(struct pt *pt, hpa_t t, int level)
{
	u64 *table = hpa_to_ptr(t);
	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (pt_is_table(pt, table[i], level))
			pt_free_table(pt, hpa(table[i] & pt->fmt->addr_mask), level - 1);
	frame_free(t);
}

void pt_destroy(struct pt *pt)
{
	if (!frame_is_valid(pt->root))
		return;
	pt_free_table(pt, pt->root, pt->fmt->levels);
	pt->root = hpa(FRAME_INVALID);
}

u64 *pt_walk(struct pt *pt, u64 va, int *level_out, bool create)
{
	int l;
	if (!pt_va_ok(pt, va))
		return NULL;
	u64 *e = pt_descend(pt, va, 1, &l, create);
	if (!e || (l > 1 && !pt_entry_is_present(pt, *e)))
		return NULL;
	if (level_out)
		*level_out = l;
	return e;
}

static bool pt_map_args_ok(struct pt *pt, u64 va, hpa_t pa, u64 size, unsigned flags)
{
	return IS_ALIGNED(va, size) && IS_ALIGNED(pa.v, size) && pt_range_ok(pt, va, size) &&
	       (pa.v & ~pt->fmt->addr_mask) == 0 && pt_flags_ok(pt, flags);
}

int pt_map(struct pt *pt, u64 va, hpa_t pa, u64 size, unsigned flags)
{
	int level = pt_size_level(pt, size), l;
	if (!level || !pt_map_args_ok(pt, va, pa, size, flags))
		return E_INVAL;
	int err = pt_slot_check(pt, va, level);
	if (err)
		return err;
	u64 *e = pt_descend(pt, va, level, &l, true);
	if (!e)
		return E_NOMEM;
	ASSERT(l == level && *e == 0);
	pt_write(e, pt_make_leaf(pt, pa, level, flags));
	return E_OK;
}

/* Largest leaf for the next piece of a range. */
static u64 pt_chunk(u64 va, u64 pa, u64 left, u64 max)
{
	for (u64 s = max; s > PT_SIZE_4K; s >>= 9)
		if (IS_ALIGNED(va | pa, s) && left >= s)
			return s;
	return PT_SIZE_4K;
}

int pt_map_range(struct pt *pt, u64 va, hpa_t pa, u64 len, unsigned flags, u64 max_page_size)
{
	if (!pt_size_level(pt, max_page_size) || !IS_ALIGNED(len, PT_SIZE_4K) ||
	    !pt_map_args_ok(pt, va, pa, PT_SIZE_4K, flags) || !pt_range_ok(pt, va, len) ||
	    pa.v + len < pa.v || ((pa.v + len - 1) & ~pt->fmt->addr_mask & ~(PAGE_SIZE - 1)))
		return E_INVAL;
	u64 off, s;
	for (off = 0; off < len; off += s) {
		s = pt_chunk(va + off, pa.v + off, len - off, max_page_size);
		if (pt_slot_check(pt, va + off, pt_size_level(pt, s)))
			return E_EXIST;
	}
	for (off = 0; off < len; off += s) {
		s = pt_chunk(va + off, pa.v + off, len - off, max_page_size);
		int err = pt_map(pt, va + off, hpa(pa.v + off), s, flags);
		if (err) {
			for (u64 undo = 0, us; undo < off; undo += us) {
				us = pt_chunk(va + undo, pa.v + undo, len - undo, max_page_size);
				ASSERT(pt_unmap(pt, va + undo, us) == E_OK);
			}
			return err;
		}
	}
	return E_OK;
}

int pt_unmap(struct pt *pt, u64 va, u64 size)
{
	int level = pt_size_level(pt, size), l;
	if (!level || !IS_ALIGNED(va, size) || !pt_range_ok(pt, va, size))
		return E_INVAL;
	u64 *e = pt_descend(pt, va, level, &l, false);
	if (!pt_entry_is_present(pt, *e))
		return E_NOENT;
	if (l != level || pt_is_table(pt, *e, l)) {
		pr_debug("pt: unmap of %llu bytes at 0x%llx refused: covered by a leaf of "
			 "another size (no splitting)", (unsigned long long)size,
			 (unsigned long long)va);
		return E_INVAL;
	}
	pt_write(e, 0);
	return E_OK;
}

int pt_translate(struct pt *pt, u64 va, hpa_t *pa, unsigned *flags_out)
{
	int l;
	u64 *e = pt_walk(pt, va, &l, false);
	if (!e || !pt_entry_is_present(pt, *e))
		return E_NOENT;
	u64 v = *e;
	if (pa)
		*pa = hpa(pt_entry_addr(pt, v, l).v + (va & (pt_level_size(l) - 1)));
	if (flags_out)
		*flags_out = pt_entry_flags(pt, v);
	return E_OK;
}

/* Leaf covering va for pt_protect(): present and inside [va, end). */
static int pt_protect_leaf(struct pt *pt, u64 va, u64 end, u64 **e, int *l)
{
	*e = pt_walk(pt, va, l, false);
	if (!*e || !pt_entry_is_present(pt, **e))
		return E_NOENT;
	u64 size = pt_level_size(*l);
	return IS_ALIGNED(va, size) && end - va >= size ? E_OK : E_INVAL;
}

static void pt_protect_one(struct pt *pt, u64 *e, int l, unsigned flags)
{
	u64 keep = pt->fmt->a_bit | pt->fmt->d_bit;
	u64 old = __atomic_load_n(e, __ATOMIC_RELAXED), new;
	do {
		new = pt_make_leaf(pt, pt_entry_addr(pt, old, l), l, flags) | (old & keep);
	} while (!__atomic_compare_exchange_n(e, &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
}

int pt_protect(struct pt *pt, u64 va, u64 len, unsigned flags)
{
	if (!IS_ALIGNED(va | len, PT_SIZE_4K) || !pt_range_ok(pt, va, len) ||
	    !pt_flags_ok(pt, flags))
		return E_INVAL;
	u64 end = va + len, cur, *e;
	int l, err;
	for (cur = va; cur != end; cur += pt_level_size(l))
		if ((err = pt_protect_leaf(pt, cur, end, &e, &l)))
			return err;
	for (cur = va; cur != end; cur += pt_level_size(l)) {
		ASSERT(pt_protect_leaf(pt, cur, end, &e, &l) == E_OK);
		pt_protect_one(pt, e, l, flags);
	}
	return E_OK;
}
