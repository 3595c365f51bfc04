/* Helpers shared by the files of the MMIO instruction emulator
 * (core/x86emu_*.c); not part of its interface. */
#ifndef CORE_X86EMU_INTERNAL_H
#define CORE_X86EMU_INTERNAL_H

#include "core/x86emu.h"

/* All-ones mask of size bytes (1, 2, 4 or 8). */
static inline u64 x86emu_mask(u8 size)
{
	return size >= 8 ? ~0ull : BIT(8 * size) - 1;
}

/* Value of register reg at size bytes; size 1 without REX reads AH..BH
 * for reg 4..7 (SDM Vol. 1 3.4.1.1). */
u64 x86emu_reg_read(const struct x86_cpu *cpu, u8 reg, u8 size, bool rex);

/* Write val to register reg at size bytes: 1 and 2 merge into the old
 * value, 4 zero-extends to 64 bits, 8 replaces. */
void x86emu_reg_write(struct x86_cpu *cpu, u8 reg, u8 size, bool rex, u64 val);

/* Result of ALU operation op (X86_OP_ADD..X86_OP_TEST) on a and b at size
 * bytes; *rflags gets CF PF AF ZF SF OF as the SDM defines for op (CF is
 * also read by ADC/SBB). Other rflags bits are kept. */
u64 x86emu_alu(u8 op, u64 a, u64 b, u8 size, u64 *rflags);

/* Run MOVS/STOS (with REP) as x86emu_exec describes. */
enum x86emu_result x86emu_exec_string(const struct x86_insn *in, struct x86_cpu *cpu,
				      const struct x86_mem_ops *mem, void *ctx,
				      u32 max_iter);

/* Advance RIP past in, wrapping as the mode's instruction pointer does. */
void x86emu_advance_rip(const struct x86_insn *in, struct x86_cpu *cpu);

#endif
