/* Typed physical addresses. Guest-physical (gpa_t) and host-physical (hpa_t)
 * addresses are one-member structs so they cannot be mixed by accident; this
 * header is the only place that turns a host-physical address into a pointer. */
#ifndef CORE_ADDR_H
#define CORE_ADDR_H

#include "core/types.h"

typedef struct { u64 v; } hpa_t;   /* host physical address */
typedef struct { u64 v; } gpa_t;   /* guest physical address */
typedef struct { u64 v; } hfn_t;   /* host frame number (hpa >> 12) */
typedef struct { u64 v; } gfn_t;   /* guest frame number (gpa >> 12) */

/*
 * Base of the window through which all host-physical memory is reachable.
 * In the hypervisor it is 0 while the boot identity map is live and
 * DIRECT_MAP_BASE once mm has switched to its own page tables; host unit
 * tests point it at a buffer that plays physical memory.
 */
extern u64 phys_window;

#define DIRECT_MAP_BASE 0xffff800000000000ull
#define KERNEL_VMA_BASE 0xffffffff80000000ull

static inline hpa_t hpa(u64 v) { return (hpa_t){ v }; }
static inline gpa_t gpa(u64 v) { return (gpa_t){ v }; }
static inline void *hpa_to_ptr(hpa_t a) { return (void *)(uintptr_t)(phys_window + a.v); }
static inline hpa_t ptr_to_hpa(const void *p) { return hpa((u64)(uintptr_t)p - phys_window); }
static inline hfn_t hpa_to_hfn(hpa_t a) { return (hfn_t){ a.v >> PAGE_SHIFT }; }
static inline hpa_t hfn_to_hpa(hfn_t f) { return hpa(f.v << PAGE_SHIFT); }
static inline gfn_t gpa_to_gfn(gpa_t a) { return (gfn_t){ a.v >> PAGE_SHIFT }; }
static inline gpa_t gfn_to_gpa(gfn_t f) { return gpa(f.v << PAGE_SHIFT); }

#endif
