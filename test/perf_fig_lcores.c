/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest, figure 2: rte_vmap_alloc+free pairs on two lcores
 * at once against one, for one node and for one node per lcore, and the
 * machine's own ceiling (a private counter per lcore). test_vmap_perf.c
 * has the overview.
 */

#include <string.h>

#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "perf_figures.h"

/* ---- figure 2: two lcores at once ------------------------------------ */

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
 * Calibrate mt->n, then PERF_REPS repetitions, the 1-lcore and 2-lcore
 * runs interleaved: t1[r] the main lcore alone, t2[r] the aggregate of
 * both (2n / the slower lcore's time), tw[r] (if tw is not NULL) the
 * worker alone. worker RTE_MAX_LCORE: t1 only.
 */
int
perf_mt_reps(struct perf_mt *mt, unsigned int worker, double *t1, double *t2, double *tw)
{
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
		if (tw != NULL) {
			if (perf_mt_launch(mt, worker, 1) != 0)
				return -1;
			tw[r] = perf_mops(mt->n, mt->cycles[1]);
		}
	}
	return 0;
}

/* One size (or the private reference): 1-lcore and 2-lcore aggregate throughput. */
static int
perf_scaling_size(struct perf_mt *mt, const char *what, const char *tag,
		bool goal, unsigned int worker)
{
	double t1[PERF_REPS], t2[PERF_REPS], tw[PERF_REPS], m1, m2;
	const char *unit = mt->vm == NULL ? "Mops/s" : "Mpairs/s";
	char name1[96], name2[96], base[32];

	/* The reference also times the worker alone: lcores may differ. */
	if (perf_mt_reps(mt, worker, t1, t2, mt->vm == NULL ? tw : NULL) != 0)
		return -1;
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

int
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
