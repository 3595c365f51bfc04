/* Unit tests of the host tool tools/pvswap.c, compiled in with its main()
 * renamed: create/mark/show on image files in a temporary directory, that
 * mark writes nothing but the header page, refusals of used pages, bad sizes
 * and offsets, and show's verdicts on corrupted and truncated images. The
 * tool's output is captured into a file so tests can check its messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define main pvswap_main
#include "tools/pvswap.c"
#undef main

static char dir[64];
static char out[8192];      /* what the last run printed (stdout + stderr) */

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* Run pvswap with a NULL-terminated argument list; capture its output. */
static int run(const char *arg0, ...)
{
	char *argv[16], cap[96];
	int argc = 0, saved_out, saved_err, fd, rc;
	va_list ap;

	argv[argc++] = "pvswap";
	va_start(ap, arg0);
	for (const char *a = arg0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	path_of(cap, sizeof(cap), "out.txt");
	fflush(stdout);
	fflush(stderr);
	fd = open(cap, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = pvswap_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	return rc;
}

static void expect_out(const char *needle)
{
	if (!strstr(out, needle))
		fail_msg("output lacks '%s':\n%s", needle, out);
}

/* Make a file of size bytes: pattern bytes, with [zero_off, +4096) zero. */
static void make_file(const char *path, u64 size, long zero_off)
{
	u8 *buf = malloc(size);
	for (u64 i = 0; i < size; i++)
		buf[i] = (u8)(i * 7 + 3);
	if (zero_off >= 0)
		memset(buf + zero_off, 0, PG);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static u8 *slurp(const char *path, u64 *size)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	u8 *buf = malloc(st.st_size + 1);
	int fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, st.st_size), st.st_size);
	close(fd);
	*size = st.st_size;
	return buf;
}

static enum swapfmt_status check_at(const char *path, u64 off, struct swapfmt_info *info)
{
	u64 size;
	u8 *buf = slurp(path, &size);
	enum swapfmt_status st = swapfmt_check(buf + off, PG, size - off, info, NULL, 0);
	free(buf);
	return st;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pvswap-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_create_show(void **state)
{
	(void)state;
	char img[96];
	struct swapfmt_info info;
	struct stat st;
	path_of(img, sizeof(img), "a.img");
	assert_int_equal(run("create", img, "64M", "--label", "my swap", NULL), 0);
	expect_out("marked, 63 MiB, 16383 slots, uuid ");
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(st.st_size, 64 * MiB);
	assert_true((u64)st.st_blocks * 512 < 1 * MiB);   /* sparse */
	assert_int_equal(check_at(img, 0, &info), SWAPFMT_OK);
	assert_int_equal(info.total_pages, 16384);
	assert_int_equal(info.nslots, 16383);
	assert_string_equal(info.label, "my swap");
	assert_int_equal(info.uuid[6] >> 4, 4);           /* RFC 4122 version 4 */
	assert_int_equal(info.uuid[8] & 0xc0, 0x80);      /* variant */
	assert_int_equal(run("show", img, NULL), 0);
	expect_out("label       'my swap'");
	expect_out("slots       16383 (pages 1..16383, 63 MiB)");
	/* Two images get different UUIDs. */
	char img2[96];
	struct swapfmt_info info2;
	path_of(img2, sizeof(img2), "b.img");
	assert_int_equal(run("create", img2, "8K", NULL), 0);
	assert_int_equal(check_at(img2, 0, &info2), SWAPFMT_OK);
	assert_int_equal(info2.nslots, 1);
	assert_memory_not_equal(info.uuid, info2.uuid, 16);
}

static void test_create_refusals(void **state)
{
	(void)state;
	char img[96];
	path_of(img, sizeof(img), "a.img");
	assert_int_equal(run("create", img, "1M", "--uuid", "12345678-9abc-def0-0fed-cba987654321",
			     NULL), 0);
	expect_out("uuid 12345678-9abc-def0-0fed-cba987654321");
	assert_int_equal(run("create", img, "2M", NULL), 1);
	expect_out("--force replaces it");
	assert_int_equal(run("create", img, "2M", "--force", NULL), 0);
	assert_int_equal(run("create", img, "5000", "--force", NULL), 2);
	assert_int_equal(run("create", img, "4K", "--force", NULL), 1);
	expect_out("holds no slot");
	assert_int_equal(run("create", img, "12x", "--force", NULL), 2);
	assert_int_equal(run("create", img, "1M", "--force", "--uuid", "nope", NULL), 1);
	expect_out("not 8-4-4-4-12");
	assert_int_equal(run("create", img, "1M", "--force", "--label", "bad\ttab", NULL), 1);
	expect_out("printable");
	assert_int_equal(run("create", img, NULL), 2);
	assert_int_equal(run("frobnicate", img, NULL), 2);
	assert_int_equal(run("create", img, "1M", "--bogus", NULL), 2);
	assert_int_equal(run("--help", NULL), 0);
	expect_out("usage: pvswap create");
}

/* mark writes only the header page: every other byte stays as it was. */
static void test_mark_only_header_page(void **state)
{
	(void)state;
	char img[96];
	u64 size0, size1;
	path_of(img, sizeof(img), "disk.img");
	make_file(img, 1 * MiB + 3 * 512, 0);     /* not a page multiple */
	u8 *before = slurp(img, &size0);
	assert_int_equal(run("mark", img, NULL), 0);
	u8 *after = slurp(img, &size1);
	assert_int_equal(size0, size1);
	assert_memory_equal(before + PG, after + PG, size0 - PG);
	struct swapfmt_info info;
	assert_int_equal(check_at(img, 0, &info), SWAPFMT_OK);
	assert_int_equal(info.total_pages, 256);  /* rounded down to whole pages */
	free(before);
	free(after);
}

static void test_mark_refuses_used(void **state)
{
	(void)state;
	char img[96];
	u64 size;
	path_of(img, sizeof(img), "used.img");
	make_file(img, 1 * MiB, -1);
	u8 *before = slurp(img, &size);
	assert_int_equal(run("mark", img, NULL), 1);
	expect_out("not all zeros");
	u8 *after = slurp(img, &size);
	assert_memory_equal(before, after, size);   /* untouched */
	assert_int_equal(run("mark", img, "--force", NULL), 0);
	free(after);
	after = slurp(img, &size);
	assert_memory_equal(before + PG, after + PG, size - PG);
	/* A marked area is not re-marked without --force. */
	assert_int_equal(run("mark", img, NULL), 1);
	expect_out("already a pagevisor swap area");
	free(before);
	free(after);
}

static void test_mark_offset(void **state)
{
	(void)state;
	char img[96], off[32];
	u64 size;
	struct swapfmt_info info;
	path_of(img, sizeof(img), "part.img");
	make_file(img, 4 * MiB, 1 * MiB);
	u8 *before = slurp(img, &size);
	assert_int_equal(run("mark", img, "--offset", "1M", "--size", "2M", NULL), 0);
	u8 *after = slurp(img, &size);
	assert_memory_equal(before, after, 1 * MiB);
	assert_memory_equal(before + MiB + PG, after + MiB + PG, size - MiB - PG);
	assert_int_equal(check_at(img, MiB, &info), SWAPFMT_OK);
	assert_int_equal(info.total_pages, 512);
	assert_int_equal(run("show", img, "--offset", "1M", NULL), 0);
	assert_int_equal(run("show", img, NULL), 1);
	expect_out("not marked");
	/* Refusals: unaligned, beyond the end, too large. */
	assert_int_equal(run("mark", img, "--offset", "1000", NULL), 1);
	expect_out("multiples of 4 KiB");
	snprintf(off, sizeof(off), "%llu", 4 * MiB);
	assert_int_equal(run("mark", img, "--offset", off, NULL), 1);
	assert_int_equal(run("mark", img, "--offset", "2M", "--size", "3M", NULL), 1);
	expect_out("does not fit");
	assert_int_equal(run("mark", img, "--size", "4097", NULL), 1);
	free(after);
	after = slurp(img, &size);
	assert_memory_equal(before, after, 1 * MiB);
	free(before);
	free(after);
}

static void test_show_verdicts(void **state)
{
	(void)state;
	char img[96];
	path_of(img, sizeof(img), "v.img");
	assert_int_equal(run("create", img, "1M", NULL), 0);
	assert_int_equal(run("show", img, NULL), 0);
	int fd = open(img, O_RDWR);
	u8 b = 0x41;
	assert_int_equal(pwrite(fd, &b, 1, 100), 1);   /* in the label */
	close(fd);
	assert_int_equal(run("show", img, NULL), 1);
	expect_out("header refused: checksum mismatch (stored 0x");
	assert_int_equal(run("create", img, "1M", "--force", NULL), 0);
	assert_int_equal(truncate(img, 512 * KiB), 0);
	assert_int_equal(run("show", img, NULL), 1);
	expect_out("truncated: the header says 256 pages, the area has 128");
	assert_int_equal(truncate(img, 100), 0);
	assert_int_equal(run("show", img, NULL), 1);
	expect_out("smaller than 4 KiB");
	path_of(img, sizeof(img), "missing.img");
	assert_int_equal(run("show", img, NULL), 1);
	expect_out("No such file");
	assert_int_equal(run("mark", img, NULL), 1);
}

static void test_parse_size(void **state)
{
	(void)state;
	u64 v;
	assert_true(parse_size("4096", &v) && v == 4096);
	assert_true(parse_size("0x1000", &v) && v == 4096);
	assert_true(parse_size("60M", &v) && v == 60 * MiB);
	assert_true(parse_size("2GiB", &v) && v == 2 * GiB);
	assert_true(parse_size("1t", &v) && v == 1ull << 40);
	assert_true(parse_size("4KB", &v) && v == 4096);
	assert_false(parse_size("", &v));
	assert_false(parse_size("-1", &v));
	assert_false(parse_size("M", &v));
	assert_false(parse_size("4MX", &v));
	assert_false(parse_size("99999999999999999999", &v));
	assert_false(parse_size("16777216T", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_only_header_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_refuses_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_verdicts, setup, teardown),
		cmocka_unit_test(test_parse_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
