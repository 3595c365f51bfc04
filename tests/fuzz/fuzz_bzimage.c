/* libFuzzer harness for the Linux boot protocol loader (core/bzimage.c)
 * over real guest memory in fake physical memory. The input (at most 64
 * bytes under `make fuzz`) mutates a valid protocol-2.15 bzImage: byte 0
 * picks the guest RAM (bits 0-1), an initrd (bit 2), a reserved range
 * (bit 3) and a truncation of the file (bits 4-7); byte 1 the command line
 * length; then 5-byte patches (offset from 0x1f0, 32-bit value) over the
 * setup header. Invariants: a rejection writes nothing and prints exactly
 * one error; an accepted image lands in RAM where the protocol says (kernel
 * bytes at the load address, initrd above init_size and below
 * initrd_addr_max, clear of the reserved range, cmdline within
 * cmdline_size, a sorted e820 table); every frame comes back at destroy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/bzimage.h"
#include "core/log.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "stubs.h"
#include "fakemem.h"

#define SETUP_SIZE (5 * 512)
#define PAYLOAD 0x2000u
#define INITRD_SIZE 0x1800u
#define PATCH_BASE 0x1f0

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz_bzimage: %s:%d: %s\n", __FILE__, \
				__LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static u8 img[SETUP_SIZE + PAYLOAD];
static u8 initrd_data[INITRD_SIZE];
static char cmdline[4096];
static u8 buf[SETUP_SIZE + PAYLOAD];

static void w16(u64 off, u16 v) { memcpy(img + off, &v, 2); }
static void w32(u64 off, u32 v) { memcpy(img + off, &v, 4); }
static void w64(u64 off, u64 v) { memcpy(img + off, &v, 8); }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }

/* A valid relocatable protocol-2.15 bzImage (like the unit tests'). */
static void base_image(void)
{
	memset(img, 0, sizeof(img));
	img[BZ_SETUP_SECTS] = 4;
	w32(BZ_SYSSIZE, PAYLOAD / 16);
	w16(BZ_BOOT_FLAG, BZ_BOOT_FLAG_MAGIC);
	img[BZ_JUMP] = 0xeb;
	img[BZ_JUMP + 1] = 0x6a;
	w32(BZ_HEADER, BZ_HDRS_MAGIC);
	w16(BZ_VERSION, 0x020f);
	img[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	w32(BZ_INITRD_ADDR_MAX, 0x7fffffff);
	w32(BZ_KERNEL_ALIGNMENT, 2 * MiB);
	img[BZ_RELOCATABLE] = 1;
	img[BZ_MIN_ALIGNMENT] = 21;
	w16(BZ_XLOADFLAGS, BZ_XLF_KERNEL_64);
	w32(BZ_CMDLINE_SIZE, 2047);
	w64(BZ_PREF_ADDRESS, 16 * MiB);
	w32(BZ_INIT_SIZE, 4 * MiB);
	for (u64 i = 0; i < PAYLOAD; i++)
		img[SETUP_SIZE + i] = (u8)(i * 13 + 7);
}

/* Apply the input's patches; return the file size after truncation. */
static u64 mutate(const u8 *data, size_t n)
{
	u64 size = sizeof(img);

	for (size_t i = 2; i + 5 <= n; i += 5) {
		u64 off = PATCH_BASE + data[i];
		u32 v = rd32(data + i + 1);
		memcpy(img + off, &v, MIN(4u, sizeof(img) - off));
	}
	if (data[0] >> 4)
		size = (u64)(data[0] >> 4) * (sizeof(img) / 16) - data[1];
	return size;
}

/* Checks on an accepted image. */
static void check_loaded(struct gmem *g, u64 size, const struct bzimage_result *r,
			 const struct e820_entry *rsv, bool has_initrd)
{
	struct e820_entry e[BZ_ZP_E820_MAX];
	struct bzimage_info in;
	u8 n;

	CHECK(bzimage_parse(img, size, &in) == 0);
	CHECK(r->load_end - r->load_start == in.payload_size);

	CHECK(r->entry32 == r->load_start && r->load_start >= BZ_HIGH_LOAD);
	CHECK(r->reserve_end <= (1ull << 32) && r->load_end <= r->reserve_end);
	CHECK(gmem_read(g, gpa(r->load_start), buf, r->load_end - r->load_start) == 0);
	CHECK(memcmp(buf, img + in.payload_off, r->load_end - r->load_start) == 0);
	CHECK(!rsv->size || r->reserve_end <= rsv->addr || r->load_start >= rsv->addr + rsv->size);
	for (u64 a = r->load_start; a < r->reserve_end; a += PAGE_SIZE) {
		const struct gmem_slot *s = gmem_slot_find(g, gpa(a));
		CHECK(s && s->kind == GMEM_RAM);
	}
	if (has_initrd) {
		u32 max = in.initrd_addr_max;
		CHECK(r->initrd_end - r->initrd_start == INITRD_SIZE);
		CHECK(r->initrd_start >= r->reserve_end && r->initrd_end - 1 <= max);
		CHECK(IS_ALIGNED(r->initrd_start, PAGE_SIZE));
		CHECK(!rsv->size || r->initrd_end <= rsv->addr ||
		      r->initrd_start >= rsv->addr + rsv->size);
		CHECK(gmem_read(g, gpa(r->initrd_start), buf, INITRD_SIZE) == 0);
		CHECK(memcmp(buf, initrd_data, INITRD_SIZE) == 0);
	}
	CHECK(gmem_read(g, gpa(BZ_CMDLINE_GPA), buf, sizeof(buf)) == 0);
	CHECK(strnlen((char *)buf, sizeof(buf)) <= in.cmdline_size);
	CHECK(gmem_read(g, gpa(BZ_ZERO_PAGE_GPA + BZ_ZP_E820_ENTRIES), &n, 1) == 0);
	CHECK(n > 0 && n == r->e820_entries);
	CHECK(gmem_read(g, gpa(BZ_ZERO_PAGE_GPA + BZ_ZP_E820_TABLE), e, n * sizeof(e[0])) == 0);
	for (u8 i = 1; i < n; i++)
		CHECK(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	CHECK(gmem_read(g, gpa(BZ_ZERO_PAGE_GPA + BZ_TYPE_OF_LOADER), &n, 1) == 0 && n == 0xff);
}

static void run(const u8 *data, size_t n, struct gmem *g)
{
	static const u64 ram[4] = { 8 * MiB, 16 * MiB, 24 * MiB, 32 * MiB };
	struct e820_entry rsv = { ram[data[0] & 3] - 64 * KiB, 32 * KiB, E820_ACPI };
	struct e820_extra ex = { &rsv, 1 };
	struct bzimage_initrd rd = { initrd_data, INITRD_SIZE };
	struct bzimage_result r = { 0 };
	bool has_initrd = data[0] & 4;
	u64 size;
	int rc;

	base_image();
	size = mutate(data, n);
	memset(cmdline, 'c', sizeof(cmdline));
	cmdline[MIN((size_t)data[1] * 16, sizeof(cmdline) - 1)] = 0;
	stub_log_reset();
	rc = bzimage_load(g, "fuzz", img, size, cmdline, has_initrd ? &rd : NULL, 0xf0000,
			  data[0] & 8 ? &ex : NULL, &r);
	if (rc < 0) {
		CHECK(rc == E_INVAL);
		CHECK(g->resident_pages == 0 && stub_log_count[LOG_ERR] == 1);
		CHECK(stub_log_contains("fuzz: "));
		return;
	}
	CHECK(rc == 0 && stub_log_count[LOG_ERR] == 0);
	if (!(data[0] & 8))
		rsv.size = 0;
	check_loaded(g, size, &r, &rsv, has_initrd);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	static bool ready;
	static u64 free_frames;
	static const u64 ram[4] = { 8 * MiB, 16 * MiB, 24 * MiB, 32 * MiB };
	struct pt tdp;
	struct gmem g;

	if (n < 2)
		return 0;
	if (!ready) {
		fakemem_with_frames();
		for (u64 i = 0; i < INITRD_SIZE; i++)
			initrd_data[i] = (u8)(i ^ 0xa5);
		free_frames = frame_free_count();
		ready = true;
	}
	CHECK(pt_create(&tdp, &pt_fmt_npt, 1) == 0);
	CHECK(gmem_init_pc(&g, &tdp, 1, ram[data[0] & 3]) == 0);
	run(data, n, &g);
	gmem_destroy(&g);
	pt_destroy(&tdp);
	CHECK(frame_free_count() == free_frames);
	return 0;
}
