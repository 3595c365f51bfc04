/* Unit tests for svm/svm_check.c: the VMRUN consistency checks of APM
 * Vol. 2 15.5.1 in software. The known-good VMCB is the one svm/vmcb_init.c
 * builds for a Multiboot guest (with the ASID svm/asid.c assigns); each
 * broken variant must be reported as exactly the rule it breaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "svm/svm_check.h"
#include "core/vcpu.h"

#define IOPM_PA  0x10a000ull
#define MSRPM_PA 0x10f000ull
#define NCR3_PA  0x113000ull

static const struct svm_check_cpu qemu_cpu = {
	.phys_bits = 40, .long_mode = true, .flush_by_asid = false,
};
static const struct svm_check_cpu ryzen_cpu = {
	.phys_bits = 48, .long_mode = true, .flush_by_asid = true,
};

static struct vmcb vmcb;

/* What svm_vcpu_create and the first svm_asid_prepare produce. */
static void good_vmcb(void)
{
	struct vcpu_boot_state boot = { .eip = 0x100000, .eax = 0x2badb002, .ebx = 0x9500 };
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb_init_multiboot(&vmcb, IOPM_PA, MSRPM_PA, NCR3_PA, &boot);
	vmcb.ctl.asid = 1;
}

/* The good VMCB switched to 64-bit mode as a guest would leave it. */
static void good_long_mode_vmcb(void)
{
	good_vmcb();
	vmcb.save.cr0 |= VMCB_CR0_PG;
	vmcb.save.cr4 |= VMCB_CR4_PAE;
	vmcb.save.cr3 = 0x12345000;
	vmcb.save.efer |= VMCB_EFER_LME | VMCB_EFER_LMA;
	vmcb.save.cs.attrib = 0xa9b;            /* L, not D */
}

static void expect_only(enum svm_rule r)
{
	u32 got = svm_check_vmcb(&vmcb, &qemu_cpu);
	if (got != (1u << r))
		print_error("expected only \"%s\", got 0x%x (first: \"%s\")\n", svm_rule_name(r),
			    got, svm_rule_name(svm_rule_first(got)));
	assert_int_equal(got, 1u << r);
	assert_int_equal(svm_rule_first(got), r);
}

static void test_good_vmcb_passes(void **state)
{
	(void)state;
	good_vmcb();
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	assert_int_equal(svm_check_vmcb(&vmcb, &ryzen_cpu), 0);
	good_long_mode_vmcb();
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	assert_int_equal(svm_rule_first(0), SVMC_NR);
}

static void test_efer(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.efer &= ~VMCB_EFER_SVME;
	expect_only(SVMC_EFER_SVME);
	good_vmcb();
	vmcb.save.efer |= BIT(1);
	expect_only(SVMC_EFER_MBZ);
	good_vmcb();
	vmcb.save.efer |= BIT(40);
	expect_only(SVMC_EFER_MBZ);
	good_vmcb();
	vmcb.save.efer |= BIT(11) | BIT(0);     /* NXE, SCE: defined */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

static void test_efer_long_mode_unsupported(void **state)
{
	struct svm_check_cpu no_lm = qemu_cpu;
	(void)state;
	no_lm.long_mode = false;
	good_vmcb();
	assert_int_equal(svm_check_vmcb(&vmcb, &no_lm), 0);
	vmcb.save.efer |= VMCB_EFER_LME;
	assert_int_equal(svm_check_vmcb(&vmcb, &no_lm), 1u << SVMC_EFER_LM_UNSUP);
}

static void test_cr0(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.cr0 |= VMCB_CR0_NW;           /* CD = 0 */
	expect_only(SVMC_CR0_CD_NW);
	vmcb.save.cr0 |= VMCB_CR0_CD;           /* CD = 1, NW = 1 is legal */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	good_vmcb();
	vmcb.save.cr0 |= BIT(32);
	expect_only(SVMC_CR0_HIGH);
}

static void test_cr3(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.cr3 = BIT(32);                /* 32-bit CR3 outside long mode */
	expect_only(SVMC_CR3_MBZ);
	good_long_mode_vmcb();
	vmcb.save.cr3 = BIT(39);                /* below MAXPHYADDR 40 */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.save.cr3 = BIT(40);
	expect_only(SVMC_CR3_MBZ);
	assert_int_equal(svm_check_vmcb(&vmcb, &ryzen_cpu), 0);   /* 48 bits there */
}

static void test_cr4(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.cr4 = BIT(13);                /* VMXE: reserved on AMD */
	expect_only(SVMC_CR4_MBZ);
	vmcb.save.cr4 = BIT(15);
	expect_only(SVMC_CR4_MBZ);
	vmcb.save.cr4 = BIT(32);
	expect_only(SVMC_CR4_MBZ);
	vmcb.save.cr4 = BIT(18) | BIT(9) | BIT(10) | BIT(7);   /* OSXSAVE, OSFXSR.. */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

static void test_dr6_dr7(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.dr6 |= BIT(32);
	expect_only(SVMC_DR6_HIGH);
	good_vmcb();
	vmcb.save.dr7 |= BIT(32);
	expect_only(SVMC_DR7_HIGH);
}

static void test_long_mode_consistency(void **state)
{
	(void)state;
	good_long_mode_vmcb();
	vmcb.save.cr4 &= ~VMCB_CR4_PAE;
	expect_only(SVMC_LM_NO_PAE);
	good_long_mode_vmcb();
	vmcb.save.cr0 &= ~VMCB_CR0_PE;
	expect_only(SVMC_LM_NO_PE);
	good_long_mode_vmcb();
	vmcb.save.cs.attrib |= VMCB_ATTR_D;     /* L and D both set */
	expect_only(SVMC_LM_CS_LD);
	good_vmcb();                            /* CS.D alone, no long mode: fine */
	vmcb.save.cs.attrib |= VMCB_ATTR_L;
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

static void test_vmrun_intercept(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.intercept_misc2 &= ~VMCB_I2_VMRUN;
	expect_only(SVMC_VMRUN_INTERCEPT);
}

static void test_permission_maps(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.msrpm_base_pa = (1ull << 40) - 2 * PAGE_SIZE;  /* last byte fits */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.ctl.msrpm_base_pa = (1ull << 40) - PAGE_SIZE;      /* second page beyond */
	expect_only(SVMC_MSRPM_RANGE);
	good_vmcb();
	vmcb.ctl.iopm_base_pa = (1ull << 40) - 2 * PAGE_SIZE;   /* 3 pages: beyond */
	expect_only(SVMC_IOPM_RANGE);
	vmcb.ctl.iopm_base_pa = ~0ull & ~(PAGE_SIZE - 1);       /* no wrap-around */
	expect_only(SVMC_IOPM_RANGE);
}

static void test_event_injection(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.event_inj = 13 | (VMCB_EV_TYPE_EXC << 8) | VMCB_EV_ERR_VALID | VMCB_EV_VALID;
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.ctl.event_inj = 2 | (VMCB_EV_TYPE_EXC << 8) | VMCB_EV_VALID;      /* NMI as #2 */
	expect_only(SVMC_EVENT_VECTOR);
	vmcb.ctl.event_inj = 32 | (VMCB_EV_TYPE_EXC << 8) | VMCB_EV_VALID;
	expect_only(SVMC_EVENT_VECTOR);
	vmcb.ctl.event_inj = 2 | (VMCB_EV_TYPE_NMI << 8) | VMCB_EV_VALID;      /* real NMI */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.ctl.event_inj = 0x20 | (1 << 8) | VMCB_EV_VALID;
	expect_only(SVMC_EVENT_TYPE);
	vmcb.ctl.event_inj = 0x20 | (5 << 8) | VMCB_EV_VALID;
	expect_only(SVMC_EVENT_TYPE);
	vmcb.ctl.event_inj = 2 | (VMCB_EV_TYPE_EXC << 8);                      /* not valid */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

static void test_asid_zero(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.asid = 0;
	expect_only(SVMC_ASID_ZERO);
}

static void test_tlb_control(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.tlb_control = VMCB_TLB_FLUSH_ALL;
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.ctl.tlb_control = VMCB_TLB_FLUSH_ASID;     /* needs flush-by-ASID */
	expect_only(SVMC_TLB_CONTROL);
	assert_int_equal(svm_check_vmcb(&vmcb, &ryzen_cpu), 0);
	vmcb.ctl.tlb_control = 2;
	assert_int_equal(svm_check_vmcb(&vmcb, &ryzen_cpu), 1u << SVMC_TLB_CONTROL);
}

static void test_ncr3(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.n_cr3 = 1ull << 40;
	expect_only(SVMC_NCR3_RANGE);
	vmcb.ctl.np_ctl = 0;                    /* ignored without nested paging */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

static void test_gpat(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.save.g_pat = 0x0606060606060606ull;        /* all WB */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
	vmcb.save.g_pat = 0x0007040600070402ull;        /* PA0 = 2: reserved */
	expect_only(SVMC_GPAT);
	vmcb.save.g_pat = 0x0807040600070406ull;        /* PA7 = 8 */
	expect_only(SVMC_GPAT);
	vmcb.ctl.np_ctl = 0;                            /* G_PAT unused */
	assert_int_equal(svm_check_vmcb(&vmcb, &qemu_cpu), 0);
}

/* Several broken rules: all reported, the first in APM order named first. */
static void test_several_rules(void **state)
{
	(void)state;
	good_vmcb();
	vmcb.ctl.asid = 0;
	vmcb.save.efer = 0;
	u32 got = svm_check_vmcb(&vmcb, &qemu_cpu);
	assert_int_equal(got, (1u << SVMC_EFER_SVME) | (1u << SVMC_ASID_ZERO));
	assert_int_equal(svm_rule_first(got), SVMC_EFER_SVME);
	assert_string_equal(svm_rule_name(SVMC_EFER_SVME), "EFER.SVME = 0");
	assert_string_equal(svm_rule_name(SVMC_ASID_ZERO), "ASID = 0");
}

/* Every rule has a name. */
static void test_rule_names(void **state)
{
	(void)state;
	for (int r = 0; r < SVMC_NR; r++) {
		assert_non_null(svm_rule_name(r));
		assert_true(strlen(svm_rule_name(r)) > 3);
	}
	assert_string_equal(svm_rule_name(SVMC_NR), "no rule");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_vmcb_passes),
		cmocka_unit_test(test_efer),
		cmocka_unit_test(test_efer_long_mode_unsupported),
		cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr3),
		cmocka_unit_test(test_cr4),
		cmocka_unit_test(test_dr6_dr7),
		cmocka_unit_test(test_long_mode_consistency),
		cmocka_unit_test(test_vmrun_intercept),
		cmocka_unit_test(test_permission_maps),
		cmocka_unit_test(test_event_injection),
		cmocka_unit_test(test_asid_zero),
		cmocka_unit_test(test_tlb_control),
		cmocka_unit_test(test_ncr3),
		cmocka_unit_test(test_gpat),
		cmocka_unit_test(test_several_rules),
		cmocka_unit_test(test_rule_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
