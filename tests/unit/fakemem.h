/* Fake physical memory for host unit tests: a page-aligned malloc'd buffer
 * that phys_window points at, so hpa 0 is its first byte, plus a helper
 * that checks a call panics (stubs.c's panic aborts; we run it in a child). */
#ifndef TESTS_UNIT_FAKEMEM_H
#define TESTS_UNIT_FAKEMEM_H

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/addr.h"
#include "mm/frame.h"

#define FAKEMEM_SIZE (64 * MiB)
#define FAKEMEM_LOW (1 * MiB)   /* below this: "firmware", never usable */

/* Allocate size bytes of zeroed fake memory and point phys_window at it. */
static inline void *fakemem_create(u64 size)
{
	void *m = aligned_alloc(PAGE_SIZE, size);
	if (!m)
		abort();
	memset(m, 0, size);
	phys_window = (u64)(uintptr_t)m;
	return m;
}

static inline void fakemem_destroy(void *m)
{
	free(m);
	phys_window = 0;
}

/* Fake memory with [FAKEMEM_LOW, FAKEMEM_SIZE) handed to frame_init(). */
static inline void *fakemem_with_frames(void)
{
	void *m = fakemem_create(FAKEMEM_SIZE);
	struct mem_range r = { FAKEMEM_LOW, FAKEMEM_SIZE };
	if (frame_init(&r, 1))
		abort();
	return m;
}

/* True if fn(arg) panics (aborts) when run in a child process. */
static inline bool fakemem_panics(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		fn(arg);
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

#endif
