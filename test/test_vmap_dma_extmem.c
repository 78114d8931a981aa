/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_dma_extmem_autotest: RTE_VMAP_F_EXTMEM with the "vfio" driver, with
 * real DMA. Such a space gives both DPDK's memseg view of its windows
 * (rte_mem_virt2memseg()) and the driver's per-window VFIO maps: the
 * driver's maps live in EAL's own container (RTE_VMAP_IOMMU_F_EAL_DOMAIN),
 * so EXTMEM registers the memsegs and makes no device DMA maps of its own
 * (lib/vmap/vmap_extmem.c). VA mode, EAL in VA mode (--iova-mode=va).
 *
 *   reach   normal and block windows: rte_mem_virt2memseg() finds the
 *           first, last and random bytes of each, the memseg's IOVA +
 *           offset is rte_vmap_virt2iova() (vmap_test_extmem_window() of
 *           test_vmap_extmem.c), and each window's frame, sent by NIC A
 *           from its IOVA, arrives intact on NIC B
 *   stale   a window whose 2 MiB backing page still holds live windows
 *           (so its memseg still has an IOVA) is freed and purged: a send
 *           from its IOVA faults, with a DMAR line naming it; the live
 *           windows of the page still reach
 *
 * rte_vmap_verify() is 0 after each case.
 */

#include <errno.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "vmap_test_util.h"
#include "dma_harness.h"

#define EXT_N 64

static struct rte_vmap *
extmem_space(const char *name, bool *skip)
{
	*skip = false;
	if (rte_eal_iova_mode() != RTE_IOVA_VA) {
		printf("dma: skipped: EAL is not in VA mode (--iova-mode=va)\n");
		*skip = true;
		return NULL;
	}
	return dma_space(name, RTE_VMAP_IOVA_VA, RTE_VMAP_PAGE_2M, (size_t)1 << 30,
		RTE_VMAP_F_EXTMEM, skip);
}

static int
check_memsegs(const struct dma_wins *w)
{
	unsigned int i;

	for (i = 0; i < w->n; i++)
		if (w->win[i] != NULL)
			TEST_ASSERT_SUCCESS(vmap_test_extmem_window(w->vm, w->win[i], w->size, 4),
				"window %u", i);
	return TEST_SUCCESS;
}

static int
extmem_steps(struct dma_wins *w, bool stale)
{
	TEST_ASSERT_SUCCESS(check_memsegs(w), "memsegs");
	VMAP_TEST_VERIFY(w->vm);
	TEST_ASSERT_SUCCESS(dma_wins_reach(w, 1), "reach");
	if (!stale)
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(dma_wins_stale(w, 9, NULL), "stale");
	VMAP_TEST_VERIFY(w->vm);
	TEST_ASSERT_SUCCESS(check_memsegs(w), "memsegs after the free");
	return dma_wins_reach(w, 1);
}

static int
run_extmem(bool block, bool stale)
{
	struct dma_wins w = { .n = 0 };
	struct rte_vmap *vm;
	bool skip;
	int ret;

	printf("dma: EXTMEM vfio space, %s windows%s\n", block ? "block" : "normal",
		stale ? ", one freed" : "");
	vm = extmem_space(block ? "dma_x_b" : "dma_x_n", &skip);
	if (vm == NULL)
		return skip ? TEST_SKIPPED : TEST_FAILED;
	ret = dma_wins_alloc(&w, vm, block, EXT_N, 4096);
	if (ret == TEST_SUCCESS)
		ret = extmem_steps(&w, stale);
	if (dma_wins_free(&w) != TEST_SUCCESS || rte_vmap_purge(vm) != 0)
		ret = TEST_FAILED;
	if (rte_vmap_verify(vm) != 0) {
		printf("dma: rte_vmap_verify() failed after the case\n");
		ret = TEST_FAILED;
	}
	rte_vmap_destroy(vm);
	return ret;
}

static int
test_extmem_vfio_reach_normal(void)
{
	return run_extmem(false, false);
}

static int
test_extmem_vfio_reach_block(void)
{
	return run_extmem(true, false);
}

static int
test_extmem_vfio_stale_normal(void)
{
	return run_extmem(false, true);
}

static int
test_extmem_vfio_stale_block(void)
{
	return run_extmem(true, true);
}

static struct unit_test_suite dma_extmem_suite = {
	.suite_name = "vmap real DMA: EXTMEM with the vfio driver",
	.setup = dma_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_extmem_vfio_reach_normal),
		TEST_CASE(test_extmem_vfio_reach_block),
		TEST_CASE(test_extmem_vfio_stale_normal),
		TEST_CASE(test_extmem_vfio_stale_block),
		TEST_CASES_END()
	}
};

static int
test_vmap_dma_extmem(void)
{
	return unit_test_suite_runner(&dma_extmem_suite);
}

REGISTER_VM_TEST(vmap_dma_extmem_autotest, test_vmap_dma_extmem);
