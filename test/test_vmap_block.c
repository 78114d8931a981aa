/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_block_autotest: per-lcore block caches (rte_vmap_block_alloc/free).
 *
 * - carving and dirt accounting against a model (bump by power-of-two
 *   order, holes never reused, va_lazy = unflushed block dirt + dead hosts);
 * - the kernel's block bugs as regressions: a dirty window of a full block
 *   missed by the purge (fc1e0d980037), the wrong queue's lock for a block
 *   found through another lcore's table (2024), a block visible before it
 *   is initialised (3e3de7947c75), the hash over a sparse lcore set
 *   (CVE-2024-41032);
 * - cross-lcore free storms, reuse after a purge, misuse, the shared path
 *   (RTE_VMAP_F_NO_LCORE_CACHE, non-EAL threads), lcore lifecycle, STRICT,
 *   destroy with live block windows.
 *
 * A recording IOMMU driver ("test_blk_rec") tracks every map, unmap and
 * flush: a map over an unflushed unmap is a violation, and after
 * rte_vmap_purge() no unmap may be left unflushed (no stale translation).
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
#include <rte_vmap_iommu.h>

#include "test_vmap.h"
#include "vmap_test_util.h"
/* Internal: the block size, the hash of a sparse lcore set, reclaim. */
#include "vmap_block.h"

#define KIB ((size_t)1 << 10)
#define BLK ((uintptr_t)VMAP_BLOCK_SIZE)
#define GRAN ((size_t)4096)

/* ---- a recording IOMMU driver ------------------------------------------- */

#define REC_MAX 8192

static struct vmap_test_rec rec[REC_MAX];
static unsigned int rec_n;
static unsigned int rec_violations;
static unsigned int rec_flushes;
static rte_spinlock_t rec_lock = RTE_SPINLOCK_INITIALIZER;

static int
rec_open(struct rte_vmap *vm, const char *args, void **priv)
{
	RTE_SET_USED(vm);
	RTE_SET_USED(args);
	*priv = rec;
	rte_spinlock_lock(&rec_lock);
	rec_n = 0;
	rec_violations = 0;
	rec_flushes = 0;
	rte_spinlock_unlock(&rec_lock);
	return 0;
}

static int
rec_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	unsigned int i;
	int ret;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec_lock);
	for (i = 0; i < rec_n; i++) {
		if ((rec[i].stale || rec[i].live) &&
				(vmap_test_overlaps(rec[i].iova, rec[i].len, iova, len) ||
				vmap_test_overlaps(rec[i].va, rec[i].len, (uintptr_t)va, len))) {
			/* Invariant 1: never over an unflushed unmap; nor twice. */
			printf("violation: map %p+%zu over a %s range\n", va, len,
				rec[i].live ? "live" : "stale");
			rec_violations++;
		}
	}
	ret = vmap_test_rec_add(rec, &rec_n, REC_MAX, va, iova, len);
	rte_spinlock_unlock(&rec_lock);
	return ret;
}

static int
rec_unmap(void *priv, rte_iova_t iova, size_t len)
{
	unsigned int i;
	size_t bytes = 0;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec_lock);
	for (i = 0; i < rec_n; i++) {
		if (!rec[i].live || !vmap_test_overlaps(rec[i].iova, rec[i].len, iova, len))
			continue;
		/* Invariant 6: whole earlier maps only. */
		if (rec[i].iova < iova || rec[i].iova + rec[i].len > iova + len) {
			printf("violation: unmap 0x%" PRIx64 "+%zu splits a map\n", iova, len);
			rec_violations++;
		}
		bytes += rec[i].len;
	}
	if (bytes != len) {
		printf("violation: unmap 0x%" PRIx64 "+%zu covers %zu mapped bytes\n", iova, len,
			bytes);
		rec_violations++;
	}
	vmap_test_rec_unmapped(rec, rec_n, iova, len);
	rte_spinlock_unlock(&rec_lock);
	return 0;
}

static int
rec_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec_lock);
	rec_flushes++;
	vmap_test_rec_flushed(rec, rec_n, start, end);
	rte_spinlock_unlock(&rec_lock);
	return 0;
}

static unsigned int
rec_count(bool stale)
{
	unsigned int n;

	rte_spinlock_lock(&rec_lock);
	n = vmap_test_rec_count(rec, rec_n, stale);
	rte_spinlock_unlock(&rec_lock);
	return n;
}

static struct rte_vmap_iommu_ops blk_rec_ops = {
	.name = "test_blk_rec",
	.open = rec_open,
	.map = rec_map,
	.unmap = rec_unmap,
	.flush = rec_flush,
};

RTE_VMAP_IOMMU_REGISTER(blk_rec_ops);

/* A driver with a flush only: dead blocks owe a flush, so none is reused in place. */
static int
flush_nop(void *priv, rte_iova_t start, rte_iova_t end)
{
	RTE_SET_USED(priv);
	RTE_SET_USED(start);
	RTE_SET_USED(end);
	return 0;
}

static struct rte_vmap_iommu_ops blk_flush_ops = {
	.name = "test_blk_flush",
	.flush = flush_nop,
};

RTE_VMAP_IOMMU_REGISTER(blk_flush_ops);

/* ---- helpers -------------------------------------------------------------- */

static struct rte_vmap *
blk_space_drv(const char *name, unsigned int flags, enum rte_vmap_iova_mode mode,
		const char *iommu)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, name);
	p.flags = flags;
	p.iova_mode = mode;
	p.iommu = iommu;
	/* No purge on its own: the cases say when one runs. */
	p.lazy_max = (size_t)1 << 30;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("rte_vmap_create(%s) failed: %s\n", name, rte_strerror(rte_errno));
	return vm;
}

static struct rte_vmap *
blk_space(const char *name, unsigned int flags, enum rte_vmap_iova_mode mode, bool rec_driver)
{
	return blk_space_drv(name, flags, mode, rec_driver ? "test_blk_rec" : NULL);
}

static int
stats_of(struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	return rte_vmap_stats_get(vm, st);
}

static bool
stats_same(const struct rte_vmap_stats *a, const struct rte_vmap_stats *b)
{
	return a->va_used == b->va_used && a->nr_windows == b->nr_windows &&
		a->mem_used == b->mem_used && a->va_lazy == b->va_lazy &&
		a->nr_blocks == b->nr_blocks && a->nr_unmaps == b->nr_unmaps;
}

static unsigned int
worker_lcore(void)
{
	return rte_get_next_lcore(-1, 1, 0);
}

static int
need_two_lcores(void)
{
	if (rte_lcore_count() < 2) {
		printf("needs 2 lcores (-l 0-1)\n");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

/* Mostly small, sometimes up to the block max, not always 4 KiB multiples. */
static size_t
rnd_size(uint64_t *x, size_t max)
{
	uint64_t r = vmap_test_rand(x);

	if (r % 4 != 0)
		return 1 + (r >> 8) % (16 * KIB);
	return 1 + (r >> 8) % max;
}

static inline uint32_t
pages_of(size_t size)
{
	return (uint32_t)((size + GRAN - 1) / GRAN);
}

static inline uintptr_t
block_of(const void *p)
{
	return (uintptr_t)p & ~(BLK - 1);
}

/* A window's own description, for a thread that did not allocate it. */
static void
win_stamp(void *p, size_t size)
{
	uint64_t *w = p;

	w[0] = size;
	w[pages_of(size) * GRAN / 8 - 1] = ~(uint64_t)(uintptr_t)p;
}

static int
win_unstamp(void *p, size_t *size)
{
	uint64_t *w = p;

	*size = w[0];
	if (*size == 0 || *size > VMAP_BLOCK_MAX ||
			w[pages_of(*size) * GRAN / 8 - 1] != ~(uint64_t)(uintptr_t)p)
		return -1;
	return 0;
}

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
	size_t size = rnd_size(x, VMAP_BLOCK_MAX);
	uint32_t pages = pages_of(size), span = rte_align32pow2(pages);
	struct rte_vmap_window w;
	struct model_blk *b;
	uintptr_t a;
	unsigned int i;
	void *p;

	p = rte_vmap_block_alloc(m->vm, size);
	TEST_ASSERT_NOT_NULL(p, "block_alloc(%zu): %s", size, rte_strerror(rte_errno));
	a = (uintptr_t)p;
	TEST_ASSERT_EQUAL(a % GRAN, 0, "unaligned %p", p);
	if (m->cur != 0 && !m->taken && a == m->next && a + span * GRAN <= m->cur + BLK) {
		/* Bump from the tail of the active block. */
	} else {
		/* A new block: the window did not fit, or a purge took the block. */
		TEST_ASSERT_EQUAL(a % BLK, 0, "%p: neither the bump offset %#" PRIxPTR
			" nor a new block", p, m->next);
		TEST_ASSERT(m->cur == 0 || m->taken || m->next + span * GRAN > m->cur + BLK,
			"new block although %u pages fit at %#" PRIxPTR, span, m->next);
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
	m->next = a + span * GRAN;
	model_blk(m, m->cur)->live++;
	m->win[m->nr_win++] = (struct model_win){ p, size };

	TEST_ASSERT_SUCCESS(rte_vmap_find(m->vm, (char *)p + pages * GRAN - 1, &w), "find");
	TEST_ASSERT(w.va == p && w.size == pages * GRAN && w.from_block == 1,
		"find: %p %zu %d", w.va, w.size, w.from_block);
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(m->vm, (char *)p + pages * GRAN - 1),
		w.iova + pages * GRAN - 1, "virt2iova of the last byte");
	if (span > pages)
		TEST_ASSERT_EQUAL(rte_vmap_find(m->vm, (char *)p + pages * GRAN, &w), -ENOENT,
			"the padding of a carved span is no window");
	return TEST_SUCCESS;
}

static int
model_free(struct model *m, uint64_t *x)
{
	unsigned int k = vmap_test_rand(x) % m->nr_win;
	struct model_win w = m->win[k];
	uint32_t pages = pages_of(w.size);
	struct rte_vmap_window info;
	struct model_blk *b;
	size_t size;

	/* Any size rounding to the same pages is accepted. */
	size = vmap_test_rand(x) % 2 == 0 ? w.size : pages * GRAN;
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(m->vm, w.va, size), "block_free(%p)", w.va);
	m->win[k] = m->win[--m->nr_win];
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(m->vm, w.va), RTE_BAD_IOVA, "freed, translated");
	TEST_ASSERT_EQUAL(rte_vmap_find(m->vm, w.va, &info), -ENOENT, "freed, found");
	b = model_blk(m, block_of(w.va));
	TEST_ASSERT_NOT_NULL(b, "model: no block for %p", w.va);
	b->live--;
	b->lazy += pages * GRAN;
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
		bytes += pages_of(m->win[i].size) * GRAN;
	for (i = 0; i < m->nr_blk; i++)
		lazy += m->blk[i].lazy;
	TEST_ASSERT_SUCCESS(stats_of(m->vm, &st), "stats");
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
	uint32_t left = (uint32_t)((m->cur + BLK - m->next) / GRAN);
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
	if (rec_count(false) != 0 || rec_count(true) != 0 || rec_violations != 0) {
		printf("driver after destroy: %u live, %u stale, %u violations\n",
			rec_count(false), rec_count(true), rec_violations);
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

/* ---- the kernel's block bugs ---------------------------------------------- */

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
		w[n] = rte_vmap_block_alloc(vm, GRAN);
		TEST_ASSERT_NOT_NULL(w[n], "alloc %u", n);
		if (n == 0)
			TEST_ASSERT_EQUAL((uintptr_t)w[0] % BLK, 0, "not a fresh block");
	}
	TEST_ASSERT_EQUAL(block_of(w[VMAP_BLOCK_GRANULES - 1]), block_of(w[0]), "not one block");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[7], GRAN), "free one");
	TEST_ASSERT_EQUAL(rec_count(true), 1u, "the unmap is owed a flush");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation after rte_vmap_purge()");
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < n; i++)
		if (i != 7)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], GRAN), "free %u", i);
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
			w[i] = rte_vmap_block_alloc(vm, GRAN);
			TEST_ASSERT_NOT_NULL(w[i], "alloc");
		}
		rf = (struct remote_free){ vm, &w[3], 1, GRAN, -1 };
		rte_eal_remote_launch(remote_free_fn, &rf, worker_lcore());
		rte_eal_wait_lcore(worker_lcore());
		TEST_ASSERT_SUCCESS(rf.ret, "remote free");
		TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
		TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation of a remote free");
		w[3] = NULL;
		rf = (struct remote_free){ vm, w, VMAP_BLOCK_GRANULES, GRAN, -1 };
		remote_free_fn(&rf);
		TEST_ASSERT_SUCCESS(rf.ret, "free the rest");
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	TEST_ASSERT_EQUAL(rec_violations, 0u, "driver saw violations");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT(rec_count(false) == 0 && rec_count(true) == 0, "driver state after destroy");
	return TEST_SUCCESS;
}

/* The worker allocates n windows of size and writes them to w[]. */
struct remote_alloc {
	struct rte_vmap *vm;
	void **w;
	unsigned int n;
	size_t size;
	int ret;
};

static int
remote_alloc_fn(void *arg)
{
	struct remote_alloc *ra = arg;
	unsigned int i;

	ra->ret = 0;
	for (i = 0; i < ra->n; i++) {
		ra->w[i] = rte_vmap_block_alloc(ra->vm, ra->size);
		if (ra->w[i] == NULL)
			ra->ret = -1;
	}
	return 0;
}

static int
on_worker(lcore_function_t *fn, void *arg)
{
	if (rte_eal_remote_launch(fn, arg, worker_lcore()) != 0)
		return -1;
	return rte_eal_wait_lcore(worker_lcore());
}

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
	struct remote_alloc ra;
	void **w = calloc(n, sizeof(*w));
	const struct vmap_block *b;
	uintptr_t last;

	TEST_ASSERT(vm != NULL && w != NULL, "setup");
	/* 64 KiB windows: 16 per block, five blocks, hashed over both tables. */
	ra = (struct remote_alloc){ vm, w, n, 16 * GRAN, -1 };
	TEST_ASSERT_SUCCESS(on_worker(remote_alloc_fn, &ra), "launch");
	TEST_ASSERT_SUCCESS(ra.ret, "worker allocs");
	for (i = 0; i < n; i += per_block) {
		b = vm->blocks->zone_map[vmap_block_zone(vm->blocks, (uintptr_t)w[i])];
		TEST_ASSERT(b != NULL && b->owner == worker_lcore(), "block of the worker");
		tables |= 1u << (b->table == rte_get_main_lcore());
	}
	TEST_ASSERT_EQUAL(tables, 3u, "the worker's blocks are in one table only");
	VMAP_TEST_VERIFY(vm);
	/* The main lcore frees all but the last window of every block, then purges. */
	for (i = 0; i < n; i++)
		if (i % per_block != per_block - 1 || i == n - 1)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * GRAN), "free %u", i);
	last = (uintptr_t)w[n - 1];
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale translation");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	/* The worker's active (last) block was full and idle: taken by the purge. */
	if (vm->blocks->barrier)
		TEST_ASSERT_EQUAL(st.nr_blocks, 4u, "blocks after the purge: %" PRIu64,
			st.nr_blocks);
	TEST_ASSERT_EQUAL(st.nr_windows, 4u, "windows %" PRIu64, st.nr_windows);
	/* The worker allocates on: a new block, its queue intact. */
	ra = (struct remote_alloc){ vm, w, per_block, 16 * GRAN, -1 };
	TEST_ASSERT_SUCCESS(on_worker(remote_alloc_fn, &ra), "launch");
	TEST_ASSERT_SUCCESS(ra.ret, "worker allocs after the purge");
	/* A new block (its host may be the taken one's: it was flushed and pooled). */
	TEST_ASSERT_EQUAL((uintptr_t)w[0] % BLK, 0, "the taken block was carved again");
	RTE_SET_USED(last);
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < per_block; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * GRAN), "free");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations, 0u, "driver saw violations");
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
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(publish_fn, &pr, worker_lcore()), "launch");
	while (!__atomic_load_n(&pr.done, __ATOMIC_ACQUIRE)) {
		/* Every walker of the tables: purge, stats, find, dump. */
		rte_vmap_purge(vm);
		stats_of(vm, &st);
		rte_vmap_find(vm, (char *)vm->map_base + vmap_test_rand(&x) % (64 * BLK), &w);
		if (++reads % 16 == 0)
			rte_vmap_dump(devnull, vm);
	}
	rte_eal_wait_lcore(worker_lcore());
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
			size = rnd_size(&x, VMAP_BLOCK_MAX);
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
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(storm_worker, s, worker_lcore()), "launch");
	storm_side(s, 0);
	rte_eal_wait_lcore(worker_lcore());
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
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
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
	TEST_ASSERT_EQUAL(rec_violations, 0u, "driver saw violations");
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
	dead[nr_dead++] = block_of(a[0]);
	/* The next one seals the first block; freeing its windows kills it. */
	b = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
	TEST_ASSERT(b != NULL && block_of(b) != dead[0], "a second block");
	keep = block_of(b);
	for (i = 0; i < per_block; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[i], VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st0), "stats");
	TEST_ASSERT_EQUAL(st0.nr_blocks, 1u, "the first block is dead");
	TEST_ASSERT_EQUAL(st0.va_lazy, (uint64_t)BLK, "its host waits for a flush");
	/* Not reused before the flush: more blocks die, none is a dead one. */
	for (j = 0; j < 3; j++) {
		for (i = 0; i < per_block; i++) {
			a[i] = rte_vmap_block_alloc(vm, VMAP_BLOCK_MAX);
			TEST_ASSERT_NOT_NULL(a[i], "alloc");
			for (k = 0; k < nr_dead; k++)
				TEST_ASSERT(block_of(a[i]) != dead[k], "a dead block reused before"
					" a flush");
		}
		for (i = 0; i < per_block; i++)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[i], VMAP_BLOCK_MAX), "free");
		/* Sealed and all freed: every block of the round but the active one died. */
		for (i = 0; i < per_block; i++)
			if (block_of(a[i]) != keep &&
					block_of(a[i]) != block_of(a[per_block - 1]) &&
					(i == 0 || block_of(a[i]) != block_of(a[i - 1])) &&
					nr_dead < RTE_DIM(dead))
				dead[nr_dead++] = block_of(a[i]);
	}
	TEST_ASSERT(nr_dead >= 3, "only %u blocks died", nr_dead);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st0), "stats");
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
			reused |= block_of(p) == dead[k];
		break;
	}
	TEST_ASSERT_SUCCESS(stats_of(vm, &st1), "stats");
	TEST_ASSERT(reused, "the new block %p is no purged host", p);
	TEST_ASSERT(st1.mem_used <= st0.mem_used, "a new block faulted in memory: %" PRIu64
		" -> %" PRIu64, st0.mem_used, st1.mem_used);
	for (j = 0; j <= i && j < RTE_DIM(a); j++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a[j], VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, VMAP_BLOCK_MAX), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	TEST_ASSERT_EQUAL(rec_violations, 0u, "a map over an unflushed unmap");
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
	char *tail = (char *)block_of(mu->big) + BLK - GRAN;
	int local;

	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, 8192), -EINVAL, "wrong size");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two, GRAN), -EINVAL, "smaller size");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, 0), -EINVAL, "size 0");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->one, VMAP_BLOCK_MAX + 1), -EINVAL,
		"over block max");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two + GRAN, GRAN), -ENOENT, "interior");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->two + 8, 2 * GRAN), -ENOENT, "unaligned");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, tail, GRAN), -ENOENT, "never carved");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu->plain, GRAN), -EINVAL, "not a block window");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, &local, GRAN), -ENOENT, "outside the space");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(NULL, mu->one, GRAN), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, NULL, GRAN), 0, "NULL is a no-op");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, mu->one), -EINVAL, "block window to rte_vmap_free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, mu->two), -EINVAL, "block window to rte_vmap_free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)block_of(mu->big)), -EINVAL,
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
	mu.one = rte_vmap_block_alloc(vm, GRAN);
	mu.two = rte_vmap_block_alloc(vm, 2 * GRAN);
	mu.plain = rte_vmap_alloc(vm, GRAN, 0, SOCKET_ID_ANY);
	TEST_ASSERT(mu.big && mu.one && mu.two && mu.plain, "alloc");
	TEST_ASSERT_EQUAL((uintptr_t)mu.big % BLK, 0, "the first window opens a block");
	TEST_ASSERT_SUCCESS(stats_of(vm, &before), "stats");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_SUCCESS(misuse_calls(&mu), "refused on the owner lcore");
	if (rte_lcore_count() >= 2) {
		mu.ret = -1;
		on_worker(misuse_remote_fn, &mu);
		TEST_ASSERT_SUCCESS(mu.ret, "refused on another lcore");
	}
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(stats_of(vm, &after), "stats");
	TEST_ASSERT(stats_same(&before, &after), "a refused call changed the stats");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, mu.two + GRAN, &w), "window lost");
	TEST_ASSERT(w.va == mu.two && w.from_block == 1, "find");
	VMAP_TEST_VERIFY(vm);
	/* Double free, sequential: refused, from the owner and from another lcore. */
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.one, 4000), "free (same rounding)");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, mu.one, GRAN), -ENOENT, "double free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)block_of(mu.big)), -EINVAL, "still a window");
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.big, 64 * KIB), "free");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)block_of(mu.big)), -ENOENT,
		"freed window at the block start");
	rte_log_set_level(vmap_logtype, level);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mu.two, 2 * GRAN), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, mu.plain), "free");
	TEST_ASSERT_SUCCESS(stats_of(vm, &after), "stats");
	TEST_ASSERT_EQUAL(after.nr_windows, 0u, "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
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
		w[i] = rte_vmap_block_alloc(vm, (i % 8 + 1) * GRAN);
		TEST_ASSERT_SUCCESS(shared_path_window(vm, w[i]), "window %u", i);
	}
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.nr_windows == RTE_DIM(w), "stats: %" PRIu64
		" blocks %" PRIu64 " windows", st.nr_blocks, st.nr_windows);
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, w[1], 4 * GRAN), -EINVAL, "wrong size");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, w[1]), -EINVAL, "block window to rte_vmap_free");
	rte_log_set_level(vmap_logtype, level);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], (i % 8 + 1) * GRAN), "free");
	rte_log_set_level(vmap_logtype, RTE_LOG_CRIT);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, w[0], GRAN), -ENOENT, "double free");
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
		tj->p[i] = rte_vmap_block_alloc(tj->vm, (i + 1) * GRAN);
	tj->ret = rte_vmap_block_free(tj->vm, tj->mine, GRAN);
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
	mine = rte_vmap_block_alloc(vm, GRAN);
	TEST_ASSERT_NOT_NULL(mine, "alloc");
	tj.mine = rte_vmap_block_alloc(vm, GRAN);
	TEST_ASSERT_NOT_NULL(tj.mine, "alloc");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st0), "stats");
	TEST_ASSERT_SUCCESS(pthread_create(&t, NULL, non_eal_fn, &tj), "pthread_create");
	pthread_join(t, NULL);
	TEST_ASSERT_EQUAL(tj.lcore, (unsigned int)LCORE_ID_ANY, "the thread has an lcore id");
	TEST_ASSERT_SUCCESS(tj.ret, "a non-EAL thread freeing an lcore's block window");
	for (i = 0; i < RTE_DIM(tj.p); i++)
		TEST_ASSERT_SUCCESS(shared_path_window(vm, tj.p[i]), "window %u", i);
	TEST_ASSERT_SUCCESS(stats_of(vm, &st1), "stats");
	TEST_ASSERT(st1.nr_blocks == st0.nr_blocks &&
		st1.nr_windows == st0.nr_windows + RTE_DIM(tj.p) - 1, "stats");
	VMAP_TEST_VERIFY(vm);
	/* An lcore frees the thread's windows, the thread frees the lcore's. */
	for (i = 0; i < RTE_DIM(tj.p); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, tj.p[i], (i + 1) * GRAN), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, mine, GRAN), "free");
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
		tj->p[i] = rte_vmap_block_alloc(tj->vm, GRAN);
	/* Free half of them here; the other half outlives the lcore. */
	for (i = 0; i < RTE_DIM(tj->p); i += 2)
		if (rte_vmap_block_free(tj->vm, tj->p[i], GRAN) != 0)
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
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
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
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, tj.p[i], GRAN), "free");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.nr_windows == 0, "nothing may be left: %" PRIu64
		" blocks", st.nr_blocks);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT(rec_count(false) == 0 && rec_count(true) == 0, "driver state after destroy");
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
		w[i] = rte_vmap_block_alloc(vm, 8 * GRAN);
	for (i = 0; i < RTE_DIM(w); i++) {
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 8 * GRAN), "free");
		TEST_ASSERT_EQUAL(rec_count(true), 0u, "STRICT: unflushed unmap after a free");
	}
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "STRICT: va_lazy %" PRIu64, st.va_lazy);
	TEST_ASSERT(st.nr_flushes >= RTE_DIM(w), "STRICT: %" PRIu64 " flushes", st.nr_flushes);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations, 0u, "violations");
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
	w[0] = rte_vmap_block_alloc(vm, GRAN);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[0], GRAN), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_blocks, 1u, "a purge took a block with most of it left");
	/* Reclaim (allocation pressure) takes it all the same. */
	vmap_reclaim(vm);
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_blocks, 0u, "reclaim left an idle block");
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < n; i++)
		w[i] = rte_vmap_block_alloc(vm, GRAN);
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], GRAN), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	TEST_ASSERT(st.nr_blocks == 0 && st.va_lazy == 0, "a purge left an idle block with"
		" 1/8 to carve: %" PRIu64 " blocks", st.nr_blocks);
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "stale");
	VMAP_TEST_VERIFY(vm);
	/* The owner carries on with a new block. */
	w[0] = rte_vmap_block_alloc(vm, GRAN);
	TEST_ASSERT(w[0] != NULL && (uintptr_t)w[0] % BLK == 0, "a new block");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[0], GRAN), "free");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations, 0u, "violations");
	free(w);
	return TEST_SUCCESS;
}

static int
test_block_destroy_hands_back(void)
{
	struct rte_vmap *vm = blk_space("blk_destroy", 0, RTE_VMAP_IOVA_DOMAIN, true);
	struct remote_alloc ra;
	void *w[40];
	unsigned int i;

	TEST_ASSERT_NOT_NULL(vm, "create");
	for (i = 0; i < 20; i++)
		w[i] = rte_vmap_block_alloc(vm, (i % 5 + 1) * GRAN);
	if (rte_lcore_count() >= 2) {
		ra = (struct remote_alloc){ vm, &w[20], 20, 3 * GRAN, -1 };
		TEST_ASSERT_SUCCESS(on_worker(remote_alloc_fn, &ra), "launch");
		TEST_ASSERT_SUCCESS(ra.ret, "worker allocs");
	}
	for (i = 0; i < 20; i += 3)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], (i % 5 + 1) * GRAN), "free");
	TEST_ASSERT(rec_count(false) > 0, "nothing mapped");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_count(false), 0u, "destroy left block windows mapped");
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "destroy left an unflushed unmap");
	TEST_ASSERT_EQUAL(rec_violations, 0u, "violations");
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
			w[i] = rte_vmap_block_alloc(vm, 16 * GRAN);
			TEST_ASSERT_NOT_NULL(w[i], "alloc");
		}
		if (round == 0)
			start = block_of(w[0]);
		TEST_ASSERT(block_of(w[0]) == start && block_of(w[per_block - 1]) == start,
			"round %u: not the same block", round);
		TEST_ASSERT_EQUAL((uintptr_t)w[0], start, "round %u: not carved from the start",
			round);
		for (i = 0; i < per_block; i++)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w[i], 16 * GRAN), "free");
		VMAP_TEST_VERIFY(vm);
	}
	TEST_ASSERT_SUCCESS(stats_of(vm, &st), "stats");
	/* The last round's frees count as lazy until the block is reset or purged. */
	TEST_ASSERT(st.nr_blocks == 1 && st.nr_windows == 0 && st.va_lazy ==
		((vm->flags & RTE_VMAP_F_STRICT) != 0 ? 0 : per_block * 16 * GRAN),
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
	TEST_ASSERT_EQUAL(rec_violations, 0u, "a map over an unflushed unmap");
	rte_vmap_destroy(vm);
	/* Lazy with a driver: the dead block goes the lazy way, never reused unflushed. */
	vm = blk_space("blk_inplace_l", 0, RTE_VMAP_IOVA_DOMAIN, true);
	TEST_ASSERT_NOT_NULL(vm, "create");
	TEST_ASSERT(!vm->blocks->reuse, "reuse in place with a flush owed");
	TEST_ASSERT_FAIL(reuse_in_place(vm), "a block with dirt was carved again unflushed");
	TEST_ASSERT_EQUAL(rec_violations, 0u, "a map over an unflushed unmap");
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
	a = rte_vmap_block_alloc(vm, GRAN);
	b = rte_vmap_block_alloc(vm, 3 * GRAN);
	TEST_ASSERT(a != NULL && b != NULL, "alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, a, GRAN), "free");
	f = open_memstream(&dump, &len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_vmap_dump(f, vm);
	fclose(f);
	snprintf(want, sizeof(want), "lcore %u:", rte_lcore_id());
	TEST_ASSERT(strstr(dump, want) != NULL && strstr(dump, "live 4 free 251 dirty 1") !=
		NULL && strstr(dump, "blocks 1") != NULL,
		"dump lacks the block line:\n%s", dump);
	free(dump);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, 3 * GRAN), "free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_block_suite = {
	.suite_name = "vmap per-lcore block caches",
	.unit_test_cases = {
		TEST_CASE(test_block_carving_against_model),
		TEST_CASE(test_block_stale_alias_purged),
		TEST_CASE_ST(need_two_lcores, NULL, test_block_owner_state_not_table),
		TEST_CASE_ST(need_two_lcores, NULL, test_block_published_initialised),
		TEST_CASE(test_block_hash_sparse_lcores),
		TEST_CASE_ST(need_two_lcores, NULL, test_block_cross_lcore_free_storm),
		TEST_CASE(test_block_reuse_after_purge),
		TEST_CASE(test_block_misuse_changes_nothing),
		TEST_CASE(test_block_no_lcore_cache_shared_path),
		TEST_CASE(test_block_non_eal_thread_shared_path),
		TEST_CASE(test_block_lcore_lifecycle),
		TEST_CASE(test_block_strict_flushes_at_free),
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

REGISTER_TEST_COMMAND(vmap_block_autotest, test_vmap_block);
