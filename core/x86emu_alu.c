/* Arithmetic and logic of the MMIO instruction emulator: results and the
 * status flags CF PF AF ZF SF OF of ADD/OR/ADC/SBB/AND/SUB/XOR/CMP/TEST
 * (SDM Vol. 1 3.4.3.1, Appendix A; Vol. 2 instruction pages). */
#include "core/x86emu_internal.h"

/* PF: set when the low byte of the result has an even number of ones. */
static bool x86emu_parity_even(u64 v)
{
	u8 x = (u8)v;
	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return !(x & 1);
}

/* ZF, SF and PF of a result already cut to size. */
static u64 x86emu_szp(u64 res, u8 size)
{
	u64 f = 0;
	if (res == 0)
		f |= X86_FLAG_ZF;
	if (res & BIT(8 * size - 1))
		f |= X86_FLAG_SF;
	if (x86emu_parity_even(res))
		f |= X86_FLAG_PF;
	return f;
}

/* a + b + cin: CF is the carry out of the top bit, OF signed overflow, AF
 * the carry out of bit 3. */
static u64 x86emu_add_flags(u64 a, u64 b, u64 res, u8 size)
{
	u64 top = BIT(8 * size - 1);
	u64 carries = (a & b) | ((a | b) & ~res);
	u64 f = x86emu_szp(res, size);
	if (carries & top)
		f |= X86_FLAG_CF;
	if ((a ^ res) & (b ^ res) & top)
		f |= X86_FLAG_OF;
	if ((a ^ b ^ res) & BIT(4))
		f |= X86_FLAG_AF;
	return f;
}

/* a - b - bin: CF is the borrow into the top bit, OF signed overflow, AF
 * the borrow from bit 4. */
static u64 x86emu_sub_flags(u64 a, u64 b, u64 res, u8 size)
{
	u64 top = BIT(8 * size - 1);
	u64 borrows = (~a & b) | ((~a | b) & res);
	u64 f = x86emu_szp(res, size);
	if (borrows & top)
		f |= X86_FLAG_CF;
	if ((a ^ b) & (a ^ res) & top)
		f |= X86_FLAG_OF;
	if ((a ^ b ^ res) & BIT(4))
		f |= X86_FLAG_AF;
	return f;
}

enum x86emu_kind { K_ADD, K_SUB, K_LOGIC };

struct x86emu_aluop {
	u8 kind;
	bool use_cf;         /* ADC/SBB add/subtract CF */
	u8 logic;            /* K_LOGIC: 1 or, 2 and, 3 xor */
};

static const struct x86emu_aluop x86emu_aluops[X86_OP_TEST + 1] = {
	[X86_OP_ADD] = { K_ADD, false, 0 },
	[X86_OP_ADC] = { K_ADD, true, 0 },
	[X86_OP_SUB] = { K_SUB, false, 0 },
	[X86_OP_SBB] = { K_SUB, true, 0 },
	[X86_OP_CMP] = { K_SUB, false, 0 },
	[X86_OP_OR] = { K_LOGIC, false, 1 },
	[X86_OP_AND] = { K_LOGIC, false, 2 },
	[X86_OP_TEST] = { K_LOGIC, false, 2 },
	[X86_OP_XOR] = { K_LOGIC, false, 3 },
};

static u64 x86emu_logic(u8 which, u64 a, u64 b)
{
	if (which == 1)
		return a | b;
	if (which == 2)
		return a & b;
	return a ^ b;
}

u64 x86emu_alu(u8 op, u64 a, u64 b, u8 size, u64 *rflags)
{
	const struct x86emu_aluop *d = &x86emu_aluops[op < ARRAY_SIZE(x86emu_aluops) ? op : 0];
	u64 mask = x86emu_mask(size);
	u64 cin = d->use_cf && (*rflags & X86_FLAG_CF) ? 1 : 0;
	u64 res, f;

	a &= mask;
	b &= mask;
	if (d->kind == K_ADD) {
		res = (a + b + cin) & mask;
		f = x86emu_add_flags(a, b, res, size);
	} else if (d->kind == K_SUB) {
		res = (a - b - cin) & mask;
		f = x86emu_sub_flags(a, b, res, size);
	} else {
		res = x86emu_logic(d->logic, a, b);
		f = x86emu_szp(res, size);
	}
	*rflags = (*rflags & ~X86_FLAGS_ARITH) | f;
	return res;
}
