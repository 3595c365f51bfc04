/* QEMU's fw_cfg port interface (QEMU docs/specs/fw_cfg.rst): selector at
 * 0x510 (16-bit write), data at 0x511 (8-bit reads advancing an offset).
 * Items: signature "QEMU" (0x0000), ID 0x0001 (bit 0: traditional
 * interface only, no DMA), RAM size (0x0003, u64 little-endian), CPU count
 * (0x0005, u16), max CPUs (0x000F, u16), and the file directory (0x0019,
 * empty). Unknown items read 0. Pure. */
#ifndef CORE_VDEV_FWCFG_H
#define CORE_VDEV_FWCFG_H

#include "core/types.h"

#define VFWCFG_PORT_SEL 0x510
#define VFWCFG_PORT_DATA 0x511

struct vfwcfg {
	u64 ram_size;     /* (c) */
	u16 cpus;         /* (c) */
	u16 sel;
	u32 offset;
};

/* Items for a guest of ram_size bytes and cpus CPUs; selector 0. */
void vfwcfg_init(struct vfwcfg *f, u64 ram_size, u16 cpus);

/* port is 0x510 or 0x511, size 1, 2 or 4 (a 16-bit selector write may be
 * split; data reads of size > 1 return consecutive bytes little-endian).
 * Any write to 0x510 selects the item in its low 16 bits (a byte write
 * selects 0x00-0xFF) and rewinds; writes to 0x511 and reads of 0x510 do
 * nothing (read 0). */
u32 vfwcfg_io_read(struct vfwcfg *f, u16 port, u8 size);
void vfwcfg_io_write(struct vfwcfg *f, u16 port, u8 size, u32 val);

#endif
