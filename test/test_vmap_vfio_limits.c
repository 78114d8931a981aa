/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The "vfio" driver's refusals against a real type1 container, in the
 * guest of devtools/vm/ (test/vm/limits-tests.sh sets each up):
 *
 * vmap_vfio_no_group_autotest
 *   EAL started with --no-pci while the vfio modules are loaded: VFIO is
 *   enabled, but no container of the process has a group. The space is
 *   refused with ENODEV, twice, and leaves no name behind.
 * vmap_vfio_entries_autotest
 *   type1's dma_entry_limit lowered before EAL starts: windows are
 *   allocated until a map is refused. The refusal is ENOSPC, the space
 *   stays consistent (verify), every window before it is live and
 *   translated, and once they are freed and purged the same number can be
 *   allocated again: no entry leaked.
 * vmap_vfio_range_autotest
 *   IOVAs the IOMMU cannot translate: a DOMAIN space whose iova_base lies
 *   above the IOMMU's width and a VA space larger than the width can hold
 *   are refused with ERANGE, with nothing left behind.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_vmap.h>

#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

#define MAX_WINDOWS 200000

static struct rte_vmap *
vfio_space(const char *name, enum rte_vmap_iova_mode mode, unsigned int flags)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.page_size = RTE_VMAP_PAGE_2M;
	p.iommu = "vfio";
	p.iova_mode = mode;
	p.flags = flags;
	return rte_vmap_create(&p);
}

static int
test_no_group(void)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		TEST_ASSERT_NULL(vfio_space("vfio_nogroup", RTE_VMAP_IOVA_VA, 0),
			"created with no VFIO group");
		TEST_ASSERT_EQUAL(rte_errno, ENODEV, "rte_errno %d, not ENODEV", rte_errno);
	}
	TEST_ASSERT_NULL(rte_vmap_lookup("vfio_nogroup"), "a refused space is findable");
	return TEST_SUCCESS;
}

/* Allocate until refused: the count, or -1 on an unexpected failure. */
static int
fill(struct rte_vmap *vm, void **win, unsigned int *n)
{
	rte_iova_t iova;

	for (*n = 0; *n < MAX_WINDOWS; (*n)++) {
		win[*n] = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
		if (win[*n] == NULL)
			break;
		iova = rte_vmap_virt2iova(vm, win[*n]);
		TEST_ASSERT(iova != RTE_BAD_IOVA, "window %u has no IOVA", *n);
	}
	TEST_ASSERT(*n < MAX_WINDOWS, "no refusal after %u windows: is the limit set?", *n);
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "refusal after %u windows: rte_errno %d, "
		"not ENOSPC", *n, rte_errno);
	return TEST_SUCCESS;
}

static int
drain(struct rte_vmap *vm, void **win, unsigned int n)
{
	struct rte_vmap_stats st;
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free %u", i);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, 0u, "%" PRIu64 " windows left", st.nr_windows);
	return TEST_SUCCESS;
}

static int
entries_in_mode(enum rte_vmap_iova_mode mode)
{
	unsigned int first, second;
	struct rte_vmap *vm;
	void **win;
	int ret;

	win = calloc(MAX_WINDOWS, sizeof(*win));
	TEST_ASSERT_NOT_NULL(win, "no memory");
	vm = vfio_space("vfio_entries", mode, 0);
	if (vm == NULL) {
		free(win);
		TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	}
	ret = fill(vm, win, &first);
	if (ret == TEST_SUCCESS)
		ret = rte_vmap_verify(vm) == 0 ? drain(vm, win, first) : TEST_FAILED;
	if (ret == TEST_SUCCESS)
		ret = fill(vm, win, &second);
	if (ret == TEST_SUCCESS && second != first) {
		printf("%u windows the first time, %u the second: entries leaked\n",
			first, second);
		ret = TEST_FAILED;
	}
	if (ret == TEST_SUCCESS)
		ret = rte_vmap_verify(vm) == 0 ? drain(vm, win, second) : TEST_FAILED;
	printf("%s: refused with ENOSPC after %u windows, twice\n",
		rte_vmap_iova_mode_name(mode), first);
	rte_vmap_destroy(vm);
	free(win);
	return ret;
}

static int
test_entries_va(void)
{
	return entries_in_mode(RTE_VMAP_IOVA_VA);
}

static int
test_entries_domain(void)
{
	return entries_in_mode(RTE_VMAP_IOVA_DOMAIN);
}

static int
test_domain_base_above_width(void)
{
	unsigned int width = vmap_dma_width();
	struct rte_vmap_params p;

	if (width == 0 || width >= 63)
		return TEST_SKIPPED;
	vmap_test_params(&p, "vfio_above");
	p.iommu = "vfio";
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	p.iova_base = UINT64_C(1) << width;
	TEST_ASSERT_NULL(rte_vmap_create(&p), "DOMAIN range at 2^%u accepted", width);
	TEST_ASSERT_EQUAL(rte_errno, ERANGE, "rte_errno %d, not ERANGE", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_lookup("vfio_above"), "a refused space is findable");
	return TEST_SUCCESS;
}

static int
test_va_larger_than_width(void)
{
	unsigned int width = vmap_dma_width();
	struct rte_vmap_params p;

	if (width == 0 || width > 45)
		return TEST_SKIPPED;
	vmap_test_params(&p, "vfio_huge");
	p.iommu = "vfio";
	p.iova_mode = RTE_VMAP_IOVA_VA;
	p.va_size = (size_t)1 << width;
	TEST_ASSERT_NULL(rte_vmap_create(&p), "a 2^%u-byte VA space accepted", width);
	TEST_ASSERT_EQUAL(rte_errno, ERANGE, "rte_errno %d, not ERANGE", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_lookup("vfio_huge"), "a refused space is findable");
	return TEST_SUCCESS;
}

static struct unit_test_suite no_group_suite = {
	.suite_name = "vmap vfio: no group",
	.unit_test_cases = {
		TEST_CASE(test_no_group),
		TEST_CASES_END()
	}
};

static struct unit_test_suite entries_suite = {
	.suite_name = "vmap vfio: out of DMA entries",
	.unit_test_cases = {
		TEST_CASE(test_entries_va),
		TEST_CASE(test_entries_domain),
		TEST_CASES_END()
	}
};

static struct unit_test_suite range_suite = {
	.suite_name = "vmap vfio: IOVAs out of the IOMMU's reach",
	.unit_test_cases = {
		TEST_CASE(test_domain_base_above_width),
		TEST_CASE(test_va_larger_than_width),
		TEST_CASES_END()
	}
};

static int
test_vmap_vfio_no_group(void)
{
	return unit_test_suite_runner(&no_group_suite);
}

static int
test_vmap_vfio_entries(void)
{
	return unit_test_suite_runner(&entries_suite);
}

static int
test_vmap_vfio_range(void)
{
	return unit_test_suite_runner(&range_suite);
}

/*
 * In no meson list: each needs an EAL start of its own in the guest, which
 * test/vm/limits-tests.sh sets up (REGISTER_VM_TEST() is for the DMA and
 * NUMA tests).
 */
REGISTER_TEST_COMMAND(vmap_vfio_no_group_autotest, test_vmap_vfio_no_group);
REGISTER_TEST_COMMAND(vmap_vfio_entries_autotest, test_vmap_vfio_entries);
REGISTER_TEST_COMMAND(vmap_vfio_range_autotest, test_vmap_vfio_range);
