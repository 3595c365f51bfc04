/* The IDT: every vector goes through core/isr.S into isr_dispatch(), which
 * recovers registered fixups, reports unexpected exceptions with a full
 * diagnosis, and hands interrupts to the handler set for their vector. */
#include "core/idt.h"
#include "core/cpu.h"
#include "core/extable.h"
#include "core/gdt.h"
#include "core/log.h"
#include "core/panic.h"

struct __packed idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate (SDM Vol. 3A 6.14.1)");

extern const u64 isr_stub_table[256];
static struct idt_gate idt[256] __aligned(16);
static irq_handler_t handlers[256];
static u64 unexpected_irqs;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

static void idt_set_gate(int vec, u64 handler, u8 ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = GDT_CODE,
		.ist = ist,
		.type_attr = 0x8e,              /* present, DPL 0, interrupt gate */
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set_gate(v, isr_stub_table[v], 0);
	idt_set_gate(2, isr_stub_table[2], IST_NMI);
	idt_set_gate(8, isr_stub_table[8], IST_DOUBLE_FAULT);
	idt_set_gate(18, isr_stub_table[18], IST_MCE);

	struct __packed { u16 limit; u64 base; } p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void idt_set_handler(u8 vector, irq_handler_t fn)
{
	ASSERT(vector >= 32);
	handlers[vector] = fn;
}

void regs_dump(const struct regs *r)
{
	kprintf("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", r->rip, r->cs, r->rflags);
	kprintf("  RSP %016lx  SS %04lx\n", r->rsp, r->ss);
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", r->rax, r->rbx, r->rcx);
	kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", r->rdx, r->rsi, r->rdi);
	kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", r->rbp, r->r8, r->r9);
	kprintf("  R10 %016lx  R11 %016lx  R12 %016lx\n", r->r10, r->r11, r->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx\n", r->r13, r->r14, r->r15);
	kprintf("  CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* An exception in the hypervisor itself: a broken invariant. */
static __noreturn void exception_report(struct regs *r)
{
	kprintf("\nPANIC: unexpected exception %s (vector %lu) error code 0x%lx\n",
		exception_names[r->vector], r->vector, r->error);
	if (r->vector == 14)
		kprintf("  page fault at %016lx: %s %s%s%s\n", read_cr2(),
			r->error & 1 ? "protection violation" : "not present",
			r->error & 2 ? "write" : "read",
			r->error & 16 ? " (instruction fetch)" : "",
			r->error & 8 ? " (reserved bit set)" : "");
	regs_dump(r);
	panic_backtrace(r->rbp, r->rip);
	panic_stop();
}

void isr_dispatch(struct regs *r)
{
	if (r->vector < 32) {
		u64 fixup = extable_lookup(r->rip);
		if (fixup) {
			r->rip = fixup;
			return;
		}
		exception_report(r);
	}
	if (handlers[r->vector]) {
		handlers[r->vector](r);
		return;
	}
	if (unexpected_irqs++ < 8)
		pr_warn("unexpected interrupt on vector %lu ignored", r->vector);
}
