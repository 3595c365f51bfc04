/* Shared emulation: what vendor exit handlers call after decoding their
 * exit. Each helper works on the vendor-neutral vCPU state (v->gprs and
 * vcpu_ops get/set_reg) and returns what the run loop should do. The
 * vendor handler advances RIP itself when the helper asks for it. */
#ifndef CORE_EMULATE_H
#define CORE_EMULATE_H

#include "core/types.h"
#include "core/addr.h"
#include "core/vcpu.h"
#include "core/gwalk.h"

/* CPUID with leaf = gprs.rax, subleaf = gprs.rcx: fills rax..rdx from the
 * allow-list of core/cpuid.c (VMX/SVM hidden, leaf 0x40000000 says
 * "pagevisor"). The caller then skips the 2-byte instruction. */
void emu_cpuid(struct vcpu *v);

/* RDMSR/WRMSR of msr through the guest MSR policy (core/msr.c). Return
 * true when the access is architectural for this guest (for RDMSR *val is
 * set); false means the caller must inject #GP(0) and not advance RIP. */
bool emu_rdmsr(struct vcpu *v, u32 msr, u64 *val);
bool emu_wrmsr(struct vcpu *v, u32 msr, u64 val);

/* One IN or OUT of size 1, 2 or 4 bytes at port (the caller decoded it
 * from the exit information). For IN, *val receives the value (unknown
 * ports read all-ones); for OUT, *val is the value written. Returns
 * EXIT_RESUME (caller advances RIP), or EXIT_DONE when the guest wrote its
 * exit port. */
enum exit_action emu_io(struct vcpu *v, u16 port, u8 size, bool in, u32 *val);

/* An EPT violation / nested page fault at gpa. write/fetch describe the
 * access. Maps RAM on demand (EXIT_RESUME), drops writes to ROM and the
 * VGA hole (MOVS/STOS through the instruction emulator, so a REP finishes
 * with RCX/RSI/RDI as on a PC; other instructions skipped by their decoded
 * length: EXIT_RESUME with RIP advanced),
 * kills the guest for an address in no slot or when host memory is out
 * (EXIT_KILL). */
enum exit_action emu_tdp_fault(struct vcpu *v, gpa_t gpa, bool write, bool fetch);

/* HLT (the caller has already advanced RIP): the vCPU sleeps until its
 * next interrupt (EXIT_YIELD, vm->waiting = VM_WAIT_HLT), or resumes at
 * once when one is already due. With RFLAGS.IF clear and no NMI pending
 * nothing can ever wake it: the guest ends as "halted". */
enum exit_action emu_hlt(struct vcpu *v);

/* Before each entry (called by the vendor's run() once its VMCS/VMCB is
 * current): advance the virtual timers, inject the NMI or external
 * interrupt that is due when the guest can take it, else ask for an
 * interrupt/NMI window exit. */
void emu_before_entry(struct vcpu *v);

/* Whether a sleeping (HLT) vCPU has something to wake for; advances the
 * virtual timers first. */
bool emu_can_wake(struct vcpu *v);

/* A fault on guest-physical a that is device memory (vplat_is_mmio):
 * fetch and decode the instruction at RIP, perform it on the device
 * (and any RAM operand), advance RIP. Kills the guest with the bytes for
 * an instruction the emulator does not know. */
enum exit_action emu_mmio(struct vcpu *v, gpa_t a);

/* MOV to/from CR8 (the local APIC's TPR bits 7:4). */
u64 emu_cr8_read(struct vcpu *v);
void emu_cr8_write(struct vcpu *v, u64 val);

/* Triple fault / SVM shutdown: kill the guest with its state dumped. */
enum exit_action emu_triple_fault(struct vcpu *v);

/* The guest executed a VMX/SVM instruction (name): queue #UD. */
enum exit_action emu_virt_insn(struct vcpu *v, const char *name);

/* The debug hypercall (VMCALL / VMMCALL), honoured only with the
 * `debug_hypercalls` option. ABI: RAX = HYPERCALL_MAGIC | function,
 * arguments in RBX, RCX; the result (0 or a negative E_* code) in RAX.
 * Functions: HC_EVICT (RBX = guest-physical address: evict that page
 * now). Returns EXIT_RESUME and the caller advances RIP; without the option
 * it behaves as emu_virt_insn() (#UD, RIP unchanged): the caller must then
 * not advance RIP, which *advance says. */
#define HYPERCALL_MAGIC 0x7076000000000000ull   /* "pv" in bits 63:48 */
#define HC_EVICT 1
enum exit_action emu_hypercall(struct vcpu *v, const char *name, bool *advance);

/* An exit the vendor table has no handler for: dump state, kill the guest. */
enum exit_action emu_unhandled_exit(struct vcpu *v, const char *vendor, u64 code,
				    const char *name);

/* The vCPU's paging registers for core/gwalk.c, and the gwalk_read_fn
 * that reads a guest's memory (ctx is its struct gmem): every walk of a
 * guest's page tables by the hypervisor goes through these two. */
struct gwalk_regs emu_gwalk_regs(struct vcpu *v);
int emu_guest_read(void *gmem, gpa_t a, void *dst, u64 len);

/* Length of the instruction at the guest's RIP (fetched through the guest's
 * own paging), for exits whose hardware gives none (SVM without NRIP save,
 * EPT violations). Returns 0 and kills the guest when it cannot decode. */
u32 emu_insn_len(struct vcpu *v);

#endif
