/* Events for the guest: exceptions queued by exit handlers (EVENTINJ) and
 * events whose delivery an exit interrupted (EXITINTINFO), which are
 * re-injected on the next entry (APM Vol. 2 15.7.2, 15.20). */
#include "svm/svm.h"
#include "core/log.h"
#include "core/vm.h"

/* Exceptions that push an error code (APM Vol. 2 8.2, Table 8-1). */
static bool svm_exc_has_error(u8 vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21: case 29: case 30:
		return true;
	default:
		return false;
	}
}

static u64 svm_event_encode(u8 vector, u8 type, bool has_error, u32 error)
{
	u64 ev = vector | ((u64)type << 8) | VMCB_EV_VALID;
	if (has_error)
		ev |= VMCB_EV_ERR_VALID | ((u64)error << 32);
	return ev;
}

/* svm_ops.inject_exception: queue a hardware exception (EVENTINJ type 3)
 * for the next VMRUN. Whether an error code is pushed follows the vector,
 * not the caller. */
void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	bool push = svm_exc_has_error(vector);
	if (has_error != push)
		pr_debug("svm: #%u injected %s an error code, vector decides", vector,
			 has_error ? "with" : "without");
	svm_vmcb(v)->ctl.event_inj = svm_event_encode(vector, VMCB_EV_TYPE_EXC, push,
						      push ? error : 0);
}

/* INT n (type 4) and the traps of INT3/INTO (type 3, vectors 3 and 4) need
 * the instruction length to be re-injected: the pushed return address is
 * the next instruction. Without NRIP save the length is unknown, and even
 * with it nRIP is only written for instruction intercepts (APM Vol. 2
 * 15.7.1), not for the nested page fault that interrupts the delivery. The
 * exit left RIP at the instruction itself (15.7.2), so resuming without
 * injecting runs it again and it raises the same event. */
static bool svm_event_is_software(u8 type, u8 vector)
{
	return type == VMCB_EV_TYPE_SWINT ||
	       (type == VMCB_EV_TYPE_EXC && (vector == 3 || vector == 4));
}

/* Record the event EXITINTINFO says was being delivered at the exit, in
 * the vendor-neutral fields of v, unless it is a software event that the
 * guest re-raises by itself. */
void svm_event_after_exit(struct vcpu *v)
{
	u64 info = svm_vmcb(v)->ctl.exit_int_info;
	u8 vector = VMCB_EV_VECTOR(info), type = VMCB_EV_TYPE(info);

	v->event_pending = false;
	if (!(info & VMCB_EV_VALID) || svm_event_is_software(type, vector))
		return;
	v->event_pending = true;
	v->event_vector = vector;
	v->event_type = type;
	v->event_has_error = info & VMCB_EV_ERR_VALID;
	v->event_error = VMCB_EV_ERROR(info);
	v->event_insn_len = 0;
}

/* Re-inject the interrupted event. It wins over an exception a handler
 * queued meanwhile: an interrupted delivery happens before the instruction
 * that could have raised that exception has run. */
void svm_event_before_entry(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);
	if (!v->event_pending)
		return;
	if (vmcb->ctl.event_inj & VMCB_EV_VALID)
		vm_diag(v->vm, "svm: queued event %lx dropped for re-injected vector %u",
			vmcb->ctl.event_inj, v->event_vector);
	vmcb->ctl.event_inj = svm_event_encode(v->event_vector, v->event_type,
					       v->event_has_error, v->event_error);
	v->event_pending = false;
}

#define RFLAGS_IF_BIT BIT(9)

/* Nothing else goes into EVENTINJ at this VMRUN. */
static bool svm_event_slot_free(struct vcpu *v)
{
	return !v->event_pending && !(svm_vmcb(v)->ctl.event_inj & VMCB_EV_VALID);
}

/* svm_ops.irq_injectable: RFLAGS.IF set and no interrupt shadow (APM Vol. 2
 * 15.20: an injected INTR is taken regardless, so the check is ours). */
bool svm_irq_injectable(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);
	return svm_event_slot_free(v) && (vmcb->save.rflags & RFLAGS_IF_BIT) &&
	       !(vmcb->ctl.int_state & VMCB_INT_SHADOW);
}

/* svm_ops.nmi_injectable: SVM keeps no virtual-NMI blocking; an injected
 * NMI masks further ones until the guest's IRET, which is intercepted. */
bool svm_nmi_injectable(struct vcpu *v)
{
	return svm_event_slot_free(v) && !svm_vcpu(v)->nmi_masked &&
	       !(svm_vmcb(v)->ctl.int_state & VMCB_INT_SHADOW);
}

void svm_inject_irq(struct vcpu *v, u8 vector)
{
	svm_vmcb(v)->ctl.event_inj = svm_event_encode(vector, VMCB_EV_TYPE_INTR, false, 0);
}

void svm_inject_nmi(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);
	vmcb->ctl.event_inj = svm_event_encode(2, VMCB_EV_TYPE_NMI, false, 0);
	svm_vcpu(v)->nmi_masked = true;
	vmcb->ctl.intercept_misc1 |= VMCB_I1_IRET;
}

/* The guest's IRET ended its NMI handler (the intercept fires before the
 * IRET completes; the next NMI is injected at the following entry at the
 * earliest, which is good enough for a single-NMI-source platform). */
void svm_nmi_unmask(struct vcpu *v)
{
	svm_vcpu(v)->nmi_masked = false;
	svm_vmcb(v)->ctl.intercept_misc1 &= ~VMCB_I1_IRET;
}

/* A virtual interrupt request (V_IRQ, APM Vol. 2 15.21.1) with the VINTR
 * intercept makes the guest exit as soon as it could take an interrupt:
 * the interrupt window. V_IGN_TPR: the local APIC model applies the TPR.
 * An NMI waits for the next exit (or the IRET intercept). */
void svm_request_window(struct vcpu *v, bool irq, bool nmi)
{
	struct vmcb *vmcb = svm_vmcb(v);
	(void)nmi;
	vmcb->ctl.vintr &= ~(VMCB_V_IRQ | VMCB_V_INTR_PRIO(0xf) | VMCB_V_IGN_TPR);
	vmcb->ctl.intercept_misc1 &= ~VMCB_I1_VINTR;
	if (!irq)
		return;
	vmcb->ctl.vintr |= VMCB_V_IRQ | VMCB_V_INTR_PRIO(0xf) | VMCB_V_IGN_TPR;
	vmcb->ctl.intercept_misc1 |= VMCB_I1_VINTR;
}
