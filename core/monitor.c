/* A minimal line-oriented monitor on the serial console, so a user who
 * boots pagevisor interactively can look at it. */
#include "core/monitor.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/cpufeat.h"
#include "core/log.h"
#include "core/options.h"
#include "core/platform.h"
#include "core/string.h"
#include "drivers/pci.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/pager.h"

struct monitor_cmd {
	const char *name;
	const char *help;
	void (*fn)(void);
};

static void cmd_help(void);

static void cmd_mem(void) { frame_print_stats(); heap_print_stats(); }
static void cmd_cpu(void) { cpufeat_print_banner(); }
static void cmd_pci(void) { pci_print(); }
static void cmd_pager(void) { pager_print_stats(); }
static void cmd_options(void) { options_print_help(); }
static void cmd_quit(void) { kprintf("bye\n"); platform_exit(0); }

static const struct monitor_cmd commands[] = {
	{ "help", "this list", cmd_help },
	{ "mem", "frame allocator and heap statistics", cmd_mem },
	{ "cpu", "CPU and virtualization features", cmd_cpu },
	{ "pci", "PCI devices", cmd_pci },
	{ "pager", "pager and swap statistics", cmd_pager },
	{ "options", "command-line options", cmd_options },
	{ "quit", "leave (exits an emulator, halts real hardware)", cmd_quit },
};

static void cmd_help(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		kprintf("  %-8s %s\n", commands[i].name, commands[i].help);
}

void monitor_exec(const char *line)
{
	if (!*line)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(line, commands[i].name) == 0) {
			commands[i].fn();
			return;
		}
	}
	kprintf("unknown command '%s' (try help)\n", line);
}

/* Read one line with echo and backspace; polls the UART. */
static void monitor_read_line(char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		int c = console_getc();
		if (c < 0) {
			cpu_relax();
			continue;
		}
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			buf[n] = 0;
			return;
		}
		if ((c == 0x7f || c == '\b') && n > 0) {
			n--;
			kprintf("\b \b");
		} else if (c >= 0x20 && c < 0x7f && n + 1 < size) {
			buf[n++] = (char)c;
			kprintf("%c", c);
		}
	}
}

void monitor_run(void)
{
	char line[80];
	kprintf("pagevisor is up; type help for commands.\n");
	for (;;) {
		kprintf("pagevisor> ");
		monitor_read_line(line, sizeof(line));
		monitor_exec(line);
	}
}
