/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_iommu_vfio_autotest: what of the "vfio" driver a machine without
 * VFIO can check, and the placement every IOMMU relies on.
 *
 * - Without VFIO the driver's open fails with ENODEV and leaves nothing.
 * - Reservations land below a DMA limit (vmap_reserve.c): a space's VA and
 *   a DOMAIN space's default IOVA range end below the machine's IOMMU
 *   width, and vmap_va_reserve() honours any limit it is given, or fails
 *   with ERANGE when nothing fits under it.
 *
 * The driver against a real IOMMU, with real DMA from emulated NICs, is
 * the guest suite's (test/vm/, run through devtools/vm/run.sh).
 */

#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>

#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>

#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

static int
test_vfio_open_fails_without_vfio(void)
{
	struct rte_vmap_params p;
	unsigned int i;

	if (rte_vfio_is_enabled("vfio") != 0) {
		printf("VFIO is enabled here: nothing to check\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "vfio_none");
	p.iommu = "vfio";
	/* Twice: a failed creation leaves no space (nor its name) behind. */
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_NULL(rte_vmap_create(&p), "created without VFIO");
		TEST_ASSERT_EQUAL(rte_errno, ENODEV, "errno %d", rte_errno);
	}
	TEST_ASSERT_NULL(rte_vmap_lookup("vfio_none"), "a failed space is findable");
	return TEST_SUCCESS;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Reservations under a 39-bit limit, the smallest common VT-d width. */
static int
test_reserve_below_limit(void)
{
	const uint64_t limit = UINT64_C(1) << 39;
	const size_t len = (size_t)64 << 30, align = (size_t)1 << 30;
	uintptr_t base[3];
	unsigned int i;

#ifdef UNDER_ASAN
	printf("ASan's shadow memory holds the VA from 2 GiB to 2 TiB: no room under 2^39\n");
	return TEST_SKIPPED;
#endif
	for (i = 0; i < RTE_DIM(base); i++) {
		TEST_ASSERT_SUCCESS(vmap_va_reserve("test", len, align, limit, false, &base[i]),
			"reservation %u under 2^39", i);
		TEST_ASSERT((base[i] & (align - 1)) == 0, "0x%" PRIxPTR " not aligned", base[i]);
		TEST_ASSERT(base[i] >= (UINT64_C(1) << 32) && base[i] + len <= limit,
			"0x%" PRIxPTR "+%zu not in [4 GiB, 2^39)", base[i], len);
		/* PROT_NONE and ours: mprotect works on the whole of it. */
		TEST_ASSERT_SUCCESS(mprotect((void *)base[i], len, PROT_NONE), "not mapped");
	}
	TEST_ASSERT(base[1] + len <= base[0] || base[0] + len <= base[1], "overlap");
	for (i = 0; i < RTE_DIM(base); i++)
		munmap((void *)base[i], len);
	return TEST_SUCCESS;
}

static int
test_reserve_nothing_fits(void)
{
	uintptr_t base = 0;

	/* 8 GiB below 8 GiB + 4 KiB: the floor (4 GiB) leaves no room. */
	TEST_ASSERT_EQUAL(vmap_va_reserve("test", (size_t)8 << 30, 4096,
		(UINT64_C(8) << 30) + 4096, false, &base), -ERANGE, "reserved 0x%" PRIxPTR, base);
	return TEST_SUCCESS;
}

/* A space's VA, and DOMAIN's default IOVA range, below the machine's IOMMU width. */
static int
test_space_below_dma_width(void)
{
	uint64_t limit = vmap_dma_limit();
	struct rte_vmap_iommu_space s;
	struct rte_vmap_params p;
	struct rte_vmap_window w;
	struct rte_vmap *vm;
	void *win;

	printf("IOMMU width here: %u bits (0: no Intel IOMMU)\n", vmap_dma_width());
	vmap_test_params(&p, "vfio_width");
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_space_get(vm, &s), "space_get");
	TEST_ASSERT(s.va_base + s.va_size <= limit, "VA above the limit");
	TEST_ASSERT(s.iova_base + s.iova_size <= limit, "DOMAIN IOVAs above the limit");
	/* DOMAIN IOVAs are reserved VA: no IOVA-as-VA address can be among them. */
	TEST_ASSERT(s.iova_base + s.iova_size <= s.va_base ||
		s.va_base + s.va_size <= s.iova_base, "DOMAIN IOVAs overlap the space's VA");
	win = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(win, "alloc: %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, win, &w), "find");
	TEST_ASSERT(w.iova >= s.iova_base && w.iova + w.size <= s.iova_base + s.iova_size,
		"window IOVA 0x%" PRIx64 " outside the range", w.iova);
	TEST_ASSERT_NULL(rte_mem_virt2memseg((void *)(uintptr_t)w.iova, NULL),
		"DOMAIN IOVA 0x%" PRIx64 " is an EAL address", w.iova);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win), "free");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_space_get_bad_args(void)
{
	struct rte_vmap_iommu_space s;

	TEST_ASSERT_EQUAL(rte_vmap_iommu_space_get(NULL, &s), -EINVAL, "NULL space");
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_iommu_vfio_suite = {
	.suite_name = "vmap iommu vfio autotest",
	.unit_test_cases = {
		TEST_CASE(test_vfio_open_fails_without_vfio),
		TEST_CASE(test_reserve_below_limit),
		TEST_CASE(test_reserve_nothing_fits),
		TEST_CASE(test_space_below_dma_width),
		TEST_CASE(test_space_get_bad_args),
		TEST_CASES_END()
	}
};

static int
test_vmap_iommu_vfio(void)
{
	return unit_test_suite_runner(&vmap_iommu_vfio_suite);
}

REGISTER_FAST_TEST(vmap_iommu_vfio_autotest, NOHUGE_OK, ASAN_OK, test_vmap_iommu_vfio);
