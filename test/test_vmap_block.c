/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_block_autotest: per-lcore block caches (rte_vmap_block_alloc/free).
 *
 * - carving and dirt accounting against a model (bump by power-of-two
 *   size class, holes never reused, va_lazy = unflushed block dirt + dead hosts);
 * - the kernel's bug of a dirty window of a full block missed by the purge
 *   (fc1e0d980037), as a regression;
 * - reuse after a purge, misuse, STRICT, idle blocks taken, destroy with
 *   live block windows, reuse in place, the dump.
 *
 * The cases run with the recording driver of rec_iommu.h: no map over an
 * unflushed unmap, and none left unflushed after rte_vmap_purge().
 * vmap_block_lcore_autotest has the cases about lcores (ownership, the
 * hash, cross-lcore frees, non-EAL threads, lcore lifecycle).
 * rte_vmap_verify() runs after every case and inside the long ones.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "block_harness.h"
#include "vmap_test_util.h"

/* ---- carving against a model ------------------------------------------- */

#define MODEL_LIVE 256
#define MODEL_BLOCKS 64

struct model_win {
	void *va;
	size_t size;
};

struct model_blk {
	uintptr_t start;
	uint32_t live;      /* windows */
	uint64_t lazy;      /* bytes freed since the last purge */
	bool sealed;
};

struct model {
	struct rte_vmap *vm;
	struct model_win win[MODEL_LIVE];
	unsigned int nr_win;
	struct model_blk blk[MODEL_BLOCKS];
	unsigned int nr_blk;
	uintptr_t cur;      /* the active block, 0 if none */
	bool taken;         /* a purge asked the owner to give cur up */
	uintptr_t next;     /* where the next window of cur must start */
	uint64_t lazy_dead; /* bytes of dead blocks since the last purge */
	uintptr_t seen[4 * MODEL_BLOCKS]; /* block starts since the last purge */
	unsigned int nr_seen;
};

static struct model_blk *
model_blk(struct model *m, uintptr_t start)
{
	unsigned int i;

	for (i = 0; i < m->nr_blk; i++)
		if (m->blk[i].start == start)
			return &m->blk[i];
	return NULL;
}

static void
model_kill(struct model *m, struct model_blk *b)
{
	m->lazy_dead += BLK;
	*b = m->blk[--m->nr_blk];
}

static int
model_alloc(struct model *m, uint64_t *x)
{
	size_t size = blk_rnd_size(x, VMAP_BLOCK_MAX);
	uint32_t pages = blk_pages_of(size), granules = rte_align32pow2(pages);
	struct rte_vmap_window w;
	struct model_blk *b;
	uintptr_t a;
	unsigned int i;
	void *p;

	p = rte_vmap_block_alloc(m->vm, size);
	TEST_ASSERT_NOT_NULL(p, "block_alloc(%zu): %s", size, rte_strerror(rte_errno));
	a = (uintptr_t)p;
	TEST_ASSERT_EQUAL(a % PAGE_4K, 0, "unaligned %p", p);
	if (m->cur != 0 && !m->taken && a == m->next && a + granules * PAGE_4K <= m->cur + BLK) {
		/* Bump from the tail of the active block. */
	} else {
		/* A new block: the window did not fit, or a purge took the block. */
		TEST_ASSERT_EQUAL(a % BLK, 0, "%p: neither the bump offset %#" PRIxPTR
			" nor a new block", p, m->next);
		TEST_ASSERT(m->cur == 0 || m->taken || m->next + granules * PAGE_4K > m->cur + BLK,
			"new block although %u granules fit at %#" PRIxPTR, granules, m->next);
		m->taken = false;
		/* Dead hosts come back only after a purge: no hole is reused. */
		for (i = 0; i < m->nr_seen; i++)
			TEST_ASSERT(m->seen[i] != a, "block %p reused before a purge", p);
		if (m->nr_seen < RTE_DIM(m->seen))
			m->seen[m->nr_seen++] = a;
		b = m->cur != 0 ? model_blk(m, m->cur) : NULL;
		if (b != NULL) {
			b->sealed = true;
			if (b->live == 0)
				model_kill(m, b);
		}
		TEST_ASSERT(m->nr_blk < MODEL_BLOCKS, "model: too many blocks");
		m->blk[m->nr_blk++] = (struct model_blk){ a, 0, 0, false };
		m->cur = a;
	}
	m->next = a + granules * PAGE_4K;
	model_blk(m, m->cur)->live++;
	m->win[m->nr_win++] = (struct model_win){ p, size };

	TEST_ASSERT_SUCCESS(rte_vmap_find(m->vm, (char *)p + pages * PAGE_4K - 1, &w), "find");
	TEST_ASSERT(w.va == p && w.size == pages * PAGE_4K && w.from_block == 1,
		"find: %p %zu %d", w.va, w.size, w.from_block);
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(m->vm, (char *)p + pages * PAGE_4K - 1),
		w.iova + pages * PAGE_4K - 1, "virt2iova of the last byte");
	if (granules > pages)
		TEST_ASSERT_EQUAL(rte_vmap_find(m->vm, (char *)p + pages * PAGE_4K, &w), -ENOENT,
			"the padding of a size class is no window");
	return TEST_SUCCESS;
}

static int
model_free(struct model *m, uint64_t *x)
{
	unsigned int k = vmap_test_rand(x) % m->nr_win;
	struct model_win w = m->win[k];
	uint32_t pages = blk_pages_of(w.size);
	struct rte_vmap_window info;
	struct model_blk *b;
	size_t size;

	/* Any size rounding to the same pages is accepted. */
	size = vmap_test_rand(x) % 2 == 0 ? w.size : pages * PAGE_4K;
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(m->vm, w.va, size), "block_free(%p)", w.va);
	m->win[k] = m->win[--m->nr_win];
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(m->vm, w.va), RTE_BAD_IOVA, "freed, translated");
	TEST_ASSERT_EQUAL(rte_vmap_find(m->vm, w.va, &info), -ENOENT, "freed, found");
	b = model_blk(m, blk_block_of(w.va));
	TEST_ASSERT_NOT_NULL(b, "model: no block for %p", w.va);
	b->live--;
	b->lazy += pages * PAGE_4K;
	if (b->sealed && b->live == 0)
		model_kill(m, b);
	return TEST_SUCCESS;
}

static int
model_check_stats(struct model *m)
{
	struct rte_vmap_stats st;
	uint64_t bytes = 0, lazy = m->lazy_dead;
	unsigned int i;

	for (i = 0; i < m->nr_win; i++)
		bytes += blk_pages_of(m->win[i].size) * PAGE_4K;
	for (i = 0; i < m->nr_blk; i++)
		lazy += m->blk[i].lazy;
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(m->vm, &st), "stats");
	TEST_ASSERT(st.nr_windows == m->nr_win && st.va_used == bytes,
		"stats %" PRIu64 " windows %" PRIu64 " bytes, model %u %" PRIu64,
		st.nr_windows, st.va_used, m->nr_win, bytes);
	TEST_ASSERT_EQUAL(st.nr_blocks, (uint64_t)m->nr_blk, "nr_blocks %" PRIu64 ", model %u",
		st.nr_blocks, m->nr_blk);
	TEST_ASSERT_EQUAL(st.va_lazy, lazy, "va_lazy %" PRIu64 ", model %" PRIu64,
		st.va_lazy, lazy);
	return TEST_SUCCESS;
}

/* rte_vmap_purge(): dirt flushed, dead hosts reusable, an idle active block taken. */
static int
model_purge(struct model *m)
{
	struct model_blk *b = m->cur != 0 ? model_blk(m, m->cur) : NULL;
	uint32_t left = (uint32_t)((m->cur + BLK - m->next) / PAGE_4K);
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_vmap_purge(m->vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "a stale translation survived the purge");
	for (i = 0; i < m->nr_blk; i++)
		m->blk[i].lazy = 0;
	m->lazy_dead = 0;
	m->nr_seen = 0;
	/* Kernel purge_fragmented_block(): nothing live, under a quarter left. */
	if (b != NULL && b->live == 0 && left < VMAP_BLOCK_GRANULES / 4) {
		if (m->vm->blocks->barrier) {
			model_kill(m, b);
			m->lazy_dead = 0; /* flushed in the same batch */
			m->cur = 0;
		} else {
			m->taken = true; /* the owner drops it at its next call */
		}
	}
	return model_check_stats(m);
}

static int
run_model(enum rte_vmap_iova_mode mode, const char *name)
{
	struct model *m = calloc(1, sizeof(*m));
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned int op;
	int ret = TEST_FAILED;

	TEST_ASSERT_NOT_NULL(m, "no memory");
	m->vm = blk_space(name, 0, mode, true);
	if (m->vm == NULL)
		goto out;
	for (op = 0; op < 4000; op++) {
		bool alloc = m->nr_win == 0 || (m->nr_win < MODEL_LIVE &&
			vmap_test_rand(&x) % 100 < (m->nr_win < 40 ? 70 : 45));

		if ((alloc ? model_alloc(m, &x) : model_free(m, &x)) != TEST_SUCCESS)
			goto out;
		if (op % 61 == 0 && model_check_stats(m) != TEST_SUCCESS)
			goto out;
		if (op % 797 == 0 && model_purge(m) != TEST_SUCCESS)
			goto out;
		if (op % 499 == 0 && rte_vmap_verify(m->vm) != 0) {
			printf("verify failed at op %u\n", op);
			goto out;
		}
	}
	while (m->nr_win > 0)
		if (model_free(m, &x) != TEST_SUCCESS)
			goto out;
	if (model_purge(m) != TEST_SUCCESS || rte_vmap_verify(m->vm) != 0)
		goto out;
	ret = TEST_SUCCESS;
out:
	rte_vmap_destroy(m->vm);
	if (rec_count(false) != 0 || rec_count(true) != 0 || rec_violations_get() != 0) {
		printf("driver after destroy: %u live, %u stale, %" PRIu64 " violations\n",
			rec_count(false), rec_count(true), rec_violations_get());
		ret = TEST_FAILED;
	}
	free(m);
	return ret;
}

static int
test_block_carving_against_model(void)
{
	TEST_ASSERT_SUCCESS(run_model(RTE_VMAP_IOVA_VA, "blk_model_va"), "VA mode");
	return run_model(RTE_VMAP_IOVA_DOMAIN, "blk_model_dom");
}

/* ---- the kernel's full-block bug ----------------------------------------- */

/*
 * fc1e0d980037: a full block is on no free list; a purge that walked the
 * free lists missed its dirt, and a stale translation survived. Here:
 * fill a block, free one window (from its owner and from another lcore),
 * purge, no unmap may be left unflushed.
 */
static int
full_block_dirt_flushed(struct rte_vmap *vm, bool seal_it)
{
	void *w[VMAP_BLOCK_GRANULES + 1];
	unsigned int i, n;

	/* 4 KiB windows fill the active block exactly; one more seals it. */
	for (n = 0; n < VMAP_BLOCK_GRANULES + (seal_it ? 1 : 0); n++) {
		w[n] = rte_vmap_block_alloc(vm, PAGE_4K);
		TEST_ASSERT_NOT_NULL(w[n], "alloc %u", n);
		if (n == 0)
			TEST_ASSERT_EQUAL((uintptr_t)w[0] % BLK, 0, "not a fresh block");
	}
	TEST_ASSERT_EQUAL(blk_block_of(w[VMAP_BLOCK_GRANULES - 1]), blk_block_of(w[0]),
		"not one block");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[7], PAGE_4K), "free one");
	TEST_ASSERT_EQUAL(rec_count(true), 1u, "the unmap is owed a flush");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation after rte_vmap_purge()");
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < n; i++)
		if (i != 7)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], PAGE_4K), "free %u", i);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation after the last purge");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

struct remote_free {
	struct rte_vmap *vm;
	void **w;
	unsigned int n;
	size_t size;
	int ret;
};

static int
remote_free_fn(void *arg)
{
	struct remote_free *rf = arg;
	unsigned int i;

	rf->ret = 0;
	for (i = 0; i < rf->n; i++)
		if (rf->w[i] != NULL && rte_vmap_block_free(rf->vm, rf->w[i], rf->size) != 0)
			rf->ret = -1;
	return 0;
}

static int
test_block_stale_alias_purged(void)
{
	struct rte_vmap *vm = blk_space("blk_stale", 0, RTE_VMAP_IOVA_DOMAIN, true);
	struct remote_free rf;
	void *w[VMAP_BLOCK_GRANULES];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(vm, "create");
	/* Full but still active; full and sealed. */
	TEST_ASSERT_SUCCESS(full_block_dirt_flushed(vm, false), "full, active");
	TEST_ASSERT_SUCCESS(full_block_dirt_flushed(vm, true), "full, sealed");
	if (rte_lcore_count() >= 2) {
		/* The dirt of another lcore's free is in the shared tally. */
		for (i = 0; i < VMAP_BLOCK_GRANULES; i++) {
			w[i] = rte_vmap_block_alloc(vm, PAGE_4K);
			TEST_ASSERT_NOT_NULL(w[i], "alloc");
		}
		rf = (struct remote_free){ vm, &w[3], 1, PAGE_4K, -1 };
		rte_eal_remote_launch(remote_free_fn, &rf, blk_worker_lcore());
		rte_eal_wait_lcore(blk_worker_lcore());
		TEST_ASSERT_SUCCESS(rf.ret, "remote free");
		TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
		TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation of a remote free");
		w[3] = NULL;
		rf = (struct remote_free){ vm, w, VMAP_BLOCK_GRANULES, PAGE_4K, -1 };
		remote_free_fn(&rf);
		TEST_ASSERT_SUCCESS(rf.ret, "free the rest");
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "driver saw violations");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT(rec_count(false) == 0 && rec_count(true) == 0,
		"driver state after destroy");
	return TEST_SUCCESS;
}

/* ---- reuse after a purge --------------------------------------------------- */

static int
test_block_reuse_after_purge(void)
{
	struct rte_vmap *vm = blk_space("blk_reuse", 0, RTE_VMAP_IOVA_DOMAIN, true);
	unsigned int per_block = VMAP_BLOCK_GRANULES / 64, i, j, k, nr_dead = 0;
	void *a[VMAP_BLOCK_GRANULES / 64 + 1], *b, *p;
	struct rte_vmap_stats st0, st1;
	uintptr_t dead[8], keep;
	bool reused = false;

	TEST_ASSERT_NOT_NULL(vm, "create");
	for (i = 0; i < per_block; i++)
		a[i] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	dead[nr_dead++] = blk_block_of(a[0]);
	/* The next one seals the first block; freeing its windows kills it. */
	b = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	TEST_ASSERT(b != NULL && blk_block_of(b) != dead[0], "a second block");
	keep = blk_block_of(b);
	for (i = 0; i < per_block; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[i], VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats");
	TEST_ASSERT_EQUAL(st0.nr_blocks, 1u, "the first block is dead");
	TEST_ASSERT_EQUAL(st0.va_lazy, (uint64_t)BLK, "its host waits for a flush");
	/* Not reused before the flush: more blocks die, none is a dead one. */
	for (j = 0; j < 3; j++) {
		for (i = 0; i < per_block; i++) {
			a[i] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
			TEST_ASSERT_NOT_NULL(a[i], "alloc");
			for (k = 0; k < nr_dead; k++)
				TEST_ASSERT(blk_block_of(a[i]) != dead[k],
					"a dead block reused before a flush");
		}
		for (i = 0; i < per_block; i++)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[i], VMAP_BLOCK_MAX), "free");
		/* Sealed and all freed: every block of the round but the active one died. */
		for (i = 0; i < per_block; i++)
			if (blk_block_of(a[i]) != keep &&
					blk_block_of(a[i]) != blk_block_of(a[per_block - 1]) &&
					(i == 0 || blk_block_of(a[i]) != blk_block_of(a[i - 1])) &&
					nr_dead < RTE_DIM(dead))
				dead[nr_dead++] = blk_block_of(a[i]);
	}
	TEST_ASSERT(nr_dead >= 3, "only %u blocks died", nr_dead);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats");
	TEST_ASSERT_EQUAL(st0.va_lazy, 0u, "va_lazy after the purge");
	VMAP_TEST_VERIFY(vm);
	/* After it, the next new block is a purged host from the pool, backed already. */
	for (i = 0; i < RTE_DIM(a); i++) {
		a[i] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
		TEST_ASSERT_NOT_NULL(a[i], "alloc");
		p = a[i];
		if ((uintptr_t)p % BLK != 0)
			continue;
		for (k = 0; k < nr_dead; k++)
			reused |= blk_block_of(p) == dead[k];
		break;
	}
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st1), "stats");
	TEST_ASSERT(reused, "the new block %p is no purged host", p);
	TEST_ASSERT(st1.mem_used <= st0.mem_used, "a new block faulted in memory: %" PRIu64
		" -> %" PRIu64, st0.mem_used, st1.mem_used);
	for (j = 0; j <= i && j < RTE_DIM(a); j++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[j], VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "a map over an unflushed unmap");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* ---- misuse ------------------------------------------------------------------ */

struct misuse {
	struct rte_vmap *vm;
	char *one, *two, *big, *plain;
	int ret;
};

/* Every refused call, from the calling lcore; nothing may change. */
static int
misuse_calls(struct misuse *mu)
{
	struct rte_vmap *vm = mu->vm;
	char *tail = (char *)blk_block_of(mu->big) + BLK - PAGE_4K;
	int local;

	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, 8192), -EINVAL, "wrong size");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two, PAGE_4K), -EINVAL, "smaller size");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, 0), -EINVAL, "size 0");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, VMAP_BLOCK_MAX + 1), -EINVAL,
		"over block max");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two + PAGE_4K, PAGE_4K), -ENOENT, "interior");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two + 8, 2 * PAGE_4K), -ENOENT, "unaligned");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, tail, PAGE_4K), -ENOENT, "never carved");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->plain, PAGE_4K), -EINVAL,
		"not a block window");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, &local, PAGE_4K), -ENOENT, "outside the space");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(NULL, mu->one, PAGE_4K), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, NULL, PAGE_4K), 0, "NULL is a no-op");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, mu->one), -EINVAL, "block window to rte_vmap_free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, mu->two), -EINVAL, "block window to rte_vmap_free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)blk_block_of(mu->big)), -EINVAL,
		"block window at its block's start to rte_vmap_free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, tail), -ENOENT, "never carved, to rte_vmap_free");
	return TEST_SUCCESS;
}

static int
misuse_remote_fn(void *arg)
{
	struct misuse *mu = arg;

	mu->ret = misuse_calls(mu);
	return 0;
}

static int
test_block_misuse_changes_nothing(void)
{
	struct rte_vmap *vm = blk_space("blk_misuse", 0, RTE_VMAP_IOVA_DOMAIN, true);
	struct rte_vmap_stats before, after;
	struct rte_vmap_window w;
	struct misuse mu = { .vm = vm };
	int level = rte_log_get_level(vmap_logtype);

	TEST_ASSERT_NOT_NULL(vm, "create");
	mu.big = rte_vmap_block_alloc(vm, 64 * KIB);
	mu.one = rte_vmap_block_alloc(vm, PAGE_4K);
	mu.two = rte_vmap_block_alloc(vm, 2 * PAGE_4K);
	mu.plain = rte_vmap_alloc(vm, PAGE_4K, 0, SOCKET_ID_ANY);
	TEST_ASSERT(mu.big && mu.one && mu.two && mu.plain, "alloc");
	TEST_ASSERT_EQUAL((uintptr_t)mu.big % BLK, 0, "the first window opens a block");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_SUCCESS(misuse_calls(&mu), "refused on the owner lcore");
	if (rte_lcore_count() >= 2) {
		mu.ret = -1;
		blk_on_worker(misuse_remote_fn, &mu);
		TEST_ASSERT_SUCCESS(mu.ret, "refused on another lcore");
	}
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
	TEST_ASSERT(blk_stats_same(&before, &after), "a refused call changed the stats");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, mu.two + PAGE_4K, &w), "window lost");
	TEST_ASSERT(w.va == mu.two && w.from_block == 1, "find");
	VMAP_TEST_VERIFY(vm);
	/* Double free, sequential: refused, from the owner and from another lcore. */
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.one, 4000), "free (same rounding)");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu.one, PAGE_4K), -ENOENT, "double free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)blk_block_of(mu.big)), -EINVAL,
		"still a window");
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.big, 64 * KIB), "free");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)blk_block_of(mu.big)), -ENOENT,
		"freed window at the block start");
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.two, 2 * PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, mu.plain), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
	TEST_ASSERT_EQUAL(after.nr_windows, 0u, "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* ---- STRICT, idle blocks, destroy, dump --------------------------------------- */

static int
test_block_strict_flushes_at_free(void)
{
	struct rte_vmap *vm = blk_space("blk_strict", RTE_VMAP_F_STRICT, RTE_VMAP_IOVA_DOMAIN,
		true);
	struct rte_vmap_stats st;
	void *w[VMAP_BLOCK_GRANULES / 8 + 8];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(vm, "create");
	for (i = 0; i < RTE_DIM(w); i++)
		w[i] = rte_vmap_block_alloc(vm, 8 * PAGE_4K);
	for (i = 0; i < RTE_DIM(w); i++) {
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 8 * PAGE_4K), "free");
		TEST_ASSERT_EQUAL(rec_count(true), 0u, "STRICT: unflushed unmap after a free");
	}
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "STRICT: va_lazy %" PRIu64, st.va_lazy);
	TEST_ASSERT(st.nr_flushes >= RTE_DIM(w), "STRICT: %" PRIu64 " flushes", st.nr_flushes);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations");
	return TEST_SUCCESS;
}

/*
 * Each of the owner's lock-free calls, alone, shows in the next
 * rte_vmap_stats_get(): no other call between them bumps a generation that
 * would hide one that did not invalidate the cached snapshot.
 */
static int
owner_calls_seen_by_stats(struct rte_vmap *vm)
{
	struct rte_vmap_stats st0, st1;
	void *keep, *w;

	TEST_ASSERT_NOT_NULL(vm, "create");
	/* A block, and a window that keeps it alive: the free below stays the owner's. */
	keep = rte_vmap_block_alloc(vm, PAGE_4K);
	TEST_ASSERT_NOT_NULL(keep, "block_alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats");
	w = rte_vmap_block_alloc(vm, 2 * PAGE_4K);
	TEST_ASSERT_NOT_NULL(w, "block_alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st1), "stats");
	TEST_ASSERT(st1.nr_windows == st0.nr_windows + 1 &&
		st1.va_used == st0.va_used + 2 * PAGE_4K,
		"the owner's block alloc not in stats: windows %" PRIu64 " -> %" PRIu64,
		st0.nr_windows, st1.nr_windows);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w, 2 * PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats");
	TEST_ASSERT(st0.nr_windows + 1 == st1.nr_windows &&
		st0.va_used + 2 * PAGE_4K == st1.va_used,
		"the owner's block free not in stats (a stale cached snapshot): windows %"
		PRIu64 " -> %" PRIu64 ", va_used %" PRIu64 " -> %" PRIu64, st1.nr_windows,
		st0.nr_windows, st1.va_used, st0.va_used);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, keep, PAGE_4K), "free");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_block_owner_calls_invalidate_stats_cache(void)
{
	/* Without a driver (the free in one section), with one (teardown outside it), STRICT. */
	TEST_ASSERT_SUCCESS(owner_calls_seen_by_stats(blk_space("blk_stats", 0,
		RTE_VMAP_IOVA_VA, false)), "no driver");
	TEST_ASSERT_SUCCESS(owner_calls_seen_by_stats(blk_space("blk_stats_d", 0,
		RTE_VMAP_IOVA_DOMAIN, true)), "recording driver");
	TEST_ASSERT_SUCCESS(owner_calls_seen_by_stats(blk_space("blk_stats_s", RTE_VMAP_F_STRICT,
		RTE_VMAP_IOVA_DOMAIN, true)), "STRICT");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations");
	return TEST_SUCCESS;
}

/* An idle block (nothing live) is taken by a purge below a quarter left, by reclaim always. */
static int
test_block_idle_block_taken(void)
{
	struct rte_vmap *vm = blk_space("blk_idle", 0, RTE_VMAP_IOVA_VA, true);
	unsigned int n = VMAP_BLOCK_GRANULES - VMAP_BLOCK_GRANULES / 8, i;
	struct rte_vmap_stats st;
	void **w = calloc(n, sizeof(*w));

	TEST_ASSERT(vm != NULL && w != NULL, "setup");
	if (!vm->blocks->barrier) {
		rte_vmap_destroy(vm);
		free(w);
		printf("no membarrier(PRIVATE_EXPEDITED): owners seal idle blocks themselves\n");
		return TEST_SKIPPED;
	}
	w[0] = rte_vmap_block_alloc(vm, PAGE_4K);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[0], PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_blocks, 1u, "a purge took a block with most of it left");
	/* Reclaim (allocation pressure) takes it all the same. */
	vmap_reclaim(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_blocks, 0u, "reclaim left an idle block");
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < n; i++)
		w[i] = rte_vmap_block_alloc(vm, PAGE_4K);
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], PAGE_4K), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.va_lazy == 0, "a purge left an idle block with"
		" 1/8 to carve: %" PRIu64 " blocks", st.nr_blocks);
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	VMAP_TEST_VERIFY(vm);
	/* The owner carries on with a new block. */
	w[0] = rte_vmap_block_alloc(vm, PAGE_4K);
	TEST_ASSERT(w[0] != NULL && (uintptr_t)w[0] % BLK == 0, "a new block");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[0], PAGE_4K), "free");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations");
	free(w);
	return TEST_SUCCESS;
}

static int
test_block_destroy_hands_back(void)
{
	struct rte_vmap *vm = blk_space("blk_destroy", 0, RTE_VMAP_IOVA_DOMAIN, true);
	struct blk_remote_alloc ra;
	void *w[40];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(vm, "create");
	for (i = 0; i < 20; i++)
		w[i] = rte_vmap_block_alloc(vm, (i % 5 + 1) * PAGE_4K);
	if (rte_lcore_count() >= 2) {
		ra = (struct blk_remote_alloc){ vm, &w[20], 20, 3 * PAGE_4K, -1 };
		TEST_ASSERT_SUCCESS(blk_on_worker(blk_remote_alloc_fn, &ra), "launch");
		TEST_ASSERT_SUCCESS(ra.ret, "worker allocs");
	}
	for (i = 0; i < 20; i += 3)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], (i % 5 + 1) * PAGE_4K), "free");
	TEST_ASSERT(rec_count(false) > 0, "nothing mapped");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_count(false), 0u, "destroy left block windows mapped");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "destroy left an unflushed unmap");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations");
	return TEST_SUCCESS;
}

/*
 * A spent block whose windows are all freed and that owes no flush (no
 * driver unmap or flush; or STRICT) is carved again by its owner at once.
 */
static int
reuse_in_place(struct rte_vmap *vm)
{
	unsigned int per_block = VMAP_BLOCK_GRANULES / 16, i, round;
	struct rte_vmap_stats st;
	void *w[VMAP_BLOCK_GRANULES / 16];
	uintptr_t start = 0;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < per_block; i++) {
			w[i] = rte_vmap_block_alloc(vm, 16 * PAGE_4K);
			TEST_ASSERT_NOT_NULL(w[i], "alloc");
		}
		if (round == 0)
			start = blk_block_of(w[0]);
		TEST_ASSERT(blk_block_of(w[0]) == start && blk_block_of(w[per_block - 1]) == start,
			"round %u: not the same block", round);
		TEST_ASSERT_EQUAL((uintptr_t)w[0], start, "round %u: not carved from the start",
			round);
		for (i = 0; i < per_block; i++)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * PAGE_4K), "free");
		VMAP_TEST_VERIFY(vm);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	/* The last round's frees count as lazy until the block is reset or purged. */
	TEST_ASSERT(st.nr_blocks == 1 && st.nr_windows == 0 && st.va_lazy ==
		((vm->flags & RTE_VMAP_F_STRICT) != 0 ? 0 : per_block * 16 * PAGE_4K),
		"%" PRIu64 " blocks, va_lazy %" PRIu64, st.nr_blocks, st.va_lazy);
	return TEST_SUCCESS;
}

static int
test_block_reused_in_place_without_flush(void)
{
	struct rte_vmap *vm = blk_space("blk_inplace", 0, RTE_VMAP_IOVA_VA, false);

	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT(vm->blocks->reuse, "no driver ops, and no reuse in place");
	TEST_ASSERT_SUCCESS(reuse_in_place(vm), "no driver");
	rte_vmap_destroy(vm);
	vm = blk_space("blk_inplace_s", RTE_VMAP_F_STRICT, RTE_VMAP_IOVA_DOMAIN, true);
	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT_SUCCESS(reuse_in_place(vm), "STRICT, recording driver");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "a map over an unflushed unmap");
	rte_vmap_destroy(vm);
	/* Lazy with a driver: the dead block goes the lazy way, never reused unflushed. */
	vm = blk_space("blk_inplace_l", 0, RTE_VMAP_IOVA_DOMAIN, true);
	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT(!vm->blocks->reuse, "reuse in place with a flush owed");
	TEST_ASSERT_FAIL(reuse_in_place(vm), "a block with dirt was carved again unflushed");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "a map over an unflushed unmap");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_block_dump_per_lcore(void)
{
	struct rte_vmap *vm = blk_space("blk_dump", 0, RTE_VMAP_IOVA_VA, false);
	char *dump = NULL, want[64];
	size_t len = 0;
	void *a, *b;
	FILE *f;

	TEST_ASSERT_NOT_NULL(vm, "create");
	a = rte_vmap_block_alloc(vm, PAGE_4K);
	b = rte_vmap_block_alloc(vm, 3 * PAGE_4K);
	TEST_ASSERT(a != NULL && b != NULL, "alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a, PAGE_4K), "free");
	f = open_memstream(&dump, &len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_vmap_dump(f, vm);
	fclose(f);
	snprintf(want, sizeof(want), "lcore %u:", rte_lcore_id());
	TEST_ASSERT(strstr(dump, want) != NULL && strstr(dump, "live 4 free 251 dirty 1") !=
		NULL && strstr(dump, "blocks 1") != NULL,
		"dump lacks the block line:\n%s", dump);
	free(dump);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, 3 * PAGE_4K), "free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_block_suite = {
	.suite_name = "vmap per-lcore block caches",
	.unit_test_cases = {
		TEST_CASE(test_block_carving_against_model),
		TEST_CASE(test_block_stale_alias_purged),
		TEST_CASE(test_block_reuse_after_purge),
		TEST_CASE(test_block_misuse_changes_nothing),
		TEST_CASE(test_block_strict_flushes_at_free),
		TEST_CASE(test_block_owner_calls_invalidate_stats_cache),
		TEST_CASE(test_block_idle_block_taken),
		TEST_CASE(test_block_destroy_hands_back),
		TEST_CASE(test_block_reused_in_place_without_flush),
		TEST_CASE(test_block_dump_per_lcore),
		TEST_CASES_END()
	}
};

static int
test_vmap_block(void)
{
	return unit_test_suite_runner(&vmap_block_suite);
}

REGISTER_FAST_TEST(vmap_block_autotest, NOHUGE_OK, ASAN_OK, test_vmap_block);
