/* x86 instruction length decoder. Walks prefixes, the opcode (1-byte,
 * 0F, 0F38, 0F3A maps, VEX, EVEX, XOP), ModRM, SIB, displacement and
 * immediate. Per-opcode facts come from two tables transcribed from SDM
 * Vol. 2 Appendix A (A.3 one- and two-byte opcode maps, A.4 ModRM groups,
 * A.2.5 superscripts i64/d64/f64); prefixes from SDM Vol. 2 2.1-2.2. */
#include "core/insn_len.h"

/* Per-opcode attributes: the immediate kind in the low nibble, flags above. */
enum {
	I_NONE = 0,
	I_B,     /* Ib / Jb: 1 byte */
	I_W,     /* Iw: 2 bytes (RET/RETF imm16) */
	I_Z,     /* Iz: 2 with 16-bit operand size, else 4 */
	I_V,     /* Iv: 2/4/8 by operand size (MOV r, imm: B8-BF) */
	I_P,     /* Ap: far pointer ptr16:16 / ptr16:32 */
	I_O,     /* Ob/Ov: moffs, 2/4/8 by address size (A0-A3) */
	I_WB,    /* ENTER: imm16 + imm8 */
	I_J,     /* Jz: like Iz, but always rel32 in 64-bit mode (f64) */
	I_G3B,   /* F6 group 3: Ib only for /0 and /1 (TEST) */
	I_G3Z,   /* F7 group 3: Iz only for /0 and /1 (TEST) */
};
#define I_MASK 0x0f
#define F_M    0x10   /* has a ModRM byte */
#define F_MREG 0x20   /* ModRM.mod ignored, always a register (MOV CR/DR) */
#define F_I64  0x40   /* invalid in 64-bit mode (i64) */
#define F_BAD  0x80   /* undefined opcode */

#define M   F_M
#define MB  (F_M | I_B)
#define MZ  (F_M | I_Z)
#define B   I_B
#define Z   I_Z
#define X   F_I64
#define BAD F_BAD
#define P   F_BAD     /* prefix or escape: consumed before the table lookup */

/* One-byte opcode map (SDM Vol. 2 Table A-2). */
static const u8 map1[256] = {
/*        0     1     2     3     4     5     6     7     8     9     a     b     c     d     e     f */
/* 0 */   M,    M,    M,    M,    B,    Z,    X,    X,    M,    M,    M,    M,    B,    Z,    X,    P,
/* 1 */   M,    M,    M,    M,    B,    Z,    X,    X,    M,    M,    M,    M,    B,    Z,    X,    X,
/* 2 */   M,    M,    M,    M,    B,    Z,    P,    X,    M,    M,    M,    M,    B,    Z,    P,    X,
/* 3 */   M,    M,    M,    M,    B,    Z,    P,    X,    M,    M,    M,    M,    B,    Z,    P,    X,
/* 4 */   0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
/* 5 */   0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
/* 6 */   X,    X,  M|X,    M,    P,    P,    P,    P,    Z,   MZ,    B,   MB,    0,    0,    0,    0,
/* 7 */   B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,    B,
/* 8 */  MB,   MZ, MB|X,   MB,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 9 */   0,    0,    0,    0,    0,    0,    0,    0,    0,    0,I_P|X,    0,    0,    0,    0,    0,
/* a */ I_O,  I_O,  I_O,  I_O,    0,    0,    0,    0,    B,    Z,    0,    0,    0,    0,    0,    0,
/* b */   B,    B,    B,    B,    B,    B,    B,    B,  I_V,  I_V,  I_V,  I_V,  I_V,  I_V,  I_V,  I_V,
/* c */  MB,   MB,  I_W,    0,  M|X,  M|X,   MB,   MZ, I_WB,    0,  I_W,    0,    0,    B,    X,    0,
/* d */   M,    M,    M,    M,  B|X,  B|X,    X,    0,    M,    M,    M,    M,    M,    M,    M,    M,
/* e */   B,    B,    B,    B,    B,    B,    B,    B,  I_J,  I_J,I_P|X,    B,    0,    0,    0,    0,
/* f */   P,    0,    P,    P,    0,    0,M|I_G3B,M|I_G3Z,0,   0,    0,    0,    0,    0,    M,    M,
};

/* Two-byte opcode map, 0F xx (SDM Vol. 2 Table A-3). */
static const u8 map0f[256] = {
/*        0     1     2     3     4     5     6     7     8     9     a     b     c     d     e     f */
/* 0 */   M,    M,    M,    M,  BAD,    0,    0,    0,    0,    0,  BAD,    0,  BAD,    M,    0,   MB,
/* 1 */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 2 */M|F_MREG,M|F_MREG,M|F_MREG,M|F_MREG,BAD,BAD,BAD,BAD,M,   M,    M,    M,    M,    M,    M,    M,
/* 3 */   0,    0,    0,    0,    0,    0,  BAD,    0,    P,  BAD,    P,  BAD,  BAD,  BAD,  BAD,  BAD,
/* 4 */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 5 */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 6 */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 7 */  MB,   MB,   MB,   MB,    M,    M,    M,    0,    M,    M,  BAD,  BAD,    M,    M,    M,    M,
/* 8 */ I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,  I_J,
/* 9 */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* a */   0,    0,    0,    M,   MB,    M,  BAD,  BAD,    0,    0,    0,    M,   MB,    M,    M,    M,
/* b */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,   MB,    M,    M,    M,    M,    M,
/* c */   M,    M,   MB,    M,   MB,   MB,   MB,    M,    0,    0,    0,    0,    0,    0,    0,    0,
/* d */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* e */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* f */   M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
};

#undef M
#undef MB
#undef MZ
#undef B
#undef Z
#undef X
#undef BAD
#undef P

/* Decoder state for one instruction. */
struct dec {
	const u8 *b;
	size_t avail, pos;
	enum insn_mode mode;
	u8 rex;                      /* REX byte in effect (0: none) */
	bool p66, p67, pf2, pf3, lock;
	unsigned opsize, adsize;     /* effective sizes in bytes */
	u8 modrm;
};

/* Account for n more bytes of the instruction. */
static int take(struct dec *d, size_t n)
{
	if (d->pos + n > INSN_MAX_LEN)
		return E_INVAL;
	if (d->pos + n > d->avail)
		return E_RANGE;
	d->pos += n;
	return 0;
}

/* The next byte without consuming it. */
static int peek(struct dec *d, u8 *out)
{
	if (d->pos >= INSN_MAX_LEN)
		return E_INVAL;
	if (d->pos >= d->avail)
		return E_RANGE;
	*out = d->b[d->pos];
	return 0;
}

/* Consume and return the next byte. */
static int next(struct dec *d, u8 *out)
{
	int r = peek(d, out);
	return r ? r : take(d, 1);
}

/* Legacy prefixes (SDM Vol. 2 2.1.1) and REX (2.2.1): a REX byte only
 * counts when the opcode follows it directly; a later legacy prefix makes
 * the processor ignore it. Leaves d->pos at the first opcode byte. */
static int skip_prefixes(struct dec *d)
{
	for (;;) {
		u8 c;
		int r = peek(d, &c);
		if (r)
			return r;
		switch (c) {
		case 0x66: d->p66 = true; break;
		case 0x67: d->p67 = true; break;
		case 0xf0: d->lock = true; break;
		case 0xf2: d->pf2 = true; d->pf3 = false; break;
		case 0xf3: d->pf3 = true; d->pf2 = false; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: break;
		default:
			if (d->mode != INSN_MODE_64 || (c & 0xf0) != 0x40)
				return 0;
			if ((r = take(d, 1)))
				return r;
			d->rex = c;
			continue;
		}
		d->rex = 0;
		if ((r = take(d, 1)))
			return r;
	}
}

/* Effective operand and address sizes (SDM Vol. 1 3.6.1, Table 3-4). */
static void set_sizes(struct dec *d)
{
	switch (d->mode) {
	case INSN_MODE_16:
		d->opsize = d->p66 ? 4 : 2;
		d->adsize = d->p67 ? 4 : 2;
		break;
	case INSN_MODE_32:
		d->opsize = d->p66 ? 2 : 4;
		d->adsize = d->p67 ? 2 : 4;
		break;
	case INSN_MODE_64:
		d->opsize = (d->rex & 0x08) ? 8 : d->p66 ? 2 : 4;
		d->adsize = d->p67 ? 4 : 8;
		break;
	}
}

/* ModRM, SIB and displacement (SDM Vol. 2 2.1.5, Tables 2-1 to 2-3;
 * RIP-relative in 64-bit mode has the same disp32 length, 2.2.1.6). */
static int skip_modrm(struct dec *d, u8 flags)
{
	int r = next(d, &d->modrm);
	if (r)
		return r;
	u8 mod = d->modrm >> 6, rm = d->modrm & 7;
	if (mod == 3 || (flags & F_MREG))
		return 0;
	if (d->adsize == 2) {
		if (mod == 0)
			return rm == 6 ? take(d, 2) : 0;
		return take(d, mod == 1 ? 1 : 2);
	}
	if (rm == 4) {
		u8 sib;
		if ((r = next(d, &sib)))
			return r;
		if (mod == 0 && (sib & 7) == 5)
			return take(d, 4);
	}
	if (mod == 0)
		return rm == 5 ? take(d, 4) : 0;
	return take(d, mod == 1 ? 1 : 4);
}

/* Size in bytes of the immediate of kind k (after ModRM was read). */
static unsigned imm_size(const struct dec *d, unsigned k)
{
	unsigned z = d->opsize == 2 ? 2 : 4;
	bool test = ((d->modrm >> 3) & 7) <= 1;

	switch (k) {
	case I_B: return 1;
	case I_W: return 2;
	case I_Z: return z;
	case I_V: return d->opsize;
	case I_P: return 2 + z;
	case I_O: return d->adsize;
	case I_WB: return 3;
	case I_J: return d->mode == INSN_MODE_64 ? 4 : z;
	case I_G3B: return test ? 1 : 0;
	case I_G3Z: return test ? z : 0;
	default: return 0;
	}
}

/* Everything after the opcode byte, driven by its table entry. */
static int finish(struct dec *d, u8 flags)
{
	int r;
	if (flags & F_BAD)
		return E_INVAL;
	if ((flags & F_I64) && d->mode == INSN_MODE_64)
		return E_INVAL;
	if ((flags & F_M) && (r = skip_modrm(d, flags)))
		return r;
	if ((r = take(d, imm_size(d, flags & I_MASK))))
		return r;
	return (int)d->pos;
}

/* C4/C5 (VEX), 62 (EVEX) and 8F (XOP) are LES/LDS/BOUND/POP outside
 * 64-bit mode unless the next byte has ModRM.mod = 11b (SDM Vol. 2
 * 2.3.5.6, 2.7.1); 8F is XOP only when that byte's map field is >= 8
 * (APM Vol. 3 1.8). */
static bool is_vex_like(const struct dec *d, u8 op, u8 nextb)
{
	if (op == 0x8f)
		return (nextb & 0x1f) >= 8;
	return d->mode == INSN_MODE_64 || (nextb & 0xc0) == 0xc0;
}

/* Table entry for opcode op of VEX/EVEX/XOP opcode map `map`. */
static int vex_map_flags(u8 map, u8 op, bool evex, u8 *flags)
{
	switch (map) {
	case 0: return E_INVAL;                    /* reserved */
	case 1: *flags = map0f[op]; return op == 0x38 || op == 0x3a ? E_INVAL : 0;
	case 2: *flags = F_M; return 0;            /* 0F38 */
	case 3: *flags = F_M | I_B; return 0;      /* 0F3A */
	case 5: case 6: *flags = F_M; return evex ? 0 : E_INVAL;  /* AVX512-FP16 */
	case 8: *flags = F_M | I_B; return evex ? E_INVAL : 0;    /* XOP */
	case 9: *flags = F_M; return evex ? E_INVAL : 0;
	case 10: *flags = F_M | I_Z; return evex ? E_INVAL : 0;   /* XOP imm32 */
	default: return E_NOTSUP;
	}
}

/* The rest of a VEX (SDM Vol. 2 2.3.5), EVEX (2.7.1) or XOP (APM Vol. 3
 * 1.8) instruction whose escape byte op was consumed. No 66/F2/F3/F0/REX
 * may precede them (#UD); VEX.W / EVEX.W do not change immediate sizes. */
static int finish_vex(struct dec *d, u8 op)
{
	u8 p0, map, opcode, flags;
	int r;
	if (d->p66 || d->pf2 || d->pf3 || d->lock || d->rex)
		return E_INVAL;
	if ((r = next(d, &p0)))
		return r;
	map = op == 0xc5 ? 1 : op == 0x62 ? (p0 & 7) : (p0 & 0x1f);
	if (op != 0xc5 && (r = take(d, op == 0x62 ? 2 : 1)))
		return r;
	if ((r = next(d, &opcode)))
		return r;
	if ((r = vex_map_flags(map, opcode, op == 0x62, &flags)))
		return r;
	d->opsize = 4;
	return finish(d, flags);
}

int insn_len(const u8 *bytes, size_t avail, enum insn_mode mode)
{
	struct dec d = { .b = bytes, .avail = avail, .mode = mode };
	u8 op, nb;
	int r;

	if ((r = skip_prefixes(&d)) || (r = next(&d, &op)))
		return r;
	set_sizes(&d);
	if (op == 0xc4 || op == 0xc5 || op == 0x62 || op == 0x8f) {
		if ((r = peek(&d, &nb)))
			return r;
		if (is_vex_like(&d, op, nb))
			return finish_vex(&d, op);
		return finish(&d, map1[op]);
	}
	if (op != 0x0f)
		return finish(&d, map1[op]);
	if ((r = next(&d, &op)))
		return r;
	if (op == 0x38 || op == 0x3a) {
		u8 flags = op == 0x38 ? F_M : (F_M | I_B);
		if ((r = next(&d, &op)))
			return r;
		return finish(&d, flags);
	}
	return finish(&d, map0f[op]);
}
