/* Usable-RAM list from the loader's map (see mm/memmap.h). The work happens
 * in the caller's output array, kept sorted and disjoint throughout: add
 * the usable entries, cut out everything that must not be allocated, round
 * inward to pages. */
#include "mm/memmap.h"
#include "core/log.h"
#include "core/string.h"

/* A sorted, disjoint set of ranges stored in the caller's array. */
struct memmap_set {
	struct mem_range *r;
	size_t n, max;
};

static void memmap_remove_at(struct memmap_set *s, size_t i)
{
	memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
	s->n--;
}

static bool memmap_insert_at(struct memmap_set *s, size_t i, u64 base, u64 end)
{
	if (s->n == s->max)
		return false;
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
	s->r[i] = (struct mem_range){ base, end };
	s->n++;
	return true;
}

/* Union [base, end) into the set, merging overlapping or adjacent ranges.
 * Return false if a new range was needed and the array is full. */
static bool memmap_set_add(struct memmap_set *s, u64 base, u64 end)
{
	size_t i = 0, j;

	while (i < s->n && s->r[i].end < base)
		i++;
	for (j = i; j < s->n && s->r[j].base <= end; j++)
		;
	if (i == j)
		return memmap_insert_at(s, i, base, end);
	s->r[i].base = MIN(base, s->r[i].base);
	s->r[i].end = MAX(end, s->r[j - 1].end);
	while (j-- > i + 1)
		memmap_remove_at(s, i + 1);
	return true;
}

/* Remove [base, end) from the set. Return false if a range had to be split
 * and the array is full. */
static bool memmap_set_sub(struct memmap_set *s, u64 base, u64 end)
{
	for (size_t i = 0; i < s->n; i++) {
		struct mem_range *r = &s->r[i];

		if (r->end <= base || r->base >= end)
			continue;
		if (r->base < base && r->end > end) {
			if (!memmap_insert_at(s, i + 1, end, r->end))
				return false;
			s->r[i].end = base;
			return true;
		}
		if (r->base < base) {
			r->end = base;
		} else if (r->end > end) {
			r->base = end;
		} else {
			memmap_remove_at(s, i);
			i--;
		}
	}
	return true;
}

/* Turn map entry m into [*base, *end): false for an entry that must be
 * dropped. With report set, say what was wrong with it. */
static bool memmap_clean(const struct bootinfo_mem *m, u64 *base, u64 *end, bool report)
{
	const char *type = bootinfo_mem_type_name((int)m->type);

	if (m->len == 0 || m->base + m->len < m->base) {
		if (report)
			pr_warn("memmap: %s entry at 0x%lx with length 0x%lx is %s; dropped",
				type, m->base, m->len, m->len ? "wrapping" : "empty");
		return false;
	}
	if (m->base >= MEMMAP_PHYS_LIMIT) {
		if (report)
			pr_warn("memmap: %s entry [0x%lx, 0x%lx) lies above the 52-bit physical limit; dropped",
				type, m->base, m->base + m->len);
		return false;
	}
	*base = m->base;
	*end = m->base + m->len;
	if (*end > MEMMAP_PHYS_LIMIT) {
		if (report)
			pr_warn("memmap: %s entry [0x%lx, 0x%lx) clipped at the 52-bit physical limit",
				type, *base, *end);
		*end = MEMMAP_PHYS_LIMIT;
	}
	return true;
}

static bool memmap_is_usable(const struct bootinfo_mem *m)
{
	return m->type == BOOTINFO_MEM_USABLE;
}

/* Report every usable entry that a non-usable entry overlaps. */
static void memmap_report_conflicts(const struct boot_info *bi)
{
	u64 ub, ue, nb, ne;

	for (size_t i = 0; i < bi->nmap; i++) {
		if (!memmap_is_usable(&bi->map[i]) || !memmap_clean(&bi->map[i], &ub, &ue, false))
			continue;
		for (size_t j = 0; j < bi->nmap; j++) {
			const struct bootinfo_mem *n = &bi->map[j];

			if (memmap_is_usable(n) || !memmap_clean(n, &nb, &ne, false))
				continue;
			if (nb < ue && ub < ne)
				pr_warn("memmap: usable [0x%lx, 0x%lx) overlaps %s [0x%lx, 0x%lx); the %s range wins",
					ub, ue, bootinfo_mem_type_name((int)n->type), nb, ne,
					bootinfo_mem_type_name((int)n->type));
		}
	}
}

/* Add the usable entries and cut out the non-usable ones. */
static bool memmap_from_entries(const struct boot_info *bi, struct memmap_set *s)
{
	u64 b, e;

	for (size_t i = 0; i < bi->nmap; i++)
		if (memmap_clean(&bi->map[i], &b, &e, true) && memmap_is_usable(&bi->map[i]) &&
		    !memmap_set_add(s, b, e))
			return false;
	memmap_report_conflicts(bi);
	for (size_t i = 0; i < bi->nmap; i++)
		if (!memmap_is_usable(&bi->map[i]) && memmap_clean(&bi->map[i], &b, &e, false) &&
		    !memmap_set_sub(s, b, e))
			return false;
	return true;
}

static bool memmap_cut_reserved(struct memmap_set *s, const struct mem_range *res, size_t n)
{
	if (!memmap_set_sub(s, 0, MEMMAP_LOW_RESERVED))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (res[i].end <= res[i].base)
			continue;
		pr_debug("memmap: reserving [0x%lx, 0x%lx)", res[i].base, res[i].end);
		if (!memmap_set_sub(s, res[i].base, res[i].end))
			return false;
	}
	return true;
}

/* Shrink every range to whole pages; drop those left empty. */
static void memmap_round_inward(struct memmap_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		u64 b = ALIGN_UP(s->r[i].base, PAGE_SIZE), e = ALIGN_DOWN(s->r[i].end, PAGE_SIZE);

		if (b >= e) {
			memmap_remove_at(s, i);
			i--;
			continue;
		}
		s->r[i] = (struct mem_range){ b, e };
	}
}

/* See mm/memmap.h. */
int memmap_build(const struct boot_info *bi, const struct mem_range *reserved,
		 size_t nreserved, struct mem_range *out, size_t max_out, size_t *nout)
{
	struct memmap_set s = { .r = out, .n = 0, .max = max_out };

	*nout = 0;
	if (!memmap_from_entries(bi, &s) || !memmap_cut_reserved(&s, reserved, nreserved)) {
		pr_err("memmap: the usable memory needs more than %zu ranges", max_out);
		return E_NOMEM;
	}
	memmap_round_inward(&s);
	if (s.n == 0) {
		pr_err("memmap: no usable RAM above 1 MiB in the loader's memory map (%zu entries)",
		       bi->nmap);
		return E_NOMEM;
	}
	memmap_print(out, s.n);
	*nout = s.n;
	return E_OK;
}

/* See mm/memmap.h. */
u64 memmap_top(const struct mem_range *r, size_t n)
{
	return n ? r[n - 1].end : 0;
}

/* See mm/memmap.h. */
u64 memmap_total(const struct mem_range *r, size_t n)
{
	u64 total = 0;

	for (size_t i = 0; i < n; i++)
		total += r[i].end - r[i].base;
	return total;
}

/* See mm/memmap.h. */
void memmap_print(const struct mem_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pr_info("memmap: usable [0x%016lx, 0x%016lx) %lu KiB", r[i].base, r[i].end,
			(r[i].end - r[i].base) >> 10);
	pr_info("memmap: %lu MiB usable in %zu ranges, top 0x%lx",
		memmap_total(r, n) >> 20, n, memmap_top(r, n));
}
