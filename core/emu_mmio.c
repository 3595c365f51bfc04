/* Device-memory (MMIO) accesses: a nested page fault on the LAPIC or
 * IOAPIC page lands here. The instruction is fetched through the guest's
 * own paging, decoded and performed by core/x86emu*.c against the
 * platform (core/vplat.h); decode assists are never used (QEMU TCG has
 * none). Other memory operands (MOVS from RAM) go through the guest's page
 * tables and guest memory. */
#include "core/emulate.h"
#include "core/emu_int.h"
#include "core/gwalk.h"
#include "core/log.h"
#include "core/vm.h"
#include "core/vplat.h"
#include "core/string.h"
#include "core/x86emu.h"

#define UD_VECTOR 6
#define PF_VECTOR 14
#define GP_VECTOR 13
#define REP_ITER_MAX 64   /* string iterations per exit; the rest re-exits */
#define HEX_MAX (3 * X86_INSN_MAX + 1)

struct mmio_ctx {
	struct vcpu *v;
	struct gwalk_regs regs;
	bool user;            /* CPL 3: user-mode page checks */
};

/* Linear to guest-physical for an access of the emulated instruction;
 * a guest #PF or #GP is injected (and -1 returned) where the CPU would
 * have raised one. */
static int mmio_translate(struct mmio_ctx *c, u64 la, bool write, gpa_t *out)
{
	struct gwalk_result res;
	u32 access = (write ? GWALK_WRITE : 0) | (c->user ? GWALK_USER : 0);
	int rc = gwalk(&c->regs, la, access, emu_guest_read, &c->v->vm->mem, &res);
	if (rc == 0) {
		*out = res.gpa;
		return 0;
	}
	if (rc == E_NOENT && res.fault) {
		vcpu_ops->set_reg(c->v, VREG_CR2, la);
		vcpu_ops->inject_exception(c->v, PF_VECTOR, true, res.pf_error);
	} else {
		vcpu_ops->inject_exception(c->v, GP_VECTOR, true, 0);
	}
	return -1;
}

/* One access within one guest page: device, RAM/ROM, or nothing (absent
 * hardware: reads all-ones, writes dropped, as on a PC bus). */
static int mmio_access_page(struct mmio_ctx *c, u64 la, u8 *buf, u8 size, bool write)
{
	struct vm *vm = c->v->vm;
	gpa_t a;
	if (mmio_translate(c, la, write, &a))
		return -1;
	if (vplat_is_mmio(vm, a)) {
		u64 val = 0;
		if (write)
			memcpy(&val, buf, size);
		vplat_mmio(vm, a, size, write, &val);
		if (!write)
			memcpy(buf, &val, size);
		return 0;
	}
	const struct gmem_slot *s = gmem_slot_find(&vm->mem, a);
	int rc = 0;
	if (s && s->kind == GMEM_RAM)
		rc = write ? gmem_write(&vm->mem, a, buf, size) : gmem_read(&vm->mem, a, buf, size);
	else if (s && !write)
		rc = gmem_read(&vm->mem, a, buf, size);
	else if (!write)
		memset(buf, 0xff, size);
	if (rc) {
		vm_kill(vm, "emulated access to guest-physical 0x%lx failed (%d)", a.v, rc);
		return -1;
	}
	return 0;
}

/* An operand may straddle two pages: split it. */
static int mmio_access(struct mmio_ctx *c, u64 la, u8 *buf, u8 size, bool write)
{
	u64 room = PAGE_SIZE - (la & (PAGE_SIZE - 1));
	if (size <= room)
		return mmio_access_page(c, la, buf, size, write);
	if (mmio_access_page(c, la, buf, (u8)room, write))
		return -1;
	return mmio_access_page(c, la + room, buf + room, (u8)(size - room), write);
}

static int mmio_read(void *ctx, u64 la, void *buf, u8 size)
{
	return mmio_access(ctx, la, buf, size, false);
}

static int mmio_write(void *ctx, u64 la, const void *buf, u8 size)
{
	u8 tmp[8];
	memcpy(tmp, buf, size);
	return mmio_access(ctx, la, tmp, size, true);
}

static const struct x86_mem_ops mmio_mem_ops = { mmio_read, mmio_write };

static const enum x86_mode mmio_modes[] = {
	[INSN_MODE_16] = X86_MODE_16, [INSN_MODE_32] = X86_MODE_32, [INSN_MODE_64] = X86_MODE_64,
};

/* The vendor-neutral registers in the emulator's order and back. */
static void mmio_load_cpu(struct vcpu *v, struct x86_cpu *cpu, enum x86_mode mode)
{
	const struct guest_gprs *g = &v->gprs;
	u64 r[16] = { g->rax, g->rcx, g->rdx, g->rbx, vcpu_ops->get_reg(v, VREG_RSP), g->rbp,
		      g->rsi, g->rdi, g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14, g->r15 };
	memset(cpu, 0, sizeof(*cpu));
	memcpy(cpu->gpr, r, sizeof(r));
	cpu->rip = vcpu_ops->get_reg(v, VREG_RIP);
	cpu->rflags = vcpu_ops->get_reg(v, VREG_RFLAGS);
	cpu->mode = mode;
	cpu->seg_base[X86_CS] = vcpu_ops->get_reg(v, VREG_CS_BASE);
	cpu->seg_base[X86_ES] = vcpu_ops->get_reg(v, VREG_ES_BASE);
	cpu->seg_base[X86_SS] = vcpu_ops->get_reg(v, VREG_SS_BASE);
	cpu->seg_base[X86_DS] = vcpu_ops->get_reg(v, VREG_DS_BASE);
	cpu->seg_base[X86_FS] = vcpu_ops->get_reg(v, VREG_FS_BASE);
	cpu->seg_base[X86_GS] = vcpu_ops->get_reg(v, VREG_GS_BASE);
}

static void mmio_store_cpu(struct vcpu *v, const struct x86_cpu *cpu)
{
	struct guest_gprs *g = &v->gprs;
	const u64 *r = cpu->gpr;
	g->rax = r[X86_RAX]; g->rcx = r[X86_RCX]; g->rdx = r[X86_RDX]; g->rbx = r[X86_RBX];
	g->rbp = r[X86_RBP]; g->rsi = r[X86_RSI]; g->rdi = r[X86_RDI];
	g->r8 = r[X86_R8]; g->r9 = r[X86_R9]; g->r10 = r[X86_R10]; g->r11 = r[X86_R11];
	g->r12 = r[X86_R12]; g->r13 = r[X86_R13]; g->r14 = r[X86_R14]; g->r15 = r[X86_R15];
	vcpu_ops->set_reg(v, VREG_RSP, r[X86_RSP]);
	vcpu_ops->set_reg(v, VREG_RFLAGS, cpu->rflags);
	vcpu_ops->set_reg(v, VREG_RIP, cpu->rip);
}

static enum exit_action mmio_kill(struct vcpu *v, gpa_t a, const u8 *bytes, size_t n,
				  const char *why)
{
	char hex[HEX_MAX];
	x86emu_format_bytes(bytes, n, hex, sizeof(hex));
	vm_kill(v->vm, "%s on device memory 0x%lx at RIP 0x%lx: bytes %s", why, a.v,
		vcpu_ops->get_reg(v, VREG_RIP), n ? hex : "(none fetched)");
	return EXIT_KILL;
}

/* Carry out a decoded instruction and write the registers back (only
 * when it succeeded or made partial REP progress). */
static enum exit_action mmio_exec(struct vcpu *v, gpa_t a, const struct x86_insn *in,
				  struct x86_cpu *cpu)
{
	struct mmio_ctx c = {
		.v = v,
		.regs = emu_gwalk_regs(v),
		.user = ((vcpu_ops->get_reg(v, VREG_SS_ATTR) >> 5) & 3) == 3,
	};
	switch (x86emu_exec(in, cpu, &mmio_mem_ops, &c, REP_ITER_MAX)) {
	case X86EMU_OK:
	case X86EMU_AGAIN:
		mmio_store_cpu(v, cpu);
		return EXIT_RESUME;
	case X86EMU_MEMFAIL:
		if (v->vm->state != VM_RUNNING)
			return EXIT_KILL;
		mmio_store_cpu(v, cpu);     /* keeps the iterations a REP completed */
		return EXIT_RESUME;
	case X86EMU_BAD:
		vcpu_ops->inject_exception(v, UD_VECTOR, false, 0);
		return EXIT_RESUME;
	default:
		return mmio_kill(v, a, in->bytes, in->len, "instruction not emulated");
	}
}

enum x86emu_result emu_decode_at_rip(struct vcpu *v, struct emu_insn *d)
{
	enum insn_mode m;
	d->got = emu_fetch_insn(v, d->bytes, sizeof(d->bytes), &m, &d->err);
	d->mode = mmio_modes[m];
	if (!d->got)
		return X86EMU_BAD;
	return x86emu_decode(d->bytes, d->got, d->mode, &d->in);
}

enum exit_action emu_mmio_exec(struct vcpu *v, gpa_t a, const struct emu_insn *d)
{
	struct x86_cpu cpu;
	mmio_load_cpu(v, &cpu, d->mode);
	return mmio_exec(v, a, &d->in, &cpu);
}

enum exit_action emu_mmio(struct vcpu *v, gpa_t a)
{
	struct emu_insn d;

	switch (emu_decode_at_rip(v, &d)) {
	case X86EMU_OK:
		return emu_mmio_exec(v, a, &d);
	case X86EMU_BAD:
		if (!d.got)
			return mmio_kill(v, a, d.bytes, 0, "cannot fetch the instruction");
		if (d.got < sizeof(d.bytes) && d.err)
			return mmio_kill(v, a, d.bytes, d.got,
					 "instruction cut short by an unreadable page");
		vm_diag(v->vm, "invalid instruction on device memory 0x%lx: #UD", a.v);
		vcpu_ops->inject_exception(v, UD_VECTOR, false, 0);
		return EXIT_RESUME;
	default:
		return mmio_kill(v, a, d.bytes, d.got, "instruction not emulated");
	}
}
