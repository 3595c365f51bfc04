/* The guest's MC146818 CMOS RTC at 0x70 (index; bit 7 masks NMI) / 0x71
 * (data): time and date (BCD or binary, 12 or 24 hour, per register B),
 * registers A-D, periodic interrupt (rate from register A), update-ended
 * and alarm interrupts on IRQ 8 with register C flags cleared by reading,
 * update-in-progress in register A, the century byte at 0x32, and the
 * CMOS memory-size bytes a PC BIOS leaves (0x15-0x18, 0x30-0x31,
 * 0x34-0x35, 0x5B-0x5D). Time advances with the guest TSC. Pure. */
#ifndef CORE_VDEV_RTC_H
#define CORE_VDEV_RTC_H

#include "core/types.h"
#include "core/vdev/irq.h"

#define VRTC_IRQ 8
#define VRTC_LOWMEM_MAX 0xc0000000ull   /* vrtc_init's RAM split at 3 GiB */

/* Calendar time (binary values). */
struct vrtc_time {
	u16 year;        /* e.g. 2026 */
	u8 month, day;   /* 1-based */
	u8 hour, min, sec;
	u8 weekday;      /* 1 = Sunday */
};

struct vrtc {
	u64 tsc_hz;                /* (c) */
	u8 index;
	u8 cmos[128];              /* raw bytes; time registers kept current by vrtc_update */
	u64 base_tsc;              /* TSC at which base_secs was the time */
	u64 base_secs;             /* seconds since 2000-01-01 00:00 at base_tsc */
	u64 next_periodic;         /* TSC of the next periodic interrupt, or VDEV_NO_EVENT */
	u64 next_second;           /* TSC of the next update cycle */
	bool irq_line;             /* IRQ 8 asserted (until register C is read) */
	u64 irqs;                  /* interrupts raised (statistics) */
	struct vdev_irq irq;       /* (c) line 8 */
};

/* Start at calendar time t at TSC now, with ram_bytes of guest RAM for
 * the memory-size bytes. Register B: 24-hour, BCD; interrupts off. */
void vrtc_init(struct vrtc *r, u64 tsc_hz, const struct vrtc_time *t, u64 ram_bytes,
	       u64 now, const struct vdev_irq *irq);

/* Ports 0x70 and 0x71. */
u8 vrtc_io_read(struct vrtc *r, u16 port, u64 now);
void vrtc_io_write(struct vrtc *r, u16 port, u8 val, u64 now);

/* Rewrite the memory-size bytes for below_4g bytes of RAM under 4 GiB and
 * above_4g above it (vrtc_init assumes at most 3 GiB below 4 GiB). */
void vrtc_set_ram(struct vrtc *r, u64 below_4g, u64 above_4g);

/* The calendar time the guest's clock shows at now (or shows frozen while
 * register B's SET bit is on). */
void vrtc_get_time(struct vrtc *r, u64 now, struct vrtc_time *t);

/* Raise due interrupts (periodic, update-ended, alarm) up to now; nothing
 * to do (and cheap) before vrtc_next_event(). */
void vrtc_tick(struct vrtc *r, u64 now);

/* TSC of the next event that may raise IRQ 8, or VDEV_NO_EVENT. */
u64 vrtc_next_event(const struct vrtc *r);

#endif
