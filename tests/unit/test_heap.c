/* Unit tests for mm/heap.c over fake physical memory: every size class
 * without overlap, alignment, reuse, large blocks, frames returned to the
 * allocator, counters, and panics on bad or double frees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "core/types.h"
#include "core/addr.h"
#include "core/log.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "stubs.h"
#include "fakemem.h"

#define FREE_MAGIC 0x6865617066726565ull   /* mm/heap.c's poison word */

static u64 base_free;

static int setup(void **state)
{
	*state = fakemem_with_frames();
	heap_init();
	base_free = frame_free_count();
	stub_log_reset();
	return 0;
}

static int teardown(void **state)
{
	fakemem_destroy(*state);
	return 0;
}

static size_t class_of(size_t size)
{
	size_t c = 16;
	while (c < size)
		c <<= 1;
	return c;
}

static void fill(u8 *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(seed * 31 + i);
}

static bool check(const u8 *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (u8)(seed * 31 + i))
			return false;
	return true;
}

static void test_all_classes_no_overlap(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 8, 16, 17, 31, 32, 33, 100, 128, 129,
					500, 1000, 1024, 2000, 2048, 2049, 5000, 12289 };
	enum { PER = 300, N = ARRAY_SIZE(sizes) * PER };
	u8 **p = calloc(N, sizeof(*p));
	size_t *len = calloc(N, sizeof(*len));
	for (unsigned i = 0; i < N; i++) {
		len[i] = sizes[i % ARRAY_SIZE(sizes)];
		p[i] = kmalloc(len[i]);
		assert_non_null(p[i]);
		size_t align = len[i] > HEAP_MAX_SLAB_SIZE ? PAGE_SIZE : class_of(len[i]);
		assert_true(IS_ALIGNED(ptr_to_hpa(p[i]).v, align));
		fill(p[i], len[i], i);
	}
	for (unsigned i = 0; i < N; i++)
		assert_true(check(p[i], len[i], i));
	struct heap_stats st;
	heap_get_stats(&st);
	assert_int_equal(st.allocs, N);
	assert_true(st.slab_pages > 0 && st.big_pages > 0);
	/* Free in a scrambled order, re-checking survivors now and then. */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = (k * 7919u) % N;
		assert_true(check(p[i], len[i], i));
		kfree(p[i]);
	}
	heap_get_stats(&st);
	assert_int_equal(st.frees, N);
	assert_int_equal(st.bytes_in_use, 0);
	assert_int_equal(st.slab_pages, 0);
	assert_int_equal(st.big_pages, 0);
	assert_int_equal(frame_free_count(), base_free);
	free(p);
	free(len);
}

static void test_reuse_and_zero(void **state)
{
	(void)state;
	void *keep = kmalloc(64);   /* keeps the slab alive */
	u8 *a = kmalloc(64);
	memset(a, 0xee, 64);
	kfree(a);
	u8 *b = kmalloc(60);
	assert_ptr_equal(a, b);
	kfree(b);
	u8 *z = kzalloc(64);
	assert_ptr_equal(z, a);
	for (int i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	kfree(z);
	kfree(keep);
	assert_int_equal(frame_free_count(), base_free);
}

static void test_slab_page_bookkeeping(void **state)
{
	(void)state;
	void *p[257];
	for (int i = 0; i < 257; i++)
		p[i] = kmalloc(16);
	struct heap_stats st;
	heap_get_stats(&st);
	assert_int_equal(st.slab_pages, 2);   /* 256 objects per page */
	assert_int_equal(st.bytes_in_use, 257 * 16);
	struct frame *f = frame_desc(ptr_to_hpa(p[0]));
	assert_int_equal(f->state, FRAME_HYP);
	assert_int_equal(f->flags, FRAME_F_HEAP_SLAB);
	kfree(p[3]);                          /* full slab becomes partial again */
	assert_ptr_equal(kmalloc(16), p[3]);
	for (int i = 0; i < 257; i++)
		kfree(p[i]);
	assert_int_equal(frame_free_count(), base_free);
}

static void test_large_blocks(void **state)
{
	(void)state;
	u8 *a = kmalloc(5000), *b = kzalloc(3 * PAGE_SIZE + 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(frame_free_count(), base_free - 2 - 4);
	for (u64 i = 0; i < 3 * PAGE_SIZE + 1; i++)
		assert_int_equal(b[i], 0);
	fill(a, 5000, 1);
	fill(b, 3 * PAGE_SIZE + 1, 2);
	assert_true(check(a, 5000, 1));
	assert_int_equal(frame_desc(ptr_to_hpa(b))->flags, FRAME_F_HEAP_BIG);
	assert_int_equal(frame_desc(ptr_to_hpa(b + PAGE_SIZE))->flags, FRAME_F_HEAP_TAIL);
	kfree(a);
	kfree(b);
	assert_int_equal(frame_free_count(), base_free);
}

static void test_edge_sizes_and_exhaustion(void **state)
{
	(void)state;
	assert_null(kmalloc(0));
	assert_null(kzalloc(0));
	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(FAKEMEM_SIZE));
	kfree(NULL);
	/* Exhaust the frames through the heap, then everything comes back. */
	void **p = calloc(base_free * 2 + 1, sizeof(*p));
	u64 n = 0;
	while ((p[n] = kmalloc(2048)) != NULL)
		n++;
	assert_int_equal(n, base_free * 2);
	assert_null(kmalloc(16));
	assert_null(kmalloc(9000));
	kfree(p[0]);
	assert_non_null(p[0] = kmalloc(2048));
	while (n > 0)
		kfree(p[--n]);
	assert_int_equal(frame_free_count(), base_free);
	free(p);
}

static void test_poison_lookalike_is_not_double_free(void **state)
{
	(void)state;
	u64 *a = kmalloc(32), *b = kmalloc(32);
	a[1] = FREE_MAGIC;   /* user data that looks like a freed object */
	kfree(a);
	kfree(b);
	assert_int_equal(frame_free_count(), base_free);
}

static void test_stats_print(void **state)
{
	(void)state;
	void *p = kmalloc(100);
	heap_print_stats();
	assert_true(stub_log_contains("1 allocs"));
	assert_true(stub_log_contains("128 bytes in use"));
	kfree(p);
}

static void double_free_slab(void *arg)
{
	(void)arg;
	void *keep1 = kmalloc(48), *keep2 = kmalloc(48), *p = kmalloc(48);
	(void)keep1;
	(void)keep2;
	kfree(p);
	kfree(p);   /* the slab stays in use: only the double-free check fires */
}

static void double_free_big(void *arg)
{
	(void)arg;
	void *p = kmalloc(3 * PAGE_SIZE);
	kfree(p);
	kfree(p);
}

static void free_interior(void *arg)
{
	(void)arg;
	u8 *p = kmalloc(64);
	kfree(p + 16);
}

static void free_big_interior(void *arg)
{
	(void)arg;
	u8 *p = kmalloc(3 * PAGE_SIZE);
	kfree(p + PAGE_SIZE);
}

static void free_stack(void *arg)
{
	kfree(arg);
}

static void free_frame(void *arg)
{
	(void)arg;
	kfree(hpa_to_ptr(frame_alloc(FRAME_HYP, 0)));
}

static void free_good(void *arg)
{
	(void)arg;
	kfree(kmalloc(64));
}

static void test_bad_frees_panic(void **state)
{
	(void)state;
	int local;
	assert_true(fakemem_panics(double_free_slab, NULL));
	assert_true(fakemem_panics(double_free_big, NULL));
	assert_true(fakemem_panics(free_interior, NULL));
	assert_true(fakemem_panics(free_big_interior, NULL));
	assert_true(fakemem_panics(free_stack, &local));
	assert_true(fakemem_panics(free_frame, NULL));
	assert_false(fakemem_panics(free_good, NULL));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_all_classes_no_overlap),
		T(test_reuse_and_zero),
		T(test_slab_page_bookkeeping),
		T(test_large_blocks),
		T(test_edge_sizes_and_exhaustion),
		T(test_poison_lookalike_is_not_double_free),
		T(test_stats_print),
		T(test_bad_frees_panic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
