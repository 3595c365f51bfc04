/* Guest configuration from the boot modules: which module is a guest, its
 * name, memory size and command line, and which modules are attached to it
 * (`for=<name>`). Pure parsing of outside input (module strings); syntax in
 * docs/guests.md. Bad modules are reported one line each and left out. */
#ifndef CORE_GUESTCFG_H
#define CORE_GUESTCFG_H

#include "core/types.h"
#include "core/bootinfo.h"

#define GUESTCFG_MAX 16                 /* = VM_MAX */
#define GUESTCFG_NAME_MAX 32            /* bytes including the NUL (= VM_NAME_MAX) */
#define GUESTCFG_ATTACH_MAX 8           /* modules attached to one guest */
#define GUESTCFG_STR_MAX BOOTINFO_MOD_STR_MAX
#define GUESTCFG_MEM_DEFAULT (64 * MiB)
#define GUESTCFG_MEM_MIN (2 * MiB)
#define GUESTCFG_MEM_MAX (64 * GiB)
#define GUESTCFG_TIMEOUT_MAX_MS 3600000ull  /* timeout= at most one hour */

/* A module attached to a guest: it appears in the guest's Multiboot module
 * list with `string` (the text after its `--`, else its file name word). */
struct guestcfg_attach {
	size_t module_index;                /* index into the boot modules */
	char string[GUESTCFG_STR_MAX];
};

struct guest_cfg {
	char name[GUESTCFG_NAME_MAX];       /* name=, else the file's basename */
	u64 mem;                            /* mem= bytes (page multiple) */
	u64 timeout_ms;                     /* timeout= wall-clock limit, 0 = none */
	u64 limit;                          /* limit= resident-set cap in bytes, 0 = none */
	char cmdline[GUESTCFG_STR_MAX];     /* text after `--`, verbatim; may be "" */
	size_t module_index;                /* the kernel image's module */
	struct guestcfg_attach attached[GUESTCFG_ATTACH_MAX];   /* in module order */
	size_t nattached;
};

/*
 * Build the guest list from mods[0..nmods) into out[0..max) (max at most
 * GUESTCFG_MAX is sensible). Every module is a guest unless its string has
 * `for=<name>`. A module with a bad string (unknown key, bad value, a
 * duplicate name, a for= naming no guest, too many guests or attachments)
 * gets one pr_err line naming the module and what was wrong and is left out;
 * the others are kept. *nrejected (if non-NULL) gets the number of modules
 * left out. Return the number of guests written to out.
 */
size_t guestcfg_build(const struct bootinfo_module *mods, size_t nmods,
		      struct guest_cfg *out, size_t max, size_t *nrejected);

/* True if s[0..len) is a valid guest name: 1..31 of [A-Za-z0-9_-]. */
bool guestcfg_is_valid_name(const char *s, size_t len);

#endif
