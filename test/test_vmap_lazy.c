/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_lazy_autotest: lazy batched unmapping under concurrent use, checked
 * from the IOMMU's side.
 *
 * The thread-safe recording driver the suites share (REC_IOMMU,
 * rec_iommu.c) keeps every translation it was given and fails the test on
 * any breach of the driver contract (rec_iommu.h lists them).
 *
 * Two lcores allocate and free windows of 4 KiB to 1 MiB at random for
 * about a second, and sometimes purge, in VA and DOMAIN mode, lazy and
 * strict. Every translation has a sequence number, so an lcore can ask
 * about its own windows' translations without being fooled by the other
 * lcore reusing the same range. Once both are done, the space's counters
 * must agree with what the driver saw (va_lazy = bytes mapped but not in a
 * live window; unmap and flush calls), and lazy mode must flush far less
 * often than it frees while strict flushes at least once per free.
 *
 * vmap_lazy_sim_autotest (test_vmap_lazy_sim.c) checks the same from a
 * simulated device's side.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_vmap.h>

#include "test.h"
#include "rec_iommu.h"
#include "vmap_test_util.h"

/* ---- 2-lcore random workload ------------------------------------------ */

/* Per lcore: live windows at most, and frees remembered between purges. */
#define LZ_LIVE_CAP 48u
#define LZ_PENDING_CAP 2048u
/* Pages of the largest window: 1 MiB. */
#define LZ_MAX_PAGES 256u
/* One operation in LZ_PURGE_EVERY (per lcore) is an rte_vmap_purge(). */
#define LZ_PURGE_EVERY 509u
#define LZ_RUN_MS 1000u
/* Small enough for threshold purges to happen often, each over many frees. */
#define LZ_LAZY_MAX ((size_t)16 << 20)
/* DOMAIN runs also fail one map in this many (invariant 5 under load). */
#define LZ_FAIL_EVERY 97u

struct lz_config {
	const char *name;
	enum rte_vmap_iova_mode mode;
	unsigned int flags;
	unsigned int fail_every;
};

struct lz_win {
	uint8_t *va;
	rte_iova_t iova;
	size_t size;   /* rounded, as rte_vmap_find() reports it */
	uint64_t seq;  /* the driver's translation */
	uint64_t tag;
};

struct lz_run;

struct lz_lcore {
	struct lz_run *run;
	uint64_t rng;
	struct lz_win win[LZ_LIVE_CAP];
	unsigned int nr_live;
	uint64_t pending[LZ_PENDING_CAP]; /* lazy: translations freed since my purge */
	unsigned int nr_pending;
	uint64_t allocs, frees, purges, map_fails;
	int result;
} __rte_cache_aligned;

struct lz_run {
	struct rte_vmap *vm;
	const struct lz_config *cfg;
	uint64_t deadline;
	uint32_t stop;
	struct lz_lcore lc[2];
};

/* Report a failure; the other lcore sees stop and ends its loop. */
#define lz_fail(run, ...) vmap_test_fail(&(run)->stop, (run)->cfg->name, __VA_ARGS__)

static bool
lz_stop(const struct lz_run *run)
{
	return vmap_test_stopped(&run->stop, run->deadline);
}

/* Every translation freed before the purge must be gone when it returns. */
static int
lz_purge(struct lz_lcore *lc)
{
	struct lz_run *run = lc->run;
	enum rec_state st;
	uint64_t first;
	unsigned int left;
	int ret;

	qsort(lc->pending, lc->nr_pending, sizeof(lc->pending[0]), rec_seq_cmp);
	ret = rte_vmap_purge(run->vm);
	if (ret != 0)
		return lz_fail(run, "rte_vmap_purge: %d", ret);
	left = rec_seqs_left(lc->pending, lc->nr_pending, &first, &st);
	if (left != 0)
		return lz_fail(run, "%u of %u windows freed before rte_vmap_purge() still"
			" %s after it returned (translation #%" PRIu64 ", invariant 3)", left,
			lc->nr_pending, st == REC_STALE ? "unflushed" : "mapped", first);
	lc->nr_pending = 0;
	lc->purges++;
	return 0;
}

static int
lz_alloc(struct lz_lcore *lc)
{
	struct lz_run *run = lc->run;
	struct rte_vmap_window w;
	struct lz_win *lw;
	uint64_t r = vmap_test_rand(&lc->rng);
	size_t pages = 1 + (r >> 8) % (1u << ((r >> 40) % 9)), size, off;
	uint8_t *p;

	/* 4 KiB to 1 MiB, most of them small, not always whole pages. */
	size = pages * PAGE_4K - (r % 4 == 0 ? (r >> 20) % PAGE_4K : 0);
	p = rte_vmap_alloc(run->vm, size, 0, SOCKET_ID_ANY);
	if (p == NULL) {
		if (run->cfg->fail_every != 0 && rte_errno == EIO) {
			lc->map_fails++;
			return 0;
		}
		return lz_fail(run, "rte_vmap_alloc(%zu): %s", size, rte_strerror(rte_errno));
	}
	lc->allocs++;
	if (rte_vmap_find(run->vm, p, &w) != 0 || w.va != p || w.size != pages * PAGE_4K)
		return lz_fail(run, "find(%p) of a new window of %zu bytes failed or is wrong",
			p, size);
	if (run->cfg->mode == RTE_VMAP_IOVA_VA && w.iova != (rte_iova_t)(uintptr_t)p)
		return lz_fail(run, "VA mode: window %p has IOVA 0x%" PRIx64, p, w.iova);
	off = (r >> 12) % w.size;
	if (rte_vmap_virt2iova(run->vm, p + off) != w.iova + off)
		return lz_fail(run, "virt2iova(%p + %zu) != 0x%" PRIx64 " + %zu", p, off,
			w.iova, off);
	lw = &lc->win[lc->nr_live++];
	lw->va = p;
	lw->iova = w.iova;
	lw->size = w.size;
	lw->seq = rec_seq_of((uintptr_t)p, w.iova, w.size);
	if (lw->seq == 0)
		return lz_fail(run, "window %p 0x%" PRIx64 "+%zu is live but the driver has"
			" no translation of exactly it", p, w.iova, w.size);
	/* Two windows given the same memory would overwrite each other's tags. */
	lw->tag = vmap_test_rand(&lc->rng);
	*(uint64_t *)(void *)p = lw->tag;
	*(uint64_t *)(void *)(p + w.size - 8) = ~lw->tag;
	return 0;
}

static int
lz_free(struct lz_lcore *lc, unsigned int k)
{
	struct lz_run *run = lc->run;
	struct lz_win lw = lc->win[k];
	enum rec_state st;
	int ret;

	if (*(uint64_t *)(void *)lw.va != lw.tag ||
			*(uint64_t *)(void *)(lw.va + lw.size - 8) != ~lw.tag)
		return lz_fail(run, "window %p (%zu bytes): tags overwritten", lw.va, lw.size);
	lc->win[k] = lc->win[--lc->nr_live];
	ret = rte_vmap_free(run->vm, lw.va);
	if (ret != 0)
		return lz_fail(run, "rte_vmap_free(%p): %d", lw.va, ret);
	lc->frees++;
	if ((run->cfg->flags & RTE_VMAP_F_STRICT) != 0) {
		/*
		 * By sequence number: another lcore mapping the same range
		 * again since makes a new translation, not this one.
		 */
		st = rec_seq_state(lw.seq);
		if (st != REC_GONE)
			return lz_fail(run, "strict free of %p returned with its translation"
				" still %s", lw.va, st == REC_STALE ? "unflushed" : "mapped");
		return 0;
	}
	lc->pending[lc->nr_pending++] = lw.seq;
	if (lc->nr_pending == LZ_PENDING_CAP)
		return lz_purge(lc);
	return 0;
}

static int
lz_worker(void *arg)
{
	struct lz_lcore *lc = arg;
	struct lz_run *run = lc->run;
	uint64_t r;
	int ret = 0;

	while (ret == 0 && !lz_stop(run)) {
		r = vmap_test_rand(&lc->rng);
		if (r % LZ_PURGE_EVERY == 0)
			ret = lz_purge(lc);
		else if (lc->nr_live == 0 || (lc->nr_live < LZ_LIVE_CAP && ((r >> 10) & 1) != 0))
			ret = lz_alloc(lc);
		else
			ret = lz_free(lc, (r >> 16) % lc->nr_live);
	}
	lc->result = ret;
	return ret;
}

/*
 * Both lcores done: the space's counters against what the driver saw.
 * live = bytes in the lcores' live windows.
 */
static int
lz_check_quiet(struct lz_run *run, uint64_t live, const char *when)
{
	struct rte_vmap_stats st;
	struct rec_counts c;
	bool strict = (run->cfg->flags & RTE_VMAP_F_STRICT) != 0;

	TEST_ASSERT_SUCCESS(rte_vmap_verify(run->vm), "%s: rte_vmap_verify() failed", when);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(run->vm, &st), "stats");
	rec_counts_get(&c);
	TEST_ASSERT_EQUAL(c.violations, 0u, "%s: the driver saw %" PRIu64 " violations",
		when, c.violations);
	/* Every purge and strict free has returned: each unmap had its flush. */
	TEST_ASSERT_EQUAL(c.nr_stale, 0u, "%s: %u unmaps (%" PRIu64 " bytes) unflushed",
		when, c.nr_stale, c.stale_bytes);
	TEST_ASSERT_EQUAL(st.va_used, live, "%s: va_used %" PRIu64 ", live windows hold %"
		PRIu64, when, st.va_used, live);
	TEST_ASSERT(c.live_bytes >= live, "%s: the driver maps %" PRIu64 " bytes, live"
		" windows hold %" PRIu64, when, c.live_bytes, live);
	/* Lazily freed = freed, still mapped, awaiting its purge. */
	TEST_ASSERT_EQUAL(st.va_lazy, c.live_bytes - live, "%s: va_lazy %" PRIu64 ", the"
		" driver maps %" PRIu64 " bytes beyond the live windows", when, st.va_lazy,
		c.live_bytes - live);
	if (strict)
		TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%s: strict space with va_lazy %" PRIu64,
			when, st.va_lazy);
	TEST_ASSERT_EQUAL(st.nr_unmaps, c.unmaps, "%s: nr_unmaps %" PRIu64 ", driver"
		" unmap calls %" PRIu64, when, st.nr_unmaps, c.unmaps);
	TEST_ASSERT_EQUAL(st.nr_flushes, c.flushes, "%s: nr_flushes %" PRIu64 ", driver"
		" flush calls %" PRIu64, when, st.nr_flushes, c.flushes);
	return TEST_SUCCESS;
}

static int
lz_check_purged(struct lz_run *run, uint64_t live, const char *when)
{
	struct rte_vmap_stats st;
	struct rec_counts c;

	TEST_ASSERT_SUCCESS(rte_vmap_purge(run->vm), "%s: rte_vmap_purge", when);
	TEST_ASSERT_SUCCESS(lz_check_quiet(run, live, when), "%s", when);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(run->vm, &st), "stats");
	rec_counts_get(&c);
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%s: va_lazy %" PRIu64 " after rte_vmap_purge()",
		when, st.va_lazy);
	TEST_ASSERT_EQUAL(c.live_bytes, live, "%s: after rte_vmap_purge() the driver maps %"
		PRIu64 " bytes, live windows hold %" PRIu64, when, c.live_bytes, live);
	return TEST_SUCCESS;
}

static uint64_t
lz_live_bytes(const struct lz_run *run)
{
	uint64_t bytes = 0;
	unsigned int i, k;

	for (i = 0; i < RTE_DIM(run->lc); i++)
		for (k = 0; k < run->lc[i].nr_live; k++)
			bytes += run->lc[i].win[k].size;
	return bytes;
}

/*
 * Both lcores run the workload until the deadline, maps failing as the
 * configuration says; the recorder and the log level are restored after.
 */
static int
lz_run_both(struct lz_run *run, unsigned int worker)
{
	const struct lz_config *cfg = run->cfg;
	int log_type, log_level, ret = 0;
	unsigned int i;

	rec_fail_every(cfg->fail_every);
	/* Injected map failures are expected: not one log line each. */
	log_type = rte_log_register(VMAP_TEST_LOGTYPE);
	log_level = log_type >= 0 ? rte_log_get_level(log_type) : 0;
	if (cfg->fail_every != 0 && log_type >= 0)
		rte_log_set_level(log_type, RTE_LOG_CRIT);
	for (i = 0; i < RTE_DIM(run->lc); i++) {
		run->lc[i].run = run;
		run->lc[i].rng = 0x9e3779b97f4a7c15ull * (i + 1) + cfg->mode * 7919 + cfg->flags;
	}
	run->deadline = rte_get_timer_cycles() + rte_get_timer_hz() * LZ_RUN_MS / 1000;
	if (rte_eal_remote_launch(lz_worker, &run->lc[1], worker) != 0) {
		printf("  [%s] cannot launch lcore %u\n", cfg->name, worker);
		ret = -1;
	} else {
		lz_worker(&run->lc[0]);
		rte_eal_wait_lcore(worker);
	}
	rec_fail_every(0);
	if (cfg->fail_every != 0 && log_type >= 0 && log_level > 0)
		rte_log_set_level(log_type, log_level);
	if (run->lc[0].result != 0 || run->lc[1].result != 0)
		ret = -1;
	return ret;
}

/*
 * The leftovers still have the translations they were given at
 * allocation; freed on one lcore, they are lazy until a purge, then all
 * gone. *frees counts the frees.
 */
static int
lz_drain(struct lz_run *run, uint64_t *frees)
{
	const char *name = run->cfg->name;
	struct rte_vmap_stats st;
	struct rec_counts c;
	unsigned int i, k;

	for (i = 0; i < RTE_DIM(run->lc); i++) {
		for (k = 0; k < run->lc[i].nr_live; k++) {
			if (rec_seq_state(run->lc[i].win[k].seq) != REC_LIVE) {
				printf("  [%s] live window %p lost its translation\n", name,
					run->lc[i].win[k].va);
				return -1;
			}
		}
	}
	for (i = 0; i < RTE_DIM(run->lc); i++) {
		while (run->lc[i].nr_live > 0) {
			if (lz_free(&run->lc[i], run->lc[i].nr_live - 1) != 0)
				return -1;
			(*frees)++;
		}
	}
	if (lz_check_quiet(run, 0, "leftovers freed") != 0 ||
			lz_check_purged(run, 0, "leftovers freed + purge") != 0)
		return -1;
	if (rte_vmap_stats_get(run->vm, &st) != 0) {
		printf("  [%s] rte_vmap_stats_get failed\n", name);
		return -1;
	}
	rec_counts_get(&c);
	if (st.nr_windows != 0 || c.nr_live != 0) {
		printf("  [%s] %" PRIu64 " windows, %u translations after freeing all\n", name,
			st.nr_windows, c.nr_live);
		return -1;
	}
	return 0;
}

/* Strict mode flushes at least once per free, lazy mode far less often. */
static int
lz_check_flushes(const struct lz_config *cfg, uint64_t flushes, uint64_t frees)
{
	if ((cfg->flags & RTE_VMAP_F_STRICT) != 0) {
		if (flushes < frees) {
			printf("  [%s] strict: %" PRIu64 " flushes for %" PRIu64 " frees\n",
				cfg->name, flushes, frees);
			return -1;
		}
	} else if (flushes * 8 >= frees || frees < 1000) {
		printf("  [%s] lazy: %" PRIu64 " flushes for %" PRIu64 " frees, want far fewer"
			" (and at least 1000 frees)\n", cfg->name, flushes, frees);
		return -1;
	}
	return 0;
}

static int
lz_run_config(const struct lz_config *cfg)
{
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct rec_counts c;
	struct lz_run *run;
	unsigned int worker, i;
	uint64_t frees = 0, allocs = 0, purges = 0, fails = 0, violations;
	int ret = TEST_FAILED;

	if (rte_lcore_count() < 2) {
		printf("  [%s] skipped: rte_lcore_count() is %u, the workload needs 2 lcores"
			" (run with -l 0-1)\n", cfg->name, rte_lcore_count());
		return TEST_SKIPPED;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	run = calloc(1, sizeof(*run));
	TEST_ASSERT_NOT_NULL(run, "no memory");
	vmap_test_params(&p, cfg->name);
	p.iommu = REC_IOMMU;
	p.iova_mode = cfg->mode;
	p.flags = cfg->flags;
	p.lazy_max = LZ_LAZY_MAX;
	run->cfg = cfg;
	run->vm = rte_vmap_create(&p);
	if (run->vm == NULL) {
		printf("  [%s] rte_vmap_create: %s\n", cfg->name, rte_strerror(rte_errno));
		free(run);
		return TEST_FAILED;
	}
	if (lz_run_both(run, worker) != 0)
		goto out;
	for (i = 0; i < RTE_DIM(run->lc); i++) {
		allocs += run->lc[i].allocs;
		frees += run->lc[i].frees;
		purges += run->lc[i].purges;
		fails += run->lc[i].map_fails;
	}
	if (lz_check_quiet(run, lz_live_bytes(run), "after the run") != 0 ||
			lz_check_purged(run, lz_live_bytes(run), "after the run + purge") != 0 ||
			lz_drain(run, &frees) != 0 || rte_vmap_stats_get(run->vm, &st) != 0)
		goto out;
	rec_counts_get(&c);
	printf("  [%s] %" PRIu64 " allocs (%" PRIu64 " failed maps), %" PRIu64 " frees, %"
		PRIu64 " rte_vmap_purge() calls; library: %" PRIu64 " purges, %" PRIu64
		" unmaps, %" PRIu64 " flushes; driver: %" PRIu64 " maps\n", cfg->name, allocs,
		fails, frees, purges, st.nr_purges, st.nr_unmaps, st.nr_flushes, c.maps);
	if (lz_check_flushes(cfg, c.flushes, frees) != 0)
		goto out;
	if (cfg->fail_every != 0 && fails == 0) {
		printf("  [%s] no map failed: the injection did not work\n", cfg->name);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	rte_vmap_destroy(run->vm);
	free(run);
	/* close() checked that nothing was left mapped or unflushed. */
	violations = rec_violations_get();
	if (violations != 0) {
		printf("  [%s] the driver saw %" PRIu64 " violations\n", cfg->name,
			violations);
		ret = TEST_FAILED;
	}
	return ret;
}

static int
test_lazy_va(void)
{
	static const struct lz_config cfg = { "lazy_va", RTE_VMAP_IOVA_VA, 0, 0 };

	return lz_run_config(&cfg);
}

static int
test_lazy_va_strict(void)
{
	static const struct lz_config cfg = {
		"lazy_va_strict", RTE_VMAP_IOVA_VA, RTE_VMAP_F_STRICT, 0
	};

	return lz_run_config(&cfg);
}

static int
test_lazy_domain(void)
{
	static const struct lz_config cfg = {
		"lazy_dom", RTE_VMAP_IOVA_DOMAIN, 0, LZ_FAIL_EVERY
	};

	return lz_run_config(&cfg);
}

static int
test_lazy_domain_strict(void)
{
	static const struct lz_config cfg = {
		"lazy_dom_strict", RTE_VMAP_IOVA_DOMAIN, RTE_VMAP_F_STRICT, LZ_FAIL_EVERY
	};

	return lz_run_config(&cfg);
}

static struct unit_test_suite vmap_lazy_suite = {
	.suite_name = "vmap lazy batched unmapping",
	.unit_test_cases = {
		TEST_CASE(test_rec_iommu_self_check),
		TEST_CASE(test_lazy_va),
		TEST_CASE(test_lazy_va_strict),
		TEST_CASE(test_lazy_domain),
		TEST_CASE(test_lazy_domain_strict),
		TEST_CASES_END()
	}
};

static int
test_vmap_lazy(void)
{
	return unit_test_suite_runner(&vmap_lazy_suite);
}

REGISTER_FAST_TEST(vmap_lazy_autotest, NOHUGE_OK, ASAN_OK, test_vmap_lazy);

