/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _BLOCK_HARNESS_H_
#define _BLOCK_HARNESS_H_

/*
 * Shared by the two block suites: vmap_block_autotest (carving, dirt,
 * purge, misuse, STRICT; test_vmap_block.c) and vmap_block_lcore_autotest
 * (blocks owned by one lcore and used from others; test_vmap_block_lcore.c).
 *
 * The cases check the driver contract with the recording driver of
 * rec_iommu.h (REC_IOMMU): a map over a live or unflushed range, an unmap
 * that splits a map or covers unmapped bytes, each counts as a
 * violation; after rte_vmap_purge() no unmap may be left unflushed
 * (rec_count(true): no stale translation). "test_blk_flush" has a flush
 * and nothing else: its dead blocks owe a flush, so none is carved again
 * in place.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_launch.h>
#include <rte_vmap.h>

#include "rec_iommu.h"
#include "vmap_test_util.h"
/* Internal: the block size, the hash of a sparse lcore set, reclaim. */
#include "vmap_block.h"

#define BLK ((uintptr_t)VMAP_BLOCK_SIZE)

/*
 * A space for a case: the test's backing, flags and IOVA mode, the driver
 * iommu (NULL for none), and a lazy_max so large that no purge runs unless
 * the case asks for one. NULL (and a printed reason) on failure.
 */
struct rte_vmap *blk_space_drv(const char *name, unsigned int flags,
		enum rte_vmap_iova_mode mode, const char *iommu);

/* blk_space_drv() with REC_IOMMU (rec_driver) or no driver. */
struct rte_vmap *blk_space(const char *name, unsigned int flags, enum rte_vmap_iova_mode mode,
		bool rec_driver);

/* Whether two snapshots agree on every count a refused call must leave alone. */
bool blk_stats_same(const struct rte_vmap_stats *a, const struct rte_vmap_stats *b);

/* The first worker lcore. */
unsigned int blk_worker_lcore(void);

/* TEST_CASE_ST setup: skip the case unless the run has 2 lcores (-l 0-1). */
int blk_need_two_lcores(void);

/* Run fn(arg) on the worker lcore and wait for it: its return value, or -1. */
int blk_on_worker(lcore_function_t *fn, void *arg);

/* A window size: mostly small, sometimes up to max, not always 4 KiB multiples. */
size_t blk_rnd_size(uint64_t *x, size_t max);

/* blk_remote_alloc_fn(): the worker allocates n windows of size into w[]. */
struct blk_remote_alloc {
	struct rte_vmap *vm;
	void **w;
	unsigned int n;
	size_t size;
	int ret;        /* 0, or -1 if an allocation failed */
};

/* An lcore_function_t taking a struct blk_remote_alloc. */
int blk_remote_alloc_fn(void *arg);

/* The 4 KiB pages a window of size bytes takes. */
static inline uint32_t
blk_pages_of(size_t size)
{
	return (uint32_t)((size + PAGE_4K - 1) / PAGE_4K);
}

/* The start of the block p lies in. */
static inline uintptr_t
blk_block_of(const void *p)
{
	return (uintptr_t)p & ~(BLK - 1);
}

#endif /* _BLOCK_HARNESS_H_ */
