/* The `bench` option: per-guest samples of pager code paths in TSC ticks
 * (instructions under the emulators' instruction-counting clocks) and the
 * per-guest metadata count, printed when the guest ends (core/bench.h). */
#include "core/bench.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/frame.h"
#include "mm/rmap.h"

#define BENCH_SAMPLES 512    /* kept per guest and metric; later ones are dropped */
#define BENCH_CLEAR_RUNS 15

bool opt_bench;

struct bench_vm {
	u64 fault_tsc;           /* handler entry of the fault being served */
	u64 swapin_part;         /* handler entry to submission of the read */
	u64 done_tsc;            /* completion of the read, or 0 */
	u64 zero_tsc;            /* demand-zero fault waiting for its entry, or 0 */
	u64 exit_tsc;            /* CPUID exit waiting for its entry, or 0 */
	u64 write_cmds, write_pages;
	u32 n[BENCH_METRICS];
	u32 s[BENCH_METRICS][BENCH_SAMPLES];
};

static struct bench_vm bvm[VM_MAX + 1];

static const char *const metric_names[BENCH_METRICS] = {
	[BENCH_ZERO_FAULT] = "demand-zero fault path (with the clear)",
	[BENCH_SWAPIN] = "swap-in fault path (without the disk)",
	[BENCH_EVICT_SWEEP] = "evict per page in sweeps",
	[BENCH_EVICT_ONE] = "evict one page (hypercall)",
	[BENCH_CPUID_EXIT] = "cpuid exit from the core's handler to entry",
};

static struct bench_vm *bench_of(const struct vm *vm)
{
	return vm && vm->id <= VM_MAX ? &bvm[vm->id] : NULL;
}

static void bench_add(struct bench_vm *b, enum bench_metric m, u64 ticks)
{
	if (b->n[m] < BENCH_SAMPLES)
		b->s[m][b->n[m]] = (u32)MIN(ticks, 0xffffffffull);
	b->n[m] += b->n[m] < ~0u;
}

u64 bench_now(void)
{
	return opt_bench ? rdtsc() : 0;
}

void bench_fault_begin(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (opt_bench && b)
		b->fault_tsc = rdtsc();
}

void bench_exit_begin(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (opt_bench && b)
		b->exit_tsc = rdtsc();
}

void bench_fault_zero(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (opt_bench && b && b->fault_tsc)
		b->zero_tsc = b->fault_tsc;
}

void bench_swapin_submitted(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (!opt_bench || !b || !b->fault_tsc)
		return;
	b->swapin_part = rdtsc() - b->fault_tsc;
	b->done_tsc = 0;
}

void bench_swapin_done(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (opt_bench && b && b->swapin_part)
		b->done_tsc = rdtsc();
}

void bench_before_entry(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (!opt_bench || !b)
		return;
	u64 now = rdtsc();
	if (b->zero_tsc)
		bench_add(b, BENCH_ZERO_FAULT, now - b->zero_tsc);
	if (b->exit_tsc)
		bench_add(b, BENCH_CPUID_EXIT, now - b->exit_tsc);
	if (b->done_tsc)
		bench_add(b, BENCH_SWAPIN, b->swapin_part + (now - b->done_tsc));
	if (b->done_tsc || !b->swapin_part)
		b->swapin_part = b->done_tsc = 0;
	b->zero_tsc = b->fault_tsc = b->exit_tsc = 0;
}

void bench_evicted(struct vm *vm, enum bench_metric m, u64 t0, u32 npages)
{
	struct bench_vm *b = bench_of(vm);
	if (opt_bench && b && t0 && npages)
		bench_add(b, m, (rdtsc() - t0) / npages);
}

void bench_write_cmd(struct vm *vm, u32 npages)
{
	struct bench_vm *b = bench_of(vm);
	if (!opt_bench || !b)
		return;
	b->write_cmds++;
	b->write_pages += npages;
}

u64 bench_median(u64 *s, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 v = s[i];
		u32 j = i;
		for (; j > 0 && s[j - 1] > v; j--)
			s[j] = s[j - 1];
		s[j] = v;
	}
	return n ? s[n / 2] : 0;
}

/* The hypervisor's own page clear (frame_alloc_zeroed's memset), measured
 * on a frame of its own: the "plus the page clear" of the fault figures. */
static u64 bench_page_clear(void)
{
	static u64 median;
	u64 t[BENCH_CLEAR_RUNS];
	if (median)
		return median;
	hpa_t f = frame_alloc(FRAME_HYP, 0);
	if (!frame_is_valid(f))
		return 0;
	for (u32 i = 0; i < BENCH_CLEAR_RUNS; i++) {
		u64 t0 = rdtsc();
		memset(hpa_to_ptr(f), 0, PAGE_SIZE);
		t[i] = rdtsc() - t0;
	}
	frame_free(f);
	return median = bench_median(t, BENCH_CLEAR_RUNS);
}

static void bench_print_samples(const struct vm *vm, struct bench_vm *b)
{
	static u64 tmp[BENCH_SAMPLES];
	for (u32 m = 0; m < BENCH_METRICS; m++) {
		u32 n = MIN(b->n[m], (u32)BENCH_SAMPLES);
		u64 sum = 0;
		for (u32 i = 0; i < n; i++)
			sum += tmp[i] = b->s[m][i];
		if (!n)
			continue;
		kprintf("bench %s: %s median %lu instructions mean %lu (%u samples)\n", vm->name,
			metric_names[m], bench_median(tmp, n), sum / n, b->n[m]);
	}
	kprintf("bench %s: page clear median %lu instructions (%u samples)\n", vm->name,
		bench_page_clear(), BENCH_CLEAR_RUNS);
	if (b->write_cmds)
		kprintf("bench %s: swap writes %lu commands %lu pages (%lu.%lu pages per command)\n",
			vm->name, b->write_cmds, b->write_pages, b->write_pages / b->write_cmds,
			b->write_pages * 10 / b->write_cmds % 10);
}

/* Hypervisor memory held for vm, by kind, in bytes. */
struct bench_meta {
	u64 frames, tables, data, rmap, swap, vm_struct, total;
};

/* Scan every descriptor the guest owns: its EPT/NPT tables, its data
 * frames (each with a 16-byte descriptor, which holds the reverse map, the
 * policy's links and the swap-cache slot), rmap chains for shared frames. */
static void bench_meta_count(const struct vm *vm, struct bench_meta *m)
{
	u64 span = frame_span();
	for (u64 i = 0; i < span; i++) {
		const struct frame *d = frame_desc_by_index((u32)i);
		if (!d || d->owner != vm->id || d->state == FRAME_FREE || d->state == FRAME_ABSENT)
			continue;
		m->frames++;
		m->tables += d->state == FRAME_PT;
		m->data += d->state == FRAME_GUEST;
		if (d->state == FRAME_GUEST && (d->flags & FRAME_F_RMAP_CHAIN))
			m->rmap += 16ull * rmap_count(hpa(i << PAGE_SHIFT));
	}
	/* Per slot in use: the used, retired and written bits and a 4-byte
	 * checksum (mm/swap.h); the area's arrays are sized by the disk. */
	m->swap = (vm->mem.swapped_pages * (3 + 32) + 7) / 8;
	m->vm_struct = sizeof(struct vm);
	m->total = m->tables * PAGE_SIZE + m->frames * sizeof(struct frame) + m->rmap + m->swap +
		   m->vm_struct;
}

static void bench_print_meta(const struct vm *vm)
{
	struct bench_meta m = { 0 };
	bench_meta_count(vm, &m);
	u64 size = vm->mem_size ? vm->mem_size : 1;
	u64 per_gib = m.total * (u64)(GiB / MiB) / (u64)(size / MiB ? size / MiB : 1);
	u64 pct1000 = m.total * 100000 / size;   /* thousandths of a percent */
	kprintf("metadata %s: mem %lu MiB resident %lu swapped %lu tdp-tables %lu (%lu pages) "
		"frame-descriptors %lu (%lu frames) rmap %lu swap-slots %lu vm-struct %lu "
		"total %lu per GiB %lu (%lu.%03lu%% of guest memory)\n", vm->name, (u64)(vm->mem_size / MiB),
		vm->mem.resident_pages, vm->mem.swapped_pages, (u64)(m.tables * PAGE_SIZE), m.tables,
		(u64)(m.frames * sizeof(struct frame)), m.frames, m.rmap, m.swap, (u64)m.vm_struct,
		m.total, per_gib, pct1000 / 1000, pct1000 % 1000);
}

void bench_guest_end(struct vm *vm)
{
	struct bench_vm *b = bench_of(vm);
	if (!opt_bench || !b)
		return;
	bench_print_samples(vm, b);
	bench_print_meta(vm);
	memset(b, 0, sizeof(*b));
}
