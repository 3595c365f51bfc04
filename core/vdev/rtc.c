/* The guest's MC146818 RTC/CMOS (Motorola MC146818A data sheet): calendar
 * time kept as seconds since 2000 at a base TSC and rendered into the
 * time registers (BCD/binary, 12/24 hour) when read; update cycles at whole
 * seconds from the base, periodic ticks at fixed positions from it; flags
 * in register C raise IRQ 8 until read. Pure. */
#include "core/vdev/rtc.h"
#include "core/string.h"

/* a * b / c rounded down (or up), exactly, without the 128-bit division
 * the freestanding image cannot link: (a/c)*b + (a%c)*b/c, where (a%c)*b
 * fits 64 bits because b * c does (periodic rate times TSC rate). */
static u64 rtc_muldiv(u64 a, u64 b, u64 c, bool round_up)
{
	u64 r = (a % c) * b;
	return a / c * b + (r + (round_up ? c - 1 : 0)) / c;
}

enum {
	R_SEC = 0x00, R_SEC_ALARM = 0x01, R_MIN = 0x02, R_MIN_ALARM = 0x03,
	R_HOUR = 0x04, R_HOUR_ALARM = 0x05, R_WDAY = 0x06, R_DAY = 0x07,
	R_MONTH = 0x08, R_YEAR = 0x09, R_A = 0x0a, R_B = 0x0b, R_C = 0x0c,
	R_D = 0x0d, R_CENTURY = 0x32,
};
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80
#define RTC_DAY_SECS 86400ull

static const u8 rtc_mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

static bool rtc_is_leap(u32 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static u8 rtc_month_days(u32 y, u8 m)
{
	return (u8)(rtc_mdays[m - 1] + (m == 2 && rtc_is_leap(y)));
}

static void rtc_secs_to_time(u64 secs, struct vrtc_time *t)
{
	u64 days = secs / RTC_DAY_SECS, rem = secs % RTC_DAY_SECS;
	t->hour = (u8)(rem / 3600);
	t->min = (u8)(rem / 60 % 60);
	t->sec = (u8)(rem % 60);
	t->weekday = (u8)((days + 6) % 7 + 1);   /* 2000-01-01 was a Saturday */
	u32 y = 2000;
	while (days >= (rtc_is_leap(y) ? 366u : 365u))
		days -= rtc_is_leap(y++) ? 366 : 365;
	u8 m = 1;
	while (days >= rtc_month_days(y, m))
		days -= rtc_month_days(y, m++);
	t->year = (u16)y;
	t->month = m;
	t->day = (u8)(days + 1);
}

/* Seconds since 2000-01-01 of t, with out-of-range fields clamped. */
static u64 rtc_time_to_secs(const struct vrtc_time *t)
{
	u32 y = MAX(t->year, 2000u);
	u8 m = (u8)MIN(MAX(t->month, 1u), 12u);
	u8 d = (u8)MIN(MAX(t->day, 1u), rtc_month_days(y, m));
	u64 days = d - 1;
	for (u32 i = 2000; i < y; i++)
		days += rtc_is_leap(i) ? 366 : 365;
	for (u8 i = 1; i < m; i++)
		days += rtc_month_days(y, i);
	return days * RTC_DAY_SECS + MIN(t->hour, 23u) * 3600ull +
	       MIN(t->min, 59u) * 60ull + MIN(t->sec, 59u);
}

static u8 rtc_enc(const struct vrtc *r, u8 v)
{
	return (r->cmos[R_B] & B_DM) ? v : (u8)((v / 10) << 4 | v % 10);
}

static u8 rtc_dec(const struct vrtc *r, u8 v)
{
	return (r->cmos[R_B] & B_DM) ? v : (u8)((v >> 4) * 10 + (v & 0x0f));
}

/* Hours 0-23 in the register format: 12-hour mode counts 12, 1..11 with
 * bit 7 for PM. */
static u8 rtc_enc_hour(const struct vrtc *r, u8 h)
{
	if (r->cmos[R_B] & B_24H)
		return rtc_enc(r, h);
	u8 h12 = h % 12 ? h % 12 : 12;
	return (u8)(rtc_enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static u8 rtc_dec_hour(const struct vrtc *r, u8 v)
{
	if (r->cmos[R_B] & B_24H)
		return rtc_dec(r, v);
	return (u8)(rtc_dec(r, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0));
}

/* Updates run unless SET is on or the divider is held in reset (DV 11x). */
static bool rtc_running(const struct vrtc *r)
{
	return !(r->cmos[R_B] & B_SET) && ((r->cmos[R_A] >> 4) & 6) != 6;
}

static u64 rtc_secs_at(const struct vrtc *r, u64 now)
{
	return r->base_secs + (now > r->base_tsc ? (now - r->base_tsc) / r->tsc_hz : 0);
}

static void rtc_render(struct vrtc *r, u64 secs)
{
	struct vrtc_time t;
	rtc_secs_to_time(secs, &t);
	r->cmos[R_SEC] = rtc_enc(r, t.sec);
	r->cmos[R_MIN] = rtc_enc(r, t.min);
	r->cmos[R_HOUR] = rtc_enc_hour(r, t.hour);
	r->cmos[R_WDAY] = rtc_enc(r, t.weekday);
	r->cmos[R_DAY] = rtc_enc(r, t.day);
	r->cmos[R_MONTH] = rtc_enc(r, t.month);
	r->cmos[R_YEAR] = rtc_enc(r, (u8)(t.year % 100));
	r->cmos[R_CENTURY] = rtc_enc(r, (u8)(t.year / 100));
}

static void rtc_decode(const struct vrtc *r, struct vrtc_time *t)
{
	t->sec = rtc_dec(r, r->cmos[R_SEC]);
	t->min = rtc_dec(r, r->cmos[R_MIN]);
	t->hour = rtc_dec_hour(r, r->cmos[R_HOUR]);
	t->day = rtc_dec(r, r->cmos[R_DAY]);
	t->month = rtc_dec(r, r->cmos[R_MONTH]);
	t->year = (u16)(rtc_dec(r, r->cmos[R_CENTURY]) * 100 + rtc_dec(r, r->cmos[R_YEAR]));
	t->weekday = rtc_dec(r, r->cmos[R_WDAY]);
}

/* The time registers become the clock: base_secs from them, base_tsc moved
 * by whole seconds so the update phase (and periodic positions) stay. */
static void rtc_rebase(struct vrtc *r, u64 now)
{
	struct vrtc_time t;
	rtc_decode(r, &t);
	if (now > r->base_tsc)
		r->base_tsc += (now - r->base_tsc) / r->tsc_hz * r->tsc_hz;
	r->base_secs = rtc_time_to_secs(&t);
	r->next_second = r->base_tsc + r->tsc_hz;
}

void vrtc_get_time(struct vrtc *r, u64 now, struct vrtc_time *t)
{
	if (rtc_running(r)) {
		rtc_secs_to_time(rtc_secs_at(r, now), t);
		return;
	}
	rtc_decode(r, t);
}

/* Periodic interrupt rate from register A (data sheet table: rates 1 and 2
 * give 256 and 128 Hz, 3..15 give 32768 >> (rate - 1)), 0 = off. */
static u32 rtc_periodic_hz(const struct vrtc *r)
{
	u8 rate = r->cmos[R_A] & 0x0f;
	if (!rate || ((r->cmos[R_A] >> 4) & 6) == 6)
		return 0;
	if (rate < 3)
		return rate == 1 ? 256 : 128;
	return 32768u >> (rate - 1);
}

/* The first periodic position strictly after now, counted from base_tsc. */
static void rtc_schedule_periodic(struct vrtc *r, u64 now)
{
	u32 hz = rtc_periodic_hz(r);
	if (!hz) {
		r->next_periodic = VDEV_NO_EVENT;
		return;
	}
	u64 dt = now > r->base_tsc ? now - r->base_tsc : 0;
	u64 k = rtc_muldiv(dt, hz, r->tsc_hz, false) + 1;
	r->next_periodic = r->base_tsc + rtc_muldiv(k, r->tsc_hz, hz, true);
}

static void rtc_update_irq(struct vrtc *r)
{
	u8 c = r->cmos[R_C];
	if (!(c & r->cmos[R_B] & (C_PF | C_AF | C_UF)) || (c & C_IRQF))
		return;
	r->cmos[R_C] = c | C_IRQF;
	if (!r->irq_line) {
		r->irq_line = true;
		r->irqs++;
		vdev_irq_set(&r->irq, VRTC_IRQ, true);
	}
}

/* An alarm byte with bits 7:6 set matches any value. */
static bool rtc_alarm_match(const struct vrtc *r)
{
	static const u8 pairs[3][2] = { { R_SEC_ALARM, R_SEC }, { R_MIN_ALARM, R_MIN },
					{ R_HOUR_ALARM, R_HOUR } };
	for (u32 i = 0; i < ARRAY_SIZE(pairs); i++) {
		u8 a = r->cmos[pairs[i][0]];
		if ((a & 0xc0) != 0xc0 && a != r->cmos[pairs[i][1]])
			return false;
	}
	return true;
}

/* Bring flags and time registers up to now. Update cycles missed while
 * the guest was not running set UF once; the alarm is compared with the
 * latest second only. */
static void rtc_advance(struct vrtc *r, u64 now)
{
	if (rtc_running(r) && now >= r->next_second) {
		u64 k = (now - r->base_tsc) / r->tsc_hz;
		r->next_second = r->base_tsc + (k + 1) * r->tsc_hz;
		rtc_render(r, r->base_secs + k);
		r->cmos[R_C] |= C_UF | (rtc_alarm_match(r) ? C_AF : 0);
	}
	if (r->next_periodic != VDEV_NO_EVENT && now >= r->next_periodic) {
		r->cmos[R_C] |= C_PF;
		rtc_schedule_periodic(r, now);
	}
	if (rtc_running(r))
		rtc_render(r, rtc_secs_at(r, now));
	rtc_update_irq(r);
}

void vrtc_tick(struct vrtc *r, u64 now)
{
	if (now < vrtc_next_event(r))
		return;      /* nothing can raise IRQ 8 yet; reads catch up themselves */
	rtc_advance(r, now);
}

u64 vrtc_next_event(const struct vrtc *r)
{
	u64 next = VDEV_NO_EVENT;
	u8 b = r->cmos[R_B];
	if (b & B_PIE)
		next = r->next_periodic;
	if ((b & (B_UIE | B_AIE)) && rtc_running(r))
		next = MIN(next, r->next_second);
	return next;
}

static void rtc_put16(struct vrtc *r, u8 idx, u64 v)
{
	v = MIN(v, 0xffffull);
	r->cmos[idx] = (u8)v;
	r->cmos[idx + 1] = (u8)(v >> 8);
}

void vrtc_set_ram(struct vrtc *r, u64 below_4g, u64 above_4g)
{
	rtc_put16(r, 0x15, 640);
	u64 ext = below_4g > MiB ? (below_4g - MiB) / KiB : 0;
	rtc_put16(r, 0x17, ext);
	rtc_put16(r, 0x30, ext);
	rtc_put16(r, 0x34, below_4g > 16 * MiB ? (below_4g - 16 * MiB) / (64 * KiB) : 0);
	u64 high = MIN(above_4g / (64 * KiB), 0xffffffull);
	r->cmos[0x5b] = (u8)high;
	r->cmos[0x5c] = (u8)(high >> 8);
	r->cmos[0x5d] = (u8)(high >> 16);
}

void vrtc_init(struct vrtc *r, u64 tsc_hz, const struct vrtc_time *t, u64 ram_bytes,
	       u64 now, const struct vdev_irq *irq)
{
	memset(r, 0, sizeof(*r));
	r->tsc_hz = tsc_hz;
	if (irq)
		r->irq = *irq;
	r->cmos[R_A] = 0x26;          /* 32.768 kHz divider, 1024 Hz rate */
	r->cmos[R_B] = B_24H;
	r->cmos[R_D] = D_VRT;
	r->base_tsc = now;
	r->base_secs = rtc_time_to_secs(t);
	r->next_second = now + tsc_hz;
	rtc_schedule_periodic(r, now);
	rtc_render(r, r->base_secs);
	vrtc_set_ram(r, MIN(ram_bytes, VRTC_LOWMEM_MAX),
		     ram_bytes > VRTC_LOWMEM_MAX ? ram_bytes - VRTC_LOWMEM_MAX : 0);
}

static u8 rtc_read_c(struct vrtc *r)
{
	u8 c = r->cmos[R_C];
	r->cmos[R_C] = 0;
	if (r->irq_line) {
		r->irq_line = false;
		vdev_irq_set(&r->irq, VRTC_IRQ, false);
	}
	return c;
}

/* UIP: the last 244 us before an update cycle (data sheet, "Update Cycle"). */
static bool rtc_uip(const struct vrtc *r, u64 now)
{
	u64 window = rtc_muldiv(r->tsc_hz, 244, 1000000, false);
	return rtc_running(r) && r->next_second - now <= window;
}

u8 vrtc_io_read(struct vrtc *r, u16 port, u64 now)
{
	if (port != 0x71)
		return r->index;
	rtc_advance(r, now);
	switch (r->index) {
	case R_A: return (u8)((r->cmos[R_A] & 0x7f) | (rtc_uip(r, now) ? A_UIP : 0));
	case R_C: return rtc_read_c(r);
	case R_D: return D_VRT;
	default: return r->cmos[r->index];
	}
}

static bool rtc_is_time_reg(u8 idx)
{
	return idx == R_SEC || idx == R_MIN || idx == R_HOUR || idx == R_CENTURY ||
	       (idx >= R_WDAY && idx <= R_YEAR);
}

/* Register B: SET freezes the registers at the current time and clears
 * UIE; clearing SET starts the clock from what the guest wrote. */
static void rtc_write_b(struct vrtc *r, u8 val, u64 now)
{
	bool was_set = r->cmos[R_B] & B_SET;
	if (val & B_SET)
		val &= (u8)~B_UIE;
	r->cmos[R_B] = val;
	if (was_set && !(val & B_SET))
		rtc_rebase(r, now);
	else if (rtc_running(r))
		rtc_render(r, rtc_secs_at(r, now));
}

static void rtc_write_a(struct vrtc *r, u8 val, u64 now)
{
	bool was_running = rtc_running(r);
	r->cmos[R_A] = val & 0x7f;
	if (!was_running && rtc_running(r))
		rtc_rebase(r, now);
	rtc_schedule_periodic(r, now);
}

void vrtc_io_write(struct vrtc *r, u16 port, u8 val, u64 now)
{
	if (port != 0x71) {
		r->index = val & 0x7f;   /* bit 7 masks NMI: not modelled */
		return;
	}
	rtc_advance(r, now);
	u8 idx = r->index;
	if (idx == R_A) {
		rtc_write_a(r, val, now);
	} else if (idx == R_B) {
		rtc_write_b(r, val, now);
	} else if (idx == R_C || idx == R_D) {
		return;   /* read-only */
	} else {
		r->cmos[idx] = val;
		if (rtc_is_time_reg(idx) && rtc_running(r))
			rtc_rebase(r, now);
	}
	rtc_update_irq(r);
}
