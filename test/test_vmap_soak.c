/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_soak_autotest: a mixed workload on every lcore for a long time, to
 * catch what only shows over time: memory that grows without live windows
 * to explain it, metadata that leaks, counters that drift.
 *
 * Every lcore allocates windows of mixed sizes (4 KiB to 8 MiB, some
 * aligned) and block windows, frees its own, hands some to other lcores
 * through a ring and frees what it takes from it, and looks windows up;
 * every window carries a tag checked before it is freed. The main lcore
 * also purges every VMAP_SOAK_PURGE seconds. Every VMAP_SOAK_INTERVAL
 * seconds all lcores stop at a checkpoint, where the main lcore:
 *
 *   - runs rte_vmap_verify(); checks that what is lazily freed stays near
 *     lazy_max (past it by at most one window per node and the blocks'
 *     dirty parts); purges, and checks nr_windows and va_used against the
 *     windows the lcores hold;
 *   - prints one SOAK line: windows, bytes, the backing the live windows
 *     need (their pages, merged), mem_used, what is held beyond the live
 *     windows (pooled, zone chunks, blocks; lazy before the purge), the
 *     process RSS, the metadata part of it, hugetlb memory, purges,
 *     unmaps, flushes, operations per second;
 *   - fails if mem_used exceeds the backing of the live windows and blocks
 *     plus what the nodes may keep: their pool caps and zone chunks (with
 *     hugepages, plus two pages per held range: a range pins the pages it
 *     touches), or if the hugetlb memory of the process is below mem_used;
 *   - after the warm-up (the first quarter of the run), fails if the
 *     metadata RSS (RSS less the 4 KiB backing) grows past the largest
 *     seen during the warm-up by more than max(8 MiB, 10 %), or if what is
 *     held beyond the live windows grows past both the warm-up's largest
 *     (plus a quarter) and the pool caps and chunks in bytes: growth that
 *     live windows do not explain.
 *
 * At the end everything is freed and purged: nothing may stay but pooled
 * ranges and chunks; then the space is destroyed and the hugetlb memory of
 * the process goes back to what it was.
 *
 * Environment: VMAP_SOAK_SECONDS (default 60), VMAP_SOAK_INTERVAL (10),
 * VMAP_SOAK_PURGE (5), VMAP_SOAK_PAGE (4K or 2M; default 2M when enough
 * hugepages are free). devtools/soak.sh runs it for N minutes on all lcores.
 * It is in the "soak-tests" meson suite, never in fast-tests.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_vmap.h>

#include "test.h"
#include "vmap_test_util.h"
/* Node pool caps and levels, lazy_max: the bounds of what may be held. */
#include "vmap_private.h"

#define SOAK_VA_SIZE ((size_t)8 << 30)
#define SOAK_MAX_LIVE 2048u                 /* windows per lcore */
#define SOAK_LIVE_BYTES ((size_t)64 << 20)  /* live bytes per lcore */
#define SOAK_RING_SIZE 4096u
#define SOAK_MAX_CHECKPOINTS 100000u
#define SOAK_BLOCK_BIT (UINT64_C(1) << 63)

struct soak_win {
	uintptr_t va;
	size_t size;   /* as requested */
	bool block;
	uint64_t tag;
};

struct soak_lcore {
	uint64_t rng;
	struct soak_win *win;
	unsigned int nr_live;
	size_t live_bytes;
	uint64_t seq;
	uint64_t ops;
	uint64_t enomem;
	uint64_t purges;
	int result;
	char msg[160];
} __rte_cache_aligned;

struct soak_run {
	struct rte_vmap *vm;
	struct rte_ring *ring;
	size_t page_size;
	size_t block_max;
	uint64_t interval_end;   /* TSC at which the lcores stop for a checkpoint */
	uint64_t purge_cycles;
	uint64_t next_purge;
	struct soak_lcore lc[RTE_MAX_LCORE];
};

static struct soak_run soak;

/* ---- helpers ------------------------------------------------------------ */

static unsigned int
soak_env(const char *name, unsigned int def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoul(v, &end, 0);
	if (*end != '\0' || n == 0 || n > UINT32_MAX) {
		printf("soak: ignoring %s=%s\n", name, v);
		return def;
	}
	return (unsigned int)n;
}

static uint64_t
soak_rand(uint64_t *s)
{
	/* xorshift64*: per-lcore, no shared state. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int
soak_fail(struct soak_lcore *lc, const char *what, uintptr_t va, long v)
{
	if (lc->result == 0)
		snprintf(lc->msg, sizeof(lc->msg), "lcore %u: %s (window 0x%" PRIxPTR ", %ld)",
			rte_lcore_id(), what, va, v);
	lc->result = -1;
	return -1;
}

static size_t
win_bytes(const struct soak_win *w)
{
	return RTE_ALIGN_CEIL(w->size, PAGE_4K);
}

static void
win_stamp(const struct soak_win *w)
{
	volatile uint64_t *p = (volatile uint64_t *)w->va;

	p[0] = w->tag;
	p[1] = w->size | (w->block ? SOAK_BLOCK_BIT : 0);
	*(volatile uint64_t *)(w->va + win_bytes(w) - sizeof(uint64_t)) = ~w->tag;
}

/* Rebuild a window's description from its memory (a window from the ring). */
static void
win_read(uintptr_t va, struct soak_win *w)
{
	const volatile uint64_t *p = (const volatile uint64_t *)va;

	w->va = va;
	w->tag = p[0];
	w->size = (size_t)(p[1] & ~SOAK_BLOCK_BIT);
	w->block = (p[1] & SOAK_BLOCK_BIT) != 0;
}

static int
win_check(struct soak_lcore *lc, const struct soak_win *w)
{
	uint64_t tail = *(volatile uint64_t *)(w->va + win_bytes(w) - sizeof(uint64_t));
	struct rte_vmap_window rw;

	if (*(volatile uint64_t *)w->va != w->tag || tail != ~w->tag)
		return soak_fail(lc, "tag overwritten", w->va, 0);
	if (rte_vmap_find(soak.vm, (void *)(w->va + w->size / 2), &rw) != 0 ||
			(uintptr_t)rw.va != w->va || rw.size != win_bytes(w) ||
			rw.from_block != (int)w->block)
		return soak_fail(lc, "find disagrees", w->va, (long)rw.size);
	if (rte_vmap_virt2iova(soak.vm, (void *)(w->va + w->size - 1)) !=
			rw.iova + w->size - 1 &&
			rte_vmap_iova_mode_get(soak.vm) != RTE_VMAP_IOVA_PA)
		return soak_fail(lc, "virt2iova disagrees", w->va, 0);
	return 0;
}

static int
win_release(struct soak_lcore *lc, const struct soak_win *w)
{
	int ret;

	if (win_check(lc, w) != 0)
		return -1;
	ret = w->block ? rte_vmap_block_free(soak.vm, (void *)w->va, w->size) :
		rte_vmap_free(soak.vm, (void *)w->va);
	if (ret != 0)
		return soak_fail(lc, "free failed", w->va, ret);
	return 0;
}

/* ---- the workload --------------------------------------------------------- */

static size_t
soak_size(struct soak_lcore *lc, bool *block)
{
	uint64_t r = soak_rand(&lc->rng);
	unsigned int p = r % 100;

	r >>= 8;
	*block = false;
	if (p < 55)
		return 1 + r % (64 << 10);                  /* up to 64 KiB, any length */
	if (p < 80)
		return ((r % 256) + 1) * PAGE_4K;          /* up to 1 MiB */
	if (p < 95) {
		*block = true;
		return 1 + r % soak.block_max;              /* block windows */
	}
	return ((r % 2048) + 1) * PAGE_4K;                 /* up to 8 MiB */
}

static int
soak_alloc(struct soak_lcore *lc)
{
	struct soak_win *w = &lc->win[lc->nr_live];
	uint64_t r = soak_rand(&lc->rng);
	size_t align = (r & 0xf) == 0 ? PAGE_4K << ((r >> 4) % 10) : 0;
	void *va;

	w->size = soak_size(lc, &w->block);
	if (lc->live_bytes + win_bytes(w) > SOAK_LIVE_BYTES)
		return 0;
	va = w->block ? rte_vmap_block_alloc(soak.vm, w->size) :
		rte_vmap_alloc(soak.vm, w->size, align, SOCKET_ID_ANY);
	if (va == NULL) {
		/* Hugepages may run short (other processes): counted, not fatal. */
		if (rte_errno != ENOMEM)
			return soak_fail(lc, "alloc failed", 0, rte_errno);
		lc->enomem++;
		return 0;
	}
	w->va = (uintptr_t)va;
	w->tag = (uint64_t)rte_lcore_id() << 48 | ++lc->seq;
	win_stamp(w);
	lc->nr_live++;
	lc->live_bytes += win_bytes(w);
	return 0;
}

static void
soak_forget(struct soak_lcore *lc, unsigned int i)
{
	lc->live_bytes -= win_bytes(&lc->win[i]);
	lc->win[i] = lc->win[--lc->nr_live];
}

static int
soak_op(struct soak_lcore *lc)
{
	unsigned int p = soak_rand(&lc->rng) % 100;
	unsigned int i = lc->nr_live == 0 ? 0 : soak_rand(&lc->rng) % lc->nr_live;
	struct soak_win w;
	void *obj;

	lc->ops++;
	if (p < 45 || lc->nr_live == 0) {
		if (lc->nr_live < SOAK_MAX_LIVE)
			return soak_alloc(lc);
		p = 50;
	}
	if (p < 80) {
		if (win_release(lc, &lc->win[i]) != 0)
			return -1;
		soak_forget(lc, i);
		return 0;
	}
	if (p < 88) {
		/* Hand a window to whichever lcore takes it. */
		if (win_check(lc, &lc->win[i]) != 0)
			return -1;
		if (rte_ring_mp_enqueue(soak.ring, (void *)lc->win[i].va) == 0) {
			soak_forget(lc, i);
			return 0;
		}
		if (win_release(lc, &lc->win[i]) != 0)
			return -1;
		soak_forget(lc, i);
		return 0;
	}
	if (p < 96) {
		if (rte_ring_mc_dequeue(soak.ring, &obj) != 0)
			return 0;
		win_read((uintptr_t)obj, &w);
		return win_release(lc, &w);
	}
	return win_check(lc, &lc->win[i]);
}

static int
soak_worker(__rte_unused void *arg)
{
	struct soak_lcore *lc = &soak.lc[rte_lcore_id()];
	bool main_lcore = rte_lcore_id() == rte_get_main_lcore();
	uint64_t now;
	int ret;

	while (lc->result == 0) {
		now = rte_get_timer_cycles();
		if (now >= soak.interval_end)
			break;
		if (main_lcore && now >= soak.next_purge) {
			ret = rte_vmap_purge(soak.vm);
			if (ret != 0)
				return soak_fail(lc, "purge failed", 0, ret);
			lc->purges++;
			soak.next_purge = now + soak.purge_cycles;
		}
		/* A batch between clock reads. */
		for (ret = 0; ret < 16 && lc->result == 0; ret++)
			soak_op(lc);
	}
	return lc->result;
}

/* ---- checkpoints ---------------------------------------------------------- */

struct soak_range {
	uintptr_t start;
	uintptr_t end;
};

static int
range_cmp(const void *a, const void *b)
{
	const struct soak_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct soak_census {
	uint64_t windows;
	uint64_t bytes;         /* rounded window bytes, block windows included */
	uint64_t live_backing;  /* pages under live non-block windows, merged */
};

/* The ring's windows are taken out and put back: the lcores are stopped. */
static int
soak_census(struct soak_census *cs)
{
	static struct soak_range *r;
	static void *ring_objs[SOAK_RING_SIZE];
	size_t cap = (size_t)SOAK_MAX_LIVE * RTE_MAX_LCORE + SOAK_RING_SIZE;
	size_t n = 0, i, ps = soak.page_size;
	unsigned int lcore, k, nr_ring;
	struct soak_win w;
	uintptr_t s, e;

	if (r == NULL)
		r = malloc(cap * sizeof(*r));
	TEST_ASSERT_NOT_NULL(r, "no memory for the census");
	memset(cs, 0, sizeof(*cs));
	nr_ring = rte_ring_dequeue_burst(soak.ring, ring_objs, SOAK_RING_SIZE, NULL);
	for (k = 0; k < nr_ring; k++) {
		win_read((uintptr_t)ring_objs[k], &w);
		cs->windows++;
		cs->bytes += win_bytes(&w);
		if (!w.block) {
			r[n].start = RTE_ALIGN_FLOOR(w.va, ps);
			r[n++].end = RTE_ALIGN_CEIL(w.va + w.size, ps);
		}
	}
	TEST_ASSERT_EQUAL(rte_ring_enqueue_bulk(soak.ring, ring_objs, nr_ring, NULL), nr_ring,
		"ring refill");
	RTE_LCORE_FOREACH(lcore) {
		const struct soak_lcore *lc = &soak.lc[lcore];

		for (k = 0; k < lc->nr_live; k++) {
			cs->windows++;
			cs->bytes += win_bytes(&lc->win[k]);
			if (lc->win[k].block)
				continue;
			r[n].start = RTE_ALIGN_FLOOR(lc->win[k].va, ps);
			r[n++].end = RTE_ALIGN_CEIL(lc->win[k].va + lc->win[k].size, ps);
		}
	}
	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 0; i < n; ) {
		s = r[i].start;
		e = r[i].end;
		for (i++; i < n && r[i].start < e; i++)
			e = RTE_MAX(e, r[i].end);
		cs->live_backing += e - s;
	}
	return 0;
}

/* Resident bytes of the process, and its hugetlb memory (smaps_rollup). */
static void
soak_proc_mem(uint64_t *rss, uint64_t *hugetlb)
{
	unsigned long size = 0, resident = 0, kb;
	char line[256];
	FILE *f;

	*rss = 0;
	*hugetlb = 0;
	f = fopen("/proc/self/statm", "r");
	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &resident) == 2)
			*rss = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	f = fopen("/proc/self/smaps_rollup", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Private_Hugetlb: %lu kB", &kb) == 1 ||
				sscanf(line, "Shared_Hugetlb: %lu kB", &kb) == 1)
			*hugetlb += (uint64_t)kb << 10;
	fclose(f);
}

/* What the nodes hold beyond live windows, read while nothing runs. */
struct soak_held {
	uint64_t pooled;
	uint64_t pool_cap;
	uint64_t chunks;
	uint64_t ranges;   /* pooled ranges, zones in stashes, chunks being carved */
};

static void
soak_held(struct soak_held *h)
{
	const struct rte_vmap *vm = soak.vm;
	unsigned int i, c;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < vm->nr_nodes; i++) {
		const struct vmap_node *vn = &vm->nodes[i];

		h->pooled += __atomic_load_n(&vn->pool_bytes, __ATOMIC_RELAXED);
		h->pool_cap += __atomic_load_n(&vn->pool_cap, __ATOMIC_RELAXED);
		h->chunks += __atomic_load_n(&vn->chunk_bytes, __ATOMIC_RELAXED);
		h->ranges += vn->stash_len + (vn->chunk != NULL);
		for (c = 0; c < RTE_VMAP_POOL_CLASSES; c++)
			h->ranges += vn->pool[c].len;
	}
}

/*
 * With hugepages a held range pins the pages it touches: up to two more
 * than its bytes. 4 KiB pages: none.
 */
static uint64_t
soak_page_slack(uint64_t ranges)
{
	return soak.page_size == PAGE_4K ? 0 : 2 * soak.page_size * ranges;
}

struct soak_track {
	unsigned int nr;
	unsigned int warm;       /* checkpoints of the warm-up */
	uint64_t meta_warm;      /* largest metadata RSS of the warm-up */
	uint64_t excess_warm;    /* largest excess of the warm-up */
	uint64_t hugetlb_base;   /* the process's hugetlb memory before create */
	uint64_t last_ops;
	uint64_t last_tsc;
};

static double
mib(uint64_t b)
{
	return (double)b / MIB;
}

static int
soak_checkpoint(struct soak_track *t, unsigned int elapsed_s)
{
	struct rte_vmap_stats st, st0;
	struct soak_census cs;
	struct soak_held h;
	uint64_t rss, hugetlb, meta, explained, excess, cap, lazy_cap, ops = 0, now;
	unsigned int lcore;

	TEST_ASSERT_SUCCESS(rte_vmap_verify(soak.vm), "verify at %u s", elapsed_s);
	/*
	 * Lazily freed bytes stay near lazy_max: each node purges once past its
	 * share, so by at most the last free (8 MiB) per node, plus the dirty
	 * parts of the per-lcore blocks.
	 */
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(soak.vm, &st0), "stats");
	lazy_cap = soak.vm->lazy_max + soak.vm->nr_nodes * (PAGE_4K * 2048) +
		st0.nr_blocks * RTE_VMAP_BLOCK_SIZE;
	TEST_ASSERT(st0.va_lazy <= lazy_cap, "va_lazy %" PRIu64 " over lazy_max %zu and its"
		" slack (%" PRIu64 ")", st0.va_lazy, soak.vm->lazy_max, lazy_cap);
	/* Then what is held once nothing waits for a flush. */
	TEST_ASSERT_SUCCESS(rte_vmap_purge(soak.vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(soak.vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0, "va_lazy %" PRIu64 " after a purge", st.va_lazy);
	TEST_ASSERT_SUCCESS(soak_census(&cs), "census");
	TEST_ASSERT_EQUAL(st.nr_windows, cs.windows, "nr_windows %" PRIu64 ", lcores hold %"
		PRIu64, st.nr_windows, cs.windows);
	TEST_ASSERT_EQUAL(st.va_used, cs.bytes, "va_used %" PRIu64 ", lcores hold %" PRIu64,
		st.va_used, cs.bytes);
	soak_held(&h);
	soak_proc_mem(&rss, &hugetlb);
	RTE_LCORE_FOREACH(lcore)
		ops += soak.lc[lcore].ops;
	now = rte_get_timer_cycles();

	/* Beyond the live windows and blocks: pools and chunks (nothing is lazy now). */
	explained = cs.live_backing + st.nr_blocks * RTE_MAX((uint64_t)RTE_VMAP_BLOCK_SIZE,
		(uint64_t)soak.page_size);
	excess = st.mem_used > explained ? st.mem_used - explained : 0;
	cap = h.pool_cap + h.chunks + soak_page_slack(h.ranges);
	/* 4 KiB backing is resident memory: the rest of the RSS is metadata (and EAL). */
	meta = soak.page_size == PAGE_4K && rss > st.mem_used ? rss - st.mem_used : rss;

	printf("SOAK t=%us windows=%" PRIu64 " va_used=%.1fM live_backing=%.1fM"
		" mem_used=%.1fM excess=%.1fM cap=%.1fM pooled=%.1fM chunks=%.1fM"
		" lazy=%.1fM blocks=%" PRIu64 " rss=%.1fM meta_rss=%.1fM hugetlb=%.1fM"
		" purges=%" PRIu64 " unmaps=%" PRIu64 " flushes=%" PRIu64 " ops/s=%.0f\n",
		elapsed_s, st.nr_windows, mib(st.va_used), mib(cs.live_backing),
		mib(st.mem_used), mib(excess), mib(cap), mib(h.pooled), mib(h.chunks),
		mib(st0.va_lazy), st.nr_blocks, mib(rss), mib(meta),
		mib(hugetlb - RTE_MIN(hugetlb, t->hugetlb_base)), st.nr_purges, st.nr_unmaps,
		st.nr_flushes, t->last_tsc == 0 ? 0.0 : (double)(ops - t->last_ops) *
		rte_get_timer_hz() / (double)(now - t->last_tsc));
	fflush(stdout);
	t->last_ops = ops;
	t->last_tsc = now;

	TEST_ASSERT(h.pooled <= h.pool_cap, "pools hold %" PRIu64 " over their caps %" PRIu64,
		h.pooled, h.pool_cap);
	TEST_ASSERT(excess <= cap, "mem_used %" PRIu64 " exceeds the live windows' and"
		" blocks' backing %" PRIu64 " by %" PRIu64 ", more than pools and chunks"
		" explain (%" PRIu64 ")", st.mem_used, explained, excess, cap);
	if (soak.page_size != PAGE_4K)
		TEST_ASSERT(hugetlb - RTE_MIN(hugetlb, t->hugetlb_base) >= st.mem_used,
			"hugetlb memory %" PRIu64 " below mem_used %" PRIu64,
			hugetlb - RTE_MIN(hugetlb, t->hugetlb_base), st.mem_used);

	t->nr++;
	if (t->nr <= t->warm) {
		t->meta_warm = RTE_MAX(t->meta_warm, meta);
		t->excess_warm = RTE_MAX(t->excess_warm, excess);
		return 0;
	}
	TEST_ASSERT(meta <= t->meta_warm + RTE_MAX((uint64_t)8 << 20, t->meta_warm / 10),
		"metadata RSS grew from %.1f MiB (warm-up) to %.1f MiB", mib(t->meta_warm),
		mib(meta));
	/* The pages pooled ranges pin vary; bytes past them and a quarter are growth. */
	TEST_ASSERT(excess <= RTE_MAX(t->excess_warm + t->excess_warm / 4,
		h.pool_cap + h.chunks + 4 * soak.page_size), "memory beyond the live windows"
		" grew from %.1f MiB (warm-up) to %.1f MiB", mib(t->excess_warm), mib(excess));
	return 0;
}

/* ---- the test --------------------------------------------------------------- */

static int
soak_launch(uint64_t until)
{
	unsigned int lcore;
	int ret = 0;

	soak.interval_end = until;
	rte_eal_mp_remote_launch(soak_worker, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH(lcore) {
		if (soak.lc[lcore].result != 0) {
			printf("soak: %s\n", soak.lc[lcore].msg);
			ret = -1;
		}
	}
	return ret;
}

static int
soak_drain(void)
{
	struct soak_win w;
	unsigned int lcore;
	void *obj;

	RTE_LCORE_FOREACH(lcore) {
		struct soak_lcore *lc = &soak.lc[lcore];

		while (lc->nr_live > 0) {
			TEST_ASSERT_SUCCESS(win_release(lc, &lc->win[lc->nr_live - 1]), "%s",
				lc->msg);
			soak_forget(lc, lc->nr_live - 1);
		}
	}
	while (rte_ring_dequeue(soak.ring, &obj) == 0) {
		win_read((uintptr_t)obj, &w);
		TEST_ASSERT_SUCCESS(win_release(&soak.lc[rte_lcore_id()], &w), "%s",
			soak.lc[rte_lcore_id()].msg);
	}
	return 0;
}

/* The workload on all lcores for seconds, a checkpoint every interval. */
static int
soak_run(struct soak_track *track, unsigned int seconds, unsigned int interval,
		unsigned int purge)
{
	uint64_t hz = rte_get_timer_hz(), start, end, until;
	unsigned int elapsed;

	start = rte_get_timer_cycles();
	end = start + (uint64_t)seconds * hz;
	soak.purge_cycles = (uint64_t)purge * hz;
	soak.next_purge = start + soak.purge_cycles;
	for (elapsed = 0; elapsed < seconds; ) {
		until = RTE_MIN(end, rte_get_timer_cycles() + (uint64_t)interval * hz);
		elapsed = (unsigned int)((until - start) / hz);
		if (soak_launch(until) != 0 || soak_checkpoint(track, elapsed) != 0)
			return -1;
		elapsed = (unsigned int)((rte_get_timer_cycles() - start) / hz);
		if (track->nr >= SOAK_MAX_CHECKPOINTS)
			break;
	}
	return 0;
}

/* Everything freed and purged: only pools, chunks and blocks may keep memory. */
static int
soak_drained(void)
{
	struct rte_vmap_stats st;
	struct soak_held h;

	if (soak_drain() != 0)
		return -1;
	if (rte_vmap_purge(soak.vm) != 0 || rte_vmap_stats_get(soak.vm, &st) != 0 ||
			rte_vmap_verify(soak.vm) != 0) {
		printf("soak: final purge, stats or verify failed\n");
		return -1;
	}
	soak_held(&h);
	printf("soak: drained: windows=%" PRIu64 " va_used=%" PRIu64 " lazy=%" PRIu64
		" mem_used=%.1fM pooled=%.1fM chunks=%.1fM blocks=%" PRIu64 "\n",
		st.nr_windows, st.va_used, st.va_lazy, mib(st.mem_used), mib(h.pooled),
		mib(h.chunks), st.nr_blocks);
	if (st.nr_windows != 0 || st.va_used != 0 || st.va_lazy != 0 ||
			st.mem_used > h.pooled + h.chunks + st.nr_blocks *
			RTE_MAX((uint64_t)RTE_VMAP_BLOCK_SIZE, (uint64_t)soak.page_size) +
			soak_page_slack(h.ranges)) {
		printf("soak: memory held with nothing live\n");
		return -1;
	}
	return 0;
}

static int
test_soak_mixed(void)
{
	unsigned int seconds = soak_env("VMAP_SOAK_SECONDS", 60);
	unsigned int interval = soak_env("VMAP_SOAK_INTERVAL", 10);
	unsigned int purge = soak_env("VMAP_SOAK_PURGE", 5);
	struct soak_track track;
	struct rte_vmap_params p;
	uint64_t rss0, rss, hugetlb, enomem = 0, ops = 0;
	unsigned int lcore;
	int ret = TEST_SUCCESS;

	memset(&track, 0, sizeof(track));
	interval = RTE_MIN(interval, seconds);
	track.warm = RTE_MAX(1u, seconds / interval / 4);
	soak_proc_mem(&rss0, &track.hugetlb_base);

	vmap_test_params(&p, "vmap_soak");
	p.va_size = SOAK_VA_SIZE;
	if (getenv("VMAP_SOAK_PAGE") != NULL)
		p.page_size = strcmp(getenv("VMAP_SOAK_PAGE"), "4K") == 0 ?
			RTE_VMAP_PAGE_4K : RTE_VMAP_PAGE_2M;
	p.iova_mode = vmap_test_iova_mode(p.page_size);
	soak.vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(soak.vm, "create: %s", rte_strerror(rte_errno));
	soak.page_size = rte_vmap_page_size(soak.vm);
	soak.block_max = rte_vmap_block_max(soak.vm);
	soak.ring = rte_ring_create("vmap_soak", SOAK_RING_SIZE, SOCKET_ID_ANY, 0);
	if (soak.ring == NULL) {
		rte_vmap_destroy(soak.vm);
		TEST_ASSERT(false, "ring: %s", rte_strerror(rte_errno));
	}
	RTE_LCORE_FOREACH(lcore) {
		struct soak_lcore *lc = &soak.lc[lcore];

		memset(lc, 0, sizeof(*lc));
		lc->rng = UINT64_C(0x9e3779b97f4a7c15) * (lcore + 1);
		lc->win = calloc(SOAK_MAX_LIVE, sizeof(*lc->win));
		if (lc->win == NULL) {
			ret = TEST_FAILED;
			goto out;
		}
	}
	printf("soak: %u s on %u lcores, checkpoints every %u s (warm-up %u), purge every"
		" %u s; page %zu KiB, va %zu GiB, %u nodes, lazy_max %zu MiB, block max %zu KiB\n",
		seconds, rte_lcore_count(), interval, track.warm, purge, soak.page_size >> 10,
		SOAK_VA_SIZE >> 30, soak.vm->nr_nodes, soak.vm->lazy_max >> 20,
		soak.block_max >> 10);

	if (soak_run(&track, seconds, interval, purge) != 0 || soak_drained() != 0)
		ret = TEST_FAILED;
out:
	RTE_LCORE_FOREACH(lcore) {
		enomem += soak.lc[lcore].enomem;
		ops += soak.lc[lcore].ops;
		free(soak.lc[lcore].win);
		soak.lc[lcore].win = NULL;
	}
	rte_vmap_destroy(soak.vm);
	soak.vm = NULL;
	rte_ring_free(soak.ring);
	soak.ring = NULL;
	soak_proc_mem(&rss, &hugetlb);
	printf("soak: %" PRIu64 " operations, %" PRIu64 " ENOMEM; after destroy: rss %.1f MiB"
		" (%.1f before create), hugetlb %.1f MiB (%.1f before)\n", ops, enomem, mib(rss),
		mib(rss0), mib(hugetlb), mib(track.hugetlb_base));
	/* EAL's heap may have grown by a page or two for the ring, and keep them. */
	if (ret == TEST_SUCCESS && hugetlb > track.hugetlb_base + 2 * RTE_PGSIZE_2M) {
		printf("soak: the destroyed space left hugetlb memory mapped\n");
		ret = TEST_FAILED;
	}
	return ret;
}

static struct unit_test_suite vmap_soak_suite = {
	.suite_name = "vmap soak (mixed workload on all lcores)",
	.setup = NULL,
	.teardown = NULL,
	.unit_test_cases = {
		TEST_CASE(test_soak_mixed),
		TEST_CASES_END()
	},
};

static int
test_vmap_soak(void)
{
	return unit_test_suite_runner(&vmap_soak_suite);
}

REGISTER_SOAK_TEST(vmap_soak_autotest, test_vmap_soak);
