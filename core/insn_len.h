/* x86 instruction length decoder: how many bytes the instruction at a
 * given address occupies, for exits whose hardware reports no length (SVM
 * without NRIP save, EPT violations / nested page faults). Pure and
 * table-driven (SDM Vol. 2 Appendix A opcode maps); host-testable. */
#ifndef CORE_INSN_LEN_H
#define CORE_INSN_LEN_H

#include "core/types.h"

/* Default operand/address size of the code segment (SDM Vol. 1 3.6):
 * 16-bit (real mode, CS.D = 0), 32-bit (CS.D = 1), 64-bit (CS.L = 1 with
 * EFER.LMA). */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

#define INSN_MAX_LEN 15   /* longer is #GP (SDM Vol. 2 2.3.11) */

/* Length in bytes of the instruction starting at bytes[0] in code of the
 * given mode, reading at most avail bytes. Returns the length (1..15),
 * E_INVAL for an undefined/invalid encoding or one longer than 15 bytes,
 * E_RANGE when the instruction needs more than avail bytes, E_NOTSUP for a
 * valid encoding this decoder does not know (APX/unknown EVEX maps). */
int insn_len(const u8 *bytes, size_t avail, enum insn_mode mode) __must_check;

#endif
