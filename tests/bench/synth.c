/* Synthetic traces of policybench (docs/BENCHMARKS.md), all deterministic:
 * a sequential loop, zipf-distributed references, hot/cold 90/10 with a
 * moving hot set, and a one-off scan mixed into a hot set. Page numbers are
 * a seeded permutation where placement matters, so no policy profits from
 * hot pages being adjacent. */
#include "tests/bench/bench.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A seeded random permutation of 0..n-1 (Fisher-Yates). */
static u64 *synth_perm(u32 n, u64 *seed)
{
	u64 *p = malloc(n * sizeof(u64));
	for (u32 i = 0; i < n; i++)
		p[i] = i;
	for (u32 i = n - 1; i > 0; i--) {
		u32 j = (u32)(bench_rand(seed) % (i + 1));
		u64 x = p[i];
		p[i] = p[j];
		p[j] = x;
	}
	return p;
}

/* Uniform double in [0, 1). */
static double synth_unit(u64 *seed)
{
	return (double)(bench_rand(seed) >> 11) / (double)(1ull << 53);
}

static int synth_finish(struct trace *t, const char *name, u64 *pages, u64 len)
{
	int rc = trace_from_pages(name, pages, len, t);
	free(pages);
	return rc;
}

int synth_loop(struct trace *t, u32 npages, u64 len)
{
	u64 *v = malloc(len * sizeof(u64));
	for (u64 i = 0; i < len; i++)
		v[i] = i % npages;
	return synth_finish(t, "loop", v, len);
}

/* Index of the first cdf[] entry above u (cdf ascending, last is 1). */
static u32 synth_cdf_find(const double *cdf, u32 n, double u)
{
	u32 lo = 0, hi = n - 1;
	while (lo < hi) {
		u32 mid = (lo + hi) / 2;
		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int synth_zipf(struct trace *t, const char *name, double alpha, u32 npages, u64 len, u64 seed)
{
	double *cdf = malloc(npages * sizeof(double)), sum = 0;
	for (u32 r = 0; r < npages; r++)
		cdf[r] = sum += pow(r + 1.0, -alpha);
	for (u32 r = 0; r < npages; r++)
		cdf[r] /= sum;
	cdf[npages - 1] = 1.0;
	u64 *perm = synth_perm(npages, &seed), *v = malloc(len * sizeof(u64));
	for (u64 i = 0; i < len; i++)
		v[i] = perm[synth_cdf_find(cdf, npages, synth_unit(&seed))];
	free(cdf);
	free(perm);
	return synth_finish(t, name, v, len);
}

/* 90% of the references go to a hot tenth of the pages, 10% to the rest;
 * every len/10 references the hot set moves by half its size. */
int synth_hotcold(struct trace *t, u32 npages, u64 len, u64 seed)
{
	u32 hot = MAX(1u, npages / 10);
	u64 *perm = synth_perm(npages, &seed), *v = malloc(len * sizeof(u64));
	u64 phase = MAX(1ull, len / 10);
	for (u64 i = 0; i < len; i++) {
		u64 off = (i / phase) * (hot / 2);
		u64 k = bench_rand(&seed) % 10 ? bench_rand(&seed) % hot
					       : hot + bench_rand(&seed) % (npages - hot);
		v[i] = perm[(off + k) % npages];
	}
	free(perm);
	return synth_finish(t, "hotcold", v, len);
}

/* A hot set of `hot` pages referenced uniformly; half way through, one scan
 * over `scan` new pages, each referenced once, interleaved one to one with
 * hot references. */
int synth_scan(struct trace *t, u32 hot, u32 scan, u64 len, u64 seed)
{
	u64 *perm = synth_perm(hot + scan, &seed), *v = malloc((len + 2 * scan) * sizeof(u64));
	u64 n = 0;
	for (u64 i = 0; i < len / 2; i++)
		v[n++] = perm[bench_rand(&seed) % hot];
	for (u32 s = 0; s < scan; s++) {
		v[n++] = perm[hot + s];
		v[n++] = perm[bench_rand(&seed) % hot];
	}
	for (u64 i = len / 2; i < len; i++)
		v[n++] = perm[bench_rand(&seed) % hot];
	free(perm);
	return synth_finish(t, "scan", v, n);
}
