/* libFuzzer harness for the Multiboot 1 loader (core/mbloader.c) over real
 * guest memory in fake physical memory (as tests/unit/test_mbloader.c). Byte
 * 0: bits 0-1 pick the guest RAM, bit 2 makes the harness fix the checksum
 * of the first Multiboot header magic it finds (so mutations get past it),
 * bit 3 asks for the boot information with one module. The rest is the
 * kernel image, in a heap buffer of exactly its size (AddressSanitizer
 * catches any read past it). Invariants: a rejected image is E_INVAL with
 * one "fuzz: " error and no guest page populated; an accepted one starts and
 * ends in RAM; the boot information is E_OK or E_RANGE, and when E_OK it
 * lies below 4 GiB in RAM with the flags, command line, module list (the
 * module page-aligned above the image, its bytes intact) the loader
 * promises; every frame comes back at destroy. FUZZ_VERBOSE=1 in the
 * environment prints each input's result. */
#include <string.h>
#include "core/mbloader.h"
#include "core/log.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "stubs.h"
#include "fakemem.h"
#include "fuzz_check.h"

#define CMDLINE "console=com1 pages=42"
#define MOD_SIZE 3000u

static u8 mod_data[MOD_SIZE];

/* Fix the checksum of the first 4-aligned header magic in the search area. */
static void fix_checksum(u8 *img, size_t n)
{
	for (size_t off = 0; off + 12 <= MIN(n, (size_t)MB_SEARCH_LEN); off += 4) {
		u32 magic, flags, sum;
		memcpy(&magic, img + off, 4);
		if (magic != MB_HEADER_MAGIC)
			continue;
		memcpy(&flags, img + off + 4, 4);
		sum = -(magic + flags);
		memcpy(img + off + 8, &sum, 4);
		return;
	}
}

static bool ram_range(struct gmem *g, u64 start, u64 end)
{
	for (u64 a = start & ~(u64)(PAGE_SIZE - 1); a < end; a += PAGE_SIZE) {
		const struct gmem_slot *s = gmem_slot_find(g, gpa(a));
		if (!s || s->kind != GMEM_RAM)
			return false;
	}
	return true;
}

static void check_info(struct gmem *g, const struct mb_load_result *r, u32 info)
{
	u32 mi[16], mod[4];
	char buf[sizeof(CMDLINE)];
	static u8 back[MOD_SIZE];

	CHECK(ram_range(g, info, info + sizeof(mi)));
	CHECK(gmem_read(g, gpa(info), mi, sizeof(mi)) == 0);
	CHECK(mi[0] == (MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
			MB_INFO_LOADER_NAME));
	CHECK(gmem_read(g, gpa(mi[4]), buf, sizeof(buf)) == 0);
	CHECK(memcmp(buf, CMDLINE, sizeof(buf)) == 0);
	CHECK(mi[5] == 1);
	CHECK(gmem_read(g, gpa(mi[6]), mod, sizeof(mod)) == 0);
	CHECK(IS_ALIGNED(mod[0], PAGE_SIZE) && mod[0] >= r->image_end);
	CHECK(mod[1] - mod[0] == MOD_SIZE && ram_range(g, mod[0], mod[1]));
	CHECK(gmem_read(g, gpa(mod[0]), back, MOD_SIZE) == 0);
	CHECK(memcmp(back, mod_data, MOD_SIZE) == 0);
}

static void run(struct gmem *g, u8 ctl, const u8 *img, size_t n)
{
	struct mb_load_result r;
	struct mb_module_src m = { mod_data, MOD_SIZE, "blob arg" };
	u32 info = 0;
	int rc;

	stub_log_reset();
	memset(&r, 0, sizeof(r));
	rc = mbloader_load(g, "fuzz", img, n, &r);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "load rc %d: %s\n", rc, stub_log_buf);
	if (rc < 0) {
		CHECK(rc == E_INVAL && stub_log_count[LOG_ERR] == 1);
		CHECK(stub_log_contains("fuzz: ") && g->resident_pages == 0);
		return;
	}
	CHECK(rc == 0 && stub_log_count[LOG_ERR] == 0);
	/* Segments may straddle a hole (below 640 KiB and above 1 MiB): only
	 * the ends of the image are sure to be RAM. */
	CHECK(r.image_start < r.image_end);
	CHECK(ram_range(g, r.image_start, r.image_start + 1));
	CHECK(ram_range(g, r.image_end - 1, r.image_end));
	if (!(ctl & 8))
		return;
	rc = mbloader_build_info(g, "fuzz", &r, CMDLINE, &m, 1, &info);
	CHECK(rc == 0 || rc == E_RANGE);
	if (rc == 0)
		check_info(g, &r, info);
	else
		CHECK(stub_log_count[LOG_ERR] == 1);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t n)
{
	static const u64 ram[4] = { 2 * MiB, 8 * MiB, 16 * MiB, 5 * GiB };
	static bool ready;
	static u64 free_frames;
	struct pt tdp;
	struct gmem g;
	u8 *img;

	if (n < 2)
		return 0;
	if (!ready) {
		fakemem_with_frames();
		for (u32 i = 0; i < MOD_SIZE; i++)
			mod_data[i] = (u8)(i * 7 + 1);
		free_frames = frame_free_count();
		ready = true;
	}
	img = malloc(n - 1);
	CHECK(img);
	memcpy(img, data + 1, n - 1);
	if (data[0] & 4)
		fix_checksum(img, n - 1);
	CHECK(pt_create(&tdp, &pt_fmt_npt, 1) == 0);
	CHECK(gmem_init_pc(&g, &tdp, 1, ram[data[0] & 3]) == 0);
	run(&g, data[0], img, n - 1);
	gmem_destroy(&g);
	pt_destroy(&tdp);
	CHECK(frame_free_count() == free_frames);
	free(img);
	return 0;
}
