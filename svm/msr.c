/* Guest state that VMRUN/#VMEXIT do not switch by themselves (APM Vol. 2
 * 15.5.1, 15.6): the MSRs VMSAVE/VMLOAD carry (15.5.2) are read and written
 * in the guest VMCB; TSC_AUX and DR0-3 have no VMCB field, so each vCPU keeps
 * its own and they are loaded into the CPU when another vCPU than the last
 * one is entered. */
#include "svm/svm.h"
#include "core/cpu.h"
#include "core/panic.h"

#define MSR_TSC_AUX 0xc0000103
#define CPUID_E1_EDX_RDTSCP BIT(27)

static struct {
	struct vcpu *owner;     /* whose TSC_AUX and DR0-3 the CPU holds */
	bool has_tsc_aux;       /* CPUID 8000_0001 EDX[27] RDTSCP: MSR exists */
} svm_lazy;

/* Called once by svm_cpu_enable: TSC_AUX exists only with RDTSCP
 * (APM Vol. 3 RDTSCP). */
void svm_msr_init(void)
{
	svm_lazy.has_tsc_aux = cpuid(0x80000001, 0).edx & CPUID_E1_EDX_RDTSCP;
}

static u64 read_dr(int n)
{
	u64 v;
	switch (n) {
	case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); return v;
	case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); return v;
	case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); return v;
	default: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); return v;
	}
}

static void write_dr(int n, u64 v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); return;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); return;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); return;
	default: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); return;
	}
}

static void svm_load_tsc_aux(u64 val)
{
	if (svm_lazy.has_tsc_aux)
		wrmsr(MSR_TSC_AUX, val);
}

/* Right before VMRUN of v. DR0-3 are not intercepted: the guest moves to and
 * from them natively, so the CPU registers are the truth for the owner and
 * are saved when another vCPU takes over. The host never enables a
 * breakpoint (its DR7 keeps L0-3/G0-3 clear), so guest DR0-3 left in the
 * registers are inert while the host runs. TSC_AUX is only written through
 * svm_msr_set (WRMSR is intercepted) and read by the guest's RDTSCP. */
void svm_switch_lazy_state(struct vcpu *v)
{
	struct svm_vcpu *sv = svm_vcpu(v);
	if (svm_lazy.owner == v)
		return;
	if (svm_lazy.owner) {
		struct svm_vcpu *old = svm_vcpu(svm_lazy.owner);
		for (int i = 0; i < 4; i++)
			old->dr[i] = read_dr(i);
	}
	for (int i = 0; i < 4; i++)
		write_dr(i, sv->dr[i]);
	svm_load_tsc_aux(sv->tsc_aux);
	svm_lazy.owner = v;
}

/* v is being destroyed: the registers no longer belong to anyone. */
void svm_lazy_forget(struct vcpu *v)
{
	if (svm_lazy.owner == v)
		svm_lazy.owner = NULL;
}

/* svm_ops.msr_get: the guest's value of m. */
u64 svm_msr_get(struct vcpu *v, enum guest_msr m)
{
	const struct vmcb_save *s = &svm_vmcb(v)->save;
	switch (m) {
	case GMSR_FS_BASE: return s->fs.base;
	case GMSR_GS_BASE: return s->gs.base;
	case GMSR_KERNEL_GS_BASE: return s->kernel_gs_base;
	case GMSR_STAR: return s->star;
	case GMSR_LSTAR: return s->lstar;
	case GMSR_CSTAR: return s->cstar;
	case GMSR_SFMASK: return s->sfmask;
	case GMSR_SYSENTER_CS: return s->sysenter_cs;
	case GMSR_SYSENTER_ESP: return s->sysenter_esp;
	case GMSR_SYSENTER_EIP: return s->sysenter_eip;
	case GMSR_TSC_AUX: return svm_vcpu(v)->tsc_aux;
	case GMSR_PAT: return s->g_pat;
	case GMSR_NR: break;
	}
	panic("svm: msr_get of unknown guest MSR %d", m);
}

/* svm_ops.msr_set: val was checked by the common policy (core/emulate.c).
 * VMCB fields reach the CPU at the next VMLOAD/VMRUN; with nested paging
 * the guest's PAT is G_PAT (APM Vol. 2 15.25.8). TSC_AUX is written to the
 * CPU at once when v owns it (it is the vCPU that just exited). */
void svm_msr_set(struct vcpu *v, enum guest_msr m, u64 val)
{
	struct vmcb_save *s = &svm_vmcb(v)->save;
	switch (m) {
	case GMSR_FS_BASE: s->fs.base = val; return;
	case GMSR_GS_BASE: s->gs.base = val; return;
	case GMSR_KERNEL_GS_BASE: s->kernel_gs_base = val; return;
	case GMSR_STAR: s->star = val; return;
	case GMSR_LSTAR: s->lstar = val; return;
	case GMSR_CSTAR: s->cstar = val; return;
	case GMSR_SFMASK: s->sfmask = val; return;
	case GMSR_SYSENTER_CS: s->sysenter_cs = val; return;
	case GMSR_SYSENTER_ESP: s->sysenter_esp = val; return;
	case GMSR_SYSENTER_EIP: s->sysenter_eip = val; return;
	case GMSR_TSC_AUX:
		svm_vcpu(v)->tsc_aux = val;
		if (svm_lazy.owner == v)
			svm_load_tsc_aux(val);
		return;
	case GMSR_PAT: s->g_pat = val; return;
	case GMSR_NR: break;
	}
	panic("svm: msr_set of unknown guest MSR %d", m);
}
