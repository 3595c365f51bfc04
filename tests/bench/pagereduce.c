/* pagereduce: turn `valgrind --tool=lackey --trace-mem=yes` output (on stdin)
 * into a page reference trace (docs/BENCHMARKS.md format, on stdout): keep the
 * 4 KiB page number of every instruction fetch, load, store and modify (both
 * pages when an access straddles a boundary) and drop consecutive repeats of
 * the same page. Valgrind's own "==pid==" lines are skipped. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reduce {
	uint64_t last;          /* page of the previous reference written */
	uint64_t raw, written;  /* accesses read, references written */
};

/* One page reference: written unless it repeats the previous one. */
static void reduce_page(struct reduce *r, uint64_t page)
{
	if (r->written && page == r->last)
		return;
	printf("0x%" PRIx64 "\n", page);
	r->last = page;
	r->written++;
}

/* One lackey line: "I  0401b4a0,3", " L 1ffefffd58,8", " S ...", " M ...".
 * Returns 0 for a line that is not an access (ignored). */
static int reduce_line(struct reduce *r, const char *line)
{
	if (strlen(line) < 4 || !strchr("ILSM", line[0] == ' ' ? line[1] : line[0]))
		return 0;
	char *end;
	uint64_t addr = strtoull(line + 3, &end, 16);
	if (end == line + 3 || *end != ',')
		return 0;
	uint64_t size = strtoull(end + 1, NULL, 10);
	r->raw++;
	reduce_page(r, addr >> 12);
	if (size > 1 && ((addr + size - 1) >> 12) != (addr >> 12))
		reduce_page(r, (addr + size - 1) >> 12);
	return 1;
}

int main(int argc, char **argv)
{
	static char line[4096];
	struct reduce r = { 0 };
	uint64_t max = UINT64_MAX;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		max = strtoull(argv[2], NULL, 10);
		argc -= 2;
		argv += 2;
	}

	printf("# page trace reduced from valgrind lackey%s%s (hex page numbers,\n"
	       "# 4 KiB pages, consecutive repeats dropped)\n",
	       argc > 1 ? ": " : "", argc > 1 ? argv[1] : "");
	while (r.written < max && fgets(line, sizeof(line), stdin))
		reduce_line(&r, line);
	printf("# %" PRIu64 " accesses reduced to %" PRIu64 " references%s\n", r.raw, r.written,
	       r.written >= max ? " (stopped there: the program ran on)" : "");
	return r.written ? 0 : 1;
}
