/* The hypervisor's own address space: a direct map of all physical memory
 * at DIRECT_MAP_BASE and the image at KERNEL_VMA_BASE, built with the one
 * page-table engine (mm/pt.c) in the host format. */
#ifndef MM_HOSTPT_H
#define MM_HOSTPT_H

#include "core/types.h"
#include "mm/pt.h"

/* Build the host tables covering physical [0, top) and load them into CR3.
 * Text is read-only and executable, rodata read-only, data and bss
 * read-write; nothing else is executable (when the CPU has NX). */
int hostpt_init(u64 top) __must_check;

/* The live host page table (for self-tests and, later, temporary maps). */
struct pt *hostpt(void);

/* Drop any TLB entry for va on this CPU after changing its mapping. */
void hostpt_flush_va(u64 va);

#endif
