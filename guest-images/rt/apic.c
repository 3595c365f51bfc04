/* Local APIC (xAPIC MMIO at 0xFEE00000 or x2APIC MSRs) and IOAPIC
 * (0xFEC00000) access for test guests. The rest of the runtime and the
 * guests use offsets of the xAPIC page; in x2APIC mode they become MSRs
 * 0x800 + offset / 16 (SDM Vol. 3A 11.12.1). */
#include "pc.h"

#define CPUID1_ECX_X2APIC       (1U << 21)
#define IOAPIC_REGSEL           0x00
#define IOAPIC_WIN              0x10
#define IOAPIC_VER              0x01
#define IOAPIC_REDIR(pin)       (0x10 + 2 * (pin))
#define IOAPIC_MASKED           (1U << 16)
#define ICR_POLL_MAX            1000000

static bool x2apic_on;

static volatile u32 *lapic_reg(u32 reg)
{
	return (volatile u32 *)(LAPIC_BASE + reg);
}

u32 rt_lapic_read(u32 reg)
{
	if (x2apic_on)
		return (u32)rt_rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *lapic_reg(reg);
}

void rt_lapic_write(u32 reg, u32 v)
{
	if (x2apic_on)
		rt_wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		*lapic_reg(reg) = v;
}

void rt_lapic_eoi(void)
{
	rt_lapic_write(LAPIC_EOI, 0);
}

bool rt_lapic_icr(u32 lo, u32 dest)
{
	if (x2apic_on) {
		rt_wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR_LO >> 4), (u64)dest << 32 | lo);
		return true;
	}
	*lapic_reg(LAPIC_ICR_HI) = dest << 24;
	*lapic_reg(LAPIC_ICR_LO) = lo;
	for (unsigned i = 0; i < ICR_POLL_MAX; i++)
		if (!(*lapic_reg(LAPIC_ICR_LO) & LAPIC_ICR_BUSY))
			return true;
	return false;
}

bool rt_x2apic_enable(void)
{
	u32 r[4];

	rt_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_X2APIC))
		return false;
	rt_wrmsr(MSR_APIC_BASE, rt_rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	x2apic_on = true;
	return true;
}

bool rt_x2apic_active(void)
{
	return x2apic_on;
}

u32 rt_ioapic_read(u8 reg)
{
	*(volatile u32 *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	return *(volatile u32 *)(IOAPIC_BASE + IOAPIC_WIN);
}

void rt_ioapic_write(u8 reg, u32 v)
{
	*(volatile u32 *)(IOAPIC_BASE + IOAPIC_REGSEL) = reg;
	*(volatile u32 *)(IOAPIC_BASE + IOAPIC_WIN) = v;
}

unsigned rt_ioapic_pins(void)
{
	return (rt_ioapic_read(IOAPIC_VER) >> 16 & 0xFF) + 1;
}

/* Destination = the BSP's APIC ID, read now (physical destination mode). */
void rt_ioapic_route(u8 pin, u8 vector)
{
	u32 id = rt_lapic_read(LAPIC_ID);

	if (!x2apic_on)
		id >>= 24;
	rt_ioapic_write(IOAPIC_REDIR(pin), IOAPIC_MASKED);
	rt_ioapic_write(IOAPIC_REDIR(pin) + 1, (id & 0xFF) << 24);
	rt_ioapic_write(IOAPIC_REDIR(pin), vector);
}

void rt_ioapic_mask(u8 pin)
{
	rt_ioapic_write(IOAPIC_REDIR(pin), IOAPIC_MASKED);
}
