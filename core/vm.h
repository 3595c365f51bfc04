/* A virtual machine: its memory, its vCPU, its virtual devices, and how it
 * ended. One VM per Multiboot module that is not attached to another. */
#ifndef CORE_VM_H
#define CORE_VM_H

#include "core/types.h"
#include "core/vcpu.h"
#include "core/vdev/uart.h"
#include "core/vplat.h"
#include "mm/gmem.h"
#include "mm/pt.h"
#include "mm/tlbgen.h"

#define VM_NAME_MAX 32
#define VM_MAX 16
#define VM_EXIT_KINDS 16

enum vm_state { VM_CREATED, VM_RUNNING, VM_DONE, VM_KILLED, VM_REJECTED };

/* Why a running VM cannot be entered right now. */
enum vm_wait {
	VM_WAIT_NONE,
	VM_WAIT_IO,       /* a swap-in of one of its pages is in flight */
	VM_WAIT_FRAMES,   /* its fault needs a frame that writebacks will free */
	VM_WAIT_HLT,      /* HLT: sleeps until an interrupt is due */
};

/* Vendor-neutral exit kinds counted per VM (vendor codes map onto these). */
enum vm_exit_kind {
	VMEXIT_K_IO, VMEXIT_K_CPUID, VMEXIT_K_MSR, VMEXIT_K_TDP_FAULT, VMEXIT_K_HLT,
	VMEXIT_K_EXCEPTION, VMEXIT_K_INTR, VMEXIT_K_VIRT_INSN, VMEXIT_K_OTHER,
	VMEXIT_K_NR
};

struct vm {
	u16 id;                          /* (c) 1-based; frame owner of its memory */
	char name[VM_NAME_MAX];          /* (c) name= or the module file name */
	u64 mem_size;                    /* (c) mem= */
	struct pt tdp;                   /* (c) EPT or NPT tree, vendor picks the format */
	struct gmem mem;                 /* (c) slots and demand allocation */
	struct vcpu vcpu;                /* one vCPU per VM for now */
	void *arch;                      /* (c) vendor per-VM state (VPID/ASID) */
	struct vdev_uart uart;           /* guest COM1 */
	struct vplat plat;               /* the other PC devices (core/vplat.h) */

	bool vcpu_made;                  /* vcpu_create succeeded */
	bool sched_live;                 /* the scheduler has it and has not torn it down */
	u64 timeout_ms;                  /* (c) timeout=, 0 = none */
	u64 deadline_tsc;                /* TSC at which the timeout kills it */
	u64 slices;                      /* slices it was given */
	u64 slices_during_io;            /* of those, while another guest waited for a swap-in */

	struct tlbgen tlb;               /* flush generations of its EPT/NPT */
	u8 waiting;                      /* enum vm_wait: not runnable until woken */

	enum vm_state state;
	int exit_status;                 /* exit-port value when VM_DONE */
	char end_reason[96];             /* how it ended, one line */

	struct gmem final_mem;           /* its memory counters when it ended */
	u64 exits;                       /* all exits */
	u64 exits_by_kind[VMEXIT_K_NR];
	u32 diag_budget;                 /* rate limit of per-guest diagnostics */
	u64 last_fault_gpa;              /* page of the last nested page fault */
	u32 fault_repeats;               /* consecutive faults on that page */
};

/* End the guest: state VM_KILLED and a formatted reason (also printed). */
void vm_kill(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* End the guest by its own request (exit port) with status. */
void vm_finish(struct vm *vm, int status);

/* End the guest by its own request of another kind (reset, power-off):
 * state VM_DONE, status, and the formatted way it ended. */
void vm_end(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Rate-limited guest diagnostic: prints `[name] ...` at most a few times
 * per guest, then one "further messages suppressed" line. */
void vm_diag(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
