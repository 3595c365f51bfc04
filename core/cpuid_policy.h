/* What CPUID tells a guest: an allow-list over the host's leaves. Every
 * feature let through is one whose instructions and MSRs the hypervisor
 * handles; VMX and SVM are always hidden; leaf 0x40000000 names pagevisor.
 * Pure logic (host-testable): the host's CPUID comes through a callback. */
#ifndef CORE_CPUID_POLICY_H
#define CORE_CPUID_POLICY_H

#include "core/types.h"

struct cpuid_out { u32 eax, ebx, ecx, edx; };

typedef struct cpuid_out (*cpuid_host_fn)(u32 leaf, u32 subleaf);

/* What the hypervisor can back for this guest right now. */
struct cpuid_ctx {
	bool msrs;         /* vendor keeps SYSCALL/SYSENTER/TSC_AUX/PAT MSRs */
	u64 xcr0_mask;     /* XCR0 features offered (0: no XSAVE) */
	u64 xcr0;          /* the guest's current XCR0 (leaf 0xD EBX) */
	bool osxsave;      /* the guest's CR4.OSXSAVE (leaf 1 ECX[27]) */
	u64 tsc_khz;       /* leaf 0x40000010 EAX */
	u64 apic_khz;      /* leaf 0x40000010 EBX: local APIC timer input */
};

#define CPUID_HV_LEAF      0x40000000u
#define CPUID_HV_TIMING    0x40000010u
#define CPUID_MAX_BASIC    0xdu
#define CPUID_MAX_EXTENDED 0x80000008u

/* The guest's view of CPUID(leaf, subleaf). */
struct cpuid_out cpuid_guest(cpuid_host_fn host, const struct cpuid_ctx *ctx, u32 leaf,
			     u32 subleaf);

#endif
