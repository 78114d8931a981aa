/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _RTE_VMAP_IOMMU_H_
#define _RTE_VMAP_IOMMU_H_

/**
 * @file
 * RTE vmap IOMMU driver interface
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * An IOMMU driver is a table of operations registered by name. A space
 * opens its driver once at creation and calls it to map each window's
 * translation, to remove it and to flush stale translations. The library
 * keeps these invariants with every driver:
 *
 * 1. A range passed to map never overlaps (in IOVA, and in VA) a range
 *    passed to unmap and not yet covered by a returned flush.
 * 2. Backing memory of a freed window is not reused before the flush
 *    covering its old translation has returned.
 * 3. Every unmap is followed by a covering flush before rte_vmap_purge()
 *    or rte_vmap_destroy() returns.
 * 4. In lazy mode frees are batched: adjacent ranges merged, few flushes.
 * 5. A map failure leaves the space unchanged; the allocation fails.
 * 6. An unmap covers whole earlier map calls and never splits one; a flush
 *    may cover more than was unmapped.
 *
 * Ranges given to map and unmap are 4 KiB aligned, and the memory is
 * accessible when map is called. An operation left NULL is not called
 * (and not counted in the statistics).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_vmap;

/** Operations of an IOMMU driver. */
struct rte_vmap_iommu_ops {
	/** Driver name, used in rte_vmap_params.iommu. */
	const char *name;
	/**
	 * Called once per space, before rte_vmap_create() returns vm.
	 * *priv receives the driver's context for that space. A negative
	 * errno fails the creation with rte_errno = -(return value).
	 */
	int (*open)(struct rte_vmap *vm, const char *args, void **priv);
	/** Called once when the space is destroyed, after the last flush. */
	void (*close)(void *priv);
	/** Translate [iova, iova + len) to the memory mapped at [va, va + len). */
	int (*map)(void *priv, void *va, rte_iova_t iova, size_t len);
	/** Remove a translation; a device may hit a stale IOTLB entry until flush. */
	int (*unmap)(void *priv, rte_iova_t iova, size_t len);
	/** Invalidate [start, end); on return no stale translation remains in it. */
	int (*flush)(void *priv, rte_iova_t start, rte_iova_t end);
	/** RTE_VMAP_IOMMU_F_* capabilities; 0 for none. */
	uint32_t flags;
};

/**
 * The driver's mappings live in EAL's own IOMMU domain (EAL's VFIO
 * container), so every device EAL drives reaches them. An
 * RTE_VMAP_F_EXTMEM space with such a driver registers its memsegs but
 * makes no rte_dev_dma_map() calls of its own: they would map the same
 * IOVAs twice in one domain.
 */
#define RTE_VMAP_IOMMU_F_EAL_DOMAIN (UINT32_C(1) << 0)

/**
 * The driver's map pins the pages it maps (VFIO type1 does, with a
 * long-term pin): the kernel cannot move them while they are mapped. Only
 * such a driver may serve an RTE_VMAP_IOVA_PA space on 4 KiB pages; with
 * any other driver a compacted or migrated 4 KiB page would leave a
 * device the physical address of memory that is no longer the window's.
 */
#define RTE_VMAP_IOMMU_F_PINS (UINT32_C(1) << 1)

/** Where a space's windows live in VA and in IOVA, for a driver's open. */
struct rte_vmap_iommu_space {
	uintptr_t va_base;     /**< start of the VA reservation */
	size_t va_size;        /**< its length; VA mode's IOVAs are these addresses */
	int iova_mode;         /**< enum rte_vmap_iova_mode, resolved (never AUTO) */
	rte_iova_t iova_base;  /**< DOMAIN mode: start of the IOVA range, else 0 */
	uint64_t iova_size;    /**< DOMAIN mode: its length, else 0 */
	size_t page_size;      /**< backing page size */
};

/**
 * What a space's IOVAs can be, so that a driver's open can check them
 * against what its IOMMU translates (and refuse with a clear error rather
 * than fail every map). Callable from open onwards.
 *
 * @param vm
 *   The space.
 * @param s
 *   Filled in.
 * @return
 *   0, or -EINVAL if vm or s is NULL.
 */
__rte_experimental
int
rte_vmap_iommu_space_get(const struct rte_vmap *vm, struct rte_vmap_iommu_space *s);

/** Most drivers that can be registered at once. */
#define RTE_VMAP_IOMMU_MAX_DRIVERS 16

/**
 * Register an IOMMU driver. The library keeps the pointer: the structure
 * must outlive every space using it.
 *
 * @param ops
 *   The driver's operations; ops->name must be set and unique.
 * @return
 *   0, -EINVAL (NULL ops or name, or the table is full) or -EEXIST (a
 *   driver has that name).
 */
__rte_experimental
int
rte_vmap_iommu_register(const struct rte_vmap_iommu_ops *ops);

/**
 * Register an IOMMU driver from a constructor, given the ops structure
 * itself (not a pointer), like RTE_MEMPOOL_REGISTER_OPS.
 */
#define RTE_VMAP_IOMMU_REGISTER(ops) \
	RTE_INIT(vmap_iommu_register_##ops) \
	{ \
		rte_vmap_iommu_register(&(ops)); \
	}

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VMAP_IOMMU_H_ */
