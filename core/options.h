/* The hypervisor's own command-line options (docs/cmdline.md is the
 * reference). Parsed once at boot from the Multiboot command line. */
#ifndef CORE_OPTIONS_H
#define CORE_OPTIONS_H

#include "core/types.h"

extern bool opt_selftest;     /* run the in-image self-tests and exit */
extern bool opt_stay;         /* stay at the monitor after the guests */
extern u64 opt_hv_mem;        /* hv_mem=: cap on guest data frames, bytes (0: none) */
extern bool opt_debug_hypercalls; /* debug_hypercalls: the eviction hypercall works */

#define OPT_SWAP_LEN 48
/* `swap=`: auto (default), off, a disk name, or uuid:<uuid> (mm/swap_area.c). */
extern char opt_swap[OPT_SWAP_LEN];

/* Parse cmdline, apply console= and loglevel=, and report unknown keys and
 * rejected values (a rejected value keeps its default). */
void options_parse(const char *cmdline);

/* List every option with its help text. */
void options_print_help(void);

#endif
