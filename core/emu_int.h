/* Internal interface between the files of the shared emulation
 * (core/emulate.c, core/emu_*.c, core/insn_fetch.c). */
#ifndef CORE_EMU_INT_H
#define CORE_EMU_INT_H

#include "core/types.h"
#include "core/insn_len.h"
#include "core/vcpu.h"

/* Copy up to n bytes of the instruction at the guest's CS:RIP into buf
 * through the guest's paging; returns how many were fetched (err says
 * why it stopped short) and the code size in *mode. */
size_t emu_fetch_insn(struct vcpu *v, u8 *buf, size_t n, enum insn_mode *mode, int *err);

#endif
