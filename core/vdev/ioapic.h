/* The guest's I/O APIC (82093AA data sheet, version 0x11): 24 pins with
 * redirection entries at IOREGSEL (offset 0x00) / IOWIN (offset 0x10) of
 * its MMIO page at 0xFEC00000. Edge pins deliver on the rising edge;
 * level pins deliver while asserted and remote IRR is clear, and are
 * re-armed by the local APIC's EOI (vioapic_eoi). Pure. */
#ifndef CORE_VDEV_IOAPIC_H
#define CORE_VDEV_IOAPIC_H

#include "core/types.h"

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_PINS 24
#define VIOAPIC_VERSION 0x11

/* Where an interrupt message goes (the platform glue checks the
 * destination against its local APIC and calls vlapic_accept). */
struct vioapic_msg {
	u8 vector;
	u8 delivery;        /* 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT */
	bool logical;       /* destination mode */
	u8 dest;            /* APIC ID (physical) or logical mask */
	bool level;         /* trigger mode */
};

struct vioapic_sink {
	void (*deliver)(void *ctx, const struct vioapic_msg *m);
	void *ctx;
};

struct vioapic {
	u32 id;                       /* IOAPIC ID register bits 27:24 */
	u32 sel;                      /* IOREGSEL */
	u64 redir[VIOAPIC_PINS];      /* redirection table; bit 14 remote IRR, bit 12 status */
	u32 level;                    /* current input level of each pin */
	u64 delivered;                /* messages sent (statistics) */
	u64 odd_accesses;             /* accesses other than aligned 32-bit to the two registers */
	struct vioapic_sink sink;     /* (c) */
};

/* Reset: every pin masked, ID `id`. */
void vioapic_init(struct vioapic *io, u32 id, const struct vioapic_sink *sink);

/* MMIO at offset 0..0xFFF of the page, size 1, 2, 4 or 8. Only aligned
 * 32-bit accesses to IOREGSEL/IOWIN have effect; others read 0 (or the
 * covered register bytes) / are dropped, and count odd_accesses. */
u64 vioapic_mmio_read(struct vioapic *io, u32 offset, u8 size);
void vioapic_mmio_write(struct vioapic *io, u32 offset, u8 size, u64 val);

/* Drive input pin `pin` (0..23) to `level`. */
void vioapic_set_irq(struct vioapic *io, u8 pin, bool level);

/* The local APIC's EOI of level-triggered `vector`: clear remote IRR of
 * the pins using it, and deliver again those still asserted. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
