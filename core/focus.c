/* Console input focus (see core/focus.h). */
#include "core/focus.h"
#include "core/console.h"
#include "core/log.h"
#include "core/monitor.h"
#include "core/vm.h"

#define MON_LINE 80

static struct {
	struct vm *vms;
	size_t n;
	size_t target;            /* 0: hypervisor, else index + 1 */
	bool escape;              /* Ctrl-A seen */
	u8 queue[FOCUS_QUEUE];    /* bytes for the focused guest not yet in its FIFO */
	u32 qhead, qlen;
	char line[MON_LINE];      /* monitor line being typed */
	u32 llen;
} focus;

static struct vm *focus_vm(void)
{
	if (!focus.target || focus.target > focus.n)
		return NULL;
	struct vm *vm = &focus.vms[focus.target - 1];
	return vm->state == VM_RUNNING ? vm : NULL;
}

static void focus_announce(void)
{
	struct vm *vm = focus_vm();
	if (vm)
		kprintf("console: input goes to guest %s (Ctrl-A 0: hypervisor, Ctrl-A n: next)\n",
			vm->name);
	else
		kprintf("console: input goes to the hypervisor (Ctrl-A 1-9: a guest)\n");
}

static void focus_set(size_t target, bool announce)
{
	focus.target = target <= focus.n ? target : 0;
	focus.qlen = 0;
	if (announce)
		focus_announce();
}

void focus_start(struct vm *vms, size_t n)
{
	focus.vms = vms;
	focus.n = n;
	focus.escape = false;
	focus.llen = 0;
	for (size_t i = 0; i < n; i++)
		if (vms[i].state == VM_RUNNING) {
			focus_set(i + 1, true);
			return;
		}
	focus_set(0, true);
}

/* The next running guest after the current one (wrapping), or none. */
static void focus_next(bool announce)
{
	for (size_t k = 1; k <= focus.n; k++) {
		size_t t = (focus.target + k - 1) % focus.n + 1;
		if (focus.vms[t - 1].state == VM_RUNNING) {
			focus_set(t, announce);
			return;
		}
	}
	focus_set(0, announce);
}

/* Move queued bytes into the focused guest's receive FIFO. */
static void focus_flush(void)
{
	struct vm *vm = focus_vm();
	while (vm && focus.qlen && vdev_uart_rx(&vm->uart, focus.queue[focus.qhead])) {
		focus.qhead = (focus.qhead + 1) % FOCUS_QUEUE;
		focus.qlen--;
	}
}

static void focus_to_guest(u8 c)
{
	if (focus.qlen == FOCUS_QUEUE)
		return;   /* the guest does not read its input: drop */
	focus.queue[(focus.qhead + focus.qlen) % FOCUS_QUEUE] = c;
	focus.qlen++;
	focus_flush();
}

/* Line editing for the monitor while guests run (echoed). */
static void focus_to_monitor(u8 c)
{
	if (c == '\r' || c == '\n') {
		kprintf("\n");
		focus.line[focus.llen] = 0;
		focus.llen = 0;
		monitor_exec(focus.line);
	} else if ((c == 0x7f || c == '\b') && focus.llen) {
		focus.llen--;
		kprintf("\b \b");
	} else if (c >= 0x20 && c < 0x7f && focus.llen + 1 < MON_LINE) {
		focus.line[focus.llen++] = (char)c;
		kprintf("%c", c);
	}
}

static void focus_escape_key(u8 c)
{
	focus.escape = false;
	if (c >= '0' && c <= '9')
		focus_set(c - '0', true);
	else if (c == 'n')
		focus_next(true);
	else if (c == FOCUS_ESCAPE && focus_vm())
		focus_to_guest(c);
}

static void focus_key(u8 c)
{
	if (focus.escape)
		focus_escape_key(c);
	else if (c == FOCUS_ESCAPE)
		focus.escape = true;
	else if (focus_vm())
		focus_to_guest(c);
	else
		focus_to_monitor(c);
}

void focus_poll(void)
{
	int c;
	if (!focus.vms)
		return;
	if (focus.target && !focus_vm())
		focus_next(false);     /* the focused guest ended: quietly to the next */
	focus_flush();
	while ((c = console_getc()) >= 0)
		focus_key((u8)c);
}
