/* The table of hypervisor options and how they take effect. */
#include "core/options.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/log.h"
#include "mm/pager.h"
#include "drivers/blk.h"
#include "core/sched.h"
#include "core/bench.h"

bool opt_selftest;
bool opt_stay;
u64 opt_hv_mem;
bool opt_debug_hypercalls;
char opt_swap[OPT_SWAP_LEN] = "auto";
static int opt_loglevel = LOG_INFO;
static int opt_console;

static const char *const loglevel_names[] = { "err", "warn", "info", "debug", NULL };
static const char *const console_names[] = { "com1", "com2", "com3", "com4", "serial", "fb",
					      "both", NULL };
static const u16 console_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8, 0x3f8, 0x3f8, 0x3f8 };
enum { CONSOLE_SERIAL = 4, CONSOLE_FB, CONSOLE_BOTH };

static const struct cmdline_opt hv_options[] = {
	{ .key = "console", .type = OPT_ENUM, .dest = &opt_console, .choices = console_names,
	  .help = "console: com1 (0x3f8, default), com2, com3, com4, serial (com1), fb (the "
		  "loader's framebuffer), both (com1 and the framebuffer)" },
	{ .key = "loglevel", .type = OPT_ENUM, .dest = &opt_loglevel, .choices = loglevel_names,
	  .help = "console verbosity: err, warn, info (default), debug" },
	{ .key = "timeslice", .type = OPT_UINT, .dest = &sched_slice_us, .min = 100, .max = 1000000,
	  .help = "microseconds a guest runs before the next one gets the CPU (default 5000)" },
	{ .key = "swap", .type = OPT_STRING, .dest = opt_swap, .max = OPT_SWAP_LEN,
	  .help = "swap area: auto (first marked disk, default), off, a disk name (vda, "
		  "ata0-master), or uuid:<uuid>" },
	{ .key = "swap_delay", .type = OPT_UINT, .dest = &blk_swap_delay_us, .max = 10000000,
	  .help = "modelled latency added to every disk request, in microseconds (default 0)" },
	{ .key = "blkfault", .type = OPT_STRING, .dest = blk_fault_spec, .max = BLK_FAULT_SPEC_LEN,
	  .help = "disk fault injection, comma-separated: fail:N (the Nth command fails), every:N, "
		  "flip:N (a bit of the Nth read's data inverted), vanish:N (every command after "
		  "the Nth fails), delay:US, disk:NAME; N as rN or wN counts reads or writes only" },
	{ .key = "hv_mem", .type = OPT_SIZE, .dest = &opt_hv_mem, .min = 1 * MiB,
	  .help = "cap on host memory for guest data pages (tables and a reserve come on "
		  "top); default: all free memory" },
	{ .key = "audit", .type = OPT_FLAG, .dest = &pager_audit,
	  .help = "check every guest's EPT/NPT against the reverse map after each eviction sweep" },
	{ .key = "debug_hypercalls", .type = OPT_FLAG, .dest = &opt_debug_hypercalls,
	  .help = "enable the debug hypercall (evict a guest page now); otherwise VMCALL/VMMCALL raise #UD" },
	{ .key = "bench", .type = OPT_FLAG, .dest = &opt_bench,
	  .help = "measure pager code paths in TSC ticks and print bench/metadata lines per guest" },
	{ .key = "sequential", .type = OPT_FLAG, .dest = &sched_sequential,
	  .help = "run the guests one at a time, in module order, each to its end" },
	{ .key = "stay", .type = OPT_FLAG, .dest = &opt_stay,
	  .help = "after the last guest, stay at the monitor prompt instead of leaving the machine" },
	{ .key = "selftest", .type = OPT_FLAG, .dest = &opt_selftest,
	  .help = "run the in-image self-tests, print PASS/FAIL/SUMMARY lines, exit" },
};

void options_parse(const char *cmdline)
{
	int rc = cmdline_parse(cmdline, hv_options, ARRAY_SIZE(hv_options));

	log_threshold = opt_loglevel;
	if (opt_console >= CONSOLE_SERIAL)
		console_set_outputs(opt_console != CONSOLE_FB, opt_console != CONSOLE_SERIAL);
	if (opt_console && opt_console != CONSOLE_FB &&
	    console_select(console_ports[opt_console]) != E_OK)
		pr_err("console=%s: no UART answers at port 0x%x; staying on com1",
		       console_names[opt_console], console_ports[opt_console]);
	if (rc < 0)
		pr_err("command line: rejected values were ignored, their defaults apply");
}

void options_print_help(void)
{
	cmdline_print_help(hv_options, ARRAY_SIZE(hv_options));
}
