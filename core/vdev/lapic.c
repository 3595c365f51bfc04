/* The guest's virtual local APIC (SDM Vol. 3A ch. 11). One register table
 * serves both the xAPIC MMIO page (offset / 16) and the x2APIC MSRs
 * (0x800 + offset / 16); the timer counts from the guest TSC with 128-bit
 * arithmetic; interrupts move IRR -> ISR -> EOI by priority class. */
#include "core/vdev/lapic.h"
#include "core/vdev/regbytes.h"
#include "core/string.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

#define BASE_BSP BIT(8)
#define BASE_EXTD BIT(10)
#define BASE_EN BIT(11)
/* Bits 7:0, 9 and those above a 52-bit physical address (SDM 11.4.4). */
#define BASE_RESERVED (0xfff0000000000000ull | 0x2ffull)

#define SVR_ENABLE BIT(8)
#define SVR_WMASK 0x1ffu             /* focus checking (bit 9) and EOI suppression not offered */
#define LVT_MASKED BIT(16)
#define LVT_VECTOR(v) ((u8)(v))
#define LVT_DELIVERY(v) (((v) >> 8) & 7)
#define DELIVERY_FIXED 0
#define DELIVERY_LOWEST 1
#define DELIVERY_NMI 4
#define DELIVERY_EXTINT 7
#define ICR_LO_WMASK 0xccfffu          /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_TRIGGER_LEVEL BIT(15)
#define ICR_DEST_LOGICAL BIT(11)

#define ESR_SEND_ILLEGAL BIT(5)
#define ESR_RECV_ILLEGAL BIT(6)
#define ESR_ILLEGAL_REG BIT(7)

#define TIMER_PERIODIC 1
#define TIMER_DEADLINE 2

enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Writable bits of each LVT entry (SDM Figure 11-8); delivery status and
 * remote IRR are read-only. */
static const u32 lapic_lvt_wmask[VLAPIC_LVT_COUNT] = {
	[LVT_CMCI] = 0x107ff,  [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff,
	[LVT_PERF] = 0x107ff,  [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff,
	[LVT_ERROR] = 0x100ff,
};

/* ---- state helpers ---- */

static bool lapic_is_hw_enabled(const struct vlapic *l)
{
	return (l->base_msr & BASE_EN) != 0;
}

static bool lapic_is_x2apic(const struct vlapic *l)
{
	return lapic_is_hw_enabled(l) && (l->base_msr & BASE_EXTD);
}

static bool lapic_is_sw_enabled(const struct vlapic *l)
{
	return (l->svr & SVR_ENABLE) != 0;
}

static bool vec_test(const u32 *v, u8 n)
{
	return (v[n >> 5] >> (n & 31)) & 1;
}

static void vec_set(u32 *v, u8 n)
{
	v[n >> 5] |= 1u << (n & 31);
}

static void vec_clear(u32 *v, u8 n)
{
	v[n >> 5] &= ~(1u << (n & 31));
}

/* Highest set vector of a 256-bit register, or -1. */
static int vec_highest(const u32 *v)
{
	for (int w = 7; w >= 0; w--)
		if (v[w])
			return w * 32 + 31 - __builtin_clz(v[w]);
	return -1;
}

/* x2APIC logical ID (SDM 11.12.10.2): cluster in 31:16, one bit in 15:0. */
static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* ---- timer (SDM 11.5.4) ---- */

static u32 lapic_timer_mode(const struct vlapic *l)
{
	return (l->lvt[LVT_TIMER] >> 17) & 3;
}

/* Divide configuration bits 0, 1, 3: 0b000 = 2 ... 0b110 = 128, 0b111 = 1. */
static u64 lapic_timer_div(const struct vlapic *l)
{
	u32 v = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);
	return v == 7 ? 1 : 2ull << v;
}

/* 128-by-64 restoring division of hi:lo (hi < d) without libgcc's
 * __udivti3, which the freestanding image does not link. */
static u64 lapic_div128(u64 hi, u64 lo, u64 d, u64 *rem)
{
	for (int i = 0; i < 64; i++) {
		u64 carry = hi >> 63;
		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (carry || hi >= d) {
			hi -= d;
			lo |= 1;
		}
	}
	*rem = hi;
	return lo;
}

/* a * b / c with a 128-bit product, rounded down or up, saturated. */
static u64 lapic_muldiv(u64 a, u64 b, u64 c, bool round_up)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	u64 hi = (u64)(p >> 64), rem;
	if (hi >= c)
		return ~0ull;
	u64 q = lapic_div128(hi, (u64)p, c, &rem);
	return round_up && rem && q != ~0ull ? q + 1 : q;
}

/* TSC ticks for `ticks` timer counts, rounded up. */
static u64 lapic_timer_to_tsc(const struct vlapic *l, u64 ticks)
{
	return lapic_muldiv(ticks, lapic_timer_div(l) * l->tsc_hz, VLAPIC_BUS_HZ, true);
}

/* Whole timer counts elapsed since timer_start. */
static u64 lapic_timer_elapsed(const struct vlapic *l, u64 now)
{
	if (now <= l->timer_start)
		return 0;
	return lapic_muldiv(now - l->timer_start, VLAPIC_BUS_HZ,
			    l->tsc_hz * lapic_timer_div(l), false);
}

static u64 lapic_add_sat(u64 a, u64 b)
{
	return a + b < a ? ~0ull : a + b;
}

/* The expiry after `now` of a running count-down timer: the count left
 * at timer_start runs out, then (periodic) every timer_icr counts. */
static u64 lapic_timer_next_after(const struct vlapic *l, u64 now)
{
	u64 e = lapic_timer_elapsed(l, now), ticks = l->timer_count0;
	if (lapic_timer_mode(l) == TIMER_PERIODIC && e >= ticks) {
		u64 periods = (e - ticks) / l->timer_icr + 1;
		if (__builtin_mul_overflow(periods, (u64)l->timer_icr, &periods) ||
		    __builtin_add_overflow(ticks, periods, &ticks))
			return VDEV_NO_EVENT;
	}
	return lapic_add_sat(l->timer_start, lapic_timer_to_tsc(l, ticks));
}

static u32 lapic_timer_current(const struct vlapic *l, u64 now)
{
	if (lapic_timer_mode(l) == TIMER_DEADLINE || l->timer_icr == 0)
		return 0;
	u64 e = lapic_timer_elapsed(l, now);
	if (e < l->timer_count0)
		return l->timer_count0 - (u32)e;
	if (lapic_timer_mode(l) != TIMER_PERIODIC)
		return 0;
	return l->timer_icr - (u32)((e - l->timer_count0) % l->timer_icr);
}

static void lapic_timer_disarm(struct vlapic *l)
{
	l->timer_icr = l->timer_count0 = 0;
	l->tsc_deadline = 0;
	l->timer_next = VDEV_NO_EVENT;
}

static void lapic_timer_load(struct vlapic *l, u32 count, u64 now)
{
	if (lapic_timer_mode(l) == TIMER_DEADLINE)
		return;
	l->timer_icr = l->timer_count0 = count;
	l->timer_start = now;
	l->timer_next = count ? lapic_timer_next_after(l, now) : VDEV_NO_EVENT;
}

/* A new divider keeps the current count and runs the rest at the new
 * rate: restart from `now` with what is left (0 once a one-shot ran out). */
static void lapic_timer_set_dcr(struct vlapic *l, u32 dcr, u64 now)
{
	bool running = l->timer_next != VDEV_NO_EVENT && lapic_timer_mode(l) != TIMER_DEADLINE;
	u32 left = running ? lapic_timer_current(l, now) : 0;
	l->timer_dcr = dcr & 0xb;
	l->timer_start = now;
	l->timer_count0 = left;
	if (running)
		l->timer_next = lapic_timer_next_after(l, now);
}

/* A write that changes the timer mode disarms the timer (SDM 11.5.4.1). */
static void lapic_timer_set_lvt(struct vlapic *l, u32 val)
{
	u32 old_mode = lapic_timer_mode(l);
	l->lvt[LVT_TIMER] = val;
	if (lapic_timer_mode(l) != old_mode)
		lapic_timer_disarm(l);
}

static void lapic_timer_raise(struct vlapic *l)
{
	u32 lvt = l->lvt[LVT_TIMER];
	if (lvt & LVT_MASKED)
		return;
	l->timer_fired++;
	vlapic_accept(l, LVT_VECTOR(lvt), false);
}

void vlapic_tick(struct vlapic *l, u64 now)
{
	if (l->timer_next == VDEV_NO_EVENT || now < l->timer_next)
		return;
	if (lapic_timer_mode(l) == TIMER_DEADLINE) {
		l->tsc_deadline = 0;
		l->timer_next = VDEV_NO_EVENT;
	} else if (lapic_timer_mode(l) == TIMER_PERIODIC && l->timer_icr) {
		l->timer_next = lapic_timer_next_after(l, now);
	} else {
		l->timer_next = VDEV_NO_EVENT;
	}
	lapic_timer_raise(l);
}

u64 vlapic_next_event(const struct vlapic *l)
{
	return l->timer_next;
}

/* ---- priorities, errors, delivery ---- */

/* PPR (SDM 11.8.3.1): TPR if its class is at least the highest in-service
 * class, else that class. */
static u32 lapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	u32 tpr = l->tpr & 0xff;
	if (isrv < 0 || (tpr >> 4) >= ((u32)isrv >> 4))
		return tpr;
	return (u32)isrv & 0xf0;
}

/* APR (SDM 11.6.2.4): TPR unless a pending or in-service class is higher. */
static u32 lapic_apr(const struct vlapic *l)
{
	int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
	u32 tpr = l->tpr & 0xff;
	u32 top = (u32)MAX(MAX(irrv, isrv), 0) >> 4;
	return (tpr >> 4) >= top ? tpr : top << 4;
}

/* Record APIC errors (SDM 11.5.3); a newly seen error raises the LVT error
 * interrupt unless masked. */
static void lapic_error(struct vlapic *l, u32 bits)
{
	u32 fresh = bits & ~l->esr_pending;
	l->esr_pending |= bits;
	if (fresh && !(l->lvt[LVT_ERROR] & LVT_MASKED))
		vlapic_accept(l, LVT_VECTOR(l->lvt[LVT_ERROR]), false);
}

void vlapic_accept(struct vlapic *l, u8 vector, bool level)
{
	if (!lapic_is_hw_enabled(l) || !lapic_is_sw_enabled(l))
		return;
	if (vector < 16) {
		lapic_error(l, ESR_RECV_ILLEGAL);
		return;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
}

int vlapic_pending(const struct vlapic *l)
{
	if (!lapic_is_hw_enabled(l))
		return -1;
	int v = vec_highest(l->irr);
	if (v < 0 || ((u32)v >> 4) <= (lapic_ppr(l) >> 4))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	if (!vec_test(l->irr, vector))
		return;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
}

bool vlapic_accepts_pic(const struct vlapic *l)
{
	u32 lint0 = l->lvt[LVT_LINT0];
	if (!lapic_is_hw_enabled(l))
		return true;
	return !(lint0 & LVT_MASKED) && LVT_DELIVERY(lint0) == DELIVERY_EXTINT;
}

/* EOI (SDM 11.8.5): retire the highest in-service vector. */
static void lapic_eoi(struct vlapic *l)
{
	int v = vec_highest(l->isr);
	if (v < 0)
		return;
	vec_clear(l->isr, (u8)v);
	if (vec_test(l->tmr, (u8)v) && l->eoi.eoi)
		l->eoi.eoi(l->eoi.ctx, (u8)v);
}

/* Does the ICR destination name this APIC (SDM 11.6.2)? */
static bool lapic_dest_is_self(const struct vlapic *l)
{
	bool x2 = lapic_is_x2apic(l);
	u32 dest = x2 ? l->icr_hi : l->icr_hi >> 24;
	u32 bcast = x2 ? 0xffffffffu : 0xffu;
	if (dest == bcast)
		return true;
	if (!(l->icr_lo & ICR_DEST_LOGICAL))
		return dest == (x2 ? l->id : (l->id & 0xff));
	if (x2)
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	if ((l->dfr >> 28) == 0xf)                           /* flat model */
		return (dest & (l->ldr >> 24)) != 0;
	return (dest >> 4) == (l->ldr >> 28) && (dest & (l->ldr >> 24) & 0xf);
}

/* Send the IPI in the ICR. One vCPU: only messages to itself arrive. */
static void lapic_send_ipi(struct vlapic *l)
{
	u32 shorthand = (l->icr_lo >> 18) & 3, mode = LVT_DELIVERY(l->icr_lo);
	u8 vector = LVT_VECTOR(l->icr_lo);
	bool self = shorthand == 1 || shorthand == 2 || (shorthand == 0 && lapic_dest_is_self(l));

	if (self && (mode == DELIVERY_FIXED || mode == DELIVERY_LOWEST)) {
		if (vector < 16)
			lapic_error(l, ESR_SEND_ILLEGAL);
		vlapic_accept(l, vector, (l->icr_lo & ICR_TRIGGER_LEVEL) != 0);
	} else if (self && mode == DELIVERY_NMI) {
		l->nmi_pending = true;
	} else {
		l->ipis_dropped++;
	}
}

/* ---- registers: index = xAPIC offset / 16 = x2APIC MSR - 0x800 ---- */

#define REG_ICR_LO 0x30
#define REG_COUNT 0x40

typedef u32 (*lapic_read_fn)(struct vlapic *l, u32 idx, u64 now);
typedef void (*lapic_write_fn)(struct vlapic *l, u32 idx, u32 val, u64 now);

enum {
	REG_XAPIC_ONLY = 1,       /* reserved in x2APIC mode */
	REG_X2APIC_ONLY = 2,      /* reserved in xAPIC mode */
	REG_X2_READ_ONLY = 4,     /* writable in xAPIC mode only */
	REG_X2_ZERO_ONLY = 8,     /* x2APIC: a non-zero write is a #GP */
};

/* A NULL read is a write-only register, a NULL write a read-only one. */
struct lapic_reg {
	lapic_read_fn read;
	lapic_write_fn write;
	u8 flags;
};

static u32 lvt_slot(u32 idx)
{
	return idx == 0x2f ? LVT_CMCI : idx - 0x31;
}

/* Registers that are one plain field: read it, or store the writable bits. */
#define LAPIC_FIELD_READ(name, field)                                  \
	static u32 rd_##name(struct vlapic *l, u32 idx, u64 now)       \
	{                                                              \
		(void)idx, (void)now;                                  \
		return l->field;                                       \
	}
#define LAPIC_FIELD_WRITE(name, field, wmask)                              \
	static void wr_##name(struct vlapic *l, u32 idx, u32 val, u64 now) \
	{                                                                  \
		(void)idx, (void)now;                                      \
		l->field = val & (wmask);                                  \
	}

LAPIC_FIELD_READ(tpr, tpr)
LAPIC_FIELD_WRITE(tpr, tpr, 0xffu)
LAPIC_FIELD_READ(ldr, ldr)
LAPIC_FIELD_WRITE(ldr, ldr, 0xff000000u)
LAPIC_FIELD_READ(dfr, dfr)
LAPIC_FIELD_READ(svr, svr)
LAPIC_FIELD_READ(esr, esr)
LAPIC_FIELD_READ(icr_lo, icr_lo)   /* delivery status (bit 12) never set: IPIs arrive at once */
LAPIC_FIELD_READ(icr_hi, icr_hi)
LAPIC_FIELD_WRITE(icr_hi, icr_hi, 0xff000000u)
LAPIC_FIELD_READ(timer_icr, timer_icr)
LAPIC_FIELD_READ(dcr, timer_dcr)

static u32 rd_id(struct vlapic *l, u32 idx, u64 now)
{
	(void)idx, (void)now;
	return lapic_is_x2apic(l) ? l->id : (l->id & 0xff) << 24;
}

static u32 rd_version(struct vlapic *l, u32 idx, u64 now)
{
	(void)l, (void)idx, (void)now;
	return VLAPIC_VERSION | (VLAPIC_LVT_COUNT - 1) << 16;
}



static u32 rd_apr(struct vlapic *l, u32 idx, u64 now)
{
	(void)idx, (void)now;
	return lapic_apr(l);
}

static u32 rd_ppr(struct vlapic *l, u32 idx, u64 now)
{
	(void)idx, (void)now;
	return lapic_ppr(l);
}

static void wr_eoi(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)val, (void)now;
	lapic_eoi(l);
}

static u32 rd_zero(struct vlapic *l, u32 idx, u64 now)
{
	(void)l, (void)idx, (void)now;
	return 0;
}




static void wr_dfr(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)now;
	l->dfr = (val & 0xf0000000u) | 0x0fffffffu;
}


/* Software disable sets every LVT mask bit (SDM 11.4.7.2). */
static void wr_svr(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)now;
	l->svr = val & SVR_WMASK;
	if (!lapic_is_sw_enabled(l))
		for (u32 i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
}

static u32 rd_isr(struct vlapic *l, u32 idx, u64 now)
{
	(void)now;
	return l->isr[idx - 0x10];
}

static u32 rd_tmr(struct vlapic *l, u32 idx, u64 now)
{
	(void)now;
	return l->tmr[idx - 0x18];
}

static u32 rd_irr(struct vlapic *l, u32 idx, u64 now)
{
	(void)now;
	return l->irr[idx - 0x20];
}


/* A write latches the errors seen since the last one (SDM 11.5.3). */
static void wr_esr(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)val, (void)now;
	l->esr = l->esr_pending;
	l->esr_pending = 0;
}

static u32 rd_lvt(struct vlapic *l, u32 idx, u64 now)
{
	(void)now;
	return l->lvt[lvt_slot(idx)];
}

static void wr_lvt(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)now;
	u32 slot = lvt_slot(idx);
	val &= lapic_lvt_wmask[slot];
	if (!lapic_is_sw_enabled(l))
		val |= LVT_MASKED;
	if (slot == LVT_TIMER)
		lapic_timer_set_lvt(l, val);
	else
		l->lvt[slot] = val;
}


static void wr_icr_lo(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)now;
	l->icr_lo = val & ICR_LO_WMASK;
	lapic_send_ipi(l);
}




static void wr_timer_icr(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx;
	lapic_timer_load(l, val, now);
}

static u32 rd_timer_ccr(struct vlapic *l, u32 idx, u64 now)
{
	(void)idx;
	return lapic_timer_current(l, now);
}


static void wr_dcr(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx;
	lapic_timer_set_dcr(l, val, now);
}

static void wr_self_ipi(struct vlapic *l, u32 idx, u32 val, u64 now)
{
	(void)idx, (void)now;
	vlapic_accept(l, LVT_VECTOR(val), false);
}

/* SDM Table 11-1 (xAPIC) and Table 11-6 (x2APIC). */
static const struct lapic_reg lapic_regs[REG_COUNT] = {
	[0x02] = { rd_id, NULL, 0 },
	[0x03] = { rd_version, NULL, 0 },
	[0x08] = { rd_tpr, wr_tpr, 0 },
	[0x09] = { rd_apr, NULL, REG_XAPIC_ONLY },
	[0x0a] = { rd_ppr, NULL, 0 },
	[0x0b] = { NULL, wr_eoi, REG_X2_ZERO_ONLY },
	[0x0c] = { rd_zero, NULL, REG_XAPIC_ONLY },          /* remote read */
	[0x0d] = { rd_ldr, wr_ldr, REG_X2_READ_ONLY },
	[0x0e] = { rd_dfr, wr_dfr, REG_XAPIC_ONLY },
	[0x0f] = { rd_svr, wr_svr, 0 },
	[0x10 ... 0x17] = { rd_isr, NULL, 0 },
	[0x18 ... 0x1f] = { rd_tmr, NULL, 0 },
	[0x20 ... 0x27] = { rd_irr, NULL, 0 },
	[0x28] = { rd_esr, wr_esr, REG_X2_ZERO_ONLY },
	[0x2f] = { rd_lvt, wr_lvt, 0 },
	[0x30] = { rd_icr_lo, wr_icr_lo, 0 },
	[0x31] = { rd_icr_hi, wr_icr_hi, REG_XAPIC_ONLY },
	[0x32 ... 0x37] = { rd_lvt, wr_lvt, 0 },
	[0x38] = { rd_timer_icr, wr_timer_icr, 0 },
	[0x39] = { rd_timer_ccr, NULL, 0 },
	[0x3e] = { rd_dcr, wr_dcr, 0 },
	[0x3f] = { NULL, wr_self_ipi, REG_X2APIC_ONLY },
};

/* The register at `idx` as the current mode sees it, or NULL if reserved. */
static const struct lapic_reg *lapic_reg(const struct vlapic *l, u32 idx)
{
	if (idx >= REG_COUNT)
		return NULL;
	const struct lapic_reg *r = &lapic_regs[idx];
	u8 other = lapic_is_x2apic(l) ? REG_XAPIC_ONLY : REG_X2APIC_ONLY;
	if ((!r->read && !r->write) || (r->flags & other))
		return NULL;
	return r;
}

/* ---- xAPIC MMIO ---- */

static bool lapic_mmio_live(const struct vlapic *l)
{
	return lapic_is_hw_enabled(l) && !lapic_is_x2apic(l);
}

bool vlapic_mmio_covers(const struct vlapic *l, u64 page)
{
	return lapic_mmio_live(l) && page == (l->base_msr & ~0xfffull & ~BASE_RESERVED);
}

static bool lapic_mmio_is_arch(u32 offset, u8 size)
{
	return size == 4 && offset < PAGE_SIZE && (offset & 0xf) == 0;
}

/* Side-effect-free read of one xAPIC register (0 if reserved/write-only). */
static u32 lapic_peek(struct vlapic *l, u32 idx, u64 now)
{
	const struct lapic_reg *r = lapic_reg(l, idx);
	return r && r->read ? r->read(l, idx, now) : 0;
}

struct lapic_peek_ctx {
	struct vlapic *l;
	u64 now;
};

static u32 lapic_peek_slot(void *ctx, u32 slot_offset)
{
	struct lapic_peek_ctx *c = ctx;
	return lapic_peek(c->l, slot_offset >> 4, c->now);
}

u64 vlapic_mmio_read(struct vlapic *l, u32 offset, u8 size, u64 now)
{
	if (!lapic_mmio_live(l))
		return 0;
	if (!lapic_mmio_is_arch(offset, size)) {
		struct lapic_peek_ctx c = { l, now };
		l->odd_accesses++;
		return vdev_reg_bytes(offset, size, lapic_peek_slot, &c);
	}
	const struct lapic_reg *r = lapic_reg(l, offset >> 4);
	if (!r) {
		lapic_error(l, ESR_ILLEGAL_REG);
		return 0;
	}
	return r->read ? r->read(l, offset >> 4, now) : 0;
}

void vlapic_mmio_write(struct vlapic *l, u32 offset, u8 size, u64 val, u64 now)
{
	if (!lapic_mmio_live(l))
		return;
	if (!lapic_mmio_is_arch(offset, size)) {
		l->odd_accesses++;
		return;
	}
	const struct lapic_reg *r = lapic_reg(l, offset >> 4);
	if (!r) {
		lapic_error(l, ESR_ILLEGAL_REG);
		return;
	}
	if (r->write)
		r->write(l, offset >> 4, (u32)val, now);
}

/* ---- MSRs ---- */

/* Power-up register state (SDM 11.4.7.1); ID, base and hooks are kept. */
static void lapic_reset_regs(struct vlapic *l)
{
	l->tpr = l->ldr = l->esr = l->esr_pending = 0;
	l->svr = 0xff;
	l->dfr = 0xffffffffu;
	for (u32 i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	l->icr_lo = l->icr_hi = 0;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->timer_dcr = 0;
	l->timer_start = 0;
	lapic_timer_disarm(l);
	l->nmi_pending = false;
}

/* IA32_APIC_BASE (SDM 11.4.4, 11.12.5): invalid EN/EXTD combinations and
 * transitions are a #GP; disabling resets the registers. BSP is read-only. */
static bool lapic_set_base(struct vlapic *l, u64 val)
{
	bool old_en = lapic_is_hw_enabled(l), old_x2 = lapic_is_x2apic(l);
	bool en = (val & BASE_EN) != 0, x2 = (val & BASE_EXTD) != 0;

	if ((val & BASE_RESERVED) || (x2 && !en))
		return false;
	if ((old_x2 && en && !x2) || (!old_en && x2))
		return false;
	l->base_msr = (val & ~BASE_BSP) | (l->base_msr & BASE_BSP);
	if (old_en && !en)
		lapic_reset_regs(l);
	if (!old_x2 && x2)
		l->ldr = lapic_x2apic_ldr(l->id);
	return true;
}

static bool lapic_x2_read(struct vlapic *l, u32 idx, u64 *val, u64 now)
{
	const struct lapic_reg *r = lapic_reg(l, idx);
	if (!r || !r->read)
		return false;
	*val = r->read(l, idx, now);
	if (idx == REG_ICR_LO)
		*val |= (u64)l->icr_hi << 32;
	return true;
}

/* x2APIC writes (SDM 11.12.1.2): read-only registers, bits 63:32 outside
 * the ICR and non-zero EOI/ESR writes are a #GP. */
static bool lapic_x2_write(struct vlapic *l, u32 idx, u64 val, u64 now)
{
	const struct lapic_reg *r = lapic_reg(l, idx);
	if (!r || !r->write || (r->flags & REG_X2_READ_ONLY))
		return false;
	if (idx == REG_ICR_LO) {
		l->icr_hi = (u32)(val >> 32);
	} else if ((val >> 32) || ((r->flags & REG_X2_ZERO_ONLY) && val)) {
		return false;
	}
	r->write(l, idx, (u32)val, now);
	return true;
}

static bool lapic_is_x2_msr(u32 msr)
{
	return msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST;
}

bool vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val, u64 now)
{
	if (msr == MSR_APIC_BASE) {
		*val = l->base_msr;
		return true;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = lapic_timer_mode(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
		return true;
	}
	if (!lapic_is_x2_msr(msr) || !lapic_is_x2apic(l))
		return false;
	return lapic_x2_read(l, msr - MSR_X2APIC_FIRST, val, now);
}

bool vlapic_msr_write(struct vlapic *l, u32 msr, u64 val, u64 now)
{
	if (msr == MSR_APIC_BASE)
		return lapic_set_base(l, val);
	if (msr == MSR_TSC_DEADLINE) {
		if (lapic_timer_mode(l) == TIMER_DEADLINE) {
			l->tsc_deadline = val;
			l->timer_next = val ? val : VDEV_NO_EVENT;
		}
		return true;
	}
	if (!lapic_is_x2_msr(msr) || !lapic_is_x2apic(l))
		return false;
	return lapic_x2_write(l, msr - MSR_X2APIC_FIRST, val, now);
}

/* ---- setup ---- */

void vlapic_init(struct vlapic *l, u32 id, u64 tsc_hz, const struct vlapic_eoi_hook *eoi)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->tsc_hz = tsc_hz ? tsc_hz : 1;
	l->base_msr = VLAPIC_DEFAULT_BASE | BASE_EN | BASE_BSP;
	if (eoi)
		l->eoi = *eoi;
	lapic_reset_regs(l);
}

void vlapic_set_virtual_wire(struct vlapic *l)
{
	l->svr |= SVR_ENABLE;
	l->lvt[LVT_LINT0] = DELIVERY_EXTINT << 8;
	l->lvt[LVT_LINT1] = DELIVERY_NMI << 8;
}
