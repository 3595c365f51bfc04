/* The `bench` option (issue 10 parts 2 and 4, docs/BENCHMARKS.md): code-path
 * lengths of the pager measured with TSC pairs (under Bochs sync=none and
 * QEMU -icount shift=0 the TSC counts instructions) and the hypervisor
 * memory each guest costs, printed as `bench <name>: ...` and
 * `metadata <name>: ...` lines when the guest ends. Every hook is a test of
 * opt_bench when the option is off. */
#ifndef CORE_BENCH_H
#define CORE_BENCH_H

#include "core/types.h"

struct vm;

extern bool opt_bench;   /* `bench`: measure and print the lines below */

/* What a sample measures (the `what` of a `bench` line). */
enum bench_metric {
	BENCH_ZERO_FAULT,   /* demand-zero: fault handler entry to the next entry, with the clear */
	BENCH_SWAPIN,       /* swap-in: handler entry to read submission + completion to entry */
	BENCH_EVICT_SWEEP,  /* eviction sweep: TSC per page unmapped, writes submitted */
	BENCH_EVICT_ONE,    /* one page evicted by the debug hypercall */
	BENCH_CPUID_EXIT,   /* CPUID: the core's handler to the next entry */
	BENCH_METRICS
};

/* The TSC now, or 0 when the option is off. */
u64 bench_now(void);

/* The core's nested-page-fault handler starts (core/emulate.c). */
void bench_fault_begin(struct vm *vm);

/* A CPUID exit reached the core's handler: sampled at the next entry. */
void bench_exit_begin(struct vm *vm);

/* The fault was a demand-zero allocation: complete the sample at the entry. */
void bench_fault_zero(struct vm *vm);

/* A swap-in read was submitted / has completed (mm/pager_fault.c). */
void bench_swapin_submitted(struct vm *vm);
void bench_swapin_done(struct vm *vm);

/* The vCPU is about to be entered (core/emu_irq.c emu_before_entry):
 * completes the pending demand-zero or swap-in sample. */
void bench_before_entry(struct vm *vm);

/* Record an eviction measured from t0 (bench_now()) over npages pages. */
void bench_evicted(struct vm *vm, enum bench_metric m, u64 t0, u32 npages);

/* A swap write command of npages pages for vm's pages (mm/pager_evict.c). */
void bench_write_cmd(struct vm *vm, u32 npages);

/* Print the guest's bench and metadata lines; call before its memory and
 * tables are released (core/guests.c vm_teardown). */
void bench_guest_end(struct vm *vm);

/* Median of n samples (sorts them in place); 0 for none. */
u64 bench_median(u64 *s, u32 n);

#endif
