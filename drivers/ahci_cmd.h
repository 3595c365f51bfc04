/* AHCI in-memory structures and their construction, kept free of MMIO so the
 * host unit tests can check them: the command header (AHCI 1.3.1 4.2.2), the
 * command table with its H2D register FIS (SATA 3.x 10.5.5) and PRD table
 * (AHCI 4.2.3), and the IDENTIFY DEVICE fields the driver uses (ACS-3 7.12). */
#ifndef DRIVERS_AHCI_CMD_H
#define DRIVERS_AHCI_CMD_H

#include "core/addr.h"
#include "core/types.h"

#define AHCI_CMD_TABLE_ALIGN 128   /* CTBA bits 6:0 are reserved (AHCI 4.2.2) */
#define AHCI_PRD_MAX_BYTES (4u * 1024 * 1024)   /* DBC is 22 bits (AHCI 4.2.3) */

#define ATA_CMD_READ_DMA_EXT  0x25
#define ATA_CMD_WRITE_DMA_EXT 0x35
#define ATA_CMD_IDENTIFY      0xec
#define ATA_CMD_READ_FPDMA    0x60   /* NCQ (ACS-3 7.20, 7.59) */
#define ATA_CMD_WRITE_FPDMA   0x61

#define FIS_TYPE_REG_H2D 0x27

/* Command header flags, DW0 (AHCI 4.2.2). */
#define AHCI_HDR_CFL(dw)  ((dw) & 0x1f)     /* FIS length in dwords */
#define AHCI_HDR_WRITE    BIT(6)
#define AHCI_HDR_PRDTL(n) ((u32)(n) << 16)

struct ahci_cmd_hdr {
	u32 flags;       /* CFL, A, W, P, R, B, C, PMP, PRDTL */
	u32 prdbc;       /* bytes transferred, written by the HBA */
	u32 ctba;        /* command table address, 128-byte aligned */
	u32 ctbau;
	u32 rsvd[4];
} __packed;
_Static_assert(sizeof(struct ahci_cmd_hdr) == 32, "AHCI command header is 32 bytes");

struct ahci_prd {
	u32 dba;         /* data base address (bit 0 must be 0) */
	u32 dbau;
	u32 rsvd;
	u32 dbc;         /* byte count - 1 (bit 0 set: even count), bit 31 I */
} __packed;
_Static_assert(sizeof(struct ahci_prd) == 16, "AHCI PRD entry is 16 bytes");

struct ahci_cmd_table {
	u8 cfis[64];
	u8 acmd[16];
	u8 rsvd[48];
	struct ahci_prd prdt[];
} __packed;
_Static_assert(sizeof(struct ahci_cmd_table) == 0x80, "PRDT starts at offset 0x80");

/* Bytes of a command table with nprd PRD entries. */
#define AHCI_CMD_TABLE_BYTES(nprd) (sizeof(struct ahci_cmd_table) + (nprd) * sizeof(struct ahci_prd))

/* One ATA DMA command: `count` sectors at `lba`, data in nbufs buffers of
 * buf_bytes each (one PRD per buffer), at most max_prds of them. */
struct ahci_io {
	u8 command;              /* ATA_CMD_* */
	u8 tag;                  /* NCQ tag (the command slot) for the FPDMA commands */
	bool write;              /* data goes to the device */
	u64 lba;
	u32 count;               /* sectors, 0..65535 (0 for IDENTIFY) */
	const hpa_t *bufs;
	u32 nbufs;
	u32 buf_bytes;           /* even, 2..AHCI_PRD_MAX_BYTES */
	u32 max_prds;
	bool addr64;             /* the HBA takes 64-bit addresses (CAP.S64A) */
};

/*
 * Fill the command header hdr and the command table tbl (whose host-physical
 * address is tbl_hpa) for io: an H2D register FIS with the command bit, LBA
 * mode and 48-bit LBA/count fields (for READ/WRITE FPDMA QUEUED the count
 * goes in the features field and the tag in count bits 7:3), and one PRD
 * per buffer. Checks first and
 * writes nothing on failure: E_INVAL for a misaligned table or buffer, an odd
 * or oversized buffer length, nbufs 0 or above max_prds, a count above
 * 65535 or an LBA that needs more than 48 bits; E_RANGE for an address
 * above 4 GiB when !addr64.
 */
int ahci_cmd_build(struct ahci_cmd_hdr *hdr, struct ahci_cmd_table *tbl, hpa_t tbl_hpa,
		   const struct ahci_io *io) __must_check;

/* Sectors of an IDENTIFY DEVICE answer: the 48-bit count (words 100-103)
 * when 48-bit addressing is supported (word 83 bit 10), else words 60-61;
 * 0 without LBA (word 49 bit 9). */
u64 ahci_id_sectors(const u16 w[256]);

/* Native Command Queuing depth the device offers (words 75-76), 0 if none. */
u32 ahci_id_ncq_depth(const u16 w[256]);

/* Logical sector size in bytes (word 106 bits 14:12, words 117-118). */
u32 ahci_id_sector_size(const u16 w[256]);

/* The model string of words 27-46 (byte-swapped, trailing blanks cut) into
 * out, which holds at least 41 bytes. */
void ahci_id_model(const u16 w[256], char *out);

#endif
