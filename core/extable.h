/* Exception fixups: an instruction that may fault on purpose (RDMSR of an MSR
 * the CPU may lack) registers (faulting RIP, resume RIP) in .extable; the
 * exception handler resumes there instead of reporting a fault. */
#ifndef CORE_EXTABLE_H
#define CORE_EXTABLE_H

#include "core/types.h"

struct extable_entry {
	u64 fault_rip;
	u64 fixup_rip;
};

/* Return the resume RIP for a fault at rip, or 0 when none is registered. */
u64 extable_lookup(u64 rip);

#endif
