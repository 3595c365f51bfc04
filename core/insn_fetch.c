/* Kernel side of instruction decoding: fetch the bytes at the guest's
 * CS:RIP through the guest's own paging (core/gwalk.c) and guest memory
 * (gmem_read), and measure them with insn_len (core/insn_len.c). Used by
 * exits whose hardware gives no instruction length: SVM without NRIP save,
 * EPT violations / nested page faults on writes to ROM. */
#include "core/emulate.h"
#include "core/emu_int.h"
#include "core/gwalk.h"
#include "core/insn_len.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/vm.h"

/*
 * Contract with the vendors: VREG_CS_ATTR returns the CS attributes in the
 * VMX access-rights layout (SDM Vol. 3C 24.4.1, Table 24-2): type 3:0, S 4,
 * DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15. SVM converts from the VMCB's
 * packed attrib field (APM Vol. 2 15.5.1, bits 11:8 there are 15:12 here).
 * Bits 11:8 are reserved in this layout; finding them set means a vendor
 * returned the packed layout, which would silently mis-decode, so panic.
 */
#define CS_ATTR_L   BIT(13)
#define CS_ATTR_DB  BIT(14)
#define CS_ATTR_RSV 0xf00ull
#define EFER_LMA    BIT(10)

/* Room for " xx" per byte of the longest instruction. */
#define HEX_BUF (3 * INSN_MAX_LEN + 1)

int emu_guest_read(void *gmem, gpa_t a, void *dst, u64 len)
{
	return gmem_read(gmem, a, dst, len);
}

struct gwalk_regs emu_gwalk_regs(struct vcpu *v)
{
	const struct vcpu_ops *ops = vcpu_ops;
	return (struct gwalk_regs){
		.cr0 = ops->get_reg(v, VREG_CR0), .cr3 = ops->get_reg(v, VREG_CR3),
		.cr4 = ops->get_reg(v, VREG_CR4), .efer = ops->get_reg(v, VREG_EFER),
	};
}

/* Default code size from EFER.LMA, CS.L and CS.D (SDM Vol. 3A 5.2.1):
 * 64-bit mode needs both LMA and L; otherwise D/B picks 32 over 16. */
static enum insn_mode insn_fetch_mode(u64 efer, u64 cs_attr)
{
	if (cs_attr & CS_ATTR_RSV)
		panic("VREG_CS_ATTR 0x%lx is not in the VMX access-rights layout", cs_attr);
	if ((efer & EFER_LMA) && (cs_attr & CS_ATTR_L))
		return INSN_MODE_64;
	return (cs_attr & CS_ATTR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

/* Linear address of byte off of the instruction at CS:RIP. Outside 64-bit
 * mode the segment base applies and linear addresses wrap at 4 GiB (SDM
 * Vol. 3A 3.4, 3.3.6); the CS limit is not checked (the CPU already did). */
static u64 insn_fetch_linear(enum insn_mode m, u64 cs_base, u64 rip, size_t off)
{
	if (m == INSN_MODE_64)
		return rip + off;
	return (cs_base + (u32)(rip + off)) & 0xffffffffull;
}

/* Copy up to n instruction bytes into buf, one guest page at a time (an
 * instruction may straddle two pages mapped anywhere). Stops at the first
 * page that does not translate or read; returns the bytes fetched and sets
 * *err to why it stopped early (0 if it did not). The walk asks for a
 * supervisor read: the CPU fetched these bytes already, so only the
 * translation matters, not the access rights of the guest's CPL. */
static size_t insn_fetch_bytes(struct vcpu *v, enum insn_mode m, u64 cs_base, u64 rip,
			       u8 *buf, size_t n, int *err)
{
	struct gwalk_regs regs = emu_gwalk_regs(v);
	size_t got = 0;

	*err = 0;
	while (got < n) {
		u64 la = insn_fetch_linear(m, cs_base, rip, got);
		size_t chunk = MIN(n - got, (size_t)(PAGE_SIZE - (la & (PAGE_SIZE - 1))));
		struct gwalk_result res;
		int r = gwalk(&regs, la, 0, emu_guest_read, &v->vm->mem, &res);
		if (!r)
			r = gmem_read(&v->vm->mem, res.gpa, buf + got, chunk);
		if (r) {
			*err = r;
			break;
		}
		got += chunk;
	}
	return got;
}

/* " 0f 01 d8" for the kill message. */
static void insn_fetch_hex(const u8 *b, size_t n, char *out)
{
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		ksnprintf(out + 3 * i, 4, " %02x", b[i]);
}

/* Why a fetch stopped, for messages. */
static const char *insn_fetch_why(int err)
{
	switch (err) {
	case E_NOENT: return "not mapped by the guest's page tables";
	case E_INVAL: return "non-canonical address";
	case E_NOTSUP: return "5-level paging not supported";
	default: return "outside guest RAM/ROM";
	}
}

/* Kill the guest for an instruction that could not be measured. */
static void insn_fetch_kill(struct vcpu *v, u64 rip, const u8 *b, size_t got, int len,
			    int err)
{
	char hex[HEX_BUF];
	insn_fetch_hex(b, got, hex);
	if (!got)
		vm_kill(v->vm, "cannot fetch instruction at RIP %lx: %s", rip,
			insn_fetch_why(err));
	else if (len == E_RANGE && err)
		vm_kill(v->vm, "cannot decode instruction at RIP %lx: bytes%s, then %s", rip,
			hex, insn_fetch_why(err));
	else
		vm_kill(v->vm, "cannot decode instruction at RIP %lx: bytes%s%s", rip, hex,
			len == E_NOTSUP ? " (unsupported encoding)" : "");
}

size_t emu_fetch_insn(struct vcpu *v, u8 *buf, size_t n, enum insn_mode *mode, int *err)
{
	const struct vcpu_ops *ops = vcpu_ops;
	*mode = insn_fetch_mode(ops->get_reg(v, VREG_EFER), ops->get_reg(v, VREG_CS_ATTR));
	return insn_fetch_bytes(v, *mode, ops->get_reg(v, VREG_CS_BASE),
				ops->get_reg(v, VREG_RIP), buf, n, err);
}

u32 emu_insn_len(struct vcpu *v)
{
	const struct vcpu_ops *ops = vcpu_ops;
	u64 rip = ops->get_reg(v, VREG_RIP);
	u64 cs_base = ops->get_reg(v, VREG_CS_BASE);
	enum insn_mode m = insn_fetch_mode(ops->get_reg(v, VREG_EFER),
					   ops->get_reg(v, VREG_CS_ATTR));
	u8 buf[INSN_MAX_LEN];
	int err, len;

	size_t got = insn_fetch_bytes(v, m, cs_base, rip, buf, sizeof(buf), &err);
	len = got ? insn_len(buf, got, m) : E_RANGE;
	if (len > 0)
		return (u32)len;
	insn_fetch_kill(v, rip, buf, got, len, err);
	return 0;
}
