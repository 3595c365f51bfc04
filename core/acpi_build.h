/* Builds the guest's minimal ACPI tables (ACPI 6.5): RSDP, XSDT, RSDT,
 * FADT, FACS, MADT and a DSDT holding only \_S0 and \_S5, all laid out in
 * one buffer that the caller copies to a guest-physical address below
 * 4 GiB (the BIOS area 0xE0000-0xFFFFF, where an OS scans for the RSDP).
 * Pure: no guest memory is touched. See docs/acpi.md for every field. */
#ifndef CORE_ACPI_BUILD_H
#define CORE_ACPI_BUILD_H

#include "core/types.h"

#define ACPI_BUILD_OEM_ID "PGVSR "        /* 6 bytes */
#define ACPI_BUILD_OEM_TABLE_ID "PAGEVISR" /* 8 bytes */

/* The platform the tables describe. Ports are I/O ports; the three PM
 * blocks are PM1a_EVT (4 bytes: PM1_STS, PM1_EN), PM1a_CNT (2 bytes) and
 * PM_TMR (4 bytes, 32-bit counter). */
struct acpi_build_cfg {
	u64 lapic_base;        /* local APIC MMIO base (MADT: 32-bit field) */
	u32 ioapic_id;
	u64 ioapic_base;       /* I/O APIC MMIO base (below 4 GiB) */
	u32 gsi_base;          /* first GSI of the I/O APIC */
	u16 pm1a_evt_port, pm1a_cnt_port, pm_tmr_port;
	u8 sci_irq;            /* ISA IRQ of the SCI (level, active high) */
	u16 reset_port;        /* FADT RESET_REG (system I/O, 8 bits) */
	u8 reset_value;
	u8 s5_slp_typ;         /* SLP_TYP written for S5: 1..7 (\_S0 uses 0) */
	u8 rtc_century_index;  /* CMOS index of the century byte, 0 = none */
	u32 cpus;              /* local APICs: IDs 0..cpus-1, 1..254 */
};

/* Where acpi_build put things (guest-physical addresses) and how much of
 * the buffer it used. */
struct acpi_build_out {
	u64 rsdp_gpa;          /* first 16-byte aligned address >= base_gpa */
	size_t used;           /* bytes of buf written, from offset 0 */
	u64 xsdt_gpa, rsdt_gpa, fadt_gpa, facs_gpa, madt_gpa, dsdt_gpa;
};

/* Bytes acpi_build needs for c at base_gpa (alignment included), or 0
 * when c is invalid (same checks as acpi_build). */
size_t acpi_build_size(const struct acpi_build_cfg *c, u64 base_gpa);

/* Lay out every table in buf (size bytes), which the caller copies to
 * guest-physical base_gpa: the RSDP first (16-byte aligned), then the
 * FACS (64-byte aligned), XSDT, RSDT, FADT, MADT and DSDT (8-byte
 * aligned), each with its checksum. Bytes of buf before out->used that
 * no table covers are zeroed. Return E_OK and fill *out; E_RANGE if buf is
 * too small (nothing written); E_INVAL if c is inconsistent (no CPU or
 * more than 254, SLP_TYP outside 1..7, SCI not an ISA IRQ other than 0
 * and 2, a PM port block past 0xFFFF, a missing port, an address the
 * tables cannot hold: everything must lie below 4 GiB). */
int acpi_build(const struct acpi_build_cfg *c, u8 *buf, size_t size,
	       u64 base_gpa, struct acpi_build_out *out) __must_check;

#endif
