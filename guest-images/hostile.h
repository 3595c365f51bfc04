/* The hostile guest's shared declarations. hostile.c: mode dispatch and
 * the TSC rate; hostile_mem.c: physscan, secretfill, secretscan;
 * hostile_virt.c: virt, msr; hostile_cr.c: cr, faultloop; hostile_io.c:
 * ports, exitstorm, fakeverdict. Each mode_*() takes the command line and
 * returns the guest's exit status. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "rt.h"
#include "pc.h"

#define VEC_UD          6
#define VEC_DF          8
#define VEC_GP          13
#define VEC_PF          14
#define WORDS           (PAGE_SIZE / 8)
#define MSR_EFER        0xC0000080
#define EFER_SVME       (1UL << 12)

/* TSC kHz from pagevisor's leaf 0x40000010 (EAX), else 1 GHz. */
u64 hostile_tsc_khz(void);

int mode_physscan(const char *cmdline);
int mode_secretfill(const char *cmdline);
int mode_secretscan(const char *cmdline);
int mode_virt(const char *cmdline);
int mode_msr(const char *cmdline);
int mode_cr(const char *cmdline);
int mode_faultloop(const char *cmdline);
int mode_ports(const char *cmdline);
int mode_exitstorm(const char *cmdline);
int mode_fakeverdict(const char *cmdline);

#endif
