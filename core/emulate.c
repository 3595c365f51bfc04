/* Shared emulation behind both vendors' exit tables (see core/emulate.h):
 * CPUID, the MSR policy, port I/O dispatch to the virtual devices, nested
 * page faults, HLT, triple faults and intercepted virtualization
 * instructions. */
#include "core/emulate.h"
#include "core/emu_int.h"
#include "core/bench.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/cpuid_policy.h"
#include "core/fpu.h"
#include "core/log.h"
#include "core/vm.h"
#include "core/vdev/uart.h"
#include "core/vplat.h"
#include "core/x86emu.h"
#include "drivers/lapic.h"
#include "mm/pager.h"
#include "core/options.h"

#define EXIT_PORT 0xf4
#define UD_VECTOR 6
#define TDP_REPEAT_LIMIT 16
/* IA32_MISC_ENABLE (SDM Vol. 4 table 2-2): fast strings on, branch trace
 * and PEBS unavailable, XD not disabled. Linux's verify_cpu reads it on
 * Intel CPUs before it has exception handlers. */
#define MSR_MISC_ENABLE 0x1a0
#define MISC_ENABLE_VALUE (BIT(0) | BIT(11) | BIT(12))

static struct cpuid_out host_cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r = cpuid(leaf, subleaf);
	return (struct cpuid_out){ r.eax, r.ebx, r.ecx, r.edx };
}

#define CR4_OSXSAVE BIT(18)

void emu_cpuid(struct vcpu *v)
{
	bench_exit_begin(v->vm);
	struct cpuid_ctx ctx = {
		.msrs = vcpu_ops->msr_get != NULL,
		.xcr0_mask = fpu_guest_xcr0_mask(),
		.xcr0 = v->xcr0,
		.osxsave = vcpu_ops->get_reg(v, VREG_CR4) & CR4_OSXSAVE,
		.tsc_khz = tsc_khz(),
		.apic_khz = VLAPIC_BUS_HZ / 1000,
	};
	struct cpuid_out r = cpuid_guest(host_cpuid, &ctx, (u32)v->gprs.rax, (u32)v->gprs.rcx);
	v->gprs.rax = r.eax;
	v->gprs.rbx = r.ebx;
	v->gprs.rcx = r.ecx;
	v->gprs.rdx = r.edx;
}

/* How a value written to a vendor-kept MSR is checked (SDM Vol. 4,
 * APM Vol. 2 appendix A): #GP for non-canonical addresses, reserved upper
 * halves, invalid PAT memory types. */
enum msr_check { CHK_ANY, CHK_CANONICAL, CHK_LOW32, CHK_PAT };

struct msr_rule {
	u32 msr;
	enum guest_msr gmsr;
	enum msr_check check;
};

static const struct msr_rule msr_rules[] = {
	{ MSR_FS_BASE, GMSR_FS_BASE, CHK_CANONICAL },
	{ MSR_GS_BASE, GMSR_GS_BASE, CHK_CANONICAL },
	{ MSR_KERNEL_GS_BASE, GMSR_KERNEL_GS_BASE, CHK_CANONICAL },
	{ 0xc0000081, GMSR_STAR, CHK_ANY },
	{ 0xc0000082, GMSR_LSTAR, CHK_CANONICAL },
	{ 0xc0000083, GMSR_CSTAR, CHK_CANONICAL },
	{ 0xc0000084, GMSR_SFMASK, CHK_LOW32 },
	{ 0x174, GMSR_SYSENTER_CS, CHK_LOW32 },
	{ 0x175, GMSR_SYSENTER_ESP, CHK_CANONICAL },
	{ 0x176, GMSR_SYSENTER_EIP, CHK_CANONICAL },
	{ 0xc0000103, GMSR_TSC_AUX, CHK_LOW32 },
	{ MSR_IA32_PAT, GMSR_PAT, CHK_PAT },
};

static const struct msr_rule *msr_rule_find(u32 msr)
{
	if (!vcpu_ops->msr_get)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(msr_rules); i++)
		if (msr_rules[i].msr == msr)
			return &msr_rules[i];
	return NULL;
}

/* Each PAT byte must be UC 0, WC 1, WT 4, WP 5, WB 6 or UC- 7. */
static bool pat_valid(u64 v)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(v >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool msr_value_ok(enum msr_check c, u64 v)
{
	switch (c) {
	case CHK_CANONICAL: return is_canonical(v);
	case CHK_LOW32: return (v >> 32) == 0;
	case CHK_PAT: return pat_valid(v);
	default: return true;
	}
}

/* EFER bits a guest may set: LME, NXE (when the host has NX), SCE (when
 * the vendor keeps the SYSCALL MSRs); LMA is read-only and kept by the CPU
 * (SDM Vol. 3A 2.2.1, APM Vol. 2 3.1.7). */
static bool efer_write_ok(struct vcpu *v, u64 val)
{
	u64 allowed = EFER_LME | EFER_LMA | (cpufeat()->nx ? EFER_NXE : 0) |
		      (vcpu_ops->msr_get ? EFER_SCE : 0);
	u64 old = vcpu_ops->get_reg(v, VREG_EFER);
	if (val & ~allowed)
		return false;
	/* Changing LME with paging on is a #GP (SDM Vol. 3A 10.8.5). */
	if (((val ^ old) & EFER_LME) && (vcpu_ops->get_reg(v, VREG_CR0) & CR0_PG))
		return false;
	return true;
}

bool emu_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	const struct msr_rule *rule = msr_rule_find(msr);
	bool gp;
	if (vplat_rdmsr(v->vm, msr, val, &gp))
		return !gp;
	if (rule) {
		*val = vcpu_ops->msr_get(v, rule->gmsr);
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_ops->get_reg(v, VREG_EFER);
		return true;
	case 0x10:          /* IA32_TIME_STAMP_COUNTER: RDTSC is not intercepted */
		*val = rdtsc();
		return true;
	case 0x8b:          /* IA32_BIOS_SIGN_ID: no microcode update loaded */
	case 0x17:          /* IA32_PLATFORM_ID */
		*val = 0;
		return true;
	case MSR_MISC_ENABLE:
		*val = MISC_ENABLE_VALUE;
		return true;
	default:
		return false;
	}
}

bool emu_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	const struct msr_rule *rule = msr_rule_find(msr);
	bool gp;
	if (vplat_wrmsr(v->vm, msr, val, &gp))
		return !gp;
	if (rule) {
		if (!msr_value_ok(rule->check, val))
			return false;
		vcpu_ops->msr_set(v, rule->gmsr, val);
		return true;
	}
	switch (msr) {
	case MSR_EFER:
		if (!efer_write_ok(v, val))
			return false;
		vcpu_ops->set_reg(v, VREG_EFER, (val & ~EFER_LMA) |
				  (vcpu_ops->get_reg(v, VREG_EFER) & EFER_LMA));
		return true;
	case 0x8b:          /* microcode update trigger: accepted, no effect */
		return true;
	case MSR_MISC_ENABLE:   /* writing back what it reads is harmless */
		return val == MISC_ENABLE_VALUE;
	default:
		return false;
	}
}

static void exit_port_write(struct vcpu *v, u8 size, u32 val)
{
	int status = size == 1 ? (u8)val : (int)val;
	vdev_uart_flush(&v->vm->uart);
	vm_finish(v->vm, status);
}

enum exit_action emu_io(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	struct vm *vm = v->vm;
	if (port == EXIT_PORT && !in && (size == 1 || size == 4)) {
		exit_port_write(v, size, *val);
		return EXIT_DONE;
	}
	if (vplat_io(vm, port, size, in, val))
		return vm->state == VM_RUNNING ? EXIT_RESUME : EXIT_DONE;
	if (in)
		*val = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	vm_diag(vm, "%s of absent port 0x%x (size %u) %s", in ? "read" : "write",
		port, size, in ? "reads all-ones" : "ignored");
	return EXIT_RESUME;
}

/* A fault that keeps coming back at the same address makes no progress:
 * kill rather than loop forever. */
static bool tdp_fault_repeats(struct vm *vm, gpa_t a)
{
	if (vm->last_fault_gpa == (a.v & ~(PAGE_SIZE - 1))) {
		return ++vm->fault_repeats > TDP_REPEAT_LIMIT;
	}
	vm->last_fault_gpa = a.v & ~(PAGE_SIZE - 1);
	vm->fault_repeats = 0;
	return false;
}

/* Skip the len-byte instruction that wrote to write-ignored memory at a
 * (len 0: it could not be decoded, the guest is already killed). */
static enum exit_action tdp_skip_insn(struct vcpu *v, gpa_t a, u32 len)
{
	if (!len)
		return EXIT_KILL;
	vm_diag(v->vm, "write to read-only guest-physical 0x%lx ignored (RIP 0x%lx)", a.v,
		vcpu_ops->get_reg(v, VREG_RIP));
	vcpu_ops->set_reg(v, VREG_RIP, vcpu_ops->get_reg(v, VREG_RIP) + len);
	return EXIT_RESUME;
}

/* A write to ROM or the VGA hole: dropped. MOVS and STOS (with or without
 * REP) go through the instruction emulator, so RCX, RSI and RDI end as on
 * a PC rather than where the first write stopped (each exit does a
 * bounded number of iterations: progress, not a repeat); anything else is
 * skipped by its decoded length. */
static enum exit_action tdp_ignore_write(struct vcpu *v, gpa_t a)
{
	struct emu_insn d;
	if (emu_decode_at_rip(v, &d) != X86EMU_OK)
		return tdp_skip_insn(v, a, emu_insn_len(v));
	if (d.in.op != X86_OP_MOVS && d.in.op != X86_OP_STOS)
		return tdp_skip_insn(v, a, d.in.len);
	v->vm->last_fault_gpa = ~0ull;
	return emu_mmio_exec(v, a, &d);
}

enum exit_action emu_tdp_fault(struct vcpu *v, gpa_t gpa, bool write, bool fetch)
{
	struct vm *vm = v->vm;
	bench_fault_begin(vm);
	const struct gmem_slot *s = gmem_slot_find(&vm->mem, gpa);
	u64 rip = vcpu_ops->get_reg(v, VREG_RIP);

	if (vplat_is_mmio(vm, gpa)) {
		if (fetch) {
			vm_kill(vm, "instruction fetch from device memory at 0x%lx (RIP 0x%lx)",
				gpa.v, rip);
			return EXIT_KILL;
		}
		return emu_mmio(v, gpa);
	}
	if (s && fetch && s->kind == GMEM_HOLE) {
		vm_kill(vm, "instruction fetch from the VGA hole at 0x%lx (RIP 0x%lx)", gpa.v, rip);
		return EXIT_KILL;
	}
	if (tdp_fault_repeats(vm, gpa)) {
		vm_kill(vm, "nested page fault at 0x%lx repeats without progress (RIP 0x%lx)",
			gpa.v, rip);
		return EXIT_KILL;
	}
	switch (pager_fault(vm, gpa, write)) {
	case PAGER_FIXED:
		return EXIT_RESUME;
	case PAGER_WAIT:
		vm->last_fault_gpa = ~0ull;   /* waiting is progress, not a repeat */
		return EXIT_YIELD;
	case PAGER_IGNORE:
		return tdp_ignore_write(v, gpa);
	case PAGER_NOMEM:
		vm_kill(vm, "out of memory: no frame can be freed for guest-physical 0x%lx%s", gpa.v,
			pager_overcommit() ? " (swap full)" : " (no swap area)");
		return EXIT_KILL;
	case PAGER_IOERR:
		return EXIT_KILL;
	case PAGER_NOSLOT:
	default:
		vm_kill(vm, "%s guest-physical 0x%lx outside every memory slot (RIP 0x%lx)",
			fetch ? "fetch from" : write ? "write to" : "read of", gpa.v, rip);
		return EXIT_KILL;
	}
}

enum exit_action emu_triple_fault(struct vcpu *v)
{
	vcpu_ops->dump(v);
	vm_kill(v->vm, "triple fault (RIP 0x%lx)", vcpu_ops->get_reg(v, VREG_RIP));
	return EXIT_KILL;
}

enum exit_action emu_virt_insn(struct vcpu *v, const char *name)
{
	vm_diag(v->vm, "%s at RIP 0x%lx: #UD injected", name, vcpu_ops->get_reg(v, VREG_RIP));
	vcpu_ops->inject_exception(v, UD_VECTOR, false, 0);
	return EXIT_RESUME;
}

enum exit_action emu_hypercall(struct vcpu *v, const char *name, bool *advance)
{
	u64 fn = v->gprs.rax;
	*advance = false;
	if (!opt_debug_hypercalls)
		return emu_virt_insn(v, name);
	*advance = true;
	if ((fn & 0xffff000000000000ull) != HYPERCALL_MAGIC) {
		v->gprs.rax = (u64)(s64)E_INVAL;
		return EXIT_RESUME;
	}
	switch (fn & 0xffff) {
	case HC_EVICT:
		v->gprs.rax = (u64)(s64)pager_evict_gpa(v->vm, gpa(v->gprs.rbx));
		break;
	default:
		v->gprs.rax = (u64)(s64)E_NOTSUP;
		break;
	}
	return EXIT_RESUME;
}

enum exit_action emu_unhandled_exit(struct vcpu *v, const char *vendor, u64 code,
				    const char *name)
{
	vcpu_ops->dump(v);
	vm_kill(v->vm, "unhandled %s exit 0x%lx (%s) at RIP 0x%lx", vendor, code,
		name ? name : "unknown", vcpu_ops->get_reg(v, VREG_RIP));
	return EXIT_KILL;
}
