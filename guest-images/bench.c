/* bench: code-path lengths seen from a guest (issue 10 part 2,
 * docs/BENCHMARKS.md). Under Bochs (clock sync=none) and QEMU (-icount
 * shift=0) the TSC counts instructions, so each figure is a median of
 * RDTSC deltas in instructions, minus the same loop around an instruction
 * that does not exit. Prints `bench <what> median <n> instructions (<n>
 * samples)` lines: a CPUID round trip, a port-I/O round trip (IN from the
 * PIC's IMR, port 0x21), a demand-zero fault (first touch of a fresh
 * page) and a swap-in fault (touch of a page the debug hypercall evicted,
 * disk included; the hypervisor must run with `debug_hypercalls`, else the
 * hypercall raises #UD).
 * The hypervisor's `bench` option prints its own side of the same paths.
 * Options: samples=<n> (101, at most 501), pages at 8 MiB up. */
#include "rt.h"

#define HC_NOP          0xffff                  /* unknown function: E_NOTSUP, no effect */
#define E_BUSY          (-8)
#define SAMPLES_MAX     501
#define FRESH_BASE      (8 * MiB)
#define SETTLE_CALLS    4000   /* no-op hypercalls after a group of evictions */
#define GROUP           16     /* pages evicted before their writes settle */

static u64 samples[SAMPLES_MAX];
static bool use_vmmcall;

static i64 hypercall(u64 fn, u64 arg)
{
	return rt_hypercall(use_vmmcall, fn, arg);
}

static u64 median(u64 *s, u64 n)
{
	for (u64 i = 1; i < n; i++) {
		u64 v = s[i], j = i;
		for (; j > 0 && s[j - 1] > v; j--)
			s[j] = s[j - 1];
		s[j] = v;
	}
	return n ? s[n / 2] : 0;
}

/* One timed instruction per kind; the same code around each. */
static u64 time_cpuid(void)
{
	u32 a = 0, b, c = 0, d;
	u64 t0 = rt_rdtsc();
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) :: "memory");
	return rt_rdtsc() - t0;
}

static u64 time_nop(void)
{
	u32 a = 0, b = 0, c = 0, d = 0;
	u64 t0 = rt_rdtsc();
	asm volatile("xor %%eax, %%eax" : "+a"(a), "+b"(b), "+c"(c), "+d"(d) :: "memory");
	return rt_rdtsc() - t0;
}

static u64 time_inb(void)
{
	u8 v;
	u64 t0 = rt_rdtsc();
	asm volatile("inb $0x21, %0" : "=a"(v) :: "memory");
	return rt_rdtsc() - t0;
}

static u64 time_touch(volatile u8 *p)
{
	u64 t0 = rt_rdtsc();
	*p = 1;
	return rt_rdtsc() - t0;
}

static u64 time_read(volatile u8 *p)
{
	u64 t0 = rt_rdtsc();
	(void)*p;
	return rt_rdtsc() - t0;
}

static u64 median_of(u64 (*fn)(void), u64 n)
{
	for (u64 i = 0; i < n; i++)
		samples[i] = fn();
	return median(samples, n);
}

static void report(const char *what, u64 med, u64 base, u64 n)
{
	rt_printf("bench %s median %lu instructions (%lu samples, loop cost %lu subtracted)\n",
		  what, med > base ? med - base : 0, n, base);
}

/* First touch of n fresh pages: each write faults to a zeroed frame. */
static u64 demand_zero(u64 n)
{
	for (u64 i = 0; i < n; i++)
		samples[i] = time_touch((volatile u8 *)(FRESH_BASE + i * PAGE_SIZE));
	return median(samples, n);
}

/* Evict the pages of the fresh region (written, so none is a zero page)
 * a group at a time, let the writes finish, then time the touches that
 * read them back. */
static u64 swap_in(u64 n, u64 *evicted)
{
	u64 got = 0;

	for (u64 g = 0; g < n; g += GROUP) {
		bool out[GROUP] = { false };
		for (u64 i = g; i < n && i < g + GROUP; i++) {
			volatile u8 *p = (volatile u8 *)(FRESH_BASE + i * PAGE_SIZE);
			i64 rc = E_BUSY;
			p[8] = 0x5a;
			for (int tries = 0; rc == E_BUSY && tries < 1000; tries++)
				rc = hypercall(RT_HC_EVICT, (u64)p);
			out[i - g] = rc == 0;
		}
		for (int k = 0; k < SETTLE_CALLS; k++)
			hypercall(HC_NOP, 0);       /* each exit polls the disk */
		for (u64 i = g; i < n && i < g + GROUP; i++)
			if (out[i - g])
				samples[got++] = time_read((volatile u8 *)(FRESH_BASE + i * PAGE_SIZE));
	}
	*evicted = got;
	return median(samples, got);
}

static void pick_hypercall(void)
{
	u32 r[4];

	rt_cpuid(0, 0, r);
	use_vmmcall = r[1] == 0x68747541;   /* "Auth"enticAMD */
}

int main(const char *cmdline)
{
	u64 n = 101, base, evicted;

	if (rt_opt_uint(cmdline, "samples", &n) && (n == 0 || n > SAMPLES_MAX))
		n = 101;
	pick_hypercall();
	base = median_of(time_nop, n);
	report("cpuid round trip", median_of(time_cpuid, n), base, n);
	report("port-io round trip (in 0x21)", median_of(time_inb, n), base, n);
	u64 touch_base = ~0UL, read_base = ~0UL;
	for (int i = 0; i < 9; i++) {      /* a mapped page: the loop's own cost */
		u64 t = time_touch((volatile u8 *)&samples[0]), r = time_read((volatile u8 *)&samples[0]);
		touch_base = t < touch_base ? t : touch_base;
		read_base = r < read_base ? r : read_base;
	}
	report("demand-zero round trip (with the page clear)", demand_zero(n), touch_base, n);
	u64 s = swap_in(n, &evicted);
	if (evicted)
		report("swap-in round trip (with the disk)", s, read_base, evicted);
	else
		rt_printf("bench swap-in: no page could be evicted (debug_hypercalls?)\n");
	rt_report(true, "bench done");
	return rt_summary();
}
