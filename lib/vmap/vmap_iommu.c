/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_spinlock.h>

#include "vmap_private.h"

/*
 * The registry of IOMMU drivers. Registration runs from constructors, before
 * EAL (and its logging) is up, so it only fills a fixed table under a lock.
 */
static const struct rte_vmap_iommu_ops *iommu_drivers[RTE_VMAP_IOMMU_MAX_DRIVERS];
static unsigned int nr_iommu_drivers;
/* Protects iommu_drivers[] and nr_iommu_drivers. */
static rte_spinlock_t iommu_lock = RTE_SPINLOCK_INITIALIZER;

static const struct rte_vmap_iommu_ops *
find_locked(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_iommu_drivers; i++)
		if (strcmp(iommu_drivers[i]->name, name) == 0)
			return iommu_drivers[i];
	return NULL;
}

int
rte_vmap_iommu_register(const struct rte_vmap_iommu_ops *ops)
{
	int ret = 0;

	if (ops == NULL || ops->name == NULL || ops->name[0] == '\0') {
		VMAP_LOG(ERR, "IOMMU driver without ops or name");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	rte_spinlock_lock(&iommu_lock);
	if (find_locked(ops->name) != NULL)
		ret = -EEXIST;
	else if (nr_iommu_drivers == RTE_DIM(iommu_drivers))
		ret = -EINVAL;
	else
		iommu_drivers[nr_iommu_drivers++] = ops;
	rte_spinlock_unlock(&iommu_lock);
	if (ret != 0)
		rte_errno = -ret;
	return ret;
}

const struct rte_vmap_iommu_ops *
vmap_iommu_find(const char *name)
{
	const struct rte_vmap_iommu_ops *ops;

	rte_spinlock_lock(&iommu_lock);
	ops = find_locked(name);
	rte_spinlock_unlock(&iommu_lock);
	return ops;
}
