/* How a VM ends, and its rate-limited diagnostics. */
#include <stdarg.h>
#include "core/vm.h"
#include "core/log.h"

#define VM_DIAG_BUDGET 8

void vm_kill(struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	if (vm->state == VM_KILLED || vm->state == VM_DONE)
		return;
	va_start(ap, fmt);
	kvsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	vm->state = VM_KILLED;
	vm->exit_status = -1;
	pr_warn("guest %s killed: %s", vm->name, vm->end_reason);
}

void vm_end(struct vm *vm, int status, const char *fmt, ...)
{
	va_list ap;
	if (vm->state == VM_KILLED || vm->state == VM_DONE)
		return;
	va_start(ap, fmt);
	kvsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	vm->state = VM_DONE;
	vm->exit_status = status;
}

void vm_finish(struct vm *vm, int status)
{
	vm_end(vm, status, "exit port");
}

void vm_diag(struct vm *vm, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	if (vm->diag_budget >= VM_DIAG_BUDGET + 1)
		return;
	if (vm->diag_budget++ == VM_DIAG_BUDGET) {
		pr_warn("guest %s: further diagnostics suppressed", vm->name);
		return;
	}
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_warn("guest %s: %s", vm->name, msg);
}
