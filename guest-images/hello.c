/* hello: the smallest guest. Prints a greeting with its command line and
 * checks the basics of the Multiboot hand-over it got (memory sizes, a
 * command line), then exits 0 if those hold. */
#include "rt.h"

#define MB_INFO_MEM     (1 << 0)
#define MB_INFO_CMDLINE (1 << 2)

int main(const char *cmdline)
{
	rt_printf("Hello from a pagevisor test guest! cmdline: '%s'\n", cmdline);
	rt_report(rt_mbi->flags & MB_INFO_CMDLINE, "multiboot command line present");
	rt_report((rt_mbi->flags & MB_INFO_MEM) && rt_mbi->mem_lower >= 64 &&
		  rt_mbi->mem_lower <= 640 && rt_mbi->mem_upper >= 1024,
		  "multiboot memory sizes (lower %u KiB, upper %u KiB)",
		  rt_mbi->mem_lower, rt_mbi->mem_upper);
	return rt_summary();
}
