/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_PURGE_H_
#define _VMAP_PURGE_H_

/*
 * Lazy freeing and purges (vmap_purge.c).
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

/*
 * A freed window (already out of the busy tree and the IOVA table) joins
 * the lazy list of the node that allocated it; past the node's share of
 * lazy_max the caller runs a purge, unless one is running.
 */
void vmap_lazy_add(struct rte_vmap *vm, struct vmap_area *va);
/*
 * One batch, with purge_lock held: decay the pools (all of them when
 * full), take every lazy list, unmap the merged ranges, flush, then give
 * the ranges to pools or back. Returns the bytes purged or drained; *err
 * (if not NULL) 0 or the first driver error, whose ranges stay lazy.
 */
uint64_t vmap_purge_locked(struct rte_vmap *vm, bool full, int *err);
/*
 * Destroy, with purge_lock held: purge everything, once more if the driver
 * failed, then free what is still lazy (the driver's close follows).
 */
void vmap_purge_final(struct rte_vmap *vm);
/*
 * Pressure: purge and drain every pool, so that everything not in a live
 * window is free again. True if the caller's retry may succeed: this drain
 * made something free, or another full purge ran while this one waited
 * for purge_lock (what it made free the caller's try did not see).
 */
bool vmap_reclaim(struct rte_vmap *vm);

#endif /* _VMAP_PURGE_H_ */
