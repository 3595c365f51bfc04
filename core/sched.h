/* Time slices on the boot CPU: the LAPIC timer ends a guest's slice with a
 * host interrupt, which makes the guest exit (VMX external-interrupt
 * exiting, SVM INTR intercept); the vendor lets the host take it and yields
 * to the next guest, so a guest in an endless loop cannot starve others. */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include "core/types.h"

#define SCHED_VECTOR 0xf0          /* LAPIC timer vector of the slice timer */
#define SCHED_SLICE_US_DEFAULT 5000

/* Install the tick handler (once, at boot). */
void sched_init(void);

/* Start a new slice of sched_slice_us for the guest about to run. */
void sched_slice_start(void);

/* Stop the slice timer (no guest is running). */
void sched_slice_stop(void);

/* True once the current slice has run out. */
bool sched_slice_expired(void);

/* After an exit caused by a host interrupt: open a one-instruction window
 * with interrupts enabled so the host handler runs, then close it. The
 * vendor calls this with GIF set (SVM) and resumes: the run loop ends
 * the slice when sched_slice_expired(). */
void sched_take_host_interrupts(void);

struct vm;
struct vcpu;

/* TSC by which the vCPU about to be entered must exit again: the end of
 * the slice (one slice from now outside a slice), or earlier when one of
 * its virtual timers is due, but never sooner than 10 us from now. */
u64 sched_exit_deadline(struct vcpu *v);

/* Arm the host timer for sched_exit_deadline(v) if it is earlier than
 * the armed one (vendors without a VMX-preemption timer); nothing outside
 * a slice. */
void sched_arm_exit_timer(struct vcpu *v);

/* Run every VM of vms[0..n) that is VM_RUNNING, round-robin, one slice at
 * a time, until none is left; kill a guest whose timeout= has passed, and
 * call ended(vm) as soon as each one stops running. */
void sched_run(struct vm *vms, size_t n, void (*ended)(struct vm *vm));

/* Slice length in microseconds (`timeslice=`). */
extern u64 sched_slice_us;

/* `sequential`: run one guest at a time, in module order, each to its end
 * (the overcommit benchmark times each guest alone in one boot). */
extern bool sched_sequential;

/* Host timer interrupts taken (for the statistics). */
extern u64 sched_ticks;

#endif
