/* Interrupt delivery and HLT for every vendor (core/emulate.h): the
 * platform (core/vplat.h) says what is due, the vendor's vcpu_ops say
 * whether the guest can take it now and inject it. */
#include "core/emulate.h"
#include "core/bench.h"
#include "core/cpu.h"
#include "core/vm.h"
#include "core/vplat.h"

/* Deliver a pending NMI if the guest can take one; returns true when it
 * is still waiting. */
static bool emu_deliver_nmi(struct vcpu *v, bool *injected)
{
	struct vm *vm = v->vm;
	if (!vplat_nmi_pending(vm))
		return false;
	if (v->event_pending || !vcpu_ops->nmi_injectable(v))
		return true;
	vplat_take_nmi(vm);
	vcpu_ops->inject_nmi(v);
	*injected = true;
	return false;
}

/* Deliver the pending external interrupt if the guest can take one now;
 * returns true when it is still waiting. */
static bool emu_deliver_irq(struct vcpu *v, bool busy)
{
	struct vm *vm = v->vm;
	int vector;
	enum vplat_src src = vplat_pending(vm, &vector);
	if (src == VPLAT_SRC_NONE)
		return false;
	if (busy || v->event_pending || !vcpu_ops->irq_injectable(v))
		return true;
	vcpu_ops->inject_irq(v, vplat_ack(vm, src));
	return false;
}

void emu_before_entry(struct vcpu *v)
{
	bool nmi_injected = false;
	bench_before_entry(v->vm);
	vplat_tick(v->vm);
	bool want_nmi = emu_deliver_nmi(v, &nmi_injected);
	bool want_irq = emu_deliver_irq(v, nmi_injected);
	vcpu_ops->request_window(v, want_irq, want_nmi);
}

bool emu_can_wake(struct vcpu *v)
{
	int vector;
	vplat_tick(v->vm);
	return vplat_nmi_pending(v->vm) || vplat_pending(v->vm, &vector) != VPLAT_SRC_NONE;
}

enum exit_action emu_hlt(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool intr_on = vcpu_ops->get_reg(v, VREG_RFLAGS) & RFLAGS_IF;
	if (!intr_on && !vplat_nmi_pending(vm)) {
		vdev_uart_flush(&vm->uart);
		vm_end(vm, -1, "halted: HLT with interrupts disabled and nothing pending (RIP 0x%lx)",
		       vcpu_ops->get_reg(v, VREG_RIP));
		return EXIT_DONE;
	}
	if (emu_can_wake(v))
		return EXIT_RESUME;
	vm->waiting = VM_WAIT_HLT;
	return EXIT_YIELD;
}

u64 emu_cr8_read(struct vcpu *v)
{
	return vplat_cr8_read(v->vm);
}

void emu_cr8_write(struct vcpu *v, u64 val)
{
	vplat_cr8_write(v->vm, val);
}
