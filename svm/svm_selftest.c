/* In-image self-tests of the SVM vCPU (`selftest` on the command line):
 * tiny 32-bit guests placed in demand-allocated guest RAM exercise CPUID,
 * MSR, port I/O and nested-page-fault exits, the exit port, #UD for SVM
 * instructions and the shutdown path. They pass trivially without SVM. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/fpu.h"
#include "core/log.h"
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

static struct vm *st_vm_create(const u8 *code, size_t len)
{
	struct vm *vm = kzalloc(sizeof(*vm));
	struct vcpu_boot_state boot = { .eip = ST_ENTRY, .eax = 0x2badb002, .ebx = 0 };

	if (!vm)
		return NULL;
	vm->id = 1;
	ksnprintf(vm->name, sizeof(vm->name), "svm-selftest");
	vm->mem_size = ST_RAM;
	vm->vcpu.vm = vm;
	vdev_uart_init(&vm->uart, vm->name);
	if (svm_ops.vm_init(vm) < 0) {
		kfree(vm);
		return NULL;
	}
	if (gmem_init_pc(&vm->mem, &vm->tdp, vm->id, ST_RAM) < 0 ||
	    gmem_write(&vm->mem, gpa(ST_ENTRY), code, len) < 0 ||
	    fpu_vcpu_init(&vm->vcpu) < 0 ||
	    svm_ops.vcpu_create(&vm->vcpu, &boot) < 0) {
		if (vm->vcpu.fpu_area)
			fpu_vcpu_destroy(&vm->vcpu);
		gmem_destroy(&vm->mem);
		svm_ops.vm_destroy(vm);
		kfree(vm);
		return NULL;
	}
	vm->state = VM_RUNNING;
	return vm;
}

static void st_vm_destroy(struct vm *vm)
{
	svm_ops.vcpu_destroy(&vm->vcpu);
	fpu_vcpu_destroy(&vm->vcpu);
	gmem_destroy(&vm->mem);
	svm_ops.vm_destroy(vm);
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

SELFTEST("svm: cpuid, msr, io, npf, exit port", svm_selftest_basic);
SELFTEST("svm: vmmcall #UD, triple fault kills", svm_selftest_vmmcall);
SELFTEST("svm: 32-bit to long mode, EFER.SVME hidden", svm_selftest_long_mode);
