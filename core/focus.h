/* Console input focus: keystrokes from the hypervisor's serial console go
 * to one guest's COM1 (its receive FIFO and interrupt) or to the
 * hypervisor's own monitor. Ctrl-A then a key switches:
 *   Ctrl-A 1..9   guest number 1..9      Ctrl-A n   next guest
 *   Ctrl-A 0      the hypervisor monitor  Ctrl-A Ctrl-A  a literal Ctrl-A
 * The first guest has the focus when guests start. */
#ifndef CORE_FOCUS_H
#define CORE_FOCUS_H

#include "core/types.h"

struct vm;

#define FOCUS_ESCAPE 0x01      /* Ctrl-A */
#define FOCUS_QUEUE 256        /* bytes kept per guest while its FIFO is full */

/* Guests vms[0..n) start running: give the first one the focus. */
void focus_start(struct vm *vms, size_t n);

/* Read whatever the console has received and deliver it; also move
 * queued bytes into guest FIFOs that have room again. Cheap when idle. */
void focus_poll(void);

#endif
