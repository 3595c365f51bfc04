/* Unit tests of the software VM-entry checks (vmx/entry_check.c,
 * vmx/entry_check_guest.c): the VMCS vmx/vmcs.c builds for a Multiboot
 * guest passes on a Haswell-like CPU, and each deliberately broken variant
 * is named by the rule it breaks (SDM Vol. 3C 27.2, 27.3.1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "vmx/entry_check.h"
#include "vmx/vmcs.h"

#define CR0_PE BIT(0)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_VMXE BIT(13)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define PAT_DEFAULT 0x0007040600070406ull

/* Capability MSRs of a Haswell-like CPU with true controls, EPT (4-level,
 * WB, A/D), VPID, unrestricted guest; MAXPHYADDR 39. */
static const struct vmx_check_caps haswell = {
	.basic = BIT(55),
	.pin = 0x0000007f00000016ull,
	.proc = 0xfff9fffe04006172ull,
	.proc2 = 0x000077ff00000000ull,
	.exit = 0x007fffff00036dfbull,
	.entry = 0x0000ffff000011fbull,
	.misc = 0x000401c0ull,              /* HLT, shutdown, SIPI; 4 CR3 targets */
	.cr0_fixed0 = 0x80000021ull, .cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull, .cr4_fixed1 = 0x3727ffull,
	.ept_vpid_cap = 0x00000f0106734141ull,
	.phys_bits = 39, .virt_bits = 48, .cpu_lma = true,
};

static void set_seg(struct vmx_check_seg *s, u16 sel, u32 limit, u32 ar)
{
	*s = (struct vmx_check_seg){ .sel = sel, .base = 0, .limit = limit, .ar = ar };
}

/* What vmcs.c writes for a Multiboot guest (vmcs_setup_controls/host/guest)
 * with the control words vmx.c computes from the capabilities above. */
static struct vmx_check_input good(void)
{
	struct vmx_check_input in = { .cap = haswell };
	in.pin = 0x16 | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT;
	in.proc = 0x04006172 | PROC_HLT_EXIT | PROC_UNCOND_IO_EXIT | PROC_USE_MSR_BITMAP |
		  PROC_SECONDARY | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
	in.proc2 = PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID | PROC2_RDTSCP;
	in.exit = 0x36dfb | EXIT_SAVE_DEBUG | EXIT_HOST_64BIT | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		  EXIT_SAVE_PAT | EXIT_LOAD_PAT;
	in.entry = 0x11fb | ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT;
	in.msr_bitmap = 0x5000;
	in.eptp = 0x6000 | 6 | (3 << 3) | BIT(6);
	in.vpid = 1;
	in.host_cr0 = 0x80000033;
	in.host_cr3 = 0x100000;
	in.host_cr4 = 0x20a0;
	in.host_cs = 0x08;
	in.host_ss = in.host_ds = in.host_es = 0x10;
	in.host_tr = 0x18;
	in.host_tr_base = 0xffffffff80104000ull;
	in.host_gdtr_base = 0xffffffff80103000ull;
	in.host_idtr_base = 0xffffffff80105000ull;
	in.host_rip = 0xffffffff80001000ull;
	in.host_efer = EFER_LME | EFER_LMA | BIT(11);
	in.host_pat = PAT_DEFAULT;
	for (int s = SEG_ES; s <= SEG_GS; s++)
		set_seg(&in.seg[s], 0x10, 0xffffffff, 0xc093);
	set_seg(&in.seg[SEG_CS], 0x08, 0xffffffff, 0xc09b);
	set_seg(&in.seg[SEG_LDTR], 0, 0, VMX_AR_UNUSABLE);
	set_seg(&in.seg[SEG_TR], 0, 0x67, 0x8b);
	in.gdtr_limit = in.idtr_limit = 0xffff;
	in.cr0 = CR0_PE | CR0_ET | CR0_NE;     /* vmx_cr0_forced(PE | ET) */
	in.cr4 = CR4_VMXE;
	in.dr7 = 0x400;
	in.rip = 0x100000;
	in.rflags = 2;
	in.pat = PAT_DEFAULT;
	in.link = ~0ull;
	return in;
}

/* The same guest after its switch to 64-bit mode (exit_cr.c). */
static struct vmx_check_input good_long(void)
{
	struct vmx_check_input in = good();
	in.entry |= ENTRY_IA32E_GUEST;
	in.cr0 |= CR0_PG;
	in.cr4 |= CR4_PAE;
	in.cr3 = 0x10000;
	in.efer = EFER_LME | EFER_LMA;
	in.seg[SEG_CS].ar = 0xa09b;             /* L=1, D=0 */
	in.rip = 0xffffffff80000000ull;
	return in;
}

static void expect(const struct vmx_check_input *in, const char *rule)
{
	const char *got = vmx_check_first(in);
	if (!got)
		print_error("no check failed, expected \"%s\"\n", rule);
	assert_non_null(got);
	assert_string_equal(got, rule);
}

static void test_good_images_pass(void **state)
{
	(void)state;
	struct vmx_check_input in = good(), lm = good_long();
	const char *fails[4];
	assert_null(vmx_check_first(&in));
	assert_int_equal(vmx_check_run(&lm, fails, 4), 0);
	in.seg[SEG_DS].ar = VMX_AR_UNUSABLE | 1;       /* unusable: type not checked */
	in.host_ss = 0;                                /* allowed for a 64-bit host */
	in.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXC << 8) | INTR_INFO_HAS_ERROR | 13;
	assert_null(vmx_check_first(&in));
}

static void test_control_fields(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.pin &= ~0x10u;
	expect(&in, "pin-based controls break IA32_VMX_(TRUE_)PINBASED_CTLS (SDM 27.2.1.1)");
	in = good(); in.proc2 |= BIT(31);
	expect(&in, "secondary controls break IA32_VMX_PROCBASED_CTLS2 (SDM 27.2.1.1)");
	in = good(); in.proc2 &= ~PROC2_EPT;
	expect(&in, "unrestricted guest without enable EPT (SDM 27.2.1.1)");
	in = good(); in.vpid = 0;
	expect(&in, "VPID is 0000H with enable VPID (SDM 27.2.1.1)");
	in = good(); in.msr_bitmap = 0x5008;
	expect(&in, "MSR bitmap address not 4-KiB aligned or beyond MAXPHYADDR (SDM 27.2.1.1)");
	in = good(); in.cr3_target_count = 5;
	expect(&in, "CR3-target count above IA32_VMX_MISC[24:16] (SDM 27.2.1.1)");
	in = good(); in.pin |= PIN_VIRTUAL_NMIS; in.pin &= ~PIN_NMI_EXIT;
	expect(&in, "virtual NMIs without NMI exiting (SDM 27.2.1.1)");
	in = good(); in.exit &= ~0x10u;
	expect(&in, "VM-exit controls break IA32_VMX_(TRUE_)EXIT_CTLS (SDM 27.2.1.2)");
	in = good(); in.exit |= EXIT_SAVE_PREEMPT;
	expect(&in, "save preemption timer without activate preemption timer (SDM 27.2.1.2)");
	in = good(); in.entry_msr_load_count = 1; in.entry_msr_load_addr = 0x7004;
	expect(&in, "VM-entry MSR-load area misaligned or beyond MAXPHYADDR (SDM 27.2.1.3)");
	in = good(); in.entry |= ENTRY_SMM;
	expect(&in, "entry to SMM or deactivate dual-monitor set outside SMM (SDM 27.2.1.3)");
}

static void test_eptp(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.eptp = (in.eptp & ~0x38ull) | (2 << 3);
	expect(&in, "EPTP page-walk length not 4 (SDM 27.2.1.1)");
	in = good(); in.eptp = (in.eptp & ~7ull) | 4;
	expect(&in, "EPTP memory type not offered by IA32_VMX_EPT_VPID_CAP (SDM 27.2.1.1)");
	in = good(); in.cap.ept_vpid_cap &= ~BIT(21);
	expect(&in, "EPTP accessed/dirty bit 6 set but EPT A/D not offered (SDM 27.2.1.1)");
	in = good(); in.eptp |= BIT(45);
	expect(&in, "EPTP reserved bits 11:7 or beyond MAXPHYADDR set (SDM 27.2.1.1)");
}

static void test_entry_event(void **state)
{
	(void)state;
	struct vmx_check_input in;
	u32 hw = INTR_INFO_VALID | (INTR_TYPE_HW_EXC << 8);
	in = good(); in.entry_intr_info = hw | 13;
	expect(&in, "VM-entry deliver-error-code clear for #DF/#TS/#NP/#SS/#GP/#PF/#AC (SDM 27.2.1.3)");
	in = good(); in.entry_intr_info = hw | INTR_INFO_HAS_ERROR | 6;
	expect(&in, "VM-entry deliver-error-code set for an event without one (SDM 27.2.1.3)");
	in = good(); in.entry_intr_info = hw | 32;
	expect(&in, "VM-entry hardware exception with vector above 31 (SDM 27.2.1.3)");
	in = good(); in.entry_intr_info = INTR_INFO_VALID | (1 << 8) | 3;
	expect(&in, "VM-entry interruption type reserved (SDM 27.2.1.3)");
	in = good(); in.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_SW_INTR << 8) | 0x80;
	expect(&in, "VM-entry instruction length not 1-15 for a software event (SDM 27.2.1.3)");
	in = good(); in.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << 8) | 0x20;
	expect(&in, "guest RFLAGS.IF clear while injecting an external interrupt (SDM 27.3.1.4)");
}

static void test_host_state(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.host_cr4 &= ~CR4_VMXE;
	expect(&in, "host CR4 breaks IA32_VMX_CR4_FIXED0/1 (SDM 27.2.2)");
	in = good(); in.host_cr3 = BIT(40);
	expect(&in, "host CR3 bits beyond MAXPHYADDR (SDM 27.2.2)");
	in = good(); in.host_efer &= ~EFER_LMA;
	expect(&in, "host IA32_EFER.LMA/LME differ from host address-space size (SDM 27.2.2)");
	in = good(); in.host_pat = 0x2;
	expect(&in, "host IA32_PAT has an invalid memory type (SDM 27.2.2)");
	in = good(); in.host_cs = 0x0b;
	expect(&in, "host segment selector with RPL or TI set (SDM 27.2.3)");
	in = good(); in.host_tr = 0;
	expect(&in, "host TR selector is 0000H (SDM 27.2.3)");
	in = good(); in.host_gs_base = 0x0000800000000000ull;
	expect(&in, "host FS/GS base not canonical (SDM 27.2.3)");
	in = good(); in.exit &= ~EXIT_HOST_64BIT; in.host_efer = 0;
	expect(&in, "host address-space size 0 on a CPU in IA-32e mode (SDM 27.2.4)");
	in = good(); in.host_rip = 0x0000900000000000ull;
	expect(&in, "host RIP not canonical (SDM 27.2.4)");
	in = good(); in.host_cr4 &= ~CR4_PAE;
	expect(&in, "host CR4.PAE clear with host address-space size (SDM 27.2.4)");
}

static void test_guest_cr_msrs(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.cr3 = BIT(62);
	expect(&in, "guest CR3 bits beyond MAXPHYADDR (SDM 27.3.1.1)");
	in = good(); in.cr0 = CR0_PG | CR0_NE;
	expect(&in, "guest CR0.PG set with CR0.PE clear (SDM 27.3.1.1)");
	in = good(); in.proc2 &= ~PROC2_UNRESTRICTED; in.cr0 = CR0_NE;
	expect(&in, "guest CR0 breaks IA32_VMX_CR0_FIXED0/1 (SDM 27.3.1.1)");
	in = good(); in.cr0 &= ~CR0_NE;
	expect(&in, "guest CR0 breaks IA32_VMX_CR0_FIXED0/1 (SDM 27.3.1.1)");
	in = good(); in.cr4 = 0;
	expect(&in, "guest CR4 breaks IA32_VMX_CR4_FIXED0/1 (SDM 27.3.1.1)");
	in = good(); in.entry |= ENTRY_IA32E_GUEST;
	expect(&in, "IA-32e mode guest with CR0.PG or CR4.PAE clear (SDM 27.3.1.1)");
	in = good(); in.efer = EFER_LME | EFER_LMA;
	expect(&in, "guest IA32_EFER.LMA differs from IA-32e mode guest (SDM 27.3.1.1)");
	in = good_long(); in.efer = EFER_LMA;
	expect(&in, "guest IA32_EFER.LME differs from IA-32e mode guest with CR0.PG set "
	       "(SDM 27.3.1.1)");
	in = good(); in.efer = BIT(12);
	expect(&in, "guest IA32_EFER reserved bits set (SDM 27.3.1.1)");
	in = good(); in.dr7 = BIT(32) | 0x400;
	expect(&in, "guest DR7 bits 63:32 not zero (SDM 27.3.1.1)");
	in = good(); in.debugctl = BIT(2);
	expect(&in, "guest IA32_DEBUGCTL reserved bits set (SDM 27.3.1.1)");
	in = good(); in.pat = 0x0007040600070402ull;
	expect(&in, "guest IA32_PAT has an invalid memory type (SDM 27.3.1.1)");
	in = good(); in.sysenter_eip = 0x0000800000000000ull;
	expect(&in, "guest IA32_SYSENTER_ESP/EIP not canonical (SDM 27.3.1.1)");
}

static void test_guest_segments(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.seg[SEG_CS].base = BIT(32);
	expect(&in, "guest CS.base bits 63:32 not zero (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_TR].sel = 0x4;
	expect(&in, "guest TR selector TI flag set (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_FS].base = 0x0000800000000000ull;
	expect(&in, "guest FS/GS.base not canonical (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_CS].ar = 0xc093 & ~1u;
	expect(&in, "guest CS type not accessed code (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_SS].ar = 0xc0f3;
	expect(&in, "guest CS.DPL differs from SS.DPL for non-conforming code (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_CS].ar &= ~0x80u;
	expect(&in, "guest CS not present (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_CS].ar |= BIT(8);
	expect(&in, "guest CS access-rights reserved bits set (SDM 27.3.1.2)");
	in = good_long(); in.seg[SEG_CS].ar = 0xe09b;
	expect(&in, "guest CS.L and CS.D both set in IA-32e mode (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_CS].limit = 0xffffe;   /* G=1 needs limit 11:0 all ones */
	expect(&in, "guest CS.limit inconsistent with CS.G (SDM 27.3.1.2)");
	in = good(); in.proc2 &= ~PROC2_UNRESTRICTED; in.cr0 |= CR0_PG; in.seg[SEG_SS].sel = 0x13;
	expect(&in, "guest SS selector RPL differs from CS RPL (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_SS].ar = 0xc09b;
	expect(&in, "guest SS type not read/write accessed data (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_DS].ar = 0xc092;
	expect(&in, "guest DS type not accessed, or unreadable code (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_ES].ar = 0x4093;
	expect(&in, "guest DS/ES/FS/GS.limit inconsistent with .G (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_TR].ar = 0x89;
	expect(&in, "guest TR type not a busy TSS (11; or 3 outside IA-32e mode) (SDM 27.3.1.2)");
	in = good_long(); in.seg[SEG_TR].ar = 0x83;
	expect(&in, "guest TR type not a busy TSS (11; or 3 outside IA-32e mode) (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_TR].ar |= VMX_AR_UNUSABLE;
	expect(&in, "guest TR marked unusable (SDM 27.3.1.2)");
	in = good(); in.seg[SEG_LDTR].ar = 0x80;
	expect(&in, "guest LDTR not a present LDT descriptor (type 2, S 0) (SDM 27.3.1.2)");
	in = good(); in.rflags |= BIT(17);
	expect(&in, "guest ES not as virtual-8086 mode requires (SDM 27.3.1.2)");
}

static void test_guest_tables_rip_rflags(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.gdtr_limit = 0x10000;
	expect(&in, "guest GDTR/IDTR limit bits 31:16 not zero (SDM 27.3.1.3)");
	in = good(); in.idtr_base = 0x0000800000000000ull;
	expect(&in, "guest GDTR/IDTR base not canonical (SDM 27.3.1.3)");
	in = good(); in.rip = BIT(32);
	expect(&in, "guest RIP bits 63:32 not zero outside 64-bit mode (SDM 27.3.1.4)");
	in = good_long(); in.rip = 0x0000800000000000ull;
	expect(&in, "guest RIP not canonical in 64-bit mode (SDM 27.3.1.4)");
	in = good(); in.rflags = 0;
	expect(&in, "guest RFLAGS reserved bits wrong (bit 1 must be 1) (SDM 27.3.1.4)");
	in = good(); in.rflags |= BIT(15);
	expect(&in, "guest RFLAGS reserved bits wrong (bit 1 must be 1) (SDM 27.3.1.4)");
}

static void test_guest_nonregister(void **state)
{
	(void)state;
	struct vmx_check_input in;
	in = good(); in.activity = 4;
	expect(&in, "guest activity state not active nor offered by IA32_VMX_MISC[8:6] "
	       "(SDM 27.3.1.5)");
	in = good(); in.activity = 1; in.rflags |= BIT(9); in.interruptibility = INTERRUPTIBILITY_STI;
	expect(&in, "guest not active while blocked by STI or MOV SS (SDM 27.3.1.5)");
	in = good(); in.activity = 3; in.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << 8) | 2;
	expect(&in, "guest activity state cannot take the injected event (SDM 27.3.1.5)");
	in = good(); in.rflags |= BIT(9); in.interruptibility = 3;
	expect(&in, "guest blocked by both STI and MOV SS (SDM 27.3.1.5)");
	in = good(); in.interruptibility = INTERRUPTIBILITY_STI;
	expect(&in, "guest blocking by STI with RFLAGS.IF clear (SDM 27.3.1.5)");
	in = good(); in.interruptibility = BIT(5);
	expect(&in, "guest interruptibility-state bits 31:5 set (SDM 27.3.1.5)");
	in = good(); in.interruptibility = INTERRUPTIBILITY_SMI;
	expect(&in, "guest blocking by SMI outside SMM (SDM 27.3.1.5)");
	in = good(); in.pending_dbg = BIT(4);
	expect(&in, "guest pending debug exceptions reserved bits set (SDM 27.3.1.5)");
	in = good(); in.rflags |= BIT(8) | BIT(9); in.interruptibility = INTERRUPTIBILITY_STI;
	expect(&in, "guest pending debug BS differs from RFLAGS.TF while blocked (SDM 27.3.1.5)");
	in = good(); in.link = 0x123;
	expect(&in, "guest VMCS link pointer misaligned or beyond MAXPHYADDR (SDM 27.3.1.5)");
	in = good(); in.link = 0;
	expect(&in, "guest VMCS link pointer not FFFFFFFF_FFFFFFFFH (no shadow VMCS) "
	       "(SDM 27.3.1.5)");
	in = good(); in.cr0 |= CR0_PG; in.cr4 |= CR4_PAE; in.pdpte[2] = 0x5001 | BIT(1);
	expect(&in, "guest PDPTE reserved bits set (SDM 27.3.1.6)");
}

/* Several broken rules: all counted, reported in the manual's order,
 * the list cut at max. */
static void test_all_failures_in_order(void **state)
{
	(void)state;
	struct vmx_check_input in = good();
	const char *fails[2] = { NULL, NULL };
	in.vpid = 0;
	in.cr3 = BIT(62);
	in.seg[SEG_CS].base = BIT(32);
	assert_int_equal(vmx_check_run(&in, fails, 2), 3);
	assert_string_equal(fails[0], "VPID is 0000H with enable VPID (SDM 27.2.1.1)");
	assert_string_equal(fails[1], "guest CR3 bits beyond MAXPHYADDR (SDM 27.3.1.1)");
	assert_int_equal(vmx_check_run(&in, NULL, 0), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_images_pass),
		cmocka_unit_test(test_control_fields),
		cmocka_unit_test(test_eptp),
		cmocka_unit_test(test_entry_event),
		cmocka_unit_test(test_host_state),
		cmocka_unit_test(test_guest_cr_msrs),
		cmocka_unit_test(test_guest_segments),
		cmocka_unit_test(test_guest_tables_rip_rflags),
		cmocka_unit_test(test_guest_nonregister),
		cmocka_unit_test(test_all_failures_in_order),
	};
	return cmocka_run_group_tests_name("vmx_check", tests, NULL, NULL);
}
