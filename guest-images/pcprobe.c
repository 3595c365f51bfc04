/* pcprobe: what a test kernel written for QEMU's PC machine expects to find
 * (kvm-unit-tests style): fw_cfg (signature, CPU count, RAM size against
 * the Multiboot map), the xAPIC (base MSR, ID, version, SVR, a harmless
 * INIT/SIPI broadcast, a self-IPI), 8259 masks, all-ones from absent ports,
 * x2APIC when offered, a plausible RTC date, SSE/AVX registers kept across
 * many exits, and exceptions whose delivery writes a never-touched stack
 * page (under a hypervisor: a nested page fault during event delivery).
 * Options: strict=1 (present COM2/COM3 FAIL instead of SKIP), loops= (5000). */
#include "pc.h"

#define FWCFG_SEL       0x510
#define FWCFG_DATA      0x511
#define FWCFG_SIGNATURE 0x00
#define FWCFG_RAM_SIZE  0x03
#define FWCFG_NB_CPUS   0x05
#define MB_INFO_MMAP    (1U << 6)
#define MB_MMAP_AVAIL   1
#define VEC_SELF_IPI    0x50
#define VEC_X2_IPI      0x51
#define CPUID1_ECX_X2APIC (1U << 21)
#define CPUID1_ECX_XSAVE  (1U << 26)
#define CPUID1_ECX_AVX    (1U << 28)
#define CPUID1_EDX_SSE2   (1U << 26)
#define UNMAPPED_VA     0x300000000UL   /* 12 GiB: above the 8 GiB identity map */
#define BAD_SELECTOR    0x1230          /* far beyond the runtime's 4-entry GDT */
#define VEC_BP          3
#define VEC_GP          13
#define VEC_PF          14
#define PF_WRITE        (1U << 1)

static u64 strict, loops = 5000;
static volatile u64 ipi_seen, ipi_isr_bit;
static u32 init_apic_id;

static void fwcfg_read(u16 key, void *buf, size_t n)
{
	rt_outw(FWCFG_SEL, key);
	for (size_t i = 0; i < n; i++)
		((u8 *)buf)[i] = rt_inb(FWCFG_DATA);
}

/* Sum of the available entries of the Multiboot memory map (KiB sizes as a
 * fallback when the loader gave no map). */
static u64 mb_avail_bytes(void)
{
	u64 sum = 0;
	u32 off = 0;

	if (!(rt_mbi->flags & MB_INFO_MMAP))
		return ((u64)rt_mbi->mem_lower + rt_mbi->mem_upper) * KiB;
	while (off < rt_mbi->mmap_length) {
		const u8 *e = (const u8 *)(u64)(rt_mbi->mmap_addr + off);
		u32 size = *(const u32 *)e;
		u64 len = *(const u64 *)(e + 12);

		if (*(const u32 *)(e + 20) == MB_MMAP_AVAIL)
			sum += len;
		off += size + 4;
	}
	return sum;
}

/* RAM size: the map's available bytes lie within 16 MiB below it (BIOS
 * areas, the VGA hole and firmware reservations are the difference). */
static void check_fwcfg(void)
{
	char sig[5] = "";
	u16 cpus = 0;
	u64 ram = 0, avail = mb_avail_bytes();

	fwcfg_read(FWCFG_SIGNATURE, sig, 4);
	for (int i = 0; i < 4; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7E)
			sig[i] = '?';
	rt_report(!rt_memcmp(sig, "QEMU", 4), "fw_cfg signature \"%s\"", sig);
	fwcfg_read(FWCFG_NB_CPUS, &cpus, sizeof(cpus));
	rt_report(cpus == 1, "fw_cfg cpu count %u", cpus);
	fwcfg_read(FWCFG_RAM_SIZE, &ram, sizeof(ram));
	rt_report(ram >= avail && ram - avail <= 16 * MiB,
		  "fw_cfg ram size %lu KiB vs %lu KiB available in the memory map",
		  ram / KiB, avail / KiB);
}

static void self_ipi(u8 vector)
{
	u32 isr = rt_lapic_read(LAPIC_ISR + (vector / 32) * 0x10);

	ipi_isr_bit = isr >> (vector % 32) & 1;
	ipi_seen++;
	rt_lapic_eoi();
}

static void check_xapic_regs(void)
{
	u64 base = rt_rdmsr(MSR_APIC_BASE);
	u32 id = rt_lapic_read(LAPIC_ID) >> 24, ver = rt_lapic_read(LAPIC_VER);
	u32 svr = rt_lapic_read(LAPIC_SVR), off, on;

	rt_report((base & ~0xFFFUL) == LAPIC_BASE && (base & APIC_BASE_BSP) &&
		  (base & APIC_BASE_EN), "apic base msr 0x%lx: 0xfee00000, BSP, enabled", base);
	rt_report(id == init_apic_id, "xapic id %u = initial APIC id %u", id, init_apic_id);
	rt_report((ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x15 && (ver >> 16 & 0xFF) >= 5,
		  "xapic version 0x%x (integrated, max lvt %u)", ver, ver >> 16 & 0xFF);
	rt_lapic_write(LAPIC_SVR, svr & ~LAPIC_SVR_ENABLE);
	off = rt_lapic_read(LAPIC_SVR);
	rt_lapic_write(LAPIC_SVR, svr | LAPIC_SVR_ENABLE);
	on = rt_lapic_read(LAPIC_SVR);
	rt_report(!(off & LAPIC_SVR_ENABLE) && (on & LAPIC_SVR_ENABLE) &&
		  (on & 0xFF) == (svr & 0xFF), "xapic svr enable bit round-trips (0x%x, 0x%x)", off, on);
}

/* The INIT/SIPI sequence an SMP kernel sends: no other CPU exists, so
 * nothing may happen but the delivery-status bit clearing. */
static void check_init_sipi(void)
{
	bool init = rt_lapic_icr(LAPIC_ICR_ALL_BUT_SELF | LAPIC_ICR_ASSERT | LAPIC_ICR_INIT, 0);
	bool sipi = rt_lapic_icr(LAPIC_ICR_ALL_BUT_SELF | LAPIC_ICR_SIPI | 0x08, 0);

	rt_report(init && sipi, "init/sipi broadcast to all-but-self: delivery status cleared");
}

static void check_ipi(const char *how, u8 vector, void (*send)(u8 vector))
{
	ipi_seen = ipi_isr_bit = 0;
	rt_irq_handler(vector, self_ipi);
	send(vector);
	rt_wait_count(&ipi_seen, 1, 10);
	rt_wait_count(&ipi_seen, 2, 1);         /* a second arrival would be a bug */
	rt_report(ipi_seen == 1 && ipi_isr_bit,
		  "%s self-ipi arrives once at vector 0x%x (%lu times, in ISR %lu)",
		  how, vector, ipi_seen, ipi_isr_bit);
	rt_irq_handler(vector, NULL);
}

/* Send an NMI to ourselves and give it time to arrive (it ends rt_try
 * through the NMI vector, with an IRET to the recovery point). */
static void send_nmi_self(void *arg)
{
	(void)arg;
	rt_lapic_icr(LAPIC_ICR_SELF | LAPIC_ICR_NMI, 0);
	for (volatile u32 i = 0; i < 1000000; i++)
		;
}

/* NMI through the ICR, twice: the second only arrives if the IRET that
 * ended the first handler unmasked NMIs again. */
static void check_nmi(void)
{
	int first = rt_try(send_nmi_self, NULL);
	int second = rt_try(send_nmi_self, NULL);
	rt_report(first == 2 && second == 2,
		  "self-nmi through the icr arrives at vector 2, and again after iret (%d, %d)",
		  first, second);
}

static void send_icr_self(u8 vector)
{
	rt_lapic_icr(LAPIC_ICR_SELF | vector, 0);
}

static void send_x2_self(u8 vector)
{
	rt_wrmsr(MSR_X2APIC_BASE + (LAPIC_SELF_IPI >> 4), vector);
}

static void check_x2apic(void)
{
	u32 r[4], id, ver;

	rt_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_X2APIC)) {
		rt_printf("SKIP: x2apic: CPUID.1:ECX[21] is clear\n");
		return;
	}
	ver = rt_lapic_read(LAPIC_VER);
	rt_x2apic_enable();
	id = (u32)rt_rdmsr(MSR_X2APIC_BASE + (LAPIC_ID >> 4));
	rt_report(id == init_apic_id && (u32)rt_rdmsr(MSR_X2APIC_BASE + (LAPIC_VER >> 4)) == ver,
		  "x2apic id msr 0x802 = %u, version msr = xapic version", id);
	check_ipi("x2apic msr 0x83f", VEC_X2_IPI, send_x2_self);
}

static void check_pic_masks(void)
{
	u16 got;

	rt_pic_set_mask(0x5AA5);
	got = rt_pic_get_mask();
	rt_pic_set_mask(PIC_ALL_MASKED);
	rt_report(got == 0x5AA5, "8259 masks read back 0x%04x (wrote 0x5aa5)", got);
}

/* Absent COM ports float high: LSR 0xFF (impossible for a real 16550), a
 * scratch write does not stick. *lsr_scr gets both bytes read. */
static bool com_absent(u16 base, u16 *lsr_scr)
{
	u8 lsr, scr;

	rt_outb(base + 7, 0x5A);
	lsr = rt_inb(base + 5);
	scr = rt_inb(base + 7);
	*lsr_scr = (u16)(lsr << 8 | scr);
	return lsr == 0xFF && scr == 0xFF;
}

static void check_absent(void)
{
	static const struct { const char *name; u16 base; bool must; } com[] = {
		{ "com2", 0x2F8, false }, { "com3", 0x3E8, false }, { "com4", 0x2E8, true },
	};
	u32 v;

	for (unsigned i = 0; i < ARRAY_SIZE(com); i++) {
		u16 got;
		bool absent = com_absent(com[i].base, &got);

		if (absent || com[i].must || strict)
			rt_report(absent, "%s (0x%x) absent: LSR and scratch read 0x%02x 0x%02x",
				  com[i].name, com[i].base, got >> 8, got & 0xFF);
		else
			rt_printf("SKIP: %s (0x%x) is present here: LSR 0x%02x scratch 0x%02x (strict=1 fails it)\n",
				  com[i].name, com[i].base, got >> 8, got & 0xFF);
	}
	rt_outl(0xCF8, 0x00000000);     /* bus 0 dev 0 reg 0, enable bit 31 clear */
	v = rt_inl(0xCFC);
	rt_report(v == 0xFFFFFFFF, "pci config data without the enable bit reads 0x%x", v);
}

static u8 bcd(u8 v, bool binary)
{
	return binary ? v : (u8)((v >> 4) * 10 + (v & 0xF));
}

static void check_rtc(void)
{
	u8 b, y, c, m, d;
	bool bin;
	unsigned year;

	for (int i = 0; i < 100000 && (rt_cmos_read(RTC_REG_A) & 0x80); i++)
		;
	b = rt_cmos_read(RTC_REG_B);
	bin = b & 4;
	y = bcd(rt_cmos_read(RTC_YEAR), bin);
	c = bcd(rt_cmos_read(RTC_CENTURY), bin);
	m = bcd(rt_cmos_read(RTC_MONTH), bin);
	d = bcd(rt_cmos_read(RTC_DAY), bin);
	year = (c >= 19 && c <= 21 ? c : 20) * 100 + y;
	rt_report(year >= 2020 && year < 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31,
		  "rtc date %u-%02u-%02u (register B 0x%x)", year, m, d, b);
}

static void sse_on(void *unused)
{
	u64 cr0;

	(void)unused;
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" :: "r"((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP));
	asm volatile("mov %0, %%cr4" :: "r"(rt_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT));
}

static void avx_on(void *unused)
{
	(void)unused;
	asm volatile("mov %0, %%cr4" :: "r"(rt_read_cr4() | CR4_OSXSAVE));
	asm volatile("xsetbv" :: "c"(0), "a"(7), "d"(0));
}

static void vec_write(const u64 *in, bool ymm)
{
	if (ymm)
		asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			     "vmovdqu \\n*32(%0), %%ymm\\n\n\t.endr" :: "r"(in) : "memory");
	else
		asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			     "movdqu \\n*16(%0), %%xmm\\n\n\t.endr" :: "r"(in) : "memory");
}

static void vec_read(u64 *out, bool ymm)
{
	if (ymm)
		asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			     "vmovdqu %%ymm\\n, \\n*32(%0)\n\t.endr" :: "r"(out) : "memory");
	else
		asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			     "movdqu %%xmm\\n, \\n*16(%0)\n\t.endr" :: "r"(out) : "memory");
}

/* Vector registers hold their values across loops x (CPUID + port read),
 * each an exit under a hypervisor. */
static void check_vector_state(void)
{
	static u64 want[64], got[64];
	u32 r[4];
	bool ymm;
	unsigned words, bad = 0;
	struct rt_rand rng;

	rt_cpuid(1, 0, r);
	if (!(r[3] & CPUID1_EDX_SSE2) || rt_try(sse_on, NULL) >= 0) {
		rt_printf("SKIP: vector state: no SSE2\n");
		return;
	}
	ymm = (r[2] & CPUID1_ECX_XSAVE) && (r[2] & CPUID1_ECX_AVX) && rt_try(avx_on, NULL) < 0;
	words = ymm ? 64 : 32;
	rt_rand_seed(&rng, 8);
	for (unsigned i = 0; i < words; i++)
		want[i] = rt_rand_next(&rng);
	vec_write(want, ymm);
	for (u64 i = 0; i < loops; i++) {
		rt_cpuid(0, 0, r);
		rt_inb(0x21);
	}
	vec_read(got, ymm);
	for (unsigned i = 0; i < words; i++)
		bad += got[i] != want[i];
	rt_report(!bad, "%s0-15 held across %lu cpuid+port exits (%u words bad)",
		  ymm ? "ymm" : "xmm", loops, bad);
}

struct fresh { u64 top; };

static void fault_gp(void *arg)
{
	asm volatile("mov %0, %%rsp; mov %1, %%ds" ::
		     "r"(((struct fresh *)arg)->top), "r"((u16)BAD_SELECTOR) : "memory");
}

static void fault_pf(void *arg)
{
	asm volatile("mov %0, %%rsp; movq $1, (%1)" ::
		     "r"(((struct fresh *)arg)->top), "r"(UNMAPPED_VA) : "memory");
}

static void fault_bp(void *arg)
{
	asm volatile("mov %0, %%rsp; int3" :: "r"(((struct fresh *)arg)->top) : "memory");
}

/* Run fn with RSP at the top of a page nothing has touched yet: the CPU's
 * exception frame is the page's first write. The handler must run once,
 * with the right vector and error code, and the frame must be in the page. */
static void check_fresh_stack(const char *what, void (*fn)(void *), u64 page,
			      int vec, u64 err)
{
	struct fresh f = { page + PAGE_SIZE };
	u64 before = rt_exc_count, cr2 = 0, n;
	const u64 *frame = (const u64 *)(f.top - 48);  /* error, rip, cs, rflags, rsp, ss */
	u16 cs;
	int got;

	got = rt_try(fn, &f);
	n = rt_exc_count - before;
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	rt_report(got == vec && n == 1 && rt_fault_err == err && frame[2] == cs &&
		  (vec != VEC_PF || cr2 == UNMAPPED_VA),
		  "%s on an untouched stack page: vector %d once (%lu), error 0x%lx, frame cs 0x%lx",
		  what, got, n, rt_fault_err, frame[2]);
}

static void check_fresh_stacks(void)
{
	u64 top = MiB + (u64)rt_mbi->mem_upper * KiB;
	u64 base = ((MiB + top) / 2) & ~(2 * MiB - 1);

	if (base < (u64)_end + 2 * MiB) {
		rt_printf("SKIP: untouched stack pages: too little RAM\n");
		return;
	}
	check_fresh_stack("#GP (bad selector)", fault_gp, base, VEC_GP, BAD_SELECTOR);
	check_fresh_stack("#PF (write above 8 GiB)", fault_pf, base + 2 * PAGE_SIZE,
			  VEC_PF, PF_WRITE);
	check_fresh_stack("#BP (int3)", fault_bp, base + 4 * PAGE_SIZE, VEC_BP, 0);
}

int main(const char *cmdline)
{
	u32 r[4];

	rt_opt_uint(cmdline, "strict", &strict);
	rt_opt_uint(cmdline, "loops", &loops);
	rt_cpuid(1, 0, r);
	init_apic_id = r[1] >> 24;
	rt_pc_init();
	check_fwcfg();
	check_xapic_regs();
	check_init_sipi();
	check_ipi("xapic icr", VEC_SELF_IPI, send_icr_self);
	check_nmi();
	check_pic_masks();
	check_absent();
	check_rtc();
	check_vector_state();
	check_fresh_stacks();
	check_x2apic();         /* last: x2APIC -> xAPIC needs a reset on some CPUs */
	return rt_summary();
}
