/* VMCS field encodings (SDM Vol. 3D Appendix B), the control bits this
 * hypervisor uses (SDM Vol. 3C 25.6-25.8), basic exit reasons (Appendix C)
 * and the VMREAD/VMWRITE wrappers. Only vmx/ includes this header. */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "core/types.h"
#include "core/addr.h"

/* 16-bit fields (B.1). */
#define VMCS_VPID                 0x0000
#define VMCS_GUEST_ES_SEL         0x0800   /* + 2 * segment index */
#define VMCS_GUEST_LDTR_SEL       0x080c
#define VMCS_GUEST_TR_SEL         0x080e
#define VMCS_HOST_ES_SEL          0x0c00
#define VMCS_HOST_CS_SEL          0x0c02
#define VMCS_HOST_SS_SEL          0x0c04
#define VMCS_HOST_DS_SEL          0x0c06
#define VMCS_HOST_FS_SEL          0x0c08
#define VMCS_HOST_GS_SEL          0x0c0a
#define VMCS_HOST_TR_SEL          0x0c0c

/* 64-bit fields (B.2). */
#define VMCS_IO_BITMAP_A          0x2000
#define VMCS_IO_BITMAP_B          0x2002
#define VMCS_MSR_BITMAP           0x2004
#define VMCS_EXIT_MSR_STORE_ADDR  0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR   0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR  0x200a
#define VMCS_TSC_OFFSET           0x2010
#define VMCS_EPT_POINTER          0x201a
#define VMCS_GUEST_PHYS_ADDR      0x2400
#define VMCS_LINK_POINTER         0x2800
#define VMCS_GUEST_DEBUGCTL       0x2802
#define VMCS_GUEST_PAT            0x2804
#define VMCS_GUEST_EFER           0x2806
#define VMCS_GUEST_PDPTE0         0x280a   /* + 2 * n, n = 0..3 */
#define VMCS_HOST_PAT             0x2c00
#define VMCS_HOST_EFER            0x2c02

/* 32-bit fields (B.3). */
#define VMCS_PIN_CTLS             0x4000
#define VMCS_PROC_CTLS            0x4002
#define VMCS_EXCEPTION_BITMAP     0x4004
#define VMCS_PF_ERR_MASK          0x4006
#define VMCS_PF_ERR_MATCH         0x4008
#define VMCS_CR3_TARGET_COUNT     0x400a
#define VMCS_EXIT_CTLS            0x400c
#define VMCS_EXIT_MSR_STORE_COUNT 0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT  0x4010
#define VMCS_ENTRY_CTLS           0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014
#define VMCS_ENTRY_INTR_INFO      0x4016
#define VMCS_ENTRY_EXC_ERROR      0x4018
#define VMCS_ENTRY_INSN_LEN       0x401a
#define VMCS_PROC_CTLS2           0x401e
#define VMCS_INSN_ERROR           0x4400
#define VMCS_EXIT_REASON          0x4402
#define VMCS_EXIT_INTR_INFO       0x4404
#define VMCS_EXIT_INTR_ERROR      0x4406
#define VMCS_IDT_VECTORING_INFO   0x4408
#define VMCS_IDT_VECTORING_ERROR  0x440a
#define VMCS_EXIT_INSN_LEN        0x440c
#define VMCS_GUEST_ES_LIMIT       0x4800   /* + 2 * segment index */
#define VMCS_GUEST_GDTR_LIMIT     0x4810
#define VMCS_GUEST_IDTR_LIMIT     0x4812
#define VMCS_GUEST_ES_AR          0x4814   /* + 2 * segment index */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY       0x4826
#define VMCS_GUEST_SYSENTER_CS    0x482a
#define VMCS_GUEST_PREEMPT_TIMER  0x482e
#define VMCS_HOST_SYSENTER_CS     0x4c00

/* Natural-width fields (B.4). */
#define VMCS_CR0_MASK             0x6000
#define VMCS_CR4_MASK             0x6002
#define VMCS_CR0_SHADOW           0x6004
#define VMCS_CR4_SHADOW           0x6006
#define VMCS_EXIT_QUALIFICATION   0x6400
#define VMCS_GUEST_LINEAR_ADDR    0x640a
#define VMCS_GUEST_CR0            0x6800
#define VMCS_GUEST_CR3            0x6802
#define VMCS_GUEST_CR4            0x6804
#define VMCS_GUEST_ES_BASE        0x6806   /* + 2 * segment index */
#define VMCS_GUEST_GDTR_BASE      0x6816
#define VMCS_GUEST_IDTR_BASE      0x6818
#define VMCS_GUEST_DR7            0x681a
#define VMCS_GUEST_RSP            0x681c
#define VMCS_GUEST_RIP            0x681e
#define VMCS_GUEST_RFLAGS         0x6820
#define VMCS_GUEST_PENDING_DBG    0x6822
#define VMCS_GUEST_SYSENTER_ESP   0x6824
#define VMCS_GUEST_SYSENTER_EIP   0x6826
#define VMCS_HOST_CR0             0x6c00
#define VMCS_HOST_CR3             0x6c02
#define VMCS_HOST_CR4             0x6c04
#define VMCS_HOST_FS_BASE         0x6c06
#define VMCS_HOST_GS_BASE         0x6c08
#define VMCS_HOST_TR_BASE         0x6c0a
#define VMCS_HOST_GDTR_BASE       0x6c0c
#define VMCS_HOST_IDTR_BASE       0x6c0e
#define VMCS_HOST_SYSENTER_ESP    0x6c10
#define VMCS_HOST_SYSENTER_EIP    0x6c12
#define VMCS_HOST_RSP             0x6c14
#define VMCS_HOST_RIP             0x6c16

/* Guest segment registers in VMCS order: field = base field + 2 * index. */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_NR };
#define VMCS_SEG_SEL(s)   (VMCS_GUEST_ES_SEL + 2 * (s))
#define VMCS_SEG_LIMIT(s) (VMCS_GUEST_ES_LIMIT + 2 * (s))
#define VMCS_SEG_AR(s)    (VMCS_GUEST_ES_AR + 2 * (s))
#define VMCS_SEG_BASE(s)  (VMCS_GUEST_ES_BASE + 2 * (s))
#define VMX_AR_UNUSABLE   BIT(16)          /* 25.4.1 access-rights bit 16 */

/* Pin-based controls (25.6.1). */
#define PIN_EXT_INTR_EXIT   BIT(0)
#define PIN_NMI_EXIT        BIT(3)
#define PIN_VIRTUAL_NMIS    BIT(5)
#define PIN_PREEMPT_TIMER   BIT(6)
/* Primary processor-based controls (25.6.2). */
#define PROC_INTR_WINDOW    BIT(2)
#define PROC_HLT_EXIT       BIT(7)
#define PROC_CR3_LOAD_EXIT  BIT(15)
#define PROC_CR3_STORE_EXIT BIT(16)
#define PROC_CR8_LOAD_EXIT  BIT(19)
#define PROC_CR8_STORE_EXIT BIT(20)
#define PROC_TPR_SHADOW     BIT(21)
#define PROC_NMI_WINDOW     BIT(22)
#define PROC_MOV_DR_EXIT    BIT(23)
#define PROC_UNCOND_IO_EXIT BIT(24)
#define PROC_USE_IO_BITMAPS BIT(25)
#define PROC_MTF            BIT(27)
#define PROC_USE_MSR_BITMAP BIT(28)
#define PROC_SECONDARY      BIT(31)
/* Secondary processor-based controls (25.6.2, table 25-7). */
#define PROC2_APIC_ACCESS   BIT(0)
#define PROC2_EPT           BIT(1)
#define PROC2_RDTSCP        BIT(3)
#define PROC2_X2APIC        BIT(4)
#define PROC2_VPID          BIT(5)
#define PROC2_UNRESTRICTED  BIT(7)
#define PROC2_APIC_REG_VIRT BIT(8)
#define PROC2_VIRT_INTR     BIT(9)
/* VM-exit controls (25.7.1). */
#define EXIT_SAVE_DEBUG     BIT(2)
#define EXIT_HOST_64BIT     BIT(9)
#define EXIT_SAVE_PAT       BIT(18)
#define EXIT_LOAD_PAT       BIT(19)
#define EXIT_SAVE_EFER      BIT(20)
#define EXIT_LOAD_EFER      BIT(21)
#define EXIT_SAVE_PREEMPT   BIT(22)
/* VM-entry controls (25.8.1). */
#define ENTRY_LOAD_DEBUG    BIT(2)
#define ENTRY_IA32E_GUEST   BIT(9)
#define ENTRY_SMM           BIT(10)
#define ENTRY_DUAL_MONITOR  BIT(11)
#define ENTRY_LOAD_PAT      BIT(14)
#define ENTRY_LOAD_EFER     BIT(15)

/* Interruption-information format (25.8.3, 28.2.2, 28.2.4). */
#define INTR_INFO_VECTOR_MASK 0xffu
#define INTR_INFO_TYPE_SHIFT  8
#define INTR_INFO_TYPE_MASK   (7u << 8)
#define INTR_INFO_HAS_ERROR   (1u << 11)
#define INTR_INFO_VALID       (1u << 31)
#define INTR_TYPE_EXT_INTR    0
#define INTR_TYPE_NMI         2
#define INTR_TYPE_HW_EXC      3
#define INTR_TYPE_SW_INTR     4
#define INTR_TYPE_PRIV_SW_EXC 5
#define INTR_TYPE_SW_EXC      6
#define INTR_TYPE_OTHER       7

/* Guest interruptibility state (25.4.2, table 25-3). */
#define INTERRUPTIBILITY_STI    BIT(0)
#define INTERRUPTIBILITY_MOV_SS BIT(1)
#define INTERRUPTIBILITY_SMI    BIT(2)
#define INTERRUPTIBILITY_NMI    BIT(3)

/* Exit reason field (28.2.1): basic reason and the entry-failure flag. */
#define EXIT_REASON_BASIC(r)   ((r) & 0xffff)
#define EXIT_REASON_FAILED     BIT(31)

/* Basic exit reasons (SDM Vol. 3C Appendix C). */
enum vmx_exit_reason {
	VMX_EXIT_EXC_NMI = 0, VMX_EXIT_EXT_INTR = 1, VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3, VMX_EXIT_SIPI = 4, VMX_EXIT_INTR_WINDOW = 7,
	VMX_EXIT_NMI_WINDOW = 8, VMX_EXIT_TASK_SWITCH = 9,
	VMX_EXIT_CPUID = 10, VMX_EXIT_GETSEC = 11, VMX_EXIT_HLT = 12, VMX_EXIT_INVD = 13,
	VMX_EXIT_INVLPG = 14, VMX_EXIT_RDPMC = 15, VMX_EXIT_RDTSC = 16, VMX_EXIT_RSM = 17,
	VMX_EXIT_VMCALL = 18, VMX_EXIT_VMCLEAR = 19, VMX_EXIT_VMLAUNCH = 20,
	VMX_EXIT_VMPTRLD = 21, VMX_EXIT_VMPTRST = 22, VMX_EXIT_VMREAD = 23,
	VMX_EXIT_VMRESUME = 24, VMX_EXIT_VMWRITE = 25, VMX_EXIT_VMXOFF = 26,
	VMX_EXIT_VMXON = 27, VMX_EXIT_CR_ACCESS = 28, VMX_EXIT_DR_ACCESS = 29,
	VMX_EXIT_IO = 30, VMX_EXIT_RDMSR = 31, VMX_EXIT_WRMSR = 32,
	VMX_EXIT_BAD_GUEST_STATE = 33, VMX_EXIT_MSR_LOADING = 34, VMX_EXIT_MWAIT = 36,
	VMX_EXIT_MTF = 37, VMX_EXIT_MONITOR = 39, VMX_EXIT_PAUSE = 40,
	VMX_EXIT_MACHINE_CHECK = 41, VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49, VMX_EXIT_INVEPT = 50, VMX_EXIT_RDTSCP = 51,
	VMX_EXIT_PREEMPT_TIMER = 52, VMX_EXIT_INVVPID = 53, VMX_EXIT_WBINVD = 54,
	VMX_EXIT_XSETBV = 55, VMX_EXIT_RDRAND = 57, VMX_EXIT_INVPCID = 58,
	VMX_EXIT_VMFUNC = 59, VMX_EXIT_RDSEED = 61, VMX_EXIT_XSAVES = 63,
	VMX_EXIT_XRSTORS = 64, VMX_EXIT_NR = 80
};

/* Read a field of the current VMCS. A failure (no current VMCS, unknown
 * field) is a hypervisor bug: panics with the VM-instruction error. */
u64 vmcs_read(u32 field);

/* Write a field of the current VMCS; panics like vmcs_read() on failure. */
void vmcs_write(u32 field, u64 val);

/* Set / clear bits of a 32-bit control field. */
void vmcs_set_bits(u32 field, u64 bits);
void vmcs_clear_bits(u32 field, u64 bits);

/* Printable meaning of VM-instruction error number n (SDM Vol. 3C 31.4). */
const char *vmx_insn_error_name(u32 n);

#endif
