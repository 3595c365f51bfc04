/* PC platform helpers for test guests: the local APIC (xAPIC MMIO or x2APIC
 * MSRs), the IOAPIC, the 8259 pair, the 8254 PIT and CMOS RTC registers,
 * and the TSC calibration the timing tests measure against. Call
 * rt_pc_init() once before any of them. */
#ifndef RT_PC_H
#define RT_PC_H

#include "rt.h"

#define LAPIC_BASE      0xFEE00000UL
#define IOAPIC_BASE     0xFEC00000UL
#define MSR_APIC_BASE   0x1B
#define APIC_BASE_BSP   (1UL << 8)
#define APIC_BASE_EXTD  (1UL << 10)     /* x2APIC mode */
#define APIC_BASE_EN    (1UL << 11)
#define MSR_X2APIC_BASE 0x800
#define MSR_TSC_DEADLINE 0x6E0

/* LAPIC register offsets (SDM Vol. 3A table 11-1); x2APIC MSR = 0x800 +
 * offset / 16 (table 11-6). */
enum {
	LAPIC_ID = 0x20, LAPIC_VER = 0x30, LAPIC_TPR = 0x80, LAPIC_EOI = 0xB0,
	LAPIC_SVR = 0xF0, LAPIC_ISR = 0x100, LAPIC_IRR = 0x200,
	LAPIC_ESR = 0x280, LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_ICR = 0x380, LAPIC_TIMER_CCR = 0x390,
	LAPIC_TIMER_DCR = 0x3E0, LAPIC_SELF_IPI = 0x3F0,
};
#define LAPIC_SVR_ENABLE        (1U << 8)
#define LAPIC_LVT_MASKED        (1U << 16)
#define LAPIC_TIMER_ONESHOT     (0U << 17)
#define LAPIC_TIMER_PERIODIC    (1U << 17)
#define LAPIC_TIMER_DEADLINE    (2U << 17)
#define LAPIC_DCR_DIV1          0xB
#define LAPIC_ICR_BUSY          (1U << 12)
#define LAPIC_ICR_SELF          (1U << 18)   /* destination shorthand: self */
#define LAPIC_ICR_ALL_BUT_SELF  (3U << 18)
#define LAPIC_ICR_NMI           (4U << 8)
#define LAPIC_ICR_INIT          (5U << 8)
#define LAPIC_ICR_SIPI          (6U << 8)
#define LAPIC_ICR_ASSERT        (1U << 14)
#define LAPIC_DM_EXTINT         (7U << 8)
#define LAPIC_DM_NMI            (4U << 8)
#define LAPIC_SPURIOUS_VECTOR   0xFF

/* 8259 pair remapped by rt_pic_init: IRQ n arrives on PIC_VECTOR + n. */
#define PIC_VECTOR      0x20
#define PIC_ALL_MASKED  0xFFFF

/* 8254 PIT input clock (Hz), and its ports. */
#define PIT_HZ          1193182UL
#define PIT_CH0         0x40
#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PORT_61         0x61

/* CMOS RTC (MC146818) index/data ports and registers. */
#define RTC_INDEX       0x70
#define RTC_DATA        0x71
#define RTC_NMI_OFF     0x80
enum { RTC_SEC = 0, RTC_MIN = 2, RTC_HOUR = 4, RTC_DAY = 7, RTC_MONTH = 8,
       RTC_YEAR = 9, RTC_REG_A = 0xA, RTC_REG_B = 0xB, RTC_REG_C = 0xC,
       RTC_CENTURY = 0x32 };

/* What rt_pc_init measured. tsc_khz and lapic_khz are never 0 after it. */
struct rt_clock {
	u64 tsc_khz;
	u64 lapic_khz;                  /* LAPIC timer input at divide-by-1 */
	const char *tsc_source;         /* "cpuid 0x40000010" or "pit channel 2" */
	const char *lapic_source;
};
extern struct rt_clock rt_clock;

/* Map the APIC pages uncached, remap and mask the 8259s, mask every IOAPIC
 * pin, enable the xAPIC (SVR, spurious vector 0xFF counted silently), and
 * calibrate the TSC and the LAPIC timer; prints one `rt: tsc ...` line. */
void rt_pc_init(void);

/* Local APIC, in whichever mode is active (xAPIC MMIO, or x2APIC MSRs
 * after rt_x2apic_enable). reg is the xAPIC offset. ICR writes in x2APIC
 * mode are one 64-bit MSR write: use rt_lapic_icr. */
u32 rt_lapic_read(u32 reg);
void rt_lapic_write(u32 reg, u32 v);
void rt_lapic_eoi(void);
/* Send an IPI: lo = ICR low word, dest = destination APIC ID. In xAPIC
 * mode waits up to ~1M polls for the delivery-status bit to clear and
 * returns false if it never did. */
bool rt_lapic_icr(u32 lo, u32 dest);
/* Switch to x2APIC mode if CPUID.1:ECX[21] offers it; false if not. There
 * is no way back short of a reset on some CPUs (through the disabled state,
 * SDM Vol. 3A 11.12.5; Bochs does not re-enable the MMIO page). */
bool rt_x2apic_enable(void);
bool rt_x2apic_active(void);

/* IOAPIC: indirect registers through IOREGSEL/IOWIN. rt_ioapic_route sends
 * pin to vector on the BSP (fixed, physical, edge, active high: how ISA
 * interrupts arrive); rt_ioapic_mask masks it. */
u32 rt_ioapic_read(u8 reg);
void rt_ioapic_write(u8 reg, u32 v);
unsigned rt_ioapic_pins(void);
void rt_ioapic_route(u8 pin, u8 vector);
void rt_ioapic_mask(u8 pin);

/* 8259 pair: mask bit n masks IRQ n (bit 2 is the cascade). */
void rt_pic_init(void);
void rt_pic_set_mask(u16 mask);
u16 rt_pic_get_mask(void);
void rt_pic_eoi(u8 irq);

/* CMOS register read/write (NMI stays enabled). */
u8 rt_cmos_read(u8 reg);
void rt_cmos_write(u8 reg, u8 v);

/* With interrupts enabled, spin until *counter >= target or ms of TSC
 * time have passed; returns with IF clear, true if the target was reached.
 * For interrupts that need no HLT to arrive (self-IPIs). */
bool rt_wait_count(volatile u64 *counter, u64 target, u64 ms);

/* TSC ticks for ms milliseconds / us microseconds, per rt_clock. */
u64 rt_tsc_ms(u64 ms);
u64 rt_tsc_us(u64 us);
/* Milliseconds (x1000: microseconds) that TSC delta d stands for. */
u64 rt_tsc_to_us(u64 d);

#endif
