/* The slice timer (see core/sched.h). One-shot LAPIC timer per slice: the
 * handler only records that the slice is over; the run loop does the
 * switching, outside interrupt context. */
#include "core/sched.h"
#include "core/cpu.h"
#include "core/idt.h"
#include "drivers/lapic.h"

u64 sched_slice_us = SCHED_SLICE_US_DEFAULT;
u64 sched_ticks;
static volatile bool slice_over;

static void sched_tick(struct regs *r)
{
	(void)r;
	slice_over = true;
	sched_ticks++;
	lapic_eoi();
}

void sched_init(void)
{
	idt_set_handler(SCHED_VECTOR, sched_tick);
}

void sched_slice_start(void)
{
	slice_over = false;
	lapic_timer_oneshot(sched_slice_us, SCHED_VECTOR);
}

void sched_slice_stop(void)
{
	lapic_timer_stop();
	slice_over = false;
}

bool sched_slice_expired(void)
{
	return slice_over;
}

void sched_take_host_interrupts(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}
