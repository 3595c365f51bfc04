/* PC platform set-up for test guests: uncached mapping of the APIC pages,
 * the 8259 pair, CMOS access, and the TSC / LAPIC timer calibration that
 * every timing test measures against (hypervisor CPUID leaf 0x40000010 when
 * offered, else PIT channel 2 gated through port 0x61). */
#include "pc.h"

#define PTE_PWT         (1UL << 3)
#define PTE_PCD         (1UL << 4)
#define PTE_ADDR        0x000FFFFFFFFFF000UL
#define CPUID1_ECX_HV   (1U << 31)
#define HV_LEAF_BASE    0x40000000U
#define HV_LEAF_TIMING  0x40000010U
#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xA0
#define PIC2_DATA       0xA1
#define PIC_EOI         0x20
#define P61_GATE2       (1U << 0)
#define P61_SPEAKER     (1U << 1)
#define P61_OUT2        (1U << 5)
#define CAL_MS          50
#define CAL_POLL_MAX    100000000UL
#define LAPIC_CAL_MS    10

struct rt_clock rt_clock;

/* The 2 MiB identity-map entry that maps va (entry.S: 2 MiB pages). */
static u64 *pde_of(u64 va)
{
	u64 cr3, *pml4, *pdpt, *pd;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (u64 *)(cr3 & PTE_ADDR);
	pdpt = (u64 *)(pml4[va >> 39 & 511] & PTE_ADDR);
	pd = (u64 *)(pdpt[va >> 30 & 511] & PTE_ADDR);
	return &pd[va >> 21 & 511];
}

/* Device registers must not be cached (SDM Vol. 3A 11.4.1: the APIC page
 * is to be mapped UC). */
static void map_uncached(u64 va)
{
	*pde_of(va) |= PTE_PCD | PTE_PWT;
	asm volatile("invlpg (%0)" :: "r"(va) : "memory");
}

void rt_pic_init(void)
{
	rt_outb(PIC1_CMD, 0x11);        /* ICW1: edge, cascade, ICW4 follows */
	rt_outb(PIC2_CMD, 0x11);
	rt_outb(PIC1_DATA, PIC_VECTOR);         /* ICW2: vector base */
	rt_outb(PIC2_DATA, PIC_VECTOR + 8);
	rt_outb(PIC1_DATA, 1 << 2);     /* ICW3: slave on IRQ2 */
	rt_outb(PIC2_DATA, 2);          /* ICW3: slave identity */
	rt_outb(PIC1_DATA, 0x01);       /* ICW4: 8086 mode, normal EOI */
	rt_outb(PIC2_DATA, 0x01);
	rt_pic_set_mask(PIC_ALL_MASKED);
}

void rt_pic_set_mask(u16 mask)
{
	rt_outb(PIC1_DATA, (u8)mask);
	rt_outb(PIC2_DATA, (u8)(mask >> 8));
}

u16 rt_pic_get_mask(void)
{
	return (u16)(rt_inb(PIC1_DATA) | rt_inb(PIC2_DATA) << 8);
}

void rt_pic_eoi(u8 irq)
{
	if (irq >= 8)
		rt_outb(PIC2_CMD, PIC_EOI);
	rt_outb(PIC1_CMD, PIC_EOI);
}

u8 rt_cmos_read(u8 reg)
{
	rt_outb(RTC_INDEX, reg);
	return rt_inb(RTC_DATA);
}

void rt_cmos_write(u8 reg, u8 v)
{
	rt_outb(RTC_INDEX, reg);
	rt_outb(RTC_DATA, v);
}

/* Hypervisor timing leaf: EAX = TSC kHz, EBX = LAPIC timer kHz. */
static bool tsc_from_cpuid(void)
{
	u32 r[4];

	rt_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_HV))
		return false;
	rt_cpuid(HV_LEAF_BASE, 0, r);
	if (r[0] < HV_LEAF_TIMING || r[0] > HV_LEAF_BASE + 0xFF)
		return false;
	rt_cpuid(HV_LEAF_TIMING, 0, r);
	if (!r[0])
		return false;
	rt_clock.tsc_khz = r[0];
	rt_clock.tsc_source = "cpuid 0x40000010";
	if (r[1]) {
		rt_clock.lapic_khz = r[1];
		rt_clock.lapic_source = "cpuid 0x40000010";
	}
	return true;
}

/* PIT channel 2 in mode 0 (interrupt on terminal count) counts CAL_MS down
 * with its gate held high through port 0x61 bit 0; OUT (port 0x61 bit 5)
 * goes high at terminal count (8254 data sheet, mode 0). */
static bool tsc_from_pit(void)
{
	u32 count = (u32)(PIT_HZ * CAL_MS / 1000);
	u64 t0, t1, n = 0;

	rt_outb(PORT_61, (rt_inb(PORT_61) & ~P61_SPEAKER) | P61_GATE2);
	rt_outb(PIT_CMD, 0xB0);         /* channel 2, lo/hi byte, mode 0, binary */
	rt_outb(PIT_CH2, (u8)count);
	rt_outb(PIT_CH2, (u8)(count >> 8));
	t0 = rt_rdtsc();
	while (!(rt_inb(PORT_61) & P61_OUT2) && ++n < CAL_POLL_MAX)
		;
	t1 = rt_rdtsc();
	rt_outb(PORT_61, rt_inb(PORT_61) & ~(P61_GATE2 | P61_SPEAKER));
	if (n >= CAL_POLL_MAX || n < 2 || t1 - t0 < 1000)
		return false;
	rt_clock.tsc_khz = (t1 - t0) * PIT_HZ / count / 1000;
	rt_clock.tsc_source = "pit channel 2";
	return true;
}

/* LAPIC timer at divide-by-1, masked one-shot from all-ones, against the
 * calibrated TSC. */
static void lapic_from_tsc(void)
{
	u64 t0, t1, ccr;

	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_SPURIOUS_VECTOR);
	rt_lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFF);
	t0 = rt_rdtsc();
	while ((t1 = rt_rdtsc()) - t0 < rt_tsc_ms(LAPIC_CAL_MS))
		;
	ccr = rt_lapic_read(LAPIC_TIMER_CCR);
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
	rt_clock.lapic_khz = (0xFFFFFFFFUL - ccr) * rt_clock.tsc_khz / (t1 - t0);
	if (!rt_clock.lapic_khz)
		rt_clock.lapic_khz = 1;
	rt_clock.lapic_source = "tsc";
}

static void spurious(u8 vector)
{
	(void)vector;                   /* no EOI for the spurious vector */
}

void rt_pc_init(void)
{
	map_uncached(IOAPIC_BASE);
	map_uncached(LAPIC_BASE);
	rt_pic_init();
	rt_irq_handler(LAPIC_SPURIOUS_VECTOR, spurious);
	rt_wrmsr(MSR_APIC_BASE, rt_rdmsr(MSR_APIC_BASE) | APIC_BASE_EN);
	rt_lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	rt_lapic_write(LAPIC_TPR, 0);
	/* Virtual-wire mode (MP spec 3.6.2.2): the 8259's INTR through LINT0
	 * as ExtINT, NMI on LINT1, as firmware leaves it. */
	rt_lapic_write(LAPIC_LVT_LINT0, LAPIC_DM_EXTINT);
	rt_lapic_write(LAPIC_LVT_LINT1, LAPIC_DM_NMI);
	for (unsigned pin = 0; pin < rt_ioapic_pins() && pin < 240; pin++)
		rt_ioapic_mask((u8)pin);
	if (!tsc_from_cpuid() && !tsc_from_pit()) {
		rt_clock.tsc_khz = 1000000;
		rt_clock.tsc_source = "none worked (PIT channel 2 OUT never rose): assuming 1 GHz";
	}
	if (!rt_clock.lapic_khz)
		lapic_from_tsc();
	rt_printf("rt: tsc %lu kHz from %s, lapic timer %lu kHz from %s\n",
		  rt_clock.tsc_khz, rt_clock.tsc_source, rt_clock.lapic_khz,
		  rt_clock.lapic_source);
}

bool rt_wait_count(volatile u64 *counter, u64 target, u64 ms)
{
	u64 t0 = rt_rdtsc(), len = rt_tsc_ms(ms);

	rt_sti();
	while (*counter < target && rt_rdtsc() - t0 < len)
		asm volatile("pause" ::: "memory");
	rt_cli();
	return *counter >= target;
}

u64 rt_tsc_ms(u64 ms)
{
	return ms * rt_clock.tsc_khz;
}

u64 rt_tsc_us(u64 us)
{
	return us * rt_clock.tsc_khz / 1000;
}

u64 rt_tsc_to_us(u64 d)
{
	return d * 1000 / rt_clock.tsc_khz;
}
