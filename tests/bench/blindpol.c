/* Reference policies that use no reference information at all: FIFO (load
 * order), random (VMware ESX's choice for host swapping; fixed seed), and a
 * linear scan of the guest's frames (Xen's pager: a round-robin over guest
 * frame numbers, taking the next resident one whatever its use). */
#include "tests/bench/bench.h"
#include <stdlib.h>

#define RANDOM_SEED 0x9e3779b97f4a7c15ull

/* ---- FIFO: a ring of frames in load order. Only FIFO evicts, so the
 * oldest load is always at the head. */
struct fifo {
	u32 *ring, head, n, cap;
};

static void *fifo_create(struct mem *m)
{
	struct fifo *q = calloc(1, sizeof(*q));
	q->cap = m->cap;
	q->ring = malloc(m->cap * sizeof(u32));
	return q;
}

static void fifo_insert(void *st, u32 f)
{
	struct fifo *q = st;
	q->ring[(q->head + q->n++) % q->cap] = f;
}

static u32 fifo_pick(void *st, u32 *victims, u32 n)
{
	struct fifo *q = st;
	u32 got = 0;
	while (got < n && q->n > 0) {
		victims[got++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return got;
}

static void fifo_destroy(void *st)
{
	struct fifo *q = st;
	free(q->ring);
	free(q);
}

const struct bpol pol_fifo = {
	.name = "fifo", .info = INFO_BLIND,
	.what = "FIFO: evicts in load order",
	.create = fifo_create, .insert = fifo_insert, .hit = NULL,
	.pick = fifo_pick, .destroy = fifo_destroy,
};

/* ---- Random: resident frames in an array, victims drawn uniformly. */
struct rnd {
	u32 *set, *pos, n;
	u64 seed;
};

static void *rnd_create(struct mem *m)
{
	struct rnd *r = calloc(1, sizeof(*r));
	r->set = malloc(m->cap * sizeof(u32));
	r->pos = malloc(m->cap * sizeof(u32));
	r->seed = RANDOM_SEED;
	return r;
}

static void rnd_insert(void *st, u32 f)
{
	struct rnd *r = st;
	r->pos[f] = r->n;
	r->set[r->n++] = f;
}

static u32 rnd_pick(void *st, u32 *victims, u32 n)
{
	struct rnd *r = st;
	u32 got = 0;
	while (got < n && r->n > 0) {
		u32 i = (u32)(bench_rand(&r->seed) % r->n), f = r->set[i];
		r->set[i] = r->set[--r->n];
		r->pos[r->set[i]] = i;
		victims[got++] = f;
	}
	return got;
}

static void rnd_destroy(void *st)
{
	struct rnd *r = st;
	free(r->set);
	free(r->pos);
	free(r);
}

const struct bpol pol_random = {
	.name = "random", .info = INFO_BLIND,
	.what = "random: uniform over resident pages (VMware ESX host swapping), fixed seed",
	.create = rnd_create, .insert = rnd_insert, .hit = NULL,
	.pick = rnd_pick, .destroy = rnd_destroy,
};

/* ---- Linear scan: a cursor over page ids, which are in guest address
 * order (struct trace), taking the next resident page. */
struct lin {
	struct mem *m;
	u32 cursor;
};

static void *lin_create(struct mem *m)
{
	struct lin *l = calloc(1, sizeof(*l));
	l->m = m;
	return l;
}

static void lin_insert(void *st, u32 f)
{
	(void)st;
	(void)f;
}

static u32 lin_pick(void *st, u32 *victims, u32 n)
{
	struct lin *l = st;
	u32 np = l->m->t->npages, got = 0;
	for (u64 v = 0; v < np && got < n; v++) {
		u32 pg = l->cursor;
		l->cursor = pg + 1 == np ? 0 : pg + 1;
		if (l->m->page_frame[pg] != BENCH_NONE)
			victims[got++] = l->m->page_frame[pg];
	}
	return got;
}

static void lin_destroy(void *st)
{
	free(st);
}

const struct bpol pol_linear = {
	.name = "linear", .info = INFO_BLIND,
	.what = "linear scan of guest frames: the next resident frame number after "
		"the last victim, round robin (Xen's pager)",
	.create = lin_create, .insert = lin_insert, .hit = NULL,
	.pick = lin_pick, .destroy = lin_destroy,
};
