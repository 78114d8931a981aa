/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_PRIVATE_H_
#define _VMAP_PRIVATE_H_

/*
 * The space (struct rte_vmap), the lock order, and the layers of the
 * library. Nothing here is installed. Each mechanism has its own private
 * header, included from here: vmap_free_tree.h, vmap_topo.h,
 * vmap_backing.h and vmap_stats.h (their types are part of struct
 * rte_vmap), then vmap_node.h, vmap_iova.h, vmap_range.h, vmap_purge.h,
 * vmap_alloc.h and vmap_extmem.h; the per-lcore blocks' internals are in
 * vmap_block.h and vmap_block_owner.h.
 *
 * The life of a range of address space:
 *
 *   FREE  --stripe--> CHUNK --carve--> BUSY    POOLED --alloc--> BUSY
 *   BUSY  --free--> LAZY --purge: unmap, flush--> POOLED | FREE
 *   BUSY  --free (RTE_VMAP_F_STRICT): unmap, flush--> POOLED | FREE
 *   POOLED, CHUNK --decay/drain--> FREE
 *
 * FREE ranges live in the free tree of their arena (one arena per NUMA
 * socket, a contiguous slice of the reservation); BUSY ranges in the busy
 * tree of the node addr_to_node(start) names; POOLED ranges in the
 * size-class pool of the node that allocated them, still backed and still
 * holding their DOMAIN IOVA, so a pool hit costs no page fault and no IOVA
 * search.
 *
 * Layers: a file calls the files below it (devtools/check-layers.py, run
 * by devtools/check-style.sh, prints the calls that go both ways):
 *
 *   vmap_mp_owner.c                                   a primary's answers to
 *                                                     its secondaries (the API)
 *   telemetry, dump, verify, stats, mempool, space    the API around it all
 *   (vmap_mp_view.c: a secondary's calls, sent to the owner)
 *   vmap_block*.c                                     per-lcore blocks
 *   vmap_alloc.c                                      windows
 *   vmap_purge.c                                      lazy lists, purges
 *   vmap_chunk.c                                      nodes' zone chunks
 *   vmap_range.c                                      ranges taken, given back
 *   vmap_iova.c, vmap_owed.c                          IOVA, driver calls owed
 *   vmap_node.c                                       nodes and pools
 *   vmap_backing.c (vmap_extmem.c), vmap_topo.c       backing pages, sockets
 *   vmap_free_tree.c                                  free tree, descriptors
 *
 * The calls that go up, each a callback the layer below needs:
 *   vmap_range_recycle() -> vmap_lazy_add()      a range overlapping an owed
 *                                                driver call waits for a purge
 *   vmap_iova_assign() -> vmap_reclaim()         no DOMAIN IOVA left: a full
 *                                                purge gives back what pools hold
 *   purge_nodes() -> vmap_blocks_purge()         a purge of every node takes the
 *                                                blocks' dirt and idle blocks
 *   vmap_busy_find() -> vmap_block_find()        a lookup inside a block's host
 *   vmap_free_window() -> vmap_block_is_window() a refused free of a block
 *                                                window says -EINVAL
 *
 * Lock order (outer first); verify() takes those it checks in this order:
 *   owner_lock             (vmap_mp_owner.c: a secondary's request carried out;
 *                           never held by the creation of a space, which may
 *                           wait for EAL's IPC thread: rte_malloc() syncs)
 *   vmap_spaces_lock       (vmap_space.c, not verify's; telemetry reads under it)
 *   register_lock          (vmap_mp_owner.c: the IPC action, space numbers,
 *                           the spaces the handler finds; nothing under it)
 *   vmap_space.purge_lock  (mutex)
 *   vmap_stats_cache.lock  (seqlock, write side: a rebuild takes busy, block
 *                           table, block and arena locks one at a time under it)
 *   vmap_arena.lock        (arena index order)
 *   vmap_node.pool_lock    (node index order)
 *   vmap_node.busy_lock    (node index order)
 *   vmap_space.iova_lock
 *   vmap_block_queue.table_lock (lcore order)   per-lcore blocks, vmap_block.h
 *   vmap_block.lock
 *   vmap_backing stripe locks
 *   vmap_extmem.lock       (rwlock; RTE_VMAP_F_EXTMEM: page map/unmap shared,
 *                           devices exclusive)
 *   vmap_space.owed_lock   (vmap_owed.c: stores, and scans of marked IOVA-table
 *                           slots; nothing called under it)
 *   iommu_lock             (vmap_iommu.c: the driver registry, nothing under it)
 * Lock-free: a node's lazy list (vmap_node.lazy_head), a block's owner
 * carving and freeing its active block (vmap_block.h).
 * No function allocates memory (malloc) while holding a spinlock.
 */

#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>
#include <bsd/sys/tree.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_seqlock.h>
#include <rte_spinlock.h>

#include "rte_vmap.h"
#include "rte_vmap_iommu.h"
#include "rte_vmap_config.h"
/* The fault points (vmap_fault_malloc(), VMAP_FAULT(), ...) every file may use. */
#include "vmap_fault.h"

extern int vmap_logtype;

#define VMAP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmap_logtype, "VMAP: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

/*
 * Change a counter that its lock protects but that dump and stats peek at
 * without the lock: a relaxed atomic store of the new value. The writer
 * holds the lock, so no locked read-modify-write is needed; the atomic
 * store only keeps the peek a non-racy read (C11, and what TSan checks).
 */
#define VMAP_LOCKED_ADD(field, v) \
	__atomic_store_n(&(field), (field) + (v), __ATOMIC_RELAXED)
#define VMAP_LOCKED_SUB(field, v) \
	__atomic_store_n(&(field), (field) - (v), __ATOMIC_RELAXED)

/** Granule of every window: sizes and starts are multiples of it. */
#define VMAP_GRANULE_SHIFT __RTE_VMAP_IOVA_SHIFT
#define VMAP_GRANULE (UINT64_C(1) << VMAP_GRANULE_SHIFT)

_Static_assert(RTE_VMAP_ZONE_SIZE >= VMAP_GRANULE &&
	(RTE_VMAP_ZONE_SIZE & (RTE_VMAP_ZONE_SIZE - 1)) == 0,
	"meson option zone_size must be a power of two of at least 4096");

/** Largest window served by rte_vmap_block_alloc(): 64 granules (kernel VMAP_MAX_ALLOC). */
#define VMAP_BLOCK_MAX (64 * VMAP_GRANULE)

struct rte_vmap;

#include "vmap_free_tree.h"
#include "vmap_topo.h"
#include "vmap_backing.h"
#include "vmap_stats.h"

struct vmap_arena;
struct vmap_node;
struct vmap_owed_unmap;
struct vmap_blocks;
struct vmap_extmem;
struct vmap_mp_view;
struct vmap_grants;

/* ---- the space (vmap_space.c) ---------------------------------------- */

struct rte_vmap {
	/** Read by the inline rte_vmap_virt2iova(): must stay first. */
	struct __rte_vmap_fastpath fast;
	char name[RTE_VMAP_NAMESIZE];
	struct rte_vmap_params params;  /**< as given (strings not kept) */
	unsigned int flags;
	enum rte_vmap_iova_mode iova_mode; /**< resolved: VA, PA or DOMAIN */
	size_t lazy_max;

	uintptr_t map_base;    /**< the mmap()ed reservation (page aligned) */
	/** Every reservation ends below it (vmap_dma_limit(), read at creation). */
	uint64_t dma_limit;
	size_t map_len;
	uint64_t *iova_table;  /**< per granule of the reservation */
	size_t iova_table_len; /**< bytes mapped for it */

	struct vmap_topo topo;
	unsigned int nr_arenas;
	struct vmap_arena *arenas;
	unsigned int nr_nodes;
	struct vmap_node *nodes;
	uint64_t zone_size;

	struct vmap_backing backing;

	/** DOMAIN mode IOVA allocator; iova_lock protects it. */
	rte_spinlock_t iova_lock;
	struct vmap_free_tree iova_free;
	/**
	 * Spare descriptors, one per range holding an IOVA range (taken by
	 * vmap_iova_assign(), linked by link; iova_lock): giving the IOVA
	 * range back may need a descriptor, and must not fail for want of
	 * memory, or the range would be lost to the IOVA space.
	 */
	struct vmap_area *iova_spares;
	rte_iova_t iova_base;
	uint64_t iova_size;
	/** DOMAIN's default range: a PROT_NONE VA reservation (0: none). */
	uintptr_t iova_resv;

	const struct rte_vmap_iommu_ops *iommu;
	void *iommu_priv;

	/**
	 * Serialises purges, destroy and verify against each other. A mutex:
	 * a purge works long and allocates (the kernel's vmap_purge_lock).
	 */
	pthread_mutex_t purge_lock;
	/** Space-wide counters (atomic). */
	uint64_t nr_purges;
	/** Full purges done (reclaim, rte_vmap_trim()), bumped under purge_lock. */
	uint64_t nr_drains;
	uint64_t nr_unmaps;
	uint64_t nr_flushes;
	/** Lazy bytes per node that trigger a purge: lazy_max / nr_nodes. */
	uint64_t lazy_share;
	/** Bumped on changes not covered by a node generation (backing, purges). */
	uint32_t gen;
	struct vmap_stats_cache stats_cache;
	/** Per-lcore block caches (vmap_block.c); NULL with RTE_VMAP_F_NO_LCORE_CACHE. */
	struct vmap_blocks *blocks;
	/** DPDK registration of an RTE_VMAP_F_EXTMEM space (vmap_extmem.c); NULL if none. */
	struct vmap_extmem *extmem;
	/**
	 * Driver calls that failed where the caller could not keep its range
	 * from reuse (vmap_owed.c): unmaps refused (a list, or with no memory
	 * marks in the IOVA table) and flushes that failed (one span covering
	 * them, empty when lo >= hi). Purges retry them; nothing overlapping
	 * them is recycled or mapped before. owed_lock protects them all;
	 * owed is non-zero while any is owed.
	 */
	rte_spinlock_t owed_lock;
	struct vmap_owed_unmap *owed_unmaps;
	/* Marked 4 KiB slots, and the VA span [lo, hi) they lie in (0, 0: none). */
	uint64_t owed_marks;
	uint64_t owed_marks_lo;
	uint64_t owed_marks_hi;
	rte_iova_t owed_lo;
	rte_iova_t owed_hi;
	/* Bumped by every failed flush recorded: the span may not change in value. */
	uint32_t owed_flush_gen;
	uint32_t owed;

	/**
	 * RTE_VMAP_F_SHARED (vmap_mp_*.c): the backing pages and the IOVA
	 * table live in memfds that secondary processes map too; -1 if not.
	 */
	int backing_fd;
	int iova_fd;
	/** Shared: this space among all the primary ever shared (a name may come back). */
	uint64_t uid;
	/**
	 * In a secondary process, the attachment to a primary's space
	 * (vmap_mp_view.c): every call but the inline ones is the primary's to
	 * do. NULL in the process that created the space.
	 */
	struct vmap_mp_view *view;
	/** Shared, driver without maps: blocks granted to secondaries (vmap_grant.h). */
	struct vmap_grants *grants;

	TAILQ_ENTRY(rte_vmap) next;
	/* In a primary, the spaces its IPC handler finds by name (vmap_mp_owner.c). */
	TAILQ_ENTRY(rte_vmap) owned_next;
	bool owned;
};

/* Note a change not covered by a node generation (stats cache). */
static inline void
vmap_space_changed(struct rte_vmap *vm)
{
	__atomic_fetch_add(&vm->gen, 1, __ATOMIC_RELEASE);
}

/* Call fn for each live space under the list lock (telemetry). */
int vmap_space_walk(int (*fn)(struct rte_vmap *vm, void *arg), void *arg);

/* ---- vmap_reserve.c --------------------------------------------------- */

/* Largest reservation: a quarter of the 47-bit user address space. */
#define VMAP_VA_SIZE_MAX (UINT64_C(1) << 46)

/* Smallest address width of the machine's Intel IOMMUs; 0 if none is known. */
unsigned int vmap_dma_width(void);
/* 2^vmap_dma_width(), or UINT64_MAX when no width is known. */
uint64_t vmap_dma_limit(void);
/*
 * Reserve len bytes of PROT_NONE VA aligned to align (a power of two)
 * ending at or below limit; what names the space in logs; shared: where
 * secondaries are likely to have the range free too (low, not among the
 * libraries). 0 and *base, or -ENOMEM (no VA at all) or -ERANGE (no hole
 * below limit; logged).
 */
int vmap_va_reserve(const char *what, size_t len, size_t align, uint64_t limit, bool shared,
		uintptr_t *base);

/* ---- vmap_iommu.c ----------------------------------------------------- */

const struct rte_vmap_iommu_ops *vmap_iommu_find(const char *name);

/* ---- vmap_block.c, vmap_block_walk.c: per-lcore block caches ---------- */

struct vmap_blocks;
/* Set up the block caches of a new space (none with NO_LCORE_CACHE). 0 or -errno. */
int vmap_blocks_init(struct rte_vmap *vm);
/*
 * Destroy, before the final purge: stop the lcore callbacks, unmap the
 * block windows still live, and send every block's host to the lazy lists.
 */
void vmap_blocks_release(struct rte_vmap *vm);
/* Free what vmap_blocks_init() set up (the blocks are released). */
void vmap_blocks_fini(struct rte_vmap *vm);
/*
 * The live block window holding addr, inside host (a busy host range);
 * called with the busy_lock of host's node held. 0 or -ENOENT.
 */
int vmap_block_find(const struct rte_vmap *vm, const struct vmap_area *host, uintptr_t addr,
		struct vmap_area *out);
/* Whether a live per-lcore block window starts at addr (rte_vmap_free() of it: -EINVAL). */
bool vmap_block_is_window(const struct rte_vmap *vm, uintptr_t addr);
/*
 * The block side of a purge of every node, with purge_lock held (seed
 * 04): idle blocks (nothing live; little left to carve unless force) are
 * taken from their owners and their hosts pushed on the lazy lists first;
 * then the dirty range of every other block is handed to flush_run once
 * and reset. flush_run returns non-zero if the batch cannot hold the run
 * (it is then flushed on its own). Returns the ranges handed over.
 */
unsigned int vmap_blocks_purge(struct rte_vmap *vm, bool force,
		int (*flush_run)(rte_iova_t iova, size_t len, void *arg), void *arg);
/* Stats: add the block windows, their bytes and unflushed dirt; set nr_blocks. */
void vmap_blocks_stats(struct rte_vmap *vm, struct rte_vmap_stats *st);
/* Sum of the block generations (stats cache). */
uint64_t vmap_blocks_gen(const struct rte_vmap *vm);
/* Live blocks (hosts in the busy trees). */
uint64_t vmap_blocks_count(const struct rte_vmap *vm);
/* Verify, all locks held: host is the host of a live block. 0 or -EFAULT. */
int vmap_block_host_check(const struct rte_vmap *vm, const struct vmap_area *host);
/* Verify, all locks held, after the busy trees showed nr_hosts hosts. 0 or -EFAULT. */
int vmap_blocks_verify(struct rte_vmap *vm, uint64_t nr_hosts);
/* Dump: the blocks of every lcore, their free and dirty space, their windows. */
void vmap_blocks_dump(FILE *f, struct rte_vmap *vm);

#include "vmap_node.h"
#include "vmap_iova.h"
#include "vmap_range.h"
#include "vmap_purge.h"
#include "vmap_alloc.h"
#include "vmap_extmem.h"
#include "vmap_mp.h"
#include "vmap_grant.h"

#endif /* _VMAP_PRIVATE_H_ */
