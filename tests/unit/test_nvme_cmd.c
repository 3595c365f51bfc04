/* Unit tests for drivers/nvme_cmd.c against fake physical memory: Read/Write
 * SQEs with PRP1 only, PRP1+PRP2, and a PRP list page (read back through
 * hpa_to_ptr), refusals; doorbell offsets for several strides; the SQ tail
 * and CQ phase-bit walk across wraps; Identify Namespace/Controller parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/nvme_cmd.h"
#include "fakemem.h"

#define LIST_HPA 0x10000ull
#define DATA_HPA 0x100000ull

static void *mem;

static int setup(void **state)
{
	(void)state;
	mem = fakemem_create(4 * MiB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fakemem_destroy(mem);
	return 0;
}

/* frames[k] = DATA_HPA + stride * k pages: deliberately not contiguous. */
static void make_frames(hpa_t *f, u32 n, u32 stride)
{
	for (u32 k = 0; k < n; k++)
		f[k] = hpa(DATA_HPA + (u64)k * stride * PAGE_SIZE);
}

static int build(struct nvme_sqe *s, bool write, u64 slba, u32 nlb, const hpa_t *f, u32 n)
{
	return nvme_build_rw(s, 7, 1, write, slba, nlb, f, n, hpa_to_ptr(hpa(LIST_HPA)),
			     hpa(LIST_HPA));
}

static void test_db_offsets(void **state)
{
	(void)state;
	assert_int_equal(nvme_db_offset(0, false, 0), 0x1000);
	assert_int_equal(nvme_db_offset(0, true, 0), 0x1004);
	assert_int_equal(nvme_db_offset(1, false, 0), 0x1008);
	assert_int_equal(nvme_db_offset(1, true, 0), 0x100c);
	assert_int_equal(nvme_db_offset(1, true, 2), 0x1000 + 3 * 16);
	assert_int_equal(nvme_db_offset(2, false, 1), 0x1000 + 4 * 8);
}

static void test_rw_one_page(void **state)
{
	struct nvme_sqe s;
	hpa_t f[1];

	(void)state;
	make_frames(f, 1, 1);
	assert_int_equal(build(&s, false, 0x123456789ull, 8, f, 1), E_OK);
	assert_int_equal(s.opcode, NVME_IO_READ);
	assert_int_equal(s.cid, 7);
	assert_int_equal(s.nsid, 1);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.prp1, DATA_HPA);
	assert_int_equal(s.prp2, 0);
	assert_int_equal(s.cdw10, 0x23456789);
	assert_int_equal(s.cdw11, 0x1);
	assert_int_equal(s.cdw12, 7);     /* 0-based */
}

static void test_rw_two_pages(void **state)
{
	struct nvme_sqe s;
	hpa_t f[2];

	(void)state;
	make_frames(f, 2, 3);
	assert_int_equal(build(&s, true, 16, 16, f, 2), E_OK);
	assert_int_equal(s.opcode, NVME_IO_WRITE);
	assert_int_equal(s.prp1, f[0].v);
	assert_int_equal(s.prp2, f[1].v);
}

static void test_rw_prp_list(void **state)
{
	const u64 *list = hpa_to_ptr(hpa(LIST_HPA));
	struct nvme_sqe s;
	hpa_t f[NVME_PRP_PER_PAGE];

	(void)state;
	make_frames(f, 5, 2);
	assert_int_equal(build(&s, true, 40, 40, f, 5), E_OK);
	assert_int_equal(s.prp1, f[0].v);
	assert_int_equal(s.prp2, LIST_HPA);
	for (u32 k = 1; k < 5; k++)
		assert_int_equal(list[k - 1], f[k].v);
	/* The largest request one list page holds: 1 + 511 entries. */
	make_frames(f, NVME_PRP_PER_PAGE, 1);
	assert_int_equal(build(&s, false, 0, NVME_PRP_PER_PAGE * 8, f, NVME_PRP_PER_PAGE), E_OK);
	assert_int_equal(list[NVME_PRP_PER_PAGE - 2], f[NVME_PRP_PER_PAGE - 1].v);
}

static void test_rw_refused(void **state)
{
	struct nvme_sqe s, before;
	hpa_t f[NVME_PRP_PER_PAGE + 1];

	(void)state;
	make_frames(f, NVME_PRP_PER_PAGE + 1, 1);
	memset(&s, 0xab, sizeof(s));
	before = s;
	assert_int_equal(build(&s, false, 0, 8, f, 0), E_INVAL);
	assert_int_equal(build(&s, false, 0, 0, f, 1), E_INVAL);
	assert_int_equal(build(&s, false, 0, 0x10001, f, 1), E_INVAL);
	assert_int_equal(build(&s, false, 0, 8, f, NVME_PRP_PER_PAGE + 1), E_INVAL);
	f[1].v += 512;   /* unaligned page */
	assert_int_equal(build(&s, false, 0, 16, f, 2), E_INVAL);
	f[1].v -= 512;
	assert_int_equal(nvme_build_rw(&s, 1, 1, false, 0, 24, f, 3, NULL, hpa(0)), E_INVAL);
	assert_int_equal(nvme_build_rw(&s, 1, 1, false, 0, 24, f, 3, hpa_to_ptr(hpa(LIST_HPA + 8)),
				       hpa(LIST_HPA + 8)), E_INVAL);
	assert_memory_equal(&s, &before, sizeof(s));   /* nothing half-written */
}

static void test_sq_push_wraps(void **state)
{
	struct nvme_sqe *ring = hpa_to_ptr(hpa(0x20000));
	struct nvme_sq sq = { ring, 4, 0 };
	struct nvme_sqe s = { .opcode = 0x42 };

	(void)state;
	for (u16 i = 1; i <= 5; i++) {
		s.cid = i;
		assert_int_equal(nvme_sq_push(&sq, &s), i % 4);
	}
	assert_int_equal(ring[0].cid, 5);   /* the fifth overwrote slot 0 */
	assert_int_equal(ring[3].cid, 4);
	assert_int_equal(ring[1].opcode, 0x42);
}

/* What the controller does: post a completion with phase p at index i. */
static void post(struct nvme_cqe *ring, u16 i, u16 cid, u16 sc, u8 p)
{
	ring[i] = (struct nvme_cqe){ .cid = cid, .sq_head = i, .sq_id = 1,
				     .status = (u16)(sc << 1 | p) };
}

static void test_cq_phase(void **state)
{
	struct nvme_cqe *ring = hpa_to_ptr(hpa(0x30000));
	struct nvme_cq cq = { ring, 3, 0, 1 };
	struct nvme_cqe c;

	(void)state;
	memset(ring, 0, 3 * sizeof(*ring));
	assert_false(nvme_cq_next(&cq, &c));           /* zeroed: phase 0, old */
	post(ring, 0, 10, 0, 1);
	post(ring, 1, 11, 0x81, 1);
	assert_true(nvme_cq_next(&cq, &c));
	assert_int_equal(c.cid, 10);
	assert_int_equal(nvme_cqe_status(&c), 0);
	assert_true(nvme_cq_next(&cq, &c));
	assert_int_equal(c.cid, 11);
	assert_int_equal(nvme_cqe_status(&c), 0x81);
	assert_false(nvme_cq_next(&cq, &c));
	post(ring, 2, 12, 0, 1);
	assert_true(nvme_cq_next(&cq, &c));
	assert_int_equal(cq.head, 0);                  /* wrapped: phase flips */
	assert_int_equal(cq.phase, 0);
	assert_false(nvme_cq_next(&cq, &c));           /* entry 0 still has phase 1 */
	post(ring, 0, 13, 0, 0);
	assert_true(nvme_cq_next(&cq, &c));
	assert_int_equal(c.cid, 13);
	assert_int_equal(cq.head, 1);
	assert_false(nvme_cq_next(&cq, &c));
}

/* An Identify Namespace page: size, NLBAF, FLBAS and one LBA format. */
static void make_ns(u8 *id, u64 nsze, u8 nlbaf, u8 flbas, u8 fmt, u16 ms, u8 lbads)
{
	memset(id, 0, 4096);
	memcpy(id, &nsze, 8);
	id[25] = nlbaf;
	id[26] = flbas;
	id[128 + 4 * fmt] = (u8)ms;
	id[128 + 4 * fmt + 1] = (u8)(ms >> 8);
	id[128 + 4 * fmt + 2] = lbads;
}

static void test_parse_ns(void **state)
{
	u8 *id = hpa_to_ptr(hpa(0x40000));
	struct nvme_ns_info ns;

	(void)state;
	make_ns(id, 8192, 0, 0, 0, 0, 9);
	assert_int_equal(nvme_parse_ns(id, &ns), E_OK);
	assert_int_equal(ns.nsze, 8192);
	assert_int_equal(ns.lba_size, 512);
	make_ns(id, 1ull << 33, 3, 0x12, 2, 0, 12);   /* FLBAS bit 4 (extended) ignored */
	assert_int_equal(nvme_parse_ns(id, &ns), E_OK);
	assert_int_equal(ns.nsze, 1ull << 33);
	assert_int_equal(ns.lba_size, 4096);
	make_ns(id, 8192, 0, 0, 0, 8, 9);             /* metadata */
	assert_int_equal(nvme_parse_ns(id, &ns), E_NOTSUP);
	make_ns(id, 8192, 0, 1, 1, 0, 9);             /* index past NLBAF */
	assert_int_equal(nvme_parse_ns(id, &ns), E_NOTSUP);
	make_ns(id, 8192, 0, 0, 0, 0, 13);            /* 8 KiB blocks */
	assert_int_equal(nvme_parse_ns(id, &ns), E_NOTSUP);
	make_ns(id, 8192, 0, 0, 0, 0, 8);
	assert_int_equal(nvme_parse_ns(id, &ns), E_NOTSUP);
	make_ns(id, 0, 0, 0, 0, 0, 9);                /* inactive */
	assert_int_equal(nvme_parse_ns(id, &ns), E_NOENT);
}

static void test_ctrl_fields(void **state)
{
	u8 *id = hpa_to_ptr(hpa(0x50000));
	char model[41];

	(void)state;
	memset(id, 0, 4096);
	memset(id + 24, ' ', 40);
	memcpy(id + 24, "QEMU NVMe Ctrl", 14);
	nvme_ctrl_model(id, model, sizeof(model));
	assert_string_equal(model, "QEMU NVMe Ctrl");
	memset(id + 24, 'x', 40);
	nvme_ctrl_model(id, model, sizeof(model));
	assert_int_equal(strlen(model), 40);
	assert_int_equal(nvme_ctrl_max_pages(id, 0, 64), 64);   /* MDTS 0: no limit */
	id[77] = 5;
	assert_int_equal(nvme_ctrl_max_pages(id, 0, 64), 32);
	assert_int_equal(nvme_ctrl_max_pages(id, 1, 64), 64);
	id[77] = 1;
	assert_int_equal(nvme_ctrl_max_pages(id, 0, 64), 2);
	id[77] = 40;
	assert_int_equal(nvme_ctrl_max_pages(id, 0, 64), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_offsets),
		cmocka_unit_test_setup_teardown(test_rw_one_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_two_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_prp_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sq_push_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cq_phase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_fields, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
