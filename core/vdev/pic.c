/* The guest's 8259A pair (Intel 8259A data sheet, "Programming the 8259A"):
 * ICW/OCW decoding, priority resolution with rotation and special mask
 * mode, edge/level inputs (ELCR as on the PIIX), the cascade on master IR2
 * and interrupt acknowledge with spurious IR7/IR15. Pure. */
#include "core/vdev/pic.h"
#include "core/string.h"

#define PIC_NONE 8

/* ELCR bits that exist: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always
 * edge-triggered on a PIIX (82371AB data sheet, ELCR1/ELCR2). */
static const u8 pic_elcr_mask[2] = { 0xf8, 0xde };

static void pic_chip_reset(struct vpic_chip *c, u8 base)
{
	memset(c, 0, sizeof(*c));
	c->imr = 0xff;
	c->vector_base = base;
}

void vpic_init(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	pic_chip_reset(&p->chip[0], 0x08);
	pic_chip_reset(&p->chip[1], 0x70);
}

/* Priority rank 0 (highest) .. 7 of the highest-priority set bit of mask
 * under the current rotation, or PIC_NONE. */
static u8 pic_best_rank(const struct vpic_chip *c, u8 mask)
{
	for (u8 r = 0; r < 8; r++)
		if (mask & BIT((r + c->priority_add) & 7))
			return r;
	return PIC_NONE;
}

static u8 pic_rank_to_line(const struct vpic_chip *c, u8 rank)
{
	return (rank + c->priority_add) & 7;
}

/* The slave's INTR output, the input of master IR2. */
static bool pic_slave_intr(const struct vpic *p);

/* IRR as the chip sees it: the master's IR2 follows the slave's INTR. */
static u8 pic_irr(const struct vpic *p, int n)
{
	const struct vpic_chip *c = &p->chip[n];
	if (n == 0 && !c->single && pic_slave_intr(p))
		return c->irr | BIT(2);
	return c->irr;
}

/* The line this chip would interrupt with now (fully nested mode: an
 * in-service line of higher or equal priority blocks), or PIC_NONE. In
 * special mask mode, masked in-service lines block nothing. */
static u8 pic_chip_pending(const struct vpic *p, int n)
{
	const struct vpic_chip *c = &p->chip[n];
	u8 req = pic_irr(p, n) & (u8)~c->imr;
	u8 rank = pic_best_rank(c, req);
	if (rank == PIC_NONE)
		return PIC_NONE;
	u8 isr = c->special_mask ? (u8)(c->isr & ~c->imr) : c->isr;
	if (rank >= pic_best_rank(c, isr))
		return PIC_NONE;
	return pic_rank_to_line(c, rank);
}

static bool pic_slave_intr(const struct vpic *p)
{
	return pic_chip_pending(p, 1) != PIC_NONE;
}

int vpic_pending(const struct vpic *p)
{
	u8 m = pic_chip_pending(p, 0);
	if (m == PIC_NONE)
		return -1;
	if (m == 2 && !p->chip[0].single) {
		u8 s = pic_chip_pending(p, 1);
		return p->chip[1].vector_base + (s == PIC_NONE ? 7 : s);
	}
	return p->chip[0].vector_base + m;
}

/* Accept line n of chip c: an edge request leaves IRR (a level request
 * stays while its input is high), ISR is set unless auto-EOI. */
static void pic_chip_accept(struct vpic_chip *c, u8 line)
{
	if (!(c->elcr & BIT(line)))
		c->irr &= (u8)~BIT(line);
	if (!c->auto_eoi) {
		c->isr |= (u8)BIT(line);
		return;
	}
	if (c->rotate_aeoi)
		c->priority_add = (line + 1) & 7;
}

u8 vpic_ack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
	u8 ml = pic_chip_pending(p, 0);
	if (ml == PIC_NONE) {
		p->spurious++;
		return m->vector_base + 7;
	}
	bool cascade = ml == 2 && !m->single;
	u8 sl = cascade ? pic_chip_pending(p, 1) : PIC_NONE;
	pic_chip_accept(m, ml);
	if (!cascade)
		return m->vector_base + ml;
	if (sl == PIC_NONE) {
		p->spurious++;
		return s->vector_base + 7;
	}
	pic_chip_accept(s, sl);
	return s->vector_base + sl;
}

void vpic_set_irq(struct vpic *p, u8 irq, bool level)
{
	if (irq >= 16)
		return;
	struct vpic_chip *c = &p->chip[irq >> 3];
	u8 bit = (u8)BIT(irq & 7);
	bool was = c->level & bit;
	c->level = level ? (c->level | bit) : (c->level & (u8)~bit);
	if (c->elcr & bit)
		c->irr = level ? (c->irr | bit) : (c->irr & (u8)~bit);
	else if (level && !was)
		c->irr |= bit;
	c->last_level = c->level;
}

/* ICW1: start the initialisation sequence. The data sheet lists its
 * effects: edge sense reset (a high input must go low and high again),
 * IMR cleared, IR7 lowest priority, special mask mode off, status read
 * set to IRR, and ICW4 functions cleared when IC4 is 0. */
static void pic_icw1(struct vpic_chip *c, u8 val)
{
	c->icw_step = 2;
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->imr = 0;
	c->isr = 0;
	c->irr = c->level & c->elcr;
	c->last_level = c->level;
	c->priority_add = 0;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->rotate_aeoi = false;
}

/* Odd-port writes during initialisation: ICW2, ICW3, ICW4 in turn. */
static void pic_icw_next(struct vpic_chip *c, u8 val)
{
	if (c->icw_step == 2) {
		c->vector_base = val & 0xf8;
		c->icw_step = c->single ? 4 : 3;
	} else if (c->icw_step == 3) {
		c->icw_step = 4;   /* cascade wiring is fixed: slave on IR2 */
	} else {
		c->auto_eoi = val & 0x02;
		c->icw_step = 0;
		return;
	}
	if (c->icw_step == 4 && !c->icw4_needed)
		c->icw_step = 0;
}

/* Clear the highest-priority in-service bit; returns its line or PIC_NONE. */
static u8 pic_eoi_highest(struct vpic_chip *c)
{
	u8 rank = pic_best_rank(c, c->isr);
	if (rank == PIC_NONE)
		return PIC_NONE;
	u8 line = pic_rank_to_line(c, rank);
	c->isr &= (u8)~BIT(line);
	return line;
}

static void ocw2_eoi(struct vpic_chip *c, u8 l)
{
	(void)l;
	pic_eoi_highest(c);
}

static void ocw2_specific_eoi(struct vpic_chip *c, u8 l)
{
	c->isr &= (u8)~BIT(l);
}

static void ocw2_rotate_eoi(struct vpic_chip *c, u8 l)
{
	(void)l;
	u8 line = pic_eoi_highest(c);
	if (line != PIC_NONE)
		c->priority_add = (line + 1) & 7;
}

static void ocw2_rotate_specific_eoi(struct vpic_chip *c, u8 l)
{
	c->isr &= (u8)~BIT(l);
	c->priority_add = (l + 1) & 7;
}

static void ocw2_set_priority(struct vpic_chip *c, u8 l)
{
	c->priority_add = (l + 1) & 7;
}

static void ocw2_rotate_aeoi_set(struct vpic_chip *c, u8 l)
{
	(void)l;
	c->rotate_aeoi = true;
}

static void ocw2_rotate_aeoi_clear(struct vpic_chip *c, u8 l)
{
	(void)l;
	c->rotate_aeoi = false;
}

/* OCW2 by its R, SL, EOI bits (7:5); 010 is a no-operation. */
static void (*const pic_ocw2[8])(struct vpic_chip *c, u8 l) = {
	[0] = ocw2_rotate_aeoi_clear,
	[1] = ocw2_eoi,
	[3] = ocw2_specific_eoi,
	[4] = ocw2_rotate_aeoi_set,
	[5] = ocw2_rotate_eoi,
	[6] = ocw2_set_priority,
	[7] = ocw2_rotate_specific_eoi,
};

static void pic_ocw3(struct vpic_chip *c, u8 val)
{
	c->poll = val & 0x04;
	if (val & 0x02)
		c->read_isr = val & 0x01;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

static void pic_write_even(struct vpic_chip *c, u8 val)
{
	if (val & 0x10) {
		pic_icw1(c, val);
	} else if (val & 0x08) {
		pic_ocw3(c, val);
	} else {
		void (*op)(struct vpic_chip *, u8) = pic_ocw2[val >> 5];
		if (op)
			op(c, val & 7);
	}
}

/* Poll command (OCW3 P): the next even-port read acknowledges the
 * chip's highest request and returns 0x80 | line, or 0 when none. */
static u8 pic_poll_read(struct vpic *p, int n)
{
	struct vpic_chip *c = &p->chip[n];
	c->poll = false;
	u8 line = pic_chip_pending(p, n);
	if (line == PIC_NONE)
		return 0;
	pic_chip_accept(c, line);
	return 0x80 | line;
}

u8 vpic_io_read(struct vpic *p, u16 port)
{
	if (port == 0x4d0 || port == 0x4d1)
		return p->chip[port & 1].elcr;
	int n = (port & 0x80) ? 1 : 0;
	struct vpic_chip *c = &p->chip[n];
	if (port & 1)
		return c->imr;
	if (c->poll)
		return pic_poll_read(p, n);
	return c->read_isr ? c->isr : pic_irr(p, n);
}

void vpic_io_write(struct vpic *p, u16 port, u8 val)
{
	if (port == 0x4d0 || port == 0x4d1) {
		struct vpic_chip *e = &p->chip[port & 1];
		e->elcr = val & pic_elcr_mask[port & 1];
		e->irr = (e->irr & (u8)~e->elcr) | (e->level & e->elcr);
		return;
	}
	struct vpic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
	if (!(port & 1))
		pic_write_even(c, val);
	else if (c->icw_step)
		pic_icw_next(c, val);
	else
		c->imr = val;
}
