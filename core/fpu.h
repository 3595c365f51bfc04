/* Guest x87/SSE/AVX state. The hypervisor's own code never touches FPU or
 * vector registers (-mgeneral-regs-only), so the registers always hold the
 * state of the last vCPU that ran: switching is needed only when another
 * vCPU is entered. XSAVE/XRSTOR with the guest's own XCR0 where
 * CPUID.1:ECX.XSAVE is set, FXSAVE/FXRSTOR otherwise. */
#ifndef CORE_FPU_H
#define CORE_FPU_H

#include "core/types.h"

struct vcpu;

/* Enable the host's FPU/SSE/XSAVE controls (CR0, CR4.OSFXSR/OSXSAVE) and
 * size the save area. Called once at boot. */
void fpu_init(void);

/* Allocate v's save area in its reset state (FCW 0x37F, MXCSR 0x1F80,
 * XCR0 = x87). Returns E_NOMEM. */
int fpu_vcpu_init(struct vcpu *v) __must_check;
void fpu_vcpu_destroy(struct vcpu *v);

/* Make the registers and XCR0 hold v's state: called by the vendor right
 * before every VM entry; a no-op unless another vCPU ran last. */
void fpu_enter_guest(struct vcpu *v);

/* XCR0 features a guest may enable: x87, SSE, AVX where the host has them. */
u64 fpu_guest_xcr0_mask(void);

/* True when the host has XSAVE (and so guests can be offered it). */
bool fpu_has_xsave(void);

/* Emulate XSETBV(index, value) for v (SDM Vol. 2C XSETBV): false means the
 * caller injects #GP(0) and does not advance RIP. */
bool emu_xsetbv(struct vcpu *v, u32 index, u64 value);

#endif
