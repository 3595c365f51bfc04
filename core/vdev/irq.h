/* How a device model signals an interrupt line: the platform glue
 * (core/vplat.c) routes line numbers to the PIC and the IOAPIC. Models
 * stay pure (host-testable): they call the function they were given. */
#ifndef CORE_VDEV_IRQ_H
#define CORE_VDEV_IRQ_H

#include "core/types.h"

/* Set interrupt line `line` to `level` (true = asserted). Edge-triggered
 * sources pulse: set(true) then set(false). */
struct vdev_irq {
	void (*set)(void *ctx, u8 line, bool level);
	void *ctx;
};

static inline void vdev_irq_set(const struct vdev_irq *irq, u8 line, bool level)
{
	if (irq->set)
		irq->set(irq->ctx, line, level);
}

static inline void vdev_irq_pulse(const struct vdev_irq *irq, u8 line)
{
	vdev_irq_set(irq, line, true);
	vdev_irq_set(irq, line, false);
}

/* "No event scheduled" for the *_next_event() functions. */
#define VDEV_NO_EVENT (~0ull)

#endif
