/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_BLOCK_H_
#define _VMAP_BLOCK_H_

/*
 * Per-lcore block caches (the kernel's vmap_block_queue, vm_map_ram()):
 * what vmap_block.c (the alloc path, a block's death), vmap_block_free.c
 * (the free path, lookups), vmap_block_life.c (creation, lcores, destroy)
 * and vmap_block_walk.c (purge, stats, verify, dump) share. Nothing here
 * is installed.
 *
 * A block is one block-sized "host" range, allocated like a window (pool
 * or free tree, backing, DOMAIN IOVA) but neither driver-mapped nor in the
 * IOVA table as a whole, and aligned to the block size, so an address
 * finds its block by division. Its owner lcore carves windows from it by
 * bumping an offset; every window is mapped, published and later unmapped
 * on its own. A freed window's granules are never carved again: they are
 * dirty until the block dies, which is what makes lazy flushing safe.
 *
 *   block:  |win|w|  win  |pad|w|win|.........untouched.........|
 *           ^start                  ^next (bump offset)          ^end
 *
 * Who writes what (the owner's fast path takes no lock, no atomic RMW:
 * on this class of machine one uncontended lock costs three mempool pairs):
 *
 *   carving state (next, carved_*), the own tally, win_pages[] of new
 *       windows: the owner only, while the block is ACTIVE (its queue's
 *       active block), inside an in_op section (see below);
 *   the shared tally, state: under the block's lock (remote frees, frees
 *       of a SEALED block, seals, purges);
 *   win_pages[] of freed windows: whoever frees (owner: in_op; others:
 *       under the lock);
 *   own.dirt: the owner stores, a purge exchanges (no update is lost:
 *       the owner's store always includes its own newest range).
 *
 * Taking an ACTIVE block away from a running owner (a purge sealing an
 * idle block) is an asymmetric Dekker handshake: the owner stores in_op=1
 * and then reads seal with only a compiler barrier; the purge stores
 * seal=1, runs membarrier(PRIVATE_EXPEDITED) (a full barrier on every
 * running thread of the process, so either the owner sees seal or the
 * purge sees in_op), and waits for in_op == 0. Without membarrier the
 * purge only asks, and the owner seals at its next call.
 *
 * Block descriptors are type-stable: never freed before the space is, and
 * only recycled as other blocks, so a thread holding a stale pointer (read
 * from the zone map without a lock) may lock it and must then check that
 * it is still the block it wanted (state, start).
 */

#include "vmap_private.h"

#define VMAP_BLOCK_SIZE ((uint64_t)RTE_VMAP_BLOCK_SIZE)
#define VMAP_BLOCK_SHIFT ((unsigned int)__builtin_ctzll(RTE_VMAP_BLOCK_SIZE))
/** Granules per block (kernel VMAP_BBMAP_BITS). */
#define VMAP_BLOCK_GRANULES ((uint32_t)(VMAP_BLOCK_SIZE >> VMAP_GRANULE_SHIFT))
/** Largest window a block serves, in granules (kernel VMAP_MAX_ALLOC). */
#define VMAP_BLOCK_MAX_PAGES ((uint32_t)(VMAP_BLOCK_MAX >> VMAP_GRANULE_SHIFT))

_Static_assert((RTE_VMAP_BLOCK_SIZE & (RTE_VMAP_BLOCK_SIZE - 1)) == 0 &&
	RTE_VMAP_BLOCK_SIZE >= 2 * VMAP_BLOCK_MAX &&
	RTE_VMAP_BLOCK_SIZE <= (UINT64_C(64) << 20),
	"meson option block_size must be a power of two from 512 KiB to 64 MiB");
_Static_assert(VMAP_BLOCK_MAX_PAGES <= UINT8_MAX, "win_pages[] holds page counts in a byte");

/* vmap_block.state */
enum vmap_block_state {
	VMAP_BLOCK_SPARE = 0, /* a recycled descriptor, in no table */
	VMAP_BLOCK_ACTIVE,    /* its owner carves it */
	VMAP_BLOCK_SEALED,    /* no more carving; dies when its last window is freed */
	VMAP_BLOCK_DEAD,      /* all freed or dirty: leaving the tables for the lazy path */
};

/* A dirty range, granules [lo, hi) packed as hi << 32 | lo; empty: lo > hi. */
#define VMAP_DIRT_NONE UINT64_C(0x00000000ffffffff)

/** What was given back of a block, by one side (owner or locked). */
struct vmap_block_tally {
	uint32_t freed;    /**< granules of carved size classes given back */
	uint32_t windows;  /**< windows given back */
	uint64_t bytes;    /**< their bytes (sizes rounded to 4 KiB) */
	uint64_t lazy;     /**< of which freed lazily, flush owed: only grows */
	uint64_t dirt;     /**< packed range unmapped and not yet flushed */
};

struct vmap_block {
	/* Read by everyone; written when the descriptor is (re)initialised. */
	uintptr_t start;
	struct vmap_area *host;
	/**
	 * IOVA of start, when the block is IOVA-contiguous: VA and DOMAIN
	 * mode, and PA mode when a backing page holds the whole block.
	 * RTE_BAD_IOVA otherwise (PA on 4 KiB pages: a lookup per page).
	 */
	rte_iova_t iova;
	/** The IOVA table entries of the block (vm->iova_table). */
	uint64_t *slots;
	uint16_t owner;        /**< lcore that carves it */
	uint16_t table;        /**< lcore table it hashes to (addr_to_vbq) */
	uint8_t state;         /**< enum vmap_block_state, changed under lock */
	/** Set by a purge: the owner must stop carving (and seal it). */
	uint8_t seal;
	/**
	 * Under lock: it is its owner's queue's active block. A held block
	 * that dies (a purge took it) keeps its descriptor until the owner
	 * lets go of it, so the owner's pointer never names another block.
	 */
	uint8_t held;
	/** Under lock, when it dies: its count in bs->dying[] (the epoch it died in). */
	uint8_t death_slot;

	/* The owner's, lock-free (see above). */
	uint32_t next __rte_cache_aligned; /**< granules carved: the bump offset */
	uint32_t carved_windows;
	uint64_t carved_bytes;
	struct vmap_block_tally own;

	/** Protects state and the shared tally (changes of win_pages[] by others). */
	rte_spinlock_t lock __rte_cache_aligned;
	struct vmap_block_tally shared;
	/** own.lazy + shared.lazy when a purge last flushed the dirt (va_lazy). */
	uint64_t flushed;

	TAILQ_ENTRY(vmap_block) table_link; /**< in its table, under table_lock */
	struct vmap_block *spare_next;      /**< spare lists; a purge's worklists */
	struct vmap_block *all_next;        /**< every descriptor of the space */
	/** Per granule: pages of the live window starting there, 0 if none. */
	uint8_t win_pages[VMAP_BLOCK_GRANULES];
};

TAILQ_HEAD(vmap_block_list, vmap_block);

/**
 * Per lcore (the kernel's per-CPU vmap_block_queue): the owner's state,
 * and the lcore's table, the lock shard of the blocks whose zone hashes
 * to it. The two halves are used by different threads: own cache lines.
 */
struct vmap_block_queue {
	/* The owner's: written only by the lcore itself (or once it is gone). */
	struct vmap_block *active;  /**< the block it carves, NULL if none */
	uint32_t in_op;             /**< 1 while it touches active's state */
	uint32_t gen;               /**< bumped on every change (stats cache) */
	struct vmap_block *spare;   /**< recycled descriptors, owner-private */
	uint32_t nr_spare;
	uint8_t enabled;            /**< lcore init callback ran, uninit not */
	uint8_t has_table;          /**< an lcore of the hash (enabled at creation) */

	/** Protects table, table_len and this table's zone_map entries. */
	rte_spinlock_t table_lock __rte_cache_aligned;
	struct vmap_block_list table;
	uint64_t table_len;
} __rte_cache_aligned;

/** Most descriptors an lcore keeps for its next blocks. */
#define VMAP_BLOCK_SPARE_MAX 4

/** The block caches of one space (vm->blocks; NULL with NO_LCORE_CACHE). */
struct vmap_blocks {
	/**
	 * Per block-sized zone of the reservation: its live block, or NULL.
	 * The storage of every lcore table: zone z belongs to the table
	 * addr_to_vbq(z) names, whose lock guards the entry's writes; reads
	 * take no lock (the kernel's xa_load() under RCU).
	 */
	struct vmap_block **zone_map;
	size_t zone_map_len;      /**< bytes mapped */
	uint64_t zone_base;       /**< map_base >> VMAP_BLOCK_SHIFT */
	uint64_t nr_zones;
	unsigned int nr_slots;    /**< 1 + highest lcore of the hash */
	uint16_t slot_table[RTE_MAX_LCORE]; /**< slot -> lcore, stepped to enabled ones */
	void *lcore_cb;           /**< rte_lcore_callback_register() handle */
	bool barrier;             /**< membarrier(PRIVATE_EXPEDITED) works */
	/** The driver has no unmap: a free only clears the IOVA table. */
	bool no_unmap;
	/**
	 * A block whose windows are all freed owes no flush (the driver has no
	 * unmap and no flush, or STRICT flushed every free): its owner resets
	 * it in place instead of sending it down the lazy path.
	 */
	bool reuse;
	/** Protects spare and all. */
	rte_spinlock_t spare_lock;
	struct vmap_block *spare;
	struct vmap_block *all;
	uint64_t nr_blocks;       /**< published blocks (atomic) */
	/**
	 * Blocks between death and their host's lazy push (atomic): out of
	 * the walks, not yet on a list, counted in the slot of the epoch in
	 * which they died. A purge ends its walks by moving dying_epoch on,
	 * then waits for the slot it left to drop (vmap_blocks_purge()), or
	 * their dirt would escape its flush: deaths that begin later count in
	 * the other slot, and do not hold it.
	 */
	uint32_t dying[2];
	/** Bumped by each purge after its walks, under purge_lock (atomic). */
	uint32_t dying_epoch;
	uint32_t gen;             /**< bumped by changes of non-owners (atomic) */
	struct vmap_block_queue q[RTE_MAX_LCORE];
};

/*
 * With b locked: it dies. Counted in bs->dying[] of the current epoch
 * until vmap_block_retire() has pushed its host (the lock's release
 * publishes the count to a purge's walk that takes b's or its table's
 * lock next; such a walk ends before that purge moves the epoch on, so
 * this read of the epoch cannot see the move).
 */
static inline void
vmap_block_kill(struct vmap_blocks *bs, struct vmap_block *b)
{
	b->state = VMAP_BLOCK_DEAD;
	b->death_slot = __atomic_load_n(&bs->dying_epoch, __ATOMIC_RELAXED) & 1;
	__atomic_fetch_add(&bs->dying[b->death_slot], 1, __ATOMIC_RELAXED);
}

/* Zone-map index of the block-sized zone holding addr. */
static inline uint64_t
vmap_block_zone(const struct vmap_blocks *bs, uintptr_t addr)
{
	return ((uint64_t)addr >> VMAP_BLOCK_SHIFT) - bs->zone_base;
}

/*
 * The table (lcore) the zone of addr hashes to: (addr / block_size) %
 * nr_slots, stepped to the next lcore of the hash (the kernel's addr_to_vb_xa(); the step is
 * precomputed so that a hole in the lcore set never names a missing
 * table: CVE-2024-41032).
 */
static inline unsigned int
vmap_addr_to_vbq(const struct vmap_blocks *bs, uintptr_t addr)
{
	return bs->slot_table[((uint64_t)addr >> VMAP_BLOCK_SHIFT) % bs->nr_slots];
}

/* Granules still live in b: carved and not given back. Exact when quiet. */
static inline uint32_t
vmap_block_live(const struct vmap_block *b)
{
	return __atomic_load_n(&b->next, __ATOMIC_RELAXED) -
		__atomic_load_n(&b->own.freed, __ATOMIC_RELAXED) -
		__atomic_load_n(&b->shared.freed, __ATOMIC_RELAXED);
}

/** What a block holds, as stats, dump and telemetry report it. */
struct vmap_block_usage {
	uint32_t live;      /**< granules carved and not given back */
	uint32_t free;      /**< granules an active block can still carve */
	uint32_t dirty;     /**< granules given back (never carved again) */
	uint64_t unflushed; /**< bytes freed lazily whose flush is still owed */
};

/* With b locked: its usage (the owner's fields read as it writes them). */
static inline void
vmap_block_usage(const struct vmap_block *b, struct vmap_block_usage *u)
{
	uint64_t lazy = __atomic_load_n(&b->own.lazy, __ATOMIC_RELAXED) + b->shared.lazy;

	u->live = vmap_block_live(b);
	u->free = b->state == VMAP_BLOCK_ACTIVE ?
		VMAP_BLOCK_GRANULES - __atomic_load_n(&b->next, __ATOMIC_RELAXED) : 0;
	u->dirty = VMAP_BLOCK_GRANULES - u->live - u->free;
	u->unflushed = lazy > b->flushed ? lazy - b->flushed : 0;
}

/*
 * vmap_block_walk.c: fn(b, table, arg) for every block of every lcore table,
 * with the table's lock and then the block's held (the lock order of
 * vmap_private.h). A non-zero return of fn stops the walk and is returned.
 * peek: skip the tables whose length, read without their lock, is 0 (the
 * purge: a block published meanwhile has nothing to flush yet).
 */
int vmap_blocks_walk(struct vmap_blocks *bs, bool peek,
		int (*fn)(struct vmap_block *b, unsigned int table, void *arg), void *arg);

/*
 * vmap_block_life.c: build the slot -> lcore map of the hash over the lcores with
 * enabled[lcore] set: slot s names the first such lcore >= s. Returns
 * nr_slots (highest such lcore + 1), 0 if there is none.
 */
unsigned int vmap_block_slots_build(const bool enabled[RTE_MAX_LCORE],
		uint16_t slot_table[RTE_MAX_LCORE]);

/*
 * In a block's (or a granted block's) win_pages[]: the live window holding
 * granule off, if any (its first granule and pages). Lock-free readers may
 * see a window carved or freed meanwhile.
 */
static inline bool
vmap_block_window_at(const uint8_t win_pages[VMAP_BLOCK_GRANULES], uint32_t off,
		uint32_t *start, uint32_t *pages)
{
	uint32_t s = off, p;

	/* Windows are disjoint and at most VMAP_BLOCK_MAX_PAGES long. */
	for (;;) {
		p = __atomic_load_n(&win_pages[s], __ATOMIC_ACQUIRE);
		if (p != 0) {
			if (off - s >= p)
				return false;
			*start = s;
			*pages = p;
			return true;
		}
		if (s == 0 || off - s + 1 >= VMAP_BLOCK_MAX_PAGES)
			return false;
		s--;
	}
}

/* The window of pages granules at granule off of b, as a descriptor. */
static inline void
vmap_block_window(const struct vmap_block *b, uint32_t off, uint32_t pages,
		struct vmap_area *win)
{
	win->start = b->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT);
	win->size = (size_t)pages << VMAP_GRANULE_SHIFT;
	win->iova = b->host->iova + ((rte_iova_t)off << VMAP_GRANULE_SHIFT);
	win->flags = VMAP_AREA_F_BLOCK | VMAP_AREA_F_BACKED |
		(b->host->flags & VMAP_AREA_F_IOVA);
	win->state = VMAP_AREA_BUSY;
	win->alloc_node = b->host->alloc_node;
	win->subtree_max = 0;
}

/*
 * vmap_block.c: a block dies (state DEAD set by the caller under its
 * lock): out of the tables and the busy tree, its host onto a lazy list.
 */
void vmap_block_retire(struct rte_vmap *vm, struct vmap_block *b);
/*
 * vmap_block.c: the owner lets go of its active block (spent, taken by a
 * purge, or the lcore goes): sealed, it dies now if nothing in it is live.
 */
void vmap_block_drop(struct rte_vmap *vm, struct vmap_block *b);
/*
 * vmap_block.c: a window of b given back by a thread that may not touch
 * the owner's state, counted under b's lock (lazy: a flush is owed); the
 * last one of a sealed block kills it.
 */
void vmap_block_give_back(struct rte_vmap *vm, struct vmap_block *b, uint32_t off,
		uint32_t pages, bool lazy);
/*
 * vmap_block_free.c: a window's IOVA table entries cleared, driver unmap (and
 * flush with STRICT). true if a flush is owed.
 */
bool vmap_block_teardown(struct rte_vmap *vm, const struct vmap_block *b, uint32_t off,
		uint32_t pages);
/* A set of lcores, a bit each: the owners a purge waits for. */
struct vmap_lcore_set {
	uint64_t bits[(RTE_MAX_LCORE + 63) / 64];
};

static inline void
vmap_lcore_set_add(struct vmap_lcore_set *set, unsigned int lcore)
{
	set->bits[lcore / 64] |= UINT64_C(1) << (lcore % 64);
}

/*
 * vmap_block_life.c: make the lcores of owners (whose blocks have seal set)
 * leave any section that could have missed it (membarrier, then wait for
 * in_op == 0). The owners are read under each block's lock when it is
 * sealed: a descriptor may be recycled to another lcore by the time this
 * runs. false if that cannot be done (no membarrier): the owners will see
 * seal at their next call.
 */
bool vmap_blocks_quiesce(struct vmap_blocks *bs, const struct vmap_lcore_set *owners);

#endif /* _VMAP_BLOCK_H_ */
