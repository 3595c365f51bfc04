/* Host memory bring-up: from the boot memory map to the frame allocator,
 * the hypervisor's own page tables and the heap. */
#ifndef MM_MM_H
#define MM_MM_H

#include "core/types.h"

struct boot_info;

/* Build the usable-RAM list (the image, modules and boot information
 * reserved), start the frame allocator, switch to the host page tables
 * (direct map of all physical memory, W^X image) and start the heap.
 * Returns a negative code, after printing why, when no usable RAM is left. */
int mm_init(const struct boot_info *bi) __must_check;

#endif
