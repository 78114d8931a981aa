/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * What the block suites share (block_harness.h): a driver with a flush
 * only, the spaces the cases create (with the recording driver of
 * rec_iommu.h, which checks the driver contract on every call), and
 * running a function on the worker lcore.
 */

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_vmap_iommu.h>

#include "block_harness.h"
#include "vmap_test_util.h"

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

struct rte_vmap *
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

struct rte_vmap *
blk_space(const char *name, unsigned int flags, enum rte_vmap_iova_mode mode, bool rec_driver)
{
	return blk_space_drv(name, flags, mode, rec_driver ? REC_IOMMU : NULL);
}

bool
blk_stats_same(const struct rte_vmap_stats *a, const struct rte_vmap_stats *b)
{
	return a->va_used == b->va_used && a->nr_windows == b->nr_windows &&
		a->mem_used == b->mem_used && a->va_lazy == b->va_lazy &&
		a->nr_blocks == b->nr_blocks && a->nr_unmaps == b->nr_unmaps;
}

unsigned int
blk_worker_lcore(void)
{
	return rte_get_next_lcore(-1, 1, 0);
}

int
blk_need_two_lcores(void)
{
	if (rte_lcore_count() < 2) {
		printf("needs 2 lcores (-l 0-1)\n");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

/* Mostly small, sometimes up to the block max, not always 4 KiB multiples. */
size_t
blk_rnd_size(uint64_t *x, size_t max)
{
	uint64_t r = vmap_test_rand(x);

	if (r % 4 != 0)
		return 1 + (r >> 8) % (16 * KIB);
	return 1 + (r >> 8) % max;
}

int
blk_remote_alloc_fn(void *arg)
{
	struct blk_remote_alloc *ra = arg;
	unsigned int i;

	ra->ret = 0;
	for (i = 0; i < ra->n; i++) {
		ra->w[i] = rte_vmap_block_alloc(ra->vm, ra->size);
		if (ra->w[i] == NULL)
			ra->ret = -1;
	}
	return 0;
}

int
blk_on_worker(lcore_function_t *fn, void *arg)
{
	if (rte_eal_remote_launch(fn, arg, blk_worker_lcore()) != 0)
		return -1;
	return rte_eal_wait_lcore(blk_worker_lcore());
}
