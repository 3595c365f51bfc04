/* hostile: a guest that attacks the hypervisor, one mode per run (mode=):
 * physscan (every guest-physical page, the holes, ROM, the APIC pages,
 * then one address outside every slot), virt (VMX/SVM instructions and
 * garbage hypercalls), msr (forbidden MSRs #GP, owned MSRs keep this
 * guest's values), ports (all 65,536 I/O ports), cr (invalid CR0/CR4/
 * EFER/XCR0 values #GP), faultloop (faults while delivering faults: a
 * triple fault), exitstorm (CPUID and port-read exits in a tight loop),
 * fakeverdict (forged verdict lines), secretfill / secretscan (a secret
 * pattern left behind by one guest must never be seen by the next).
 * guest-images/README.md lists the options and the stated outcomes. */
#include "rt.h"
#include "pc.h"

#define VEC_UD          6
#define VEC_DF          8
#define VEC_GP          13
#define VEC_PF          14
#define WORDS           (PAGE_SIZE / 8)
#define LOW_END         0xA0000UL       /* RAM below 640 KiB */
#define VGA_END         0xC0000UL       /* 0xA0000-0xBFFFF: all-ones, writes ignored */
#define ROM_END         0x100000UL      /* 0xC0000-0xFFFFF: read-only ROM */
#define LAPIC_PAGE      0xFEE00000UL
#define IOAPIC_PAGE     0xFEC00000UL
#define IDMAP_END       (8UL << 30)     /* rt/entry.S maps below this */
#define PTE_ADDR        0x000ffffffffff000UL
#define HYPERCALL_MAGIC 0x7076000000000000UL    /* core/emulate.h */
#define HC_EVICT        1
#define E_INVAL         (-2)
#define E_NOTSUP        (-7)
#define EXIT_PORT       0xf4
#define COM1            0x3f8

static u64 page_up(u64 a) { return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
static u64 ram_top(void) { return 1 * MiB + (u64)rt_mbi->mem_upper * KiB; }
static u64 low_top(void)
{
	u64 t = (u64)rt_mbi->mem_lower * KiB;
	return t < LOW_END ? t & ~(PAGE_SIZE - 1) : LOW_END;
}

/* ---- small helpers ---- */

static bool is_intel(void)
{
	u32 r[4];

	rt_cpuid(0, 0, r);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

/* TSC rate from pagevisor's leaf 0x40000010 (EAX, kHz), else a guess. */
static u64 tsc_khz(void)
{
	u32 r[4];

	rt_cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010) {
		rt_cpuid(0x40000010, 0, r);
		if (r[0])
			return r[0];
	}
	return 1000000;
}

static void spin_ms(u64 ms)
{
	u64 end = rt_rdtsc() + ms * tsc_khz();

	while (rt_rdtsc() < end)
		asm volatile("pause");
}

/* Map the 2 MiB page holding a (identity) from a small pool of tables:
 * for addresses beyond the runtime's 8 GiB identity map. False when the
 * pool is used up. */
static u64 map_pool[4][512] __attribute__((aligned(4096)));
static unsigned map_used;

static u64 *table_next(u64 *entry)
{
	if (!(*entry & 1)) {
		if (map_used == ARRAY_SIZE(map_pool))
			return NULL;
		*entry = (u64)map_pool[map_used++] | 3;
	}
	return (u64 *)(*entry & PTE_ADDR);
}

static bool map_2m(u64 a)
{
	u64 cr3, *pdpt, *pd;

	if (a < IDMAP_END)
		return true;
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pdpt = table_next(&((u64 *)(cr3 & PTE_ADDR))[(a >> 39) & 511]);
	pd = pdpt ? table_next(&pdpt[(a >> 30) & 511]) : NULL;
	if (!pd)
		return false;
	pd[(a >> 21) & 511] = (a & ~((2 * MiB) - 1)) | 0x83;
	asm volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
	return true;
}

/* Read every word of [a, a + len) and write it back unchanged (in asm, so
 * nothing in between touches memory: safe over the guest's own image). */
static void rewrite_range(u64 a, u64 len)
{
	asm volatile("1: movq (%0), %%rax\n\tmovq %%rax, (%0)\n\taddq $8, %0\n\t"
		     "subq $8, %1\n\tjnz 1b" : "+r"(a), "+r"(len) :: "rax", "memory");
}

/* ---- physscan ---- */

struct scan_count {
	u64 kept, fresh, loader, bad;
};

/* A RAM page above the image: never touched, it must read zero, then a
 * pattern written there reads back; one the loader wrote (Multiboot
 * information, command line) is rewritten as it is. */
static void scan_free_page(u64 a, struct scan_count *c)
{
	volatile u64 *p = (volatile u64 *)a;
	u64 w, nonzero = 0;

	for (w = 0; w < WORDS; w++)
		nonzero |= p[w];
	if (nonzero) {
		rewrite_range(a, PAGE_SIZE);
		c->loader++;
		return;
	}
	for (w = 0; w < WORDS; w++)
		p[w] = rt_mix64(a + w);
	for (w = 0; w < WORDS; w++)
		if (p[w] != rt_mix64(a + w))
			break;
	c->fresh++;
	if (w < WORDS && c->bad++ < 4)
		rt_printf("hostile: page 0x%lx word %lu does not hold what was written\n", a, w);
}

static void scan_ram(u64 from, u64 to, struct scan_count *c)
{
	u64 image_end = page_up((u64)_end);

	for (u64 a = from; a < to; a += PAGE_SIZE) {
		if (a < image_end) {
			rewrite_range(a, PAGE_SIZE);
			c->kept++;
		} else {
			scan_free_page(a, c);
		}
	}
}

/* The VGA hole reads all-ones at every word; a write per page is ignored. */
static bool scan_vga(void)
{
	bool ok = true;

	for (u64 a = LOW_END; a < VGA_END; a += PAGE_SIZE) {
		volatile u64 *p = (volatile u64 *)a;
		for (u64 w = 0; w < WORDS; w++)
			ok &= p[w] == ~0UL;
		p[a / PAGE_SIZE % WORDS] = 0x5a5a5a5a12345678UL;
		ok &= p[a / PAGE_SIZE % WORDS] == ~0UL;
	}
	return ok;
}

/* ROM: every word reads; one write per page changes nothing. */
static bool scan_rom(bool *rsdp)
{
	bool ok = true;
	u64 sum = 0;

	*rsdp = false;
	for (u64 a = VGA_END; a < ROM_END; a += PAGE_SIZE) {
		volatile u64 *p = (volatile u64 *)a;
		u64 w0 = p[0];
		for (u64 w = 0; w < WORDS; w++)
			sum += p[w];
		p[0] = ~w0;
		ok &= p[0] == w0;
	}
	for (u64 a = 0xE0000; a < ROM_END; a += 16)
		*rsdp |= !rt_memcmp((const void *)a, "RSD PTR ", 8);
	rt_printf("hostile: rom words sum to 0x%lx\n", sum);
	return ok;
}

/* The APIC pages: read every 16-byte register slot (writing them would
 * program the devices, not probe memory). */
static bool scan_apics(void)
{
	volatile u32 *lapic = (volatile u32 *)LAPIC_PAGE;
	volatile u32 *ioapic = (volatile u32 *)IOAPIC_PAGE;
	u32 ver, iover, x = 0;

	for (u64 off = 0; off < PAGE_SIZE; off += 16) {
		x ^= lapic[off / 4];
		x ^= ioapic[off / 4];
	}
	ver = lapic[0x30 / 4];
	ioapic[0] = 1;                  /* IOREGSEL: the version register */
	iover = ioapic[0x10 / 4];
	rt_printf("hostile: lapic version 0x%x, ioapic version 0x%x (xor 0x%x)\n",
		  ver, iover, x);
	return (ver & 0xff) && ver != ~0u && (iover & 0xff) && iover != ~0u;
}

static void read_word(void *arg)
{
	u64 *a = arg;
	*a = *(volatile u64 *)*a;
}

/* Last: one read outside every slot (at=, default the first page past
 * RAM). pagevisor kills the guest there; surviving with all-ones would
 * do too, anything else is a failure. */
static void scan_beyond(u64 at)
{
	u64 v = at;
	u32 r[4];
	int vec;

	rt_cpuid(0x80000008, 0, r);
	if (!map_2m(at)) {
		rt_report(false, "physscan: no page tables for 0x%lx", at);
		return;
	}
	rt_printf("hostile: reading 0x%lx (outside every slot; %u physical address bits)\n",
		  at, r[0] & 0xff);
	vec = rt_try(read_word, &v);
	if (vec >= 0)
		rt_report(vec == VEC_PF && (at >> (r[0] & 0xff)),
			  "physscan: read of 0x%lx raised vector %d", at, vec);
	else
		rt_report(v == ~0UL, "physscan: read of 0x%lx survived, value 0x%lx", at, v);
}

/* String writes over a whole ignored-write page (the VGA hole, ROM) must
 * finish as on a PC: RCX 0, RDI (and RSI) past the page, the page
 * unchanged. op: 0 REP STOSQ, 1 REP STOSB (4096 iterations), 2 REP MOVSQ
 * from RAM. */
static bool rep_ignored(u64 page, int op)
{
	static const char *const names[] = { "rep stosq", "rep stosb", "rep movsq" };
	static u64 src[WORDS];
	u64 rdi = page, rsi = (u64)src, first = *(volatile u64 *)page;
	u64 rcx = op == 1 ? PAGE_SIZE : WORDS;
	bool ok;

	if (op == 0)
		asm volatile("rep stosq" : "+c"(rcx), "+D"(rdi) : "a"(0x1122334455667788UL) : "memory");
	else if (op == 1)
		asm volatile("rep stosb" : "+c"(rcx), "+D"(rdi) : "a"(0x5aUL) : "memory");
	else
		asm volatile("rep movsq" : "+c"(rcx), "+D"(rdi), "+S"(rsi) :: "memory");
	ok = !rcx && rdi == page + PAGE_SIZE && *(volatile u64 *)page == first &&
	     (op != 2 || rsi == (u64)src + PAGE_SIZE);
	if (!ok)
		rt_printf("hostile: %s at 0x%lx: rcx %lu rdi 0x%lx word 0x%lx\n", names[op], page,
			  rcx, rdi, *(volatile u64 *)page);
	return ok;
}

static bool string_writes_ignored(void)
{
	bool ok = true;

	for (int op = 0; op < 3; op++)
		ok &= rep_ignored(0xB8000, op) & rep_ignored(0xF0000, op);
	return ok;
}

static int mode_physscan(const char *cmdline)
{
	struct scan_count c = { 0 };
	u64 at = ram_top();
	bool rsdp, ok;

	rt_opt_uint(cmdline, "at", &at);
	scan_ram(0, low_top(), &c);
	rt_report(scan_vga(), "physscan: 0xa0000-0xbffff all-ones, writes ignored");
	ok = scan_rom(&rsdp);
	rt_report(ok, "physscan: 0xc0000-0xfffff reads, writes ignored");
	rt_report(rsdp, "physscan: ACPI RSDP found in 0xe0000-0xfffff");
	rt_report(string_writes_ignored(), "physscan: rep stosq, rep stosb and rep movsq over a "
		  "VGA and a ROM page complete, writing nothing");
	scan_ram(1 * MiB, ram_top(), &c);
	rt_report(c.bad == 0, "physscan: RAM to 0x%lx: %lu image pages rewritten, %lu fresh pages "
		  "zero then patterned (%lu bad), %lu loader pages", ram_top(), c.kept, c.fresh,
		  c.bad, c.loader);
	rt_report(scan_apics(), "physscan: lapic and ioapic pages read");
	scan_beyond(at);
	return rt_summary();
}

/* ---- virt ---- */

static u8 vmx_region[4096] __attribute__((aligned(4096)));
static u64 zero_desc[2];

static void do_vmxon(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmxon %0" :: "m"(pa)); }
static void do_vmxoff(void *a) { (void)a; asm volatile("vmxoff"); }
static void do_vmclear(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmclear %0" :: "m"(pa)); }
static void do_vmptrld(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmptrld %0" :: "m"(pa)); }
static void do_vmptrst(void *a) { u64 pa; (void)a; asm volatile("vmptrst %0" : "=m"(pa)); }
static void do_vmread(void *a) { u64 v; (void)a; asm volatile("vmread %1, %0" : "=r"(v) : "r"(0x6820UL)); }
static void do_vmwrite(void *a) { (void)a; asm volatile("vmwrite %0, %1" :: "r"(0UL), "r"(0x6820UL)); }
static void do_vmlaunch(void *a) { (void)a; asm volatile("vmlaunch"); }
static void do_vmresume(void *a) { (void)a; asm volatile("vmresume"); }
static void do_invept(void *a) { (void)a; asm volatile("invept %0, %1" :: "m"(zero_desc), "r"(2UL)); }
static void do_invvpid(void *a) { (void)a; asm volatile("invvpid %0, %1" :: "m"(zero_desc), "r"(2UL)); }
static void do_vmrun(void *a) { (void)a; asm volatile("vmrun" :: "a"((u64)vmx_region)); }
static void do_vmload(void *a) { (void)a; asm volatile("vmload" :: "a"((u64)vmx_region)); }
static void do_vmsave(void *a) { (void)a; asm volatile("vmsave" :: "a"((u64)vmx_region)); }
static void do_stgi(void *a) { (void)a; asm volatile("stgi"); }
static void do_clgi(void *a) { (void)a; asm volatile("clgi"); }
static void do_skinit(void *a) { (void)a; asm volatile("skinit" :: "a"((u32)(u64)vmx_region)); }
static void do_invlpga(void *a) { (void)a; asm volatile("invlpga" :: "a"(0UL), "c"(0u)); }

static const struct { const char *name; void (*fn)(void *); } virt_insns[] = {
	{ "vmxon", do_vmxon }, { "vmxoff", do_vmxoff }, { "vmclear", do_vmclear },
	{ "vmptrld", do_vmptrld }, { "vmptrst", do_vmptrst }, { "vmread", do_vmread },
	{ "vmwrite", do_vmwrite }, { "vmlaunch", do_vmlaunch }, { "vmresume", do_vmresume },
	{ "invept", do_invept }, { "invvpid", do_invvpid }, { "vmrun", do_vmrun },
	{ "vmload", do_vmload }, { "vmsave", do_vmsave }, { "stgi", do_stgi },
	{ "clgi", do_clgi }, { "skinit", do_skinit }, { "invlpga", do_invlpga },
};

/* A hypercall with every other argument register garbage; the registers
 * other than RAX must come back unchanged. */
struct hcall {
	bool vmmcall;
	u64 rax;
	bool regs_ok;
};

#define GARBAGE(n) (0xbad0bad0bad00000UL | (n))

static void do_hcall(void *arg)
{
	struct hcall *h = arg;
	u64 b = GARBAGE(1), c = GARBAGE(2), d = GARBAGE(3), si = GARBAGE(4), di = GARBAGE(5);
	u64 ax = h->rax;

	if (h->vmmcall)
		asm volatile("vmmcall" : "+a"(ax), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
			     :: "memory");
	else
		asm volatile("vmcall" : "+a"(ax), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
			     :: "memory");
	h->rax = ax;
	h->regs_ok = b == GARBAGE(1) && c == GARBAGE(2) && d == GARBAGE(3) &&
		     si == GARBAGE(4) && di == GARBAGE(5);
}

static const char *hc_name(bool vmmcall) { return vmmcall ? "vmmcall" : "vmcall"; }

/* Without debug_hypercalls: #UD for both. With it: the native one
 * (VMCALL on Intel, VMMCALL on AMD) returns E_INVAL for a bad magic,
 * E_NOTSUP for an unknown function, a negative code for evicting a
 * garbage address; the other vendor's raises #UD from the CPU. */
static void check_hypercalls(bool enabled)
{
	static const struct { u64 rax; i64 want; const char *what; } calls[] = {
		{ 0xdeadbeefcafef00dUL, E_INVAL, "bad magic" },
		{ HYPERCALL_MAGIC | 0x1234, E_NOTSUP, "unknown function" },
		{ HYPERCALL_MAGIC | HC_EVICT, -1, "evict of 0xbad0bad0bad00001" },
	};
	bool native_vmmcall = !is_intel();

	for (int k = 0; k < 2; k++) {
		bool vmmcall = k == 1;
		for (unsigned i = 0; i < ARRAY_SIZE(calls); i++) {
			struct hcall h = { vmmcall, calls[i].rax, false };
			int vec = rt_try(do_hcall, &h);
			if (!enabled || vmmcall != native_vmmcall) {
				rt_report(vec == VEC_UD, "virt: %s with %s raises #UD (vector %d)",
					  hc_name(vmmcall), calls[i].what, vec);
				continue;
			}
			rt_report(vec < 0 && h.regs_ok && (calls[i].want == -1 ? (i64)h.rax < 0 :
				  (i64)h.rax == calls[i].want),
				  "virt: %s with %s returns %ld (vector %d, other registers %s)",
				  hc_name(vmmcall), calls[i].what, (i64)h.rax, vec,
				  h.regs_ok ? "kept" : "CHANGED");
		}
	}
}

static int mode_virt(const char *cmdline)
{
	u64 hypercalls = 0;

	rt_opt_uint(cmdline, "hypercalls", &hypercalls);
	for (unsigned i = 0; i < ARRAY_SIZE(virt_insns); i++) {
		int v = rt_try(virt_insns[i].fn, NULL);
		rt_report(v == VEC_UD, "virt: %s raises #UD (vector %d)", virt_insns[i].name, v);
	}
	check_hypercalls(hypercalls != 0);
	return rt_summary();
}

/* ---- msr ---- */

#define MSR_APIC_BASE   0x1B
#define MSR_FEAT_CTL    0x3A
#define MSR_VMX_FIRST   0x480
#define MSR_VMX_LAST    0x491
#define MSR_EFER        0xC0000080
#define EFER_SVME       (1UL << 12)
#define MSR_VM_CR       0xC0010114
#define MSR_HSAVE_PA    0xC0010117

struct msr_op {
	u32 msr;
	bool write;
	u64 val;
};

static void do_msr_op(void *arg)
{
	struct msr_op *op = arg;

	if (op->write)
		rt_wrmsr(op->msr, op->val);
	else
		op->val = rt_rdmsr(op->msr);
}

static int msr_try(u32 msr, bool write, u64 val)
{
	struct msr_op op = { msr, write, val };

	return rt_try(do_msr_op, &op);
}

/* Every access that must raise #GP: the virtualization MSRs a guest never
 * sees, EFER.SVME, and non-canonical values in the MSRs it owns. */
static void check_msr_gp(void)
{
	static const struct { u32 msr; bool write; u64 val; const char *name; } gp[] = {
		{ MSR_FEAT_CTL, false, 0, "rdmsr IA32_FEATURE_CONTROL" },
		{ MSR_FEAT_CTL, true, 5, "wrmsr IA32_FEATURE_CONTROL = 5 (lock, vmxon)" },
		{ MSR_HSAVE_PA, false, 0, "rdmsr VM_HSAVE_PA" },
		{ MSR_HSAVE_PA, true, 0x1000, "wrmsr VM_HSAVE_PA = 0x1000" },
		{ MSR_VM_CR, false, 0, "rdmsr VM_CR" },
		{ MSR_VM_CR, true, 0, "wrmsr VM_CR = 0" },
		{ 0xC0000082, true, 0x0000800000000000UL, "wrmsr LSTAR non-canonical" },
		{ 0xC0000102, true, 0x8000000000000000UL, "wrmsr KERNEL_GS_BASE non-canonical" },
		{ MSR_APIC_BASE, true, 0xFEE00900UL | (1UL << 63), "wrmsr APIC_BASE reserved bit 63" },
		{ 0xC0000100, true, 0xffff800000000000UL >> 1, "wrmsr FS_BASE non-canonical" },
		{ 0xC0000101, true, 0x0000800000000000UL, "wrmsr GS_BASE non-canonical" },
		{ 0x277, true, 0x0007040600070402UL, "wrmsr PAT with reserved memory type 2" },
	};
	u64 efer = rt_rdmsr(MSR_EFER), bad_vmx = 0;
	int v;

	for (unsigned i = 0; i < ARRAY_SIZE(gp); i++) {
		v = msr_try(gp[i].msr, gp[i].write, gp[i].val);
		rt_report(v == VEC_GP, "msr: %s raises #GP (vector %d)", gp[i].name, v);
	}
	for (u32 m = MSR_VMX_FIRST; m <= MSR_VMX_LAST; m++) {
		bad_vmx += msr_try(m, false, 0) != VEC_GP;
		bad_vmx += msr_try(m, true, 0) != VEC_GP;
	}
	rt_report(bad_vmx == 0, "msr: rdmsr and wrmsr of 0x480-0x491 raise #GP (%lu did not)",
		  bad_vmx);
	v = msr_try(MSR_EFER, true, efer | EFER_SVME);
	rt_report(v == VEC_GP && !(rt_rdmsr(MSR_EFER) & EFER_SVME),
		  "msr: setting EFER.SVME raises #GP (vector %d)", v);
	rt_wrmsr(MSR_EFER, efer);
}

/* The MSRs the guest owns, with this guest's values from seed=. SYSENTER
 * ESP/EIP stay below 4 GiB (AMD keeps 32 bits of them), SFMASK and
 * SYSENTER_CS are 32-bit, the others canonical. */
static const struct { u32 msr; const char *name; u64 mask; bool syscall; } owned[] = {
	{ 0x174, "SYSENTER_CS", 0xfff8UL, false },
	{ 0x175, "SYSENTER_ESP", 0xfffffff0UL, false },
	{ 0x176, "SYSENTER_EIP", 0xffffffffUL, false },
	{ 0xC0000081, "STAR", ~0UL, true },
	{ 0xC0000082, "LSTAR", 0x00007fffffffffffUL, true },
	{ 0xC0000083, "CSTAR", 0x00007fffffffffffUL, true },
	{ 0xC0000084, "SFMASK", 0x0000000000247fd5UL, true },
	{ 0xC0000102, "KERNEL_GS_BASE", 0x00007fffffffffffUL, false },
};

static u64 owned_want[ARRAY_SIZE(owned)];

static bool has_syscall(void)
{
	u32 r[4];

	rt_cpuid(0x80000001, 0, r);
	return r[3] & (1u << 11);
}

static u64 owned_check(bool print)
{
	u64 bad = 0;
	bool sc = has_syscall();

	for (unsigned i = 0; i < ARRAY_SIZE(owned); i++) {
		u64 got;
		if (owned[i].syscall && !sc)
			continue;
		got = rt_rdmsr(owned[i].msr);
		if (got == owned_want[i])
			continue;
		bad++;
		if (print)
			rt_printf("hostile: %s reads 0x%lx, wrote 0x%lx\n", owned[i].name, got,
				  owned_want[i]);
	}
	return bad;
}

/* APIC base: read, write the same value back, read it again. */
static void check_apic_base(void)
{
	u64 base = rt_rdmsr(MSR_APIC_BASE);
	int v = msr_try(MSR_APIC_BASE, true, base);

	rt_report(v < 0 && rt_rdmsr(MSR_APIC_BASE) == base && (base & ~0xfffUL) == 0xFEE00000UL,
		  "msr: APIC_BASE 0x%lx written back reads the same (vector %d)", base, v);
}

static int mode_msr(const char *cmdline)
{
	u64 seed = 1, rounds = 2000, spin = 20000, bad_rounds = 0;
	struct rt_rand r;
	u32 c[4];

	rt_opt_uint(cmdline, "seed", &seed);
	rt_opt_uint(cmdline, "rounds", &rounds);
	rt_opt_uint(cmdline, "spin", &spin);
	check_msr_gp();
	check_apic_base();
	rt_rand_seed(&r, seed);
	for (unsigned i = 0; i < ARRAY_SIZE(owned); i++) {
		owned_want[i] = rt_rand_next(&r) & owned[i].mask;
		if (!owned[i].syscall || has_syscall())
			rt_wrmsr(owned[i].msr, owned_want[i]);
	}
	rt_report(owned_check(true) == 0, "msr: seed %lu: owned MSRs read back what was written%s",
		  seed, has_syscall() ? "" : " (no SYSCALL MSRs: CPUID hides them)");
	for (u64 i = 0; i < rounds; i++) {
		rt_cpuid(0, 0, c);                      /* an exit */
		(void)rt_inb(0x61);                     /* another one */
		for (volatile u64 s = 0; s < spin; s++)
			;
		bad_rounds += owned_check(bad_rounds < 2) != 0;
	}
	rt_report(bad_rounds == 0, "msr: seed %lu: owned MSRs held for %lu rounds (%lu bad)",
		  seed, rounds, bad_rounds);
	return rt_summary();
}

/* ---- ports ---- */

/* Before an OUT to COM1's data port, set DLAB, so the zero lands in the
 * divisor latch rather than on the console as a NUL. */
static void port_out_all(u16 port)
{
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outb(port, 0);
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outw(port, 0);
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outl(port, 0);
}

/* As rt.c sets COM1 up: 115200 8N1, FIFOs on, no interrupts. */
static void uart_reinit(void)
{
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x80);
	rt_outb(COM1 + 0, 0x01);
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x03);
	rt_outb(COM1 + 2, 0x07);
	rt_outb(COM1 + 4, 0x03);
}

/* Every port read as byte, word and dword, and written with 0 as byte,
 * word and dword; only 0xF4 (the exit port) is not written. */
static int mode_ports(const char *cmdline)
{
	u64 ones = 0, reads = 0, writes = 0, nans = 0;
	u16 answered[48];

	(void)cmdline;
	rt_printf("hostile: reading and writing all 65536 ports (0xf4, the exit port, only read)\n");
	for (u32 p = 0; p <= 0xffff; p++) {
		u8 b = rt_inb((u16)p);
		u16 w = rt_inw((u16)p);
		u32 l = rt_inl((u16)p);
		reads += 3;
		if (b == 0xff && w == 0xffff && l == ~0u)
			ones++;
		else if (nans < ARRAY_SIZE(answered))
			answered[nans++] = (u16)p;
		if (p == EXIT_PORT)
			continue;
		port_out_all((u16)p);
		writes += 3;
	}
	uart_reinit();
	rt_puts("hostile: ports that answered with something other than all-ones:");
	for (u64 i = 0; i < nans; i++)
		rt_printf(" %x", answered[i]);
	rt_puts("\n");
	rt_printf("hostile: %lu reads (%lu ports all-ones at every width), %lu writes\n",
		  reads, ones, writes);
	rt_report(ones > 65000, "ports: the guest survived every port; absent ones read all-ones");
	rt_report(rt_inb(COM1 + 3) == 0x03, "ports: COM1 works again after reprogramming");
	return rt_summary();
}

/* ---- cr ---- */

#define CR0_PE          (1UL << 0)
#define CR0_NW          (1UL << 29)
#define CR0_CD          (1UL << 30)
#define CR0_PG          (1UL << 31)
#define CR4_PAE         (1UL << 5)
#define CR4_LA57        (1UL << 12)
#define CR4_OSXSAVE     (1UL << 18)
#define EFER_LME        (1UL << 8)

enum creg { CREG_CR0, CREG_CR4, CREG_EFER, CREG_XCR0, CREG_XCR1 };

struct cr_write {
	enum creg reg;
	u64 val;
};

static u64 xgetbv0(void)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static u64 cr_read(enum creg r)
{
	u64 v = 0;

	if (r == CREG_CR0)
		asm volatile("mov %%cr0, %0" : "=r"(v));
	else if (r == CREG_CR4)
		v = rt_read_cr4();
	else if (r == CREG_EFER)
		v = rt_rdmsr(MSR_EFER);
	else if (r == CREG_XCR0)
		v = xgetbv0();
	return v;
}

static void do_cr_write(void *arg)
{
	const struct cr_write *w = arg;

	if (w->reg == CREG_CR0)
		asm volatile("mov %0, %%cr0" :: "r"(w->val) : "memory");
	else if (w->reg == CREG_CR4)
		asm volatile("mov %0, %%cr4" :: "r"(w->val) : "memory");
	else if (w->reg == CREG_EFER)
		rt_wrmsr(MSR_EFER, w->val);
	else
		asm volatile("xsetbv" :: "a"((u32)w->val), "d"((u32)(w->val >> 32)),
			     "c"(w->reg == CREG_XCR1 ? 1u : 0u) : "memory");
}

static const char *const creg_names[] = { "cr0", "cr4", "efer", "xcr0", "xcr1" };

static char cr_skip[64];        /* skip=: check ids an emulator gets wrong */

/* Whether a comma-separated word of skip= is a prefix of id (skip=cr4
 * skips every CR4 check). */
static bool cr_skipped(const char *id)
{
	const char *p = cr_skip;

	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n && n <= rt_strlen(id) && !rt_memcmp(p, id, n))
			return true;
		p += p[n] ? n + 1 : n;
	}
	return false;
}

/* One invalid write: #GP, and the register unchanged. */
static void cr_expect_gp(const char *id, enum creg r, u64 val, const char *what)
{
	enum creg rd = r == CREG_XCR1 ? CREG_XCR0 : r;
	struct cr_write w = { r, val };
	u64 before, after;
	int v;

	if (cr_skipped(id)) {
		rt_printf("SKIP: cr: %s = 0x%lx (%s): skip=%s\n", creg_names[r], val, what, id);
		return;
	}
	before = cr_read(rd);
	v = rt_try(do_cr_write, &w);
	after = cr_read(rd);
	rt_report(v == VEC_GP && after == before, "cr: %s = 0x%lx (%s) raises #GP (vector %d, %s 0x%lx)",
		  creg_names[r], val, what, v, creg_names[rd], after);
}

static void check_xcr0(void)
{
	u32 r[4];
	u64 cr4 = rt_read_cr4(), supported;
	struct cr_write w = { CREG_XCR0, 1 };
	int v;

	if (!(cr4 & CR4_OSXSAVE)) {
		v = rt_try(do_cr_write, &w);
		rt_report(v == VEC_UD, "cr: xsetbv with CR4.OSXSAVE clear raises #UD (vector %d)", v);
	}
	rt_cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		rt_printf("SKIP: cr: xsetbv checks (CPUID.1:ECX.XSAVE clear)\n");
		return;
	}
	rt_cpuid(0xD, 0, r);
	supported = ((u64)r[3] << 32) | r[0];
	asm volatile("mov %0, %%cr4" :: "r"(cr4 | CR4_OSXSAVE) : "memory");
	cr_expect_gp("xcr0x87", CREG_XCR0, 0, "x87 bit clear");
	cr_expect_gp("xcr0avx", CREG_XCR0, 0x5, "AVX without SSE");
	cr_expect_gp("xcr0hi", CREG_XCR0, 0x3 | (1UL << 62), "unknown bit 62");
	for (u64 bit = 2; bit < 20; bit++)
		if (!(supported & (1UL << bit))) {
			cr_expect_gp("xcr0bit", CREG_XCR0, 0x3 | (1UL << bit), "a bit CPUID leaf 0xD does not offer");
			break;
		}
	cr_expect_gp("xcr1", CREG_XCR1, 0x1, "XCR1: no such register here");
	asm volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

static int mode_cr(const char *cmdline)
{
	u64 cr0 = cr_read(CREG_CR0), cr4 = cr_read(CREG_CR4), efer = cr_read(CREG_EFER);

	rt_opt_str(cmdline, "skip", cr_skip, sizeof(cr_skip));
	cr_expect_gp("cr0hi", CREG_CR0, cr0 | (1UL << 32), "reserved bit 32");
	cr_expect_gp("cr0hi", CREG_CR0, cr0 | (1UL << 63), "reserved bit 63");
	cr_expect_gp("cr0nw", CREG_CR0, (cr0 | CR0_NW) & ~CR0_CD, "NW without CD");
	cr_expect_gp("cr0pe", CREG_CR0, cr0 & ~CR0_PE, "PG without PE");
	cr_expect_gp("cr0pg", CREG_CR0, cr0 & ~CR0_PG, "paging off in 64-bit mode");
	cr_expect_gp("cr4hi", CREG_CR4, cr4 | (1UL << 63), "reserved bit 63");
	cr_expect_gp("cr4r15", CREG_CR4, cr4 | (1UL << 15), "reserved bit 15");
	cr_expect_gp("cr4la57", CREG_CR4, cr4 | CR4_LA57, "LA57 in long mode");
	cr_expect_gp("cr4pae", CREG_CR4, cr4 & ~CR4_PAE, "PAE off in long mode");
	cr_expect_gp("efer2", CREG_EFER, efer | (1UL << 2), "reserved bit 2");
	cr_expect_gp("eferhi", CREG_EFER, efer | (1UL << 63), "reserved bit 63");
	cr_expect_gp("eferlme", CREG_EFER, efer & ~EFER_LME, "LME cleared with paging on");
	check_xcr0();
	return rt_summary();
}

/* ---- faultloop ---- */

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
};

#define NONCANONICAL    0x8000000000000000UL

/* Both start with a #GP (a read of a non-canonical address: contributory,
 * as Bochs' SVM model needs to see a shutdown rather than give up on a
 * third exception). how=gates: the #UD, #DF, #GP, #PF and #SS gates point
 * at a non-canonical handler, so delivering the #GP raises #GP, which
 * becomes #DF, whose delivery fails again: a triple fault (SDM Vol. 3A
 * 6.15, table 6-5). how=stack: RSP non-canonical, so every delivery's
 * first push faults (#SS, then #DF, then shutdown). how=df: see
 * faultloop_df. */
static void read_noncanonical(void *arg)
{
	(void)arg;
	asm volatile("movabsq %0, %%rax; movq (%%rax), %%rax" :: "i"(NONCANONICAL) : "rax", "memory");
}

/* how=df: only the #GP gate is bad, so the #GP becomes a #DF that a good
 * handler receives (error code 0); the gate is restored after. */
static int faultloop_df(struct idt_gate *idt)
{
	struct idt_gate saved = idt[VEC_GP];
	int v;

	rt_printf("hostile: faultloop: #GP gate non-canonical, #DF gate good, then a non-canonical read\n");
	idt[VEC_GP].off2 = 0x80000000u;
	v = rt_try(read_noncanonical, NULL);
	idt[VEC_GP] = saved;
	rt_report(v == VEC_DF && rt_fault_err == 0,
		  "faultloop: a #GP that cannot be delivered arrives as #DF (vector %d, error 0x%lx)",
		  v, rt_fault_err);
	v = rt_try(read_noncanonical, NULL);
	rt_report(v == VEC_GP, "faultloop: with the gate restored it is a #GP again (vector %d)", v);
	return rt_summary();
}

static int mode_faultloop(const char *cmdline)
{
	static const u8 vectors[] = { VEC_UD, VEC_DF, VEC_GP, VEC_PF, 12 };
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr;
	char how[16] = "gates";
	struct idt_gate *idt;

	rt_opt_str(cmdline, "how", how, sizeof(how));
	asm volatile("sidt %0" : "=m"(idtr));
	idt = (struct idt_gate *)idtr.base;
	if (!rt_strcmp(how, "df"))
		return faultloop_df(idt);
	if (!rt_strcmp(how, "stack")) {
		rt_printf("hostile: faultloop: RSP non-canonical, then a non-canonical read\n");
		asm volatile("movabsq $0x8000000000001000, %%rsp; movabsq %0, %%rax; movq (%%rax), %%rax"
			     :: "i"(NONCANONICAL) : "rax", "memory");
	} else {
		rt_printf("hostile: faultloop: #UD/#DF/#GP/#PF/#SS gates non-canonical, then a non-canonical read\n");
		for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++)
			idt[vectors[i]].off2 = 0x80000000u;
		asm volatile("movabsq %0, %%rax; movq (%%rax), %%rax" :: "i"(NONCANONICAL) : "rax", "memory");
	}
	rt_printf("hostile: faultloop: still running after the fault loop\n");
	return 1;
}

/* ---- exitstorm ---- */

static int mode_exitstorm(const char *cmdline)
{
	u64 seconds = 1, ms, cpuids = 0, ins = 0, t0, end;
	u32 r[4];

	rt_opt_uint(cmdline, "seconds", &seconds);
	ms = seconds * 1000;
	rt_opt_uint(cmdline, "ms", &ms);
	t0 = rt_rdtsc();
	end = t0 + ms * tsc_khz();
	rt_printf("hostile: exitstorm for %lu ms\n", ms);
	while (rt_rdtsc() < end) {
		for (int i = 0; i < 64; i++) {
			rt_cpuid(i & 1 ? 0x40000000 : 1, 0, r);
			(void)rt_inb(0x61);
			(void)rt_inb(0x71);
		}
		cpuids += 64;
		ins += 128;
	}
	rt_report(cpuids > 0, "exitstorm: %lu cpuid and %lu port-read exits in %lu ms", cpuids,
		  ins, (rt_rdtsc() - t0) / tsc_khz());
	return rt_summary();
}

/* ---- fakeverdict ---- */

static int mode_fakeverdict(const char *cmdline)
{
	(void)cmdline;
	rt_puts("PASS: guest memtouch\n");
	rt_puts("SUMMARY: 0 failed\n");
	rt_puts("SUMMARY: 3 guests, 0 failed\n");
	rt_puts("FAIL: x\n");
	rt_puts("\rPASS: guest fake-after-cr\n");
	rt_puts("\x1b[2K\x1b[1GPASS: guest fake-after-ansi\n");
	rt_puts("\x1b[1A\x1b[2K\rSUMMARY: 0 guests, 0 failed\n");
	for (int i = 0; i < 159; i++)     /* core/vdev/uart.h: 159 bytes a line */
		rt_putc('x');
	rt_puts("PASS: guest fake-after-wrap\n");
	rt_putc('\0');
	rt_puts("PASS: guest fake-after-nul\n");
	return 1;
}

/* ---- secretfill / secretscan ---- */

/* The secret word for index i: rt_mix64(SECRET_BASE + i). rt_mix64 is a
 * bijection, so a scanner recognises any secret word by inverting it, and
 * no constant in either guest's code looks like one. */
#define SECRET_BASE     0x5EC2E70000000000UL
#define SECRET_MAX      (1UL << 28)     /* indices: up to 2 GiB of words */
#define SECRET_START    (4 * MiB)

static u64 unshift(u64 x, unsigned s)
{
	u64 y = x;

	for (unsigned k = s; k < 64; k += s)
		y = x ^ (y >> s);
	return y;
}

static u64 mul_inverse(u64 c)
{
	u64 inv = c;                    /* Newton: 5 steps from 3 correct bits */

	for (int i = 0; i < 5; i++)
		inv *= 2 - c * inv;
	return inv;
}

static u64 inv_c1, inv_c2;

static u64 unmix64(u64 x)
{
	x = unshift(x, 31) * inv_c2;
	x = unshift(x, 27) * inv_c1;
	return unshift(x, 30) - 0x9e3779b97f4a7c15UL;
}

static bool is_secret(u64 w)
{
	return unmix64(w) - SECRET_BASE < SECRET_MAX;
}

static u64 secret_end(const char *cmdline)
{
	u64 mib = (ram_top() - SECRET_START) / MiB;

	rt_opt_uint(cmdline, "mib", &mib);
	return SECRET_START + mib * MiB;
}

static int mode_secretfill(const char *cmdline)
{
	u64 end = secret_end(cmdline), hold = 0, bad = 0, verify = 0;
	volatile u64 *p = (volatile u64 *)SECRET_START;
	u64 n = (end - SECRET_START) / 8;

	rt_opt_uint(cmdline, "hold", &hold);
	rt_opt_uint(cmdline, "verify", &verify);
	for (u64 i = 0; i < n; i++)
		p[i] = rt_mix64(SECRET_BASE + i);
	for (u64 i = verify ? 0 : n - WORDS; i < n; i++)
		bad += p[i] != rt_mix64(SECRET_BASE + i);
	rt_report(bad == 0 && is_secret(p[n - 1]),
		  "secretfill: 0x%lx-0x%lx holds the secret (%s: %lu bad words)", SECRET_START,
		  end, verify ? "all verified" : "last page verified", bad);
	spin_ms(hold);
	return rt_summary();
}

struct secret_scan {
	u64 pages, secret, nonzero_fresh;
};

static void scan_secret_range(u64 from, u64 to, struct secret_scan *s)
{
	u64 image_end = page_up((u64)_end);

	for (u64 a = from; a < to; a += PAGE_SIZE) {
		const volatile u64 *p = (const volatile u64 *)a;
		u64 nonzero = 0;
		for (u64 w = 0; w < WORDS; w++) {
			u64 v = p[w];
			nonzero |= v;
			if (v && is_secret(v) && s->secret++ < 4)
				rt_printf("hostile: secret word 0x%016lx at 0x%lx\n", v, a + 8 * w);
		}
		s->pages++;
		/* Above 1 MiB and the image only the loader wrote anything. */
		s->nonzero_fresh += a >= image_end && nonzero != 0;
	}
}

#define SLEEP_VECTOR    0x40

static void sleep_tick(u8 vector)
{
	(void)vector;
	rt_lapic_eoi();
}

/* Sleep ms of TSC time in HLT on the LAPIC timer (one-shot, at most a
 * second a shot), so the other guests get the CPU meanwhile. */
static void sleep_ms(u64 ms)
{
	u64 end;

	rt_pc_init();
	end = rt_rdtsc() + rt_tsc_ms(ms);
	rt_irq_handler(SLEEP_VECTOR, sleep_tick);
	rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | SLEEP_VECTOR);
	while (rt_rdtsc() < end) {
		u64 left = rt_tsc_to_us(end - rt_rdtsc()) / 1000 + 1;
		u64 shot = (left < 1000 ? left : 1000) * rt_clock.lapic_khz;
		rt_lapic_write(LAPIC_TIMER_ICR, (u32)(shot < 0xffffffffUL ? shot : 0xffffffffUL));
		rt_wait_irq();
	}
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
}

static int mode_secretscan(const char *cmdline)
{
	struct secret_scan s = { 0 };
	u64 delay = 0;

	rt_opt_uint(cmdline, "delay", &delay);
	rt_printf("hostile: secretscan sleeps %lu ms\n", delay);
	sleep_ms(delay);
	rt_printf("hostile: secretscan: scanning 0-0x%lx\n", ram_top());
	scan_secret_range(0, low_top(), &s);
	scan_secret_range(LOW_END, ROM_END, &s);
	scan_secret_range(1 * MiB, ram_top(), &s);
	rt_report(s.secret == 0, "secretscan: %lu pages (RAM, VGA hole, ROM) hold no secret word "
		  "(%lu found)", s.pages, s.secret);
	rt_report(s.nonzero_fresh <= 2, "secretscan: never-touched pages read zero "
		  "(%lu non-zero above the image: the loader's information)", s.nonzero_fresh);
	return rt_summary();
}

/* ---- modes ---- */

static const struct { const char *name; int (*fn)(const char *cmdline); } modes[] = {
	{ "physscan", mode_physscan }, { "virt", mode_virt }, { "msr", mode_msr },
	{ "ports", mode_ports }, { "cr", mode_cr }, { "faultloop", mode_faultloop },
	{ "exitstorm", mode_exitstorm }, { "fakeverdict", mode_fakeverdict },
	{ "secretfill", mode_secretfill }, { "secretscan", mode_secretscan },
};

int main(const char *cmdline)
{
	char mode[16] = "";

	inv_c1 = mul_inverse(0xbf58476d1ce4e5b9UL);
	inv_c2 = mul_inverse(0x94d049bb133111ebUL);
	rt_opt_str(cmdline, "mode", mode, sizeof(mode));
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++)
		if (!rt_strcmp(mode, modes[i].name))
			return modes[i].fn(cmdline);
	rt_printf("FAIL: hostile: unknown mode '%s'\n", mode);
	return 1;
}
