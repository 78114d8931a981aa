/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * LD_PRELOAD shim for ThreadSanitizer runs of dpdk-vmap-test: it tells
 * TSan about the one synchronisation DPDK's launch API does that TSan
 * cannot see.
 *
 * A worker lcore ends a launched function with a release store of its
 * state (WAIT) in librte_eal.so, and rte_eal_wait_lcore() returns after an
 * acquire load of it: everything the function wrote happens before what
 * the main lcore does after the wait. librte_eal.so is not instrumented,
 * so TSan misses that edge and reports every read, after the wait, of what
 * a worker wrote (as a race with the worker). The launch direction needs
 * nothing: EAL wakes the worker through a pipe, and TSan models write() ->
 * read() on a pipe.
 *
 * The shim wraps the launch calls: the function runs in a trampoline that
 * ends with __tsan_release() on the lcore's token, and the waits end with
 * __tsan_acquire() on it: the same edge, made visible. It adds no
 * synchronisation of its own, so it hides no race of the code under test.
 *
 * Built only in a build with -Db_sanitize=thread (test/tsan/meson.build);
 * devtools/run-tests.sh preloads it for the TSan tests. It is itself
 * neither instrumented nor linked with DPDK (its DPDK calls are looked up
 * when made), and the TSan hooks are weak: TSan's symbolizer, a child
 * process that inherits LD_PRELOAD, loads it as a no-op.
 */

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_launch.h>
#include <rte_lcore.h>

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

struct launch_ctx {
	lcore_function_t *f;
	void *arg;
	char token;
} __rte_cache_aligned;

static struct launch_ctx launch[RTE_MAX_LCORE];

typedef int (remote_launch_t)(lcore_function_t *f, void *arg, unsigned int worker_id);
typedef int (wait_lcore_t)(unsigned int worker_id);
typedef unsigned int (next_lcore_t)(unsigned int i, int skip_main, int wrap);
typedef enum rte_lcore_state_t (lcore_state_t)(unsigned int worker_id);

static void *
real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL) {
		fprintf(stderr, "tsan_lcore_sync: %s not found: %s\n", name, dlerror());
		abort();
	}
	return fn;
}

static int
trampoline(void *arg)
{
	struct launch_ctx *ctx = arg;
	int ret = ctx->f(ctx->arg);

	/* What the worker did happens before the state store EAL makes next. */
	if (__tsan_release != NULL)
		__tsan_release(&ctx->token);
	return ret;
}

int
rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned int worker_id)
{
	static remote_launch_t *next;

	if (next == NULL)
		next = (remote_launch_t *)real("rte_eal_remote_launch");
	if (worker_id >= RTE_MAX_LCORE)
		return next(f, arg, worker_id);
	/* Published to the worker by EAL's pipe write, which TSan sees. */
	launch[worker_id].f = f;
	launch[worker_id].arg = arg;
	return next(trampoline, &launch[worker_id], worker_id);
}

int
rte_eal_wait_lcore(unsigned int worker_id)
{
	static wait_lcore_t *next;
	int ret;

	if (next == NULL)
		next = (wait_lcore_t *)real("rte_eal_wait_lcore");
	ret = next(worker_id);
	if (worker_id < RTE_MAX_LCORE && __tsan_acquire != NULL)
		__tsan_acquire(&launch[worker_id].token);
	return ret;
}

/*
 * The mp variants, as EAL has them (eal_common_launch.c), on top of the two
 * above: EAL's own calls between its functions may not go through the PLT.
 */
static next_lcore_t *next_lcore;

static unsigned int
first_worker(void)
{
	if (next_lcore == NULL)
		next_lcore = (next_lcore_t *)real("rte_get_next_lcore");
	return next_lcore(-1, 1, 0);
}

static unsigned int
next_worker(unsigned int i)
{
	return next_lcore(i, 1, 0);
}

int
rte_eal_mp_remote_launch(lcore_function_t *f, void *arg, enum rte_rmt_call_main_t call_main)
{
	static lcore_state_t *state;
	unsigned int i;

	if (state == NULL)
		state = (lcore_state_t *)real("rte_eal_get_lcore_state");
	for (i = first_worker(); i < RTE_MAX_LCORE; i = next_worker(i))
		if (state(i) != WAIT)
			return -EBUSY;
	for (i = first_worker(); i < RTE_MAX_LCORE; i = next_worker(i))
		rte_eal_remote_launch(f, arg, i);
	/* EAL also keeps the main lcore's return value; nothing reads it here. */
	if (call_main == CALL_MAIN)
		f(arg);
	return 0;
}

void
rte_eal_mp_wait_lcore(void)
{
	unsigned int i;

	for (i = first_worker(); i < RTE_MAX_LCORE; i = next_worker(i))
		rte_eal_wait_lcore(i);
}
