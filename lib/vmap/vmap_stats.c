/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Statistics with a cached snapshot (Ingo Molnar's two-generation scheme
 * for the kernel's cached vmalloc info, 2015). Every node has a
 * generation bumped whenever its counters change, and the space one for
 * changes no node sees (backing, free trees). A
 * snapshot remembers the sum of the generations it was built at: while the
 * sum is unchanged nothing changed (each generation only grows), and the
 * reader copies the cache without taking any lock. Otherwise it rebuilds
 * the snapshot, reading the generations *before* it reads the counters, so
 * a change racing with the rebuild only makes the next call rebuild again.
 * The generations start at 1 and the cache at 0: the first call rebuilds
 * (the bug George Spelvin found in v3 of that patch).
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "vmap_private.h"

void
vmap_stats_init(struct rte_vmap *vm)
{
	rte_seqlock_init(&vm->stats_cache.lock);
	vm->stats_cache.gen = 0;
	vm->gen = 1;
}

static uint64_t
current_gen(const struct rte_vmap *vm)
{
	uint64_t sum = __atomic_load_n(&vm->gen, __ATOMIC_ACQUIRE);
	unsigned int i;

	for (i = 0; i < vm->nr_nodes; i++)
		sum += __atomic_load_n(&vm->nodes[i].busy_gen, __ATOMIC_ACQUIRE) +
			__atomic_load_n(&vm->nodes[i].pool_gen, __ATOMIC_ACQUIRE);
	/* Per-lcore blocks: one generation per lcore, bumped by its owner alone. */
	return sum + vmap_blocks_gen(vm);
}

static void
stats_build(struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->va_size = vm->map_len;
	for (i = 0; i < vm->nr_nodes; i++) {
		struct vmap_node *vn = &vm->nodes[i];
		struct vmap_node_usage u;

		rte_spinlock_lock(&vn->busy_lock);
		vmap_node_usage(vn, &u);
		rte_spinlock_unlock(&vn->busy_lock);
		st->nr_windows += u.nr_windows;
		st->va_used += u.va_used;
	}
	/* Block windows, nr_blocks, and their unflushed dirt (va_lazy, cached). */
	vmap_blocks_stats(vm, st);
	for (i = 0; i < vm->nr_arenas; i++) {
		struct vmap_arena *ar = &vm->arenas[i];
		size_t largest;

		rte_spinlock_lock(&ar->lock);
		largest = vmap_free_tree_largest(&ar->free);
		rte_spinlock_unlock(&ar->lock);
		st->va_largest_free = RTE_MAX(st->va_largest_free, (uint64_t)largest);
	}
	st->mem_used = __atomic_load_n(&vm->backing.mem_used, __ATOMIC_RELAXED);
}

/*
 * Copy a snapshot field by field with relaxed atomics: the seqlock's readers
 * run concurrently with a writer by design (a torn copy is retried), and
 * atomic accesses make that race well defined (and visible as such to TSan).
 */
static void
stats_copy(struct rte_vmap_stats *dst, const struct rte_vmap_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	RTE_BUILD_BUG_ON(sizeof(*src) % sizeof(uint64_t) != 0);
	for (i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
			__ATOMIC_RELAXED);
}

/* Counters kept as plain atomics are read live, not cached. */
static void
stats_live(const struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	unsigned int i;

	/* On top of the blocks' dirt, which the snapshot holds (generation-counted). */
	for (i = 0; i < vm->nr_nodes; i++)
		st->va_lazy += __atomic_load_n(&vm->nodes[i].lazy_bytes, __ATOMIC_RELAXED);
	st->nr_purges = __atomic_load_n(&vm->nr_purges, __ATOMIC_RELAXED);
	st->nr_unmaps = __atomic_load_n(&vm->nr_unmaps, __ATOMIC_RELAXED);
	st->nr_flushes = __atomic_load_n(&vm->nr_flushes, __ATOMIC_RELAXED);
	/*
	 * Secondaries carve and free their granted blocks with no generation
	 * bumped (one shared counter would be a cache line every process
	 * writes per call): read live, a walk of the grants in use.
	 */
	vmap_grants_stats(vm, st);
}

int
rte_vmap_stats_get(struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	struct vmap_stats_cache *c;
	uint64_t gen;
	uint32_t sn;
	struct rte_vmap_stats fresh;
	bool hit;

	if (vm == NULL || st == NULL) {
		VMAP_LOG(ERR, "NULL space or stats");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (vmap_is_view(vm))
		return vmap_mp_stats(vm, st);
	c = &vm->stats_cache;
	gen = current_gen(vm);
	do {
		sn = rte_seqlock_read_begin(&c->lock);
		hit = __atomic_load_n(&c->gen, __ATOMIC_RELAXED) == gen;
		if (hit)
			stats_copy(st, &c->st);
	} while (rte_seqlock_read_retry(&c->lock, sn));
	if (hit) {
		stats_live(vm, st);
		return 0;
	}

	rte_seqlock_write_lock(&c->lock);
	gen = current_gen(vm);
	stats_build(vm, &fresh);
	stats_copy(&c->st, &fresh);
	__atomic_store_n(&c->gen, gen, __ATOMIC_RELAXED);
	rte_seqlock_write_unlock(&c->lock);
	*st = fresh;
	stats_live(vm, st);
	return 0;
}

/* For tests: whether the next rte_vmap_stats_get() takes the lock-free path. */
bool
vmap_stats_cached(const struct rte_vmap *vm)
{
	return __atomic_load_n(&vm->stats_cache.gen, __ATOMIC_ACQUIRE) == current_gen(vm);
}
