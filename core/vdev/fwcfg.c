/* QEMU's fw_cfg, traditional I/O interface only (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit selector names an item, data reads walk its bytes and read 0
 * past its end. Items are produced on demand from a small table. Pure. */
#include "core/vdev/fwcfg.h"
#include "core/string.h"

#define FWCFG_ITEM_MAX 8

/* Fill buf with item bytes; returns the item's length. */
typedef u32 (*fwcfg_item_fn)(const struct vfwcfg *f, u8 *buf);

static u32 fwcfg_le(u8 *buf, u64 v, u32 len)
{
	for (u32 i = 0; i < len; i++)
		buf[i] = (u8)(v >> (8 * i));
	return len;
}

static u32 fwcfg_signature(const struct vfwcfg *f, u8 *buf)
{
	(void)f;
	memcpy(buf, "QEMU", 4);
	return 4;
}

static u32 fwcfg_id(const struct vfwcfg *f, u8 *buf)
{
	(void)f;
	return fwcfg_le(buf, 1, 4);   /* traditional interface, no DMA */
}

static u32 fwcfg_ram(const struct vfwcfg *f, u8 *buf)
{
	return fwcfg_le(buf, f->ram_size, 8);
}

static u32 fwcfg_cpus(const struct vfwcfg *f, u8 *buf)
{
	return fwcfg_le(buf, f->cpus, 2);
}

static u32 fwcfg_file_dir(const struct vfwcfg *f, u8 *buf)
{
	(void)f;
	return fwcfg_le(buf, 0, 4);   /* big-endian file count 0 */
}

static const struct {
	u16 key;
	fwcfg_item_fn fn;
} fwcfg_items[] = {
	{ .key = 0x0000, .fn = fwcfg_signature },
	{ .key = 0x0001, .fn = fwcfg_id },
	{ .key = 0x0003, .fn = fwcfg_ram },
	{ .key = 0x0005, .fn = fwcfg_cpus },
	{ .key = 0x000f, .fn = fwcfg_cpus },
	{ .key = 0x0019, .fn = fwcfg_file_dir },
};

void vfwcfg_init(struct vfwcfg *f, u64 ram_size, u16 cpus)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->cpus = cpus;
}

/* The byte at offset of the selected item, 0 past its end or if unknown. */
static u8 fwcfg_byte(const struct vfwcfg *f, u32 offset)
{
	for (u32 i = 0; i < ARRAY_SIZE(fwcfg_items); i++) {
		if (fwcfg_items[i].key != f->sel)
			continue;
		u8 buf[FWCFG_ITEM_MAX];
		u32 len = fwcfg_items[i].fn(f, buf);
		return offset < len ? buf[offset] : 0;
	}
	return 0;
}

u32 vfwcfg_io_read(struct vfwcfg *f, u16 port, u8 size)
{
	if (port != VFWCFG_PORT_DATA || size == 0 || size > 4)
		return 0;
	u32 v = 0;
	for (u8 i = 0; i < size; i++) {
		v |= (u32)fwcfg_byte(f, f->offset) << (8 * i);
		if (f->offset != ~0u)
			f->offset++;
	}
	return v;
}

/* A write to 0x510 of any size selects an item (the low 16 bits) and
 * rewinds; writes to the data port are ignored, as in QEMU since 2.4. */
void vfwcfg_io_write(struct vfwcfg *f, u16 port, u8 size, u32 val)
{
	(void)size;
	if (port != VFWCFG_PORT_SEL)
		return;
	f->sel = (u16)val;
	f->offset = 0;
}
