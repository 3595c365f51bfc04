/* CPU identification and VMX/SVM capability detection. Sources: CPUID (SDM
 * Vol. 2A "CPUID", APM Vol. 3 Appendix E), the VMX capability MSRs (SDM
 * Vol. 3D Appendix A) and CPUID Fn8000_000A (APM Vol. 2 15.4). Detection only
 * reads; enabling VMX/SVM is the vendor code's business. */
#include "core/cpufeat.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/selftest.h"
#include "core/string.h"

#define FC_LOCK          BIT(0)   /* IA32_FEATURE_CONTROL, SDM Vol. 4 Table 2-2 */
#define FC_VMX_OUTSIDE_SMX BIT(2)
#define VM_CR_SVMDIS     BIT(4)   /* APM Vol. 2 15.30.1 */

static struct cpufeat feat;

const struct cpufeat *cpufeat(void)
{
	return &feat;
}

static bool bit(u64 v, int n)
{
	return (v >> n) & 1;
}

static void cpufeat_read_ident(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	feat.max_leaf = r.eax;
	memcpy(feat.vendor + 0, &r.ebx, 4);
	memcpy(feat.vendor + 4, &r.edx, 4);
	memcpy(feat.vendor + 8, &r.ecx, 4);
	feat.vendor[12] = 0;
	if (!strcmp(feat.vendor, "GenuineIntel"))
		feat.vendor_id = CPU_VENDOR_INTEL;
	else if (!strcmp(feat.vendor, "AuthenticAMD") || !strcmp(feat.vendor, "HygonGenuine"))
		feat.vendor_id = CPU_VENDOR_AMD;

	/* Display family/model: SDM Vol. 2A CPUID "Version Information";
	 * AMD uses the extended model only with base family 0Fh (APM Vol. 3 E.3.2). */
	r = cpuid(1, 0);
	u32 base_family = (r.eax >> 8) & 0xf, base_model = (r.eax >> 4) & 0xf;
	feat.stepping = r.eax & 0xf;
	feat.family = base_family;
	if (base_family == 0xf)
		feat.family += (r.eax >> 20) & 0xff;
	feat.model = base_model;
	if (base_family == 0xf || (base_family == 0x6 && feat.vendor_id != CPU_VENDOR_AMD))
		feat.model |= ((r.eax >> 16) & 0xf) << 4;

	feat.xsave = bit(r.ecx, 26);
	feat.x2apic = bit(r.ecx, 21);
	feat.tsc_deadline = bit(r.ecx, 24);
	feat.hypervisor = bit(r.ecx, 31);
	feat.apic = bit(r.edx, 9);
	feat.vmx.present = bit(r.ecx, 5);
}

static void cpufeat_read_extended(void)
{
	feat.max_ext_leaf = cpuid(0x80000000, 0).eax;
	if (feat.max_ext_leaf < 0x80000000 || feat.max_ext_leaf > 0x8000ffff)
		feat.max_ext_leaf = 0;

	if (feat.max_ext_leaf >= 0x80000001) {
		struct cpuid_regs r = cpuid(0x80000001, 0);
		feat.nx = bit(r.edx, 20);
		feat.pages_1g = bit(r.edx, 26);
		feat.svm.present = bit(r.ecx, 2);
	}
	if (feat.max_ext_leaf >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			struct cpuid_regs r = cpuid(0x80000002 + i, 0);
			u32 w[4] = { r.eax, r.ebx, r.ecx, r.edx };
			memcpy(feat.brand + 16 * i, w, sizeof(w));
		}
		feat.brand[48] = 0;
		size_t skip = 0;
		while (feat.brand[skip] == ' ')
			skip++;
		memmove(feat.brand, feat.brand + skip, sizeof(feat.brand) - skip);
		for (size_t n = strlen(feat.brand); n && feat.brand[n - 1] == ' '; n--)
			feat.brand[n - 1] = 0;
	}
	if (!feat.brand[0])
		memcpy(feat.brand, "unknown", 8);
	if (feat.max_ext_leaf >= 0x80000007)
		feat.invariant_tsc = bit(cpuid(0x80000007, 0).edx, 8);
	/* Without leaf 0x80000008 the architectural default is 36 bits
	 * (SDM Vol. 3A 4.1.4) and 48-bit linear addresses. */
	feat.phys_bits = 36;
	feat.virt_bits = 48;
	if (feat.max_ext_leaf >= 0x80000008) {
		u32 eax = cpuid(0x80000008, 0).eax;
		feat.phys_bits = eax & 0xff;
		feat.virt_bits = (eax >> 8) & 0xff;
	}
}

/* Allowed-1 settings are the high 32 bits of a VMX control capability MSR
 * (SDM Vol. 3D A.3). A missing MSR reads as "nothing allowed". */
static u32 vmx_allowed1(u32 msr)
{
	u64 v;
	if (rdmsr_safe(msr, &v) < 0)
		return 0;
	return v >> 32;
}

static void cpufeat_read_vmx(void)
{
	struct vmx_caps *v = &feat.vmx;
	u64 val;

	/* IA32_FEATURE_CONTROL: once the lock bit is set, VMXON outside SMX
	 * needs bit 2; an unlocked MSR can still be set up by the VMX code. */
	if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &val) == 0) {
		v->feature_control = val;
		v->fc_locked = val & FC_LOCK;
		v->fc_outside_smx = val & FC_VMX_OUTSIDE_SMX;
	}
	v->usable = !(v->fc_locked && !v->fc_outside_smx);

	/* A.1 Basic VMX information. */
	if (rdmsr_safe(MSR_IA32_VMX_BASIC, &val) == 0) {
		v->basic = val;
		v->vmcs_revision = val & 0x7fffffff;
		v->true_ctls = bit(val, 55);
	}

	/* A.3.1 pin-based controls: bit 6 "activate VMX-preemption timer";
	 * A.6 IA32_VMX_MISC[4:0]: the timer counts down every 2^rate TSC ticks. */
	v->preemption_timer = bit(vmx_allowed1(MSR_IA32_VMX_PINBASED_CTLS), 6);
	if (v->preemption_timer && rdmsr_safe(MSR_IA32_VMX_MISC, &val) == 0)
		v->preemption_timer_rate = val & 0x1f;

	/* A.3.2 primary processor-based controls: bit 31 "activate secondary
	 * controls"; only then does IA32_VMX_PROCBASED_CTLS2 exist (A.3.3). */
	v->secondary = bit(vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS), 31);
	if (v->secondary)
		v->secondary_allowed1 = vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS2);
	v->ept = bit(v->secondary_allowed1, 1);
	v->vpid = bit(v->secondary_allowed1, 5);
	v->unrestricted_guest = bit(v->secondary_allowed1, 7);

	/* A.10 IA32_VMX_EPT_VPID_CAP exists only if EPT or VPID may be 1. */
	if ((v->ept || v->vpid) && rdmsr_safe(MSR_IA32_VMX_EPT_VPID_CAP, &val) == 0)
		v->ept_vpid_cap = val;
	u64 cap = v->ept_vpid_cap;
	if (v->ept) {
		v->ept_4level = bit(cap, 6);
		v->ept_wb = bit(cap, 14);
		v->ept_2m = bit(cap, 16);
		v->ept_1g = bit(cap, 17);
		v->invept = bit(cap, 20);
		v->ept_ad = bit(cap, 21);
		v->invept_single = v->invept && bit(cap, 25);
		v->invept_all = v->invept && bit(cap, 26);
	}
	if (v->vpid) {
		v->invvpid = bit(cap, 32);
		v->invvpid_addr = v->invvpid && bit(cap, 40);
		v->invvpid_single = v->invvpid && bit(cap, 41);
		v->invvpid_all = v->invvpid && bit(cap, 42);
		v->invvpid_single_globals = v->invvpid && bit(cap, 43);
	}
}

static void cpufeat_read_svm(void)
{
	struct svm_caps *s = &feat.svm;
	u64 val;

	/* APM Vol. 2 15.4: VM_CR.SVMDIS set means EFER.SVME cannot be set.
	 * Some implementations (Bochs ryzen) #GP on VM_CR: then we cannot tell
	 * and let enabling EFER.SVME (via wrmsr_safe) be the real test. */
	if (rdmsr_safe(MSR_VM_CR, &val) == 0) {
		s->vm_cr_readable = true;
		s->vm_cr = val;
		s->svmdis = val & VM_CR_SVMDIS;
	}
	s->usable = !s->svmdis;

	if (feat.max_ext_leaf < 0x8000000a)
		return;
	/* CPUID Fn8000_000A: APM Vol. 3 E.4.9 / Vol. 2 15.4. */
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	s->revision = r.eax & 0xff;
	s->nasids = r.ebx;
	s->features = r.edx;
	s->npt = bit(r.edx, 0);
	s->lbr_virt = bit(r.edx, 1);
	s->svm_lock = bit(r.edx, 2);
	s->nrip_save = bit(r.edx, 3);
	s->tsc_rate_msr = bit(r.edx, 4);
	s->vmcb_clean = bit(r.edx, 5);
	s->flush_by_asid = bit(r.edx, 6);
	s->decode_assists = bit(r.edx, 7);
	s->pause_filter = bit(r.edx, 10);
	s->pause_filter_threshold = bit(r.edx, 12);
	s->avic = bit(r.edx, 13);
	s->vgif = bit(r.edx, 16);
}

void cpufeat_init(void)
{
	memset(&feat, 0, sizeof(feat));
	cpufeat_read_ident();
	cpufeat_read_extended();
	if (feat.vmx.present)
		cpufeat_read_vmx();
	if (feat.svm.present)
		cpufeat_read_svm();
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

/* Join the names whose flag is set with commas ("none" when no flag is). */
static const char *join_flags(char *buf, size_t n, const bool *flags,
			      const char *const *names, int count)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < count; i++)
		if (flags[i])
			len += ksnprintf(buf + len, n - MIN(len, n), "%s%s",
					 len ? "," : "", names[i]);
	return buf[0] ? buf : "none";
}

static void cpufeat_print_vmx(void)
{
	const struct vmx_caps *v = &feat.vmx;
	static const char *const invept_names[] = { "single", "all" };
	static const char *const invvpid_names[] = { "addr", "single", "all", "single-globals" };
	bool invept[] = { v->invept_single, v->invept_all };
	bool invvpid[] = { v->invvpid_addr, v->invvpid_single, v->invvpid_all,
			   v->invvpid_single_globals };
	char b1[32], b2[48];

	if (!v->usable) {
		pr_info("virt: VMX present but disabled by firmware (IA32_FEATURE_CONTROL=0x%lx)",
			v->feature_control);
	} else {
		pr_info("virt: VMX yes (CPUID.1:ECX.VMX=1) EPT %s VPID %s unrestricted-guest %s "
			"EPT-A/D %s 2M-EPT %s 1G-EPT %s INVEPT %s INVVPID %s preemption-timer %s "
			"(from IA32_VMX_PROCBASED_CTLS2 / IA32_VMX_EPT_VPID_CAP, true controls %s)",
			yn(v->ept), yn(v->vpid), yn(v->unrestricted_guest), yn(v->ept_ad),
			yn(v->ept_2m), yn(v->ept_1g),
			join_flags(b1, sizeof(b1), invept, invept_names, 2),
			join_flags(b2, sizeof(b2), invvpid, invvpid_names, 4),
			yn(v->preemption_timer), yn(v->true_ctls));
	}
	pr_debug("vmx: feature-control 0x%lx basic 0x%lx (VMCS rev 0x%x) procbased2 "
		 "allowed-1 0x%x ept-vpid-cap 0x%lx 4-level %s WB %s preemption-rate %u",
		 v->feature_control, v->basic, v->vmcs_revision, v->secondary_allowed1,
		 v->ept_vpid_cap, yn(v->ept_4level), yn(v->ept_wb), v->preemption_timer_rate);
}

static void cpufeat_print_svm(void)
{
	const struct svm_caps *s = &feat.svm;

	if (!s->usable) {
		pr_info("virt: SVM present but disabled by firmware (VM_CR=0x%lx, SVMDIS=1%s)",
			s->vm_cr, s->svm_lock ? ", locked" : "");
	} else {
		pr_info("virt: SVM yes (CPUID.80000001:ECX.SVM=1) rev %u NPT %s ASIDs %u NRIP %s "
			"flush-by-ASID %s decode-assists %s clean-bits %s pause-filter %s "
			"(from CPUID 0x8000000A)%s",
			s->revision, yn(s->npt), s->nasids, yn(s->nrip_save),
			yn(s->flush_by_asid), yn(s->decode_assists), yn(s->vmcb_clean),
			yn(s->pause_filter), s->vm_cr_readable ? "" : " VM_CR unreadable");
	}
	pr_debug("svm: VM_CR %s0x%lx features 0x%x lbr-virt %s svm-lock %s tsc-rate %s "
		 "pause-threshold %s avic %s vgif %s",
		 s->vm_cr_readable ? "" : "(unreadable) ", s->vm_cr, s->features,
		 yn(s->lbr_virt), yn(s->svm_lock), yn(s->tsc_rate_msr),
		 yn(s->pause_filter_threshold), yn(s->avic), yn(s->vgif));
}

void cpufeat_print_banner(void)
{
	pr_info("cpu: %s family %u model %u stepping %u \"%s\" phys-bits %u 1G-pages %s nx %s",
		feat.vendor, feat.family, feat.model, feat.stepping, feat.brand,
		feat.phys_bits, yn(feat.pages_1g), yn(feat.nx));
	pr_debug("cpu: max leaf 0x%x ext 0x%x virt-bits %u xsave %s x2apic %s tsc-deadline %s "
		 "invariant-tsc %s hypervisor %s",
		 feat.max_leaf, feat.max_ext_leaf, feat.virt_bits, yn(feat.xsave), yn(feat.x2apic),
		 yn(feat.tsc_deadline), yn(feat.invariant_tsc), yn(feat.hypervisor));
	if (feat.vmx.present)
		cpufeat_print_vmx();
	if (feat.svm.present)
		cpufeat_print_svm();
	if (!feat.vmx.present && !feat.svm.present)
		pr_info("virt: none (CPUID shows neither VMX nor SVM)");
}

/* Cross-check the table against raw CPUID/MSRs and its own implications. */
static bool cpufeat_selftest(void)
{
	struct cpuid_regs r0 = cpuid(0, 0), r1 = cpuid(1, 0);

	ST_CHECK(feat.max_leaf == r0.eax);
	ST_CHECK(!memcmp(feat.vendor, &r0.ebx, 4) && !memcmp(feat.vendor + 4, &r0.edx, 4) &&
		 !memcmp(feat.vendor + 8, &r0.ecx, 4));
	ST_CHECK(feat.stepping == (r1.eax & 0xf));
	ST_CHECK(feat.family >= ((r1.eax >> 8) & 0xf) && feat.family != 0);
	ST_CHECK(feat.vmx.present == bit(r1.ecx, 5));
	ST_CHECK(feat.x2apic == bit(r1.ecx, 21));
	ST_CHECK(feat.phys_bits >= 32 && feat.phys_bits <= 52);
	if (feat.max_ext_leaf >= 0x80000001) {
		struct cpuid_regs e = cpuid(0x80000001, 0);
		ST_CHECK(feat.svm.present == bit(e.ecx, 2));
		ST_CHECK(feat.nx == bit(e.edx, 20));
		ST_CHECK(feat.pages_1g == bit(e.edx, 26));
	}

	const struct vmx_caps *v = &feat.vmx;
	ST_CHECK(!(v->ept || v->vpid || v->unrestricted_guest) || (v->present && v->secondary));
	ST_CHECK(!(v->ept_ad || v->ept_2m || v->invept) || v->ept);
	ST_CHECK(!v->invvpid || v->vpid);
	if (v->present) {
		u64 basic;
		ST_CHECK(rdmsr_safe(MSR_IA32_VMX_BASIC, &basic) == 0);
		ST_CHECK(basic == v->basic && !(basic & BIT(31)));   /* A.1: bit 31 is 0 */
		ST_CHECK(v->vmcs_revision != 0);
	}

	const struct svm_caps *s = &feat.svm;
	if (s->present) {
		ST_CHECK(s->nasids > 0);
		ST_CHECK(s->features == cpuid(0x8000000a, 0).edx);
	} else {
		ST_CHECK(!s->npt && !s->nasids);
	}
	return true;
}
SELFTEST("cpufeat", cpufeat_selftest);
