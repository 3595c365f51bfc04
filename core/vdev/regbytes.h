/* Odd-width MMIO reads of an APIC-style register page: 32-bit registers
 * at 16-byte spacing, bytes 4-15 of each slot reserved. Shared by the
 * local APIC and IOAPIC models (pure). */
#ifndef CORE_VDEV_REGBYTES_H
#define CORE_VDEV_REGBYTES_H

#include "core/types.h"

/* Value of the 32-bit register whose slot starts at byte slot_offset. */
typedef u32 (*vdev_reg_peek_fn)(void *ctx, u32 slot_offset);

/* Bytes [offset, offset + size) of the 4 KiB page (size at most 8):
 * register bytes as peek gives them, reserved bytes and bytes past the
 * page end read 0. */
static inline u64 vdev_reg_bytes(u32 offset, u8 size, vdev_reg_peek_fn peek, void *ctx)
{
	u64 out = 0;
	for (u32 i = 0; i < MIN(size, 8u); i++) {
		u32 off = offset + i;
		if (off >= PAGE_SIZE || off < offset)
			break;
		if ((off & 0xf) >= 4)
			continue;
		u64 byte = (peek(ctx, off & ~0xfu) >> (8 * (off & 3))) & 0xff;
		out |= byte << (8 * i);
	}
	return out;
}

#endif
