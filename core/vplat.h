/* The guest's PC platform: the virtual devices of one VM (local APIC,
 * IOAPIC, 8259 pair, PIT, RTC, fw_cfg, COM1, the reset ports) wired
 * together the way a PC wires them, and the three ways a guest reaches
 * them: port I/O, MMIO (through the instruction emulator) and MSRs. Also
 * answers the run loop's questions: which interrupt is due, when the next
 * timer event is, whether a halted vCPU can wake. Time is the TSC: the
 * guest's TSC is the host's, so virtual time follows the host timer. */
#ifndef CORE_VPLAT_H
#define CORE_VPLAT_H

#include "core/types.h"
#include "core/addr.h"
#include "core/vdev/acpipm.h"
#include "core/vdev/fwcfg.h"
#include "core/vdev/ioapic.h"
#include "core/vdev/lapic.h"
#include "core/vdev/pic.h"
#include "core/vdev/pit.h"
#include "core/vdev/rtc.h"

struct vm;

/* ISA interrupt lines (the PIC's; the IOAPIC sees line 0 on pin 2, as the
 * ACPI interrupt source override of every PC says). */
#define VPLAT_IRQ_PIT   0
#define VPLAT_IRQ_COM1  4
#define VPLAT_IRQ_RTC   8
#define VPLAT_GSI_PIT   2
#define VPLAT_IRQ_SCI   9

/* ACPI fixed hardware (docs/acpi.md): PM1a event/control blocks and the
 * PM timer; the tables sit in the BIOS area, which is ROM to the guest. */
#define VPLAT_PM1A_EVT  0x600
#define VPLAT_PM1A_CNT  0x604
#define VPLAT_PM_TMR    0x608
#define VPLAT_S5_TYP    5
#define VPLAT_ACPI_BASE 0xe0000ull

/* Where the interrupt a vCPU takes next comes from. */
enum vplat_src { VPLAT_SRC_NONE, VPLAT_SRC_LAPIC, VPLAT_SRC_PIC };

struct vplat {
	struct vlapic lapic;
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vfwcfg fwcfg;
	struct vacpipm pm;
	u64 acpi_rsdp;               /* guest-physical RSDP, 0 if no tables */
	bool sci;                    /* level of the SCI line as last signalled */
	u64 irqs_injected;           /* external interrupts delivered */
	u64 nmis_injected;
};

/* Reset every device of vm (RAM size from vm->mem_size). */
void vplat_init(struct vm *vm);

/* Write the ACPI tables (RSDP, XSDT, FADT, MADT, DSDT, FACS) describing
 * this platform into the guest's BIOS area (vm->mem must be laid out);
 * sets plat.acpi_rsdp. 0 or a negative code. */
int vplat_build_acpi(struct vm *vm) __must_check;

/* Port access of size 1, 2 or 4. Returns false when no device of the
 * platform decodes port (the caller then treats it as absent hardware:
 * reads all-ones). May end the guest (reset ports): check vm->state. */
bool vplat_io(struct vm *vm, u16 port, u8 size, bool in, u32 *val);

/* True when guest-physical address a is device memory (LAPIC or IOAPIC
 * page) rather than RAM. */
bool vplat_is_mmio(struct vm *vm, gpa_t a);

/* MMIO read or write of size 1, 2, 4 or 8 at a (within one page). */
void vplat_mmio(struct vm *vm, gpa_t a, u8 size, bool write, u64 *val);

/* MSRs the platform owns (APIC base, TSC deadline, x2APIC). Returns
 * false when msr is not one of them; *gp is set when the access is a #GP. */
bool vplat_rdmsr(struct vm *vm, u32 msr, u64 *val, bool *gp);
bool vplat_wrmsr(struct vm *vm, u32 msr, u64 val, bool *gp);

/* Guest CR8 (TPR bits 7:4) read and written through MOV CR8. */
u64 vplat_cr8_read(struct vm *vm);
void vplat_cr8_write(struct vm *vm, u64 val);

/* Advance every timer to the current TSC, raising due interrupts. */
void vplat_tick(struct vm *vm);

/* TSC of the next timer event of any device, or VDEV_NO_EVENT. */
u64 vplat_next_event(const struct vm *vm);

/* The external interrupt the vCPU would take now: its source, and the
 * vector in *vector (LAPIC only: the PIC's is known at acknowledge). */
enum vplat_src vplat_pending(const struct vm *vm, int *vector);

/* Acknowledge the pending interrupt of src (it is being injected) and
 * return its vector. */
u8 vplat_ack(struct vm *vm, enum vplat_src src);

/* An NMI is waiting for delivery; vplat_take_nmi consumes it. */
bool vplat_nmi_pending(const struct vm *vm);
void vplat_take_nmi(struct vm *vm);

/* One `platform <name>: ...` line of interrupt and device counters. */
void vplat_print_stats(const struct vm *vm);

#endif
