/* hostile physscan (every guest-physical page it has, the holes, the
 * ROM, the APIC pages, then one address outside every slot) and
 * secretfill / secretscan (a secret left behind by one guest must never
 * reach the next). */
#include "hostile.h"

#define LOW_END         0xA0000UL       /* RAM below 640 KiB */
#define VGA_END         0xC0000UL       /* 0xA0000-0xBFFFF: all-ones, writes ignored */
#define ROM_END         0x100000UL      /* 0xC0000-0xFFFFF: read-only ROM */
#define LAPIC_PAGE      0xFEE00000UL
#define IOAPIC_PAGE     0xFEC00000UL
#define IDMAP_END       (8UL << 30)     /* rt/entry.S maps below this */
#define PTE_ADDR        0x000ffffffffff000UL

static u64 page_up(u64 a) { return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
static u64 ram_top(void) { return 1 * MiB + (u64)rt_mbi->mem_upper * KiB; }
static u64 low_top(void)
{
	u64 t = (u64)rt_mbi->mem_lower * KiB;
	return t < LOW_END ? t & ~(PAGE_SIZE - 1) : LOW_END;
}

static void spin_ms(u64 ms)
{
	u64 end = rt_rdtsc() + ms * hostile_tsc_khz();

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

int mode_physscan(const char *cmdline)
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

static void secret_init(void)
{
	inv_c1 = mul_inverse(0xbf58476d1ce4e5b9UL);
	inv_c2 = mul_inverse(0x94d049bb133111ebUL);
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

int mode_secretfill(const char *cmdline)
{
	u64 end = secret_end(cmdline), hold = 0, bad = 0, verify = 0;
	volatile u64 *p = (volatile u64 *)SECRET_START;
	u64 n = (end - SECRET_START) / 8;

	secret_init();
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

int mode_secretscan(const char *cmdline)
{
	struct secret_scan s = { 0 };
	u64 delay = 0;

	secret_init();
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
