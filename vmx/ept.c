/* Per-VM VMX state: the EPT tree (an instance of the one page-table engine
 * in the EPT format), its EPT pointer, the VM's VPID, and the INVEPT /
 * INVVPID flushes of the types the CPU reports (SDM Vol. 3C 29.3, 29.4). */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/cpufeat.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/heap.h"

#define EPTP_MT_WB       6ull          /* 25.6.11: bits 2:0 memory type */
#define EPTP_WALK_4      (3ull << 3)   /* bits 5:3: page-walk length - 1 */
#define EPTP_AD          BIT(6)        /* accessed/dirty flags (29.3.5) */
#define INVEPT_SINGLE    1ull          /* 31.3 "INVEPT" */
#define INVEPT_ALL       2ull
#define INVVPID_SINGLE   1ull          /* 31.3 "INVVPID" */
#define INVVPID_ALL      2ull
#define VPID_MAX         0xffff

static u64 vpid_used[(VPID_MAX + 1) / 64];   /* bit set = VPID in use; 0 reserved */

static void invept(u64 type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	u8 fail;
	__asm__ volatile("invept %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type)
			 : "cc", "memory");
	if (fail)
		panic("vmx: INVEPT type %lu of EPTP 0x%lx failed", type, eptp);
}

static void invvpid(u64 type, u16 vpid)
{
	struct { u64 vpid, addr; } desc = { vpid, 0 };
	u8 fail;
	__asm__ volatile("invvpid %1, %2; setna %0" : "=q"(fail) : "m"(desc), "r"(type)
			 : "cc", "memory");
	if (fail)
		panic("vmx: INVVPID type %lu of VPID %u failed", type, vpid);
}

/* Drop the cached translations tagged with vpid (single-context when the
 * CPU offers it, else all contexts). */
static void vpid_flush(u16 vpid)
{
	const struct vmx_caps *c = &cpufeat()->vmx;
	if (!vpid)
		return;
	invvpid(c->invvpid_single ? INVVPID_SINGLE : INVVPID_ALL, vpid);
}

/* A free VPID in 1..0xffff (0 is the host's, SDM Vol. 3C 27.2.1.1),
 * flushed so no stale translation of an earlier owner survives; 0 when all
 * are taken. */
static u16 vpid_alloc(void)
{
	for (u32 id = 1; id <= VPID_MAX; id++) {
		if (vpid_used[id / 64] & BIT(id % 64))
			continue;
		vpid_used[id / 64] |= BIT(id % 64);
		vpid_flush((u16)id);
		return (u16)id;
	}
	return 0;
}

static void vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	vpid_flush(vpid);
	vpid_used[vpid / 64] &= ~BIT(vpid % 64);
}

/* EPT pointer of tree pt (SDM Vol. 3C 25.6.11): write-back structures,
 * 4-level walk, A/D flags when the CPU has them (EPT_VPID_CAP bit 21). */
static u64 ept_pointer(const struct pt *pt)
{
	return pt->root.v | EPTP_MT_WB | EPTP_WALK_4 | (pt->ad_enabled ? EPTP_AD : 0);
}

/* vmx_ops.vm_init: the VM's empty EPT tree, its EPT pointer and a VPID.
 * Returns E_NOMEM (or E_BUSY when every VPID is taken) with nothing left
 * allocated. */
int vmx_vm_init(struct vm *vm)
{
	struct vmx_vm *x = kzalloc(sizeof(*x));
	if (!x)
		return E_NOMEM;
	int rc = pt_create(&vm->tdp, &pt_fmt_ept, vm->id);
	if (rc < 0) {
		kfree(x);
		return rc;
	}
	if (vmx_ctl.proc2 & PROC2_VPID) {
		x->vpid = vpid_alloc();
		if (!x->vpid) {
			pr_err("vmx: no free VPID for guest %s", vm->name);
			pt_destroy(&vm->tdp);
			kfree(x);
			return E_BUSY;
		}
	}
	pt_set_ad(&vm->tdp, cpufeat()->vmx.ept_ad);
	x->eptp = ept_pointer(&vm->tdp);
	vm->arch = x;
	return 0;
}

/* vmx_ops.vm_destroy: flush the VM's EPT-tagged and VPID-tagged
 * translations, free its VPID and EPT tables (the guest frames are gmem's). */
void vmx_vm_destroy(struct vm *vm)
{
	struct vmx_vm *x = vmx_vm(vm);
	if (!x)
		return;
	vmx_flush_tdp(vm);
	vpid_free(x->vpid);
	pt_destroy(&vm->tdp);
	kfree(x);
	vm->arch = NULL;
}

/* vmx_ops.flush_tdp: INVEPT single-context for this EPTP when offered,
 * else all-context (SDM Vol. 3C 29.4.3.1). */
void vmx_flush_tdp(struct vm *vm)
{
	const struct vmx_caps *c = &cpufeat()->vmx;
	invept(c->invept_single ? INVEPT_SINGLE : INVEPT_ALL, vmx_vm(vm)->eptp);
}
