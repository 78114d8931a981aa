/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Per-lcore block caches: rte_vmap_block_alloc() and rte_vmap_block_free()
 * (the kernel's vm_map_ram() and vm_unmap_ram()).
 *
 * Every lcore carves small windows from its own block (vmap_block.h draws
 * one); a free from any thread finds the block through the zone map, the
 * storage of the lcore tables the zone of the address hashes to:
 *
 *   reservation, cut in block-sized zones (1 MiB by default):
 *   |  z0  |  z1  |  z2  |  z3  |  z4  |  z5  |  z6  |  z7  | ...
 *     t0     t1     t0     t1     t0     t1     t0     t1     (lcores 0,1)
 *   zone_map[z] -> the block whose host covers z, or NULL
 *
 *   table = slot_table[(addr / block_size) % nr_slots]: a lock shard; it
 *   says nothing about who owns the block (lcore 1's block may sit in
 *   zone z2, table 0).
 *
 * The way of a block window:
 *
 *   alloc (owner):   active block has room -> bump next, driver map,
 *                    publish (no lock, no atomic RMW)
 *                    else seal it (dies now if nothing in it is live),
 *                    take a new host (pool or free tree), publish the
 *                    block, carve from it
 *   free (owner,     the address is in its active block -> check the
 *    active block):  window -> IOVA table cleared -> driver unmap ->
 *                    dirty, flush owed (no lock)
 *   free (others,    the zone's table entry -> the same under the block's
 *    or sealed):     lock; the last free of a SEALED block kills it: out
 *                    of the tables and the busy tree, its host onto the
 *                    lazy list, already unmapped
 *
 * Freeing and lookups: vmap_block_free.c; the owner's inline helpers
 * (the in_op / seal handshake): vmap_block_owner.h. Lifecycle (lcore
 * callbacks, creation, destroy): vmap_block_life.c.
 *
 * Non-EAL threads (no lcore id) and spaces with RTE_VMAP_F_NO_LCORE_CACHE
 * take the shared path: an ordinary window flagged VMAP_AREA_F_BLOCK.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "vmap_block_owner.h"

/*
 * The IOVA table over a block window: VA and DOMAIN inline (the block is
 * IOVA-contiguous), PA through vmap_iova.c (a physical address per page).
 */
static __rte_always_inline void
table_publish(struct rte_vmap *vm, const struct vmap_block *b, uint32_t off, uint32_t pages)
{
	uint64_t *slot = b->slots + off;
	rte_iova_t iova = b->iova + ((rte_iova_t)off << VMAP_GRANULE_SHIFT);
	struct vmap_area win;
	uint32_t i;

	if (unlikely(b->iova == RTE_BAD_IOVA)) {
		vmap_block_window(b, off, pages, &win);
		vmap_iova_publish(vm, &win);
		return;
	}
	for (i = 0; i < pages; i++, iova += VMAP_GRANULE)
		__atomic_store_n(&slot[i], iova | __RTE_VMAP_IOVA_VALID, __ATOMIC_RELEASE);
}

static inline void
tally_reset(struct vmap_block_tally *t)
{
	t->freed = 0;
	t->windows = 0;
	t->bytes = 0;
	t->lazy = 0;
	t->dirt = VMAP_DIRT_NONE;
}

static inline bool
block_all_freed(const struct vmap_block *b)
{
	return vmap_block_live(b) == 0;
}

/* ---- descriptors ------------------------------------------------------- */

static struct vmap_block *
desc_get(struct vmap_blocks *bs, struct vmap_block_queue *q)
{
	struct vmap_block *b = q->spare;

	if (b != NULL) {
		q->spare = b->spare_next;
		q->nr_spare--;
		return b;
	}
	rte_spinlock_lock(&bs->spare_lock);
	b = bs->spare;
	if (b != NULL)
		bs->spare = b->spare_next;
	rte_spinlock_unlock(&bs->spare_lock);
	if (b != NULL)
		return b;
	b = vmap_fault_aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(sizeof(*b), RTE_CACHE_LINE_SIZE));
	if (b == NULL)
		return NULL;
	memset(b, 0, sizeof(*b));
	rte_spinlock_init(&b->lock);
	b->state = VMAP_BLOCK_SPARE;
	rte_spinlock_lock(&bs->spare_lock);
	b->all_next = bs->all;
	bs->all = b;
	rte_spinlock_unlock(&bs->spare_lock);
	return b;
}

/* A descriptor no table holds: to the calling lcore's spares, or the space's. */
static void
desc_put(struct vmap_blocks *bs, struct vmap_block *b)
{
	unsigned int lcore = rte_lcore_id();
	struct vmap_block_queue *q;

	if (lcore < RTE_MAX_LCORE) {
		q = &bs->q[lcore];
		if (__atomic_load_n(&q->enabled, __ATOMIC_RELAXED) &&
				q->nr_spare < VMAP_BLOCK_SPARE_MAX) {
			b->spare_next = q->spare;
			q->spare = b;
			q->nr_spare++;
			return;
		}
	}
	rte_spinlock_lock(&bs->spare_lock);
	b->spare_next = bs->spare;
	bs->spare = b;
	rte_spinlock_unlock(&bs->spare_lock);
}

/* ---- life of a block -------------------------------------------------- */

/* The IOVA of a block's start, if the block is IOVA-contiguous (vmap_block.h). */
static rte_iova_t
block_iova(const struct rte_vmap *vm, const struct vmap_area *host)
{
	switch (vm->iova_mode) {
	case RTE_VMAP_IOVA_DOMAIN:
		return host->iova;
	case RTE_VMAP_IOVA_PA:
		/* Aligned to its size: inside one backing page when pages are no smaller. */
		return vm->backing.page_size >= VMAP_BLOCK_SIZE ?
			vmap_backing_phys(vm, host->start) : RTE_BAD_IOVA;
	default:
		return host->start;
	}
}

static struct vmap_block *
block_new(struct rte_vmap *vm, struct vmap_blocks *bs, unsigned int lcore)
{
	struct vmap_block_queue *t;
	struct vmap_block *b;
	struct vmap_area *host;

	b = desc_get(bs, &bs->q[lcore]);
	if (b == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	host = vmap_host_alloc(vm, vmap_topo_caller_socket(&vm->topo), VMAP_BLOCK_SIZE);
	if (host == NULL) {
		desc_put(bs, b);
		return NULL;
	}
	/* Under the lock: a thread holding a stale pointer validates under it. */
	rte_spinlock_lock(&b->lock);
	b->start = host->start;
	b->host = host;
	b->iova = block_iova(vm, host);
	b->slots = &vm->iova_table[(host->start - vm->map_base) >> VMAP_GRANULE_SHIFT];
	b->owner = lcore;
	b->table = vmap_addr_to_vbq(bs, host->start);
	b->seal = 0;
	b->next = 0;
	b->carved_windows = 0;
	b->carved_bytes = 0;
	tally_reset(&b->own);
	tally_reset(&b->shared);
	b->flushed = 0;
	b->held = 1; /* the caller makes it its active block */
	b->state = VMAP_BLOCK_ACTIVE;
	rte_spinlock_unlock(&b->lock);

	host->flags |= VMAP_AREA_F_HOST;
	vmap_busy_insert(vm, host);
	t = &bs->q[b->table];
	rte_spinlock_lock(&t->table_lock);
	TAILQ_INSERT_TAIL(&t->table, b, table_link);
	/* Atomic: the purge walk reads it without the lock, to skip empty tables. */
	__atomic_store_n(&t->table_len, t->table_len + 1, __ATOMIC_RELAXED);
	/* Published last, once every field is set (3e3de7947c75). */
	__atomic_store_n(&bs->zone_map[vmap_block_zone(bs, b->start)], b, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&t->table_lock);
	__atomic_fetch_add(&bs->nr_blocks, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&bs->gen, 1, __ATOMIC_RELEASE);
	return b;
}

void
vmap_block_retire(struct rte_vmap *vm, struct vmap_block *b)
{
	struct vmap_blocks *bs = vm->blocks;
	struct vmap_block_queue *t = &bs->q[b->table];
	struct vmap_area *host = b->host;
	/* Read now: once recycled below, the descriptor is another block's. */
	unsigned int slot = b->death_slot;
	bool held;

	rte_spinlock_lock(&t->table_lock);
	TAILQ_REMOVE(&t->table, b, table_link);
	/* Release: a purge that peeks an empty table sees bs->dying too. */
	__atomic_store_n(&t->table_len, t->table_len - 1, __ATOMIC_RELEASE);
	__atomic_store_n(&bs->zone_map[vmap_block_zone(bs, b->start)], NULL, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&t->table_lock);
	vmap_busy_unlink(vm, host);
	__atomic_fetch_sub(&bs->nr_blocks, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&bs->gen, 1, __ATOMIC_RELEASE);

	rte_spinlock_lock(&b->lock);
	b->state = VMAP_BLOCK_SPARE;
	b->host = NULL;
	held = b->held;
	rte_spinlock_unlock(&b->lock);
	/* Still its owner's active pointer: the owner recycles it when it lets go. */
	if (!held)
		desc_put(bs, b);

	/* Its windows were unmapped one by one: only the flush is owed. */
	host->flags = (host->flags & ~VMAP_AREA_F_HOST) | VMAP_AREA_F_UNMAPPED;
	if ((vm->flags & RTE_VMAP_F_STRICT) != 0)
		vmap_range_recycle(vm, host); /* every free flushed already */
	else
		vmap_lazy_add(vm, host);
	/* The host is where a purge's detach finds it: the wait may end. */
	__atomic_fetch_sub(&bs->dying[slot], 1, __ATOMIC_RELEASE);
}

/*
 * The owner lets go of its active block (it is spent, was taken by a
 * purge, or the lcore goes): sealed, it dies now if nothing in it is
 * live; a descriptor that died while held is recycled here.
 */
void
vmap_block_drop(struct rte_vmap *vm, struct vmap_block *b)
{
	bool dead = false, recycle;

	rte_spinlock_lock(&b->lock);
	b->held = 0;
	if (b->state == VMAP_BLOCK_ACTIVE) {
		b->state = VMAP_BLOCK_SEALED;
		dead = block_all_freed(b);
		if (dead)
			vmap_block_kill(vm->blocks, b);
	}
	recycle = b->state == VMAP_BLOCK_SPARE;
	rte_spinlock_unlock(&b->lock);
	if (dead)
		vmap_block_retire(vm, b);
	else if (recycle)
		desc_put(vm->blocks, b);
}

/*
 * A window of b given back by a thread that may not touch the owner's
 * state (another thread, a sealed block, a purge that took the block):
 * count it under the lock; the last one of a sealed block kills it.
 */
void
vmap_block_give_back(struct rte_vmap *vm, struct vmap_block *b, uint32_t off, uint32_t pages,
		bool lazy)
{
	uint64_t bytes = (uint64_t)pages << VMAP_GRANULE_SHIFT;
	bool dead;

	rte_spinlock_lock(&b->lock);
	__atomic_store_n(&b->win_pages[off], 0, __ATOMIC_RELAXED);
	b->shared.freed += vmap_block_size_class(pages);
	b->shared.windows++;
	b->shared.bytes += bytes;
	if (lazy) {
		b->shared.dirt = vmap_dirt_merge(b->shared.dirt, off, off + pages);
		b->shared.lazy += bytes;
	}
	dead = b->state == VMAP_BLOCK_SEALED && block_all_freed(b);
	if (dead)
		vmap_block_kill(vm->blocks, b);
	rte_spinlock_unlock(&b->lock);
	__atomic_fetch_add(&vm->blocks->gen, 1, __ATOMIC_RELEASE);
	if (dead)
		vmap_block_retire(vm, b);
}

/* ---- carving ------------------------------------------------------------ */

/* The owner bumps its active block: the granule offset, or UINT32_MAX. */
static inline uint32_t
carve(struct vmap_block_queue *q, struct vmap_block *b, uint32_t pages)
{
	uint32_t granules = vmap_block_size_class(pages), off;

	vmap_owner_enter(q);
	off = b->next;
	if (unlikely(vmap_block_sealed(b) || off + granules > VMAP_BLOCK_GRANULES)) {
		vmap_owner_leave(q);
		return UINT32_MAX;
	}
	__atomic_store_n(&b->win_pages[off], (uint8_t)pages, __ATOMIC_RELAXED);
	__atomic_store_n(&b->next, off + granules, __ATOMIC_RELAXED);
	VMAP_OWN_ADD(b->carved_windows, 1);
	VMAP_OWN_ADD(b->carved_bytes, (uint64_t)pages << VMAP_GRANULE_SHIFT);
	vmap_owner_leave(q);
	return off;
}

/* The driver refused the window just carved: undo, as if never carved. */
static void
uncarve(struct rte_vmap *vm, struct vmap_block_queue *q, struct vmap_block *b, uint32_t off,
		uint32_t pages)
{
	vmap_owner_enter(q);
	if (!vmap_block_sealed(b)) {
		__atomic_store_n(&b->win_pages[off], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->next, off, __ATOMIC_RELAXED);
		VMAP_OWN_ADD(b->carved_windows, -1);
		VMAP_OWN_ADD(b->carved_bytes, -((uint64_t)pages << VMAP_GRANULE_SHIFT));
		vmap_owner_leave(q);
		return;
	}
	vmap_owner_leave(q);
	/* A purge took the block meanwhile: the window is dirt it never mapped. */
	vmap_block_give_back(vm, b, off, pages, false);
}

/* Map and publish a carved window: with a driver map, or a lookup per page. */
static __rte_noinline void *
window_map_slow(struct rte_vmap *vm, struct vmap_block_queue *q, struct vmap_block *b,
		uint32_t off, uint32_t pages)
{
	uintptr_t start = b->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT);
	struct vmap_area win;
	int ret;

	if (vm->iommu->map != NULL) {
		vmap_block_window(b, off, pages, &win);
		ret = vmap_iova_map(vm, &win);
		if (unlikely(ret != 0)) {
			VMAP_LOG(ERR, "%s: IOMMU map of block window %p failed: %d", vm->name,
				(void *)start, ret);
			uncarve(vm, q, b, off, pages);
			rte_errno = -ret;
			return NULL;
		}
	}
	table_publish(vm, b, off, pages);
	VMAP_OWN_ADD(q->gen, 1);
	return (void *)start;
}

/* Map and publish a carved window; inline when there is nothing to call. */
static __rte_always_inline void *
window_map(struct rte_vmap *vm, struct vmap_block_queue *q, struct vmap_block *b,
		uint32_t off, uint32_t pages)
{
	uint64_t *slot = b->slots + off;
	rte_iova_t iova = b->iova + ((rte_iova_t)off << VMAP_GRANULE_SHIFT);
	uint32_t i;

	if (unlikely(vm->iommu->map != NULL || b->iova == RTE_BAD_IOVA))
		return window_map_slow(vm, q, b, off, pages);
	for (i = 0; i < pages; i++, iova += VMAP_GRANULE)
		__atomic_store_n(&slot[i], iova | __RTE_VMAP_IOVA_VALID, __ATOMIC_RELEASE);
	VMAP_OWN_ADD(q->gen, 1);
	return (void *)(b->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT));
}

/*
 * The owner's active block is spent and every window of it is freed, and
 * it owes no flush (bs->reuse): carve it again from the start. This is
 * what a purge would conclude, without the round trip through the lazy
 * list, the pool and the tables. false if it cannot be (a window is live,
 * a purge is taking it).
 */
static bool
reset_in_place(struct vmap_block_queue *q, struct vmap_block *b)
{
	bool ok;

	rte_spinlock_lock(&b->lock);
	/* A purge that picks an idle block sets seal under this lock first. */
	ok = b->state == VMAP_BLOCK_ACTIVE && !b->seal && block_all_freed(b);
	if (ok) {
		b->next = 0;
		b->carved_windows = 0;
		b->carved_bytes = 0;
		tally_reset(&b->own);
		tally_reset(&b->shared);
		b->flushed = 0;
	}
	rte_spinlock_unlock(&b->lock);
	if (ok)
		VMAP_OWN_ADD(q->gen, 1);
	return ok;
}

/* The active block is spent (or was taken): seal it, start a new one. */
static struct vmap_block *
replace_active(struct rte_vmap *vm, struct vmap_blocks *bs, unsigned int lcore)
{
	struct vmap_block_queue *q = &bs->q[lcore];
	struct vmap_block *old = q->active, *b;

	if (old != NULL && bs->reuse && reset_in_place(q, old))
		return old;
	q->active = NULL;
	if (old != NULL)
		vmap_block_drop(vm, old);
	b = block_new(vm, bs, lcore);
	q->active = b;
	return b;
}

/* Everything but a carve from the active block: checks, new blocks, the shared path. */
static __rte_noinline void *
block_alloc_slow(struct rte_vmap *vm, size_t size)
{
	struct vmap_block_queue *q;
	struct vmap_blocks *bs;
	struct vmap_block *b;
	unsigned int lcore;
	uint32_t pages, off;
	int tries;

	/* A secondary's attachment: its lcore's granted block, or the owner. */
	if (vm != NULL && vmap_is_view(vm))
		return vmap_grant_alloc(vm, size);
	if (vm == NULL || size == 0 || size > VMAP_BLOCK_MAX) {
		VMAP_LOG(ERR, "bad arguments: space %p size %zu (block max %" PRIu64 ")",
			vm, size, VMAP_BLOCK_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	bs = vm->blocks;
	lcore = rte_lcore_id();
	if (bs == NULL || lcore >= RTE_MAX_LCORE ||
			!__atomic_load_n(&bs->q[lcore].enabled, __ATOMIC_RELAXED))
		return vmap_alloc_window(vm, size, 0, SOCKET_ID_ANY, true);
	q = &bs->q[lcore];
	pages = vmap_block_pages(size);
	for (tries = 0; tries < 2; tries++) {
		b = q->active;
		if (b != NULL) {
			off = carve(q, b, pages);
			if (off != UINT32_MAX)
				return window_map(vm, q, b, off, pages);
		}
		if (replace_active(vm, bs, lcore) == NULL)
			break;
	}
	/* No block to be had (or one taken at once): a window of the shared path. */
	return vmap_alloc_window(vm, size, 0, SOCKET_ID_ANY, true);
}

void *
rte_vmap_block_alloc(struct rte_vmap *vm, size_t size)
{
	unsigned int lcore = rte_lcore_id();
	struct vmap_block_queue *q;
	struct vmap_block *b;
	uint32_t pages, off;

	/* The fast path: an lcore with an active block that has room. */
	if (likely(vm != NULL && vm->blocks != NULL && lcore < RTE_MAX_LCORE &&
			size - 1 < VMAP_BLOCK_MAX)) {
		q = &vm->blocks->q[lcore];
		b = q->active;
		if (likely(b != NULL)) {
			pages = vmap_block_pages(size);
			off = carve(q, b, pages);
			if (likely(off != UINT32_MAX))
				return window_map(vm, q, b, off, pages);
		}
	}
	return block_alloc_slow(vm, size);
}

size_t
rte_vmap_block_max(const struct rte_vmap *vm)
{
	return vm == NULL ? 0 : VMAP_BLOCK_MAX;
}
