/* The guest's 8259A pair (Intel 8259A data sheet): master at 0x20/0x21,
 * slave at 0xA0/0xA1 cascaded on master IR2, ELCR at 0x4D0/0x4D1 (edge or
 * level per line). ICW1-ICW4 initialisation, OCW1 masks, OCW2 EOIs
 * (non-specific, specific, rotate), OCW3 reads of IRR/ISR and poll mode,
 * auto-EOI, special mask mode, spurious IRQ 7/15. Pure. */
#ifndef CORE_VDEV_PIC_H
#define CORE_VDEV_PIC_H

#include "core/types.h"

struct vpic_chip {
	u8 irr, isr, imr;
	u8 vector_base;        /* ICW2 & 0xF8 */
	u8 icw_step;           /* 0 = initialised; 2..4 = next ICW expected */
	bool icw4_needed, single, auto_eoi, special_mask, poll, read_isr;
	u8 priority_add;       /* rotation: the lowest-priority line + 1 */
	u8 elcr;               /* 1 = level-triggered line */
	u8 level;              /* current input levels */
	u8 last_level;         /* for edge detection */
	bool rotate_aeoi;      /* OCW2 rotate in auto-EOI mode */
};

struct vpic {
	struct vpic_chip chip[2];   /* 0 master, 1 slave */
	u64 spurious;               /* acknowledges that found no request */
};

/* Reset state: uninitialised chips, everything masked (imr 0xFF), vector
 * bases 0x08 / 0x70 as a BIOS leaves them. */
void vpic_init(struct vpic *p);

/* Port access: 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1. */
u8 vpic_io_read(struct vpic *p, u16 port);
void vpic_io_write(struct vpic *p, u16 port, u8 val);

/* Drive input line irq (0..15) to level. */
void vpic_set_irq(struct vpic *p, u8 irq, bool level);

/* The master's INTR output: the vector an acknowledge would return now,
 * or -1 when INTR is low. */
int vpic_pending(const struct vpic *p);

/* Interrupt acknowledge (the CPU takes the interrupt): returns the vector
 * and moves the request to ISR (or completes it with auto-EOI); a request
 * that went away gives the spurious vector of IR7 of that chip. */
u8 vpic_ack(struct vpic *p);

#endif
