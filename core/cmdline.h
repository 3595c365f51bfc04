/* Command-line parsing: a tokenizer for `key=value` words and a
 * table-driven option parser on top of it. Used for the hypervisor command
 * line and for module strings (`name=touch mem=256M -- <guest cmdline>`).
 * Syntax (docs/cmdline.md): words separated by blanks (space, tab, CR, LF);
 * a word is `key=value` (split at the first '=') or a bare `key`; no quoting
 * or escapes, so values cannot contain blanks; a `--` word ends the options
 * and everything after it is passed through untouched. */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include "core/types.h"

enum opt_type {
	OPT_FLAG,    /* bare `key` sets a bool to true; `key=...` is an error */
	OPT_UINT,    /* u64: decimal or 0x hex, within [min, max] */
	OPT_SIZE,    /* u64 bytes: a number with optional K/M/G/T suffix (either
	              * case, powers of 1024): 4096, 4k, 64M, 1G, 0x1000 */
	OPT_STRING,  /* copied into a char array of max bytes (including NUL) */
	OPT_ENUM,    /* one of the NULL-terminated choices; int index stored */
};

/*
 * One option. dest points at: bool (FLAG), u64 (UINT, SIZE), char[max]
 * (STRING), int (ENUM). For UINT and SIZE, [min, max] is the accepted range
 * with max == 0 meaning no upper limit. dest keeps its default (is not
 * written) unless a valid value is given.
 */
struct cmdline_opt {
	const char *key;
	enum opt_type type;
	void *dest;
	const char *const *choices;
	u64 min, max;
	const char *help;
};

/* One word of a command line; key/val point into the parsed string and are
 * not NUL-terminated. */
struct cmdline_word {
	const char *key;
	size_t key_len;
	const char *val;         /* NULL for a bare word */
	size_t val_len;
};

/* Read the next word of [*pos, end) into *w and advance *pos past it.
 * Return false at the end of the range or at a `--` word (*pos is then left
 * just past the `--`). end may be NULL for "until the NUL". */
bool cmdline_next_word(const char **pos, const char *end, struct cmdline_word *w);

/* Split s at its first `--` word: return the length of the part before it
 * (trailing blanks included) and set *rest to the text after `--` with
 * leading blanks skipped, or to NULL if s has no `--` word. */
size_t cmdline_split(const char *s, const char **rest);

/* Parse the words of cmdline up to `--` (or the end) against opts[0..n).
 * Unknown keys get a pr_warn naming them; bad values (not a number, out of
 * range, unknown choice, a value given to a flag, a missing value, a string
 * too long) get a pr_err naming key and value and leave that option at its
 * default. Parsing always continues to the end. Return E_OK, or E_INVAL if
 * any value was rejected (unknown keys alone do not make it fail). A NULL
 * cmdline is an empty one. */
int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t n) __must_check;

/* Parse an unsigned number: decimal or 0x hex, with a K/M/G/T suffix if
 * is_size. The whole of s[0..len) must be consumed. Return E_OK, E_INVAL
 * if malformed, E_RANGE on overflow. */
int cmdline_parse_u64(const char *s, size_t len, bool is_size, u64 *out) __must_check;

/* Print one line per option (key, value type, allowed values, help) with
 * kprintf. */
void cmdline_print_help(const struct cmdline_opt *opts, size_t n);

#endif
