/* Unit tests of the Linux boot protocol loader (core/bzimage.c) over the
 * real guest memory, frame allocator and page-table engine in fake memory,
 * with synthetic bzImages built here: where the kernel, initrd, command
 * line and zero page land (fields at their boot_params offsets), the e820
 * map alone and in the zero page, and every rejection reason with its
 * message and an untouched guest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "core/bzimage.h"
#include "core/log.h"
#include "mm/gmem.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "stubs.h"
#include "fakemem.h"

#define GUEST_RAM (32 * MiB)
#define SETUP_SIZE (5 * 512)          /* setup_sects 4 */
#define PAYLOAD 0x3000u
#define PREF (16 * MiB)
#define INIT_SIZE (8 * MiB)
#define KALIGN (2 * MiB)

struct fixture {
	void *mem;
	struct pt tdp;
	struct gmem g;
	u64 free_before;
};

static u8 img[64 * 1024];
static u64 img_size;
static struct bzimage_result res;

static int setup_ram(void **state, u64 ram)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = fakemem_with_frames();
	f->free_before = frame_free_count();
	assert_int_equal(pt_create(&f->tdp, &pt_fmt_npt, 1), 0);
	assert_int_equal(gmem_init_pc(&f->g, &f->tdp, 1, ram), 0);
	memset(&res, 0, sizeof(res));
	stub_log_reset();
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_ram(state, GUEST_RAM); }
static int setup_16m(void **state) { return setup_ram(state, 16 * MiB); }
static int setup_5g(void **state) { return setup_ram(state, 5 * GiB); }

static int teardown(void **state)
{
	struct fixture *f = *state;
	gmem_destroy(&f->g);
	pt_destroy(&f->tdp);
	assert_int_equal(frame_free_count(), f->free_before);
	fakemem_destroy(f->mem);
	free(f);
	return 0;
}

static void w8(u64 off, u8 v) { img[off] = v; }
static void w16(u64 off, u16 v) { memcpy(img + off, &v, 2); }
static void w32(u64 off, u32 v) { memcpy(img + off, &v, 4); }
static void w64(u64 off, u64 v) { memcpy(img + off, &v, 8); }

/* A protocol-2.15 relocatable 64-bit bzImage like a distribution kernel's,
 * scaled down: PAYLOAD bytes of page-unique pattern after the setup code. */
static void bz_make(void)
{
	memset(img, 0, sizeof(img));
	w8(BZ_SETUP_SECTS, 4);
	w32(BZ_SYSSIZE, PAYLOAD / 16);
	w16(BZ_BOOT_FLAG, BZ_BOOT_FLAG_MAGIC);
	w8(BZ_JUMP, 0xeb);
	w8(BZ_JUMP + 1, 0x6a);                 /* header ends at 0x26c */
	w32(BZ_HEADER, BZ_HDRS_MAGIC);
	w16(BZ_VERSION, 0x020f);
	w8(BZ_LOADFLAGS, BZ_LOADED_HIGH | BIT(5));
	w32(BZ_CODE32_START, 0x100000);
	w32(BZ_INITRD_ADDR_MAX, 0x7fffffff);
	w32(BZ_KERNEL_ALIGNMENT, KALIGN);
	w8(BZ_RELOCATABLE, 1);
	w8(BZ_MIN_ALIGNMENT, 21);
	w16(BZ_XLOADFLAGS, BZ_XLF_KERNEL_64 | BZ_XLF_CAN_BE_LOADED_ABOVE_4G);
	w32(BZ_CMDLINE_SIZE, 2047);
	w32(BZ_PAYLOAD_OFFSET, 0x100);
	w32(BZ_PAYLOAD_LENGTH, PAYLOAD - 0x200);
	w64(BZ_PREF_ADDRESS, PREF);
	w32(BZ_INIT_SIZE, INIT_SIZE);
	for (u64 i = 0; i < PAYLOAD; i++)
		img[SETUP_SIZE + i] = (u8)(i * 7 + (i >> 12) + 1);
	img_size = SETUP_SIZE + PAYLOAD;
}

static int load_full(struct fixture *f, const char *cmdline, const struct bzimage_initrd *rd,
		     u64 rsdp, const struct e820_extra *ex)
{
	return bzimage_load(&f->g, "module 1 (vmlinuz)", img, img_size, cmdline, rd, rsdp, ex, &res);
}

static int load(struct fixture *f) { return load_full(f, "console=ttyS0", NULL, 0, NULL); }

static u8 g8(struct fixture *f, u64 a) { u8 v; assert_int_equal(gmem_read(&f->g, gpa(a), &v, 1), 0); return v; }
static u16 g16(struct fixture *f, u64 a) { u16 v; assert_int_equal(gmem_read(&f->g, gpa(a), &v, 2), 0); return v; }
static u32 g32(struct fixture *f, u64 a) { u32 v; assert_int_equal(gmem_read(&f->g, gpa(a), &v, 4), 0); return v; }
static u64 g64(struct fixture *f, u64 a) { u64 v; assert_int_equal(gmem_read(&f->g, gpa(a), &v, 8), 0); return v; }
static u32 zp32(struct fixture *f, u64 off) { return g32(f, BZ_ZERO_PAGE_GPA + off); }

/* The e820 table in the zero page, checked sorted and non-overlapping. */
static u8 zp_e820(struct fixture *f, struct e820_entry *e)
{
	u8 n = g8(f, BZ_ZERO_PAGE_GPA + BZ_ZP_E820_ENTRIES);
	assert_true(n > 0 && n <= BZ_ZP_E820_MAX);
	assert_int_equal(gmem_read(&f->g, gpa(BZ_ZERO_PAGE_GPA + BZ_ZP_E820_TABLE), e,
				   n * sizeof(*e)), 0);
	for (u8 i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	return n;
}

static void expect_entry(const struct e820_entry *e, u64 addr, u64 size, u32 type)
{
	assert_int_equal(e->addr, addr);
	assert_int_equal(e->size, size);
	assert_int_equal(e->type, type);
}

static void test_loads_at_pref_address(void **state)
{
	struct fixture *f = *state;
	u8 buf[PAYLOAD];

	assert_int_equal(load(f), 0);
	assert_int_equal(res.entry32, PREF);
	assert_int_equal(res.entry64, PREF + 0x200);
	assert_int_equal(res.zero_page, BZ_ZERO_PAGE_GPA);
	assert_int_equal(res.load_start, PREF);
	assert_int_equal(res.load_end, PREF + PAYLOAD);
	assert_int_equal(res.reserve_end, PREF + INIT_SIZE);
	assert_int_equal(res.version, 0x020f);
	assert_int_equal(gmem_read(&f->g, gpa(PREF), buf, PAYLOAD), 0);
	assert_memory_equal(buf, img + SETUP_SIZE, PAYLOAD);
	/* kernel (3 pages), zero page, command line: nothing else populated */
	assert_int_equal(f->g.resident_pages, 5);
	assert_int_equal(stub_log_count[LOG_ERR] + stub_log_count[LOG_WARN], 0);
}

static void test_zero_page_header(void **state)
{
	struct fixture *f = *state;
	char cmd[32];

	w64(BZ_SETUP_DATA, 0xdead000);                 /* loader-owned: cleared */
	w16(BZ_EXT_LOADER_VER, 0x1234);
	assert_int_equal(load(f), 0);
	assert_int_equal(g64(f, BZ_ZERO_PAGE_GPA + BZ_SETUP_DATA), 0);
	assert_int_equal(g16(f, BZ_ZERO_PAGE_GPA + BZ_EXT_LOADER_VER), 0);
	assert_int_equal(g16(f, BZ_ZERO_PAGE_GPA + BZ_BOOT_FLAG), BZ_BOOT_FLAG_MAGIC);
	assert_int_equal(zp32(f, BZ_HEADER), BZ_HDRS_MAGIC);
	assert_int_equal(g16(f, BZ_ZERO_PAGE_GPA + BZ_VERSION), 0x020f);
	assert_int_equal(g8(f, BZ_ZERO_PAGE_GPA + BZ_TYPE_OF_LOADER), 0xff);
	assert_int_equal(g8(f, BZ_ZERO_PAGE_GPA + BZ_LOADFLAGS), BZ_LOADED_HIGH);
	assert_int_equal(zp32(f, BZ_CODE32_START), PREF);
	assert_int_equal(zp32(f, BZ_CMD_LINE_PTR), BZ_CMDLINE_GPA);
	assert_int_equal(zp32(f, BZ_RAMDISK_IMAGE), 0);
	assert_int_equal(zp32(f, BZ_RAMDISK_SIZE), 0);
	assert_int_equal(zp32(f, BZ_KERNEL_ALIGNMENT), KALIGN);
	assert_int_equal(g64(f, BZ_ZERO_PAGE_GPA + BZ_PREF_ADDRESS), PREF);
	assert_int_equal(zp32(f, BZ_INIT_SIZE), INIT_SIZE);
	assert_int_equal(g8(f, BZ_ZERO_PAGE_GPA + BZ_ZP_SENTINEL), 0);
	assert_int_equal(g64(f, BZ_ZERO_PAGE_GPA + BZ_ZP_ACPI_RSDP_ADDR), 0);
	assert_int_equal(gmem_read(&f->g, gpa(BZ_CMDLINE_GPA), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "console=ttyS0");
}

static void test_zero_page_e820(void **state)
{
	struct fixture *f = *state;
	struct e820_entry e[BZ_ZP_E820_MAX];

	assert_int_equal(load(f), 0);
	assert_int_equal(zp_e820(f, e), 3);
	assert_int_equal(res.e820_entries, 3);
	expect_entry(&e[0], 0, GMEM_PC_LOW_RAM_END, E820_RAM);
	expect_entry(&e[1], GMEM_PC_LOW_RAM_END, GMEM_PC_ROM_END - GMEM_PC_LOW_RAM_END, E820_RESERVED);
	expect_entry(&e[2], GMEM_PC_ROM_END, GUEST_RAM - GMEM_PC_ROM_END, E820_RAM);
}

static void test_acpi_rsdp_addr(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_full(f, NULL, NULL, 0xf0000, NULL), 0);
	assert_int_equal(g64(f, BZ_ZERO_PAGE_GPA + BZ_ZP_ACPI_RSDP_ADDR), 0xf0000);
	assert_int_equal(g8(f, BZ_CMDLINE_GPA), 0);      /* NULL cmdline: "" */
}

static void test_acpi_rsdp_needs_2_14(void **state)
{
	struct fixture *f = *state;

	w16(BZ_VERSION, 0x020d);
	assert_int_equal(load_full(f, NULL, NULL, 0xf0000, NULL), 0);
	assert_int_equal(g64(f, BZ_ZERO_PAGE_GPA + BZ_ZP_ACPI_RSDP_ADDR), 0);
}

/* Exactly cmdline_size bytes pass whole and silently. */
static void test_cmdline_at_limit(void **state)
{
	struct fixture *f = *state;
	char cmd[32];

	w32(BZ_CMDLINE_SIZE, 13);
	assert_int_equal(load_full(f, "console=ttyS0", NULL, 0, NULL), 0);
	assert_int_equal(gmem_read(&f->g, gpa(BZ_CMDLINE_GPA), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "console=ttyS0");
	assert_int_equal(stub_log_count[LOG_WARN], 0);
	w32(BZ_CMDLINE_SIZE, 12);
	assert_int_equal(load_full(f, "console=ttyS0", NULL, 0, NULL), 0);
	assert_int_equal(gmem_read(&f->g, gpa(BZ_CMDLINE_GPA), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "console=ttyS");
	assert_int_equal(stub_log_count[LOG_WARN], 1);
}

static void test_cmdline_truncated(void **state)
{
	struct fixture *f = *state;
	char cmd[32];

	w32(BZ_CMDLINE_SIZE, 10);
	assert_int_equal(load_full(f, "console=ttyS0 quiet", NULL, 0, NULL), 0);
	assert_int_equal(gmem_read(&f->g, gpa(BZ_CMDLINE_GPA), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "console=tt");
	assert_true(stub_log_contains("module 1 (vmlinuz): command line of 19 bytes truncated"));
}

/* A page-unique pattern initrd of n bytes (caller frees). */
static struct bzimage_initrd make_initrd(u64 n)
{
	u8 *d = malloc(n);
	for (u64 i = 0; i < n; i++)
		d[i] = (u8)(i ^ (i >> 12) ^ 0x5a);
	return (struct bzimage_initrd){ d, n };
}

static void test_initrd_at_top_of_ram(void **state)
{
	struct fixture *f = *state;
	struct bzimage_initrd rd = make_initrd(3 * PAGE_SIZE + 100);
	u8 buf[3 * PAGE_SIZE + 100];

	assert_int_equal(load_full(f, "", &rd, 0, NULL), 0);
	assert_int_equal(res.initrd_start, ALIGN_DOWN(GUEST_RAM - rd.size, PAGE_SIZE));
	assert_int_equal(res.initrd_end, res.initrd_start + rd.size);
	assert_int_equal(zp32(f, BZ_RAMDISK_IMAGE), res.initrd_start);
	assert_int_equal(zp32(f, BZ_RAMDISK_SIZE), rd.size);
	assert_int_equal(gmem_read(&f->g, gpa(res.initrd_start), buf, rd.size), 0);
	assert_memory_equal(buf, rd.data, rd.size);
	free((void *)rd.data);
}

static void test_initrd_below_initrd_addr_max(void **state)
{
	struct fixture *f = *state;
	struct bzimage_initrd rd = make_initrd(5000);

	w32(BZ_INITRD_ADDR_MAX, 28 * MiB - 1);
	assert_int_equal(load_full(f, "", &rd, 0, NULL), 0);
	assert_int_equal(res.initrd_start, ALIGN_DOWN(28 * MiB - 5000, PAGE_SIZE));
	assert_true(res.initrd_end - 1 <= 28 * MiB - 1);
	free((void *)rd.data);
}

/* An ACPI range at the top of RAM: carved out of the e820 RAM entry, and
 * the initrd goes below it. */
static void test_initrd_avoids_reserved(void **state)
{
	struct fixture *f = *state;
	struct bzimage_initrd rd = make_initrd(PAGE_SIZE);
	struct e820_entry acpi = { GUEST_RAM - 64 * KiB, 64 * KiB, E820_ACPI }, e[BZ_ZP_E820_MAX];
	struct e820_extra ex = { &acpi, 1 };

	assert_int_equal(load_full(f, "", &rd, 0, &ex), 0);
	assert_int_equal(res.initrd_start, GUEST_RAM - 64 * KiB - PAGE_SIZE);
	assert_int_equal(zp_e820(f, e), 4);
	expect_entry(&e[2], GMEM_PC_ROM_END, GUEST_RAM - 64 * KiB - GMEM_PC_ROM_END, E820_RAM);
	expect_entry(&e[3], GUEST_RAM - 64 * KiB, 64 * KiB, E820_ACPI);
	free((void *)rd.data);
}

/* 16 MiB guest: pref_address + init_size does not fit; the first 2 MiB
 * boundary from 1 MiB does. */
static void test_relocates_when_pref_does_not_fit(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f), 0);
	assert_int_equal(res.entry32, 2 * MiB);
	assert_int_equal(zp32(f, BZ_CODE32_START), 2 * MiB);
	assert_int_equal(zp32(f, BZ_KERNEL_ALIGNMENT), KALIGN);
}

/* kernel_alignment 16 MiB, min_alignment 2 MiB: the loader uses the lesser
 * alignment and says so in the zero page's kernel_alignment. */
static void test_min_alignment_lowers_kernel_alignment(void **state)
{
	struct fixture *f = *state;

	w32(BZ_KERNEL_ALIGNMENT, 16 * MiB);
	assert_int_equal(load(f), 0);
	assert_int_equal(res.entry32, 2 * MiB);
	assert_int_equal(zp32(f, BZ_KERNEL_ALIGNMENT), 2 * MiB);
}

static void test_not_relocatable_loads_at_1m(void **state)
{
	struct fixture *f = *state;

	w8(BZ_RELOCATABLE, 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(res.entry32, 1 * MiB);
	assert_int_equal(res.reserve_end, PREF + INIT_SIZE);
	assert_int_equal(g8(f, 1 * MiB), img[SETUP_SIZE]);
}

/* The whole rest of the file is loaded, as GRUB does: syssize rounded
 * down and a trailing signature are both accepted. */
static void test_loads_rest_of_file(void **state)
{
	struct fixture *f = *state;

	w32(BZ_SYSSIZE, PAYLOAD / 16 - 64);           /* 1 KiB of "signature" */
	assert_int_equal(load(f), 0);
	assert_int_equal(res.load_end, PREF + PAYLOAD);
	assert_int_equal(g8(f, PREF + PAYLOAD - 1), img[SETUP_SIZE + PAYLOAD - 1]);
	img_size -= 7;                                 /* syssize * 16 rounded up */
	w32(BZ_SYSSIZE, PAYLOAD / 16);
	assert_int_equal(load(f), 0);
	assert_int_equal(res.load_end, PREF + PAYLOAD - 7);
}

/* Protocol 2.06: no pref_address/init_size (init_size estimated), no
 * xloadflags (no 64-bit entry reported). */
static void test_protocol_2_06(void **state)
{
	struct fixture *f = *state;

	w16(BZ_VERSION, 0x0206);
	w8(BZ_JUMP + 1, BZ_CMDLINE_SIZE + 4 - BZ_HEADER);
	assert_int_equal(load(f), 0);
	assert_int_equal(res.entry32, 2 * MiB);
	assert_int_equal(res.entry64, 0);
	assert_int_equal(res.reserve_end, 2 * MiB + 4 * PAYLOAD);
	assert_int_equal(g16(f, BZ_ZERO_PAGE_GPA + BZ_VERSION), 0x0206);
	assert_int_equal(zp32(f, BZ_PREF_ADDRESS), 0);   /* beyond the header: zero */
}

/* The e820 builder alone: ACPI tables in the ROM area split it. */
static void test_e820_extras_in_rom(void **state)
{
	struct fixture *f = *state;
	struct e820_entry acpi = { 0xe0000, 0x10000, E820_ACPI }, e[16];
	struct e820_extra ex = { &acpi, 1 };

	assert_int_equal(bzimage_e820(&f->g, &ex, e, ARRAY_SIZE(e)), 5);
	expect_entry(&e[0], 0, 0xa0000, E820_RAM);
	expect_entry(&e[1], 0xa0000, 0x40000, E820_RESERVED);
	expect_entry(&e[2], 0xe0000, 0x10000, E820_ACPI);
	expect_entry(&e[3], 0xf0000, 0x10000, E820_RESERVED);
	expect_entry(&e[4], GMEM_PC_ROM_END, GUEST_RAM - GMEM_PC_ROM_END, E820_RAM);
}

/* Later extras win over earlier ones; a range in no slot is still listed. */
static void test_e820_overlapping_extras(void **state)
{
	struct fixture *f = *state;
	struct e820_entry r[2] = { { 0xfec00000, 0x1000, E820_RESERVED },
				   { 2 * MiB, 2 * MiB, E820_NVS } };
	struct e820_entry e[16];
	struct e820_extra ex = { r, 2 };

	assert_int_equal(bzimage_e820(&f->g, &ex, e, ARRAY_SIZE(e)), 6);
	expect_entry(&e[2], GMEM_PC_ROM_END, 1 * MiB, E820_RAM);
	expect_entry(&e[3], 2 * MiB, 2 * MiB, E820_NVS);
	expect_entry(&e[4], 4 * MiB, GUEST_RAM - 4 * MiB, E820_RAM);
	expect_entry(&e[5], 0xfec00000, 0x1000, E820_RESERVED);
}

static void test_e820_limits(void **state)
{
	struct fixture *f = *state;
	struct e820_entry wrap = { ~0ull - 10, 100, E820_RESERVED }, zero_type = { 0, 1, 0 }, e[4];
	struct e820_extra ex_wrap = { &wrap, 1 }, ex_type = { &zero_type, 1 };
	struct e820_extra ex_many = { e, BZ_E820_EXTRA_MAX + 1 };

	assert_int_equal(bzimage_e820(&f->g, NULL, e, 2), E_RANGE);
	assert_int_equal(bzimage_e820(&f->g, &ex_wrap, e, 4), E_INVAL);
	assert_int_equal(bzimage_e820(&f->g, &ex_type, e, 4), E_INVAL);
	assert_int_equal(bzimage_e820(&f->g, &ex_many, e, 4), E_INVAL);
}

/* 5 GiB: RAM below the MMIO hole and from 4 GiB, the sum equals ram_size. */
static void test_e820_large_guest(void **state)
{
	struct fixture *f = *state;
	struct e820_entry e[16];
	u64 ram = 0;
	int n = bzimage_e820(&f->g, NULL, e, ARRAY_SIZE(e));

	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++) {
		if (i)
			assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
		ram += e[i].type == E820_RAM ? e[i].size : 0;
	}
	assert_int_equal(ram, f->g.ram_size);
	expect_entry(&e[2], GMEM_PC_ROM_END, GMEM_PC_MMIO_START - GMEM_PC_ROM_END, E820_RAM);
	assert_int_equal(e[3].addr, GMEM_PC_HIGH_START);
}

/* ---- rejections: one message, nothing written ---- */

struct bad_case {
	void (*mutate)(void);
	const char *why;
};

static void m_truncated(void) { img_size = 0x100; }
static void m_trunc_hdr(void) { img_size = 0x240; }
static void m_boot_flag(void) { w16(BZ_BOOT_FLAG, 0x1234); }
static void m_no_hdrs(void) { w32(BZ_HEADER, 0x12345678); }
static void m_old(void) { w16(BZ_VERSION, 0x0205); }
static void m_v3(void) { w16(BZ_VERSION, 0x0300); }
static void m_zimage(void) { w8(BZ_LOADFLAGS, 0); }
static void m_setup_beyond(void) { w8(BZ_SETUP_SECTS, 200); }
static void m_empty(void) { w32(BZ_SYSSIZE, 0); }
static void m_no_payload(void) { img_size = SETUP_SIZE; }
static void m_payload_short(void) { w32(BZ_SYSSIZE, PAYLOAD / 16 + 1); }
static void m_hdr_short(void) { w8(BZ_JUMP + 1, 0x30); }
static void m_hdr_long(void) { w8(BZ_JUMP + 1, 0xa0); }
static void m_align(void) { w32(BZ_KERNEL_ALIGNMENT, 0x300000); }
static void m_min_align(void) { w8(BZ_MIN_ALIGNMENT, 40); }
static void m_init_small(void) { w32(BZ_INIT_SIZE, PAYLOAD - 16); }
static void m_init_big(void) { w32(BZ_INIT_SIZE, 64 * MiB); }
static void m_pref_4g(void) { w64(BZ_PREF_ADDRESS, 0xfff00000); }
static void m_payload_off(void) { w32(BZ_PAYLOAD_LENGTH, PAYLOAD); }
static void m_fixed_no_room(void) { w8(BZ_RELOCATABLE, 0); w64(BZ_PREF_ADDRESS, 30 * MiB); }

static const struct bad_case bad_cases[] = {
	{ m_truncated, "file of 256 bytes is too short" },
	{ m_trunc_hdr, "setup header ends at 0x26c" },
	{ m_boot_flag, "no boot flag 0xaa55 at 0x1fe (found 0x1234)" },
	{ m_no_hdrs, "no \"HdrS\" signature" },
	{ m_old, "boot protocol 2.05 not supported" },
	{ m_v3, "boot protocol 3.00 not supported" },
	{ m_zimage, "zImage (loadflags LOADED_HIGH clear)" },
	{ m_setup_beyond, "setup code (200 sectors) extends beyond the end" },
	{ m_empty, "empty protected-mode kernel (syssize 0," },
	{ m_no_payload, "empty protected-mode kernel (syssize 12288, 0 bytes" },
	{ m_payload_short, "protected-mode kernel truncated" },
	{ m_hdr_short, "setup header ends at 0x232" },
	{ m_hdr_long, "setup header ends at 0x2a2" },
	{ m_align, "kernel_alignment 0x300000" },
	{ m_min_align, "min_alignment 2^40" },
	{ m_init_small, "init_size 0x2ff0 is smaller" },
	{ m_init_big, "the kernel needs 0x4000000 bytes of RAM (init_size)" },
	{ m_pref_4g, "reaches beyond 4 GiB" },
	{ m_payload_off, "payload_offset/length" },
	{ m_fixed_no_room, "(not relocatable)" },
};

static void expect_rejected(struct fixture *f, const char *why)
{
	if (!stub_log_contains(why))
		fail_msg("expected \"%s\" in log: %s", why, stub_log_buf);
	assert_true(stub_log_contains("module 1 (vmlinuz): "));
	assert_int_equal(stub_log_count[LOG_ERR], 1);
	assert_int_equal(f->g.resident_pages, 0);
	assert_int_equal(res.entry32, 0);
}

static void test_malformed_images(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		bz_make();
		bad_cases[i].mutate();
		stub_log_reset();
		assert_int_equal(load(f), E_INVAL);
		expect_rejected(f, bad_cases[i].why);
	}
}

static void test_initrd_too_large(void **state)
{
	struct fixture *f = *state;
	struct bzimage_initrd rd = { img, 5 * MiB };  /* never read */

	w32(BZ_INITRD_ADDR_MAX, 28 * MiB - 1);         /* 4 MiB above init_size */
	assert_int_equal(load_full(f, "", &rd, 0, NULL), E_INVAL);
	expect_rejected(f, "initrd of 5242880 bytes does not fit");
}

static void test_cmdline_too_long(void **state)
{
	struct fixture *f = *state;
	char *cmd = malloc(BZ_CMDLINE_AREA + 10);

	memset(cmd, 'x', BZ_CMDLINE_AREA + 9);
	cmd[BZ_CMDLINE_AREA + 9] = 0;
	assert_int_equal(load_full(f, cmd, NULL, 0, NULL), E_INVAL);
	expect_rejected(f, "command line longer than the 65535 bytes");
	free(cmd);
}

static void test_parse_reports_fields(void **state)
{
	struct bzimage_info in;
	(void)state;

	assert_int_equal(bzimage_parse(img, img_size, &in), 0);
	assert_int_equal(in.setup_size, SETUP_SIZE);
	assert_int_equal(in.payload_off, SETUP_SIZE);
	assert_int_equal(in.payload_size, PAYLOAD);
	assert_int_equal(in.hdr_end, 0x26c);
	assert_true(in.relocatable);
	assert_int_equal(in.min_alignment, 21);
	assert_int_equal(in.cmdline_size, 2047);
	assert_int_equal(in.xloadflags, BZ_XLF_KERNEL_64 | BZ_XLF_CAN_BE_LOADED_ABOVE_4G);
	w8(BZ_SETUP_SECTS, 0);                         /* 0 means 4 */
	assert_int_equal(bzimage_parse(img, img_size, &in), 0);
	assert_int_equal(in.setup_size, SETUP_SIZE);
	w16(BZ_BOOT_FLAG, 0);
	assert_int_equal(bzimage_parse(img, img_size, &in), E_INVAL);
	assert_non_null(strstr(in.why, "boot flag"));
}

static int make_and_setup(void **state) { bz_make(); return setup(state); }
static int make_and_setup_16m(void **state) { bz_make(); return setup_16m(state); }
static int make_and_setup_5g(void **state) { bz_make(); return setup_5g(state); }

#define T(fn) cmocka_unit_test_setup_teardown(fn, make_and_setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_loads_at_pref_address),
		T(test_zero_page_header),
		T(test_zero_page_e820),
		T(test_acpi_rsdp_addr),
		T(test_acpi_rsdp_needs_2_14),
		T(test_cmdline_at_limit),
		T(test_cmdline_truncated),
		T(test_initrd_at_top_of_ram),
		T(test_initrd_below_initrd_addr_max),
		T(test_initrd_avoids_reserved),
		cmocka_unit_test_setup_teardown(test_relocates_when_pref_does_not_fit, make_and_setup_16m, teardown),
		cmocka_unit_test_setup_teardown(test_min_alignment_lowers_kernel_alignment, make_and_setup_16m, teardown),
		T(test_not_relocatable_loads_at_1m),
		T(test_loads_rest_of_file),
		T(test_protocol_2_06),
		T(test_e820_extras_in_rom),
		T(test_e820_overlapping_extras),
		T(test_e820_limits),
		cmocka_unit_test_setup_teardown(test_e820_large_guest, make_and_setup_5g, teardown),
		T(test_malformed_images),
		T(test_initrd_too_large),
		T(test_cmdline_too_long),
		T(test_parse_reports_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
