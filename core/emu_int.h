/* Internal interface between the files of the shared emulation
 * (core/emulate.c, core/emu_*.c, core/insn_fetch.c). */
#ifndef CORE_EMU_INT_H
#define CORE_EMU_INT_H

#include "core/types.h"
#include "core/insn_len.h"
#include "core/vcpu.h"
#include "core/x86emu.h"

/* Copy up to n bytes of the instruction at the guest's CS:RIP into buf
 * through the guest's paging; returns how many were fetched (err says
 * why it stopped short) and the code size in *mode. */
size_t emu_fetch_insn(struct vcpu *v, u8 *buf, size_t n, enum insn_mode *mode, int *err);

/* The instruction at RIP as the MMIO emulator sees it. */
struct emu_insn {
	u8 bytes[X86_INSN_MAX];
	size_t got;                 /* bytes fetched */
	int err;                    /* why the fetch stopped short, 0 if it did not */
	enum x86_mode mode;
	struct x86_insn in;
};

/* Fetch and decode the instruction at RIP into *d (core/emu_mmio.c). */
enum x86emu_result emu_decode_at_rip(struct vcpu *v, struct emu_insn *d);

/* Carry out a decoded instruction whose memory operand faulted at a:
 * the device or RAM operands, registers, RIP (core/emu_mmio.c). */
enum exit_action emu_mmio_exec(struct vcpu *v, gpa_t a, const struct emu_insn *d);

#endif
