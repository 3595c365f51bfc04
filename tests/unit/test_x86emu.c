/* Unit tests for the MMIO instruction emulator (core/x86emu*.c): a table of
 * encodings in 16-, 32- and 64-bit code (lengths checked against
 * `objdump -D -b binary -m i8086|i386|i386:x86-64`; objdump shows a REX
 * that is not last as its own "instruction"), with the decoded
 * size, register, immediate and linear address over a fixed register file;
 * rejects; then execution against a fake memory window checking registers,
 * memory and RFLAGS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/x86emu.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64
#define NOREG 0xff

struct enc {
	enum x86_mode mode;
	const char *bytes;
	u8 len;
	u8 op;
	u8 opsize;
	u8 reg;          /* NOREG: not checked */
	u64 imm;
	u64 la;
};

#define RIP0 0x100000ull

/* gpr[i] = (i + 1) * 0x1000; ES/CS/SS bases only matter outside 64-bit. */
static void cpu_init(struct x86_cpu *cpu, enum x86_mode mode)
{
	memset(cpu, 0, sizeof(*cpu));
	for (int i = 0; i < 16; i++)
		cpu->gpr[i] = (u64)(i + 1) * 0x1000;
	cpu->rip = RIP0;
	cpu->rflags = 0x2;
	cpu->seg_base[X86_ES] = 0x100;
	cpu->seg_base[X86_CS] = 0x5555;
	cpu->seg_base[X86_SS] = 0x200;
	cpu->seg_base[X86_FS] = 0x10000000;
	cpu->seg_base[X86_GS] = 0x20000000;
	cpu->mode = mode;
}

#define MOV X86_OP_MOV
#define ALU(o) X86_OP_##o

static const struct enc encs[] = {
	/* 64-bit: ModRM/SIB/disp forms, RIP-relative, REX */
	{ M64, "\x8b\x05\x00\x10\x00\x00", 6, MOV, 4, X86_RAX, 0, RIP0 + 6 + 0x1000 }, /* mov 0x1000(%rip),%eax */
	{ M64, "\x48\x89\x0c\x24", 4, MOV, 8, X86_RCX, 0, 0x5000 },          /* mov %rcx,(%rsp) */
	{ M64, "\x88\x20", 2, MOV, 1, 4, 0, 0x1000 },                         /* mov %ah,(%rax) */
	{ M64, "\x40\x88\x20", 3, MOV, 1, 4, 0, 0x1000 },                     /* mov %spl,(%rax) */
	{ M64, "\x66\x44\x89\x4c\x98\x10", 6, MOV, 2, X86_R9, 0, 0x11010 },  /* mov %r9w,0x10(%rax,%rbx,4) */
	{ M64, "\x4d\x89\x6d\x00", 4, MOV, 8, X86_R13, 0, 0xe000 },           /* mov %r13,0x0(%r13) */
	{ M64, "\x41\x8a\x04\x24", 4, MOV, 1, X86_RAX, 0, 0xd000 },           /* mov (%r12),%al */
	{ M64, "\x42\x8b\x04\xe5\x00\x00\x00\x00", 8, MOV, 4, X86_RAX, 0, 0x68000 }, /* mov 0x0(,%r12,8),%eax */
	{ M64, "\x8b\x04\x20", 3, MOV, 4, X86_RAX, 0, 0x1000 },               /* mov (%rax,%riz,1),%eax */
	{ M64, "\x8b\x45\xf8", 3, MOV, 4, X86_RAX, 0, 0x5ff8 },               /* mov -0x8(%rbp),%eax */
	{ M64, "\x4c\x8b\x84\x24\x00\x01\x00\x00", 8, MOV, 8, X86_R8, 0, 0x5100 }, /* mov 0x100(%rsp),%r8 */
	{ M64, "\xc6\x00\x12", 3, MOV, 1, NOREG, 0x12, 0x1000 },              /* movb $0x12,(%rax) */
	{ M64, "\x66\xc7\x40\x10\x34\x12", 6, MOV, 2, NOREG, 0x1234, 0x1010 }, /* movw $0x1234,0x10(%rax) */
	{ M64, "\x48\xc7\x05\x00\x01\x00\x00\xff\xff\xff\xff", 11, MOV, 8, NOREG,
	  0xffffffffffffffffull, RIP0 + 11 + 0x100 },                         /* movq $-1,0x100(%rip) */
	{ M64, "\xc7\x04\x25\x00\x00\xe0\xfe\x78\x56\x34\x12", 11, MOV, 4, NOREG,
	  0x12345678, 0xfffffffffee00000ull },                                /* movl $0x12345678,0xfffffffffee00000 */
	{ M64, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 9, MOV, 4, X86_RAX, 0,
	  0x1122334455667788ull },                                             /* movabs 0x1122334455667788,%eax */
	{ M64, "\x48\xa3\x88\x77\x66\x55\x44\x33\x22\x11", 10, MOV, 8, X86_RAX, 0,
	  0x1122334455667788ull },                                             /* movabs %rax,0x1122334455667788 */
	{ M64, "\x67\xa0\x00\x00\xe0\xfe", 6, MOV, 1, X86_RAX, 0, 0xfee00000 }, /* addr32 mov 0xfee00000,%al */
	{ M64, "\x67\x8b\x80\x00\x00\x00\xff", 7, MOV, 4, X86_RAX, 0, 0xff001000 }, /* mov -0x1000000(%eax),%eax */
	{ M64, "\x67\x8b\x05\x10\x00\x00\x00", 7, MOV, 4, X86_RAX, 0, RIP0 + 7 + 0x10 }, /* mov 0x10(%eip),%eax */
	{ M64, "\x65\x8b\x04\x25\x10\x00\x00\x00", 8, MOV, 4, X86_RAX, 0, 0x20000010 }, /* mov %gs:0x10,%eax */
	{ M64, "\x64\x48\x8b\x00", 4, MOV, 8, X86_RAX, 0, 0x10001000 },       /* mov %fs:(%rax),%rax */
	{ M64, "\x2e\x8b\x00", 3, MOV, 4, X86_RAX, 0, 0x1000 },               /* mov %cs:(%rax),%eax: base ignored */
	{ M64, "\x26\x8b\x00", 3, MOV, 4, X86_RAX, 0, 0x1000 },               /* mov %es:(%rax),%eax: base ignored */
	{ M64, "\x48\x41\x8b\x00", 4, MOV, 4, X86_RAX, 0, 0x9000 },           /* rex.w then rex.b: only the last REX counts */
	{ M64, "\x48\x66\x8b\x00", 4, MOV, 2, X86_RAX, 0, 0x1000 },           /* REX before 66 is ignored */
	{ M64, "\x0f\xb6\x06", 3, X86_OP_MOVZX, 4, X86_RAX, 0, 0x7000 },      /* movzbl (%rsi),%eax */
	{ M64, "\x48\x0f\xbf\x0b", 4, X86_OP_MOVSX, 8, X86_RCX, 0, 0x4000 },  /* movswq (%rbx),%rcx */
	{ M64, "\x66\x0f\xbe\x08", 4, X86_OP_MOVSX, 2, X86_RCX, 0, 0x1000 },  /* movsbw (%rax),%cx */
	{ M64, "\x48\x63\x10", 3, X86_OP_MOVSX, 8, X86_RDX, 0, 0x1000 },      /* movslq (%rax),%rdx */
	{ M64, "\x01\x08", 2, ALU(ADD), 4, X86_RCX, 0, 0x1000 },              /* add %ecx,(%rax) */
	{ M64, "\x03\x08", 2, ALU(ADD), 4, X86_RCX, 0, 0x1000 },              /* add (%rax),%ecx */
	{ M64, "\x08\x08", 2, ALU(OR), 1, X86_RCX, 0, 0x1000 },               /* or %cl,(%rax) */
	{ M64, "\x13\x08", 2, ALU(ADC), 4, X86_RCX, 0, 0x1000 },              /* adc (%rax),%ecx */
	{ M64, "\x18\x08", 2, ALU(SBB), 1, X86_RCX, 0, 0x1000 },              /* sbb %cl,(%rax) */
	{ M64, "\x21\x08", 2, ALU(AND), 4, X86_RCX, 0, 0x1000 },              /* and %ecx,(%rax) */
	{ M64, "\x48\x29\x08", 3, ALU(SUB), 8, X86_RCX, 0, 0x1000 },          /* sub %rcx,(%rax) */
	{ M64, "\x32\x08", 2, ALU(XOR), 1, X86_RCX, 0, 0x1000 },              /* xor (%rax),%cl */
	{ M64, "\x3b\x08", 2, ALU(CMP), 4, X86_RCX, 0, 0x1000 },              /* cmp (%rax),%ecx */
	{ M64, "\x83\x28\x01", 3, ALU(SUB), 4, NOREG, 1, 0x1000 },            /* subl $1,(%rax) */
	{ M64, "\x83\x38\xff", 3, ALU(CMP), 4, NOREG, 0xffffffff, 0x1000 },   /* cmpl $-1,(%rax) */
	{ M64, "\x48\x83\x00\xff", 4, ALU(ADD), 8, NOREG, ~0ull, 0x1000 },    /* addq $-1,(%rax) */
	{ M64, "\x48\x81\x00\x00\x00\x00\x80", 7, ALU(ADD), 8, NOREG,
	  0xffffffff80000000ull, 0x1000 },                                    /* addq $-0x80000000,(%rax) */
	{ M64, "\x66\x81\x20\xff\x00", 5, ALU(AND), 2, NOREG, 0xff, 0x1000 }, /* andw $0xff,(%rax) */
	{ M64, "\x80\x08\x80", 3, ALU(OR), 1, NOREG, 0x80, 0x1000 },          /* orb $0x80,(%rax) */
	{ M64, "\x80\x30\x01", 3, ALU(XOR), 1, NOREG, 1, 0x1000 },            /* xorb $1,(%rax) */
	{ M64, "\x80\x10\x01", 3, ALU(ADC), 1, NOREG, 1, 0x1000 },            /* adcb $1,(%rax) */
	{ M64, "\x80\x18\x01", 3, ALU(SBB), 1, NOREG, 1, 0x1000 },            /* sbbb $1,(%rax) */
	{ M64, "\xf6\x00\x01", 3, X86_OP_TEST, 1, NOREG, 1, 0x1000 },         /* testb $1,(%rax) */
	{ M64, "\x66\xf7\x00\x34\x12", 5, X86_OP_TEST, 2, NOREG, 0x1234, 0x1000 }, /* testw $0x1234,(%rax) */
	{ M64, "\x48\xf7\x00\x00\x00\x00\x80", 7, X86_OP_TEST, 8, NOREG,
	  0xffffffff80000000ull, 0x1000 },                                    /* testq $-0x80000000,(%rax) */
	{ M64, "\x85\x08", 2, X86_OP_TEST, 4, X86_RCX, 0, 0x1000 },           /* test %ecx,(%rax) */
	{ M64, "\x84\x28", 2, X86_OP_TEST, 1, 5, 0, 0x1000 },                 /* test %ch,(%rax) */
	{ M64, "\x86\x08", 2, X86_OP_XCHG, 1, X86_RCX, 0, 0x1000 },           /* xchg %cl,(%rax) */
	{ M64, "\x87\x08", 2, X86_OP_XCHG, 4, X86_RCX, 0, 0x1000 },           /* xchg %ecx,(%rax) */
	{ M64, "\xf0\x01\x08", 3, ALU(ADD), 4, X86_RCX, 0, 0x1000 },          /* lock add %ecx,(%rax) */
	{ M64, "\xf0\x87\x08", 3, X86_OP_XCHG, 4, X86_RCX, 0, 0x1000 },       /* lock xchg %ecx,(%rax) */
	{ M64, "\xf0\x83\x00\x01", 4, ALU(ADD), 4, NOREG, 1, 0x1000 },        /* lock addl $1,(%rax) */
	{ M64, "\xf3\xa4", 2, X86_OP_MOVS, 1, NOREG, 0, 0 },                  /* rep movsb */
	{ M64, "\xf3\x48\xa5", 3, X86_OP_MOVS, 8, NOREG, 0, 0 },              /* rep movsq */
	{ M64, "\x66\xab", 2, X86_OP_STOS, 2, NOREG, 0, 0 },                  /* stos %ax,%es:(%rdi) */
	{ M64, "\xaa", 1, X86_OP_STOS, 1, NOREG, 0, 0 },                      /* stos %al,%es:(%rdi) */
	{ M64, "\x2e\x2e\x2e\x2e\x48\xc7\x80\x00\x00\x00\x00\x78\x56\x34\x12", 15, MOV, 8,
	  NOREG, 0x12345678, 0x1000 },                                        /* 15 bytes exactly */
	/* 32-bit */
	{ M32, "\x8b\x05\x00\x10\x00\x00", 6, MOV, 4, X86_RAX, 0, 0x1000 },   /* mov 0x1000,%eax (no RIP-relative) */
	{ M32, "\x66\x89\x08", 3, MOV, 2, X86_RCX, 0, 0x1000 },               /* mov %cx,(%eax) */
	{ M32, "\x8b\x45\x08", 3, MOV, 4, X86_RAX, 0, 0x200 + 0x6008 },       /* mov 0x8(%ebp),%eax: SS */
	{ M32, "\x8b\x04\x24", 3, MOV, 4, X86_RAX, 0, 0x200 + 0x5000 },       /* mov (%esp),%eax: SS */
	{ M32, "\x26\x8b\x00", 3, MOV, 4, X86_RAX, 0, 0x100 + 0x1000 },       /* mov %es:(%eax),%eax */
	{ M32, "\x3e\x8b\x45\x00", 4, MOV, 4, X86_RAX, 0, 0x6000 },           /* mov %ds:0x0(%ebp),%eax */
	{ M32, "\x67\x8b\x07", 3, MOV, 4, X86_RAX, 0, 0x4000 },               /* mov (%bx),%eax */
	{ M32, "\xa1\x78\x56\x34\x12", 5, MOV, 4, X86_RAX, 0, 0x12345678 },   /* mov 0x12345678,%eax */
	{ M32, "\x66\xa3\x00\x10\x00\x00", 6, MOV, 2, X86_RAX, 0, 0x1000 },   /* mov %ax,0x1000 */
	{ M32, "\xc7\x00\xff\xff\xff\xff", 6, MOV, 4, NOREG, 0xffffffff, 0x1000 }, /* movl $-1,(%eax) */
	{ M32, "\x8b\x80\x00\x00\x00\xff", 6, MOV, 4, X86_RAX, 0, 0xff001000 }, /* mov -0x1000000(%eax),%eax */
	{ M32, "\xf3\xab", 2, X86_OP_STOS, 4, NOREG, 0, 0 },                  /* rep stos %eax */
	/* 16-bit */
	{ M16, "\x8b\x07", 2, MOV, 2, X86_RAX, 0, 0x4000 },                   /* mov (%bx),%ax */
	{ M16, "\x8b\x42\x10", 3, MOV, 2, X86_RAX, 0, 0x200 + 0xd010 },       /* mov 0x10(%bp,%si),%ax: SS */
	{ M16, "\x8b\x06\x34\x12", 4, MOV, 2, X86_RAX, 0, 0x1234 },           /* mov 0x1234,%ax */
	{ M16, "\x8b\x87\x00\xf0", 4, MOV, 2, X86_RAX, 0, 0x3000 },           /* mov -0x1000(%bx),%ax: wraps at 64K */
	{ M16, "\x8b\x46\x00", 3, MOV, 2, X86_RAX, 0, 0x200 + 0x6000 },       /* mov 0x0(%bp),%ax: SS */
	{ M16, "\x88\x60\xff", 3, MOV, 1, 4, 0, 0xafff },                     /* mov %ah,-0x1(%bx,%si) */
	{ M16, "\x66\x8b\x07", 3, MOV, 4, X86_RAX, 0, 0x4000 },               /* mov (%bx),%eax */
	{ M16, "\x67\x8b\x03", 3, MOV, 2, X86_RAX, 0, 0x4000 },               /* mov (%ebx),%ax */
	{ M16, "\x26\x8b\x01", 3, MOV, 2, X86_RAX, 0, 0x100 + 0x8000 + 0x4000 }, /* mov %es:(%bx,%di),%ax */
	{ M16, "\xa1\x34\x12", 3, MOV, 2, X86_RAX, 0, 0x1234 },               /* mov 0x1234,%ax */
	{ M16, "\xc7\x06\x00\x10\x34\x12", 6, MOV, 2, NOREG, 0x1234, 0x1000 }, /* movw $0x1234,0x1000 */
	{ M16, "\x83\x07\xff", 3, ALU(ADD), 2, NOREG, 0xffff, 0x4000 },       /* addw $-1,(%bx) */
};

/* The first field of entry e that decodes differently, or NULL. */
static const char *enc_mismatch(const struct enc *e)
{
	struct x86_insn in;
	struct x86_cpu cpu;

	cpu_init(&cpu, e->mode);
	if (x86emu_decode((const u8 *)e->bytes, e->len, e->mode, &in) != X86EMU_OK)
		return "result";
	if (in.len != e->len)
		return "len";
	if (in.op != e->op)
		return "op";
	if (in.opsize != e->opsize)
		return "opsize";
	if (e->reg != NOREG && in.reg != e->reg)
		return "reg";
	if (in.imm != e->imm)
		return "imm";
	if (e->op != X86_OP_MOVS && e->op != X86_OP_STOS &&
	    x86emu_operand_la(&in, &cpu) != e->la)
		return "linear address";
	if (memcmp(in.bytes, e->bytes, e->len))
		return "bytes";
	return NULL;
}

static void test_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(encs); i++) {
		const char *why = enc_mismatch(&encs[i]);
		if (why)
			fail_msg("encoding %zu: wrong %s", i, why);
	}
}

/* Decoding a table entry with extra bytes after it still stops at len. */
static void test_decode_trailing(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(encs); i++) {
		u8 buf[X86_INSN_MAX];
		struct x86_insn in;
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, encs[i].bytes, encs[i].len);
		assert_int_equal(x86emu_decode(buf, sizeof(buf), encs[i].mode, &in), X86EMU_OK);
		assert_int_equal(in.len, encs[i].len);
	}
}

/* Every proper prefix of a valid encoding is truncated: X86EMU_BAD. */
static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(encs); i++) {
		for (u8 n = 0; n < encs[i].len; n++) {
			struct x86_insn in;
			assert_int_equal(x86emu_decode((const u8 *)encs[i].bytes, n,
						       encs[i].mode, &in), X86EMU_BAD);
		}
	}
}

struct rej {
	enum x86_mode mode;
	const char *bytes;
	u8 n;
	enum x86emu_result r;
};

static const struct rej rejs[] = {
	{ M64, "\xf0\x89\x08", 3, X86EMU_BAD },          /* lock mov */
	{ M64, "\xf0\x8b\x08", 3, X86EMU_BAD },          /* lock mov load */
	{ M64, "\xf0\x03\x08", 3, X86EMU_BAD },          /* lock add to a register */
	{ M64, "\xf0\x39\x08", 3, X86EMU_BAD },          /* lock cmp */
	{ M64, "\xf0\x85\x08", 3, X86EMU_BAD },          /* lock test */
	{ M64, "\xf0\x0f\xb6\x08", 4, X86EMU_BAD },      /* lock movzx */
	{ M64, "\xf0\xa4", 2, X86EMU_BAD },              /* lock movsb */
	{ M64, "\xf0\xa1\0\0\0\0\0\0\0\0", 10, X86EMU_BAD }, /* lock mov moffs */
	{ M64, "\xf0\x01\xc8", 3, X86EMU_BAD },          /* lock add %ecx,%eax */
	{ M64, "\xf0\xc6\x00\x01", 4, X86EMU_BAD },      /* lock movb $1,(%rax) */
	{ M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66", 16, X86EMU_BAD },
	{ M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x89", 15, X86EMU_BAD },
	{ M64, "\x2e\x2e\x2e\x2e\x2e\x48\xc7\x80\x00\x00\x00\x00\x78\x56\x34\x12", 16, X86EMU_BAD },
	{ M64, "\x89\xc8", 2, X86EMU_UNSUPPORTED },      /* mov %ecx,%eax */
	{ M64, "\x48\x8b\xc1", 3, X86EMU_UNSUPPORTED },  /* mov %rcx,%rax */
	{ M64, "\x0f\xb6\xc1", 3, X86EMU_UNSUPPORTED },  /* movzbl %cl,%eax */
	{ M64, "\x83\xc0\x01", 3, X86EMU_UNSUPPORTED },  /* add $1,%eax */
	{ M64, "\x0f\x0b", 2, X86EMU_UNSUPPORTED },      /* ud2 */
	{ M64, "\xf7\x18", 2, X86EMU_UNSUPPORTED },      /* negl (%rax) */
	{ M64, "\xc6\x08\x12", 3, X86EMU_UNSUPPORTED },  /* c6 /1 */
	{ M64, "\x3c\x01", 2, X86EMU_UNSUPPORTED },      /* cmp $1,%al */
	{ M64, "\xff\x00", 2, X86EMU_UNSUPPORTED },      /* incl (%rax) */
	{ M64, "\x0f\x01\xf8", 3, X86EMU_UNSUPPORTED },  /* swapgs */
	{ M32, "\x63\x00", 2, X86EMU_UNSUPPORTED },      /* arpl in 32-bit code */
	{ M32, "\x40\x89\x08", 3, X86EMU_UNSUPPORTED },  /* inc %eax: no REX outside 64-bit */
	{ M16, "\x8e\x07", 2, X86EMU_UNSUPPORTED },      /* mov (%bx),%es */
	{ M64, "\x66", 1, X86EMU_BAD },
	{ M64, "\x48", 1, X86EMU_BAD },
	{ M64, "\x0f", 1, X86EMU_BAD },
	{ M64, "", 0, X86EMU_BAD },
	{ 3, "\x8b\x00", 2, X86EMU_BAD },                /* not a mode */
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rejs); i++) {
		struct x86_insn in;
		enum x86emu_result r = x86emu_decode((const u8 *)rejs[i].bytes, rejs[i].n,
						     rejs[i].mode, &in);
		if (r != rejs[i].r)
			fail_msg("reject %zu: result %d, expected %d", i, r, rejs[i].r);
		assert_true(in.len <= rejs[i].n && in.len <= X86_INSN_MAX);
	}
}

static void test_format_bytes(void **state)
{
	char buf[32];
	(void)state;
	x86emu_format_bytes((const u8 *)"\x8b\x05\x00\x00\xe0\xfe", 6, buf, sizeof(buf));
	assert_string_equal(buf, "8b 05 00 00 e0 fe");
	x86emu_format_bytes((const u8 *)"\x8b\x05\x00", 3, buf, 6);
	assert_string_equal(buf, "8b 05");
	x86emu_format_bytes((const u8 *)"\x8b", 1, buf, 2);
	assert_string_equal(buf, "");
	x86emu_format_bytes((const u8 *)"\x8b", 0, buf, 8);
	assert_string_equal(buf, "");
}


/* Fake memory: linear 0x1000..0x3000; writes to 0x2f00..0x3000 fail. */
#define FM_BASE 0x1000ull
#define FM_SIZE 0x2000ull
#define FM_RO 0x2f00ull

struct fakemem {
	u8 m[FM_SIZE];
	int reads, writes;
};

static bool fm_in(u64 la, u8 size)
{
	return la >= FM_BASE && la + size <= FM_BASE + FM_SIZE;
}

static int fm_read(void *ctx, u64 la, void *buf, u8 size)
{
	struct fakemem *f = ctx;
	if (!fm_in(la, size))
		return -1;
	f->reads++;
	memcpy(buf, &f->m[la - FM_BASE], size);
	return 0;
}

static int fm_write(void *ctx, u64 la, const void *buf, u8 size)
{
	struct fakemem *f = ctx;
	if (!fm_in(la, size) || la + size > FM_RO)
		return -1;
	f->writes++;
	memcpy(&f->m[la - FM_BASE], buf, size);
	return 0;
}

static const struct x86_mem_ops fm_ops = { fm_read, fm_write };
static struct fakemem fm;

static void fm_put(u64 la, u64 v, u8 size)
{
	memcpy(&fm.m[la - FM_BASE], &v, size);
}

static u64 fm_get(u64 la, u8 size)
{
	u64 v = 0;
	memcpy(&v, &fm.m[la - FM_BASE], size);
	return v;
}

/* Decode bytes and run them once; the result of x86emu_exec. */
static enum x86emu_result run(struct x86_cpu *cpu, const char *bytes, size_t n,
			      u32 max_iter)
{
	struct x86_insn in;
	assert_int_equal(x86emu_decode((const u8 *)bytes, n, cpu->mode, &in), X86EMU_OK);
	return x86emu_exec(&in, cpu, &fm_ops, &fm, max_iter);
}

#define RUN(cpu, b) run(cpu, b, sizeof(b) - 1, 16)
#define ARITH(f) ((f) & X86_FLAGS_ARITH)
#define CF X86_FLAG_CF
#define PF X86_FLAG_PF
#define AF X86_FLAG_AF
#define ZF X86_FLAG_ZF
#define SF X86_FLAG_SF
#define OF X86_FLAG_OF

static void exec_setup(struct x86_cpu *cpu, enum x86_mode mode)
{
	memset(&fm, 0, sizeof(fm));
	cpu_init(cpu, mode);
}

struct alu_case {
	const char *bytes;
	u8 n;
	u8 size;
	u64 mem, rcx, flags_in;
	u64 mem_out, rcx_out, flags_out;
};

/* rax = 0x1000 points at the operand; rcx is the register operand. */
static const struct alu_case alu_cases[] = {
	{ "\x01\x08", 2, 4, 0x7fffffff, 1, 0, 0x80000000, 1, OF | SF | AF | PF },
	{ "\x00\x08", 2, 1, 0xff, 1, 0, 0, 1, CF | ZF | AF | PF },
	{ "\x48\x01\x08", 3, 8, ~0ull, 1, 0, 0, 1, CF | ZF | AF | PF },
	{ "\x66\x01\x08", 3, 2, 0x8000, 0x8000, 0, 0, 0x8000, CF | ZF | OF | PF },
	{ "\x83\x28\x01", 3, 4, 0, 0, 0, 0xffffffff, 0, CF | SF | AF | PF },
	{ "\x83\x28\x01", 3, 4, 0x80000000, 0, 0, 0x7fffffff, 0, OF | AF | PF },
	{ "\x29\x08", 2, 4, 5, 5, CF | OF, 0, 5, ZF | PF },
	{ "\x3b\x08", 2, 4, 7, 5, 0, 7, 5, CF | SF | AF },
	{ "\x39\x08", 2, 4, 7, 5, 0, 7, 5, 0 },
	{ "\x83\x38\xff", 3, 4, 0xffffffff, 0, 0, 0xffffffff, 0, ZF | PF },
	{ "\x80\x38\x80", 3, 1, 0x7f, 0, 0, 0x7f, 0, CF | SF | OF | PF },
	{ "\x11\x08", 2, 4, 1, 1, CF, 3, 1, PF },
	{ "\x11\x08", 2, 4, 0xffffffff, 0, CF, 0, 0, CF | ZF | AF | PF },
	{ "\x19\x08", 2, 4, 5, 2, CF, 2, 2, 0 },
	{ "\x19\x08", 2, 4, 0, 0, CF, 0xffffffff, 0, CF | SF | AF | PF },
	{ "\x00\x08", 2, 1, 0x08, 0x08, 0, 0x10, 0x08, AF },
	{ "\x28\x08", 2, 1, 0x10, 0x08, 0, 0x08, 0x08, AF },
	{ "\x28\x08", 2, 1, 0x18, 0x08, AF, 0x10, 0x08, 0 },
	{ "\x80\x08\x80", 3, 1, 0x01, 0, CF | OF | AF, 0x81, 0, SF | PF },
	{ "\x21\x08", 2, 4, 0xf0f0, 0x0f0f, CF | OF, 0, 0x0f0f, ZF | PF },
	{ "\x31\x08", 2, 4, 0x3, 0x1, OF, 0x2, 0x1, 0 },
	{ "\x23\x08", 2, 4, 0xff00, 0x1ff, 0, 0xff00, 0x100, PF },
	{ "\x0b\x08", 2, 4, 0x80000000, 1, 0, 0x80000000, 0x80000001, SF },
	{ "\x85\x08", 2, 4, 0x2, 0x1, CF, 0x2, 0x1, ZF | PF },
	{ "\xf6\x00\x03", 3, 1, 0x81, 0, 0, 0x81, 0, 0 },
	{ "\x48\x81\x00\x00\x00\x00\x80", 7, 8, 0x80000000, 0, 0, 0, 0, CF | ZF | PF },
};

static void test_exec_alu(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		struct x86_cpu cpu;
		exec_setup(&cpu, M64);
		fm_put(0x1000, c->mem, c->size);
		cpu.gpr[X86_RCX] = c->rcx;
		cpu.rflags = 0x2 | X86_FLAG_DF | c->flags_in;
		if (run(&cpu, c->bytes, c->n, 16) != X86EMU_OK ||
		    fm_get(0x1000, c->size) != c->mem_out || cpu.gpr[X86_RCX] != c->rcx_out ||
		    ARITH(cpu.rflags) != c->flags_out ||
		    (cpu.rflags & ~X86_FLAGS_ARITH) != (0x2 | X86_FLAG_DF) ||
		    cpu.rip != RIP0 + c->n)
			fail_msg("alu case %zu: mem 0x%llx rcx 0x%llx flags 0x%llx (want 0x%llx 0x%llx 0x%llx)",
				 i, (unsigned long long)fm_get(0x1000, c->size),
				 (unsigned long long)cpu.gpr[X86_RCX],
				 (unsigned long long)ARITH(cpu.rflags),
				 (unsigned long long)c->mem_out, (unsigned long long)c->rcx_out,
				 (unsigned long long)c->flags_out);
	}
}

static void test_exec_mov(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	fm_put(0x1000, 0x8899aabbccddeeffull, 8);
	cpu.gpr[X86_RCX] = 0x1111111122222222ull;
	assert_int_equal(RUN(&cpu, "\x8b\x08"), X86EMU_OK);        /* mov (%rax),%ecx */
	assert_int_equal(cpu.gpr[X86_RCX], 0xccddeeff);
	assert_int_equal(cpu.rip, RIP0 + 2);
	cpu.gpr[X86_RCX] = 0x1111111122222222ull;
	assert_int_equal(RUN(&cpu, "\x66\x8b\x08"), X86EMU_OK);    /* mov (%rax),%cx */
	assert_int_equal(cpu.gpr[X86_RCX], 0x111111112222eeffull);
	assert_int_equal(RUN(&cpu, "\x8a\x08"), X86EMU_OK);        /* mov (%rax),%cl */
	assert_int_equal(cpu.gpr[X86_RCX], 0x111111112222eeffull);
	cpu.gpr[X86_RAX] = 0x1001;
	assert_int_equal(RUN(&cpu, "\x8a\x20"), X86EMU_OK);        /* mov (%rax),%ah */
	assert_int_equal(cpu.gpr[X86_RAX], 0xee01);
	cpu.gpr[X86_RAX] = 0x1000;
	cpu.gpr[X86_RSP] = 0x5000;
	assert_int_equal(RUN(&cpu, "\x40\x8a\x20"), X86EMU_OK);    /* mov (%rax),%spl */
	assert_int_equal(cpu.gpr[X86_RSP], 0x50ff);
	assert_int_equal(cpu.gpr[X86_RAX], 0x1000);
	assert_int_equal(RUN(&cpu, "\x48\x8b\x10"), X86EMU_OK);    /* mov (%rax),%rdx */
	assert_int_equal(cpu.gpr[X86_RDX], 0x8899aabbccddeeffull);
	cpu.gpr[X86_RBX] = 0x1234;
	assert_int_equal(RUN(&cpu, "\x88\x78\x10"), X86EMU_OK);    /* mov %bh,0x10(%rax) */
	assert_int_equal(fm_get(0x1010, 2), 0x12);
	assert_int_equal(RUN(&cpu, "\x48\xc7\x40\x20\xfe\xff\xff\xff"), X86EMU_OK); /* movq $-2,0x20(%rax) */
	assert_int_equal(fm_get(0x1020, 8), 0xfffffffffffffffeull);
	assert_int_equal(RUN(&cpu, "\x66\xc7\x40\x20\x34\x12"), X86EMU_OK);
	assert_int_equal(fm_get(0x1020, 8), 0xffffffffffff1234ull);
	cpu.gpr[X86_R9] = 0xabcdef;
	assert_int_equal(RUN(&cpu, "\x4c\x89\x48\x30"), X86EMU_OK); /* mov %r9,0x30(%rax) */
	assert_int_equal(fm_get(0x1030, 8), 0xabcdef);
	assert_int_equal(RUN(&cpu, "\x48\xa1\x30\x10\x00\x00\x00\x00\x00\x00"), X86EMU_OK);
	assert_int_equal(cpu.gpr[X86_RAX], 0xabcdef);
	cpu.rip = 0x1000 - 6 + 0x40;
	assert_int_equal(RUN(&cpu, "\x8b\x1d\xc0\xff\xff\xff"), X86EMU_OK); /* mov -0x40(%rip),%ebx */
	assert_int_equal(cpu.gpr[X86_RBX], 0xccddeeff);                    /* from 0x1000 */
	assert_int_equal(cpu.rip, 0x1040);
}

static void test_exec_movx(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	fm_put(0x1000, 0x80, 1);
	fm_put(0x1008, 0x8001, 2);
	fm_put(0x1010, 0x80000000, 4);
	cpu.gpr[X86_RCX] = ~0ull;
	assert_int_equal(RUN(&cpu, "\x0f\xb6\x08"), X86EMU_OK);       /* movzbl (%rax),%ecx */
	assert_int_equal(cpu.gpr[X86_RCX], 0x80);
	assert_int_equal(RUN(&cpu, "\x0f\xbe\x08"), X86EMU_OK);       /* movsbl (%rax),%ecx */
	assert_int_equal(cpu.gpr[X86_RCX], 0xffffff80);
	assert_int_equal(RUN(&cpu, "\x48\x0f\xbe\x08"), X86EMU_OK);   /* movsbq (%rax),%rcx */
	assert_int_equal(cpu.gpr[X86_RCX], 0xffffffffffffff80ull);
	cpu.gpr[X86_RCX] = 0x5555555555555555ull;
	assert_int_equal(RUN(&cpu, "\x66\x0f\xbe\x08"), X86EMU_OK);   /* movsbw (%rax),%cx */
	assert_int_equal(cpu.gpr[X86_RCX], 0x555555555555ff80ull);
	assert_int_equal(RUN(&cpu, "\x0f\xb7\x48\x08"), X86EMU_OK);   /* movzwl 8(%rax),%ecx */
	assert_int_equal(cpu.gpr[X86_RCX], 0x8001);
	assert_int_equal(RUN(&cpu, "\x48\x0f\xbf\x48\x08"), X86EMU_OK); /* movswq 8(%rax),%rcx */
	assert_int_equal(cpu.gpr[X86_RCX], 0xffffffffffff8001ull);
	assert_int_equal(RUN(&cpu, "\x48\x63\x48\x10"), X86EMU_OK);   /* movslq 0x10(%rax),%rcx */
	assert_int_equal(cpu.gpr[X86_RCX], 0xffffffff80000000ull);
	cpu.gpr[X86_RCX] = ~0ull;
	assert_int_equal(RUN(&cpu, "\x63\x48\x10"), X86EMU_OK);       /* movsxd without REX.W */
	assert_int_equal(cpu.gpr[X86_RCX], 0x80000000);
}

static void test_exec_xchg_test(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	fm_put(0x1000, 0xaabbccdd, 4);
	cpu.gpr[X86_RCX] = 0xffffffff11223344ull;
	cpu.rflags = 0x2 | CF;
	assert_int_equal(RUN(&cpu, "\x87\x08"), X86EMU_OK);           /* xchg %ecx,(%rax) */
	assert_int_equal(cpu.gpr[X86_RCX], 0xaabbccdd);
	assert_int_equal(fm_get(0x1000, 4), 0x11223344);
	assert_int_equal(cpu.rflags, 0x2 | CF);
	assert_int_equal(RUN(&cpu, "\x86\x28"), X86EMU_OK);           /* xchg %ch,(%rax) */
	assert_int_equal(cpu.gpr[X86_RCX], 0xaabb44dd);
	assert_int_equal(fm_get(0x1000, 4), 0x112233cc);
	assert_int_equal(RUN(&cpu, "\xf6\x00\x02"), X86EMU_OK);       /* testb $2,(%rax) */
	assert_int_equal(ARITH(cpu.rflags), ZF | PF);
	assert_int_equal(fm.writes, 2);
}

static void test_exec_mem16(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M16);
	cpu.seg_base[X86_SS] = 0x1000;
	cpu.seg_base[X86_DS] = 0x1100;
	cpu.gpr[X86_RBP] = 0xffff0010;   /* upper bits ignored by 16-bit addressing */
	cpu.gpr[X86_RSI] = 0x20;
	cpu.gpr[X86_RBX] = 0x8;
	cpu.gpr[X86_RAX] = 0x12345678;
	cpu.rip = 0xfffe;
	fm_put(0x1000 + 0x40, 0xbeef, 2);
	assert_int_equal(RUN(&cpu, "\x8b\x42\x10"), X86EMU_OK);       /* mov 0x10(%bp,%si),%ax */
	assert_int_equal(cpu.gpr[X86_RAX], 0x1234beef);
	assert_int_equal(cpu.rip, 0x1);                                /* IP wraps */
	assert_int_equal(RUN(&cpu, "\x89\x07"), X86EMU_OK);           /* mov %ax,(%bx) in DS */
	assert_int_equal(fm_get(0x1108, 2), 0xbeef);
	assert_int_equal(RUN(&cpu, "\x66\x8b\x07"), X86EMU_OK);       /* mov (%bx),%eax */
	assert_int_equal(cpu.gpr[X86_RAX], 0xbeef);
}

/* String tests: source 0x1100.., destination 0x1200.. */
static void test_exec_rep_movs(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	for (int i = 0; i < 16; i++)
		fm.m[0x100 + i] = (u8)(0xa0 + i);
	cpu.gpr[X86_RSI] = 0x1100;
	cpu.gpr[X86_RDI] = 0x1200;
	cpu.gpr[X86_RCX] = 5;
	assert_int_equal(RUN(&cpu, "\xf3\xa4"), X86EMU_OK);           /* rep movsb */
	assert_memory_equal(&fm.m[0x200], &fm.m[0x100], 5);
	assert_int_equal(fm.m[0x205], 0);
	assert_int_equal(cpu.gpr[X86_RSI], 0x1105);
	assert_int_equal(cpu.gpr[X86_RDI], 0x1205);
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	assert_int_equal(cpu.rip, RIP0 + 2);
	assert_int_equal(fm.reads, 5);
	assert_int_equal(fm.writes, 5);

	exec_setup(&cpu, M64);
	for (int i = 0; i < 16; i++)
		fm.m[0x100 + i] = (u8)(0xa0 + i);
	cpu.rflags |= X86_FLAG_DF;
	cpu.gpr[X86_RSI] = 0x1108;
	cpu.gpr[X86_RDI] = 0x1208;
	cpu.gpr[X86_RCX] = 3;
	assert_int_equal(RUN(&cpu, "\xf3\xa5"), X86EMU_OK);           /* rep movsl, DF=1 */
	assert_memory_equal(&fm.m[0x200], &fm.m[0x100], 12);
	assert_int_equal(cpu.gpr[X86_RSI], 0x10fc);
	assert_int_equal(cpu.gpr[X86_RDI], 0x11fc);
	assert_int_equal(cpu.gpr[X86_RCX], 0);

	exec_setup(&cpu, M64);
	fm_put(0x1100, 0x0102030405060708ull, 8);
	cpu.gpr[X86_RSI] = 0x1100;
	cpu.gpr[X86_RDI] = 0x1200;
	cpu.gpr[X86_RCX] = 7;
	assert_int_equal(RUN(&cpu, "\x48\xa5"), X86EMU_OK);           /* movsq, no REP */
	assert_int_equal(fm_get(0x1200, 8), 0x0102030405060708ull);
	assert_int_equal(cpu.gpr[X86_RCX], 7);
	assert_int_equal(cpu.gpr[X86_RSI], 0x1108);
}

static void test_exec_rep_stos_again(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	cpu.gpr[X86_RAX] = 0x5a;
	cpu.gpr[X86_RDI] = 0x1200;
	cpu.gpr[X86_RCX] = 5;
	assert_int_equal(run(&cpu, "\xf3\xaa", 2, 2), X86EMU_AGAIN);
	assert_int_equal(cpu.gpr[X86_RCX], 3);
	assert_int_equal(cpu.gpr[X86_RDI], 0x1202);
	assert_int_equal(cpu.rip, RIP0);
	assert_int_equal(run(&cpu, "\xf3\xaa", 2, 2), X86EMU_AGAIN);
	assert_int_equal(run(&cpu, "\xf3\xaa", 2, 2), X86EMU_OK);
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	assert_int_equal(cpu.gpr[X86_RDI], 0x1205);
	assert_int_equal(cpu.rip, RIP0 + 2);
	assert_int_equal(fm_get(0x1200, 8), 0x5a5a5a5a5aull);
	assert_int_equal(fm.writes, 5);

	/* RCX = 0: nothing touched, RIP advances. */
	assert_int_equal(run(&cpu, "\xf3\xab", 2, 2), X86EMU_OK);
	assert_int_equal(fm.writes, 5);
	assert_int_equal(cpu.rip, RIP0 + 4);

	/* 32-bit address size in 64-bit code: ECX/EDI, upper halves cleared. */
	exec_setup(&cpu, M64);
	cpu.rflags |= X86_FLAG_DF;
	cpu.gpr[X86_RAX] = 0x11223344;
	cpu.gpr[X86_RDI] = 0xffffffff00001204ull;
	cpu.gpr[X86_RCX] = 0xffffffff00000002ull;
	assert_int_equal(RUN(&cpu, "\x67\xf3\xab"), X86EMU_OK);       /* rep stos %eax,%es:(%edi) */
	assert_int_equal(fm_get(0x1200, 8), 0x1122334411223344ull);
	assert_int_equal(cpu.gpr[X86_RCX], 0);
	assert_int_equal(cpu.gpr[X86_RDI], 0x11fc);

	/* 16-bit: CX/DI merge into the upper bits, ES base added. */
	exec_setup(&cpu, M16);
	cpu.seg_base[X86_ES] = 0x1000;
	cpu.gpr[X86_RAX] = 0xabcd;
	cpu.gpr[X86_RDI] = 0x77770300;
	cpu.gpr[X86_RCX] = 0x88880002;
	assert_int_equal(RUN(&cpu, "\xf3\xab"), X86EMU_OK);           /* rep stosw */
	assert_int_equal(fm_get(0x1300, 4), 0xabcdabcd);
	assert_int_equal(cpu.gpr[X86_RCX], 0x88880000);
	assert_int_equal(cpu.gpr[X86_RDI], 0x77770304);
}

static void test_exec_memfail(void **state)
{
	struct x86_cpu cpu, before;
	(void)state;
	exec_setup(&cpu, M64);
	cpu.gpr[X86_RAX] = 0x9000;
	before = cpu;
	assert_int_equal(RUN(&cpu, "\x8b\x08"), X86EMU_MEMFAIL);       /* read outside */
	assert_int_equal(RUN(&cpu, "\x87\x08"), X86EMU_MEMFAIL);
	assert_int_equal(RUN(&cpu, "\x0f\xb6\x08"), X86EMU_MEMFAIL);
	assert_memory_equal(&cpu, &before, sizeof(cpu));

	cpu.gpr[X86_RAX] = FM_RO;
	cpu.rflags = 0x2;
	fm_put(FM_RO, 0xff, 1);
	before = cpu;
	assert_int_equal(RUN(&cpu, "\x80\x00\x01"), X86EMU_MEMFAIL);   /* read ok, write fails */
	assert_int_equal(RUN(&cpu, "\x86\x08"), X86EMU_MEMFAIL);
	assert_int_equal(RUN(&cpu, "\x89\x08"), X86EMU_MEMFAIL);
	assert_memory_equal(&cpu, &before, sizeof(cpu));
	assert_int_equal(fm_get(FM_RO, 1), 0xff);
	assert_int_equal(fm.writes, 0);

	/* CMP and TEST never write: they succeed on read-only memory. */
	assert_int_equal(RUN(&cpu, "\x80\x38\xff"), X86EMU_OK);
	assert_int_equal(ARITH(cpu.rflags), ZF | PF);

	/* REP MOVS failing in its 3rd iteration keeps the first two. */
	exec_setup(&cpu, M64);
	cpu.gpr[X86_RSI] = 0x1100;
	cpu.gpr[X86_RDI] = FM_RO - 2;
	cpu.gpr[X86_RCX] = 4;
	assert_int_equal(RUN(&cpu, "\xf3\xa4"), X86EMU_MEMFAIL);
	assert_int_equal(cpu.gpr[X86_RCX], 2);
	assert_int_equal(cpu.gpr[X86_RDI], FM_RO);
	assert_int_equal(cpu.gpr[X86_RSI], 0x1102);
	assert_int_equal(cpu.rip, RIP0);
	assert_int_equal(fm.writes, 2);
}

/* FS/GS bases in 64-bit code; DS/ES bases ignored there. */
static void test_exec_segments(void **state)
{
	struct x86_cpu cpu;
	(void)state;
	exec_setup(&cpu, M64);
	cpu.seg_base[X86_GS] = 0x1000;
	cpu.seg_base[X86_DS] = 0x800;
	fm_put(0x1010, 0x42, 4);
	assert_int_equal(RUN(&cpu, "\x65\x8b\x0c\x25\x10\x00\x00\x00"), X86EMU_OK); /* mov %gs:0x10,%ecx */
	assert_int_equal(cpu.gpr[X86_RCX], 0x42);
	cpu.gpr[X86_RAX] = 0x1010;
	assert_int_equal(RUN(&cpu, "\x3e\x8b\x10"), X86EMU_OK);       /* mov %ds:(%rax),%edx */
	assert_int_equal(cpu.gpr[X86_RDX], 0x42);
}

/* exec refuses what decode refused (register form, truncation, LOCK MOV). */
static void test_exec_refuses_undecoded(void **state)
{
	struct x86_insn in;
	struct x86_cpu cpu, before;
	(void)state;
	exec_setup(&cpu, M64);
	before = cpu;
	assert_int_equal(x86emu_decode((const u8 *)"\x89\xc8", 2, M64, &in), X86EMU_UNSUPPORTED);
	assert_int_equal(x86emu_exec(&in, &cpu, &fm_ops, &fm, 1), X86EMU_UNSUPPORTED);
	assert_int_equal(x86emu_decode((const u8 *)"\x8b", 0, M64, &in), X86EMU_BAD);
	assert_int_equal(x86emu_exec(&in, &cpu, &fm_ops, &fm, 1), X86EMU_UNSUPPORTED);
	assert_int_equal(x86emu_decode((const u8 *)"\xf0\x89\x08", 3, M64, &in), X86EMU_BAD);
	assert_int_equal(x86emu_exec(&in, &cpu, &fm_ops, &fm, 1), X86EMU_UNSUPPORTED);
	assert_memory_equal(&cpu, &before, sizeof(cpu));
	assert_int_equal(fm.reads + fm.writes, 0);
}

/* Outside 64-bit mode, segment base + offset wraps at 4 GiB. */
static void test_la_wrap(void **state)
{
	struct x86_insn in;
	struct x86_cpu cpu;
	(void)state;
	cpu_init(&cpu, M32);
	cpu.seg_base[X86_DS] = 0xfffff000;
	assert_int_equal(x86emu_decode((const u8 *)"\x8b\x40\x10", 3, M32, &in), X86EMU_OK);
	assert_int_equal(x86emu_operand_la(&in, &cpu), 0x10);
	cpu.mode = M64;
	assert_int_equal(x86emu_decode((const u8 *)"\x64\x8b\x40\x10", 4, M64, &in), X86EMU_OK);
	cpu.seg_base[X86_FS] = 0xfffff000;
	assert_int_equal(x86emu_operand_la(&in, &cpu), 0x100000010ull);
}

#define X86EMU_EXEC_TESTS                              \
	cmocka_unit_test(test_exec_alu),               \
	cmocka_unit_test(test_exec_mov),               \
	cmocka_unit_test(test_exec_movx),              \
	cmocka_unit_test(test_exec_xchg_test),         \
	cmocka_unit_test(test_exec_mem16),             \
	cmocka_unit_test(test_exec_rep_movs),          \
	cmocka_unit_test(test_exec_rep_stos_again),    \
	cmocka_unit_test(test_exec_memfail),           \
	cmocka_unit_test(test_exec_segments),          \
	cmocka_unit_test(test_la_wrap),                \
	cmocka_unit_test(test_exec_refuses_undecoded),

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_trailing),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format_bytes),
		X86EMU_EXEC_TESTS
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
