/* ender: ends itself one of the ways a PC guest can, chosen by how=:
 *   poweroff    ACPI S5: PM1a_CNT from the FADT, SLP_TYP from the DSDT's \_S5
 *   reset-fadt  the FADT's reset register and value
 *   reset-cf9   reset control register 0xCF9 (0x06)
 *   reset-kbc   keyboard controller command 0xFE on port 0x64
 *   halt        CLI; HLT: nothing can ever wake it
 * The firmware tables are found the way an OS finds them: the RSDP by its
 * signature in 0xE0000-0xFFFFF, then the XSDT. Prints what it does first;
 * if it is still running afterwards it fails. */
#include "rt.h"

#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define SDT_HEADER 36

static const u8 *find_rsdp(void)
{
	for (u64 a = 0xe0000; a < 0x100000; a += 16)
		if (!rt_memcmp((const void *)a, "RSD PTR ", 8))
			return (const u8 *)a;
	return NULL;
}

static const u8 *find_table(const u8 *rsdp, const char *sig)
{
	const u8 *xsdt = (const u8 *)*(const u64 *)(rsdp + 24);
	u32 len = *(const u32 *)(xsdt + 4);
	for (u32 off = SDT_HEADER; off + 8 <= len; off += 8) {
		const u8 *t = (const u8 *)*(const u64 *)(xsdt + off);
		if (!rt_memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

/* The first element of \_S5's package: BytePrefix n, ZeroOp or OneOp. */
static int s5_type(const u8 *dsdt)
{
	u32 len = *(const u32 *)(dsdt + 4);
	for (u32 i = SDT_HEADER; i + 8 < len; i++) {
		if (rt_memcmp(dsdt + i, "_S5_", 4) || dsdt[i + 4] != 0x12)
			continue;
		const u8 *p = dsdt + i + 5;
		p += 1 + (*p >> 6);          /* PkgLength: lead byte + follow bytes */
		p++;                         /* NumElements */
		return *p == 0x0a ? p[1] : *p == 0x01 ? 1 : 0;
	}
	return -1;
}

static void poweroff(void)
{
	const u8 *rsdp = find_rsdp();
	const u8 *fadt = rsdp ? find_table(rsdp, "FACP") : NULL;
	if (!fadt) {
		rt_printf("FAIL: ender: no FADT\n");
		return;
	}
	u16 cnt = (u16)*(const u32 *)(fadt + FADT_PM1A_CNT);
	int typ = s5_type((const u8 *)(u64)*(const u32 *)(fadt + FADT_DSDT));
	rt_printf("ender: ACPI S5: SLP_TYP %d to PM1a_CNT 0x%x\n", typ, cnt);
	rt_outw(cnt, (u16)((typ << 10) | (1 << 13)));
}

static void reset_fadt(void)
{
	const u8 *rsdp = find_rsdp();
	const u8 *fadt = rsdp ? find_table(rsdp, "FACP") : NULL;
	if (!fadt) {
		rt_printf("FAIL: ender: no FADT\n");
		return;
	}
	u16 port = (u16)*(const u64 *)(fadt + FADT_RESET_REG + 4);
	u8 val = fadt[FADT_RESET_VALUE];
	rt_printf("ender: FADT reset register: 0x%x to port 0x%x\n", val, port);
	rt_outb(port, val);
}

int main(const char *cmdline)
{
	char how[16] = "";

	rt_opt_str(cmdline, "how", how, sizeof(how));
	rt_printf("ender: how=%s\n", how);
	if (!rt_strcmp(how, "poweroff"))
		poweroff();
	else if (!rt_strcmp(how, "reset-fadt"))
		reset_fadt();
	else if (!rt_strcmp(how, "reset-cf9"))
		rt_outb(0xcf9, 0x06);
	else if (!rt_strcmp(how, "reset-kbc"))
		rt_outb(0x64, 0xfe);
	else if (!rt_strcmp(how, "halt"))
		asm volatile("cli; hlt");
	rt_printf("FAIL: ender: still running after how=%s\n", how);
	return 1;
}
