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

#include "test.h"
#include "test_vmap.h"

#define PERF_REPS 5
#define PERF_REP_MS 40
#define PERF_MIN_ITERS 4u
#define PERF_MAX_ITERS (1u << 24)
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

static void
perf_print(const char *name, double value, const char *unit)
{
	printf("PERF %s %.*f %s\n", name, value < 10.0 ? 3 : 1, value, unit);
	fflush(stdout);
}

static unsigned int perf_nr_targets;
static unsigned int perf_nr_missed;

static void
perf_ratio_target(const char *name, double ratio, bool goal)
{
	perf_print(name, ratio, "x");
	if (!goal)
		return;
	perf_nr_targets++;
	perf_nr_missed += ratio < MP_PERF_TARGET;
	printf("PERF_TARGET %s %.3f >= %.2f %s\n", name, ratio, MP_PERF_TARGET,
		ratio >= MP_PERF_TARGET ? "met" : "MISSED");
	fflush(stdout);
}

static void
perf_print_load(const char *when)
{
	char line[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	char *nl;

	if (f != NULL) {
		if (fgets(line, sizeof(line), f) == NULL)
			snprintf(line, sizeof(line), "?");
		fclose(f);
	}
	nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	printf("PERF_INFO load_%s: loadavg=%s (figures are noisy when it nears lcores=%u)\n",
		when, line, rte_lcore_count());
	fflush(stdout);
}

/* n bursts of alloc + free; *cycles the TSC time. 0 or -1 (printed). */
static int
mp_perf_run(struct mp_perf_loop *l, unsigned int n, uint64_t *cycles)
{
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

/* Warm up until a run lasts an eighth of a repetition; size a repetition. */
static int
mp_perf_calibrate(struct mp_perf_loop *l, unsigned int *n)
{
	uint64_t target = rte_get_tsc_hz() / 1000 * PERF_REP_MS;
	uint64_t cycles = 0, want;
	unsigned int it = PERF_MIN_ITERS;

	for (;;) {
		if (mp_perf_run(l, it, &cycles) != 0)
			return -1;
		if (cycles >= target / 8 || it >= PERF_MAX_ITERS)
			break;
		it = RTE_MIN(it * 8, PERF_MAX_ITERS);
	}
	want = (uint64_t)it * target / RTE_MAX(cycles, (uint64_t)1);
	*n = RTE_MAX(RTE_MIN(want, (uint64_t)PERF_MAX_ITERS), (uint64_t)PERF_MIN_ITERS);
	return mp_perf_run(l, *n / 4 + 1, &cycles);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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
		if (mp_perf_calibrate(&loop[i], &n[i]) != 0)
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
				slice[i][sl] = (double)cycles * 1E9 / (double)rte_get_tsc_hz() /
					((double)n[i] * burst);
			}
		}
		/* A slice the scheduler cut into is an outlier: the median drops it. */
		for (i = 0; i < 2; i++) {
			qsort(slice[i], PERF_SLICES, sizeof(double), cmp_double);
			v[i][r] = slice[i][PERF_SLICES / 2];
		}
	}
	for (i = 0; i < 2; i++) {
		qsort(v[i], PERF_REPS, sizeof(double), cmp_double);
		ns[i] = v[i][PERF_REPS / 2];
	}
	snprintf(name, sizeof(name), "mbuf_%s_memzone", tag);
	perf_print(name, ns[0], "ns");
	snprintf(name, sizeof(name), "mbuf_%s_vmap", tag);
	perf_print(name, ns[1], "ns");
	snprintf(name, sizeof(name), "mbuf_%s_mpps_memzone", tag);
	perf_print(name, 1E3 / ns[0], "Mmbufs/s");
	snprintf(name, sizeof(name), "mbuf_%s_mpps_vmap", tag);
	perf_print(name, 1E3 / ns[1], "Mmbufs/s");
	/* The headline figure (the cache-served burst) has the name and target. */
	if (burst <= MP_PERF_CACHE / 8) {
		perf_ratio_target("mbuf_vmap_vs_memzone", ns[0] / ns[1], true);
	} else {
		snprintf(name, sizeof(name), "mbuf_%s_vmap_vs_memzone", tag);
		perf_ratio_target(name, ns[0] / ns[1], false);
	}
	return 0;
}

static int
test_vmap_mempool_perf(void)
{
	enum rte_iova_mode mode = rte_eal_iova_mode();
	struct rte_mempool *mz = NULL, *vmp = NULL;
	struct rte_vmap_params p;
	uint64_t t0 = rte_rdtsc();
	struct rte_vmap *vm;
	int ret = TEST_FAILED;

	perf_nr_targets = 0;
	perf_nr_missed = 0;
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
	perf_print_load("end");
	printf("PERF_INFO summary: targets=%u missed=%u elapsed_s=%.1f\n",
		perf_nr_targets, perf_nr_missed,
		(double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
	ret = TEST_SUCCESS;
out:
	rte_mempool_free(vmp);
	rte_mempool_free(mz);
	rte_vmap_destroy(vm);
	return ret;
}

REGISTER_TEST_COMMAND(vmap_mempool_perf_autotest, test_vmap_mempool_perf);
