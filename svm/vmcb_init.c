/* The guest VMCB of a vCPU in the Multiboot start state: intercepts, the
 * nested-paging and permission-map pointers, and the guest state save area.
 * Pure (no hypervisor services): the host unit tests build the same VMCB
 * as the known-good input of the VMRUN consistency checks. */
#include "svm/vmcb.h"
#include "core/vcpu.h"

#define VMCB_ATTR_CODE32 0xc9b   /* P, DPL 0, code exec/read accessed, D, G */
#define VMCB_ATTR_DATA32 0xc93   /* P, DPL 0, data read/write accessed, D/B, G */
#define VMCB_ATTR_TSS32  0x08b   /* P, busy 32-bit TSS */
#define VMCB_DR6_INIT    0xffff0ff0ull
#define VMCB_DR7_INIT    0x400ull
#define VMCB_PAT_INIT    0x0007040600070406ull   /* the power-on PAT */
#define VMCB_RFLAGS_FIXED BIT(1)

static void vmcb_set_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u32 limit)
{
	*s = (struct vmcb_seg){ .sel = sel, .attrib = attrib, .limit = limit, .base = 0 };
}

/* Intercepts (APM Vol. 2 15.9-15.13): CPUID, HLT, XSETBV (the guest's XCR0
 * is checked and switched per vCPU), every port and MSR, shutdown, physical
 * interrupts and NMIs (taken by the host after STGI), and every SVM
 * instruction: VMRUN must be intercepted (15.5.1) and unintercepted
 * VMLOAD/VMSAVE would take host-physical addresses from the guest. DR
 * accesses are not intercepted (svm/msr.c switches DR0-3). */
static void vmcb_init_control(struct vmcb_control *c, u64 iopm_pa, u64 msrpm_pa, u64 ncr3)
{
	c->intercept_misc1 = VMCB_I1_INTR | VMCB_I1_NMI | VMCB_I1_CPUID | VMCB_I1_HLT | VMCB_I1_INVD |
			     VMCB_I1_INVLPGA | VMCB_I1_IOIO_PROT | VMCB_I1_MSR_PROT |
			     VMCB_I1_SHUTDOWN;
	c->intercept_misc2 = VMCB_I2_VMRUN | VMCB_I2_VMMCALL | VMCB_I2_VMLOAD |
			     VMCB_I2_VMSAVE | VMCB_I2_STGI | VMCB_I2_CLGI | VMCB_I2_SKINIT |
			     VMCB_I2_XSETBV;
	c->intercept_exc = VMCB_EXC_DF;    /* see svm_exit_df() in svm/exit.c */
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->vintr = VMCB_VINTR_MASKING;      /* host RFLAGS.IF masks physical INTR (15.21.1) */
	c->np_ctl = VMCB_NP_ENABLE;         /* 15.25.3 */
	c->n_cr3 = ncr3;
	c->asid = 0;                        /* assigned before each VMRUN (svm/asid.c) */
}

/* Multiboot machine state (Multiboot spec 3.2): 32-bit protected mode,
 * paging off, flat segments; EFER.SVME set as APM Vol. 2 15.5.1 requires. */
static void vmcb_init_save(struct vmcb_save *s, const struct vcpu_boot_state *boot)
{
	vmcb_set_seg(&s->cs, 0x08, VMCB_ATTR_CODE32, 0xffffffff);
	vmcb_set_seg(&s->ds, 0x10, VMCB_ATTR_DATA32, 0xffffffff);
	vmcb_set_seg(&s->es, 0x10, VMCB_ATTR_DATA32, 0xffffffff);
	vmcb_set_seg(&s->fs, 0x10, VMCB_ATTR_DATA32, 0xffffffff);
	vmcb_set_seg(&s->gs, 0x10, VMCB_ATTR_DATA32, 0xffffffff);
	vmcb_set_seg(&s->ss, 0x10, VMCB_ATTR_DATA32, 0xffffffff);
	vmcb_set_seg(&s->tr, 0, VMCB_ATTR_TSS32, 0x67);
	vmcb_set_seg(&s->ldtr, 0, 0, 0);
	vmcb_set_seg(&s->gdtr, 0, 0, 0xffff);
	vmcb_set_seg(&s->idtr, 0, 0, 0xffff);
	s->cpl = 0;
	s->cr0 = VMCB_CR0_PE | VMCB_CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = VMCB_EFER_SVME;
	s->dr6 = VMCB_DR6_INIT;
	s->dr7 = VMCB_DR7_INIT;
	s->g_pat = VMCB_PAT_INIT;
	s->rflags = VMCB_RFLAGS_FIXED;
	s->rip = boot->eip;
	s->rax = boot->eax;
}

void vmcb_init_multiboot(struct vmcb *vmcb, u64 iopm_pa, u64 msrpm_pa, u64 ncr3,
			 const struct vcpu_boot_state *boot)
{
	vmcb_init_control(&vmcb->ctl, iopm_pa, msrpm_pa, ncr3);
	vmcb_init_save(&vmcb->save, boot);
}
