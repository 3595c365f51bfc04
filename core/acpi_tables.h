/* Pure ACPI table helpers: checksums, RSDP validation and scanning, the
 * XSDT/RSDT walk that finds a table by signature, and the FADT's PM timer.
 * Firmware tables are outside input: every length and checksum is checked
 * and a bad table is reported and skipped. References are to ACPI 6.5. */
#ifndef CORE_ACPI_TABLES_H
#define CORE_ACPI_TABLES_H

#include "core/types.h"
#include "core/addr.h"

#define ACPI_RSDP_V1_SIZE 20
#define ACPI_RSDP_V2_SIZE 36
#define ACPI_SDT_HEADER_SIZE 36
#define ACPI_TABLE_MAX_SIZE (16 * MiB)  /* larger lengths are treated as corrupt */

/* Root System Description Pointer (ACPI 6.5 5.2.5.3, Table 5.3). */
struct acpi_rsdp {
	char signature[8];      /* "RSD PTR " */
	u8 checksum;            /* first 20 bytes sum to 0 */
	char oem_id[6];
	u8 revision;            /* 0 = ACPI 1.0 (20 bytes), 2 = ACPI 2.0+ */
	u32 rsdt_address;
	u32 length;             /* revision >= 2: whole structure */
	u64 xsdt_address;
	u8 ext_checksum;        /* all `length` bytes sum to 0 */
	u8 reserved[3];
} __packed;

/* System Description Table header (ACPI 6.5 5.2.6, Table 5.4). */
struct acpi_sdt_header {
	char signature[4];
	u32 length;             /* whole table including this header */
	u8 revision;
	u8 checksum;            /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_SIZE, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == ACPI_SDT_HEADER_SIZE, "SDT header layout");

/* ACPI PM timer as described by the FADT (ACPI 6.5 5.2.9, 4.8.3.3). */
struct acpi_pm_timer {
	u16 port;               /* I/O port of the 3.579545 MHz counter */
	bool ext32;             /* TMR_VAL_EXT: counter is 32 bits, else 24 */
};

#define ACPI_PM_TIMER_HZ 3579545u

/* Return true if the len bytes at p sum to zero modulo 256. */
bool acpi_checksum_ok(const void *p, size_t len);

/* Check an RSDP candidate of which avail bytes are readable. Return 2 if it
 * is a valid ACPI 2.0+ RSDP (XSDT usable), 1 if only the ACPI 1.0 part is
 * valid (RSDT usable; a revision >= 2 RSDP whose extended part is bad is
 * downgraded with a warning), 0 if it is not an RSDP. Silent when the
 * signature does not match, so it can be used for scanning. */
int acpi_rsdp_check(const void *p, size_t avail);

/* Search [start, start+len) on 16-byte boundaries (ACPI 6.5 5.2.5.1) for a
 * valid RSDP; on success store its address in *found and return true. */
bool acpi_rsdp_scan(hpa_t start, u64 len, hpa_t *found);

/* Legacy-BIOS RSDP search of ACPI 6.5 5.2.5.1: the first KiB of the EBDA
 * (segment at 0x40E) and then 0xE0000-0xFFFFF. For when the loader gave no
 * RSDP. Return true and set *found on success. */
bool acpi_rsdp_find_bios(hpa_t *found);

/* Find the first valid table with signature sig (4 chars, e.g. "FACP")
 * through the root table named by the RSDP at rsdp (avail readable bytes):
 * the XSDT when the RSDP is a valid 2.0+ one with a non-zero XSDT address,
 * else the RSDT. Tables with a bad length or checksum are reported and
 * skipped. Return E_OK and set *out, E_NOENT if absent, E_INVAL if the RSDP
 * or root table itself is invalid. */
int acpi_find_table(const void *rsdp, size_t avail, const char *sig, hpa_t *out) __must_check;

/* Read the PM timer from the FADT at fadt (a table acpi_find_table returned):
 * X_PM_TMR_BLK when the FADT is long enough and it is a non-zero I/O-space
 * address, else PM_TMR_BLK. Return E_OK, E_NOENT if the platform has no PM
 * timer, E_NOTSUP if it is memory-mapped, E_INVAL if the FADT is malformed. */
int acpi_fadt_pm_timer(hpa_t fadt, struct acpi_pm_timer *out) __must_check;

#endif
