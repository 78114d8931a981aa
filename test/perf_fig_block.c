/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest, figure 6: per-lcore block caches. A block
 * alloc+free pair against rte_malloc and an rte_mempool get+put, and
 * block pairs on two lcores against one, with and without the lcore
 * caches. test_vmap_perf.c has the overview.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mempool.h>

#include "perf_figures.h"
#include "vmap_test_util.h"
/* The block size. */
#include "vmap_block.h"

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

	if (perf_mt_reps(mt, worker, t1, t2, NULL) != 0)
		return -1;
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
		p.iova_mode = vmap_test_iova_mode(page_size);
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

int
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
