/* The guest's 8254 PIT (Intel 82C54 data sheet) at 0x40-0x43 with its
 * 1.193182 MHz input, and port 0x61 (NMI status and control): bit 0 gates
 * channel 2, bit 1 enables the speaker, bit 5 reads channel 2's OUT (Linux
 * calibrates the TSC by polling it), bit 4 toggles like the refresh clock.
 * Modes 0-5, binary counting (BCD counts are accepted and counted as
 * binary), LSB/MSB/both access, counter latch and read-back commands.
 * Channel 0's OUT drives IRQ 0. Pure: time is the guest TSC. */
#ifndef CORE_VDEV_PIT_H
#define CORE_VDEV_PIT_H

#include "core/types.h"
#include "core/vdev/irq.h"

#define VPIT_HZ 1193182ull

struct vpit_channel {
	u8 mode;               /* 0..5 */
	u8 access;             /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	u32 reload;            /* count written (0 means 0x10000) */
	u64 start;             /* TSC when counting started from reload */
	bool armed;            /* counting from start: loaded, gate allows it (1/5: triggered) */
	bool write_msb_next, read_msb_next;
	u8 write_lsb;
	bool latched;          /* counter latch command */
	u16 latch;
	bool status_latched;
	u8 status;
	bool null_count;
	bool loaded;           /* a complete count was written since the control word */
	u64 done;              /* modes 0/4: PIT clocks counted before a gate pause */
};

struct vpit {
	u64 tsc_hz;                    /* (c) */
	struct vpit_channel ch[3];
	u8 port61;                     /* bits 0,1 as written */
	u64 next_irq;                  /* TSC of channel 0's next rising OUT, or VDEV_NO_EVENT */
	u64 irqs;                      /* IRQ 0 edges raised (statistics) */
	struct vdev_irq irq;           /* (c) line 0 */
};

/* Reset state: no counts written (channel 0 raises nothing until
 * programmed), channel 2's gate low (port 0x61 = 0). irq may be NULL. */
void vpit_init(struct vpit *p, u64 tsc_hz, const struct vdev_irq *irq);

/* Ports 0x40-0x43 and 0x61 (1-byte accesses). */
u8 vpit_io_read(struct vpit *p, u16 port, u64 now);
void vpit_io_write(struct vpit *p, u16 port, u8 val, u64 now);

/* Raise IRQ 0 if channel 0's OUT rose since the last call (once per call:
 * missed periods of a descheduled guest are not queued). */
void vpit_tick(struct vpit *p, u64 now);

/* TSC of channel 0's next interrupt, or VDEV_NO_EVENT. */
u64 vpit_next_event(const struct vpit *p);

/* Channel n's OUT pin at now (channel 2's is port 0x61 bit 5). */
bool vpit_out(const struct vpit *p, int n, u64 now);

/* Channel n's current count at now (what a counter latch would capture). */
u16 vpit_count(const struct vpit *p, int n, u64 now);

#endif
