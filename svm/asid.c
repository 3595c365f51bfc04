/* Address space IDs for SVM guests (APM Vol. 2 15.16). TLB entries are
 * tagged with the ASID, so each VM gets its own from 1..nasids-1 (0 is the
 * host's). ASIDs are handed out in generations: when they run out (QEMU TCG
 * has 16) a new generation starts with a flush of every ASID, and VMs pick
 * a fresh ASID at their next entry. One CPU for now: the state is global. */
#include "svm/svm.h"
#include "core/cpufeat.h"
#include "core/log.h"
#include "core/vm.h"

static struct {
	u64 gen;            /* current generation, starts at 1 */
	u32 next;           /* next free ASID in this generation */
	bool flush_all;     /* the next VMRUN flushes every ASID */
} asid_cpu = { .gen = 1, .next = 1, .flush_all = true };

static u32 svm_asid_count(void)
{
	return MAX(cpufeat()->svm.nasids, 2u);
}

static void svm_asid_assign(struct svm_vm *s)
{
	if (asid_cpu.next >= svm_asid_count()) {
		asid_cpu.gen++;
		asid_cpu.next = 1;
		asid_cpu.flush_all = true;
		pr_debug("svm: ASIDs exhausted, generation %lu", asid_cpu.gen);
	}
	s->asid = asid_cpu.next++;
	s->asid_gen = asid_cpu.gen;
	s->flush = false;   /* unused in this generation: nothing cached */
}

/* Before each VMRUN: make sure the VM holds an ASID of the current
 * generation and set TLB_CONTROL for the flush it needs (APM Vol. 2
 * 15.16.1: 1 flushes all ASIDs, 3 only this guest's, with flush-by-ASID).
 * svm_run resets TLB_CONTROL to 0 after the exit. */
void svm_asid_prepare(struct vm *vm, struct vmcb *vmcb)
{
	struct svm_vm *s = vm->arch;

	if (!s->asid || s->asid_gen != asid_cpu.gen)
		svm_asid_assign(s);
	vmcb->ctl.asid = s->asid;
	if (asid_cpu.flush_all) {
		vmcb->ctl.tlb_control = VMCB_TLB_FLUSH_ALL;
		asid_cpu.flush_all = false;
		s->flush = false;
	} else if (s->flush) {
		vmcb->ctl.tlb_control = VMCB_TLB_FLUSH_ASID;
		s->flush = false;
	}
}

/* The VM's nested translations changed: with flush-by-ASID flush its ASID
 * at the next entry; without it give it a fresh ASID, which holds no cached
 * translations in this generation (APM Vol. 2 15.16.1). */
void svm_asid_flush(struct vm *vm)
{
	struct svm_vm *s = vm->arch;
	if (cpufeat()->svm.flush_by_asid)
		s->flush = true;
	else
		s->asid = 0;
}

/* The VM is going away: its ASID is simply not used again in this
 * generation (no per-ASID bookkeeping to undo). */
void svm_asid_release(struct vm *vm)
{
	struct svm_vm *s = vm->arch;
	s->asid = 0;
}
