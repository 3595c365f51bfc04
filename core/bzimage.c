/* Linux bzImage loader (see core/bzimage.h): parse and check the setup
 * header, plan where the kernel, initrd, command line and zero page go,
 * build the e820 map from the guest's slots, and only then write. Facts
 * from the kernel's Documentation/arch/x86/boot.rst (setup header fields,
 * 32-bit boot protocol) and zero-page.rst (boot_params layout). */
#include "core/bzimage.h"
#include "core/log.h"
#include "core/string.h"

#define BZ_4G (1ull << 32)
#define BZ_SECTOR 512u
#define BZ_HDR_NEED_206 0x23c           /* through cmdline_size */
#define BZ_HDR_NEED_210 0x264           /* through init_size */
#define BZ_OLD_INIT_FACTOR 4            /* init_size estimate before 2.10 */
#define BZ_PLAN_E820 (2 * (GMEM_MAX_SLOTS + BZ_E820_EXTRA_MAX))

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* Record why the image is refused in info->why; return E_INVAL. */
static int __attribute__((format(printf, 2, 3))) bz_refuse(struct bzimage_info *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(in->why, sizeof(in->why), fmt, ap);
	va_end(ap);
	return E_INVAL;
}

static bool is_pow2(u64 v) { return v && !(v & (v - 1)); }

/* Boot flag, "HdrS", protocol version and header length. */
static int bz_parse_signature(const u8 *p, u64 size, struct bzimage_info *in)
{
	u64 need;

	if (size < BZ_HEADER + 6)
		return bz_refuse(in, "file of %lu bytes is too short for a Linux setup header", size);
	if (rd16(p + BZ_BOOT_FLAG) != BZ_BOOT_FLAG_MAGIC)
		return bz_refuse(in, "no boot flag 0xaa55 at 0x1fe (found 0x%x): not a Linux kernel image",
				 rd16(p + BZ_BOOT_FLAG));
	if (rd32(p + BZ_HEADER) != BZ_HDRS_MAGIC)
		return bz_refuse(in, "no \"HdrS\" signature at 0x202: not a bzImage (pre-2.00 kernel?)");
	in->version = rd16(p + BZ_VERSION);
	if (in->version < BZ_VERSION_MIN || in->version >= 0x0300)
		return bz_refuse(in, "boot protocol %u.%02u not supported (pagevisor needs 2.06 or later 2.x: Linux 2.6.22+)",
				 in->version >> 8, in->version & 0xff);
	in->hdr_end = BZ_HEADER + (u64)p[BZ_JUMP + 1];
	need = in->version >= BZ_VERSION_PREF ? BZ_HDR_NEED_210 : BZ_HDR_NEED_206;
	if (in->hdr_end < need || in->hdr_end > BZ_HDR_MAX_END || in->hdr_end > size)
		return bz_refuse(in, "setup header ends at 0x%lx (byte at 0x201): protocol %u.%02u needs 0x%lx..0x%x within the file",
				 in->hdr_end, in->version >> 8, in->version & 0xff, need, BZ_HDR_MAX_END);
	return 0;
}

/* Setup sectors, LOADED_HIGH and the protected-mode payload: everything
 * after the setup code, as GRUB loads it (trailing bytes such as an
 * appended signature included); syssize (16-byte units, possibly rounded
 * either way) must not claim more than the file holds. */
static int bz_parse_layout(const u8 *p, u64 size, struct bzimage_info *in)
{
	u8 sects = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
	u64 sys = (u64)rd32(p + BZ_SYSSIZE) * 16;

	in->setup_size = ((u64)sects + 1) * BZ_SECTOR;
	if (in->setup_size > size)
		return bz_refuse(in, "setup code (%u sectors) extends beyond the end of the %lu-byte file",
				 sects, size);
	in->loadflags = p[BZ_LOADFLAGS];
	if (!(in->loadflags & BZ_LOADED_HIGH))
		return bz_refuse(in, "zImage (loadflags LOADED_HIGH clear): only bzImages are supported");
	in->payload_off = in->setup_size;
	in->payload_size = size - in->setup_size;
	if (sys == 0 || in->payload_size == 0)
		return bz_refuse(in, "empty protected-mode kernel (syssize %lu, %lu bytes after the setup code)",
				 sys, in->payload_size);
	if (sys > in->payload_size + 15)
		return bz_refuse(in, "protected-mode kernel truncated: syssize says %lu bytes, the file has %lu after the setup code",
				 sys, in->payload_size);
	if (in->version >= 0x0208) {
		u64 off = rd32(p + BZ_PAYLOAD_OFFSET), len = rd32(p + BZ_PAYLOAD_LENGTH);
		if (off > in->payload_size || len > in->payload_size - off)
			return bz_refuse(in, "payload_offset/length [0x%lx, +0x%lx) outside the %lu-byte protected-mode kernel",
					 off, len, in->payload_size);
	}
	return 0;
}

/* Relocation, alignment, preferred address and init_size. */
static int bz_parse_placement(const u8 *p, struct bzimage_info *in)
{
	bool v210 = in->version >= BZ_VERSION_PREF;

	in->relocatable = p[BZ_RELOCATABLE] != 0;
	in->kernel_alignment = rd32(p + BZ_KERNEL_ALIGNMENT);
	if (in->relocatable && (!is_pow2(in->kernel_alignment) ||
				in->kernel_alignment < PAGE_SIZE || in->kernel_alignment > GiB))
		return bz_refuse(in, "relocatable kernel with kernel_alignment 0x%x (want a power of two, 4 KiB..1 GiB)",
				 in->kernel_alignment);
	in->min_alignment = v210 ? p[BZ_MIN_ALIGNMENT] : 0;
	if (in->min_alignment > 30)
		return bz_refuse(in, "min_alignment 2^%u is beyond 1 GiB", in->min_alignment);
	in->pref_address = v210 ? rd64(p + BZ_PREF_ADDRESS) : BZ_HIGH_LOAD;
	in->init_size = v210 ? rd32(p + BZ_INIT_SIZE) : in->payload_size * BZ_OLD_INIT_FACTOR;
	if (in->init_size < in->payload_size)
		return bz_refuse(in, "init_size 0x%lx is smaller than the %lu-byte protected-mode kernel",
				 in->init_size, in->payload_size);
	if (in->pref_address >= BZ_4G || in->init_size > BZ_4G - in->pref_address)
		return bz_refuse(in, "pref_address 0x%lx + init_size 0x%lx reaches beyond 4 GiB",
				 in->pref_address, in->init_size);
	return 0;
}

/* See core/bzimage.h. */
int bzimage_parse(const u8 *image, u64 size, struct bzimage_info *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = bz_parse_signature(image, size, out);
	if (rc == 0)
		rc = bz_parse_layout(image, size, out);
	if (rc == 0)
		rc = bz_parse_placement(image, out);
	if (rc < 0)
		return rc;
	out->initrd_addr_max = rd32(image + BZ_INITRD_ADDR_MAX);
	out->cmdline_size = rd32(image + BZ_CMDLINE_SIZE);
	out->xloadflags = out->version >= 0x020c ? rd16(image + BZ_XLOADFLAGS) : 0;
	return 0;
}

/* The e820 type of guest-physical a: the last extra range holding it, else
 * its slot's kind; 0 when neither describes it. */
static u32 bz_type_at(const struct gmem *g, const struct e820_extra *ex, u64 a)
{
	const struct gmem_slot *s = gmem_slot_find(g, gpa(a));
	u32 t = 0;

	if (s && s->kind == GMEM_RAM)
		t = E820_RAM;
	else if (s && (s->kind == GMEM_ROM || s->kind == GMEM_HOLE))
		t = E820_RESERVED;
	for (size_t i = 0; ex && i < ex->n; i++)
		if (a >= ex->ranges[i].addr && a - ex->ranges[i].addr < ex->ranges[i].size)
			t = ex->ranges[i].type;
	return t;
}

/* Add the boundary v to the sorted, duplicate-free pts[0..*n). */
static void bz_add_point(u64 *pts, size_t *n, u64 v)
{
	size_t i = *n;

	for (size_t k = 0; k < *n; k++)
		if (pts[k] == v)
			return;
	for (; i > 0 && pts[i - 1] > v; i--)
		pts[i] = pts[i - 1];
	pts[i] = v;
	(*n)++;
}

/* Every slot and extra range boundary, sorted; E_INVAL for a bad extra. */
static int bz_e820_points(const struct gmem *g, const struct e820_extra *ex, u64 *pts, size_t *n)
{
	*n = 0;
	if (ex && ex->n > BZ_E820_EXTRA_MAX)
		return E_INVAL;
	for (size_t i = 0; i < g->nslots && i < GMEM_MAX_SLOTS; i++) {
		const struct gmem_slot *s = &g->slots[i];
		if (s->kind == GMEM_NONE || s->size == 0)
			continue;
		bz_add_point(pts, n, s->base.v);
		bz_add_point(pts, n, s->base.v + s->size);
	}
	for (size_t i = 0; ex && i < ex->n; i++) {
		const struct e820_entry *r = &ex->ranges[i];
		if (r->size > ~0ull - r->addr || r->type == 0)
			return E_INVAL;
		if (r->size == 0)
			continue;
		bz_add_point(pts, n, r->addr);
		bz_add_point(pts, n, r->addr + r->size);
	}
	return 0;
}

/* See core/bzimage.h. */
int bzimage_e820(const struct gmem *g, const struct e820_extra *extras,
		 struct e820_entry *entries, size_t max)
{
	u64 pts[BZ_PLAN_E820];
	size_t np, n = 0;
	int rc = bz_e820_points(g, extras, pts, &np);

	if (rc < 0)
		return rc;
	for (size_t k = 0; k + 1 < np; k++) {
		u64 lo = pts[k], hi = pts[k + 1];
		u32 t = bz_type_at(g, extras, lo);
		if (t == 0)
			continue;
		if (n && entries[n - 1].type == t && entries[n - 1].addr + entries[n - 1].size == lo) {
			entries[n - 1].size += hi - lo;
			continue;
		}
		if (n == max)
			return E_RANGE;
		entries[n++] = (struct e820_entry){ .addr = lo, .size = hi - lo, .type = t };
	}
	return (int)n;
}

/* Everything bzimage_load() decided before writing. */
struct bz_plan {
	struct bzimage_info info;
	const struct e820_extra *ex;
	u64 load, reserve_end;
	u32 kernel_alignment;             /* lowered to min_alignment if used */
	u64 initrd, initrd_size;
	u64 cmdline_len;                  /* bytes copied, NUL excluded */
	size_t n820;
	struct e820_entry e820[BZ_PLAN_E820];
};

/* True if [a, a+len) lies in one RAM slot below 4 GiB and in no extra range. */
static bool bz_usable(const struct gmem *g, const struct e820_extra *ex, u64 a, u64 len)
{
	const struct gmem_slot *s = gmem_slot_find(g, gpa(a));

	if (!s || s->kind != GMEM_RAM || len > s->base.v + s->size - a)
		return false;
	if (a >= BZ_4G || len > BZ_4G - a)
		return false;
	for (size_t i = 0; ex && i < ex->n; i++) {
		const struct e820_entry *r = &ex->ranges[i];
		if (r->size && a < r->addr + r->size && r->addr < a + len)
			return false;
	}
	return true;
}

/* A relocatable kernel: pref_address, else the first kernel_alignment and
 * then min_alignment boundary from 1 MiB; [load, load + init_size) usable.
 * Using the smaller alignment lowers kernel_alignment (boot.rst, 2.10+). */
static bool bz_place_relocatable(const struct gmem *g, struct bz_plan *pl, u64 need)
{
	const struct bzimage_info *in = &pl->info;
	u64 min_al = MAX(PAGE_SIZE, BIT(in->min_alignment));
	u64 cand[3] = { in->pref_address, ALIGN_UP(BZ_HIGH_LOAD, in->kernel_alignment),
			ALIGN_UP(BZ_HIGH_LOAD, min_al) };

	for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
		u64 a = cand[i];
		if (i == 0 && (in->version < BZ_VERSION_PREF || !IS_ALIGNED(a, in->kernel_alignment)))
			continue;
		if (i == 2 && (in->version < BZ_VERSION_PREF || min_al >= in->kernel_alignment))
			continue;
		if (a < BZ_HIGH_LOAD || !bz_usable(g, pl->ex, a, need))
			continue;
		pl->load = a;
		pl->reserve_end = a + need;
		pl->kernel_alignment = (u32)(i == 2 ? min_al : in->kernel_alignment);
		return true;
	}
	return false;
}

/* Choose the load address: a relocatable kernel where it fits, else 1 MiB
 * with its runtime range [pref_address, + init_size) usable as well. */
static int bz_place_kernel(const struct gmem *g, const char *modname, struct bz_plan *pl)
{
	const struct bzimage_info *in = &pl->info;
	u64 need = in->init_size;

	pl->kernel_alignment = in->kernel_alignment;
	if (in->relocatable) {
		if (bz_place_relocatable(g, pl, need))
			return 0;
	} else {
		u64 lo = MIN(BZ_HIGH_LOAD, in->pref_address);
		u64 hi = MAX(BZ_HIGH_LOAD + in->payload_size, in->pref_address + need);
		if (lo >= BZ_HIGH_LOAD && bz_usable(g, pl->ex, lo, hi - lo)) {
			pl->load = BZ_HIGH_LOAD;
			pl->reserve_end = hi;
			return 0;
		}
	}
	pr_err("%s: the kernel needs 0x%lx bytes of RAM (init_size) from 0x%lx%s; guest RAM ends at 0x%lx: raise mem=",
	       modname, need, in->relocatable ? (u64)ALIGN_UP(BZ_HIGH_LOAD, in->kernel_alignment) : in->pref_address,
	       in->relocatable ? "" : " (not relocatable)", gmem_ram_top(g));
	return E_INVAL;
}

/* The highest page-aligned a with [a, a+size) usable inside [lo, hi). */
static bool bz_find_high(const struct gmem *g, const struct e820_extra *ex, u64 lo, u64 hi,
			 u64 size, u64 *out)
{
	for (size_t i = g->nslots; i-- > 0;) {
		const struct gmem_slot *s = &g->slots[i];
		u64 top = MIN(s->base.v + s->size, hi), bottom = MAX(s->base.v, lo);
		while (s->kind == GMEM_RAM && top > bottom && top - bottom >= size) {
			u64 a = ALIGN_DOWN(top - size, PAGE_SIZE);
			const struct e820_entry *hit = NULL;
			if (a < bottom)
				break;
			for (size_t k = 0; ex && k < ex->n; k++)
				if (ex->ranges[k].size && a < ex->ranges[k].addr + ex->ranges[k].size &&
				    ex->ranges[k].addr < a + size)
					hit = &ex->ranges[k];
			if (!hit) {
				*out = a;
				return true;
			}
			top = hit->addr;
		}
	}
	return false;
}

/* The initrd: as high as possible below initrd_addr_max and 4 GiB, above
 * the kernel's init_size range (boot.rst, "ramdisk_image"). */
static int bz_place_initrd(const struct gmem *g, const char *modname, struct bz_plan *pl,
			   const struct bzimage_initrd *rd)
{
	u64 hi = MIN((u64)pl->info.initrd_addr_max + 1, BZ_4G);

	pl->initrd = pl->initrd_size = 0;
	if (!rd || !rd->size)
		return 0;
	if (rd->size >= BZ_4G || !bz_find_high(g, pl->ex, pl->reserve_end, hi, rd->size, &pl->initrd)) {
		pr_err("%s: initrd of %lu bytes does not fit in guest RAM between the kernel's end 0x%lx and 0x%lx (initrd_addr_max 0x%x, RAM ends at 0x%lx)",
		       modname, rd->size, pl->reserve_end, hi, pl->info.initrd_addr_max, gmem_ram_top(g));
		return E_INVAL;
	}
	pl->initrd_size = rd->size;
	return 0;
}

/* The command line (truncated to cmdline_size) and the zero page below
 * 640 KiB; the e820 map. */
static int bz_place_low(const struct gmem *g, const char *modname, struct bz_plan *pl,
			const char *cmdline)
{
	u64 len = strnlen(cmdline, BZ_CMDLINE_AREA);
	int n;

	if (len >= BZ_CMDLINE_AREA) {
		pr_err("%s: command line longer than the %llu bytes pagevisor passes", modname,
		       BZ_CMDLINE_AREA - 1);
		return E_INVAL;
	}
	if (len > pl->info.cmdline_size) {
		pr_warn("%s: command line of %lu bytes truncated to the kernel's cmdline_size %u",
			modname, len, pl->info.cmdline_size);
		len = pl->info.cmdline_size;
	}
	pl->cmdline_len = len;
	if (!bz_usable(g, pl->ex, BZ_CMDLINE_GPA, len + 1) ||
	    !bz_usable(g, pl->ex, BZ_ZERO_PAGE_GPA, BZ_ZP_SIZE)) {
		pr_err("%s: no guest RAM for the zero page at 0x%llx and the command line at 0x%llx",
		       modname, BZ_ZERO_PAGE_GPA, BZ_CMDLINE_GPA);
		return E_INVAL;
	}
	n = bzimage_e820(g, pl->ex, pl->e820, ARRAY_SIZE(pl->e820));
	if (n < 0) {
		pr_err("%s: cannot build the e820 map (bad or too many reserved ranges)", modname);
		return E_INVAL;
	}
	pl->n820 = (size_t)n;
	return 0;
}

static void put16(u8 *hdr, u64 off, u16 v) { memcpy(hdr + off - BZ_SETUP_SECTS, &v, 2); }
static void put32(u8 *hdr, u64 off, u32 v) { memcpy(hdr + off - BZ_SETUP_SECTS, &v, 4); }

/* The setup header as the kernel gets it: the image's bytes with the
 * loader's fields filled in (boot.rst, "details of header fields"). */
static void bz_build_hdr(const u8 *image, const struct bz_plan *pl, u8 *hdr)
{
	u8 flags = BZ_LOADED_HIGH;      /* QUIET, KEEP_SEGMENTS, CAN_USE_HEAP clear */

	memcpy(hdr, image + BZ_SETUP_SECTS, pl->info.hdr_end - BZ_SETUP_SECTS);
	hdr[BZ_TYPE_OF_LOADER - BZ_SETUP_SECTS] = BZ_LOADER_TYPE;
	hdr[BZ_LOADFLAGS - BZ_SETUP_SECTS] = flags;
	put32(hdr, BZ_CODE32_START, (u32)pl->load);
	put32(hdr, BZ_RAMDISK_IMAGE, (u32)pl->initrd);
	put32(hdr, BZ_RAMDISK_SIZE, (u32)pl->initrd_size);
	put16(hdr, BZ_HEAP_END_PTR, 0);
	put32(hdr, BZ_CMD_LINE_PTR, (u32)BZ_CMDLINE_GPA);
	put32(hdr, BZ_KERNEL_ALIGNMENT, pl->kernel_alignment);
	put16(hdr, BZ_EXT_LOADER_VER, 0);
	if (pl->info.hdr_end >= BZ_SETUP_DATA + 8)
		memset(hdr + BZ_SETUP_DATA - BZ_SETUP_SECTS, 0, 8);   /* no setup_data list */
}

/* Zero the zero page, then write the header, e820 table and RSDP pointer. */
static int bz_write_zero_page(struct gmem *g, const u8 *image, const struct bz_plan *pl,
			      u64 acpi_rsdp)
{
	static const u8 zeros[256];
	u8 hdr[BZ_HDR_MAX_END - BZ_SETUP_SECTS];
	u8 n820 = (u8)pl->n820;
	u64 zp = BZ_ZERO_PAGE_GPA;
	int rc = 0;

	for (u64 off = 0; rc == 0 && off < BZ_ZP_SIZE; off += sizeof(zeros))
		rc = gmem_write(g, gpa(zp + off), zeros, sizeof(zeros));
	bz_build_hdr(image, pl, hdr);
	if (rc == 0)
		rc = gmem_write(g, gpa(zp + BZ_SETUP_SECTS), hdr, pl->info.hdr_end - BZ_SETUP_SECTS);
	if (rc == 0)
		rc = gmem_write(g, gpa(zp + BZ_ZP_E820_TABLE), pl->e820, pl->n820 * sizeof(pl->e820[0]));
	if (rc == 0)
		rc = gmem_write(g, gpa(zp + BZ_ZP_E820_ENTRIES), &n820, 1);
	if (rc == 0 && acpi_rsdp && pl->info.version >= BZ_VERSION_RSDP)
		rc = gmem_write(g, gpa(zp + BZ_ZP_ACPI_RSDP_ADDR), &acpi_rsdp, 8);
	return rc;
}

/* Write the kernel, initrd, command line and zero page as planned. */
static int bz_write(struct gmem *g, const u8 *image, const struct bz_plan *pl,
		    const struct bzimage_initrd *rd, const char *cmdline, u64 acpi_rsdp)
{
	static const u8 nul;
	int rc = gmem_write(g, gpa(pl->load), image + pl->info.payload_off, pl->info.payload_size);

	if (rc == 0 && pl->initrd_size)
		rc = gmem_write(g, gpa(pl->initrd), rd->data, pl->initrd_size);
	if (rc == 0)
		rc = gmem_write(g, gpa(BZ_CMDLINE_GPA), cmdline, pl->cmdline_len);
	if (rc == 0)
		rc = gmem_write(g, gpa(BZ_CMDLINE_GPA + pl->cmdline_len), &nul, 1);
	if (rc == 0)
		rc = bz_write_zero_page(g, image, pl, acpi_rsdp);
	return rc;
}

/* See core/bzimage.h. */
int bzimage_load(struct gmem *g, const char *modname, const u8 *image, u64 size,
		 const char *cmdline, const struct bzimage_initrd *initrd, u64 acpi_rsdp,
		 const struct e820_extra *reserved, struct bzimage_result *out)
{
	struct bz_plan pl;
	int rc;

	memset(&pl, 0, sizeof(pl));
	pl.ex = reserved;
	cmdline = cmdline ? cmdline : "";
	if (bzimage_parse(image, size, &pl.info) < 0) {
		pr_err("%s: %s", modname, pl.info.why);
		return E_INVAL;
	}
	rc = bz_place_kernel(g, modname, &pl);
	if (rc == 0)
		rc = bz_place_initrd(g, modname, &pl, initrd);
	if (rc == 0)
		rc = bz_place_low(g, modname, &pl, cmdline);
	if (rc < 0)
		return rc;
	rc = bz_write(g, image, &pl, initrd, cmdline, acpi_rsdp);
	if (rc < 0) {
		pr_err("%s: out of host memory while loading the kernel", modname);
		return rc;
	}
	*out = (struct bzimage_result){
		.entry32 = (u32)pl.load, .zero_page = (u32)BZ_ZERO_PAGE_GPA,
		.entry64 = pl.info.xloadflags & BZ_XLF_KERNEL_64 ? pl.load + 0x200 : 0,
		.cmdline = (u32)BZ_CMDLINE_GPA, .load_start = pl.load,
		.load_end = pl.load + pl.info.payload_size, .reserve_end = pl.reserve_end,
		.initrd_start = pl.initrd, .initrd_end = pl.initrd + pl.initrd_size,
		.e820_entries = (u32)pl.n820, .version = pl.info.version,
	};
	return 0;
}

bool bzimage_detect(const u8 *image, u64 size)
{
	return size >= 0x206 && image[0x1fe] == 0x55 && image[0x1ff] == 0xaa &&
	       memcmp(image + 0x202, "HdrS", 4) == 0;
}
