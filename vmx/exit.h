/* Exit handlers shared between the files of vmx/: the handler signature of
 * the exit table (vmx/exit.c), the control-register handler (vmx/exit_cr.c)
 * and the small helpers both use. */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include "core/vcpu.h"

/* A handler of the exit table: reason is the basic exit reason. */
typedef enum exit_action (*vmx_exit_fn)(struct vcpu *v, u32 reason);

/* Advance the guest RIP past the instruction that exited (VM-exit
 * instruction length, valid for instruction exits: SDM Vol. 3C 28.2.5). */
void vmx_skip_insn(struct vcpu *v);

/* Queue #GP(0) and resume without advancing RIP. */
enum exit_action vmx_inject_gp(struct vcpu *v);

/* Control-register access (exit reason 28). */
enum exit_action vmx_exit_cr_access(struct vcpu *v, u32 reason);

#endif
