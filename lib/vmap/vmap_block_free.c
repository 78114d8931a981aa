/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Freeing block windows (rte_vmap_block_free(), the kernel's
 * vm_unmap_ram()) and finding them again for the rest of the library
 * (rte_vmap_find(), rte_vmap_free() of a block window): the owner frees
 * into its active block without a lock; anyone else, or the owner of a
 * sealed block, finds the block through the zone map and frees under the
 * block's lock (the way of a block window: vmap_block.c).
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "vmap_block_owner.h"

/* Returned by a free that found no block of the lcore caches there. */
#define BLOCK_NOT_MINE 1

/*
 * The window's translation goes: IOVA table, driver unmap; with STRICT
 * the flush too. Returns true if a flush is owed (lazy).
 */
static __rte_always_inline bool
window_teardown(struct rte_vmap *vm, const struct vmap_block *b, uint32_t off, uint32_t pages)
{
	struct vmap_area win;
	rte_iova_t lo, hi;
	int ret;

	vmap_block_table_clear(b, off, pages);
	if (vm->iommu->unmap == NULL)
		return (vm->flags & RTE_VMAP_F_STRICT) == 0;
	vmap_block_window(b, off, pages, &win);
	ret = vmap_iova_unmap(vm, &win);
	if (unlikely(ret != 0))
		VMAP_LOG(ERR, "%s: IOMMU unmap of block window %p failed: %d", vm->name,
			(void *)win.start, ret);
	if ((vm->flags & RTE_VMAP_F_STRICT) == 0)
		return true;
	vmap_iova_span(vm, &win, &lo, &hi);
	vmap_iova_flush(vm, lo, hi);
	return false;
}

bool
vmap_block_teardown(struct rte_vmap *vm, const struct vmap_block *b, uint32_t off,
		uint32_t pages)
{
	return window_teardown(vm, b, off, pages);
}

static int
bad_free(const struct rte_vmap *vm, uintptr_t a, uint32_t cur, uint32_t pages)
{
	if (cur == 0) {
		VMAP_LOG(ERR, "%s: %p is not the start of a live block window", vm->name,
			(void *)a);
		rte_errno = ENOENT;
		return -ENOENT;
	}
	VMAP_LOG(ERR, "%s: block window %p has %u pages, not %u", vm->name, (void *)a, cur,
		pages);
	rte_errno = EINVAL;
	return -EINVAL;
}

/* The owner frees from its active block: no lock (vmap_block.h). */
static int
free_own(struct rte_vmap *vm, struct vmap_block_queue *q, struct vmap_block *b,
		uintptr_t a, uint32_t pages)
{
	uint32_t off = (uint32_t)((a - b->start) >> VMAP_GRANULE_SHIFT), cur;
	uint64_t bytes = (uint64_t)pages << VMAP_GRANULE_SHIFT;
	bool lazy;

	vmap_owner_enter(q);
	if (unlikely(vmap_block_sealed(b))) {
		vmap_owner_leave(q);
		return BLOCK_NOT_MINE;
	}
	cur = __atomic_load_n(&b->win_pages[off], __ATOMIC_RELAXED);
	if (unlikely(cur != pages)) {
		vmap_owner_leave(q);
		return bad_free(vm, a, cur, pages);
	}
	__atomic_store_n(&b->win_pages[off], 0, __ATOMIC_RELAXED);
	if (likely(vm->blocks->no_unmap)) {
		/* No driver call: the whole free in one section. */
		vmap_block_table_clear(b, off, pages);
		lazy = (vm->flags & RTE_VMAP_F_STRICT) == 0;
	} else {
		vmap_owner_leave(q);
		lazy = window_teardown(vm, b, off, pages);
		vmap_owner_enter(q);
	}
	if (unlikely(vmap_block_sealed(b))) {
		/* Taken by a purge while the driver worked: count it under the lock. */
		vmap_owner_leave(q);
		vmap_block_give_back(vm, b, off, pages, lazy);
		return 0;
	}
	VMAP_OWN_ADD(b->own.freed, vmap_block_size_class(pages));
	VMAP_OWN_ADD(b->own.windows, 1);
	VMAP_OWN_ADD(b->own.bytes, bytes);
	if (lazy) {
		/* Dirt first: a purge that sees the bytes sees their range. */
		__atomic_store_n(&b->own.dirt, vmap_dirt_merge(__atomic_load_n(&b->own.dirt,
			__ATOMIC_RELAXED), off, off + pages), __ATOMIC_RELAXED);
		__atomic_store_n(&b->own.lazy, b->own.lazy + bytes, __ATOMIC_RELEASE);
	}
	vmap_owner_leave(q);
	VMAP_OWN_ADD(q->gen, 1);
	return 0;
}

/*
 * Anyone else (and the owner, for a sealed block): validate and claim the
 * window under the lock, tear it down without it, count it under it.
 */
static int
free_locked(struct rte_vmap *vm, struct vmap_blocks *bs, struct vmap_block *b,
		uintptr_t a, uint32_t pages)
{
	uintptr_t start = RTE_ALIGN_FLOOR(a, (uintptr_t)VMAP_BLOCK_SIZE);
	struct vmap_block *again;
	uint32_t off, cur;
	bool lazy;
	int tries;

	for (tries = 0; ; tries++) {
		rte_spinlock_lock(&b->lock);
		if ((b->state == VMAP_BLOCK_ACTIVE || b->state == VMAP_BLOCK_SEALED) &&
				b->start == start)
			break;
		rte_spinlock_unlock(&b->lock);
		/* A stale pointer: the block died (and the descriptor moved on). */
		again = __atomic_load_n(&bs->zone_map[vmap_block_zone(bs, a)],
			__ATOMIC_ACQUIRE);
		if (again == NULL || again == b || tries == 2)
			return BLOCK_NOT_MINE;
		b = again;
	}
	off = (uint32_t)((a - start) >> VMAP_GRANULE_SHIFT);
	cur = __atomic_load_n(&b->win_pages[off], __ATOMIC_RELAXED);
	if (cur != pages) {
		rte_spinlock_unlock(&b->lock);
		return bad_free(vm, a, cur, pages);
	}
	/* Claimed: the block cannot die before vmap_block_give_back() counts it. */
	__atomic_store_n(&b->win_pages[off], 0, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&b->lock);
	lazy = window_teardown(vm, b, off, pages);
	vmap_block_give_back(vm, b, off, pages, lazy);
	return 0;
}

/* Everything but an owner's free into its active block. */
static __rte_noinline int
block_free_slow(struct rte_vmap *vm, void *addr, size_t size)
{
	uintptr_t a = (uintptr_t)addr;
	struct vmap_blocks *bs;
	struct vmap_block *b;
	int ret;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (addr == NULL)
		return 0;
	if (size == 0 || size > VMAP_BLOCK_MAX) {
		VMAP_LOG(ERR, "%s: block size %zu out of range", vm->name, size);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	/* A window of a secondary's block, freed here whatever process this is. */
	if (vm->grants != NULL) {
		ret = vmap_grant_free(vm, a, size);
		if (ret <= 0)
			return ret;
	}
	bs = vm->blocks;
	if (bs == NULL || a < vm->map_base || a - vm->map_base >= vm->map_len)
		return vmap_free_window(vm, addr, true, size);
	/* The zone's table entry (addr_to_vb_xa()), read without its table's lock. */
	b = __atomic_load_n(&bs->zone_map[vmap_block_zone(bs, a)], __ATOMIC_ACQUIRE);
	if (b == NULL)
		return vmap_free_window(vm, addr, true, size);
	if ((a & (VMAP_GRANULE - 1)) != 0)
		return bad_free(vm, a, 0, vmap_block_pages(size));
	ret = free_locked(vm, bs, b, a, vmap_block_pages(size));
	if (ret == BLOCK_NOT_MINE)
		return vmap_free_window(vm, addr, true, size);
	return ret;
}

int
rte_vmap_block_free(struct rte_vmap *vm, void *addr, size_t size)
{
	unsigned int lcore = rte_lcore_id();
	uintptr_t a = (uintptr_t)addr;
	struct vmap_block_queue *q;
	struct vmap_block *b;
	int ret;

	/*
	 * The fast path: the owner frees into its active block, found by its
	 * range (no table lookup). Anything else, or a block a purge took
	 * meanwhile, goes through the zone's table entry.
	 */
	if (likely(vm != NULL && vm->blocks != NULL && lcore < RTE_MAX_LCORE &&
			size - 1 < VMAP_BLOCK_MAX && (a & (VMAP_GRANULE - 1)) == 0)) {
		q = &vm->blocks->q[lcore];
		b = q->active;
		if (likely(b != NULL && a - b->start < VMAP_BLOCK_SIZE)) {
			ret = free_own(vm, q, b, a, vmap_block_pages(size));
			if (likely(ret != BLOCK_NOT_MINE))
				return ret;
		}
	}
	return block_free_slow(vm, addr, size);
}

/* ---- lookups for the rest of the library ------------------------------- */

/* b, locked, if it is the live block of the zone of addr (and of host). */
static struct vmap_block *
lock_live_block(const struct vmap_blocks *bs, uintptr_t addr, const struct vmap_area *host)
{
	struct vmap_block *b = __atomic_load_n(&bs->zone_map[vmap_block_zone(bs, addr)],
		__ATOMIC_ACQUIRE);

	if (b == NULL)
		return NULL;
	rte_spinlock_lock(&b->lock);
	if ((b->state == VMAP_BLOCK_ACTIVE || b->state == VMAP_BLOCK_SEALED) &&
			b->start == RTE_ALIGN_FLOOR(addr, (uintptr_t)VMAP_BLOCK_SIZE) &&
			(host == NULL || b->host == host))
		return b;
	rte_spinlock_unlock(&b->lock);
	return NULL;
}

int
vmap_block_find(const struct rte_vmap *vm, const struct vmap_area *host, uintptr_t addr,
		struct vmap_area *out)
{
	const struct vmap_blocks *bs = vm->blocks;
	struct vmap_block *b;
	uint32_t start, pages;
	bool found;

	if (bs == NULL)
		return -ENOENT;
	b = lock_live_block(bs, addr, host);
	if (b == NULL)
		return -ENOENT;
	found = vmap_block_window_at(b->win_pages,
		(uint32_t)((addr - b->start) >> VMAP_GRANULE_SHIFT), &start,
		&pages);
	if (found)
		vmap_block_window(b, start, pages, out);
	rte_spinlock_unlock(&b->lock);
	return found ? 0 : -ENOENT;
}

bool
vmap_block_is_window(const struct rte_vmap *vm, uintptr_t addr)
{
	const struct vmap_blocks *bs = vm->blocks;
	struct vmap_block *b;
	bool live;

	if (bs == NULL || addr < vm->map_base || addr - vm->map_base >= vm->map_len ||
			(addr & (VMAP_GRANULE - 1)) != 0)
		return false;
	b = lock_live_block(bs, addr, NULL);
	if (b == NULL)
		return false;
	live = __atomic_load_n(&b->win_pages[(addr - b->start) >> VMAP_GRANULE_SHIFT],
		__ATOMIC_RELAXED) != 0;
	rte_spinlock_unlock(&b->lock);
	return live;
}
