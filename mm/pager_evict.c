/* Eviction: a sweep picks victims, turns each leaf into the writeback
 * state (moving its dirty bit to the frame), flushes each VM's EPT/NPT
 * translations once, then per victim: a zero page goes back to
 * demand-zero, a clean page with a swap copy is dropped, a dirty page is
 * written to its slot and freed when the write completes. A failed write
 * retires the slot and leaves the page resident and dirty. */
#include "mm/pager_int.h"
#include "core/bench.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/string.h"
#include "mm/pagestate.h"
#include "mm/rmap.h"
#include "mm/swap_area.h"

static bool page_is_zero(hpa_t f)
{
	const u64 *p = hpa_to_ptr(f);
	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		if (p[i])
			return false;
	return true;
}

void pager_remap(struct vm *vm, u64 *leaf, hpa_t f)
{
	u64 old = *leaf;
	u64 e = pt_make_leaf(&vm->tdp, f, 1, PT_R | PT_W | PT_X);
	bool ok = pagestate_replace(vm->tdp.fmt, leaf, &old, e);
	ASSERT(ok);
	vm->mem.resident_pages++;
	if (!(frame_desc(f)->flags & POLICY_F_TRACKED))
		policy_insert(&pager.policy, frame_index(f));
}

/* Set the leaf to a non-present state and drop the frame: the leaf no
 * longer names it. */
static void leaf_release_frame(struct vm *vm, u64 *leaf, u64 entry, hpa_t f)
{
	u64 old = *leaf;
	bool ok = pagestate_replace(vm->tdp.fmt, leaf, &old, entry);
	ASSERT(ok);
	rmap_clear(f);
	frame_desc(f)->flags &= ~(FRAME_F_PINNED | FRAME_F_DIRTY);
	pager_release_frame(f);
	frame_free(f);
}

/* Step 1: unmap. The leaf becomes WRITEBACK(frame); the frame is pinned
 * until its fate is decided. Returns the VM, or NULL if not evictable. */
static struct vm *victim_unmap(hpa_t f)
{
	struct rmap_entry e;
	if (!rmap_lookup(f, &e) || !pager.vms[e.vm])
		return NULL;
	struct vm *vm = pager.vms[e.vm];
	u64 old = *e.leaf;
	enum pagestate st = pagestate_decode(vm->tdp.fmt, old).state;
	if (st != PAGESTATE_RESIDENT && st != PAGESTATE_PROTECTED)
		return NULL;
	/* Without EPT A/D bits there is no dirty bit: always write. */
	bool dirty = !vm->tdp.ad_enabled || pt_is_dirty(&vm->tdp, e.leaf);
	u64 wb = pagestate_make_writeback(vm->tdp.fmt, hpa_to_hfn(f));
	if (!pagestate_replace(vm->tdp.fmt, e.leaf, &old, wb))
		return NULL;
	struct frame *d = frame_desc(f);
	d->flags |= FRAME_F_PINNED | (dirty ? FRAME_F_DIRTY : 0);
	if (st == PAGESTATE_RESIDENT)
		vm->mem.resident_pages--;   /* a protected page was already counted out */
	vm->mem.evictions++;
	return vm;
}

/* One page of a finished write: on success the page becomes swapped (or,
 * taken back meanwhile, keeps the slot as a clean copy); on failure the
 * slot is retired and the page stays resident and dirty. */
static void write_page_done(hpa_t f, u64 slot, int status)
{
	struct rmap_entry e;
	bool ok = rmap_lookup(f, &e);
	ASSERT(ok);
	struct vm *vm = pager.vms[e.vm];
	struct pagestate_info st = pagestate_decode(vm->tdp.fmt, *e.leaf);
	vm->mem.io_pending--;
	if (status != E_OK) {
		vm->mem.write_errors++;
		swap_slot_retire(&swap_area_active()->slots, slot);
		if (st.state == PAGESTATE_WRITEBACK)
			pager_remap(vm, e.leaf, f);
		frame_desc(f)->flags &= ~FRAME_F_PINNED;
		return;
	}
	vm->mem.writebacks++;
	frame_desc(f)->flags &= ~FRAME_F_DIRTY;
	if (st.state == PAGESTATE_WRITEBACK) {
		vm->mem.swapped_pages++;
		leaf_release_frame(vm, e.leaf, pagestate_make_swapped(vm->tdp.fmt, slot), f);
	} else {
		pager_set_cache_slot(f, slot);   /* taken back meanwhile: now clean */
		frame_desc(f)->flags &= ~FRAME_F_PINNED;
	}
}

/* Count a failed write command, say so (the first few), and stop writing to
 * an area whose commands keep failing (a disk that is gone): its victims then
 * stay resident, as without swap, instead of retiring every slot in turn. */
static void write_failed(const struct pager_io *io)
{
	struct swap_area *a = swap_area_active();
	if (pager.write_fail_cmds++ < PAGER_WRITE_FAIL_LINES)
		pr_warn("pager: write of %u pages to slots %lu..%lu failed: slots retired, pages "
			"stay resident", io->npages, io->slot, io->slot + io->npages - 1);
	if (++pager.write_fail_run == PAGER_WRITE_FAIL_RUN && !pager.swap_failing) {
		pager.swap_failing = true;
		pr_err("pager: swap %s: %u write commands failed in a row; no more writes to it "
		       "(evicted pages stay resident)", a->name, PAGER_WRITE_FAIL_RUN);
	}
}

static void write_done(struct blk_req *r)
{
	struct pager_io *io = r->ctx;
	if (r->status != E_OK)
		write_failed(io);
	else
		pager.write_fail_run = 0;
	for (u32 i = 0; i < io->npages; i++)
		write_page_done(io->frames[i], io->slot + i, r->status);
	pager_io_put(io);
	pager_wake_frame_waiters();
}

/* A victim that cannot be written (no swap area, swap full, no request):
 * map it again, still dirty. */
static void victim_keep_resident(hpa_t f)
{
	struct rmap_entry e;
	bool ok = rmap_lookup(f, &e);
	ASSERT(ok);
	pager_remap(pager.vms[e.vm], e.leaf, f);
	frame_desc(f)->flags &= ~FRAME_F_PINNED;
}

/* Write frames[0..n) (dirty, unmapped) to slots [first, first + n) as one
 * command. Each frame's old swap-cache slot, if any, was released. */
static bool write_run(const hpa_t *frames, u32 n, u64 first)
{
	struct pager_io *io = pager_io_get();
	if (!io)
		return false;
	*io = (struct pager_io){ .npages = n, .slot = first, .in_use = true };
	for (u32 i = 0; i < n; i++)
		io->frames[i] = frames[i];
	io->req = (struct blk_req){ .npages = n, .write = true, .frames = io->frames,
				    .done = write_done, .ctx = io };
	/* The frames are unmapped (writeback): what is summed now is what the
	 * disk gets, unless a fault takes a frame back and the guest writes it
	 * meanwhile; that page is then dirty and its slot is never read. */
	for (u32 i = 0; i < n; i++)
		swap_csum_store(&swap_area_active()->slots, first + i, hpa_to_ptr(frames[i]));
	if (swap_area_submit(&io->req, first) < 0) {
		pager_io_put(io);
		return false;
	}
	for (u32 i = 0; i < n; i++) {
		struct rmap_entry e;
		bool ok = rmap_lookup(frames[i], &e);
		ASSERT(ok);
		pager.vms[e.vm]->mem.io_pending++;
		if (i == 0)
			bench_write_cmd(pager.vms[e.vm], n);
	}
	pager.cmds_written++;
	pager.pages_written += n;
	return true;
}

/* Write one run of at most the device's command size: contiguous slots
 * when the allocator has them, else page by page. */
static void write_chunk(const hpa_t *frames, u32 n)
{
	struct swap_slots *slots = &swap_area_active()->slots;
	u64 first = n > 1 ? swap_slot_alloc_run(slots, n) : SWAP_SLOT_NONE;
	if (first != SWAP_SLOT_NONE) {
		if (write_run(frames, n, first))
			return;
		swap_slot_free_run(slots, first, n);
	}
	for (u32 i = 0; i < n; i++) {
		u64 slot = swap_slot_alloc(slots);
		if (slot != SWAP_SLOT_NONE && write_run(&frames[i], 1, slot))
			continue;
		if (slot != SWAP_SLOT_NONE)
			swap_slot_free(slots, slot);
		pager.swap_full += slot == SWAP_SLOT_NONE;
		victim_keep_resident(frames[i]);
	}
}

/* Step 3: write the sweep's dirty victims, contiguous slots per command. */
static void write_victims(hpa_t *frames, u32 n)
{
	struct swap_area *a = swap_area_active();
	if (!a || pager.swap_failing) {
		for (u32 i = 0; i < n; i++)
			victim_keep_resident(frames[i]);
		return;
	}
	u32 max = MAX(1u, MIN((u32)PAGER_SWEEP_MAX, a->dev->max_pages_per_cmd));
	for (u32 i = 0; i < n; i += max)
		write_chunk(&frames[i], MIN(max, n - i));
}

/* Step 2, after the flush: decide the victim's fate. Returns true if the
 * frame was freed now; false if it must be written (its old swap-cache slot
 * is released: the write gets a new, contiguous one). */
static bool victim_finish(hpa_t f)
{
	struct rmap_entry e;
	bool found = rmap_lookup(f, &e);
	ASSERT(found);
	struct vm *vm = pager.vms[e.vm];
	u64 slot = pager_cache_slot(f);
	bool dirty = frame_desc(f)->flags & FRAME_F_DIRTY;

	if (page_is_zero(f)) {
		vm->mem.zero_drops++;
		pager_drop_cache_slot(f);
		leaf_release_frame(vm, e.leaf, 0, f);
		return true;
	}
	if (!dirty && slot != SWAP_SLOT_NONE) {
		vm->mem.clean_drops++;
		vm->mem.swapped_pages++;
		frame_desc(f)->link = FRAME_NONE;
		frame_desc(f)->flags &= ~FRAME_F_SWAPCACHE;
		leaf_release_frame(vm, e.leaf, pagestate_make_swapped(vm->tdp.fmt, slot), f);
		return true;
	}
	if (swap_area_active())
		pager_drop_cache_slot(f);
	return false;
}

static void pager_audit_all(void)
{
	for (size_t i = 1; i <= VM_MAX; i++) {
		struct vm *vm = pager.vms[i];
		if (vm && vm->state == VM_RUNNING)
			pager.audit_problems += (u64)rmap_audit(&vm->tdp, vm->id, &vm->mem.ones_frame, 1);
	}
}

/* policy_pick() untracked the victim; one we could not unmap goes back. */
static void victim_keep(hpa_t f)
{
	const struct frame *d = frame_desc(f);
	if (d->state == FRAME_GUEST && !(d->flags & (FRAME_F_PINNED | POLICY_F_TRACKED)))
		policy_insert(&pager.policy, frame_index(f));
}

u32 pager_sweep(u32 want, struct vm *only)
{
	static struct tlbgen_victim storage[PAGER_SWEEP_MAX];
	struct tlbgen_batch batch;
	u32 victims[PAGER_SWEEP_MAX], n, freed = 0;
	u64 t0 = bench_now();
	struct vm *first = NULL;

	/* Never unmap more pages than can be written at once; while many
	 * writes are in flight (a disk that completes one request at a time),
	 * wait for them rather than sweep for a few victims each fault: each
	 * sweep costs a policy scan, a flush and, with `audit`, a full audit. */
	want = MIN(MIN(want, PAGER_SWEEP_MAX), PAGER_IO_MAX - (u32)pager.io_in_flight);
	if (!want || (want < PAGER_SWEEP_MIN && pager.io_in_flight))
		return 0;
	pager_sweep_only = only;
	n = policy_pick(&pager.policy, victims, want);
	pager_sweep_only = NULL;
	tlbgen_batch_init(&batch, storage, PAGER_SWEEP_MAX);
	for (u32 i = 0; i < n; i++) {
		hpa_t f = index_frame(victims[i]);
		struct vm *vm = victim_unmap(f);
		if (!vm) {
			victim_keep(f);
			continue;
		}
		int rc = tlbgen_batch_add(&batch, &vm->tlb, f);
		ASSERT(rc == 0);
		first = first ? first : vm;
	}
	tlbgen_batch_flush(&batch, pager_flush_vm, NULL);
	for (size_t i = 1; i <= VM_MAX; i++)   /* protections of the sampling */
		if (pager.vms[i])
			tlbgen_flush(&pager.vms[i]->tlb, pager_flush_vm, NULL);
	hpa_t dirty[PAGER_SWEEP_MAX];
	u32 ndirty = 0;
	for (u32 i = 0; i < batch.n; i++) {
		tlbgen_assert_safe(batch.v[i].gen, batch.v[i].ticket);
		hpa_t f = tlbgen_batch_frame(&batch, i);
		if (victim_finish(f))
			freed++;
		else
			dirty[ndirty++] = f;
	}
	write_victims(dirty, ndirty);
	pager.sweeps++;
	bench_evicted(first, BENCH_EVICT_SWEEP, t0, batch.n);
	if (pager_audit)
		pager_audit_all();
	return freed;
}

int pager_evict_gpa(struct vm *vm, gpa_t a)
{
	u64 *leaf = gmem_leaf(&vm->mem, a);
	const struct gmem_slot *s = gmem_slot_find(&vm->mem, a);
	u64 t0 = bench_now();
	if (!leaf || !s || s->kind != GMEM_RAM || !pt_entry_is_present(&vm->tdp, *leaf))
		return E_NOENT;
	hpa_t f = pt_entry_addr(&vm->tdp, *leaf, 1);
	if (frame_desc(f)->flags & FRAME_F_PINNED)
		return E_BUSY;
	if (frame_desc(f)->flags & POLICY_F_TRACKED)
		policy_remove(&pager.policy, frame_index(f));
	if (victim_unmap(f) != vm)
		return E_BUSY;
	u64 ticket = tlbgen_note_cleared(&vm->tlb);
	tlbgen_sync(&vm->tlb, ticket, pager_flush_vm, NULL);
	if (!victim_finish(f))
		write_victims(&f, 1);
	bench_evicted(vm, BENCH_EVICT_ONE, t0, 1);
	return 0;
}
