/* String instructions of the MMIO emulator: MOVS and STOS with and without
 * REP (SDM Vol. 2B MOVS, STOS, REP). rSI/rDI/rCX are used and updated at
 * the address size; DF picks the direction. A REP runs at most max_iter
 * iterations per call so a long copy to device memory cannot stall the
 * hypervisor: the guest re-executes the instruction for the rest. */
#include "core/x86emu_internal.h"

/* Working copy of the string registers, committed after each iteration. */
struct x86emu_strregs {
	u64 rsi, rdi, rcx;
};

/* One iteration: MOVS reads [seg:rSI] and writes [ES:rDI]; STOS writes
 * AL/AX/EAX/RAX to [ES:rDI]. Returns non-zero when a mem op failed. */
static int x86emu_string_step(const struct x86_insn *in, const struct x86_cpu *cpu,
			      const struct x86_mem_ops *mem, void *ctx,
			      const struct x86emu_strregs *s)
{
	u64 v = 0, amask = x86emu_mask(in->addrsize);

	if (in->op == X86_OP_MOVS) {
		u64 src = x86emu_seg_la(cpu, in->seg, s->rsi & amask);
		if (mem->read(ctx, src, &v, in->opsize))
			return 1;
	} else {
		v = x86emu_reg_read(cpu, X86_RAX, in->opsize, true);
	}
	return mem->write(ctx, x86emu_seg_la(cpu, X86_ES, s->rdi & amask), &v,
			  in->opsize);
}

static void x86emu_string_commit(const struct x86_insn *in, struct x86_cpu *cpu,
				 const struct x86emu_strregs *s)
{
	if (in->op == X86_OP_MOVS)
		x86emu_reg_write(cpu, X86_RSI, in->addrsize, true, s->rsi);
	x86emu_reg_write(cpu, X86_RDI, in->addrsize, true, s->rdi);
	if (in->rep)
		x86emu_reg_write(cpu, X86_RCX, in->addrsize, true, s->rcx);
}

enum x86emu_result x86emu_exec_string(const struct x86_insn *in, struct x86_cpu *cpu,
				      const struct x86_mem_ops *mem, void *ctx,
				      u32 max_iter)
{
	u64 amask = x86emu_mask(in->addrsize);
	u64 step = (cpu->rflags & X86_FLAG_DF) ? -(u64)in->opsize : in->opsize;
	struct x86emu_strregs s = {
		.rsi = cpu->gpr[X86_RSI], .rdi = cpu->gpr[X86_RDI],
		.rcx = cpu->gpr[X86_RCX] & amask,
	};
	u64 todo = in->rep ? s.rcx : 1;
	u64 done = 0, limit = max_iter ? max_iter : 1;

	for (; done < todo && done < limit; done++) {
		if (x86emu_string_step(in, cpu, mem, ctx, &s)) {
			if (done)
				x86emu_string_commit(in, cpu, &s);
			return X86EMU_MEMFAIL;
		}
		s.rsi += step;
		s.rdi += step;
		s.rcx--;
	}
	if (done)
		x86emu_string_commit(in, cpu, &s);
	if (done < todo)
		return X86EMU_AGAIN;
	x86emu_advance_rip(in, cpu);
	return X86EMU_OK;
}
