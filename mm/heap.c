/* Kernel heap over frames. A slab is one FRAME_HYP page of equal objects;
 * its header lives in the frame descriptor (flags = FRAME_F_HEAP_SLAB, link
 * = next slab with free objects, data = packed struct heap_slab), so the
 * whole page holds objects. Free objects chain by slot index and carry a
 * poison word for double-free detection. Large blocks are contiguous runs. */
#include "core/types.h"
#include "core/addr.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define HEAP_CLASSES 8                /* 16, 32, ..., 2048 */
#define HEAP_SLOT_NONE 0x1ffu
#define HEAP_FREE_MAGIC 0x6865617066726565ull   /* "heapfree" */

_Static_assert(HEAP_MIN_SIZE << (HEAP_CLASSES - 1) == HEAP_MAX_SLAB_SIZE, "class table");
_Static_assert(PAGE_SIZE / HEAP_MIN_SIZE <= HEAP_SLOT_NONE, "slot fits 9 bits");

/* Bookkeeping of one slab, packed into struct frame.data. */
struct heap_slab {
	u32 prev;     /* previous slab on the class list, FRAME_NONE at head */
	u8 cls;       /* size class: object size HEAP_MIN_SIZE << cls */
	u16 inuse;    /* objects handed out */
	u16 free;     /* first free slot, HEAP_SLOT_NONE if full */
};

/* Layout of a free object (every class holds at least 16 bytes). */
struct heap_free_obj {
	u16 next;     /* next free slot */
	u16 pad[3];
	u64 magic;    /* HEAP_FREE_MAGIC while free */
};
_Static_assert(sizeof(struct heap_free_obj) == HEAP_MIN_SIZE, "free object fits smallest class");

static u32 heap_partial[HEAP_CLASSES];   /* slabs with a free object */
static struct heap_stats heap_counters;

static struct heap_slab heap_slab_get(const struct frame *f)
{
	return (struct heap_slab){
		.prev = (u32)f->data,
		.cls = (f->data >> 32) & 0xf,
		.inuse = (f->data >> 36) & 0x1ff,
		.free = (f->data >> 45) & 0x1ff,
	};
}

static void heap_slab_put(struct frame *f, struct heap_slab s)
{
	f->data = s.prev | (u64)s.cls << 32 | (u64)s.inuse << 36 | (u64)s.free << 45;
}

static struct frame *heap_frame(u32 idx)
{
	return frame_desc_by_index(idx);
}

static u8 *heap_page(u32 idx)
{
	return hpa_to_ptr(hpa((u64)idx << PAGE_SHIFT));
}

static size_t heap_class_size(unsigned cls)
{
	return (size_t)HEAP_MIN_SIZE << cls;
}

static unsigned heap_size_class(size_t size)
{
	unsigned cls = 0;
	while (heap_class_size(cls) < size)
		cls++;
	return cls;
}

static void heap_list_push(unsigned cls, u32 idx)
{
	struct frame *f = heap_frame(idx);
	struct heap_slab s = heap_slab_get(f);
	u32 head = heap_partial[cls];
	if (head != FRAME_NONE) {
		struct heap_slab hs = heap_slab_get(heap_frame(head));
		hs.prev = idx;
		heap_slab_put(heap_frame(head), hs);
	}
	s.prev = FRAME_NONE;
	heap_slab_put(f, s);
	f->link = head;
	heap_partial[cls] = idx;
}

static void heap_list_remove(unsigned cls, u32 idx)
{
	struct frame *f = heap_frame(idx);
	struct heap_slab s = heap_slab_get(f);
	u32 next = f->link;
	if (s.prev != FRAME_NONE)
		heap_frame(s.prev)->link = next;
	else
		heap_partial[cls] = next;
	if (next != FRAME_NONE) {
		struct heap_slab ns = heap_slab_get(heap_frame(next));
		ns.prev = s.prev;
		heap_slab_put(heap_frame(next), ns);
	}
	s.prev = FRAME_NONE;
	heap_slab_put(f, s);
	f->link = FRAME_NONE;
}

static void heap_obj_set_free(u8 *obj, u16 next)
{
	struct heap_free_obj *o = (struct heap_free_obj *)obj;
	o->next = next;
	o->magic = HEAP_FREE_MAGIC;
}

/* A fresh slab for cls on the class list, or FRAME_NONE. */
static u32 heap_slab_new(unsigned cls)
{
	hpa_t a = frame_alloc(FRAME_HYP, 0);
	if (!frame_is_valid(a))
		return FRAME_NONE;
	u32 idx = (u32)(a.v >> PAGE_SHIFT);
	size_t size = heap_class_size(cls), n = PAGE_SIZE / size;
	for (size_t i = 0; i < n; i++)
		heap_obj_set_free(heap_page(idx) + i * size, i + 1 < n ? i + 1 : HEAP_SLOT_NONE);
	struct frame *f = heap_frame(idx);
	f->flags = FRAME_F_HEAP_SLAB;
	heap_slab_put(f, (struct heap_slab){ .prev = FRAME_NONE, .cls = cls, .free = 0 });
	heap_list_push(cls, idx);
	heap_counters.slab_pages++;
	return idx;
}

static void *heap_slab_alloc(unsigned cls)
{
	u32 idx = heap_partial[cls];
	if (idx == FRAME_NONE && (idx = heap_slab_new(cls)) == FRAME_NONE)
		return NULL;
	struct frame *f = heap_frame(idx);
	struct heap_slab s = heap_slab_get(f);
	ASSERT(s.cls == cls && s.free != HEAP_SLOT_NONE);
	struct heap_free_obj *o = (void *)(heap_page(idx) + s.free * heap_class_size(cls));
	ASSERT(o->magic == HEAP_FREE_MAGIC);
	s.free = o->next;
	o->magic = 0;
	s.inuse++;
	heap_slab_put(f, s);
	if (s.free == HEAP_SLOT_NONE)
		heap_list_remove(cls, idx);
	heap_counters.bytes_in_use += heap_class_size(cls);
	return o;
}

static bool heap_slot_is_free(u32 idx, struct heap_slab s, unsigned slot)
{
	size_t size = heap_class_size(s.cls);
	for (unsigned i = s.free, n = 0; i != HEAP_SLOT_NONE && n <= PAGE_SIZE / size; n++) {
		if (i == slot)
			return true;
		i = ((struct heap_free_obj *)(heap_page(idx) + i * size))->next;
	}
	return false;
}

static void heap_slab_free(struct frame *f, u32 idx, void *ptr)
{
	struct heap_slab s = heap_slab_get(f);
	size_t size = heap_class_size(s.cls);
	u64 off = ptr_to_hpa(ptr).v & (PAGE_SIZE - 1);
	if (off % size)
		panic("kfree: %p is inside a %zu-byte heap object", ptr, size);
	unsigned slot = off / size;
	if (((struct heap_free_obj *)ptr)->magic == HEAP_FREE_MAGIC && heap_slot_is_free(idx, s, slot))
		panic("kfree: double free of %p", ptr);
	bool was_full = s.free == HEAP_SLOT_NONE;
	heap_obj_set_free(ptr, s.free);
	s.free = slot;
	s.inuse--;
	heap_slab_put(f, s);
	heap_counters.bytes_in_use -= size;
	if (s.inuse == 0) {
		if (!was_full)
			heap_list_remove(s.cls, idx);
		frame_free(hpa((u64)idx << PAGE_SHIFT));
		heap_counters.slab_pages--;
	} else if (was_full) {
		heap_list_push(s.cls, idx);
	}
}

static void *heap_big_alloc(size_t size)
{
	u64 pages = ALIGN_UP((u64)size, PAGE_SIZE) >> PAGE_SHIFT;
	hpa_t a;
	if (frame_alloc_contig(pages, PAGE_SIZE, FRAME_HYP, 0, &a))
		return NULL;
	struct frame *f = frame_desc(a);
	f->flags = FRAME_F_HEAP_BIG;
	f->data = pages;
	for (u64 i = 1; i < pages; i++)
		f[i].flags = FRAME_F_HEAP_TAIL;
	heap_counters.big_pages += pages;
	heap_counters.bytes_in_use += pages * PAGE_SIZE;
	return hpa_to_ptr(a);
}

static void heap_big_free(struct frame *f, hpa_t a)
{
	u64 pages = f->data;
	for (u64 i = 1; i < pages; i++)
		if (f[i].state != FRAME_HYP || f[i].flags != FRAME_F_HEAP_TAIL)
			panic("heap: large block at 0x%llx lost page %llu",
			      (unsigned long long)a.v, (unsigned long long)i);
	for (u64 i = 0; i < pages; i++)
		frame_free(hpa(a.v + i * PAGE_SIZE));
	heap_counters.big_pages -= pages;
	heap_counters.bytes_in_use -= pages * PAGE_SIZE;
}

void heap_init(void)
{
	for (unsigned c = 0; c < HEAP_CLASSES; c++)
		heap_partial[c] = FRAME_NONE;
	memset(&heap_counters, 0, sizeof(heap_counters));
}

void *kmalloc(size_t size)
{
	void *p;
	if (size == 0 || size > SIZE_MAX - PAGE_SIZE)
		return NULL;
	if (size <= HEAP_MAX_SLAB_SIZE)
		p = heap_slab_alloc(heap_size_class(size));
	else
		p = heap_big_alloc(size);
	if (p)
		heap_counters.allocs++;
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	hpa_t a = ptr_to_hpa(ptr);
	struct frame *f = frame_desc(a);
	if (!f || f->state != FRAME_HYP)
		panic("kfree: %p is not a heap pointer", ptr);
	heap_counters.frees++;
	if (f->flags & FRAME_F_HEAP_SLAB)
		heap_slab_free(f, (u32)(a.v >> PAGE_SHIFT), ptr);
	else if ((f->flags & FRAME_F_HEAP_BIG) && IS_ALIGNED(a.v, PAGE_SIZE))
		heap_big_free(f, a);
	else
		panic("kfree: %p is not the start of a heap block", ptr);
}

void heap_get_stats(struct heap_stats *out)
{
	*out = heap_counters;
}

void heap_print_stats(void)
{
	pr_info("heap: %llu allocs, %llu frees, %llu bytes in use, %llu slab pages, "
		"%llu large-block pages", (unsigned long long)heap_counters.allocs,
		(unsigned long long)heap_counters.frees,
		(unsigned long long)heap_counters.bytes_in_use,
		(unsigned long long)heap_counters.slab_pages,
		(unsigned long long)heap_counters.big_pages);
}
