/* hostile virt (VMX and SVM instructions, garbage hypercalls) and msr
 * (the MSRs a guest must not reach, and the ones it owns). */
#include "hostile.h"

#define E_INVAL         (-2)
#define E_NOTSUP        (-7)

static bool is_intel(void)
{
	u32 r[4];

	rt_cpuid(0, 0, r);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

/* ---- virt ---- */

static u8 vmx_region[4096] __attribute__((aligned(4096)));
static u64 zero_desc[2];

static void do_vmxon(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmxon %0" :: "m"(pa)); }
static void do_vmxoff(void *a) { (void)a; asm volatile("vmxoff"); }
static void do_vmclear(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmclear %0" :: "m"(pa)); }
static void do_vmptrld(void *a) { u64 pa = (u64)vmx_region; (void)a; asm volatile("vmptrld %0" :: "m"(pa)); }
static void do_vmptrst(void *a) { u64 pa; (void)a; asm volatile("vmptrst %0" : "=m"(pa)); }
static void do_vmread(void *a) { u64 v; (void)a; asm volatile("vmread %1, %0" : "=r"(v) : "r"(0x6820UL)); }
static void do_vmwrite(void *a) { (void)a; asm volatile("vmwrite %0, %1" :: "r"(0UL), "r"(0x6820UL)); }
static void do_vmlaunch(void *a) { (void)a; asm volatile("vmlaunch"); }
static void do_vmresume(void *a) { (void)a; asm volatile("vmresume"); }
static void do_invept(void *a) { (void)a; asm volatile("invept %0, %1" :: "m"(zero_desc), "r"(2UL)); }
static void do_invvpid(void *a) { (void)a; asm volatile("invvpid %0, %1" :: "m"(zero_desc), "r"(2UL)); }
static void do_vmrun(void *a) { (void)a; asm volatile("vmrun" :: "a"((u64)vmx_region)); }
static void do_vmload(void *a) { (void)a; asm volatile("vmload" :: "a"((u64)vmx_region)); }
static void do_vmsave(void *a) { (void)a; asm volatile("vmsave" :: "a"((u64)vmx_region)); }
static void do_stgi(void *a) { (void)a; asm volatile("stgi"); }
static void do_clgi(void *a) { (void)a; asm volatile("clgi"); }
static void do_skinit(void *a) { (void)a; asm volatile("skinit" :: "a"((u32)(u64)vmx_region)); }
static void do_invlpga(void *a) { (void)a; asm volatile("invlpga" :: "a"(0UL), "c"(0u)); }

static const struct { const char *name; void (*fn)(void *); } virt_insns[] = {
	{ "vmxon", do_vmxon }, { "vmxoff", do_vmxoff }, { "vmclear", do_vmclear },
	{ "vmptrld", do_vmptrld }, { "vmptrst", do_vmptrst }, { "vmread", do_vmread },
	{ "vmwrite", do_vmwrite }, { "vmlaunch", do_vmlaunch }, { "vmresume", do_vmresume },
	{ "invept", do_invept }, { "invvpid", do_invvpid }, { "vmrun", do_vmrun },
	{ "vmload", do_vmload }, { "vmsave", do_vmsave }, { "stgi", do_stgi },
	{ "clgi", do_clgi }, { "skinit", do_skinit }, { "invlpga", do_invlpga },
};

/* A hypercall with every other argument register garbage; the registers
 * other than RAX must come back unchanged. */
struct hcall {
	bool vmmcall;
	u64 rax;
	bool regs_ok;
};

#define GARBAGE(n) (0xbad0bad0bad00000UL | (n))

static void do_hcall(void *arg)
{
	struct hcall *h = arg;
	u64 b = GARBAGE(1), c = GARBAGE(2), d = GARBAGE(3), si = GARBAGE(4), di = GARBAGE(5);
	u64 ax = h->rax;

	if (h->vmmcall)
		asm volatile("vmmcall" : "+a"(ax), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
			     :: "memory");
	else
		asm volatile("vmcall" : "+a"(ax), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di)
			     :: "memory");
	h->rax = ax;
	h->regs_ok = b == GARBAGE(1) && c == GARBAGE(2) && d == GARBAGE(3) &&
		     si == GARBAGE(4) && di == GARBAGE(5);
}

static const char *hc_name(bool vmmcall) { return vmmcall ? "vmmcall" : "vmcall"; }

/* Without debug_hypercalls: #UD for both. With it: the native one
 * (VMCALL on Intel, VMMCALL on AMD) returns E_INVAL for a bad magic,
 * E_NOTSUP for an unknown function, a negative code for evicting a
 * garbage address; the other vendor's raises #UD from the CPU. */
static void check_hypercalls(bool enabled)
{
	static const struct { u64 rax; i64 want; const char *what; } calls[] = {
		{ 0xdeadbeefcafef00dUL, E_INVAL, "bad magic" },
		{ RT_HYPERCALL_MAGIC | 0x1234, E_NOTSUP, "unknown function" },
		{ RT_HYPERCALL_MAGIC | RT_HC_EVICT, -1, "evict of 0xbad0bad0bad00001" },
	};
	bool native_vmmcall = !is_intel();

	for (int k = 0; k < 2; k++) {
		bool vmmcall = k == 1;
		for (unsigned i = 0; i < ARRAY_SIZE(calls); i++) {
			struct hcall h = { vmmcall, calls[i].rax, false };
			int vec = rt_try(do_hcall, &h);
			if (!enabled || vmmcall != native_vmmcall) {
				rt_report(vec == VEC_UD, "virt: %s with %s raises #UD (vector %d)",
					  hc_name(vmmcall), calls[i].what, vec);
				continue;
			}
			rt_report(vec < 0 && h.regs_ok && (calls[i].want == -1 ? (i64)h.rax < 0 :
				  (i64)h.rax == calls[i].want),
				  "virt: %s with %s returns %ld (vector %d, other registers %s)",
				  hc_name(vmmcall), calls[i].what, (i64)h.rax, vec,
				  h.regs_ok ? "kept" : "CHANGED");
		}
	}
}

int mode_virt(const char *cmdline)
{
	u64 hypercalls = 0;

	rt_opt_uint(cmdline, "hypercalls", &hypercalls);
	for (unsigned i = 0; i < ARRAY_SIZE(virt_insns); i++) {
		int v = rt_try(virt_insns[i].fn, NULL);
		rt_report(v == VEC_UD, "virt: %s raises #UD (vector %d)", virt_insns[i].name, v);
	}
	check_hypercalls(hypercalls != 0);
	return rt_summary();
}

/* ---- msr ---- */

#define MSR_APIC_BASE   0x1B
#define MSR_FEAT_CTL    0x3A
#define MSR_VMX_FIRST   0x480
#define MSR_VMX_LAST    0x491
#define MSR_VM_CR       0xC0010114
#define MSR_HSAVE_PA    0xC0010117

struct msr_op {
	u32 msr;
	bool write;
	u64 val;
};

static void do_msr_op(void *arg)
{
	struct msr_op *op = arg;

	if (op->write)
		rt_wrmsr(op->msr, op->val);
	else
		op->val = rt_rdmsr(op->msr);
}

static int msr_try(u32 msr, bool write, u64 val)
{
	struct msr_op op = { msr, write, val };

	return rt_try(do_msr_op, &op);
}

/* Every access that must raise #GP: the virtualization MSRs a guest never
 * sees, EFER.SVME, and non-canonical values in the MSRs it owns. */
static void check_msr_gp(void)
{
	static const struct { u32 msr; bool write; u64 val; const char *name; } gp[] = {
		{ MSR_FEAT_CTL, false, 0, "rdmsr IA32_FEATURE_CONTROL" },
		{ MSR_FEAT_CTL, true, 5, "wrmsr IA32_FEATURE_CONTROL = 5 (lock, vmxon)" },
		{ MSR_HSAVE_PA, false, 0, "rdmsr VM_HSAVE_PA" },
		{ MSR_HSAVE_PA, true, 0x1000, "wrmsr VM_HSAVE_PA = 0x1000" },
		{ MSR_VM_CR, false, 0, "rdmsr VM_CR" },
		{ MSR_VM_CR, true, 0, "wrmsr VM_CR = 0" },
		{ 0xC0000082, true, 0x0000800000000000UL, "wrmsr LSTAR non-canonical" },
		{ 0xC0000102, true, 0x8000000000000000UL, "wrmsr KERNEL_GS_BASE non-canonical" },
		{ MSR_APIC_BASE, true, 0xFEE00900UL | (1UL << 63), "wrmsr APIC_BASE reserved bit 63" },
		{ 0xC0000100, true, 0xffff800000000000UL >> 1, "wrmsr FS_BASE non-canonical" },
		{ 0xC0000101, true, 0x0000800000000000UL, "wrmsr GS_BASE non-canonical" },
		{ 0x277, true, 0x0007040600070402UL, "wrmsr PAT with reserved memory type 2" },
	};
	u64 efer = rt_rdmsr(MSR_EFER), bad_vmx = 0;
	int v;

	for (unsigned i = 0; i < ARRAY_SIZE(gp); i++) {
		v = msr_try(gp[i].msr, gp[i].write, gp[i].val);
		rt_report(v == VEC_GP, "msr: %s raises #GP (vector %d)", gp[i].name, v);
	}
	for (u32 m = MSR_VMX_FIRST; m <= MSR_VMX_LAST; m++) {
		bad_vmx += msr_try(m, false, 0) != VEC_GP;
		bad_vmx += msr_try(m, true, 0) != VEC_GP;
	}
	rt_report(bad_vmx == 0, "msr: rdmsr and wrmsr of 0x480-0x491 raise #GP (%lu did not)",
		  bad_vmx);
	v = msr_try(MSR_EFER, true, efer | EFER_SVME);
	rt_report(v == VEC_GP && !(rt_rdmsr(MSR_EFER) & EFER_SVME),
		  "msr: setting EFER.SVME raises #GP (vector %d)", v);
	rt_wrmsr(MSR_EFER, efer);
}

/* The MSRs the guest owns, with this guest's values from seed=. SYSENTER
 * ESP/EIP stay below 4 GiB (AMD keeps 32 bits of them), SFMASK and
 * SYSENTER_CS are 32-bit, the others canonical. */
static const struct { u32 msr; const char *name; u64 mask; bool syscall; } owned[] = {
	{ 0x174, "SYSENTER_CS", 0xfff8UL, false },
	{ 0x175, "SYSENTER_ESP", 0xfffffff0UL, false },
	{ 0x176, "SYSENTER_EIP", 0xffffffffUL, false },
	{ 0xC0000081, "STAR", ~0UL, true },
	{ 0xC0000082, "LSTAR", 0x00007fffffffffffUL, true },
	{ 0xC0000083, "CSTAR", 0x00007fffffffffffUL, true },
	{ 0xC0000084, "SFMASK", 0x0000000000247fd5UL, true },
	{ 0xC0000102, "KERNEL_GS_BASE", 0x00007fffffffffffUL, false },
};

static u64 owned_want[ARRAY_SIZE(owned)];

static bool has_syscall(void)
{
	u32 r[4];

	rt_cpuid(0x80000001, 0, r);
	return r[3] & (1u << 11);
}

static u64 owned_check(bool print)
{
	u64 bad = 0;
	bool sc = has_syscall();

	for (unsigned i = 0; i < ARRAY_SIZE(owned); i++) {
		u64 got;
		if (owned[i].syscall && !sc)
			continue;
		got = rt_rdmsr(owned[i].msr);
		if (got == owned_want[i])
			continue;
		bad++;
		if (print)
			rt_printf("hostile: %s reads 0x%lx, wrote 0x%lx\n", owned[i].name, got,
				  owned_want[i]);
	}
	return bad;
}

/* APIC base: read, write the same value back, read it again. */
static void check_apic_base(void)
{
	u64 base = rt_rdmsr(MSR_APIC_BASE);
	int v = msr_try(MSR_APIC_BASE, true, base);

	rt_report(v < 0 && rt_rdmsr(MSR_APIC_BASE) == base && (base & ~0xfffUL) == 0xFEE00000UL,
		  "msr: APIC_BASE 0x%lx written back reads the same (vector %d)", base, v);
}

int mode_msr(const char *cmdline)
{
	u64 seed = 1, rounds = 2000, spin = 20000, bad_rounds = 0;
	struct rt_rand r;
	u32 c[4];

	rt_opt_uint(cmdline, "seed", &seed);
	rt_opt_uint(cmdline, "rounds", &rounds);
	rt_opt_uint(cmdline, "spin", &spin);
	check_msr_gp();
	check_apic_base();
	rt_rand_seed(&r, seed);
	for (unsigned i = 0; i < ARRAY_SIZE(owned); i++) {
		owned_want[i] = rt_rand_next(&r) & owned[i].mask;
		if (!owned[i].syscall || has_syscall())
			rt_wrmsr(owned[i].msr, owned_want[i]);
	}
	rt_report(owned_check(true) == 0, "msr: seed %lu: owned MSRs read back what was written%s",
		  seed, has_syscall() ? "" : " (no SYSCALL MSRs: CPUID hides them)");
	for (u64 i = 0; i < rounds; i++) {
		rt_cpuid(0, 0, c);                      /* an exit */
		(void)rt_inb(0x61);                     /* another one */
		for (volatile u64 s = 0; s < spin; s++)
			;
		bad_rounds += owned_check(bad_rounds < 2) != 0;
	}
	rt_report(bad_rounds == 0, "msr: seed %lu: owned MSRs held for %lu rounds (%lu bad)",
		  seed, rounds, bad_rounds);
	return rt_summary();
}
