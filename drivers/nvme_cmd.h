/* NVMe command building without hardware: submission/completion queue entry
 * layouts, read/write commands with PRP1/PRP2 and a PRP list page, the
 * completion-queue phase walk, doorbell offsets and Identify parsing. Pure
 * (memory given by pointer), so host unit tests drive it against buffers.
 * NVM Express Base Specification 1.4: 4.2 (SQE), 4.6 (CQE), 4.3 (PRP). */
#ifndef DRIVERS_NVME_CMD_H
#define DRIVERS_NVME_CMD_H

#include "core/addr.h"
#include "core/types.h"

/* Opcodes: admin (NVMe 1.4 5, Figure 139) and NVM I/O (NVM 6, Figure 346). */
#define NVME_ADM_CREATE_SQ 0x01
#define NVME_ADM_CREATE_CQ 0x05
#define NVME_ADM_IDENTIFY  0x06
#define NVME_ADM_SET_FEAT  0x09
#define NVME_IO_WRITE      0x01
#define NVME_IO_READ       0x02

#define NVME_CNS_NS        0x00   /* Identify: namespace data structure */
#define NVME_CNS_CTRL      0x01   /* Identify: controller data structure */
#define NVME_FEAT_NQUEUES  0x07   /* Set Features: Number of Queues */

#define NVME_PRP_PER_PAGE  (PAGE_SIZE / 8)

/* Submission queue entry, 64 bytes (NVMe 1.4 4.2, Figure 105). */
struct nvme_sqe {
	u8 opcode;
	u8 flags;           /* fused 1:0, PSDT 7:6 (0: PRPs) */
	u16 cid;
	u32 nsid;
	u64 rsvd;
	u64 mptr;
	u64 prp1;
	u64 prp2;
	u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
} __packed;
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe SQE is 64 bytes");

/* Completion queue entry, 16 bytes (NVMe 1.4 4.6, Figure 121). */
struct nvme_cqe {
	u32 result;
	u32 rsvd;
	u16 sq_head;
	u16 sq_id;
	u16 cid;
	u16 status;         /* bit 0: phase tag; 15:1: status field (SC 8:1, SCT 11:9) */
} __packed;
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe CQE is 16 bytes");

/* A completion queue as the host sees it: entries, size, next head, and the
 * phase value that marks a new entry (starts at 1, flips on each wrap). */
struct nvme_cq {
	volatile struct nvme_cqe *ent;
	u16 size;
	u16 head;
	u8 phase;
};

/* A submission queue: entries, size and the next free tail slot. */
struct nvme_sq {
	struct nvme_sqe *ent;
	u16 size;
	u16 tail;
};

/* Byte offset in BAR0 of the tail doorbell of SQ qid (cq false) or the head
 * doorbell of CQ qid (cq true) with CAP.DSTRD dstrd (NVMe 1.4 3.1.24/25). */
u32 nvme_db_offset(u16 qid, bool cq, u32 dstrd);

/*
 * Fill sqe as a Read or Write of nlb logical blocks at slba on namespace
 * nsid, transferring the whole pages frames[0..npages) (page-aligned). PRP1
 * is frames[0]; PRP2 is frames[1] for two pages, else for more the list page
 * prp_list (host pointer) at prp_list_hpa is filled with frames[1..) and
 * PRP2 points to it (NVMe 1.4 4.3). Returns E_OK, or E_INVAL for npages 0,
 * above NVME_PRP_PER_PAGE, a page that is not page-aligned, nlb 0 or above
 * 65536, or a list needed but missing.
 */
int nvme_build_rw(struct nvme_sqe *sqe, u16 cid, u32 nsid, bool write, u64 slba,
		  u32 nlb, const hpa_t *frames, u32 npages, u64 *prp_list,
		  hpa_t prp_list_hpa) __must_check;

/* Copy sqe into the next tail slot of sq and advance the tail (wrapping).
 * Returns the new tail to write to the SQ tail doorbell. */
u16 nvme_sq_push(struct nvme_sq *sq, const struct nvme_sqe *sqe);

/* If the entry at cq's head carries the current phase, copy it to out,
 * advance the head (flipping the phase on wrap) and return true; else
 * return false and change nothing (NVMe 1.4 4.6 Phase Tag). */
bool nvme_cq_next(struct nvme_cq *cq, struct nvme_cqe *out);

/* Status field of a completion without the phase bit: 0 means success. */
static inline u16 nvme_cqe_status(const struct nvme_cqe *c)
{
	return c->status >> 1;
}

/* What pagevisor needs from an Identify Namespace structure (4 KiB). */
struct nvme_ns_info {
	u64 nsze;           /* size in logical blocks */
	u32 lba_size;       /* bytes per logical block */
};

/*
 * Parse the Identify Namespace data id (4096 bytes; NVMe 1.4 5.15.2.1
 * Figure 245: NSZE at 0, NLBAF at 25, FLBAS at 26, LBAF table at 128).
 * Returns E_OK with *out filled, E_NOENT for a size of 0 (inactive), or
 * E_NOTSUP for a format with metadata, an index past NLBAF, or a block
 * size outside 512..4096.
 */
int nvme_parse_ns(const u8 *id, struct nvme_ns_info *out) __must_check;

/* Copy the Identify Controller model number (bytes 24..63, space padded)
 * into buf (size len >= 41) without trailing spaces. */
void nvme_ctrl_model(const u8 *id, char *buf, size_t len);

/* Maximum data transfer size in 4 KiB pages from Identify Controller MDTS
 * (byte 77, a power of two in units of CAP.MPSMIN pages; 0: no limit, which
 * returns limit). The result is at most limit. */
u32 nvme_ctrl_max_pages(const u8 *id, u32 mpsmin, u32 limit);

#endif
