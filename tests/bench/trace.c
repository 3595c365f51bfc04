/* Trace input for policybench: the plain text format of docs/BENCHMARKS.md
 * (one page number per line, decimal or 0x hex, '#' comments, optional run
 * length "page xN"), read from a file, stdin or through zcat, then renumbered
 * densely in address order with each reference's next use computed. */
#include "tests/bench/bench.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_RUN_MAX 1000000u   /* largest "xN" accepted */

struct pagevec {
	u64 *v;
	u64 n, cap;
};

static void pagevec_push(struct pagevec *pv, u64 page)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 1 << 16;
		pv->v = realloc(pv->v, pv->cap * sizeof(u64));
		if (!pv->v) {
			perror("policybench: trace");
			exit(1);
		}
	}
	pv->v[pv->n++] = page;
}

/* Parse an unsigned number: 0x/0X hex or decimal. */
static bool trace_number(const char **s, u64 *out)
{
	const char *p = *s;
	int base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
	char *end;
	if (!isxdigit((unsigned char)p[base == 16 ? 2 : 0]))
		return false;
	errno = 0;
	*out = strtoull(p, &end, base);
	if (errno || end == p)
		return false;
	*s = end;
	return true;
}

/* One line: nothing, or a page with an optional run length. */
static bool trace_line(char *line, struct pagevec *pv)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	const char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return true;
	u64 page, run = 1;
	if (!trace_number(&s, &page))
		return false;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == 'x') {
		s++;
		if (!trace_number(&s, &run) || run == 0 || run > TRACE_RUN_MAX)
			return false;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (*s)
		return false;
	while (run--)
		pagevec_push(pv, page);
	return true;
}

static FILE *trace_open(const char *path, bool *piped)
{
	size_t n = strlen(path);
	*piped = n > 3 && !strcmp(path + n - 3, ".gz");
	if (!strcmp(path, "-"))
		return stdin;
	if (!*piped)
		return fopen(path, "r");
	char cmd[4200];
	if (n > 4000 || strchr(path, '\''))
		return NULL;
	snprintf(cmd, sizeof(cmd), "zcat '%s'", path);
	return popen(cmd, "r");
}

static const char *trace_basename(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int trace_read(const char *path, struct trace *t)
{
	static char line[4096];
	struct pagevec pv = { 0 };
	bool piped;
	FILE *f = trace_open(path, &piped);
	u64 lineno = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "policybench: %s: cannot open\n", path);
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!trace_line(line, &pv)) {
			fprintf(stderr, "policybench: %s:%lu: not a page number [xN]\n", path, lineno);
			rc = -1;
		}
	}
	int closed = piped ? pclose(f) : (f == stdin ? 0 : fclose(f));
	if (!rc && closed) {
		fprintf(stderr, "policybench: %s: read failed\n", path);
		rc = -1;
	}
	if (!rc && pv.n == 0) {
		fprintf(stderr, "policybench: %s: no references\n", path);
		rc = -1;
	}
	if (!rc) {
		char name[48];
		snprintf(name, sizeof(name), "%s", trace_basename(path));
		char *dot = strstr(name, ".trace");
		if (!dot && strlen(name) > 3 && !strcmp(name + strlen(name) - 3, ".gz"))
			dot = name + strlen(name) - 3;
		if (dot)
			*dot = 0;
		rc = trace_from_pages(name, pv.v, pv.n, t);
	}
	free(pv.v);
	return rc;
}

static int u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

/* Index of page in the sorted distinct pages u[0..n). */
static u32 trace_rank(const u64 *u, u64 n, u64 page)
{
	u64 lo = 0, hi = n;
	while (lo < hi) {
		u64 mid = (lo + hi) / 2;
		if (u[mid] < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (u32)lo;
}

static void trace_next_uses(struct trace *t)
{
	u64 *last = malloc(t->npages * sizeof(u64));
	for (u32 p = 0; p < t->npages; p++)
		last[p] = t->len;
	for (u64 i = t->len; i-- > 0;) {
		t->next[i] = (u32)MIN(last[t->ref[i]], (u64)t->len);
		last[t->ref[i]] = i;
	}
	free(last);
}

int trace_from_pages(const char *name, const u64 *pages, u64 len, struct trace *t)
{
	if (len == 0 || len >= BENCH_NONE)
		return -1;
	u64 *u = malloc(len * sizeof(u64)), n = 0;
	memcpy(u, pages, len * sizeof(u64));
	qsort(u, len, sizeof(u64), u64_cmp);
	for (u64 i = 0; i < len; i++)
		if (i == 0 || u[i] != u[i - 1])
			u[n++] = u[i];
	*t = (struct trace){ .len = len, .npages = (u32)n };
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ref = malloc(len * sizeof(u32));
	t->next = malloc(len * sizeof(u32));
	for (u64 i = 0; i < len; i++)
		t->ref[i] = trace_rank(u, n, pages[i]);
	free(u);
	trace_next_uses(t);
	return 0;
}

void trace_free(struct trace *t)
{
	free(t->ref);
	free(t->next);
	*t = (struct trace){ 0 };
}
