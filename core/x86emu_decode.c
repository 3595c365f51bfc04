/* x86 decoder for the MMIO instruction emulator: legacy and REX prefixes,
 * the opcode tables of the emulated instructions, ModRM/SIB/displacement
 * (16-bit addressing and RIP-relative included) and immediates. Reads only
 * bytes[0..n) with n capped at 15 (SDM Vol. 2A 2.1, 2.2.1, 2.3.5). */
#include "core/x86emu.h"
#include "core/string.h"

/* Opcode descriptor flags. */
enum {
	D_BYTE = BIT(0),     /* 8-bit operand size */
	D_MODRM = BIT(1),    /* a ModRM byte follows */
	D_REGDST = BIT(2),   /* reg is the destination, memory the source */
	D_IMM8 = BIT(3),     /* imm8, sign-extended to the operand size */
	D_IMMZ = BIT(4),     /* imm16/imm32 (imm32 sign-extended for 64-bit) */
	D_GRP = BIT(5),      /* ModRM.reg selects the operation (group table) */
	D_MOFFS = BIT(6),    /* A0-A3: address-size-wide absolute offset */
	D_STR = BIT(7),      /* MOVS/STOS: operands are rSI/rDI, no ModRM */
	D_NOWRITE = BIT(8),  /* memory operand only read (CMP, TEST) */
	D_M64 = BIT(9),     /* valid in 64-bit mode only */
};

struct x86emu_desc {
	u8 op;
	u8 srcsize;          /* MOVZX/MOVSX source size, 0 = none */
	u16 flags;
};

#define ALU_ROW(b, o, f)                                                       \
	[(b) + 0] = { o, 0, D_BYTE | D_MODRM | (f) },                          \
	[(b) + 1] = { o, 0, D_MODRM | (f) },                                   \
	[(b) + 2] = { o, 0, D_BYTE | D_MODRM | D_REGDST | ((f) & D_NOWRITE) }, \
	[(b) + 3] = { o, 0, D_MODRM | D_REGDST | ((f) & D_NOWRITE) }

/* One-byte opcode map, emulated entries only (SDM Vol. 2D A.3 Table A-2). */
static const struct x86emu_desc x86emu_map1[256] = {
	ALU_ROW(0x00, X86_OP_ADD, 0),
	ALU_ROW(0x08, X86_OP_OR, 0),
	ALU_ROW(0x10, X86_OP_ADC, 0),
	ALU_ROW(0x18, X86_OP_SBB, 0),
	ALU_ROW(0x20, X86_OP_AND, 0),
	ALU_ROW(0x28, X86_OP_SUB, 0),
	ALU_ROW(0x30, X86_OP_XOR, 0),
	ALU_ROW(0x38, X86_OP_CMP, D_NOWRITE),
	[0x63] = { X86_OP_MOVSX, 4, D_MODRM | D_REGDST | D_M64 },
	[0x80] = { X86_OP_NONE, 0, D_BYTE | D_MODRM | D_GRP | D_IMM8 },
	[0x81] = { X86_OP_NONE, 0, D_MODRM | D_GRP | D_IMMZ },
	[0x83] = { X86_OP_NONE, 0, D_MODRM | D_GRP | D_IMM8 },
	[0x84] = { X86_OP_TEST, 0, D_BYTE | D_MODRM | D_NOWRITE },
	[0x85] = { X86_OP_TEST, 0, D_MODRM | D_NOWRITE },
	[0x86] = { X86_OP_XCHG, 0, D_BYTE | D_MODRM },
	[0x87] = { X86_OP_XCHG, 0, D_MODRM },
	[0x88] = { X86_OP_MOV, 0, D_BYTE | D_MODRM },
	[0x89] = { X86_OP_MOV, 0, D_MODRM },
	[0x8a] = { X86_OP_MOV, 0, D_BYTE | D_MODRM | D_REGDST },
	[0x8b] = { X86_OP_MOV, 0, D_MODRM | D_REGDST },
	[0xa0] = { X86_OP_MOV, 0, D_BYTE | D_MOFFS | D_REGDST },
	[0xa1] = { X86_OP_MOV, 0, D_MOFFS | D_REGDST },
	[0xa2] = { X86_OP_MOV, 0, D_BYTE | D_MOFFS },
	[0xa3] = { X86_OP_MOV, 0, D_MOFFS },
	[0xa4] = { X86_OP_MOVS, 0, D_BYTE | D_STR },
	[0xa5] = { X86_OP_MOVS, 0, D_STR },
	[0xaa] = { X86_OP_STOS, 0, D_BYTE | D_STR },
	[0xab] = { X86_OP_STOS, 0, D_STR },
	[0xc6] = { X86_OP_NONE, 0, D_BYTE | D_MODRM | D_GRP | D_IMM8 },
	[0xc7] = { X86_OP_NONE, 0, D_MODRM | D_GRP | D_IMMZ },
	[0xf6] = { X86_OP_NONE, 0, D_BYTE | D_MODRM | D_GRP | D_IMM8 },
	[0xf7] = { X86_OP_NONE, 0, D_MODRM | D_GRP | D_IMMZ },
};

/* Two-byte map (0F xx), emulated entries only. */
static const struct x86emu_desc x86emu_map2[256] = {
	[0xb6] = { X86_OP_MOVZX, 1, D_MODRM | D_REGDST },
	[0xb7] = { X86_OP_MOVZX, 2, D_MODRM | D_REGDST },
	[0xbe] = { X86_OP_MOVSX, 1, D_MODRM | D_REGDST },
	[0xbf] = { X86_OP_MOVSX, 2, D_MODRM | D_REGDST },
};

/* Group tables: ModRM.reg -> operation; missing entries are unsupported. */
static const u8 x86emu_grp1[8] = {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
};
static const u8 x86emu_grp_mov[8] = { [0] = X86_OP_MOV };
static const u8 x86emu_grp_test[8] = { [0] = X86_OP_TEST };

static const u8 *const x86emu_groups[256] = {
	[0x80] = x86emu_grp1, [0x81] = x86emu_grp1, [0x83] = x86emu_grp1,
	[0xc6] = x86emu_grp_mov, [0xc7] = x86emu_grp_mov,
	[0xf6] = x86emu_grp_test, [0xf7] = x86emu_grp_test,
};

/* Cursor over the instruction bytes: every read is bounds-checked. */
struct x86emu_cur {
	const u8 *b;
	size_t n, pos;
	bool out;            /* a read ran past n */
};

static u8 x86emu_next(struct x86emu_cur *c)
{
	if (c->pos >= c->n) {
		c->out = true;
		return 0;
	}
	return c->b[c->pos++];
}

/* Little-endian value of the next size bytes, sign-extended to 64 bits. */
static s64 x86emu_next_signed(struct x86emu_cur *c, u8 size)
{
	u64 v = 0;
	for (u8 i = 0; i < size; i++)
		v |= (u64)x86emu_next(c) << (8 * i);
	if (size < 8 && (v & BIT(8 * size - 1)))
		v |= ~0ull << (8 * size);
	return (s64)v;
}

static enum x86_seg x86emu_seg_prefix(u8 b)
{
	static const u8 segs[] = { X86_ES, X86_CS, X86_SS, X86_DS };
	if ((b & 0xe7) == 0x26)
		return segs[(b >> 3) & 3];
	if (b == 0x64 || b == 0x65)
		return b == 0x64 ? X86_FS : X86_GS;
	return X86_SEG_NONE;
}

/* Consume legacy prefixes and REX (REX counts only right before the
 * opcode, SDM Vol. 2A 2.2.1). Returns the opcode byte; sets *rex. */
static u8 x86emu_prefixes(struct x86emu_cur *c, enum x86_mode mode,
			  struct x86_insn *in, u8 *rex, bool *p66, bool *p67)
{
	for (;;) {
		u8 b = x86emu_next(c);
		enum x86_seg s = x86emu_seg_prefix(b);
		if (c->out)
			return 0;
		if (mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			*rex = b;
			continue;
		}
		if (s != X86_SEG_NONE)
			in->seg = s;
		else if (b == 0x66)
			*p66 = true;
		else if (b == 0x67)
			*p67 = true;
		else if (b == 0xf0)
			in->lock = true;
		else if (b == 0xf2 || b == 0xf3)
			in->rep = b;
		else
			return b;
		*rex = 0;
	}
}

static void x86emu_sizes(struct x86_insn *in, enum x86_mode mode, u8 rex,
			 bool p66, bool p67)
{
	if (mode == X86_MODE_64) {
		in->addrsize = p67 ? 4 : 8;
		in->opsize = (rex & 8) ? 8 : p66 ? 2 : 4;
	} else {
		u8 def = mode == X86_MODE_16 ? 2 : 4;
		in->addrsize = p67 ? 6 - def : def;
		in->opsize = p66 ? 6 - def : def;
	}
}

/* 16-bit ModRM memory forms (SDM Vol. 2A Table 2-1). */
static void x86emu_modrm16(struct x86emu_cur *c, struct x86_insn *in)
{
	static const s8 base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
				    X86_RSI, X86_RDI, X86_RBP, X86_RBX };
	static const s8 index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
				     -1, -1, -1, -1 };
	in->base = base[in->rm];
	in->index = index[in->rm];
	if (in->mod == 0 && in->rm == 6) {
		in->base = -1;
		in->disp = x86emu_next_signed(c, 2);
	} else if (in->mod == 1) {
		in->disp = x86emu_next_signed(c, 1);
	} else if (in->mod == 2) {
		in->disp = x86emu_next_signed(c, 2);
	}
	if (in->base == X86_RBP && in->seg == X86_SEG_NONE)
		in->seg = X86_SS;
}

/* 32/64-bit ModRM memory forms with SIB (SDM Vol. 2A Tables 2-2, 2-3). */
static void x86emu_modrm32(struct x86emu_cur *c, struct x86_insn *in,
			   enum x86_mode mode, u8 rex)
{
	u8 rm = in->rm & 7;
	in->base = (s8)in->rm;
	if (rm == 4) {
		u8 sib = x86emu_next(c);
		u8 idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
		in->scale = 1 << (sib >> 6);
		in->index = idx == X86_RSP ? -1 : (s8)idx;
		in->base = (s8)((sib & 7) | ((rex & 1) << 3));
		if ((sib & 7) == 5 && in->mod == 0) {
			in->base = -1;
			in->disp = x86emu_next_signed(c, 4);
		}
	} else if (rm == 5 && in->mod == 0) {
		in->base = -1;
		in->rip_relative = mode == X86_MODE_64;
		in->disp = x86emu_next_signed(c, 4);
	}
	if (in->mod == 1)
		in->disp = x86emu_next_signed(c, 1);
	else if (in->mod == 2)
		in->disp = x86emu_next_signed(c, 4);
	if ((in->base == X86_RSP || in->base == X86_RBP) && in->seg == X86_SEG_NONE)
		in->seg = X86_SS;
}

static void x86emu_modrm(struct x86emu_cur *c, struct x86_insn *in,
			 enum x86_mode mode, u8 rex)
{
	u8 m = x86emu_next(c);
	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = ((m >> 3) & 7) | ((rex & 4) << 1);
	in->rm = (m & 7) | ((rex & 1) << 3);
	if (in->mod == 3)
		return;
	if (in->addrsize == 2)
		x86emu_modrm16(c, in);
	else
		x86emu_modrm32(c, in, mode, rex);
}

/* Immediate: sign-extended to 64 bits, then cut to the operand size. */
static void x86emu_imm(struct x86emu_cur *c, struct x86_insn *in, u16 flags)
{
	u8 size = (flags & D_IMM8) ? 1 : MIN(in->opsize, 4);
	u64 v = (u64)x86emu_next_signed(c, size);
	in->has_imm = true;
	in->imm = in->opsize == 8 ? v : v & (BIT(8 * in->opsize) - 1);
}

/* Operand forms without ModRM: moffs and string instructions. */
static void x86emu_implicit(struct x86emu_cur *c, struct x86_insn *in, u16 flags)
{
	in->reg = X86_RAX;
	if (flags & D_MOFFS) {
		u64 off = (u64)x86emu_next_signed(c, in->addrsize);
		if (in->addrsize < 8)
			off &= BIT(8 * in->addrsize) - 1;
		in->disp = (s64)off;
	} else {
		in->base = X86_RSI;
		in->index = X86_RDI;
	}
}

static const struct x86emu_desc *x86emu_lookup(struct x86emu_cur *c, u8 opc,
					       enum x86_mode mode)
{
	const struct x86emu_desc *d = &x86emu_map1[opc];
	if (opc == 0x0f)
		d = &x86emu_map2[x86emu_next(c)];
	if (c->out || !d->flags)
		return NULL;
	if ((d->flags & D_M64) && mode != X86_MODE_64)
		return NULL;
	return d;
}

/* LOCK needs a read-modify-write opcode with a memory destination (SDM
 * Vol. 2A LOCK: otherwise #UD). */
static bool x86emu_lock_ok(const struct x86_insn *in, u16 flags)
{
	static const bool lockable[X86_OP_STOS + 1] = {
		[X86_OP_ADD] = true, [X86_OP_OR] = true, [X86_OP_ADC] = true,
		[X86_OP_SBB] = true, [X86_OP_AND] = true, [X86_OP_SUB] = true,
		[X86_OP_XOR] = true, [X86_OP_XCHG] = true,
	};
	if (!in->lock)
		return true;
	if (in->mod == 3 || (flags & (D_REGDST | D_STR | D_MOFFS)))
		return false;
	return lockable[in->op];
}

static void x86emu_finish(struct x86_insn *in, const struct x86emu_desc *d,
			  u16 flags)
{
	in->srcsize = d->srcsize;
	if (flags & D_BYTE)
		in->opsize = 1;
	if (in->op == X86_OP_MOVSX && d->srcsize == 4 && in->opsize < 4)
		in->srcsize = in->opsize;
	in->reg_is_dest = (flags & D_REGDST) || in->op == X86_OP_XCHG;
	in->mem_is_dest = !(flags & (D_REGDST | D_NOWRITE)) &&
			  in->op != X86_OP_CMP && in->op != X86_OP_TEST;
	if (in->seg == X86_SEG_NONE)
		in->seg = X86_DS;
}

static enum x86emu_result x86emu_decode_body(struct x86emu_cur *c,
					     enum x86_mode mode,
					     struct x86_insn *in)
{
	u8 rex = 0;
	bool p66 = false, p67 = false;
	u8 opc = x86emu_prefixes(c, mode, in, &rex, &p66, &p67);
	const struct x86emu_desc *d;

	if (c->out)
		return X86EMU_BAD;
	d = x86emu_lookup(c, opc, mode);
	if (!d)
		return c->out ? X86EMU_BAD : X86EMU_UNSUPPORTED;
	in->rex_present = rex != 0;
	x86emu_sizes(in, mode, rex, p66, p67);
	in->op = d->op;
	if (d->flags & D_BYTE)
		in->opsize = 1;
	if (d->flags & D_MODRM)
		x86emu_modrm(c, in, mode, rex);
	else
		x86emu_implicit(c, in, d->flags);
	if (d->flags & D_GRP)
		in->op = x86emu_groups[opc][in->reg & 7];
	if (c->out)
		return X86EMU_BAD;
	if (in->op == X86_OP_NONE)   /* group member without our immediate */
		return X86EMU_UNSUPPORTED;
	if (d->flags & (D_IMM8 | D_IMMZ))
		x86emu_imm(c, in, d->flags);
	if (c->out)
		return X86EMU_BAD;
	if (!x86emu_lock_ok(in, d->flags))
		return X86EMU_BAD;
	if (in->mod == 3)
		return X86EMU_UNSUPPORTED;
	x86emu_finish(in, d, d->flags);
	return X86EMU_OK;
}

enum x86emu_result x86emu_decode(const u8 *bytes, size_t n, enum x86_mode mode,
				 struct x86_insn *out)
{
	struct x86emu_cur c = { .b = bytes, .n = MIN(n, (size_t)X86_INSN_MAX) };
	enum x86emu_result r;

	memset(out, 0, sizeof(*out));
	out->seg = X86_SEG_NONE;
	out->base = out->index = -1;
	out->scale = 1;
	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64)
		return X86EMU_BAD;
	r = x86emu_decode_body(&c, mode, out);
	out->len = (u8)c.pos;
	if (c.pos)
		memcpy(out->bytes, bytes, c.pos);
	out->decoded = r == X86EMU_OK;
	return r;
}

/* Effective address of the ModRM/moffs operand before the segment base. */
static u64 x86emu_operand_ea(const struct x86_insn *in, const struct x86_cpu *cpu)
{
	u64 ea = (u64)in->disp;
	if (in->base >= 0)
		ea += cpu->gpr[in->base];
	if (in->index >= 0)
		ea += cpu->gpr[in->index] * in->scale;
	if (in->rip_relative)
		ea += cpu->rip + in->len;
	if (in->addrsize < 8)
		ea &= BIT(8 * in->addrsize) - 1;
	return ea;
}

/* Linear address of segment seg at effective address ea: 64-bit mode uses
 * bases only for FS and GS (SDM Vol. 3A 3.2.4); other modes wrap at 4 GiB. */
u64 x86emu_seg_la(const struct x86_cpu *cpu, u8 seg, u64 ea)
{
	u64 base = seg < ARRAY_SIZE(cpu->seg_base) ? cpu->seg_base[seg] : 0;
	if (cpu->mode == X86_MODE_64)
		return (seg == X86_FS || seg == X86_GS) ? base + ea : ea;
	return (base + ea) & 0xffffffffull;
}

u64 x86emu_operand_la(const struct x86_insn *in, const struct x86_cpu *cpu)
{
	return x86emu_seg_la(cpu, in->seg, x86emu_operand_ea(in, cpu));
}

void x86emu_format_bytes(const u8 *bytes, size_t n, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!size)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t need = i ? 3 : 2;
		if (o + need >= size)
			break;
		if (i)
			buf[o++] = ' ';
		buf[o++] = hex[bytes[i] >> 4];
		buf[o++] = hex[bytes[i] & 15];
	}
	buf[o] = 0;
}
