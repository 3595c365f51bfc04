/* Interrupt descriptor table and the saved register frame every exception
 * and interrupt stub builds (core/isr.S). */
#ifndef CORE_IDT_H
#define CORE_IDT_H

#include "core/types.h"

/* Register frame pushed by core/isr.S, lowest address first. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

typedef void (*irq_handler_t)(struct regs *r);

/* Load the IDT with stubs for all 256 vectors (exceptions print a full
 * diagnosis and panic unless an extable fixup applies). */
void idt_init(void);

/* Route vector (32..255) to fn; the handler must send its own EOI. */
void idt_set_handler(u8 vector, irq_handler_t fn);

/* Print every register of a frame (used by panic and exception reports). */
void regs_dump(const struct regs *r);

#endif
