/* Unit tests of the flush-generation protocol (mm/tlbgen.c): a frame whose
 * leaf was cleared cannot be taken back before its flush (the ASSERT fires),
 * can after; VMs are independent; one flush covers a whole sweep; clears
 * made while a flush runs wait for the next; generations wrap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "mm/tlbgen.h"
#include "fakemem.h"

struct flush_log {
	int calls;
	struct tlbgen *last;
};

static void count_flush(struct tlbgen *g, void *ctx)
{
	struct flush_log *l = ctx;
	l->calls++;
	l->last = g;
}

static void test_ticket_safe_only_after_flush(void **state)
{
	(void)state;
	struct tlbgen g;
	struct flush_log log = { 0 };
	tlbgen_init(&g);
	u64 t = tlbgen_note_cleared(&g);
	assert_false(tlbgen_is_safe(&g, t));
	assert_true(tlbgen_flush(&g, count_flush, &log));
	assert_int_equal(log.calls, 1);
	assert_ptr_equal(log.last, &g);
	assert_true(tlbgen_is_safe(&g, t));
	/* Nothing cleared since: no flush runs, and old tickets stay safe. */
	assert_false(tlbgen_flush(&g, count_flush, &log));
	assert_int_equal(log.calls, 1);
	assert_int_equal(g.flushes, 1);
	u64 t2 = tlbgen_note_cleared(&g);
	assert_true(t2 != t);
	assert_false(tlbgen_is_safe(&g, t2));
	assert_true(tlbgen_is_safe(&g, t));
}

struct reuse {
	struct tlbgen g;
	u64 ticket;
};

static void reuse_frame(void *arg)
{
	struct reuse *r = arg;
	tlbgen_assert_safe(&r->g, r->ticket);
}

static void test_reuse_before_flush_panics(void **state)
{
	(void)state;
	struct reuse r;
	struct flush_log log = { 0 };
	tlbgen_init(&r.g);
	r.ticket = tlbgen_note_cleared(&r.g);
	assert_true(fakemem_panics(reuse_frame, &r));
	tlbgen_flush(&r.g, count_flush, &log);
	assert_false(fakemem_panics(reuse_frame, &r));
}

static void test_vms_independent(void **state)
{
	(void)state;
	struct tlbgen a, b;
	struct flush_log log = { 0 };
	tlbgen_init(&a);
	tlbgen_init(&b);
	u64 ta = tlbgen_note_cleared(&a), tb = tlbgen_note_cleared(&b);
	assert_true(tlbgen_flush(&a, count_flush, &log));
	assert_true(tlbgen_is_safe(&a, ta));
	assert_false(tlbgen_is_safe(&b, tb));   /* A's flush says nothing of B */
	assert_false(tlbgen_flush(&a, count_flush, &log));
	assert_true(tlbgen_flush(&b, count_flush, &log));
	assert_ptr_equal(log.last, &b);
	assert_true(tlbgen_is_safe(&b, tb));
	assert_int_equal(log.calls, 2);
}

struct batch_case {
	struct tlbgen_batch b;
	struct tlbgen_victim v[1000];
};

static void take_first(void *arg)
{
	struct batch_case *c = arg;
	(void)tlbgen_batch_frame(&c->b, 0);
}

static void test_batch_one_flush_per_sweep(void **state)
{
	(void)state;
	static struct batch_case c;
	struct tlbgen vm1, vm2;
	struct flush_log log = { 0 };
	tlbgen_init(&vm1);
	tlbgen_init(&vm2);
	tlbgen_batch_init(&c.b, c.v, 1000);
	for (u32 i = 0; i < 1000; i++)
		assert_int_equal(tlbgen_batch_add(&c.b, i % 10 ? &vm1 : &vm2,
						  hpa(0x100000 + i * PAGE_SIZE)), 0);
	assert_int_equal(tlbgen_batch_add(&c.b, &vm1, hpa(0x5000)), E_RANGE);
	/* Before the flush, taking a frame out panics. */
	assert_true(fakemem_panics(take_first, &c));
	/* 1000 clears in two VMs: exactly one flush each. */
	assert_int_equal(tlbgen_batch_flush(&c.b, count_flush, &log), 2);
	assert_int_equal(log.calls, 2);
	for (u32 i = 0; i < 1000; i++)
		assert_int_equal(tlbgen_batch_frame(&c.b, i).v, 0x100000 + i * PAGE_SIZE);
	assert_false(fakemem_panics(take_first, &c));
	/* A second flush of the same batch has nothing to do. */
	assert_int_equal(tlbgen_batch_flush(&c.b, count_flush, &log), 0);
	tlbgen_batch_reset(&c.b);
	assert_int_equal(c.b.n, 0);
}

/* A clear noted while a flush is running (another CPU, modelled by the
 * callback) was not covered by that flush: it needs the next one. */
struct during {
	struct tlbgen g;
	u64 inner;
	int calls;
	bool nested;
};

static void clear_during_flush(struct tlbgen *g, void *ctx)
{
	struct during *d = ctx;
	d->calls++;
	if (d->calls == 1)
		d->inner = tlbgen_note_cleared(g);
	if (d->calls == 1 && d->nested)
		assert_true(tlbgen_flush(g, clear_during_flush, d));   /* second CPU flushes */
}

static void test_clear_during_flush(void **state)
{
	(void)state;
	struct during d = { .nested = false };
	tlbgen_init(&d.g);
	u64 t = tlbgen_note_cleared(&d.g);
	assert_true(tlbgen_flush(&d.g, clear_during_flush, &d));
	assert_true(tlbgen_is_safe(&d.g, t));
	assert_false(tlbgen_is_safe(&d.g, d.inner));
	assert_true(tlbgen_flush(&d.g, clear_during_flush, &d));
	assert_true(tlbgen_is_safe(&d.g, d.inner));
	/* Nested: the inner flush completes first; the outer one finishing
	 * later must not move `done` backwards. */
	struct during n = { .nested = true };
	tlbgen_init(&n.g);
	t = tlbgen_note_cleared(&n.g);
	assert_true(tlbgen_flush(&n.g, clear_during_flush, &n));
	assert_int_equal(n.calls, 2);
	assert_true(tlbgen_is_safe(&n.g, t));
	assert_true(tlbgen_is_safe(&n.g, n.inner));
}

static void test_sync(void **state)
{
	(void)state;
	struct tlbgen g;
	struct flush_log log = { 0 };
	tlbgen_init(&g);
	u64 t = tlbgen_note_cleared(&g);
	tlbgen_sync(&g, t, count_flush, &log);
	assert_true(tlbgen_is_safe(&g, t));
	tlbgen_sync(&g, t, count_flush, &log);   /* already safe: no flush */
	assert_int_equal(log.calls, 1);
}

static void test_generations_wrap(void **state)
{
	(void)state;
	struct tlbgen g;
	struct flush_log log = { 0 };
	tlbgen_init_at(&g, UINT64_MAX - 2);
	u64 first = tlbgen_note_cleared(&g);
	assert_int_equal(first, UINT64_MAX - 2);
	assert_false(tlbgen_is_safe(&g, first));
	u64 prev = first;
	tlbgen_flush(&g, count_flush, &log);
	for (int i = 0; i < 6; i++) {   /* tickets ...fe, ...ff, 0, 1, 2, 3 */
		u64 t = tlbgen_note_cleared(&g);
		assert_int_equal(t, prev + 1);
		assert_false(tlbgen_is_safe(&g, t));
		assert_true(tlbgen_is_safe(&g, prev));
		assert_true(tlbgen_is_safe(&g, first));
		assert_true(tlbgen_flush(&g, count_flush, &log));
		assert_true(tlbgen_is_safe(&g, t));
		prev = t;
	}
	assert_int_equal(prev, 3);
	assert_int_equal(log.calls, 7);
	/* After the wrap, a new ticket is still unsafe until its flush. */
	u64 t = tlbgen_note_cleared(&g);
	struct reuse r = { g, t };
	assert_true(fakemem_panics(reuse_frame, &r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_safe_only_after_flush),
		cmocka_unit_test(test_reuse_before_flush_panics),
		cmocka_unit_test(test_vms_independent),
		cmocka_unit_test(test_batch_one_flush_per_sweep),
		cmocka_unit_test(test_clear_during_flush),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_generations_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
