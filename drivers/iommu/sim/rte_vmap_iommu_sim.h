/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _RTE_VMAP_IOMMU_SIM_H_
#define _RTE_VMAP_IOMMU_SIM_H_

/**
 * @file
 * RTE vmap software IOMMU driver ("sim")
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * A model of an IOMMU for tests and for checking IOVAs without hardware:
 * an IO page table (IOVA page -> VA page, 4 KiB pages) and an IOTLB that
 * caches translations and keeps them, as hardware does, after an unmap
 * until a flush invalidates them. A simulated device reads and writes
 * through an IOVA with the functions below; an access through a missing
 * translation, or through an IOTLB entry whose translation was unmapped
 * but not yet flushed (which on real hardware would reach memory the
 * library may have freed or handed to another window), fails and is
 * counted instead of being carried out.
 *
 * The driver is compiled into librte_vmap, like every IOMMU driver: the
 * functions below are exported by that library (lib/vmap/version.map).
 *
 * Select it with rte_vmap_params.iommu = "sim". Arguments
 * (rte_vmap_params.iommu_args, "key=value,..."):
 * - iotlb=N: IOTLB entries, rounded up to a power of two (default 64,
 *   at most 65536), 4-way set associative (direct mapped below 4).
 * - pages=N: capacity of the IO page table, in 4 KiB pages mapped at once
 *   (default 262144, i.e. 1 GiB); a map beyond it fails with -ENOSPC.
 * - flush_ns=N: each flush busy-waits N ns before invalidating, to model
 *   a costly IOTLB invalidation (default 0, at most 1000000000).
 * - map_fail_every=N: every Nth map call fails with -EIO, to inject
 *   faults (default 0: never).
 *
 * All functions are MT-safe: a lock per space serialises the model, and a
 * device access runs under it page by page, so a flush waits for the
 * accesses in flight (as an invalidation completes only after them).
 * They must not race with rte_vmap_destroy() of the same space. As in the
 * rest of the library, a negative errno returned is also set in rte_errno.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_vmap;

/** Counters of a space's simulated IOMMU (rte_vmap_iommu_sim_stats_get()). */
struct rte_vmap_iommu_sim_stats {
	uint64_t maps;           /**< map calls that installed a translation */
	uint64_t unmaps;         /**< unmap calls that removed one */
	uint64_t flushes;        /**< flush calls */
	uint64_t dma_reads;      /**< rte_vmap_iommu_sim_dma_read() calls */
	uint64_t dma_writes;     /**< rte_vmap_iommu_sim_dma_write() calls */
	uint64_t faults_missing; /**< accesses to an IOVA page with no translation */
	uint64_t faults_stale;   /**< accesses through an unmapped, unflushed IOTLB entry */
	uint64_t iotlb_hits;     /**< page translations served by the IOTLB */
	uint64_t iotlb_misses;   /**< page translations that walked the page table */
};

/**
 * A device reads from memory through an IOVA: each 4 KiB page of
 * [iova, iova + len) is translated (IOTLB, then IO page table, filling the
 * IOTLB) and copied from the memory it translates to.
 *
 * Cost: one IOTLB probe and one page-table lookup per page, under the
 * space's lock.
 *
 * @param vm
 *   A space created with the "sim" driver.
 * @param iova
 *   First IO address read.
 * @param buf
 *   Receives len bytes; on a fault, the bytes before the faulting page
 *   are copied and nothing after.
 * @param len
 *   Bytes to read; 0 reads nothing.
 * @return
 *   0; -EFAULT if a page has no translation (counted in faults_missing) or
 *   hit a stale IOTLB entry (faults_stale); -EINVAL if buf is NULL while
 *   len is not 0, or the range wraps; -ENODEV if vm is NULL or does not
 *   use the "sim" driver.
 */
__rte_experimental
int
rte_vmap_iommu_sim_dma_read(struct rte_vmap *vm, rte_iova_t iova, void *buf, size_t len);

/**
 * A device writes to memory through an IOVA, as rte_vmap_iommu_sim_dma_read()
 * reads.
 *
 * @param vm
 *   A space created with the "sim" driver.
 * @param iova
 *   First IO address written.
 * @param buf
 *   The len bytes to write; on a fault, the pages before the faulting one
 *   are written and nothing after.
 * @param len
 *   Bytes to write; 0 writes nothing.
 * @return
 *   As rte_vmap_iommu_sim_dma_read().
 */
__rte_experimental
int
rte_vmap_iommu_sim_dma_write(struct rte_vmap *vm, rte_iova_t iova, const void *buf,
		size_t len);

/**
 * Snapshot the counters of a space's simulated IOMMU.
 *
 * @param vm
 *   A space created with the "sim" driver.
 * @param st
 *   Filled on success.
 * @return
 *   0, -EINVAL (st NULL) or -ENODEV (vm NULL or not using "sim").
 */
__rte_experimental
int
rte_vmap_iommu_sim_stats_get(struct rte_vmap *vm, struct rte_vmap_iommu_sim_stats *st);

/**
 * Translate an IOVA as the IO page table has it now: the answer a device
 * gets once the IOTLB holds nothing stale. Neither counted nor cached.
 *
 * @param vm
 *   A space created with the "sim" driver.
 * @param iova
 *   Any IO address.
 * @param va
 *   Receives the virtual address iova translates to.
 * @return
 *   0, -ENOENT (no translation), -EINVAL (va NULL) or -ENODEV (vm NULL or
 *   not using "sim").
 */
__rte_experimental
int
rte_vmap_iommu_sim_translate(struct rte_vmap *vm, rte_iova_t iova, void **va);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VMAP_IOMMU_SIM_H_ */
