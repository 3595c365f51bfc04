/* Local APIC (SDM Vol. 3A chapter 11 / 12 in newer editions: "Advanced
 * Programmable Interrupt Controller"): enabling, EOI, the APIC timer and its
 * calibration, plus the TSC rate measured in the same PIT window. The legacy
 * 8259 PICs are remapped and masked here so they never interrupt us. */
#include "drivers/lapic.h"
#include "drivers/pit.h"
#include "core/addr.h"
#include "core/cpu.h"
#include "core/idt.h"
#include "core/log.h"
#include "core/selftest.h"

/* Register offsets (SDM Vol. 3A Table 11-1 "Local APIC Register Address Map"). */
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_APIC_ENABLE  BIT(8)
#define LVT_MASKED       BIT(16)
#define LVT_TIMER_PERIODIC BIT(17)   /* bits 18:17 = 01 (SDM Vol. 3A 11.5.4) */
#define TIMER_DIV_16     0x3         /* divide configuration 0011b */
#define TIMER_DIVISOR    16

#define APIC_BASE_X2APIC  BIT(10)    /* IA32_APIC_BASE (SDM Vol. 3A 11.4.4) */
#define APIC_BASE_ENABLE  BIT(11)
#define APIC_BASE_ADDR    0x000ffffffffff000ull
#define X2APIC_MSR_BASE   0x800      /* MSR = 0x800 + offset/16 (SDM 11.12.1.2) */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define CALIBRATE_US 10000
#define CALIBRATE_WINDOWS 3
#define DEFAULT_KHZ 1000000ull

static u64 lapic_phys;           /* (c) set by lapic_init */
static bool x2apic_mode;         /* (c) set by lapic_init */
static bool present;             /* (c) lapic_init found and enabled it */
static bool calibrated;
static u64 bus_khz = DEFAULT_KHZ;
static u64 tsc_rate_khz = DEFAULT_KHZ;

static u32 lapic_read(u32 reg)
{
	if (x2apic_mode)
		return rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return *(volatile u32 *)hpa_to_ptr(hpa(lapic_phys + reg));
}

static void lapic_write(u32 reg, u32 val)
{
	if (x2apic_mode)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), val);
	else
		*(volatile u32 *)hpa_to_ptr(hpa(lapic_phys + reg)) = val;
}

/* Reinitialize both 8259s with vectors PIC_VECTOR_BASE..+15 (so a spurious
 * IRQ 7/15 cannot look like exception 15) and mask every line. */
static void pic_mask_all(void)
{
	static const u8 seq[][2] = {
		{ PIC1_CMD, 0x11 }, { PIC2_CMD, 0x11 },            /* ICW1: init, ICW4 follows */
		{ PIC1_DATA, PIC_VECTOR_BASE }, { PIC2_DATA, PIC_VECTOR_BASE + 8 }, /* ICW2 */
		{ PIC1_DATA, 0x04 }, { PIC2_DATA, 0x02 },          /* ICW3: slave on IRQ 2 */
		{ PIC1_DATA, 0x01 }, { PIC2_DATA, 0x01 },          /* ICW4: 8086 mode */
		{ PIC1_DATA, 0xff }, { PIC2_DATA, 0xff },          /* OCW1: mask all */
	};
	for (size_t i = 0; i < ARRAY_SIZE(seq); i++) {
		outb(seq[i][0], seq[i][1]);
		io_delay();
	}
}

/* Spurious interrupts need no EOI (SDM Vol. 3A 11.9), except that a
 * spurious IRQ 15 from the slave PIC was acknowledged by the master. */
static void spurious_irq(struct regs *r)
{
	if (r->vector == PIC_VECTOR_BASE + 15)
		outb(PIC1_CMD, 0x20);
}

void lapic_init(void)
{
	pic_mask_all();
	if (!((cpuid(1, 0).edx >> 9) & 1)) {
		pr_err("lapic: CPUID.1:EDX.APIC=0, no local APIC");
		return;
	}

	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	x2apic_mode = base & APIC_BASE_X2APIC;
	lapic_phys = base & APIC_BASE_ADDR;

	idt_set_handler(LAPIC_SPURIOUS_VECTOR, spurious_irq);
	idt_set_handler(PIC_VECTOR_BASE + 7, spurious_irq);
	idt_set_handler(PIC_VECTOR_BASE + 15, spurious_irq);

	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);

	pr_debug("lapic: id %u version 0x%x at 0x%lx (%s mode), 8259 PICs masked",
		 lapic_id(), lapic_read(LAPIC_VERSION) & 0xff, lapic_phys,
		 x2apic_mode ? "x2APIC" : "xAPIC");
	present = true;
}

/* One PIT window: TSC ticks and LAPIC timer counts elapsed while channel 2
 * counted pit_ticks. False if the PIT never expired or the timer stood still. */
static bool lapic_calibrate_window(u64 pit_ticks, u64 *dtsc, u64 *dcount)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);

	pit_oneshot_start(pit_ticks);
	u64 tsc0 = rdtsc();
	u32 cnt0 = lapic_read(LAPIC_TIMER_CUR);
	bool expired = pit_oneshot_wait(pit_ticks * 1000);
	u64 tsc1 = rdtsc();
	u32 cnt1 = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);

	*dtsc = tsc1 - tsc0;
	*dcount = cnt0 - cnt1;
	if (!expired || cnt1 >= cnt0 || tsc1 <= tsc0) {
		pr_err("timer: calibration window failed (PIT channel 2 %s, LAPIC count %u -> %u)",
		       expired ? "ok" : "never expired", cnt0, cnt1);
		return false;
	}
	return true;
}

/* A host preempting the emulator between starting the PIT and reading the
 * TSC shortens one window (seen under QEMU TCG: +27%), so measure three and
 * keep the median by TSC ticks. */
void lapic_timer_calibrate(void)
{
	u64 pit_ticks = pit_us_to_ticks(CALIBRATE_US);
	u64 dtsc[CALIBRATE_WINDOWS], dcount[CALIBRATE_WINDOWS];

	if (!present)
		return;
	for (int i = 0; i < CALIBRATE_WINDOWS; i++) {
		if (!lapic_calibrate_window(pit_ticks, &dtsc[i], &dcount[i])) {
			pr_err("timer: calibration failed; assuming 1 GHz TSC and bus");
			return;
		}
		for (int j = i; j > 0 && dtsc[j] < dtsc[j - 1]; j--) {
			u64 t = dtsc[j]; dtsc[j] = dtsc[j - 1]; dtsc[j - 1] = t;
			t = dcount[j]; dcount[j] = dcount[j - 1]; dcount[j - 1] = t;
		}
	}
	/* rate [kHz] = events * PIT_HZ / (pit_ticks * 1000) */
	u64 window = pit_ticks * 1000, mid = CALIBRATE_WINDOWS / 2;
	bus_khz = (dcount[mid] * TIMER_DIVISOR * PIT_HZ + window / 2) / window;
	tsc_rate_khz = (dtsc[mid] * PIT_HZ + window / 2) / window;
	calibrated = true;
	pr_info("timer: LAPIC %lu kHz (bus), TSC %lu MHz, calibrated over %u ms against PIT channel 2",
		bus_khz, (tsc_rate_khz + 500) / 1000, CALIBRATE_US / 1000);
	pr_debug("timer: TSC ticks per window min %lu median %lu max %lu",
		 dtsc[0], dtsc[mid], dtsc[CALIBRATE_WINDOWS - 1]);
}

/* Timer counts (after the divide-by-16) for us microseconds, 1..2^32-1. */
static u32 lapic_us_to_count(u64 us)
{
	u64 khz = bus_khz / TIMER_DIVISOR;
	u64 count = (us / 1000) * khz + (us % 1000) * khz / 1000;
	return count ? MIN(count, 0xffffffffull) : 1;
}

static void lapic_timer_arm(u64 us, u32 lvt)
{
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, lvt);
	lapic_write(LAPIC_TIMER_INIT, lapic_us_to_count(us));
}

void lapic_timer_oneshot(u64 us, u8 vector)
{
	lapic_timer_arm(us, vector);
}

void lapic_timer_periodic(u64 us, u8 vector)
{
	lapic_timer_arm(us, LVT_TIMER_PERIODIC | vector);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

u32 lapic_id(void)
{
	u32 id = lapic_read(LAPIC_ID);
	return x2apic_mode ? id : id >> 24;
}

bool lapic_is_calibrated(void)
{
	return calibrated;
}

u64 lapic_bus_khz(void)
{
	return bus_khz;
}

u64 tsc_khz(void)
{
	return tsc_rate_khz;
}

u64 tsc_to_us(u64 ticks)
{
	return (ticks / tsc_rate_khz) * 1000 + (ticks % tsc_rate_khz) * 1000 / tsc_rate_khz;
}

u64 us_to_tsc(u64 us)
{
	return (us / 1000) * tsc_rate_khz + (us % 1000) * tsc_rate_khz / 1000;
}

void tsc_wait_us(u64 us)
{
	u64 end = rdtsc() + us_to_tsc(us);
	while (rdtsc() < end)
		cpu_relax();
}

/* Self-test: 20 periodic ticks at 1 kHz must arrive, and take a TSC time
 * within a wide band around 20 ms (catches a dead timer or a rate off by
 * a large factor; emulator timing noise stays well inside the band). */
#define ST_VECTOR 0xef
#define ST_TICKS 20
#define ST_PERIOD_US 1000

static volatile u32 st_ticks;
static volatile u64 st_last_tsc;

static void lapic_st_tick(struct regs *r)
{
	(void)r;
	if (++st_ticks == ST_TICKS)
		st_last_tsc = rdtsc();
	lapic_eoi();
}

static bool lapic_timer_selftest(void)
{
	ST_CHECK(lapic_is_calibrated());

	bool irqs_were_on = read_rflags() & BIT(9);
	u32 saved_lvt = lapic_read(LAPIC_LVT_TIMER);
	u32 saved_init = lapic_read(LAPIC_TIMER_INIT);

	idt_set_handler(ST_VECTOR, lapic_st_tick);
	st_ticks = 0;
	u64 start = rdtsc();
	u64 deadline = start + us_to_tsc(2000000);
	lapic_timer_periodic(ST_PERIOD_US, ST_VECTOR);
	irq_enable();
	while (st_ticks < ST_TICKS && rdtsc() < deadline)
		cpu_relax();
	if (!irqs_were_on)
		irq_disable();
	lapic_timer_stop();

	u32 ticks = st_ticks;
	u64 expect = us_to_tsc(ST_TICKS * ST_PERIOD_US);
	u64 elapsed = st_last_tsc - start;

	lapic_write(LAPIC_LVT_TIMER, saved_lvt);
	lapic_write(LAPIC_TIMER_INIT, saved_init);

	if (ticks < ST_TICKS)
		pr_err("lapic-timer: only %u of %u ticks within 2 s", ticks, ST_TICKS);
	ST_CHECK(ticks >= ST_TICKS);
	pr_debug("lapic-timer: %u ticks at %u us took %lu us by the TSC",
		 ST_TICKS, ST_PERIOD_US, tsc_to_us(elapsed));
	ST_CHECK(elapsed >= expect / 5 && elapsed <= expect * 25);
	return true;
}
SELFTEST("lapic-timer", lapic_timer_selftest);
