/* The pager's bookkeeping: the cap on guest data frames (`hv_mem=`) and its
 * watermarks, frame allocation for guests through the gmem hooks, the
 * replacement policy's view of frames, the VM registry, statistics. The
 * eviction sweep is in mm/pager_evict.c, faults in mm/pager_fault.c. */
#include "mm/pager_int.h"
#include "core/log.h"
#include "drivers/lapic.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/pagestate.h"
#include "mm/rmap.h"
#include "mm/swap_area.h"

struct pager pager;
bool pager_audit;

u64 pager_cache_slot(hpa_t f)
{
	u32 link = frame_desc(f)->link;
	return link == FRAME_NONE ? SWAP_SLOT_NONE : link;
}

void pager_set_cache_slot(hpa_t f, u64 slot)
{
	struct frame *d = frame_desc(f);
	ASSERT(slot < FRAME_NONE);
	d->link = (u32)slot;
	d->flags |= FRAME_F_SWAPCACHE;
}

/* Forget the clean copy and give its slot back. */
void pager_drop_cache_slot(hpa_t f)
{
	u64 slot = pager_cache_slot(f);
	struct frame *d = frame_desc(f);
	if (slot != SWAP_SLOT_NONE)
		swap_slot_free(&swap_area_active()->slots, slot);
	d->link = FRAME_NONE;
	d->flags &= ~FRAME_F_SWAPCACHE;
}

struct vm *pager_sweep_only;

static bool policy_is_candidate(void *ctx, u32 idx)
{
	const struct frame *d = frame_desc_by_index(idx);
	struct vm *only = pager_sweep_only;
	(void)ctx;
	if (!d || d->state != FRAME_GUEST || (d->flags & FRAME_F_PINNED) || !d->data)
		return false;
	return !only || d->owner == only->id;
}

/* Without EPT A/D bits (Bochs sandy bridge), a reference is sampled by
 * taking the access away: a protected leaf that is still protected at the
 * next visit was not touched; a touch faults and restores it (pager_fault).
 * The protection takes effect at the flush that ends the sweep. */
static bool pager_sample_by_protection(struct vm *vm, u64 *leaf)
{
	u64 old = *leaf;
	struct pagestate_info st = pagestate_decode(vm->tdp.fmt, old);
	if (st.state != PAGESTATE_RESIDENT)
		return false;   /* still protected: not touched since */
	bool ok = pagestate_replace(vm->tdp.fmt, leaf, &old,
				    pagestate_make_protected(vm->tdp.fmt, st.frame));
	if (ok) {
		vm->mem.resident_pages--;
		(void)tlbgen_note_cleared(&vm->tlb);
	}
	return true;
}

/* The hardware A bit of the leaf mapping frame idx, cleared; or the
 * protection sample where EPT has no A/D bits. */
static bool pager_test_ref(void *ctx, u32 idx)
{
	struct rmap_entry e;
	(void)ctx;
	if (!rmap_lookup(index_frame(idx), &e) || !pager.vms[e.vm])
		return false;
	struct vm *vm = pager.vms[e.vm];
	if (!vm->tdp.ad_enabled)
		return pager_sample_by_protection(vm, e.leaf);
	if (!pt_entry_is_present(&vm->tdp, *e.leaf))
		return false;
	return pt_test_and_clear_accessed(&vm->tdp, e.leaf);
}

static void pager_policy_init(void)
{
	static const struct policy_hooks hooks = {
		.test_and_clear_referenced = pager_test_ref,
		.is_candidate = policy_is_candidate,
		.ctx = NULL,
	};
	struct frame *f0 = frame_desc_by_index(0);
	int rc = policy_init(&pager.policy, POLICY_CLOCK2Q, (u32)frame_span(),
			     &f0->flags, sizeof(struct frame), &hooks, POLICY_INACTIVE_PCT);
	ASSERT(rc == 0);
}

void pager_init(u64 hv_mem)
{
	u64 avail = frame_free_count();
	u64 reserve = MAX(PAGER_RESERVE_MIN, avail / 32);
	memset(&pager, 0, sizeof(pager));
	pager.swap = swap_area_active() != NULL;
	pager.cap = avail > reserve ? avail - reserve : 0;
	if (hv_mem)
		pager.cap = MIN(pager.cap, hv_mem / PAGE_SIZE);
	pager.low = pager_low_mark(pager.cap);
	pager.high = pager_high_mark(pager.cap);
	pager_policy_init();
	pr_info("pager: %lu MiB for guest data (%s), %lu frames reserved; %s", (u64)(pager.cap * PAGE_SIZE / MiB),
		hv_mem ? "hv_mem=" : "all free memory", reserve,
		pager.swap ? "overcommit on (guests may be given more than this)" :
			     "no swap area: overcommit off, only zero pages can be reclaimed");
}

bool pager_overcommit(void)
{
	return pager.swap;
}

void pager_release_frame(hpa_t f)
{
	struct frame *d = frame_desc(f);
	if (d->flags & POLICY_F_TRACKED)
		policy_remove(&pager.policy, frame_index(f));
	ASSERT(pager.used > 0);
	pager.used--;
}

static bool frames_short(u64 margin)
{
	return pager.used + margin > pager.cap || frame_free_count() < PAGER_RESERVE_MIN / 2;
}

/* A frame for a guest's RAM, reclaiming when the cap or the guest's
 * limit= is reached; zeroed unless the caller overwrites all of it.
 * FRAME_INVALID when nothing could be freed now (the fault then waits for
 * writebacks or fails). */
static hpa_t pager_take_frame(struct gmem *g, bool zero)
{
	struct vm *vm = g->hook_ctx;
	if (g->limit_pages && g->resident_pages >= g->limit_pages)
		pager_sweep(PAGER_SWEEP_MAX, vm);
	else if (frames_short(1))
		pager_sweep(PAGER_SWEEP_MAX, NULL);
	if (frames_short(1) || (g->limit_pages && g->resident_pages >= g->limit_pages))
		return hpa(FRAME_INVALID);
	hpa_t f = zero ? frame_alloc_zeroed(FRAME_GUEST, g->owner) : frame_alloc(FRAME_GUEST, g->owner);
	if (frame_is_valid(f))
		pager.used++;
	return f;
}

/* gmem hook: a zeroed frame (demand allocation). */
static hpa_t pager_alloc_frame(struct gmem *g)
{
	return pager_take_frame(g, true);
}

hpa_t pager_alloc_for_read(struct vm *vm)
{
	return pager_take_frame(&vm->mem, false);
}

static void pager_frame_mapped(struct gmem *g, hpa_t f)
{
	(void)g;
	if (!(frame_desc(f)->flags & POLICY_F_TRACKED))
		policy_insert(&pager.policy, frame_index(f));
}

static void pager_frame_released(struct gmem *g, hpa_t f)
{
	(void)g;
	pager_drop_cache_slot(f);
	pager_release_frame(f);
}

/* gmem hook: the hypervisor itself must read or write page a (loader,
 * instruction fetch through the guest's page tables): bring it back now,
 * driving the disks while the guest's own fault would have waited. */
static int pager_make_resident(struct gmem *g, gpa_t a)
{
	struct vm *vm = g->hook_ctx;
	u8 was_waiting = vm->waiting;
	for (int tries = 0; tries < 1000; tries++) {
		enum pager_result r = pager_fault(vm, a, false);
		if (r == PAGER_FIXED && pt_entry_is_present(&vm->tdp, *gmem_leaf(g, a))) {
			vm->waiting = was_waiting;
			return 0;
		}
		if (r != PAGER_FIXED && r != PAGER_WAIT)
			break;
		while (vm->waiting != VM_WAIT_NONE && blk_busy())
			blk_poll();
		vm->waiting = VM_WAIT_NONE;
	}
	vm->waiting = was_waiting;
	return E_NOMEM;
}

static const struct gmem_hooks pager_hooks = {
	.alloc_frame = pager_alloc_frame,
	.frame_mapped = pager_frame_mapped,
	.frame_released = pager_frame_released,
	.make_resident = pager_make_resident,
};

void pager_vm_init(struct vm *vm, u64 limit_pages)
{
	ASSERT(vm->id <= VM_MAX);
	pager.vms[vm->id] = vm;
	vm->mem.hooks = &pager_hooks;
	vm->mem.hook_ctx = vm;
	vm->mem.limit_pages = limit_pages;
	tlbgen_init(&vm->tlb);
}

void pager_balance(void)
{
	if (pager.cap - MIN(pager.used, pager.cap) < pager.low)
		pager_sweep(PAGER_SWEEP_MAX, NULL);
}

void pager_wake_frame_waiters(void)
{
	for (size_t i = 1; i <= VM_MAX; i++)
		if (pager.vms[i] && pager.vms[i]->waiting == VM_WAIT_FRAMES)
			pager.vms[i]->waiting = VM_WAIT_NONE;
}

struct pager_io *pager_io_get(void)
{
	for (size_t i = 0; i < PAGER_IO_MAX; i++) {
		if (!pager.io[i].in_use) {
			memset(&pager.io[i], 0, sizeof(pager.io[i]));
			pager.io[i].in_use = true;
			pager.io_in_flight++;
			return &pager.io[i];
		}
	}
	return NULL;
}

void pager_io_put(struct pager_io *io)
{
	ASSERT(io->in_use && pager.io_in_flight > 0);
	io->in_use = false;
	pager.io_in_flight--;
}

void pager_flush_vm(struct tlbgen *g, void *ctx)
{
	struct vm *vm = (struct vm *)((u8 *)g - offsetof(struct vm, tlb));
	(void)ctx;
	vcpu_ops->flush_tdp(vm);
}

void pager_print_stats(void)
{
	struct swap_area *a = swap_area_active();
	u64 ppc10 = pager.cmds_written ? pager.pages_written * 10 / pager.cmds_written : 0;
	kprintf("pager: guest frames %lu used of %lu, %lu sweeps, swap %s: %lu read commands "
		"(%lu pages), %lu write commands (%lu pages, %lu.%lu per command), swap full %lu times\n",
		pager.used, pager.cap, pager.sweeps, a ? a->dev->name : "none", pager.cmds_read,
		pager.pages_read, pager.cmds_written, pager.pages_written, ppc10 / 10, ppc10 % 10,
		pager.swap_full);
	if (a)
		kprintf("swap %s: %lu slots written, %lu in use, %lu retired, %lu integrity errors\n",
			a->dev->name, a->slots.nwritten, swap_slots_in_use(&a->slots),
			a->slots.nretired, pager.integrity_errors);
	if (pager.audit_problems)
		kprintf("audit: %lu problems (EPT/NPT against the reverse map)\n",
			pager.audit_problems);
	else
		kprintf("audit: ok (%lu guests' EPT/NPT checked against the reverse map at their "
			"end, %lu us)\n", pager.teardown_audits, tsc_to_us(pager.teardown_audit_tsc));
}

u64 pager_audit_problems(void)
{
	return pager.audit_problems;
}
