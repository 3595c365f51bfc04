/* hostile cr (invalid CR0/CR4/EFER/XCR0 values) and faultloop (faults
 * while delivering faults). */
#include "hostile.h"

/* ---- cr ---- */

#define EFER_LME        (1UL << 8)

enum creg { CREG_CR0, CREG_CR4, CREG_EFER, CREG_XCR0, CREG_XCR1 };

struct cr_write {
	enum creg reg;
	u64 val;
};

static u64 xgetbv0(void)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static u64 cr_read(enum creg r)
{
	u64 v = 0;

	if (r == CREG_CR0)
		asm volatile("mov %%cr0, %0" : "=r"(v));
	else if (r == CREG_CR4)
		v = rt_read_cr4();
	else if (r == CREG_EFER)
		v = rt_rdmsr(MSR_EFER);
	else if (r == CREG_XCR0)
		v = xgetbv0();
	return v;
}

static void do_cr_write(void *arg)
{
	const struct cr_write *w = arg;

	if (w->reg == CREG_CR0)
		asm volatile("mov %0, %%cr0" :: "r"(w->val) : "memory");
	else if (w->reg == CREG_CR4)
		asm volatile("mov %0, %%cr4" :: "r"(w->val) : "memory");
	else if (w->reg == CREG_EFER)
		rt_wrmsr(MSR_EFER, w->val);
	else
		asm volatile("xsetbv" :: "a"((u32)w->val), "d"((u32)(w->val >> 32)),
			     "c"(w->reg == CREG_XCR1 ? 1u : 0u) : "memory");
}

static const char *const creg_names[] = { "cr0", "cr4", "efer", "xcr0", "xcr1" };

static char cr_skip[64];        /* skip=: check ids an emulator gets wrong */

/* Whether a comma-separated word of skip= is a prefix of id (skip=cr4
 * skips every CR4 check). */
static bool cr_skipped(const char *id)
{
	const char *p = cr_skip;

	while (*p) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n && n <= rt_strlen(id) && !rt_memcmp(p, id, n))
			return true;
		p += p[n] ? n + 1 : n;
	}
	return false;
}

/* One invalid write: #GP, and the register unchanged. */
static void cr_expect_gp(const char *id, enum creg r, u64 val, const char *what)
{
	enum creg rd = r == CREG_XCR1 ? CREG_XCR0 : r;
	struct cr_write w = { r, val };
	u64 before, after;
	int v;

	if (cr_skipped(id)) {
		rt_printf("SKIP: cr: %s = 0x%lx (%s): skip=%s\n", creg_names[r], val, what, id);
		return;
	}
	before = cr_read(rd);
	v = rt_try(do_cr_write, &w);
	after = cr_read(rd);
	rt_report(v == VEC_GP && after == before, "cr: %s = 0x%lx (%s) raises #GP (vector %d, %s 0x%lx)",
		  creg_names[r], val, what, v, creg_names[rd], after);
}

static void check_xcr0(void)
{
	u32 r[4];
	u64 cr4 = rt_read_cr4(), supported;
	struct cr_write w = { CREG_XCR0, 1 };
	int v;

	if (!(cr4 & CR4_OSXSAVE)) {
		v = rt_try(do_cr_write, &w);
		rt_report(v == VEC_UD, "cr: xsetbv with CR4.OSXSAVE clear raises #UD (vector %d)", v);
	}
	rt_cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		rt_printf("SKIP: cr: xsetbv checks (CPUID.1:ECX.XSAVE clear)\n");
		return;
	}
	rt_cpuid(0xD, 0, r);
	supported = ((u64)r[3] << 32) | r[0];
	asm volatile("mov %0, %%cr4" :: "r"(cr4 | CR4_OSXSAVE) : "memory");
	cr_expect_gp("xcr0x87", CREG_XCR0, 0, "x87 bit clear");
	cr_expect_gp("xcr0avx", CREG_XCR0, 0x5, "AVX without SSE");
	cr_expect_gp("xcr0hi", CREG_XCR0, 0x3 | (1UL << 62), "unknown bit 62");
	for (u64 bit = 2; bit < 20; bit++)
		if (!(supported & (1UL << bit))) {
			cr_expect_gp("xcr0bit", CREG_XCR0, 0x3 | (1UL << bit), "a bit CPUID leaf 0xD does not offer");
			break;
		}
	cr_expect_gp("xcr1", CREG_XCR1, 0x1, "XCR1: no such register here");
	asm volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

int mode_cr(const char *cmdline)
{
	u64 cr0 = cr_read(CREG_CR0), cr4 = cr_read(CREG_CR4), efer = cr_read(CREG_EFER);

	rt_opt_str(cmdline, "skip", cr_skip, sizeof(cr_skip));
	cr_expect_gp("cr0hi", CREG_CR0, cr0 | (1UL << 32), "reserved bit 32");
	cr_expect_gp("cr0hi", CREG_CR0, cr0 | (1UL << 63), "reserved bit 63");
	cr_expect_gp("cr0nw", CREG_CR0, (cr0 | CR0_NW) & ~CR0_CD, "NW without CD");
	cr_expect_gp("cr0pe", CREG_CR0, cr0 & ~CR0_PE, "PG without PE");
	cr_expect_gp("cr0pg", CREG_CR0, cr0 & ~CR0_PG, "paging off in 64-bit mode");
	cr_expect_gp("cr4hi", CREG_CR4, cr4 | (1UL << 63), "reserved bit 63");
	cr_expect_gp("cr4r15", CREG_CR4, cr4 | (1UL << 15), "reserved bit 15");
	cr_expect_gp("cr4la57", CREG_CR4, cr4 | CR4_LA57, "LA57 in long mode");
	cr_expect_gp("cr4pae", CREG_CR4, cr4 & ~CR4_PAE, "PAE off in long mode");
	cr_expect_gp("efer2", CREG_EFER, efer | (1UL << 2), "reserved bit 2");
	cr_expect_gp("eferhi", CREG_EFER, efer | (1UL << 63), "reserved bit 63");
	cr_expect_gp("eferlme", CREG_EFER, efer & ~EFER_LME, "LME cleared with paging on");
	check_xcr0();
	return rt_summary();
}

/* ---- faultloop ---- */

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
};

#define NONCANONICAL    0x8000000000000000UL

/* Both start with a #GP (a read of a non-canonical address: contributory,
 * as Bochs' SVM model needs to see a shutdown rather than give up on a
 * third exception). how=gates: the #UD, #DF, #GP, #PF and #SS gates point
 * at a non-canonical handler, so delivering the #GP raises #GP, which
 * becomes #DF, whose delivery fails again: a triple fault (SDM Vol. 3A
 * 6.15, table 6-5). how=stack: RSP non-canonical, so every delivery's
 * first push faults (#SS, then #DF, then shutdown). how=df: see
 * faultloop_df. */
static void read_noncanonical(void *arg)
{
	(void)arg;
	asm volatile("movabsq %0, %%rax; movq (%%rax), %%rax" :: "i"(NONCANONICAL) : "rax", "memory");
}

/* how=df: only the #GP gate is bad, so the #GP becomes a #DF that a good
 * handler receives (error code 0); the gate is restored after. */
static int faultloop_df(struct idt_gate *idt)
{
	struct idt_gate saved = idt[VEC_GP];
	int v;

	rt_printf("hostile: faultloop: #GP gate non-canonical, #DF gate good, then a non-canonical read\n");
	idt[VEC_GP].off2 = 0x80000000u;
	v = rt_try(read_noncanonical, NULL);
	idt[VEC_GP] = saved;
	rt_report(v == VEC_DF && rt_fault_err == 0,
		  "faultloop: a #GP that cannot be delivered arrives as #DF (vector %d, error 0x%lx)",
		  v, rt_fault_err);
	v = rt_try(read_noncanonical, NULL);
	rt_report(v == VEC_GP, "faultloop: with the gate restored it is a #GP again (vector %d)", v);
	return rt_summary();
}

int mode_faultloop(const char *cmdline)
{
	static const u8 vectors[] = { VEC_UD, VEC_DF, VEC_GP, VEC_PF, 12 };
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr;
	char how[16] = "gates";
	struct idt_gate *idt;

	rt_opt_str(cmdline, "how", how, sizeof(how));
	asm volatile("sidt %0" : "=m"(idtr));
	idt = (struct idt_gate *)idtr.base;
	if (!rt_strcmp(how, "df"))
		return faultloop_df(idt);
	if (!rt_strcmp(how, "stack")) {
		rt_printf("hostile: faultloop: RSP non-canonical, then a non-canonical read\n");
		asm volatile("movabsq $0x8000000000001000, %%rsp; movabsq %0, %%rax; movq (%%rax), %%rax"
			     :: "i"(NONCANONICAL) : "rax", "memory");
	} else {
		rt_printf("hostile: faultloop: #UD/#DF/#GP/#PF/#SS gates non-canonical, then a non-canonical read\n");
		for (unsigned i = 0; i < ARRAY_SIZE(vectors); i++)
			idt[vectors[i]].off2 = 0x80000000u;
		asm volatile("movabsq %0, %%rax; movq (%%rax), %%rax" :: "i"(NONCANONICAL) : "rax", "memory");
	}
	rt_printf("hostile: faultloop: still running after the fault loop\n");
	return 1;
}
