/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The way of a request.
 *
 * alloc: round -> the caller's node on the socket -> its pool (a ready
 * range: backed, with its IOVA) -> else lowest fit in the socket arena's
 * free tree, then backing -> driver map -> IOVA table -> busy tree.
 *
 * free: busy tree -> IOVA table cleared -> the allocating node's lazy
 * list; a purge later unmaps a whole batch, flushes once, and gives the
 * ranges to pools or back (vmap_purge.c). With RTE_VMAP_F_STRICT: driver
 * unmap + flush now, then the pool.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "vmap_private.h"
#include "vmap_fault.h"
#include "vmap_trace.h"

/* A range from the free tree, backed; under pressure reclaim and retry once. */
static struct vmap_area *
fresh_range(struct rte_vmap *vm, unsigned int ar, size_t size, size_t align)
{
	struct vmap_area *win;
	int attempt, ret = -ENOMEM;
	bool no_va = false;

	for (attempt = 0; attempt < 2; attempt++) {
		win = vmap_tree_alloc(vm, ar, size, align);
		no_va = win == NULL;
		if (win != NULL) {
			ret = vmap_backing_get(vm, win->start, win->size, ar);
			if (ret == 0) {
				win->flags |= VMAP_AREA_F_BACKED;
				return win;
			}
			vmap_release_range(vm, win);
		} else {
			ret = -ENOMEM;
		}
		/* Bounded ladder: reclaim once, then fail; never loop. */
		if (attempt == 0 && !vmap_reclaim(vm))
			break;
	}
	/* Say which ran out: the address space, or the memory behind it. */
	if (no_va)
		VMAP_LOG(ERR, "%s: no free VA range of %zu bytes (align %zu) on socket %d",
			vm->name, size, align, vm->topo.socket_id[ar]);
	else
		VMAP_LOG(ERR, "%s: no backing for %zu bytes on socket %d: %s", vm->name, size,
			vm->topo.socket_id[ar], strerror(-ret));
	rte_errno = -ret;
	return NULL;
}

static int
resolve_socket(struct rte_vmap *vm, int socket_id, unsigned int *ar)
{
	int idx;

	if (socket_id == SOCKET_ID_ANY) {
		*ar = vmap_topo_caller_socket(&vm->topo);
		return 0;
	}
	idx = vmap_topo_socket_index(&vm->topo, socket_id);
	if (idx < 0)
		return -EINVAL;
	*ar = idx;
	return 0;
}

/* ---- a per-lcore block's host range (vmap_block.c) ---------------------- */

struct vmap_area *
vmap_host_alloc(struct rte_vmap *vm, unsigned int ar, size_t size)
{
	struct vmap_node *vn = vmap_node_of_caller(vm, ar);
	struct vmap_area *host;
	bool pooled = true;
	int ret;

	/* Aligned to its size: an address finds its block by division. */
	host = vmap_pool_get(vn, size >> VMAP_GRANULE_SHIFT, size);
	if (host == NULL) {
		pooled = false;
		host = fresh_range(vm, ar, size, size);
		if (host == NULL)
			return NULL;
		host->alloc_node = vn->id;
	}
	/* Windows are mapped and published one by one, never the host whole. */
	ret = vmap_iova_assign(vm, host);
	if (ret != 0) {
		if (pooled)
			vmap_range_recycle(vm, host);
		else
			vmap_retire_range(vm, host);
		rte_errno = -ret;
		return NULL;
	}
	return host;
}

/* ---- windows ------------------------------------------------------------ */

/* A window on socket index ar (its arena), size and align already rounded. */
static void *
alloc_on(struct rte_vmap *vm, size_t size, size_t align, unsigned int ar, bool block)
{
	struct vmap_node *vn;
	struct vmap_area *win;
	enum vmap_undo undo = VMAP_UNDO_CLEAN;
	bool pooled = true;
	int ret;

	vn = vmap_node_of_caller(vm, ar);

	win = vmap_pool_get(vn, size >> VMAP_GRANULE_SHIFT, align);
	if (win == NULL)
		win = vmap_chunk_carve(vm, vn, size, align);
	if (win == NULL) {
		pooled = false;
		win = fresh_range(vm, ar, size, align); /* logs why it failed */
		if (win == NULL)
			return NULL;
		win->alloc_node = vn->id;
	}
	ret = vmap_iova_assign(vm, win);
	if (ret == 0)
		ret = vmap_iova_map_checked(vm, win, &undo);
	if (ret != 0) {
		VMAP_LOG(ERR, "%s: IOVA or IOMMU map of %zu bytes failed: %d", vm->name, size, ret);
		if (undo != VMAP_UNDO_CLEAN) {
			/* What the undo could not unmap or flush is owed: a purge settles it. */
			win->flags |= VMAP_AREA_F_UNMAPPED;
			vmap_lazy_add(vm, win);
		} else if (pooled) {
			vmap_range_recycle(vm, win);
		} else {
			vmap_retire_range(vm, win);
		}
		rte_errno = -ret;
		return NULL;
	}
	if (block)
		win->flags |= VMAP_AREA_F_BLOCK;
	vmap_iova_publish(vm, win);
	vmap_busy_insert(vm, win);
	return (void *)win->start;
}

void *
vmap_alloc_window(struct rte_vmap *vm, size_t size, size_t align, int socket_id,
		bool block)
{
	unsigned int ar, i;
	void *va;

	/* A secondary's attachment: the owner allocates (checks included). */
	if (vm != NULL && vmap_is_view(vm))
		return vmap_mp_alloc(vm, size, align, socket_id, block);
	if (vm == NULL || size == 0 || size > vm->map_len ||
			(align & (align - 1)) != 0 || align > vm->map_len) {
		VMAP_LOG(ERR, "bad arguments: space %p size %zu align %zu", vm, size, align);
		rte_errno = EINVAL;
		return NULL;
	}
	if (resolve_socket(vm, socket_id, &ar) != 0) {
		VMAP_LOG(ERR, "%s: socket %d is not in the topology", vm->name, socket_id);
		rte_errno = EINVAL;
		return NULL;
	}
	size = RTE_ALIGN_CEIL(size, VMAP_GRANULE);
	align = RTE_MAX(align, (size_t)VMAP_GRANULE);
	va = alloc_on(vm, size, align, ar, block);
	/*
	 * An explicit socket is strict (hugepages are bound to it, see
	 * map_run()). SOCKET_ID_ANY falls back to the other sockets in turn,
	 * each its own arena, so the window reports the socket it got.
	 */
	for (i = 0; va == NULL && rte_errno == ENOMEM && socket_id == SOCKET_ID_ANY &&
			i < vm->topo.nr_sockets; i++) {
		if (i == ar)
			continue;
		VMAP_LOG(INFO, "%s: socket %d full, %zu bytes tried on socket %d", vm->name,
			vm->topo.socket_id[ar], size, vm->topo.socket_id[i]);
		va = alloc_on(vm, size, align, i, block);
	}
	return va;
}

int
vmap_free_window(struct rte_vmap *vm, void *addr, bool block, size_t size)
{
	struct vmap_area *win;
	rte_iova_t lo, hi;
	int ret, flushed = 0;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (addr == NULL)
		return 0;
	if (vmap_is_view(vm))
		return vmap_mp_free(vm, addr, size, block);
	if (size != 0)
		size = RTE_ALIGN_CEIL(size, VMAP_GRANULE);
	win = vmap_busy_remove(vm, (uintptr_t)addr, block, size, &ret);
	/* A per-lcore block window is in no busy tree: refused as the wrong kind. */
	if (win == NULL && ret == -ENOENT && !block && (vmap_block_is_window(vm, (uintptr_t)addr) ||
			vmap_grant_is_window(vm, (uintptr_t)addr)))
		ret = -EINVAL;
	if (win == NULL) {
		VMAP_LOG(ERR, "%s: %p is not the start of a live %swindow%s", vm->name, addr,
			block ? "block " : "", ret == -EINVAL ? " of that kind and size" : "");
		rte_errno = -ret;
		return ret;
	}
	vmap_iova_clear(vm, win);
	if ((vm->flags & RTE_VMAP_F_STRICT) == 0) {
		vmap_lazy_add(vm, win);
		return 0;
	}
	/* Strict: the translation is gone before the range can be reused. */
	ret = vmap_iova_unmap(vm, win);
	vmap_iova_span(vm, win, &lo, &hi);
	if (vm->iommu->unmap != NULL)
		flushed = vmap_iova_flush(vm, lo, hi);
	if (ret == 0 && flushed == 0) {
		vmap_range_recycle(vm, win);
		return 0;
	}
	/*
	 * The window is freed all the same (the caller can do nothing about
	 * it), but its range cannot be reused before the driver has dropped
	 * the translation: the lazy path retries what failed at the next purge.
	 * The runs the driver refused are owed on their own (PA mode: never
	 * unmap again the pages that went); the range owes only the flush.
	 */
	VMAP_LOG(ERR, "%s: IOMMU %s of %p failed: %d; the range waits for a purge", vm->name,
		ret != 0 ? "unmap" : "flush", addr, ret != 0 ? ret : flushed);
	win->flags |= VMAP_AREA_F_UNMAPPED;
	vmap_lazy_add(vm, win);
	return 0;
}

void *
rte_vmap_alloc(struct rte_vmap *vm, size_t size, size_t align, int socket_id)
{
	void *addr = vmap_alloc_window(vm, size, align, socket_id, false);

	rte_vmap_trace_alloc(vmap_trace_space(vm), size, align, socket_id, addr);
	return addr;
}

int
rte_vmap_free(struct rte_vmap *vm, void *addr)
{
	int ret = vmap_free_window(vm, addr, false, 0);

	rte_vmap_trace_free(vmap_trace_space(vm), addr, ret);
	return ret;
}

/* rte_vmap_block_alloc(), rte_vmap_block_free(), rte_vmap_block_max(): vmap_block.c */

int
rte_vmap_find(const struct rte_vmap *vm, const void *addr, struct rte_vmap_window *w)
{
	struct vmap_area va;
	int ret;

	if (vm == NULL || w == NULL) {
		VMAP_LOG(ERR, "NULL space or window");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (vmap_is_view(vm))
		return vmap_mp_find(vm, addr, w);
	ret = vmap_busy_find(vm, (uintptr_t)addr, &va);
	if (ret != 0) {
		rte_errno = -ret;
		return ret;
	}
	w->va = (void *)va.start;
	w->iova = vmap_iova_of(vm, &va, va.start);
	w->size = va.size;
	w->socket_id = vm->topo.socket_id[vmap_arena_of(vm, va.start)];
	w->node = vmap_addr_to_node(vm, va.start)->id;
	w->from_block = (va.flags & VMAP_AREA_F_BLOCK) != 0;
	return 0;
}
