/* Unit tests for core/bootinfo.c: well-formed Multiboot 1/2 information and
 * many malformed variants (truncated or oversized tags, unterminated strings,
 * bad maps, bad magic), built in a fake physical memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/bootinfo.h"
#include "core/acpi_tables.h"
#include "stubs.h"

#define FAKE_MEM_SIZE (512 * 1024)
#define INFO 0x10000                    /* where the structures are built */

static u8 *mem;
static struct boot_info bi;
static u32 pos;                         /* MB2 builder: next tag offset */

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, FAKE_MEM_SIZE);
	phys_window = (u64)(uintptr_t)mem;
	stub_log_reset();
	pos = 8;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void w32(u64 a, u32 v) { memcpy(mem + a, &v, 4); }
static void w64(u64 a, u64 v) { memcpy(mem + a, &v, 8); }

/* ---- Multiboot 2 builder ---- */

/* Append a tag with payload len bytes; return the payload's address. */
static u64 tag(u32 type, const void *data, u32 len)
{
	u64 a = INFO + pos;
	w32(a, type);
	w32(a + 4, 8 + len);
	if (data)
		memcpy(mem + a + 8, data, len);
	pos += (8 + len + 7) & ~7u;
	return a + 8;
}

static void tag_str(u32 type, const char *s) { tag(type, s, (u32)strlen(s) + 1); }

static u32 finish(bool end_tag)
{
	if (end_tag)
		tag(0, NULL, 0);
	w32(INFO, pos);
	return pos;
}

static int parse2(void) { return bootinfo_parse(BOOTINFO_MB2_MAGIC, hpa(INFO), &bi); }

struct mb2_ent { u64 base, len; u32 type, rsvd; };

static void tag_mmap(const struct mb2_ent *e, u32 n)
{
	u8 buf[8 + 64 * 24];
	memcpy(buf, &(u32){ 24 }, 4);
	memcpy(buf + 4, &(u32){ 0 }, 4);
	memcpy(buf + 8, e, n * 24);
	tag(6, buf, 8 + n * 24);
}

struct efi_desc { u32 type, pad; u64 phys, virt, pages, attr; };

static void tag_efi(const struct efi_desc *d, u32 n, u32 dsz)
{
	u8 buf[8 + 32 * 64] = { 0 };
	memcpy(buf, &dsz, 4);
	memcpy(buf + 4, &(u32){ 1 }, 4);
	for (u32 i = 0; i < n; i++)
		memcpy(buf + 8 + i * dsz, &d[i], MIN(dsz, sizeof(d[i])));
	tag(17, buf, 8 + n * dsz);
}

static void make_rsdp(struct acpi_rsdp *r, int rev)
{
	u8 s = 0;
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	r->revision = (u8)rev;
	r->rsdt_address = 0x7fe0000;
	r->length = 36;
	r->xsdt_address = 0x7fe1000;
	for (int i = 0; i < 20; i++)
		s = (u8)(s + ((u8 *)r)[i]);
	r->checksum = (u8)-s;
	s = 0;
	for (int i = 0; i < 36; i++)
		s = (u8)(s + ((u8 *)r)[i]);
	r->ext_checksum = (u8)-s;
}

static void test_mb2_full(void **state)
{
	struct mb2_ent map[] = {
		{ 0, 0x9fc00, 1, 0 }, { 0x9fc00, 0x400, 2, 0 },
		{ 0x100000, 0x7ee0000, 1, 0 }, { 0x7fe0000, 0x20000, 3, 0 },
		{ 0xfffc0000, 0x40000, 2, 0 },
	};
	u8 mod[8 + 16];
	u8 fb[24] = { 0 };
	u32 meminfo[2] = { 639, 130048 };
	struct acpi_rsdp r;
	(void)state;

	tag_str(1, "selftest loglevel=3");
	tag_str(2, "GRUB 2.06");
	memcpy(mod, &(u32){ 0x200000 }, 4);
	memcpy(mod + 4, &(u32){ 0x201000 }, 4);
	memcpy(mod + 8, "touch", 6);
	tag(3, mod, 14);
	memcpy(mod, &(u32){ 0x300000 }, 4);
	memcpy(mod + 4, &(u32){ 0x380000 }, 4);
	memcpy(mod + 8, "linux mem=64M", 14);
	tag(3, mod, 22);
	tag(4, meminfo, 8);
	tag_mmap(map, 5);
	memcpy(fb, &(u64){ 0xfd000000 }, 8);
	memcpy(fb + 8, &(u32){ 4096 }, 4);
	memcpy(fb + 12, &(u32){ 1024 }, 4);
	memcpy(fb + 16, &(u32){ 768 }, 4);
	fb[20] = 32;
	fb[21] = 1;
	tag(8, fb, 24);
	make_rsdp(&r, 2);
	tag(15, &r, 36);
	u32 total = finish(true);

	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.warnings, 0);
	assert_int_equal(bi.loader, BOOTINFO_LOADER_MB2);
	assert_string_equal(bi.cmdline, "selftest loglevel=3");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_int_equal(bi.nmodules, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x201000);
	assert_string_equal(bi.modules[0].string, "touch");
	assert_string_equal(bi.modules[1].string, "linux mem=64M");
	assert_true(bi.has_meminfo);
	assert_int_equal(bi.mem_upper_kib, 130048);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MB2);
	assert_int_equal(bi.nmap, 5);
	assert_int_equal(bi.map[2].base, 0x100000);
	assert_int_equal(bi.map[2].len, 0x7ee0000);
	assert_int_equal(bi.map[2].type, BOOTINFO_MEM_USABLE);
	assert_int_equal(bi.map[1].type, BOOTINFO_MEM_RESERVED);
	assert_int_equal(bi.map[3].type, BOOTINFO_MEM_ACPI_RECLAIM);
	assert_true(bi.fb.present);
	assert_int_equal(bi.fb.addr, 0xfd000000);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, &r, 36);
	assert_int_equal(bi.info_start.v, INFO);
	assert_int_equal(bi.info_end.v, INFO + total);

	stub_log_reset();
	bootinfo_print(&bi);
	assert_true(stub_log_contains("selftest loglevel=3"));
	assert_true(stub_log_contains("linux mem=64M"));
}

static void test_mb2_efi_map_preferred(void **state)
{
	struct mb2_ent map[] = { { 0x100000, 0x1000000, 1, 0 } };
	struct efi_desc d[] = {
		{ 7, 0, 0x0, 0, 0xa0, 0 },             /* conventional */
		{ 7, 0, 0x100000, 0, 0x100, 0 },       /* conventional ... */
		{ 4, 0, 0x200000, 0, 0x100, 0 },       /* ... + BS data: merged */
		{ 5, 0, 0x300000, 0, 0x10, 0 },        /* runtime code: reserved */
		{ 9, 0, 0x310000, 0, 0x10, 0 },        /* ACPI reclaim */
		{ 10, 0, 0x320000, 0, 0x10, 0 },       /* ACPI NVS */
		{ 8, 0, 0x330000, 0, 0x10, 0 },        /* unusable */
		{ 11, 0, 0xfec00000, 0, 1, 0 },        /* MMIO */
		{ 2, 0, 0x400000, 0, 0x400, 0 },       /* loader data */
	};
	(void)state;
	tag_mmap(map, 1);
	tag_efi(d, 9, 48);                             /* OVMF's larger descriptors */
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.warnings, 0);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_EFI);
	assert_int_equal(bi.nmap, 8);
	assert_int_equal(bi.map[1].base, 0x100000);
	assert_int_equal(bi.map[1].len, 0x200000);
	assert_int_equal(bi.map[1].type, BOOTINFO_MEM_USABLE);
	assert_int_equal(bi.map[2].type, BOOTINFO_MEM_RESERVED);
	assert_int_equal(bi.map[3].type, BOOTINFO_MEM_ACPI_RECLAIM);
	assert_int_equal(bi.map[4].type, BOOTINFO_MEM_ACPI_NVS);
	assert_int_equal(bi.map[5].type, BOOTINFO_MEM_BAD);
	assert_int_equal(bi.map[6].type, BOOTINFO_MEM_RESERVED);
	assert_int_equal(bi.map[6].raw_type, 11);
	assert_int_equal(bi.map[7].type, BOOTINFO_MEM_USABLE);
	assert_int_equal(bi.map[7].len, 0x400000);
}

static void test_mb2_efi_odd_descriptor_sizes(void **state)
{
	struct mb2_ent map[] = { { 0x100000, 0x1000000, 1, 0 } };
	struct efi_desc d[] = { { 7, 0, 0x100000, 0, 0x20, 0 }, { 7, 0, 0x800000, 0, 0x20, 0 } };
	(void)state;

	/* Unusual but legal size: stepped by descriptor_size. */
	tag_efi(d, 2, 44);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_EFI);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[1].base, 0x800000);
	assert_int_equal(bi.map[1].len, 0x20000);

	/* Too small to hold a descriptor: ignored, the Multiboot map is used. */
	pos = 8;
	tag_mmap(map, 1);
	tag_efi(d, 2, 24);
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_true(stub_log_contains("descriptor_size 24"));
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MB2);
	assert_int_equal(bi.nmap, 1);
	assert_int_equal(bi.map[0].len, 0x1000000);

	/* Zero size (no division by zero) and no fallback at all. */
	pos = 8;
	tag_efi(d, 0, 0);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmap, 0);
	assert_true(bi.warnings >= 2);

	/* Absurd page count is dropped, the rest kept; trailing bytes noted. */
	struct efi_desc big[] = { { 7, 0, 0x100000, 0, ~0ull, 0 }, { 7, 0, 0x900000, 0, 1, 0 } };
	pos = 8;
	tag_efi(big, 2, 40);
	w32(INFO + 12, 8 + 2 * 40 + 8 + 5);                /* 5 stray bytes */
	pos += 8;
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_true(stub_log_contains("absurd page count"));
	assert_true(stub_log_contains("trailing bytes"));
	assert_int_equal(bi.nmap, 1);
	assert_int_equal(bi.map[0].base, 0x900000);
}

static void test_mb2_efi_boot_services_active(void **state)
{
	struct efi_desc d[] = { { 3, 0, 0x100000, 0, 0x100, 0 }, { 7, 0, 0x200000, 0, 0x100, 0 } };
	(void)state;
	tag_efi(d, 2, 48);
	tag(18, NULL, 0);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[0].type, BOOTINFO_MEM_RESERVED);
	assert_int_equal(bi.map[1].type, BOOTINFO_MEM_USABLE);
}

static void test_mb2_tag_past_total_size(void **state)
{
	(void)state;
	tag_str(1, "console=com2");
	tag_str(2, "loader");
	u32 total = finish(false);
	w32(INFO + total, 2);                              /* a tag beyond the end */
	w32(INFO + total + 4, 64);
	w32(INFO, total + 16);                             /* claims 16 more bytes */
	assert_int_equal(parse2(), E_OK);
	assert_string_equal(bi.cmdline, "console=com2");   /* earlier tags kept */
	assert_string_equal(bi.loader_name, "loader");
	assert_true(stub_log_contains("past total_size"));
	assert_true(stub_log_contains("no end tag"));
	assert_true(bi.warnings >= 2);
}

static void test_mb2_tag_size_too_small(void **state)
{
	(void)state;
	tag_str(1, "a=1");
	u64 t = tag(2, "x", 2);
	w32(t - 4, 4);                                     /* size below 8 */
	tag_str(1, "never=read");
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_string_equal(bi.cmdline, "a=1");
	assert_string_equal(bi.loader_name, "");
	assert_true(stub_log_contains("below 8"));
}

static void test_mb2_absurd_total_size(void **state)
{
	(void)state;
	tag_str(1, "x");
	finish(true);
	w32(INFO, 8);
	bi.nmap = 77;
	assert_int_equal(parse2(), E_INVAL);
	assert_int_equal(bi.nmap, 0);                      /* output cleared */
	assert_int_equal(bi.loader, BOOTINFO_LOADER_NONE);
	assert_true(stub_log_contains("total_size 8"));
	w32(INFO, 2 * 1024 * 1024);
	assert_int_equal(parse2(), E_INVAL);
	assert_true(stub_log_contains("total_size 2097152"));
	w32(INFO, 0xffffffff);
	assert_int_equal(parse2(), E_INVAL);
}

static void test_mb2_unterminated_and_long_strings(void **state)
{
	char longline[2000];
	(void)state;
	tag(1, "no-nul-here", 11);                         /* no NUL inside the tag */
	tag(2, "GRUB", 4);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_string_equal(bi.cmdline, "no-nul-here");
	assert_string_equal(bi.loader_name, "GRUB");
	assert_true(stub_log_contains("command line is not NUL-terminated"));
	assert_int_equal(bi.warnings, 2 + 1);              /* + no memory map */

	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	pos = 8;
	tag_str(1, longline);
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
	assert_true(stub_log_contains("truncated"));
}

static void test_mb2_bad_modules(void **state)
{
	u8 m[16] = { 0 };
	(void)state;
	memcpy(m, &(u32){ 0x500000 }, 4);
	memcpy(m + 4, &(u32){ 0x400000 }, 4);              /* end < start */
	memcpy(m + 8, "bad", 4);
	tag(3, m, 12);
	tag(3, m, 4);                                      /* too small */
	for (u32 i = 0; i < 40; i++) {
		memcpy(m, &(u32){ 0x1000000 + i * 0x1000 }, 4);
		memcpy(m + 4, &(u32){ 0x1001000 + i * 0x1000 }, 4);
		memcpy(m + 8, "ok", 3);
		tag(3, m, 11);
	}
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmodules, BOOTINFO_MODS_MAX);
	assert_int_equal(bi.modules[0].start, 0x1000000);
	assert_int_equal(bi.modules[31].start, 0x1000000 + 31 * 0x1000);
	assert_true(stub_log_contains("before it starts"));
	assert_true(stub_log_contains("too small"));
	assert_true(stub_log_contains("8 modules beyond"));
}

static void test_mb2_bad_mmap(void **state)
{
	struct mb2_ent map[] = {
		{ 0x100000, 0, 1, 0 },                     /* zero length */
		{ 0x200000, 0x100000, 1, 0 },
		{ 0x300000, 0x1000, 99, 0 },               /* unknown type */
	};
	u32 meminfo[2] = { 640, 65536 };
	(void)state;
	tag_mmap(map, 3);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[0].base, 0x200000);
	assert_int_equal(bi.map[1].type, BOOTINFO_MEM_OTHER);
	assert_int_equal(bi.map[1].raw_type, 99);
	assert_true(stub_log_contains("zero length"));

	/* entry_size too small: map ignored, basic sizes used instead. */
	pos = 8;
	tag(4, meminfo, 8);
	tag_mmap(map, 3);
	w32(INFO + pos - (8 + 3 * 24 + 8) + 8, 16);        /* entry_size = 16 */
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_true(stub_log_contains("entry_size 16"));
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MEMINFO);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[1].base, 0x100000);
	assert_int_equal(bi.map[1].len, 65536ull * 1024);
}

/* Regression (fuzz_bootinfo): an entry_size near 2^32 made off + esz wrap,
 * so entries were read from past the tag (the bytes of the next tag). */
static void test_mb2_mmap_entry_size_wraps(void **state)
{
	u32 hdr[2] = { 0xffffffffu, 0 };
	u32 meminfo[2] = { 640, 65536 };
	(void)state;
	tag(6, hdr, 8);
	tag(4, meminfo, 8);
	tag(4, meminfo, 8);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MEMINFO);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[0].base, 0);
	assert_int_equal(bi.map[1].base, 0x100000);
}

static void test_mb2_too_many_map_entries(void **state)
{
	struct mb2_ent map[64];
	(void)state;
	for (u32 k = 0; k < 3; k++) {
		for (u32 i = 0; i < 64; i++)
			map[i] = (struct mb2_ent){ (k * 64 + i) * 0x100000ull, 0x1000, 1, 0 };
		tag_mmap(map, 64);
	}
	/* Three tags: only the last is used (64 entries), with a warning. */
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmap, 64);
	assert_true(stub_log_contains("more than one memory map tag"));

	/* One big tag with 192 separate entries: 128 kept. */
	pos = 8;
	u64 t = tag(6, NULL, 8 + 192 * 24);
	w32(t, 24);
	for (u32 i = 0; i < 192; i++) {
		struct mb2_ent e = { i * 0x100000ull, 0x1000, 1, 0 };
		memcpy(mem + t + 8 + i * 24, &e, 24);
	}
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.nmap, BOOTINFO_MMAP_MAX);
	assert_int_equal(bi.map[127].base, 127 * 0x100000ull);
	assert_true(stub_log_contains("64 more entries"));
}

static void test_mb2_rsdp_tags(void **state)
{
	struct acpi_rsdp r1, r2;
	(void)state;
	make_rsdp(&r1, 0);
	make_rsdp(&r2, 2);
	r2.ext_checksum ^= 1;                              /* v2 part broken */
	tag(15, &r2, 36);
	tag(14, &r1, 20);
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.rsdp_len, 20);
	assert_true(stub_log_contains("extended checksum"));

	pos = 8;
	r1.checksum ^= 1;
	tag(14, &r1, 20);
	tag(14, &r1, 10);                                  /* truncated */
	finish(true);
	stub_log_reset();
	assert_int_equal(parse2(), E_OK);
	assert_int_equal(bi.rsdp_len, 0);
	assert_true(stub_log_contains("RSDP in tag 14 is invalid"));
}

static void test_mb2_unknown_tags_and_small_fixed_tags(void **state)
{
	(void)state;
	tag(99, "whatever", 8);
	tag(5, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);              /* BIOS boot device */
	tag(8, "\1\2\3", 3);                               /* framebuffer too small */
	tag(4, "\1", 1);                                   /* meminfo too small */
	tag_str(1, "after");
	finish(true);
	assert_int_equal(parse2(), E_OK);
	assert_string_equal(bi.cmdline, "after");
	assert_false(bi.fb.present);
	assert_false(bi.has_meminfo);
	assert_true(stub_log_contains("framebuffer tag of size 11"));
}

static void test_bad_magic_and_null(void **state)
{
	(void)state;
	assert_int_equal(bootinfo_parse(0x12345678, hpa(INFO), &bi), E_INVAL);
	assert_true(stub_log_contains("0x12345678"));
	assert_int_equal(bi.loader, BOOTINFO_LOADER_NONE);
	assert_int_equal(bootinfo_parse(BOOTINFO_MB2_MAGIC, hpa(0), &bi), E_INVAL);
	assert_int_equal(bootinfo_parse(BOOTINFO_MB1_MAGIC, hpa(0), &bi), E_INVAL);
}

/* ---- Multiboot 1 ---- */

static int parse1(void) { return bootinfo_parse(BOOTINFO_MB1_MAGIC, hpa(INFO), &bi); }

/* MB1 mmap entry at a: size field then base/len/type (unaligned u64s). */
static u64 mb1_ent(u64 a, u32 size, u64 base, u64 len, u32 type)
{
	w32(a, size);
	w64(a + 4, base);
	w64(a + 12, len);
	w32(a + 20, type);
	return a + 4 + size;
}

static void test_mb1_full(void **state)
{
	u64 e = 0x12000;
	(void)state;
	w32(INFO, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
	w32(INFO + 4, 639);
	w32(INFO + 8, 31744);
	strcpy((char *)mem + 0x11000, "loglevel=2 selftest");
	w32(INFO + 16, 0x11000);
	w32(INFO + 20, 2);
	w32(INFO + 24, 0x11100);
	w32(0x11100, 0x400000); w32(0x11104, 0x402000); w32(0x11108, 0x11200);
	w32(0x11110, 0x500000); w32(0x11114, 0x500800); w32(0x11118, 0);
	strcpy((char *)mem + 0x11200, "guest name=a");
	e = mb1_ent(e, 20, 0, 0x9fc00, 1);
	e = mb1_ent(e, 20, 0x9fc00, 0x400, 2);
	e = mb1_ent(e, 24, 0x100000, 0x1ee0000, 1);    /* larger entry size */
	e = mb1_ent(e, 20, 0xfffc0000, 0x40000, 2);
	w32(INFO + 44, (u32)(e - 0x12000));
	w32(INFO + 48, 0x12000);
	strcpy((char *)mem + 0x11300, "qemu");
	w32(INFO + 64, 0x11300);

	assert_int_equal(parse1(), E_OK);
	assert_int_equal(bi.warnings, 0);
	assert_int_equal(bi.loader, BOOTINFO_LOADER_MB1);
	assert_string_equal(bi.cmdline, "loglevel=2 selftest");
	assert_string_equal(bi.loader_name, "qemu");
	assert_int_equal(bi.nmodules, 2);
	assert_string_equal(bi.modules[0].string, "guest name=a");
	assert_string_equal(bi.modules[1].string, "");
	assert_int_equal(bi.modules[1].end, 0x500800);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MB1);
	assert_int_equal(bi.nmap, 4);
	assert_int_equal(bi.map[2].base, 0x100000);
	assert_int_equal(bi.map[2].len, 0x1ee0000);
	assert_int_equal(bi.map[3].base, 0xfffc0000);
	assert_int_equal(bi.info_start.v, INFO);
	assert_true(bi.info_end.v > INFO);
}

static void test_mb1_missing_flags(void **state)
{
	(void)state;
	/* Fields are filled but no flag says so: none of them may be read. */
	w32(INFO, 0);
	w32(INFO + 4, 639);
	w32(INFO + 16, 0x11000);
	strcpy((char *)mem + 0x11000, "ignored");
	assert_int_equal(parse1(), E_OK);
	assert_string_equal(bi.cmdline, "");
	assert_false(bi.has_meminfo);
	assert_int_equal(bi.nmap, 0);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_NONE);
	assert_true(stub_log_contains("no memory map and no memory sizes"));

	/* Only mem_lower/mem_upper: a map is synthesized from them. */
	w32(INFO, 1 << 0);
	w32(INFO + 8, 1024);
	assert_int_equal(parse1(), E_OK);
	assert_int_equal(bi.map_source, BOOTINFO_MAP_MEMINFO);
	assert_int_equal(bi.nmap, 2);
	assert_int_equal(bi.map[0].len, 639 * 1024);
	assert_int_equal(bi.map[1].base, 0x100000);
	assert_int_equal(bi.map[1].len, 1024 * 1024);
}

static void test_mb1_bad_pointers_and_map(void **state)
{
	u64 e = 0x12000;
	(void)state;
	w32(INFO, (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
	w32(INFO + 16, 0);                                 /* null cmdline */
	w32(INFO + 20, 3);                                 /* 3 modules at null */
	w32(INFO + 24, 0);
	e = mb1_ent(e, 20, 0x100000, 0x100000, 1);
	e = mb1_ent(e, 12, 0x200000, 0x100000, 1);         /* size too small */
	mb1_ent(e, 20, 0x300000, 0x100000, 1);
	w32(INFO + 44, 3 * 24);
	w32(INFO + 48, 0x12000);
	w32(INFO + 64, 0x13000);
	memset(mem + 0x13000, 'N', 200);                   /* unterminated name */
	assert_int_equal(parse1(), E_OK);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmodules, 0);
	assert_int_equal(bi.nmap, 1);
	assert_int_equal(bi.map[0].base, 0x100000);
	assert_int_equal(strlen(bi.loader_name), BOOTINFO_NAME_MAX - 1);
	assert_true(stub_log_contains("command line pointer is null"));
	assert_true(stub_log_contains("3 modules announced at a null address"));
	assert_true(stub_log_contains("has size 12 (too small)"));
	assert_true(stub_log_contains("boot loader name is longer"));

	/* An entry that runs past mmap_length stops the walk there. */
	e = mb1_ent(0x12000, 20, 0x100000, 0x100000, 1);
	mb1_ent(e, 20, 0x200000, 0x100000, 1);
	w32(INFO + 44, 24 + 10);
	stub_log_reset();
	assert_int_equal(parse1(), E_OK);
	assert_int_equal(bi.nmap, 1);
	assert_true(stub_log_contains("past mmap_length"));
}

static void test_mem_type_names(void **state)
{
	(void)state;
	assert_string_equal(bootinfo_mem_type_name(BOOTINFO_MEM_USABLE), "usable");
	assert_string_equal(bootinfo_mem_type_name(BOOTINFO_MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(bootinfo_mem_type_name(0), "unknown");
	assert_string_equal(bootinfo_mem_type_name(-3), "unknown");
	assert_string_equal(bootinfo_mem_type_name(1000), "unknown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mb2_full),
		T(test_mb2_efi_map_preferred),
		T(test_mb2_efi_odd_descriptor_sizes),
		T(test_mb2_efi_boot_services_active),
		T(test_mb2_tag_past_total_size),
		T(test_mb2_tag_size_too_small),
		T(test_mb2_absurd_total_size),
		T(test_mb2_unterminated_and_long_strings),
		T(test_mb2_bad_modules),
		T(test_mb2_bad_mmap),
		T(test_mb2_too_many_map_entries),
		T(test_mb2_mmap_entry_size_wraps),
		T(test_mb2_rsdp_tags),
		T(test_mb2_unknown_tags_and_small_fixed_tags),
		T(test_bad_magic_and_null),
		T(test_mb1_full),
		T(test_mb1_missing_flags),
		T(test_mb1_bad_pointers_and_map),
		T(test_mem_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
