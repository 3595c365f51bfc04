/* kmain(): the boot CPU's init sequence, from the loader hand-over to the
 * idle console (or the self-tests). The order matters: console first so
 * every later step can report, then CPU tables so faults are diagnosed,
 * then the boot information and command line, then memory, then devices. */
#include "core/bootinfo.h"
#include "core/console.h"
#include "core/cpufeat.h"
#include "core/fpu.h"
#include "core/gdt.h"
#include "core/guests.h"
#include "core/idt.h"
#include "core/log.h"
#include "core/options.h"
#include "core/monitor.h"
#include "core/platform.h"
#include "core/sched.h"
#include "core/selftest.h"
#include "core/vcpu.h"
#include "drivers/blk.h"
#include "drivers/lapic.h"
#include "drivers/pci.h"
#include "mm/mm.h"
#include "mm/pager.h"
#include "mm/swap_area.h"

static struct boot_info boot_info;

static void print_banner_head(void)
{
	kprintf("\npagevisor %s: a paging type-1 hypervisor for x86-64\n", PV_VERSION);
}

/* Refuse a hand-over we do not understand, loudly, without faulting. */
static __noreturn void refuse_boot(const char *why)
{
	pr_err("refusing to boot: %s", why);
	platform_halt();
}

/* Multiboot 1 loaders (GRUB's `multiboot`, QEMU's -kernel) put the
 * kernel's own path first on the command line; Multiboot2 GRUB does not. */
static const char *hv_cmdline(const struct boot_info *bi)
{
	const char *s = bi->cmdline;
	if (bi->loader != BOOTINFO_LOADER_MB1)
		return s;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	return s;
}

void kmain(u32 magic, u32 info);

void kmain(u32 magic, u32 info)
{
	console_init_early();
	print_banner_head();
	gdt_init();
	idt_init();

	if (bootinfo_parse(magic, hpa(info), &boot_info) < 0)
		refuse_boot("the boot loader hand-over is not Multiboot 1 or 2 (see above)");
	options_parse(hv_cmdline(&boot_info));
	if (console_fb_attach(&boot_info.fb) < 0)
		pr_err("console: no usable linear framebuffer from the loader; staying on serial");
	bootinfo_print(&boot_info);

	cpufeat_init();
	cpufeat_print_banner();

	if (mm_init(&boot_info) < 0)
		refuse_boot("no usable memory (see above)");

	lapic_init();
	lapic_timer_calibrate();
	sched_init();
	fpu_init();
	pci_init();
	blk_init();
	swap_area_init();
	pager_init(opt_hv_mem);

	if (opt_selftest)
		platform_exit(selftest_run_all() ? 1 : 0);

	if (boot_info.nmodules) {
		if (vcpu_select() < 0)
			pr_err("guests will be rejected: this machine cannot run them");
		guests_run_all(&boot_info);
		if (!opt_stay)
			platform_exit(0);
	}

	monitor_run();
}
