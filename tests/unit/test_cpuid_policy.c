/* Unit tests of the guest CPUID allow-list (core/cpuid_policy.c) against
 * fake host CPUs that offer everything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/cpuid_policy.h"

static const struct cpuid_ctx bare = { 0 };
static const struct cpuid_ctx full = { .msrs = true, .xcr0_mask = 7, .xcr0 = 7, .osxsave = true };

/* A host that sets every bit of every leaf, with plausible maxima. */
static struct cpuid_out host_all(u32 leaf, u32 subleaf)
{
	(void)subleaf;
	if (leaf == 0)
		return (struct cpuid_out){ 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 };
	if (leaf == 0x80000000u)
		return (struct cpuid_out){ 0x80000021u, 0, 0, 0 };
	return (struct cpuid_out){ ~0u, ~0u, ~0u, ~0u };
}

static void test_vmx_svm_hidden(void **state)
{
	(void)state;
	struct cpuid_out l1 = cpuid_guest(host_all, &bare, 1, 0);
	struct cpuid_out e1 = cpuid_guest(host_all, &bare, 0x80000001u, 0);
	assert_false(l1.ecx & BIT(5));     /* VMX */
	assert_false(l1.ecx & BIT(6));     /* SMX */
	assert_false(e1.ecx & BIT(2));     /* SVM */
	assert_false(e1.ecx & BIT(12));    /* SKINIT */
	assert_true(l1.ecx & BIT(31));     /* hypervisor present */
}

static void test_unhandled_features_hidden(void **state)
{
	(void)state;
	struct cpuid_out l1 = cpuid_guest(host_all, &bare, 1, 0);
	struct cpuid_out e1 = cpuid_guest(host_all, &bare, 0x80000001u, 0);
	assert_false(l1.ecx & BIT(26));    /* XSAVE: XSETBV not emulated yet */
	assert_false(l1.ecx & BIT(28));    /* AVX */
	assert_true(l1.ecx & BIT(21));     /* x2APIC: the virtual local APIC has it */
	assert_true(l1.ecx & BIT(24));     /* TSC-deadline timer: likewise */
	assert_true(l1.edx & BIT(9));      /* APIC */
	assert_false(l1.edx & BIT(12));    /* MTRR */
	assert_false(e1.edx & BIT(11));    /* SYSCALL: STAR/LSTAR not switched yet */
	assert_false(e1.edx & BIT(27));    /* RDTSCP */
	assert_true(e1.edx & BIT(29));     /* long mode */
	assert_true(l1.edx & BIT(6));      /* PAE */
	assert_int_equal(l1.ebx >> 24, 0); /* APIC ID 0 */
}

static void test_hypervisor_leaf(void **state)
{
	(void)state;
	struct cpuid_out r = cpuid_guest(host_all, &bare, 0x40000000u, 0);
	char sig[13] = { 0 };
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, "pagevisor");
	assert_int_equal(r.eax, 0x40000010u);
}

/* Leaf 0x40000010 gives the TSC and APIC timer frequencies from the
 * context; the leaves between it and 0x40000000 are empty. */
static void test_timing_leaf(void **state)
{
	(void)state;
	struct cpuid_ctx ctx = bare;
	ctx.tsc_khz = 2500000;
	ctx.apic_khz = 100000;
	struct cpuid_out r = cpuid_guest(host_all, &ctx, 0x40000010u, 0);
	assert_int_equal(r.eax, 2500000);
	assert_int_equal(r.ebx, 100000);
	r = cpuid_guest(host_all, &ctx, 0x40000005u, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_max_leaves_clamped(void **state)
{
	(void)state;
	assert_int_equal(cpuid_guest(host_all, &bare, 0, 0).eax, CPUID_MAX_BASIC);
	assert_int_equal(cpuid_guest(host_all, &bare, 0x80000000u, 0).eax, CPUID_MAX_EXTENDED);
	struct cpuid_out z = cpuid_guest(host_all, &bare, 0xb, 0);
	assert_int_equal(z.eax | z.ebx | z.ecx | z.edx, 0);
	z = cpuid_guest(host_all, &bare, 0x8000001fu, 0);
	assert_int_equal(z.eax | z.ebx | z.ecx | z.edx, 0);
	assert_int_equal(cpuid_guest(host_all, &bare, 7, 1).ebx, 0);
}

static void test_backed_features_offered(void **state)
{
	(void)state;
	struct cpuid_out l1 = cpuid_guest(host_all, &full, 1, 0);
	struct cpuid_out e1 = cpuid_guest(host_all, &full, 0x80000001u, 0);
	assert_true(l1.ecx & BIT(26));     /* XSAVE */
	assert_true(l1.ecx & BIT(27));     /* OSXSAVE mirrors CR4 */
	assert_true(l1.ecx & BIT(28));     /* AVX */
	assert_true(l1.edx & BIT(11));     /* SEP */
	assert_true(e1.edx & BIT(11));     /* SYSCALL */
	assert_true(e1.edx & BIT(27));     /* RDTSCP */
	assert_true(cpuid_guest(host_all, &full, 7, 0).ebx & BIT(5));    /* AVX2 */
	assert_false(l1.ecx & BIT(5));     /* still no VMX */
	struct cpuid_ctx no_os = full;
	no_os.osxsave = false;
	assert_false(cpuid_guest(host_all, &no_os, 1, 0).ecx & BIT(27));
}

static void test_xsave_leaf(void **state)
{
	(void)state;
	struct cpuid_ctx sse_only = full;
	sse_only.xcr0_mask = 3;
	sse_only.xcr0 = 3;
	struct cpuid_out d = cpuid_guest(host_all, &sse_only, 0xd, 0);
	assert_int_equal(d.eax, 3);
	assert_int_equal(d.ebx, 576);
	assert_int_equal(d.edx, 0);
	assert_int_equal(cpuid_guest(host_all, &sse_only, 0xd, 1).eax, 0);   /* no XSAVES */
	assert_int_equal(cpuid_guest(host_all, &sse_only, 0xd, 2).eax, 0);
	assert_false(cpuid_guest(host_all, &sse_only, 1, 0).ecx & BIT(28)); /* no AVX */
	d = cpuid_guest(host_all, &bare, 0xd, 0);
	assert_int_equal(d.eax | d.ebx | d.ecx | d.edx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmx_svm_hidden),
		cmocka_unit_test(test_unhandled_features_hidden),
		cmocka_unit_test(test_hypervisor_leaf),
		cmocka_unit_test(test_timing_leaf),
		cmocka_unit_test(test_max_leaves_clamped),
		cmocka_unit_test(test_backed_features_offered),
		cmocka_unit_test(test_xsave_leaf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
