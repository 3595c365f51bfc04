/* Guest FPU/SSE/AVX state switching (see core/fpu.h). XCR0 is switched too:
 * neither VMX nor SVM switches it (SDM Vol. 1 13.3, APM Vol. 2 15.5). */
#include "core/fpu.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "core/vcpu.h"
#include "mm/heap.h"

#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_OSXSAVE    BIT(18)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)
#define XCR0_AVX BIT(2)
#define FXSAVE_SIZE 512

static bool have_xsave;
static u64 host_xcr0_mask;       /* features the CPU supports (CPUID 0xD.0) */
static u32 area_size;
static struct vcpu *fpu_owner;   /* whose state the registers hold */

static inline void xsetbv(u32 index, u64 v)
{
	__asm__ volatile("xsetbv" : : "c"(index), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void xsave(void *area, u64 mask)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((u32)mask), "d"((u32)(mask >> 32))
			 : "memory");
}

static inline void xrstor(const void *area, u64 mask)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((u32)mask), "d"((u32)(mask >> 32))
			 : "memory");
}

void fpu_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	area_size = FXSAVE_SIZE;
	if (!(cpuid(1, 0).ecx & BIT(26))) {
		pr_info("fpu: FXSAVE (no XSAVE on this CPU)");
		return;
	}
	have_xsave = true;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	struct cpuid_regs d = cpuid(0xd, 0);
	host_xcr0_mask = ((u64)d.edx << 32) | d.eax;
	area_size = d.ecx;
	pr_info("fpu: XSAVE, host XCR0 features 0x%lx, guests may use 0x%lx, area %u bytes",
		host_xcr0_mask, fpu_guest_xcr0_mask(), area_size);
}

bool fpu_has_xsave(void)
{
	return have_xsave;
}

u64 fpu_guest_xcr0_mask(void)
{
	return have_xsave ? host_xcr0_mask & (XCR0_X87 | XCR0_SSE | XCR0_AVX) : 0;
}

int fpu_vcpu_init(struct vcpu *v)
{
	u8 *area = kzalloc(ALIGN_UP(area_size, 64));
	if (!area)
		return E_NOMEM;
	ASSERT(IS_ALIGNED((u64)(uintptr_t)area, 64));
	*(u16 *)(area + 0) = 0x37f;        /* FCW (SDM Vol. 1 10.5.1) */
	*(u32 *)(area + 24) = 0x1f80;      /* MXCSR */
	v->fpu_area = area;
	v->xcr0 = XCR0_X87;
	return 0;
}

void fpu_vcpu_destroy(struct vcpu *v)
{
	if (fpu_owner == v)
		fpu_owner = NULL;
	kfree(v->fpu_area);
	v->fpu_area = NULL;
}

/* Save the registers into the owner's area under the owner's XCR0 (the
 * XCR0 that is loaded), then load v's XCR0 and state. */
void fpu_enter_guest(struct vcpu *v)
{
	if (fpu_owner == v)
		return;
	ASSERT(v->fpu_area);
	if (have_xsave) {
		if (fpu_owner)
			xsave(fpu_owner->fpu_area, fpu_owner->xcr0);
		xsetbv(0, v->xcr0);
		xrstor(v->fpu_area, v->xcr0);
	} else {
		if (fpu_owner)
			__asm__ volatile("fxsave64 (%0)" : : "r"(fpu_owner->fpu_area) : "memory");
		__asm__ volatile("fxrstor64 (%0)" : : "r"(v->fpu_area) : "memory");
	}
	fpu_owner = v;
}

/* XCR0 rules (SDM Vol. 1 13.3): bit 0 set; AVX needs SSE; only supported
 * features. A guest without CR4.OSXSAVE gets #UD from the CPU before any
 * exit, so that is not checked here. */
bool emu_xsetbv(struct vcpu *v, u32 index, u64 value)
{
	if (index != 0 || !(value & XCR0_X87) || (value & ~fpu_guest_xcr0_mask()))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	ASSERT(fpu_owner == v);
	v->xcr0 = value;
	xsetbv(0, value);
	return true;
}
