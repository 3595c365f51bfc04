/* Multiboot 1 and 2 parsing into struct boot_info. Everything read from the
 * loader's structure is bounds-checked against the size the structure claims
 * for itself; a bad item gets one warning naming it and is dropped or
 * clipped, and parsing goes on wherever the next item can still be located.
 * Reads go through hpa_to_ptr() and memcpy (fields may be unaligned). */
#include "core/bootinfo.h"
#include "core/acpi_tables.h"
#include "core/log.h"
#include "core/string.h"

#define MB2_TAG_END 0
#define MB2_TAG_HDR 8
#define MB2_TAG_TYPES 19
#define MB1_INFO_SIZE 116                /* through the framebuffer fields */
#define MB1_MMAP_MAX_BYTES (64 * KiB)
#define MMAP_ENTRY_MIN 24                /* u64 base, u64 len, u32 type, u32 rsvd */
#define MB1_MMAP_ENTRY_MIN 20            /* same without the reserved word */
#define EFI_DESC_MIN 40                  /* UEFI 2.10 7.2.3 EFI_MEMORY_DESCRIPTOR */
#define EFI_DESC_MAX 4096
#define EFI_PAGE_SHIFT 12

/* Parse state: the result plus what must be decided after all tags are seen. */
struct bi_ctx {
	struct boot_info *bi;
	size_t mem_dropped;                      /* map entries beyond the array */
	size_t mods_dropped;
	int rsdp_level;                          /* acpi_rsdp_check() of the copy */
	const u8 *mmap_tag, *efi_tag;            /* MB2 map tags, chosen later */
	u32 mmap_size, efi_size;
	bool efi_bs_active;                      /* MB2 tag 18 seen */
};

#define BI_WARN(c, ...)                                                        \
	do {                                                                   \
		pr_warn(__VA_ARGS__);                                          \
		(c)->bi->warnings++;                                           \
	} while (0)

static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* Copy a string of at most srcmax bytes into dst (size dstsize). A missing
 * NUL within srcmax or a string longer than dst is clipped with a warning. */
static void bi_copy_str(struct bi_ctx *c, char *dst, size_t dstsize,
			const char *src, size_t srcmax, const char *what)
{
	size_t len = strnlen(src, srcmax);

	if (len == srcmax && srcmax < dstsize)
		BI_WARN(c, "boot: %s is not NUL-terminated within its %zu bytes; clipped",
			what, srcmax);
	if (len >= dstsize) {
		BI_WARN(c, "boot: %s is longer than %zu bytes; truncated", what, dstsize - 1);
		len = dstsize - 1;
	}
	memcpy(dst, src, len);
	dst[len] = 0;
}

/* Copy a NUL-terminated string at a 32-bit physical address (Multiboot 1). */
static void bi_copy_phys_str(struct bi_ctx *c, char *dst, size_t dstsize,
			     u32 addr, const char *what)
{
	if (!addr) {
		BI_WARN(c, "boot: %s pointer is null; ignored", what);
		return;
	}
	bi_copy_str(c, dst, dstsize, hpa_to_ptr(hpa(addr)), dstsize, what);
}

/* Append a map entry, merging it into the previous one when contiguous and
 * of the same type (EFI maps are fragmented). */
static void bi_add_mem(struct bi_ctx *c, u64 base, u64 len, u32 type, u32 raw)
{
	struct boot_info *bi = c->bi;
	struct bootinfo_mem *prev = bi->nmap ? &bi->map[bi->nmap - 1] : NULL;

	if (len == 0) {
		BI_WARN(c, "boot: memory map entry at 0x%lx has zero length; dropped", base);
		return;
	}
	if (prev && prev->type == type && prev->base + prev->len == base &&
	    prev->len + len > prev->len) {
		prev->len += len;
		return;
	}
	if (bi->nmap == BOOTINFO_MMAP_MAX) {
		c->mem_dropped++;
		return;
	}
	bi->map[bi->nmap++] = (struct bootinfo_mem){ base, len, type, raw };
}

/* Append a module; str (at most strmax bytes, may be NULL) is its string. */
static void bi_add_module(struct bi_ctx *c, u64 start, u64 end,
			  const char *str, size_t strmax)
{
	struct boot_info *bi = c->bi;
	struct bootinfo_module *m;

	if (end < start) {
		BI_WARN(c, "boot: module %zu ends (0x%lx) before it starts (0x%lx); dropped",
			bi->nmodules + c->mods_dropped, end, start);
		return;
	}
	if (bi->nmodules == BOOTINFO_MODS_MAX) {
		c->mods_dropped++;
		return;
	}
	m = &bi->modules[bi->nmodules++];
	m->start = start;
	m->end = end;
	m->string[0] = 0;
	if (str)
		bi_copy_str(c, m->string, sizeof(m->string), str, strmax, "module string");
}

/* Multiboot (1 and 2) map types: 1 available, 3 ACPI, 4 NVS, 5 bad, other
 * values reserved (Multiboot 2 spec 3.6.8). */
static u32 mb_mem_type(u32 t)
{
	switch (t) {
	case 1: return BOOTINFO_MEM_USABLE;
	case 2: return BOOTINFO_MEM_RESERVED;
	case 3: return BOOTINFO_MEM_ACPI_RECLAIM;
	case 4: return BOOTINFO_MEM_ACPI_NVS;
	case 5: return BOOTINFO_MEM_BAD;
	default: return BOOTINFO_MEM_OTHER;
	}
}

/* UEFI 2.10 7.2.3, table "Memory Type Usage after ExitBootServices()":
 * loader code/data, boot-services code/data and conventional memory are free
 * once boot services have exited (GRUB exits them before a Multiboot 2 kernel
 * runs unless the kernel asks otherwise, which tag 18 reports). Runtime
 * services, MMIO, PAL code and persistent memory stay reserved. */
static u32 efi_mem_type(u32 t, bool bs_active)
{
	switch (t) {
	case 1: case 2: case 3: case 4:        /* Loader*, BootServices* */
		return bs_active ? BOOTINFO_MEM_RESERVED : BOOTINFO_MEM_USABLE;
	case 7: return BOOTINFO_MEM_USABLE;     /* EfiConventionalMemory */
	case 8: return BOOTINFO_MEM_BAD;        /* EfiUnusableMemory */
	case 9: return BOOTINFO_MEM_ACPI_RECLAIM;
	case 10: return BOOTINFO_MEM_ACPI_NVS;
	default: return BOOTINFO_MEM_RESERVED;
	}
}

static bool bi_has_usable(const struct boot_info *bi)
{
	for (size_t i = 0; i < bi->nmap; i++)
		if (bi->map[i].type == BOOTINFO_MEM_USABLE)
			return true;
	return false;
}

/* Add the basic sizes as usable [0, lower) and [1 MiB, 1 MiB + upper) to
 * whatever non-usable entries a broken map left (those still win later). */
static void bi_map_from_meminfo(struct bi_ctx *c)
{
	struct boot_info *bi = c->bi;

	bi_add_mem(c, 0, (u64)bi->mem_lower_kib * KiB, BOOTINFO_MEM_USABLE, 1);
	bi_add_mem(c, MiB, (u64)bi->mem_upper_kib * KiB, BOOTINFO_MEM_USABLE, 1);
	bi->map_source = BOOTINFO_MAP_MEMINFO;
	BI_WARN(c, "boot: no memory map from the loader; using mem_lower=%u KiB mem_upper=%u KiB",
		bi->mem_lower_kib, bi->mem_upper_kib);
}

/* ---- Multiboot 2 (spec 2.0, 3.6) ---- */

static void mb2_cmdline(struct bi_ctx *c, const u8 *t, u32 size)
{
	bi_copy_str(c, c->bi->cmdline, sizeof(c->bi->cmdline),
		    (const char *)t + MB2_TAG_HDR, size - MB2_TAG_HDR, "command line");
}

static void mb2_loader_name(struct bi_ctx *c, const u8 *t, u32 size)
{
	bi_copy_str(c, c->bi->loader_name, sizeof(c->bi->loader_name),
		    (const char *)t + MB2_TAG_HDR, size - MB2_TAG_HDR, "boot loader name");
}

static void mb2_module(struct bi_ctx *c, const u8 *t, u32 size)
{
	if (size < 16) {
		BI_WARN(c, "boot: module tag of size %u is too small; dropped", size);
		return;
	}
	bi_add_module(c, rd32(t + 8), rd32(t + 12), (const char *)t + 16, size - 16);
}

static void mb2_meminfo(struct bi_ctx *c, const u8 *t, u32 size)
{
	if (size < 16) {
		BI_WARN(c, "boot: basic meminfo tag of size %u is too small; ignored", size);
		return;
	}
	c->bi->has_meminfo = true;
	c->bi->mem_lower_kib = rd32(t + 8);
	c->bi->mem_upper_kib = rd32(t + 12);
}

static void mb2_note_mmap(struct bi_ctx *c, const u8 *t, u32 size)
{
	if (c->mmap_tag)
		BI_WARN(c, "boot: more than one memory map tag; using the last");
	c->mmap_tag = t;
	c->mmap_size = size;
}

static void mb2_note_efi_mmap(struct bi_ctx *c, const u8 *t, u32 size)
{
	if (c->efi_tag)
		BI_WARN(c, "boot: more than one EFI memory map tag; using the last");
	c->efi_tag = t;
	c->efi_size = size;
}

static void mb2_efi_bs(struct bi_ctx *c, const u8 *t, u32 size)
{
	(void)t;
	(void)size;
	c->efi_bs_active = true;
	BI_WARN(c, "boot: EFI boot services were not exited; their memory stays reserved");
}

static void mb2_fb(struct bi_ctx *c, const u8 *t, u32 size)
{
	struct bootinfo_fb *fb = &c->bi->fb;

	if (size < 30) {
		BI_WARN(c, "boot: framebuffer tag of size %u is too small; ignored", size);
		return;
	}
	*fb = (struct bootinfo_fb){ .present = true, .addr = rd64(t + 8),
		.pitch = rd32(t + 16), .width = rd32(t + 20), .height = rd32(t + 24),
		.bpp = t[28], .type = t[29] };
}

/* Tags 14 (ACPI 1.0 RSDP) and 15 (ACPI 2.0+ RSDP): keep the best valid one. */
static void mb2_rsdp(struct bi_ctx *c, const u8 *t, u32 size)
{
	u32 type = rd32(t);
	int level = acpi_rsdp_check(t + MB2_TAG_HDR, size - MB2_TAG_HDR);
	size_t len = level == 2 ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE;

	if (level == 0) {
		BI_WARN(c, "boot: ACPI RSDP in tag %u is invalid (signature or checksum); ignored",
			type);
		return;
	}
	if (level <= c->rsdp_level)
		return;
	c->rsdp_level = level;
	memcpy(c->bi->rsdp, t + MB2_TAG_HDR, len);
	c->bi->rsdp_len = len;
}

typedef void (*mb2_tag_fn)(struct bi_ctx *c, const u8 *tag, u32 size);

static const mb2_tag_fn mb2_tag_handlers[MB2_TAG_TYPES] = {
	[1] = mb2_cmdline,
	[2] = mb2_loader_name,
	[3] = mb2_module,
	[4] = mb2_meminfo,
	[6] = mb2_note_mmap,
	[8] = mb2_fb,
	[14] = mb2_rsdp,
	[15] = mb2_rsdp,
	[17] = mb2_note_efi_mmap,
	[18] = mb2_efi_bs,
};

/* Tag 6: entry_size, entry_version, then entries. */
static void mb2_parse_mmap(struct bi_ctx *c)
{
	const u8 *t = c->mmap_tag;
	u32 esz = c->mmap_size >= 16 ? rd32(t + 8) : 0;

	if (esz < MMAP_ENTRY_MIN) {
		BI_WARN(c, "boot: memory map tag has entry_size %u (< %u) or is truncated; ignored",
			esz, MMAP_ENTRY_MIN);
		return;
	}
	if (rd32(t + 12) != 0)
		BI_WARN(c, "boot: memory map entry_version %u is not 0; reading it as 0",
			rd32(t + 12));
	if ((c->mmap_size - 16) % esz)
		BI_WARN(c, "boot: memory map tag has %u trailing bytes; ignored",
			(c->mmap_size - 16) % esz);
	/* esz <= size - off, not off + esz <= size: a huge esz must not wrap. */
	for (u32 off = 16; esz <= c->mmap_size - off; off += esz) {
		u32 raw = rd32(t + off + 16);
		bi_add_mem(c, rd64(t + off), rd64(t + off + 8), mb_mem_type(raw), raw);
	}
	c->bi->map_source = BOOTINFO_MAP_MB2;
}

/* Tag 17: descriptor_size, descriptor_version, then EFI_MEMORY_DESCRIPTORs
 * (Type u32, pad, PhysicalStart u64, VirtualStart u64, NumberOfPages u64,
 * Attribute u64), stepped by descriptor_size as UEFI requires. */
static void mb2_parse_efi_mmap(struct bi_ctx *c)
{
	const u8 *t = c->efi_tag;
	u32 dsz = c->efi_size >= 16 ? rd32(t + 8) : 0;

	if (dsz < EFI_DESC_MIN || dsz > EFI_DESC_MAX) {
		BI_WARN(c, "boot: EFI memory map has descriptor_size %u (must be %u..%u); ignored",
			dsz, EFI_DESC_MIN, EFI_DESC_MAX);
		return;
	}
	if ((c->efi_size - 16) % dsz)
		BI_WARN(c, "boot: EFI memory map tag has %u trailing bytes; ignored",
			(c->efi_size - 16) % dsz);
	for (u32 off = 16; dsz <= c->efi_size - off; off += dsz) {
		u32 raw = rd32(t + off);
		u64 base = rd64(t + off + 8), pages = rd64(t + off + 24);

		if (pages > (~0ull >> EFI_PAGE_SHIFT)) {
			BI_WARN(c, "boot: EFI descriptor at 0x%lx has absurd page count 0x%lx; dropped",
				base, pages);
			continue;
		}
		bi_add_mem(c, base, pages << EFI_PAGE_SHIFT, efi_mem_type(raw, c->efi_bs_active), raw);
	}
	c->bi->map_source = BOOTINFO_MAP_EFI;
}

/* Choose the map. GRUB on UEFI passes both tag 17 and tag 6; tag 17 wins:
 * it is the firmware's own map as it stood at ExitBootServices(), while tag 6
 * is GRUB's translation of it into the five Multiboot types. Falling back in
 * order (tag 6, then the basic sizes) keeps a usable machine when a map is
 * malformed or has no usable RAM. */
static void mb2_choose_map(struct bi_ctx *c)
{
	struct boot_info *bi = c->bi;

	if (c->efi_tag) {
		mb2_parse_efi_mmap(c);
		if (bi_has_usable(bi))
			return;
	}
	if (c->mmap_tag) {
		if (c->efi_tag) {
			BI_WARN(c, "boot: EFI memory map has no usable RAM; using the Multiboot map");
			bi->nmap = 0;
			c->mem_dropped = 0;
		}
		mb2_parse_mmap(c);
		if (bi_has_usable(bi))
			return;
	}
	if (bi->has_meminfo)
		bi_map_from_meminfo(c);
	else
		BI_WARN(c, "boot: the loader gave no usable memory map");
}

static int mb2_parse(struct bi_ctx *c, hpa_t info)
{
	const u8 *p = hpa_to_ptr(info);
	u32 total = rd32(p), off = MB2_TAG_HDR, type = 0, size = 0;

	if (total < 16 || total > BOOTINFO_MB2_MAX_SIZE) {
		pr_err("boot: Multiboot2 information total_size %u is absurd (must be 16..%llu)",
		       total, BOOTINFO_MB2_MAX_SIZE);
		return E_INVAL;
	}
	if (!IS_ALIGNED(info.v, 8))
		BI_WARN(c, "boot: Multiboot2 information at 0x%lx is not 8-byte aligned", info.v);
	c->bi->info_start = info;
	c->bi->info_end = hpa(info.v + total);
	for (; off + MB2_TAG_HDR <= total; off += ALIGN_UP(size, 8)) {
		type = rd32(p + off);
		size = rd32(p + off + 4);
		if (size < MB2_TAG_HDR || size > total - off) {
			BI_WARN(c, "boot: Multiboot2 tag type %u at offset %u has size %u (%s); ignoring the rest",
				type, off, size, size < MB2_TAG_HDR ? "below 8" : "past total_size");
			break;
		}
		if (type == MB2_TAG_END)
			break;
		if (type < MB2_TAG_TYPES && mb2_tag_handlers[type])
			mb2_tag_handlers[type](c, p + off, size);
		else
			pr_debug("boot: Multiboot2 tag type %u skipped", type);
	}
	if (type != MB2_TAG_END || off + MB2_TAG_HDR > total)
		BI_WARN(c, "boot: Multiboot2 information has no end tag");
	mb2_choose_map(c);
	return E_OK;
}

/* ---- Multiboot 1 (spec 0.6.96, 3.3) ---- */

#define MB1_FLAG_MEM BIT(0)
#define MB1_FLAG_CMDLINE BIT(2)
#define MB1_FLAG_MODS BIT(3)
#define MB1_FLAG_MMAP BIT(6)
#define MB1_FLAG_LOADER_NAME BIT(9)
#define MB1_FLAG_FB BIT(12)

static void mb1_mods(struct bi_ctx *c, const u8 *p)
{
	u32 count = rd32(p + 20), addr = rd32(p + 24);
	const u8 *m;

	if (count && !addr) {
		BI_WARN(c, "boot: %u modules announced at a null address; ignored", count);
		return;
	}
	m = hpa_to_ptr(hpa(addr));
	for (u32 i = 0; i < count && i < BOOTINFO_MODS_MAX; i++, m += 16) {
		u32 str = rd32(m + 8);
		bi_add_module(c, rd32(m), rd32(m + 4), str ? hpa_to_ptr(hpa(str)) : NULL,
			      BOOTINFO_MOD_STR_MAX);
	}
	if (count > BOOTINFO_MODS_MAX)
		c->mods_dropped += count - BOOTINFO_MODS_MAX;
}

/* Entries: u32 size (not counting itself), u64 base, u64 len, u32 type. */
static void mb1_mmap(struct bi_ctx *c, const u8 *p)
{
	u32 len = rd32(p + 44), addr = rd32(p + 48), off = 0;
	const u8 *m = hpa_to_ptr(hpa(addr));

	if (!addr) {
		BI_WARN(c, "boot: memory map pointer is null; ignored");
		return;
	}
	if (len > MB1_MMAP_MAX_BYTES) {
		BI_WARN(c, "boot: mmap_length %u is absurd; reading only %llu bytes",
			len, MB1_MMAP_MAX_BYTES);
		len = MB1_MMAP_MAX_BYTES;
	}
	while (off + 4 <= len) {
		u32 esz = rd32(m + off);
		if (esz < MB1_MMAP_ENTRY_MIN || esz > len - off - 4) {
			BI_WARN(c, "boot: memory map entry at offset %u has size %u (%s); ignoring the rest",
				off, esz, esz < MB1_MMAP_ENTRY_MIN ? "too small" : "past mmap_length");
			break;
		}
		u32 raw = rd32(m + off + 20);
		bi_add_mem(c, rd64(m + off + 4), rd64(m + off + 12), mb_mem_type(raw), raw);
		off += esz + 4;
	}
	c->bi->map_source = BOOTINFO_MAP_MB1;
}

static void mb1_fb(struct bi_ctx *c, const u8 *p)
{
	c->bi->fb = (struct bootinfo_fb){ .present = true, .addr = rd64(p + 88),
		.pitch = rd32(p + 96), .width = rd32(p + 100), .height = rd32(p + 104),
		.bpp = p[108], .type = p[109] };
}

static int mb1_parse(struct bi_ctx *c, hpa_t info)
{
	struct boot_info *bi = c->bi;
	const u8 *p = hpa_to_ptr(info);
	u32 flags = rd32(p);

	bi->info_start = info;
	bi->info_end = hpa(info.v + MB1_INFO_SIZE);
	if (flags & MB1_FLAG_MEM) {
		bi->has_meminfo = true;
		bi->mem_lower_kib = rd32(p + 4);
		bi->mem_upper_kib = rd32(p + 8);
	}
	if (flags & MB1_FLAG_CMDLINE)
		bi_copy_phys_str(c, bi->cmdline, sizeof(bi->cmdline), rd32(p + 16), "command line");
	if (flags & MB1_FLAG_MODS)
		mb1_mods(c, p);
	if (flags & MB1_FLAG_LOADER_NAME)
		bi_copy_phys_str(c, bi->loader_name, sizeof(bi->loader_name), rd32(p + 64),
				 "boot loader name");
	if (flags & MB1_FLAG_FB)
		mb1_fb(c, p);
	if (flags & MB1_FLAG_MMAP)
		mb1_mmap(c, p);
	if (!bi_has_usable(bi)) {
		if (bi->has_meminfo)
			bi_map_from_meminfo(c);
		else
			BI_WARN(c, "boot: the loader gave no memory map and no memory sizes (flags 0x%x)",
				flags);
	}
	return E_OK;
}

/* See core/bootinfo.h. */
int bootinfo_parse(u32 magic, hpa_t info, struct boot_info *out)
{
	struct bi_ctx c = { .bi = out };
	int rc;

	memset(out, 0, sizeof(*out));
	if (magic != BOOTINFO_MB1_MAGIC && magic != BOOTINFO_MB2_MAGIC) {
		pr_err("boot: unknown loader magic 0x%x (expected Multiboot 0x%x or Multiboot2 0x%x)",
		       magic, BOOTINFO_MB1_MAGIC, BOOTINFO_MB2_MAGIC);
		return E_INVAL;
	}
	if (info.v == 0) {
		pr_err("boot: loader magic 0x%x came with a null information pointer", magic);
		return E_INVAL;
	}
	out->loader = magic == BOOTINFO_MB2_MAGIC ? BOOTINFO_LOADER_MB2 : BOOTINFO_LOADER_MB1;
	rc = out->loader == BOOTINFO_LOADER_MB2 ? mb2_parse(&c, info) : mb1_parse(&c, info);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	if (c.mem_dropped)
		BI_WARN(&c, "boot: memory map has %zu more entries than the %d kept; dropped",
			c.mem_dropped, BOOTINFO_MMAP_MAX);
	if (c.mods_dropped)
		BI_WARN(&c, "boot: %zu modules beyond the first %d dropped",
			c.mods_dropped, BOOTINFO_MODS_MAX);
	return E_OK;
}

/* See core/bootinfo.h. */
const char *bootinfo_mem_type_name(int type)
{
	static const char *const names[] = {
		[BOOTINFO_MEM_USABLE] = "usable",
		[BOOTINFO_MEM_RESERVED] = "reserved",
		[BOOTINFO_MEM_ACPI_RECLAIM] = "ACPI reclaimable",
		[BOOTINFO_MEM_ACPI_NVS] = "ACPI NVS",
		[BOOTINFO_MEM_BAD] = "bad",
		[BOOTINFO_MEM_OTHER] = "other",
	};

	if (type <= 0 || (size_t)type >= ARRAY_SIZE(names))
		return "unknown";
	return names[type];
}

static const char *bootinfo_map_source_name(enum bootinfo_map_source s)
{
	static const char *const names[] = {
		[BOOTINFO_MAP_NONE] = "none", [BOOTINFO_MAP_EFI] = "EFI (mb2 tag 17)",
		[BOOTINFO_MAP_MB2] = "mb2 tag 6", [BOOTINFO_MAP_MB1] = "mb1 mmap",
		[BOOTINFO_MAP_MEMINFO] = "mem_lower/mem_upper",
	};
	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* See core/bootinfo.h. */
void bootinfo_print(const struct boot_info *bi)
{
	pr_info("boot: loader %s \"%s\", info at [0x%lx, 0x%lx)",
		bi->loader == BOOTINFO_LOADER_MB2 ? "Multiboot2" :
		bi->loader == BOOTINFO_LOADER_MB1 ? "Multiboot" : "none",
		bi->loader_name, bi->info_start.v, bi->info_end.v);
	pr_info("boot: command line \"%s\"", bi->cmdline);
	for (size_t i = 0; i < bi->nmodules; i++)
		pr_info("boot: module %zu [0x%lx, 0x%lx) \"%s\"", i, bi->modules[i].start,
			bi->modules[i].end, bi->modules[i].string);
	pr_debug("boot: memory map from %s, %zu entries",
		 bootinfo_map_source_name(bi->map_source), bi->nmap);
	for (size_t i = 0; i < bi->nmap; i++)
		pr_debug("boot:   [0x%016lx, 0x%016lx) %s (type %u)", bi->map[i].base,
			 bi->map[i].base + bi->map[i].len,
			 bootinfo_mem_type_name((int)bi->map[i].type), bi->map[i].raw_type);
	if (bi->rsdp_len)
		pr_debug("boot: ACPI RSDP from the loader (%zu bytes)", bi->rsdp_len);
	if (bi->fb.present)
		pr_debug("boot: framebuffer at 0x%lx %ux%u bpp %u pitch %u type %u", bi->fb.addr,
			 bi->fb.width, bi->fb.height, bi->fb.bpp, bi->fb.pitch, bi->fb.type);
	if (bi->warnings)
		pr_warn("boot: %u problems in the loader information were worked around",
			bi->warnings);
}
