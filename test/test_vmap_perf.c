/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest: a benchmark of rte_vmap against what a DPDK
 * application would use without it (rte_malloc, rte_mem_virt2iova).
 *
 * Not a timed test: it prints figures, and fails only when an API call
 * fails. A missed target is printed, never fatal, because the numbers
 * depend on the machine far more than on the code under test.
 *
 * Every figure is the median of PERF_REPS repetitions; a warm-up run sizes
 * each repetition to about PERF_REP_MS, so that cheap and expensive
 * operations are timed over the same wall time. Every baseline is measured
 * in the same run as the figure it is compared with. The three benchmarks
 * (this one, vmap_purge_perf and vmap_mempool_perf) print and time through
 * perf_common.c. Output:
 *
 *   PERF_INFO key=value ...               the machine and the set-up
 *   PERF <name> <value> <unit>            a figure (ns, Mpairs/s, %)
 *   PERF <name>_vs_<baseline> <ratio> x   two figures of this run compared
 *   PERF_TARGET <name> <value> <op> <target> met|MISSED
 *   PERF_SKIP <what>: <reason>
 *
 * Ratios read "better by": baseline time / vmap time for the speed
 * figures, 2-lcore / 1-lcore throughput for the scaling ones. The one
 * exception is alloc_free_4k_live*_vs_live10, a slowdown (time with many
 * live windows / time with few), as its target (<= 2) is stated.
 */

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "perf_common.h"
#include "test.h"
#include "test_vmap.h"
/* For the node count, the resolved IOVA mode, the metadata and block sizes. */
#include "vmap_block.h"

/* Working-set variant: live windows, capped in bytes for the big sizes. */
#define PERF_WS_LIVE 64u
#define PERF_WS_MAX_BYTES ((size_t)256 << 20)
#define PERF_NR_RND 4096u    /* power of two */

/* virt2iova: random addresses over live windows / rte_malloc'd buffers. */
#define PERF_NR_ADDRS 4096u  /* power of two */
#define PERF_V2I_WINDOWS 256u
#define PERF_V2I_WSIZE ((size_t)64 << 10)
#define PERF_V2I_BUFS 16u
#define PERF_V2I_BSIZE ((size_t)1 << 20)

/* Alloc cost against the number of live windows. */
#define PERF_LIVE_SMALL 10u
#define PERF_LIVE_LARGE 100000u

/* Metadata overhead. */
#define PERF_META_WINDOWS 256u
#define PERF_META_WSIZE ((size_t)2 << 20)

struct perf_size {
	size_t size;
	const char *tag;
	bool goal; /* the rte_malloc and scaling targets apply to this size */
};

static const struct perf_size perf_sizes[] = {
	{ (size_t)4 << 10, "4k", true },
	{ (size_t)64 << 10, "64k", true },
	{ (size_t)2 << 20, "2m", false },
	{ (size_t)32 << 20, "32m", false },
};

/* Where lookup loops leave their results, so that they are not elided. */
static volatile uint64_t perf_sink;

/* ---- set-up ------------------------------------------------------------ */

static struct rte_vmap *
perf_space(const char *name, size_t page_size, unsigned int nr_nodes)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	/* va_size 0: the library default, room for 100k windows and more. */
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.page_size = page_size;
	p.nr_nodes = nr_nodes;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("rte_vmap_create(%s) failed: %s\n", name, rte_strerror(rte_errno));
	return vm;
}

/* ---- figure 1: alloc+free pairs on one lcore ------------------------- */

struct perf_pairs {
	struct rte_vmap *vm;  /* NULL: rte_malloc pairs */
	size_t size;
	/* Working-set variant. */
	unsigned int nr_live;
	unsigned int pos;
	void *live[PERF_WS_LIVE];
	uint16_t rnd[PERF_NR_RND]; /* indexes into live[], drawn up front */
};

static __rte_always_inline void *
pairs_alloc(struct perf_pairs *pp, bool vmap)
{
	void *p;

	if (vmap)
		p = rte_vmap_alloc(pp->vm, pp->size, 0, SOCKET_ID_ANY);
	else
		p = rte_malloc(NULL, pp->size, 0);
	if (unlikely(p == NULL))
		printf("%s(%zu) failed: %s\n", vmap ? "rte_vmap_alloc" : "rte_malloc",
			pp->size, rte_strerror(rte_errno));
	return p;
}

static __rte_always_inline int
pairs_free(struct perf_pairs *pp, void *p, bool vmap)
{
	int ret;

	if (!vmap) {
		rte_free(p);
		return 0;
	}
	ret = rte_vmap_free(pp->vm, p);
	if (unlikely(ret != 0))
		printf("rte_vmap_free(%p) failed: %d\n", p, ret);
	return ret;
}

/* LIFO: the window just freed is the next one allocated. */
static __rte_always_inline int
pairs_lifo(struct perf_pairs *pp, unsigned int n, uint64_t *cycles, bool vmap)
{
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = pairs_alloc(pp, vmap);
		if (p == NULL)
			return -1;
		if (pairs_free(pp, p, vmap) != 0)
			return -1;
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/*
 * Working set: nr_live windows stay live, and each step frees a random one
 * and allocates its replacement, so frees do not come back in LIFO order
 * as they do for an application holding many buffers.
 */
static __rte_always_inline int
pairs_ws(struct perf_pairs *pp, unsigned int n, uint64_t *cycles, bool vmap)
{
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		k = pp->rnd[pp->pos++ & (PERF_NR_RND - 1)];
		if (pairs_free(pp, pp->live[k], vmap) != 0)
			return -1;
		pp->live[k] = pairs_alloc(pp, vmap);
		if (pp->live[k] == NULL)
			return -1;
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/*
 * The figures' loops: rte_vmap pairs when the context has a space,
 * rte_malloc pairs when it has none. The allocator is chosen once per
 * run, each branch its own copy of the inlined loop, so that the timed
 * loop never tests it.
 */
static int
loop_pairs_lifo(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_pairs *pp = ctx;

	return pp->vm != NULL ? pairs_lifo(pp, n, cycles, true) : pairs_lifo(pp, n, cycles, false);
}

static int
loop_pairs_ws(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_pairs *pp = ctx;

	return pp->vm != NULL ? pairs_ws(pp, n, cycles, true) : pairs_ws(pp, n, cycles, false);
}

static int
pairs_ws_fill(struct perf_pairs *pp, bool vmap)
{
	unsigned int i;

	pp->nr_live = RTE_MIN(PERF_WS_LIVE, (unsigned int)(PERF_WS_MAX_BYTES / pp->size));
	pp->pos = 0;
	for (i = 0; i < PERF_NR_RND; i++)
		pp->rnd[i] = (uint16_t)rte_rand_max(pp->nr_live);
	memset(pp->live, 0, sizeof(pp->live));
	for (i = 0; i < pp->nr_live; i++) {
		pp->live[i] = pairs_alloc(pp, vmap);
		if (pp->live[i] == NULL)
			return -1;
	}
	return 0;
}

static int
pairs_ws_drain(struct perf_pairs *pp, bool vmap)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < PERF_WS_LIVE; i++) {
		if (pp->live[i] != NULL && pairs_free(pp, pp->live[i], vmap) != 0)
			ret = -1;
		pp->live[i] = NULL;
	}
	return ret;
}

/*
 * The allocators one size is timed with: vmap on the default page size,
 * vmap on 4 KiB pages (sizes with a target only, when that is not the
 * default already) and rte_malloc, the baseline, always last.
 */
struct perf_slot {
	struct rte_vmap *vm; /* NULL: rte_malloc */
	const char *suffix;
};

static void
perf_pairs_name(char *buf, size_t len, const struct perf_slot *sl,
		const struct perf_size *ps, const struct perf_pairs *pp, bool ws)
{
	char ws_tag[16] = "";

	if (ws)
		snprintf(ws_tag, sizeof(ws_tag), "ws%u_", pp->nr_live);
	if (sl->vm == NULL)
		snprintf(buf, len, "rte_malloc_free_%s%s_1lcore", ws_tag, ps->tag);
	else
		snprintf(buf, len, "alloc_free_%s%s%s_1lcore", ws_tag, ps->tag, sl->suffix);
}

/* Print the figures of one variant (LIFO or working set) and their ratios. */
static void
perf_pairs_report(const struct perf_slot *sl, const struct perf_fig *fig,
		const struct perf_pairs *pp, unsigned int nr, const struct perf_size *ps,
		bool ws)
{
	char name[96];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		perf_pairs_name(name, sizeof(name), &sl[i], ps, &pp[i], ws);
		perf_print(name, fig[i].ns, "ns");
	}
	for (i = 0; i + 1 < nr; i++) {
		perf_pairs_name(name, sizeof(name), &sl[i], ps, &pp[i], ws);
		perf_ratio(name, "rte_malloc", fig[nr - 1].ns / fig[i].ns,
			ps->goal ? PERF_AT_LEAST : PERF_NO_GOAL, 3.0);
	}
}

static int
perf_alloc_free_size(struct rte_vmap *vm, struct rte_vmap *vm_pg4k,
		const struct perf_size *ps)
{
	struct perf_slot sl[3];
	struct perf_fig fig[3];
	struct perf_pairs *pp;
	unsigned int nr = 0, i;
	int ret = -1;

	sl[nr++] = (struct perf_slot){ vm, "" };
	if (vm_pg4k != NULL && ps->goal)
		sl[nr++] = (struct perf_slot){ vm_pg4k, "_pg4k" };
	sl[nr++] = (struct perf_slot){ NULL, "" };
	pp = calloc(nr, sizeof(*pp));
	if (pp == NULL)
		return -1;
	for (i = 0; i < nr; i++) {
		pp[i].vm = sl[i].vm;
		pp[i].size = ps->size;
		fig[i].fn = loop_pairs_lifo;
		fig[i].ctx = &pp[i];
	}
	if (perf_measure(fig, nr) != 0)
		goto out;
	perf_pairs_report(sl, fig, pp, nr, ps, false);

	/* Every allocator holds its working set during the whole comparison. */
	for (i = 0; i < nr; i++) {
		if (pairs_ws_fill(&pp[i], sl[i].vm != NULL) != 0)
			goto drain;
		fig[i].fn = loop_pairs_ws;
	}
	if (perf_measure(fig, nr) != 0)
		goto drain;
	perf_pairs_report(sl, fig, pp, nr, ps, true);
	ret = 0;
drain:
	for (i = 0; i < nr; i++)
		if (pairs_ws_drain(&pp[i], sl[i].vm != NULL) != 0)
			ret = -1;
out:
	free(pp);
	return ret;
}

static int
perf_alloc_free(size_t page_size)
{
	struct rte_vmap *vm, *vm_pg4k = NULL;
	unsigned int i;
	int ret = 0;

	vm = perf_space("perf_pairs", page_size, 0);
	if (vm == NULL)
		return -1;
	if (page_size != RTE_VMAP_PAGE_4K) {
		/* 4 KiB backing pages: what a machine without hugepages gets. */
		vm_pg4k = perf_space("perf_pairs_pg4k", RTE_VMAP_PAGE_4K, 0);
		if (vm_pg4k == NULL) {
			rte_vmap_destroy(vm);
			return -1;
		}
	} else {
		printf("PERF_SKIP alloc_free_*_pg4k_1lcore: the default page size is 4K"
			" already\n");
	}
	printf("PERF_INFO alloc_free: page_size=%s (_pg4k: 4K) nodes=%u space_iova=%s"
		" ws=<=%u live windows (<= %zu MiB) baseline=rte_malloc(NULL, size, 0)\n",
		perf_page_tag(page_size), vm->nr_nodes, rte_vmap_iova_mode_name(vm->iova_mode),
		PERF_WS_LIVE, PERF_WS_MAX_BYTES >> 20);
	/* Reading the ratios: the baseline pays a memset of what it frees. */
	printf("PERF_INFO alloc_free: rte_free() clears the bytes it frees (DPDK"
		" malloc_elem_free), so the baseline's cost grows with the size\n");
	for (i = 0; ret == 0 && i < RTE_DIM(perf_sizes); i++)
		ret = perf_alloc_free_size(vm, vm_pg4k, &perf_sizes[i]);
	rte_vmap_destroy(vm_pg4k);
	rte_vmap_destroy(vm);
	return ret;
}

/* ---- figure 2: two lcores at once ------------------------------------ */

/* One rte_vmap_block_alloc + rte_vmap_block_free pair (figures 2 and 6). */
static __rte_always_inline int
perf_block_pair(struct rte_vmap *vm, size_t size)
{
	void *p = rte_vmap_block_alloc(vm, size);

	if (unlikely(p == NULL)) {
		printf("rte_vmap_block_alloc(%zu) on lcore %u failed: %s\n", size,
			rte_lcore_id(), rte_strerror(rte_errno));
		return -1;
	}
	if (unlikely(rte_vmap_block_free(vm, p, size) != 0)) {
		printf("rte_vmap_block_free(%p) on lcore %u failed\n", p, rte_lcore_id());
		return -1;
	}
	return 0;
}

/* A counter of one lcore, alone on its cache line. */
struct perf_private {
	uint64_t ctr;
} __rte_cache_aligned;

struct perf_mt {
	struct rte_vmap *vm;  /* NULL: the private reference loop */
	bool block;           /* rte_vmap_block_alloc/free pairs (figure 6) */
	size_t size;
	unsigned int n;
	unsigned int nr_threads;
	uint32_t ready;
	uint64_t cycles[2];
	struct perf_private priv[2];
};

static __rte_always_inline int
perf_mt_op(struct perf_mt *mt, unsigned int slot)
{
	void *p;
	int ret;

	if (mt->vm == NULL) {
		/*
		 * The machine's own ceiling: an atomic on a line no other lcore
		 * touches, the kind of work a pair is made of, with nothing shared.
		 */
		__atomic_fetch_add(&mt->priv[slot].ctr, 1, __ATOMIC_ACQ_REL);
		return 0;
	}
	if (mt->block)
		return perf_block_pair(mt->vm, mt->size);
	p = rte_vmap_alloc(mt->vm, mt->size, 0, SOCKET_ID_ANY);
	if (unlikely(p == NULL)) {
		printf("rte_vmap_alloc(%zu) on lcore %u failed: %s\n", mt->size,
			rte_lcore_id(), rte_strerror(rte_errno));
		return -1;
	}
	ret = rte_vmap_free(mt->vm, p);
	if (unlikely(ret != 0))
		printf("rte_vmap_free(%p) on lcore %u failed: %d\n", p, rte_lcore_id(), ret);
	return ret;
}

/* Sizes a repetition: the same operations on the calling lcore alone. */
static int
loop_mt(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_mt *mt = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;

	for (i = 0; i < n; i++)
		if (perf_mt_op(mt, 0) != 0)
			return -1;
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

static int
perf_mt_run(struct perf_mt *mt, unsigned int slot)
{
	unsigned int i, warm = mt->n / 8 + 1;
	uint64_t t0;
	int ret = 0;

	/* Warm this lcore's node pool before the common start. */
	for (i = 0; ret == 0 && i < warm; i++)
		ret = perf_mt_op(mt, slot);
	/* Reached even after a failure, or the other lcore would spin forever. */
	__atomic_fetch_add(&mt->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&mt->ready, __ATOMIC_ACQUIRE) < mt->nr_threads)
		rte_pause();
	if (ret != 0)
		return ret;
	t0 = rte_rdtsc_precise();
	for (i = 0; i < mt->n; i++)
		if (perf_mt_op(mt, slot) != 0)
			return -1;
	mt->cycles[slot] = rte_rdtsc_precise() - t0;
	return 0;
}

static int
perf_mt_worker(void *arg)
{
	return perf_mt_run(arg, 1);
}

static double
perf_mops(uint64_t ops, uint64_t cycles)
{
	return (double)ops * (double)rte_get_tsc_hz() /
		(double)RTE_MAX(cycles, (uint64_t)1) / 1E6;
}

/* Run the worker lcore on its own (nr_threads 1) or with the main lcore. */
static int
perf_mt_launch(struct perf_mt *mt, unsigned int worker, unsigned int nr_threads)
{
	int ret = 0, wret;

	mt->nr_threads = nr_threads;
	mt->ready = 0;
	wret = rte_eal_remote_launch(perf_mt_worker, mt, worker);
	if (wret != 0) {
		printf("rte_eal_remote_launch(lcore %u) failed: %d\n", worker, wret);
		return -1;
	}
	if (nr_threads == 2)
		ret = perf_mt_run(mt, 0);
	wret = rte_eal_wait_lcore(worker);
	return ret != 0 || wret != 0 ? -1 : 0;
}

/*
 * One size (or the private reference): 1-lcore and 2-lcore aggregate
 * throughput, their repetitions interleaved. Aggregate = 2n / the slower
 * lcore's time.
 */
static int
perf_scaling_size(struct perf_mt *mt, const char *what, const char *tag,
		bool goal, unsigned int worker)
{
	double t1[PERF_REPS], t2[PERF_REPS], tw[PERF_REPS], m1, m2;
	const char *unit = mt->vm == NULL ? "Mops/s" : "Mpairs/s";
	char name1[96], name2[96], base[32];
	unsigned int r;

	if (perf_calibrate(loop_mt, mt, &mt->n) != 0)
		return -1;
	for (r = 0; r < PERF_REPS; r++) {
		mt->nr_threads = 1;
		mt->ready = 0;
		if (perf_mt_run(mt, 0) != 0)
			return -1;
		t1[r] = perf_mops(mt->n, mt->cycles[0]);
		if (worker == RTE_MAX_LCORE)
			continue;
		if (perf_mt_launch(mt, worker, 2) != 0)
			return -1;
		t2[r] = perf_mops(2 * (uint64_t)mt->n, RTE_MAX(mt->cycles[0], mt->cycles[1]));
		/* The reference also times the worker alone: lcores may differ. */
		if (mt->vm == NULL) {
			if (perf_mt_launch(mt, worker, 1) != 0)
				return -1;
			tw[r] = perf_mops(mt->n, mt->cycles[1]);
		}
	}
	m1 = perf_median(t1, PERF_REPS);
	snprintf(name1, sizeof(name1), "tput_%s_1lcore%s", what, tag);
	perf_print(name1, m1, unit);
	if (worker == RTE_MAX_LCORE)
		return 0;
	m2 = perf_median(t2, PERF_REPS);
	snprintf(name2, sizeof(name2), "tput_%s_2lcore%s", what, tag);
	perf_print(name2, m2, unit);
	snprintf(base, sizeof(base), "1lcore%s", tag);
	perf_ratio(name2, base, m2 / m1, goal ? PERF_AT_LEAST : PERF_NO_GOAL, 1.6);
	if (mt->vm == NULL)
		printf("PERF_INFO tput_private: worker lcore %u alone runs at %.2f of the"
			" main lcore's rate; perfect scaling here is about %.2f x\n", worker,
			perf_median(tw, PERF_REPS) / m1, 1 + perf_median(tw, PERF_REPS) / m1);
	return 0;
}

static int
perf_scaling(size_t page_size)
{
	static const struct {
		unsigned int nr_nodes;
		const char *tag;
		const char *name;
	} spaces[] = {
		{ 0, "", "perf_mt" },
		{ 1, "_1node", "perf_mt_1node" },
	};
	unsigned int worker = RTE_MAX_LCORE, s, i;
	struct perf_mt *mt;
	int ret;

	if (rte_lcore_count() < 2)
		printf("PERF_SKIP tput_*_2lcore*: rte_lcore_count() is %u, 2 are needed"
			" (run with -l 0-1)\n", rte_lcore_count());
	else
		worker = rte_get_next_lcore(-1, 1, 0);
	mt = rte_zmalloc(NULL, sizeof(*mt), RTE_CACHE_LINE_SIZE);
	if (mt == NULL)
		return -1;

	/* What this machine allows, before any figure of the library. */
	ret = perf_scaling_size(mt, "private", "", false, worker);

	for (s = 0; ret == 0 && s < RTE_DIM(spaces); s++) {
		mt->vm = perf_space(spaces[s].name, page_size, spaces[s].nr_nodes);
		if (mt->vm == NULL) {
			ret = -1;
			break;
		}
		printf("PERF_INFO tput%s: page_size=%s nodes=%u (nr_nodes=%u) main_lcore=%u"
			" worker_lcore=%d\n", spaces[s].tag, perf_page_tag(page_size),
			mt->vm->nr_nodes, spaces[s].nr_nodes, rte_get_main_lcore(),
			worker == RTE_MAX_LCORE ? -1 : (int)worker);
		for (i = 0; ret == 0 && i < RTE_DIM(perf_sizes); i++) {
			mt->size = perf_sizes[i].size;
			/* One node is the one-lock design: contention is expected. */
			ret = perf_scaling_size(mt, perf_sizes[i].tag, spaces[s].tag,
				perf_sizes[i].goal && spaces[s].nr_nodes == 0, worker);
		}
		rte_vmap_destroy(mt->vm);
	}
	rte_free(mt);
	return ret;
}

/* ---- figure 3: virt2iova against rte_mem_virt2iova ------------------- */

struct perf_v2i {
	const struct rte_vmap *vm;
	const void *addrs[PERF_NR_ADDRS];
};

static int
loop_vmap_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	uint64_t sum = 0, t0;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		sum += rte_vmap_virt2iova(v->vm, v->addrs[i & (PERF_NR_ADDRS - 1)]);
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

static int
loop_mem_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	uint64_t sum = 0, t0;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		sum += rte_mem_virt2iova(v->addrs[i & (PERF_NR_ADDRS - 1)]);
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

/* What DPDK code on a hot path does instead of rte_mem_virt2iova(). */
static int
loop_memseg_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	const struct rte_memseg *ms;
	uint64_t sum = 0, t0;
	const void *a;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++) {
		a = v->addrs[i & (PERF_NR_ADDRS - 1)];
		ms = rte_mem_virt2memseg(a, NULL);
		if (likely(ms != NULL))
			sum += ms->iova + ((uintptr_t)a - (uintptr_t)ms->addr);
	}
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

static int
perf_virt2iova(size_t page_size)
{
	void *win[PERF_V2I_WINDOWS] = { NULL }, *buf[PERF_V2I_BUFS] = { NULL };
	struct perf_v2i *vmap_set = NULL, *eal_set = NULL;
	struct perf_fig fig[3];
	struct rte_vmap *vm;
	unsigned int i, k;
	int ret = -1;

	vm = perf_space("perf_v2i", page_size, 0);
	if (vm == NULL)
		return -1;
	vmap_set = calloc(1, sizeof(*vmap_set));
	eal_set = calloc(1, sizeof(*eal_set));
	if (vmap_set == NULL || eal_set == NULL)
		goto out;
	for (i = 0; i < PERF_V2I_WINDOWS; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_V2I_WSIZE, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc failed: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	for (i = 0; i < PERF_V2I_BUFS; i++) {
		buf[i] = rte_malloc(NULL, PERF_V2I_BSIZE, 0);
		if (buf[i] == NULL) {
			printf("rte_malloc failed: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	/* Random bytes, checked once so that the timed loops only look up. */
	vmap_set->vm = vm;
	for (i = 0; i < PERF_NR_ADDRS; i++) {
		k = rte_rand_max(PERF_V2I_WINDOWS);
		vmap_set->addrs[i] = RTE_PTR_ADD(win[k], rte_rand_max(PERF_V2I_WSIZE));
		if (rte_vmap_virt2iova(vm, vmap_set->addrs[i]) == RTE_BAD_IOVA) {
			printf("rte_vmap_virt2iova(%p) is RTE_BAD_IOVA\n", vmap_set->addrs[i]);
			goto out;
		}
		k = rte_rand_max(PERF_V2I_BUFS);
		eal_set->addrs[i] = RTE_PTR_ADD(buf[k], rte_rand_max(PERF_V2I_BSIZE));
		if (rte_mem_virt2iova(eal_set->addrs[i]) == RTE_BAD_IOVA ||
				rte_mem_virt2memseg(eal_set->addrs[i], NULL) == NULL) {
			printf("rte_mem_virt2iova(%p) has no answer\n", eal_set->addrs[i]);
			goto out;
		}
	}
	printf("PERF_INFO virt2iova: %u random addresses over %u live windows of %zu KiB"
		" (space_iova=%s) / %u rte_malloc buffers of %zu KiB (eal_iova=%s)\n",
		PERF_NR_ADDRS, PERF_V2I_WINDOWS, PERF_V2I_WSIZE >> 10,
		rte_vmap_iova_mode_name(vm->iova_mode), PERF_V2I_BUFS, PERF_V2I_BSIZE >> 10,
		rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");
	/* The baseline's cost depends on the EAL mode more than on anything else. */
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		printf("PERF_INFO virt2iova: EAL is IOVA-as-VA, rte_mem_virt2iova() is a"
			" cast there; rte_mem_virt2memseg is the baseline that compares\n");
	else
		printf("PERF_INFO virt2iova: EAL is IOVA-as-PA, rte_mem_virt2iova() reads"
			" /proc/self/pagemap on every call\n");
	fig[0] = (struct perf_fig){ .fn = loop_vmap_v2i, .ctx = vmap_set };
	fig[1] = (struct perf_fig){ .fn = loop_mem_v2i, .ctx = eal_set };
	fig[2] = (struct perf_fig){ .fn = loop_memseg_v2i, .ctx = eal_set };
	if (perf_measure(fig, RTE_DIM(fig)) != 0)
		goto out;
	perf_print("virt2iova_rand", fig[0].ns, "ns");
	perf_print("rte_mem_virt2iova_rand", fig[1].ns, "ns");
	perf_print("rte_mem_virt2memseg_rand", fig[2].ns, "ns");
	perf_ratio("virt2iova_rand", "rte_mem_virt2iova", fig[1].ns / fig[0].ns,
		PERF_AT_LEAST, 20.0);
	perf_ratio("virt2iova_rand", "rte_mem_virt2memseg", fig[2].ns / fig[0].ns,
		PERF_NO_GOAL, 0);
	ret = 0;
out:
	for (i = 0; i < PERF_V2I_WINDOWS; i++)
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0)
			ret = -1;
	for (i = 0; i < PERF_V2I_BUFS; i++)
		rte_free(buf[i]);
	free(vmap_set);
	free(eal_set);
	rte_vmap_destroy(vm);
	return ret;
}

/* ---- figure 4: alloc cost against live windows ----------------------- */

/*
 * With 4 KiB backing pages every window is its own mapping (VMA); the
 * kernel caps them at vm.max_map_count, which may hold fewer than
 * PERF_LIVE_LARGE. Returns how many live windows fit, in thousands.
 */
static unsigned int
perf_live_large(size_t page_size)
{
	unsigned long max_map = 0;
	FILE *f;

	if (page_size != RTE_VMAP_PAGE_4K)
		return PERF_LIVE_LARGE;
	f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f != NULL) {
		if (fscanf(f, "%lu", &max_map) != 1)
			max_map = 0;
		fclose(f);
	}
	/* Half for the windows, half for the rest of the process. */
	if (max_map / 2 >= PERF_LIVE_LARGE)
		return PERF_LIVE_LARGE;
	return RTE_MAX((unsigned int)(max_map / 2 / 1000), 1u) * 1000;
}

/* A space holding nr live 4 KiB windows, and its alloc+free loop. */
struct perf_live_set {
	struct perf_pairs pp;
	void **live;
	unsigned int nr;
};

static int
perf_live_fill(struct perf_live_set *ls, unsigned int want)
{
	for (; ls->nr < want; ls->nr++) {
		ls->live[ls->nr] = rte_vmap_alloc(ls->pp.vm, ls->pp.size, 0, SOCKET_ID_ANY);
		if (ls->live[ls->nr] == NULL) {
			printf("rte_vmap_alloc with %u live windows failed: %s\n", ls->nr,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

static int
perf_live_drain(struct perf_live_set *ls)
{
	int ret = 0;

	while (ls->nr > 0)
		if (rte_vmap_free(ls->pp.vm, ls->live[--ls->nr]) != 0)
			ret = -1;
	free(ls->live);
	rte_vmap_destroy(ls->pp.vm);
	return ret;
}

/*
 * Two spaces, one with few live windows and one with many, timed in
 * turns: the pair measured is the one more window on top of the base.
 */
static int
perf_live(size_t page_size)
{
	static const char *const names[2] = { "perf_live_small", "perf_live_large" };
	unsigned int want[2] = { PERF_LIVE_SMALL, perf_live_large(page_size) };
	struct perf_live_set *ls;
	struct perf_fig fig[2];
	char name[64], base[32];
	uint64_t t0, fill = 0;
	unsigned int i;
	int ret = 0;

	ls = calloc(2, sizeof(*ls));
	if (ls == NULL)
		return -1;
	if (want[1] != PERF_LIVE_LARGE)
		printf("PERF_INFO live: vm.max_map_count with 4K pages allows %u live"
			" windows, not %u\n", want[1], PERF_LIVE_LARGE);
	for (i = 0; ret == 0 && i < 2; i++) {
		ls[i].pp.size = (size_t)4 << 10;
		ls[i].pp.vm = perf_space(names[i], page_size, 0);
		ls[i].live = calloc(want[i], sizeof(*ls[i].live));
		if (ls[i].pp.vm == NULL || ls[i].live == NULL) {
			ret = -1;
			break;
		}
		t0 = rte_rdtsc_precise();
		ret = perf_live_fill(&ls[i], want[i]);
		fill = rte_rdtsc_precise() - t0;
		fig[i] = (struct perf_fig){ .fn = loop_pairs_lifo, .ctx = &ls[i].pp };
	}
	if (ret != 0)
		goto out;
	printf("PERF_INFO live: page_size=%s nodes=%u; filling %u live windows took"
		" %.1f ns per alloc (free-tree path, backing faulted in)\n",
		perf_page_tag(page_size), ls[1].pp.vm->nr_nodes, want[1],
		perf_ns(fill, want[1]));
	ret = perf_measure(fig, 2);
	if (ret != 0)
		goto out;
	snprintf(base, sizeof(base), "live%u", want[0]);
	snprintf(name, sizeof(name), "alloc_free_4k_%s", base);
	perf_print(name, fig[0].ns, "ns");
	snprintf(name, sizeof(name), "alloc_free_4k_live%uk", want[1] / 1000);
	perf_print(name, fig[1].ns, "ns");
	perf_ratio(name, base, fig[1].ns / fig[0].ns, PERF_AT_MOST, 2.0);
out:
	for (i = 0; i < 2; i++)
		if (perf_live_drain(&ls[i]) != 0)
			ret = -1;
	free(ls);
	return ret;
}

/* ---- figure 5: metadata overhead of 2 MiB windows -------------------- */

/* Resident bytes of a mapping, from mincore(): what its metadata costs. */
static int
perf_resident(const void *addr, size_t len, unsigned char *vec, uint64_t *bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i, n = (len + pg - 1) / pg;

	if (mincore((void *)(uintptr_t)addr, len, vec) != 0) {
		printf("mincore(%p, %zu) failed: %s\n", addr, len, strerror(errno));
		return -1;
	}
	*bytes = 0;
	for (i = 0; i < n; i++)
		if ((vec[i] & 1) != 0)
			*bytes += pg;
	return 0;
}

/* The IOVA table and the per-backing-page tables of a space, resident. */
static int
perf_table_bytes(const struct rte_vmap *vm, unsigned char *vec, uint64_t *bytes)
{
	const struct vmap_backing *bk = &vm->backing;
	uint64_t b[3];

	if (perf_resident(vm->iova_table, vm->iova_table_len, vec, &b[0]) != 0 ||
			perf_resident(bk->refcnt, bk->nr_pages * sizeof(*bk->refcnt),
				vec, &b[1]) != 0 ||
			perf_resident(bk->phys, bk->nr_pages * sizeof(*bk->phys),
				vec, &b[2]) != 0)
		return -1;
	*bytes = b[0] + b[1] + b[2];
	return 0;
}

static int
perf_meta(size_t page_size)
{
	void *win[PERF_META_WINDOWS] = { NULL };
	uint64_t tab0, tab1, heap0, heap1;
	double heap_pw, tab_pw, formula_pw;
	struct mallinfo2 mi;
	unsigned char *vec = NULL;
	struct rte_vmap *vm;
	unsigned int i;
	size_t vec_len;
	int ret = -1;

	vm = perf_space("perf_meta", page_size, 0);
	if (vm == NULL)
		return -1;
	/* The largest table is the IOVA table; vec is allocated before measuring. */
	vec_len = vm->iova_table_len / (size_t)sysconf(_SC_PAGESIZE) + 1;
	vec = malloc(vec_len);
	if (vec == NULL || perf_table_bytes(vm, vec, &tab0) != 0)
		goto out;
	mi = mallinfo2();
	heap0 = mi.uordblks;
	for (i = 0; i < PERF_META_WINDOWS; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_META_WSIZE, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc(2 MiB) #%u failed: %s\n", i,
				rte_strerror(rte_errno));
			goto out;
		}
	}
	mi = mallinfo2();
	heap1 = mi.uordblks;
	if (perf_table_bytes(vm, vec, &tab1) != 0)
		goto out;

	heap_pw = heap1 > heap0 ? (double)(heap1 - heap0) / PERF_META_WINDOWS : 0;
	tab_pw = (double)(tab1 - tab0) / PERF_META_WINDOWS;
	/* What the design says: an IOVA entry per 4 KiB, a descriptor, page tables. */
	formula_pw = (double)(PERF_META_WSIZE / VMAP_GRANULE * sizeof(uint64_t)) +
		sizeof(struct vmap_area) +
		(double)(PERF_META_WSIZE / page_size) *
		(sizeof(*vm->backing.refcnt) + sizeof(*vm->backing.phys));
	printf("PERF_INFO meta_2m: %u windows of 2 MiB, page_size=%s; measured ="
		" (mallinfo2 uordblks delta %.1f B + resident delta of IOVA/refcnt/phys"
		" tables %.1f B) per window / 2 MiB; formula = (2M/4096*8 + sizeof(struct"
		" vmap_area) %zu + %zu backing page(s) * 12) = %.1f B / 2 MiB\n",
		PERF_META_WINDOWS, perf_page_tag(page_size), heap_pw, tab_pw,
		sizeof(struct vmap_area), PERF_META_WSIZE / page_size, formula_pw);
	perf_print("meta_2m_measured", (heap_pw + tab_pw) * 100.0 / PERF_META_WSIZE, "%");
	perf_target("meta_2m_measured", (heap_pw + tab_pw) * 100.0 / PERF_META_WSIZE,
		PERF_AT_MOST, 1.0);
	perf_print("meta_2m_formula", formula_pw * 100.0 / PERF_META_WSIZE, "%");
	ret = 0;
out:
	for (i = 0; i < PERF_META_WINDOWS; i++)
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0)
			ret = -1;
	free(vec);
	rte_vmap_destroy(vm);
	return ret;
}

/* ---- figure 6: per-lcore block caches -------------------------------- */

#define PERF_BLK_MEMPOOL_N 1023u   /* elements: 2^k - 1, as rte_mempool likes */
#define PERF_BLK_MEMPOOL_CACHE 256u

static const struct perf_size perf_blk_sizes[] = {
	{ (size_t)4 << 10, "4k", true },
	{ (size_t)16 << 10, "16k", true },
	{ (size_t)64 << 10, "64k", true },
};

/* A block pair, or a mempool get+put (the floor of a per-lcore cache). */
struct perf_blk {
	struct rte_vmap *vm;
	struct rte_mempool *mp;
	size_t size;
};

static int
loop_block_pair(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_blk *pb = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;

	for (i = 0; i < n; i++)
		if (perf_block_pair(pb->vm, pb->size) != 0)
			return -1;
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

static int
loop_mempool_pair(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_blk *pb = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *obj;

	for (i = 0; i < n; i++) {
		if (unlikely(rte_mempool_get(pb->mp, &obj) != 0)) {
			printf("rte_mempool_get(%s) failed\n", pb->mp->name);
			return -1;
		}
		rte_mempool_put(pb->mp, obj);
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/* block pair vs rte_malloc+rte_free vs rte_mempool get+put, one size, interleaved. */
static int
perf_block_pairs_size(struct rte_vmap *vm, const struct perf_size *ps)
{
	struct perf_blk blk = { .vm = vm, .size = ps->size }, mpl = { .size = ps->size };
	struct perf_pairs *mal = calloc(1, sizeof(*mal));
	char name[96], mp_name[RTE_MEMPOOL_NAMESIZE];
	struct perf_fig fig[3];
	int ret = -1;

	snprintf(mp_name, sizeof(mp_name), "perf_blk_%s", ps->tag);
	mpl.mp = rte_mempool_create(mp_name, PERF_BLK_MEMPOOL_N, ps->size,
		PERF_BLK_MEMPOOL_CACHE, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (mal == NULL || mpl.mp == NULL) {
		printf("rte_mempool_create(%s) failed: %s\n", mp_name, rte_strerror(rte_errno));
		goto out;
	}
	mal->size = ps->size;
	fig[0] = (struct perf_fig){ .fn = loop_block_pair, .ctx = &blk };
	fig[1] = (struct perf_fig){ .fn = loop_pairs_lifo, .ctx = mal };
	fig[2] = (struct perf_fig){ .fn = loop_mempool_pair, .ctx = &mpl };
	if (perf_measure(fig, RTE_DIM(fig)) != 0)
		goto out;
	snprintf(name, sizeof(name), "block_alloc_free_%s_1lcore", ps->tag);
	perf_print(name, fig[0].ns, "ns");
	snprintf(name, sizeof(name), "block_rte_malloc_free_%s_1lcore", ps->tag);
	perf_print(name, fig[1].ns, "ns");
	snprintf(name, sizeof(name), "block_mempool_get_put_%s_1lcore", ps->tag);
	perf_print(name, fig[2].ns, "ns");
	snprintf(name, sizeof(name), "block_alloc_free_%s_1lcore", ps->tag);
	perf_ratio(name, "rte_malloc", fig[1].ns / fig[0].ns, PERF_AT_LEAST, 10.0);
	/* "Within 3x of the mempool": mempool time / block time >= 1/3. */
	perf_ratio(name, "mempool_cache256", fig[2].ns / fig[0].ns, PERF_AT_LEAST, 1.0 / 3);
	ret = 0;
out:
	rte_mempool_free(mpl.mp);
	free(mal);
	return ret;
}

/* 1 and 2 lcores doing block pairs at once, repetitions interleaved. */
static int
perf_block_scaling_size(struct perf_mt *mt, const char *tag, unsigned int worker,
		double *ratio)
{
	double t1[PERF_REPS], t2[PERF_REPS], m1, m2;
	char name[64];
	unsigned int r;

	if (perf_calibrate(loop_mt, mt, &mt->n) != 0)
		return -1;
	for (r = 0; r < PERF_REPS; r++) {
		mt->nr_threads = 1;
		mt->ready = 0;
		if (perf_mt_run(mt, 0) != 0)
			return -1;
		t1[r] = perf_mops(mt->n, mt->cycles[0]);
		if (perf_mt_launch(mt, worker, 2) != 0)
			return -1;
		t2[r] = perf_mops(2 * (uint64_t)mt->n, RTE_MAX(mt->cycles[0], mt->cycles[1]));
	}
	m1 = perf_median(t1, PERF_REPS);
	m2 = perf_median(t2, PERF_REPS);
	snprintf(name, sizeof(name), "tput_block_%s_1lcore", tag);
	perf_print(name, m1, "Mpairs/s");
	snprintf(name, sizeof(name), "tput_block_%s_2lcore", tag);
	perf_print(name, m2, "Mpairs/s");
	*ratio = m2 / m1;
	return 0;
}

static int
perf_block_scaling(size_t page_size)
{
	static const struct {
		unsigned int flags;
		const char *suffix;
	} modes[] = { { 0, "" }, { RTE_VMAP_F_NO_LCORE_CACHE, "_nocache" } };
	double ratio[RTE_DIM(modes)][RTE_DIM(perf_blk_sizes)];
	struct rte_vmap_params p;
	unsigned int worker, m, i;
	char tag[16], name[64];
	struct perf_mt *mt;
	int ret = 0;

	if (rte_lcore_count() < 2) {
		printf("PERF_SKIP tput_block_*_2lcore*: rte_lcore_count() is %u, 2 are"
			" needed (run with -l 0-1)\n", rte_lcore_count());
		return 0;
	}
	worker = rte_get_next_lcore(-1, 1, 0);
	mt = rte_zmalloc(NULL, sizeof(*mt), RTE_CACHE_LINE_SIZE);
	if (mt == NULL)
		return -1;
	mt->block = true;
	for (m = 0; ret == 0 && m < RTE_DIM(modes); m++) {
		memset(&p, 0, sizeof(p));
		p.name = modes[m].flags != 0 ? "perf_blk_mt_nocache" : "perf_blk_mt";
		p.page_size = page_size;
		p.flags = modes[m].flags;
		mt->vm = rte_vmap_create(&p);
		if (mt->vm == NULL) {
			printf("rte_vmap_create(%s) failed: %s\n", p.name, rte_strerror(rte_errno));
			ret = -1;
			break;
		}
		for (i = 0; ret == 0 && i < RTE_DIM(perf_blk_sizes); i++) {
			mt->size = perf_blk_sizes[i].size;
			snprintf(tag, sizeof(tag), "%s%s", perf_blk_sizes[i].tag, modes[m].suffix);
			ret = perf_block_scaling_size(mt, tag, worker, &ratio[m][i]);
		}
		rte_vmap_destroy(mt->vm);
	}
	for (i = 0; ret == 0 && i < RTE_DIM(perf_blk_sizes); i++) {
		snprintf(name, sizeof(name), "tput_block_%s_2lcore", perf_blk_sizes[i].tag);
		perf_ratio(name, "1lcore", ratio[0][i], PERF_AT_LEAST, 1.8);
		snprintf(name, sizeof(name), "tput_block_%s_nocache_2lcore",
			perf_blk_sizes[i].tag);
		perf_ratio(name, "1lcore_nocache", ratio[1][i], PERF_NO_GOAL, 0);
	}
	rte_free(mt);
	return ret;
}

static int
perf_blocks(size_t page_size)
{
	struct rte_vmap *vm;
	unsigned int i;
	int ret = 0;

	vm = perf_space("perf_blk", page_size, 0);
	if (vm == NULL)
		return -1;
	printf("PERF_INFO block: page_size=%s block_size=%" PRIu64 " KiB nodes=%u"
		" space_iova=%s baselines: rte_malloc(NULL, size, 0)+rte_free, rte_mempool of"
		" %u elements of the size with a %u-object lcore cache (get+put)\n",
		perf_page_tag(page_size), VMAP_BLOCK_SIZE >> 10, vm->nr_nodes,
		rte_vmap_iova_mode_name(vm->iova_mode), PERF_BLK_MEMPOOL_N,
		PERF_BLK_MEMPOOL_CACHE);
	printf("PERF_INFO block: *_vs_mempool_cache256 >= 0.33 x means within 3x of the"
		" mempool; tput_block_*_nocache: RTE_VMAP_F_NO_LCORE_CACHE (the shared path)\n");
	for (i = 0; ret == 0 && i < RTE_DIM(perf_blk_sizes); i++)
		ret = perf_block_pairs_size(vm, &perf_blk_sizes[i]);
	rte_vmap_destroy(vm);
	if (ret == 0)
		ret = perf_block_scaling(page_size);
	return ret;
}

/* ---- the command ------------------------------------------------------- */

static int
test_vmap_perf(void)
{
	size_t page_size = vmap_test_page_size();

	perf_begin();
	/* The same addresses and working-set steps run after run. */
	rte_srand(0x766d6170);
	perf_print_machine(page_size, PERF_REP_MS);

	TEST_ASSERT_SUCCESS(perf_alloc_free(page_size),
		"alloc/free figures failed");
	TEST_ASSERT_SUCCESS(perf_scaling(page_size), "scaling figures failed");
	TEST_ASSERT_SUCCESS(perf_virt2iova(page_size), "virt2iova figures failed");
	TEST_ASSERT_SUCCESS(perf_live(page_size), "live-window figures failed");
	TEST_ASSERT_SUCCESS(perf_meta(page_size), "metadata figures failed");
	TEST_ASSERT_SUCCESS(perf_blocks(page_size), "block figures failed");

	perf_end();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vmap_perf_autotest, test_vmap_perf);
