/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_mempool_perf_autotest: an mbuf pool in vmap windows against the
 * same pool on DPDK memzones (rte_pktmbuf_pool_create()), same n, cache,
 * sizes and ops, in the same run.
 *
 * The conventions of test_vmap_perf.c: figures are medians of PERF_REPS
 * repetitions, each sized by a warm-up to about PERF_REP_MS per pool; the
 * two pools take turns, and finer than there: a repetition is
 * PERF_SLICES slices of each pool, alternating (in alternating order), so
 * that a burst of load from other processes (this machine's two CPUs are
 * shared) hits both alike instead of skewing the ratio. It fails only when
 * an API call fails; a missed target is printed. Output:
 *
 *   PERF_INFO key=value ...
 *   PERF <name> <value> <unit>
 *   PERF <name>_vs_<baseline> <ratio> x     baseline ns / vmap ns ("better by")
 *   PERF_TARGET <name> <value> <op> <target> met|MISSED
 *
 * Figures: mbuf alloc+free in bursts of 32 (the per-lcore cache serves
 * them: the fast path of a PMD's RX refill and TX completion), and in
 * bursts of 512 (past the cache: the ring and the mbufs' memory, so page
 * and TLB effects of where the mbufs live show).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_vmap.h>
#include <rte_vmap_mempool.h>

#include "perf_common.h"
#include "test.h"
#include "vmap_test_util.h"

#define PERF_SLICES 20

#define MP_PERF_MBUFS 16383u
#define MP_PERF_CACHE 256u
#define MP_PERF_MAX_BURST 512u
#define MP_PERF_TARGET 0.95

struct mp_perf_loop {
	struct rte_mempool *mp;
	unsigned int burst;
	struct rte_mbuf *m[MP_PERF_MAX_BURST];
};

/*
 * 3 decimals below 10, 1 above: unlike perf_print(), no 7-decimal range
 * for values below 0.01, so that the lines read as they always have.
 */
static void
mp_perf_print(const char *name, double value, const char *unit)
{
	perf_print_digits(name, value, unit, value < 10.0 ? 3 : 1);
}

static void
mp_perf_ratio(const char *name, double ratio, bool goal)
{
	mp_perf_print(name, ratio, "x");
	perf_target(name, ratio, goal ? PERF_AT_LEAST : PERF_NO_GOAL, MP_PERF_TARGET);
}

/* n bursts of alloc + free; *cycles the TSC time. 0 or -1 (printed). */
static int
mp_perf_run(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct mp_perf_loop *l = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rte_pktmbuf_alloc_bulk(l->mp, l->m, l->burst) != 0) {
			printf("rte_pktmbuf_alloc_bulk(%s, %u) failed\n", l->mp->name, l->burst);
			return -1;
		}
		rte_pktmbuf_free_bulk(l->m, l->burst);
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/*
 * Median ns per mbuf (alloc + free) of both pools, interleaved: in every
 * repetition the two take PERF_SLICES turns each, in alternating order; a
 * repetition's figure is the median of its slices, the result the median
 * of the repetitions.
 */
static int
mp_perf_compare(struct rte_mempool *mz, struct rte_mempool *vmp, unsigned int burst,
		const char *tag)
{
	static struct mp_perf_loop loop[2];
	double v[2][PERF_REPS], ns[2];
	unsigned int n[2], r, k, i, sl;
	char name[96];
	uint64_t cycles;

	loop[0].mp = mz;
	loop[1].mp = vmp;
	for (i = 0; i < 2; i++) {
		loop[i].burst = burst;
		if (perf_calibrate(mp_perf_run, &loop[i], &n[i]) != 0)
			return -1;
	}
	for (i = 0; i < 2; i++)
		n[i] = RTE_MAX(n[i] / PERF_SLICES, 1u);
	for (r = 0; r < PERF_REPS; r++) {
		double slice[2][PERF_SLICES];

		for (sl = 0; sl < PERF_SLICES; sl++) {
			for (k = 0; k < 2; k++) {
				i = ((r + sl) & 1) != 0 ? 1 - k : k;
				if (mp_perf_run(&loop[i], n[i], &cycles) != 0)
					return -1;
				slice[i][sl] = perf_ns(cycles, (uint64_t)n[i] * burst);
			}
		}
		/* A slice the scheduler cut into is an outlier: the median drops it. */
		for (i = 0; i < 2; i++)
			v[i][r] = perf_median(slice[i], PERF_SLICES);
	}
	for (i = 0; i < 2; i++)
		ns[i] = perf_median(v[i], PERF_REPS);
	snprintf(name, sizeof(name), "mbuf_%s_memzone", tag);
	mp_perf_print(name, ns[0], "ns");
	snprintf(name, sizeof(name), "mbuf_%s_vmap", tag);
	mp_perf_print(name, ns[1], "ns");
	snprintf(name, sizeof(name), "mbuf_%s_mpps_memzone", tag);
	mp_perf_print(name, 1E3 / ns[0], "Mmbufs/s");
	snprintf(name, sizeof(name), "mbuf_%s_mpps_vmap", tag);
	mp_perf_print(name, 1E3 / ns[1], "Mmbufs/s");
	/* The headline figure (the cache-served burst) has the name and target. */
	if (burst <= MP_PERF_CACHE / 8) {
		mp_perf_ratio("mbuf_vmap_vs_memzone", ns[0] / ns[1], true);
	} else {
		snprintf(name, sizeof(name), "mbuf_%s_vmap_vs_memzone", tag);
		mp_perf_ratio(name, ns[0] / ns[1], false);
	}
	return 0;
}

static int
test_vmap_mempool_perf(void)
{
	enum rte_iova_mode mode = rte_eal_iova_mode();
	struct rte_mempool *mz = NULL, *vmp = NULL;
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	int ret = TEST_FAILED;

	perf_begin();
	vmap_test_params(&p, "mp_perf");
	p.flags = RTE_VMAP_F_EXTMEM;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "rte_vmap_create: %s", rte_strerror(rte_errno));
	printf("PERF_INFO lcores=%u page_size=%zu iova_mode=%s mbufs=%u cache=%u "
		"data_room=%u ops=%s extmem=1 reps=%u rep_ms=%u median_of=%u\n",
		rte_lcore_count(), rte_vmap_page_size(vm), mode == RTE_IOVA_VA ? "VA" : "PA",
		MP_PERF_MBUFS, MP_PERF_CACHE, RTE_MBUF_DEFAULT_BUF_SIZE,
		rte_mbuf_best_mempool_ops(), PERF_REPS, PERF_REP_MS, PERF_REPS);
	perf_print_load("start");
	mz = rte_pktmbuf_pool_create("perf_mb_mz", MP_PERF_MBUFS, MP_PERF_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	vmp = rte_vmap_pktmbuf_pool_create("perf_mb_vmap", MP_PERF_MBUFS, MP_PERF_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, vm, (int)rte_socket_id());
	if (mz == NULL || vmp == NULL) {
		printf("pool create failed: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (mp_perf_compare(mz, vmp, 32, "bulk32") != 0 ||
			mp_perf_compare(mz, vmp, MP_PERF_MAX_BURST, "bulk512") != 0)
		goto out;
	perf_end();
	ret = TEST_SUCCESS;
out:
	rte_mempool_free(vmp);
	rte_mempool_free(mz);
	rte_vmap_destroy(vm);
	return ret;
}

REGISTER_PERF_TEST(vmap_mempool_perf_autotest, test_vmap_mempool_perf);
