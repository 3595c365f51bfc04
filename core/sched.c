/* The slice timer (see core/sched.h). One-shot LAPIC timer per slice: the
 * handler only records that the slice is over; the run loop does the
 * switching, outside interrupt context. */
#include "core/sched.h"
#include "core/cpu.h"
#include "core/idt.h"
#include "core/log.h"
#include "core/selftest.h"
#include "core/vm.h"
#include "core/emulate.h"
#include "core/focus.h"
#include "core/vplat.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "mm/pager.h"

u64 sched_slice_us = SCHED_SLICE_US_DEFAULT;
bool sched_sequential;
u64 sched_ticks;
static volatile bool slice_over;
static u64 slice_deadline;     /* TSC at which the current slice ends */
static bool slice_active;      /* a slice was started and not stopped */
static u64 timer_armed;        /* TSC the host timer is armed for, ~0 if not */

/* Tolerance for the timer's microsecond granularity. */
#define SCHED_EARLY_US 2

static void sched_arm(u64 deadline)
{
	u64 now = rdtsc();
	u64 us = deadline > now ? (deadline - now) * 1000 / tsc_khz() : 0;
	timer_armed = deadline;
	lapic_timer_oneshot(MAX(us, 1), SCHED_VECTOR);
}

/* The host timer fired: the slice is over, or it was armed early for a
 * guest's virtual timer and now runs on to the end of the slice. */
static void sched_tick(struct regs *r)
{
	(void)r;
	sched_ticks++;
	timer_armed = ~0ull;
	if (rdtsc() + us_to_tsc(SCHED_EARLY_US) >= slice_deadline)
		slice_over = true;
	else
		sched_arm(slice_deadline);
	lapic_eoi();
}

void sched_init(void)
{
	idt_set_handler(SCHED_VECTOR, sched_tick);
}

void sched_slice_start(void)
{
	slice_over = false;
	slice_deadline = rdtsc() + us_to_tsc(sched_slice_us);
	slice_active = true;
	sched_arm(slice_deadline);
}

void sched_slice_stop(void)
{
	lapic_timer_stop();
	timer_armed = ~0ull;
	slice_over = false;
	slice_active = false;
}

bool sched_slice_expired(void)
{
	return slice_over || rdtsc() >= slice_deadline;
}

/* A guest whose timer is always due (a periodic LAPIC timer with count
 * 1) must still run between its exits: an exit for a virtual timer comes
 * no sooner than this after the entry. */
#define SCHED_MIN_RUN_US 10

u64 sched_exit_deadline(struct vcpu *v)
{
	u64 now = rdtsc(), soonest = now + us_to_tsc(SCHED_MIN_RUN_US);
	u64 end = slice_active ? slice_deadline : now + us_to_tsc(sched_slice_us);
	return MIN(end, MAX(vplat_next_event(v->vm), soonest));
}

void sched_arm_exit_timer(struct vcpu *v)
{
	if (!slice_active)
		return;      /* entries outside the run loop (self-tests) */
	u64 d = sched_exit_deadline(v);
	if (d < timer_armed)
		sched_arm(d);
}

void sched_take_host_interrupts(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

/* True when a guest of vms[0..n) other than vm is waiting for a swap-in:
 * the slice vm gets now is progress made while that I/O is outstanding. */
static bool sched_other_waits_for_io(const struct vm *vms, size_t n, const struct vm *vm)
{
	for (size_t i = 0; i < n; i++)
		if (&vms[i] != vm && vms[i].state == VM_RUNNING && vms[i].waiting == VM_WAIT_IO)
			return true;
	return false;
}

/* Give vm one slice: enter it until it yields, ends, or the slice is over
 * (the vendor returns EXIT_YIELD after the slice timer's exit). */
static void sched_give_slice(struct vm *vm, bool others_wait_io)
{
	vm->slices++;
	if (others_wait_io)
		vm->slices_during_io++;
	sched_slice_start();
	while (vm->state == VM_RUNNING) {
		enum exit_action a = vcpu_ops->run(&vm->vcpu);
		blk_poll();     /* completions are driven from every exit and tick */
		if (a == EXIT_KILL && vm->state == VM_RUNNING)
			vm_kill(vm, "killed by the %s exit handler", vcpu_ops->name);
		/* The TSC check ends the slice at the next exit even where the
		 * timer's interrupt cannot reach us (Bochs SVM, see docs/svm.md). */
		if (a == EXIT_YIELD || sched_slice_expired() || vm->waiting)
			break;
	}
	sched_slice_stop();
}

static void sched_check_timeout(struct vm *vm, u64 now)
{
	if (vm->timeout_ms && !vm->deadline_tsc)
		vm->deadline_tsc = now + us_to_tsc(vm->timeout_ms * 1000);
	if (vm->deadline_tsc && now >= vm->deadline_tsc)
		vm_kill(vm, "timeout of %lu ms reached", vm->timeout_ms);
}

/* True when every running guest sleeps in HLT. */
static bool sched_all_halted(const struct vm *vms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vms[i].state == VM_RUNNING && vms[i].waiting != VM_WAIT_HLT)
			return false;
	return true;
}

/* Nothing to run before TSC `until` (VDEV_NO_EVENT: until an input or
 * timeout): halt the host CPU, at most one slice, so guest timeouts and
 * console input are still looked at. */
static void sched_sleep(u64 until)
{
	u64 now = rdtsc(), limit = now + us_to_tsc(sched_slice_us);
	if (until <= now)
		return;
	slice_deadline = MIN(until, limit);
	slice_over = false;
	sched_arm(slice_deadline);
	while (!sched_slice_expired()) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		focus_poll();
	}
	sched_slice_stop();
}

/* A halted guest wakes when an interrupt is due for it. */
static void sched_wake_halted(struct vm *vm)
{
	if (vm->waiting == VM_WAIT_HLT && emu_can_wake(&vm->vcpu))
		vm->waiting = VM_WAIT_NONE;
}

/* Every running guest waits (for swap I/O, frames or an interrupt): drive the disks
 * until one can run. With no I/O left in flight nothing could wake a
 * frame waiter, so they retry (and fail if still nothing can be freed). */
static void sched_idle(struct vm *vms, size_t n)
{
	u64 wake = VDEV_NO_EVENT;
	blk_poll();
	if (blk_busy())
		return;
	for (size_t i = 0; i < n; i++) {
		if (vms[i].waiting == VM_WAIT_FRAMES)
			vms[i].waiting = VM_WAIT_NONE;
		if (vms[i].state == VM_RUNNING && vms[i].waiting == VM_WAIT_HLT)
			wake = MIN(wake, vplat_next_event(&vms[i]));
	}
	if (wake != VDEV_NO_EVENT || sched_all_halted(vms, n))
		sched_sleep(wake);
}

/* A guest can end outside its own slice (a swap-in failing in another's
 * I/O completion, a timeout): tear it down once, whenever it is seen. */
static void sched_reap(struct vm *vm, void (*ended)(struct vm *vm))
{
	if (vm->sched_live && vm->state != VM_RUNNING) {
		vm->sched_live = false;
		ended(vm);
	}
}

void sched_run(struct vm *vms, size_t n, void (*ended)(struct vm *vm))
{
	size_t running, runnable;
	for (size_t i = 0; i < n; i++)
		vms[i].sched_live = vms[i].state == VM_RUNNING;
	do {
		focus_poll();
		running = runnable = 0;
		for (size_t i = 0; i < n; i++) {
			struct vm *vm = &vms[i];
			sched_reap(vm, ended);
			if (vm->state != VM_RUNNING)
				continue;
			sched_check_timeout(vm, rdtsc());
			sched_wake_halted(vm);
			if (vm->state == VM_RUNNING && vm->waiting == VM_WAIT_NONE) {
				runnable++;
				sched_give_slice(vm, sched_other_waits_for_io(vms, n, vm));
				pager_balance();
			}
			if (vm->state == VM_RUNNING)
				running++;
			else
				sched_reap(vm, ended);
			if (sched_sequential && vm->state == VM_RUNNING)
				break;   /* the later guests wait for this one's end */
		}
		if (running && !runnable)
			sched_idle(vms, n);
	} while (running);
	for (size_t i = 0; i < n; i++)
		sched_reap(&vms[i], ended);
}

/* The slice timer really ends a slice: arm it, let interrupts in, and
 * wait (bounded by ten slices of TSC) until its interrupt marks the slice
 * over, no earlier than the slice's end. A timer that runs a little fast
 * against the TSC (calibration on a loaded host) fires early and re-arms
 * itself for the rest: allow a few such ticks, not a stream. */
static bool test_slice_timer(void)
{
	u64 limit = rdtsc() + 10 * us_to_tsc(sched_slice_us);
	bool over;

	sched_slice_stop();
	sched_take_host_interrupts();   /* a tick left pending by an earlier test */
	u64 ticks = sched_ticks;
	sched_slice_start();
	u64 end = slice_deadline;
	while (!slice_over && rdtsc() < limit)
		sched_take_host_interrupts();
	over = slice_over;
	u64 now = rdtsc();
	sched_slice_stop();
	ST_CHECK(over);
	ST_CHECK(sched_ticks >= ticks + 1 && sched_ticks <= ticks + 4);
	ST_CHECK(now + us_to_tsc(SCHED_EARLY_US) >= end);
	return true;
}
SELFTEST("sched-slice-timer", test_slice_timer);
