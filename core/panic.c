/* panic(): report a broken hypervisor invariant with the registers and a
 * frame-pointer backtrace (the image is built with -fno-omit-frame-pointer),
 * then leave the machine. Reentry is caught and stops at once. */
#include <stdarg.h>
#include "core/panic.h"
#include "core/addr.h"
#include "core/cpu.h"
#include "core/idt.h"
#include "core/log.h"
#include "core/platform.h"

extern char _image_start[], _text_end[];

static bool in_panic;

static bool is_text_addr(u64 a)
{
	return a >= (u64)(uintptr_t)_image_start && a < (u64)(uintptr_t)_text_end;
}

static bool is_stack_addr(u64 a)
{
	return (a & 7) == 0 && a >= DIRECT_MAP_BASE;
}

void panic_backtrace(u64 rbp, u64 rip)
{
	kprintf("  backtrace (addr2line -e build/pagevisor.elf <addr>):\n");
	kprintf("    %016lx\n", rip);
	for (int depth = 0; depth < 32 && is_stack_addr(rbp); depth++) {
		const u64 *frame = (const u64 *)(uintptr_t)rbp;
		if (!is_text_addr(frame[1]))
			break;
		kprintf("    %016lx\n", frame[1] - 1);   /* the call, not the return */
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

__noreturn void panic_stop(void)
{
	kprintf("hypervisor stopped\n");
	platform_exit(3);
}

/* Capture the caller-visible registers for the report. */
static void capture_regs(struct regs *r)
{
	__asm__ volatile("movq %%rbx, %0\n\tmovq %%r12, %1\n\tmovq %%r13, %2\n\t"
			 "movq %%r14, %3\n\tmovq %%r15, %4\n\tmovq %%rsp, %5"
			 : "=m"(r->rbx), "=m"(r->r12), "=m"(r->r13), "=m"(r->r14),
			   "=m"(r->r15), "=m"(r->rsp));
	r->rbp = (u64)(uintptr_t)__builtin_frame_address(0);
	r->rip = (u64)(uintptr_t)__builtin_return_address(0);
	r->rflags = read_rflags();
	__asm__ volatile("movq %%cs, %0\n\tmovq %%ss, %1" : "=r"(r->cs), "=r"(r->ss));
}

__noreturn void panic(const char *fmt, ...)
{
	struct regs r = { 0 };
	char msg[256];
	va_list ap;

	irq_disable();
	if (in_panic)
		platform_exit(4);
	in_panic = true;
	capture_regs(&r);
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC: %s\n", msg);
	regs_dump(&r);
	panic_backtrace((u64)(uintptr_t)__builtin_frame_address(0), r.rip);
	panic_stop();
}
