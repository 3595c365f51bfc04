/* Local APIC of the boot CPU (xAPIC through MMIO, or x2APIC through MSRs when
 * firmware left it in that mode), its timer calibrated against the PIT, and
 * TSC <-> time conversion from the same calibration. */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include "core/types.h"

#define LAPIC_SPURIOUS_VECTOR 0xff
#define LAPIC_TIMER_VECTOR    0xf0   /* suggested vector for the host timer */
#define PIC_VECTOR_BASE       0x20   /* masked 8259s are remapped here */

/* Mask both 8259 PICs, find the LAPIC through IA32_APIC_BASE and enable it
 * (SVR bit 8, spurious vector 0xff) with its timer and LINT0 masked.
 * Reports an error and leaves the LAPIC alone if the CPU has none. */
void lapic_init(void);

/* Measure the LAPIC timer (divide by 16) and the TSC over 10 ms of PIT
 * channel 2 and print the `timer:` line. On failure (no PIT, timer not
 * counting) report it and keep 1 GHz fallback rates; lapic_is_calibrated()
 * tells which. Call after lapic_init(). */
void lapic_timer_calibrate(void);

/* Arm the timer to fire vector once after us microseconds / every us
 * microseconds. The handler (idt_set_handler) must call lapic_eoi(). */
void lapic_timer_oneshot(u64 us, u8 vector);
void lapic_timer_periodic(u64 us, u8 vector);

/* Stop and mask the timer. */
void lapic_timer_stop(void);

/* Signal end of interrupt for the interrupt being serviced. */
void lapic_eoi(void);

/* This CPU's APIC ID. */
u32 lapic_id(void);

/* True once lapic_timer_calibrate() succeeded. */
bool lapic_is_calibrated(void);

/* Calibrated rates in kHz: the undivided timer input ("bus") clock, and
 * the TSC. Before calibration both read as 1,000,000 (1 GHz). */
u64 lapic_bus_khz(void);
u64 tsc_khz(void);

/* TSC ticks <-> microseconds using the calibrated TSC rate. */
u64 tsc_to_us(u64 ticks);
u64 us_to_tsc(u64 us);

/* Busy-wait at least us microseconds on the TSC. */
void tsc_wait_us(u64 us);

#endif
