/* Intel VMX on this CPU: checking what the CPU offers, IA32_FEATURE_CONTROL,
 * the CR0/CR4 fixed bits, VMXON, the control words every VMCS uses
 * (computed from the capability MSRs, never hard-coded) and the vmx_ops
 * table through which common code reaches VMX. */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/log.h"
#include "core/string.h"
#include "mm/frame.h"

/* vmx/entry.S addresses struct guest_gprs by these offsets. */
_Static_assert(offsetof(struct guest_gprs, rax) == 0 && offsetof(struct guest_gprs, rdi) == 40 &&
	       offsetof(struct guest_gprs, rbp) == 48 && offsetof(struct guest_gprs, r8) == 56 &&
	       offsetof(struct guest_gprs, r15) == 112, "guest_gprs layout used by entry.S");

#define CR0_NW             BIT(29)
#define CR0_CD             BIT(30)
#define FC_LOCK            BIT(0)   /* SDM Vol. 3C 24.7 */
#define FC_VMXON_OUTSIDE_SMX BIT(2)

struct vmx_controls vmx_ctl;

static struct {
	bool enabled;
	hpa_t vmxon_region;       /* (c) this CPU's VMXON region (24.11.5) */
} vmx_cpu;

/* The features this hypervisor cannot do without. */
static int vmx_check_features(const struct vmx_caps *c)
{
	const char *missing = NULL;
	if (!c->present)
		missing = "VMX";
	else if (!c->secondary || !c->ept)
		missing = "EPT";
	else if (!c->unrestricted_guest)
		missing = "unrestricted guest";
	else if (!c->ept_4level || !c->ept_wb)
		missing = "4-level write-back EPT";
	else if (!c->invept || (!c->invept_single && !c->invept_all))
		missing = "INVEPT";
	if (!missing)
		return 0;
	pr_err("VMX without %s is not supported", missing);
	return E_NOTSUP;
}

/* IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7): a locked MSR without "VMXON
 * outside SMX" forbids VMXON; an unlocked one is enabled and locked here. */
static int vmx_feature_control(void)
{
	u64 fc;
	if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc) < 0) {
		pr_err("VMX: IA32_FEATURE_CONTROL unreadable");
		return E_NOTSUP;
	}
	if (fc & FC_LOCK) {
		if (fc & FC_VMXON_OUTSIDE_SMX)
			return 0;
		pr_err("VMX disabled by firmware (IA32_FEATURE_CONTROL 0x%lx locked without "
		       "VMXON outside SMX)", fc);
		return E_NOTSUP;
	}
	if (wrmsr_safe(MSR_IA32_FEATURE_CONTROL, fc | FC_LOCK | FC_VMXON_OUTSIDE_SMX) < 0) {
		pr_err("VMX: cannot enable VMXON in IA32_FEATURE_CONTROL");
		return E_NOTSUP;
	}
	return 0;
}

/* One control word (SDM Vol. 3D A.3-A.5): the allowed-0 settings (low
 * half of the capability MSR) are required, `want` must lie in allowed-1
 * (high half), `opt` bits are taken where allowed. */
static int vmx_control(const char *name, u32 msr, u32 want, u32 opt, u32 *out)
{
	u64 cap = rdmsr(msr);
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32);
	if (want & ~allowed1) {
		pr_err("VMX: %s controls 0x%x not offered (allowed-1 0x%x)", name,
		       want & ~allowed1, allowed1);
		return E_NOTSUP;
	}
	*out = allowed0 | want | (opt & allowed1);
	return 0;
}

/* The VMX-preemption timer (SDM Vol. 3C 26.5.1) where the CPU offers it
 * together with "save VMX-preemption timer value" (25.7.1): it ends a slice
 * even where external-interrupt exiting does not fire. Bochs 2.7 evaluates
 * the interrupt mask of an entry before it counts as non-root operation, so
 * with host and guest IF=0 the slice timer's interrupt stays blocked while
 * the guest runs. A slice's timer counts on across its exits. */
static void vmx_preempt_init(void)
{
	u32 exit_may1 = (u32)(rdmsr(cpufeat()->vmx.true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				    MSR_IA32_VMX_EXIT_CTLS) >> 32);
	vmx_ctl.preempt = cpufeat()->vmx.preemption_timer && (exit_may1 & EXIT_SAVE_PREEMPT);
	if (!vmx_ctl.preempt)
		return;
	vmx_ctl.pin |= PIN_PREEMPT_TIMER;
	vmx_ctl.exit |= EXIT_SAVE_PREEMPT;
}

/* Every port and MSR access exits (unconditional I/O exiting, an all-ones
 * MSR bitmap); CR8 moves exit so a guest never writes the host's TPR
 * (SDM Vol. 3C 26.1.3: without a TPR shadow MOV to CR8 reaches the APIC).
 * The guest PAT lives in the VMCS (load/save PAT, offered by every CPU
 * with EPT); "enable RDTSCP" is taken where offered, since without it
 * RDTSCP is #UD in the guest (25.6.2) while CPUID may show it. */
/* Interrupt-window exiting (SDM Vol. 3C 26.7.5) is needed to deliver
 * virtual interrupts; NMI-window exiting only with virtual NMIs (pin bit
 * 5), without which NMIs are injected whenever no shadow blocks them. */
static int vmx_window_init(bool t)
{
	u32 may1 = (u32)(rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			       MSR_IA32_VMX_PROCBASED_CTLS) >> 32);
	vmx_ctl.nmi_window = (vmx_ctl.pin & PIN_VIRTUAL_NMIS) && (may1 & PROC_NMI_WINDOW);
	if (may1 & PROC_INTR_WINDOW)
		return 0;
	pr_err("VMX: interrupt-window exiting not offered");
	return E_NOTSUP;
}

static int vmx_controls_init(const struct vmx_caps *c)
{
	bool t = c->true_ctls;   /* IA32_VMX_BASIC[55] (A.1) */
	int rc = 0;
	rc |= vmx_control("pin-based", t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS, PIN_EXT_INTR_EXIT | PIN_NMI_EXIT,
			  PIN_VIRTUAL_NMIS, &vmx_ctl.pin);
	rc |= vmx_control("processor-based", t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			  MSR_IA32_VMX_PROCBASED_CTLS, PROC_HLT_EXIT | PROC_UNCOND_IO_EXIT |
			  PROC_USE_MSR_BITMAP | PROC_SECONDARY | PROC_CR8_LOAD_EXIT |
			  PROC_CR8_STORE_EXIT, 0, &vmx_ctl.proc);
	rc |= vmx_control("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
			  PROC2_EPT | PROC2_UNRESTRICTED, PROC2_VPID | PROC2_RDTSCP, &vmx_ctl.proc2);
	rc |= vmx_control("VM-exit", t ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			  MSR_IA32_VMX_EXIT_CTLS, EXIT_SAVE_DEBUG | EXIT_HOST_64BIT |
			  EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT, 0,
			  &vmx_ctl.exit);
	rc |= vmx_control("VM-entry", t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			  MSR_IA32_VMX_ENTRY_CTLS, ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
			  0, &vmx_ctl.entry);
	if (rc)
		return E_NOTSUP;
	if (vmx_window_init(t))
		return E_NOTSUP;
	/* The guest starts in 32-bit mode; vmx_sync_ia32e() sets it later. */
	vmx_ctl.entry &= ~ENTRY_IA32E_GUEST;
	if (!c->vpid || !c->invvpid || (!c->invvpid_single && !c->invvpid_all))
		vmx_ctl.proc2 &= ~PROC2_VPID;
	vmx_preempt_init();
	vmx_ctl.tsc_aux = cpuid(0x80000000u, 0).eax >= 0x80000001u &&
			  (cpuid(0x80000001u, 0).edx & BIT(27));    /* RDTSCP */
	return 0;
}

/* CR0/CR4 bits fixed in VMX operation (SDM Vol. 3D A.7, A.8). With
 * unrestricted guest the guest may clear PE and PG (25.6.2); the rest is
 * forced on the guest and hidden from it through the guest/host masks. */
static void vmx_fixed_bits_init(void)
{
	vmx_ctl.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx_ctl.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx_ctl.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx_ctl.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	vmx_ctl.cr0_mask = (vmx_ctl.cr0_fixed0 & ~(CR0_PE | CR0_PG)) |
			   (~vmx_ctl.cr0_fixed1 & 0xffffffffull);
	vmx_ctl.cr4_mask = vmx_ctl.cr4_fixed0 | CR4_VMXE |
			   (~vmx_ctl.cr4_fixed1 & 0xffffffffull);
}

/* The frames every VMCS shares: the all-ones MSR bitmap (25.6.9). */
static int vmx_alloc_cpu_pages(u32 revision)
{
	vmx_cpu.vmxon_region = frame_alloc_zeroed(FRAME_HYP, 0);
	vmx_ctl.msr_bitmap = frame_alloc(FRAME_HYP, 0);
	if (!frame_is_valid(vmx_cpu.vmxon_region) || !frame_is_valid(vmx_ctl.msr_bitmap)) {
		pr_err("VMX: out of memory for the VMXON region");
		return E_NOMEM;
	}
	memset(hpa_to_ptr(vmx_ctl.msr_bitmap), 0xff, PAGE_SIZE);
	*(u32 *)hpa_to_ptr(vmx_cpu.vmxon_region) = revision;   /* 24.11.5 */
	return 0;
}

/* Apply the fixed bits to the host's CR0/CR4 (CR4.VMXE among them) and
 * execute VMXON (SDM Vol. 3C 24.7, 31.3 "VMXON"). CR0.CD/NW are cleared as
 * well: VM entry does not load them from the guest CR0 field (27.3.2.1), so
 * guests inherit the host's, and Bochs leaves its reset value CD|NW set. */
static int vmx_on(void)
{
	u64 cr0 = ((read_cr0() | vmx_ctl.cr0_fixed0) & vmx_ctl.cr0_fixed1) & ~(CR0_CD | CR0_NW);
	u64 cr4 = (read_cr4() | vmx_ctl.cr4_fixed0 | CR4_VMXE) & vmx_ctl.cr4_fixed1;
	u64 pa = vmx_cpu.vmxon_region.v;
	u8 fail;
	write_cr0(cr0);
	write_cr4(cr4);
	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail) {
		pr_err("VMX: VMXON failed (region 0x%lx, revision 0x%x)", pa,
		       cpufeat()->vmx.vmcs_revision);
		write_cr4(cr4 & ~CR4_VMXE);
		return E_NOTSUP;
	}
	return 0;
}

int vmx_cpu_enable(void)
{
	const struct vmx_caps *c = &cpufeat()->vmx;
	int rc;
	if (vmx_cpu.enabled)
		return 0;
	/* Check everything before changing any CPU state. */
	if ((rc = vmx_check_features(c)) < 0 || (rc = vmx_controls_init(c)) < 0 ||
	    (rc = vmx_feature_control()) < 0)
		return rc;
	vmx_fixed_bits_init();
	if ((rc = vmx_alloc_cpu_pages(c->vmcs_revision)) < 0 || (rc = vmx_on()) < 0)
		return rc;
	vmx_cpu.enabled = true;
	pr_info("vmx: VMXON done; controls pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x%s",
		vmx_ctl.pin, vmx_ctl.proc, vmx_ctl.proc2, vmx_ctl.exit, vmx_ctl.entry,
		(vmx_ctl.proc2 & PROC2_VPID) ? " (VPID)" : "");
	pr_debug("vmx: CR0 fixed0 0x%lx fixed1 0x%lx, CR4 fixed0 0x%lx fixed1 0x%lx",
		 vmx_ctl.cr0_fixed0, vmx_ctl.cr0_fixed1, vmx_ctl.cr4_fixed0, vmx_ctl.cr4_fixed1);
	return 0;
}

const struct vcpu_ops vmx_ops = {
	.name = "VMX",
	.cpu_enable = vmx_cpu_enable,
	.vm_init = vmx_vm_init,
	.vm_destroy = vmx_vm_destroy,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.inject_exception = vmx_inject_exception,
	.flush_tdp = vmx_flush_tdp,
	.dump = vmx_dump,
	.msr_get = vmx_msr_get,
	.msr_set = vmx_msr_set,
	.irq_injectable = vmx_irq_injectable,
	.nmi_injectable = vmx_nmi_injectable,
	.inject_irq = vmx_inject_irq,
	.inject_nmi = vmx_inject_nmi,
	.request_window = vmx_request_window,
};
