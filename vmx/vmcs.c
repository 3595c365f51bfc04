/* VMCS access and set-up: VMREAD/VMWRITE with error reporting, the current
 * VMCS of this CPU, a vCPU's VMCS built from the control words of vmx.c,
 * the hypervisor's host state and the Multiboot guest state, and the
 * register accessors of vmx_ops (CR0/CR4 as the guest sees them). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/gdt.h"
#include "core/panic.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define PAT_DEFAULT      0x0007040600070406ull   /* SDM Vol. 3A 13.12.4 */
#define RFLAGS_FIXED     BIT(1)

static hpa_t vmcs_current = { FRAME_INVALID };   /* this CPU's current VMCS */

/* VM-instruction error of the current VMCS, without checking (the field
 * is only meaningful after VMfailValid). */
static u32 vmcs_insn_error(void)
{
	u64 val = 0;
	__asm__ volatile("vmread %1, %0" : "=r"(val) : "r"((u64)VMCS_INSN_ERROR) : "cc");
	return (u32)val;
}

static __noreturn void vmcs_fail(const char *insn, u32 field)
{
	u32 err = vmcs_insn_error();
	panic("vmx: %s of field 0x%x failed: VM-instruction error %u (%s)", insn, field,
	      err, vmx_insn_error_name(err));
}

u64 vmcs_read(u32 field)
{
	u64 val;
	u8 fail;
	__asm__ volatile("vmread %2, %1; setna %0" : "=q"(fail), "=r"(val)
			 : "r"((u64)field) : "cc");
	if (unlikely(fail))
		vmcs_fail("VMREAD", field);
	return val;
}

void vmcs_write(u32 field, u64 val)
{
	u8 fail;
	__asm__ volatile("vmwrite %2, %1; setna %0" : "=q"(fail)
			 : "r"((u64)field), "r"(val) : "cc", "memory");
	if (unlikely(fail))
		vmcs_fail("VMWRITE", field);
}

void vmcs_set_bits(u32 field, u64 bits) { vmcs_write(field, vmcs_read(field) | bits); }
void vmcs_clear_bits(u32 field, u64 bits) { vmcs_write(field, vmcs_read(field) & ~bits); }

static void vmcs_clear(hpa_t vmcs)
{
	u8 fail;
	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(vmcs.v) : "cc", "memory");
	if (fail)
		panic("vmx: VMCLEAR of 0x%lx failed", vmcs.v);
	if (vmcs_current.v == vmcs.v)
		vmcs_current = hpa(FRAME_INVALID);
}

void vmx_vmcs_load(struct vcpu *v)
{
	hpa_t vmcs = vmx_vcpu(v)->vmcs;
	u8 fail;
	if (vmcs_current.v == vmcs.v)
		return;
	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(vmcs.v) : "cc", "memory");
	if (fail)
		panic("vmx: VMPTRLD of 0x%lx failed", vmcs.v);
	vmcs_current = vmcs;
}

u64 vmx_cr0_forced(u64 visible)
{
	return (visible | (vmx_ctl.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_ctl.cr0_fixed1;
}

u64 vmx_cr4_forced(u64 visible)
{
	return (visible | vmx_ctl.cr4_fixed0 | CR4_VMXE) & vmx_ctl.cr4_fixed1;
}

/* SDM Vol. 3C 26.3.1.1 / 27.2: the "IA-32e mode guest" entry control must
 * equal EFER.LMA whenever the entry loads EFER. */
void vmx_sync_ia32e(u64 efer)
{
	u64 entry = vmcs_read(VMCS_ENTRY_CTLS);
	u64 want = (efer & EFER_LMA) ? entry | ENTRY_IA32E_GUEST : entry & ~ENTRY_IA32E_GUEST;
	if (want != entry)
		vmcs_write(VMCS_ENTRY_CTLS, want);
}

/* Execution, exit and entry controls (SDM Vol. 3C 25.6-25.8). */
static void vmcs_setup_controls(struct vm *vm)
{
	vmcs_write(VMCS_PIN_CTLS, vmx_ctl.pin);
	vmcs_write(VMCS_PROC_CTLS, vmx_ctl.proc);
	vmcs_write(VMCS_PROC_CTLS2, vmx_ctl.proc2);
	vmcs_write(VMCS_EXIT_CTLS, vmx_ctl.exit);
	vmcs_write(VMCS_ENTRY_CTLS, vmx_ctl.entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERR_MASK, 0);
	vmcs_write(VMCS_PF_ERR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_MSR_BITMAP, vmx_ctl.msr_bitmap.v);
	vmcs_write(VMCS_EPT_POINTER, vmx_vm(vm)->eptp);
	if (vmx_ctl.proc2 & PROC2_VPID)
		vmcs_write(VMCS_VPID, vmx_vm(vm)->vpid);
	vmcs_write(VMCS_CR0_MASK, vmx_ctl.cr0_mask);
	vmcs_write(VMCS_CR4_MASK, vmx_ctl.cr4_mask);
}

struct __packed desc_ptr { u16 limit; u64 base; };

/* The hypervisor's state loaded at every VM exit (SDM Vol. 3C 25.5, 28.5). */
static void vmcs_setup_host(void)
{
	struct desc_ptr idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, GDT_CODE);
	vmcs_write(VMCS_HOST_SS_SEL, GDT_DATA);
	vmcs_write(VMCS_HOST_DS_SEL, GDT_DATA);
	vmcs_write(VMCS_HOST_ES_SEL, GDT_DATA);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, GDT_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_TR_BASE, tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt_base());
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_stub);
}

static void vmcs_setup_seg(enum vmx_seg s, u16 sel, u32 limit, u32 ar)
{
	vmcs_write(VMCS_SEG_SEL(s), sel);
	vmcs_write(VMCS_SEG_BASE(s), 0);
	vmcs_write(VMCS_SEG_LIMIT(s), limit);
	vmcs_write(VMCS_SEG_AR(s), ar);
}

/* Multiboot machine state (Multiboot spec 3.2): flat 32-bit protected mode,
 * paging off; TR a busy 32-bit TSS and LDTR unusable as the entry checks
 * demand (SDM Vol. 3C 27.3.1.2). */
static void vmcs_setup_guest(const struct vcpu_boot_state *boot)
{
	static const enum vmx_seg data[] = { SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
	for (size_t i = 0; i < ARRAY_SIZE(data); i++)
		vmcs_setup_seg(data[i], 0x10, 0xffffffff, 0xc093);
	vmcs_setup_seg(SEG_CS, 0x08, 0xffffffff, 0xc09b);
	vmcs_setup_seg(SEG_LDTR, 0, 0, VMX_AR_UNUSABLE);
	vmcs_setup_seg(SEG_TR, 0, 0x67, 0x8b);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_forced(CR0_PE | CR0_ET));
	vmcs_write(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_forced(0));
	vmcs_write(VMCS_CR4_SHADOW, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, boot->eip);
	vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_GUEST_PAT, PAT_DEFAULT);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);            /* active (25.4.2) */
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);           /* 27.3.1.5 */
}

/* vmx_ops.vcpu_create: a cleared VMCS with the revision identifier (SDM Vol.
 * 3C 25.2), made current and filled. The VM's EPT exists (vm_init).
 * Returns E_NOMEM with nothing allocated. */
int vmx_vcpu_create(struct vcpu *v, const struct vcpu_boot_state *boot)
{
	struct vmx_vcpu *x = kzalloc(sizeof(*x));
	if (!x)
		return E_NOMEM;
	x->vmcs = frame_alloc_zeroed(FRAME_HYP, v->vm->id);
	if (!frame_is_valid(x->vmcs)) {
		kfree(x);
		return E_NOMEM;
	}
	*(u32 *)hpa_to_ptr(x->vmcs) = cpufeat()->vmx.vmcs_revision;
	v->arch = x;
	vmcs_clear(x->vmcs);
	vmx_vmcs_load(v);
	vmcs_setup_controls(v->vm);
	vmcs_setup_host();
	vmcs_setup_guest(boot);
	v->gprs = (struct guest_gprs){ .rax = boot->eax, .rbx = boot->ebx, .rsi = boot->esi };
	v->event_pending = false;
	vmx_switch_init(v);
	return 0;
}

/* vmx_ops.vcpu_destroy: VMCLEAR (the VMCS must not stay current or active
 * on this CPU once its frame is reused, SDM Vol. 3C 25.11.3) and free. */
void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	if (!x)
		return;
	vmx_switch_forget(v);
	vmcs_clear(x->vmcs);
	frame_free(x->vmcs);
	kfree(x);
	v->arch = NULL;
}

static u64 cr_visible(u32 real, u32 shadow, u64 mask)
{
	return (vmcs_read(real) & ~mask) | (vmcs_read(shadow) & mask);
}

/* vmx_ops.get_reg: CR0/CR4 merged with their read shadows (what the guest
 * reads, SDM Vol. 3C 26.3), CR2 from the vCPU, attributes in the VMCS
 * access-rights layout (25.4.1), which is the common one (core/insn_fetch.c). */
u64 vmx_get_reg(struct vcpu *v, enum vreg r)
{
	vmx_vmcs_load(v);
	switch (r) {
	case VREG_RIP: return vmcs_read(VMCS_GUEST_RIP);
	case VREG_RSP: return vmcs_read(VMCS_GUEST_RSP);
	case VREG_RFLAGS: return vmcs_read(VMCS_GUEST_RFLAGS);
	case VREG_CR0: return cr_visible(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, vmx_ctl.cr0_mask);
	case VREG_CR2: return vmx_vcpu(v)->cr2;
	case VREG_CR3: return vmcs_read(VMCS_GUEST_CR3);
	case VREG_CR4: return cr_visible(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, vmx_ctl.cr4_mask);
	case VREG_EFER: return vmcs_read(VMCS_GUEST_EFER);
	case VREG_CS_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_CS));
	case VREG_CS_ATTR: return vmcs_read(VMCS_SEG_AR(SEG_CS));
	case VREG_SS_ATTR: return vmcs_read(VMCS_SEG_AR(SEG_SS));
	case VREG_ES_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_ES));
	case VREG_SS_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_SS));
	case VREG_DS_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_DS));
	case VREG_FS_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_FS));
	case VREG_GS_BASE: return vmcs_read(VMCS_SEG_BASE(SEG_GS));
	case VREG_NR: break;
	}
	panic("vmx: get_reg of unknown register %d", r);
}

/* vmx_ops.set_reg. Setting RIP drops an STI/MOV SS interrupt shadow (the
 * instruction that caused it was emulated); EFER keeps the "IA-32e mode
 * guest" control in step with LMA; CR0/CR4 keep the bits VMX forces. */
void vmx_set_reg(struct vcpu *v, enum vreg r, u64 val)
{
	vmx_vmcs_load(v);
	switch (r) {
	case VREG_RIP:
		vmcs_write(VMCS_GUEST_RIP, val);
		vmcs_clear_bits(VMCS_GUEST_INTERRUPTIBILITY,
				INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		return;
	case VREG_RSP: vmcs_write(VMCS_GUEST_RSP, val); return;
	case VREG_RFLAGS: vmcs_write(VMCS_GUEST_RFLAGS, val | RFLAGS_FIXED); return;
	case VREG_CR0:
		vmcs_write(VMCS_GUEST_CR0, vmx_cr0_forced(val));
		vmcs_write(VMCS_CR0_SHADOW, val);
		return;
	case VREG_CR2: vmx_vcpu(v)->cr2 = val; return;
	case VREG_CR3: vmcs_write(VMCS_GUEST_CR3, val); return;
	case VREG_CR4:
		vmcs_write(VMCS_GUEST_CR4, vmx_cr4_forced(val));
		vmcs_write(VMCS_CR4_SHADOW, val);
		return;
	case VREG_EFER: vmcs_write(VMCS_GUEST_EFER, val); vmx_sync_ia32e(val); return;
	case VREG_CS_BASE: vmcs_write(VMCS_SEG_BASE(SEG_CS), val); return;
	case VREG_CS_ATTR: vmcs_write(VMCS_SEG_AR(SEG_CS), val); return;
	case VREG_SS_ATTR: vmcs_write(VMCS_SEG_AR(SEG_SS), val); return;
	default: break;
	}
	panic("vmx: set_reg of unknown register %d", r);
}
