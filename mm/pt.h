/* The one page-table engine: a 4-level walker driven by a format descriptor,
 * instantiated for host x86-64 paging, Intel EPT and AMD NPT. It builds and
 * edits tables in frames from mm/frame.c; it never flushes TLBs (the caller
 * does: INVLPG / INVEPT / NPT ASID flush after unmap or protect). */
#ifndef MM_PT_H
#define MM_PT_H

#include "core/types.h"
#include "core/addr.h"

#define PT_ENTRIES 512
#define PT_LEVELS 4
#define PT_SIZE_4K (4 * KiB)
#define PT_SIZE_2M (2 * MiB)
#define PT_SIZE_1G (1 * GiB)
#define PT_VA_BITS 48

_Static_assert(PT_ENTRIES * sizeof(u64) == PAGE_SIZE, "a table fills one page");
_Static_assert(PAGE_SHIFT + 9 * PT_LEVELS == PT_VA_BITS, "4 levels of 9 bits");

/* Bytes mapped by one entry at `level` (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
static inline u64 pt_level_size(int level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

/* Generic mapping flags, translated per format. PT_WB is the default. */
#define PT_R        BIT(0)   /* readable (x86 formats: implied by present) */
#define PT_W        BIT(1)
#define PT_X        BIT(2)
#define PT_U        BIT(3)   /* user: x86 formats only, ignored for EPT */
#define PT_G        BIT(4)   /* global: host format only, leaves only */
#define PT_WB       0u
#define PT_UC       BIT(5)
#define PT_ACCESSED BIT(6)   /* reported by pt_translate(), never input */
#define PT_DIRTY    BIT(7)   /* reported by pt_translate(), never input */
#define PT_MAP_FLAGS (PT_R | PT_W | PT_X | PT_U | PT_G | PT_UC)

/*
 * Bit layout of one paging format. A mask of 0 means the format lacks the
 * feature. All formats here are 4-level with 512 8-byte entries per table.
 */
struct pt_format {
	const char *name;
	u8 levels;          /* 4 (PML4 .. PT) */
	u8 max_leaf_level;  /* 3: 1 GiB leaves in the PDPT */
	bool nx;            /* x_bit is execute-disable (set = no exec) */
	bool has_r;         /* reads can be denied (EPT); else present = read */
	bool ad_always;     /* hardware always keeps A/D (x86); EPT: if enabled */
	bool canonical;     /* addresses are sign-extended VAs (host paging) */
	u64 present;        /* entry is present if any of these bits is set */
	u64 r_bit, w_bit, x_bit, u_bit, g_bit;
	u64 a_bit, d_bit;   /* accessed (all levels), dirty (leaves) */
	u64 ps_bit;         /* large leaf at levels 2..max_leaf_level */
	u64 addr_mask;      /* physical address bits 12..51 */
	u64 table_bits;     /* bits of every non-leaf entry */
	u64 leaf_bits;      /* bits of every leaf (NPT: U) */
	u64 mt_mask;        /* memory-type bits of a leaf */
	u64 mt_wb, mt_uc;   /* their values for PT_WB / PT_UC */
	u64 swap_mark;      /* marks a software (swap) non-present entry */
	u64 swap_mask;      /* where the swap value lives in such an entry */
	u8 swap_shift;
};

extern const struct pt_format pt_fmt_host;   /* x86-64 4-level paging */
extern const struct pt_format pt_fmt_ept;    /* Intel EPT, 4-level */
extern const struct pt_format pt_fmt_npt;    /* AMD nested paging */

/* One page-table tree. */
struct pt {
	const struct pt_format *fmt;   /* (c) set at create */
	hpa_t root;                    /* (c) root table (level 4) */
	bool ad_enabled;               /* (c) A/D bits maintained by hardware */
	u16 owner;                     /* (c) frame owner of the tables */
};

/* Allocate a zeroed root table for `fmt`, tables owned by `owner`. A/D
 * tracking starts as fmt->ad_always; EPT users call pt_set_ad() when they set
 * EPTP bit 6 (SDM Vol. 3C 29.3.5). Returns E_NOMEM. */
int pt_create(struct pt *pt, const struct pt_format *fmt, u16 owner) __must_check;

/* Declare whether the hardware maintains A/D bits in this tree. */
void pt_set_ad(struct pt *pt, bool enabled);

/* Free every table frame of the tree (never the mapped frames). */
void pt_destroy(struct pt *pt);

/*
 * Return the address of the leaf entry for va: the level-1 entry, or a large
 * leaf found higher up; *level_out (if non-NULL) gets its level. If create
 * is set, missing tables are allocated; otherwise NULL is returned when a
 * table is missing. NULL also when allocation fails. Host-format va must be
 * canonical; EPT/NPT va must be below 2^48.
 */
u64 *pt_walk(struct pt *pt, u64 va, int *level_out, bool create);

/*
 * Map [va, va+size) to [pa, pa+size) with one leaf, size 4K, 2M or 1G, flags
 * PT_*. Creates missing tables. Returns E_INVAL for misaligned or
 * unrepresentable input, E_EXIST if any entry on the way is already in use
 * (a present leaf of any size, a table where a large leaf should go, or a
 * swap entry), E_NOMEM. On error nothing mapped changes (tables created on
 * the way may stay, empty). The caller flushes nothing: the slot was empty.
 */
int pt_map(struct pt *pt, u64 va, hpa_t pa, u64 size, unsigned flags) __must_check;

/*
 * Map [va, va+len) to [pa, pa+len) with the largest leaves that alignment,
 * the remaining length and max_page_size (4K, 2M or 1G; pass 1G only when
 * the CPU supports 1 GiB pages) allow. Everything is checked before anything
 * is mapped; on E_NOMEM the part already mapped is unmapped again.
 */
int pt_map_range(struct pt *pt, u64 va, hpa_t pa, u64 len, unsigned flags,
		 u64 max_page_size) __must_check;

/* Remove the leaf of exactly `size` at va. E_NOENT if nothing is mapped
 * there, E_INVAL if va is misaligned or a leaf of another size covers it
 * (large pages are never split). Empty tables stay until pt_destroy().
 * The caller flushes the TLB. */
int pt_unmap(struct pt *pt, u64 va, u64 size) __must_check;

/* Look va up: *pa (if non-NULL) gets the translated address including the
 * offset, *flags_out (if non-NULL) the PT_* flags of the leaf including
 * PT_ACCESSED/PT_DIRTY. E_NOENT if not mapped. */
int pt_translate(struct pt *pt, u64 va, hpa_t *pa, unsigned *flags_out) __must_check;

/* Give every leaf in [va, va+len) the permissions and cache type in flags,
 * keeping address and A/D bits. All leaves must be present and lie wholly
 * inside the range (E_NOENT / E_INVAL, checked before any change). The
 * caller flushes the TLB. */
int pt_protect(struct pt *pt, u64 va, u64 len, unsigned flags) __must_check;

/* Build the leaf entry value pt_map() would write (no checks beyond ASSERT). */
u64 pt_make_leaf(const struct pt *pt, hpa_t pa, int level, unsigned flags);

/* Present-ness, leaf address and generic flags of an entry of pt's format. */
bool pt_entry_is_present(const struct pt *pt, u64 e);
hpa_t pt_entry_addr(const struct pt *pt, u64 e, int level);
unsigned pt_entry_flags(const struct pt *pt, u64 e);

/* Accessed/dirty state of an entry. Require hardware A/D (pt->ad_enabled).
 * The test-and-clear forms are atomic against the CPU setting the bits; the
 * caller flushes the TLB if it relies on the bit being set again. */
bool pt_is_accessed(const struct pt *pt, const u64 *entry);
bool pt_is_dirty(const struct pt *pt, const u64 *entry);
bool pt_test_and_clear_accessed(const struct pt *pt, u64 *entry);
bool pt_test_and_clear_dirty(const struct pt *pt, u64 *entry);

/* Largest value a swap entry can hold (40 bits). */
#define PT_SWAP_MAX ((1ull << 40) - 1)

/* Build a non-present entry carrying `value` (<= PT_SWAP_MAX), e.g. a swap
 * slot; the hardware ignores it (P = 0 / EPT bits 2:0 and 10 clear). */
u64 pt_make_swap_entry(const struct pt_format *fmt, u64 value);

/* True if e is such a software entry, and the value it carries. */
bool pt_is_swap_entry(const struct pt_format *fmt, u64 e);
u64 pt_swap_entry_value(const struct pt_format *fmt, u64 e);

/* The VA/GPA an entry covers, found in O(1) from the entry's own address via
 * the table frame's descriptor (level in flags, base frame in data). The
 * result is the 48-bit value (host callers sign-extend bit 47). *level_out
 * (if non-NULL) gets the entry's level. */
u64 pt_entry_to_va(const u64 *entry, int *level_out);

#endif
