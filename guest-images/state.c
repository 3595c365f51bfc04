/* state: sets the registers a hypervisor must switch by itself (CR2, DR0-3
 * and DR6, the SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, FCW/MXCSR, XMM0-15,
 * YMM upper halves) to values of its own, derived from seed=, then checks
 * them for rounds= rounds with spin= loop iterations in between, so other
 * guests run between checks. Registers whose feature CPUID hides: SKIP. */
#include "rt.h"
#include "state_regs.h"

#define MAX_WORDS     32
#define SHOW_MAX      4               /* mismatch lines printed per kind */
#define XCR0_X87_SSE_AVX 7UL

/* CPUID bits (SDM Vol. 2A CPUID, AMD CPUID Specification #25481). */
static struct {
	bool sse, lm, syscall, rdtscp, xsave, avx, avx_on;
} feat;

struct kind {
	const char *name;
	unsigned n;                        /* u64 words of state */
	const char *(*absent)(void);       /* why it is skipped, or NULL */
	void (*gen)(u64 *want, struct rt_rand *r);
	void (*write)(void *want);
	void (*read)(u64 *got);
};

struct kind_state {
	bool active;
	u64 want[MAX_WORDS];
	u64 bad_rounds;
	unsigned shown;
};

static const char *need_none(void) { return NULL; }
static const char *need_sse(void) { return feat.sse ? NULL : "no FXSR/SSE2 in CPUID.1:EDX"; }
static const char *need_lm(void) { return feat.lm ? NULL : "no long mode in CPUID.80000001:EDX"; }

static const char *need_syscall(void)
{
	return feat.syscall ? NULL : "CPUID.80000001:EDX.SYSCALL[11] is clear";
}

static const char *need_rdtscp(void)
{
	return feat.rdtscp ? NULL : "CPUID.80000001:EDX.RDTSCP[27] is clear";
}

static const char *need_avx(void)
{
	if (!feat.xsave || !feat.avx)
		return "no XSAVE+AVX in CPUID.1:ECX";
	return feat.avx_on ? NULL : "XCR0 = 7 could not be set";
}

static const struct kind kinds[] = {
	{ "cr2", 1, need_none, cr2_gen, cr2_write, cr2_read },
	{ "dr0-3,dr6", 5, need_none, dr_gen, dr_write, dr_read },
	{ "star,lstar,cstar,sfmask", 4, need_syscall, syscall_gen, syscall_write, syscall_read },
	{ "kernel_gs_base", 1, need_lm, kgs_gen, kgs_write, kgs_read },
	{ "tsc_aux", 2, need_rdtscp, tscaux_gen, tscaux_write, tscaux_read },
	{ "fcw,mxcsr", 2, need_sse, fpuctl_gen, fpuctl_write, fpuctl_read },
	{ "xmm0-15", 32, need_sse, vec_gen, xmm_write, xmm_read },
	{ "ymm0-15 upper", 32, need_avx, vec_gen, ymmhi_write, ymmhi_read },
};
static struct kind_state ks[ARRAY_SIZE(kinds)];

static void feat_detect(void)
{
	u32 r[4];

	rt_cpuid(1, 0, r);
	feat.sse = (r[3] >> 24 & 1) && (r[3] >> 26 & 1);
	feat.xsave = r[2] >> 26 & 1;
	feat.avx = r[2] >> 28 & 1;
	rt_cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		rt_cpuid(0x80000001, 0, r);
		feat.lm = r[3] >> 29 & 1;
		feat.syscall = r[3] >> 11 & 1;
		feat.rdtscp = r[3] >> 27 & 1;
	}
	rt_printf("state: cpuid sse %d long-mode %d syscall %d rdtscp %d xsave %d avx %d\n",
		  feat.sse, feat.lm, feat.syscall, feat.rdtscp, feat.xsave, feat.avx);
}

static void sse_enable(void *unused)
{
	u64 cr0, cr4;

	(void)unused;
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" :: "r"((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP));
	cr4 = rt_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	asm volatile("mov %0, %%cr4" :: "r"(cr4));
	asm volatile("fninit");
}

/* CR4.OSXSAVE, then XCR0 = x87|SSE|AVX (SDM Vol. 1 13.3). */
static void avx_enable(void *unused)
{
	(void)unused;
	asm volatile("mov %0, %%cr4" :: "r"(rt_read_cr4() | CR4_OSXSAVE));
	asm volatile("xsetbv" :: "c"(0), "a"((u32)XCR0_X87_SSE_AVX), "d"(0));
}

static u64 xgetbv0(void)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

/* Turn on what the vector kinds need; failures are verdicts of their own. */
static void cpu_setup(void)
{
	u32 r[4];
	int v;

	if (feat.sse) {
		v = rt_try(sse_enable, NULL);
		rt_report(v < 0, "state: enable SSE (CR0.EM=0 MP=1, CR4.OSFXSR) (vector %d)", v);
		feat.sse = v < 0;
	}
	if (!feat.sse || !feat.xsave || !feat.avx)
		return;
	rt_cpuid(0xd, 0, r);
	if (!(r[0] & 4)) {
		rt_printf("SKIP: state: CPUID.0xD.0:EAX 0x%x has no AVX component\n", r[0]);
		return;
	}
	v = rt_try(avx_enable, NULL);
	u64 xcr0 = v < 0 ? xgetbv0() : 0;
	rt_cpuid(1, 0, r);
	feat.avx_on = xcr0 == XCR0_X87_SSE_AVX;
	rt_report(feat.avx_on && (r[2] >> 27 & 1),
		  "state: CR4.OSXSAVE and XCR0 = 7 (vector %d, XGETBV 0x%lx, CPUID.1:ECX.OSXSAVE %u)",
		  v, xcr0, r[2] >> 27 & 1);
}

/* Write every present kind and read it straight back. */
static void state_set(u64 seed)
{
	struct rt_rand rng;
	u64 got[MAX_WORDS];

	rt_rand_seed(&rng, seed);
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct kind *kd = &kinds[k];
		const char *why = kd->absent();
		if (why) {
			rt_printf("SKIP: state %s: %s\n", kd->name, why);
			continue;
		}
		kd->gen(ks[k].want, &rng);
		int v = rt_try(kd->write, ks[k].want);
		if (v >= 0) {
			rt_report(false, "state %s: writing it raised vector %d", kd->name, v);
			continue;
		}
		kd->read(got);
		ks[k].active = !rt_memcmp(got, ks[k].want, kd->n * 8);
		rt_report(ks[k].active, "state %s reads back what was written", kd->name);
	}
}

/* One check of every active kind; print the first mismatches of each. */
static void state_check(u64 round)
{
	u64 got[MAX_WORDS];

	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct kind_state *s = &ks[k];
		if (!s->active)
			continue;
		kinds[k].read(got);
		if (!rt_memcmp(got, s->want, kinds[k].n * 8))
			continue;
		s->bad_rounds++;
		for (unsigned i = 0; i < kinds[k].n && s->shown < SHOW_MAX; i++) {
			if (got[i] == s->want[i])
				continue;
			rt_printf("state: round %lu: %s word %u: want 0x%016lx got 0x%016lx\n",
				  round, kinds[k].name, i, s->want[i], got[i]);
			s->shown++;
		}
	}
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Interruptions seen by the TSC: gaps between two reads in a tight loop
 * longer than gap ticks (another guest's slice, or a long exit). */
struct gaps { u64 threshold, count, largest; };

static void burn(u64 iters, struct gaps *g)
{
	u64 prev = rdtsc();

	for (u64 i = 0; i < iters; i++) {
		u64 now = rdtsc(), d = now - prev;
		if (d > g->threshold)
			g->count++;
		if (d > g->largest)
			g->largest = d;
		prev = now;
	}
}

/* Default gap threshold: 10,000 times the quickest loop step. */
static u64 gap_calibrate(void)
{
	u64 best = ~0UL, prev = rdtsc();

	for (int i = 0; i < 1000; i++) {
		u64 now = rdtsc();
		if (now - prev < best && now != prev)
			best = now - prev;
		prev = now;
	}
	return (best == ~0UL ? 1 : best) * 10000;
}

static void verdicts(u64 rounds)
{
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++)
		if (ks[k].active)
			rt_report(!ks[k].bad_rounds, "state %s held for %lu rounds (%lu bad)",
				  kinds[k].name, rounds, ks[k].bad_rounds);
}

int main(const char *cmdline)
{
	u64 seed = 1, rounds = 2000, spin = 20000;
	struct gaps g = { 0, 0, 0 };

	rt_opt_uint(cmdline, "seed", &seed);
	rt_opt_uint(cmdline, "rounds", &rounds);
	rt_opt_uint(cmdline, "spin", &spin);
	u64 sti = 0;
	rt_opt_uint(cmdline, "sti", &sti);
	if (sti)
		asm volatile("sti");   /* see spin.c: Bochs SVM preempts only IF = 1 */
	if (!rt_opt_uint(cmdline, "gap", &g.threshold))
		g.threshold = gap_calibrate();
	feat_detect();
	cpu_setup();
	state_set(seed);
	for (u64 r = 0; r < rounds; r++) {
		burn(spin, &g);
		state_check(r);
	}
	verdicts(rounds);
	rt_printf("state: seed %lu: %lu rounds of %lu steps, %lu interruptions over %lu TSC ticks (largest %lu)\n",
		  seed, rounds, spin, g.count, g.threshold, g.largest);
	return rt_summary();
}
