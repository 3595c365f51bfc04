/* The guest's ACPI PM1a registers and PM timer (see core/vdev/acpipm.h).
 * Each block is handled as a little-endian image of up to 4 bytes: reads
 * take bytes from the image, writes become a value plus a byte mask that
 * each register applies with its own rule (W1C, stored, read-only). The
 * timer and TMR_STS are computed from the TSC, never accumulated. */
#include "core/vdev/acpipm.h"
#include "core/vdev/irq.h"
#include "core/string.h"

/* PM1_EN bits defined by ACPI 6.5 Table 4.18 (TMR, GBL, PWRBTN, SLPBTN,
 * RTC, PCIEXP_WAKE_DIS); PM1_CNT bits that read back (BM_RLD, SLP_TYP). */
#define EN_DEFINED  (BIT(0) | BIT(5) | BIT(8) | BIT(9) | BIT(10) | BIT(14))
#define CNT_STORED  (BIT(1) | VACPIPM_SLP_TYP_MASK)
#define STS_STORED  (VACPIPM_PWRBTN_STS | VACPIPM_WAK_STS)
#define TMR_STS_SHIFT 31

static const u8 block_len[] = {
	[VACPIPM_EVT] = VACPIPM_EVT_LEN,
	[VACPIPM_CNT] = VACPIPM_CNT_LEN,
	[VACPIPM_TMR] = VACPIPM_TMR_LEN,
};

/* a * b / c rounded down (or up), exactly, without 128-bit division:
 * (a/c)*b + (a%c)*b/c, where (a%c)*b < b*c fits 64 bits by the limit on
 * tsc_hz in vacpipm_init. */
static u64 acpipm_muldiv(u64 a, u64 b, u64 c, bool round_up)
{
	u64 r = (a % c) * b;

	return a / c * b + (r + (round_up ? c - 1 : 0)) / c;
}

/* Timer clocks since start, not wrapped to 32 bits. */
static u64 acpipm_ticks(const struct vacpipm *pm, u64 now)
{
	if (now <= pm->start)
		return 0;
	return acpipm_muldiv(now - pm->start, VACPIPM_TMR_HZ, pm->tsc_hz, false);
}

/* PM1_STS at now: the stored bits plus TMR_STS, set once the counter's
 * bit 31 has toggled since it was last cleared (4.8.3.3). */
static u16 acpipm_status(const struct vacpipm *pm, u64 now)
{
	u16 s = pm->sts;

	if (acpipm_ticks(pm, now) >> TMR_STS_SHIFT != pm->tmr_epoch)
		s |= VACPIPM_TMR_STS;
	return s;
}

void vacpipm_init(struct vacpipm *pm, u64 tsc_hz, u64 now,
		  vacpipm_sleep_fn sleep, void *ctx)
{
	memset(pm, 0, sizeof(*pm));
	pm->tsc_hz = tsc_hz;
	pm->start = now;
	pm->sleep = sleep;
	pm->ctx = ctx;
}

u32 vacpipm_timer(const struct vacpipm *pm, u64 now)
{
	return (u32)acpipm_ticks(pm, now);
}

/* The block's little-endian image at now. */
static u32 acpipm_image(const struct vacpipm *pm, enum vacpipm_block block, u64 now)
{
	if (block == VACPIPM_EVT)
		return acpipm_status(pm, now) | (u32)pm->en << 16;
	if (block == VACPIPM_CNT)
		return pm->cnt | VACPIPM_SCI_EN;
	return vacpipm_timer(pm, now);
}

u32 vacpipm_io_read(struct vacpipm *pm, enum vacpipm_block block, u8 offset,
		    u8 size, u64 now)
{
	bool known = (unsigned)block < ARRAY_SIZE(block_len);
	u32 len = known ? block_len[block] : 0;
	u32 img = known ? acpipm_image(pm, block, now) : 0, val = 0;

	for (u8 i = 0; i < size && i < 4; i++) {
		u32 at = offset + i;
		u32 b = at < len ? (img >> (8 * at)) & 0xff : 0xff;

		val |= b << (8 * i);
	}
	return val;
}

/* PM1_STS: write one to clear. Clearing TMR_STS restarts its epoch. */
static void acpipm_write_sts(struct vacpipm *pm, u16 val, u64 now)
{
	pm->sts &= (u16)~val;
	if (val & VACPIPM_TMR_STS)
		pm->tmr_epoch = acpipm_ticks(pm, now) >> TMR_STS_SHIFT;
}

/* PM1_CNT: store the readable bits of the bytes written; SLP_EN starts
 * the sleep with the SLP_TYP now in the register (ACPI 6.5 4.8.3.2.1). */
static void acpipm_write_cnt(struct vacpipm *pm, u16 val, u16 mask)
{
	pm->cnt = (u16)((pm->cnt & ~(mask & CNT_STORED)) | (val & mask & CNT_STORED));
	if (!(val & mask & VACPIPM_SLP_EN))
		return;
	pm->sleeps++;
	if (pm->sleep)
		pm->sleep(pm->ctx,
			  (u8)((pm->cnt & VACPIPM_SLP_TYP_MASK) >> VACPIPM_SLP_TYP_SHIFT));
	pm->sts |= VACPIPM_WAK_STS;
}

/* Turn a write of size bytes at offset into a value and byte mask over
 * the block image (bytes past the block dropped). */
static u32 acpipm_write_mask(u8 len, u8 offset, u8 size, u32 *val)
{
	u32 mask = 0, v = 0;

	for (u8 i = 0; i < size && i < 4; i++) {
		u32 at = offset + i;

		if (at >= len)
			break;
		mask |= 0xffu << (8 * at);
		v |= ((*val >> (8 * i)) & 0xff) << (8 * at);
	}
	*val = v;
	return mask;
}

void vacpipm_io_write(struct vacpipm *pm, enum vacpipm_block block, u8 offset,
		      u8 size, u32 val, u64 now)
{
	u32 mask;

	if ((unsigned)block >= ARRAY_SIZE(block_len) || block == VACPIPM_TMR)
		return;
	mask = acpipm_write_mask(block_len[block], offset, size, &val);
	if (block == VACPIPM_CNT) {
		acpipm_write_cnt(pm, (u16)val, (u16)mask);
		return;
	}
	if (mask & 0xffff)
		acpipm_write_sts(pm, (u16)(val & mask), now);
	if (mask >> 16) {
		u16 m = (u16)(mask >> 16) & EN_DEFINED;

		pm->en = (u16)((pm->en & ~m) | ((val >> 16) & m));
	}
}

void vacpipm_power_button(struct vacpipm *pm)
{
	pm->sts |= VACPIPM_PWRBTN_STS;
}

bool vacpipm_sci(const struct vacpipm *pm, u64 now)
{
	u16 live = VACPIPM_TMR_STS | VACPIPM_PWRBTN_STS;

	return (acpipm_status(pm, now) & pm->en & live) != 0;
}

u64 vacpipm_next_event(const struct vacpipm *pm, u64 now)
{
	u64 toggle;

	if (vacpipm_sci(pm, now))
		return now;
	if (!(pm->en & VACPIPM_TMR_EN))
		return VDEV_NO_EVENT;
	toggle = (pm->tmr_epoch + 1) << TMR_STS_SHIFT;
	return pm->start + acpipm_muldiv(toggle, pm->tsc_hz, VACPIPM_TMR_HZ, true);
}
