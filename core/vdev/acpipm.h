/* The guest's ACPI fixed-hardware power management registers (ACPI 6.5
 * 4.8.3): the PM1a event block (PM1_STS, PM1_EN), the PM1a control block
 * (PM1_CNT with SCI_EN always 1 and the SLP_TYP/SLP_EN sleep request)
 * and the 32-bit PM timer at 3.579545 MHz computed from the guest TSC.
 * The port numbers live in the FADT (core/acpi_build.c); the platform
 * glue passes offsets within each block. Pure: time is the guest TSC.
 * The SCI line itself is not driven here: vacpipm_sci() tells its level. */
#ifndef CORE_VDEV_ACPIPM_H
#define CORE_VDEV_ACPIPM_H

#include "core/types.h"

#define VACPIPM_TMR_HZ 3579545ull

/* Block lengths (FADT PM1_EVT_LEN, PM1_CNT_LEN, PM_TMR_LEN). */
#define VACPIPM_EVT_LEN 4
#define VACPIPM_CNT_LEN 2
#define VACPIPM_TMR_LEN 4

/* PM1_STS / PM1_EN bits (Tables 4.16-4.19). */
#define VACPIPM_TMR_STS     BIT(0)
#define VACPIPM_PWRBTN_STS  BIT(8)
#define VACPIPM_WAK_STS     BIT(15)
#define VACPIPM_TMR_EN      BIT(0)
#define VACPIPM_PWRBTN_EN   BIT(8)

/* PM1_CNT bits (Table 4.20). */
#define VACPIPM_SCI_EN      BIT(0)
#define VACPIPM_SLP_TYP_SHIFT 10
#define VACPIPM_SLP_TYP_MASK (7u << VACPIPM_SLP_TYP_SHIFT)
#define VACPIPM_SLP_EN      BIT(13)

enum vacpipm_block { VACPIPM_EVT, VACPIPM_CNT, VACPIPM_TMR };

/* Called when the guest writes PM1_CNT with SLP_EN set: slp_typ is the
 * SLP_TYP field of that write (the FADT/DSDT's \_S5 value means power
 * off). It may end the guest; if it returns, the guest woke at once. */
typedef void (*vacpipm_sleep_fn)(void *ctx, u8 slp_typ);

struct vacpipm {
	u64 tsc_hz;                /* (c) */
	u64 start;                 /* (c) TSC at which the PM timer read 0 */
	u16 sts;                   /* PWRBTN_STS, WAK_STS (TMR_STS is computed) */
	u16 en;                    /* PM1_EN as written (defined bits only) */
	u16 cnt;                   /* PM1_CNT's stored bits (BM_RLD, SLP_TYP) */
	u64 tmr_epoch;             /* timer count >> 31 when TMR_STS was last cleared */
	vacpipm_sleep_fn sleep;    /* (c) may be NULL */
	void *ctx;                 /* (c) */
	u64 sleeps;                /* SLP_EN writes (statistics) */
};

/* Reset state: status and enables clear, SLP_TYP 0, SCI_EN reads 1, the
 * PM timer reads 0 at TSC now and counts up. tsc_hz must be non-zero and
 * below 2^64 / 3579545 (about 5 THz); sleep may be NULL. */
void vacpipm_init(struct vacpipm *pm, u64 tsc_hz, u64 now,
		  vacpipm_sleep_fn sleep, void *ctx);

/* Read size (1, 2 or 4) bytes at offset within block at TSC now. Bytes
 * past the end of the block read as 0xFF. Reading has no side effect. */
u32 vacpipm_io_read(struct vacpipm *pm, enum vacpipm_block block, u8 offset,
		    u8 size, u64 now);

/* Write size (1, 2 or 4) bytes at offset within block: PM1_STS bits are
 * write-one-to-clear, PM1_EN and PM1_CNT store their defined bits, a
 * write with SLP_EN set calls the sleep callback (then sets WAK_STS if it
 * returns), the PM timer is read-only. Partial (byte) writes of a 16-bit
 * register change only the bytes written. */
void vacpipm_io_write(struct vacpipm *pm, enum vacpipm_block block, u8 offset,
		      u8 size, u32 val, u64 now);

/* The PM timer's 32-bit value at TSC now. */
u32 vacpipm_timer(const struct vacpipm *pm, u64 now);

/* Press the power button: sets PWRBTN_STS (the SCI follows if enabled). */
void vacpipm_power_button(struct vacpipm *pm);

/* The SCI level at now: some status bit (TMR_STS, PWRBTN_STS) is set and
 * its enable bit too. */
bool vacpipm_sci(const struct vacpipm *pm, u64 now);

/* TSC at which the SCI will next assert (the timer's bit 31 toggling with
 * TMR_EN set; now if it is asserted already), or VDEV_NO_EVENT. */
u64 vacpipm_next_event(const struct vacpipm *pm, u64 now);

#endif
