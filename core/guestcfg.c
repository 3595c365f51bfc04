/* Module strings to guest configurations (see core/guestcfg.h and
 * docs/guests.md). A string is `[file] key=value ... [-- text]`: QEMU -kernel
 * (Multiboot 1) puts the module's path first, GRUB's module2 passes only the
 * words after the path, so a leading word without '=' is taken as the file
 * name. Each module is parsed once; a bad one is reported and skipped. */
#include "core/guestcfg.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/string.h"

/* One parsed module string; pointers point into the module's string. */
struct gc_mod {
	const char *file;            /* leading bare word, or NULL */
	size_t file_len;
	const char *name, *forname;  /* name= / for= values, or NULL */
	size_t name_len, for_len;
	u64 mem;                     /* 0: not given */
	u64 timeout_ms;              /* 0: not given */
	u64 limit;                   /* limit= bytes, 0: not given */
	const char *rest;            /* text after `--`, or NULL */
	bool ok;
};

static bool gc_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* See core/guestcfg.h. */
bool guestcfg_is_valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= GUESTCFG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!gc_is_name_char(s[i]))
			return false;
	return true;
}

/* The basename of the file word, or the start of the string, to name a
 * module in messages. */
static void gc_label(const struct bootinfo_module *m, const struct gc_mod *pm,
		     char *buf, size_t n)
{
	const char *s = pm->file ? pm->file : m->string;
	size_t len = pm->file ? pm->file_len : strnlen(m->string, 40);

	for (size_t i = len; i > 0; i--) {
		if (s[i - 1] == '/') {
			len -= i;
			s += i;
			break;
		}
	}
	ksnprintf(buf, n, "%.*s", (int)len, s);
}

/* Report why module idx is left out: "module 2 (memtouch.elf): <why>". */
static void __attribute__((format(printf, 4, 5)))
gc_reject(size_t idx, const struct bootinfo_module *m, struct gc_mod *pm,
	  const char *fmt, ...)
{
	char label[48], why[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	gc_label(m, pm, label, sizeof(label));
	pr_err("module %zu%s%s%s: %s", idx, label[0] ? " (" : "", label,
	       label[0] ? ")" : "", why);
	pm->ok = false;
}

/* mem=: a size within [MEM_MIN, MEM_MAX], a multiple of 4 KiB. */
static bool gc_parse_mem(size_t idx, const struct bootinfo_module *m,
			 struct gc_mod *pm, const struct cmdline_word *w)
{
	u64 v;

	if (cmdline_parse_u64(w->val, w->val_len, true, &v) < 0 || v == 0) {
		gc_reject(idx, m, pm, "bad mem= value '%.*s'", (int)w->val_len, w->val);
		return false;
	}
	if (v < GUESTCFG_MEM_MIN || v > GUESTCFG_MEM_MAX || !IS_ALIGNED(v, PAGE_SIZE)) {
		gc_reject(idx, m, pm, "bad mem= value '%.*s' (a multiple of 4K in [2M, 64G])",
			  (int)w->val_len, w->val);
		return false;
	}
	pm->mem = v;
	return true;
}

/* limit=: a resident-set cap, a size of at least 1 MiB, page multiple. */
static bool gc_parse_limit(size_t idx, const struct bootinfo_module *m,
			   struct gc_mod *pm, const struct cmdline_word *w)
{
	u64 v;

	if (cmdline_parse_u64(w->val, w->val_len, true, &v) < 0 || v < MiB ||
	    !IS_ALIGNED(v, PAGE_SIZE)) {
		gc_reject(idx, m, pm, "bad limit= value '%.*s' (a multiple of 4K, at least 1M)",
			  (int)w->val_len, w->val);
		return false;
	}
	pm->limit = v;
	return true;
}

/* timeout=: milliseconds of wall time, 1 .. 1 hour. */
static bool gc_parse_timeout(size_t idx, const struct bootinfo_module *m,
			     struct gc_mod *pm, const struct cmdline_word *w)
{
	u64 v;

	if (cmdline_parse_u64(w->val, w->val_len, false, &v) < 0 || v == 0 ||
	    v > GUESTCFG_TIMEOUT_MAX_MS) {
		gc_reject(idx, m, pm, "bad timeout= value '%.*s' (milliseconds, 1 to %lu)",
			  (int)w->val_len, w->val, (u64)GUESTCFG_TIMEOUT_MAX_MS);
		return false;
	}
	pm->timeout_ms = v;
	return true;
}

/* One key=value word; false (reported) if the key or value is bad. */
static bool gc_parse_word(size_t idx, const struct bootinfo_module *m,
			  struct gc_mod *pm, const struct cmdline_word *w)
{
	bool is_name = w->key_len == 4 && !memcmp(w->key, "name", 4);
	bool is_for = w->key_len == 3 && !memcmp(w->key, "for", 3);

	if (!w->val) {
		gc_reject(idx, m, pm, "unexpected word '%.*s' (options are key=value)",
			  (int)w->key_len, w->key);
		return false;
	}
	if (w->key_len == 3 && !memcmp(w->key, "mem", 3))
		return gc_parse_mem(idx, m, pm, w);
	if (w->key_len == 7 && !memcmp(w->key, "timeout", 7))
		return gc_parse_timeout(idx, m, pm, w);
	if (w->key_len == 5 && !memcmp(w->key, "limit", 5))
		return gc_parse_limit(idx, m, pm, w);
	if (!is_name && !is_for) {
		gc_reject(idx, m, pm, "unknown key '%.*s'", (int)w->key_len, w->key);
		return false;
	}
	if (!guestcfg_is_valid_name(w->val, w->val_len)) {
		gc_reject(idx, m, pm, "bad %s= value '%.*s' (1-31 of A-Z a-z 0-9 _ -)",
			  is_name ? "name" : "for", (int)w->val_len, w->val);
		return false;
	}
	if (is_name) {
		pm->name = w->val;
		pm->name_len = w->val_len;
	} else {
		pm->forname = w->val;
		pm->for_len = w->val_len;
	}
	return true;
}

/* Parse module idx's string into *pm; pm->ok says whether it is usable. */
static void gc_parse(size_t idx, const struct bootinfo_module *m, struct gc_mod *pm)
{
	const char *pos = m->string;
	struct cmdline_word w;
	bool first = true;

	memset(pm, 0, sizeof(*pm));
	pm->ok = true;
	cmdline_split(m->string, &pm->rest);
	while (cmdline_next_word(&pos, NULL, &w)) {
		if (first && !w.val) {
			pm->file = w.key;
			pm->file_len = w.key_len;
		} else if (!gc_parse_word(idx, m, pm, &w)) {
			return;
		}
		first = false;
	}
	if (pm->forname && (pm->name || pm->mem || pm->timeout_ms || pm->limit))
		gc_reject(idx, m, pm, "%s= has no meaning with for= (an attached module)",
			  pm->name ? "name" : pm->mem ? "mem" : pm->timeout_ms ? "timeout" : "limit");
}

/* Copy s[0..len) into dst[n] as a string, clipped. */
static void gc_copy(char *dst, size_t n, const char *s, size_t len)
{
	len = MIN(len, n - 1);
	memcpy(dst, s, len);
	dst[len] = 0;
}

static struct guest_cfg *gc_find(struct guest_cfg *out, size_t n, const char *name,
				 size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(out[i].name) == len && !memcmp(out[i].name, name, len))
			return &out[i];
	return NULL;
}

/* The default name: the file word's basename up to its last '.', with
 * characters outside [A-Za-z0-9_-] turned into '_'; "guest<idx>" if empty. */
static void gc_default_name(const struct gc_mod *pm, size_t idx, char *buf)
{
	const char *s = pm->file;
	size_t len = pm->file_len;

	for (size_t i = len; s && i > 0; i--) {
		if (s[i - 1] == '/') {
			s += i;
			len -= i;
			break;
		}
	}
	for (size_t i = len; s && i > 1; i--) {
		if (s[i - 1] == '.') {
			len = i - 1;
			break;
		}
	}
	if (!s || len == 0) {
		ksnprintf(buf, GUESTCFG_NAME_MAX, "guest%zu", idx);
		return;
	}
	gc_copy(buf, GUESTCFG_NAME_MAX, s, len);
	for (size_t i = 0; buf[i]; i++)
		if (!gc_is_name_char(buf[i]))
			buf[i] = '_';
}

/* True if a guest of out[0..n) other than g is called g->name. */
static bool gc_name_taken(const struct guest_cfg *out, size_t n, const struct guest_cfg *g)
{
	for (size_t i = 0; i < n; i++)
		if (&out[i] != g && !strcmp(out[i].name, g->name))
			return true;
	return false;
}

/* Give guest g (of out[0..n)) its default name, made unique with a "-<k>"
 * suffix when another guest already has it. */
static void gc_unique_name(struct guest_cfg *out, size_t n, struct guest_cfg *g,
			   const struct gc_mod *pm)
{
	char base[GUESTCFG_NAME_MAX];

	gc_default_name(pm, g->module_index, base);
	gc_copy(g->name, sizeof(g->name), base, strlen(base));
	for (unsigned k = 2; gc_name_taken(out, n, g); k++) {
		char suffix[12];
		int sl = ksnprintf(suffix, sizeof(suffix), "-%u", k);
		int bl = (int)MIN(strlen(base), GUESTCFG_NAME_MAX - 1 - (size_t)sl);
		ksnprintf(g->name, sizeof(g->name), "%.*s%s", bl, base, suffix);
	}
}

/* Add module idx as a guest (its name stays empty when it has no name=).
 * Return false (reported) when out is full or the name is taken. */
static bool gc_add_guest(struct guest_cfg *out, size_t *n, size_t max, size_t idx,
			 const struct bootinfo_module *m, struct gc_mod *pm)
{
	struct guest_cfg *g;

	if (*n == max) {
		gc_reject(idx, m, pm, "too many guests (at most %zu)", max);
		return false;
	}
	if (pm->name && gc_find(out, *n, pm->name, pm->name_len)) {
		gc_reject(idx, m, pm, "duplicate name '%.*s'", (int)pm->name_len, pm->name);
		return false;
	}
	g = &out[(*n)++];
	memset(g, 0, sizeof(*g));
	if (pm->name)
		gc_copy(g->name, sizeof(g->name), pm->name, pm->name_len);
	g->mem = pm->mem ? pm->mem : GUESTCFG_MEM_DEFAULT;
	g->timeout_ms = pm->timeout_ms;
	g->limit = pm->limit;
	if (pm->rest)
		gc_copy(g->cmdline, sizeof(g->cmdline), pm->rest, strlen(pm->rest));
	g->module_index = idx;
	return true;
}

/* Attach module idx (which has for=) to its guest. Return false (reported)
 * when no guest has that name or the guest has no room left. */
static bool gc_attach(struct guest_cfg *out, size_t n, size_t idx,
		      const struct bootinfo_module *m, struct gc_mod *pm)
{
	struct guest_cfg *g = gc_find(out, n, pm->forname, pm->for_len);
	struct guestcfg_attach *a;

	if (!g) {
		gc_reject(idx, m, pm, "for=%.*s names no guest; module ignored",
			  (int)pm->for_len, pm->forname);
		return false;
	}
	if (g->nattached == GUESTCFG_ATTACH_MAX) {
		gc_reject(idx, m, pm, "guest %s already has %d modules attached; module ignored",
			  g->name, GUESTCFG_ATTACH_MAX);
		return false;
	}
	a = &g->attached[g->nattached++];
	a->module_index = idx;
	if (pm->rest)
		gc_copy(a->string, sizeof(a->string), pm->rest, strlen(pm->rest));
	else if (pm->file)
		gc_copy(a->string, sizeof(a->string), pm->file, pm->file_len);
	else
		a->string[0] = 0;
	return true;
}

/* See core/guestcfg.h. Three passes so that for= may name a guest whose
 * module comes later and default names never steal an explicit name. */
size_t guestcfg_build(const struct bootinfo_module *mods, size_t nmods,
		      struct guest_cfg *out, size_t max, size_t *nrejected)
{
	struct gc_mod pm[BOOTINFO_MODS_MAX];
	size_t n = 0, bad = 0;

	for (size_t i = BOOTINFO_MODS_MAX; i < nmods; i++) {
		pr_err("module %zu: more than %d modules; ignored", i, BOOTINFO_MODS_MAX);
		bad++;
	}
	nmods = MIN(nmods, (size_t)BOOTINFO_MODS_MAX);
	for (size_t i = 0; i < nmods; i++) {
		gc_parse(i, &mods[i], &pm[i]);
		if (pm[i].ok && !pm[i].forname && !gc_add_guest(out, &n, max, i, &mods[i], &pm[i]))
			pm[i].ok = false;
		bad += !pm[i].ok;
	}
	for (size_t i = 0; i < n; i++)
		if (!out[i].name[0])
			gc_unique_name(out, n, &out[i], &pm[out[i].module_index]);
	for (size_t i = 0; i < nmods; i++)
		if (pm[i].ok && pm[i].forname && !gc_attach(out, n, i, &mods[i], &pm[i]))
			bad++;
	if (nrejected)
		*nrejected = bad;
	return n;
}
