/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Per-lcore blocks: their life around the space's and the lcores' (the
 * paths are in vmap_block.c).
 *
 *   rte_vmap_create()     zone map, the hash's slot map over the EAL lcores
 *                         of today (fixed for the space's life), membarrier
 *                         registration, rte_lcore_callback_register()
 *   lcore init            the lcore's cache is enabled (EAL lcores at once,
 *                         rte_thread_register()ed threads when they come)
 *   lcore uninit          its active block is sealed (dies if empty), its
 *                         spare descriptors go to the space; blocks with
 *                         live windows stay until those are freed
 *   rte_vmap_destroy()    callbacks unregistered (uninit for every lcore),
 *                         live block windows unmapped, every host down the
 *                         lazy path before the final purge
 *
 * And the asymmetric handshake that takes a block from a running owner
 * (vmap_block.h): membarrier(), then wait for the owner's in_op to drop.
 */

#include <errno.h>
#include <inttypes.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_pause.h>

#include "vmap_block.h"
#include "vmap_fault.h"

/* ---- taking blocks from their owners ----------------------------------- */

bool
vmap_blocks_quiesce(struct vmap_blocks *bs, const struct vmap_lcore_set *owners)
{
	const struct vmap_block_queue *q;
	unsigned int spins, lcore;

	if (!bs->barrier)
		return false;
	/* Every running thread passes a full barrier: an owner sees seal, or we see in_op. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		return false;
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		if ((owners->bits[lcore / 64] & (UINT64_C(1) << (lcore % 64))) == 0)
			continue;
		q = &bs->q[lcore];
		for (spins = 0; __atomic_load_n(&q->in_op, __ATOMIC_ACQUIRE) != 0; spins++) {
			if (spins < 1024)
				rte_pause();
			else
				sched_yield(); /* the owner was preempted in its section */
		}
	}
	return true;
}

/* The lcore is going: its active block is sealed (dies if empty), spares move. */
static void
queue_retire(struct rte_vmap *vm, unsigned int lcore)
{
	struct vmap_blocks *bs = vm->blocks;
	struct vmap_block_queue *q = &bs->q[lcore];
	struct vmap_block *b = q->active, *s;
	struct vmap_lcore_set self = { 0 };

	if (b != NULL) {
		__atomic_store_n(&b->seal, 1, __ATOMIC_RELAXED);
		/* Called by the lcore itself, or with it stopped; quiesce all the same. */
		vmap_lcore_set_add(&self, lcore);
		vmap_blocks_quiesce(bs, &self);
		q->active = NULL;
		vmap_block_drop(vm, b);
	}
	__atomic_store_n(&q->enabled, 0, __ATOMIC_RELEASE);
	while ((s = q->spare) != NULL) {
		q->spare = s->spare_next;
		rte_spinlock_lock(&bs->spare_lock);
		s->spare_next = bs->spare;
		bs->spare = s;
		rte_spinlock_unlock(&bs->spare_lock);
	}
	q->nr_spare = 0;
}

static int
lcore_init(unsigned int lcore, void *arg)
{
	struct rte_vmap *vm = arg;

	__atomic_store_n(&vm->blocks->q[lcore].enabled, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
lcore_uninit(unsigned int lcore, void *arg)
{
	queue_retire(arg, lcore);
}

unsigned int
vmap_block_slots_build(const bool enabled[RTE_MAX_LCORE], uint16_t slot_table[RTE_MAX_LCORE])
{
	unsigned int nr_slots = 0, s, t;

	for (s = 0; s < RTE_MAX_LCORE; s++)
		if (enabled[s])
			nr_slots = s + 1;
	/* Slot s names the first lcore of the hash at or after s (never past the last). */
	for (s = 0, t = 0; s < nr_slots; s++) {
		if (t < s)
			t = s;
		while (!enabled[t])
			t++;
		slot_table[s] = (uint16_t)t;
	}
	for (; s < RTE_MAX_LCORE; s++)
		slot_table[s] = nr_slots != 0 ? slot_table[0] : 0;
	return nr_slots;
}

/* ---- the space's side --------------------------------------------------- */

int
vmap_blocks_init(struct rte_vmap *vm)
{
	bool enabled[RTE_MAX_LCORE];
	struct vmap_blocks *bs;
	unsigned int i;
	void *p;

	if ((vm->flags & RTE_VMAP_F_NO_LCORE_CACHE) != 0)
		return 0;
	bs = vmap_fault_aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(sizeof(*bs), RTE_CACHE_LINE_SIZE));
	if (bs == NULL)
		return -ENOMEM;
	memset(bs, 0, sizeof(*bs));
	bs->zone_base = vm->map_base >> VMAP_BLOCK_SHIFT;
	bs->nr_zones = ((vm->map_base + vm->map_len - 1) >> VMAP_BLOCK_SHIFT) - bs->zone_base + 1;
	bs->zone_map_len = RTE_ALIGN_CEIL(bs->nr_zones * sizeof(*bs->zone_map),
		(size_t)sysconf(_SC_PAGESIZE));
	p = vmap_fault_mmap(NULL, bs->zone_map_len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(bs);
		return -ENOMEM;
	}
	bs->zone_map = p;
	/* The hash is over the EAL lcores of today, fixed for the space's life. */
	for (i = 0; i < RTE_MAX_LCORE; i++)
		enabled[i] = rte_lcore_is_enabled(i);
	bs->nr_slots = vmap_block_slots_build(enabled, bs->slot_table);
	if (bs->nr_slots == 0) {
		enabled[rte_get_main_lcore()] = true;
		bs->nr_slots = vmap_block_slots_build(enabled, bs->slot_table);
	}
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		rte_spinlock_init(&bs->q[i].table_lock);
		TAILQ_INIT(&bs->q[i].table);
		bs->q[i].has_table = enabled[i];
	}
	rte_spinlock_init(&bs->spare_lock);
	bs->no_unmap = vm->iommu->unmap == NULL;
	bs->reuse = (vm->iommu->unmap == NULL && vm->iommu->flush == NULL) ||
		(vm->flags & RTE_VMAP_F_STRICT) != 0;
	/* Idempotent; without it a purge can only ask owners to seal. */
	bs->barrier = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		0, 0) == 0;
	vm->blocks = bs;
	bs->lcore_cb = rte_lcore_callback_register("rte_vmap_blocks", lcore_init, lcore_uninit,
		vm);
	if (bs->lcore_cb == NULL) {
		vmap_blocks_fini(vm);
		return -ENOMEM;
	}
	return 0;
}

/* Destroy: give back every window still live in a block (unmapped). */
static uint64_t
release_windows(struct rte_vmap *vm, struct vmap_block *b)
{
	uint32_t off, pages, end;
	uint64_t n = 0;

	rte_spinlock_lock(&b->lock);
	end = b->next;
	rte_spinlock_unlock(&b->lock);
	for (off = 0; off < end; off++) {
		rte_spinlock_lock(&b->lock);
		pages = b->state == VMAP_BLOCK_SEALED ?
			__atomic_load_n(&b->win_pages[off], __ATOMIC_RELAXED) : 0;
		if (pages != 0)
			__atomic_store_n(&b->win_pages[off], 0, __ATOMIC_RELAXED);
		rte_spinlock_unlock(&b->lock);
		if (pages == 0)
			continue;
		n++;
		/* The last one kills the block: b is not touched after it. */
		vmap_block_give_back(vm, b, off, pages, vmap_block_teardown(vm, b, off, pages));
	}
	return n;
}

void
vmap_blocks_release(struct rte_vmap *vm)
{
	struct vmap_blocks *bs = vm->blocks;
	struct vmap_block_queue *t;
	struct vmap_block *b;
	uint64_t nr_live = 0;
	unsigned int i;

	if (bs == NULL)
		return;
	/* Calls lcore_uninit() for every lcore: each active block is sealed. */
	if (bs->lcore_cb != NULL) {
		rte_lcore_callback_unregister(bs->lcore_cb);
		bs->lcore_cb = NULL;
	}
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (bs->q[i].active != NULL || bs->q[i].enabled)
			queue_retire(vm, i);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		t = &bs->q[i];
		for (;;) {
			rte_spinlock_lock(&t->table_lock);
			b = TAILQ_FIRST(&t->table);
			rte_spinlock_unlock(&t->table_lock);
			if (b == NULL)
				break;
			if (b->state == VMAP_BLOCK_ACTIVE)
				vmap_block_drop(vm, b); /* its owner never left */
			if (b->state != VMAP_BLOCK_SEALED)
				continue;
			nr_live += release_windows(vm, b);
			rte_spinlock_lock(&b->lock);
			if (b->state == VMAP_BLOCK_SEALED) {
				/* No window left, still there: cannot be, but never loop. */
				vmap_block_kill(bs, b);
				rte_spinlock_unlock(&b->lock);
				vmap_block_retire(vm, b);
			} else {
				rte_spinlock_unlock(&b->lock);
			}
		}
	}
	if (nr_live != 0)
		VMAP_LOG(NOTICE, "%s: destroyed with %" PRIu64 " live block windows, released",
			vm->name, nr_live);
}

void
vmap_blocks_fini(struct rte_vmap *vm)
{
	struct vmap_blocks *bs = vm->blocks;
	struct vmap_block *b, *next;

	if (bs == NULL)
		return;
	if (bs->lcore_cb != NULL)
		rte_lcore_callback_unregister(bs->lcore_cb);
	for (b = bs->all; b != NULL; b = next) {
		next = b->all_next;
		free(b);
	}
	munmap(bs->zone_map, bs->zone_map_len);
	free(bs);
	vm->blocks = NULL;
}
