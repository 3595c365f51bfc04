/* Unit tests for core/cmdline.c: tokenizer, `--` split, numbers and sizes
 * (with overflow), every option type with good and bad values, unknown
 * keys, and empty or blank command lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/cmdline.h"
#include "core/log.h"
#include "stubs.h"

static bool o_selftest;
static u64 o_cpus, o_mem;
static char o_name[8];
static int o_level;

static const char *const levels[] = { "err", "warn", "info", "debug", NULL };

static const struct cmdline_opt opts[] = {
	{ .key = "selftest", .type = OPT_FLAG, .dest = &o_selftest, .help = "run self-tests" },
	{ .key = "cpus", .type = OPT_UINT, .dest = &o_cpus, .min = 1, .max = 64, .help = "CPUs" },
	{ .key = "mem", .type = OPT_SIZE, .dest = &o_mem, .help = "guest memory" },
	{ .key = "name", .type = OPT_STRING, .dest = o_name, .max = sizeof(o_name),
	  .help = "guest name" },
	{ .key = "loglevel", .type = OPT_ENUM, .dest = &o_level, .choices = levels,
	  .help = "verbosity" },
};

static int setup(void **state)
{
	(void)state;
	o_selftest = false;
	o_cpus = 2;
	o_mem = 0;
	strcpy(o_name, "dflt");
	o_level = 2;
	stub_log_reset();
	return 0;
}

static int parse(const char *s) { return cmdline_parse(s, opts, ARRAY_SIZE(opts)); }

static void test_all_types_good(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest cpus=0x10 mem=64M name=touch loglevel=debug"), E_OK);
	assert_true(o_selftest);
	assert_int_equal(o_cpus, 16);
	assert_int_equal(o_mem, 64ull << 20);
	assert_string_equal(o_name, "touch");
	assert_int_equal(o_level, 3);
	assert_int_equal(stub_log_count[LOG_ERR] + stub_log_count[LOG_WARN], 0);
	/* Tabs, newlines and repeated blanks separate words; last value wins. */
	assert_int_equal(parse("\tcpus=3\n\r  cpus=4   name= "), E_OK);
	assert_int_equal(o_cpus, 4);
	assert_string_equal(o_name, "");
}

static void test_empty_and_blank(void **state)
{
	(void)state;
	assert_int_equal(parse(""), E_OK);
	assert_int_equal(parse("   \t\n "), E_OK);
	assert_int_equal(parse(NULL), E_OK);
	assert_false(o_selftest);
	assert_int_equal(o_cpus, 2);
	assert_int_equal(stub_log_len, 0);
}

static void test_unknown_key_warned(void **state)
{
	(void)state;
	assert_int_equal(parse("bogus=1 cpus=5 alsobogus"), E_OK);
	assert_int_equal(o_cpus, 5);                /* parsing went on */
	assert_int_equal(stub_log_count[LOG_WARN], 2);
	assert_true(stub_log_contains("unknown option 'bogus'"));
	assert_true(stub_log_contains("unknown option 'alsobogus'"));
	/* Keys match whole words only. */
	assert_int_equal(parse("cpu=7 cpusx=7"), E_OK);
	assert_int_equal(o_cpus, 5);
	assert_true(stub_log_contains("unknown option 'cpusx'"));
}

static void test_bad_numbers(void **state)
{
	(void)state;
	assert_int_equal(parse("cpus=abc cpus=12x cpus=-1 cpus=0x cpus= cpus"), E_INVAL);
	assert_int_equal(o_cpus, 2);                /* default kept */
	assert_int_equal(stub_log_count[LOG_ERR], 6);
	assert_true(stub_log_contains("cpus=abc is not a number"));
	assert_true(stub_log_contains("cpus=-1 is not a number"));
	assert_true(stub_log_contains("cpus needs a value"));
	/* Out of range on both sides, then a good one: error still reported. */
	stub_log_reset();
	assert_int_equal(parse("cpus=0 cpus=65 cpus=64"), E_INVAL);
	assert_int_equal(o_cpus, 64);
	assert_true(stub_log_contains("cpus=65 is out of range [1, 64]"));
	assert_true(stub_log_contains("cpus=0 is out of range"));
}

static void test_overflow(void **state)
{
	u64 v = 7;
	(void)state;
	assert_int_equal(cmdline_parse_u64("18446744073709551615", 20, false, &v), E_OK);
	assert_true(v == ~0ull);
	assert_int_equal(cmdline_parse_u64("18446744073709551616", 20, false, &v), E_RANGE);
	assert_int_equal(cmdline_parse_u64("0xffffffffffffffff", 18, false, &v), E_OK);
	assert_int_equal(cmdline_parse_u64("0x10000000000000000", 19, false, &v), E_RANGE);
	assert_int_equal(cmdline_parse_u64("16777216T", 9, true, &v), E_RANGE);
	assert_int_equal(cmdline_parse_u64("16777215T", 9, true, &v), E_OK);
	assert_true(v == 16777215ull << 40);
	v = 7;
	assert_int_equal(cmdline_parse_u64("", 0, false, &v), E_INVAL);
	assert_int_equal(cmdline_parse_u64("k", 1, true, &v), E_INVAL);
	assert_int_equal(v, 7);                     /* untouched on error */
	assert_int_equal(parse("mem=99999999999999999999"), E_INVAL);
	assert_true(stub_log_contains("too large for 64 bits"));
	assert_int_equal(o_mem, 0);
}

static void test_sizes(void **state)
{
	u64 v = 0;
	(void)state;
	assert_int_equal(cmdline_parse_u64("4096", 4, true, &v), E_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_parse_u64("4k", 2, true, &v), E_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_parse_u64("4K", 2, true, &v), E_OK);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_parse_u64("1G", 2, true, &v), E_OK);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(cmdline_parse_u64("0x10m", 5, true, &v), E_OK);
	assert_int_equal(v, 16ull << 20);
	/* A suffix is only for sizes; a double or unknown suffix is malformed. */
	assert_int_equal(cmdline_parse_u64("4k", 2, false, &v), E_INVAL);
	assert_int_equal(cmdline_parse_u64("4kk", 3, true, &v), E_INVAL);
	assert_int_equal(cmdline_parse_u64("4x", 2, true, &v), E_INVAL);
	assert_int_equal(parse("mem=256M"), E_OK);
	assert_int_equal(o_mem, 256ull << 20);
	assert_int_equal(parse("mem=12Q"), E_INVAL);
	assert_int_equal(o_mem, 256ull << 20);
	assert_true(stub_log_contains("mem=12Q is not a size"));
}

static void test_flags_enums_strings(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest=1"), E_INVAL);
	assert_false(o_selftest);
	assert_true(stub_log_contains("selftest is a flag and takes no value, got '1'"));
	assert_int_equal(parse("selftest="), E_INVAL);
	assert_false(o_selftest);

	stub_log_reset();
	assert_int_equal(parse("loglevel=loud loglevel=INFO loglevel"), E_INVAL);
	assert_int_equal(o_level, 2);
	assert_int_equal(stub_log_count[LOG_ERR], 3);
	assert_true(stub_log_contains("loglevel=loud is not one of: err, warn, info, debug"));
	assert_int_equal(parse("loglevel=err"), E_OK);
	assert_int_equal(o_level, 0);

	/* name holds 7 characters: 8 is rejected whole, not truncated. */
	assert_int_equal(parse("name=abcdefgh"), E_INVAL);
	assert_string_equal(o_name, "dflt");
	assert_true(stub_log_contains("longer than 7 characters"));
	assert_int_equal(parse("name=abcdefg"), E_OK);
	assert_string_equal(o_name, "abcdefg");
	assert_int_equal(parse("name=a=b"), E_OK);  /* split at the first '=' */
	assert_string_equal(o_name, "a=b");

	stub_log_reset();
	assert_int_equal(parse("=5 cpus=9"), E_INVAL);
	assert_true(stub_log_contains("has no key"));
	assert_int_equal(o_cpus, 9);
}

static void test_dashdash(void **state)
{
	const char *rest = (const char *)1;
	const char *s = "cpus=3 name=g --  console=ttyS0 -- x";
	(void)state;
	assert_int_equal(cmdline_split(s, &rest), 14);
	assert_string_equal(rest, "console=ttyS0 -- x");
	assert_int_equal(parse(s), E_OK);          /* stops at `--` */
	assert_int_equal(o_cpus, 3);
	assert_int_equal(stub_log_count[LOG_WARN], 0);

	assert_int_equal(cmdline_split("a b", &rest), 3);
	assert_null(rest);
	assert_int_equal(cmdline_split("--", &rest), 0);
	assert_string_equal(rest, "");
	assert_int_equal(cmdline_split("a --x b-- --", &rest), 10);
	assert_string_equal(rest, "");
	assert_int_equal(cmdline_split("", &rest), 0);
	assert_null(rest);
}

static void test_tokenizer(void **state)
{
	const char *s = "name=touch  mem=256M  bare -- guest args", *p = s;
	struct cmdline_word w;
	(void)state;
	assert_true(cmdline_next_word(&p, NULL, &w));
	assert_int_equal(w.key_len, 4);
	assert_memory_equal(w.key, "name", 4);
	assert_int_equal(w.val_len, 5);
	assert_memory_equal(w.val, "touch", 5);
	assert_true(cmdline_next_word(&p, NULL, &w));
	assert_memory_equal(w.val, "256M", 4);
	assert_true(cmdline_next_word(&p, NULL, &w));
	assert_int_equal(w.key_len, 4);
	assert_null(w.val);
	assert_false(cmdline_next_word(&p, NULL, &w));
	assert_string_equal(p, " guest args");     /* left just past `--` */

	/* Bounded by end: a word is cut at the end pointer. */
	p = s;
	assert_true(cmdline_next_word(&p, s + 7, &w));
	assert_int_equal(w.val_len, 2);
	assert_false(cmdline_next_word(&p, s + 7, &w));
}

static void test_help(void **state)
{
	(void)state;
	cmdline_print_help(opts, ARRAY_SIZE(opts));
	assert_true(stub_log_contains("loglevel=<err|warn|info|debug>"));
	assert_true(stub_log_contains("cpus=<number>"));
	assert_true(stub_log_contains("CPUs [1..64]"));
	assert_true(stub_log_contains("mem=<size>"));
	assert_true(stub_log_contains("run self-tests"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_all_types_good),
		T(test_empty_and_blank),
		T(test_unknown_key_warned),
		T(test_bad_numbers),
		T(test_overflow),
		T(test_sizes),
		T(test_flags_enums_strings),
		T(test_dashdash),
		T(test_tokenizer),
		T(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
