/* The test-guest runtime: what every guest in guest-images/ may call.
 * The guest is a Multiboot 1 kernel running in long mode on an identity
 * map of the low 8 GiB; the runtime calls main(cmdline) and leaves through
 * the exit port with main's return value. */
#ifndef RT_H
#define RT_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef unsigned long size_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)
#define KiB 1024UL
#define MiB (1024UL * KiB)
#define PAGE_SIZE 4096UL
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Status of a guest that took an unexpected exception: 0x80 | vector. */
#define RT_STATUS_FAULT 0x80
/* Status after an interrupt on a vector with no handler. */
#define RT_STATUS_IRQ 0x7e
/* Status when the loader's hand-over is wrong (magic, bss not zeroed). */
#define RT_STATUS_BOOT 0x7f

int main(const char *cmdline);

/* Multiboot 1 information (Multiboot specification 0.6.96, 3.3), the part
 * the guests read. */
struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;       /* KiB; flags bit 0 */
	u32 boot_device;
	u32 cmdline;                    /* flags bit 2 */
	u32 mods_count, mods_addr;      /* flags bit 3 */
	u32 syms[4];
	u32 mmap_length, mmap_addr;     /* flags bit 6 */
} __attribute__((packed));

/* The loader's information structure (NULL-free: always valid). */
extern const struct mb_info *rt_mbi;
/* First byte past the guest image (linker symbol). */
extern char _end[];

/* Serial console (16550 at 0x3f8, polled). */
void rt_putc(char c);
void rt_puts(const char *s);
int rt_printf(const char *fmt, ...) __printf(1, 2);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int rt_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);

/* Leave through the exit port 0xf4 (32-bit OUT of status); never returns.
 * Waits for the UART to drain first so the last line is not lost. */
__noreturn void rt_exit(u32 status);

/* kvm-unit-tests style reporting: `PASS: name` / `FAIL: name`, and a
 * `SUMMARY: <n> tests, <m> failures` line from rt_summary(), which returns
 * the number of failures (main's natural return value). */
void rt_report(bool ok, const char *fmt, ...) __printf(2, 3);
int rt_summary(void);

/* Run fn(arg); return -1 if it returned normally, else the vector of the
 * exception it raised (execution resumes in rt_try's caller). The error
 * code of that exception is then in rt_fault_err. */
int rt_try(void (*fn)(void *), void *arg);
extern u64 rt_fault_err;

/* Exceptions taken so far (vectors 0-31, counted before any rt_try
 * recovery): lets a test check that an exception was delivered once. */
extern volatile u64 rt_exc_count;

/* Interrupts (vectors 32-255): every vector has an IDT interrupt gate;
 * rt_irq_handler(v, fn) makes an interrupt on v call fn(v) with IF clear
 * (fn sends any EOI itself; fn NULL removes it). An interrupt on a vector
 * without a handler prints `FAIL: unexpected interrupt` and exits with
 * RT_STATUS_IRQ. rt_irq_count[v] counts every interrupt on v. */
void rt_irq_handler(u8 vector, void (*fn)(u8 vector));
extern volatile u64 rt_irq_count[256];

static inline void rt_sti(void) { asm volatile("sti" ::: "memory"); }
static inline void rt_cli(void) { asm volatile("cli" ::: "memory"); }
static inline void rt_hlt(void) { asm volatile("hlt" ::: "memory"); }
/* Sleep until an interrupt has been handled: STI's one-instruction shadow
 * makes "sti; hlt" atomic (SDM Vol. 3A 6.8.3), so an interrupt pending
 * since the caller's last check still wakes the HLT. Returns with IF clear,
 * so the caller can test its condition again without a race. */
static inline void rt_wait_irq(void) { asm volatile("sti; hlt; cli" ::: "memory"); }

static inline u64 rt_rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((u64)hi << 32) | lo;
}

/* Command-line options `key=value` (words without '=' are ignored).
 * rt_opt_str copies the value of key into buf (NUL-terminated, truncated)
 * and returns true if key is present. rt_opt_uint parses decimal or 0x hex
 * with an optional K/M/G suffix; on a bad value it prints an error and
 * returns false, leaving *val unchanged. */
bool rt_opt_str(const char *cmdline, const char *key, char *buf, size_t size);
bool rt_opt_uint(const char *cmdline, const char *key, u64 *val);

/* Deterministic PRNG (xorshift64*, seeded through splitmix64). */
struct rt_rand { u64 s; };
void rt_rand_seed(struct rt_rand *r, u64 seed);
u64 rt_rand_next(struct rt_rand *r);
u64 rt_mix64(u64 x);            /* splitmix64 finaliser: a good hash of x */

/* String helpers. */
size_t rt_strlen(const char *s);
int rt_strcmp(const char *a, const char *b);
int rt_memcmp(const void *a, const void *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* CPU access. */
static inline void rt_cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static inline u64 rt_rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void rt_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void rt_outb(u16 port, u8 v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void rt_outw(u16 port, u16 v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void rt_outl(u16 port, u32 v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 rt_inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 rt_inw(u16 port) { u16 v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 rt_inl(u16 port) { u32 v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rt_read_cr4(void) { u64 v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }

/* Control-register bits the guests set or test (SDM Vol. 3A 2.5). */
#define CR0_PE          (1UL << 0)
#define CR0_MP          (1UL << 1)
#define CR0_EM          (1UL << 2)
#define CR0_TS          (1UL << 3)
#define CR0_NW          (1UL << 29)
#define CR0_CD          (1UL << 30)
#define CR0_PG          (1UL << 31)
#define CR4_PAE         (1UL << 5)
#define CR4_OSFXSR      (1UL << 9)
#define CR4_OSXMMEXCPT  (1UL << 10)
#define CR4_LA57        (1UL << 12)
#define CR4_VMXE        (1UL << 13)
#define CR4_OSXSAVE     (1UL << 18)

/* pagevisor's debug hypercall (`debug_hypercalls`; core/emulate.h): RAX =
 * magic | function, RBX = argument, result in RAX. VMCALL on Intel,
 * VMMCALL on AMD (the other one is #UD from the CPU itself). */
#define RT_HYPERCALL_MAGIC 0x7076000000000000UL
#define RT_HC_EVICT 1
i64 rt_hypercall(bool vmmcall, u64 fn, u64 arg);

#endif
