/* ACPI table helpers (see core/acpi_tables.h). Only reads firmware memory,
 * always through hpa_to_ptr(), and never trusts a length or checksum it has
 * not verified. */
#include "core/acpi_tables.h"
#include "core/log.h"
#include "core/string.h"

#define RSDP_SIG "RSD PTR "
#define BIOS_EBDA_SEG_PTR 0x40e
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000

/* FADT field offsets (ACPI 6.5 5.2.9, Table 5.9) and flags (Table 5.10). */
#define FADT_PM_TMR_BLK 76
#define FADT_PM_TMR_LEN 91
#define FADT_FLAGS 112
#define FADT_X_PM_TMR_BLK 208
#define FADT_FLAG_TMR_VAL_EXT BIT(8)
#define GAS_SIZE 12
#define GAS_SPACE_IO 1          /* Generic Address Structure, 5.2.3.2 */

/* See core/acpi_tables.h. */
bool acpi_checksum_ok(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + b[i]);
	return sum == 0;
}

/* See core/acpi_tables.h. */
int acpi_rsdp_check(const void *p, size_t avail)
{
	struct acpi_rsdp r;

	if (avail < ACPI_RSDP_V1_SIZE || memcmp(p, RSDP_SIG, 8) != 0)
		return 0;
	if (!acpi_checksum_ok(p, ACPI_RSDP_V1_SIZE))
		return 0;
	memset(&r, 0, sizeof(r));
	memcpy(&r, p, MIN(avail, sizeof(r)));
	if (r.revision < 2)
		return 1;
	if (avail < ACPI_RSDP_V2_SIZE || r.length < ACPI_RSDP_V2_SIZE ||
	    r.length > avail) {
		pr_warn("acpi: RSDP revision %u has bad length %u (%zu bytes available); using RSDT only",
			r.revision, r.length, avail);
		return 1;
	}
	if (!acpi_checksum_ok(p, r.length)) {
		pr_warn("acpi: RSDP extended checksum is wrong; using RSDT only");
		return 1;
	}
	return 2;
}

/* See core/acpi_tables.h. */
bool acpi_rsdp_scan(hpa_t start, u64 len, hpa_t *found)
{
	u64 end = start.v + len;

	if (end < start.v)
		return false;
	for (u64 a = ALIGN_UP(start.v, 16); a + ACPI_RSDP_V1_SIZE <= end; a += 16) {
		if (acpi_rsdp_check(hpa_to_ptr(hpa(a)), (size_t)(end - a)) > 0) {
			*found = hpa(a);
			return true;
		}
	}
	return false;
}

/* See core/acpi_tables.h. */
bool acpi_rsdp_find_bios(hpa_t *found)
{
	u16 seg;
	u64 ebda;

	memcpy(&seg, hpa_to_ptr(hpa(BIOS_EBDA_SEG_PTR)), sizeof(seg));
	ebda = (u64)seg << 4;
	if (ebda >= 0x400 && ebda < 0xa0000 && acpi_rsdp_scan(hpa(ebda), KiB, found))
		return true;
	return acpi_rsdp_scan(hpa(BIOS_ROM_START), BIOS_ROM_END - BIOS_ROM_START, found);
}

/* Read and check the header of the table at a: plausible length and valid
 * checksum. Return the length, or 0 (after a warning) if the table is bad. */
static u32 acpi_table_check(hpa_t a, struct acpi_sdt_header *h)
{
	if (a.v == 0) {
		pr_warn("acpi: null table address in root table; skipped");
		return 0;
	}
	memcpy(h, hpa_to_ptr(a), sizeof(*h));
	if (h->length < ACPI_SDT_HEADER_SIZE || h->length > ACPI_TABLE_MAX_SIZE) {
		pr_warn("acpi: table %.4s at 0x%lx has bad length %u; skipped",
			h->signature, a.v, h->length);
		return 0;
	}
	if (!acpi_checksum_ok(hpa_to_ptr(a), h->length)) {
		pr_warn("acpi: table %.4s at 0x%lx has a bad checksum; skipped",
			h->signature, a.v);
		return 0;
	}
	return h->length;
}

/* Search one root table (RSDT: 4-byte entries, XSDT: 8-byte entries).
 * Return E_OK/E_NOENT, or E_INVAL if the root table itself is bad. */
static int acpi_root_search(hpa_t root, const char *root_sig, size_t esz,
			    const char *sig, hpa_t *out)
{
	struct acpi_sdt_header h;
	u32 len = acpi_table_check(root, &h);
	size_t n;

	if (!len)
		return E_INVAL;
	if (memcmp(h.signature, root_sig, 4) != 0) {
		pr_warn("acpi: root table at 0x%lx has signature '%.4s', expected %s",
			root.v, h.signature, root_sig);
		return E_INVAL;
	}
	n = (len - ACPI_SDT_HEADER_SIZE) / esz;
	if ((len - ACPI_SDT_HEADER_SIZE) % esz)
		pr_warn("acpi: %s length %u is not a whole number of entries", root_sig, len);
	for (size_t i = 0; i < n; i++) {
		u64 entry = 0;
		const u8 *ep = (const u8 *)hpa_to_ptr(root) + ACPI_SDT_HEADER_SIZE + i * esz;
		struct acpi_sdt_header t;

		memcpy(&entry, ep, esz);
		if (!acpi_table_check(hpa(entry), &t) || memcmp(t.signature, sig, 4) != 0)
			continue;
		*out = hpa(entry);
		return E_OK;
	}
	return E_NOENT;
}

/* See core/acpi_tables.h. */
int acpi_find_table(const void *rsdp, size_t avail, const char *sig, hpa_t *out)
{
	int level = acpi_rsdp_check(rsdp, avail);
	struct acpi_rsdp r;
	int rc;

	if (level == 0) {
		pr_err("acpi: RSDP is invalid (signature or checksum)");
		return E_INVAL;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, rsdp, level == 2 ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE);
	if (level == 2 && r.xsdt_address) {
		rc = acpi_root_search(hpa(r.xsdt_address), "XSDT", 8, sig, out);
		if (rc != E_INVAL || !r.rsdt_address)
			return rc;
		pr_warn("acpi: XSDT unusable, falling back to the RSDT");
	}
	if (!r.rsdt_address) {
		pr_err("acpi: RSDP has no RSDT address");
		return E_INVAL;
	}
	return acpi_root_search(hpa(r.rsdt_address), "RSDT", 4, sig, out);
}

/* See core/acpi_tables.h. */
int acpi_fadt_pm_timer(hpa_t fadt, struct acpi_pm_timer *out)
{
	struct acpi_sdt_header h;
	const u8 *f = hpa_to_ptr(fadt);
	u32 len = acpi_table_check(fadt, &h), blk = 0, flags = 0;
	u8 tmr_len = 0;
	u64 xaddr = 0;

	if (!len || memcmp(h.signature, "FACP", 4) != 0 || len < FADT_FLAGS + 4) {
		pr_err("acpi: FADT at 0x%lx is invalid or too short (%u bytes)",
		       fadt.v, len);
		return E_INVAL;
	}
	memcpy(&blk, f + FADT_PM_TMR_BLK, 4);
	memcpy(&flags, f + FADT_FLAGS, 4);
	tmr_len = f[FADT_PM_TMR_LEN];
	if (len >= FADT_X_PM_TMR_BLK + GAS_SIZE)
		memcpy(&xaddr, f + FADT_X_PM_TMR_BLK + 4, 8);
	if (xaddr && f[FADT_X_PM_TMR_BLK] != GAS_SPACE_IO) {
		pr_warn("acpi: PM timer is in address space %u, not I/O; not supported",
			f[FADT_X_PM_TMR_BLK]);
		return E_NOTSUP;
	}
	if (!xaddr)
		xaddr = blk;
	if (!xaddr)
		return E_NOENT;
	if (xaddr > 0xffff - 3 || (tmr_len && tmr_len != 4)) {
		pr_warn("acpi: PM timer block 0x%lx (length %u) is invalid; ignored",
			xaddr, tmr_len);
		return E_INVAL;
	}
	out->port = (u16)xaddr;
	out->ext32 = (flags & FADT_FLAG_TMR_VAL_EXT) != 0;
	return E_OK;
}
