/* Unit tests of core/guestcfg.c: module strings as QEMU -kernel (path
 * first) and GRUB module2 (arguments only) pass them, names and defaults,
 * mem= sizes, for= attachments, duplicates, unknown keys, `--` handling,
 * and the limits. Every rejection must name the module and the problem. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/guestcfg.h"
#include "core/log.h"
#include "stubs.h"

static struct bootinfo_module mods[BOOTINFO_MODS_MAX + 2];
static struct guest_cfg cfg[GUESTCFG_MAX];
static size_t nrej;

/* Build from the given module strings (NULL-terminated list). */
static size_t build(const char *const *strs)
{
	size_t n = 0;
	memset(mods, 0, sizeof(mods));
	for (; strs[n]; n++)
		snprintf(mods[n].string, sizeof(mods[n].string), "%s", strs[n]);
	stub_log_reset();
	nrej = 99;
	return guestcfg_build(mods, n, cfg, GUESTCFG_MAX, &nrej);
}

#define BUILD(...) build((const char *const[]){ __VA_ARGS__, NULL })

static void test_qemu_path_first(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/boot/memtouch.elf name=touch mem=256M -- mib=8 order=random"), 1);
	assert_int_equal(nrej, 0);
	assert_string_equal(cfg[0].name, "touch");
	assert_int_equal(cfg[0].mem, 256 * MiB);
	assert_string_equal(cfg[0].cmdline, "mib=8 order=random");
	assert_int_equal(cfg[0].module_index, 0);
	assert_int_equal(cfg[0].nattached, 0);
	assert_int_equal(stub_log_count[LOG_ERR], 0);
}

static void test_grub_args_only(void **state)
{
	(void)state;
	assert_int_equal(BUILD("name=touch mem=1G -- a  b ", "hello.elf"), 2);
	assert_string_equal(cfg[0].name, "touch");
	assert_int_equal(cfg[0].mem, 1 * GiB);
	assert_string_equal(cfg[0].cmdline, "a  b ");   /* verbatim */
	assert_string_equal(cfg[1].name, "hello");
	assert_int_equal(cfg[1].mem, GUESTCFG_MEM_DEFAULT);
	assert_string_equal(cfg[1].cmdline, "");
	assert_int_equal(cfg[1].module_index, 1);
}

static void test_default_names(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/boot/mod/hello.elf", "mem=4M", "", "/x/v1.2.elf",
			       "/x/.hidden", "dir/", "-- only cmdline"), 7);
	assert_string_equal(cfg[0].name, "hello");
	assert_string_equal(cfg[1].name, "guest1");
	assert_string_equal(cfg[2].name, "guest2");
	assert_string_equal(cfg[3].name, "v1_2");
	assert_string_equal(cfg[4].name, "_hidden");
	assert_string_equal(cfg[5].name, "guest5");
	assert_string_equal(cfg[6].name, "guest6");
	assert_string_equal(cfg[6].cmdline, "only cmdline");
	assert_int_equal(nrej, 0);
}

static void test_default_name_long_and_unique(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/a/hello.elf", "/b/hello.elf", "name=hello-2",
			       "/0123456789012345678901234567890123456789.elf",
			       "/0123456789012345678901234567890123456789.bin"), 5);
	/* the explicit hello-2 keeps its name; the second default skips it */
	assert_string_equal(cfg[0].name, "hello");
	assert_string_equal(cfg[1].name, "hello-3");
	assert_string_equal(cfg[2].name, "hello-2");
	assert_string_equal(cfg[3].name, "0123456789012345678901234567890");
	assert_string_equal(cfg[4].name, "01234567890123456789012345678-2");
	assert_int_equal(strlen(cfg[4].name), GUESTCFG_NAME_MAX - 1);
}

static void test_mem_sizes(void **state)
{
	(void)state;
	assert_int_equal(BUILD("mem=2M", "mem=64G", "mem=0x400000", "mem=3072k", "mem=1g"), 5);
	assert_int_equal(cfg[0].mem, 2 * MiB);
	assert_int_equal(cfg[1].mem, 64 * GiB);
	assert_int_equal(cfg[2].mem, 4 * MiB);
	assert_int_equal(cfg[3].mem, 3 * MiB);
	assert_int_equal(cfg[4].mem, 1 * GiB);
	assert_int_equal(nrej, 0);
}

static void test_timeout(void **state)
{
	(void)state;
	assert_int_equal(BUILD("timeout=250", "name=b", "timeout=0", "timeout=x", "timeout=3600001",
			       "timeout=10 for=b"), 2);
	assert_int_equal(cfg[0].timeout_ms, 250);
	assert_int_equal(cfg[1].timeout_ms, 0);
	assert_int_equal(nrej, 4);
	assert_true(stub_log_contains("bad timeout= value 'x'"));
	assert_true(stub_log_contains("timeout= has no meaning with for="));
}

static void test_limit(void **state)
{
	(void)state;
	assert_int_equal(BUILD("limit=16M", "limit=100", "limit=2M mem=1G", "limit=1M for=guest0"), 2);
	assert_int_equal(cfg[0].limit, 16 * MiB);
	assert_int_equal(cfg[1].limit, 2 * MiB);
	assert_int_equal(cfg[1].mem, 1 * GiB);
	assert_true(stub_log_contains("bad limit= value '100'"));
	assert_true(stub_log_contains("limit= has no meaning with for="));
}

static void test_bad_mem(void **state)
{
	static const char *const bad[] = {
		"mem=x", "mem=", "mem=1M", "mem=65G", "mem=4097K", "mem=0", "mem=99999999999999999999",
		"mem=4MB", "mem=-4M",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char s[64];
		snprintf(s, sizeof(s), "/boot/memtouch.elf %s", bad[i]);
		assert_int_equal(BUILD("good.elf", s), 1);
		assert_int_equal(nrej, 1);
		assert_string_equal(cfg[0].name, "good");
		assert_true(stub_log_contains("module 1 (memtouch.elf): bad mem= value '"));
		assert_true(stub_log_contains(bad[i] + 4));
	}
}

static void test_bad_names(void **state)
{
	(void)state;
	assert_int_equal(BUILD("name=", "name=a.b", "name=01234567890123456789012345678901",
			       "name=ok_-9", "name=ok_-9"), 1);
	assert_int_equal(nrej, 4);
	assert_string_equal(cfg[0].name, "ok_-9");
	assert_int_equal(cfg[0].module_index, 3);
	assert_true(stub_log_contains("module 0 (name=): bad name= value ''"));
	assert_true(stub_log_contains("bad name= value 'a.b'"));
	assert_true(stub_log_contains("module 4 (name=ok_-9): duplicate name 'ok_-9'"));
	assert_true(guestcfg_is_valid_name("0123456789012345678901234567890", 31));
	assert_false(guestcfg_is_valid_name("01234567890123456789012345678901", 32));
}

static void test_unknown_key_and_bare_word(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/boot/a.elf cpus=2", "/boot/b.elf name=b extra", "c.elf mem=4M"), 1);
	assert_int_equal(nrej, 2);
	assert_string_equal(cfg[0].name, "c");
	assert_true(stub_log_contains("module 0 (a.elf): unknown key 'cpus'"));
	assert_true(stub_log_contains("module 1 (b.elf): unexpected word 'extra'"));
}

static void test_dashdash(void **state)
{
	(void)state;
	/* options after -- belong to the guest; a missing -- means no cmdline */
	assert_int_equal(BUILD("k.elf -- name=x mem=bad", "k2.elf mem=8M --", "k3.elf --x"), 2);
	assert_string_equal(cfg[0].name, "k");
	assert_int_equal(cfg[0].mem, GUESTCFG_MEM_DEFAULT);
	assert_string_equal(cfg[0].cmdline, "name=x mem=bad");
	assert_string_equal(cfg[1].name, "k2");
	assert_int_equal(cfg[1].mem, 8 * MiB);
	assert_string_equal(cfg[1].cmdline, "");
	assert_int_equal(nrej, 1);   /* "--x" is a bare word, not -- */
	assert_true(stub_log_contains("module 2 (k3.elf): unexpected word '--x'"));
}

static void test_attach(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/boot/data0.bin for=touch",
			       "/boot/memtouch.elf name=touch",
			       "for=touch -- data1 arg",
			       "/boot/other.elf",
			       "for=touch"), 2);
	assert_int_equal(nrej, 0);
	assert_string_equal(cfg[0].name, "touch");
	assert_int_equal(cfg[0].module_index, 1);
	assert_int_equal(cfg[0].nattached, 3);
	assert_int_equal(cfg[0].attached[0].module_index, 0);
	assert_string_equal(cfg[0].attached[0].string, "/boot/data0.bin");
	assert_int_equal(cfg[0].attached[1].module_index, 2);
	assert_string_equal(cfg[0].attached[1].string, "data1 arg");
	assert_int_equal(cfg[0].attached[2].module_index, 4);
	assert_string_equal(cfg[0].attached[2].string, "");
	assert_string_equal(cfg[1].name, "other");
	assert_int_equal(cfg[1].nattached, 0);
}

static void test_attach_to_default_name(void **state)
{
	(void)state;
	assert_int_equal(BUILD("/boot/hello.elf", "x.bin for=hello"), 1);
	assert_int_equal(cfg[0].nattached, 1);
	assert_string_equal(cfg[0].attached[0].string, "x.bin");
}

static void test_attach_errors(void **state)
{
	(void)state;
	assert_int_equal(BUILD("g.elf", "d.bin for=nobody", "e.bin for=g mem=4M",
			       "f.bin for=g name=z", "h.bin for=bad.name"), 1);
	assert_int_equal(nrej, 4);
	assert_int_equal(cfg[0].nattached, 0);
	assert_true(stub_log_contains("module 1 (d.bin): for=nobody names no guest"));
	assert_true(stub_log_contains("module 2 (e.bin): mem= has no meaning with for="));
	assert_true(stub_log_contains("module 3 (f.bin): name= has no meaning with for="));
	assert_true(stub_log_contains("module 4 (h.bin): bad for= value 'bad.name'"));
}

static void test_attach_to_rejected_guest(void **state)
{
	(void)state;
	assert_int_equal(BUILD("name=g mem=oops", "d.bin for=g"), 0);
	assert_int_equal(nrej, 2);
	assert_true(stub_log_contains("for=g names no guest"));
}

static void test_limits(void **state)
{
	char strs[BOOTINFO_MODS_MAX + 2][32];
	const char *list[BOOTINFO_MODS_MAX + 3];
	(void)state;
	for (int i = 0; i < GUESTCFG_MAX + 1; i++) {
		snprintf(strs[i], sizeof(strs[i]), "g%d.elf", i);
		list[i] = strs[i];
	}
	for (int i = GUESTCFG_MAX + 1; i < BOOTINFO_MODS_MAX + 2; i++) {
		snprintf(strs[i], sizeof(strs[i]), "m%d for=g0", i);
		list[i] = strs[i];
	}
	list[BOOTINFO_MODS_MAX + 2] = NULL;
	assert_int_equal(build(list), GUESTCFG_MAX);
	assert_true(stub_log_contains("module 16 (g16.elf): too many guests (at most 16)"));
	assert_int_equal(cfg[0].nattached, GUESTCFG_ATTACH_MAX);
	assert_int_equal(cfg[0].attached[0].module_index, GUESTCFG_MAX + 1);
	assert_true(stub_log_contains("guest g0 already has 8 modules attached"));
	assert_true(stub_log_contains("module 32: more than 32 modules"));
	/* one guest too many; of the 15 attachments among the first 32
	 * modules 7 are too many; modules 32 and 33 are beyond the limit */
	assert_int_equal(nrej, 1 + (BOOTINFO_MODS_MAX - GUESTCFG_MAX - 1 - GUESTCFG_ATTACH_MAX) + 2);
}

static void test_no_modules(void **state)
{
	(void)state;
	assert_int_equal(guestcfg_build(mods, 0, cfg, GUESTCFG_MAX, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_path_first),
		cmocka_unit_test(test_grub_args_only),
		cmocka_unit_test(test_default_names),
		cmocka_unit_test(test_default_name_long_and_unique),
		cmocka_unit_test(test_mem_sizes),
		cmocka_unit_test(test_bad_mem),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_unknown_key_and_bare_word),
		cmocka_unit_test(test_dashdash),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_attach_to_default_name),
		cmocka_unit_test(test_attach_errors),
		cmocka_unit_test(test_attach_to_rejected_guest),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_no_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
