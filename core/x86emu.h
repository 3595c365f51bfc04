/* Decoder and emulator for the instructions guests use on device memory
 * (MMIO): MOV in all its forms (88/89/8A/8B/C6/C7/A0-A3, MOVZX 0F B6/B7,
 * MOVSX 0F BE/BF, MOVSXD 63), string MOVS/STOS (A4/A5/AA/AB, with REP),
 * ALU ops on memory (ADD/OR/ADC/SBB/AND/SUB/XOR/CMP: 00-3B forms with a
 * memory operand, 80/81/83), TEST (84/85, F6/F7 /0), XCHG (86/87), plus the
 * prefixes 66, 67, F2, F3, segment overrides, LOCK and REX. Pure: no
 * hypervisor state, compiled into the host unit tests and the fuzzer.
 * Anything else is reported as unsupported and the caller kills the guest
 * with the bytes printed (x86emu_format_bytes). */
#ifndef CORE_X86EMU_H
#define CORE_X86EMU_H

#include "core/types.h"

#define X86_INSN_MAX 15

/* CPU mode the bytes are decoded in (CS.L / CS.D / CR0.PE). */
enum x86_mode { X86_MODE_16 = 2, X86_MODE_32 = 4, X86_MODE_64 = 8 };

/* Architectural register numbers (ModRM/REX order). */
enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

enum x86_seg { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS, X86_SEG_NONE = 7 };

/* Values of x86_insn.op. MOVSXD is X86_OP_MOVSX with srcsize 4. */
enum x86emu_op {
	X86_OP_NONE, X86_OP_MOV, X86_OP_MOVZX, X86_OP_MOVSX,
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	X86_OP_TEST, X86_OP_XCHG, X86_OP_MOVS, X86_OP_STOS,
};

/* RFLAGS bits the emulator reads or writes (SDM Vol. 1 3.4.3). */
#define X86_FLAG_CF BIT(0)
#define X86_FLAG_PF BIT(2)
#define X86_FLAG_AF BIT(4)
#define X86_FLAG_ZF BIT(6)
#define X86_FLAG_SF BIT(7)
#define X86_FLAG_DF BIT(10)
#define X86_FLAG_OF BIT(11)
#define X86_FLAGS_ARITH (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | \
			 X86_FLAG_SF | X86_FLAG_OF)

/* A decoded instruction (filled by x86emu_decode; fields the emulator
 * needs, layout private to core/x86emu*.c beyond what is named here). */
struct x86_insn {
	u8 len;                 /* bytes consumed, 1..15 */
	u8 op;                  /* internal operation code */
	u8 opsize;              /* operand size in bytes: 1, 2, 4, 8 */
	u8 srcsize;             /* MOVZX/MOVSX source size */
	u8 addrsize;            /* 2, 4, 8 */
	u8 seg;                 /* enum x86_seg of the memory operand */
	u8 rep;                 /* 0, 0xf3 (REP/REPE) or 0xf2 (REPNE) */
	bool lock;
	bool rex_present;       /* byte registers 4-7 are SPL..DIL, not AH..BH */
	u8 reg;                 /* ModRM.reg (+REX.R): the register operand */
	bool has_modrm;
	u8 mod, rm;             /* ModRM.mod, ModRM.rm (+REX.B) */
	s8 base, index;         /* memory operand registers, -1 = none */
	u8 scale;               /* 1, 2, 4, 8 */
	bool rip_relative;
	s64 disp;
	u64 imm;                /* sign-extended to 64 bits, cut to opsize */
	bool mem_is_dest;       /* the memory operand is written */
	bool has_imm;           /* the source is imm, not a register */
	bool reg_is_dest;       /* reg is the destination (loads, ALU r,m) */
	bool decoded;           /* x86emu_decode returned X86EMU_OK */
	u8 bytes[X86_INSN_MAX]; /* the raw bytes, for diagnostics */
};

/* Register state the emulator reads and writes. */
struct x86_cpu {
	u64 gpr[16];            /* enum x86_reg order */
	u64 rip;                /* advanced by x86emu_exec on success */
	u64 rflags;             /* arithmetic flags and DF used/updated */
	u64 seg_base[6];        /* enum x86_seg: bases for linear addresses */
	enum x86_mode mode;
};

/* Memory behind the operands, addressed by linear address (segment base
 * already added). A non-zero return is a failure the caller has already
 * dealt with (exception queued or guest killed): the emulator stops and
 * returns X86EMU_MEMFAIL without changing registers. */
struct x86_mem_ops {
	int (*read)(void *ctx, u64 la, void *buf, u8 size);
	int (*write)(void *ctx, u64 la, const void *buf, u8 size);
};

enum x86emu_result {
	X86EMU_OK = 0,
	X86EMU_UNSUPPORTED,     /* opcode/form not emulated: kill with the bytes */
	X86EMU_BAD,             /* truncated, too long, or invalid (e.g. LOCK on MOV): #UD */
	X86EMU_MEMFAIL,         /* a mem_ops call failed */
	X86EMU_AGAIN,           /* REP string: some iterations done, RIP unchanged */
};

/* Decode the instruction in bytes[0..n) (n <= 15) for mode into *out.
 * Returns X86EMU_OK, X86EMU_UNSUPPORTED for a well-formed instruction it
 * does not emulate (or one without a memory operand), X86EMU_BAD when the
 * bytes run out or break encoding rules. Never reads past bytes[n-1]. */
enum x86emu_result x86emu_decode(const u8 *bytes, size_t n, enum x86_mode mode,
				 struct x86_insn *out);

/* Execute a decoded instruction on cpu through mem. Updates registers,
 * RFLAGS (CF PF AF ZF SF OF as the SDM says for the ALU ops) and RIP.
 * REP string instructions run at most max_iter iterations per call: when
 * RCX is not yet zero after them, X86EMU_AGAIN with RIP unchanged (the
 * guest re-executes and exits again); the iterations done stay committed
 * to RSI/RDI/RCX, also when a later iteration returns X86EMU_MEMFAIL.
 * An instruction that did not decode as X86EMU_OK gives X86EMU_UNSUPPORTED. */
enum x86emu_result x86emu_exec(const struct x86_insn *in, struct x86_cpu *cpu,
			       const struct x86_mem_ops *mem, void *ctx, u32 max_iter);

/* Linear address of the memory operand of a decoded non-string instruction
 * (segment base + base + index*scale + disp, RIP-relative from the next
 * instruction, truncated to the address size). */
u64 x86emu_operand_la(const struct x86_insn *in, const struct x86_cpu *cpu);

/* Linear address of effective address ea in segment seg: in 64-bit mode
 * only FS and GS add their base; in 16/32-bit modes base + ea wraps at
 * 4 GiB. */
u64 x86emu_seg_la(const struct x86_cpu *cpu, u8 seg, u64 ea);

/* "8b 05 00 00 e0 fe" style hex of the first n bytes, for messages. */
void x86emu_format_bytes(const u8 *bytes, size_t n, char *buf, size_t size);

#endif
