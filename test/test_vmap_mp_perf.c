/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_mp_perf_autotest: what a secondary process pays (issue 16's
 * targets), the same pairs timed in this primary and in a secondary it
 * starts, in the same run (mp_perf_loops.c):
 *
 *   - a block window pair of 4 KiB: the secondary carves its lcore's
 *     granted block with no round trip (vmap_grant.h); target: within 2x
 *     of the primary's own per-lcore block;
 *   - a 64 KiB rte_vmap_alloc() + free pair: one IPC round trip each way
 *     in the secondary; stated against the primary's and against
 *     rte_malloc() + rte_free() in the secondary;
 *   - for scale, the block pair of a secondary on a "sim" space, which is
 *     granted no block (the owner maps for the driver): two round trips.
 *
 * Absolute times vary on a shared machine; the ratios are the result.
 */

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vmap.h>

#include "mp_harness.h"
#include "mp_perf_loops.h"
#include "perf_common.h"
#include "test.h"
#include "vmap_test_util.h"

/* The secondary's lcore id: above the primary's. */
#define MP_PERF_LCORE 2

/* The figures of the "perf" role in a secondary on space name; 0 or -1. */
static int
secondary_figures(struct mp_board *board, const char *name, double ns[MP_FIG_NR])
{
	int ret;

	memset(board, 0, sizeof(*board));
	ret = mp_wait(mp_spawn("perf", name, board, MP_PERF_LCORE, 1, false), 600);
	if (ret != 0) {
		printf("the secondary on %s failed (exit %d)\n", name, ret);
		return -1;
	}
	memcpy(ns, board->arg, sizeof(double) * MP_FIG_NR);
	return 0;
}

static struct rte_vmap *
perf_space(const char *name, const char *iommu)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.flags = RTE_VMAP_F_SHARED;
	p.iommu = iommu;
	return rte_vmap_create(&p);
}

static int
test_vmap_mp_perf(void)
{
	double pri[MP_FIG_NR], sec[MP_FIG_NR], sim[MP_FIG_NR];
	struct rte_vmap *board_vm, *vm, *vm_sim;
	struct mp_board *board;
	const char *why;
	int ret = TEST_FAILED;

	if (!mp_possible(&why)) {
		printf("SKIP: %s\n", why);
		return TEST_SKIPPED;
	}
	board = mp_board_create(&board_vm);
	TEST_ASSERT_NOT_NULL(board, "no board");
	vm = perf_space("mp_perf", NULL);
	vm_sim = perf_space("mp_perf_sim", "sim");
	if (vm == NULL || vm_sim == NULL) {
		printf("cannot create the spaces: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	perf_begin();
	perf_print_machine(rte_vmap_page_size(vm), PERF_REP_MS);
	if (mp_perf_run(vm, pri) != 0 || secondary_figures(board, "mp_perf", sec) != 0 ||
			secondary_figures(board, "mp_perf_sim", sim) != 0)
		goto out;
	perf_print("mp_block_alloc_free_4k_primary", pri[MP_FIG_BLOCK_4K], "ns");
	perf_print("mp_block_alloc_free_4k_secondary", sec[MP_FIG_BLOCK_4K], "ns");
	perf_print("mp_block_alloc_free_4k_secondary_sim", sim[MP_FIG_BLOCK_4K], "ns");
	perf_ratio("mp_block_alloc_free_4k_secondary", "primary",
		sec[MP_FIG_BLOCK_4K] / pri[MP_FIG_BLOCK_4K], PERF_AT_MOST, 2.0);
	perf_print("mp_alloc_free_64k_primary", pri[MP_FIG_ALLOC_64K], "ns");
	perf_print("mp_alloc_free_64k_secondary", sec[MP_FIG_ALLOC_64K], "ns");
	perf_print("mp_rte_malloc_free_64k_primary", pri[MP_FIG_MALLOC_64K], "ns");
	perf_print("mp_rte_malloc_free_64k_secondary", sec[MP_FIG_MALLOC_64K], "ns");
	perf_ratio("mp_alloc_free_64k_secondary", "primary",
		sec[MP_FIG_ALLOC_64K] / pri[MP_FIG_ALLOC_64K], PERF_NO_GOAL, 0);
	perf_ratio("mp_alloc_free_64k_secondary", "rte_malloc_secondary",
		sec[MP_FIG_ALLOC_64K] / sec[MP_FIG_MALLOC_64K], PERF_NO_GOAL, 0);
	perf_end();
	ret = TEST_SUCCESS;
	if (rte_vmap_verify(vm) != 0 || rte_vmap_verify(vm_sim) != 0)
		ret = TEST_FAILED;
out:
	rte_vmap_destroy(vm);
	rte_vmap_destroy(vm_sim);
	if (mp_board_destroy(board_vm, board) != TEST_SUCCESS)
		ret = TEST_FAILED;
	mp_cleanup_files();
	return ret;
}

REGISTER_PERF_TEST(vmap_mp_perf_autotest, test_vmap_mp_perf);
