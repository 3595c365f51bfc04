/* AHCI command construction and IDENTIFY parsing: pure functions over memory
 * the caller hands in (the driver's DMA pages, or a buffer in the host unit
 * tests). Register access and timing live in drivers/ahci.c. */
#include "drivers/ahci_cmd.h"
#include "core/string.h"

/* True when every buffer address and the length suit a PRD (AHCI 4.2.3:
 * DBA bit 0 and the byte count must be even) and the HBA can reach them. */
static int check_bufs(const struct ahci_io *io)
{
	if (!io->nbufs || io->nbufs > io->max_prds || !io->bufs)
		return E_INVAL;
	if (io->buf_bytes < 2 || (io->buf_bytes & 1) || io->buf_bytes > AHCI_PRD_MAX_BYTES)
		return E_INVAL;
	for (u32 i = 0; i < io->nbufs; i++) {
		if (io->bufs[i].v & 1)
			return E_INVAL;
		if (!io->addr64 && io->bufs[i].v + io->buf_bytes > (1ull << 32))
			return E_RANGE;
	}
	return E_OK;
}

static bool is_fpdma(u8 command)
{
	return command == ATA_CMD_READ_FPDMA || command == ATA_CMD_WRITE_FPDMA;
}

/* The 20-byte H2D register FIS (SATA 3.x 10.5.5) for a 48-bit command; the
 * FPDMA commands carry the count in FEATURE and the tag in COUNT 7:3
 * (ACS-3 7.20.3). */
static void build_fis(u8 *f, const struct ahci_io *io)
{
	memset(f, 0, 64);
	f[0] = FIS_TYPE_REG_H2D;
	f[1] = 0x80;                       /* C: this FIS updates the command register */
	f[2] = io->command;
	f[4] = (u8)io->lba;
	f[5] = (u8)(io->lba >> 8);
	f[6] = (u8)(io->lba >> 16);
	f[7] = 0x40;                       /* device: LBA mode */
	f[8] = (u8)(io->lba >> 24);
	f[9] = (u8)(io->lba >> 32);
	f[10] = (u8)(io->lba >> 40);
	if (is_fpdma(io->command)) {
		f[3] = (u8)io->count;
		f[11] = (u8)(io->count >> 8);
		f[12] = (u8)(io->tag << 3);
	} else {
		f[12] = (u8)io->count;
		f[13] = (u8)(io->count >> 8);
	}
}

int ahci_cmd_build(struct ahci_cmd_hdr *hdr, struct ahci_cmd_table *tbl, hpa_t tbl_hpa,
		   const struct ahci_io *io)
{
	int rc = check_bufs(io);

	if (rc != E_OK)
		return rc;
	if ((tbl_hpa.v & (AHCI_CMD_TABLE_ALIGN - 1)) || io->count > 0xffff || io->lba >> 48 ||
	    io->tag > 31)
		return E_INVAL;
	if (!io->addr64 && tbl_hpa.v + AHCI_CMD_TABLE_BYTES(io->nbufs) > (1ull << 32))
		return E_RANGE;
	build_fis(tbl->cfis, io);
	memset(tbl->acmd, 0, sizeof(tbl->acmd) + sizeof(tbl->rsvd));
	for (u32 i = 0; i < io->nbufs; i++)
		tbl->prdt[i] = (struct ahci_prd){ .dba = (u32)io->bufs[i].v,
						  .dbau = (u32)(io->bufs[i].v >> 32),
						  .dbc = io->buf_bytes - 1 };
	*hdr = (struct ahci_cmd_hdr){
		.flags = AHCI_HDR_CFL(5) | (io->write ? AHCI_HDR_WRITE : 0) | AHCI_HDR_PRDTL(io->nbufs),
		.ctba = (u32)tbl_hpa.v, .ctbau = (u32)(tbl_hpa.v >> 32) };
	return E_OK;
}

u64 ahci_id_sectors(const u16 w[256])
{
	if (!(w[49] & BIT(9)))
		return 0;
	if (w[83] & BIT(10))
		return (u64)w[100] | (u64)w[101] << 16 | (u64)w[102] << 32 | (u64)w[103] << 48;
	return (u64)w[60] | (u64)w[61] << 16;
}

u32 ahci_id_ncq_depth(const u16 w[256])
{
	if (w[76] == 0 || w[76] == 0xffff || !(w[76] & BIT(8)))
		return 0;
	return (w[75] & 0x1f) + 1u;
}

u32 ahci_id_sector_size(const u16 w[256])
{
	if ((w[106] & 0xc000) == 0x4000 && (w[106] & BIT(12)))
		return 2 * ((u32)w[117] | (u32)w[118] << 16);
	return 512;
}

void ahci_id_model(const u16 w[256], char *out)
{
	int n = 0;

	for (int i = 27; i <= 46; i++) {
		out[n++] = (char)(w[i] >> 8);
		out[n++] = (char)w[i];
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == 0))
		n--;
	out[n] = 0;
}
