/* The guest CPUID allow-list (see core/cpuid_policy.h). Bits follow SDM
 * Vol. 2A CPUID tables and the AMD CPUID Specification #25481. Offered only
 * when backed (struct cpuid_ctx): SEP, PAT, SYSCALL, RDTSCP (the vendor keeps
 * their MSRs), XSAVE/AVX/AVX2 (core/fpu.c switches XCR0 and the state).
 * APIC, x2APIC and TSC-deadline describe the virtual local APIC
 * (core/vdev/lapic.h), whatever the host has. Hidden for good: MTRR, MCA,
 * PCID, monitor/mwait, performance monitoring. */
#include "core/cpuid_policy.h"

/* Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT,
 * AES, RDRAND. Bit 31 (hypervisor present) is forced on. */
#define L1_ECX_ALLOW (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) | \
		      BIT(22) | BIT(23) | BIT(25) | BIT(30))
#define L1_ECX_HYPERVISOR BIT(31)
#define L1_ECX_X2APIC BIT(21)
#define L1_ECX_TSC_DEADLINE BIT(24)
#define L1_EDX_APIC BIT(9)
#define L1_ECX_XSAVE BIT(26)
#define L1_ECX_OSXSAVE BIT(27)
#define L1_ECX_AVX BIT(28)
#define L1_EDX_SEP BIT(11)
#define L1_EDX_PAT BIT(16)
#define L7_EBX_AVX2 BIT(5)
#define E1_EDX_SYSCALL BIT(11)
#define E1_EDX_RDTSCP BIT(27)
#define XCR0_AVX BIT(2)
#define XSAVE_LEGACY_AND_HEADER 576u
/* Leaf 1 EDX: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, PGE, CMOV, PSE36,
 * CLFSH, MMX, FXSR, SSE, SSE2. */
#define L1_EDX_ALLOW (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
		      BIT(8) | BIT(13) | BIT(15) | BIT(17) | BIT(19) | BIT(23) | \
		      BIT(24) | BIT(25) | BIT(26))
/* Leaf 7.0 EBX: BMI1, SMEP, BMI2, ERMS, ADX, SMAP, CLFLUSHOPT. */
#define L7_EBX_ALLOW (BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(19) | BIT(20) | BIT(23))
/* Leaf 0x80000001 ECX: LAHF/SAHF, LZCNT, SSE4A, PREFETCHW. */
#define E1_ECX_ALLOW (BIT(0) | BIT(5) | BIT(6) | BIT(8))
/* Leaf 0x80000001 EDX: NX, 1 GiB pages, long mode, plus the leaf-1 copies
 * AMD mirrors in bits 0-17 and 23-24. */
#define E1_EDX_ALLOW (BIT(20) | BIT(26) | BIT(29) | ((L1_EDX_ALLOW | L1_EDX_APIC) & 0x0183f3ffu))

static struct cpuid_out leaf_basic0(cpuid_host_fn host)
{
	struct cpuid_out r = host(0, 0);
	r.eax = MIN(r.eax, CPUID_MAX_BASIC);
	return r;
}

static struct cpuid_out leaf_1(cpuid_host_fn host, const struct cpuid_ctx *ctx)
{
	struct cpuid_out r = host(1, 0);
	u32 ecx_allow = L1_ECX_ALLOW, edx_allow = L1_EDX_ALLOW;
	if (ctx->xcr0_mask)
		ecx_allow |= L1_ECX_XSAVE | (ctx->xcr0_mask & XCR0_AVX ? L1_ECX_AVX : 0);
	if (ctx->msrs)
		edx_allow |= L1_EDX_SEP | L1_EDX_PAT;
	r.ebx &= 0x0000ffffu;          /* APIC ID 0, one logical CPU */
	r.ebx |= 1u << 16;
	r.ecx = (r.ecx & ecx_allow) | L1_ECX_HYPERVISOR | L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
	if (ctx->xcr0_mask && ctx->osxsave)
		r.ecx |= L1_ECX_OSXSAVE;   /* mirrors the guest's CR4.OSXSAVE */
	r.edx = (r.edx & edx_allow) | L1_EDX_APIC;
	return r;
}

static struct cpuid_out leaf_7(cpuid_host_fn host, const struct cpuid_ctx *ctx, u32 subleaf)
{
	struct cpuid_out r = { 0, 0, 0, 0 };
	u32 allow = L7_EBX_ALLOW | (ctx->xcr0_mask & XCR0_AVX ? L7_EBX_AVX2 : 0);
	if (subleaf == 0 && host(0, 0).eax >= 7)
		r.ebx = host(7, 0).ebx & allow;
	return r;
}

/* XSAVE area size for the features in xcr0 (SDM Vol. 1 13.4): the legacy
 * region and header, plus the AVX component where enabled. */
static u32 xsave_size(cpuid_host_fn host, u64 xcr0)
{
	if (!(xcr0 & XCR0_AVX))
		return XSAVE_LEGACY_AND_HEADER;
	struct cpuid_out avx = host(0xd, 2);
	return avx.ebx + avx.eax;
}

/* Leaf 0xD: only the components of ctx->xcr0_mask; no XSAVEOPT/XSAVEC/
 * XSAVES (subleaf 1 is zero), so no IA32_XSS either. */
static struct cpuid_out leaf_d(cpuid_host_fn host, const struct cpuid_ctx *ctx, u32 subleaf)
{
	struct cpuid_out z = { 0, 0, 0, 0 };
	if (!ctx->xcr0_mask)
		return z;
	if (subleaf == 0)
		return (struct cpuid_out){ (u32)ctx->xcr0_mask, xsave_size(host, ctx->xcr0),
					   xsave_size(host, ctx->xcr0_mask),
					   (u32)(ctx->xcr0_mask >> 32) };
	if (subleaf == 2 && (ctx->xcr0_mask & XCR0_AVX))
		return host(0xd, 2);
	return z;
}

/* "pagevisor" in EBX, ECX, EDX, NUL-padded; EAX = highest hypervisor leaf. */
static struct cpuid_out leaf_hv(void)
{
	return (struct cpuid_out){ CPUID_HV_TIMING, 0x65676170 /* "page" */,
				   0x6f736976 /* "viso" */, 0x00000072 /* "r" */ };
}

/* The timing leaf other hypervisors also offer at 0x40000010: TSC and
 * local APIC timer frequencies in kHz, so guests need not calibrate. */
static struct cpuid_out leaf_hv_timing(const struct cpuid_ctx *ctx)
{
	return (struct cpuid_out){ (u32)ctx->tsc_khz, (u32)ctx->apic_khz, 0, 0 };
}

static struct cpuid_out leaf_ext(cpuid_host_fn host, const struct cpuid_ctx *ctx, u32 leaf)
{
	struct cpuid_out r = host(leaf, 0), z = { 0, 0, 0, 0 };
	u32 host_max = host(0x80000000u, 0).eax;

	if (leaf == 0x80000000u) {
		r.eax = MIN(host_max, CPUID_MAX_EXTENDED);
		return r;
	}
	if (leaf > MIN(host_max, CPUID_MAX_EXTENDED))
		return z;
	switch (leaf) {
	case 0x80000001u:
		r.ecx &= E1_ECX_ALLOW;
		r.edx &= E1_EDX_ALLOW | (ctx->msrs ? E1_EDX_SYSCALL | E1_EDX_RDTSCP : 0);
		return r;
	case 0x80000002u: case 0x80000003u: case 0x80000004u:   /* brand */
	case 0x80000005u: case 0x80000006u:                     /* caches */
		return r;
	case 0x80000008u:
		r.eax &= 0xffff;        /* address sizes only */
		r.ebx = r.ecx = r.edx = 0;
		return r;
	default:
		return z;
	}
}

struct cpuid_out cpuid_guest(cpuid_host_fn host, const struct cpuid_ctx *ctx, u32 leaf,
			     u32 subleaf)
{
	struct cpuid_out z = { 0, 0, 0, 0 };
	if (leaf >= 0x80000000u)
		return leaf_ext(host, ctx, leaf);
	if (leaf == CPUID_HV_LEAF)
		return leaf_hv();
	if (leaf == CPUID_HV_TIMING)
		return leaf_hv_timing(ctx);
	if (leaf > CPUID_HV_LEAF && leaf < CPUID_HV_TIMING)
		return z;
	if (leaf > MIN(host(0, 0).eax, CPUID_MAX_BASIC))
		return z;
	switch (leaf) {
	case 0: return leaf_basic0(host);
	case 1: return leaf_1(host, ctx);
	case 7: return leaf_7(host, ctx, subleaf);
	case 0xd: return leaf_d(host, ctx, subleaf);
	default: return z;   /* cache/topology leaves: not described yet */
	}
}
