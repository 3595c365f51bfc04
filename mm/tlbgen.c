/* Flush generations (see mm/tlbgen.h). Ordering argument: a pager clears a
 * leaf, then reads `next` as its ticket; a flusher first advances `next`,
 * then flushes, then publishes `done`. So every ticket <= the generation a
 * flusher took was issued for a leaf cleared before that flush began, and the
 * flush (which invalidates everything cached for the domain) covers it. All
 * accesses are sequentially consistent atomics. */
#include "mm/tlbgen.h"
#include "core/panic.h"

static u64 tg_load(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* a is at or after b, modulo 2^64. */
static bool tg_after_eq(u64 a, u64 b)
{
	return (s64)(a - b) >= 0;
}

void tlbgen_init_at(struct tlbgen *g, u64 first)
{
	g->next = first;
	g->done = first - 1;
	g->pending = 0;
	g->flushes = 0;
}

void tlbgen_init(struct tlbgen *g)
{
	tlbgen_init_at(g, 1);
}

u64 tlbgen_note_cleared(struct tlbgen *g)
{
	/* Ticket first, then pending: a flush that misses the pending mark
	 * started before the ticket was read and leaves `next` alone, so the
	 * next flush still finds the mark (never a ticket no flush completes). */
	u64 t = tg_load(&g->next);
	__atomic_store_n(&g->pending, 1, __ATOMIC_SEQ_CST);
	return t;
}

/* Publish gen as done unless a later flush already did. */
static void tg_complete(struct tlbgen *g, u64 gen)
{
	u64 cur = tg_load(&g->done);
	while (!tg_after_eq(cur, gen))
		if (__atomic_compare_exchange_n(&g->done, &cur, gen, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			break;
}

bool tlbgen_flush(struct tlbgen *g, tlbgen_flush_fn *fn, void *ctx)
{
	if (!__atomic_exchange_n(&g->pending, 0, __ATOMIC_SEQ_CST))
		return false;
	u64 gen = __atomic_fetch_add(&g->next, 1, __ATOMIC_SEQ_CST);
	fn(g, ctx);
	__atomic_fetch_add(&g->flushes, 1, __ATOMIC_RELAXED);
	tg_complete(g, gen);
	return true;
}

bool tlbgen_is_safe(const struct tlbgen *g, u64 ticket)
{
	return tg_after_eq(tg_load(&g->done), ticket);
}

void tlbgen_assert_safe(const struct tlbgen *g, u64 ticket)
{
	if (!tlbgen_is_safe(g, ticket))
		panic("tlbgen: frame released before its TLB flush (ticket %lu, done %lu)",
		      (unsigned long)ticket, (unsigned long)tg_load(&g->done));
}

void tlbgen_sync(struct tlbgen *g, u64 ticket, tlbgen_flush_fn *fn, void *ctx)
{
	ASSERT(tg_after_eq(tg_load(&g->next), ticket));   /* a ticket from the future */
	if (!tlbgen_is_safe(g, ticket))
		tlbgen_flush(g, fn, ctx);
	/* Another CPU may have taken the pending mark and still be flushing. */
	while (!tlbgen_is_safe(g, ticket))
		__builtin_ia32_pause();
}

void tlbgen_batch_init(struct tlbgen_batch *b, struct tlbgen_victim *storage, u32 cap)
{
	b->v = storage;
	b->cap = cap;
	b->n = 0;
}

int tlbgen_batch_add(struct tlbgen_batch *b, struct tlbgen *g, hpa_t frame)
{
	if (b->n == b->cap)
		return E_RANGE;
	b->v[b->n++] = (struct tlbgen_victim){ g, tlbgen_note_cleared(g), frame };
	return E_OK;
}

u32 tlbgen_batch_flush(struct tlbgen_batch *b, tlbgen_flush_fn *fn, void *ctx)
{
	u32 flushes = 0;
	for (u32 i = 0; i < b->n; i++) {
		struct tlbgen_victim *v = &b->v[i];
		if (tlbgen_is_safe(v->gen, v->ticket))
			continue;
		tlbgen_sync(v->gen, v->ticket, fn, ctx);
		flushes++;
	}
	return flushes;
}

hpa_t tlbgen_batch_frame(const struct tlbgen_batch *b, u32 i)
{
	ASSERT(i < b->n);
	tlbgen_assert_safe(b->v[i].gen, b->v[i].ticket);
	return b->v[i].frame;
}

void tlbgen_batch_reset(struct tlbgen_batch *b)
{
	b->n = 0;
}
