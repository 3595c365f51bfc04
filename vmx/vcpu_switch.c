/* Guest state VMX does not switch and its lazy switching: DR0-3 and DR6
 * (VM entry/exit load only DR7, SDM Vol. 3C 27.3.2.1, 28.3.1), the SYSCALL
 * MSRs STAR/LSTAR/CSTAR/SFMASK, KERNEL_GS_BASE and TSC_AUX (not in the
 * VMCS), and vmx_ops.msr_get/msr_set for every guest MSR of enum guest_msr,
 * including those the VMCS keeps (FS/GS base, SYSENTER, PAT).
 *
 * Why lazy is correct: the hypervisor itself never uses any of them. It
 * makes no SYSCALL/SYSENTER and no SWAPGS, its FS/GS bases come from the
 * VMCS host fields at every exit (28.5.2), and every exit sets DR7 to 400H
 * (28.3.3), so guest DR0-3 cannot trigger in the host. The CPU therefore
 * keeps the values of the vCPU that ran last on it (vmx_loaded) until a
 * different vCPU is entered: only then are the old vCPU's values saved and
 * the new one's loaded.
 *
 * Which writes exit: every MSR access exits (all-ones MSR bitmap), so
 * WRMSR updates the per-vCPU copy and, when that vCPU is loaded, the CPU.
 * Two things change without an exit and are read back on switch-out:
 * KERNEL_GS_BASE (SWAPGS) and DR0-3/DR6 (MOV DR is not intercepted: the
 * guest uses its debug registers natively, and the CPU writes DR6 on #DB). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/cpu.h"
#include "core/panic.h"

#define MSR_STAR    0xc0000081
#define MSR_LSTAR   0xc0000082
#define MSR_SFMASK  0xc0000084
#define MSR_TSC_AUX 0xc0000103
#define DR6_INIT    0xffff0ff0ull     /* SDM Vol. 3A 18.2.3, value at reset */

/* The vCPU whose DR0-3/DR6 and software-kept MSRs this CPU holds; NULL
 * when unknown (boot, or that vCPU was destroyed). */
static struct vmx_vcpu *vmx_loaded;

static u64 read_dr(int n)
{
	u64 v = 0;
	switch (n) {
	case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
	case 6: __asm__ volatile("mov %%dr6, %0" : "=r"(v)); break;
	}
	return v;
}

static void write_dr(int n, u64 v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	}
}

/* The CPU MSR behind a software-kept guest MSR, 0 when it is kept in the
 * vCPU only: CSTAR (Intel CPUs never use it, SYSCALL outside 64-bit mode
 * is #UD: SDM Vol. 2B "SYSCALL") and TSC_AUX on a host without RDTSCP. */
static u32 hw_msr(enum guest_msr m)
{
	switch (m) {
	case GMSR_STAR: return MSR_STAR;
	case GMSR_LSTAR: return MSR_LSTAR;
	case GMSR_SFMASK: return MSR_SFMASK;
	case GMSR_KERNEL_GS_BASE: return MSR_KERNEL_GS_BASE;
	case GMSR_TSC_AUX: return vmx_ctl.tsc_aux ? MSR_TSC_AUX : 0;
	default: return 0;
	}
}

static void switch_out(struct vmx_vcpu *x)
{
	for (int i = 0; i < 4; i++)
		x->dr[i] = read_dr(i);
	x->dr6 = read_dr(6);
	x->msr[GMSR_KERNEL_GS_BASE] = rdmsr(MSR_KERNEL_GS_BASE);
}

static void switch_in(struct vmx_vcpu *x)
{
	for (int i = 0; i < 4; i++)
		write_dr(i, x->dr[i]);
	write_dr(6, x->dr6);
	for (int m = 0; m < GMSR_NR; m++)
		if (hw_msr((enum guest_msr)m))
			wrmsr(hw_msr((enum guest_msr)m), x->msr[m]);
}

void vmx_switch_init(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	x->dr6 = DR6_INIT;
}

bool vmx_switch_before_entry(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	if (vmx_loaded == x)
		return false;
	if (vmx_loaded)
		switch_out(vmx_loaded);
	switch_in(x);
	vmx_loaded = x;
	return true;
}

void vmx_switch_forget(struct vcpu *v)
{
	if (vmx_loaded == vmx_vcpu(v))
		vmx_loaded = NULL;
}

u64 vmx_dr_get(struct vcpu *v, int n)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	ASSERT(n >= 0 && n <= 3);
	return vmx_loaded == x ? read_dr(n) : x->dr[n];
}

/* The VMCS field of a guest MSR the VMCS keeps (SDM Vol. 3C 25.4.1-2), 0
 * for the software-kept ones. */
static u32 vmcs_field(enum guest_msr m)
{
	switch (m) {
	case GMSR_FS_BASE: return VMCS_SEG_BASE(SEG_FS);
	case GMSR_GS_BASE: return VMCS_SEG_BASE(SEG_GS);
	case GMSR_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
	case GMSR_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
	case GMSR_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
	case GMSR_PAT: return VMCS_GUEST_PAT;   /* load/save PAT are required */
	default: return 0;
	}
}

/* vmx_ops.msr_get: from the VMCS, from the CPU for KERNEL_GS_BASE while
 * v is loaded (SWAPGS changes it without an exit), else from the vCPU. */
u64 vmx_msr_get(struct vcpu *v, enum guest_msr m)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	ASSERT(m < GMSR_NR);
	if (vmcs_field(m)) {
		vmx_vmcs_load(v);
		return vmcs_read(vmcs_field(m));
	}
	if (m == GMSR_KERNEL_GS_BASE && vmx_loaded == x)
		return rdmsr(MSR_KERNEL_GS_BASE);
	return x->msr[m];
}

/* vmx_ops.msr_set: the value is already checked by the common policy
 * (core/emulate.c), so the WRMSR here cannot fault. */
void vmx_msr_set(struct vcpu *v, enum guest_msr m, u64 val)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	ASSERT(m < GMSR_NR);
	if (vmcs_field(m)) {
		vmx_vmcs_load(v);
		vmcs_write(vmcs_field(m), val);
		return;
	}
	x->msr[m] = val;
	if (vmx_loaded == x && hw_msr(m))
		wrmsr(hw_msr(m), val);
}
