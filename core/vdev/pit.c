/* The guest's 8254 PIT (Intel 82C54 data sheet): counts and OUT levels are
 * computed from the guest TSC and the TSC at which counting started, never
 * accumulated tick by tick, so reads never drift. Port 0x61 carries
 * channel 2's gate and OUT. Pure. */
#include "core/vdev/pit.h"
#include "core/string.h"

#define PIT_REFRESH_CLOCKS 18    /* ~15.09 us: port 0x61 bit 4 toggles */

/* a * b / c rounded down (or up), exactly, without the 128-bit division
 * the freestanding image cannot link: (a/c)*b + (a%c)*b/c, where (a%c)*b
 * fits 64 bits because b * c does (PIT rate times TSC rate < 2^64). */
static u64 pit_muldiv(u64 a, u64 b, u64 c, bool round_up)
{
	u64 r = (a % c) * b;
	return a / c * b + (r + (round_up ? c - 1 : 0)) / c;
}

void vpit_init(struct vpit *p, u64 tsc_hz, const struct vdev_irq *irq)
{
	memset(p, 0, sizeof(*p));
	p->tsc_hz = tsc_hz;
	if (irq)
		p->irq = *irq;
	for (int i = 0; i < 3; i++) {
		p->ch[i].gate = i != 2;
		p->ch[i].access = 3;
		p->ch[i].reload = 0x10000;
	}
	p->next_irq = VDEV_NO_EVENT;
}

/* Whole PIT clocks in TSC interval dt. */
static u64 pit_clocks(const struct vpit *p, u64 dt)
{
	return pit_muldiv(dt, VPIT_HZ, p->tsc_hz, false);
}

/* The first TSC at which `clocks` PIT clocks have elapsed since start. */
static u64 pit_tsc_at(const struct vpit *p, u64 start, u64 clocks)
{
	return start + pit_muldiv(clocks, p->tsc_hz, VPIT_HZ, true);
}

/* Clocks counted by c at now since its count was loaded or triggered. */
static u64 pit_elapsed(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	u64 run = c->armed && now > c->start ? pit_clocks(p, now - c->start) : 0;
	return c->done + run;
}

/* The period of modes 2 and 3 (a count of 1 is illegal there). */
static u64 pit_period(const struct vpit_channel *c)
{
	return MAX(c->reload, 2u);
}

bool vpit_out(const struct vpit *p, int n, u64 now)
{
	const struct vpit_channel *c = &p->ch[n];
	u64 d = pit_elapsed(p, c, now), per = pit_period(c);
	switch (c->mode) {
	case 0: return c->loaded && d >= c->reload;
	case 1: return !c->armed || d >= c->reload;
	case 2: return !c->armed || d % per != per - 1;
	case 3: return !c->armed || d % per < (per + 1) / 2;
	default: return !c->loaded || d != c->reload;  /* 4, 5: one-clock strobe */
	}
}

u16 vpit_count(const struct vpit *p, int n, u64 now)
{
	const struct vpit_channel *c = &p->ch[n];
	u64 d = pit_elapsed(p, c, now), per = pit_period(c);
	if (!c->armed && !c->done)
		return (u16)c->reload;
	if (c->mode == 2)
		return (u16)(per - d % per);
	if (c->mode == 3) {
		u64 k = d % per, high = (per + 1) / 2;
		return (u16)(per - 2 * (k < high ? k : k - high)) & 0xfffe;
	}
	return (u16)(c->reload - d);   /* 0, 1, 4, 5 wrap past zero */
}

/* Index (in PIT clocks since start) of channel 0's first rising OUT edge
 * after d clocks, or ~0 if none comes. */
static u64 pit_next_edge(const struct vpit_channel *c, u64 d)
{
	u64 per = pit_period(c);
	if (!c->armed)
		return ~0ull;
	if (c->mode == 2 || c->mode == 3)
		return (d / per + 1) * per;
	if (c->mode == 0)
		return d < c->reload ? c->reload : ~0ull;
	if (c->mode == 4 || c->mode == 5)
		return d <= c->reload ? c->reload + 1 : ~0ull;
	return ~0ull;   /* mode 1: OUT rises at its end, but IRQ 0's gate never triggers it */
}

/* Recompute channel 0's next interrupt after d clocks of its count. */
static void pit_schedule(struct vpit *p, u64 now)
{
	struct vpit_channel *c = &p->ch[0];
	u64 d = pit_elapsed(p, c, now);
	u64 e = pit_next_edge(c, d);
	p->next_irq = e == ~0ull ? VDEV_NO_EVENT : pit_tsc_at(p, c->start, e - c->done);
}

void vpit_tick(struct vpit *p, u64 now)
{
	if (p->next_irq == VDEV_NO_EVENT || now < p->next_irq)
		return;
	vdev_irq_pulse(&p->irq, 0);
	p->irqs++;
	pit_schedule(p, now);
}

u64 vpit_next_event(const struct vpit *p)
{
	return p->next_irq;
}

/* Start counting the loaded value now (a count write with the gate high,
 * or a gate trigger). */
static void pit_start(struct vpit_channel *c, u64 now)
{
	c->start = now;
	c->done = 0;
	c->armed = true;
	c->null_count = false;
}

/* A complete count arrived. Modes 0, 2, 3, 4 start at once when the gate is
 * high; 1 and 5 wait for a gate trigger. A new count restarts counting at
 * once (the data sheet defers it to the end of the period in modes 2/3). */
static void pit_load(struct vpit_channel *c, u16 val, u64 now)
{
	c->reload = val ? val : 0x10000;
	c->loaded = true;
	c->armed = false;
	c->done = 0;
	bool gated = c->mode == 1 || c->mode == 5;
	c->null_count = gated;   /* others load on the next clock, gate or not */
	if (!gated && c->gate)
		pit_start(c, now);
}

static void pit_write_count(struct vpit *p, int n, u8 val, u64 now)
{
	struct vpit_channel *c = &p->ch[n];
	if (c->access == 3 && !c->write_msb_next) {
		c->write_lsb = val;
		c->write_msb_next = true;
		if (c->mode == 0) {   /* the first byte stops the count, OUT low */
			c->armed = false;
			c->loaded = false;
			c->done = 0;
		}
		return;
	}
	u16 v = c->access == 1 ? val : c->access == 2 ? (u16)(val << 8)
					: (u16)(c->write_lsb | val << 8);
	c->write_msb_next = false;
	pit_load(c, v, now);
}

static u8 pit_status(const struct vpit *p, int n, u64 now)
{
	const struct vpit_channel *c = &p->ch[n];
	return (u8)((vpit_out(p, n, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
		    c->access << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
}

static void pit_latch_count(struct vpit *p, int n, u64 now)
{
	struct vpit_channel *c = &p->ch[n];
	if (c->latched)
		return;
	c->latched = true;
	c->latch = vpit_count(p, n, now);
	c->read_msb_next = false;
}

/* Read-back command (82C54 data sheet): bit 5 clear latches counts, bit 4
 * clear latches status, bits 3:1 select channels 2..0. */
static void pit_read_back(struct vpit *p, u8 val, u64 now)
{
	for (int n = 0; n < 3; n++) {
		if (!(val & BIT(n + 1)))
			continue;
		if (!(val & 0x20))
			pit_latch_count(p, n, now);
		if (!(val & 0x10) && !p->ch[n].status_latched) {
			p->ch[n].status = pit_status(p, n, now);
			p->ch[n].status_latched = true;
		}
	}
}

static void pit_control(struct vpit *p, u8 val, u64 now)
{
	int n = val >> 6;
	if (n == 3) {
		pit_read_back(p, val, now);
		return;
	}
	struct vpit_channel *c = &p->ch[n];
	u8 rw = (val >> 4) & 3;
	if (!rw) {
		pit_latch_count(p, n, now);
		return;
	}
	c->access = rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;   /* x10 and x11 are modes 2 and 3 */
	c->bcd = val & 1;
	c->armed = c->loaded = c->latched = c->status_latched = false;
	c->write_msb_next = c->read_msb_next = false;
	c->done = 0;
	c->null_count = true;
	if (n == 0)
		pit_schedule(p, now);
}

/* A byte of the latched value or the live count, LSB/MSB per the access
 * mode; in LSB-then-MSB mode reads alternate. */
static u8 pit_read_counter(struct vpit *p, int n, u64 now)
{
	struct vpit_channel *c = &p->ch[n];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	u16 v = c->latched ? c->latch : vpit_count(p, n, now);
	bool msb = c->access == 2 || (c->access == 3 && c->read_msb_next);
	if (c->access == 3)
		c->read_msb_next = !c->read_msb_next;
	if (c->latched && (c->access != 3 || !c->read_msb_next))
		c->latched = false;
	return msb ? (u8)(v >> 8) : (u8)v;
}

/* Channel 2's gate follows port 0x61 bit 0: a rising edge (re)triggers
 * modes 1, 2, 3, 5; in modes 0 and 4 the gate pauses and resumes. */
static void pit_set_gate2(struct vpit *p, bool gate, u64 now)
{
	struct vpit_channel *c = &p->ch[2];
	if (gate == c->gate)
		return;
	c->gate = gate;
	bool pausing = c->mode == 0 || c->mode == 4;
	if (!c->loaded)
		return;
	if (pausing && !gate) {
		c->done = pit_elapsed(p, c, now);
		c->armed = false;
	} else if (pausing) {
		u64 done = c->done;
		pit_start(c, now);
		c->done = done;
	} else if (gate) {
		pit_start(c, now);
	} else if (c->mode == 2 || c->mode == 3) {
		c->armed = false;   /* OUT goes high, counting stops */
	}
}

static u8 pit_port61_read(const struct vpit *p, u64 now)
{
	bool refresh = (pit_clocks(p, now) / PIT_REFRESH_CLOCKS) & 1;
	return (u8)(p->port61 | (refresh ? 0x10 : 0) | (vpit_out(p, 2, now) ? 0x20 : 0));
}

u8 vpit_io_read(struct vpit *p, u16 port, u64 now)
{
	if (port == 0x61)
		return pit_port61_read(p, now);
	if (port >= 0x40 && port <= 0x42)
		return pit_read_counter(p, port - 0x40, now);
	return 0xff;   /* the control word register cannot be read */
}

void vpit_io_write(struct vpit *p, u16 port, u8 val, u64 now)
{
	if (port == 0x61) {
		p->port61 = val & 3;
		pit_set_gate2(p, val & 1, now);
	} else if (port == 0x43) {
		pit_control(p, val, now);
	} else if (port >= 0x40 && port <= 0x42) {
		pit_write_count(p, port - 0x40, val, now);
		if (port == 0x40)
			pit_schedule(p, now);
	}
}
