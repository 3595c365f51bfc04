/* Fault-tolerant MSR access and the fixup-table lookup behind it. */
#include "core/extable.h"
#include "core/cpu.h"

extern const struct extable_entry _extable_start[], _extable_end[];

u64 extable_lookup(u64 rip)
{
	for (const struct extable_entry *e = _extable_start; e < _extable_end; e++)
		if (e->fault_rip == rip)
			return e->fixup_rip;
	return 0;
}

int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int err = E_OK;
	__asm__ volatile("1: rdmsr\n"
			 "2:\n"
			 ".pushsection .extable, \"a\"\n"
			 ".quad 1b, 3f\n"
			 ".popsection\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movl %[enotsup], %[err]\n"
			 "jmp 2b\n"
			 ".popsection"
			 : "+a"(lo), "+d"(hi), [err] "+r"(err)
			 : "c"(msr), [enotsup] "i"(E_NOTSUP));
	*val = ((u64)hi << 32) | lo;
	return err;
}

int wrmsr_safe(u32 msr, u64 val)
{
	int err = E_OK;
	__asm__ volatile("1: wrmsr\n"
			 "2:\n"
			 ".pushsection .extable, \"a\"\n"
			 ".quad 1b, 3f\n"
			 ".popsection\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movl %[enotsup], %[err]\n"
			 "jmp 2b\n"
			 ".popsection"
			 : [err] "+r"(err)
			 : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)), [enotsup] "i"(E_NOTSUP)
			 : "memory");
	return err;
}
