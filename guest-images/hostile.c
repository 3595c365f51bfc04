/* hostile: a guest that attacks the hypervisor, one mode per run (mode=):
 * physscan (every guest-physical page, the holes, ROM, the APIC pages,
 * then one address outside every slot), virt (VMX/SVM instructions and
 * garbage hypercalls), msr (forbidden MSRs #GP, owned MSRs keep this
 * guest's values), ports (all 65,536 I/O ports), cr (invalid CR0/CR4/
 * EFER/XCR0 values #GP), faultloop (faults while delivering faults: a
 * triple fault), exitstorm (CPUID and port-read exits in a tight loop),
 * fakeverdict (forged verdict lines), secretfill / secretscan (a secret
 * pattern left behind by one guest must never be seen by the next).
 * guest-images/README.md lists the options and the stated outcomes. */
#include "hostile.h"

/* TSC rate from pagevisor's leaf 0x40000010 (EAX, kHz), else a guess. */
u64 hostile_tsc_khz(void)
{
	u32 r[4];

	rt_cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010) {
		rt_cpuid(0x40000010, 0, r);
		if (r[0])
			return r[0];
	}
	return 1000000;
}

static const struct { const char *name; int (*fn)(const char *cmdline); } modes[] = {
	{ "physscan", mode_physscan }, { "virt", mode_virt }, { "msr", mode_msr },
	{ "ports", mode_ports }, { "cr", mode_cr }, { "faultloop", mode_faultloop },
	{ "exitstorm", mode_exitstorm }, { "fakeverdict", mode_fakeverdict },
	{ "secretfill", mode_secretfill }, { "secretscan", mode_secretscan },
};

int main(const char *cmdline)
{
	char mode[16] = "";

	rt_opt_str(cmdline, "mode", mode, sizeof(mode));
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++)
		if (!rt_strcmp(mode, modes[i].name))
			return modes[i].fn(cmdline);
	rt_printf("FAIL: hostile: unknown mode '%s'\n", mode);
	return 1;
}
