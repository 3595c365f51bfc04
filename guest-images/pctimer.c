/* pctimer: the PC's timers against the TSC. The LAPIC timer (one-shot,
 * periodic, TSC-deadline when CPUID.1:ECX[24] offers it, and its current
 * count at divide-by-1 and 16), the PIT (channel 0, mode 2, 1000 Hz) and
 * the RTC periodic interrupt (1024 Hz), the last two once through the 8259
 * and once through the IOAPIC (PIT on pin 2, RTC on pin 8, the 8259
 * masked). Each counts interrupts over ms= of TSC time while sleeping in
 * HLT. Options: only=lapic,pit,rtc (default all), ms= (100).
 *
 * Tolerance: max(2 ticks, 2%) of the expected count. Two ticks cover the
 * phase of the first and the last tick inside the window (+-1 each); 2%
 * covers the calibration (PIT channel 2 over 50 ms: 1 PIT clock of 59659,
 * plus the polling loop) and interrupt latency. A 10% rate error fails. */
#include "pc.h"

#define VEC_LAPIC       0x30
#define VEC_WATCHDOG    0x31
#define VEC_PIT_IOAPIC  0x40
#define VEC_RTC_IOAPIC  0x48
#define PIT_RATE_HZ     1000
#define RTC_RATE        6               /* register A: 32768 >> (6 - 1) = 1024 Hz */
#define RTC_HZ          1024
#define RTC_B_PIE       (1U << 6)
#define WATCHDOG_MS     10
#define CPUID1_ECX_TSCDL (1U << 24)
#define BIT_IRQ(n)      (1U << (n))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

static volatile u64 ticks, deadline, period, early, early_max;
static u64 interval_ms = 100;

static bool tol_ok(u64 got, u64 want, u64 *tol)
{
	*tol = want / 50 > 2 ? want / 50 : 2;
	return got + *tol >= want && got <= want + *tol;
}

static void tick_lapic(u8 v) { (void)v; ticks++; rt_lapic_eoi(); }
static void tick_watchdog(u8 v) { (void)v; rt_lapic_eoi(); }
static void tick_pic0(u8 v) { (void)v; ticks++; rt_pic_eoi(0); }

static void tick_rtc_pic(u8 v)
{
	(void)v;
	rt_cmos_read(RTC_REG_C);        /* acknowledge, or no further interrupt */
	ticks++;
	rt_pic_eoi(8);
}

static void tick_rtc_ioapic(u8 v)
{
	(void)v;
	rt_cmos_read(RTC_REG_C);
	ticks++;
	rt_lapic_eoi();
}

static void tick_deadline(u8 v)
{
	u64 now = rt_rdtsc();

	(void)v;
	if (now < deadline) {
		early++;
		if (deadline - now > early_max)
			early_max = deadline - now;
	}
	ticks++;
	deadline += period;
	rt_wrmsr(MSR_TSC_DEADLINE, deadline);
	rt_lapic_eoi();
}

/* Sleep until the first tick, then count ticks for the interval; the
 * window starts at a tick so only the end's phase is open. Gives up after
 * 4 intervals without a first tick (the watchdog or the source wakes us). */
static u64 count_ticks(void)
{
	u64 start = rt_rdtsc(), t0, n;

	ticks = 0;
	while (!ticks && rt_rdtsc() - start < 4 * rt_tsc_ms(interval_ms))
		rt_wait_irq();
	if (!ticks)
		return 0;
	t0 = rt_rdtsc();
	ticks = 0;
	while (rt_rdtsc() - t0 < rt_tsc_ms(interval_ms))
		rt_wait_irq();
	n = ticks;
	return n;
}

/* For sources other than the LAPIC timer: a periodic LAPIC interrupt so
 * HLT wakes even if the source under test never fires. */
static void watchdog(bool on)
{
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
	if (!on)
		return;
	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_WATCHDOG);
	rt_lapic_write(LAPIC_TIMER_ICR, (u32)(rt_clock.lapic_khz * WATCHDOG_MS));
}

/* After a source is stopped, let an interrupt it left pending in the IRR
 * arrive now rather than in the next test. */
static void drain(void)
{
	u64 none = 0;

	rt_wait_count(&none, 1, 2);
}

static void report_rate(const char *what, u64 got, u64 milli_hz)
{
	u64 want = interval_ms * milli_hz / 1000000, tol;
	bool ok = tol_ok(got, want, &tol);

	rt_report(ok, "%s: %lu ticks in %lu ms at %lu.%03lu Hz (expected %lu +- %lu)",
		  what, got, interval_ms, milli_hz / 1000, milli_hz % 1000, want, tol);
}

static void lapic_oneshot(void)
{
	u64 len = rt_tsc_ms(interval_ms / 2), t0, el, tol;

	ticks = 0;
	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | VEC_LAPIC);
	t0 = rt_rdtsc();
	rt_lapic_write(LAPIC_TIMER_ICR, (u32)(rt_clock.lapic_khz * (interval_ms / 2)));
	while (!ticks && rt_rdtsc() - t0 < 4 * len)
		rt_wait_irq();
	el = rt_rdtsc() - t0;
	tol = len / 50;
	rt_report(ticks == 1 && el + tol >= len && el <= len + tol,
		  "lapic one-shot: %lu interrupt(s), %lu us for %lu us (+- %lu us)",
		  ticks, rt_tsc_to_us(el), rt_tsc_to_us(len), rt_tsc_to_us(tol));
}

static void lapic_periodic(void)
{
	u32 init = (u32)rt_clock.lapic_khz;     /* 1 ms at divide-by-1 */

	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC);
	rt_lapic_write(LAPIC_TIMER_ICR, init);
	report_rate("lapic periodic", count_ticks(), 1000000);
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
	drain();
}

static void lapic_deadline(void)
{
	u32 r[4];

	rt_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_TSCDL)) {
		rt_printf("SKIP: lapic tsc-deadline: CPUID.1:ECX[24] is clear\n");
		return;
	}
	early = 0;
	period = rt_tsc_ms(1);
	rt_irq_handler(VEC_LAPIC, tick_deadline);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_DEADLINE | VEC_LAPIC);
	deadline = rt_rdtsc() + period;
	rt_wrmsr(MSR_TSC_DEADLINE, deadline);
	report_rate("lapic tsc-deadline", count_ticks(), 1000000);
	rt_wrmsr(MSR_TSC_DEADLINE, 0);
	drain();
	rt_report(!early, "lapic tsc-deadline: %lu interrupts before their deadline (by up to %lu TSC ticks)",
		  early, early_max);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC);
	rt_irq_handler(VEC_LAPIC, tick_lapic);
}

/* Read the current count bracketed by TSC reads: the register's value
 * belongs to some moment inside [*before, *after] (under a hypervisor the
 * read is an exit that can take many TSC ticks). */
static u32 ccr_read(u64 *before, u64 *after)
{
	u32 v;

	*before = rt_rdtsc();
	v = rt_lapic_read(LAPIC_TIMER_CCR);
	*after = rt_rdtsc();
	return v;
}

/* The current count falls at lapic_khz / divide against the TSC: between
 * the two bracketed reads it must have fallen at least for the inner TSC
 * span and at most for the outer one, each widened by the 2% tolerance. */
static void lapic_ccr(u32 dcr, u64 div)
{
	u64 t0a, t0b, t1a, t1b, lo, hi, tol, spin = rt_tsc_ms(interval_ms / 4 + 1);
	u32 c0, c1, prev, cur, backwards = 0;
	u64 rate = rt_clock.lapic_khz, fell;

	rt_lapic_write(LAPIC_TIMER_DCR, dcr);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC);
	rt_lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFF);
	c0 = prev = ccr_read(&t0a, &t0b);
	do {
		cur = rt_lapic_read(LAPIC_TIMER_CCR);
		backwards += cur > prev;
		prev = cur;
	} while (rt_rdtsc() - t0b < spin);
	c1 = ccr_read(&t1a, &t1b);
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
	fell = c0 - c1;
	lo = (t1a - t0b) * rate / rt_clock.tsc_khz / div;
	hi = (t1b - t0a) * rate / rt_clock.tsc_khz / div;
	tol = MAX(hi / 50, 2);
	rt_report(fell + tol >= lo && fell <= hi + tol && !backwards,
		  "lapic current count at divide %lu: fell %lu over %lu us (expected %lu..%lu +- %lu), %u rises",
		  div, fell, rt_tsc_to_us(t1a - t0b), lo, hi, tol, backwards);
}

static void pit_start(void)
{
	u32 count = (u32)((PIT_HZ + PIT_RATE_HZ / 2) / PIT_RATE_HZ);

	rt_outb(PIT_CMD, 0x34);         /* channel 0, lo/hi byte, mode 2, binary */
	rt_outb(PIT_CH0, (u8)count);
	rt_outb(PIT_CH0, (u8)(count >> 8));
}

static u64 pit_milli_hz(void)
{
	u64 count = (PIT_HZ + PIT_RATE_HZ / 2) / PIT_RATE_HZ;

	return PIT_HZ * 1000 / count;
}

static void pit_tests(void)
{
	pit_start();
	watchdog(true);
	rt_irq_handler(PIC_VECTOR + 0, tick_pic0);
	rt_pic_set_mask((u16)~BIT_IRQ(0));
	report_rate("pit via 8259 irq 0", count_ticks(), pit_milli_hz());
	rt_pic_set_mask(PIC_ALL_MASKED);
	drain();
	rt_irq_handler(VEC_PIT_IOAPIC, tick_lapic);
	rt_ioapic_route(2, VEC_PIT_IOAPIC);
	report_rate("pit via ioapic pin 2", count_ticks(), pit_milli_hz());
	rt_ioapic_mask(2);
	watchdog(false);
	drain();
}

static void rtc_periodic(bool on)
{
	u8 b = rt_cmos_read(RTC_REG_B);

	if (on)
		rt_cmos_write(RTC_REG_A, (rt_cmos_read(RTC_REG_A) & 0xF0) | RTC_RATE);
	rt_cmos_write(RTC_REG_B, on ? b | RTC_B_PIE : b & ~RTC_B_PIE);
	rt_cmos_read(RTC_REG_C);
}

static void rtc_tests(void)
{
	watchdog(true);
	rtc_periodic(true);
	rt_irq_handler(PIC_VECTOR + 8, tick_rtc_pic);
	rt_pic_set_mask((u16)~(BIT_IRQ(8) | BIT_IRQ(2)));
	rt_cmos_read(RTC_REG_C);
	report_rate("rtc via 8259 irq 8", count_ticks(), RTC_HZ * 1000);
	rt_pic_set_mask(PIC_ALL_MASKED);
	drain();
	/* Unmask first, then acknowledge: an IOAPIC pin drops edges while it
	 * is masked, and the RTC line stays high until register C is read, so
	 * the other order can leave the line high forever. */
	rt_irq_handler(VEC_RTC_IOAPIC, tick_rtc_ioapic);
	rt_ioapic_route(8, VEC_RTC_IOAPIC);
	rt_cmos_read(RTC_REG_C);
	report_rate("rtc via ioapic pin 8", count_ticks(), RTC_HZ * 1000);
	rt_ioapic_mask(8);
	rtc_periodic(false);
	watchdog(false);
	drain();
}

static bool wanted(const char *only, const char *what)
{
	size_t n = rt_strlen(what);

	if (!*only)
		return true;
	for (const char *p = only; *p; p++)
		if ((p == only || p[-1] == ',') && !rt_memcmp(p, what, n) &&
		    (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int main(const char *cmdline)
{
	char only[64] = "";

	rt_opt_str(cmdline, "only", only, sizeof(only));
	rt_opt_uint(cmdline, "ms", &interval_ms);
	if (interval_ms < 10)
		interval_ms = 10;
	rt_pc_init();
	rt_irq_handler(VEC_LAPIC, tick_lapic);
	rt_irq_handler(VEC_WATCHDOG, tick_watchdog);
	rt_printf("pctimer: %lu ms windows, only '%s'\n", interval_ms, only);
	if (wanted(only, "lapic")) {
		lapic_ccr(LAPIC_DCR_DIV1, 1);
		lapic_ccr(0x3, 16);     /* DCR 0011b: divide by 16 */
		lapic_oneshot();
		lapic_periodic();
		lapic_deadline();
	}
	if (wanted(only, "pit"))
		pit_tests();
	if (wanted(only, "rtc"))
		rtc_tests();
	return rt_summary();
}
