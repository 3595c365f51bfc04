/* Unit tests for core/printf.c: kvsnprintf/ksnprintf compared with the C
 * library's snprintf over many formats, plus truncation and the cases where
 * the hypervisor deliberately differs (unknown conversions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>
#include "core/log.h"
#include "stubs.h"

/* Format with both implementations into 128-byte buffers and compare the
 * text and the returned length. */
#define SAME(...)                                                              \
	do {                                                                   \
		char k_[128], c_[128];                                         \
		int kr_ = ksnprintf(k_, sizeof(k_), __VA_ARGS__);              \
		int cr_ = snprintf(c_, sizeof(c_), __VA_ARGS__);               \
		assert_string_equal(k_, c_);                                   \
		assert_int_equal(kr_, cr_);                                    \
	} while (0)

/* Some cases deliberately use combinations the compiler warns about (flags
 * C ignores, a NULL %s) to check that both implementations agree. */
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"

static void test_plain_and_percent(void **state)
{
	(void)state;
	SAME("");
	SAME("hello");
	SAME("100%% sure");
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("[%5c|%-5c]", 'x', 'y');
}

static void test_signed(void **state)
{
	(void)state;
	SAME("%d %i", 0, -1);
	SAME("%d %d", INT_MAX, INT_MIN);
	SAME("%ld %ld", LONG_MAX, LONG_MIN);
	SAME("%lld %lld", LLONG_MAX, LLONG_MIN);
	SAME("%hd %hhd", (short)-12345, (signed char)-100);
	SAME("%hd %hhd", 70000, 300);
	SAME("%zd", (ssize_t)-5);
	SAME("[%5d|%-5d|%05d|%-05d]", -42, -42, -42, 42);
	SAME("[%8ld|%08ld]", -123456L, 123456L);
	SAME("[%.3d|%8.3d|%-8.3d|%08.3d]", 7, -7, 7, 7);
	SAME("[%.0d|%5.0d]", 0, 0);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%lu %llu %zu", ULONG_MAX, ULLONG_MAX, (size_t)12345);
	SAME("%x %X %x", 0xdeadbeefu, 0xdeadbeefu, 0u);
	SAME("%lx %llX", 0xffffffffffffffffUL, 0x123456789abcdefULL);
	SAME("%hx %hhx %hu %hhu", 0x12345, 0x1ff, 65537, 257);
	SAME("[%016lx|%-10x|%10X|%08x]", 0xabcUL, 0x1fu, 0x1fu, 0x42u);
	SAME("[%zx|%4zu]", (size_t)0x1000, (size_t)7);
	SAME("[%*d|%-*d|%*d]", 6, 12, 6, 12, -6, 12);
}

static void test_strings(void **state)
{
	(void)state;
	SAME("%s", "abc");
	SAME("[%10s|%-10s]", "abc", "abc");
	SAME("[%.2s|%.0s|%.10s]", "abcdef", "abcdef", "abc");
	SAME("[%8.3s|%-8.3s]", "abcdef", "abcdef");
	SAME("[%.*s]", 4, "abcdefgh");
	SAME("%s and %s", "", "x");
}

static void test_pointer(void **state)
{
	int x;
	(void)state;
	SAME("%p", (void *)&x);
	SAME("%p", (void *)0x1000);
	SAME("[%20p|%-20p]", (void *)0xfeed, (void *)0xfeed);
	SAME("%p", (void *)NULL);
}

static void test_null_string(void **state)
{
	char buf[32];
	(void)state;
	const char *nul = NULL;
	assert_int_equal(ksnprintf(buf, sizeof(buf), "<%s>", nul), 8);
	assert_string_equal(buf, "<(null)>");
}

static void test_truncation(void **state)
{
	char buf[8];
	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 5, "%s-%d", "abcdef", 123), 10);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'Z');            /* nothing past n written */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 1, "xyz"), 3);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'Z');
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 0, "xyz%d", 42), 5);
	assert_int_equal(buf[0], 'Z');            /* n == 0: buffer untouched */
	assert_int_equal(ksnprintf(NULL, 0, "%08x", 1u), 8);
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%-7d", 1), 7);
	assert_string_equal(buf, "1      ");
}

static void test_unknown_conversion(void **state)
{
	char buf[64];
	(void)state;
	/* Not in the supported set: the directive is copied literally and no
	 * argument is consumed, so later conversions stay aligned. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	assert_int_equal(ksnprintf(buf, sizeof(buf), "a%qb%d", 5), 5);
	assert_string_equal(buf, "a%qb5");
	assert_int_equal(ksnprintf(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(ksnprintf(buf, sizeof(buf), "x%-08"), 5);
	assert_string_equal(buf, "x%-08");
#pragma GCC diagnostic pop
}

static int vwrap(char *b, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kvsnprintf(b, n, fmt, ap);
	va_end(ap);
	return r;
}

static void test_vsnprintf_entry(void **state)
{
	char buf[32];
	(void)state;
	assert_int_equal(vwrap(buf, sizeof(buf), "%s=%#x", "k", 1), 5);
	assert_string_equal(buf, "k=%#x");        /* '#' is not supported */
	assert_int_equal(vwrap(buf, sizeof(buf), "%s=0x%lx", "k", 255UL), 6);
	assert_string_equal(buf, "k=0xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_percent),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_vsnprintf_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
