/* Host segmentation: the GDT and TSS (VMX host-state fields need their
 * selectors and bases later). */
#ifndef CORE_GDT_H
#define CORE_GDT_H

#include "core/types.h"

#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define GDT_TSS  0x18
#define GDT_ENTRIES 5          /* null, code, data, TSS (two slots) */

/* IST indexes (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MCE          3

/* Load the GDT, reload the segment registers and load the TSS. */
void gdt_init(void);

u64 gdt_base(void);
u64 tss_base(void);

#endif
