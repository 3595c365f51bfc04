/* The guest's I/O APIC (82093AA data sheet; SDM Vol. 3A 11.11 for the
 * message format): the IOREGSEL/IOWIN window, the 24-entry redirection
 * table, edge and level pins with remote IRR, and the EOI that re-arms a
 * level pin. Messages leave through the sink the glue gave. */
#include "core/vdev/ioapic.h"
#include "core/vdev/regbytes.h"
#include "core/string.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10          /* 0x10 + 2 * pin: low dword, + 1: high */
#define IOAPIC_ID_MASK 0x0f000000u

#define REDIR_MASKED BIT(16)
#define REDIR_LEVEL BIT(15)
#define REDIR_REMOTE_IRR BIT(14)
#define REDIR_LOGICAL BIT(11)
/* Writable: vector, delivery mode, destination mode, polarity, trigger,
 * mask, destination (63:56). Delivery status and remote IRR are read-only. */
#define REDIR_WMASK (0xff000000ull << 32 | 0x1afffull)

static bool ioapic_is_level(u64 e)
{
	return (e & REDIR_LEVEL) != 0;
}

static bool ioapic_pin_high(const struct vioapic *io, u32 pin)
{
	return (io->level >> pin) & 1;
}

static void ioapic_send(struct vioapic *io, u64 e)
{
	struct vioapic_msg m = {
		.vector = (u8)e,
		.delivery = (e >> 8) & 7,
		.logical = (e & REDIR_LOGICAL) != 0,
		.dest = (u8)(e >> 56),
		.level = ioapic_is_level(e),
	};
	io->delivered++;
	if (io->sink.deliver)
		io->sink.deliver(io->sink.ctx, &m);
}

/* Deliver a level pin if it is asserted, unmasked and not awaiting EOI. */
static void ioapic_service_level(struct vioapic *io, u32 pin)
{
	u64 e = io->redir[pin];
	if (!ioapic_is_level(e) || !ioapic_pin_high(io, pin))
		return;
	if (e & (REDIR_MASKED | REDIR_REMOTE_IRR))
		return;
	io->redir[pin] |= REDIR_REMOTE_IRR;
	ioapic_send(io, io->redir[pin]);
}

void vioapic_init(struct vioapic *io, u32 id, const struct vioapic_sink *sink)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	for (u32 i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = REDIR_MASKED;
	if (sink)
		io->sink = *sink;
}

void vioapic_set_irq(struct vioapic *io, u8 pin, bool level)
{
	if (pin >= VIOAPIC_PINS)
		return;
	bool was = ioapic_pin_high(io, pin);
	if (level)
		io->level |= 1u << pin;
	else
		io->level &= ~(1u << pin);
	u64 e = io->redir[pin];
	if (ioapic_is_level(e))
		ioapic_service_level(io, pin);
	else if (level && !was && !(e & REDIR_MASKED))
		ioapic_send(io, e);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];
		if (!ioapic_is_level(e) || (u8)e != vector || !(e & REDIR_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~REDIR_REMOTE_IRR;
		ioapic_service_level(io, pin);
	}
}

/* ---- register window ---- */

static u32 ioapic_reg_read(const struct vioapic *io, u32 reg)
{
	if (reg == IOAPIC_REG_ID || reg == IOAPIC_REG_ARB)
		return io->id << 24;
	if (reg == IOAPIC_REG_VERSION)
		return VIOAPIC_VERSION | (VIOAPIC_PINS - 1) << 16;
	if (reg < IOAPIC_REG_REDIR || reg >= IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
		return 0;
	u64 e = io->redir[(reg - IOAPIC_REG_REDIR) / 2];
	return reg & 1 ? (u32)(e >> 32) : (u32)e;
}

/* A redirection entry write; switching to edge drops remote IRR, and a
 * level pin that is high and now deliverable fires at once. */
static void ioapic_redir_write(struct vioapic *io, u32 pin, bool high, u32 val)
{
	u64 e = io->redir[pin];
	u64 half = high ? (u64)val << 32 : val;
	u64 keep = high ? 0xffffffffull : 0xffffffff00000000ull;
	e = (e & (keep | ~REDIR_WMASK)) | (half & ~keep & REDIR_WMASK);
	if (!ioapic_is_level(e))
		e &= ~REDIR_REMOTE_IRR;
	io->redir[pin] = e;
	ioapic_service_level(io, pin);
}

static void ioapic_reg_write(struct vioapic *io, u32 reg, u32 val)
{
	if (reg == IOAPIC_REG_ID) {
		io->id = (val & IOAPIC_ID_MASK) >> 24;
		return;
	}
	if (reg < IOAPIC_REG_REDIR || reg >= IOAPIC_REG_REDIR + 2 * VIOAPIC_PINS)
		return;
	ioapic_redir_write(io, (reg - IOAPIC_REG_REDIR) / 2, reg & 1, val);
}

/* ---- MMIO ---- */

static bool ioapic_is_arch(u32 offset, u8 size)
{
	return size == 4 && (offset == IOAPIC_REGSEL || offset == IOAPIC_WINDOW);
}

/* The 32-bit value at a 16-byte slot: IOREGSEL, IOWIN or nothing. */
static u32 ioapic_peek(const struct vioapic *io, u32 slot)
{
	if (slot == IOAPIC_REGSEL)
		return io->sel;
	if (slot == IOAPIC_WINDOW)
		return ioapic_reg_read(io, io->sel);
	return 0;
}

static u32 ioapic_peek_slot(void *ctx, u32 slot_offset)
{
	return ioapic_peek(ctx, slot_offset);
}

u64 vioapic_mmio_read(struct vioapic *io, u32 offset, u8 size)
{
	if (!ioapic_is_arch(offset, size)) {
		io->odd_accesses++;
		return vdev_reg_bytes(offset, size, ioapic_peek_slot, io);
	}
	return ioapic_peek(io, offset);
}

void vioapic_mmio_write(struct vioapic *io, u32 offset, u8 size, u64 val)
{
	if (!ioapic_is_arch(offset, size)) {
		io->odd_accesses++;
		return;
	}
	if (offset == IOAPIC_REGSEL)
		io->sel = (u8)val;
	else
		ioapic_reg_write(io, io->sel, (u32)val);
}
