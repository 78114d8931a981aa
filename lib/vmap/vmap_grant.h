/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_GRANT_H_
#define _VMAP_GRANT_H_

/*
 * Per-lcore blocks of secondary processes (vmap_grant.c): the owner of a
 * shared space grants a whole block-sized host range to one lcore of one
 * secondary, which then carves block windows from it with no round trip,
 * as the owner's own lcores do from their blocks (vmap_block.h).
 *
 * A grant's state is in a memfd every attached process maps (the grant
 * area), and changes only by single stores and atomic read-modify-writes:
 * no lock, so a process killed at any instruction leaves nothing held.
 *
 *   zone_slot[z]   block-sized zone z of the reservation -> its grant's
 *                  slot + 1, or 0: written by the owner only, published
 *                  after the slot is filled; how any process's
 *                  rte_vmap_block_free() finds a grant by address.
 *   slot.live      granules carved and not freed, | VMAP_GRANT_SEALED
 *                  once the lcore stopped carving it; the carver adds,
 *                  whoever frees subtracts. Whoever brings it to exactly
 *                  SEALED (nothing live, no more carving) has the host
 *                  returned: the owner claims it by CAS to VMAP_GRANT_DEAD,
 *                  so a return raced by a reclaim happens once.
 *   slot.win_pages per granule: pages of the live window starting there:
 *                  set by the carver, taken by CAS by the freer (a double
 *                  free finds 0: -ENOENT).
 *
 * Only drivers with nothing to map ("none": VA or PA mode) are granted
 * blocks: a driver's maps go through the process that owns the VFIO
 * container, the space's owner, so with "vfio" or "sim" a secondary's
 * block calls go to the owner one by one. The IOVA of a granted block
 * is contiguous (VA; PA with pages no smaller than a block): the
 * secondary publishes each window's IOVA-table entries from it.
 *
 * Nothing here is installed; vmap_private.h includes it.
 */

#include "vmap_private.h"

/* ---- the owner (primary) -------------------------------------------------- */

/* rte_vmap_create() of a shared space: the grant area, if blocks can be granted. */
int vmap_grants_init(struct rte_vmap *vm);
/* Destroy: the area punched (secondaries see no grant) and unmapped. */
void vmap_grants_fini(struct rte_vmap *vm);
/* The grant area's fd for an attaching secondary, -1 if none. */
int vmap_grants_fd(const struct rte_vmap *vm);
/* A block for lcore of secondary pid, on socket_id: its slot, or -errno. */
int vmap_grant_new(struct rte_vmap *vm, int32_t pid, uint32_t lcore, int socket_id);
/* The grant in slot is spent and empty (or its owner dead): its host goes lazy. */
void vmap_grant_return(struct rte_vmap *vm, uint32_t slot);
/* rte_vmap_reclaim(): give back every grant of pid; the live windows in them. */
int vmap_grants_reclaim(struct rte_vmap *vm, int32_t pid);
/* Lookup inside a grant host (busy_lock of its node held). 0 or -ENOENT. */
int vmap_grant_find(const struct rte_vmap *vm, const struct vmap_area *host, uintptr_t addr,
		struct vmap_area *out);
/* Verify, all locks held: host is a live grant's, its IOVA entries right. 0/-EFAULT. */
int vmap_grant_host_check(const struct rte_vmap *vm, const struct vmap_area *host);
/*
 * fn on every live window of every grant (owner = the secondary), until it
 * returns non-zero, which is returned. Lock-free reads: a window carved or
 * freed meanwhile may be seen or not.
 */
int vmap_grants_walk(const struct rte_vmap *vm,
		int (*fn)(const struct vmap_area *win, void *arg), void *arg);
/* Stats: add the live windows of every grant and their bytes; count the grants. */
void vmap_grants_stats(const struct rte_vmap *vm, struct rte_vmap_stats *st);

/* ---- every process --------------------------------------------------------- */

/* Whether a grant holds a live window at addr (rte_vmap_free() of it: -EINVAL). */
bool vmap_grant_is_window(const struct rte_vmap *vm, uintptr_t addr);
/* rte_vmap_block_free() of an address in a grant: 0/-errno, or 1 if not a grant's. */
int vmap_grant_free(struct rte_vmap *vm, uintptr_t addr, size_t size);

/* ---- a secondary ----------------------------------------------------------- */

/* Map the owner's grant area from fd (attach). 0 or -ENOMEM. */
int vmap_grants_attach(struct rte_vmap *vm, int fd);
/* Detach: seal this process's grants (their hosts go back once empty); unmap. */
void vmap_grants_detach(struct rte_vmap *vm);
/* rte_vmap_block_alloc() in a secondary: carve from this lcore's grant. */
void *vmap_grant_alloc(struct rte_vmap *vm, size_t size);

#endif /* _VMAP_GRANT_H_ */
