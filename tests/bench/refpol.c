/* Reference policies with reference information, written in the simulator:
 * Belady's OPT (offline: evicts the pages whose next use is farthest), exact
 * LRU (sees every reference), and the two a hypervisor can build from the
 * accessed bits it samples at its sweeps: LRU by last sweep seen referenced,
 * and CLOCK. */
#include "tests/bench/bench.h"
#include <stdlib.h>

/* Common state: the memory and which frames this policy tracks. */
struct ref_base {
	struct mem *m;
	u8 *in;
};

static void ref_base_init(struct ref_base *b, struct mem *m)
{
	b->m = m;
	b->in = calloc(m->cap, 1);
}

/* ---- OPT: a max-heap of frames keyed by their page's next use. */
struct opt {
	struct ref_base b;
	u32 *heap, *pos, *key, n;
};

static void opt_swap(struct opt *o, u32 i, u32 j)
{
	u32 fi = o->heap[i], fj = o->heap[j];
	o->heap[i] = fj;
	o->heap[j] = fi;
	o->pos[fj] = i;
	o->pos[fi] = j;
}

static void opt_up(struct opt *o, u32 i)
{
	while (i > 0 && o->key[o->heap[(i - 1) / 2]] < o->key[o->heap[i]]) {
		opt_swap(o, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void opt_down(struct opt *o, u32 i)
{
	for (;;) {
		u32 l = 2 * i + 1, r = l + 1, big = i;
		if (l < o->n && o->key[o->heap[l]] > o->key[o->heap[big]])
			big = l;
		if (r < o->n && o->key[o->heap[r]] > o->key[o->heap[big]])
			big = r;
		if (big == i)
			return;
		opt_swap(o, i, big);
		i = big;
	}
}

static void *opt_create(struct mem *m)
{
	struct opt *o = calloc(1, sizeof(*o));
	ref_base_init(&o->b, m);
	o->heap = malloc(m->cap * sizeof(u32));
	o->pos = malloc(m->cap * sizeof(u32));
	o->key = malloc(m->cap * sizeof(u32));
	return o;
}

static void opt_insert(void *st, u32 f)
{
	struct opt *o = st;
	o->key[f] = o->b.m->t->next[o->b.m->pos];
	o->heap[o->n] = f;
	o->pos[f] = o->n++;
	opt_up(o, o->n - 1);
}

/* The next use only moves later: the frame rises in the max-heap. */
static void opt_hit(void *st, u32 f)
{
	struct opt *o = st;
	o->key[f] = o->b.m->t->next[o->b.m->pos];
	opt_up(o, o->pos[f]);
}

static u32 opt_pick(void *st, u32 *victims, u32 n)
{
	struct opt *o = st;
	u32 got = 0;
	while (got < n && o->n > 0) {
		victims[got++] = o->heap[0];
		opt_swap(o, 0, --o->n);
		opt_down(o, 0);
	}
	return got;
}

static void opt_destroy(void *st)
{
	struct opt *o = st;
	free(o->b.in);
	free(o->heap);
	free(o->pos);
	free(o->key);
	free(o);
}

const struct bpol pol_opt = {
	.name = "opt", .info = INFO_OFFLINE,
	.what = "Belady's OPT: evicts the pages used farthest in the future (knows the whole trace)",
	.create = opt_create, .insert = opt_insert, .hit = opt_hit,
	.pick = opt_pick, .destroy = opt_destroy,
};

/* ---- Exact LRU: a doubly linked list of frames, most recent at head. */
struct lru {
	struct ref_base b;
	u32 *prev, *next, head, tail;
};

static void *lru_create(struct mem *m)
{
	struct lru *l = calloc(1, sizeof(*l));
	ref_base_init(&l->b, m);
	l->prev = malloc(m->cap * sizeof(u32));
	l->next = malloc(m->cap * sizeof(u32));
	l->head = l->tail = BENCH_NONE;
	return l;
}

static void lru_unlink(struct lru *l, u32 f)
{
	if (l->prev[f] != BENCH_NONE)
		l->next[l->prev[f]] = l->next[f];
	else
		l->head = l->next[f];
	if (l->next[f] != BENCH_NONE)
		l->prev[l->next[f]] = l->prev[f];
	else
		l->tail = l->prev[f];
}

static void lru_insert(void *st, u32 f)
{
	struct lru *l = st;
	l->prev[f] = BENCH_NONE;
	l->next[f] = l->head;
	if (l->head != BENCH_NONE)
		l->prev[l->head] = f;
	else
		l->tail = f;
	l->head = f;
}

static void lru_hit(void *st, u32 f)
{
	struct lru *l = st;
	if (l->head == f)
		return;
	lru_unlink(l, f);
	lru_insert(l, f);
}

static u32 lru_pick(void *st, u32 *victims, u32 n)
{
	struct lru *l = st;
	u32 got = 0;
	while (got < n && l->tail != BENCH_NONE) {
		u32 f = l->tail;
		lru_unlink(l, f);
		victims[got++] = f;
	}
	return got;
}

static void lru_destroy(void *st)
{
	struct lru *l = st;
	free(l->b.in);
	free(l->prev);
	free(l->next);
	free(l);
}

const struct bpol pol_lru = {
	.name = "lru", .info = INFO_EXACT,
	.what = "exact LRU: sees every reference, evicts the least recently used pages",
	.create = lru_create, .insert = lru_insert, .hit = lru_hit,
	.pick = lru_pick, .destroy = lru_destroy,
};

/* ---- LRU from sampled A bits: every sweep reads and clears the A bit of
 * every resident frame; a set bit dates the page to this sweep. Victims are
 * the oldest by that date, then by load order. */
struct lrua {
	struct ref_base b;
	u64 *seen, *seq, sweeps, loads;
};

static void *lrua_create(struct mem *m)
{
	struct lrua *a = calloc(1, sizeof(*a));
	ref_base_init(&a->b, m);
	a->seen = malloc(m->cap * sizeof(u64));
	a->seq = malloc(m->cap * sizeof(u64));
	return a;
}

static void lrua_insert(void *st, u32 f)
{
	struct lrua *a = st;
	a->b.in[f] = 1;
	a->seen[f] = a->sweeps;
	a->seq[f] = a->loads++;
}

static bool lrua_older(const struct lrua *a, u32 f, u32 g)
{
	return a->seen[f] != a->seen[g] ? a->seen[f] < a->seen[g] : a->seq[f] < a->seq[g];
}

/* Keep best[0..*k) the (at most n) oldest frames, oldest first. */
static void lrua_consider(const struct lrua *a, u32 *best, u32 *k, u32 n, u32 f)
{
	if (*k == n && !lrua_older(a, f, best[n - 1]))
		return;
	u32 i = *k < n ? (*k)++ : n - 1;
	while (i > 0 && lrua_older(a, f, best[i - 1])) {
		best[i] = best[i - 1];
		i--;
	}
	best[i] = f;
}

static u32 lrua_pick(void *st, u32 *victims, u32 n)
{
	struct lrua *a = st;
	struct mem *m = a->b.m;
	u32 got = 0;
	a->sweeps++;
	for (u32 f = 0; f < m->cap; f++) {
		if (!a->b.in[f])
			continue;
		if (mem_test_and_clear(m, f))
			a->seen[f] = a->sweeps;
		lrua_consider(a, victims, &got, n, f);
	}
	for (u32 i = 0; i < got; i++)
		a->b.in[victims[i]] = 0;
	return got;
}

static void lrua_destroy(void *st)
{
	struct lrua *a = st;
	free(a->b.in);
	free(a->seen);
	free(a->seq);
	free(a);
}

const struct bpol pol_lrua = {
	.name = "lru-a", .info = INFO_ABIT,
	.what = "LRU from A bits: each sweep reads every resident frame's A bit, "
		"evicts the pages last seen referenced longest ago",
	.create = lrua_create, .insert = lrua_insert, .hit = NULL,
	.pick = lrua_pick, .destroy = lrua_destroy,
};

/* ---- CLOCK from A bits (second chance), one hand over the frames. */
struct clocka {
	struct ref_base b;
	u32 hand;
};

static void *clocka_create(struct mem *m)
{
	struct clocka *c = calloc(1, sizeof(*c));
	ref_base_init(&c->b, m);
	return c;
}

static void clocka_insert(void *st, u32 f)
{
	((struct clocka *)st)->b.in[f] = 1;
}

static u32 clocka_pick(void *st, u32 *victims, u32 n)
{
	struct clocka *c = st;
	struct mem *m = c->b.m;
	u32 got = 0;
	for (u64 v = 0; v < 2ull * m->cap && got < n; v++) {
		u32 f = c->hand;
		c->hand = f + 1 == m->cap ? 0 : f + 1;
		if (!c->b.in[f] || mem_test_and_clear(m, f))
			continue;
		c->b.in[f] = 0;
		victims[got++] = f;
	}
	return got;
}

static void clocka_destroy(void *st)
{
	struct clocka *c = st;
	free(c->b.in);
	free(c);
}

const struct bpol pol_clocka = {
	.name = "clock-a", .info = INFO_ABIT,
	.what = "CLOCK from A bits, written in the simulator: a set bit is cleared "
		"and passed over, a clear one is the victim",
	.create = clocka_create, .insert = clocka_insert, .hit = NULL,
	.pick = clocka_pick, .destroy = clocka_destroy,
};
