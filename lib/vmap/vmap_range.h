/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_RANGE_H_
#define _VMAP_RANGE_H_

/*
 * Ranges taken from the free tree and given back to the layers below
 * (vmap_range.c).
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

/* Lowest fit in arena ar's free tree: VA only, no backing. NULL if none. */
struct vmap_area *vmap_tree_alloc(struct rte_vmap *vm, unsigned int ar, size_t size,
		size_t align);
/* Return a range that holds no backing or IOVA to its arena's free tree. */
void vmap_release_range(struct rte_vmap *vm, struct vmap_area *va);
/* Release a pooled or unmapped range completely (backing, IOVA, VA). */
void vmap_retire_range(struct rte_vmap *vm, struct vmap_area *va);
/* Give a range no longer mapped in the IOMMU to its pool, or back. */
void vmap_range_recycle(struct rte_vmap *vm, struct vmap_area *va);

#endif /* _VMAP_RANGE_H_ */
