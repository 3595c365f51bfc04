/* Nested paging for SVM guests (APM Vol. 2 15.25): the VM's guest-physical
 * to host-physical tree is the NPT format of the one page-table engine
 * (mm/pt.h); the VMCB points at it with nCR3 and NP_ENABLE (svm/vmcb.c).
 * Flushing after a change goes through the VM's ASID (svm/asid.c). */
#include "svm/svm.h"
#include "core/log.h"
#include "core/vm.h"
#include "mm/heap.h"
#include "mm/pt.h"

/* svm_ops.vm_init: create the VM's empty NPT tree (ordinary x86-64 entry
 * format, 4 levels, hardware A/D bits: 15.25.5) and its ASID state.
 * Returns E_NOMEM with nothing left allocated. */
int svm_vm_init(struct vm *vm)
{
	struct svm_vm *s = kzalloc(sizeof(*s));
	if (!s)
		return E_NOMEM;
	int rc = pt_create(&vm->tdp, &pt_fmt_npt, vm->id);
	if (rc < 0) {
		kfree(s);
		return rc;
	}
	vm->arch = s;
	return 0;
}

/* svm_ops.vm_destroy: free the NPT tables (the guest frames they map are
 * gmem's) and the ASID state. */
void svm_vm_destroy(struct vm *vm)
{
	if (!vm->arch)
		return;
	svm_asid_release(vm);
	pt_destroy(&vm->tdp);
	kfree(vm->arch);
	vm->arch = NULL;
}

/* svm_ops.flush_tdp: the NPT lost or narrowed a mapping; the guest must
 * not keep using a cached nested translation (15.16.1, 15.25.11). */
void svm_flush_tdp(struct vm *vm)
{
	svm_asid_flush(vm);
}
