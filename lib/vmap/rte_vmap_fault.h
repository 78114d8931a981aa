/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _RTE_VMAP_FAULT_H_
#define _RTE_VMAP_FAULT_H_

/**
 * @file
 * RTE vmap fault injection
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * Makes chosen calls of the library to the system, to the IOMMU driver, to
 * DPDK and to the C allocator fail, so that tests reach the error paths
 * the real failures take: a failed fault point returns exactly what the
 * real call returns when it fails (MAP_FAILED or -1 with errno ENOMEM,
 * -EIO from an IOMMU driver operation, -1 with rte_errno ENOMEM from DPDK,
 * NULL from an allocator), and the real call is not made.
 *
 * Each point counts its calls. A point is armed to fail the nth of its
 * calls from now, once (rte_vmap_fault_arm()), or that call and every one
 * after it (rte_vmap_fault_arm_from()).
 *
 * The points exist only in a library built with the meson option
 * fault_injection=true (RTE_VMAP_FAULT_INJECTION defined in
 * rte_vmap_config.h). Without it every point compiles to nothing, the
 * counters stay 0 and the arming functions return -ENOTSUP: release
 * builds pay nothing on any path.
 *
 * All functions are MT-safe. Points are process-wide: every space counts
 * in the same counters. Arming and disarming race harmlessly with calls
 * in flight (a call counted just before an arming is not its target).
 */

#include <stdint.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The calls that can be made to fail. */
enum rte_vmap_fault_point {
	/**
	 * mmap() of new memory: the VA reservation, backing pages (before they
	 * move into the reservation), the backing, IOVA and block tables.
	 */
	RTE_VMAP_FAULT_MMAP = 0,
	/** mremap() of new backing pages into the reservation. */
	RTE_VMAP_FAULT_MREMAP,
	/** madvise(MADV_POPULATE_WRITE): fault-in of new backing pages. */
	RTE_VMAP_FAULT_POPULATE,
	/** mbind(): NUMA placement of new backing pages (not fatal, see the guide). */
	RTE_VMAP_FAULT_MBIND,
	/** The IOMMU driver's map operation, whatever the driver. */
	RTE_VMAP_FAULT_IOMMU_MAP,
	/** The IOMMU driver's unmap operation. */
	RTE_VMAP_FAULT_IOMMU_UNMAP,
	/** The IOMMU driver's flush operation. */
	RTE_VMAP_FAULT_IOMMU_FLUSH,
	/** rte_extmem_register() of an RTE_VMAP_F_EXTMEM space's reservation. */
	RTE_VMAP_FAULT_EXTMEM_REGISTER,
	/** rte_dev_dma_map() of a new backing page for a device (RTE_VMAP_F_EXTMEM). */
	RTE_VMAP_FAULT_DEV_DMA_MAP,
	/** malloc(), calloc(), aligned_alloc(), realloc() of the library's metadata. */
	RTE_VMAP_FAULT_ALLOC,
	/** Number of points; not a point. */
	RTE_VMAP_FAULT_POINT_MAX,
};

/**
 * Whether the library was built with fault injection.
 *
 * @return
 *   1 with the meson option fault_injection=true, else 0.
 */
__rte_experimental
int
rte_vmap_fault_supported(void);

/**
 * Name of a fault point, for messages: "mmap", "mremap", "populate",
 * "mbind", "iommu_map", "iommu_unmap", "iommu_flush", "extmem_register",
 * "dev_dma_map", "alloc". Works without fault injection.
 *
 * @param p
 *   The point.
 * @return
 *   A static string, or NULL with rte_errno EINVAL if p is not a point.
 */
__rte_experimental
const char *
rte_vmap_fault_name(enum rte_vmap_fault_point p);

/**
 * Make the nth call of point p from now fail, once. Replaces an earlier
 * arming of p (either kind).
 *
 * @param p
 *   The point.
 * @param nth
 *   1 fails the next call, 2 the one after it, and so on.
 * @return
 *   0; -EINVAL (p not a point, or nth 0); -ENOTSUP (built without fault
 *   injection). rte_errno is set on error.
 */
__rte_experimental
int
rte_vmap_fault_arm(enum rte_vmap_fault_point p, uint64_t nth);

/**
 * Make the nth call of point p from now fail, and every later call of p,
 * until p is disarmed. Replaces an earlier arming of p (either kind).
 *
 * @param p
 *   The point.
 * @param nth
 *   1 fails from the next call on.
 * @return
 *   As rte_vmap_fault_arm().
 */
__rte_experimental
int
rte_vmap_fault_arm_from(enum rte_vmap_fault_point p, uint64_t nth);

/**
 * Disarm point p: its calls are made again. Its counters are kept.
 *
 * @param p
 *   The point.
 * @return
 *   0; -EINVAL (p not a point); -ENOTSUP (built without fault injection).
 */
__rte_experimental
int
rte_vmap_fault_disarm(enum rte_vmap_fault_point p);

/**
 * Disarm every point. A no-op without fault injection.
 */
__rte_experimental
void
rte_vmap_fault_disarm_all(void);

/**
 * Calls of point p since the process started, failed ones included.
 *
 * @param p
 *   The point.
 * @return
 *   The count; 0 without fault injection, or if p is not a point
 *   (rte_errno EINVAL).
 */
__rte_experimental
uint64_t
rte_vmap_fault_calls(enum rte_vmap_fault_point p);

/**
 * Calls of point p that were made to fail since the process started.
 *
 * @param p
 *   The point.
 * @return
 *   The count; 0 without fault injection, or if p is not a point
 *   (rte_errno EINVAL).
 */
__rte_experimental
uint64_t
rte_vmap_fault_injected(enum rte_vmap_fault_point p);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VMAP_FAULT_H_ */
