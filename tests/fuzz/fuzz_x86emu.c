/* libFuzzer harness for the MMIO instruction emulator (core/x86emu*.c).
 * Input: byte 0 picks the mode (bits 0-1), DF (bit 2), the REP budget
 * (bits 3-4) and which memory access fails (bits 5-7); the rest are the
 * instruction bytes. Decoded instructions run against a 4 KiB fake memory
 * window with a register file derived from the input. Invariants: decode
 * stays within n and 15 bytes and is exact about its length; exec only
 * touches memory through the mem ops at the operand's address and size
 * (rSI/rDI iteration by iteration for strings), changes no
 * register on a failed access, moves RIP only on success, and refuses
 * (without touching anything) what did not decode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/x86emu.h"

#define WIN_BASE 0x1000ull
#define WIN_SIZE 0x1000ull

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz_x86emu: %s:%d: %s\n", __FILE__,  \
				__LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

struct fuzzmem {
	u8 m[WIN_SIZE];
	const struct x86_insn *in;
	u64 expect_la;       /* non-string ops: the operand's address */
	const struct x86_cpu *cpu;   /* string ops: the registers at entry */
	u64 rsi, rdi;        /* string ops: this iteration's offsets */
	unsigned reads, writes, calls, fail_at;
};

/* String ops: MOVS reads [seg:rSI], each iteration writes [ES:rDI], then
 * both move by the operand size in the DF direction. */
static void fm_check_string(struct fuzzmem *f, u64 la, u8 size, bool write)
{
	const struct x86_insn *in = f->in;
	u64 amask = in->addrsize == 8 ? ~0ull : BIT(8 * in->addrsize) - 1;
	u64 step = (f->cpu->rflags & X86_FLAG_DF) ? -(u64)size : size;

	CHECK(size == in->opsize);
	if (!write) {
		CHECK(in->op == X86_OP_MOVS);
		CHECK(la == x86emu_seg_la(f->cpu, in->seg, f->rsi & amask));
		return;
	}
	CHECK(la == x86emu_seg_la(f->cpu, X86_ES, f->rdi & amask));
	f->rsi += step;
	f->rdi += step;
}

static int fm_access(struct fuzzmem *f, u64 la, u8 size, bool write)
{
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (f->in->op == X86_OP_MOVS || f->in->op == X86_OP_STOS)
		fm_check_string(f, la, size, write);
	else
		CHECK(la == f->expect_la &&
		      size == (f->in->srcsize ? f->in->srcsize : f->in->opsize));
	if (write)
		CHECK(f->in->mem_is_dest);
	if (++f->calls == f->fail_at)
		return -1;
	if (la < WIN_BASE || la - WIN_BASE > WIN_SIZE - size)
		return -1;
	write ? f->writes++ : f->reads++;
	return 0;
}

static int fm_read(void *ctx, u64 la, void *buf, u8 size)
{
	struct fuzzmem *f = ctx;
	if (fm_access(f, la, size, false))
		return -1;
	memcpy(buf, &f->m[la - WIN_BASE], size);
	return 0;
}

static int fm_write(void *ctx, u64 la, const void *buf, u8 size)
{
	struct fuzzmem *f = ctx;
	if (fm_access(f, la, size, true))
		return -1;
	memcpy(&f->m[la - WIN_BASE], buf, size);
	return 0;
}

static const struct x86_mem_ops fm_ops = { fm_read, fm_write };

static u64 mix(u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Registers: half point into the window, half are arbitrary; RCX small. */
static void cpu_from_input(struct x86_cpu *cpu, const u8 *d, size_t n, u8 sel)
{
	static const enum x86_mode modes[4] = { X86_MODE_16, X86_MODE_32,
						X86_MODE_64, X86_MODE_64 };
	u64 h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	memset(cpu, 0, sizeof(*cpu));
	for (int i = 0; i < 16; i++) {
		u64 r = mix(h + (u64)i);
		cpu->gpr[i] = (r & 1) ? WIN_BASE + (r >> 8) % WIN_SIZE : r;
	}
	cpu->gpr[X86_RCX] = mix(h ^ 0x55) % 40;
	for (int s = 0; s < 6; s++)
		cpu->seg_base[s] = (mix(h + 100 + (u64)s) & 3) ? 0 : 0x800;
	cpu->rip = mix(h + 200);
	cpu->rflags = 0x2 | (mix(h + 300) & X86_FLAGS_ARITH) |
		      ((sel & 4) ? X86_FLAG_DF : 0);
	cpu->mode = modes[sel & 3];
}

static u64 rip_after(const struct x86_cpu *cpu, u8 len)
{
	u64 rip = cpu->rip + len;
	if (cpu->mode == X86_MODE_16)
		return rip & 0xffff;
	return cpu->mode == X86_MODE_32 ? rip & 0xffffffffull : rip;
}

static void check_decode(const u8 *b, size_t n, enum x86_mode mode,
			 enum x86emu_result r, const struct x86_insn *in)
{
	struct x86_insn again;
	CHECK(r <= X86EMU_BAD);
	CHECK(in->len <= n && in->len <= X86_INSN_MAX);
	if (r != X86EMU_OK)
		return;
	CHECK(in->len >= 1);
	CHECK(in->opsize == 1 || in->opsize == 2 || in->opsize == 4 || in->opsize == 8);
	CHECK(in->addrsize == 2 || in->addrsize == 4 || in->addrsize == 8);
	CHECK(in->reg < 16 && in->base >= -1 && in->base < 16);
	CHECK(in->index >= -1 && in->index < 16 && in->seg < 6);
	CHECK(x86emu_decode(b, in->len, mode, &again) == X86EMU_OK && again.len == in->len);
	CHECK(x86emu_decode(b, in->len - 1u, mode, &again) == X86EMU_BAD);
}

/* Registers an instruction may change besides RIP and RFLAGS. */
static bool may_change(const struct x86_insn *in, int reg)
{
	if (in->op == X86_OP_MOVS || in->op == X86_OP_STOS)
		return reg == X86_RSI || reg == X86_RDI || reg == X86_RCX;
	if (!in->reg_is_dest)
		return false;
	if (in->opsize == 1 && !in->rex_present && in->reg >= 4 && in->reg < 8)
		return reg == in->reg - 4;
	return reg == in->reg;
}

static void check_exec(const struct x86_insn *in, const struct x86_cpu *before,
		       const struct x86_cpu *cpu, enum x86emu_result r,
		       const struct fuzzmem *f, u32 limit)
{
	bool str = in->op == X86_OP_MOVS || in->op == X86_OP_STOS;
	CHECK(r == X86EMU_OK || r == X86EMU_MEMFAIL || r == X86EMU_AGAIN);
	CHECK(cpu->mode == before->mode);
	CHECK(!memcmp(cpu->seg_base, before->seg_base, sizeof(cpu->seg_base)));
	CHECK(cpu->rip == (r == X86EMU_OK ? rip_after(before, in->len) : before->rip));
	for (int i = 0; i < 16; i++)
		CHECK(cpu->gpr[i] == before->gpr[i] || may_change(in, i));
	CHECK((cpu->rflags & ~X86_FLAGS_ARITH) == (before->rflags & ~X86_FLAGS_ARITH));
	if (str) {
		CHECK(r != X86EMU_AGAIN || in->rep);
		CHECK(f->calls <= 2 * limit);
		return;
	}
	CHECK(r != X86EMU_AGAIN);
	CHECK(f->reads <= 1 && f->writes <= 1);
	if (r == X86EMU_MEMFAIL)
		CHECK(!memcmp(cpu, before, sizeof(*cpu)));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u32 limits[4] = { 1, 2, 4, 16 };
	static struct fuzzmem f;
	struct x86_insn in;
	struct x86_cpu cpu, before;
	enum x86emu_result r;
	u8 sel;

	if (size < 1)
		return 0;
	sel = data[0];
	cpu_from_input(&cpu, data, size, sel);
	r = x86emu_decode(data + 1, size - 1, cpu.mode, &in);
	check_decode(data + 1, size - 1, cpu.mode, r, &in);
	memset(&f, 0, sizeof(f));
	f.in = &in;
	before = cpu;
	if (r != X86EMU_OK) {
		CHECK(x86emu_exec(&in, &cpu, &fm_ops, &f, 1) == X86EMU_UNSUPPORTED);
		CHECK(f.calls == 0 && !memcmp(&cpu, &before, sizeof(cpu)));
		return 0;
	}
	f.fail_at = (sel >> 5) & 7;
	f.expect_la = x86emu_operand_la(&in, &cpu);
	f.cpu = &before;
	f.rsi = cpu.gpr[X86_RSI];
	f.rdi = cpu.gpr[X86_RDI];
	r = x86emu_exec(&in, &cpu, &fm_ops, &f, limits[(sel >> 3) & 3]);
	check_exec(&in, &before, &cpu, r, &f, limits[(sel >> 3) & 3]);
	return 0;
}
