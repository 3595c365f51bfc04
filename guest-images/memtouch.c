/* memtouch: writes a page-unique pattern over N MiB above its own image,
 * reads all of it back and verifies every word. Options: mib=<N> (8),
 * order=seq|random|hotcold (seq), passes=<n> (1), seed=<n> (1),
 * readonly_after=<n> (passes from the n-th on only verify), readzero=<N>
 * (then read N MiB above the data that were never written: all zero),
 * start=<address> (4 MiB; at or above 4 GiB the region is checked against the
 * Multiboot memory map instead of mem_upper), seconds=<n> (0: off; else keep
 * making passes, at least passes=, until n seconds of TSC time have passed,
 * at the rate pagevisor's CPUID leaf 0x40000010 gives; used by `make soak`).
 * Each write pass uses a fresh key, so a page that comes back stale fails. */
#include "rt.h"

#define REGION_BASE     (4 * MiB)      /* default start= */
#define HIGH_START      (4UL << 30)    /* start= from here: memory map */
#define IDMAP_END       (8UL << 30)    /* rt/entry.S identity-maps below this */
#define WORDS           (PAGE_SIZE / 8)
#define MISMATCH_SHOW   8

enum order { ORDER_SEQ, ORDER_RANDOM, ORDER_HOTCOLD };
static const char *const order_names[] = { "seq", "random", "hotcold" };

struct touch {
	u64 *base;
	u64 pages;
	enum order order;
	u64 key;                        /* this pass's pattern key */
	u64 lcg_mul, lcg_add, lcg_mask; /* random order: a full-period LCG */
	u64 mismatches;
	u64 readonly_after;             /* 0: every pass writes */
	u64 zero_pages;                 /* readzero=: pages read, never written */
	struct rt_rand rng;
};

/* The expected word: unique per (page, word) and per pass key. */
static inline u64 pattern(const struct touch *t, u64 page, u64 word)
{
	return ((page << 32) | (word << 3) | 0x5) ^ t->key;
}

static void page_write(const struct touch *t, u64 page)
{
	u64 *p = t->base + page * WORDS;

	for (u64 w = 0; w < WORDS; w++)
		p[w] = pattern(t, page, w);
}

static void page_verify(struct touch *t, u64 page)
{
	volatile u64 *p = t->base + page * WORDS;

	for (u64 w = 0; w < WORDS; w++) {
		u64 want = pattern(t, page, w), got = p[w];
		if (got == want)
			continue;
		if (t->mismatches++ < MISMATCH_SHOW)
			rt_printf("memtouch: mismatch at 0x%lx (page %lu word %lu): want 0x%016lx got 0x%016lx\n",
				  (u64)&p[w], page, w, want, got);
	}
}

/* The i-th page of a pass in random order: an LCG modulo the next power of
 * two (full period: odd increment, multiplier 1 mod 4; Knuth TAOCP 3.2.1.2),
 * skipping values past the end, so every page comes exactly once. */
static u64 random_page(const struct touch *t, u64 *state)
{
	do
		*state = (*state * t->lcg_mul + t->lcg_add) & t->lcg_mask;
	while (*state >= t->pages);
	return *state;
}

static void lcg_setup(struct touch *t)
{
	u64 m = 1;

	while (m < t->pages)
		m <<= 1;
	t->lcg_mask = m - 1;
	t->lcg_mul = (rt_rand_next(&t->rng) & ~3UL) | 1 | 4;   /* = 1 mod 4 */
	t->lcg_add = rt_rand_next(&t->rng) | 1;
}

/* One sweep over every page in the pass's order, writing or verifying. */
static void sweep(struct touch *t, bool write)
{
	u64 state = 0;

	if (t->order == ORDER_RANDOM)
		lcg_setup(t);
	for (u64 i = 0; i < t->pages; i++) {
		u64 page = t->order == ORDER_RANDOM ? random_page(t, &state) : i;
		write ? page_write(t, page) : page_verify(t, page);
	}
}

/* Hot/cold: after the full write, 4 x pages accesses go 90% to the first
 * tenth of the pages (hot) and 10% to the rest; each access verifies the
 * page and rewrites it (same values: the page becomes dirty again). */
static void hotcold_accesses(struct touch *t)
{
	u64 hot = t->pages / 10 ? t->pages / 10 : 1, cold = t->pages - hot;

	for (u64 i = 0; i < 4 * t->pages; i++) {
		u64 r = rt_rand_next(&t->rng);
		u64 page = (r % 10 || !cold) ? (r >> 8) % hot : hot + (r >> 8) % cold;
		page_verify(t, page);
		page_write(t, page);
	}
}

/* An absent option keeps its default; a present one must parse. */
static bool opt_uint(const char *cmdline, const char *key, u64 *val)
{
	char probe[2];

	return !rt_opt_str(cmdline, key, probe, sizeof(probe)) || rt_opt_uint(cmdline, key, val);
}

static bool parse_options(const char *cmdline, struct touch *t, u64 *mib, u64 *passes,
			  u64 *seed, u64 *seconds)
{
	char order[16];
	u64 start = REGION_BASE;
	bool ok = true;

	*mib = 8, *passes = 1, *seed = 1, *seconds = 0;
	t->order = ORDER_SEQ;
	ok &= opt_uint(cmdline, "start", &start);
	t->base = (u64 *)start;
	if (start % PAGE_SIZE) {
		rt_printf("error: start=0x%lx: not page aligned\n", start);
		ok = false;
	}
	ok &= opt_uint(cmdline, "mib", mib);
	ok &= opt_uint(cmdline, "passes", passes);
	ok &= opt_uint(cmdline, "seed", seed);
	ok &= opt_uint(cmdline, "readonly_after", &t->readonly_after);
	ok &= opt_uint(cmdline, "readzero", &t->zero_pages);
	ok &= opt_uint(cmdline, "seconds", seconds);
	if (rt_opt_str(cmdline, "order", order, sizeof(order))) {
		unsigned i = 0;
		while (i < ARRAY_SIZE(order_names) && rt_strcmp(order, order_names[i]))
			i++;
		if (i == ARRAY_SIZE(order_names)) {
			rt_printf("error: order=%s: expected seq, random or hotcold\n", order);
			ok = false;
		}
		t->order = (enum order)i;
	}
	t->zero_pages *= MiB / PAGE_SIZE;
	return ok && (*mib || t->zero_pages) && *passes;
}

/* readzero=: every word of the pages above the data region, which nobody
 * wrote, must read as zero (demand-zero memory, or a zero page dropped by
 * the pager and faulted in again). Returns the words that were not. */
static u64 read_zero_region(const struct touch *t)
{
	volatile u64 *p = t->base + t->pages * WORDS;
	u64 bad = 0;

	for (u64 i = 0; i < t->zero_pages * WORDS; i++) {
		if (p[i] && bad++ < MISMATCH_SHOW)
			rt_printf("memtouch: word at 0x%lx never written but reads 0x%016lx\n",
				  (u64)&p[i], p[i]);
	}
	return bad;
}

/* One pass: write with a fresh key (unless read-only by then), the
 * hot/cold accesses, then verify everything. */
static void run_pass(struct touch *t, u64 pass, u64 seed)
{
	bool write = !t->readonly_after || pass < t->readonly_after;

	if (write)
		t->key = rt_mix64(seed ^ (pass << 48));
	if (write)
		sweep(t, true);
	if (write && t->order == ORDER_HOTCOLD)
		hotcold_accesses(t);
	sweep(t, false);
	rt_printf("memtouch: pass %lu (%s) done, %lu mismatched words so far\n", pass + 1,
		  write ? "write+verify" : "verify only", t->mismatches);
}

/* TSC ticks per second from pagevisor's timing leaf (CPUID 0x40000010
 * EAX, kHz, docs/platform.md); 0 when that leaf is not there. */
static u64 tsc_per_second(void)
{
	u32 r[4];

	rt_cpuid(0x40000000, 0, r);
	if (r[1] != 0x65676170 /* "page" */ || r[0] < 0x40000010)
		return 0;
	rt_cpuid(0x40000010, 0, r);
	return (u64)r[0] * 1000;
}

/* The passes: passes= of them, and with seconds= more until that much TSC
 * time has passed since the first began. Returns how many ran. */
static u64 run_passes(struct touch *t, u64 passes, u64 seconds, u64 seed)
{
	u64 deadline = rt_rdtsc() + seconds * tsc_per_second(), pass = 0;

	for (; t->pages && (pass < passes || (seconds && rt_rdtsc() < deadline)); pass++)
		run_pass(t, pass, seed);
	return pass;
}

/* Bytes of RAM from base up, per the Multiboot memory sizes. */
static u64 room_above_mem_upper(u64 base)
{
	u64 top = 1 * MiB + (u64)rt_mbi->mem_upper * KiB;

	if (!(rt_mbi->flags & 1) || top <= base)
		return 0;
	return top - base;
}

/* Bytes of RAM from base up to the end of the available (type 1) entry of
 * the Multiboot memory map (flags bit 6; spec 0.6.96 3.3) that holds base;
 * 0 without a map or such an entry. Each entry's `size` excludes itself. */
static u64 room_above_mmap(u64 base)
{
	u64 at = rt_mbi->mmap_addr, end = at + rt_mbi->mmap_length;

	if (!(rt_mbi->flags & (1 << 6)))
		return 0;
	while (at + 24 <= end) {
		const u32 *e = (const u32 *)at;
		u64 addr = e[1] | (u64)e[2] << 32, len = e[3] | (u64)e[4] << 32;
		if (e[5] == 1 && addr <= base && base - addr < len)
			return addr + len - base;
		at += e[0] + 4UL;
	}
	return 0;
}

/* Bytes of RAM from base up: the memory map above 4 GiB, else mem_upper;
 * never past the runtime's identity map. */
static u64 room_above_base(u64 base)
{
	u64 room = base >= HIGH_START ? room_above_mmap(base) : room_above_mem_upper(base);

	if (base >= IDMAP_END)
		return 0;
	return room < IDMAP_END - base ? room : IDMAP_END - base;
}

int main(const char *cmdline)
{
	struct touch t = { 0 };
	u64 mib, passes, seed, seconds, npass;

	if (!parse_options(cmdline, &t, &mib, &passes, &seed, &seconds)) {
		rt_report(false, "memtouch options '%s'", cmdline);
		return rt_summary();
	}
	if (seconds && !tsc_per_second()) {
		rt_report(false, "memtouch seconds=%lu: no TSC rate (CPUID 0x40000010)", seconds);
		return rt_summary();
	}
	if ((u64)_end > (u64)t.base ||
	    mib * MiB + t.zero_pages * PAGE_SIZE > room_above_base((u64)t.base)) {
		rt_report(false, "memtouch: %lu MiB (+%lu zero pages) from 0x%lx must fit in RAM (image ends 0x%lx, mem_upper %u KiB%s)",
			  mib, t.zero_pages, (u64)t.base, (u64)_end, rt_mbi->mem_upper,
			  (u64)t.base >= HIGH_START ? ", checked against the memory map" : "");
		return rt_summary();
	}
	t.pages = mib * MiB / PAGE_SIZE;
	rt_rand_seed(&t.rng, seed);
	rt_printf("memtouch: %lu MiB (%lu pages) from 0x%lx, order=%s passes=%lu seed=%lu readonly_after=%lu\n",
		  mib, t.pages, (u64)t.base, order_names[t.order], passes, seed, t.readonly_after);
	u64 t0 = rt_rdtsc();
	npass = run_passes(&t, passes, seconds, seed);
	rt_printf("memtouch: touched %lu pages in %lu TSC ticks\n", t.pages, rt_rdtsc() - t0);
	if (t.pages && seconds)
		rt_printf("memtouch: %lu passes in %lu s, %lu pages verified\n", npass,
			  (rt_rdtsc() - t0) / tsc_per_second(), npass * t.pages);
	if (t.pages)
		rt_report(t.mismatches == 0, "memtouch %lu MiB order=%s passes=%lu (%lu mismatched words)",
			  mib, order_names[t.order], npass, t.mismatches);
	if (t.zero_pages) {
		u64 bad = read_zero_region(&t);
		rt_report(bad == 0, "memtouch readzero %lu pages never written read as zero (%lu bad words)",
			  t.zero_pages, bad);
	}
	return rt_summary();
}
