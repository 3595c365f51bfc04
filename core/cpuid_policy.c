/* The guest CPUID allow-list (see core/cpuid_policy.h). Bits follow SDM
 * Vol. 2A CPUID tables and the AMD CPUID Specification #25481. Hidden for
 * now, with the issue that will expose them: APIC/x2APIC/TSC-deadline (PC
 * platform), XSAVE/AVX and SYSCALL/RDTSCP (full state switching), MTRR,
 * PAT, MCA, SEP, PCID, monitor/mwait, performance monitoring. */
#include "core/cpuid_policy.h"

/* Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT,
 * AES, RDRAND. Bit 31 (hypervisor present) is forced on. */
#define L1_ECX_ALLOW (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) | \
		      BIT(22) | BIT(23) | BIT(25) | BIT(30))
#define L1_ECX_HYPERVISOR BIT(31)
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
#define E1_EDX_ALLOW (BIT(20) | BIT(26) | BIT(29) | (L1_EDX_ALLOW & 0x0183f3ffu))

static struct cpuid_out leaf_basic0(cpuid_host_fn host)
{
	struct cpuid_out r = host(0, 0);
	r.eax = MIN(r.eax, CPUID_MAX_BASIC);
	return r;
}

static struct cpuid_out leaf_1(cpuid_host_fn host)
{
	struct cpuid_out r = host(1, 0);
	r.ebx &= 0x0000ffffu;          /* APIC ID 0, one logical CPU */
	r.ebx |= 1u << 16;
	r.ecx = (r.ecx & L1_ECX_ALLOW) | L1_ECX_HYPERVISOR;
	r.edx &= L1_EDX_ALLOW;
	return r;
}

static struct cpuid_out leaf_7(cpuid_host_fn host, u32 subleaf)
{
	struct cpuid_out r = { 0, 0, 0, 0 };
	if (subleaf == 0 && host(0, 0).eax >= 7) {
		r.ebx = host(7, 0).ebx & L7_EBX_ALLOW;
	}
	return r;
}

/* "pagevisor" in EBX, ECX, EDX, NUL-padded; EAX = highest hypervisor leaf. */
static struct cpuid_out leaf_hv(void)
{
	return (struct cpuid_out){ CPUID_HV_LEAF + 1, 0x65676170 /* "page" */,
				   0x6f736976 /* "viso" */, 0x00000072 /* "r" */ };
}

static struct cpuid_out leaf_ext(cpuid_host_fn host, u32 leaf)
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
		r.edx &= E1_EDX_ALLOW;
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

struct cpuid_out cpuid_guest(cpuid_host_fn host, u32 leaf, u32 subleaf)
{
	struct cpuid_out z = { 0, 0, 0, 0 };
	if (leaf >= 0x80000000u)
		return leaf_ext(host, leaf);
	if (leaf == CPUID_HV_LEAF)
		return leaf_hv();
	if (leaf == CPUID_HV_LEAF + 1)
		return z;
	if (leaf > MIN(host(0, 0).eax, CPUID_MAX_BASIC))
		return z;
	switch (leaf) {
	case 0: return leaf_basic0(host);
	case 1: return leaf_1(host);
	case 7: return leaf_7(host, subleaf);
	default: return z;   /* cache/topology leaves: not described yet */
	}
}
