/* NVMe command building (drivers/nvme_cmd.h): SQEs for Read/Write with PRP
 * entries and list pages, the submission tail and completion phase walk,
 * doorbell offsets, and the Identify fields the driver uses. No device
 * access: every function works on memory handed to it. */
#include "drivers/nvme_cmd.h"
#include "core/string.h"

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

u32 nvme_db_offset(u16 qid, bool cq, u32 dstrd)
{
	return 0x1000 + (2u * qid + (cq ? 1 : 0)) * (4u << dstrd);
}

/* Fill the PRP fields of sqe for frames[0..n) (NVMe 1.4 4.3: PRP1 is the
 * first page; PRP2 the second page or the address of a PRP list). */
static int fill_prps(struct nvme_sqe *sqe, const hpa_t *frames, u32 n, u64 *list,
		     hpa_t list_hpa)
{
	for (u32 k = 0; k < n; k++)
		if (frames[k].v & (PAGE_SIZE - 1))
			return E_INVAL;
	sqe->prp1 = frames[0].v;
	sqe->prp2 = 0;
	if (n == 2)
		sqe->prp2 = frames[1].v;
	if (n <= 2)
		return E_OK;
	if (!list || (list_hpa.v & (PAGE_SIZE - 1)))
		return E_INVAL;
	for (u32 k = 1; k < n; k++)
		list[k - 1] = frames[k].v;
	sqe->prp2 = list_hpa.v;
	return E_OK;
}

int nvme_build_rw(struct nvme_sqe *sqe, u16 cid, u32 nsid, bool write, u64 slba,
		  u32 nlb, const hpa_t *frames, u32 npages, u64 *prp_list,
		  hpa_t prp_list_hpa)
{
	struct nvme_sqe s;
	int rc;

	/* The list holds frames[1..npages): at most one page of entries. */
	if (!npages || npages > NVME_PRP_PER_PAGE || !nlb || nlb > 0x10000)
		return E_INVAL;
	memset(&s, 0, sizeof(s));
	rc = fill_prps(&s, frames, npages, prp_list, prp_list_hpa);
	if (rc != E_OK)
		return rc;
	s.opcode = write ? NVME_IO_WRITE : NVME_IO_READ;
	s.cid = cid;
	s.nsid = nsid;
	s.cdw10 = (u32)slba;
	s.cdw11 = (u32)(slba >> 32);
	s.cdw12 = nlb - 1;             /* NLB is 0-based (NVM 1.4 6.9) */
	*sqe = s;
	return E_OK;
}

u16 nvme_sq_push(struct nvme_sq *sq, const struct nvme_sqe *sqe)
{
	memcpy(&sq->ent[sq->tail], sqe, sizeof(*sqe));
	barrier();
	sq->tail = (u16)((sq->tail + 1) % sq->size);
	return sq->tail;
}

bool nvme_cq_next(struct nvme_cq *cq, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *e = &cq->ent[cq->head];

	if ((e->status & 1) != cq->phase)
		return false;
	barrier();   /* the phase is read before the rest of the entry */
	out->result = e->result;
	out->rsvd = 0;
	out->sq_head = e->sq_head;
	out->sq_id = e->sq_id;
	out->cid = e->cid;
	out->status = e->status;
	if (++cq->head == cq->size) {
		cq->head = 0;
		cq->phase ^= 1;
	}
	return true;
}

static u64 le64_at(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int nvme_parse_ns(const u8 *id, struct nvme_ns_info *out)
{
	u8 nlbaf = id[25], idx = id[26] & 0x0f;
	const u8 *lbaf;
	u16 ms;
	u8 lbads;

	out->nsze = le64_at(id);
	if (!out->nsze)
		return E_NOENT;
	if (idx > nlbaf)
		return E_NOTSUP;
	lbaf = id + 128 + 4 * idx;     /* MS 15:0, LBADS 23:16, RP 25:24 */
	ms = (u16)(lbaf[0] | lbaf[1] << 8);
	lbads = lbaf[2];
	if (ms || lbads < 9 || lbads > 12)
		return E_NOTSUP;
	out->lba_size = 1u << lbads;
	return E_OK;
}

void nvme_ctrl_model(const u8 *id, char *buf, size_t len)
{
	size_t n = MIN((size_t)40, len - 1);

	memcpy(buf, id + 24, n);
	buf[n] = 0;
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == 0))
		buf[--n] = 0;
}

u32 nvme_ctrl_max_pages(const u8 *id, u32 mpsmin, u32 limit)
{
	u32 shift = (u32)id[77] + mpsmin;

	if (!id[77] || shift >= 31)
		return limit;
	return MIN(limit, 1u << shift);
}
