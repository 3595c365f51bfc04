/* The VMRUN consistency checks of APM Vol. 2 15.5.1 in software (pure:
 * svm/svm_check.c takes the VMCB bytes and the CPU facts as inputs), so a
 * VMEXIT_INVALID can name the rule the VMCB broke. */
#ifndef SVM_SVM_CHECK_H
#define SVM_SVM_CHECK_H

#include "core/types.h"
#include "svm/vmcb.h"

/* What the checks need to know about the CPU. */
struct svm_check_cpu {
	u8 phys_bits;           /* MAXPHYADDR, CPUID Fn8000_0008 EAX[7:0] */
	bool long_mode;         /* CPUID Fn8000_0001 EDX[29] */
	bool flush_by_asid;     /* CPUID Fn8000_000A EDX[6]: TLB_CONTROL 3 and 7 */
};

/* One rule each, in the order of the APM 15.5.1 list (then the controls
 * pagevisor sets that 15.16.1 and 15.25.3 constrain). */
enum svm_rule {
	SVMC_EFER_SVME,         /* EFER.SVME = 0 */
	SVMC_CR0_CD_NW,         /* CR0.CD = 0 with CR0.NW = 1 */
	SVMC_CR0_HIGH,          /* CR0[63:32] not zero */
	SVMC_CR3_MBZ,           /* CR3 sets a must-be-zero bit */
	SVMC_CR4_MBZ,           /* CR4 sets a must-be-zero bit */
	SVMC_DR6_HIGH,          /* DR6[63:32] not zero */
	SVMC_DR7_HIGH,          /* DR7[63:32] not zero */
	SVMC_EFER_MBZ,          /* EFER sets a must-be-zero bit */
	SVMC_EFER_LM_UNSUP,     /* EFER.LME/LMA without long mode on the CPU */
	SVMC_LM_NO_PAE,         /* EFER.LME, CR0.PG and CR4.PAE = 0 */
	SVMC_LM_NO_PE,          /* EFER.LME, CR0.PG and CR0.PE = 0 */
	SVMC_LM_CS_LD,          /* EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D */
	SVMC_VMRUN_INTERCEPT,   /* VMRUN intercept clear */
	SVMC_MSRPM_RANGE,       /* MSRPM reaches MAXPHYADDR */
	SVMC_IOPM_RANGE,        /* IOPM reaches MAXPHYADDR */
	SVMC_EVENT_TYPE,        /* EVENTINJ of a reserved type */
	SVMC_EVENT_VECTOR,      /* EVENTINJ exception with vector 2 or > 31 */
	SVMC_ASID_ZERO,         /* ASID = 0 */
	SVMC_TLB_CONTROL,       /* TLB_CONTROL reserved value */
	SVMC_NCR3_RANGE,        /* nested paging with nCR3 beyond MAXPHYADDR */
	SVMC_GPAT,              /* nested paging with a reserved type in G_PAT */
	SVMC_NR
};

/* Bit r (1u << r) set for every enum svm_rule the VMCB breaks on a CPU
 * described by cpu; 0 when none does. */
u32 svm_check_vmcb(const struct vmcb *vmcb, const struct svm_check_cpu *cpu);

/* The rule's one-line description ("EFER.SVME = 0"). */
const char *svm_rule_name(enum svm_rule r);

/* The first rule set in a svm_check_vmcb result (SVMC_NR when none). */
enum svm_rule svm_rule_first(u32 violated);

#endif
