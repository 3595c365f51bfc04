/* Kernel heap: power-of-two size classes from 16 to 2048 bytes carved from
 * page-sized slabs whose bookkeeping lives in the frame descriptor, and
 * larger blocks as runs of contiguous frames. Single-threaded. */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include "core/types.h"

#define HEAP_MIN_SIZE 16
#define HEAP_MAX_SLAB_SIZE 2048   /* larger requests take whole frames */

struct heap_stats {
	u64 allocs;          /* successful kmalloc calls */
	u64 frees;           /* kfree calls with a non-NULL pointer */
	u64 bytes_in_use;    /* rounded to size class / whole pages */
	u64 slab_pages;      /* frames holding slabs */
	u64 big_pages;       /* frames holding large blocks */
};

/* Start with an empty heap. Call after frame_init(); calling it again
 * forgets every earlier allocation (host tests). */
void heap_init(void);

/* Allocate size bytes aligned to the size class (16 at least; a page for
 * blocks above HEAP_MAX_SLAB_SIZE). Contents undefined. NULL if size is 0
 * or memory is exhausted. Pointers come from hpa_to_ptr(), so they must be
 * freed under the same phys_window. */
void *kmalloc(size_t size) __must_check;

/* kmalloc() and clear the block. */
void *kzalloc(size_t size) __must_check;

/* Release a block from kmalloc(); NULL is ignored. Panics on a pointer the
 * heap did not hand out or on a double free. */
void kfree(void *ptr);

/* Copy out / print the counters. */
void heap_get_stats(struct heap_stats *out);
void heap_print_stats(void);

#endif
