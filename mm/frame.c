/* Physical frame allocator: the descriptor array (one struct frame per host
 * frame, carved from usable RAM at init) and a singly linked LIFO free list
 * threaded through the descriptors' link fields. Single-threaded: callers
 * serialize until the hypervisor grows SMP locking. */
#include "core/types.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/frame.h"

/* Frame indices must fit the u32 link field, FRAME_NONE excluded. */
#define FRAME_LIMIT ((u64)FRAME_NONE << PAGE_SHIFT)
#define FRAME_LOW_LIMIT (4 * GiB)

static struct frame *frame_array;   /* (c) set at init */
static u64 frame_count;             /* (c) descriptors in frame_array */
static u64 frame_usable;            /* (c) usable frames at init */
static u64 frame_nfree;
static u32 frame_head = FRAME_NONE;
static hpa_t frame_array_hpa;       /* (c) where the array lives */

static const char *const frame_state_names[FRAME_NSTATES] = {
	[FRAME_ABSENT] = "absent",
	[FRAME_FREE] = "free",
	[FRAME_HYP] = "hyp",
	[FRAME_PT] = "pt",
	[FRAME_GUEST] = "guest",
};

const char *frame_state_name(unsigned state)
{
	return state < FRAME_NSTATES ? frame_state_names[state] : "?";
}

static bool frame_state_is_allocated(unsigned state)
{
	return state == FRAME_HYP || state == FRAME_PT || state == FRAME_GUEST;
}

static u64 frame_index(const struct frame *f)
{
	return (u64)(f - frame_array);
}

static hpa_t frame_index_to_hpa(u64 i)
{
	return hpa(i << PAGE_SHIFT);
}

static int frame_check_ranges(const struct mem_range *r, size_t n)
{
	if (n == 0) {
		pr_err("frame: no usable memory ranges");
		return E_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		bool bad = r[i].base >= r[i].end || !IS_ALIGNED(r[i].base, PAGE_SIZE) ||
			   !IS_ALIGNED(r[i].end, PAGE_SIZE) || (i > 0 && r[i].base < r[i - 1].end);
		if (bad) {
			pr_err("frame: usable range %zu [0x%llx, 0x%llx) is empty, unaligned "
			       "or out of order", i, (unsigned long long)r[i].base,
			       (unsigned long long)r[i].end);
			return E_INVAL;
		}
	}
	return E_OK;
}

/* Find room for `bytes` at the start of a usable range, low memory first. */
static int frame_place_array(const struct mem_range *r, size_t n, u64 bytes, u64 *base)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			u64 b = MAX(r[i].base, PAGE_SIZE);   /* keep frame 0 unused */
			if (b >= r[i].end || r[i].end - b < bytes)
				continue;
			if (pass == 0 && b + bytes > FRAME_LOW_LIMIT)
				continue;
			*base = b;
			return E_OK;
		}
	}
	pr_err("frame: no usable range holds the %llu-byte descriptor array",
	       (unsigned long long)bytes);
	return E_NOMEM;
}

static void frame_mark(u64 first, u64 last, u8 state)
{
	for (u64 i = first; i < last; i++)
		frame_array[i].state = state;
}

/* Thread every FRAME_FREE descriptor onto the list, lowest address at head. */
static void frame_list_rebuild(void)
{
	frame_head = FRAME_NONE;
	frame_nfree = 0;
	for (u64 i = frame_count; i-- > 0;) {
		if (frame_array[i].state != FRAME_FREE)
			continue;
		frame_array[i].link = frame_head;
		frame_head = (u32)i;
		frame_nfree++;
	}
}

int frame_init(const struct mem_range *usable, size_t n)
{
	int err = frame_check_ranges(usable, n);
	if (err)
		return err;
	u64 top = MIN(usable[n - 1].end, FRAME_LIMIT);
	if (usable[n - 1].end > FRAME_LIMIT)
		pr_warn("frame: ignoring RAM above 0x%llx", (unsigned long long)FRAME_LIMIT);
	u64 count = top >> PAGE_SHIFT;
	u64 bytes = ALIGN_UP(count * sizeof(struct frame), PAGE_SIZE);
	u64 base;
	err = frame_place_array(usable, n, bytes, &base);
	if (err)
		return err;

	frame_array_hpa = hpa(base);
	frame_array = hpa_to_ptr(frame_array_hpa);
	frame_count = count;
	memset(frame_array, 0, bytes);
	frame_usable = 0;
	for (size_t i = 0; i < n && usable[i].base < top; i++) {
		u64 first = MAX(usable[i].base >> PAGE_SHIFT, 1);
		u64 last = MIN(usable[i].end, top) >> PAGE_SHIFT;
		if (first < last) {
			frame_mark(first, last, FRAME_FREE);
			frame_usable += last - first;
		}
	}
	frame_mark(base >> PAGE_SHIFT, (base + bytes) >> PAGE_SHIFT, FRAME_HYP);
	frame_list_rebuild();
	return E_OK;
}

static void frame_take(struct frame *f, u8 state, u16 owner)
{
	f->state = state;
	f->flags = 0;
	f->owner = owner;
	f->link = FRAME_NONE;
	f->data = 0;
}

hpa_t frame_alloc(u8 state, u16 owner)
{
	ASSERT(frame_state_is_allocated(state));
	if (frame_head == FRAME_NONE)
		return hpa(FRAME_INVALID);
	struct frame *f = &frame_array[frame_head];
	ASSERT(f->state == FRAME_FREE);
	frame_head = f->link;
	frame_nfree--;
	frame_take(f, state, owner);
	return frame_index_to_hpa(frame_index(f));
}

hpa_t frame_alloc_zeroed(u8 state, u16 owner)
{
	hpa_t a = frame_alloc(state, owner);
	if (frame_is_valid(a))
		memset(hpa_to_ptr(a), 0, PAGE_SIZE);
	return a;
}

/* First index >= i of a run of n free frames aligned to step, or count. */
static u64 frame_find_run(size_t n, u64 step)
{
	u64 i = step;   /* index 0 is never free; start at the first aligned one */
	while (i + n <= frame_count) {
		u64 j = 0;
		while (j < n && frame_array[i + j].state == FRAME_FREE)
			j++;
		if (j == n)
			return i;
		i = ALIGN_UP(i + j + 1, step);
	}
	return frame_count;
}

int frame_alloc_contig(size_t n, u64 align, u8 state, u16 owner, hpa_t *out)
{
	if (align == 0)
		align = PAGE_SIZE;
	if (n == 0 || align < PAGE_SIZE || (align & (align - 1)) || !frame_state_is_allocated(state))
		return E_INVAL;
	u64 i = frame_find_run(n, align >> PAGE_SHIFT);
	if (i >= frame_count)
		return E_NOMEM;
	for (u64 j = 0; j < n; j++)
		frame_take(&frame_array[i + j], state, owner);
	frame_list_rebuild();
	*out = frame_index_to_hpa(i);
	return E_OK;
}

void frame_free(hpa_t a)
{
	struct frame *f = frame_desc(a);
	if (!f || !IS_ALIGNED(a.v, PAGE_SIZE) || !frame_state_is_allocated(f->state))
		panic("frame_free: 0x%llx is not an allocated frame (state %s)",
		      (unsigned long long)a.v, f ? frame_state_name(f->state) : "none");
	f->state = FRAME_FREE;
	f->flags = 0;
	f->owner = 0;
	f->data = 0;
	f->link = frame_head;
	frame_head = (u32)frame_index(f);
	frame_nfree++;
}

struct frame *frame_desc_by_index(u64 i)
{
	return i < frame_count ? &frame_array[i] : NULL;
}

struct frame *frame_desc(hpa_t a)
{
	return frame_desc_by_index(a.v >> PAGE_SHIFT);
}

u64 frame_free_count(void)
{
	return frame_nfree;
}

u64 frame_span(void)
{
	return frame_count;
}

u64 frame_total_count(void)
{
	return frame_usable;
}

void frame_print_stats(void)
{
	u64 bytes = ALIGN_UP(frame_count * sizeof(struct frame), PAGE_SIZE);
	pr_info("frame: %llu usable frames (%llu MiB), %llu free (%llu MiB)",
		(unsigned long long)frame_usable, (unsigned long long)(frame_usable >> 8),
		(unsigned long long)frame_nfree, (unsigned long long)(frame_nfree >> 8));
	pr_info("frame: descriptor array at 0x%llx: %llu descriptors x %zu bytes = %llu KiB",
		(unsigned long long)frame_array_hpa.v, (unsigned long long)frame_count,
		sizeof(struct frame), (unsigned long long)(bytes >> 10));
}
