/* memverify: the Linux test guest's memory check, run by the initramfs /init
 * (tests/linux/init). It sizes a buffer from /proc/meminfo, fills every 4 KiB
 * page with a pattern unique to that page and word, then verifies it once in
 * order and once in a strided order, so pages the hypervisor evicted to swap
 * must come back with their own contents. Built for the host: gcc -static -O2.
 *
 * usage: memverify [percent=N] [mib=N] [seed=N] [passes=N]
 *   percent  share of MemAvailable to use, 1-95 (default 80); a bare number
 *            means the same
 *   mib      exact size in MiB (overrides percent)
 *   seed     pattern seed (default 1)
 *   passes   verify passes, 1-3: in order, strided, in order again (default 2)
 *   corrupt  self-test of the checker: flip one bit in word 7 of page N after
 *            the fill (tests/linux/test-memverify.sh expects 1 bad page)
 * Prints `memverify: <pages> pages (<MiB> MiB) verified, <bad> bad` and exits
 * 0 only if no page was bad; 1 if some were; 2 on bad usage or no memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE_SIZE  4096UL
#define PAGE_WORDS (PAGE_SIZE / sizeof(uint64_t))
#define MAX_REPORT 8            /* mismatching words printed per run */

struct opts {
	unsigned long percent;  /* of MemAvailable */
	unsigned long mib;      /* 0: use percent */
	uint64_t seed;
	unsigned long passes;   /* verify passes */
	uint64_t corrupt;       /* self-test: 1 + page to damage after the fill */
};

struct run {
	volatile uint64_t *buf; /* volatile: every store and load really happens */
	uint64_t pages;
	uint64_t seed;
	uint8_t *bad;           /* bitmap: page found bad in some pass */
	uint64_t reported;      /* mismatching words printed so far */
};

static void die(int code, const char *fmt, const char *arg)
{
	printf("memverify: ");
	printf(fmt, arg);
	printf("\n");
	exit(code);
}

/* Parse the decimal number after "key=" in arg into *out, within [lo, hi].
 * Return true if arg starts with key=; a bad number ends the program. */
static bool opt_number(const char *arg, const char *key, unsigned long lo,
		       unsigned long hi, unsigned long *out)
{
	size_t n = strlen(key);
	char *end;

	if (strncmp(arg, key, n) != 0 || arg[n] != '=')
		return false;
	errno = 0;
	unsigned long v = strtoul(arg + n + 1, &end, 10);
	if (errno || end == arg + n + 1 || *end || v < lo || v > hi)
		die(2, "bad value in '%s'", arg);
	*out = v;
	return true;
}

/* Fill o from the command line words; unknown words end the program. */
static void opts_parse(int argc, char **argv, struct opts *o)
{
	unsigned long seed = 1, corrupt = 0;

	*o = (struct opts){ .percent = 80, .passes = 2 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char buf[64];
		if (a[0] >= '0' && a[0] <= '9') {       /* bare number: percent */
			snprintf(buf, sizeof(buf), "percent=%s", a);
			a = buf;
		}
		if (opt_number(a, "percent", 1, 95, &o->percent) ||
		    opt_number(a, "mib", 1, 1UL << 20, &o->mib) ||
		    opt_number(a, "seed", 0, ~0UL, &seed) ||
		    opt_number(a, "passes", 1, 3, &o->passes))
			continue;
		if (opt_number(a, "corrupt", 0, ~0UL - 1, &corrupt)) {
			o->corrupt = corrupt + 1;
			continue;
		}
		die(2, "unknown argument '%s' (percent=N mib=N seed=N passes=N)", argv[i]);
	}
	o->seed = seed;
}

/* Read "<key>: <n> kB" from /proc/meminfo; return n, or 0 if absent. */
static unsigned long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t n = strlen(key);
	unsigned long kb = 0;

	if (!f)
		die(2, "cannot open %s (is /proc mounted?)", "/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			kb = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* Return the number of pages to test under o, printing how it was chosen. */
static uint64_t size_pages(const struct opts *o)
{
	unsigned long total = meminfo_kb("MemTotal");
	unsigned long avail = meminfo_kb("MemAvailable");
	uint64_t bytes;

	if (!avail)
		avail = meminfo_kb("MemFree");
	if (o->mib)
		bytes = (uint64_t)o->mib << 20;
	else
		bytes = (uint64_t)avail * 1024 / 100 * o->percent;
	printf("memverify: MemTotal %lu kB, MemAvailable %lu kB, testing %" PRIu64
	       " KiB (%s)\n", total, avail, bytes >> 10,
	       o->mib ? "mib=" : "percent of MemAvailable");
	if (bytes < PAGE_SIZE)
		die(2, "%s", "less than one page to test");
	return bytes / PAGE_SIZE;
}

/* Return the key of page p: a 64-bit mix (splitmix64's finalizer) of the page
 * index and the seed, so every page's pattern differs from every other's. */
static uint64_t page_key(uint64_t p, uint64_t seed)
{
	uint64_t z = p * 0x9E3779B97F4A7C15ULL + seed + 0x632BE59BD9B4E019ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Return word w of the page whose key is key (words within a page differ). */
static inline uint64_t word_value(uint64_t key, uint64_t w)
{
	return key ^ (w * 0xD6E8FEB86659FD93ULL);
}

/* Write page p's pattern into every word of it. */
static void page_fill(struct run *r, uint64_t p)
{
	volatile uint64_t *w = r->buf + p * PAGE_WORDS;
	uint64_t key = page_key(p, r->seed);

	for (uint64_t i = 0; i < PAGE_WORDS; i++)
		w[i] = word_value(key, i);
}

/* Check every word of page p; mark the page bad and print the first
 * mismatches. Return true if the page holds its pattern. */
static bool page_check(struct run *r, uint64_t p, const char *pass)
{
	volatile uint64_t *w = r->buf + p * PAGE_WORDS;
	uint64_t key = page_key(p, r->seed);
	bool ok = true;

	for (uint64_t i = 0; i < PAGE_WORDS; i++) {
		uint64_t want = word_value(key, i), got = w[i];
		if (got == want)
			continue;
		ok = false;
		if (r->reported++ < MAX_REPORT)
			printf("memverify: %s: page %" PRIu64 " word %" PRIu64
			       ": expected %016" PRIx64 " got %016" PRIx64 "\n",
			       pass, p, i, want, got);
	}
	if (!ok)
		r->bad[p / 8] |= (uint8_t)(1u << (p % 8));
	return ok;
}

/* Return a step coprime with n near n * 0.618, for the strided pass. */
static uint64_t stride_step(uint64_t n)
{
	uint64_t s = (n * 618 / 1000) | 1;

	for (;; s++) {
		uint64_t a = n, b = s;
		while (b) {
			uint64_t t = a % b;
			a = b;
			b = t;
		}
		if (a == 1)
			return s % n ? s % n : 1;
	}
}

/* Return seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Verify every page once: in order, or visiting (k * step) mod n. Return
 * the number of bad pages seen in this pass. */
static uint64_t pass_verify(struct run *r, bool strided, const char *name)
{
	uint64_t step = strided ? stride_step(r->pages) : 1, p = 0, bad = 0;
	double t0 = now();

	for (uint64_t k = 0; k < r->pages; k++) {
		bad += !page_check(r, p, name);
		p += step;
		if (p >= r->pages)
			p -= r->pages;
	}
	printf("memverify: %s: %" PRIu64 " bad pages, %.2f s\n", name, bad, now() - t0);
	return bad;
}

/* Return the number of pages marked bad by any pass. */
static uint64_t bad_total(const struct run *r)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (r->pages + 7) / 8; i++)
		n += (uint64_t)__builtin_popcount(r->bad[i]);
	return n;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; bool strided; } passes[] = {
		{ "verify in order", false },
		{ "verify strided", true },
		{ "verify in order again", false },
	};
	struct opts o;
	struct run r = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	opts_parse(argc, argv, &o);
	r.pages = size_pages(&o);
	r.seed = o.seed;
	r.bad = calloc((r.pages + 7) / 8, 1);
	void *m = mmap(NULL, r.pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || !r.bad)
		die(2, "cannot map the buffer: %s", strerror(errno));
	r.buf = m;

	double t0 = now();
	for (uint64_t p = 0; p < r.pages; p++)
		page_fill(&r, p);
	printf("memverify: fill: %" PRIu64 " pages, %.2f s\n", r.pages, now() - t0);
	if (o.corrupt && o.corrupt <= r.pages)
		r.buf[(o.corrupt - 1) * PAGE_WORDS + 7] ^= 1ULL << 40;
	for (unsigned long i = 0; i < o.passes; i++)
		pass_verify(&r, passes[i].strided, passes[i].name);

	uint64_t bad = bad_total(&r);
	printf("memverify: %" PRIu64 " pages (%" PRIu64 " MiB) verified, %" PRIu64 " bad\n",
	       r.pages, (r.pages * PAGE_SIZE) >> 20, bad);
	return bad ? 1 : 0;
}
