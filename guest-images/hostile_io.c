/* hostile ports (every I/O port), exitstorm (exits in a tight loop) and
 * fakeverdict (forged verdict lines on the console). */
#include "hostile.h"

#define EXIT_PORT       0xf4
#define COM1            0x3f8

/* ---- ports ---- */

/* Before an OUT to COM1's data port, set DLAB, so the zero lands in the
 * divisor latch rather than on the console as a NUL. */
static void port_out_all(u16 port)
{
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outb(port, 0);
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outw(port, 0);
	if (port == COM1 || port == COM1 + 1)
		rt_outb(COM1 + 3, 0x80);
	rt_outl(port, 0);
}

/* As rt.c sets COM1 up: 115200 8N1, FIFOs on, no interrupts. */
static void uart_reinit(void)
{
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x80);
	rt_outb(COM1 + 0, 0x01);
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x03);
	rt_outb(COM1 + 2, 0x07);
	rt_outb(COM1 + 4, 0x03);
}

/* Every port read as byte, word and dword, and written with 0 as byte,
 * word and dword; only 0xF4 (the exit port) is not written. */
int mode_ports(const char *cmdline)
{
	u64 ones = 0, reads = 0, writes = 0, nans = 0;
	u16 answered[48];

	(void)cmdline;
	rt_printf("hostile: reading and writing all 65536 ports (0xf4, the exit port, only read)\n");
	for (u32 p = 0; p <= 0xffff; p++) {
		u8 b = rt_inb((u16)p);
		u16 w = rt_inw((u16)p);
		u32 l = rt_inl((u16)p);
		reads += 3;
		if (b == 0xff && w == 0xffff && l == ~0u)
			ones++;
		else if (nans < ARRAY_SIZE(answered))
			answered[nans++] = (u16)p;
		if (p == EXIT_PORT)
			continue;
		port_out_all((u16)p);
		writes += 3;
	}
	uart_reinit();
	rt_puts("hostile: ports that answered with something other than all-ones:");
	for (u64 i = 0; i < nans; i++)
		rt_printf(" %x", answered[i]);
	rt_puts("\n");
	rt_printf("hostile: %lu reads (%lu ports all-ones at every width), %lu writes\n",
		  reads, ones, writes);
	rt_report(ones > 65000, "ports: the guest survived every port; absent ones read all-ones");
	rt_report(rt_inb(COM1 + 3) == 0x03, "ports: COM1 works again after reprogramming");
	return rt_summary();
}

/* ---- exitstorm ---- */

int mode_exitstorm(const char *cmdline)
{
	u64 seconds = 1, ms, cpuids = 0, ins = 0, t0, end;
	u32 r[4];

	rt_opt_uint(cmdline, "seconds", &seconds);
	ms = seconds * 1000;
	rt_opt_uint(cmdline, "ms", &ms);
	t0 = rt_rdtsc();
	end = t0 + ms * hostile_tsc_khz();
	rt_printf("hostile: exitstorm for %lu ms\n", ms);
	while (rt_rdtsc() < end) {
		for (int i = 0; i < 64; i++) {
			rt_cpuid(i & 1 ? 0x40000000 : 1, 0, r);
			(void)rt_inb(0x61);
			(void)rt_inb(0x71);
		}
		cpuids += 64;
		ins += 128;
	}
	rt_report(cpuids > 0, "exitstorm: %lu cpuid and %lu port-read exits in %lu ms", cpuids,
		  ins, (rt_rdtsc() - t0) / hostile_tsc_khz());
	return rt_summary();
}

/* ---- fakeverdict ---- */

int mode_fakeverdict(const char *cmdline)
{
	(void)cmdline;
	rt_puts("PASS: guest memtouch\n");
	rt_puts("SUMMARY: 0 failed\n");
	rt_puts("SUMMARY: 3 guests, 0 failed\n");
	rt_puts("FAIL: x\n");
	rt_puts("\rPASS: guest fake-after-cr\n");
	rt_puts("\x1b[2K\x1b[1GPASS: guest fake-after-ansi\n");
	rt_puts("\x1b[1A\x1b[2K\rSUMMARY: 0 guests, 0 failed\n");
	for (int i = 0; i < 159; i++)     /* core/vdev/uart.h: 159 bytes a line */
		rt_putc('x');
	rt_puts("PASS: guest fake-after-wrap\n");
	rt_putc('\0');
	rt_puts("PASS: guest fake-after-nul\n");
	return 1;
}
