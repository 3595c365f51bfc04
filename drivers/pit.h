/* Intel 8254 programmable interval timer, used only as a reference clock:
 * channel 2, gated through port 0x61, serves as a one-shot stopwatch for
 * calibrating the LAPIC timer and the TSC. Its IRQ 0 is never used. */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

#include "core/types.h"

#define PIT_HZ 1193182u            /* input clock, 105/88 MHz / 10 */
#define PIT_MAX_TICKS 0xffffu      /* longest one-shot: ~54.9 ms */

/* Start channel 2 counting down ticks (1..PIT_MAX_TICKS) in mode 0 with the
 * speaker disconnected; OUT2 goes high when the count reaches zero. */
void pit_oneshot_start(u16 ticks);

/* True once the one-shot started by pit_oneshot_start() has expired. */
bool pit_oneshot_expired(void);

/* Spin until the running one-shot expires or max_polls reads of port 0x61
 * have been made; return true if it expired (false: no working PIT). */
bool pit_oneshot_wait(u64 max_polls);

/* Busy-wait at least us microseconds using channel 2 (any length: longer
 * waits are split into one-shots of at most PIT_MAX_TICKS). */
void pit_wait_us(u64 us);

/* Convert microseconds to PIT ticks, rounded up. */
static inline u64 pit_us_to_ticks(u64 us)
{
	return (us * PIT_HZ + 999999) / 1000000;
}

#endif
