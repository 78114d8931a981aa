/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_block_lcore_autotest: blocks owned by one lcore and used from
 * others.
 *
 * - the kernel's block bugs as regressions: the wrong queue's lock for a
 *   block found through another lcore's table (2024), a block visible
 *   before it is initialised (3e3de7947c75), the hash over a sparse lcore
 *   set (CVE-2024-41032);
 * - cross-lcore free storms under purges;
 * - the shared path (RTE_VMAP_F_NO_LCORE_CACHE, non-EAL threads) and an
 *   lcore that registers, allocates and leaves.
 *
 * The recording driver of rec_iommu.h checks every map, unmap and
 * flush; rte_vmap_verify() runs after every case and inside the long ones.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "block_harness.h"
#include "vmap_test_util.h"

/* ---- the kernel's block bugs across lcores ------------------------------- */

/*
 * 2024: a block found through lcore A's table but owned by lcore B must be
 * handled with B's state (the kernel took A's queue lock and corrupted its
 * list). The worker owns blocks hashed to both tables; the main lcore frees
 * and purges through the tables, takes the worker's idle block away; the
 * worker then allocates on, and every structure stays consistent.
 */
static int
test_block_owner_state_not_table(void)
{
	struct rte_vmap *vm = blk_space("blk_owner", 0, RTE_VMAP_IOVA_VA, true);
	unsigned int per_block = VMAP_BLOCK_GRANULES / 16, n = 5 * per_block, i, tables = 0;
	struct rte_vmap_stats st;
	struct blk_remote_alloc ra;
	void **w = calloc(n, sizeof(*w));
	const struct vmap_block *b;
	uintptr_t last;

	TEST_ASSERT(vm != NULL && w != NULL, "setup");
	/* 64 KiB windows: 16 per block, five blocks, hashed over both tables. */
	ra = (struct blk_remote_alloc){ vm, w, n, 16 * PAGE_4K, -1 };
	TEST_ASSERT_SUCCESS(blk_on_worker(blk_remote_alloc_fn, &ra), "launch");
	TEST_ASSERT_SUCCESS(ra.ret, "worker allocs");
	for (i = 0; i < n; i += per_block) {
		b = vm->blocks->zone_map[vmap_block_zone(vm->blocks, (uintptr_t)w[i])];
		TEST_ASSERT(b != NULL && b->owner == blk_worker_lcore(), "block of the worker");
		tables |= 1u << (b->table == rte_get_main_lcore());
	}
	TEST_ASSERT_EQUAL(tables, 3u, "the worker's blocks are in one table only");
	VMAP_TEST_VERIFY(vm);
	/* The main lcore frees all but the last window of every block, then purges. */
	for (i = 0; i < n; i++)
		if (i % per_block != per_block - 1 || i == n - 1)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * PAGE_4K), "free %u",
				i);
	last = (uintptr_t)w[n - 1];
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	/* The worker's active (last) block was full and idle: taken by the purge. */
	if (vm->blocks->barrier)
		TEST_ASSERT_EQUAL(st.nr_blocks, 4u, "blocks after the purge: %" PRIu64,
			st.nr_blocks);
	TEST_ASSERT_EQUAL(st.nr_windows, 4u, "windows %" PRIu64, st.nr_windows);
	/* The worker allocates on: a new block, its queue intact. */
	ra = (struct blk_remote_alloc){ vm, w, per_block, 16 * PAGE_4K, -1 };
	TEST_ASSERT_SUCCESS(blk_on_worker(blk_remote_alloc_fn, &ra), "launch");
	TEST_ASSERT_SUCCESS(ra.ret, "worker allocs after the purge");
	/* A new block (its host may be the taken one's: it was flushed and pooled). */
	TEST_ASSERT_EQUAL((uintptr_t)w[0] % BLK, 0, "the taken block was carved again");
	RTE_SET_USED(last);
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < per_block; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * PAGE_4K), "free");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "driver saw violations");
	free(w);
	return TEST_SUCCESS;
}

/* 3e3de7947c75: readers walk the tables while the worker publishes blocks. */
struct publish_race {
	struct rte_vmap *vm;
	uint64_t deadline;
	uint32_t done;
	uint64_t blocks;
	int ret;
};

static int
publish_fn(void *arg)
{
	struct publish_race *pr = arg;
	void *w[4];
	unsigned int i;

	while (rte_get_timer_cycles() < pr->deadline) {
		/* Four block-max windows fill a block: a new one every round. */
		for (i = 0; i < RTE_DIM(w); i++) {
			w[i] = rte_vmap_block_alloc(pr->vm, VMAP_BLOCK_MAX);
			if (w[i] == NULL) {
				pr->ret = -1;
				goto out;
			}
		}
		for (i = 0; i < RTE_DIM(w); i++)
			if (rte_vmap_block_free(pr->vm, w[i], VMAP_BLOCK_MAX) != 0)
				pr->ret = -1;
		pr->blocks++;
	}
out:
	__atomic_store_n(&pr->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
test_block_published_initialised(void)
{
	/* A flush to owe: every round makes a new block (none is reset in place). */
	struct rte_vmap *vm = blk_space_drv("blk_publish", 0, RTE_VMAP_IOVA_DOMAIN,
		"test_blk_flush");
	struct publish_race pr = { .vm = vm };
	struct rte_vmap_window w;
	struct rte_vmap_stats st;
	FILE *devnull = fopen("/dev/null", "w");
	uint64_t x = 77, reads = 0;

	TEST_ASSERT(vm != NULL && devnull != NULL, "setup");
	pr.deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 4;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(publish_fn, &pr, blk_worker_lcore()), "launch");
	while (!__atomic_load_n(&pr.done, __ATOMIC_ACQUIRE)) {
		/* Every walker of the tables: purge, stats, find, dump. */
		rte_vmap_purge(vm);
		rte_vmap_stats_get(vm, &st);
		rte_vmap_find(vm, (char *)vm->map_base + vmap_test_rand(&x) % (64 * BLK), &w);
		if (++reads % 16 == 0)
			rte_vmap_dump(devnull, vm);
	}
	rte_eal_wait_lcore(blk_worker_lcore());
	fclose(devnull);
	TEST_ASSERT_SUCCESS(pr.ret, "worker failed");
	printf("  %" PRIu64 " blocks published against %" PRIu64 " walks\n", pr.blocks, reads);
	TEST_ASSERT(pr.blocks > 16, "too few blocks for a race");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* CVE-2024-41032: the hash never names an lcore outside the set. */
static int
test_block_hash_sparse_lcores(void)
{
	static const uint16_t sets[][4] = {
		{ 0 }, { 0, 1 }, { 1 }, { 0, 5 }, { 3, 7, 64 }, { 127 }, { 0, 127 }, { 2, 3, 126 },
	};
	static const unsigned int lens[] = { 1, 2, 1, 2, 3, 1, 2, 3 };
	uint16_t slot_table[RTE_MAX_LCORE];
	bool enabled[RTE_MAX_LCORE];
	unsigned int i, k, s, nr, hits[RTE_MAX_LCORE];
	uint64_t x = 5, zone;

	for (i = 0; i < RTE_DIM(sets) + 16; i++) {
		memset(enabled, 0, sizeof(enabled));
		if (i < RTE_DIM(sets))
			for (k = 0; k < lens[i]; k++)
				enabled[sets[i][k]] = true;
		else
			for (k = 0; k < 1 + vmap_test_rand(&x) % 6; k++)
				enabled[vmap_test_rand(&x) % RTE_MAX_LCORE] = true;
		nr = vmap_block_slots_build(enabled, slot_table);
		TEST_ASSERT(nr >= 1 && nr <= RTE_MAX_LCORE && enabled[nr - 1], "nr_slots %u", nr);
		for (s = 0; s < nr; s++) {
			TEST_ASSERT(enabled[slot_table[s]] && slot_table[s] >= s,
				"slot %u -> lcore %u, not in the set", s, slot_table[s]);
			for (k = s; k < slot_table[s]; k++)
				TEST_ASSERT(!enabled[k], "slot %u skips lcore %u", s, k);
		}
		memset(hits, 0, sizeof(hits));
		for (k = 0; k < 4096; k++) {
			zone = vmap_test_rand(&x) >> 20;
			hits[slot_table[zone % nr]]++;
		}
		for (k = 0; k < RTE_MAX_LCORE; k++)
			TEST_ASSERT(hits[k] == 0 || enabled[k], "zone hashed to lcore %u", k);
	}
	return TEST_SUCCESS;
}

/* ---- cross-lcore free storm ------------------------------------------------ */

#define STORM_SLOTS 64

struct storm {
	struct rte_vmap *vm;
	uint64_t deadline;
	uintptr_t slot[2][STORM_SLOTS]; /* [side]: windows side gives away */
	uint64_t freed[2];
	uint32_t stop;
	int ret[2];
};

/* A window's own description, for a thread that did not allocate it. */
static void
win_stamp(void *p, size_t size)
{
	uint64_t *w = p;

	w[0] = size;
	w[blk_pages_of(size) * PAGE_4K / 8 - 1] = ~(uint64_t)(uintptr_t)p;
}

static int
win_unstamp(void *p, size_t *size)
{
	uint64_t *w = p;

	*size = w[0];
	if (*size == 0 || *size > VMAP_BLOCK_MAX ||
			w[blk_pages_of(*size) * PAGE_4K / 8 - 1] != ~(uint64_t)(uintptr_t)p)
		return -1;
	return 0;
}

static int
storm_side(struct storm *s, unsigned int side)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (side + 1);
	unsigned int i, round = 0;
	uintptr_t va;
	size_t size;
	void *p;

	while (rte_get_timer_cycles() < s->deadline && !__atomic_load_n(&s->stop,
			__ATOMIC_RELAXED)) {
		/* The main lcore purges now and then, under the other's frees. */
		if (side == 0 && ++round % 512 == 0 && rte_vmap_purge(s->vm) != 0)
			goto fail;
		/* Give: A allocates ... */
		i = vmap_test_rand(&x) % STORM_SLOTS;
		if (__atomic_load_n(&s->slot[side][i], __ATOMIC_ACQUIRE) == 0) {
			size = blk_rnd_size(&x, VMAP_BLOCK_MAX);
			p = rte_vmap_block_alloc(s->vm, size);
			if (p == NULL)
				goto fail;
			win_stamp(p, size);
			__atomic_store_n(&s->slot[side][i], (uintptr_t)p, __ATOMIC_RELEASE);
		}
		/* ... and B frees. */
		i = vmap_test_rand(&x) % STORM_SLOTS;
		va = __atomic_exchange_n(&s->slot[side ^ 1][i], 0, __ATOMIC_ACQ_REL);
		if (va == 0)
			continue;
		if (win_unstamp((void *)va, &size) != 0 ||
				rte_vmap_virt2iova(s->vm, (void *)va) == RTE_BAD_IOVA ||
				rte_vmap_block_free(s->vm, (void *)va, size) != 0)
			goto fail;
		s->freed[side]++;
	}
	return 0;
fail:
	printf("  storm side %u failed\n", side);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	s->ret[side] = -1;
	return -1;
}

static int
storm_worker(void *arg)
{
	return storm_side(arg, 1);
}

static int
storm_run(struct rte_vmap *vm, unsigned int ms)
{
	struct storm *s = calloc(1, sizeof(*s));
	struct rte_vmap_stats st;
	unsigned int side, i;
	size_t size;

	TEST_ASSERT_NOT_NULL(s, "no memory");
	s->vm = vm;
	s->deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(storm_worker, s, blk_worker_lcore()), "launch");
	storm_side(s, 0);
	rte_eal_wait_lcore(blk_worker_lcore());
	TEST_ASSERT(s->ret[0] == 0 && s->ret[1] == 0, "storm failed");
	printf("  cross-lcore frees: %" PRIu64 " by the main lcore, %" PRIu64 " by the worker\n",
		s->freed[0], s->freed[1]);
	TEST_ASSERT(s->freed[0] > 100 && s->freed[1] > 100, "too few frees");
	VMAP_TEST_VERIFY(vm);
	for (side = 0; side < 2; side++) {
		for (i = 0; i < STORM_SLOTS; i++) {
			void *va = (void *)s->slot[side][i];

			if (va == NULL)
				continue;
			TEST_ASSERT_SUCCESS(win_unstamp(va, &size), "pattern");
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, va, size), "drain");
		}
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_windows == 0 && st.va_used == 0 && st.va_lazy == 0,
		"after the storm: %" PRIu64 " windows, va_lazy %" PRIu64, st.nr_windows,
		st.va_lazy);
	/* What stays: at most the active block of each lcore. */
	TEST_ASSERT(st.nr_blocks <= 2, "%" PRIu64 " blocks left", st.nr_blocks);
	VMAP_TEST_VERIFY(vm);
	free(s);
	return TEST_SUCCESS;
}

static int
test_block_cross_lcore_free_storm(void)
{
	struct rte_vmap *vm;

	vm = blk_space("blk_storm", 0, RTE_VMAP_IOVA_VA, false);
	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT_SUCCESS(storm_run(vm, 300), "VA, no driver");
	rte_vmap_destroy(vm);
	vm = blk_space("blk_storm_rec", 0, RTE_VMAP_IOVA_DOMAIN, true);
	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT_SUCCESS(storm_run(vm, 300), "DOMAIN, recording driver");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation after the storm's purge");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "driver saw violations");
	return TEST_SUCCESS;
}

/* ---- the shared path -------------------------------------------------------- */

static int
shared_path_window(struct rte_vmap *vm, void *p)
{
	struct rte_vmap_window w;

	TEST_ASSERT_NOT_NULL(p, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, p, &w), "find");
	TEST_ASSERT_EQUAL(w.from_block, 1, "from_block");
	/* Not inside a per-lcore block. */
	TEST_ASSERT(vm->blocks == NULL ||
		vm->blocks->zone_map[vmap_block_zone(vm->blocks, (uintptr_t)p)] == NULL,
		"a shared-path window inside a block");
	return TEST_SUCCESS;
}

static int
test_block_no_lcore_cache_shared_path(void)
{
	struct rte_vmap *vm = blk_space("blk_nocache", RTE_VMAP_F_NO_LCORE_CACHE,
		RTE_VMAP_IOVA_VA, true);
	struct rte_vmap_stats st;
	void *w[32];
	unsigned int i;
	int level = rte_log_get_level(vmap_logtype);

	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT_NULL(vm->blocks, "block caches with NO_LCORE_CACHE");
	for (i = 0; i < RTE_DIM(w); i++) {
		w[i] = rte_vmap_block_alloc(vm, (i % 8 + 1) * PAGE_4K);
		TEST_ASSERT_SUCCESS(shared_path_window(vm, w[i]), "window %u", i);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.nr_windows == RTE_DIM(w), "stats: %" PRIu64
		" blocks %" PRIu64 " windows", st.nr_blocks, st.nr_windows);
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, w[1], 4 * PAGE_4K), -EINVAL, "wrong size");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, w[1]), -EINVAL, "block window to rte_vmap_free");
	rte_log_set_level(vmap_logtype, level);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], (i % 8 + 1) * PAGE_4K), "free");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, w[0], PAGE_4K), -ENOENT, "double free");
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

struct thread_job {
	struct rte_vmap *vm;
	void *mine;      /* an lcore's block window the thread frees */
	void *p[8];
	unsigned int lcore;
	bool register_lcore;
	int ret;
};

/* A plain pthread: no lcore id, so the shared path. */
static void *
non_eal_fn(void *arg)
{
	struct thread_job *tj = arg;
	unsigned int i;

	tj->lcore = rte_lcore_id();
	for (i = 0; i < RTE_DIM(tj->p); i++)
		tj->p[i] = rte_vmap_block_alloc(tj->vm, (i + 1) * PAGE_4K);
	tj->ret = rte_vmap_block_free(tj->vm, tj->mine, PAGE_4K);
	return NULL;
}

static int
test_block_non_eal_thread_shared_path(void)
{
	struct rte_vmap *vm = blk_space("blk_noneal", 0, RTE_VMAP_IOVA_VA, true);
	struct thread_job tj = { .vm = vm };
	struct rte_vmap_stats st0, st1;
	pthread_t t;
	unsigned int i;
	void *mine;

	TEST_ASSERT_NOT_NULL(vm, "create");
	mine = rte_vmap_block_alloc(vm, PAGE_4K);
	TEST_ASSERT_NOT_NULL(mine, "alloc");
	tj.mine = rte_vmap_block_alloc(vm, PAGE_4K);
	TEST_ASSERT_NOT_NULL(tj.mine, "alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats");
	TEST_ASSERT_SUCCESS(pthread_create(&t, NULL, non_eal_fn, &tj), "pthread_create");
	pthread_join(t, NULL);
	TEST_ASSERT_EQUAL(tj.lcore, (unsigned int)LCORE_ID_ANY, "the thread has an lcore id");
	TEST_ASSERT_SUCCESS(tj.ret, "a non-EAL thread freeing an lcore's block window");
	for (i = 0; i < RTE_DIM(tj.p); i++)
		TEST_ASSERT_SUCCESS(shared_path_window(vm, tj.p[i]), "window %u", i);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st1), "stats");
	TEST_ASSERT(st1.nr_blocks == st0.nr_blocks &&
		st1.nr_windows == st0.nr_windows + RTE_DIM(tj.p) - 1, "stats");
	VMAP_TEST_VERIFY(vm);
	/* An lcore frees the thread's windows, the thread frees the lcore's. */
	for (i = 0; i < RTE_DIM(tj.p); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, tj.p[i], (i + 1) * PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mine, PAGE_4K), "free");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* ---- lcore lifecycle ----------------------------------------------------------- */

/* A registered thread gets an lcore, and a block cache, until it unregisters. */
static void *
registered_fn(void *arg)
{
	struct thread_job *tj = arg;
	unsigned int i;

	tj->ret = -1;
	if (rte_thread_register() != 0) {
		tj->ret = TEST_SKIPPED;
		return NULL;
	}
	tj->lcore = rte_lcore_id();
	for (i = 0; i < RTE_DIM(tj->p); i++)
		tj->p[i] = rte_vmap_block_alloc(tj->vm, PAGE_4K);
	/* Free half of them here; the other half outlives the lcore. */
	for (i = 0; i < RTE_DIM(tj->p); i += 2)
		if (rte_vmap_block_free(tj->vm, tj->p[i], PAGE_4K) != 0)
			return NULL;
	rte_thread_unregister();
	tj->ret = 0;
	return NULL;
}

static int
test_block_lcore_lifecycle(void)
{
	struct rte_vmap *vm = blk_space("blk_life", 0, RTE_VMAP_IOVA_VA, true);
	struct thread_job tj = { .vm = vm };
	struct rte_vmap_stats st;
	char *dump = NULL;
	size_t dump_len = 0;
	FILE *f;
	pthread_t t;
	unsigned int i;

	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT_SUCCESS(pthread_create(&t, NULL, registered_fn, &tj), "pthread_create");
	pthread_join(t, NULL);
	if (tj.ret == TEST_SKIPPED) {
		rte_vmap_destroy(vm);
		printf("rte_thread_register() failed: no lcore id for a new thread\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_SUCCESS(tj.ret, "registered thread failed");
	TEST_ASSERT(tj.lcore < RTE_MAX_LCORE, "no lcore id");
	TEST_ASSERT(!vm->blocks->q[tj.lcore].enabled && vm->blocks->q[tj.lcore].active == NULL,
		"uninit did not hand the lcore's blocks back");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 1 && st.nr_windows == RTE_DIM(tj.p) / 2,
		"after the lcore left: %" PRIu64 " blocks %" PRIu64 " windows", st.nr_blocks,
		st.nr_windows);
	VMAP_TEST_VERIFY(vm);
	f = open_memstream(&dump, &dump_len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_vmap_dump(f, vm);
	fclose(f);
	TEST_ASSERT(strstr(dump, "(gone)") != NULL && strstr(dump, "dirty") != NULL,
		"dump does not show the gone lcore's block:\n%s", dump);
	free(dump);
	/* The windows that outlived their lcore are freed by another. */
	for (i = 1; i < RTE_DIM(tj.p); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, tj.p[i], PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.nr_windows == 0, "nothing may be left: %" PRIu64
		" blocks", st.nr_blocks);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT(rec_count(false) == 0 && rec_count(true) == 0,
		"driver state after destroy");
	return TEST_SUCCESS;
}

/* ---- a block that dies during a purge ------------------------------------ */

/* The free that kills the block, on a thread of its own. */
struct dying_free {
	struct rte_vmap *vm;
	void *w;
	int ret;
	bool done;            /* returned (atomic) */
};

/* The worker's purge, and what it saw when it returned. */
struct dying_purge {
	struct rte_vmap *vm;
	const struct dying_free *df;
	int ret;
	unsigned int stale;   /* unflushed unmaps at its return */
	bool killer_done;     /* the free that kills the block had returned */
	bool done;            /* returned (atomic) */
};

static int
dying_purge_fn(void *arg)
{
	struct dying_purge *dp = arg;

	dp->ret = rte_vmap_purge(dp->vm);
	dp->stale = rec_count(true);
	dp->killer_done = __atomic_load_n(&dp->df->done, __ATOMIC_ACQUIRE);
	__atomic_store_n(&dp->done, true, __ATOMIC_RELEASE);
	return 0;
}

static void *
dying_free_fn(void *arg)
{
	struct dying_free *df = arg;

	df->ret = rte_vmap_block_free(df->vm, df->w, VMAP_BLOCK_MAX);
	__atomic_store_n(&df->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The end of a dying-block case: the last window freed, a purge, the
 * recording driver clean, the space verified and destroyed.
 */
static int
dying_finish(struct rte_vmap *vm, void *last)
{
	int ret = TEST_SUCCESS;

	if (rte_vmap_block_free(vm, last, VMAP_BLOCK_MAX) != 0 || rte_vmap_purge(vm) != 0 ||
			rec_count(true) != 0 || rec_violations_get() != 0 ||
			rte_vmap_verify(vm) != 0) {
		printf("after the dying case: %u unflushed unmaps, %" PRIu64 " driver violations\n",
			rec_count(true), rec_violations_get());
		ret = TEST_FAILED;
	}
	rte_vmap_destroy(vm);
	TEST_ASSERT(rec_count(false) == 0 && rec_count(true) == 0,
		"driver state after destroy");
	return ret;
}

/*
 * A sealed block holds the dirt of frees that returned; another thread
 * frees its last window, which kills it: out of the tables, its host not
 * yet on a lazy list. A purge that runs in that gap must still flush the
 * dirt before it returns 0. The gap is held open here by holding the busy
 * lock the dying thread needs next. (The purge once returned 0 with the
 * earlier frees' unmaps unflushed: the walks no longer saw the block, the
 * lazy lists did not have it yet.)
 */
static int
test_block_dying_during_purge(void)
{
	struct rte_vmap *vm = blk_space("blk_dying", 0, RTE_VMAP_IOVA_DOMAIN, true);
	unsigned int per_block = VMAP_BLOCK_GRANULES / VMAP_BLOCK_MAX_PAGES, i, spins;
	struct dying_free df = { vm, NULL, -1, false };
	struct dying_purge dp = { vm, &df, -1, 0, false, false };
	struct vmap_node *vn;
	void *a[VMAP_BLOCK_GRANULES / VMAP_BLOCK_MAX_PAGES], *next;
	pthread_t killer;
	uintptr_t blk;

	TEST_ASSERT_NOT_NULL(vm, "create");
	for (i = 0; i < per_block; i++)
		a[i] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	/* The next window seals the block: a[] is all it will ever hold. */
	next = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	blk = blk_block_of(a[0]);
	TEST_ASSERT(next != NULL && blk_block_of(next) != blk &&
		blk_block_of(a[per_block - 1]) == blk, "one full block, then a second");
	for (i = 0; i + 1 < per_block; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[i], VMAP_BLOCK_MAX), "free %u", i);
	TEST_ASSERT_EQUAL(rec_count(true), per_block - 1, "unmaps owed a flush");

	vn = vmap_addr_to_node(vm, blk);
	rte_spinlock_lock(&vn->busy_lock);
	df.w = a[per_block - 1];
	if (pthread_create(&killer, NULL, dying_free_fn, &df) != 0) {
		rte_spinlock_unlock(&vn->busy_lock);
		TEST_ASSERT(false, "pthread_create");
	}
	/* The block leaves its table, then its host waits for the busy lock. */
	for (spins = 0; __atomic_load_n(&vm->blocks->zone_map[vmap_block_zone(vm->blocks, blk)],
			__ATOMIC_ACQUIRE) != NULL && spins < 2000; spins++)
		rte_delay_ms(1);
	rte_eal_remote_launch(dying_purge_fn, &dp, blk_worker_lcore());
	/* Long enough for a purge that does not wait for the block to return. */
	rte_delay_ms(50);
	rte_spinlock_unlock(&vn->busy_lock);
	pthread_join(killer, NULL);
	rte_eal_wait_lcore(blk_worker_lcore());

	TEST_ASSERT(spins < 2000, "the block never left its table");
	TEST_ASSERT_SUCCESS(df.ret, "the free that kills the block");
	TEST_ASSERT_SUCCESS(dp.ret, "purge");
	TEST_ASSERT_EQUAL(dp.stale, 0u, "rte_vmap_purge() returned 0 with %u unmaps unflushed%s",
		dp.stale, dp.killer_done ? "" : ", before the dying block reached a lazy list");
	return dying_finish(vm, next);
}

/* Whether cond turns true within ms milliseconds. */
#define DYING_WAIT_MS(cond, ms) ({ \
	unsigned int ms_ = 0; \
	while (!(cond) && ms_++ < (ms)) \
		rte_delay_ms(1); \
	(cond); \
})

/*
 * A purge waits only for the deaths that began before its walks ended
 * (they could have missed their dirt), not for every death in the space:
 * under block churn, deaths that begin later would hold it without bound.
 * Death 1 begins before the purge and is held in its gap (the busy lock);
 * the purge waits for it. Meanwhile death 2 begins and is held in its gap
 * too (its table's lock). Death 1 then ends: the purge must return,
 * while death 2 still hangs. (The purge once waited for one count of all
 * the space's deaths, and so for death 2.)
 */
static int
test_block_purge_waits_only_earlier_deaths(void)
{
	struct rte_vmap *vm = blk_space("blk_epoch", 0, RTE_VMAP_IOVA_DOMAIN, true);
	unsigned int per_block = VMAP_BLOCK_GRANULES / VMAP_BLOCK_MAX_PAGES, i;
	struct dying_free d1 = { vm, NULL, -1, false }, d2 = { vm, NULL, -1, false };
	struct dying_purge dp = { vm, &d1, -1, 0, false, false };
	void *a[2][VMAP_BLOCK_GRANULES / VMAP_BLOCK_MAX_PAGES], *next;
	bool left, dead2, returned;
	struct vmap_block *b2;
	rte_spinlock_t *table2;
	pthread_t k1, k2;
	struct vmap_node *vn;
	uintptr_t blk[2];

	TEST_ASSERT_NOT_NULL(vm, "create");
	/* Two full blocks, then a third: the first two are sealed. */
	for (i = 0; i < 2 * per_block; i++)
		a[i / per_block][i % per_block] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	next = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	blk[0] = blk_block_of(a[0][0]);
	blk[1] = blk_block_of(a[1][0]);
	TEST_ASSERT(next != NULL && blk[0] != blk[1] && blk_block_of(next) != blk[1] &&
		blk_block_of(next) != blk[0] && blk_block_of(a[0][per_block - 1]) == blk[0] &&
		blk_block_of(a[1][per_block - 1]) == blk[1], "two full blocks, then a third");
	for (i = 0; i + 1 < per_block; i++) {
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[0][i], VMAP_BLOCK_MAX), "free");
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[1][i], VMAP_BLOCK_MAX), "free");
	}
	b2 = vm->blocks->zone_map[vmap_block_zone(vm->blocks, blk[1])];
	table2 = &vm->blocks->q[b2->table].table_lock;

	/* Death 1, before the purge: out of its table, its host waits for the busy lock. */
	vn = vmap_addr_to_node(vm, blk[0]);
	rte_spinlock_lock(&vn->busy_lock);
	d1.w = a[0][per_block - 1];
	if (pthread_create(&k1, NULL, dying_free_fn, &d1) != 0) {
		rte_spinlock_unlock(&vn->busy_lock);
		TEST_ASSERT(false, "pthread_create");
	}
	left = DYING_WAIT_MS(__atomic_load_n(&vm->blocks->zone_map[vmap_block_zone(vm->blocks,
		blk[0])], __ATOMIC_ACQUIRE) == NULL, 2000);
	rte_eal_remote_launch(dying_purge_fn, &dp, blk_worker_lcore());
	/* Long enough for the purge's walks: it now waits for death 1. */
	rte_delay_ms(50);
	/* Death 2, after the walks: killed, then it waits for its table's lock. */
	rte_spinlock_lock(table2);
	d2.w = a[1][per_block - 1];
	if (pthread_create(&k2, NULL, dying_free_fn, &d2) != 0) {
		rte_spinlock_unlock(table2);
		rte_spinlock_unlock(&vn->busy_lock);
		TEST_ASSERT(false, "pthread_create");
	}
	/*
	 * Block 2 is dead once a second death is counted (death 1 is still
	 * held): the counters are atomic, b2->state is its lock's to read.
	 */
	dead2 = DYING_WAIT_MS(__atomic_load_n(&vm->blocks->dying[0], __ATOMIC_ACQUIRE) +
		__atomic_load_n(&vm->blocks->dying[1], __ATOMIC_ACQUIRE) == 2, 2000);
	/* Death 1 ends; death 2 still hangs. */
	rte_spinlock_unlock(&vn->busy_lock);
	returned = DYING_WAIT_MS(__atomic_load_n(&dp.done, __ATOMIC_ACQUIRE), 1000);
	rte_spinlock_unlock(table2);
	pthread_join(k1, NULL);
	pthread_join(k2, NULL);
	rte_eal_wait_lcore(blk_worker_lcore());

	TEST_ASSERT(left, "block 1 never left its table");
	TEST_ASSERT(dead2, "block 2 never died");
	TEST_ASSERT(returned, "the purge waited for a death that began after its walks");
	TEST_ASSERT_SUCCESS(d1.ret, "the free that kills block 1");
	TEST_ASSERT_SUCCESS(d2.ret, "the free that kills block 2");
	TEST_ASSERT_SUCCESS(dp.ret, "purge");
	return dying_finish(vm, next);
}

static struct unit_test_suite vmap_block_lcore_suite = {
	.suite_name = "vmap block caches across lcores",
	.unit_test_cases = {
		TEST_CASE_ST(blk_need_two_lcores, NULL, test_block_owner_state_not_table),
		TEST_CASE_ST(blk_need_two_lcores, NULL, test_block_published_initialised),
		TEST_CASE(test_block_hash_sparse_lcores),
		TEST_CASE_ST(blk_need_two_lcores, NULL, test_block_cross_lcore_free_storm),
		TEST_CASE(test_block_no_lcore_cache_shared_path),
		TEST_CASE(test_block_non_eal_thread_shared_path),
		TEST_CASE(test_block_lcore_lifecycle),
		TEST_CASE_ST(blk_need_two_lcores, NULL, test_block_dying_during_purge),
		TEST_CASE_ST(blk_need_two_lcores, NULL, test_block_purge_waits_only_earlier_deaths),
		TEST_CASES_END()
	}
};

static int
test_vmap_block_lcore(void)
{
	return unit_test_suite_runner(&vmap_block_lcore_suite);
}

REGISTER_FAST_TEST(vmap_block_lcore_autotest, NOHUGE_OK, ASAN_OK, test_vmap_block_lcore);
