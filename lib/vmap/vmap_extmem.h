/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_EXTMEM_H_
#define _VMAP_EXTMEM_H_

/*
 * RTE_VMAP_F_EXTMEM (vmap_extmem.c): the reservation registered with
 * DPDK's memory subsystem and DMA-mapped for the probed devices.
 *
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

struct vmap_extmem;
/* Whether create parameters allow EXTMEM (logs why not). 0 or -EINVAL. */
int vmap_extmem_check_params(const struct rte_vmap_params *p);
/*
 * Register the whole reservation with rte_extmem_register() and learn the
 * probed devices; after vmap_backing_init(), before any page is mapped.
 * A no-op without RTE_VMAP_F_EXTMEM. 0 or -errno.
 */
int vmap_extmem_init(struct rte_vmap *vm);
/* Unmap every page still known from the devices, unregister (space_free()). */
void vmap_extmem_fini(struct rte_vmap *vm);
/*
 * Backing pages [idx, idx + n) were just mapped (their phys[] read): set
 * their memsegs' IOVA and DMA-map them for every device. All or nothing:
 * 0, or -errno with nothing left mapped.
 */
int vmap_extmem_map(struct rte_vmap *vm, uint64_t idx, uint64_t n);
/* Backing pages [idx, idx + n) are about to be released: DMA-unmap, forget. */
void vmap_extmem_unmap(struct rte_vmap *vm, uint64_t idx, uint64_t n);
/* Verify, all locks held: memseg IOVAs agree with the backing. 0 or -EFAULT. */
int vmap_extmem_verify(struct rte_vmap *vm);

/** What an EXTMEM space has told DPDK (tests, dumps). */
struct vmap_extmem_info {
	const struct rte_memseg_list *msl; /**< the reservation's memseg list */
	unsigned int nr_devices;           /**< devices the pages are DMA-mapped for */
	unsigned int nr_pending;           /**< new ports whose device is not learnt yet */
	uint64_t nr_pages;                 /**< backing pages with an IOVA in their memseg */
	uint64_t dev_maps;                 /**< rte_dev_dma_map() calls that mapped */
	uint64_t dev_unmaps;               /**< rte_dev_dma_unmap() calls that unmapped */
	uint64_t dev_errors;               /**< calls that failed (not ENOTSUP) */
};

/* 0, or -EINVAL if vm is not an EXTMEM space. */
int vmap_extmem_info_get(const struct rte_vmap *vm, struct vmap_extmem_info *info);

#endif /* _VMAP_EXTMEM_H_ */
