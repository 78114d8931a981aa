/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_ALLOC_H_
#define _VMAP_ALLOC_H_

/*
 * Windows (vmap_alloc.c): the way of an allocation and a free, and a
 * block's host range.
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

void *vmap_alloc_window(struct rte_vmap *vm, size_t size, size_t align,
		int socket_id, bool block);
int vmap_free_window(struct rte_vmap *vm, void *addr, bool block, size_t size);

/*
 * A block's host range: size bytes aligned to size, like a window (pool
 * or free tree, backing, DOMAIN IOVA) but not driver-mapped and not in
 * the IOVA table. NULL and rte_errno if none.
 */
struct vmap_area *vmap_host_alloc(struct rte_vmap *vm, unsigned int ar, size_t size);

#endif /* _VMAP_ALLOC_H_ */
