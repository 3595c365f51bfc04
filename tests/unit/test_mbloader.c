/* Unit tests of the Multiboot 1 loader (core/mbloader.c) over the real
 * guest memory, frame allocator and page-table engine in fake memory:
 * ELF32/ELF64/a.out happy paths (bytes at the right guest addresses, only
 * written pages populated, bss zeroed in populated pages), every rejection
 * reason with its message and an untouched guest, and the boot information
 * (memory sizes, memory map against the slots, cmdline, modules). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "core/mbloader.h"
#include "core/log.h"
#include "mm/gmem.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "stubs.h"
#include "fakemem.h"

#define GUEST_RAM (16 * MiB)
#define HDR_OFF 0x100                  /* Multiboot header in test images */
#define MB_FLAGS (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO)

struct fixture {
	void *mem;
	struct pt tdp;
	struct gmem g;
	u64 free_before;
};

static u8 img[64 * 1024];
static struct mb_load_result res;

static int setup_ram(void **state, u64 ram)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem = fakemem_with_frames();
	f->free_before = frame_free_count();
	assert_int_equal(pt_create(&f->tdp, &pt_fmt_npt, 1), 0);
	assert_int_equal(gmem_init_pc(&f->g, &f->tdp, 1, ram), 0);
	memset(img, 0, sizeof(img));
	memset(&res, 0, sizeof(res));
	stub_log_reset();
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_ram(state, GUEST_RAM); }
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

static void w16(u64 off, u16 v) { memcpy(img + off, &v, 2); }
static void w32(u64 off, u32 v) { memcpy(img + off, &v, 4); }
static void w64(u64 off, u64 v) { memcpy(img + off, &v, 8); }

static u32 r32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 r64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* A Multiboot header with a correct checksum at off. */
static void mb_header(u64 off, u32 flags)
{
	w32(off, MB_HEADER_MAGIC);
	w32(off + 4, flags);
	w32(off + 8, -(MB_HEADER_MAGIC + flags));
}

/* ELF32 executable for EM_386 with phnum program headers after the file
 * header and a Multiboot header at HDR_OFF. */
static void elf32(u16 phnum, u32 entry)
{
	memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
	w16(16, 2);
	w16(18, 3);
	w32(20, 1);
	w32(24, entry);
	w32(28, 52);
	w16(40, 52);
	w16(42, 32);
	w16(44, phnum);
	mb_header(HDR_OFF, MB_FLAGS);
}

static void phdr32(int i, u32 type, u32 off, u32 vaddr, u32 paddr, u32 filesz, u32 memsz)
{
	u64 b = 52 + 32 * (u64)i;
	w32(b, type);
	w32(b + 4, off);
	w32(b + 8, vaddr);
	w32(b + 12, paddr);
	w32(b + 16, filesz);
	w32(b + 20, memsz);
	w32(b + 24, 7);
}

#define LOAD32(i, off, paddr, filesz, memsz) phdr32(i, 1, off, paddr, paddr, filesz, memsz)

static void elf64(u16 phnum, u64 entry)
{
	memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);
	w16(16, 2);
	w16(18, 62);
	w32(20, 1);
	w64(24, entry);
	w64(32, 64);
	w16(52, 64);
	w16(54, 56);
	w16(56, phnum);
	mb_header(HDR_OFF + 0x100, MB_FLAGS);
}

static void phdr64(int i, u64 off, u64 vaddr, u64 paddr, u64 filesz, u64 memsz)
{
	u64 b = 64 + 56 * (u64)i;
	w32(b, 1);
	w64(b + 8, off);
	w64(b + 16, vaddr);
	w64(b + 24, paddr);
	w64(b + 32, filesz);
	w64(b + 40, memsz);
}

/* A page-unique pattern over img[off, off+len). */
static void fill(u64 off, u64 len)
{
	for (u64 i = 0; i < len; i++)
		img[off + i] = (u8)(i * 7 + (i >> 12) + 1);
}

static int load(struct fixture *f, u64 size)
{
	return mbloader_load(&f->g, "module 1 (k.elf)", img, size, &res);
}

/* The guest bytes at a equal img[off, off+len). */
static void assert_guest_bytes(struct fixture *f, u64 a, u64 off, u64 len)
{
	static u8 buf[sizeof(img)];
	assert_int_equal(gmem_read(&f->g, gpa(a), buf, len), 0);
	assert_memory_equal(buf, img + off, len);
}

static bool guest_is_zero(struct fixture *f, u64 a, u64 len)
{
	u8 b;
	for (u64 i = 0; i < len; i++) {
		assert_int_equal(gmem_read(&f->g, gpa(a + i), &b, 1), 0);
		if (b)
			return false;
	}
	return true;
}

static bool is_populated(struct fixture *f, u64 a)
{
	return pt_translate(&f->tdp, a, NULL, NULL) == 0;
}

/* Expect a rejection with rc, a message containing why, and no page touched. */
static void assert_rejected(struct fixture *f, u64 size, int rc, const char *why)
{
	stub_log_reset();
	assert_int_equal(load(f, size), rc);
	if (!stub_log_contains(why))
		fail_msg("log lacks '%s': %s", why, stub_log_buf);
	assert_true(stub_log_contains("module 1 (k.elf): "));
	assert_int_equal(f->g.resident_pages, 0);
}

/* ---- ELF happy paths ---- */

static void test_elf32_loads_and_populates_only_written_pages(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100010);
	LOAD32(0, 0x1000, 0x100000, 0x1800, 0x5000);
	fill(0x1000, 0x1800);
	assert_int_equal(load(f, 0x2800), 0);
	assert_int_equal(res.format, MB_FMT_ELF32);
	assert_int_equal(res.entry, 0x100010);
	assert_int_equal(res.header_flags, MB_FLAGS);
	assert_int_equal(res.image_start, 0x100000);
	assert_int_equal(res.image_end, 0x105000);
	assert_guest_bytes(f, 0x100000, 0x1000, 0x1800);
	assert_true(guest_is_zero(f, 0x101800, 0x3800));
	assert_int_equal(f->g.resident_pages, 2);
	assert_true(is_populated(f, 0x101000));
	assert_false(is_populated(f, 0x102000));
	assert_false(is_populated(f, 0x0ff000));
	assert_int_equal(stub_log_count[LOG_ERR], 0);
}

static void test_elf32_bss_zeroed_in_populated_pages(void **state)
{
	struct fixture *f = *state;
	u8 junk[0x2000];
	memset(junk, 0xa5, sizeof(junk));
	/* dirty the bss tail of the last data page and one whole bss page */
	assert_int_equal(gmem_write(&f->g, gpa(0x101800), junk, 0x800), 0);
	assert_int_equal(gmem_write(&f->g, gpa(0x103000), junk, 0x1000), 0);
	assert_int_equal(f->g.resident_pages, 2);
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x1800, 0x5000);
	fill(0x1000, 0x1800);
	assert_int_equal(load(f, 0x2800), 0);
	assert_guest_bytes(f, 0x100000, 0x1000, 0x1800);
	assert_true(guest_is_zero(f, 0x101800, 0x3800));
	assert_int_equal(f->g.resident_pages, 3);   /* + page 0x100000 only */
	assert_false(is_populated(f, 0x102000));
	assert_false(is_populated(f, 0x104000));
}

static void test_elf32_two_segments_higher_half_entry(void **state)
{
	struct fixture *f = *state;
	elf32(3, 0xc0100020);
	phdr32(0, 1, 0x1000, 0xc0100000, 0x100000, 0x100, 0x100);
	phdr32(1, 6, 0, 0, 0, 0x40, 0x40);          /* PT_PHDR: ignored */
	phdr32(2, 1, 0x2000, 0xc0200000, 0x200000, 0x10, 0x2000);
	fill(0x1000, 0x1100);
	assert_int_equal(load(f, 0x2010), 0);
	assert_int_equal(res.entry, 0x100020);
	assert_int_equal(res.image_start, 0x100000);
	assert_int_equal(res.image_end, 0x202000);
	assert_guest_bytes(f, 0x100000, 0x1000, 0x100);
	assert_guest_bytes(f, 0x200000, 0x2000, 0x10);
	assert_int_equal(f->g.resident_pages, 2);
}

static void test_elf32_x86_64_machine_and_low_memory(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x8000);
	w16(18, 62);                                 /* objcopy -O elf32-x86-64 */
	LOAD32(0, 0x1000, 0x8000, 0x1000, 0x1000);
	fill(0x1000, 0x1000);
	assert_int_equal(load(f, 0x2000), 0);
	assert_guest_bytes(f, 0x8000, 0x1000, 0x1000);
}

static void test_elf64_loads(void **state)
{
	struct fixture *f = *state;
	elf64(2, 0x100000);
	phdr64(0, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000);
	phdr64(1, 0x2000, 0xffffffff80200000ull, 0x200000, 0x800, 0x1000);
	fill(0x1000, 0x1800);
	assert_int_equal(load(f, 0x2800), 0);
	assert_int_equal(res.format, MB_FMT_ELF64);
	assert_guest_bytes(f, 0x100000, 0x1000, 0x1000);
	assert_guest_bytes(f, 0x200000, 0x2000, 0x800);
	assert_int_equal(res.image_end, 0x201000);
}

static void test_video_flag_accepted(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	mb_header(HDR_OFF, MB_FLAGS | MB_FLAG_VIDEO | BIT(20));  /* bit 20: optional */
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	assert_int_equal(load(f, 0x1010), 0);
}

/* ---- header rejections ---- */

static void test_no_header(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	memset(img + HDR_OFF, 0, 12);
	assert_rejected(f, 0x1010, E_INVAL, "no Multiboot header in the first 8192 bytes");
	mb_header(HDR_OFF + 2, MB_FLAGS);            /* not 4-byte aligned */
	assert_rejected(f, 0x1010, E_INVAL, "no Multiboot header");
	memset(img + HDR_OFF + 2, 0, 12);
	mb_header(8192, MB_FLAGS);                   /* beyond the search window */
	assert_rejected(f, 0x3000, E_INVAL, "no Multiboot header");
	mb_header(8188, MB_FLAGS);                   /* straddles 8192 */
	assert_rejected(f, 0x3000, E_INVAL, "no Multiboot header");
	assert_rejected(f, 0, E_INVAL, "no Multiboot header");
	mb_header(0, MB_FLAGS);
	assert_rejected(f, 8, E_INVAL, "no Multiboot header");   /* truncated */
}

static void test_bad_checksum(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	w32(HDR_OFF + 8, r32(img + HDR_OFF + 8) + 1);
	assert_rejected(f, 0x1010, E_INVAL, "bad Multiboot header checksum at offset 0x100");
	mb_header(HDR_OFF + 0x40, MB_FLAGS);         /* a later good header wins */
	assert_int_equal(load(f, 0x1010), 0);
}

static void test_unsupported_required_flags(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	mb_header(HDR_OFF, MB_FLAGS | BIT(3));
	assert_rejected(f, 0x1010, E_INVAL, "unsupported 0x8");
	mb_header(HDR_OFF, BIT(15));
	assert_rejected(f, 0x1010, E_INVAL, "unsupported 0x8000");
}

/* ---- ELF rejections ---- */

static void test_not_elf(void **state)
{
	struct fixture *f = *state;
	mb_header(0, MB_FLAGS);
	assert_rejected(f, 0x1000, E_INVAL, "not an ELF file and no a.out kludge");
	mb_header(HDR_OFF, MB_FLAGS);
	memset(img, 0, 12);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 3;
	img[5] = 1;
	assert_rejected(f, 0x1000, E_INVAL, "ELF: unsupported class 3");
	img[4] = 1;
	img[5] = 2;
	assert_rejected(f, 0x1000, E_INVAL, "data encoding 2");
}

static void test_elf_header_fields(void **state)
{
	struct fixture *f = *state;
	memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
	mb_header(32, MB_FLAGS);
	assert_rejected(f, 48, E_INVAL, "ELF: file header truncated (48 bytes)");
	memset(img, 0, 64);
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	w16(16, 3);
	assert_rejected(f, 0x1010, E_INVAL, "ELF: type 3 is not an executable");
	w16(16, 2);
	w16(18, 40);
	assert_rejected(f, 0x1010, E_INVAL, "ELF: machine 40 is not x86");
	elf64(1, 0x100000);
	phdr64(0, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
	w16(18, 3);
	assert_rejected(f, 0x1010, E_INVAL, "ELF: machine 3 is not x86");
}

static void test_phdr_table(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	w16(42, 16);
	assert_rejected(f, 0x1010, E_INVAL, "bad program header table (1 entries of 16 bytes)");
	w16(42, 32);
	w16(44, 0);
	assert_rejected(f, 0x1010, E_INVAL, "bad program header table (0 entries");
	w16(44, 1);
	w32(28, 0x1008);
	assert_rejected(f, 0x1010, E_INVAL, "program headers beyond the end of the file");
	w32(28, 0xffffffff);
	assert_rejected(f, 0x1010, E_INVAL, "program headers beyond the end of the file");
	w32(28, 52);
	w16(44, 0xffff);
	assert_rejected(f, 0x1010, E_INVAL, "program headers beyond the end of the file");
	elf32(1, 0x100000);
	phdr32(0, 4, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "ELF: no loadable segments");
	phdr32(0, 1, 0x1000, 0x100000, 0x100000, 0, 0);
	assert_rejected(f, 0x1010, E_INVAL, "ELF: no loadable segments");
}

static void test_too_many_segments(void **state)
{
	struct fixture *f = *state;
	elf32(MB_MAX_SEGS + 1, 0x100000);
	mb_header(0x800, MB_FLAGS);
	memset(img + HDR_OFF, 0, 12);
	for (int i = 0; i <= MB_MAX_SEGS; i++)
		LOAD32(i, 0x1000, 0x100000 + 0x1000 * (u32)i, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "more than 32 loadable segments");
}

static void test_segment_sizes(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x20, 0x10);
	assert_rejected(f, 0x1020, E_INVAL, "segment 0 has p_filesz 0x20 > p_memsz 0x10");
	LOAD32(0, 0x1000, 0x100000, 0x20, 0x20);
	assert_rejected(f, 0x101f, E_INVAL, "segment 0 data [0x1000, +0x20) lies beyond the end of the file (4127 bytes)");
	LOAD32(0, 0xfffff000, 0x100000, 0x2000, 0x2000);
	assert_rejected(f, 0x2000, E_INVAL, "lies beyond the end of the file");
	elf64(1, 0x100000);
	phdr64(0, 0xffffffffffff0000ull, 0x100000, 0x100000, 0x20000, 0x20000);
	assert_rejected(f, 0x2000, E_INVAL, "lies beyond the end of the file");
}

static void test_segment_outside_ram(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0xc0000);
	LOAD32(0, 0x1000, 0xc0000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "segment [0xc0000, 0xc0010) is not inside guest RAM (rom at 0xc0000)");
	elf32(1, 0xa0000);
	LOAD32(0, 0x1000, 0xa0000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "(hole at 0xa0000)");
	elf32(1, 0x9f000);
	LOAD32(0, 0x1000, 0x9f000, 0x10, 0x2000);
	assert_rejected(f, 0x1010, E_INVAL, "segment [0x9f000, 0xa1000) is not inside guest RAM (hole at 0xa0000)");
}

static void test_image_too_big(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 32 * MiB);
	assert_rejected(f, 0x1010, E_INVAL, "does not fit in the guest's memory (RAM ends at 0x1000000; raise mem=)");
	elf32(1, 0x2000000);
	LOAD32(0, 0x1000, 0x2000000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "does not fit in the guest's memory");
	elf32(1, 0xf0000000);                        /* raising mem= cannot help */
	LOAD32(0, 0x1000, 0xf0000000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "is not inside guest RAM (MMIO hole at 0xf0000000)");
}

static void test_beyond_4g(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0xfffff000);
	LOAD32(0, 0x1000, 0xfffff000, 0x10, 0x2000);
	assert_rejected(f, 0x1010, E_INVAL, "segment at 0xfffff000 (0x2000 bytes) reaches beyond 4 GiB");
	elf64(1, 0x100000000ull);
	phdr64(0, 0x1000, 0x100000000ull, 0x100000000ull, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "reaches beyond 4 GiB");
}

static void test_mmio_hole_5g(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0xc0000000);
	LOAD32(0, 0x1000, 0xc0000000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "is not inside guest RAM (MMIO hole at 0xc0000000)");
	elf32(1, 0xbffff000);
	LOAD32(0, 0x1000, 0xbffff000, 0x10, 0x2000);
	assert_rejected(f, 0x1010, E_INVAL, "segment [0xbffff000, 0xc0001000) is not inside guest RAM (MMIO hole at 0xc0000000)");
	LOAD32(0, 0x1000, 0xbffff000, 0x10, 0x10);
	assert_int_equal(load(f, 0x1010), 0);
}

static void test_overlap_and_half_load(void **state)
{
	struct fixture *f = *state;
	elf32(2, 0x100000);
	LOAD32(0, 0x1000, 0x101000, 0x10, 0x1000);
	LOAD32(1, 0x1000, 0x100000, 0x10, 0x1001);
	assert_rejected(f, 0x1010, E_INVAL, "segments [0x100000, 0x101001) and [0x101000, 0x102000) overlap");
	/* touching is fine and shares a page */
	LOAD32(1, 0x1000, 0x100800, 0x10, 0x800);
	w32(24, 0x100800);
	assert_int_equal(load(f, 0x1010), 0);
	assert_int_equal(f->g.resident_pages, 2);
}

static void test_good_segment_not_written_before_bad_one(void **state)
{
	struct fixture *f = *state;
	elf32(2, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x10);
	LOAD32(1, 0x1000, 0xf0000, 0x10, 0x10);
	assert_rejected(f, 0x1010, E_INVAL, "rom at 0xf0000");
	assert_false(is_populated(f, 0x100000));
}

static void test_entry_outside(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x200000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x1000);
	assert_rejected(f, 0x1010, E_INVAL, "entry point 0x200000 is outside the loaded image");
	elf32(1, 0x101000);                          /* one past the end */
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x1000);
	assert_rejected(f, 0x1010, E_INVAL, "entry point 0x101000 is outside");
}

/* ---- a.out kludge ---- */

/* An a.out kludge image: header at file offset 0x40, loaded at load_addr. */
static void aout(u32 load_addr, u32 load_end, u32 bss_end, u32 entry)
{
	u32 flags = MB_FLAGS | MB_FLAG_AOUT_KLUDGE;
	mb_header(0x40, flags);
	w32(0x4c, load_addr + 0x40);
	w32(0x50, load_addr);
	w32(0x54, load_end);
	w32(0x58, bss_end);
	w32(0x5c, entry);
}

static void test_aout_whole_file_with_bss(void **state)
{
	struct fixture *f = *state;
	fill(0x60, 0x2100 - 0x60);
	aout(0x100000, 0, 0x104000, 0x100080);
	assert_int_equal(load(f, 0x2100), 0);
	assert_int_equal(res.format, MB_FMT_AOUT);
	assert_int_equal(res.entry, 0x100080);
	assert_int_equal(res.image_start, 0x100000);
	assert_int_equal(res.image_end, 0x104000);
	assert_guest_bytes(f, 0x100000, 0, 0x2100);
	assert_true(guest_is_zero(f, 0x102100, 0x1f00));
	assert_int_equal(f->g.resident_pages, 3);
	assert_false(is_populated(f, 0x103000));
}

static void test_aout_load_end_and_offset(void **state)
{
	struct fixture *f = *state;
	/* load_end_addr given: only its 0x800 bytes of the 0x2000-byte file */
	fill(0x60, 0x1000);
	aout(0x200000, 0x200800, 0, 0x200000);
	assert_int_equal(load(f, 0x2000), 0);
	assert_guest_bytes(f, 0x200000, 0, 0x800);
	assert_true(guest_is_zero(f, 0x200800, 0x800));
	assert_int_equal(res.image_end, 0x200800);
	assert_int_equal(f->g.resident_pages, 1);
}

static void test_aout_header_not_at_load_start(void **state)
{
	struct fixture *f = *state;
	/* header_addr - load_addr = 0x20 < its offset 0x40: the file's first
	 * 0x20 bytes are not loaded */
	fill(0x60, 0x100);
	aout(0x100000, 0, 0, 0x100000);
	w32(0x4c, 0x100020);
	assert_int_equal(load(f, 0x200), 0);
	assert_guest_bytes(f, 0x100000, 0x20, 0x1e0);
	assert_int_equal(res.image_end, 0x1001e0);
}

static void test_aout_bad_fields(void **state)
{
	struct fixture *f = *state;
	aout(0x100000, 0, 0, 0x100000);
	w32(0x50, 0x100041);
	assert_rejected(f, 0x1000, E_INVAL, "load_addr 0x100041 is above header_addr 0x100040");
	aout(0x100000, 0, 0, 0x100000);
	w32(0x50, 0xff000);
	assert_rejected(f, 0x1000, E_INVAL, "header_addr - load_addr (0x1040) exceeds the header's file offset 0x40");
	aout(0x100000, 0x100000, 0, 0x100000);
	assert_rejected(f, 0x1000, E_INVAL, "load_end_addr 0x100000 is not above load_addr");
	aout(0x100000, 0x101001, 0, 0x100000);
	assert_rejected(f, 0x1000, E_INVAL, "load_end_addr 0x101001 lies beyond the end of the file");
	aout(0x100000, 0x100800, 0x1007ff, 0x100000);
	assert_rejected(f, 0x1000, E_INVAL, "bss_end_addr 0x1007ff is below the load end 0x100800");
	aout(0x100000, 0x100800, 0, 0x100800);
	assert_rejected(f, 0x1000, E_INVAL, "entry point 0x100800 is outside the loaded image");
	aout(0x9f800, 0, 0, 0x9f800);
	assert_rejected(f, 0x1000, E_INVAL, "segment [0x9f800, 0xa0800) is not inside guest RAM (hole at 0xa0000)");
	aout(0xfffff000, 0, 0, 0xfffff000);
	assert_rejected(f, 0x2000, E_INVAL, "reaches beyond 4 GiB");
}

static void test_aout_truncated_header(void **state)
{
	struct fixture *f = *state;
	aout(0x100000, 0, 0, 0x100000);
	assert_rejected(f, 0x50, E_INVAL, "a.out kludge fields beyond the end of the file");
	memset(img, 0, 0x60);
	mb_header(8176, MB_FLAGS | MB_FLAG_AOUT_KLUDGE);
	assert_rejected(f, 0x3000, E_INVAL, "a.out kludge fields beyond the first 8192 bytes");
}

static void test_aout_wins_over_elf(void **state)
{
	struct fixture *f = *state;
	elf32(1, 0x300000);
	LOAD32(0, 0x1000, 0x300000, 0x10, 0x10);
	memset(img + HDR_OFF, 0, 12);
	aout(0x100000, 0, 0, 0x100000);
	assert_int_equal(load(f, 0x1010), 0);
	assert_int_equal(res.format, MB_FMT_AOUT);
	assert_false(is_populated(f, 0x300000));
}

/* ---- boot information ---- */

#define MI_FLAGS 0
#define MI_MEM_LOWER 4
#define MI_MEM_UPPER 8
#define MI_CMDLINE 16
#define MI_MODS_COUNT 20
#define MI_MODS_ADDR 24
#define MI_MMAP_LENGTH 44
#define MI_MMAP_ADDR 48
#define MI_LOADER_NAME 64

static u8 info[116];

static void read_info(struct fixture *f, u32 at)
{
	assert_int_equal(gmem_read(&f->g, gpa(at), info, sizeof(info)), 0);
}

static void assert_guest_str(struct fixture *f, u32 at, const char *want)
{
	char buf[300];
	assert_int_equal(gmem_read(&f->g, gpa(at), buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
}

/* The memory map must list exactly the slots, in order. */
static void assert_mmap_matches_slots(struct fixture *f)
{
	u8 e[24];
	assert_int_equal(r32(info + MI_MMAP_LENGTH), f->g.nslots * 24);
	for (size_t i = 0; i < f->g.nslots; i++) {
		const struct gmem_slot *s = &f->g.slots[i];
		assert_int_equal(gmem_read(&f->g, gpa(r32(info + MI_MMAP_ADDR) + 24 * i), e, 24), 0);
		assert_int_equal(r32(e), 20);
		assert_int_equal(r64(e + 4), s->base.v);
		assert_int_equal(r64(e + 12), s->size);
		assert_int_equal(r32(e + 20), s->kind == GMEM_RAM ? 1 : 2);
	}
}

static void load_small_elf(struct fixture *f)
{
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, 0x2800);
	assert_int_equal(load(f, 0x1010), 0);
}

static void test_info_contents(void **state)
{
	struct fixture *f = *state;
	static u8 big[5000];
	u8 m[16];
	u32 at = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i ^ (i >> 8));
	struct mb_module_src mods[] = {
		{ (const u8 *)"ABC", 3, "mod0 arg" },
		{ big, sizeof(big), NULL },
	};
	load_small_elf(f);
	u64 before = f->g.resident_pages;
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "hello world", mods, 2, &at), 0);
	assert_int_equal(at, 0x106000);                 /* after 0x103000 + 0x104000..0x106000 */
	read_info(f, at);
	assert_int_equal(r32(info + MI_FLAGS), BIT(0) | BIT(2) | BIT(3) | BIT(6) | BIT(9));
	assert_int_equal(r32(info + MI_MEM_LOWER), 640);
	assert_int_equal(r32(info + MI_MEM_UPPER), (GUEST_RAM - 1 * MiB) / KiB);
	assert_guest_str(f, r32(info + MI_CMDLINE), "hello world");
	assert_guest_str(f, r32(info + MI_LOADER_NAME), "pagevisor");
	assert_int_equal(f->g.nslots, 4);
	assert_mmap_matches_slots(f);
	assert_int_equal(r32(info + MI_MODS_COUNT), 2);
	assert_int_equal(gmem_read(&f->g, gpa(r32(info + MI_MODS_ADDR)), m, 16), 0);
	assert_int_equal(r32(m), 0x103000);
	assert_int_equal(r32(m + 4), 0x103003);
	assert_int_equal(r32(m + 12), 0);
	assert_guest_str(f, r32(m + 8), "mod0 arg");
	assert_guest_str(f, 0x103000, "ABC");   /* followed by a zero byte of the page */
	assert_int_equal(gmem_read(&f->g, gpa(r32(info + MI_MODS_ADDR) + 16), m, 16), 0);
	assert_int_equal(r32(m), 0x104000);
	assert_int_equal(r32(m + 4), 0x104000 + sizeof(big));
	assert_guest_str(f, r32(m + 8), "");
	static u8 back[5000];
	assert_int_equal(gmem_read(&f->g, gpa(0x104000), back, sizeof(back)), 0);
	assert_memory_equal(back, big, sizeof(big));
	/* 1 + 2 module pages and one page of information, nothing else */
	assert_int_equal(f->g.resident_pages, before + 4);
	assert_int_equal(stub_log_count[LOG_ERR], 0);
}

static void test_info_empty_cmdline_no_modules(void **state)
{
	struct fixture *f = *state;
	u32 at = 0;
	load_small_elf(f);
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, NULL, NULL, 0, &at), 0);
	assert_int_equal(at, 0x103000);
	read_info(f, at);
	assert_true(r32(info + MI_FLAGS) & BIT(2));
	assert_guest_str(f, r32(info + MI_CMDLINE), "");
	assert_int_equal(r32(info + MI_MODS_COUNT), 0);
	assert_int_not_equal(r32(info + MI_CMDLINE), 0);
}

static void test_info_skips_to_next_ram_slot(void **state)
{
	struct fixture *f = *state;
	static u8 data[0x2000];
	u8 m[16];
	u32 at = 0;
	struct mb_module_src mods[] = { { data, sizeof(data), "d" } };
	elf32(1, 0x90000);
	LOAD32(0, 0x1000, 0x90000, 0x10, 0xf000);
	assert_int_equal(load(f, 0x1010), 0);
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "", mods, 1, &at), 0);
	read_info(f, at);
	assert_int_equal(gmem_read(&f->g, gpa(r32(info + MI_MODS_ADDR)), m, 16), 0);
	assert_int_equal(r32(m), 0x100000);             /* 4 KiB left below 640K */
	assert_int_equal(at, 0x102000);
}

static void test_info_no_room(void **state)
{
	struct fixture *f = *state;
	static u8 data[0x2000];
	u32 at = 0;
	struct mb_module_src mods[] = { { data, sizeof(data), "d" } };
	elf32(1, 0x100000);
	LOAD32(0, 0x1000, 0x100000, 0x10, GUEST_RAM - 1 * MiB - 0x1000);
	assert_int_equal(load(f, 0x1010), 0);
	u64 before = f->g.resident_pages;
	stub_log_reset();
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "", mods, 1, &at), E_RANGE);
	assert_true(stub_log_contains("k: module 0 (8192 bytes) does not fit in guest RAM below 4 GiB"));
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "", NULL, 0, &at), 0);
	assert_int_equal(at, GUEST_RAM - 0x1000);
	mods[0].size = 0x1000;
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "", mods, 1, &at), E_RANGE);
	assert_true(stub_log_contains("k: no room for the Multiboot information"));
	assert_int_equal(f->g.resident_pages, before + 1);   /* the one good build */
}

static void test_info_too_many_modules(void **state)
{
	struct fixture *f = *state;
	static struct mb_module_src mods[MB_MAX_MODS + 1];
	u32 at = 0;
	load_small_elf(f);
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "", mods, MB_MAX_MODS + 1, &at),
			 E_INVAL);
	assert_true(stub_log_contains("33 modules attached; at most 32"));
}

static void test_info_large_guest(void **state)
{
	struct fixture *f = *state;
	u32 at = 0;
	load_small_elf(f);
	assert_int_equal(mbloader_build_info(&f->g, "k", &res, "x", NULL, 0, &at), 0);
	read_info(f, at);
	assert_int_equal(r32(info + MI_MEM_UPPER), (GMEM_PC_MMIO_START - 1 * MiB) / KiB);
	assert_int_equal(f->g.nslots, 5);
	assert_mmap_matches_slots(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elf32_loads_and_populates_only_written_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf32_bss_zeroed_in_populated_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf32_two_segments_higher_half_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf32_x86_64_machine_and_low_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf64_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_video_flag_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_required_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_header_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phdr_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beyond_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_hole_5g, setup_5g, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_and_half_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_segment_not_written_before_bad_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_whole_file_with_bss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_load_end_and_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_header_not_at_load_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_truncated_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_wins_over_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_empty_cmdline_no_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_skips_to_next_ram_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_too_many_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_large_guest, setup_5g, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
