/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* What the DPDK integration suites share (dpdk_test_util.h). */

#include <rte_eal.h>

#include "dpdk_test_util.h"
#include "vmap_test_util.h"

const char *
eal_iova_name(void)
{
	return rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA";
}

struct rte_vmap *
dpdk_space_paged(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode, size_t page_size)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	if (page_size != 0)
		p.page_size = page_size;
	p.va_size = DPDK_VA_SIZE;
	p.flags = flags;
	p.iommu = iommu;
	p.iova_mode = mode;
	return rte_vmap_create(&p);
}

struct rte_vmap *
dpdk_space(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode)
{
	return dpdk_space_paged(name, flags, iommu, mode, 0);
}

int
run_in_mode(struct unit_test_suite *suite, bool va_only)
{
	if (va_only && rte_eal_iova_mode() != RTE_IOVA_VA) {
		printf("skipped: EAL runs IOVA as %s; this variant needs --iova-mode=va\n",
			eal_iova_name());
		return TEST_SKIPPED;
	}
	printf("EAL IOVA mode: %s\n", eal_iova_name());
	return unit_test_suite_runner(suite);
}
