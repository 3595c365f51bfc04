/* probe: checks what a guest sees under pagevisor: VMX and SVM hidden
 * (CPUID bits, #UD on their instructions, EFER.SVME and CR4.VMXE never
 * visible or settable), the hypervisor CPUID leaf, #GP on an unknown MSR,
 * all-ones from an unknown I/O port and from the 0xA0000-0xBFFFF hole. */
#include "rt.h"

#define VEC_UD          6
#define VEC_GP          13
#define MSR_EFER        0xC0000080
#define EFER_SVME       (1UL << 12)
#define MSR_UNKNOWN     0x12345678
/* No device at this port on pagevisor, QEMU's PC or Bochs (QEMU's fw_cfg
 * sits at 0x510-0x51b, so not there); port=<n> picks another. */
#define PORT_DEFAULT    0x2000
#define HOLE_START      0xA0000UL
#define HOLE_END        0xC0000UL

static void check_cpuid(void)
{
	u32 r[4], max_ext;
	char sig[13];

	rt_cpuid(1, 0, r);
	rt_report(!(r[2] & (1u << 5)), "cpuid.1:ecx.vmx (bit 5) clear");
	rt_report(r[2] & (1u << 31), "cpuid.1:ecx.hypervisor (bit 31) set");
	rt_cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000001)
		rt_cpuid(0x80000001, 0, r);
	rt_report(max_ext < 0x80000001 || !(r[2] & (1u << 2)), "cpuid.80000001:ecx.svm (bit 2) clear");
	rt_cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
			sig[i] = '?';
	rt_report(!rt_memcmp(sig, "pagevisor", 9) && r[0] >= 0x40000000,
		  "cpuid.40000000 signature 'pagevisor' (got '%s', max leaf 0x%x)", sig, r[0]);
}

static void do_rdmsr_unknown(void *a) { *(u64 *)a = rt_rdmsr(MSR_UNKNOWN); }
static void do_wrmsr_unknown(void *a) { (void)a; rt_wrmsr(MSR_UNKNOWN, 0); }
static void do_set_svme(void *a) { (void)a; rt_wrmsr(MSR_EFER, rt_rdmsr(MSR_EFER) | EFER_SVME); }
static void do_set_vmxe(void *a)
{
	u64 cr4 = rt_read_cr4() | CR4_VMXE;
	(void)a;
	asm volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

static void check_msrs(void)
{
	u64 val = 0, efer;
	int v;

	v = rt_try(do_rdmsr_unknown, &val);
	rt_report(v == VEC_GP, "rdmsr 0x%x raises #GP (vector %d)", MSR_UNKNOWN, v);
	v = rt_try(do_wrmsr_unknown, NULL);
	rt_report(v == VEC_GP, "wrmsr 0x%x raises #GP (vector %d)", MSR_UNKNOWN, v);
	rt_report(!(rt_rdmsr(MSR_EFER) & EFER_SVME), "efer.svme reads clear (efer 0x%lx)",
		  rt_rdmsr(MSR_EFER));
	efer = rt_rdmsr(MSR_EFER);
	v = rt_try(do_set_svme, NULL);
	rt_report(v == VEC_GP && !(rt_rdmsr(MSR_EFER) & EFER_SVME),
		  "setting efer.svme raises #GP (vector %d)", v);
	rt_wrmsr(MSR_EFER, efer);       /* if the write took, SVM insns below would run */
	rt_report(!(rt_read_cr4() & CR4_VMXE), "cr4.vmxe reads clear (cr4 0x%lx)", rt_read_cr4());
}

static bool is_intel(void)
{
	u32 r[4];

	rt_cpuid(0, 0, r);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

/* Under VMX the hypervisor owns CR4.VMXE through the CR4 guest/host mask
 * (SDM Vol. 3C 25.6.6): a guest write setting it must raise #GP as on a CPU
 * without VMX. Checked on Intel only: QEMU 7.2 TCG (AMD here) spins forever
 * on that MOV to CR4 instead of raising #GP, natively or as a nested guest. */
static void check_cr4_vmxe_write(void)
{
	u64 cr4;
	int v;

	if (!is_intel())
		return;
	cr4 = rt_read_cr4();
	v = rt_try(do_set_vmxe, NULL);
	rt_report(v == VEC_GP && !(rt_read_cr4() & CR4_VMXE),
		  "setting cr4.vmxe raises #GP (vector %d)", v);
	asm volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

static u8 vmxon_region[4096] __attribute__((aligned(4096)));

static void do_vmxon(void *a) { u64 pa = (u64)vmxon_region; (void)a; asm volatile("vmxon %0" :: "m"(pa)); }
static void do_vmcall(void *a) { (void)a; asm volatile("vmcall"); }
static void do_vmrun(void *a) { (void)a; asm volatile("vmrun" :: "a"(0UL)); }
static void do_vmmcall(void *a) { (void)a; asm volatile("vmmcall"); }
static void do_vmload(void *a) { (void)a; asm volatile("vmload" :: "a"(0UL)); }
static void do_vmsave(void *a) { (void)a; asm volatile("vmsave" :: "a"(0UL)); }
static void do_stgi(void *a) { (void)a; asm volatile("stgi"); }
static void do_clgi(void *a) { (void)a; asm volatile("clgi"); }

/* SDM Vol. 3C 30.3 (VMXON: #UD if CR4.VMXE = 0); APM Vol. 3 (VMRUN,
 * VMLOAD, VMSAVE, STGI, CLGI: #UD if EFER.SVME = 0); VMCALL outside VMX
 * non-root and VMMCALL without SVM: #UD. */
static void check_virt_insns(void)
{
	static const struct { const char *name; void (*fn)(void *); } insns[] = {
		{ "vmxon", do_vmxon }, { "vmcall", do_vmcall }, { "vmrun", do_vmrun },
		{ "vmmcall", do_vmmcall }, { "vmload", do_vmload }, { "vmsave", do_vmsave },
		{ "stgi", do_stgi }, { "clgi", do_clgi },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(insns); i++) {
		int v = rt_try(insns[i].fn, NULL);
		rt_report(v == VEC_UD, "%s raises #UD (vector %d)", insns[i].name, v);
	}
}

static void check_ports(u16 port)
{
	u8 b = rt_inb(port);
	u16 w = rt_inw(port);
	u32 l = rt_inl(port);

	rt_report(b == 0xff && w == 0xffff && l == 0xffffffff,
		  "in from port 0x%x reads all-ones (0x%x 0x%x 0x%x)", port, b, w, l);
	rt_outb(port, 0);
	rt_outl(port, 0);
	b = rt_inb(port);
	l = rt_inl(port);
	rt_report(b == 0xff && l == 0xffffffff, "out to port 0x%x is ignored (0x%x 0x%x)",
		  port, b, l);
}

/* Sampled addresses across 0xA0000-0xBFFFF: start, the text-mode frame
 * buffer, the last word. Reads of each width are all-ones; a write of each
 * width leaves them all-ones. */
static void check_hole(void)
{
	static const u64 addrs[] = { HOLE_START, 0xB8000, 0xB8ff8, HOLE_END - 8 };
	bool rd_ok = true, wr_ok = true;

	for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++) {
		volatile u64 *q = (volatile u64 *)addrs[i];
		volatile u32 *d = (volatile u32 *)addrs[i];
		volatile u8 *b = (volatile u8 *)addrs[i];
		if (*q != ~0UL || *d != ~0u || *b != 0xff) {
			rt_printf("probe: hole read at 0x%lx gave 0x%lx\n", addrs[i], (u64)*q);
			rd_ok = false;
		}
		*q = 0x1122334455667788UL;
		*d = 0x12345678;
		*b = 0x5a;
		if (*q != ~0UL) {
			rt_printf("probe: hole write at 0x%lx kept 0x%lx\n", addrs[i], (u64)*q);
			wr_ok = false;
		}
	}
	rt_report(rd_ok, "0xa0000-0xbffff reads all-ones");
	rt_report(wr_ok, "0xa0000-0xbffff ignores writes");
}

int main(const char *cmdline)
{
	u64 port = PORT_DEFAULT;

	if (rt_opt_uint(cmdline, "port", &port) && port > 0xfffc)
		port = PORT_DEFAULT;
	check_cpuid();
	check_msrs();
	check_cr4_vmxe_write();
	check_virt_insns();
	check_ports((u16)port);
	check_hole();
	return rt_summary();
}
