/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_purge_perf_autotest: what lazy batched unmapping buys, and what a
 * purge costs the other lcores. Three figures, each against a baseline
 * measured in the same run:
 *
 *   flushes      driver flush calls for 100k frees of 4 KiB windows,
 *                lazy against RTE_VMAP_F_STRICT ("sim" driver)
 *   free_heavy   N windows allocated, then all freed: time of the frees,
 *                the purges they trigger and a final rte_vmap_purge(),
 *                lazy against strict, with a flush that costs ~1 us
 *                ("sim" with flush_ns=1000)
 *   purge_block  one lcore purges 10k lazily freed windows while another
 *                allocates and frees 4 KiB windows, timing every call: the
 *                longest call that overlapped the purge, against the
 *                purge's duration ("sim" with flush_ns=1000, and "none")
 *
 * As in vmap_perf_autotest (whose output format this follows, through the
 * helpers of perf_common.c): not a timed test, a missed target is printed
 * and not fatal, only a failing API call fails the test; timed figures are
 * the median of PERF_REPS repetitions taken in turns with their baseline.
 *
 *   PERF_INFO key=value ...               the machine and the set-up
 *   PERF <name> <value> <unit>            a figure
 *   PERF <name>_vs_<baseline> <ratio> x   two figures of this run compared
 *   PERF_TARGET <name> <value> <op> <target> met|MISSED
 *   PERF_SKIP <what>: <reason>
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>

#include "perf_common.h"
#include "test.h"
#include "vmap_test_util.h"
/* For the node count and the resolved lazy_max, printed with the figures. */
#include "vmap_private.h"

#define PERF_WIN ((size_t)4 << 10)

/* Figure 1: frees of 4 KiB windows replacing random ones of a working set. */
#define PERF_FLUSH_FREES 100000u
#define PERF_FLUSH_WS 1024u

/* Figure 2: windows freed per repetition. */
#define PERF_HEAVY_N 10000u
#define PERF_FLUSH_NS_ARGS "flush_ns=1000"

/* Figure 3. */
#define PERF_BLOCK_N 10000u
/* The purger's lazy_max: far above the batch, so that no free purges. */
#define PERF_BLOCK_LAZY_MAX ((size_t)1 << 30)
/* Ranges put in the allocating lcore's pool once, before the repetitions. */
#define PERF_BLOCK_PREWARM 16384u
/* Alloc+free pairs the allocating lcore runs before and after the purge. */
#define PERF_BLOCK_WARM 256u
#define PERF_BLOCK_SAMPLES (1u << 20)

/* ---- helpers ----------------------------------------------------------- */

static double
perf_us(uint64_t cycles)
{
	return (double)cycles * 1E6 / (double)rte_get_tsc_hz();
}

/*
 * A space as the figures use it: VA mode, so that IOVAs are the same in
 * every run (no PA lookups), and the library default VA size (64 GiB).
 */
static struct rte_vmap *
perf_space(const char *name, const char *iommu, const char *args, unsigned int flags,
		size_t lazy_max)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.page_size = vmap_test_page_size();
	p.iova_mode = RTE_VMAP_IOVA_VA;
	p.iommu = iommu;
	p.iommu_args = args;
	p.flags = flags;
	p.lazy_max = lazy_max;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("rte_vmap_create(%s, iommu=%s %s) failed: %s\n", name, iommu,
			args != NULL ? args : "", rte_strerror(rte_errno));
	return vm;
}

static int
perf_alloc_all(struct rte_vmap *vm, void **win, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_WIN, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc #%u failed: %s\n", i, rte_strerror(rte_errno));
			while (i > 0)
				rte_vmap_free(vm, win[--i]);
			return -1;
		}
	}
	return 0;
}

static int
perf_free_all(struct rte_vmap *vm, void **win, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0) {
			printf("rte_vmap_free(%p) failed\n", win[i]);
			ret = -1;
		}
		win[i] = NULL;
	}
	return ret;
}

/* ---- figure 1: flush calls for 100k frees ------------------------------ */

struct perf_flushes {
	uint64_t flushes;     /* the library's count */
	uint64_t dev_flushes; /* the sim device's count */
	uint64_t unmaps;
	uint64_t purges;
	double ns_per_free;
};

/*
 * A working set of 4 KiB windows; each step frees a random one and
 * allocates its replacement. Counted: from the first free to the return
 * of a final rte_vmap_purge(), so that lazy mode owes no flush at the end.
 */
static int
perf_flushes_run(bool strict, struct perf_flushes *out)
{
	struct rte_vmap_iommu_sim_stats d0, d1;
	struct rte_vmap_stats s0, s1;
	struct rte_vmap *vm;
	void *ws[PERF_FLUSH_WS];
	uint64_t t0, t1;
	unsigned int i, k;
	int ret = -1;

	vm = perf_space(strict ? "pp_flush_strict" : "pp_flush_lazy", "sim", NULL,
		strict ? RTE_VMAP_F_STRICT : 0, 0);
	if (vm == NULL)
		return -1;
	if (perf_alloc_all(vm, ws, PERF_FLUSH_WS) != 0)
		goto out_destroy;
	if (rte_vmap_stats_get(vm, &s0) != 0 || rte_vmap_iommu_sim_stats_get(vm, &d0) != 0)
		goto out;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < PERF_FLUSH_FREES; i++) {
		k = rte_rand_max(PERF_FLUSH_WS);
		if (rte_vmap_free(vm, ws[k]) != 0) {
			printf("rte_vmap_free(%p) failed\n", ws[k]);
			ws[k] = NULL;
			goto out;
		}
		ws[k] = rte_vmap_alloc(vm, PERF_WIN, 0, SOCKET_ID_ANY);
		if (ws[k] == NULL) {
			printf("rte_vmap_alloc failed: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	if (rte_vmap_purge(vm) != 0)
		goto out;
	t1 = rte_rdtsc_precise();
	if (rte_vmap_stats_get(vm, &s1) != 0 || rte_vmap_iommu_sim_stats_get(vm, &d1) != 0)
		goto out;
	out->flushes = s1.nr_flushes - s0.nr_flushes;
	out->dev_flushes = d1.flushes - d0.flushes;
	out->unmaps = s1.nr_unmaps - s0.nr_unmaps;
	out->purges = s1.nr_purges - s0.nr_purges;
	out->ns_per_free = perf_us(t1 - t0) * 1000.0 / PERF_FLUSH_FREES;
	if (strict)
		printf("PERF_INFO flushes: %u frees of 4 KiB windows, each replacing a random"
			" one of %u live; driver=sim VA mode; counted from the first free to"
			" the return of a final rte_vmap_purge(); lazy_max=%zu MiB nodes=%u"
			" (a node purges past lazy_max/nodes)\n", PERF_FLUSH_FREES,
			PERF_FLUSH_WS, vm->lazy_max >> 20, vm->nr_nodes);
	ret = 0;
out:
	if (perf_free_all(vm, ws, PERF_FLUSH_WS) != 0)
		ret = -1;
out_destroy:
	rte_vmap_destroy(vm);
	return ret;
}

static int
perf_flushes(void)
{
	struct perf_flushes lazy, strict;

	if (perf_flushes_run(false, &lazy) != 0 || perf_flushes_run(true, &strict) != 0)
		return -1;
	printf("PERF_INFO flushes: lazy %" PRIu64 " purges %" PRIu64 " unmaps (%.1f ns per"
		" free+alloc); strict %" PRIu64 " unmaps (%.1f ns per free+alloc)\n",
		lazy.purges, lazy.unmaps, lazy.ns_per_free, strict.unmaps,
		strict.ns_per_free);
	if (lazy.dev_flushes != lazy.flushes || strict.dev_flushes != strict.flushes)
		printf("PERF_INFO flushes: nr_flushes and the device disagree: lazy %" PRIu64
			"/%" PRIu64 " strict %" PRIu64 "/%" PRIu64 "\n", lazy.flushes,
			lazy.dev_flushes, strict.flushes, strict.dev_flushes);
	perf_print("flushes_lazy_100k_4k", (double)lazy.flushes, "calls");
	perf_print("flushes_strict_100k_4k", (double)strict.flushes, "calls");
	perf_ratio("flushes_strict", "lazy",
		(double)strict.flushes / (double)RTE_MAX(lazy.flushes, UINT64_C(1)),
		PERF_AT_LEAST, 100.0);
	return 0;
}

/* ---- figure 2: free-heavy throughput ----------------------------------- */

struct perf_heavy {
	struct rte_vmap *vm;
	void **win;
	uint64_t flushes; /* in the last repetition */
};

/* Allocate n (not timed), then time freeing them all and a final purge. */
static int
perf_heavy_rep(struct perf_heavy *h, double *ns_per_free)
{
	struct rte_vmap_stats s0, s1;
	uint64_t t0, t1;
	unsigned int i;

	if (perf_alloc_all(h->vm, h->win, PERF_HEAVY_N) != 0 ||
			rte_vmap_stats_get(h->vm, &s0) != 0)
		return -1;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < PERF_HEAVY_N; i++) {
		if (unlikely(rte_vmap_free(h->vm, h->win[i]) != 0)) {
			printf("rte_vmap_free(%p) failed\n", h->win[i]);
			return -1;
		}
		h->win[i] = NULL;
	}
	if (rte_vmap_purge(h->vm) != 0)
		return -1;
	t1 = rte_rdtsc_precise();
	if (rte_vmap_stats_get(h->vm, &s1) != 0)
		return -1;
	h->flushes = s1.nr_flushes - s0.nr_flushes;
	*ns_per_free = perf_us(t1 - t0) * 1000.0 / PERF_HEAVY_N;
	return 0;
}

static int
perf_free_heavy(void)
{
	static const char *const names[2] = { "pp_heavy_lazy", "pp_heavy_strict" };
	struct perf_heavy h[2] = { { 0 } };
	double v[2][PERF_REPS], ns[2], warm;
	unsigned int i, r;
	int ret = -1;

	for (i = 0; i < 2; i++) {
		h[i].vm = perf_space(names[i], "sim", PERF_FLUSH_NS_ARGS,
			i == 1 ? RTE_VMAP_F_STRICT : 0, 0);
		h[i].win = calloc(PERF_HEAVY_N, sizeof(*h[i].win));
		if (h[i].vm == NULL || h[i].win == NULL)
			goto out;
	}
	/* A warm-up each: pools, backing and the IOVA table in steady state. */
	for (i = 0; i < 2; i++)
		if (perf_heavy_rep(&h[i], &warm) != 0)
			goto out;
	/* Lazy and strict in turns, so that a drift hits both alike. */
	for (r = 0; r < PERF_REPS; r++)
		for (i = 0; i < 2; i++)
			if (perf_heavy_rep(&h[i], &v[i][r]) != 0)
				goto out;
	for (i = 0; i < 2; i++)
		ns[i] = perf_median(v[i], PERF_REPS);
	printf("PERF_INFO free_heavy: %u windows of 4 KiB allocated (not timed), then all"
		" freed in allocation order and rte_vmap_purge(); driver=sim %s; per free,"
		" purges included; lazy_max=%zu MiB nodes=%u; flushes per repetition: lazy %"
		PRIu64 ", strict %" PRIu64 "\n", PERF_HEAVY_N, PERF_FLUSH_NS_ARGS,
		h[0].vm->lazy_max >> 20, h[0].vm->nr_nodes, h[0].flushes, h[1].flushes);
	perf_print("free_heavy_4k_lazy", ns[0], "ns");
	perf_print("free_heavy_4k_strict", ns[1], "ns");
	perf_print("free_heavy_4k_lazy_mfrees", 1E3 / ns[0], "Mfrees/s");
	perf_print("free_heavy_4k_strict_mfrees", 1E3 / ns[1], "Mfrees/s");
	perf_ratio("free_heavy_4k_lazy", "strict", ns[1] / ns[0], PERF_AT_LEAST, 5.0);
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		if (h[i].vm != NULL && h[i].win != NULL &&
				perf_free_all(h[i].vm, h[i].win, PERF_HEAVY_N) != 0)
			ret = -1;
		free(h[i].win);
		rte_vmap_destroy(h[i].vm);
	}
	return ret;
}

/* ---- figure 3: how long a purge blocks another lcore ------------------- */

/* What the allocating lcore records: one entry per alloc+free pair. */
struct perf_block {
	struct rte_vmap *vm;
	uint64_t *start;   /* TSC before the alloc */
	uint32_t *alloc;   /* cycles of the alloc */
	uint32_t *free;    /* cycles of the free that follows it */
	unsigned int nr;
	uint64_t iters;    /* pairs done; read by the purging lcore */
	uint32_t stop;
	int result;
};

/* The allocating lcore: alloc+free of 4 KiB until told to stop. */
static int
perf_block_worker(void *arg)
{
	struct perf_block *pb = arg;
	uint64_t t0, t1, t2;
	void *p;

	pb->nr = 0;
	pb->result = 0;
	while (__atomic_load_n(&pb->stop, __ATOMIC_ACQUIRE) == 0) {
		t0 = rte_rdtsc();
		p = rte_vmap_alloc(pb->vm, PERF_WIN, 0, SOCKET_ID_ANY);
		t1 = rte_rdtsc();
		if (unlikely(p == NULL || rte_vmap_free(pb->vm, p) != 0)) {
			printf("alloc+free on lcore %u failed: %s\n", rte_lcore_id(),
				rte_strerror(rte_errno));
			pb->result = -1;
			break;
		}
		t2 = rte_rdtsc();
		if (likely(pb->nr < PERF_BLOCK_SAMPLES)) {
			pb->start[pb->nr] = t0;
			pb->alloc[pb->nr] = (uint32_t)RTE_MIN(t1 - t0, (uint64_t)UINT32_MAX);
			pb->free[pb->nr] = (uint32_t)RTE_MIN(t2 - t1, (uint64_t)UINT32_MAX);
			pb->nr++;
		}
		__atomic_store_n(&pb->iters, pb->iters + 1, __ATOMIC_RELEASE);
	}
	/* Its own lazy frees are the purging lcore's to flush. */
	return pb->result;
}

/* Fill the allocating lcore's pools: its steady state is pool hits. */
static int
perf_block_prewarm(void *arg)
{
	struct perf_block *pb = arg;
	void **win = calloc(PERF_BLOCK_PREWARM, sizeof(*win));
	int ret = -1;

	if (win == NULL)
		return -1;
	if (perf_alloc_all(pb->vm, win, PERF_BLOCK_PREWARM) == 0)
		ret = perf_free_all(pb->vm, win, PERF_BLOCK_PREWARM);
	free(win);
	return ret;
}

static int
perf_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One repetition's figures, in microseconds. */
struct perf_block_fig {
	double duration;   /* of rte_vmap_purge() */
	double alloc_max;  /* longest alloc overlapping the purge */
	double alloc_p99;
	double free_max;
	double idle_max;   /* longest of as many allocs right after the purge */
	double fraction;   /* alloc_max / duration */
	unsigned int calls; /* allocs overlapping the purge */
	uint64_t lazy;     /* bytes the purge found lazily freed */
};

static void
perf_block_analyse(const struct perf_block *pb, uint64_t ts, uint64_t te,
		uint32_t *scratch, struct perf_block_fig *fig)
{
	uint32_t amax = 0, fmax = 0, imax = 0;
	unsigned int i, n = 0, after = 0;

	for (i = 0; i < pb->nr; i++) {
		/* The pair's alloc, then its free, as intervals on the TSC. */
		uint64_t a_end = pb->start[i] + pb->alloc[i];
		uint64_t f_end = a_end + pb->free[i];

		if (a_end > ts && pb->start[i] < te) {
			amax = RTE_MAX(amax, pb->alloc[i]);
			scratch[n++] = pb->alloc[i];
		}
		if (f_end > ts && a_end < te)
			fmax = RTE_MAX(fmax, pb->free[i]);
	}
	/*
	 * The baseline: as many calls right after the purge. More calls see
	 * more interrupts and preemptions, so the same count compares fairly.
	 */
	for (i = 0; i < pb->nr && after < RTE_MAX(n, 1u); i++) {
		if (pb->start[i] >= te) {
			imax = RTE_MAX(imax, pb->alloc[i]);
			after++;
		}
	}
	fig->duration = perf_us(te - ts);
	fig->calls = n;
	fig->alloc_max = perf_us(amax);
	fig->free_max = perf_us(fmax);
	fig->idle_max = perf_us(imax);
	if (n > 0) {
		qsort(scratch, n, sizeof(*scratch), perf_cmp_u32);
		fig->alloc_p99 = perf_us(scratch[RTE_MIN(n - 1, n * 99 / 100)]);
	} else {
		fig->alloc_p99 = 0;
	}
	fig->fraction = fig->alloc_max / fig->duration;
}

static int
perf_block_rep(struct perf_block *pb, void **win, unsigned int worker, uint32_t *scratch,
		struct perf_block_fig *fig)
{
	struct rte_vmap_stats st0, st1;
	uint64_t ts, te, seen, before;
	int ret;

	/* The batch: 10k windows freed lazily, none purged yet. */
	if (perf_alloc_all(pb->vm, win, PERF_BLOCK_N) != 0 ||
			rte_vmap_stats_get(pb->vm, &st0) != 0 ||
			perf_free_all(pb->vm, win, PERF_BLOCK_N) != 0)
		return -1;
	pb->iters = 0;
	pb->stop = 0;
	if (rte_eal_remote_launch(perf_block_worker, pb, worker) != 0)
		return -1;
	while (__atomic_load_n(&pb->iters, __ATOMIC_ACQUIRE) < PERF_BLOCK_WARM &&
			rte_eal_get_lcore_state(worker) == RUNNING)
		rte_pause();
	if (rte_vmap_stats_get(pb->vm, &st1) != 0)
		return -1;
	before = __atomic_load_n(&pb->iters, __ATOMIC_ACQUIRE);
	ts = rte_rdtsc_precise();
	ret = rte_vmap_purge(pb->vm);
	te = rte_rdtsc_precise();
	/*
	 * The allocating lcore goes on for at least as many pairs as ran
	 * during the purge: the baseline of the figure.
	 */
	seen = __atomic_load_n(&pb->iters, __ATOMIC_ACQUIRE);
	seen += RTE_MAX(seen - before, (uint64_t)PERF_BLOCK_WARM) + 1;
	while (__atomic_load_n(&pb->iters, __ATOMIC_ACQUIRE) < seen &&
			rte_eal_get_lcore_state(worker) == RUNNING)
		rte_pause();
	__atomic_store_n(&pb->stop, 1, __ATOMIC_RELEASE);
	if (rte_eal_wait_lcore(worker) != 0 || ret != 0)
		return -1;
	if (st1.nr_purges != st0.nr_purges)
		printf("PERF_INFO purge_block: a purge ran before the timed one (lazy_max"
			" too small?)\n");
	if (pb->nr == PERF_BLOCK_SAMPLES)
		printf("PERF_INFO purge_block: sample buffer full, the tail is not counted\n");
	perf_block_analyse(pb, ts, te, scratch, fig);
	fig->lazy = st1.va_lazy;
	/* The allocating lcore's frees since: flushed, not timed. */
	return rte_vmap_purge(pb->vm);
}

struct perf_block_drv {
	const char *tag;
	const char *iommu;
	const char *args;
	struct perf_block pb;
	struct perf_block_fig fig[PERF_REPS];
};

static void
perf_block_report(struct perf_block_drv *d)
{
	double v[PERF_REPS], worst = 0, lazy = 0;
	char name[96];
	unsigned int r, calls = UINT32_MAX;

#define PERF_BLOCK_MEDIAN(field) __extension__ ({ \
	for (r = 0; r < PERF_REPS; r++) \
		v[r] = d->fig[r].field; \
	perf_median(v, PERF_REPS); \
})
	for (r = 0; r < PERF_REPS; r++) {
		worst = RTE_MAX(worst, d->fig[r].fraction);
		calls = RTE_MIN(calls, d->fig[r].calls);
		lazy += (double)d->fig[r].lazy / PERF_REPS;
	}
	printf("PERF_INFO purge_block_%s: driver=%s%s%s; lcore %u frees %u windows of 4 KiB"
		" lazily (lazy_max=%zu MiB: no purge before), then times rte_vmap_purge()"
		" of ~%.0f windows (~%.0f of them freed by lcore %u, which allocs+frees 4 KiB"
		" windows from a warm pool, %u pairs before the purge, timing each call with"
		" rte_rdtsc); fewest allocs overlapping a purge %u; worst fraction of %u reps"
		" %.3f\n", d->tag, d->iommu, d->args != NULL ? " " : "",
		d->args != NULL ? d->args : "",
		rte_get_main_lcore(), PERF_BLOCK_N, PERF_BLOCK_LAZY_MAX >> 20, lazy / PERF_WIN,
		lazy / PERF_WIN - PERF_BLOCK_N, rte_get_next_lcore(-1, 1, 0), PERF_BLOCK_WARM,
		calls, PERF_REPS, worst);
	snprintf(name, sizeof(name), "purge_block_%s_duration", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(duration), "us");
	snprintf(name, sizeof(name), "purge_block_%s_alloc_max", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(alloc_max), "us");
	snprintf(name, sizeof(name), "purge_block_%s_alloc_p99", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(alloc_p99), "us");
	snprintf(name, sizeof(name), "purge_block_%s_free_max", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(free_max), "us");
	snprintf(name, sizeof(name), "purge_block_%s_alloc_max_idle", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(idle_max), "us");
	snprintf(name, sizeof(name), "purge_block_max_vs_duration_%s", d->tag);
	perf_print(name, PERF_BLOCK_MEDIAN(fraction), "x");
	perf_target(name, PERF_BLOCK_MEDIAN(fraction), PERF_AT_MOST, 0.1);
#undef PERF_BLOCK_MEDIAN
}

static int
perf_purge_block(void)
{
	static struct perf_block_drv drv[2] = {
		{ .tag = "sim", .iommu = "sim", .args = PERF_FLUSH_NS_ARGS },
		{ .tag = "none", .iommu = "none", .args = NULL },
	};
	struct perf_block_fig warm;
	uint32_t *scratch = NULL;
	void **win = NULL;
	unsigned int worker, i, r;
	char name[32];
	int ret = -1;

	if (rte_lcore_count() < 2) {
		printf("PERF_SKIP purge_block_*: rte_lcore_count() is %u, 2 are needed"
			" (run with -l 0-1)\n", rte_lcore_count());
		return 0;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	win = calloc(PERF_BLOCK_N, sizeof(*win));
	scratch = calloc(PERF_BLOCK_SAMPLES, sizeof(*scratch));
	if (win == NULL || scratch == NULL)
		goto out;
	for (i = 0; i < RTE_DIM(drv); i++) {
		struct perf_block *pb = &drv[i].pb;

		snprintf(name, sizeof(name), "pp_block_%s", drv[i].tag);
		pb->vm = perf_space(name, drv[i].iommu, drv[i].args, 0, PERF_BLOCK_LAZY_MAX);
		pb->start = calloc(PERF_BLOCK_SAMPLES, sizeof(*pb->start));
		pb->alloc = calloc(PERF_BLOCK_SAMPLES, sizeof(*pb->alloc));
		pb->free = calloc(PERF_BLOCK_SAMPLES, sizeof(*pb->free));
		if (pb->vm == NULL || pb->start == NULL || pb->alloc == NULL ||
				pb->free == NULL)
			goto out;
		if (rte_eal_remote_launch(perf_block_prewarm, pb, worker) != 0 ||
				rte_eal_wait_lcore(worker) != 0 || rte_vmap_purge(pb->vm) != 0)
			goto out;
		if (perf_block_rep(pb, win, worker, scratch, &warm) != 0)
			goto out;
	}
	/* The two drivers in turns, so that a drift hits both alike. */
	for (r = 0; r < PERF_REPS; r++)
		for (i = 0; i < RTE_DIM(drv); i++)
			if (perf_block_rep(&drv[i].pb, win, worker, scratch,
					&drv[i].fig[r]) != 0)
				goto out;
	for (i = 0; i < RTE_DIM(drv); i++)
		perf_block_report(&drv[i]);
	ret = 0;
out:
	for (i = 0; i < RTE_DIM(drv); i++) {
		rte_vmap_destroy(drv[i].pb.vm);
		free(drv[i].pb.start);
		free(drv[i].pb.alloc);
		free(drv[i].pb.free);
		memset(&drv[i].pb, 0, sizeof(drv[i].pb));
	}
	free(scratch);
	free(win);
	return ret;
}

/* ---- the command -------------------------------------------------------- */

static int
test_vmap_purge_perf(void)
{
	perf_begin();
	/* The same working-set steps run after run. */
	rte_srand(0x70757267);
	/* No rep_ms: these figures are sized by counts, not by time. */
	perf_print_machine(vmap_test_page_size(), 0);

	TEST_ASSERT_SUCCESS(perf_flushes(), "flush-count figures failed");
	TEST_ASSERT_SUCCESS(perf_free_heavy(), "free-heavy figures failed");
	TEST_ASSERT_SUCCESS(perf_purge_block(), "purge-blocking figures failed");

	perf_end();
	return TEST_SUCCESS;
}

REGISTER_PERF_TEST(vmap_purge_perf_autotest, test_vmap_purge_perf);
