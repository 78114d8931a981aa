/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * --churn RATE: address-space churn while packets flow.
 *
 * A control thread allocates RATE windows per second from the same space
 * as the packet pools, half of them block windows (rte_vmap_block_alloc),
 * and frees a random live one whenever it holds CHURN_MAX_LIVE windows or
 * CHURN_MAX_BYTES: a steady stream of frees that fills the lazy lists and
 * makes the library purge (unmap, flush) while the forwarding lcores use
 * their mbufs. Every new window is touched at both ends and its IOVA
 * checked (through the sim IOMMU when the space uses it).
 *
 * Where it runs: on an EAL worker lcore that polls no queue, if there is
 * one; otherwise on a thread of its own registered with
 * rte_thread_register(), so that it has an lcore id and its own block
 * cache. That thread shares the main lcore's CPU, which only wakes up for
 * the statistics.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_random.h>
#include <rte_vmap_iommu_sim.h>

#include "fwd.h"

#define CHURN_MAX_LIVE    32
#define CHURN_MAX_BYTES   (UINT64_C(32) << 20)
#define CHURN_TICK_US     1000  /* sleep between rounds */
#define CHURN_MAX_BACKLOG 256   /* operations one round may catch up */
#define CHURN_PAGE        RTE_VMAP_PAGE_4K

struct churn_window {
	void *va;
	size_t size;
	bool block;
};

/* Only the churn thread touches these. */
static struct churn_window live[CHURN_MAX_LIVE];
static unsigned int nb_live;
static uint64_t live_bytes;
static size_t block_max;

/* Written by the churn thread, read by the statistics (relaxed). */
static struct fwd_churn_stats churn;

static volatile bool churn_stop;
static bool churn_running;
static bool churn_on_thread;
static pthread_t churn_thread_id;
static unsigned int churn_lcore = LCORE_ID_ANY;
static char churn_where_text[64] = "off";

static inline void
bump(uint64_t *counter, int64_t delta)
{
	__atomic_store_n(counter, *counter + delta, __ATOMIC_RELAXED);
}

/*
 * Normal windows: mostly what the node pools serve (4 KiB .. 1 MiB,
 * log-uniform), one in 16 from 1 to 4 MiB through the free tree. Block
 * windows: 4 KiB .. rte_vmap_block_max(), uniform in pages.
 */
static size_t
churn_size(bool block)
{
	uint64_t r = rte_rand();
	size_t size;

	if (block)
		return (1 + r % (block_max / CHURN_PAGE)) * CHURN_PAGE;
	if (r % 16 == 0)
		return (256 + (r >> 8) % 769) * CHURN_PAGE;
	size = CHURN_PAGE << ((r >> 8) % 9);
	return size + ((r >> 16) % (size / CHURN_PAGE)) * CHURN_PAGE / 2;
}

/* One end of a new window: writable, and its IOVA leads back to it. */
static bool
churn_check_byte(char *p)
{
	rte_iova_t iova = rte_vmap_virt2iova(fwd_vm, p);
	void *back = NULL;

	*(volatile char *)p = 1;
	if (iova == RTE_BAD_IOVA)
		return false;
	if (fwd_iommu_sim &&
			(rte_vmap_iommu_sim_translate(fwd_vm, iova, &back) != 0 || back != p))
		return false;
	return true;
}

static void
churn_free_one(unsigned int i)
{
	struct churn_window *w = &live[i];
	int ret;

	if (w->block)
		ret = rte_vmap_block_free(fwd_vm, w->va, w->size);
	else
		ret = rte_vmap_free(fwd_vm, w->va);
	if (ret != 0)
		bump(&churn.free_fails, 1);
	else
		bump(&churn.frees, 1);
	live_bytes -= w->size;
	bump(&churn.live, -1);
	bump(&churn.live_bytes, -(int64_t)w->size);
	*w = live[--nb_live];
}

static void
churn_once(void)
{
	bool block = block_max >= CHURN_PAGE && (rte_rand() & 1) != 0;
	size_t size = churn_size(block);
	struct churn_window *w;
	void *va;

	/* Room first: free random live windows. */
	while (nb_live > 0 && (nb_live == CHURN_MAX_LIVE || live_bytes + size > CHURN_MAX_BYTES))
		churn_free_one(rte_rand() % nb_live);
	if (block)
		va = rte_vmap_block_alloc(fwd_vm, size);
	else
		va = rte_vmap_alloc(fwd_vm, size, 0, SOCKET_ID_ANY);
	if (va == NULL) {
		bump(&churn.alloc_fails, 1);
		return;
	}
	if (!churn_check_byte(va) || !churn_check_byte((char *)va + size - 1))
		bump(&churn.iova_faults, 1);
	w = &live[nb_live++];
	w->va = va;
	w->size = size;
	w->block = block;
	bump(&churn.allocs, 1);
	bump(&churn.block_allocs, block);
	live_bytes += size;
	bump(&churn.live, 1);
	bump(&churn.live_bytes, size);
}

/* RATE operations per second, in rounds of a millisecond. */
static int
churn_run(__rte_unused void *arg)
{
	uint64_t hz = rte_get_timer_hz(), start = rte_get_timer_cycles(), done = 0;

	block_max = rte_vmap_block_max(fwd_vm);
	while (!churn_stop && !fwd_quitting()) {
		double secs = (double)(rte_get_timer_cycles() - start) / hz;
		uint64_t due = (uint64_t)(secs * fwd_opt.churn_rate);

		/* After a stall, catch up a little, not with a storm. */
		if (due > done + CHURN_MAX_BACKLOG)
			done = due - CHURN_MAX_BACKLOG;
		for (; done < due && !churn_stop; done++)
			churn_once();
		rte_delay_us_sleep(CHURN_TICK_US);
	}
	while (nb_live > 0)
		churn_free_one(nb_live - 1);
	return 0;
}

static void *
churn_thread(__rte_unused void *arg)
{
	if (rte_thread_register() != 0)
		printf("vmap-fwd: churn: rte_thread_register: %s; running without an lcore id"
			" (block windows take the shared path)\n", rte_strerror(rte_errno));
	else
		snprintf(churn_where_text, sizeof(churn_where_text),
			"registered thread, lcore %u", rte_lcore_id());
	churn_run(NULL);
	rte_thread_unregister();
	return NULL;
}

/* An EAL worker that polls no queue, or LCORE_ID_ANY. */
static unsigned int
idle_worker(void)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
		if (!fwd_lcore_has_work(lcore))
			return lcore;
	return LCORE_ID_ANY;
}

void
fwd_churn_start(void)
{
	int ret;

	if (fwd_opt.churn_rate == 0)
		return;
	churn_stop = false;
	churn_lcore = idle_worker();
	if (churn_lcore != LCORE_ID_ANY) {
		ret = rte_eal_remote_launch(churn_run, NULL, churn_lcore);
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "churn: cannot launch on lcore %u\n", churn_lcore);
		snprintf(churn_where_text, sizeof(churn_where_text), "EAL lcore %u",
			churn_lcore);
	} else {
		snprintf(churn_where_text, sizeof(churn_where_text), "thread");
		ret = pthread_create(&churn_thread_id, NULL, churn_thread, NULL);
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "churn: pthread_create: %s\n", strerror(ret));
		churn_on_thread = true;
	}
	churn_running = true;
	printf("vmap-fwd: churn: %u windows/s on %s\n", fwd_opt.churn_rate,
		churn_lcore != LCORE_ID_ANY ? churn_where_text : "a control thread");
}

/* Stop the churn and free what it holds; the counters stay readable. */
void
fwd_churn_stop(void)
{
	if (!churn_running)
		return;
	churn_stop = true;
	if (churn_on_thread)
		pthread_join(churn_thread_id, NULL);
	else
		rte_eal_wait_lcore(churn_lcore);
	churn_running = false;
}

void
fwd_churn_stats_get(struct fwd_churn_stats *st)
{
	st->allocs = fwd_read(&churn.allocs);
	st->block_allocs = fwd_read(&churn.block_allocs);
	st->frees = fwd_read(&churn.frees);
	st->alloc_fails = fwd_read(&churn.alloc_fails);
	st->free_fails = fwd_read(&churn.free_fails);
	st->iova_faults = fwd_read(&churn.iova_faults);
	st->live = fwd_read(&churn.live);
	st->live_bytes = fwd_read(&churn.live_bytes);
}

const char *
fwd_churn_where(void)
{
	return churn_where_text;
}
