/* Faults on guest RAM by page state (mm/pagestate.h): demand-zero pages
 * are allocated, a page in writeback is taken back (its frame is still
 * valid: the slot is never read), a swapped page is read into a new frame
 * while the vCPU waits and the other guests run, and a guest's end gives
 * back its slots once its I/O has drained. */
#include "mm/pager_int.h"
#include "core/bench.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/pagestate.h"
#include "mm/rmap.h"
#include "mm/swap_area.h"

/* A swap-in failed (unreadable, or not what was written): stop only the
 * page's owner. This runs in whatever slice drives the disk; the
 * scheduler tears the guest down when it next looks at it (sched_reap),
 * and the page is never mapped (its leaf stays swap-in). */
static void swapin_failed(struct vm *vm, bool integrity, u64 slot, gpa_t a)
{
	if (integrity)
		vm_kill(vm, "swap integrity error: slot %lu, guest-physical 0x%lx: checksum mismatch",
			slot, a.v);
	else
		vm_kill(vm, "swap-in failed: slot %lu unreadable (guest-physical 0x%lx)", slot, a.v);
}

static void read_done(struct blk_req *r)
{
	struct pager_io *io = r->ctx;
	struct vm *vm = io->vm;
	hpa_t f = io->frames[0];
	struct rmap_entry e;
	bench_swapin_done(vm);
	bool found = rmap_lookup(f, &e);
	ASSERT(found);
	vm->mem.io_pending--;
	bool bad_sum = r->status == E_OK &&
		       !swap_csum_verify(&swap_area_active()->slots, io->slot, hpa_to_ptr(f));
	if (r->status != E_OK || bad_sum) {
		/* Its data is gone or not what was written: never map it. */
		swap_slot_retire(&swap_area_active()->slots, io->slot);
		pager.integrity_errors += bad_sum;
		pr_warn("pager: swap-in of guest %s page 0x%lx from slot %lu: %s; slot retired",
			vm->name, gfn_to_gpa(e.gfn).v, io->slot,
			bad_sum ? "checksum mismatch" : "read failed");
		swapin_failed(vm, bad_sum, io->slot, gfn_to_gpa(e.gfn));
	} else {
		pager_remap(vm, e.leaf, f);
		pager_set_cache_slot(f, io->slot);   /* clean: the slot stays a copy */
		frame_desc(f)->flags &= ~(FRAME_F_PINNED | FRAME_F_DIRTY);
	}
	if (vm->waiting == VM_WAIT_IO)
		vm->waiting = VM_WAIT_NONE;
	pager_io_put(io);
}

/* Allocate a frame for the page and start reading its slot. */
static enum pager_result swap_in(struct vm *vm, u64 *leaf, u64 slot)
{
	struct pager_io *io = pager_io_get();
	if (!io) {
		vm->waiting = VM_WAIT_FRAMES;
		return PAGER_WAIT;
	}
	hpa_t f = pager_alloc_for_read(vm);
	if (!frame_is_valid(f)) {
		pager_io_put(io);
		return pager.io_in_flight ? (vm->waiting = VM_WAIT_FRAMES, PAGER_WAIT) : PAGER_NOMEM;
	}
	u64 old = *leaf;
	bool ok = pagestate_replace(vm->tdp.fmt, leaf, &old,
				    pagestate_make_swapin(vm->tdp.fmt, hpa_to_hfn(f)));
	ASSERT(ok);
	rmap_set(f, leaf);
	frame_desc(f)->flags |= FRAME_F_PINNED;
	*io = (struct pager_io){ .frames = { f }, .npages = 1, .slot = slot, .vm = vm,
				 .in_use = true };
	io->req = (struct blk_req){ .npages = 1, .write = false, .frames = io->frames,
				    .done = read_done, .ctx = io };
	int rc = swap_area_submit(&io->req, slot);
	ASSERT(rc == 0);
	bench_swapin_submitted(vm);
	vm->mem.swapped_pages--;
	vm->mem.major_faults++;
	vm->mem.io_pending++;
	pager.cmds_read++;
	pager.pages_read++;
	vm->waiting = VM_WAIT_IO;
	return PAGER_WAIT;
}

/* Demand-zero (or ROM/hole) through gmem; a frame shortage waits for the
 * writebacks in flight, or fails when nothing can free one. */
static enum pager_result demand_fault(struct vm *vm, gpa_t a, bool write)
{
	switch (gmem_fault(&vm->mem, a, write)) {
	case GMEM_FAULT_FIXED: bench_fault_zero(vm); return PAGER_FIXED;
	case GMEM_FAULT_IGNORE: return PAGER_IGNORE;
	case GMEM_FAULT_NOSLOT: return PAGER_NOSLOT;
	case GMEM_FAULT_NOMEM:
	default:
		if (pager.io_in_flight) {
			vm->waiting = VM_WAIT_FRAMES;
			return PAGER_WAIT;
		}
		return PAGER_NOMEM;
	}
}

/* A protected page was touched: give the access back (the reference is
 * what the policy samples: the leaf is resident again at its next visit). */
static void pager_unprotect(struct vm *vm, u64 *leaf, hpa_t f)
{
	u64 old = *leaf;
	bool ok = pagestate_replace(vm->tdp.fmt, leaf, &old,
				    pt_make_leaf(&vm->tdp, f, 1, PT_R | PT_W | PT_X));
	ASSERT(ok);
	vm->mem.resident_pages++;
}

enum pager_result pager_fault(struct vm *vm, gpa_t a, bool write)
{
	u64 *leaf = gmem_leaf(&vm->mem, a);
	if (!leaf || *leaf == 0)
		return demand_fault(vm, a, write);
	struct pagestate_info st = pagestate_decode(vm->tdp.fmt, *leaf);
	switch (pagestate_fault_action(st.state)) {
	case PAGESTATE_FAULT_ZERO:
		return demand_fault(vm, a, write);
	case PAGESTATE_FAULT_RETRY:
		return demand_fault(vm, a, write);     /* ROM/hole writes, races */
	case PAGESTATE_FAULT_RECLAIM:
		vm->mem.minor_faults++;
		pager_remap(vm, leaf, hfn_to_hpa(st.frame));   /* stays pinned until its write ends */
		return PAGER_FIXED;
	case PAGESTATE_FAULT_UNPROTECT:
		vm->mem.minor_faults++;
		pager_unprotect(vm, leaf, hfn_to_hpa(st.frame));
		return PAGER_FIXED;
	case PAGESTATE_FAULT_SWAPIN:
		return swap_in(vm, leaf, st.slot);
	case PAGESTATE_FAULT_WAIT:
		vm->waiting = VM_WAIT_IO;
		return PAGER_WAIT;
	default:
		panic("pager: guest %s leaf for 0x%lx is corrupt (0x%lx)", vm->name, a.v, *leaf);
	}
}

/* Free the slot of every swapped leaf below table (level). */
static void release_slots(struct vm *vm, hpa_t table, int level)
{
	u64 *e = hpa_to_ptr(table);
	for (int i = 0; i < PT_ENTRIES; i++) {
		if (level > 1 && pt_entry_is_present(&vm->tdp, e[i])) {
			release_slots(vm, pt_entry_addr(&vm->tdp, e[i], 1), level - 1);
			continue;
		}
		if (level != 1 || !e[i] || pt_entry_is_present(&vm->tdp, e[i]))
			continue;
		struct pagestate_info st = pagestate_decode(vm->tdp.fmt, e[i]);
		if (st.state == PAGESTATE_PROTECTED) {
			pager_unprotect(vm, &e[i], hfn_to_hpa(st.frame));   /* gmem frees it */
			continue;
		} else if (st.state == PAGESTATE_SWAPPED) {
			swap_slot_free(&swap_area_active()->slots, st.slot);
		} else {
			/* A swap-in whose read failed (the guest was killed). */
			ASSERT(st.state == PAGESTATE_SWAPIN);
			hpa_t f = hfn_to_hpa(st.frame);
			rmap_clear(f);
			frame_desc(f)->flags &= ~FRAME_F_PINNED;
			pager_release_frame(f);
			frame_free(f);
		}
		e[i] = 0;
	}
}

/* Every guest's EPT/NPT is checked against the reverse map once at its end,
 * whether or not `audit` is on (which checks after every sweep too). */
static void audit_at_teardown(struct vm *vm)
{
	u64 t0 = rdtsc();
	int n = rmap_audit(&vm->tdp, vm->id, &vm->mem.ones_frame, 1);
	pager.teardown_audit_tsc += rdtsc() - t0;
	pager.teardown_audits++;
	if (n) {
		pager.audit_problems += (u64)n;
		kprintf("audit %s: %d problems in its EPT/NPT at its teardown\n", vm->name, n);
	}
}

void pager_vm_release(struct vm *vm)
{
	while (vm->mem.io_pending)
		blk_poll();
	if (frame_is_valid(vm->tdp.root)) {
		audit_at_teardown(vm);
		release_slots(vm, vm->tdp.root, vm->tdp.fmt->levels);
	}
	vm->mem.swapped_pages = 0;
	pager.vms[vm->id] = NULL;
}
