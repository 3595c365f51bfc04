/* The guest's ACPI tables (see core/acpi_build.h and docs/acpi.md): the
 * layout is computed and checked first, then every table is written at
 * its offset with explicit little-endian field offsets from the ACPI 6.5
 * tables cited below, and checksummed last. */
#include "core/acpi_build.h"
#include "core/acpi_tables.h"
#include "core/string.h"

#define CREATOR_ID "PGVS"
#define CREATOR_REV 1
#define OEM_REV 1

/* Table sizes. FADT revision 6 (ACPI 6.5 5.2.9, Table 5.9) is 276 bytes;
 * the FACS (5.2.10, Table 5.14) is 64. */
#define FADT_REV 6
#define FADT_MINOR 5
#define FADT_SIZE 276
#define FACS_SIZE 64
#define FACS_VERSION 2
#define MADT_REV 5
#define DSDT_REV 2                 /* 64-bit AML integers */

/* FADT field offsets (ACPI 6.5 Table 5.9). */
enum {
	FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_PM_PROFILE = 45,
	FADT_SCI_INT = 46, FADT_SMI_CMD = 48, FADT_PM1A_EVT_BLK = 56,
	FADT_PM1A_CNT_BLK = 64, FADT_PM_TMR_BLK = 76, FADT_PM1_EVT_LEN = 88,
	FADT_PM1_CNT_LEN = 89, FADT_PM_TMR_LEN = 91, FADT_CENTURY = 108,
	FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128, FADT_MINOR_VERSION = 131,
	FADT_X_FIRMWARE_CTRL = 132, FADT_X_DSDT = 140,
	FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1A_CNT_BLK = 172,
	FADT_X_PM_TMR_BLK = 208,
};

/* FADT fixed feature flags (Table 5.10) and IA-PC boot architecture
 * flags (Table 5.11). */
#define FADT_F_WBINVD        BIT(0)
#define FADT_F_PROC_C1       BIT(2)
#define FADT_F_SLP_BUTTON    BIT(5)   /* set: no fixed-feature sleep button */
#define FADT_F_FIX_RTC       BIT(6)   /* set: no RTC_STS wake in PM1 */
#define FADT_F_TMR_VAL_EXT   BIT(8)
#define FADT_F_RESET_REG_SUP BIT(10)
#define BOOT_LEGACY_DEVICES  BIT(0)
#define BOOT_VGA_NOT_PRESENT BIT(2)
#define BOOT_MSI_NOT_SUPP    BIT(3)

/* Generic Address Structure (5.2.3.2, Table 5.1). */
#define GAS_SIZE 12
#define GAS_SPACE_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2
#define GAS_ACCESS_DWORD 3

#define PM1_EVT_LEN 4
#define PM1_CNT_LEN 2
#define PM_TMR_LEN 4

/* MADT (5.2.12, Table 5.19) and its entries (Tables 5.21, 5.24, 5.25,
 * 5.26, 5.30). MPS INTI flags: polarity bits 1:0 (1 high, 3 low),
 * trigger bits 3:2 (1 edge, 3 level); 0 conforms to the bus (ISA: edge,
 * active high). */
#define MADT_PCAT_COMPAT     BIT(0)
#define MADT_LAPIC           0
#define MADT_IOAPIC          1
#define MADT_ISO             2
#define MADT_LAPIC_NMI       4
#define MADT_LAPIC_LEN       8
#define MADT_IOAPIC_LEN      12
#define MADT_ISO_LEN         10
#define MADT_LAPIC_NMI_LEN   6
#define MADT_LAPIC_ENABLED   1
#define INTI_CONFORMS        0x0000
#define INTI_LEVEL_HIGH      0x000d
#define MADT_ALL_CPUS        0xff
#define MADT_MAX_CPUS        254
#define ISA_IRQ_PIT          0
#define ISA_IRQ_CASCADE      2
#define GSI_PIT              2

/* DSDT AML (ACPI 6.5 20.2): Name(\_Sx, Package(4){a, b, 0, 0}). */
#define AML_NAME_OP          0x08
#define AML_ROOT_CHAR        0x5c
#define AML_PACKAGE_OP       0x12
#define AML_BYTE_PREFIX      0x0a
#define AML_ZERO_OP          0x00
#define AML_SX_PKG_LEN       8     /* PkgLength byte .. last element */
#define AML_SX_SIZE          (1 + 1 + 4 + 1 + AML_SX_PKG_LEN)
#define DSDT_SIZE            (ACPI_SDT_HEADER_SIZE + 2 * AML_SX_SIZE)

/* Offsets of each table in the buffer. */
struct acpi_layout {
	u64 rsdp, facs, xsdt, rsdt, fadt, madt, dsdt, end;
	u32 madt_len;
};

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

/* Offset from base at which the next object of alignment a may start. */
static u64 layout_align(u64 base, u64 off, u64 a)
{
	return ALIGN_UP(base + off, a) - base;
}

static u32 madt_length(const struct acpi_build_cfg *c)
{
	return ACPI_SDT_HEADER_SIZE + 8 + c->cpus * MADT_LAPIC_LEN +
	       MADT_IOAPIC_LEN + 2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

static bool port_block_ok(u16 port, u32 len)
{
	return port != 0 && (u32)port + len <= 0x10000;
}

/* The checks acpi_build documents as E_INVAL (except addresses). */
static bool cfg_ok(const struct acpi_build_cfg *c)
{
	return c->cpus >= 1 && c->cpus <= MADT_MAX_CPUS &&
	       c->s5_slp_typ >= 1 && c->s5_slp_typ <= 7 &&
	       c->sci_irq < 16 && c->sci_irq != ISA_IRQ_PIT &&
	       c->sci_irq != ISA_IRQ_CASCADE &&
	       port_block_ok(c->pm1a_evt_port, PM1_EVT_LEN) &&
	       port_block_ok(c->pm1a_cnt_port, PM1_CNT_LEN) &&
	       port_block_ok(c->pm_tmr_port, PM_TMR_LEN) &&
	       c->lapic_base && c->lapic_base < 4 * GiB &&
	       c->ioapic_base && c->ioapic_base < 4 * GiB &&
	       c->ioapic_id <= 0xff;
}

/* Compute the layout; false if c is invalid or it does not fit below
 * 4 GiB (RSDT and FACS pointers are 32-bit). */
static bool layout_compute(const struct acpi_build_cfg *c, u64 base,
			   struct acpi_layout *l)
{
	if (!cfg_ok(c) || base >= 4 * GiB)
		return false;
	l->madt_len = madt_length(c);
	l->rsdp = layout_align(base, 0, 16);
	l->facs = layout_align(base, l->rsdp + ACPI_RSDP_V2_SIZE, 64);
	l->xsdt = layout_align(base, l->facs + FACS_SIZE, 8);
	l->rsdt = layout_align(base, l->xsdt + ACPI_SDT_HEADER_SIZE + 2 * 8, 8);
	l->fadt = layout_align(base, l->rsdt + ACPI_SDT_HEADER_SIZE + 2 * 4, 8);
	l->madt = layout_align(base, l->fadt + FADT_SIZE, 8);
	l->dsdt = layout_align(base, l->madt + l->madt_len, 8);
	l->end = l->dsdt + DSDT_SIZE;
	return base + l->end <= 4 * GiB;
}

/* Set the byte at sum so that the len bytes at p add up to 0. */
static void checksum_fix(u8 *p, size_t len, u8 *sum)
{
	u8 s = 0;

	*sum = 0;
	for (size_t i = 0; i < len; i++)
		s = (u8)(s + p[i]);
	*sum = (u8)(0 - s);
}

/* Write a system description table header (5.2.6); the checksum is
 * fixed by table_finish once the body is written. */
static void table_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	struct acpi_sdt_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.signature, sig, 4);
	h.length = len;
	h.revision = rev;
	memcpy(h.oem_id, ACPI_BUILD_OEM_ID, 6);
	memcpy(h.oem_table_id, ACPI_BUILD_OEM_TABLE_ID, 8);
	h.oem_revision = OEM_REV;
	memcpy(&h.creator_id, CREATOR_ID, 4);
	h.creator_revision = CREATOR_REV;
	memcpy(t, &h, sizeof(h));
}

static void table_finish(u8 *t)
{
	u32 len;

	memcpy(&len, t + 4, 4);
	checksum_fix(t, len, &((struct acpi_sdt_header *)t)->checksum);
}

/* RSDP revision 2 (5.2.5.3) naming both root tables. */
static void build_rsdp(u8 *p, u64 rsdt, u64 xsdt)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, ACPI_BUILD_OEM_ID, 6);
	r.revision = 2;
	r.rsdt_address = (u32)rsdt;
	r.length = ACPI_RSDP_V2_SIZE;
	r.xsdt_address = xsdt;
	checksum_fix((u8 *)&r, ACPI_RSDP_V1_SIZE, &r.checksum);
	checksum_fix((u8 *)&r, ACPI_RSDP_V2_SIZE, &r.ext_checksum);
	memcpy(p, &r, sizeof(r));
}

/* FACS (5.2.10): no checksum; the global lock and waking vectors are 0. */
static void build_facs(u8 *p)
{
	memcpy(p, "FACS", 4);
	put32(p + 4, FACS_SIZE);
	p[32] = FACS_VERSION;
}

/* XSDT (8-byte entries) or RSDT (4-byte entries) listing FADT and MADT. */
static void build_root(u8 *t, const char *sig, size_t esz, u64 fadt, u64 madt)
{
	table_header(t, sig, (u32)(ACPI_SDT_HEADER_SIZE + 2 * esz), 1);
	memcpy(t + ACPI_SDT_HEADER_SIZE, &fadt, esz);
	memcpy(t + ACPI_SDT_HEADER_SIZE + esz, &madt, esz);
	table_finish(t);
}

/* A system I/O Generic Address Structure. */
static void gas_io(u8 *p, u8 bit_width, u8 access, u16 port)
{
	p[0] = GAS_SPACE_IO;
	p[1] = bit_width;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

/* The PM blocks, 32-bit and X_ forms. */
static void fadt_pm_blocks(u8 *t, const struct acpi_build_cfg *c)
{
	put32(t + FADT_PM1A_EVT_BLK, c->pm1a_evt_port);
	put32(t + FADT_PM1A_CNT_BLK, c->pm1a_cnt_port);
	put32(t + FADT_PM_TMR_BLK, c->pm_tmr_port);
	t[FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = PM_TMR_LEN;
	gas_io(t + FADT_X_PM1A_EVT_BLK, PM1_EVT_LEN * 8, GAS_ACCESS_WORD, c->pm1a_evt_port);
	gas_io(t + FADT_X_PM1A_CNT_BLK, PM1_CNT_LEN * 8, GAS_ACCESS_WORD, c->pm1a_cnt_port);
	gas_io(t + FADT_X_PM_TMR_BLK, PM_TMR_LEN * 8, GAS_ACCESS_DWORD, c->pm_tmr_port);
}

/* FADT revision 6 (5.2.9). SMI_CMD is 0: the platform is always in ACPI
 * mode. X_FIRMWARE_CTRL stays 0 because FIRMWARE_CTRL is set (Table 5.9
 * wants at most one of them); X_DSDT repeats DSDT. */
static void build_fadt(u8 *t, const struct acpi_build_cfg *c, u64 facs, u64 dsdt)
{
	table_header(t, "FACP", FADT_SIZE, FADT_REV);
	put32(t + FADT_FIRMWARE_CTRL, (u32)facs);
	put32(t + FADT_DSDT, (u32)dsdt);
	t[FADT_PM_PROFILE] = 0;
	put16(t + FADT_SCI_INT, c->sci_irq);
	put32(t + FADT_SMI_CMD, 0);
	fadt_pm_blocks(t, c);
	t[FADT_CENTURY] = c->rtc_century_index;
	put16(t + FADT_IAPC_BOOT_ARCH,
	      BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPP);
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
	      FADT_F_FIX_RTC | FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP);
	gas_io(t + FADT_RESET_REG, 8, GAS_ACCESS_BYTE, c->reset_port);
	t[FADT_RESET_VALUE] = c->reset_value;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	put64(t + FADT_X_FIRMWARE_CTRL, 0);
	put64(t + FADT_X_DSDT, dsdt);
	table_finish(t);
}

/* Interrupt source override (Table 5.26): ISA IRQ irq is GSI gsi. */
static u8 *madt_iso(u8 *p, u8 irq, u32 gsi, u16 flags)
{
	p[0] = MADT_ISO;
	p[1] = MADT_ISO_LEN;
	p[2] = 0;                       /* bus: ISA */
	p[3] = irq;
	put32(p + 4, gsi);
	put16(p + 8, flags);
	return p + MADT_ISO_LEN;
}

/* Processor local APIC entries (Table 5.24), UID = APIC ID = index. */
static u8 *madt_cpus(u8 *p, u32 cpus)
{
	for (u32 i = 0; i < cpus; i++, p += MADT_LAPIC_LEN) {
		p[0] = MADT_LAPIC;
		p[1] = MADT_LAPIC_LEN;
		p[2] = (u8)i;
		p[3] = (u8)i;
		put32(p + 4, MADT_LAPIC_ENABLED);
	}
	return p;
}

/* MADT: the CPUs, the I/O APIC, IRQ 0 on GSI 2, the SCI as level/high
 * (our SCI line is raised high while asserted), LINT1 as NMI on all. */
static void build_madt(u8 *t, const struct acpi_build_cfg *c, u32 len)
{
	u8 *p = t + ACPI_SDT_HEADER_SIZE;

	table_header(t, "APIC", len, MADT_REV);
	put32(p, (u32)c->lapic_base);
	put32(p + 4, MADT_PCAT_COMPAT);
	p = madt_cpus(p + 8, c->cpus);
	p[0] = MADT_IOAPIC;
	p[1] = MADT_IOAPIC_LEN;
	p[2] = (u8)c->ioapic_id;
	p[3] = 0;
	put32(p + 4, (u32)c->ioapic_base);
	put32(p + 8, c->gsi_base);
	p = madt_iso(p + MADT_IOAPIC_LEN, ISA_IRQ_PIT, c->gsi_base + GSI_PIT, INTI_CONFORMS);
	p = madt_iso(p, c->sci_irq, c->gsi_base + c->sci_irq, INTI_LEVEL_HIGH);
	p[0] = MADT_LAPIC_NMI;
	p[1] = MADT_LAPIC_NMI_LEN;
	p[2] = MADT_ALL_CPUS;
	put16(p + 3, INTI_CONFORMS);
	p[5] = 1;                       /* LINT1 */
	table_finish(t);
}

/* Name (\_Sx, Package (0x04) { typ, typ, Zero, Zero }): NameOp, root
 * prefix and NameSeg, PackageOp, one-byte PkgLength (bits 7:6 = 0, it
 * counts itself), NumElements, two ByteConsts and two ZeroOps. */
static u8 *aml_sleep_state(u8 *p, char digit, u8 typ)
{
	const u8 aml[AML_SX_SIZE] = {
		AML_NAME_OP, AML_ROOT_CHAR, '_', 'S', (u8)digit, '_',
		AML_PACKAGE_OP, AML_SX_PKG_LEN, 4,
		AML_BYTE_PREFIX, typ, AML_BYTE_PREFIX, typ, AML_ZERO_OP, AML_ZERO_OP,
	};

	memcpy(p, aml, sizeof(aml));
	return p + sizeof(aml);
}

static void build_dsdt(u8 *t, u8 s5_typ)
{
	u8 *p = t + ACPI_SDT_HEADER_SIZE;

	table_header(t, "DSDT", DSDT_SIZE, DSDT_REV);
	p = aml_sleep_state(p, '0', 0);
	aml_sleep_state(p, '5', s5_typ);
	table_finish(t);
}

/* See core/acpi_build.h. */
size_t acpi_build_size(const struct acpi_build_cfg *c, u64 base_gpa)
{
	struct acpi_layout l;

	return layout_compute(c, base_gpa, &l) ? (size_t)l.end : 0;
}

/* See core/acpi_build.h. */
int acpi_build(const struct acpi_build_cfg *c, u8 *buf, size_t size,
	       u64 base_gpa, struct acpi_build_out *out)
{
	struct acpi_layout l;

	if (!layout_compute(c, base_gpa, &l))
		return E_INVAL;
	if (size < l.end)
		return E_RANGE;
	memset(buf, 0, l.end);
	build_rsdp(buf + l.rsdp, base_gpa + l.rsdt, base_gpa + l.xsdt);
	build_facs(buf + l.facs);
	build_root(buf + l.xsdt, "XSDT", 8, base_gpa + l.fadt, base_gpa + l.madt);
	build_root(buf + l.rsdt, "RSDT", 4, base_gpa + l.fadt, base_gpa + l.madt);
	build_fadt(buf + l.fadt, c, base_gpa + l.facs, base_gpa + l.dsdt);
	build_madt(buf + l.madt, c, l.madt_len);
	build_dsdt(buf + l.dsdt, c->s5_slp_typ);
	*out = (struct acpi_build_out){
		.rsdp_gpa = base_gpa + l.rsdp, .used = l.end,
		.xsdt_gpa = base_gpa + l.xsdt, .rsdt_gpa = base_gpa + l.rsdt,
		.fadt_gpa = base_gpa + l.fadt, .facs_gpa = base_gpa + l.facs,
		.madt_gpa = base_gpa + l.madt, .dsdt_gpa = base_gpa + l.dsdt,
	};
	return E_OK;
}
