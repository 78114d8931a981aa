/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_lazy_autotest: lazy batched unmapping under concurrent use, checked
 * from the IOMMU's side.
 *
 * A thread-safe recording driver ("test_lazy_rec") keeps every translation
 * it was given and fails the test on any breach of the driver contract
 * (rte_vmap_iommu.h):
 *
 *   1, 2  a map overlapping, in VA or IOVA, a range unmapped and not yet
 *         flushed (the VA check is the backing check: a space's backing is
 *         indexed by VA, so backing reused before the flush is a VA reused
 *         before it), or a live mapping
 *   3     a range freed before rte_vmap_purge() still mapped or unflushed
 *         when it returns; anything unflushed when the space closes
 *   6     an unmap that splits a map, or covers bytes that are not mapped
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
 * The last case drives the "sim" IOMMU: a simulated device DMA-reads and
 * writes live windows through their IOVAs and must see what the CPU sees;
 * after rte_vmap_purge() every freed IOVA must fault unless a live window
 * has it again.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
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
#include <rte_spinlock.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>
#include <rte_vmap_iommu_sim.h>

#include "test.h"
#include "test_vmap.h"
#include "vmap_test_util.h"

#define LZ_PAGE ((size_t)4096)

/* ---- the recording driver --------------------------------------------- */

/* Translations the recorder can hold at once (live plus unflushed). */
#define REC_CAP 65536u
/* Violations printed in full; the rest are only counted. */
#define REC_REPORT_MAX 8

enum rec_state {
	REC_GONE = 0, /* unmapped and flushed, or never mapped */
	REC_LIVE,     /* mapped */
	REC_STALE,    /* unmapped, no covering flush yet */
};

struct rec_ent {
	uintptr_t va;
	rte_iova_t iova;
	size_t len;
	uint64_t seq;  /* of the map call; unique for the life of the recorder */
	uint8_t state; /* REC_LIVE or REC_STALE: gone entries leave the array */
};

/* What the driver knows, under lock: both lcores call it at once. */
struct rec {
	rte_spinlock_t lock;
	bool open;
	struct rec_ent *ent;
	unsigned int n;
	uint64_t next_seq;
	uint64_t map_calls;    /* every call, failed ones included */
	uint64_t maps;         /* successful */
	uint64_t unmaps;       /* calls */
	uint64_t flushes;      /* calls */
	uint64_t live_bytes;
	uint64_t stale_bytes;
	uint64_t violations;
	unsigned int fail_every; /* fail every Nth map with -EIO; 0 = never */
	bool quiet;              /* the self-check: count violations, print none */
};

static struct rec rec = { .lock = RTE_SPINLOCK_INITIALIZER };

/* A snapshot of the recorder's counters. */
struct rec_counts {
	uint64_t maps, unmaps, flushes;
	uint64_t live_bytes, stale_bytes;
	unsigned int nr_live, nr_stale;
	uint64_t violations;
};

/* Called with rec.lock held: count, and print the first few. */
static void __rte_format_printf(1, 2)
rec_violation(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (rec.violations++ >= REC_REPORT_MAX || rec.quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("  test_lazy_rec: VIOLATION (lcore %u): %s\n", rte_lcore_id(), msg);
}

static int
rec_open(struct rte_vmap *vm, const char *args, void **priv)
{
	/* Allocated before the lock: nothing allocates under a spinlock. */
	struct rec_ent *ent = calloc(REC_CAP, sizeof(*ent));

	RTE_SET_USED(vm);
	RTE_SET_USED(args);
	if (ent == NULL)
		return -ENOMEM;
	rte_spinlock_lock(&rec.lock);
	if (rec.open) {
		/* One space at a time: its counters are what the test compares. */
		rte_spinlock_unlock(&rec.lock);
		free(ent);
		return -EBUSY;
	}
	rec.open = true;
	rec.ent = ent;
	rec.n = 0;
	rec.next_seq = 0;
	rec.map_calls = rec.maps = rec.unmaps = rec.flushes = 0;
	rec.live_bytes = rec.stale_bytes = 0;
	rec.violations = 0;
	rec.quiet = false;
	rte_spinlock_unlock(&rec.lock);
	*priv = &rec;
	return 0;
}

/* The space is gone: its last flush has returned, nothing may be left. */
static void
rec_close(void *priv)
{
	struct rec_ent *ent;
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++)
		rec_violation("close: 0x%" PRIx64 "+%zu still %s", rec.ent[i].iova,
			rec.ent[i].len, rec.ent[i].state == REC_STALE ?
			"unflushed (invariant 3)" : "mapped");
	ent = rec.ent;
	rec.ent = NULL;
	rec.n = 0;
	rec.open = false;
	rte_spinlock_unlock(&rec.lock);
	free(ent);
}

static int
rec_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	uintptr_t a = (uintptr_t)va;
	const struct rec_ent *e;
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	rec.map_calls++;
	if (rec.fail_every != 0 && rec.map_calls % rec.fail_every == 0) {
		rte_spinlock_unlock(&rec.lock);
		return -EIO;
	}
	if (((a | iova | len) & (LZ_PAGE - 1)) != 0 || len == 0)
		rec_violation("map %p 0x%" PRIx64 "+%zu: not 4 KiB pages", va, iova, len);
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (!vmap_test_overlaps(e->va, e->len, a, len) &&
				!vmap_test_overlaps(e->iova, e->len, iova, len))
			continue;
		if (e->state == REC_STALE)
			rec_violation("map %p 0x%" PRIx64 "+%zu over the unflushed unmap of"
				" %#" PRIxPTR " 0x%" PRIx64 "+%zu (invariants 1, 2)", va, iova,
				len, e->va, e->iova, e->len);
		else
			rec_violation("map %p 0x%" PRIx64 "+%zu over the live mapping"
				" %#" PRIxPTR " 0x%" PRIx64 "+%zu", va, iova, len, e->va,
				e->iova, e->len);
	}
	if (rec.n == REC_CAP) {
		rec_violation("recorder full (%u translations)", REC_CAP);
		rte_spinlock_unlock(&rec.lock);
		return -ENOSPC;
	}
	rec.ent[rec.n++] = (struct rec_ent){ a, iova, len, ++rec.next_seq, REC_LIVE };
	rec.maps++;
	rec.live_bytes += len;
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

static int
rec_unmap(void *priv, rte_iova_t iova, size_t len)
{
	struct rec_ent *e;
	size_t bytes = 0;
	unsigned int i;
	bool bad = false;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	rec.unmaps++;
	if (((iova | len) & (LZ_PAGE - 1)) != 0 || len == 0) {
		rec_violation("unmap 0x%" PRIx64 "+%zu: not 4 KiB pages", iova, len);
		bad = true;
	}
	/*
	 * Invariant 6: whole earlier maps (a purge merges neighbours into one
	 * unmap), never part of one, and nothing that is not mapped.
	 */
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (!vmap_test_overlaps(e->iova, e->len, iova, len))
			continue;
		if (e->state == REC_STALE) {
			rec_violation("unmap 0x%" PRIx64 "+%zu covers 0x%" PRIx64 "+%zu, "
				"unmapped already", iova, len, e->iova, e->len);
			bad = true;
		} else if (e->iova < iova || e->iova + e->len > iova + len) {
			rec_violation("unmap 0x%" PRIx64 "+%zu splits the map 0x%" PRIx64
				"+%zu (invariant 6)", iova, len, e->iova, e->len);
			bad = true;
		} else {
			bytes += e->len;
		}
	}
	if (!bad && bytes != len) {
		rec_violation("unmap 0x%" PRIx64 "+%zu covers %zu unmapped bytes (invariant 6)",
			iova, len, len - bytes);
		bad = true;
	}
	if (bad) {
		rte_spinlock_unlock(&rec.lock);
		return -EINVAL;
	}
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (e->state == REC_LIVE && vmap_test_overlaps(e->iova, e->len, iova, len)) {
			e->state = REC_STALE;
			rec.live_bytes -= e->len;
			rec.stale_bytes += e->len;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

static int
rec_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	struct rec_ent *e;
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	rec.flushes++;
	if (start >= end)
		rec_violation("empty flush [0x%" PRIx64 ", 0x%" PRIx64 ")", start, end);
	/* Only a flush over the whole range covers an unmap. */
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (e->state != REC_STALE || e->iova < start || e->iova + e->len > end)
			continue;
		rec.stale_bytes -= e->len;
		rec.ent[i--] = rec.ent[--rec.n];
	}
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

static struct rte_vmap_iommu_ops lazy_rec_ops = {
	.name = "test_lazy_rec",
	.open = rec_open,
	.close = rec_close,
	.map = rec_map,
	.unmap = rec_unmap,
	.flush = rec_flush,
};

RTE_VMAP_IOMMU_REGISTER(lazy_rec_ops);

static void
rec_counts_get(struct rec_counts *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	rte_spinlock_lock(&rec.lock);
	c->maps = rec.maps;
	c->unmaps = rec.unmaps;
	c->flushes = rec.flushes;
	c->live_bytes = rec.live_bytes;
	c->stale_bytes = rec.stale_bytes;
	c->violations = rec.violations;
	for (i = 0; i < rec.n; i++) {
		if (rec.ent[i].state == REC_LIVE)
			c->nr_live++;
		else
			c->nr_stale++;
	}
	rte_spinlock_unlock(&rec.lock);
}

/* Sequence number of the live translation of exactly this window; 0 if none. */
static uint64_t
rec_seq_of(uintptr_t va, rte_iova_t iova, size_t len)
{
	uint64_t seq = 0;
	unsigned int i;

	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++) {
		if (rec.ent[i].state == REC_LIVE && rec.ent[i].va == va &&
				rec.ent[i].iova == iova && rec.ent[i].len == len) {
			seq = rec.ent[i].seq;
			break;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return seq;
}

static int
seq_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * How many of the translations seqs[0..n) (sorted) are still mapped or
 * unflushed; *state gets the state of the first such.
 */
static unsigned int
rec_seqs_left(const uint64_t *seqs, unsigned int n, uint64_t *first, enum rec_state *state)
{
	unsigned int i, left = 0;

	*first = 0;
	*state = REC_GONE;
	if (n == 0)
		return 0;
	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++) {
		if (bsearch(&rec.ent[i].seq, seqs, n, sizeof(*seqs), seq_cmp) == NULL)
			continue;
		if (left++ == 0) {
			*first = rec.ent[i].seq;
			*state = rec.ent[i].state;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return left;
}

static enum rec_state
rec_seq_state(uint64_t seq)
{
	enum rec_state st;
	uint64_t first;

	rec_seqs_left(&seq, 1, &first, &st);
	return st;
}

static uint64_t
rec_violations_get(void)
{
	uint64_t v;

	rte_spinlock_lock(&rec.lock);
	v = rec.violations;
	rte_spinlock_unlock(&rec.lock);
	return v;
}

/*
 * The checker itself: a clean sequence passes, and each breach fed to the
 * driver by hand is counted, so that a silent run below means something.
 */
static int
test_lazy_recorder_self_check(void)
{
	const uintptr_t v = UINT64_C(0x7f0000000000);
	const rte_iova_t i = UINT64_C(0x100000000);
	const size_t pg = LZ_PAGE;
	void *priv;
	int ret;

	TEST_ASSERT_SUCCESS(rec_open(NULL, NULL, &priv), "open");
	rec.quiet = true;
	/* Clean: two neighbours, one merged unmap, one covering flush. */
	ret = rec_map(priv, (void *)v, i, 2 * pg);
	ret |= rec_map(priv, (void *)(v + 2 * pg), i + 2 * pg, pg);
	ret |= rec_unmap(priv, i, 3 * pg);
	ret |= rec_flush(priv, i, i + 3 * pg);
	TEST_ASSERT(ret == 0 && rec_violations_get() == 0 && rec.n == 0,
		"clean sequence: ret %d, %" PRIu64 " violations", ret, rec_violations_get());

	/* Invariants 1, 2: maps over an unflushed unmap, by IOVA then by VA. */
	rec_map(priv, (void *)v, i, pg);
	rec_unmap(priv, i, pg);
	rec_map(priv, (void *)(v + 16 * pg), i, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 1u, "IOVA over an unflushed unmap");
	rec_map(priv, (void *)v, i + 16 * pg, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 2u, "VA over an unflushed unmap");
	rec_map(priv, (void *)(v + 16 * pg), i + 40 * pg, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 3u, "VA over a live mapping");
	rec_flush(priv, i, i + pg);
	ret = rec_unmap(priv, i, pg);
	ret |= rec_unmap(priv, i + 16 * pg, pg);
	ret |= rec_unmap(priv, i + 40 * pg, pg);
	ret |= rec_flush(priv, i, i + 64 * pg);
	TEST_ASSERT(ret == 0 && rec.n == 0, "clean up: ret %d, %u left", ret, rec.n);

	/* Invariant 6: an unmap splitting a map, one covering unmapped bytes. */
	rec_map(priv, (void *)v, i, 2 * pg);
	TEST_ASSERT_EQUAL(rec_unmap(priv, i, pg), -EINVAL, "split");
	TEST_ASSERT_EQUAL(rec_violations_get(), 4u, "unmap splitting a map");
	TEST_ASSERT_EQUAL(rec_unmap(priv, i, 3 * pg), -EINVAL, "too long");
	TEST_ASSERT_EQUAL(rec_violations_get(), 5u, "unmap over unmapped bytes");

	/* Invariant 3: a flush over part of the range does not cover it. */
	TEST_ASSERT_SUCCESS(rec_unmap(priv, i, 2 * pg), "unmap");
	rec_flush(priv, i, i + pg);
	rec_close(priv);
	TEST_ASSERT_EQUAL(rec_violations_get(), 6u, "unflushed unmap at close");
	rec.quiet = false;
	rec.violations = 0;
	return TEST_SUCCESS;
}

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
/* The library's log type, quiet while maps fail on purpose. */
#define LZ_LOGTYPE "lib.vmap"

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

	qsort(lc->pending, lc->nr_pending, sizeof(lc->pending[0]), seq_cmp);
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
	size = pages * LZ_PAGE - (r % 4 == 0 ? (r >> 20) % LZ_PAGE : 0);
	p = rte_vmap_alloc(run->vm, size, 0, SOCKET_ID_ANY);
	if (p == NULL) {
		if (run->cfg->fail_every != 0 && rte_errno == EIO) {
			lc->map_fails++;
			return 0;
		}
		return lz_fail(run, "rte_vmap_alloc(%zu): %s", size, rte_strerror(rte_errno));
	}
	lc->allocs++;
	if (rte_vmap_find(run->vm, p, &w) != 0 || w.va != p || w.size != pages * LZ_PAGE)
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

static int
lz_run_config(const struct lz_config *cfg)
{
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct rec_counts c;
	struct lz_run *run;
	unsigned int worker, i, k;
	uint64_t frees = 0, allocs = 0, purges = 0, fails = 0;
	int ret = TEST_FAILED, log_type, log_level;

	if (rte_lcore_count() < 2) {
		printf("  [%s] skipped: rte_lcore_count() is %u, the workload needs 2 lcores"
			" (run with -l 0-1)\n", cfg->name, rte_lcore_count());
		return TEST_SKIPPED;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	run = calloc(1, sizeof(*run));
	TEST_ASSERT_NOT_NULL(run, "no memory");
	vmap_test_params(&p, cfg->name);
	p.iommu = "test_lazy_rec";
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
	rte_spinlock_lock(&rec.lock);
	rec.fail_every = cfg->fail_every;
	rte_spinlock_unlock(&rec.lock);
	/* Injected map failures are expected: not one log line each. */
	log_type = rte_log_register(LZ_LOGTYPE);
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
		goto out;
	}
	lz_worker(&run->lc[0]);
	rte_eal_wait_lcore(worker);
	rte_spinlock_lock(&rec.lock);
	rec.fail_every = 0;
	rte_spinlock_unlock(&rec.lock);
	if (cfg->fail_every != 0 && log_type >= 0 && log_level > 0)
		rte_log_set_level(log_type, log_level);
	if (run->lc[0].result != 0 || run->lc[1].result != 0)
		goto out;

	for (i = 0; i < RTE_DIM(run->lc); i++) {
		allocs += run->lc[i].allocs;
		frees += run->lc[i].frees;
		purges += run->lc[i].purges;
		fails += run->lc[i].map_fails;
	}
	if (lz_check_quiet(run, lz_live_bytes(run), "after the run") != 0 ||
			lz_check_purged(run, lz_live_bytes(run), "after the run + purge") != 0)
		goto out;
	/* Leftovers still have the translations they were given at allocation. */
	for (i = 0; i < RTE_DIM(run->lc); i++) {
		for (k = 0; k < run->lc[i].nr_live; k++) {
			if (rec_seq_state(run->lc[i].win[k].seq) != REC_LIVE) {
				printf("  [%s] live window %p lost its translation\n", cfg->name,
					run->lc[i].win[k].va);
				goto out;
			}
		}
	}
	/* The leftovers freed on one lcore: lazy until a purge, then all gone. */
	for (i = 0; i < RTE_DIM(run->lc); i++) {
		while (run->lc[i].nr_live > 0) {
			if (lz_free(&run->lc[i], run->lc[i].nr_live - 1) != 0)
				goto out;
			frees++;
		}
	}
	if (lz_check_quiet(run, 0, "leftovers freed") != 0 ||
			lz_check_purged(run, 0, "leftovers freed + purge") != 0)
		goto out;
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(run->vm, &st), "stats");
	rec_counts_get(&c);
	if (st.nr_windows != 0 || c.nr_live != 0) {
		printf("  [%s] %" PRIu64 " windows, %u translations after freeing all\n",
			cfg->name, st.nr_windows, c.nr_live);
		goto out;
	}
	printf("  [%s] %" PRIu64 " allocs (%" PRIu64 " failed maps), %" PRIu64 " frees, %"
		PRIu64 " rte_vmap_purge() calls; library: %" PRIu64 " purges, %" PRIu64
		" unmaps, %" PRIu64 " flushes; driver: %" PRIu64 " maps\n", cfg->name, allocs,
		fails, frees, purges, st.nr_purges, st.nr_unmaps, st.nr_flushes, c.maps);
	if ((cfg->flags & RTE_VMAP_F_STRICT) != 0) {
		if (c.flushes < frees) {
			printf("  [%s] strict: %" PRIu64 " flushes for %" PRIu64 " frees\n",
				cfg->name, c.flushes, frees);
			goto out;
		}
	} else if (c.flushes * 8 >= frees || frees < 1000) {
		printf("  [%s] lazy: %" PRIu64 " flushes for %" PRIu64 " frees, want far fewer"
			" (and at least 1000 frees)\n", cfg->name, c.flushes, frees);
		goto out;
	}
	if (cfg->fail_every != 0 && fails == 0) {
		printf("  [%s] no map failed: the injection did not work\n", cfg->name);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	rte_vmap_destroy(run->vm);
	free(run);
	/* close() checked that nothing was left mapped or unflushed. */
	rte_spinlock_lock(&rec.lock);
	if (rec.violations != 0) {
		printf("  [%s] the driver saw %" PRIu64 " violations\n", cfg->name,
			rec.violations);
		ret = TEST_FAILED;
	}
	rte_spinlock_unlock(&rec.lock);
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

/* ---- the sim IOMMU: device accesses against the CPU view -------------- */

#define SIM_LIVE_CAP 32u
#define SIM_MAX_PAGES 64u
#define SIM_FREED_CAP 512u
#define SIM_RUN_MS 1000u
#define SIM_MAX_OPS 40000u
#define SIM_DMA_MAX 16384u
/* Windows placed one after the other: a few threshold purges in the run. */
#define SIM_LAZY_MAX ((size_t)8 << 20)

struct sim_win {
	uint8_t *va;
	size_t size;
};

struct sim_ctx {
	struct rte_vmap *vm;
	uint64_t rng;
	struct sim_win live[SIM_LIVE_CAP];
	unsigned int nr_live;
	struct sim_win freed[SIM_FREED_CAP]; /* VA mode: the IOVA is the VA */
	unsigned int nr_freed;
	/* What the device's counters must say. */
	uint64_t allocs, frees, purges;
	uint64_t reads, writes, faults, pages;
	uint64_t probes_reused;
	uint8_t buf[SIM_DMA_MAX];
};

/* IOVA pages an access of len bytes at iova translates (len > 0). */
static uint64_t
sim_pages(rte_iova_t iova, size_t len)
{
	return ((iova + len - 1) >> 12) - (iova >> 12) + 1;
}

/* Every word different: a DMA through a wrong translation reads other bytes. */
static void
sim_fill(struct sim_win *w, uint64_t tag)
{
	uint64_t *q = (uint64_t *)(void *)w->va;
	size_t i;

	for (i = 0; i < w->size / 8; i++)
		q[i] = tag ^ (i * 0x100000001b3ull);
}

/* A device read of a random part of a live window sees what the CPU sees. */
static int
sim_dma_check(struct sim_ctx *s, const struct sim_win *w, bool write)
{
	uint64_t r = vmap_test_rand(&s->rng);
	size_t off = r % w->size;
	size_t len = 1 + (r >> 24) % RTE_MIN((size_t)SIM_DMA_MAX, w->size - off);
	rte_iova_t iova = rte_vmap_virt2iova(s->vm, w->va + off);
	size_t i;
	int ret;

	TEST_ASSERT_EQUAL(iova, (rte_iova_t)(uintptr_t)(w->va + off),
		"VA mode: virt2iova(%p) = 0x%" PRIx64, w->va + off, iova);
	if (write) {
		for (i = 0; i < len; i++)
			s->buf[i] = (uint8_t)(r >> (i % 7 * 8)) ^ (uint8_t)i;
		ret = rte_vmap_iommu_sim_dma_write(s->vm, iova, s->buf, len);
		s->writes++;
	} else {
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, s->buf, len);
		s->reads++;
	}
	s->pages += sim_pages(iova, len);
	TEST_ASSERT_SUCCESS(ret, "DMA %s of live window %p + %zu, %zu bytes: %d",
		write ? "write" : "read", w->va, off, len, ret);
	TEST_ASSERT_SUCCESS(memcmp(s->buf, w->va + off, len), "DMA %s of %p + %zu, %zu"
		" bytes: the device and the CPU disagree", write ? "write" : "read", w->va,
		off, len);
	return TEST_SUCCESS;
}

/* One probe of a freed IOVA after a purge: a fault, unless live again. */
static int
sim_probe(struct sim_ctx *s, rte_iova_t iova, bool write)
{
	struct rte_vmap_window w;
	uint8_t b = 0x5a;
	int ret;

	if (rte_vmap_find(s->vm, (void *)(uintptr_t)iova, &w) == 0) {
		/* Given to a new window since: the device reaches that window. */
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, &b, 1);
		s->reads++;
		s->pages++;
		s->probes_reused++;
		TEST_ASSERT_SUCCESS(ret, "IOVA 0x%" PRIx64 " is in the live window %p but"
			" DMA faults", iova, w.va);
		TEST_ASSERT_EQUAL(b, *(const uint8_t *)(uintptr_t)iova, "IOVA 0x%" PRIx64
			": the device and the CPU disagree", iova);
		return TEST_SUCCESS;
	}
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(s->vm, (void *)(uintptr_t)iova), RTE_BAD_IOVA,
		"virt2iova of freed 0x%" PRIx64, iova);
	if (write) {
		ret = rte_vmap_iommu_sim_dma_write(s->vm, iova, &b, 1);
		s->writes++;
	} else {
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, &b, 1);
		s->reads++;
	}
	s->pages++;
	s->faults++;
	TEST_ASSERT_EQUAL(ret, -EFAULT, "DMA %s of freed IOVA 0x%" PRIx64 " after"
		" rte_vmap_purge(): %d, want -EFAULT", write ? "write" : "read", iova, ret);
	TEST_ASSERT_EQUAL(rte_errno, EFAULT, "rte_errno %d", rte_errno);
	return TEST_SUCCESS;
}

static int
sim_purge_and_probe(struct sim_ctx *s)
{
	const struct sim_win *f;
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_vmap_purge(s->vm), "rte_vmap_purge");
	s->purges++;
	for (i = 0; i < s->nr_freed; i++) {
		f = &s->freed[i];
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va, true), "first byte");
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va + f->size - 1, false),
			"last byte");
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va +
			vmap_test_rand(&s->rng) % f->size, false), "a random byte");
	}
	s->nr_freed = 0;
	return TEST_SUCCESS;
}

static int
sim_free(struct sim_ctx *s, unsigned int k)
{
	struct sim_win w = s->live[k];

	/* Its translation in the IOTLB as it is freed: stale unless flushed. */
	TEST_ASSERT_SUCCESS(sim_dma_check(s, &w, false), "before free");
	s->live[k] = s->live[--s->nr_live];
	TEST_ASSERT_SUCCESS(rte_vmap_free(s->vm, w.va), "free %p", w.va);
	s->frees++;
	s->freed[s->nr_freed++] = w;
	if (s->nr_freed == SIM_FREED_CAP)
		return sim_purge_and_probe(s);
	return TEST_SUCCESS;
}

static int
sim_alloc(struct sim_ctx *s)
{
	uint64_t r = vmap_test_rand(&s->rng);
	struct sim_win *w = &s->live[s->nr_live];

	w->size = (1 + (r >> 8) % (1u << ((r >> 40) % 7))) * LZ_PAGE;
	w->va = rte_vmap_alloc(s->vm, w->size, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w->va, "alloc %zu: %s", w->size, rte_strerror(rte_errno));
	s->nr_live++;
	s->allocs++;
	sim_fill(w, vmap_test_rand(&s->rng));
	return sim_dma_check(s, w, false);
}

static int
sim_workload(struct sim_ctx *s)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * SIM_RUN_MS / 1000;
	unsigned int op;
	uint64_t r;

	for (op = 0; op < SIM_MAX_OPS && rte_get_timer_cycles() < deadline; op++) {
		r = vmap_test_rand(&s->rng);
		if (r % 997 == 0)
			TEST_ASSERT_SUCCESS(sim_purge_and_probe(s), "purge");
		else if (s->nr_live == 0 || (s->nr_live < SIM_LIVE_CAP && r % 3 == 0))
			TEST_ASSERT_SUCCESS(sim_alloc(s), "alloc");
		else if (r % 3 == 1)
			TEST_ASSERT_SUCCESS(sim_free(s, (r >> 16) % s->nr_live), "free");
		else
			TEST_ASSERT_SUCCESS(sim_dma_check(s, &s->live[(r >> 16) % s->nr_live],
				(r >> 8) % 2 == 0), "DMA");
	}
	while (s->nr_live > 0)
		TEST_ASSERT_SUCCESS(sim_free(s, s->nr_live - 1), "free");
	return sim_purge_and_probe(s);
}

static int
test_lazy_sim_dma(void)
{
	struct rte_vmap_iommu_sim_stats ss;
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct sim_ctx *s;
	int ret;

	s = calloc(1, sizeof(*s));
	TEST_ASSERT_NOT_NULL(s, "no memory");
	vmap_test_params(&p, "lazy_sim");
	p.iommu = "sim";
	p.iommu_args = "iotlb=64";
	p.iova_mode = RTE_VMAP_IOVA_VA;
	p.lazy_max = SIM_LAZY_MAX;
	s->vm = rte_vmap_create(&p);
	if (s->vm == NULL) {
		free(s);
		TEST_ASSERT(false, "create: %s", rte_strerror(rte_errno));
	}
	s->rng = 0x243f6a8885a308d3ull;
	ret = sim_workload(s);
	if (ret == TEST_SUCCESS)
		ret = rte_vmap_verify(s->vm) == 0 ? TEST_SUCCESS : TEST_FAILED;
	if (ret == TEST_SUCCESS &&
			(rte_vmap_stats_get(s->vm, &st) != 0 ||
			rte_vmap_iommu_sim_stats_get(s->vm, &ss) != 0))
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS) {
		printf("  [sim] %" PRIu64 " allocs, %" PRIu64 " frees, %" PRIu64
			" rte_vmap_purge(); %" PRIu64 " purges; device: %" PRIu64 " maps %"
			PRIu64 " unmaps %" PRIu64 " flushes, %" PRIu64 " reads %" PRIu64
			" writes, faults %" PRIu64 " missing %" PRIu64 " stale, IOTLB %" PRIu64
			" hits %" PRIu64 " misses; %" PRIu64 " probes found the IOVA live"
			" again\n", s->allocs, s->frees, s->purges, st.nr_purges, ss.maps,
			ss.unmaps, ss.flushes, ss.dma_reads, ss.dma_writes, ss.faults_missing,
			ss.faults_stale, ss.iotlb_hits, ss.iotlb_misses, s->probes_reused);
		/* One map per window in VA mode; unmaps merge neighbours. */
		if (ss.maps != s->allocs || ss.unmaps != st.nr_unmaps ||
				ss.unmaps > ss.maps || ss.flushes != st.nr_flushes ||
				ss.dma_reads != s->reads || ss.dma_writes != s->writes ||
				ss.faults_missing != s->faults || ss.faults_stale != 0 ||
				ss.iotlb_hits + ss.iotlb_misses != s->pages) {
			printf("  [sim] counters disagree: want %" PRIu64 " maps, %" PRIu64
				" unmaps, %" PRIu64 " flushes, %" PRIu64 " reads, %" PRIu64
				" writes, %" PRIu64 " missing faults, 0 stale, %" PRIu64
				" page translations\n", s->allocs, st.nr_unmaps, st.nr_flushes,
				s->reads, s->writes, s->faults, s->pages);
			ret = TEST_FAILED;
		} else if (st.va_lazy != 0 || st.nr_windows != 0 ||
				ss.flushes * 4 >= s->frees) {
			printf("  [sim] va_lazy %" PRIu64 ", %" PRIu64 " windows, %" PRIu64
				" flushes for %" PRIu64 " frees\n", st.va_lazy, st.nr_windows,
				ss.flushes, s->frees);
			ret = TEST_FAILED;
		}
	}
	rte_vmap_destroy(s->vm);
	free(s);
	return ret;
}

static struct unit_test_suite vmap_lazy_suite = {
	.suite_name = "vmap lazy batched unmapping",
	.unit_test_cases = {
		TEST_CASE(test_lazy_recorder_self_check),
		TEST_CASE(test_lazy_va),
		TEST_CASE(test_lazy_va_strict),
		TEST_CASE(test_lazy_domain),
		TEST_CASE(test_lazy_domain_strict),
		TEST_CASE(test_lazy_sim_dma),
		TEST_CASES_END()
	}
};

static int
test_vmap_lazy(void)
{
	return unit_test_suite_runner(&vmap_lazy_suite);
}

REGISTER_TEST_COMMAND(vmap_lazy_autotest, test_vmap_lazy);
