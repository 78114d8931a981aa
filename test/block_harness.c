/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * What the block suites share (block_harness.h): the recording IOMMU
 * driver "test_blk_rec", which checks the driver contract on every call,
 * a driver with a flush only, the spaces the cases create, and running a
 * function on the worker lcore.
 */

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_spinlock.h>
#include <rte_vmap_iommu.h>

#include "block_harness.h"
#include "vmap_test_util.h"

/* ---- a recording IOMMU driver ------------------------------------------- */

#define REC_MAX 8192

static struct vmap_test_rec rec[REC_MAX];
static unsigned int rec_n;
static unsigned int rec_violations;
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
	vmap_test_rec_flushed(rec, rec_n, start, end);
	rte_spinlock_unlock(&rec_lock);
	return 0;
}

unsigned int
blk_rec_count(bool stale)
{
	unsigned int n;

	rte_spinlock_lock(&rec_lock);
	n = vmap_test_rec_count(rec, rec_n, stale);
	rte_spinlock_unlock(&rec_lock);
	return n;
}

unsigned int
blk_rec_violations(void)
{
	unsigned int n;

	rte_spinlock_lock(&rec_lock);
	n = rec_violations;
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
	return blk_space_drv(name, flags, mode, rec_driver ? "test_blk_rec" : NULL);
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
