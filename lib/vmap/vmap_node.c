/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap nodes: lock shards of a space, and their size-class pools.
 *
 * The reservation is cut into one arena per socket; inside an arena, zones
 * of zone_size bytes are striped over that arena's nodes:
 *
 *   arena 0 (socket 0)                  arena 1 (socket 1)
 *   |z0 |z1 |z2 |z3 |z4 |z5 | ...       |z0 |z1 |z2 |z3 | ...
 *    n0  n1  n0  n1  n0  n1              n2  n3  n2  n3
 *
 * A live window is tracked by the node of the zone its start lies in
 * (addr_to_node), so neighbouring windows spread over the node locks.
 * A window may run past its zone: a lookup by an interior address starts
 * at that address's node and walks back zone by zone (the kernel's addr_to_node()).
 *
 * Each node also has pools: exact-size lists of ranges its callers freed,
 * still backed and mapped in the IOVA table's sense of "ready" (the
 * kernel's vmap_pool, one list per page count up to RTE_VMAP_POOL_CLASSES).
 * Callers are spread over the nodes of their socket by lcore, so an lcore
 * reuses what it freed without touching the free tree's lock.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "vmap_private.h"
#include "vmap_fault.h"

static inline int
busy_cmp(const struct vmap_area *a, const struct vmap_area *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

/* __unused in libbsd's macro is not defined by glibc: spell the attribute out. */
RB_GENERATE_INTERNAL(vmap_busy_root, vmap_area, rb, busy_cmp, static __rte_unused)

int
vmap_nodes_init(struct rte_vmap *vm)
{
	unsigned int a, i, c, per_arena;
	uintptr_t slice, start;

	vm->nr_arenas = vm->topo.nr_sockets;
	per_arena = vm->nr_nodes / vm->nr_arenas;
	slice = RTE_ALIGN_FLOOR(vm->map_len / vm->nr_arenas, vmap_space_align(vm));
	if (slice == 0)
		return -EINVAL;
	vm->arenas = vmap_fault_aligned_alloc(RTE_CACHE_LINE_SIZE,
		vm->nr_arenas * sizeof(*vm->arenas));
	vm->nodes = vmap_fault_aligned_alloc(RTE_CACHE_LINE_SIZE,
		vm->nr_nodes * sizeof(*vm->nodes));
	if (vm->arenas == NULL || vm->nodes == NULL) {
		/* Not initialised: vmap_nodes_fini() must not walk them. */
		free(vm->arenas);
		free(vm->nodes);
		vm->arenas = NULL;
		vm->nodes = NULL;
		return -ENOMEM;
	}
	memset(vm->arenas, 0, vm->nr_arenas * sizeof(*vm->arenas));
	memset(vm->nodes, 0, vm->nr_nodes * sizeof(*vm->nodes));

	start = vm->map_base;
	for (a = 0; a < vm->nr_arenas; a++) {
		struct vmap_arena *ar = &vm->arenas[a];

		rte_spinlock_init(&ar->lock);
		vmap_free_tree_init(&ar->free);
		ar->start = start;
		ar->end = a + 1 == vm->nr_arenas ? vm->map_base + vm->map_len : start + slice;
		ar->socket_idx = a;
		ar->first_node = a * per_arena;
		ar->nr_nodes = per_arena;
		start = ar->end;
	}
	for (i = 0; i < vm->nr_nodes; i++) {
		struct vmap_node *vn = &vm->nodes[i];

		rte_spinlock_init(&vn->busy_lock);
		rte_spinlock_init(&vn->pool_lock);
		RB_INIT(&vn->busy);
		for (c = 0; c < RTE_VMAP_POOL_CLASSES; c++)
			STAILQ_INIT(&vn->pool[c].head);
		STAILQ_INIT(&vn->stash);
		vn->id = i;
		vn->arena = i / per_arena;
		vn->socket_id = vm->topo.socket_id[vn->arena];
		/*
		 * Pools hold backed memory, so they are capped; at a few purge
		 * batches, so that one size class left idle (and decaying) does
		 * not keep another in use from being pooled.
		 */
		vn->pool_cap = RTE_MAX(4 * vm->lazy_share, (uint64_t)16 << 20);
		vn->decay_floor = vm->lazy_share;
		vn->busy_gen = 1;
		vn->pool_gen = 1;
	}
	return 0;
}

void
vmap_nodes_fini(struct rte_vmap *vm)
{
	unsigned int a;

	if (vm->arenas != NULL)
		for (a = 0; a < vm->nr_arenas; a++)
			vmap_free_tree_fini(&vm->arenas[a].free);
	free(vm->arenas);
	free(vm->nodes);
	vm->arenas = NULL;
	vm->nodes = NULL;
}

void
vmap_node_usage(const struct vmap_node *vn, struct vmap_node_usage *u)
{
	u->nr_windows = vn->nr_windows;
	u->va_used = vn->va_used;
	u->pooled = __atomic_load_n(&vn->pool_bytes, __ATOMIC_RELAXED);
	u->chunks = __atomic_load_n(&vn->chunk_bytes, __ATOMIC_RELAXED);
	u->lazy = __atomic_load_n(&vn->lazy_bytes, __ATOMIC_RELAXED);
}

struct vmap_node *
vmap_node_of_caller(struct rte_vmap *vm, unsigned int ar)
{
	const struct vmap_arena *arena = &vm->arenas[ar];
	unsigned int lcore = rte_lcore_id();
	unsigned int key = lcore != LCORE_ID_ANY ? lcore : (unsigned int)rte_gettid();

	return &vm->nodes[arena->first_node + key % arena->nr_nodes];
}

void
vmap_busy_insert(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_node *vn = vmap_addr_to_node(vm, va->start);

	va->state = VMAP_AREA_BUSY;
	va->owner = 0;
	rte_spinlock_lock(&vn->busy_lock);
	RB_INSERT(vmap_busy_root, &vn->busy, va);
	/* A block's host is not a window: its block windows are counted (vmap_block.c). */
	if ((va->flags & VMAP_AREA_F_HOST) == 0) {
		vn->nr_windows++;
		vn->va_used += va->size;
		vmap_gen_bump(&vn->busy_gen);
	}
	rte_spinlock_unlock(&vn->busy_lock);
}

void
vmap_busy_unlink(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_node *vn = vmap_addr_to_node(vm, va->start);

	rte_spinlock_lock(&vn->busy_lock);
	RB_REMOVE(vmap_busy_root, &vn->busy, va);
	rte_spinlock_unlock(&vn->busy_lock);
}

struct vmap_area *
vmap_busy_remove(struct rte_vmap *vm, uintptr_t addr, bool want_block, size_t size,
		int *err)
{
	struct vmap_node *vn;
	struct vmap_area key, *va;

	if (addr < vm->map_base || addr >= vm->map_base + vm->map_len) {
		*err = -ENOENT;
		return NULL;
	}
	vn = vmap_addr_to_node(vm, addr);
	key.start = addr;
	rte_spinlock_lock(&vn->busy_lock);
	va = RB_FIND(vmap_busy_root, &vn->busy, &key);
	if (va == NULL || (va->flags & VMAP_AREA_F_HOST) != 0) {
		/* A block's host is never freed as a window (vmap_free_window() says why). */
		*err = -ENOENT;
		va = NULL;
	} else if (((va->flags & VMAP_AREA_F_BLOCK) != 0) != want_block ||
			(size != 0 && size != va->size)) {
		*err = -EINVAL;
		va = NULL;
	} else {
		RB_REMOVE(vmap_busy_root, &vn->busy, va);
		vn->nr_windows--;
		vn->va_used -= va->size;
		vmap_gen_bump(&vn->busy_gen);
	}
	rte_spinlock_unlock(&vn->busy_lock);
	return va;
}

void
vmap_busy_drain(struct rte_vmap *vm,
		void (*fn)(struct rte_vmap *vm, struct vmap_area *va, void *arg), void *arg)
{
	struct vmap_node *vn;
	struct vmap_area *va;
	unsigned int i;

	for (i = 0; i < vm->nr_nodes; i++) {
		vn = &vm->nodes[i];
		rte_spinlock_lock(&vn->busy_lock);
		while ((va = RB_MIN(vmap_busy_root, &vn->busy)) != NULL) {
			RB_REMOVE(vmap_busy_root, &vn->busy, va);
			vn->nr_windows--;
			vn->va_used -= va->size;
			fn(vm, va, arg);
		}
		vmap_gen_bump(&vn->busy_gen);
		rte_spinlock_unlock(&vn->busy_lock);
	}
}

int
vmap_busy_walk(struct vmap_node *vn,
		int (*fn)(const struct vmap_area *va, void *arg), void *arg)
{
	struct vmap_area *va;
	int ret = 0;

	RB_FOREACH(va, vmap_busy_root, &vn->busy) {
		ret = fn(va, arg);
		if (ret != 0)
			break;
	}
	return ret;
}

int
vmap_busy_set_owner(struct rte_vmap *vm, uintptr_t addr, int32_t owner)
{
	struct vmap_node *vn = vmap_addr_to_node(vm, addr);
	struct vmap_area key, *va;

	key.start = addr;
	rte_spinlock_lock(&vn->busy_lock);
	va = RB_FIND(vmap_busy_root, &vn->busy, &key);
	if (va != NULL)
		va->owner = owner;
	rte_spinlock_unlock(&vn->busy_lock);
	return va != NULL ? 0 : -ENOENT;
}

/* Live window of vn with the largest start <= addr, if it holds addr. */
static const struct vmap_area *
busy_lookup(const struct vmap_node *vn, uintptr_t addr)
{
	const struct vmap_area *va = RB_ROOT(&vn->busy), *best = NULL;

	while (va != NULL) {
		if (va->start <= addr) {
			best = va;
			va = RB_RIGHT(va, rb);
		} else {
			va = RB_LEFT(va, rb);
		}
	}
	if (best != NULL && addr - best->start < best->size)
		return best;
	return NULL;
}

int
vmap_busy_find(const struct rte_vmap *vm, uintptr_t addr, struct vmap_area *out)
{
	const struct vmap_arena *ar;
	struct vmap_node *vn;
	const struct vmap_area *va;
	uint64_t zone;
	unsigned int i;
	int ret = 0;

	if (addr < vm->map_base || addr >= vm->map_base + vm->map_len)
		return -ENOENT;
	ar = &vm->arenas[vmap_arena_of(vm, addr)];
	zone = (addr - ar->start) / RTE_VMAP_ZONE_SIZE;
	/*
	 * The owner starts at or below addr: try addr's node, then the nodes
	 * of the zones before it. nr_nodes steps visit every node once.
	 */
	for (i = 0; i < ar->nr_nodes && i <= zone; i++) {
		vn = &vm->nodes[ar->first_node + (zone - i) % ar->nr_nodes];
		rte_spinlock_lock(&vn->busy_lock);
		va = busy_lookup(vn, addr);
		if (va != NULL && (va->flags & VMAP_AREA_F_GRANT) != 0)
			/* Inside a secondary's block: the same, from the grant area. */
			ret = vmap_grant_find(vm, va, addr, out);
		else if (va != NULL && (va->flags & VMAP_AREA_F_HOST) != 0)
			/* Inside a block: the block window there, if one is live. */
			ret = vmap_block_find(vm, va, addr, out);
		else if (va != NULL)
			*out = *va;
		rte_spinlock_unlock(&vn->busy_lock);
		if (va != NULL)
			return ret;
	}
	return -ENOENT;
}

struct vmap_area *
vmap_pool_get(struct vmap_node *vn, size_t npages, size_t align)
{
	struct vmap_pool *pool;
	struct vmap_area *va;

	if (npages > RTE_VMAP_POOL_CLASSES)
		return NULL;
	pool = &vn->pool[npages - 1];
	/* Unlocked peek: an empty class costs no lock (rechecked below). */
	if (__atomic_load_n(&pool->len, __ATOMIC_RELAXED) == 0)
		return NULL;
	rte_spinlock_lock(&vn->pool_lock);
	va = STAILQ_FIRST(&pool->head);
	if (va != NULL && (va->start & (align - 1)) != 0) {
		/* Not aligned enough: rotate it away, let the tree serve this one. */
		STAILQ_REMOVE_HEAD(&pool->head, link);
		STAILQ_INSERT_TAIL(&pool->head, va, link);
		va = NULL;
	} else if (va != NULL) {
		STAILQ_REMOVE_HEAD(&pool->head, link);
		__atomic_store_n(&pool->len, pool->len - 1, __ATOMIC_RELAXED);
		pool->low = RTE_MIN(pool->low, pool->len);
		VMAP_LOCKED_SUB(vn->pool_bytes, va->size);
		vmap_gen_bump(&vn->pool_gen);
	}
	rte_spinlock_unlock(&vn->pool_lock);
	return va;
}

/* With pool_lock held: take va if its class and the cap allow. */
static bool
pool_put_locked(struct vmap_node *vn, struct vmap_area *va)
{
	size_t npages = va->size >> VMAP_GRANULE_SHIFT;
	struct vmap_pool *pool;

	if (npages > RTE_VMAP_POOL_CLASSES || vn->pool_bytes + va->size > vn->pool_cap)
		return false;
	pool = &vn->pool[npages - 1];
	va->state = VMAP_AREA_POOLED;
	/* Head: the next get reuses the warmest range. */
	STAILQ_INSERT_HEAD(&pool->head, va, link);
	__atomic_store_n(&pool->len, pool->len + 1, __ATOMIC_RELAXED);
	VMAP_LOCKED_ADD(vn->pool_bytes, va->size);
	return true;
}

bool
vmap_pool_put(struct vmap_node *vn, struct vmap_area *va)
{
	bool taken;

	if ((va->size >> VMAP_GRANULE_SHIFT) > RTE_VMAP_POOL_CLASSES)
		return false;
	rte_spinlock_lock(&vn->pool_lock);
	taken = pool_put_locked(vn, va);
	if (taken)
		vmap_gen_bump(&vn->pool_gen);
	rte_spinlock_unlock(&vn->pool_lock);
	return taken;
}

size_t
vmap_pool_put_bulk(struct vmap_node *vn, struct vmap_area **va, size_t n)
{
	size_t i, left = 0;

	rte_spinlock_lock(&vn->pool_lock);
	for (i = 0; i < n; i++)
		if (!pool_put_locked(vn, va[i]))
			va[left++] = va[i];
	vmap_gen_bump(&vn->pool_gen);
	rte_spinlock_unlock(&vn->pool_lock);
	return left;
}

/* Move the last n ranges of a class (the coldest) to out. */
static void
pool_detach_tail(struct vmap_node *vn, struct vmap_pool *pool, uint64_t n,
		struct vmap_area_list *out)
{
	struct vmap_area *va;
	uint64_t keep = pool->len - n;

	while (keep-- > 0) {
		/* Rotate the kept ones to the back; what is left at the head goes. */
		va = STAILQ_FIRST(&pool->head);
		STAILQ_REMOVE_HEAD(&pool->head, link);
		STAILQ_INSERT_TAIL(&pool->head, va, link);
	}
	while (n-- > 0) {
		va = STAILQ_FIRST(&pool->head);
		STAILQ_REMOVE_HEAD(&pool->head, link);
		VMAP_LOCKED_SUB(vn->pool_bytes, va->size);
		STAILQ_INSERT_TAIL(out, va, link);
	}
}

void
vmap_pools_decay(struct vmap_node *vn, unsigned int shift, struct vmap_area_list *out)
{
	struct vmap_pool *pool;
	uint64_t n, idle = 0;
	unsigned int c;

	rte_spinlock_lock(&vn->pool_lock);
	for (c = 0; c < RTE_VMAP_POOL_CLASSES; c++)
		idle += RTE_MIN(vn->pool[c].low, vn->pool[c].len) * (c + 1) * VMAP_GRANULE;
	/*
	 * A purge hands back up to one batch (lazy_share bytes), so that much
	 * left untouched is the working set between two purges, not excess:
	 * decaying it would only unmap pages to fault them in again.
	 */
	if (shift != 0 && idle <= vn->decay_floor)
		shift = 64;
	for (c = 0; c < RTE_VMAP_POOL_CLASSES; c++) {
		pool = &vn->pool[c];
		n = shift == 0 ? pool->len :
			shift >= 64 ? 0 : RTE_MIN(pool->low, pool->len) >> shift;
		if (n != 0) {
			pool_detach_tail(vn, pool, n, out);
			__atomic_store_n(&pool->len, pool->len - n, __ATOMIC_RELAXED);
		}
		pool->low = pool->len;
	}
	vmap_gen_bump(&vn->pool_gen);
	rte_spinlock_unlock(&vn->pool_lock);
}
