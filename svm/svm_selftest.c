/* In-image self-tests of the SVM vCPU (`selftest` on the command line):
 * tiny 32-bit guests placed in demand-allocated guest RAM exercise CPUID,
 * MSR, port I/O and nested-page-fault exits, the exit port, #UD for SVM
 * instructions and the shutdown path. They pass trivially without SVM. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/fpu.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/selftest.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/gmem.h"
#include "mm/heap.h"

#define ST_ENTRY 0x1000
#define ST_RAM (4 * MiB)
#define ST_MAX_EXITS 1000

/* RDMSR EFER, CPUID 0, IN from an unknown port, a write to untouched RAM,
 * "A\n" to the UART and exit status 7 through port 0xf4. */
static const u8 st_code_basic[] = {
	0xb9, 0x80, 0x00, 0x00, 0xc0,   /* mov ecx, 0xc0000080 */
	0x0f, 0x32,                     /* rdmsr */
	0x89, 0xc6,                     /* mov esi, eax */
	0x31, 0xc0,                     /* xor eax, eax */
	0x0f, 0xa2,                     /* cpuid */
	0x89, 0xdf,                     /* mov edi, ebx */
	0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax, 0x12345678 */
	0x66, 0xba, 0x80, 0x00,         /* mov dx, 0x80 */
	0xec,                           /* in al, dx */
	0x89, 0xc5,                     /* mov ebp, eax */
	0xa3, 0x00, 0x00, 0x20, 0x00,   /* mov [0x200000], eax */
	0x66, 0xba, 0xf8, 0x03,         /* mov dx, 0x3f8 */
	0xb0, 0x41, 0xee,               /* mov al, 'A'; out dx, al */
	0xb0, 0x0a, 0xee,               /* mov al, '\n'; out dx, al */
	0xb0, 0x07, 0xe6, 0xf4,         /* mov al, 7; out 0xf4, al */
	0xf4,                           /* hlt */
};

/* VMMCALL raises #UD; with an empty IDT (LIDT of the zeros at 0x1100)
 * its delivery escalates to #DF and a triple fault, which kills the guest. */
static const u8 st_code_vmmcall[] = {
	0x0f, 0x01, 0x1d, 0x00, 0x11, 0x00, 0x00,   /* lidt [0x1100] */
	0x0f, 0x01, 0xd9,               /* vmmcall */
	0xeb, 0xfe,                     /* jmp $ */
};

/* 32-bit protected mode to long mode the way the test guests do it: CR4.PAE,
 * CR3, WRMSR EFER.LME (intercepted), CR0.PG (not intercepted: the CPU sets
 * EFER.LMA), a far jump to 64-bit code that reads EFER back and exits with
 * status 9. Tables come from st_long_tables(). */
static const u8 st_code_long[] = {
	0x0f, 0x01, 0x15, 0x00, 0x21, 0x00, 0x00,   /* lgdt [0x2100] */
	0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20,         /* mov eax, cr4; or eax, PAE */
	0x0f, 0x22, 0xe0,                           /* mov cr4, eax */
	0xb8, 0x00, 0x00, 0x01, 0x00,               /* mov eax, 0x10000 */
	0x0f, 0x22, 0xd8,                           /* mov cr3, eax */
	0xb9, 0x80, 0x00, 0x00, 0xc0,               /* mov ecx, EFER */
	0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00,   /* rdmsr; or eax, LME */
	0x0f, 0x30,                                 /* wrmsr */
	0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, /* mov eax, cr0; or eax, PG */
	0x0f, 0x22, 0xc0,                           /* mov cr0, eax */
	0xea, 0x40, 0x10, 0x00, 0x00, 0x08, 0x00,   /* ljmp 0x08:0x1040 */
};
static const u8 st_code_long64[] = {            /* at 0x1040 */
	0x0f, 0x32, 0x89, 0xc6,                     /* rdmsr; mov esi, eax */
	0x31, 0xc0, 0x0f, 0xa2,                     /* xor eax, eax; cpuid */
	0xb0, 0x09, 0xe6, 0xf4,                     /* mov al, 9; out 0xf4, al */
};

/* GDT at 0x2000 (null, 64-bit code 0x08, data 0x10), its descriptor at
 * 0x2100, and an identity map of the first 2 MiB: PML4 0x10000, PDPT
 * 0x11000, PD 0x12000 with one 2 MiB page. */
static int st_long_tables(struct gmem *g)
{
	static const u64 gdt[] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	static const u8 gdtr[6] = { 23, 0, 0x00, 0x20, 0, 0 };
	u64 pml4 = 0x11000 | 3, pdpt = 0x12000 | 3, pd = 0x83;

	if (gmem_write(g, gpa(0x1040), st_code_long64, sizeof(st_code_long64)) < 0 ||
	    gmem_write(g, gpa(0x2000), gdt, sizeof(gdt)) < 0 ||
	    gmem_write(g, gpa(0x2100), gdtr, sizeof(gdtr)) < 0 ||
	    gmem_write(g, gpa(0x10000), &pml4, 8) < 0 ||
	    gmem_write(g, gpa(0x11000), &pdpt, 8) < 0)
		return E_NOMEM;
	return gmem_write(g, gpa(0x12000), &pd, 8);
}

/* Fill the zeroed *vm (id and name may be preset) as a guest with `code` at ST_ENTRY, started with
 * EAX/EBX from boot. Returns false (nothing left allocated) on failure. */
static bool st_vm_init(struct vm *vm, const u8 *code, size_t len,
		       const struct vcpu_boot_state *boot)
{
	if (!vm->id)
		vm->id = 1;
	if (!vm->name[0])
		ksnprintf(vm->name, sizeof(vm->name), "svm-selftest");
	vm->mem_size = ST_RAM;
	vm->vcpu.vm = vm;
	vplat_init(vm);
	if (svm_ops.vm_init(vm) < 0)
		return false;
	if (gmem_init_pc(&vm->mem, &vm->tdp, vm->id, ST_RAM) < 0 ||
	    gmem_write(&vm->mem, gpa(ST_ENTRY), code, len) < 0 ||
	    fpu_vcpu_init(&vm->vcpu) < 0 ||
	    svm_ops.vcpu_create(&vm->vcpu, boot) < 0) {
		if (vm->vcpu.fpu_area)
			fpu_vcpu_destroy(&vm->vcpu);
		gmem_destroy(&vm->mem);
		svm_ops.vm_destroy(vm);
		return false;
	}
	vm->state = VM_RUNNING;
	return true;
}

static struct vm *st_vm_create(const u8 *code, size_t len)
{
	struct vm *vm = kzalloc(sizeof(*vm));
	struct vcpu_boot_state boot = { .eip = ST_ENTRY, .eax = 0x2badb002, .ebx = 0 };

	if (vm && !st_vm_init(vm, code, len, &boot)) {
		kfree(vm);
		return NULL;
	}
	return vm;
}

/* Undo st_vm_init. */
static void st_vm_fini(struct vm *vm)
{
	svm_ops.vcpu_destroy(&vm->vcpu);
	fpu_vcpu_destroy(&vm->vcpu);
	gmem_destroy(&vm->mem);
	svm_ops.vm_destroy(vm);
}

static void st_vm_destroy(struct vm *vm)
{
	st_vm_fini(vm);
	kfree(vm);
}

static enum exit_action st_run(struct vm *vm)
{
	enum exit_action a = EXIT_RESUME;
	for (int i = 0; i < ST_MAX_EXITS && a == EXIT_RESUME; i++)
		a = svm_ops.run(&vm->vcpu);
	return a;
}

/* True when this CPU can run the SVM tests (vcpu_select chose SVM). */
static bool st_have_svm(void)
{
	if (!cpufeat()->svm.usable) {
		pr_info("svm selftest: no usable SVM, skipped");
		return false;
	}
	if (!vcpu_ops && vcpu_select() < 0)
		return false;
	if (vcpu_ops != &svm_ops) {
		pr_info("svm selftest: vCPU vendor is %s, skipped", vcpu_ops->name);
		return false;
	}
	return true;
}

static bool svm_selftest_basic(void)
{
	if (!st_have_svm())
		return true;
	struct vm *vm = st_vm_create(st_code_basic, sizeof(st_code_basic));
	ST_CHECK(vm);
	enum exit_action a = st_run(vm);
	struct guest_gprs *g = &vm->vcpu.gprs;
	bool ok = a == EXIT_DONE && vm->state == VM_DONE && vm->exit_status == 7 &&
		  g->rsi == 0 && g->rdi != 0 && g->rbp == 0x123456ff &&
		  vm->exits_by_kind[VMEXIT_K_CPUID] == 1 && vm->exits_by_kind[VMEXIT_K_MSR] == 1 &&
		  vm->exits_by_kind[VMEXIT_K_IO] == 4 && vm->mem.demand_faults >= 1;
	if (!ok) {
		pr_err("svm selftest basic: action %d state %d status %d rsi %lx rdi %lx rbp %lx",
		       a, vm->state, vm->exit_status, g->rsi, g->rdi, g->rbp);
		pr_err("  exits %lu: cpuid %lu msr %lu io %lu npf %lu, demand faults %lu",
		       vm->exits, vm->exits_by_kind[VMEXIT_K_CPUID],
		       vm->exits_by_kind[VMEXIT_K_MSR], vm->exits_by_kind[VMEXIT_K_IO],
		       vm->exits_by_kind[VMEXIT_K_TDP_FAULT], vm->mem.demand_faults);
		svm_dump(&vm->vcpu);
	}
	st_vm_destroy(vm);
	return ok;
}

static bool svm_selftest_vmmcall(void)
{
	if (!st_have_svm())
		return true;
	struct vm *vm = st_vm_create(st_code_vmmcall, sizeof(st_code_vmmcall));
	ST_CHECK(vm);
	enum exit_action a = st_run(vm);
	bool ok = a == EXIT_KILL && vm->state == VM_KILLED &&
		  vm->exits_by_kind[VMEXIT_K_VIRT_INSN] == 1 &&
		  (svm_vmcb(&vm->vcpu)->ctl.exit_code == SVM_EXIT_SHUTDOWN ||
		   svm_vmcb(&vm->vcpu)->ctl.exit_code == SVM_EXIT_EXC(8));
	if (!ok)
		pr_err("svm selftest vmmcall: action %d state %d virt %lu exit code %lx",
		       a, vm->state, vm->exits_by_kind[VMEXIT_K_VIRT_INSN],
		       svm_vmcb(&vm->vcpu)->ctl.exit_code);
	st_vm_destroy(vm);
	return ok;
}

static bool svm_selftest_long_mode(void)
{
	if (!st_have_svm())
		return true;
	struct vm *vm = st_vm_create(st_code_long, sizeof(st_code_long));
	ST_CHECK(vm);
	bool ok = st_long_tables(&vm->mem) == 0;
	enum exit_action a = ok ? st_run(vm) : EXIT_KILL;
	u64 efer = svm_vmcb(&vm->vcpu)->save.efer;
	ok = ok && a == EXIT_DONE && vm->exit_status == 9 &&
	     vm->vcpu.gprs.rsi == (EFER_LME | EFER_LMA) &&
	     efer == (EFER_LME | EFER_LMA | EFER_SVME);
	if (!ok) {
		pr_err("svm selftest long mode: action %d status %d rsi %lx efer %lx",
		       a, vm->exit_status, vm->vcpu.gprs.rsi, efer);
		svm_dump(&vm->vcpu);
	}
	st_vm_destroy(vm);
	return ok;
}

#define ST_FLAG_RDTSCP  BIT(0)
#define ST_FLAG_XSAVE   BIT(1)
#define ST_FLAG_BAD_XCR BIT(2)
#define CPUID_E1_EDX_RDTSCP BIT(27)

extern const u8 svm_st_guest[], svm_st_guest_end[];

/* Flags for svm/selftest_guest.S from what this CPU offers. */
static u32 st_state_flags(void)
{
	u32 f = fpu_has_xsave() ? ST_FLAG_XSAVE : 0;
	if (cpuid(0x80000001, 0).edx & CPUID_E1_EDX_RDTSCP)
		f |= ST_FLAG_RDTSCP;
	return f;
}

/* n zeroed VMs in one array (sched_run takes an array), vms[i] running the
 * state guest with seed seeds[i] and flags; code[i] replaces it if set. */
static struct vm *st_vms_create(size_t n, const u32 *seeds, u32 flags,
				const u8 *code0, size_t len0)
{
	struct vm *vms = kzalloc(n * sizeof(*vms));
	size_t i;

	if (!vms)
		return NULL;
	for (i = 0; i < n; i++) {
		struct vcpu_boot_state boot = { .eip = ST_ENTRY, .eax = flags, .ebx = seeds[i] };
		bool use0 = i == 0 && code0;
		vms[i].id = (u32)(i + 1);
		ksnprintf(vms[i].name, sizeof(vms[i].name), "svm-st%lu", i);
		if (!st_vm_init(&vms[i], use0 ? code0 : svm_st_guest,
				use0 ? len0 : (size_t)(svm_st_guest_end - svm_st_guest), &boot))
			break;
	}
	if (i == n)
		return vms;
	while (i--)
		st_vm_fini(&vms[i]);
	kfree(vms);
	return NULL;
}

static void st_vms_destroy(struct vm *vms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st_vm_fini(&vms[i]);
	kfree(vms);
}

/* Two vCPUs take turns exit by exit: DR0-3, CR2, TSC_AUX (RDMSR and
 * RDTSCP), LSTAR, KERNEL_GS_BASE, STAR, SYSENTER_EIP and XCR0 must stay each
 * one's own (the guest checks them, status 0 = all kept). */
static bool svm_selftest_state(void)
{
	static const u32 seeds[2] = { 0x11110000, 0x22220000 };
	if (!st_have_svm())
		return true;
	struct vm *vms = st_vms_create(2, seeds, st_state_flags(), NULL, 0);
	ST_CHECK(vms);
	for (int i = 0; i < 2 * ST_MAX_EXITS; i++) {
		struct vm *vm = &vms[i & 1];
		if (vm->state == VM_RUNNING && svm_ops.run(&vm->vcpu) == EXIT_KILL)
			break;
	}
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_DONE && vm->exit_status == 0 && vm->exits >= 40)
			continue;
		pr_err("svm selftest state: guest %d state %d status %d (failed check) exits %lu",
		       i, vm->state, vm->exit_status, vm->exits);
		ok = false;
	}
	pr_info("svm selftest state: flags 0x%x, exits %lu + %lu", st_state_flags(),
		vms[0].exits, vms[1].exits);
	st_vms_destroy(vms, 2);
	return ok;
}

/* XSETBV of an invalid XCR0 (SSE without x87) raises #GP; with an empty IDT
 * that ends the guest. Its XCR0 stays the valid value set before. */
static bool svm_selftest_xsetbv_gp(void)
{
	static const u32 seed = 0x33330000;
	if (!st_have_svm())
		return true;
	if (!fpu_has_xsave()) {
		pr_info("svm selftest xsetbv: no XSAVE, skipped");
		return true;
	}
	struct vm *vms = st_vms_create(1, &seed, ST_FLAG_XSAVE | ST_FLAG_BAD_XCR, NULL, 0);
	ST_CHECK(vms);
	enum exit_action a = st_run(vms);
	bool ok = a == EXIT_KILL && vms->state == VM_KILLED && vms->vcpu.xcr0 == 3;
	if (!ok)
		pr_err("svm selftest xsetbv: action %d state %d status %d xcr0 %lx", a,
		       vms->state, vms->exit_status, vms->vcpu.xcr0);
	st_vms_destroy(vms, 1);
	return ok;
}

static struct vm *st_first_ended;

static void st_ended(struct vm *vm)
{
	if (!st_first_ended)
		st_first_ended = vm;
}

/* A guest in an endless loop (first in line) is preempted by the slice
 * timer: the guest after it finishes first, the spinner ends by timeout=
 * after several slices, each ended by an INTR exit. The spinner sets
 * RFLAGS.IF: Bochs 2.7 loads the guest RFLAGS before it marks the CPU as in
 * guest mode, so with guest IF = 0 it masks the physical interrupt for the
 * whole run despite V_INTR_MASKING (APM Vol. 2 15.21.1 says the host IF
 * decides); QEMU and hardware preempt either way (docs/svm.md). */
static bool svm_selftest_preempt(void)
{
	static const u8 spin[] = { 0xfb, 0xeb, 0xfe };  /* sti; jmp . (see above) */
	static const u32 seeds[2] = { 0, 0x44440000 };
	if (!st_have_svm())
		return true;
	struct vm *vms = st_vms_create(2, seeds, 0, spin, sizeof(spin));
	ST_CHECK(vms);
	u64 ticks = sched_ticks;
	vms[0].timeout_ms = 100;
	st_first_ended = NULL;
	sched_run(vms, 2, st_ended);
	bool ok = st_first_ended == &vms[1] && vms[1].state == VM_DONE &&
		  vms[1].exit_status == 0 && vms[0].state == VM_KILLED &&
		  vms[0].slices >= 2 && vms[0].exits_by_kind[VMEXIT_K_INTR] >= vms[0].slices - 1;
	pr_info("svm selftest preempt: spin %lu slices, %lu exits (%lu intr), %lu ticks; "
		"other guest %lu slices, %lu exits", vms[0].slices, vms[0].exits,
		vms[0].exits_by_kind[VMEXIT_K_INTR], sched_ticks - ticks, vms[1].slices,
		vms[1].exits);
	if (!ok)
		pr_err("svm selftest preempt: first ended %s, states %d %d, status %d",
		       st_first_ended ? st_first_ended->name : "none", vms[0].state,
		       vms[1].state, vms[1].exit_status);
	st_vms_destroy(vms, 2);
	return ok;
}

/* A VMCB the CPU refuses (EFER.SVME clear, APM Vol. 2 15.5.1): VMRUN
 * fails with VMEXIT_INVALID, the software checks name the rule in the kill
 * reason, and only this guest dies. */
static bool svm_selftest_vmrun_invalid(void)
{
	static const char want[] = "VMRUN failed (VMEXIT_INVALID): EFER.SVME = 0";
	if (!st_have_svm())
		return true;
	struct vm *vm = st_vm_create(st_code_basic, sizeof(st_code_basic));
	ST_CHECK(vm);
	svm_vmcb(&vm->vcpu)->save.efer &= ~EFER_SVME;
	enum exit_action a = svm_ops.run(&vm->vcpu);
	bool ok = a == EXIT_KILL && vm->state == VM_KILLED &&
		  svm_is_exit_invalid(svm_vmcb(&vm->vcpu)->ctl.exit_code) &&
		  strcmp(vm->end_reason, want) == 0;
	if (!ok)
		pr_err("svm selftest vmrun invalid: action %d state %d exit code %lx reason \"%s\"",
		       a, vm->state, svm_vmcb(&vm->vcpu)->ctl.exit_code, vm->end_reason);
	st_vm_destroy(vm);
	return ok;
}

SELFTEST("svm: cpuid, msr, io, npf, exit port", svm_selftest_basic);
SELFTEST("svm: VMEXIT_INVALID names the broken rule, kills the guest", svm_selftest_vmrun_invalid);
SELFTEST("svm: DR0-3, CR2, TSC_AUX, syscall MSRs, XCR0 per vCPU", svm_selftest_state);
SELFTEST("svm: invalid XSETBV raises #GP", svm_selftest_xsetbv_gp);
SELFTEST("svm: endless loop preempted by the slice timer", svm_selftest_preempt);
SELFTEST("svm: vmmcall #UD, triple fault kills", svm_selftest_vmmcall);
SELFTEST("svm: 32-bit to long mode, EFER.SVME hidden", svm_selftest_long_mode);
