/* mmiohostile: hostile use of the LAPIC and IOAPIC pages, for the MMIO
 * emulator and the interrupt paths. mode=
 *   odd          every width (1, 2, 4, 8) at aligned, unaligned, register-
 *                straddling and page-end offsets, with MOV, MOVZX/MOVSX,
 *                TEST, OR/AND/ADD on memory, XCHG, REP MOVSB/STOSB; writes
 *                only where they change nothing that matters; then checks
 *                that both APICs still work (`PASS: odd accesses survived`);
 *   undecodable  CMPXCHG on the LAPIC page (not in the emulator's set):
 *                pagevisor kills the guest, printing the bytes; elsewhere
 *                the instruction just runs;
 *   storm        LAPIC timer periodic with initial count 1 at divide 1, plus
 *                self-IPIs in a loop, for seconds= (1) of TSC time;
 *   ipi          the self-IPI loop alone.
 * Any other outcome is a FAIL line. */
#include "pc.h"

/* The timer above the IPI's priority class (SDM Vol. 3A 11.8.3): a self-IPI
 * re-sent while pending coalesces with itself, and in one class the higher
 * vector would always win, starving the other source. */
#define VEC_TIMER       0x70
#define VEC_IPI         0x60
#define VEC_FIRST       0x20
#define TPR_OFF         0x80
#define IOAPIC_VER_REG  0x01
#define CPUID1_ECX_HV   (1U << 31)

#define LAPIC ((volatile u8 *)LAPIC_BASE)
#define IOAPIC ((volatile u8 *)IOAPIC_BASE)

static volatile u64 stray, storm_timer, storm_ipi, storm_end;

/* Reads of every kind at p, all widths: results are discarded. */
static void read_all(volatile u8 *p)
{
	u64 v;

	asm volatile("movb (%1), %b0" : "=q"(v) : "r"(p) : "memory");
	asm volatile("movw (%1), %w0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movl (%1), %k0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movzbl (%1), %k0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movzwl (%1), %k0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movswq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("movslq (%1), %0" : "=r"(v) : "r"(p) : "memory");
	asm volatile("testb $0xff, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("testw $0xffff, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("testl $0xffffffff, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("testq $-1, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("cmpl $0, (%0)" :: "r"(p) : "memory", "cc");
}

/* Writes that leave the value as it was read: RMW with neutral operands,
 * MOV and XCHG of the value just read, every width. */
static void write_same(volatile u8 *p)
{
	u64 v;

	asm volatile("orb $0, (%0); andb $0xff, (%0); addb $0, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("orw $0, (%0); andw $-1, (%0); addw $0, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("orl $0, (%0); andl $-1, (%0); addl $0, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("orq $0, (%0); andq $-1, (%0); addq $0, (%0)" :: "r"(p) : "memory", "cc");
	asm volatile("movb (%1), %b0; movb %b0, (%1); xchgb %b0, (%1)" : "=&q"(v) : "r"(p) : "memory");
	asm volatile("movw (%1), %w0; movw %w0, (%1); xchgw %w0, (%1)" : "=&r"(v) : "r"(p) : "memory");
	asm volatile("movl (%1), %k0; movl %k0, (%1); xchgl %k0, (%1)" : "=&r"(v) : "r"(p) : "memory");
	asm volatile("movq (%1), %0; movq %0, (%1); xchgq %0, (%1)" : "=&r"(v) : "r"(p) : "memory");
}

/* REP MOVSB out of the page and REP STOSB of zeros into it. */
static void string_ops(volatile u8 *src, volatile u8 *zero_dst, u64 n)
{
	u8 buf[16];
	void *d = buf, *s = (void *)src;
	u64 c = n < sizeof(buf) ? n : sizeof(buf);

	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) :: "memory");
	d = (void *)zero_dst;
	c = n;
	asm volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0) : "memory");
}

static const u16 lapic_reads[] = {
	0x000, 0x001, 0x003, 0x01E, 0x01F, 0x020, 0x021, 0x023, 0x02E, 0x030,
	0x033, 0x07D, 0x080, 0x081, 0x08F, 0x0F0, 0x0F3, 0x100, 0x1FD, 0x2FF,
	0x300, 0x30E, 0x390, 0x3FD, 0xFF8, 0xFF9, 0xFFC,
};
/* Where writing back what was read is harmless: reserved space around the
 * TPR, the TPR itself (0 stays 0), ESR (a write re-latches it), the
 * reserved end of the page. */
static const u16 lapic_writes[] = { 0x07C, 0x07E, 0x080, 0x081, 0x08E, 0x280, 0xFF0, 0xFF8 };
static const u16 ioapic_reads[] = { 0x000, 0x001, 0x003, 0x00E, 0x00F, 0x010, 0x011, 0x013,
				     0x01D, 0x020, 0x040, 0xFF8, 0xFFC };
/* IOREGSEL points at the read-only version register during the writes. */
static const u16 ioapic_writes[] = { 0x010, 0x011, 0x012, 0x00C };

static void stray_irq(u8 vector)
{
	(void)vector;
	stray++;
	rt_lapic_eoi();
}

static void count_ipi(u8 vector)
{
	(void)vector;
	storm_ipi++;
	rt_lapic_eoi();
}

static bool self_ipi_works(void)
{
	u64 before = storm_ipi;

	rt_irq_handler(VEC_IPI, count_ipi);
	rt_lapic_icr(LAPIC_ICR_SELF | VEC_IPI, 0);
	rt_wait_count(&storm_ipi, before + 1, 10);
	rt_wait_count(&storm_ipi, before + 2, 1);
	return storm_ipi == before + 1;
}

static int mode_odd(void)
{
	u32 id = rt_lapic_read(LAPIC_ID), ver = rt_lapic_read(LAPIC_VER);
	u32 iover = rt_ioapic_read(IOAPIC_VER_REG), redir;

	for (unsigned v = VEC_FIRST; v < LAPIC_SPURIOUS_VECTOR; v++)
		rt_irq_handler((u8)v, stray_irq);
	for (unsigned i = 0; i < ARRAY_SIZE(lapic_reads); i++)
		read_all(LAPIC + lapic_reads[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(lapic_writes); i++)
		write_same(LAPIC + lapic_writes[i]);
	string_ops(LAPIC + 0x21, LAPIC + 0x81, 3);
	string_ops(LAPIC + 0xFF0, LAPIC + 0xFFD, 3);
	rt_ioapic_read(IOAPIC_VER_REG);
	for (unsigned i = 0; i < ARRAY_SIZE(ioapic_reads); i++)
		read_all(IOAPIC + ioapic_reads[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(ioapic_writes); i++) {
		*(volatile u32 *)IOAPIC = IOAPIC_VER_REG;
		write_same(IOAPIC + ioapic_writes[i]);
	}
	*(volatile u8 *)IOAPIC = IOAPIC_VER_REG;
	rt_lapic_write(LAPIC_TPR, 0);
	rt_report(true, "odd accesses survived");
	rt_report(rt_lapic_read(LAPIC_ID) == id && rt_lapic_read(LAPIC_VER) == ver,
		  "lapic id and version unchanged (0x%x, 0x%x)", id, ver);
	rt_report(self_ipi_works(), "a self-ipi still arrives");
	rt_report(rt_ioapic_read(IOAPIC_VER_REG) == iover, "ioapic version unchanged (0x%x)", iover);
	rt_ioapic_write(0x10 + 2 * 2, LAPIC_LVT_MASKED | 0x77);
	redir = rt_ioapic_read(0x10 + 2 * 2);
	rt_ioapic_mask(2);
	rt_report((redir & 0x100FF) == (LAPIC_LVT_MASKED | 0x77),
		  "ioapic redirection entry round-trips (0x%x)", redir);
	rt_printf("mmiohostile: %lu stray interrupts\n", stray);
	return rt_summary();
}

static bool under_pagevisor(void)
{
	u32 r[4];
	char sig[13];

	rt_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_HV))
		return false;
	rt_cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	return !rt_memcmp(sig, "pagevisor", 9);
}

/* LOCK CMPXCHG %ecx, (%rdx) (f0 0f b1 0a) with EAX = ECX = the TPR: on
 * real hardware it rewrites the TPR with its own value. */
static int mode_undecodable(void)
{
	u32 tpr = rt_lapic_read(LAPIC_TPR), want = tpr;

	rt_printf("mmiohostile: lock cmpxchg %%ecx, (%%rdx) on the LAPIC TPR (bytes f0 0f b1 0a): an emulator without it must refuse it\n");
	asm volatile("lock cmpxchgl %%ecx, (%%rdx)" : "+a"(want)
		     : "c"(tpr), "d"(LAPIC + TPR_OFF) : "memory", "cc");
	rt_printf("mmiohostile: cmpxchg on the LAPIC page completed (TPR 0x%x)\n", want);
	rt_report(!under_pagevisor(), "undecodable MMIO instruction %s",
		  under_pagevisor() ? "was not refused by pagevisor" : "runs natively here");
	return rt_summary();
}

static void storm_tick(u8 vector)
{
	(void)vector;
	storm_timer++;
	if (rt_rdtsc() >= storm_end)
		rt_lapic_write(LAPIC_TIMER_ICR, 0);     /* the storm ends even if main starves */
	rt_lapic_eoi();
}

static int mode_storm(u64 ms, bool timer)
{
	u64 t0 = rt_rdtsc(), ipis = 0, el;

	storm_end = t0 + rt_tsc_ms(ms);
	rt_irq_handler(VEC_TIMER, storm_tick);
	rt_irq_handler(VEC_IPI, count_ipi);
	if (timer) {
		rt_lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV1);
		rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_TIMER);
		rt_lapic_write(LAPIC_TIMER_ICR, 1);
	}
	rt_sti();
	while (rt_rdtsc() < storm_end) {
		rt_lapic_icr(LAPIC_ICR_SELF | VEC_IPI, 0);
		ipis++;
	}
	rt_cli();
	rt_lapic_write(LAPIC_TIMER_ICR, 0);
	rt_lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_TIMER);
	el = rt_rdtsc() - t0;
	rt_wait_count(&storm_ipi, 1, 10);       /* one may still be pending */
	rt_printf("mmiohostile: storm over %lu ms: %lu timer interrupts, %lu of %lu self-ipis arrived (pending ones coalesce)\n",
		  rt_tsc_to_us(el) / 1000, storm_timer, storm_ipi, ipis);
	rt_report((!timer || storm_timer > 0) && (storm_ipi > 0 || !ipis) && storm_ipi <= ipis,
		  "%s storm survived", timer ? "timer and self-ipi" : "self-ipi");
	rt_report(self_ipi_works(), "a self-ipi arrives after the storm");
	return rt_summary();
}

int main(const char *cmdline)
{
	char mode[16] = "odd";
	u64 seconds = 1, ms;

	rt_opt_str(cmdline, "mode", mode, sizeof(mode));
	rt_opt_uint(cmdline, "seconds", &seconds);
	ms = seconds * 1000;
	rt_opt_uint(cmdline, "ms", &ms);
	rt_pc_init();
	rt_printf("mmiohostile: mode %s\n", mode);
	if (!rt_strcmp(mode, "odd"))
		return mode_odd();
	if (!rt_strcmp(mode, "undecodable"))
		return mode_undecodable();
	if (!rt_strcmp(mode, "storm"))
		return mode_storm(ms, true);
	if (!rt_strcmp(mode, "ipi"))
		return mode_storm(ms, false);
	rt_report(false, "mmiohostile: unknown mode '%s' (odd, undecodable, storm, ipi)", mode);
	return rt_summary();
}
