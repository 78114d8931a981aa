/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The "none" IOMMU driver: devices see the IOVAs the space computes (VA or
 * PA) with no translation to set up, so map, unmap and flush are left NULL
 * and the library makes no driver calls at all.
 */

#include "rte_vmap_iommu.h"

static struct rte_vmap_iommu_ops iommu_none_ops = {
	.name = "none",
};

RTE_VMAP_IOMMU_REGISTER(iommu_none_ops);
