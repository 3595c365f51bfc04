/* The serial console monitor: a `pagevisor>` prompt with a few commands. */
#ifndef CORE_MONITOR_H
#define CORE_MONITOR_H

/* Serve the prompt forever (the boot CPU's idle loop for now). */
__attribute__((noreturn)) void monitor_run(void);

/* Run one command line (also while guests run, from the console focus). */
void monitor_exec(const char *line);

#endif
