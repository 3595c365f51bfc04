/* triple: loads an empty IDT (limit 0) and divides by zero. #DE cannot be
 * delivered, nor the #GP and #DF that follow: a triple fault (SDM Vol. 3A
 * 6.15, interrupt 8), which the hypervisor must turn into killing only
 * this guest. Prints its intent first so the log shows it got that far. */
#include "rt.h"

int main(const char *cmdline)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr = { 0, 0 };

	(void)cmdline;
	rt_printf("triple: empty IDT, then divide by zero\n");
	asm volatile("lidt %0" :: "m"(idtr));
	asm volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
	rt_printf("triple: still running after a divide by zero\n");
	return 1;
}
