/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Zone chunks: small windows carved from the caller's own zones.
 *
 * addr_to_node() decides which node's busy tree (and lock) tracks a
 * window by the zone its start lies in. Lowest fit alone would put the
 * small windows of two lcores side by side in one zone, so both would
 * contend on that zone's node (and share IOVA-table cache lines). Instead,
 * a pool miss for a window of at most one zone takes one "stripe" of
 * nr_nodes consecutive zones from the free tree, hands each zone to the
 * node that owns it, and bump-carves windows from the caller's zone:
 *
 *   stripe:  | zone -> n0 | zone -> n1 | zone -> n2 | zone -> n3 |
 *              n0.chunk     n1.stash     n2.stash     n3.stash
 *
 * Zones are backed when the stripe is taken (one backing call for all of
 * them), so carving is a few stores under the node's pool lock. Freed
 * windows come back through the lazy purge into the node's pools, as any
 * other. What is left of a chunk too small for a request goes to the
 * pool as a ready range. Under pressure every chunk and stash is drained
 * back to the free tree; a purge drains a share of the stashes.
 */

#include <errno.h>

#include "vmap_private.h"

/* Take a stripe, give every zone to its node's stash. 0 or -ENOMEM. */
static int
refill(struct rte_vmap *vm, struct vmap_node *vn)
{
	const struct vmap_arena *ar = &vm->arenas[vn->arena];
	unsigned int nps = ar->nr_nodes, i;
	struct vmap_area *zone[RTE_VMAP_MAX_NODES];
	struct vmap_area *stripe;
	struct vmap_node *owner;
	int ret = -ENOMEM;

	for (i = 1; i < nps; i++) {
		zone[i] = vmap_area_new();
		if (zone[i] == NULL)
			goto free_descs;
	}
	stripe = vmap_tree_alloc(vm, vn->arena, nps * vm->zone_size, vm->zone_size);
	if (stripe == NULL)
		goto free_descs;
	ret = vmap_backing_get(vm, stripe->start, stripe->size, vn->arena);
	if (ret != 0) {
		vmap_release_range(vm, stripe);
		goto free_descs;
	}
	zone[0] = stripe;
	for (i = 0; i < nps; i++) {
		zone[i]->start = stripe->start + i * vm->zone_size;
		zone[i]->size = vm->zone_size;
		zone[i]->flags = VMAP_AREA_F_BACKED;
		zone[i]->state = VMAP_AREA_CHUNK;
		if (i != 0)
			vmap_backing_split(vm, zone[i]->start);
	}
	/* Consecutive zones belong to consecutive nodes: one zone each. */
	for (i = 0; i < nps; i++) {
		owner = vmap_addr_to_node(vm, zone[i]->start);
		zone[i]->alloc_node = owner->id;
		rte_spinlock_lock(&owner->pool_lock);
		STAILQ_INSERT_TAIL(&owner->stash, zone[i], link);
		owner->stash_len++;
		VMAP_LOCKED_ADD(owner->chunk_bytes, zone[i]->size);
		vmap_gen_bump(&owner->pool_gen);
		rte_spinlock_unlock(&owner->pool_lock);
	}
	return 0;
free_descs:
	while (--i > 0)
		vmap_area_delete(zone[i]);
	return ret;
}

/* With vn's pool lock held: cut a window from the head of vn's chunk. */
static bool
carve_locked(struct rte_vmap *vm, struct vmap_node *vn, struct vmap_area *win,
		size_t size, size_t align, struct vmap_area **spent)
{
	struct vmap_area *c = vn->chunk;

	if (c == NULL || (c->start & (align - 1)) != 0 || c->size < size)
		return false;
	win->start = c->start;
	win->size = size;
	win->flags = VMAP_AREA_F_BACKED;
	win->state = VMAP_AREA_SPARE;
	win->alloc_node = vn->id;
	c->start += size;
	c->size -= size;
	VMAP_LOCKED_SUB(vn->chunk_bytes, size);
	if (c->size == 0) {
		vn->chunk = NULL;
		*spent = c;
	} else {
		/* Under the lock: a drain cannot drop the page's last reference first. */
		vmap_backing_split(vm, c->start);
	}
	vmap_gen_bump(&vn->pool_gen);
	return true;
}

struct vmap_area *
vmap_chunk_carve(struct rte_vmap *vm, struct vmap_node *vn, size_t size, size_t align)
{
	struct vmap_area *win, *old, *next, *spent = NULL;
	int tries;

	if (size > vm->zone_size || align > vm->zone_size)
		return NULL;
	win = vmap_area_new();
	if (win == NULL)
		return NULL;
	for (tries = 0; tries < 4; tries++) {
		rte_spinlock_lock(&vn->pool_lock);
		if (carve_locked(vm, vn, win, size, align, &spent)) {
			rte_spinlock_unlock(&vn->pool_lock);
			vmap_area_delete(spent);
			return win;
		}
		/* The rest of the chunk cannot serve this: it becomes a pooled range. */
		old = vn->chunk;
		if (old != NULL)
			VMAP_LOCKED_SUB(vn->chunk_bytes, old->size);
		next = STAILQ_FIRST(&vn->stash);
		if (next != NULL) {
			STAILQ_REMOVE_HEAD(&vn->stash, link);
			vn->stash_len--;
			vn->stash_low = RTE_MIN(vn->stash_low, vn->stash_len);
		}
		vn->chunk = next;
		vmap_gen_bump(&vn->pool_gen);
		rte_spinlock_unlock(&vn->pool_lock);
		if (old != NULL)
			vmap_range_recycle(vm, old);
		if (next == NULL && refill(vm, vn) != 0)
			break;
	}
	vmap_area_delete(win);
	return NULL;
}

void
vmap_chunks_drain(struct vmap_node *vn, bool all, struct vmap_area_list *out)
{
	struct vmap_area *va;
	uint64_t n;

	rte_spinlock_lock(&vn->pool_lock);
	if (all && vn->chunk != NULL) {
		VMAP_LOCKED_SUB(vn->chunk_bytes, vn->chunk->size);
		STAILQ_INSERT_TAIL(out, vn->chunk, link);
		vn->chunk = NULL;
	}
	/* Zones nobody took since the last drain go back, a share at a time. */
	n = all ? vn->stash_len :
		RTE_MIN(vn->stash_low, vn->stash_len) >> RTE_VMAP_POOL_DECAY_SHIFT;
	while (n-- > 0) {
		va = STAILQ_FIRST(&vn->stash);
		STAILQ_REMOVE_HEAD(&vn->stash, link);
		vn->stash_len--;
		VMAP_LOCKED_SUB(vn->chunk_bytes, va->size);
		STAILQ_INSERT_TAIL(out, va, link);
	}
	vn->stash_low = vn->stash_len;
	vmap_gen_bump(&vn->pool_gen);
	rte_spinlock_unlock(&vn->pool_lock);
}
