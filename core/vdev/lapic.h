/* The guest's local APIC (Intel SDM Vol. 3A ch. 11): xAPIC registers in
 * the 4 KiB MMIO page at IA32_APIC_BASE (default 0xFEE00000), x2APIC
 * through MSRs 0x800-0x8FF, the timer in one-shot, periodic and
 * TSC-deadline modes, IRR/ISR/TMR with priorities (TPR/PPR), EOI, and the
 * ICR (self-IPIs and NMIs delivered; INIT/SIPI and IPIs to CPUs the guest
 * does not have are dropped, the delivery-status bit reads idle at once).
 * Pure: time is the guest's TSC (`now`), which equals the host's. */
#ifndef CORE_VDEV_LAPIC_H
#define CORE_VDEV_LAPIC_H

#include "core/types.h"
#include "core/vdev/irq.h"

#define VLAPIC_DEFAULT_BASE 0xfee00000ull
#define VLAPIC_BUS_HZ 100000000ull     /* timer input clock before the divider */
#define VLAPIC_VERSION 0x14            /* integrated APIC */
#define VLAPIC_LVT_COUNT 7             /* CMCI, timer, thermal, perf, LINT0, LINT1, error */

/* Called on an EOI for a vector whose TMR bit was set (level-triggered):
 * the IOAPIC clears its remote IRR. */
struct vlapic_eoi_hook {
	void (*eoi)(void *ctx, u8 vector);
	void *ctx;
};

struct vlapic {
	u32 id;                       /* (c) APIC ID */
	u64 tsc_hz;                   /* (c) TSC ticks per second */
	u64 base_msr;                 /* IA32_APIC_BASE: base | EN (bit 11) | EXTD (bit 10) | BSP (bit 8) */
	u32 tpr, svr, ldr, dfr, esr, esr_pending;
	u32 lvt[VLAPIC_LVT_COUNT];
	u32 icr_lo, icr_hi;
	u32 irr[8], isr[8], tmr[8];   /* 256-bit vectors, 32 per word */
	u32 timer_icr, timer_dcr;     /* initial count, divide configuration */
	u64 timer_start;              /* TSC when the count was (re)loaded */
	u32 timer_count0;             /* count at timer_start (the initial count, or
	                               * what was left when the divider changed) */
	u64 timer_next;               /* TSC of the next expiry, VDEV_NO_EVENT if none */
	u64 tsc_deadline;             /* IA32_TSC_DEADLINE, 0 = disarmed */
	bool nmi_pending;             /* an NMI was sent to this CPU (ICR, LINT) */
	u64 timer_fired;              /* timer interrupts raised (statistics) */
	u64 odd_accesses;             /* MMIO accesses that were not aligned 32-bit */
	u64 ipis_dropped;             /* ICR messages to other CPUs, INIT, SIPI, SMI */
	struct vlapic_eoi_hook eoi;   /* (c) */
};

/* Reset state (SDM Vol. 3A 11.4.7.1): enabled, xAPIC mode, at the default
 * base, BSP, all LVTs masked, SVR 0xFF (software-disabled). */
void vlapic_init(struct vlapic *l, u32 id, u64 tsc_hz, const struct vlapic_eoi_hook *eoi);

/* What firmware leaves for an OS (MP spec virtual wire mode): software
 * enabled, LINT0 ExtINT and LINT1 NMI unmasked, so the 8259 reaches the
 * CPU through LINT0. For guests booted without a BIOS. */
void vlapic_set_virtual_wire(struct vlapic *l);

/* True while guest-physical page `page` is the xAPIC MMIO page (enabled,
 * not in x2APIC mode). */
bool vlapic_mmio_covers(const struct vlapic *l, u64 page);

/* xAPIC MMIO at `offset` (0..0xFFF) within the page, `size` 1, 2, 4 or 8
 * bytes. Aligned 32-bit accesses are the architectural ones; any other
 * width or alignment reads the covered bytes of the 32-bit registers
 * (reserved bytes read 0) and writes are dropped; both count odd_accesses.
 * Writes to read-only registers are ignored. */
u64 vlapic_mmio_read(struct vlapic *l, u32 offset, u8 size, u64 now);
void vlapic_mmio_write(struct vlapic *l, u32 offset, u8 size, u64 val, u64 now);

/* MSRs: IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) and, in x2APIC
 * mode, 0x800-0x8FF. Returns false when the access is a #GP (reserved
 * bits, x2APIC MSR outside x2APIC mode, read of a write-only register,
 * illegal mode transition). */
bool vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val, u64 now);
bool vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, u64 now);

/* An interrupt message (from the IOAPIC or an IPI) with fixed delivery:
 * set the IRR bit (and TMR when level-triggered). Vectors 0-15 are
 * illegal: they set the "receive illegal vector" error instead. */
void vlapic_accept(struct vlapic *l, u8 vector, bool level);

/* The vector the CPU would take now: highest IRR above the processor
 * priority (PPR), or -1. Fixed delivery needs the APIC enabled. */
int vlapic_pending(const struct vlapic *l);

/* The CPU took `vector` (it was injected): move it from IRR to ISR. */
void vlapic_ack(struct vlapic *l, u8 vector);

/* Whether the 8259's INTR reaches the CPU: the APIC is hardware-disabled
 * (virtual wire) or LVT LINT0 is unmasked with ExtINT delivery. */
bool vlapic_accepts_pic(const struct vlapic *l);

/* Advance the timer to `now`: raise its interrupt if it expired (once per
 * call for periodic mode; missed periods are skipped, not queued). */
void vlapic_tick(struct vlapic *l, u64 now);

/* TSC of the next timer expiry, or VDEV_NO_EVENT. */
u64 vlapic_next_event(const struct vlapic *l);

#endif
