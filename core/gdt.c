/* The hypervisor's GDT and TSS: flat 64-bit code/data segments and a TSS
 * whose IST stacks catch double faults, NMIs and machine checks on a known
 * good stack even when the current one is broken (SDM Vol. 3A 6.14.5). */
#include "core/gdt.h"
#include "core/string.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM Vol. 3A 8.7)");

#define IST_STACK_SIZE 8192
static u8 ist_stacks[3][IST_STACK_SIZE] __aligned(16);
static struct tss tss;
static u64 gdt[GDT_ENTRIES] __aligned(16);

struct __packed desc_ptr {
	u16 limit;
	u64 base;
};

/* Encode the 16-byte system descriptor for a 64-bit available TSS. */
static void gdt_set_tss(u64 *slot, u64 base, u32 limit)
{
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  (0x89ull << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_init(void)
{
	memset(&tss, 0, sizeof(tss));
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);

	gdt[0] = 0;
	gdt[GDT_CODE >> 3] = 0x00af9a000000ffffull;   /* 64-bit code, DPL 0 */
	gdt[GDT_DATA >> 3] = 0x00cf92000000ffffull;   /* data, DPL 0 */
	gdt_set_tss(&gdt[GDT_TSS >> 3], (u64)(uintptr_t)&tss, sizeof(tss) - 1);

	struct desc_ptr p = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"movw %w2, %%fs\n\t"
		"movw %w2, %%gs\n\t"
		"ltr %w3"
		: : "m"(p), "i"((u64)GDT_CODE), "r"((u32)GDT_DATA), "r"((u32)GDT_TSS)
		: "rax", "memory");
}

u64 gdt_base(void) { return (u64)(uintptr_t)gdt; }
u64 tss_base(void) { return (u64)(uintptr_t)&tss; }
