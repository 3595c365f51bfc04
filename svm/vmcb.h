/* The AMD Virtual Machine Control Block: a 4 KiB page with the control
 * area at 0x000-0x3FF and the guest state save area at 0x400 (APM Vol. 2
 * Appendix B, Tables B-1 and B-2). Field offsets are checked at compile
 * time; intercept bits, exit codes and event-injection fields live here too. */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "core/types.h"

/* Segment register in the state save area (APM Vol. 2 B-2): the attribute
 * word packs descriptor bits 47:40 into 7:0 and bits 55:52 into 11:8. */
struct vmcb_seg {
	u16 sel;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");

/* Control area (APM Vol. 2 Table B-1). */
struct vmcb_control {
	u32 intercept_cr;          /* 0x000: reads 15:0, writes 31:16 */
	u32 intercept_dr;          /* 0x004 */
	u32 intercept_exc;         /* 0x008: one bit per exception vector */
	u32 intercept_misc1;       /* 0x00C: INTR .. SHUTDOWN */
	u32 intercept_misc2;       /* 0x010: VMRUN .. */
	u32 intercept_misc3;       /* 0x014: INVLPGB .. */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_thresh;   /* 0x03C */
	u16 pause_filter_count;    /* 0x03E */
	u64 iopm_base_pa;          /* 0x040 */
	u64 msrpm_base_pa;         /* 0x048 */
	u64 tsc_offset;            /* 0x050 */
	u32 asid;                  /* 0x058 */
	u8 tlb_control;            /* 0x05C */
	u8 reserved_05d[3];
	u64 vintr;                 /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING ... */
	u64 int_state;             /* 0x068: bit 0 interrupt shadow */
	u64 exit_code;             /* 0x070 */
	u64 exit_info1;            /* 0x078 */
	u64 exit_info2;            /* 0x080 */
	u64 exit_int_info;         /* 0x088 */
	u64 np_ctl;                /* 0x090: bit 0 NP_ENABLE */
	u64 avic_apic_bar;         /* 0x098 */
	u64 ghcb_pa;               /* 0x0A0 */
	u64 event_inj;             /* 0x0A8 */
	u64 n_cr3;                 /* 0x0B0 */
	u64 virt_ext;              /* 0x0B8: LBR virtualization, VMSAVE/VMLOAD virt. */
	u32 clean_bits;            /* 0x0C0 */
	u32 reserved_0c4;
	u64 next_rip;              /* 0x0C8: nRIP (NRIP save) */
	u8 insn_len;               /* 0x0D0: bytes fetched (decode assists) */
	u8 insn_bytes[15];         /* 0x0D1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

/* State save area (APM Vol. 2 Table B-2), offsets relative to 0x400. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;   /* 0x000 .. 0x05F */
	struct vmcb_seg gdtr, ldtr, idtr, tr;     /* 0x060 .. 0x09F */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;                    /* 0x0CB */
	u32 reserved_0cc;
	u64 efer;                  /* 0x0D0 */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;                   /* 0x148 */
	u64 cr3;                   /* 0x150 */
	u64 cr0;                   /* 0x158 */
	u64 dr7;                   /* 0x160 */
	u64 dr6;                   /* 0x168 */
	u64 rflags;                /* 0x170 */
	u64 rip;                   /* 0x178 */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;                   /* 0x1D8 */
	u64 s_cet, ssp, isst_addr; /* 0x1E0 .. 0x1F7 */
	u64 rax;                   /* 0x1F8 */
	u64 star;                  /* 0x200 */
	u64 lstar;                 /* 0x208 */
	u64 cstar;                 /* 0x210 */
	u64 sfmask;                /* 0x218 */
	u64 kernel_gs_base;        /* 0x220 */
	u64 sysenter_cs;           /* 0x228 */
	u64 sysenter_esp;          /* 0x230 */
	u64 sysenter_eip;          /* 0x238 */
	u64 cr2;                   /* 0x240 */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;                 /* 0x268 */
	u64 dbgctl;                /* 0x270 */
	u64 br_from, br_to;        /* 0x278, 0x280 */
	u64 last_excp_from, last_excp_to;   /* 0x288, 0x290 */
	u8 reserved_298[0xc00 - 0x298];
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __packed;

#define VMCB_CHECK(type, field, off) \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), #type "." #field)
VMCB_CHECK(vmcb_control, intercept_misc1, 0x00c);
VMCB_CHECK(vmcb_control, intercept_misc2, 0x010);
VMCB_CHECK(vmcb_control, pause_filter_thresh, 0x03c);
VMCB_CHECK(vmcb_control, iopm_base_pa, 0x040);
VMCB_CHECK(vmcb_control, msrpm_base_pa, 0x048);
VMCB_CHECK(vmcb_control, asid, 0x058);
VMCB_CHECK(vmcb_control, tlb_control, 0x05c);
VMCB_CHECK(vmcb_control, vintr, 0x060);
VMCB_CHECK(vmcb_control, exit_code, 0x070);
VMCB_CHECK(vmcb_control, exit_info1, 0x078);
VMCB_CHECK(vmcb_control, exit_info2, 0x080);
VMCB_CHECK(vmcb_control, exit_int_info, 0x088);
VMCB_CHECK(vmcb_control, np_ctl, 0x090);
VMCB_CHECK(vmcb_control, event_inj, 0x0a8);
VMCB_CHECK(vmcb_control, n_cr3, 0x0b0);
VMCB_CHECK(vmcb_control, clean_bits, 0x0c0);
VMCB_CHECK(vmcb_control, next_rip, 0x0c8);
VMCB_CHECK(vmcb_control, insn_len, 0x0d0);
VMCB_CHECK(vmcb, save, 0x400);
VMCB_CHECK(vmcb_save, gdtr, 0x060);
VMCB_CHECK(vmcb_save, tr, 0x090);
VMCB_CHECK(vmcb_save, cpl, 0x0cb);
VMCB_CHECK(vmcb_save, efer, 0x0d0);
VMCB_CHECK(vmcb_save, cr4, 0x148);
VMCB_CHECK(vmcb_save, cr0, 0x158);
VMCB_CHECK(vmcb_save, rip, 0x178);
VMCB_CHECK(vmcb_save, rsp, 0x1d8);
VMCB_CHECK(vmcb_save, rax, 0x1f8);
VMCB_CHECK(vmcb_save, kernel_gs_base, 0x220);
VMCB_CHECK(vmcb_save, cr2, 0x240);
VMCB_CHECK(vmcb_save, g_pat, 0x268);
_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "the VMCB is one page");

/* Intercept vector 3 (VMCB 0x00C), APM Vol. 2 Table B-1. */
#define VMCB_I1_INTR      BIT(0)
#define VMCB_I1_NMI       BIT(1)
#define VMCB_I1_VINTR     BIT(4)
#define VMCB_I1_CPUID     BIT(18)
#define VMCB_I1_IRET      BIT(20)
#define VMCB_I1_INVD      BIT(22)
#define VMCB_I1_HLT       BIT(24)
#define VMCB_I1_INVLPGA   BIT(26)
#define VMCB_I1_IOIO_PROT BIT(27)
#define VMCB_I1_MSR_PROT  BIT(28)
#define VMCB_I1_SHUTDOWN  BIT(31)
/* Intercept vector 4 (VMCB 0x010). */
#define VMCB_I2_VMRUN     BIT(0)
#define VMCB_I2_VMMCALL   BIT(1)
#define VMCB_I2_VMLOAD    BIT(2)
#define VMCB_I2_VMSAVE    BIT(3)
#define VMCB_I2_STGI      BIT(4)
#define VMCB_I2_CLGI      BIT(5)
#define VMCB_I2_SKINIT    BIT(6)
#define VMCB_I2_RDTSCP    BIT(7)
#define VMCB_I2_XSETBV    BIT(13)

/* Architectural bits of the saved CR0/CR4/EFER that the VMCB code tests
 * (APM Vol. 2 3.1.1, 3.1.3, 3.1.7); pure svm/ files use these instead of
 * core/cpu.h, which only the hypervisor image includes. */
#define VMCB_CR0_PE        BIT(0)
#define VMCB_CR0_ET        BIT(4)
#define VMCB_CR0_NW        BIT(29)
#define VMCB_CR0_CD        BIT(30)
#define VMCB_CR0_PG        BIT(31)
#define VMCB_CR4_PAE       BIT(5)
#define VMCB_EFER_LME      BIT(8)
#define VMCB_EFER_LMA      BIT(10)
#define VMCB_EFER_SVME     BIT(12)
#define VMCB_ATTR_L        BIT(9)      /* segment attrib: descriptor bit 53 */
#define VMCB_ATTR_D        BIT(10)     /* descriptor bit 54 */

#define VMCB_EXC_DF        BIT(8)      /* 0x008: intercept #DF */
#define VMCB_VINTR_MASKING BIT(24)     /* 0x060: host IF masks physical INTR */
#define VMCB_V_TPR_MASK    0xffull     /* 0x060: V_TPR bits 3:0 (CR8) */
#define VMCB_V_IRQ         BIT(8)      /* 0x060: a virtual interrupt is pending */
#define VMCB_V_INTR_PRIO(p) ((u64)(p) << 16)
#define VMCB_V_IGN_TPR     BIT(20)
#define VMCB_INT_SHADOW    BIT(0)      /* 0x068 */
#define VMCB_NP_ENABLE     BIT(0)      /* 0x090 */

/* TLB_CONTROL (APM Vol. 2 15.16.1). */
#define VMCB_TLB_NOTHING   0
#define VMCB_TLB_FLUSH_ALL 1           /* every ASID: all processors */
#define VMCB_TLB_FLUSH_ASID 3          /* this guest's ASID: needs flush-by-ASID */

/* EXITINTINFO / EVENTINJ (APM Vol. 2 15.20, 15.7.2). */
#define VMCB_EV_VECTOR(x)  ((u8)((x) & 0xff))
#define VMCB_EV_TYPE(x)    ((u8)(((x) >> 8) & 7))
#define VMCB_EV_ERR_VALID  BIT(11)
#define VMCB_EV_VALID      BIT(31)
#define VMCB_EV_ERROR(x)   ((u32)((x) >> 32))
#define VMCB_EV_TYPE_INTR  0
#define VMCB_EV_TYPE_NMI   2
#define VMCB_EV_TYPE_EXC   3
#define VMCB_EV_TYPE_SWINT 4

/* Exit codes (APM Vol. 2 Appendix C). */
#define SVM_EXIT_EXC(v)    (0x040 + (v))   /* exception vector v intercepted */
#define SVM_EXIT_INTR      0x060
#define SVM_EXIT_NMI       0x061
#define SVM_EXIT_VINTR     0x064
#define SVM_EXIT_IRET      0x074
#define SVM_EXIT_CPUID     0x072
#define SVM_EXIT_INVD      0x076
#define SVM_EXIT_HLT       0x078
#define SVM_EXIT_INVLPGA   0x07a
#define SVM_EXIT_IOIO      0x07b
#define SVM_EXIT_MSR       0x07c
#define SVM_EXIT_SHUTDOWN  0x07f
#define SVM_EXIT_VMRUN     0x080
#define SVM_EXIT_VMMCALL   0x081
#define SVM_EXIT_VMLOAD    0x082
#define SVM_EXIT_VMSAVE    0x083
#define SVM_EXIT_STGI      0x084
#define SVM_EXIT_CLGI      0x085
#define SVM_EXIT_SKINIT    0x086
#define SVM_EXIT_RDTSCP    0x087
#define SVM_EXIT_XSETBV    0x08d
#define SVM_EXIT_NPF       0x400
#define SVM_EXIT_MAX       SVM_EXIT_NPF
#define SVM_EXIT_INVALID   (~0ull)     /* VMRUN consistency check failed */

/* IOIO EXITINFO1 (APM Vol. 2 15.10.2, Figure 15-2). */
#define SVM_IOIO_IN        BIT(0)
#define SVM_IOIO_STR       BIT(2)
#define SVM_IOIO_REP       BIT(3)
#define SVM_IOIO_SZ8       BIT(4)
#define SVM_IOIO_SZ16      BIT(5)
#define SVM_IOIO_SZ32      BIT(6)
#define SVM_IOIO_PORT(x)   ((u16)((x) >> 16))

/* NPF EXITINFO1: page-fault error code (APM Vol. 2 15.25.6). */
#define SVM_NPF_PRESENT    BIT(0)
#define SVM_NPF_WRITE      BIT(1)
#define SVM_NPF_FETCH      BIT(4)

#define SVM_IOPM_PAGES  3              /* 12 KiB (APM Vol. 2 15.10.1) */
#define SVM_MSRPM_PAGES 2              /* 8 KiB (APM Vol. 2 15.11) */

struct vcpu_boot_state;

/* svm/vmcb_init.c (pure): fill the zeroed *vmcb for a vCPU starting in the
 * Multiboot state `boot`, with the shared IOPM/MSRPM and the VM's NPT root.
 * The ASID stays 0 until svm/asid.c assigns one before VMRUN. */
void vmcb_init_multiboot(struct vmcb *vmcb, u64 iopm_pa, u64 msrpm_pa, u64 ncr3,
			 const struct vcpu_boot_state *boot);

#endif
