/* Command-line tokenizer and table-driven option parser (see core/cmdline.h
 * and docs/cmdline.md). The command line is outside input: every rejected
 * word is named in one message, the option keeps its default, and parsing
 * goes on with the next word. */
#include "core/cmdline.h"
#include "core/log.h"
#include "core/string.h"

static bool cmdline_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool cmdline_is_dashdash(const char *w, size_t len)
{
	return len == 2 && w[0] == '-' && w[1] == '-';
}

/* See core/cmdline.h. */
bool cmdline_next_word(const char **pos, const char *end, struct cmdline_word *w)
{
	const char *p = *pos, *start;
	size_t len, klen = 0;

	while (p != end && *p && cmdline_is_blank(*p))
		p++;
	start = p;
	while (p != end && *p && !cmdline_is_blank(*p))
		p++;
	*pos = p;
	len = (size_t)(p - start);
	if (len == 0 || cmdline_is_dashdash(start, len))
		return false;
	while (klen < len && start[klen] != '=')
		klen++;
	w->key = start;
	w->key_len = klen;
	w->val = klen < len ? start + klen + 1 : NULL;
	w->val_len = klen < len ? len - klen - 1 : 0;
	return true;
}

/* See core/cmdline.h. */
size_t cmdline_split(const char *s, const char **rest)
{
	const char *p = s, *start;

	*rest = NULL;
	for (;;) {
		while (*p && cmdline_is_blank(*p))
			p++;
		if (!*p)
			return (size_t)(p - s);
		start = p;
		while (*p && !cmdline_is_blank(*p))
			p++;
		if (cmdline_is_dashdash(start, (size_t)(p - start))) {
			while (*p && cmdline_is_blank(*p))
				p++;
			*rest = p;
			return (size_t)(start - s);
		}
	}
}

static int cmdline_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

static u64 cmdline_size_mult(char c)
{
	switch (c | 0x20) {
	case 'k': return KiB;
	case 'm': return MiB;
	case 'g': return GiB;
	case 't': return 1024 * GiB;
	default: return 0;
	}
}

/* See core/cmdline.h. */
int cmdline_parse_u64(const char *s, size_t len, bool is_size, u64 *out)
{
	u64 v = 0, mult = 1, base = 10;
	size_t i = 0;

	if (is_size && len > 0 && cmdline_size_mult(s[len - 1])) {
		mult = cmdline_size_mult(s[len - 1]);
		len--;
	}
	if (len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == len)
		return E_INVAL;
	for (; i < len; i++) {
		u64 d = (u64)cmdline_digit(s[i]);

		if (d >= base)
			return E_INVAL;
		if (v > (~0ull - d) / base)
			return E_RANGE;
		v = v * base + d;
	}
	if (v > ~0ull / mult)
		return E_RANGE;
	*out = v * mult;
	return E_OK;
}

/* Shared "missing value" check for options that need one. */
static int cmdline_need_value(const struct cmdline_opt *o, const struct cmdline_word *w)
{
	if (w->val)
		return E_OK;
	pr_err("command line: %s needs a value (%s=...); ignored", o->key, o->key);
	return E_INVAL;
}

static int cmdline_set_flag(const struct cmdline_opt *o, const struct cmdline_word *w)
{
	if (w->val) {
		pr_err("command line: %s is a flag and takes no value, got '%.*s'; ignored",
		       o->key, (int)w->val_len, w->val);
		return E_INVAL;
	}
	*(bool *)o->dest = true;
	return E_OK;
}

static int cmdline_set_number(const struct cmdline_opt *o, const struct cmdline_word *w)
{
	u64 v = 0;
	int rc = cmdline_need_value(o, w);

	if (rc)
		return rc;
	rc = cmdline_parse_u64(w->val, w->val_len, o->type == OPT_SIZE, &v);
	if (rc == E_RANGE) {
		pr_err("command line: %s=%.*s is too large for 64 bits; ignored",
		       o->key, (int)w->val_len, w->val);
		return E_INVAL;
	}
	if (rc) {
		pr_err("command line: %s=%.*s is not a %s; ignored", o->key, (int)w->val_len,
		       w->val, o->type == OPT_SIZE ? "size (like 4096, 64M, 1G)" : "number");
		return E_INVAL;
	}
	if (v < o->min || (o->max && v > o->max)) {
		pr_err("command line: %s=%.*s is out of range [%lu, %lu]; ignored", o->key,
		       (int)w->val_len, w->val, o->min, o->max ? o->max : ~(u64)0);
		return E_INVAL;
	}
	*(u64 *)o->dest = v;
	return E_OK;
}

static int cmdline_set_string(const struct cmdline_opt *o, const struct cmdline_word *w)
{
	int rc = cmdline_need_value(o, w);

	if (rc)
		return rc;
	if (w->val_len >= o->max) {
		pr_err("command line: %s=%.*s is longer than %lu characters; ignored", o->key,
		       (int)w->val_len, w->val, o->max ? o->max - 1 : 0);
		return E_INVAL;
	}
	memcpy(o->dest, w->val, w->val_len);
	((char *)o->dest)[w->val_len] = 0;
	return E_OK;
}

/* Write "a, b, c" for the choices of o into buf. */
static void cmdline_list_choices(const struct cmdline_opt *o, char *buf, size_t n, const char *sep)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; o->choices && o->choices[i] && len < n; i++)
		len += (size_t)ksnprintf(buf + len, n - len, "%s%s", i ? sep : "", o->choices[i]);
}

static int cmdline_set_enum(const struct cmdline_opt *o, const struct cmdline_word *w)
{
	char list[128];
	int rc = cmdline_need_value(o, w);

	if (rc)
		return rc;
	for (int i = 0; o->choices && o->choices[i]; i++) {
		if (strlen(o->choices[i]) == w->val_len &&
		    strncmp(o->choices[i], w->val, w->val_len) == 0) {
			*(int *)o->dest = i;
			return E_OK;
		}
	}
	cmdline_list_choices(o, list, sizeof(list), ", ");
	pr_err("command line: %s=%.*s is not one of: %s; ignored", o->key,
	       (int)w->val_len, w->val, list);
	return E_INVAL;
}

typedef int (*cmdline_setter)(const struct cmdline_opt *o, const struct cmdline_word *w);

static const cmdline_setter cmdline_setters[] = {
	[OPT_FLAG] = cmdline_set_flag,
	[OPT_UINT] = cmdline_set_number,
	[OPT_SIZE] = cmdline_set_number,
	[OPT_STRING] = cmdline_set_string,
	[OPT_ENUM] = cmdline_set_enum,
};

static const struct cmdline_opt *cmdline_find(const struct cmdline_opt *opts, size_t n,
					      const struct cmdline_word *w)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(opts[i].key, w->key, w->key_len) == 0 && !opts[i].key[w->key_len])
			return &opts[i];
	return NULL;
}

/* See core/cmdline.h. */
int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t n)
{
	const char *p = cmdline ? cmdline : "";
	struct cmdline_word w;
	bool rejected = false;

	while (cmdline_next_word(&p, NULL, &w)) {
		const struct cmdline_opt *o = cmdline_find(opts, n, &w);

		if (w.key_len == 0) {
			pr_err("command line: word '=%.*s' has no key; ignored", (int)w.val_len, w.val);
			rejected = true;
		} else if (!o) {
			pr_warn("command line: unknown option '%.*s' ignored", (int)w.key_len, w.key);
		} else if ((size_t)o->type >= ARRAY_SIZE(cmdline_setters) ||
			   cmdline_setters[o->type](o, &w) != E_OK) {
			rejected = true;
		}
	}
	return rejected ? E_INVAL : E_OK;
}

static const char *const cmdline_type_names[] = {
	[OPT_FLAG] = "", [OPT_UINT] = "=<number>", [OPT_SIZE] = "=<size>",
	[OPT_STRING] = "=<string>", [OPT_ENUM] = "=",
};

/* See core/cmdline.h. */
void cmdline_print_help(const struct cmdline_opt *opts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cmdline_opt *o = &opts[i];
		char left[96], range[48] = "";

		if (o->type == OPT_ENUM) {
			char list[80];
			cmdline_list_choices(o, list, sizeof(list), "|");
			ksnprintf(left, sizeof(left), "%s=<%s>", o->key, list);
		} else {
			ksnprintf(left, sizeof(left), "%s%s", o->key,
				  (size_t)o->type < ARRAY_SIZE(cmdline_type_names) ?
				  cmdline_type_names[o->type] : "=?");
		}
		if ((o->type == OPT_UINT || o->type == OPT_SIZE) && (o->min || o->max))
			ksnprintf(range, sizeof(range), " [%lu..%lu]", o->min,
				  o->max ? o->max : ~(u64)0);
		kprintf("  %-24s %s%s\n", left, o->help ? o->help : "", range);
	}
}
