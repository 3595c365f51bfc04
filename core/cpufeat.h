/* CPU identification and virtualization capabilities, detected once at boot
 * from CPUID and the VMX capability MSRs / SVM CPUID leaf. Every later user
 * (vendor choice, VMCS/VMCB setup, EPT/NPT geometry) consults this table
 * instead of assuming a feature. */
#ifndef CORE_CPUFEAT_H
#define CORE_CPUFEAT_H

#include "core/types.h"

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

/* Intel VMX (SDM Vol. 3D Appendix A). Read only when CPUID.1:ECX.VMX = 1. */
struct vmx_caps {
	bool present;             /* CPUID.1:ECX[5] */
	bool usable;              /* present and not locked off by firmware */
	u64 feature_control;      /* IA32_FEATURE_CONTROL (0x3a) */
	bool fc_locked;           /* bit 0: firmware locked the MSR */
	bool fc_outside_smx;      /* bit 2: VMXON allowed outside SMX */
	u64 basic;                /* IA32_VMX_BASIC (A.1) */
	u32 vmcs_revision;        /* IA32_VMX_BASIC[30:0] */
	bool true_ctls;           /* IA32_VMX_BASIC[55]: TRUE_*_CTLS MSRs exist */
	bool secondary;           /* procbased allowed-1 bit 31 (A.3.2) */
	u32 secondary_allowed1;   /* IA32_VMX_PROCBASED_CTLS2[63:32] (A.3.3) */
	bool ept;                 /* secondary bit 1 */
	bool vpid;                /* secondary bit 5 */
	bool unrestricted_guest;  /* secondary bit 7 */
	u64 ept_vpid_cap;         /* IA32_VMX_EPT_VPID_CAP (A.10) */
	bool ept_4level;          /* bit 6: page-walk length 4 */
	bool ept_wb;              /* bit 14: write-back EPT structures */
	bool ept_2m, ept_1g;      /* bits 16, 17 */
	bool ept_ad;              /* bit 21: accessed/dirty flags */
	bool invept;              /* bit 20 */
	bool invept_single, invept_all;   /* bits 25, 26 */
	bool invvpid;             /* bit 32 */
	bool invvpid_addr, invvpid_single, invvpid_all, invvpid_single_globals; /* 40..43 */
	bool preemption_timer;    /* pin-based allowed-1 bit 6 (A.3.1) */
	u8 preemption_timer_rate; /* IA32_VMX_MISC[4:0]: TSC >> rate per tick (A.6) */
};

/* AMD SVM (APM Vol. 2 15.4; CPUID Fn8000_000A). Read only when
 * CPUID.80000001:ECX.SVM = 1. */
struct svm_caps {
	bool present;             /* CPUID.80000001:ECX[2] */
	bool usable;              /* present and VM_CR.SVMDIS clear (or unreadable) */
	bool vm_cr_readable;      /* RDMSR VM_CR did not #GP (Bochs ryzen faults) */
	u64 vm_cr;                /* MSR 0xC0010114 when readable */
	bool svmdis;              /* VM_CR[4] */
	u32 revision;             /* Fn8000_000A EAX[7:0] */
	u32 nasids;               /* Fn8000_000A EBX: number of ASIDs */
	u32 features;             /* Fn8000_000A EDX, raw */
	bool npt;                 /* EDX[0] */
	bool lbr_virt;            /* EDX[1] */
	bool svm_lock;            /* EDX[2] */
	bool nrip_save;           /* EDX[3] */
	bool tsc_rate_msr;        /* EDX[4] */
	bool vmcb_clean;          /* EDX[5] */
	bool flush_by_asid;       /* EDX[6] */
	bool decode_assists;      /* EDX[7] */
	bool pause_filter;        /* EDX[10] */
	bool pause_filter_threshold; /* EDX[12] */
	bool avic;                /* EDX[13] */
	bool vgif;                /* EDX[16] */
};

struct cpufeat {
	enum cpu_vendor vendor_id;
	char vendor[13];          /* CPUID 0 EBX:EDX:ECX */
	char brand[49];           /* CPUID 0x80000002..4, outer blanks removed */
	u32 max_leaf, max_ext_leaf;
	u32 family, model, stepping;  /* with extended family/model folded in */
	u8 phys_bits, virt_bits;  /* CPUID 0x80000008 EAX[7:0], [15:8] */
	bool nx;                  /* CPUID.80000001:EDX[20] */
	bool pages_1g;            /* CPUID.80000001:EDX[26] */
	bool xsave;               /* CPUID.1:ECX[26] */
	bool x2apic;              /* CPUID.1:ECX[21] */
	bool tsc_deadline;        /* CPUID.1:ECX[24] */
	bool hypervisor;          /* CPUID.1:ECX[31]: we ourselves run as a guest */
	bool apic;                /* CPUID.1:EDX[9] */
	bool invariant_tsc;       /* CPUID.80000007:EDX[8] */
	struct vmx_caps vmx;
	struct svm_caps svm;
};

/* Fill the feature table from CPUID and MSRs. Call once, early, on the boot
 * CPU; never faults (MSRs that may be missing are read with rdmsr_safe). */
void cpufeat_init(void);

/* The table filled by cpufeat_init() (all zero before it ran). */
const struct cpufeat *cpufeat(void);

/* Print the `cpu:` and `virt:` banner lines (info level) and the full
 * capability detail (debug level). */
void cpufeat_print_banner(void);

#endif
