/* The guest life cycle: set up (vendor VM state, memory slots, Multiboot
 * image and information structure, vCPU), run until it ends, tear down.
 * A guest that cannot be set up is rejected with the reason; the others
 * still run. Verdict lines are the hypervisor's own and never prefixed. */
#include "core/guests.h"
#include "core/bench.h"
#include "core/bootinfo.h"
#include "core/bzimage.h"
#include "core/guestcfg.h"
#include "core/log.h"
#include "core/mbloader.h"
#include "core/focus.h"
#include "core/fpu.h"
#include "core/sched.h"
#include "mm/pager.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/frame.h"

static struct vm vms[VM_MAX];
static struct guest_cfg cfgs[VM_MAX];

static void vm_reject(struct vm *vm, const char *why)
{
	vm->state = VM_REJECTED;
	vm->exit_status = -1;
	ksnprintf(vm->end_reason, sizeof(vm->end_reason), "rejected: %s", why);
	pr_warn("guest %s %s", vm->name, vm->end_reason);
}

/* A Linux kernel (boot protocol 2.06+): loaded with the first attached
 * module as its initrd; entered at the 32-bit entry with ESI = zero page. */
static int vm_load_linux(struct vm *vm, const struct guest_cfg *c, const struct boot_info *bi,
			 const char *label, struct vcpu_boot_state *boot)
{
	const struct bootinfo_module *m = &bi->modules[c->module_index];
	struct bzimage_initrd initrd;
	struct bzimage_result res;

	if (c->nattached) {
		const struct bootinfo_module *a = &bi->modules[c->attached[0].module_index];
		initrd = (struct bzimage_initrd){ hpa_to_ptr(hpa(a->start)), a->end - a->start };
	}
	if (c->nattached > 1)
		pr_warn("%s: Linux takes one initrd; %lu more attached modules ignored", label,
			(u64)c->nattached - 1);
	int rc = bzimage_load(&vm->mem, label, hpa_to_ptr(hpa(m->start)), m->end - m->start,
			      c->cmdline, c->nattached ? &initrd : NULL, vm->plat.acpi_rsdp, NULL,
			      &res);
	if (rc < 0)
		return rc;
	pr_info("%s: Linux boot protocol %u.%02u, kernel at 0x%lx, initrd %lu KiB at 0x%lx",
		label, res.version >> 8, res.version & 0xff, res.load_start,
		(u64)((res.initrd_end - res.initrd_start) / KiB), res.initrd_start);
	*boot = (struct vcpu_boot_state){ .eip = res.entry32, .esi = res.zero_page };
	return 0;
}

/* Load the kernel, copy the attached modules and build the Multiboot
 * information (or load a Linux kernel); fill the vCPU's start state. */
static int vm_load(struct vm *vm, const struct guest_cfg *c, const struct boot_info *bi,
		   struct vcpu_boot_state *boot)
{
	const struct bootinfo_module *m = &bi->modules[c->module_index];
	struct mb_module_src mods[GUESTCFG_ATTACH_MAX];
	struct mb_load_result img;
	char label[64];
	u32 info;

	ksnprintf(label, sizeof(label), "guest %s (module %lu)", vm->name,
		  (u64)c->module_index + 1);
	if (bzimage_detect(hpa_to_ptr(hpa(m->start)), m->end - m->start))
		return vm_load_linux(vm, c, bi, label, boot);
	int rc = mbloader_load(&vm->mem, label, hpa_to_ptr(hpa(m->start)),
			       m->end - m->start, &img);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < c->nattached; i++) {
		const struct bootinfo_module *a = &bi->modules[c->attached[i].module_index];
		mods[i] = (struct mb_module_src){ hpa_to_ptr(hpa(a->start)), a->end - a->start,
						  c->attached[i].string };
	}
	rc = mbloader_build_info(&vm->mem, label, &img, c->cmdline, mods, c->nattached, &info);
	if (rc < 0)
		return rc;
	*boot = (struct vcpu_boot_state){ .eip = img.entry, .eax = MB_BOOT_MAGIC, .ebx = info };
	return 0;
}

static int vm_setup(struct vm *vm, u16 id, const struct guest_cfg *c, const struct boot_info *bi)
{
	struct vcpu_boot_state boot;

	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	memcpy(vm->name, c->name, sizeof(vm->name));
	vm->mem_size = c->mem;
	vm->vcpu.vm = vm;
	vplat_init(vm);
	if (!vcpu_ops) {
		vm_reject(vm, "no usable VMX or SVM");
		return E_NOTSUP;
	}
	int rc = vcpu_ops->vm_init(vm);
	if (rc < 0) {
		vm_reject(vm, "vendor VM setup failed");
		return rc;
	}
	rc = gmem_init_pc(&vm->mem, &vm->tdp, vm->id, vm->mem_size);
	if (rc == 0) {
		pager_vm_init(vm, c->limit / PAGE_SIZE);
		rc = vplat_build_acpi(vm);
	}
	if (rc == 0)
		rc = vm_load(vm, c, bi, &boot);
	if (rc == 0)
		rc = fpu_vcpu_init(&vm->vcpu);
	if (rc == 0) {
		rc = vcpu_ops->vcpu_create(&vm->vcpu, &boot);
		vm->vcpu_made = rc == 0;
	}
	if (rc < 0) {
		vm_reject(vm, rc == E_NOMEM ? "out of host memory while loading" :
			  "image not loadable (see above)");
		return rc;
	}
	vm->state = VM_RUNNING;
	vm->timeout_ms = c->timeout_ms;
	pr_info("guest %s: %lu MiB, entry 0x%x, %s", vm->name, (u64)(vm->mem_size / MiB), boot.eip,
		c->cmdline[0] ? c->cmdline : "(empty command line)");
	return 0;
}

static bool vm_passed(const struct vm *vm);

/* The guest's paging statistics, one line (issue: per guest resident,
 * swapped, minor and major faults, evictions, writebacks, drops). */
static void print_pager_line(const struct vm *vm)
{
	const struct gmem *m = &vm->final_mem;
	kprintf("paging %s: resident %lu swapped %lu minor %lu major %lu evictions %lu "
		"writebacks %lu clean-drops %lu zero-drops %lu write-errors %lu\n", vm->name,
		m->resident_pages, m->swapped_pages, m->minor_faults, m->major_faults,
		m->evictions, m->writebacks, m->clean_drops, m->zero_drops, m->write_errors);
}
static const char *vm_state_name(const struct vm *vm);

/* Release everything the guest held, as soon as it has ended, so the
 * guests still running can use its memory. */
static void vm_teardown(struct vm *vm)
{
	bench_guest_end(vm);   /* before its memory and tables go */
	vm->final_mem = vm->mem;
	vdev_uart_flush(&vm->uart);
	if (vm->vcpu_made)
		vcpu_ops->vcpu_destroy(&vm->vcpu);
	vm->vcpu_made = false;
	if (vm->vcpu.fpu_area)
		fpu_vcpu_destroy(&vm->vcpu);
	if (vm->mem.tdp)
		pager_vm_release(vm);
	gmem_destroy(&vm->mem);
	if (vcpu_ops && vm->arch)
		vcpu_ops->vm_destroy(vm);
	kprintf("%s: guest %s (%s, status %d)\n", vm_passed(vm) ? "PASS" : "FAIL",
		vm->name, vm->end_reason, vm->exit_status);
	kprintf("guest %s %s status %d resident %lu faults %lu exits %lu slices %lu\n",
		vm->name, vm_state_name(vm), vm->exit_status, vm->final_mem.resident_pages,
		vm->final_mem.demand_faults, vm->exits, vm->slices);
	kprintf("progress %s: %lu slices while another guest waited for a swap-in\n",
		vm->name, vm->slices_during_io);
	print_pager_line(vm);
	vplat_print_stats(vm);
}

static const char *vm_state_name(const struct vm *vm)
{
	switch (vm->state) {
	case VM_DONE: return "exited";
	case VM_KILLED: return "killed";
	case VM_REJECTED: return "rejected";
	default: return "running";
	}
}

static bool vm_passed(const struct vm *vm)
{
	return vm->state == VM_DONE && vm->exit_status == 0;
}

static const char *const exit_kind_names[VMEXIT_K_NR] = {
	[VMEXIT_K_IO] = "io", [VMEXIT_K_CPUID] = "cpuid", [VMEXIT_K_MSR] = "msr",
	[VMEXIT_K_TDP_FAULT] = "tdp-fault", [VMEXIT_K_HLT] = "hlt",
	[VMEXIT_K_EXCEPTION] = "exception", [VMEXIT_K_INTR] = "intr",
	[VMEXIT_K_VIRT_INSN] = "virt-insn", [VMEXIT_K_OTHER] = "other",
};

/* One line per guest: its exits by reason (only the non-zero ones). */
static void print_exit_breakdown(const struct vm *vm)
{
	char buf[256];
	size_t len = ksnprintf(buf, sizeof(buf), "exits of %s:", vm->name);
	for (int k = 0; k < VMEXIT_K_NR && len < sizeof(buf); k++)
		if (vm->exits_by_kind[k])
			len += ksnprintf(buf + len, sizeof(buf) - len, " %s %lu",
					 exit_kind_names[k], vm->exits_by_kind[k]);
	kprintf("%s\n", buf);
}

static void print_table(size_t n)
{
	kprintf("\n%-16s %-8s %6s %9s %9s %9s  %s\n", "guest", "ended", "status", "resident",
		"faults", "exits", "how");
	for (size_t i = 0; i < n; i++) {
		const struct vm *vm = &vms[i];
		kprintf("%-16s %-8s %6d %9lu %9lu %9lu  %s\n", vm->name, vm_state_name(vm),
			vm->exit_status, vm->final_mem.resident_pages, vm->final_mem.demand_faults, vm->exits,
			vm->end_reason);
	}
	for (size_t i = 0; i < n; i++)
		if (vms[i].exits)
			print_exit_breakdown(&vms[i]);
}

size_t guests_run_all(const struct boot_info *bi)
{
	size_t nrejected = 0, failed = 0;
	size_t n = guestcfg_build(bi->modules, bi->nmodules, cfgs, VM_MAX, &nrejected);
	u64 free_before = frame_free_count();
	size_t nready = 0;

	if (n == 0 && nrejected == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (vm_setup(&vms[i], (u16)(i + 1), &cfgs[i], bi) == 0)
			nready++;
		else
			vm_teardown(&vms[i]);
	}
	if (nready) {
		focus_start(vms, n);
		sched_run(vms, n, vm_teardown);
	}
	for (size_t i = 0; i < n; i++)
		failed += !vm_passed(&vms[i]);
	print_table(n);
	pager_print_stats();
	if (pager_audit)
		kprintf("%s: audit of EPT/NPT against the reverse map after every sweep "
			"(%lu problems)\n", pager_audit_problems() ? "FAIL" : "PASS",
			pager_audit_problems());
	failed += pager_audit && pager_audit_problems();
	/* Every frame a guest used (RAM, tables, VMCS/VMCB) must be back. */
	bool leak = frame_free_count() != free_before;
	kprintf("%s: host frames returned after all guests (%lu free before, %lu after)\n",
		leak ? "FAIL" : "PASS", free_before, frame_free_count());
	failed += leak;
	kprintf("SUMMARY: %lu guests, %lu failed\n", n + nrejected, failed + nrejected);
	return n + nrejected;
}
