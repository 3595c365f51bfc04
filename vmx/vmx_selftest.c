/* In-image self-tests of the VMX vCPU (`selftest` on the command line): the
 * guest of vmx/selftest_guest.S run in demand-allocated RAM (CPUID, I/O,
 * MSR exits, #GP injection and re-injection of events whose delivery took
 * an EPT violation, the emulated long-mode switch, EPT A/D bits set by the
 * CPU), a VM entry with invalid guest state that must kill only that
 * guest and be named by the software entry checks, and the lazy switching
 * of DR0-3 and the MSRs outside the VMCS between two vCPUs, and an endless
 * loop with interrupts off preempted at the end of its slice. They pass
 * trivially where VMX is not the vCPU vendor. */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/entry_check.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/fpu.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/selftest.h"
#include "core/string.h"
#include "mm/heap.h"

#define ST_BASE 0x1000          /* where selftest_guest.S expects itself */
#define ST_RAM (4 * MiB)
#define ST_MAX_EXITS 200
#define ST_VM_ID 1

extern const u8 vmx_st_guest[], vmx_st_guest_end[];

/* Identity map of the first 2 MiB for the guest's long mode: PML4 0x10000,
 * PDPT 0x11000, PD 0x12000 with one 2 MiB page. */
static int st_tables(struct gmem *g)
{
	u64 pml4 = 0x11000 | 3, pdpt = 0x12000 | 3, pd = 0x83;
	if (gmem_write(g, gpa(0x10000), &pml4, 8) < 0 || gmem_write(g, gpa(0x11000), &pdpt, 8) < 0)
		return E_NOMEM;
	return gmem_write(g, gpa(0x12000), &pd, 8);
}

static struct vm *st_vm_create(void)
{
	struct vm *vm = kzalloc(sizeof(*vm));
	struct vcpu_boot_state boot = { .eip = ST_BASE, .eax = 0x2badb002, .ebx = 0 };
	if (!vm)
		return NULL;
	vm->id = ST_VM_ID;
	ksnprintf(vm->name, sizeof(vm->name), "vmx-selftest");
	vm->mem_size = ST_RAM;
	vm->vcpu.vm = vm;
	vplat_init(vm);
	if (vmx_ops.vm_init(vm) < 0) {
		kfree(vm);
		return NULL;
	}
	if (gmem_init_pc(&vm->mem, &vm->tdp, vm->id, ST_RAM) < 0 ||
	    gmem_write(&vm->mem, gpa(ST_BASE), vmx_st_guest,
		       (u64)(vmx_st_guest_end - vmx_st_guest)) < 0 ||
	    st_tables(&vm->mem) < 0 || fpu_vcpu_init(&vm->vcpu) < 0 ||
	    vmx_ops.vcpu_create(&vm->vcpu, &boot) < 0) {
		if (vm->vcpu.fpu_area)
			fpu_vcpu_destroy(&vm->vcpu);
		gmem_destroy(&vm->mem);
		vmx_ops.vm_destroy(vm);
		kfree(vm);
		return NULL;
	}
	vm->state = VM_RUNNING;
	return vm;
}

static void st_vm_destroy(struct vm *vm)
{
	vmx_ops.vcpu_destroy(&vm->vcpu);
	fpu_vcpu_destroy(&vm->vcpu);
	gmem_destroy(&vm->mem);
	vmx_ops.vm_destroy(vm);
	kfree(vm);
}

/* Run vm alone until it ends; a yield (end of a preemption-timer slice)
 * just enters it again. */
static enum exit_action st_run(struct vm *vm)
{
	enum exit_action a = EXIT_RESUME;
	for (int i = 0; i < ST_MAX_EXITS && (a == EXIT_RESUME || a == EXIT_YIELD); i++)
		a = vmx_ops.run(&vm->vcpu);
	return a;
}

/* True when this CPU runs guests under VMX (vcpu_select chose it). */
static bool st_have_vmx(void)
{
	if (!cpufeat()->vmx.usable) {
		pr_info("vmx selftest: no usable VMX, skipped");
		return false;
	}
	if (!vcpu_ops && vcpu_select() < 0)
		return false;
	if (vcpu_ops != &vmx_ops) {
		pr_info("vmx selftest: vCPU vendor is %s, skipped", vcpu_ops->name);
		return false;
	}
	return true;
}

/* With EPT A/D enabled (EPTP bit 6) the CPU marks the leaf of the page the
 * #GP frame was pushed to accessed and dirty (SDM Vol. 3C 29.3.5). */
static bool st_ept_ad_ok(struct vm *vm)
{
	unsigned flags = 0;
	if (!vm->tdp.ad_enabled)
		return true;
	if (pt_translate(&vm->tdp, 0x1f000, NULL, &flags) == 0 &&
	    (flags & PT_ACCESSED) && (flags & PT_DIRTY))
		return true;
	pr_err("vmx selftest: EPT leaf of the written page 0x1f000 lacks A/D (flags 0x%x)", flags);
	return false;
}

/* The guest's own checks end in status 0; the MSR count proves the #GP was
 * re-injected after the EPT violation on its stack instead of the WRMSR
 * being executed again (1 refused WRMSR + RDMSR/WRMSR EFER + RDMSR EFER). */
static bool vmx_selftest_guest(void)
{
	if (!st_have_vmx())
		return true;
	struct vm *vm = st_vm_create();
	ST_CHECK(vm);
	enum exit_action a = st_run(vm);
	bool ok = a == EXIT_DONE && vm->state == VM_DONE && vm->exit_status == 0 &&
		  vm->exits_by_kind[VMEXIT_K_MSR] == 4 && vm->exits_by_kind[VMEXIT_K_CPUID] == 1 &&
		  vm->exits_by_kind[VMEXIT_K_TDP_FAULT] >= 2 &&
		  vm->exits_by_kind[VMEXIT_K_OTHER] == 3 &&      /* CR0, CR8 twice */
		  (vmx_get_reg(&vm->vcpu, VREG_EFER) & EFER_LMA);
	if (!ok) {
		pr_err("vmx selftest guest: action %d state %d status %d (failed check number)",
		       a, vm->state, vm->exit_status);
		pr_err("  exits %lu: cpuid %lu msr %lu io %lu ept %lu other %lu", vm->exits,
		       vm->exits_by_kind[VMEXIT_K_CPUID], vm->exits_by_kind[VMEXIT_K_MSR],
		       vm->exits_by_kind[VMEXIT_K_IO], vm->exits_by_kind[VMEXIT_K_TDP_FAULT],
		       vm->exits_by_kind[VMEXIT_K_OTHER]);
		vmx_dump(&vm->vcpu);
	}
	ok = ok && st_ept_ad_ok(vm);
	st_vm_destroy(vm);
	return ok;
}

/* A guest CR3 with bits beyond the physical-address width fails the
 * guest-state checks (SDM Vol. 3C 27.3.1.1): exit reason 33 with bit 31,
 * the guest is killed and VMX keeps working for the next test. The
 * software checks (entry_check.c) pass the VMCS vmcs.c built and name the
 * CR3 rule once it is broken, in the kill reason too. */
static bool vmx_selftest_bad_guest_state(void)
{
	static const char rule[] = "guest CR3 bits beyond MAXPHYADDR (SDM 27.3.1.1)";
	struct vmx_check_input in;
	if (!st_have_vmx())
		return true;
	struct vm *vm = st_vm_create();
	ST_CHECK(vm);
	vmx_check_snapshot(&vm->vcpu, &in);
	const char *before = vmx_check_first(&in);
	vmcs_write(VMCS_GUEST_CR3, BIT(62));
	vmx_check_snapshot(&vm->vcpu, &in);
	const char *after = vmx_check_first(&in);
	enum exit_action a = st_run(vm);
	bool ok = !before && after && strcmp(after, rule) == 0 && a == EXIT_KILL &&
		  vm->state == VM_KILLED && vm->exits == 1 &&
		  strcmp(vm->end_reason, "VM entry failed: guest CR3 bits beyond MAXPHYADDR "
			 "(SDM 27.3.1.1)") == 0;
	if (!ok)
		pr_err("vmx selftest bad guest state: good VMCS check %s, broken %s; action %d "
		       "state %d exits %lu (%s)", before ? before : "passes",
		       after ? after : "passes", a, vm->state, vm->exits, vm->end_reason);
	st_vm_destroy(vm);
	return ok;
}

/* Lazy switching (vcpu_switch.c): after B ran, the CPU holds B's LSTAR and
 * DR0 while A's values stay in A (saved on switch-out, not lost), and the
 * VMCS-kept MSRs read back what was written. One entry each suffices. */
static bool vmx_selftest_lazy_switch(void)
{
	if (!st_have_vmx())
		return true;
	struct vm *a = st_vm_create(), *b = st_vm_create();
	bool ok = a && b;
	if (ok) {
		vmx_msr_set(&a->vcpu, GMSR_LSTAR, 0xffffffff81000000ull);
		vmx_msr_set(&b->vcpu, GMSR_LSTAR, 0xffffffff82000000ull);
		vmx_msr_set(&a->vcpu, GMSR_FS_BASE, 0x1234000);
		vmx_vcpu(&a->vcpu)->dr[0] = 0xa000;
		vmx_vcpu(&b->vcpu)->dr[0] = 0xb000;
		vmx_ops.run(&a->vcpu);
		vmx_ops.run(&b->vcpu);
		ok = rdmsr(0xc0000082) == 0xffffffff82000000ull && vmx_dr_get(&b->vcpu, 0) == 0xb000 &&
		     vmx_msr_get(&a->vcpu, GMSR_LSTAR) == 0xffffffff81000000ull &&
		     vmx_dr_get(&a->vcpu, 0) == 0xa000 &&
		     vmx_msr_get(&a->vcpu, GMSR_FS_BASE) == 0x1234000 &&
		     vmx_msr_get(&b->vcpu, GMSR_FS_BASE) == 0;
		if (!ok)
			pr_err("vmx selftest lazy switch: LSTAR cpu %lx a %lx, DR0 a %lx b %lx",
			       rdmsr(0xc0000082), vmx_msr_get(&a->vcpu, GMSR_LSTAR),
			       vmx_dr_get(&a->vcpu, 0), vmx_dr_get(&b->vcpu, 0));
	}
	if (a)
		st_vm_destroy(a);
	if (b)
		st_vm_destroy(b);
	return ok;
}

/* A guest in an endless loop with interrupts off (cli; jmp .) is preempted
 * twice in a row: each slice ends in a timer exit and the guest stays
 * runnable (the run loop, not the exit, decides to switch). With the
 * VMX-preemption timer the LAPIC slice timer is left off: under Bochs its
 * interrupt would stay pending behind the guest's IF = 0 (docs/vmx.md) and
 * end a later test's slice; without it, the slice timer's external
 * interrupt must do the job. */
static bool vmx_selftest_preempt(void)
{
	static const u8 spin[] = { 0xfa, 0xeb, 0xfe };
	if (!st_have_vmx())
		return true;
	struct vm *vm = st_vm_create();
	ST_CHECK(vm);
	bool ok = gmem_write(&vm->mem, gpa(ST_BASE), spin, sizeof(spin)) == 0;
	for (int slice = 0; ok && slice < 2; slice++) {
		enum exit_action a = EXIT_RESUME;
		u64 timer_exits = vm->exits_by_kind[VMEXIT_K_INTR];
		if (!vmx_ctl.preempt)
			sched_slice_start();
		for (int i = 0; i < ST_MAX_EXITS && a == EXIT_RESUME &&
		     vm->exits_by_kind[VMEXIT_K_INTR] == timer_exits; i++)
			a = vmx_ops.run(&vm->vcpu);
		if (!vmx_ctl.preempt)
			sched_slice_stop();
		ok = a == EXIT_RESUME && vm->state == VM_RUNNING &&
		     vm->exits_by_kind[VMEXIT_K_INTR] > timer_exits;
	}
	ok = ok && vm->exits_by_kind[VMEXIT_K_INTR] >= 2;
	pr_info("vmx selftest preempt: %lu exits, %lu by timer or interrupt (%s)", vm->exits,
		vm->exits_by_kind[VMEXIT_K_INTR], vmx_ctl.preempt ? "preemption timer" :
		"external interrupt");
	if (!ok)
		pr_err("vmx selftest preempt: state %d, %lu exits, %lu intr", vm->state, vm->exits,
		       vm->exits_by_kind[VMEXIT_K_INTR]);
	st_vm_destroy(vm);
	return ok;
}

SELFTEST("vmx-guest-exits-reinject-long-mode", vmx_selftest_guest);
SELFTEST("vmx-entry-failure-kills-guest", vmx_selftest_bad_guest_state);
SELFTEST("vmx-lazy-msr-dr-switch", vmx_selftest_lazy_switch);
SELFTEST("vmx-endless-loop-preempted", vmx_selftest_preempt);
