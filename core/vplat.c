/* The guest's PC platform (see core/vplat.h): device wiring and the port,
 * MMIO and MSR dispatch tables. */
#include "core/vplat.h"
#include "core/acpi_build.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/vm.h"
#include "drivers/lapic.h"

#define CPUS 1
#define PORT_POST 0x80           /* POST codes / Linux's I/O delay port */
#define PORT_KBC_DATA 0x60
#define PORT_KBC_CMD 0x64
#define KBC_CMD_RESET 0xfe       /* pulse the CPU reset line */
#define PORT_SYS_CTRL_A 0x92     /* bit 0: fast reset */
#define PORT_RESET_CTRL 0xcf9    /* bit 2: reset, with bit 1 hard reset */
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

static u64 vplat_now(void)
{
	return rdtsc();
}

static u64 vplat_tsc_hz(void)
{
	return tsc_khz() * 1000;
}

/* An ISA line changed: the PIC sees it as is; the IOAPIC on the same pin
 * number, except the PIT's line 0 on pin 2. */
static void vplat_set_irq(void *ctx, u8 line, bool level)
{
	struct vplat *p = ctx;
	if (line < 16)
		vpic_set_irq(&p->pic, line, level);
	vioapic_set_irq(&p->ioapic, line == VPLAT_IRQ_PIT ? VPLAT_GSI_PIT : line, level);
}

/* Does an IOAPIC message reach this VM's only local APIC? Physical mode:
 * its ID or broadcast; logical flat mode: its LDR bit. */
static bool vplat_dest_match(const struct vlapic *l, const struct vioapic_msg *m)
{
	if (m->dest == 0xff)
		return true;
	if (!m->logical)
		return m->dest == (u8)l->id;
	if (l->base_msr & BIT(10))      /* x2APIC: cluster 31:16, member bits 15:0 */
		return (l->ldr >> 16) == 0 && (m->dest & l->ldr & 0xffff) != 0;
	return (m->dest & (l->ldr >> 24)) != 0;
}

#define DELIVERY_FIXED 0
#define DELIVERY_LOWEST 1
#define DELIVERY_NMI 4

static void vplat_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct vplat *p = ctx;
	if (!vplat_dest_match(&p->lapic, m))
		return;
	if (m->delivery == DELIVERY_FIXED || m->delivery == DELIVERY_LOWEST)
		vlapic_accept(&p->lapic, m->vector, m->level);
	else if (m->delivery == DELIVERY_NMI)
		p->lapic.nmi_pending = true;
	/* SMI, INIT and ExtINT messages have no meaning for this vCPU. */
}

static void vplat_lapic_eoi(void *ctx, u8 vector)
{
	struct vplat *p = ctx;
	vioapic_eoi(&p->ioapic, vector);
}

/* 2026-01-01 00:00:00 UTC, a Thursday, until the host RTC is read. */
static void vplat_rtc_time(struct vrtc_time *t)
{
	*t = (struct vrtc_time){ .year = 2026, .month = 1, .day = 1, .weekday = 5 };
}

/* PM1a_CNT.SLP_EN: S5 is the guest powering itself off; this platform
 * cannot resume from the other sleep states, so they end it too. */
static void vplat_sleep(void *ctx, u8 slp_typ)
{
	struct vm *vm = ctx;
	vdev_uart_flush(&vm->uart);
	if (slp_typ == VPLAT_S5_TYP)
		vm_end(vm, 0, "ACPI power-off (S5)");
	else
		vm_end(vm, -1, "ACPI sleep with SLP_TYP %u (only S5, power-off, is supported)",
		       slp_typ);
}

void vplat_init(struct vm *vm)
{
	struct vplat *p = &vm->plat;
	struct vdev_irq irq = { vplat_set_irq, p };
	struct vioapic_sink sink = { vplat_deliver, p };
	struct vlapic_eoi_hook eoi = { vplat_lapic_eoi, p };
	struct vrtc_time t;
	u64 hz = vplat_tsc_hz();

	vlapic_init(&p->lapic, 0, hz, &eoi);
	vlapic_set_virtual_wire(&p->lapic);    /* as PC firmware leaves it */
	vioapic_init(&p->ioapic, 1, &sink);
	vpic_init(&p->pic);
	vpit_init(&p->pit, hz, &irq);
	vplat_rtc_time(&t);
	vrtc_init(&p->rtc, hz, &t, vm->mem_size, vplat_now(), &irq);
	vfwcfg_init(&p->fwcfg, vm->mem_size, CPUS);
	vdev_uart_init(&vm->uart, vm->name, &irq);
	vacpipm_init(&p->pm, hz, vplat_now(), vplat_sleep, vm);
	p->acpi_rsdp = 0;
	p->sci = false;
	p->irqs_injected = p->nmis_injected = 0;
}

int vplat_build_acpi(struct vm *vm)
{
	static u8 buf[4096];     /* one CPU builds one guest at a time */
	const struct acpi_build_cfg cfg = {
		.lapic_base = VLAPIC_DEFAULT_BASE, .ioapic_id = vm->plat.ioapic.id,
		.ioapic_base = VIOAPIC_BASE, .gsi_base = 0,
		.pm1a_evt_port = VPLAT_PM1A_EVT, .pm1a_cnt_port = VPLAT_PM1A_CNT,
		.pm_tmr_port = VPLAT_PM_TMR, .sci_irq = VPLAT_IRQ_SCI,
		.reset_port = PORT_RESET_CTRL, .reset_value = 0x06,
		.s5_slp_typ = VPLAT_S5_TYP, .rtc_century_index = 0x32, .cpus = CPUS,
	};
	struct acpi_build_out out;
	int rc = acpi_build(&cfg, buf, sizeof(buf), VPLAT_ACPI_BASE, &out);
	if (rc == 0)
		rc = gmem_write(&vm->mem, gpa(VPLAT_ACPI_BASE), buf, out.used);
	if (rc == 0)
		vm->plat.acpi_rsdp = out.rsdp_gpa;
	return rc;
}

/* ---- port I/O ---- */

struct vplat_port {
	u16 first, count;
	/* Any access of size bytes; reads fill *val. */
	void (*fn)(struct vm *vm, u16 port, u8 size, bool in, u32 *val);
	/* Or, for byte-wide registers: one byte read or written; wider
	 * accesses read all-ones and are dropped. */
	u8 (*rd8)(struct vm *vm, u16 port);
	void (*wr8)(struct vm *vm, u16 port, u8 val);
};

static u32 ones(u8 size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static u8 pic_rd8(struct vm *vm, u16 port) { return vpic_io_read(&vm->plat.pic, port); }
static void pic_wr8(struct vm *vm, u16 port, u8 v) { vpic_io_write(&vm->plat.pic, port, v); }

static u8 pit_rd8(struct vm *vm, u16 port)
{
	return vpit_io_read(&vm->plat.pit, port, vplat_now());
}

static void pit_wr8(struct vm *vm, u16 port, u8 v)
{
	vpit_io_write(&vm->plat.pit, port, v, vplat_now());
}

static u8 rtc_rd8(struct vm *vm, u16 port)
{
	return vrtc_io_read(&vm->plat.rtc, port, vplat_now());
}

static void rtc_wr8(struct vm *vm, u16 port, u8 v)
{
	vrtc_io_write(&vm->plat.rtc, port, v, vplat_now());
}

static u8 uart_rd8(struct vm *vm, u16 port)
{
	return vdev_uart_read(&vm->uart, port - VDEV_UART_BASE);
}

static void uart_wr8(struct vm *vm, u16 port, u8 v)
{
	vdev_uart_write(&vm->uart, port - VDEV_UART_BASE, v);
}

static void port_fwcfg(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	if (in)
		*val = vfwcfg_io_read(&vm->plat.fwcfg, port, size);
	else
		vfwcfg_io_write(&vm->plat.fwcfg, port, size, *val);
}

/* The guest asked for a reset: this platform has no firmware to restart
 * it in, so the guest ends, reporting how. */
static void vplat_reset(struct vm *vm, const char *how)
{
	vdev_uart_flush(&vm->uart);
	vm_end(vm, 0, "reset through %s", how);
}

/* Keyboard controller: no keyboard behind it (status reads "nothing to
 * read, ready for input"), but command 0xFE pulses the reset line. */
static void port_kbc(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	if (in) {
		*val = port == PORT_KBC_CMD ? 0x1c : 0;   /* system flag, last write was a command */
		return;
	}
	if (port == PORT_KBC_CMD && size == 1 && (u8)*val == KBC_CMD_RESET)
		vplat_reset(vm, "the keyboard controller (port 0x64)");
}

static void port_reset_ctrl(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	(void)port;
	if (in) {
		*val = size == 1 ? 0 : ones(size);
		return;
	}
	if (size == 1 && (*val & BIT(2)))
		vplat_reset(vm, "the reset control register (port 0xcf9)");
}

static void port_sys_ctrl_a(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	(void)port;
	if (in) {
		*val = size == 1 ? 0x02 : ones(size);   /* A20 enabled */
		return;
	}
	if (size == 1 && (*val & BIT(0)))
		vplat_reset(vm, "system control port A (port 0x92)");
}

/* The SCI (IRQ 9, level) follows the enabled PM1 status bits; the lines
 * are told only when it changes, and nothing is computed while no PM1
 * event is enabled (the usual case: every entry passes here). */
static void vplat_update_sci(struct vplat *p, u64 now)
{
	bool level = p->pm.en && vacpipm_sci(&p->pm, now);
	if (level != p->sci) {
		p->sci = level;
		vplat_set_irq(p, VPLAT_IRQ_SCI, level);
	}
}

/* The ACPI PM1a event/control blocks and the PM timer. */
static void port_acpi(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	struct vacpipm *pm = &vm->plat.pm;
	enum vacpipm_block b = port >= VPLAT_PM_TMR ? VACPIPM_TMR :
			       port >= VPLAT_PM1A_CNT ? VACPIPM_CNT : VACPIPM_EVT;
	u16 base = b == VACPIPM_TMR ? VPLAT_PM_TMR : b == VACPIPM_CNT ? VPLAT_PM1A_CNT :
		   VPLAT_PM1A_EVT;
	u64 now = vplat_now();
	if (in)
		*val = vacpipm_io_read(pm, b, (u8)(port - base), size, now);
	else
		vacpipm_io_write(pm, b, (u8)(port - base), size, *val, now);
	if (vm->state == VM_RUNNING)
		vplat_update_sci(&vm->plat, now);
}

/* Written by Linux as an I/O delay and by firmware as POST codes. */
static void port_post(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	(void)vm, (void)port;
	if (in)
		*val = ones(size);
}

#define BYTES(first, count, dev) { first, count, NULL, dev##_rd8, dev##_wr8 }
#define ANY(first, count, fn) { first, count, fn, NULL, NULL }

static const struct vplat_port vplat_ports[] = {
	BYTES(0x20, 2, pic), BYTES(0xa0, 2, pic), BYTES(0x4d0, 2, pic),
	BYTES(0x40, 4, pit), BYTES(0x61, 1, pit),
	BYTES(0x70, 2, rtc),
	BYTES(VDEV_UART_BASE, 8, uart),
	ANY(VFWCFG_PORT_SEL, 2, port_fwcfg),
	ANY(PORT_KBC_DATA, 1, port_kbc), ANY(PORT_KBC_CMD, 1, port_kbc),
	ANY(PORT_RESET_CTRL, 1, port_reset_ctrl),
	ANY(PORT_SYS_CTRL_A, 1, port_sys_ctrl_a),
	ANY(PORT_POST, 1, port_post),
	ANY(VPLAT_PM1A_EVT, VACPIPM_EVT_LEN, port_acpi),
	ANY(VPLAT_PM1A_CNT, VACPIPM_CNT_LEN, port_acpi),
	ANY(VPLAT_PM_TMR, VACPIPM_TMR_LEN, port_acpi),
};

static void vplat_port_access(struct vm *vm, const struct vplat_port *d, u16 port, u8 size,
			      bool in, u32 *val)
{
	if (d->fn)
		d->fn(vm, port, size, in, val);
	else if (size != 1 && in)
		*val = ones(size);
	else if (in)
		*val = d->rd8(vm, port);
	else if (size == 1)
		d->wr8(vm, port, (u8)*val);
}

bool vplat_io(struct vm *vm, u16 port, u8 size, bool in, u32 *val)
{
	for (size_t i = 0; i < ARRAY_SIZE(vplat_ports); i++) {
		const struct vplat_port *d = &vplat_ports[i];
		if (port >= d->first && port < d->first + d->count) {
			vplat_port_access(vm, d, port, size, in, val);
			return true;
		}
	}
	return false;
}

/* ---- MMIO and MSRs ---- */

bool vplat_is_mmio(struct vm *vm, gpa_t a)
{
	u64 page = a.v & ~(PAGE_SIZE - 1);
	return vlapic_mmio_covers(&vm->plat.lapic, page) || page == VIOAPIC_BASE;
}

void vplat_mmio(struct vm *vm, gpa_t a, u8 size, bool write, u64 *val)
{
	struct vplat *p = &vm->plat;
	u32 off = (u32)(a.v & (PAGE_SIZE - 1));
	u64 page = a.v & ~(PAGE_SIZE - 1);

	if (vlapic_mmio_covers(&p->lapic, page)) {
		if (write)
			vlapic_mmio_write(&p->lapic, off, size, *val, vplat_now());
		else
			*val = vlapic_mmio_read(&p->lapic, off, size, vplat_now());
	} else if (page == VIOAPIC_BASE) {
		if (write)
			vioapic_mmio_write(&p->ioapic, off, size, *val);
		else
			*val = vioapic_mmio_read(&p->ioapic, off, size);
	} else if (!write) {
		*val = ~0ull;
	}
}

static bool vplat_owns_msr(u32 msr)
{
	return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

bool vplat_rdmsr(struct vm *vm, u32 msr, u64 *val, bool *gp)
{
	if (!vplat_owns_msr(msr))
		return false;
	*gp = !vlapic_msr_read(&vm->plat.lapic, msr, val, vplat_now());
	return true;
}

bool vplat_wrmsr(struct vm *vm, u32 msr, u64 val, bool *gp)
{
	if (!vplat_owns_msr(msr))
		return false;
	*gp = !vlapic_msr_write(&vm->plat.lapic, msr, val, vplat_now());
	return true;
}

u64 vplat_cr8_read(struct vm *vm)
{
	return (vm->plat.lapic.tpr >> 4) & 0xf;
}

void vplat_cr8_write(struct vm *vm, u64 val)
{
	vm->plat.lapic.tpr = (u32)(val & 0xf) << 4;
}

/* ---- time and interrupts ---- */

void vplat_tick(struct vm *vm)
{
	struct vplat *p = &vm->plat;
	u64 now = vplat_now();
	vlapic_tick(&p->lapic, now);
	vpit_tick(&p->pit, now);
	vrtc_tick(&p->rtc, now);
	vplat_update_sci(p, now);
}

u64 vplat_next_event(const struct vm *vm)
{
	const struct vplat *p = &vm->plat;
	u64 t = vlapic_next_event(&p->lapic);
	t = MIN(t, vpit_next_event(&p->pit));
	if (p->pm.en && !p->sci)          /* an asserted SCI is no future event */
		t = MIN(t, vacpipm_next_event(&p->pm, vplat_now()));
	return MIN(t, vrtc_next_event(&p->rtc));
}

enum vplat_src vplat_pending(const struct vm *vm, int *vector)
{
	const struct vplat *p = &vm->plat;
	int v = vlapic_pending(&p->lapic);
	if (v >= 0) {
		*vector = v;
		return VPLAT_SRC_LAPIC;
	}
	if (vlapic_accepts_pic(&p->lapic) && vpic_pending(&p->pic) >= 0) {
		*vector = vpic_pending(&p->pic);
		return VPLAT_SRC_PIC;
	}
	return VPLAT_SRC_NONE;
}

u8 vplat_ack(struct vm *vm, enum vplat_src src)
{
	struct vplat *p = &vm->plat;
	u8 vector;
	if (src == VPLAT_SRC_PIC) {
		vector = vpic_ack(&p->pic);
	} else {
		vector = (u8)vlapic_pending(&p->lapic);
		vlapic_ack(&p->lapic, vector);
	}
	p->irqs_injected++;
	return vector;
}

bool vplat_nmi_pending(const struct vm *vm)
{
	return vm->plat.lapic.nmi_pending;
}

void vplat_take_nmi(struct vm *vm)
{
	vm->plat.lapic.nmi_pending = false;
	vm->plat.nmis_injected++;
}

void vplat_print_stats(const struct vm *vm)
{
	const struct vplat *p = &vm->plat;
	kprintf("platform %s: injected %lu interrupts %lu NMIs; lapic timer %lu, pit %lu, rtc %lu, "
		"ioapic %lu messages, pic %lu spurious, odd mmio %lu\n", vm->name,
		p->irqs_injected, p->nmis_injected, p->lapic.timer_fired, p->pit.irqs, p->rtc.irqs,
		p->ioapic.delivered, p->pic.spurious, p->lapic.odd_accesses + p->ioapic.odd_accesses);
}
