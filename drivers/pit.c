/* 8254 PIT channel 2 as a polled one-shot (Intel 82C54 datasheet; port 0x61
 * is the PC/AT "system control port B": bit 0 gates channel 2, bit 1 connects
 * the speaker, bit 5 reads OUT2). */
#include "drivers/pit.h"
#include "core/cpu.h"

#define PIT_CH2_DATA 0x42
#define PIT_MODE_CMD 0x43
#define PORT_B       0x61

#define PORTB_GATE2   BIT(0)
#define PORTB_SPEAKER BIT(1)
#define PORTB_OUT2    BIT(5)

/* Control word: channel 2 (10), access lobyte/hibyte (11), mode 0 (000),
 * binary (0). */
#define PIT_CMD_CH2_MODE0 0xb0

/* Polls of port 0x61 allowed per expected tick before giving up. Each poll
 * is an I/O exit in an emulator, so this is a generous upper bound. */
#define PIT_POLLS_PER_TICK 1000

void pit_oneshot_start(u16 ticks)
{
	if (!ticks)
		ticks = 1;
	/* Gate high with the speaker off. In mode 0 writing the control word
	 * drives OUT low; counting starts on the clock after the count is
	 * written, and OUT goes high at terminal count. */
	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	outb(PIT_MODE_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2_DATA, ticks & 0xff);
	outb(PIT_CH2_DATA, ticks >> 8);
}

bool pit_oneshot_expired(void)
{
	return inb(PORT_B) & PORTB_OUT2;
}

bool pit_oneshot_wait(u64 max_polls)
{
	for (u64 i = 0; i < max_polls; i++)
		if (pit_oneshot_expired())
			return true;
	return false;
}

void pit_wait_us(u64 us)
{
	u64 ticks = pit_us_to_ticks(us);

	while (ticks) {
		u16 chunk = MIN(ticks, PIT_MAX_TICKS);
		pit_oneshot_start(chunk);
		if (!pit_oneshot_wait((u64)chunk * PIT_POLLS_PER_TICK))
			return;   /* no PIT: do not hang the machine */
		ticks -= chunk;
	}
}
