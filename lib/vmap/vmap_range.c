/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Ranges between the layers: a range taken from its arena's free tree,
 * and the ways a range goes back (to the free tree, with its backing and
 * IOVA released, or to its node's pool). Below the purge and the
 * allocator, which both hand ranges back; above the free tree, backing,
 * nodes and IOVA, which it calls. One call goes up: a range that overlaps
 * a driver call still owed goes to the lazy list (vmap_lazy_add()), for
 * a purge to settle.
 */

#include <inttypes.h>

#include "vmap_private.h"

void
vmap_release_range(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_arena *ar = &vm->arenas[vmap_arena_of(vm, va->start)];
	struct vmap_area *desc = va, *released = NULL;
	int ret;

	rte_spinlock_lock(&ar->lock);
	ret = vmap_free_tree_insert(&ar->free, va->start, va->size, &desc, &released);
	rte_spinlock_unlock(&ar->lock);
	if (ret != 0)
		VMAP_LOG(ERR, "range 0x%" PRIxPTR "+%zu overlaps free space: leaked",
			va->start, va->size);
	vmap_area_delete(desc);
	vmap_area_delete(released);
	vmap_space_changed(vm);
}

void
vmap_retire_range(struct rte_vmap *vm, struct vmap_area *va)
{
	if ((va->flags & VMAP_AREA_F_BACKED) != 0)
		vmap_backing_put(vm, va->start, va->size);
	va->flags &= ~VMAP_AREA_F_BACKED;
	vmap_iova_release(vm, va);
	vmap_release_range(vm, va);
}

struct vmap_area *
vmap_tree_alloc(struct rte_vmap *vm, unsigned int ar, size_t size, size_t align)
{
	struct vmap_arena *arena = &vm->arenas[ar];
	struct vmap_area *win, *spare, *released = NULL;
	uintptr_t addr;
	int ret;

	/* Descriptors are allocated before the lock: none is allocated under it. */
	win = vmap_area_new();
	spare = vmap_area_new();
	if (win == NULL || spare == NULL) {
		vmap_area_delete(win);
		vmap_area_delete(spare);
		return NULL;
	}
	rte_spinlock_lock(&arena->lock);
	ret = vmap_free_tree_alloc(&arena->free, size, align, arena->start, arena->end,
		&addr, &spare, &released);
	rte_spinlock_unlock(&arena->lock);
	vmap_area_delete(spare);
	if (ret != 0) {
		vmap_area_delete(win);
		return NULL;
	}
	if (released != NULL) {
		vmap_area_delete(win);
		win = released;
	}
	win->start = addr;
	win->size = size;
	win->state = VMAP_AREA_SPARE;
	win->flags = 0;
	vmap_space_changed(vm);
	return win;
}

void
vmap_range_recycle(struct rte_vmap *vm, struct vmap_area *win)
{
	rte_iova_t lo, hi;

	if (unlikely(vmap_owed_any(vm))) {
		vmap_iova_span(vm, win, &lo, &hi);
		if (vmap_owed_overlaps(vm, lo, hi)) {
			/* A block window in it failed its unmap or flush: a purge settles it. */
			win->flags |= VMAP_AREA_F_UNMAPPED;
			vmap_lazy_add(vm, win);
			return;
		}
	}
	win->flags &= ~(VMAP_AREA_F_BLOCK | VMAP_AREA_F_UNMAPPED);
	if (vmap_pool_put(&vm->nodes[win->alloc_node], win))
		return;
	vmap_retire_range(vm, win);
}
