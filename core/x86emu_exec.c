/* Execution of decoded MMIO instructions: register access with x86 partial
 * register rules, MOV/MOVZX/MOVSX, ALU ops and TEST on memory, XCHG. Every
 * memory access goes through the caller's mem ops; registers, RFLAGS and
 * RIP change only after all of an instruction's accesses succeeded. */
#include "core/x86emu_internal.h"

u64 x86emu_reg_read(const struct x86_cpu *cpu, u8 reg, u8 size, bool rex)
{
	reg &= 15;
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (cpu->gpr[reg - 4] >> 8) & 0xff;
	return cpu->gpr[reg] & x86emu_mask(size);
}

void x86emu_reg_write(struct x86_cpu *cpu, u8 reg, u8 size, bool rex, u64 val)
{
	reg &= 15;
	if (size == 1 && !rex && reg >= 4 && reg < 8) {
		u64 *r = &cpu->gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
	} else if (size >= 4) {
		cpu->gpr[reg] = val & x86emu_mask(size);
	} else {
		u64 m = x86emu_mask(size);
		cpu->gpr[reg] = (cpu->gpr[reg] & ~m) | (val & m);
	}
}

void x86emu_advance_rip(const struct x86_insn *in, struct x86_cpu *cpu)
{
	u64 rip = cpu->rip + in->len;
	if (cpu->mode == X86_MODE_16)
		rip &= 0xffff;
	else if (cpu->mode == X86_MODE_32)
		rip &= 0xffffffffull;
	cpu->rip = rip;
}

static int x86emu_load(const struct x86_mem_ops *mem, void *ctx, u64 la,
		       u8 size, u64 *val)
{
	u64 v = 0;
	int rc = mem->read(ctx, la, &v, size);
	*val = v & x86emu_mask(size);
	return rc;
}

static int x86emu_store(const struct x86_mem_ops *mem, void *ctx, u64 la,
			u8 size, u64 val)
{
	return mem->write(ctx, la, &val, size);
}

/* The non-memory source operand: the immediate or the ModRM.reg register. */
static u64 x86emu_src(const struct x86_insn *in, const struct x86_cpu *cpu)
{
	if (in->has_imm)
		return in->imm;
	return x86emu_reg_read(cpu, in->reg, in->opsize, in->rex_present);
}

static u64 x86emu_sext(u64 v, u8 size)
{
	u64 top = BIT(8 * size - 1);
	return (v & top) ? v | ~x86emu_mask(size) : v;
}

typedef enum x86emu_result (*x86emu_handler)(const struct x86_insn *in,
					     struct x86_cpu *cpu,
					     const struct x86_mem_ops *mem,
					     void *ctx);

static enum x86emu_result x86emu_exec_mov(const struct x86_insn *in, struct x86_cpu *cpu,
					  const struct x86_mem_ops *mem, void *ctx)
{
	u64 la = x86emu_operand_la(in, cpu), v;

	if (!in->reg_is_dest)
		return x86emu_store(mem, ctx, la, in->opsize, x86emu_src(in, cpu)) ?
			X86EMU_MEMFAIL : X86EMU_OK;
	if (x86emu_load(mem, ctx, la, in->opsize, &v))
		return X86EMU_MEMFAIL;
	x86emu_reg_write(cpu, in->reg, in->opsize, in->rex_present, v);
	return X86EMU_OK;
}

/* MOVZX, MOVSX, MOVSXD: load srcsize bytes, extend to opsize. */
static enum x86emu_result x86emu_exec_movx(const struct x86_insn *in, struct x86_cpu *cpu,
					   const struct x86_mem_ops *mem, void *ctx)
{
	u64 v;

	if (x86emu_load(mem, ctx, x86emu_operand_la(in, cpu), in->srcsize, &v))
		return X86EMU_MEMFAIL;
	if (in->op == X86_OP_MOVSX)
		v = x86emu_sext(v, in->srcsize);
	x86emu_reg_write(cpu, in->reg, in->opsize, in->rex_present, v);
	return X86EMU_OK;
}

/* ALU ops and TEST: memory op reg/imm, or reg op memory (reg_is_dest). */
static enum x86emu_result x86emu_exec_alu(const struct x86_insn *in, struct x86_cpu *cpu,
					  const struct x86_mem_ops *mem, void *ctx)
{
	u64 la = x86emu_operand_la(in, cpu), m, res, flags = cpu->rflags;
	u64 other = x86emu_src(in, cpu);

	if (x86emu_load(mem, ctx, la, in->opsize, &m))
		return X86EMU_MEMFAIL;
	if (in->reg_is_dest) {
		res = x86emu_alu(in->op, other, m, in->opsize, &flags);
		if (in->op != X86_OP_CMP)
			x86emu_reg_write(cpu, in->reg, in->opsize, in->rex_present, res);
	} else {
		res = x86emu_alu(in->op, m, other, in->opsize, &flags);
		if (in->mem_is_dest && x86emu_store(mem, ctx, la, in->opsize, res))
			return X86EMU_MEMFAIL;
	}
	cpu->rflags = flags;
	return X86EMU_OK;
}

/* XCHG: memory gets the register, the register the old memory value. */
static enum x86emu_result x86emu_exec_xchg(const struct x86_insn *in, struct x86_cpu *cpu,
					   const struct x86_mem_ops *mem, void *ctx)
{
	u64 la = x86emu_operand_la(in, cpu), m;

	if (x86emu_load(mem, ctx, la, in->opsize, &m))
		return X86EMU_MEMFAIL;
	if (x86emu_store(mem, ctx, la, in->opsize, x86emu_src(in, cpu)))
		return X86EMU_MEMFAIL;
	x86emu_reg_write(cpu, in->reg, in->opsize, in->rex_present, m);
	return X86EMU_OK;
}

static const x86emu_handler x86emu_handlers[X86_OP_XCHG + 1] = {
	[X86_OP_MOV] = x86emu_exec_mov,
	[X86_OP_MOVZX] = x86emu_exec_movx,
	[X86_OP_MOVSX] = x86emu_exec_movx,
	[X86_OP_ADD] = x86emu_exec_alu,
	[X86_OP_OR] = x86emu_exec_alu,
	[X86_OP_ADC] = x86emu_exec_alu,
	[X86_OP_SBB] = x86emu_exec_alu,
	[X86_OP_AND] = x86emu_exec_alu,
	[X86_OP_SUB] = x86emu_exec_alu,
	[X86_OP_XOR] = x86emu_exec_alu,
	[X86_OP_CMP] = x86emu_exec_alu,
	[X86_OP_TEST] = x86emu_exec_alu,
	[X86_OP_XCHG] = x86emu_exec_xchg,
};

enum x86emu_result x86emu_exec(const struct x86_insn *in, struct x86_cpu *cpu,
			       const struct x86_mem_ops *mem, void *ctx, u32 max_iter)
{
	enum x86emu_result r;

	if (!in->decoded)
		return X86EMU_UNSUPPORTED;
	if (in->op == X86_OP_MOVS || in->op == X86_OP_STOS)
		return x86emu_exec_string(in, cpu, mem, ctx, max_iter);
	if (in->op >= ARRAY_SIZE(x86emu_handlers) || !x86emu_handlers[in->op])
		return X86EMU_UNSUPPORTED;
	r = x86emu_handlers[in->op](in, cpu, mem, ctx);
	if (r == X86EMU_OK)
		x86emu_advance_rip(in, cpu);
	return r;
}
