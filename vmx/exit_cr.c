/* Control-register access exits (reason 28): MOV to CR0/CR4 changing a bit
 * the guest/host masks own (the bits VMX forces, CR4.VMXE), emulated with
 * the architectural #GP checks and the long-mode switch (EFER.LMA and the
 * "IA-32e mode guest" entry control); CR3/CR8 moves when the CPU forces
 * their exiting. SDM Vol. 3C 26.1.3, 28.2.1 table 28-3; Vol. 3A 2.5. */
#include <stddef.h>
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/exit.h"
#include "core/cpu.h"
#include "core/emulate.h"
#include "core/log.h"

#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define AR_L   BIT(13)         /* access rights: 64-bit code segment */
#define GPR_RSP 4

/* struct guest_gprs offsets by the register number of the exit
 * qualification (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI). */
#define G(r) offsetof(struct guest_gprs, r)
static const u8 gpr_offset[16] = {
	G(rax), G(rcx), G(rdx), G(rbx), 0, G(rbp), G(rsi), G(rdi),
	G(r8), G(r9), G(r10), G(r11), G(r12), G(r13), G(r14), G(r15),
};

static u64 gpr_get(struct vcpu *v, unsigned n)
{
	if (n == GPR_RSP)
		return vmcs_read(VMCS_GUEST_RSP);
	return *(u64 *)((u8 *)&v->gprs + gpr_offset[n]);
}

static void gpr_set(struct vcpu *v, unsigned n, u64 val)
{
	if (n == GPR_RSP)
		vmcs_write(VMCS_GUEST_RSP, val);
	else
		*(u64 *)((u8 *)&v->gprs + gpr_offset[n]) = val;
}

static bool in_64bit_code(void)
{
	return (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
	       (vmcs_read(VMCS_SEG_AR(SEG_CS)) & AR_L);
}

/* With EPT, PAE paging outside long mode takes its PDPTEs from the VMCS
 * (SDM Vol. 3C 27.3.2.4); a MOV to CR0/CR3/CR4 we emulate must load them
 * as the CPU would (Vol. 3A 4.4.1). Returns false when they are unreadable. */
static bool load_pdptes(struct vcpu *v)
{
	u64 cr0 = vmx_get_reg(v, VREG_CR0), cr4 = vmx_get_reg(v, VREG_CR4);
	u64 pdpte[4];
	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA))
		return true;
	gpa_t table = gpa(vmcs_read(VMCS_GUEST_CR3) & 0xffffffe0u);
	if (gmem_read(&v->vm->mem, table, pdpte, sizeof(pdpte)) < 0)
		return false;
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return true;
}

/* Turning paging on with EFER.LME activates long mode, turning it off
 * leaves it (SDM Vol. 3A 10.8.5); VMX does not do this for an emulated
 * write, so EFER.LMA and the entry control follow here. */
static bool cr0_write_ok(struct vcpu *v, u64 old, u64 val, u64 efer)
{
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) &&
	    !(vmx_get_reg(v, VREG_CR4) & CR4_PAE))
		return false;
	return !((old & CR0_PG) && !(val & CR0_PG) && in_64bit_code());
}

/* Returns false when the write is a #GP. */
static bool mov_to_cr0(struct vcpu *v, u64 val)
{
	u64 old = vmx_get_reg(v, VREG_CR0), efer = vmcs_read(VMCS_GUEST_EFER);
	if (!in_64bit_code())
		val = (u32)val;
	if (!cr0_write_ok(v, old, val, efer))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(val & CR0_PG))
		efer &= ~EFER_LMA;
	vmx_set_reg(v, VREG_CR0, val);
	vmx_set_reg(v, VREG_EFER, efer);
	return true;
}

/* CR4.VMXE is hidden: the guest sees no VMX, so setting it is #GP as on a
 * CPU without VMX (Vol. 3A 2.5), as is any bit VMX operation forbids. */
static bool mov_to_cr4(struct vcpu *v, u64 val)
{
	if (!in_64bit_code())
		val = (u32)val;
	if ((val & CR4_VMXE) || (val & ~vmx_ctl.cr4_fixed1) ||
	    ((vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && !(val & CR4_PAE)))
		return false;
	vmx_set_reg(v, VREG_CR4, val);
	return true;
}

static enum exit_action mov_to_cr(struct vcpu *v, unsigned cr, u64 val)
{
	bool ok = true;
	switch (cr) {
	case 0: ok = mov_to_cr0(v, val); break;
	case 3: vmx_set_reg(v, VREG_CR3, in_64bit_code() ? val : (u32)val); break;
	case 4: ok = mov_to_cr4(v, val); break;
	case 8:                             /* the virtual local APIC's TPR */
		ok = val <= 0xf;
		if (ok)
			emu_cr8_write(v, val);
		break;
	default: return emu_unhandled_exit(v, "VMX", VMX_EXIT_CR_ACCESS, "MOV to CR");
	}
	if (!ok)
		return vmx_inject_gp(v);  /* RIP stays on the faulting MOV */
	if (!load_pdptes(v)) {
		vm_kill(v->vm, "PAE page-directory-pointer table at CR3 0x%lx unreadable",
			vmcs_read(VMCS_GUEST_CR3));
		return EXIT_KILL;
	}
	vmx_skip_insn(v);
	return EXIT_RESUME;
}

/* Exit qualification (28.2.1 table 28-3): CR number bits 3:0, access type
 * bits 5:4 (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW), register 11:8. */
enum exit_action vmx_exit_cr_access(struct vcpu *v, u32 reason)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 0xf, type = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	if (type == 0)
		return mov_to_cr(v, cr, gpr_get(v, reg));
	if (type == 1 && (cr == 3 || cr == 8)) {
		gpr_set(v, reg, cr == 3 ? vmcs_read(VMCS_GUEST_CR3) : emu_cr8_read(v));
		vmx_skip_insn(v);
		return EXIT_RESUME;
	}
	return emu_unhandled_exit(v, "VMX", reason, type == 2 ? "CLTS" : type == 3 ? "LMSW" :
				  "MOV from CR");
}
