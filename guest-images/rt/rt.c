/* Runtime core: C entry from entry.S (hand-over checks, IDT), the polled
 * serial console, the exit port, exception reports with rt_try() recovery,
 * interrupt dispatch to registered handlers, and PASS/FAIL/SUMMARY
 * bookkeeping. */
#include "rt.h"

#define MB_BOOT_MAGIC   0x2BADB002
#define MB_INFO_CMDLINE (1 << 2)
#define COM1            0x3f8
#define LSR_THRE        (1 << 5)        /* transmit holding register empty */
#define LSR_TEMT        (1 << 6)        /* transmitter empty */
#define EXIT_PORT       0xf4
#define UART_SPIN_MAX   1000000

/* Saved by isr.S: general registers, then vector/error, then the CPU frame. */
struct rt_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
};

#define IRQ_FIRST       32
#define IRQ_STUB_SIZE   16              /* isr.S: one 16-byte stub per vector */

extern const u64 rt_isr_table[32];
extern const char rt_irq_stubs[];
u64 rt_fixup_rip, rt_fixup_rsp, rt_fault_err;
volatile u64 rt_exc_count, rt_irq_count[256];
static void (*irq_fn[256])(u8 vector);
const struct mb_info *rt_mbi;
static const struct mb_info empty_mbi;
static struct idt_gate idt[256] __attribute__((aligned(16)));
static unsigned tests, failures;
/* Must be zero at entry: the loader zeroes bss (Multiboot 0.6.96, 3.2). */
static volatile u64 bss_canary[64];

static void uart_init(void)
{
	rt_outb(COM1 + 1, 0x00);        /* IER: no interrupts */
	rt_outb(COM1 + 3, 0x80);        /* LCR: DLAB */
	rt_outb(COM1 + 0, 0x01);        /* divisor 1: 115200 baud */
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x03);        /* 8N1 */
	rt_outb(COM1 + 2, 0x07);        /* FCR: enable and clear FIFOs */
}

static void uart_wait(u8 bit)
{
	for (unsigned i = 0; i < UART_SPIN_MAX; i++)
		if (rt_inb(COM1 + 5) & bit)
			return;
}

void rt_putc(char c)
{
	if (c == '\n')
		rt_putc('\r');
	uart_wait(LSR_THRE);
	rt_outb(COM1, (u8)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

__noreturn void rt_exit(u32 status)
{
	uart_wait(LSR_TEMT);
	asm volatile("outl %0, %1" :: "a"(status), "Nd"((u16)EXIT_PORT));
	for (;;)
		asm volatile("cli; hlt");
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", "?22", "?23", "?24", "?25", "?26", "?27", "#HV", "#VC",
	"#SX", "?31",
};

void rt_irq_handler(u8 vector, void (*fn)(u8 vector))
{
	irq_fn[vector] = fn;
}

/* An interrupt nobody asked for is a test failure (a wrong vector injected,
 * a source left unmasked): report it and exit. */
static void irq_dispatch(u8 vector)
{
	rt_irq_count[vector]++;
	if (irq_fn[vector]) {
		irq_fn[vector](vector);
		return;
	}
	rt_printf("FAIL: unexpected interrupt vector 0x%x\n", vector);
	rt_exit(RT_STATUS_IRQ);
}

/* Called by isr.S. Inside rt_try: resume at its recovery point with the
 * vector as its return value. Otherwise: report and exit. */
void rt_trap(struct rt_frame *f);
void rt_trap(struct rt_frame *f)
{
	u64 cr2;

	if (f->vector >= IRQ_FIRST) {
		irq_dispatch((u8)f->vector);
		return;
	}
	rt_exc_count++;
	if (rt_fixup_rip) {
		rt_fault_err = f->error;
		f->rip = rt_fixup_rip;
		f->rsp = rt_fixup_rsp;
		f->rax = f->vector;
		rt_fixup_rip = 0;
		return;
	}
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_printf("FAIL: unexpected exception %lu (%s) error 0x%lx rip 0x%lx rsp 0x%lx cr2 0x%lx\n",
		  f->vector, exc_names[f->vector & 31], f->error, f->rip, f->rsp, cr2);
	rt_exit(RT_STATUS_FAULT | (u32)f->vector);
}

static void idt_init(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr;
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++) {
		u64 a = v < IRQ_FIRST ? rt_isr_table[v] :
			(u64)rt_irq_stubs + IRQ_STUB_SIZE * (v - IRQ_FIRST);
		idt[v] = (struct idt_gate){ .off0 = (u16)a, .sel = cs,
			.type = 0x8e,           /* present, DPL 0, 64-bit interrupt gate */
			.off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32) };
	}
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u64)idt;
	asm volatile("lidt %0" :: "m"(idtr));
}

static bool bss_is_zero(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bss_canary); i++)
		if (bss_canary[i])
			return false;
	return true;
}

/* C entry from entry.S, in long mode on the runtime's stack. */
__noreturn void rt_start(u32 magic, u32 info);
__noreturn void rt_start(u32 magic, u32 info)
{
	const char *cmdline = "";

	uart_init();
	idt_init();
	if (magic != MB_BOOT_MAGIC) {
		rt_printf("FAIL: boot: EAX 0x%x is not the Multiboot magic 0x%x\n",
			  magic, MB_BOOT_MAGIC);
		rt_exit(RT_STATUS_BOOT);
	}
	if (!bss_is_zero()) {
		rt_printf("FAIL: boot: bss not zeroed by the loader\n");
		rt_exit(RT_STATUS_BOOT);
	}
	rt_mbi = info ? (const struct mb_info *)(u64)info : &empty_mbi;
	if ((rt_mbi->flags & MB_INFO_CMDLINE) && rt_mbi->cmdline)
		cmdline = (const char *)(u64)rt_mbi->cmdline;
	rt_exit((u32)main(cmdline));
}

void rt_report(bool ok, const char *fmt, ...)
{
	char name[160];
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	rt_vsnprintf(name, sizeof(name), fmt, ap);
	__builtin_va_end(ap);
	tests++;
	if (!ok)
		failures++;
	rt_printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
}

int rt_summary(void)
{
	rt_printf("SUMMARY: %u tests, %u failures\n", tests, failures);
	return (int)failures;
}
