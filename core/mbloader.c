/* Multiboot 1 kernel loader (see core/mbloader.h): find and check the
 * Multiboot header, turn an a.out-kludge header or ELF32/ELF64 program
 * headers into a list of segments, check every segment against the guest's
 * RAM slots, and only then write. References: Multiboot Specification
 * 0.6.96 sections 3.1 (header), 3.2 (machine state), 3.3 (boot information);
 * System V ABI / ELF specification (file and program headers). */
#include "core/mbloader.h"
#include "core/log.h"
#include "core/string.h"

#define MB_4G (1ull << 32)
#define MB_HDR_LEN 12                /* magic, flags, checksum */
#define MB_AOUT_HDR_LEN 32           /* ... header_addr .. entry_addr */

#define ELF_PT_LOAD 1
#define ELF_ET_EXEC 2
#define ELF_EM_386 3
#define ELF_EM_X86_64 62

struct mb_seg {
	u64 paddr, vaddr, memsz, offset, filesz;
};

/* The image being checked. */
struct mb_image {
	const char *modname;
	const u8 *p;
	u64 size;
	u64 hdr_off;
	u32 hdr_flags;
	enum mb_format fmt;
	u64 entry;
	size_t nseg;
	struct mb_seg seg[MB_MAX_SEGS];
};

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* True if [off, off+len) lies within [0, size), without overflow. */
static bool mb_fits(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

/* Print "<modname>: <reason>" and return E_INVAL. */
static int __attribute__((format(printf, 2, 3))) mb_err(const char *modname, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("%s: %s", modname, why);
	return E_INVAL;
}

/* Find the Multiboot header: magic at a 4-byte aligned offset in the first
 * 8192 bytes with magic + flags + checksum == 0 (spec 3.1.1, 3.1.2). Like
 * GRUB, a candidate with a bad checksum is skipped but remembered. */
static int mb_find_header(struct mb_image *im)
{
	u64 lim = MIN(im->size, (u64)MB_SEARCH_LEN), bad = ~0ull;

	for (u64 off = 0; off + MB_HDR_LEN <= lim; off += 4) {
		const u8 *h = im->p + off;
		if (rd32(h) != MB_HEADER_MAGIC)
			continue;
		if ((u32)(MB_HEADER_MAGIC + rd32(h + 4) + rd32(h + 8)) != 0) {
			bad = MIN(bad, off);
			continue;
		}
		im->hdr_off = off;
		im->hdr_flags = rd32(h + 4);
		return 0;
	}
	if (bad != ~0ull)
		return mb_err(im->modname, "bad Multiboot header checksum at offset 0x%lx", bad);
	return mb_err(im->modname, "no Multiboot header in the first %d bytes (%lu-byte file)",
		      MB_SEARCH_LEN, im->size);
}

/* Requirement bits 0-15 we cannot honour make the image unloadable (3.1.2). */
static int mb_check_flags(struct mb_image *im)
{
	u32 req = im->hdr_flags & 0xffff & ~(u32)MB_FLAGS_HONOURED;

	if (req)
		return mb_err(im->modname, "Multiboot header requires features pagevisor does not offer (flags 0x%x, unsupported 0x%x)",
			      im->hdr_flags, req);
	return 0;
}

/* The a.out kludge (flags bit 16, spec 3.1.3): one segment from the
 * header's own addresses. The header's file offset anchors header_addr. */
static int mb_parse_aout(struct mb_image *im)
{
	const u8 *h = im->p + im->hdr_off;
	u32 header_addr, load_addr, load_end, bss_end;
	u64 delta, off, len, memsz;

	if (!mb_fits(im->hdr_off, MB_AOUT_HDR_LEN, MIN(im->size, (u64)MB_SEARCH_LEN)))
		return mb_err(im->modname, "Multiboot header truncated: a.out kludge fields beyond %s",
			      im->size < MB_SEARCH_LEN ? "the end of the file" : "the first 8192 bytes");
	header_addr = rd32(h + 12);
	load_addr = rd32(h + 16);
	load_end = rd32(h + 20);
	bss_end = rd32(h + 24);
	if (load_addr > header_addr)
		return mb_err(im->modname, "a.out kludge: load_addr 0x%x is above header_addr 0x%x",
			      load_addr, header_addr);
	delta = header_addr - load_addr;
	if (delta > im->hdr_off)
		return mb_err(im->modname, "a.out kludge: header_addr - load_addr (0x%lx) exceeds the header's file offset 0x%lx",
			      delta, im->hdr_off);
	off = im->hdr_off - delta;
	if (load_end && load_end <= load_addr)
		return mb_err(im->modname, "a.out kludge: load_end_addr 0x%x is not above load_addr 0x%x",
			      load_end, load_addr);
	len = load_end ? (u64)load_end - load_addr : im->size - off;
	if (!mb_fits(off, len, im->size))
		return mb_err(im->modname, "a.out kludge: load_end_addr 0x%x lies beyond the end of the file",
			      load_end);
	memsz = len;
	if (bss_end) {
		if (bss_end < load_addr + len)
			return mb_err(im->modname, "a.out kludge: bss_end_addr 0x%x is below the load end 0x%lx",
				      bss_end, load_addr + len);
		memsz = (u64)bss_end - load_addr;
	}
	im->fmt = MB_FMT_AOUT;
	im->entry = rd32(h + 28);
	im->seg[0] = (struct mb_seg){ load_addr, load_addr, memsz, off, len };
	im->nseg = 1;
	return 0;
}

/* Read program header i of an ELF32 or ELF64 file into *s. */
static void mb_read_phdr(const struct mb_image *im, const u8 *ph, struct mb_seg *s)
{
	if (im->fmt == MB_FMT_ELF32)
		*s = (struct mb_seg){ .offset = rd32(ph + 4), .vaddr = rd32(ph + 8),
				      .paddr = rd32(ph + 12), .filesz = rd32(ph + 16),
				      .memsz = rd32(ph + 20) };
	else
		*s = (struct mb_seg){ .offset = rd64(ph + 8), .vaddr = rd64(ph + 16),
				      .paddr = rd64(ph + 24), .filesz = rd64(ph + 32),
				      .memsz = rd64(ph + 40) };
}

/* Collect the PT_LOAD segments of the program header table. */
static int mb_parse_phdrs(struct mb_image *im, u64 phoff, u16 phentsize, u16 phnum)
{
	u16 minsz = im->fmt == MB_FMT_ELF32 ? 32 : 56;

	if (phentsize < minsz || phnum == 0)
		return mb_err(im->modname, "ELF: bad program header table (%u entries of %u bytes)",
			      phnum, phentsize);
	if (!mb_fits(phoff, (u64)phnum * phentsize, im->size))
		return mb_err(im->modname, "ELF: program headers beyond the end of the file");
	for (u16 i = 0; i < phnum; i++) {
		const u8 *ph = im->p + phoff + (u64)i * phentsize;
		struct mb_seg s;
		if (rd32(ph) != ELF_PT_LOAD)
			continue;
		mb_read_phdr(im, ph, &s);
		if (s.filesz > s.memsz)
			return mb_err(im->modname, "ELF: segment %u has p_filesz 0x%lx > p_memsz 0x%lx",
				      i, s.filesz, s.memsz);
		if (!mb_fits(s.offset, s.filesz, im->size))
			return mb_err(im->modname, "ELF: segment %u data [0x%lx, +0x%lx) lies beyond the end of the file (%lu bytes)",
				      i, s.offset, s.filesz, im->size);
		if (s.memsz == 0)
			continue;
		if (im->nseg == MB_MAX_SEGS)
			return mb_err(im->modname, "ELF: more than %d loadable segments", MB_MAX_SEGS);
		im->seg[im->nseg++] = s;
	}
	if (!im->nseg)
		return mb_err(im->modname, "ELF: no loadable segments");
	return 0;
}

/* The entry point as GRUB computes it: e_entry translated from the virtual
 * to the physical address of the segment whose vaddr range holds it. */
static void mb_elf_entry(struct mb_image *im, u64 e_entry)
{
	im->entry = e_entry;
	for (size_t i = 0; i < im->nseg; i++) {
		const struct mb_seg *s = &im->seg[i];
		if (e_entry >= s->vaddr && e_entry - s->vaddr < s->memsz) {
			im->entry = e_entry - s->vaddr + s->paddr;
			return;
		}
	}
}

/* An ELF executable for x86: ELF32 (machine EM_386, or EM_X86_64 for the
 * 64-bit code objcopy wraps as elf32) or ELF64 (EM_X86_64). */
static int mb_parse_elf(struct mb_image *im)
{
	const u8 *p = im->p;
	bool is64;
	u16 machine;

	if (im->size < 16 || memcmp(p, "\x7f" "ELF", 4))
		return mb_err(im->modname, "not an ELF file and no a.out kludge (Multiboot header flags bit 16)");
	if ((p[4] != 1 && p[4] != 2) || p[5] != 1)
		return mb_err(im->modname, "ELF: unsupported class %u / data encoding %u (want 32 or 64-bit little-endian)",
			      p[4], p[5]);
	is64 = p[4] == 2;
	im->fmt = is64 ? MB_FMT_ELF64 : MB_FMT_ELF32;
	if (im->size < (is64 ? 64u : 52u))
		return mb_err(im->modname, "ELF: file header truncated (%lu bytes)", im->size);
	if (rd16(p + 16) != ELF_ET_EXEC)
		return mb_err(im->modname, "ELF: type %u is not an executable", rd16(p + 16));
	machine = rd16(p + 18);
	if (machine != ELF_EM_X86_64 && (is64 || machine != ELF_EM_386))
		return mb_err(im->modname, "ELF: machine %u is not x86", machine);
	int rc = is64 ? mb_parse_phdrs(im, rd64(p + 32), rd16(p + 54), rd16(p + 56))
		      : mb_parse_phdrs(im, rd32(p + 28), rd16(p + 42), rd16(p + 44));
	if (rc < 0)
		return rc;
	mb_elf_entry(im, is64 ? rd64(p + 24) : rd32(p + 24));
	return 0;
}

/* [a, a+len) (len > 0, a+len <= 4 GiB) must lie inside one RAM slot. */
static int mb_check_ram(const char *modname, const struct gmem *g, u64 a, u64 len,
			const char *what)
{
	const struct gmem_slot *s = gmem_slot_find(g, gpa(a));
	u64 bad = a;

	if (s && s->kind == GMEM_RAM) {
		if (len <= s->base.v + s->size - a)
			return 0;
		bad = s->base.v + s->size;
		s = gmem_slot_find(g, gpa(bad));
	}
	bool mmio = bad >= GMEM_PC_MMIO_START && bad < GMEM_PC_HIGH_START;
	if (!s && !mmio && bad >= gmem_ram_top(g))
		return mb_err(modname, "%s [0x%lx, 0x%lx) does not fit in the guest's memory (RAM ends at 0x%lx; raise mem=)",
			      what, a, a + len, gmem_ram_top(g));
	return mb_err(modname, "%s [0x%lx, 0x%lx) is not inside guest RAM (%s at 0x%lx)",
		      what, a, a + len, s ? gmem_kind_name(s->kind) : mmio ? "MMIO hole" : "nothing",
		      bad);
}

/* Sort the segments by address (few: insertion sort). */
static void mb_sort_segs(struct mb_image *im)
{
	for (size_t i = 1; i < im->nseg; i++) {
		struct mb_seg s = im->seg[i];
		size_t j = i;
		for (; j > 0 && im->seg[j - 1].paddr > s.paddr; j--)
			im->seg[j] = im->seg[j - 1];
		im->seg[j] = s;
	}
}

/* Every segment below 4 GiB inside RAM, no two overlapping, the entry
 * point inside one of them. */
static int mb_check_segs(struct mb_image *im, const struct gmem *g)
{
	bool entry_ok = false;

	mb_sort_segs(im);
	for (size_t i = 0; i < im->nseg; i++) {
		const struct mb_seg *s = &im->seg[i];
		if (s->paddr >= MB_4G || s->memsz > MB_4G - s->paddr)
			return mb_err(im->modname, "segment at 0x%lx (0x%lx bytes) reaches beyond 4 GiB",
				      s->paddr, s->memsz);
		int rc = mb_check_ram(im->modname, g, s->paddr, s->memsz, "segment");
		if (rc < 0)
			return rc;
		if (i > 0 && im->seg[i - 1].paddr + im->seg[i - 1].memsz > s->paddr)
			return mb_err(im->modname, "segments [0x%lx, 0x%lx) and [0x%lx, 0x%lx) overlap",
				      im->seg[i - 1].paddr, im->seg[i - 1].paddr + im->seg[i - 1].memsz,
				      s->paddr, s->paddr + s->memsz);
		entry_ok |= im->entry >= s->paddr && im->entry - s->paddr < s->memsz;
	}
	if (!entry_ok)
		return mb_err(im->modname, "entry point 0x%lx is outside the loaded image", im->entry);
	return 0;
}

/* Zero [a, a+len) only where guest pages are already populated: absent RAM
 * is demand-zero, so allocating frames just to zero them would waste them. */
static void mb_zero_populated(struct gmem *g, u64 a, u64 len)
{
	while (len) {
		u64 off = a & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		hpa_t f;
		if (pt_translate(g->tdp, a - off, &f, NULL) == 0)
			memset((u8 *)hpa_to_ptr(f) + off, 0, n);
		a += n;
		len -= n;
	}
}

/* See core/mbloader.h. */
int mbloader_load(struct gmem *g, const char *modname, const u8 *image, u64 size,
		  struct mb_load_result *out)
{
	struct mb_image im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.modname = modname;
	im.p = image;
	im.size = size;
	rc = mb_find_header(&im);
	if (rc == 0)
		rc = mb_check_flags(&im);
	if (rc == 0)
		rc = im.hdr_flags & MB_FLAG_AOUT_KLUDGE ? mb_parse_aout(&im) : mb_parse_elf(&im);
	if (rc == 0)
		rc = mb_check_segs(&im, g);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < im.nseg; i++) {
		const struct mb_seg *s = &im.seg[i];
		rc = gmem_write(g, gpa(s->paddr), image + s->offset, s->filesz);
		if (rc < 0) {
			pr_err("%s: out of host memory while loading the image", modname);
			return rc;
		}
		mb_zero_populated(g, s->paddr + s->filesz, s->memsz - s->filesz);
	}
	*out = (struct mb_load_result){
		.format = im.fmt, .header_flags = im.hdr_flags, .entry = (u32)im.entry,
		.image_start = im.seg[0].paddr,
		.image_end = im.seg[im.nseg - 1].paddr + im.seg[im.nseg - 1].memsz,
	};
	return 0;
}

/* The boot information structure (spec 3.3), up to the framebuffer fields. */
struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table;
	u32 boot_loader_name, apm_table, vbe_control_info, vbe_mode_info;
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	u64 framebuffer_addr;
	u32 framebuffer_pitch, framebuffer_width, framebuffer_height;
	u8 framebuffer_bpp, framebuffer_type, color_info[6];
} __packed;
_Static_assert(offsetof(struct mb_info, mmap_length) == 44, "spec 3.3 layout");
_Static_assert(offsetof(struct mb_info, boot_loader_name) == 64, "spec 3.3 layout");
_Static_assert(sizeof(struct mb_info) == 116, "spec 3.3 layout");

/* One memory map entry; `size` (20) counts the bytes after itself. */
struct mb_mmap_entry {
	u32 size;
	u64 base_addr, length;
	u32 type;                    /* 1 available RAM, 2 reserved */
} __packed;
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "spec 3.3 mmap entry");

struct mb_mod_entry {
	u32 mod_start, mod_end, string, reserved;
};

/* Where each part of the boot information goes (all guest-physical). */
struct mb_plan {
	u32 mod_addr[MB_MAX_MODS];
	u32 info, mmap, mods, name, cmdline, strings;
	u64 end;
};

/* Find the first page-aligned address >= *cursor where len bytes fit in one
 * RAM slot below 4 GiB, store it in *out and move *cursor past it. */
static bool mb_place(const struct gmem *g, u64 *cursor, u64 len, u32 *out)
{
	u64 a = ALIGN_UP(*cursor, PAGE_SIZE);

	for (size_t i = 0; i < g->nslots; i++) {
		const struct gmem_slot *s = &g->slots[i];
		u64 start = MAX(a, ALIGN_UP(s->base.v, PAGE_SIZE));
		u64 end = MIN(s->base.v + s->size, MB_4G);
		if (s->kind != GMEM_RAM || start >= end || len > end - start)
			continue;
		*out = (u32)start;
		*cursor = start + len;
		return true;
	}
	return false;
}

/* Lay out modules, then the information block, above the image. */
static int mb_plan(const struct gmem *g, const char *modname, const struct mb_load_result *img,
		   const char *cmdline, const struct mb_module_src *mods, size_t nmods,
		   struct mb_plan *pl)
{
	u64 cursor = img->image_end, strs = 0, len;

	if (nmods > MB_MAX_MODS)
		return mb_err(modname, "%zu modules attached; at most %d", nmods, MB_MAX_MODS);
	for (size_t i = 0; i < nmods; i++) {
		if (mods[i].size >= MB_4G || !mb_place(g, &cursor, mods[i].size, &pl->mod_addr[i])) {
			pr_err("%s: module %zu (%lu bytes) does not fit in guest RAM below 4 GiB",
			       modname, i, mods[i].size);
			return E_RANGE;
		}
		strs += (mods[i].string ? strlen(mods[i].string) : 0) + 1;
	}
	len = ALIGN_UP(sizeof(struct mb_info), 8) + g->nslots * sizeof(struct mb_mmap_entry) +
	      nmods * sizeof(struct mb_mod_entry);
	pl->name = (u32)len;
	len += sizeof(MB_LOADER_NAME);
	pl->cmdline = (u32)len;
	len += strlen(cmdline) + 1;
	pl->strings = (u32)len;
	len += strs;
	if (!mb_place(g, &cursor, len, &pl->info)) {
		pr_err("%s: no room for the Multiboot information in guest RAM below 4 GiB", modname);
		return E_RANGE;
	}
	pl->mmap = pl->info + (u32)ALIGN_UP(sizeof(struct mb_info), 8);
	pl->mods = pl->mmap + (u32)(g->nslots * sizeof(struct mb_mmap_entry));
	pl->name += pl->info;
	pl->cmdline += pl->info;
	pl->strings += pl->info;
	pl->end = cursor;
	return 0;
}

/* mem_lower: KiB of RAM at 0 (at most 640); mem_upper: KiB of the RAM slot
 * starting at 1 MiB, i.e. up to the first hole (spec 3.3). */
static void mb_meminfo(const struct gmem *g, struct mb_info *mi)
{
	const struct gmem_slot *lo = gmem_slot_find(g, gpa(0));
	const struct gmem_slot *hi = gmem_slot_find(g, gpa(GMEM_PC_ROM_END));

	if (lo && lo->kind == GMEM_RAM)
		mi->mem_lower = (u32)MIN(lo->size / KiB, 640u);
	if (hi && hi->kind == GMEM_RAM && hi->base.v == GMEM_PC_ROM_END)
		mi->mem_upper = (u32)(hi->size / KiB);
}

/* The memory map: one entry per slot, RAM available (1), the rest reserved (2). */
static int mb_write_mmap(struct gmem *g, u32 at)
{
	for (size_t i = 0; i < g->nslots; i++) {
		const struct gmem_slot *s = &g->slots[i];
		struct mb_mmap_entry e = {
			.size = sizeof(e) - 4, .base_addr = s->base.v, .length = s->size,
			.type = s->kind == GMEM_RAM ? 1 : 2,
		};
		int rc = gmem_write(g, gpa(at + i * sizeof(e)), &e, sizeof(e));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Copy the modules, their strings and the module array. */
static int mb_write_mods(struct gmem *g, const struct mb_plan *pl,
			 const struct mb_module_src *mods, size_t nmods)
{
	u32 str = pl->strings;

	for (size_t i = 0; i < nmods; i++) {
		const char *s = mods[i].string ? mods[i].string : "";
		u32 slen = (u32)strlen(s) + 1;
		struct mb_mod_entry e = { pl->mod_addr[i], pl->mod_addr[i] + (u32)mods[i].size, str, 0 };
		int rc = gmem_write(g, gpa(pl->mod_addr[i]), mods[i].data, mods[i].size);
		if (rc == 0)
			rc = gmem_write(g, gpa(str), s, slen);
		if (rc == 0)
			rc = gmem_write(g, gpa(pl->mods + i * sizeof(e)), &e, sizeof(e));
		if (rc < 0)
			return rc;
		str += slen;
	}
	return 0;
}

/* See core/mbloader.h. */
int mbloader_build_info(struct gmem *g, const char *modname,
			const struct mb_load_result *img, const char *cmdline,
			const struct mb_module_src *mods, size_t nmods, u32 *info_gpa)
{
	struct mb_plan pl = { 0 };
	struct mb_info mi;
	int rc;

	cmdline = cmdline ? cmdline : "";
	rc = mb_plan(g, modname, img, cmdline, mods, nmods, &pl);
	if (rc < 0)
		return rc;
	memset(&mi, 0, sizeof(mi));
	mi.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
		   MB_INFO_LOADER_NAME;
	mb_meminfo(g, &mi);
	mi.cmdline = pl.cmdline;
	mi.mods_count = (u32)nmods;
	mi.mods_addr = pl.mods;
	mi.mmap_length = (u32)(g->nslots * sizeof(struct mb_mmap_entry));
	mi.mmap_addr = pl.mmap;
	mi.boot_loader_name = pl.name;
	rc = mb_write_mods(g, &pl, mods, nmods);
	if (rc == 0)
		rc = mb_write_mmap(g, pl.mmap);
	if (rc == 0)
		rc = gmem_write(g, gpa(pl.name), MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	if (rc == 0)
		rc = gmem_write(g, gpa(pl.cmdline), cmdline, strlen(cmdline) + 1);
	if (rc == 0)
		rc = gmem_write(g, gpa(pl.info), &mi, sizeof(mi));
	if (rc < 0) {
		pr_err("%s: out of host memory while writing the Multiboot information", modname);
		return rc;
	}
	*info_gpa = pl.info;
	return 0;
}
