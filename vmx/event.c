/* Events across VM exits and entries: exceptions queued by the exit
 * handlers (inject_exception) and events whose delivery an exit interrupted
 * (IDT-vectoring information), re-injected through the VM-entry
 * interruption-information field (SDM Vol. 3C 27.6, 28.2.4). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/cpu.h"

/* Exceptions that push an error code in protected mode (SDM Vol. 3A 6.13:
 * #DF #TS #NP #SS #GP #PF #AC); VM entry checks the deliver-error-code bit
 * against this set and CR0.PE (SDM Vol. 3C 27.2.1.3). */
static bool exc_has_error(u8 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

/* vmx_ops.inject_exception: queue hardware exception `vector` for the next
 * VM entry. The error code is delivered exactly when the architecture
 * pushes one (the caller's has_error is only a hint). */
void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	bool pe = vmx_get_reg(v, VREG_CR0) & CR0_PE;
	bool deliver = pe && exc_has_error(vector);
	(void)has_error;
	x->inject = true;
	x->inject_info = vector | (INTR_TYPE_HW_EXC << INTR_INFO_TYPE_SHIFT) |
			 (deliver ? INTR_INFO_HAS_ERROR : 0) | INTR_INFO_VALID;
	x->inject_error = deliver ? error : 0;
}

static bool is_software_event(u8 type)
{
	return type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC ||
	       type == INTR_TYPE_SW_EXC;
}

/* Program the VM-entry event for the coming entry. An event in flight wins
 * over a queued exception: it means the exit came during event delivery,
 * not from an instruction the handler could have faulted. Every VM exit
 * clears the field's valid bit (SDM Vol. 3C 28.2), so nothing needs
 * clearing when no event is due. */
void vmx_event_before_entry(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	u32 info, error = 0;
	if (v->event_pending) {
		info = v->event_vector | ((u32)v->event_type << INTR_INFO_TYPE_SHIFT) |
		       (v->event_has_error ? INTR_INFO_HAS_ERROR : 0) | INTR_INFO_VALID;
		error = v->event_error;
		if (is_software_event(v->event_type))
			vmcs_write(VMCS_ENTRY_INSN_LEN, v->event_insn_len);
		v->event_pending = false;
	} else if (x->inject) {
		info = x->inject_info;
		error = x->inject_error;
	} else {
		return;
	}
	x->inject = false;
	if (info & INTR_INFO_HAS_ERROR)
		vmcs_write(VMCS_ENTRY_EXC_ERROR, error);
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

/* Record the event whose delivery this exit interrupted (IDT-vectoring
 * information, SDM Vol. 3C 28.2.4) so the next entry re-injects it; for
 * software interrupts and exceptions the exit's instruction length goes
 * with it (27.6.1.3 "VM-entry instruction length"). */
void vmx_event_after_exit(struct vcpu *v)
{
	u32 idt = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	v->event_pending = idt & INTR_INFO_VALID;
	if (!v->event_pending)
		return;
	v->event_vector = idt & INTR_INFO_VECTOR_MASK;
	v->event_type = (idt & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	v->event_has_error = idt & INTR_INFO_HAS_ERROR;
	v->event_error = v->event_has_error ? (u32)vmcs_read(VMCS_IDT_VECTORING_ERROR) : 0;
	v->event_insn_len = is_software_event(v->event_type) ?
			    (u32)vmcs_read(VMCS_EXIT_INSN_LEN) : 0;
}

/* vmx_ops.irq_injectable: RFLAGS.IF set, no STI or MOV-SS blocking (SDM
 * Vol. 3C 27.3.1.5: injecting an external interrupt with either set fails
 * the entry), and nothing else to deliver at this entry. */
bool vmx_irq_injectable(struct vcpu *v)
{
	u64 blocking = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	return !vmx_vcpu(v)->inject && !v->event_pending &&
	       (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* vmx_ops.nmi_injectable: no MOV-SS or STI shadow (27.3.1.5), and with
 * virtual NMIs not blocked by an NMI the guest has not IRETed from yet. */
bool vmx_nmi_injectable(struct vcpu *v)
{
	u64 blocking = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	u64 mask = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS |
		   ((vmx_ctl.pin & PIN_VIRTUAL_NMIS) ? INTERRUPTIBILITY_NMI : 0);
	return !vmx_vcpu(v)->inject && !v->event_pending && !(blocking & mask);
}

static void vmx_queue_event(struct vcpu *v, u8 vector, u32 type)
{
	struct vmx_vcpu *x = vmx_vcpu(v);
	x->inject = true;
	x->inject_info = vector | (type << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;
	x->inject_error = 0;
}

void vmx_inject_irq(struct vcpu *v, u8 vector)
{
	vmx_queue_event(v, vector, INTR_TYPE_EXT_INTR);
}

void vmx_inject_nmi(struct vcpu *v)
{
	vmx_queue_event(v, 2, INTR_TYPE_NMI);
}

/* Interrupt-window exiting (26.7.5) and NMI-window exiting (26.7.6) in the
 * primary processor-based controls; the NMI window only exists with
 * virtual NMIs, else a pending NMI waits for the next exit. */
void vmx_request_window(struct vcpu *v, bool irq, bool nmi)
{
	u32 proc = vmx_ctl.proc | (irq ? PROC_INTR_WINDOW : 0) |
		   (nmi && vmx_ctl.nmi_window ? PROC_NMI_WINDOW : 0);
	(void)v;
	vmcs_write(VMCS_PROC_CTLS, proc);
}
