/* Running the guests GRUB passed as modules, one after another (several at
 * once is the next issue), and the verdict table at the end. */
#ifndef CORE_GUESTS_H
#define CORE_GUESTS_H

#include "core/types.h"

struct boot_info;

/* Build, run and tear down every guest of bi's modules in order, then
 * print the table and `SUMMARY: <n> guests, <m> failed`. Returns the number
 * of guests found (0: nothing was printed). */
size_t guests_run_all(const struct boot_info *bi);

#endif
