/* In-image self-tests of host memory management, run on the real frame
 * allocator, the live host page tables and the heap (`selftest`). */
#include "core/addr.h"
#include "core/cpu.h"
#include "core/extable.h"
#include "core/log.h"
#include "core/selftest.h"
#include "core/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/hostpt.h"
#include "mm/pt.h"

/* Take every free frame, chaining them through their first word, check that
 * the allocator then refuses, give them all back, and check the count and
 * that a frame can be taken again. */
static bool test_frame_exhaust(void)
{
	u64 before = frame_free_count(), taken = 0;
	hpa_t chain = hpa(FRAME_INVALID);

	for (;;) {
		hpa_t f = frame_alloc(FRAME_HYP, 0);
		if (!frame_is_valid(f))
			break;
		*(u64 *)hpa_to_ptr(f) = chain.v;
		chain = f;
		taken++;
	}
	ST_CHECK(taken == before);
	ST_CHECK(frame_free_count() == 0);
	while (frame_is_valid(chain)) {
		hpa_t next = hpa(*(u64 *)hpa_to_ptr(chain));
		frame_free(chain);
		chain = next;
	}
	ST_CHECK(frame_free_count() == before);
	hpa_t again = frame_alloc_zeroed(FRAME_HYP, 0);
	ST_CHECK(frame_is_valid(again));
	ST_CHECK(frame_desc(again)->state == FRAME_HYP);
	frame_free(again);
	pr_info("frame-exhaust: %lu frames taken and returned", taken);
	return true;
}
SELFTEST("frame-exhaust-free-reuse", test_frame_exhaust);

static bool test_frame_contig(void)
{
	hpa_t base;
	u64 before = frame_free_count();
	ST_CHECK(frame_alloc_contig(3, 4 * PAGE_SIZE, FRAME_HYP, 0, &base) == 0);
	ST_CHECK(IS_ALIGNED(base.v, 4 * PAGE_SIZE));
	for (int i = 0; i < 3; i++)
		ST_CHECK(frame_desc(hpa(base.v + i * PAGE_SIZE))->state == FRAME_HYP);
	ST_CHECK(frame_free_count() == before - 3);
	for (int i = 0; i < 3; i++)
		frame_free(hpa(base.v + i * PAGE_SIZE));
	ST_CHECK(frame_free_count() == before);
	return true;
}
SELFTEST("frame-contig", test_frame_contig);

/* A scratch VA in the host tables, far from the direct map and the image. */
#define SCRATCH_VA 0xffffc00000000000ull

/* Map a fresh frame at a scratch VA of the live host tables, write through
 * it, read it back through the direct map, unmap it, and check the walk. */
static bool test_pt_live(void)
{
	struct pt *pt = hostpt();
	hpa_t f = frame_alloc_zeroed(FRAME_HYP, 0), got;
	unsigned flags;
	int level;

	ST_CHECK(frame_is_valid(f));
	ST_CHECK(pt_map(pt, SCRATCH_VA, f, PAGE_SIZE, PT_R | PT_W) == 0);
	ST_CHECK(pt_translate(pt, SCRATCH_VA + 8, &got, &flags) == 0);
	ST_CHECK(got.v == f.v + 8);
	ST_CHECK((flags & PT_W) && !(flags & PT_X));
	*(volatile u64 *)(uintptr_t)(SCRATCH_VA + 8) = 0x5ca1ab1e;
	ST_CHECK(*(u64 *)((u8 *)hpa_to_ptr(f) + 8) == 0x5ca1ab1e);
	ST_CHECK(pt_is_dirty(pt, pt_walk(pt, SCRATCH_VA, &level, false)));
	ST_CHECK(level == 1);
	ST_CHECK(pt_unmap(pt, SCRATCH_VA, PAGE_SIZE) == 0);
	hostpt_flush_va(SCRATCH_VA);
	ST_CHECK(pt_translate(pt, SCRATCH_VA, &got, &flags) < 0);
	frame_free(f);
	return true;
}
SELFTEST("pt-map-unmap-walk-live", test_pt_live);

/* A private tree in each format: map 4K/2M leaves, walk, destroy, and
 * check every table frame went back to the allocator. */
static bool test_pt_formats(void)
{
	const struct pt_format *fmts[] = { &pt_fmt_host, &pt_fmt_ept, &pt_fmt_npt };
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct pt t;
		hpa_t got;
		unsigned flags;
		u64 before = frame_free_count();
		ST_CHECK(pt_create(&t, fmts[i], 0) == 0);
		ST_CHECK(pt_map(&t, 0x40000000, hpa(0x200000), PT_SIZE_2M, PT_R | PT_W | PT_X) == 0);
		ST_CHECK(pt_map(&t, 0x1000, hpa(0x7000), PT_SIZE_4K, PT_R) == 0);
		ST_CHECK(pt_map(&t, 0x1000, hpa(0x8000), PT_SIZE_4K, PT_R) < 0);
		ST_CHECK(pt_translate(&t, 0x40012345, &got, &flags) == 0 && got.v == 0x212345);
		ST_CHECK(pt_translate(&t, 0x1abc, &got, &flags) == 0 && got.v == 0x7abc);
		ST_CHECK(!(flags & PT_W));
		ST_CHECK(pt_unmap(&t, 0x1000, PT_SIZE_4K) == 0);
		ST_CHECK(pt_translate(&t, 0x1abc, &got, &flags) < 0);
		pt_destroy(&t);
		ST_CHECK(frame_free_count() == before);
	}
	return true;
}
SELFTEST("pt-formats-host-ept-npt", test_pt_formats);

/* Text and rodata must refuse writes (W^X): a store guarded by a fixup
 * must fault. */
static bool probe_write(volatile u8 *p)
{
	bool faulted = false;
	__asm__ volatile("1: movb %%al, (%1)\n"
			 "2:\n"
			 ".pushsection .extable, \"a\"\n"
			 ".quad 1b, 3f\n"
			 ".popsection\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movb $1, %0\n"
			 "jmp 2b\n"
			 ".popsection"
			 : "+r"(faulted) : "r"(p), "a"(*p) : "memory");
	return faulted;
}

static const u8 rodata_probe = 0x42;

static bool test_image_wx(void)
{
	extern char _image_start[];
	ST_CHECK(probe_write((volatile u8 *)(uintptr_t)test_image_wx));
	ST_CHECK(probe_write((volatile u8 *)&rodata_probe));
	ST_CHECK(probe_write((volatile u8 *)hpa_to_ptr(hpa((u64)(uintptr_t)_image_start -
							   KERNEL_VMA_BASE))));
	static u8 data_probe;
	ST_CHECK(!probe_write(&data_probe));
	return true;
}
SELFTEST("image-write-protect", test_image_wx);

/* Allocate across the size classes, fill each block with its own pattern,
 * verify none overlapped, free them, and check the heap returns to its
 * previous size. */
static bool test_heap(void)
{
	static const size_t sizes[] = { 1, 16, 24, 100, 500, 2048, 3000, 9000, 70000 };
	void *blocks[ARRAY_SIZE(sizes) * 4];
	struct heap_stats before, after;

	heap_get_stats(&before);
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		size_t sz = sizes[i % ARRAY_SIZE(sizes)];
		blocks[i] = kmalloc(sz);
		ST_CHECK(blocks[i] != NULL);
		memset(blocks[i], (int)i + 1, sz);
	}
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
		size_t sz = sizes[i % ARRAY_SIZE(sizes)];
		const u8 *b = blocks[i];
		for (size_t j = 0; j < sz; j++)
			ST_CHECK(b[j] == (u8)(i + 1));
	}
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		kfree(blocks[i]);
	u8 *z = kzalloc(256);
	ST_CHECK(z != NULL);
	for (int i = 0; i < 256; i++)
		ST_CHECK(z[i] == 0);
	kfree(z);
	heap_get_stats(&after);
	ST_CHECK(after.bytes_in_use == before.bytes_in_use);
	return true;
}
SELFTEST("heap", test_heap);
