/* evict: asks the hypervisor (debug hypercall RT_HC_EVICT, `debug_hypercalls`)
 * to evict the pages its exception delivery needs (IDT, GDT, its own page
 * tables, the handler code, the stack the CPU pushes onto), then raises an
 * exception, which must arrive as itself once those pages are swapped in.
 * Options: rounds= (1), settle= (200 no-op hypercalls before each
 * exception); hypercalls=0: the hypervisor runs without the option, and
 * the hypercall instructions must raise #UD instead. */
#include "rt.h"

#define HC_BOGUS        0xffff                  /* no such function */
#define VEC_BP          3
#define VEC_UD          6
#define VEC_GP          13
#define MSR_UNKNOWN     0xdead0000              /* as in probe.c */
#define JOB_MAX         16
#define CANARY          0x6576696374ca7a11UL

enum trigger { TRIGGER_UD2, TRIGGER_INT3, TRIGGER_RDMSR };
static const char *const trigger_names[] = { "ud2 (#UD)", "int3 (#BP)", "rdmsr (#GP)" };
static const int trigger_vectors[] = { VEC_UD, VEC_BP, VEC_GP };

/* Read by evict_trap_*() below (offsets fixed there). */
struct evict_job {
	u64 stack_top;          /* 0: RSP while the pages are evicted */
	u64 n;                  /* 8 */
	u64 trigger;            /* 16: enum trigger */
	u64 gpa[JOB_MAX];       /* 24 */
	i64 rc[JOB_MAX];        /* 152: the hypercalls' results */
	u64 settle;             /* 280: no-op hypercalls before the exception */
};
_Static_assert(__builtin_offsetof(struct evict_job, gpa) == 24, "job layout");
_Static_assert(__builtin_offsetof(struct evict_job, rc) == 152, "job layout");
_Static_assert(__builtin_offsetof(struct evict_job, settle) == 280, "job layout");

extern const u64 rt_isr_table[32];
void rt_trap(void *frame);
void evict_trap_vmcall(void *job);
void evict_trap_vmmcall(void *job);

/* On a page of their own, so evicting the handler's page never evicts the
 * code that is still issuing hypercalls: switch to the job's stack, evict
 * every page of the job (touching nothing but the job from then on), then
 * raise the job's exception. In between, `settle` no-op hypercalls (each an
 * exit that polls the disk) let the writes finish, so the exception meets
 * swapped pages rather than pages still in writeback. A page the previous
 * round brought back while its write was still in flight stays pinned
 * until the write ends: E_BUSY is retried (each exit polls the disk). */
asm(".macro evict_trap name, insn\n"
    "	.globl evict_trap_\\name\n"
    "evict_trap_\\name:\n"
    "	movq %rdi, %rsi\n"
    "	movq 0(%rsi), %rsp\n"
    "	xorl %edx, %edx\n"
    "1:	cmpq 8(%rsi), %rdx\n"
    "	jae 2f\n"
    "	movl $100000, %ecx\n"
    "5:	movq 24(%rsi,%rdx,8), %rbx\n"
    "	movabsq $0x7076000000000001, %rax\n"
    "	\\insn\n"
    "	cmpq $-8, %rax\n"          /* E_BUSY: still under I/O, retry */
    "	jne 6f\n"
    "	decl %ecx\n"
    "	jnz 5b\n"
    "6:	movq %rax, 152(%rsi,%rdx,8)\n"
    "	incq %rdx\n"
    "	jmp 1b\n"
    "2:	movq 280(%rsi), %rcx\n"
    "7:	testq %rcx, %rcx\n"
    "	jz 8f\n"
    "	movabsq $0x707600000000ffff, %rax\n"
    "	\\insn\n"
    "	decq %rcx\n"
    "	jmp 7b\n"
    "8:	movq 16(%rsi), %rax\n"
    "	cmpq $1, %rax\n"
    "	je 3f\n"
    "	cmpq $2, %rax\n"
    "	je 4f\n"
    "	ud2\n"
    "3:	int3\n"
    "	ud2\n"
    "4:	movl $0xdead0000, %ecx\n"
    "	rdmsr\n"
    "	ud2\n"
    ".endm\n"
    "	.pushsection .text.evict, \"ax\"\n"
    "	.balign 4096\n"
    "	evict_trap vmcall, vmcall\n"
    "	evict_trap vmmcall, vmmcall\n"
    "	.balign 4096\n"
    "	.popsection\n");

static struct evict_job job __attribute__((aligned(4096)));
static u64 stack_page[PAGE_SIZE / 8] __attribute__((aligned(4096)));
static u64 data_page[PAGE_SIZE / 8] __attribute__((aligned(4096)));
static bool use_vmmcall;
static u64 settle = 200;

static i64 hypercall(u64 fn, u64 arg)
{
	return rt_hypercall(use_vmmcall, fn, arg);
}

static void try_hypercall(void *rc) { *(i64 *)rc = hypercall(HC_BOGUS, 0); }

/* Which instruction reaches the hypervisor: the other vendor's raises #UD
 * (probe checks both without the option). False if neither does. */
static bool find_hypercall(void)
{
	i64 rc;

	use_vmmcall = false;
	if (rt_try(try_hypercall, &rc) < 0)
		return true;
	use_vmmcall = true;
	return rt_try(try_hypercall, &rc) < 0;
}

static u64 page_of(u64 a) { return a & ~(PAGE_SIZE - 1); }

static void job_add(u64 a)
{
	for (u64 i = 0; i < job.n; i++)
		if (job.gpa[i] == page_of(a))
			return;
	if (job.n < JOB_MAX)
		job.gpa[job.n++] = page_of(a);
}

/* Every page the CPU and the handler touch to deliver vector v: the IDT,
 * the GDT (the gate's code segment), the paging structures that map them
 * (the identity map: PML4, PDPT and the first page directory), the stub,
 * the common entry and rt_trap, and the stack page. */
static void job_build(enum trigger t)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) idtr, gdtr;
	u64 cr3, *pml4, *pdpt;

	asm volatile("sidt %0; sgdt %1; mov %%cr3, %2" : "=m"(idtr), "=m"(gdtr), "=r"(cr3));
	pml4 = (u64 *)page_of(cr3);
	pdpt = (u64 *)page_of(pml4[0] & 0x000ffffffffff000UL);
	job.n = 0;
	job.trigger = t;
	job.stack_top = (u64)stack_page + PAGE_SIZE / 2;
	job.settle = settle;
	job_add((u64)stack_page);
	job_add(idtr.base);
	job_add(gdtr.base);
	job_add(rt_isr_table[trigger_vectors[t]]);
	job_add((u64)rt_trap);
	job_add((u64)pml4);
	job_add((u64)pdpt);
	job_add(pdpt[0] & 0x000ffffffffff000UL);
	for (u64 i = 0; i < job.n; i++)
		job.rc[i] = 1;
}

/* The upper half of the stack page holds a canary the exception frame
 * (pushed below the middle) never reaches: it must come back intact. */
static u64 canary_bad(bool fill)
{
	u64 bad = 0;

	for (u64 i = PAGE_SIZE / 16; i < PAGE_SIZE / 8; i++) {
		if (fill)
			stack_page[i] = CANARY ^ i;
		else
			bad += stack_page[i] != (CANARY ^ i);
	}
	return bad;
}

static void exception_round(enum trigger t)
{
	u64 ok_calls = 0;
	int v;

	job_build(t);
	canary_bad(true);
	v = rt_try(use_vmmcall ? evict_trap_vmmcall : evict_trap_vmcall, &job);
	for (u64 i = 0; i < job.n; i++) {
		ok_calls += job.rc[i] == 0;
		if (job.rc[i])
			rt_printf("evict: page 0x%lx: hypercall returned %ld\n", job.gpa[i], job.rc[i]);
	}
	rt_report(ok_calls == job.n, "evict: %lu pages for %s evicted (%lu refused)",
		  job.n, trigger_names[t], job.n - ok_calls);
	rt_report(v == trigger_vectors[t] && rt_fault_err == 0,
		  "evict: %s arrives after the swap-in (vector %d, error 0x%lx)",
		  trigger_names[t], v, rt_fault_err);
	rt_report(canary_bad(false) == 0, "evict: stack page canary intact after %s",
		  trigger_names[t]);
}

/* A data page survives a round trip; evicting it twice, evicting a hole,
 * and an unknown function are refused with negative codes. */
static void data_round(void)
{
	u64 bad = 0;
	i64 first, second;

	for (u64 i = 0; i < ARRAY_SIZE(data_page); i++)
		data_page[i] = rt_mix64(i + 1);
	first = hypercall(RT_HC_EVICT, (u64)data_page);
	second = hypercall(RT_HC_EVICT, (u64)data_page);
	for (u64 i = 0; i < ARRAY_SIZE(data_page); i++)
		bad += data_page[i] != rt_mix64(i + 1);
	rt_report(first == 0 && second < 0 && bad == 0,
		  "evict: data page evicted (%ld), not twice (%ld), read back (%lu bad words)",
		  first, second, bad);
	rt_report(hypercall(RT_HC_EVICT, 0xA0000) < 0, "evict: the VGA hole is refused");
	rt_report(hypercall(HC_BOGUS, 0) < 0, "evict: an unknown function is refused");
}

static void no_hypercalls(void)
{
	i64 rc;
	int a, b;

	use_vmmcall = false;
	a = rt_try(try_hypercall, &rc);
	use_vmmcall = true;
	b = rt_try(try_hypercall, &rc);
	rt_report(a == VEC_UD && b == VEC_UD,
		  "evict: without debug_hypercalls vmcall and vmmcall raise #UD (vectors %d, %d)",
		  a, b);
}

int main(const char *cmdline)
{
	u64 enabled = 1, rounds = 1;

	rt_opt_uint(cmdline, "hypercalls", &enabled);
	rt_opt_uint(cmdline, "rounds", &rounds);
	rt_opt_uint(cmdline, "settle", &settle);
	if (!enabled) {
		no_hypercalls();
		return rt_summary();
	}
	if (!find_hypercall()) {
		rt_report(false, "evict: neither vmcall nor vmmcall reaches the hypervisor (debug_hypercalls?)");
		return rt_summary();
	}
	rt_printf("evict: hypercall through %s\n", use_vmmcall ? "vmmcall" : "vmcall");
	data_round();
	for (u64 r = 0; r < rounds; r++)
		for (unsigned t = 0; t < ARRAY_SIZE(trigger_names); t++)
			exception_round((enum trigger)t);
	return rt_summary();
}
