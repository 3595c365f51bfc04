/* The pager's reclaim tuning: sweep sizes and the free-frame watermarks.
 * Shared by mm/pager*.c and the replacement benchmark (tests/bench/), which
 * triggers its simulated sweeps with the same numbers. No dependencies. */
#ifndef MM_PAGER_TUNE_H
#define MM_PAGER_TUNE_H

#include "core/types.h"

#define PAGER_SWEEP_MAX 32       /* victims per sweep */
#define PAGER_SWEEP_MIN 8        /* fewest victims worth a sweep while writes are in flight */

/* Low watermark of free guest-data frames (cap - used) for a cap of cap
 * frames: below it, pager_balance sweeps between slices. */
static inline u64 pager_low_mark(u64 cap)
{
	return MAX(8, cap / 64);
}

/* High watermark (reported; sweeps are PAGER_SWEEP_MAX victims each). */
static inline u64 pager_high_mark(u64 cap)
{
	return MIN(cap, 2 * pager_low_mark(cap) + PAGER_SWEEP_MAX);
}

#endif
