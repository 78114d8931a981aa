/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_NODE_H_
#define _VMAP_NODE_H_

/*
 * Nodes and arenas (vmap_node.c) and the nodes' zone chunks
 * (vmap_chunk.c): the lock shards of a space, their busy trees and
 * size-class pools, and the per-socket slices of the reservation.
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

/** One exact-size list of ready ranges (kernel vmap_pool). */
struct vmap_pool {
	struct vmap_area_list head;
	uint64_t len;
	/** Fewest ranges held since the last decay: what nobody needed. */
	uint64_t low;
};

/**
 * A vmap node: a lock shard of the space. Owns the busy tree of the live
 * windows whose start lies in its zones, and the pools of ranges its
 * callers allocated and freed. Bound to one socket.
 */
struct vmap_node {
	/** Protects busy, nr_windows, va_used, gen. */
	rte_spinlock_t busy_lock;
	struct vmap_busy_root busy;
	uint64_t nr_windows;
	uint64_t va_used;
	/** Bumped under busy_lock whenever the counters above change (stats cache). */
	uint32_t busy_gen;
	unsigned int id;
	unsigned int arena;
	int socket_id;
	/** Protects pool[], pool_bytes, pool_cap; never held with busy_lock of another node. */
	rte_spinlock_t pool_lock __rte_cache_aligned;
	uint64_t pool_bytes;
	uint64_t pool_cap;
	/** Idle pooled bytes a purge leaves alone (one purge batch). */
	uint64_t decay_floor;
	/** Bumped under pool_lock whenever the pools change (stats cache). */
	uint32_t pool_gen;
	/** The zone chunk being carved (vmap_chunk.c), NULL if none. */
	struct vmap_area *chunk;
	/** Whole zones of this node waiting to be carved. */
	struct vmap_area_list stash;
	/** Bytes in chunk and stash. */
	uint64_t chunk_bytes;
	/** Zones in the stash, and the fewest since the last drain. */
	uint64_t stash_len;
	uint64_t stash_low;
	struct vmap_pool pool[RTE_VMAP_POOL_CLASSES];
	/**
	 * Lazily freed ranges this node allocated: a lock-free LIFO (the
	 * kernel's llist, as in its vmap nodes): frees push one item with a CAS, the
	 * purger takes the whole list with one exchange. Linked by link.
	 */
	struct vmap_area *lazy_head __rte_cache_aligned;
	/** Bytes in lazy_head's list and in a purge not yet flushed (atomic). */
	uint64_t lazy_bytes;
} __rte_cache_aligned;

/**
 * An arena: the slice of the reservation whose memory sits on one socket.
 * Its nodes are [first_node, first_node + nr_nodes).
 */
struct vmap_arena {
	/** Protects free. */
	rte_spinlock_t lock;
	struct vmap_free_tree free;
	uintptr_t start;
	uintptr_t end;
	unsigned int socket_idx;
	unsigned int first_node;
	unsigned int nr_nodes;
} __rte_cache_aligned;

/** What a node holds, as stats, dump, telemetry and verify read it. */
struct vmap_node_usage {
	uint64_t nr_windows; /**< live windows in its busy tree (block hosts not counted) */
	uint64_t va_used;    /**< their bytes */
	uint64_t pooled;     /**< bytes in its pools */
	uint64_t chunks;     /**< bytes in its zone chunk and stash */
	uint64_t lazy;       /**< bytes freed lazily and not yet purged */
};

/* ---- vmap_node.c ------------------------------------------------------ */

static inline unsigned int
vmap_arena_of(const struct rte_vmap *vm, uintptr_t addr)
{
	unsigned int a;

	/* Arenas are few (sockets); a short scan beats a division. */
	for (a = 0; a + 1 < vm->nr_arenas; a++)
		if (addr < vm->arenas[a].end)
			break;
	return a;
}

/*
 * The node tracking a range that starts at addr: zones of zone_size bytes
 * are striped over the nodes of the address's arena (kernel addr_to_node,
 * with the stripe kept inside one socket's nodes).
 */
static inline struct vmap_node *
vmap_addr_to_node(const struct rte_vmap *vm, uintptr_t addr)
{
	const struct vmap_arena *ar = &vm->arenas[vmap_arena_of(vm, addr)];
	/* zone_size is the build-time constant: this divide is a shift. */
	uint64_t zone = (addr - ar->start) / RTE_VMAP_ZONE_SIZE;

	/* On the hot path of every alloc and free: no divide when it can be a mask. */
	if (likely((ar->nr_nodes & (ar->nr_nodes - 1)) == 0))
		return &vm->nodes[ar->first_node + (zone & (ar->nr_nodes - 1))];
	return &vm->nodes[ar->first_node + zone % ar->nr_nodes];
}

/*
 * Alignment of the reservation and of every arena: a backing page, and a
 * whole zone, so that zones and stripes of zones line up in absolute
 * addresses as they do relative to an arena.
 */
static inline size_t
vmap_space_align(const struct rte_vmap *vm)
{
	return RTE_MAX(vm->backing.page_size, (size_t)vm->zone_size);
}

int vmap_nodes_init(struct rte_vmap *vm);
void vmap_nodes_fini(struct rte_vmap *vm);
/*
 * With vn->busy_lock held: its counters (the blocks have vmap_block_usage()).
 * The busy ones are exact; pooled, chunk and lazy bytes are peeked, exact
 * only where the caller holds pool_lock and purge_lock too (verify).
 */
void vmap_node_usage(const struct vmap_node *vn, struct vmap_node_usage *u);
/* The node whose pools serve the caller on arena ar. */
struct vmap_node *vmap_node_of_caller(struct rte_vmap *vm, unsigned int ar);
/* Insert a live window into the busy tree of its node (takes busy_lock). */
void vmap_busy_insert(struct rte_vmap *vm, struct vmap_area *va);
/*
 * Remove the live window starting exactly at addr (takes busy_lock).
 * Returns it, or NULL and *err = -ENOENT (none starts there) or -EINVAL
 * (a window of the wrong kind: block vs not, per want_block; or size is
 * not 0 and differs from the window's).
 */
struct vmap_area *vmap_busy_remove(struct rte_vmap *vm, uintptr_t addr,
		bool want_block, size_t size, int *err);
/*
 * Find the live window containing addr; copies it to *out under the lock.
 * Starts at addr's node and walks back zone by zone (the kernel's addr_to_node()).
 */
int vmap_busy_find(const struct rte_vmap *vm, uintptr_t addr, struct vmap_area *out);
/* Remove every live window of every node, calling fn on each (destroy). */
void vmap_busy_drain(struct rte_vmap *vm,
		void (*fn)(struct rte_vmap *vm, struct vmap_area *va, void *arg), void *arg);
/* Take a host range (VMAP_AREA_F_HOST) out of its node's busy tree (takes busy_lock). */
void vmap_busy_unlink(struct rte_vmap *vm, struct vmap_area *va);
/*
 * Record which secondary process the live window at addr was allocated
 * for (vmap_area.owner; takes busy_lock). 0 or -ENOENT.
 */
int vmap_busy_set_owner(struct rte_vmap *vm, uintptr_t addr, int32_t owner);
/* Call fn on every live window of vn in address order, with busy_lock held. */
int vmap_busy_walk(struct vmap_node *vn,
		int (*fn)(const struct vmap_area *va, void *arg), void *arg);
/* Pop a pooled range of exactly npages granules aligned to align, or NULL. */
struct vmap_area *vmap_pool_get(struct vmap_node *vn, size_t npages, size_t align);
/* Push a range into the pool; false (not taken) if its class or the cap forbid. */
bool vmap_pool_put(struct vmap_node *vn, struct vmap_area *va);
/*
 * Push n ranges under one lock; those the pool cannot take are moved to
 * the front of va[] and their number returned.
 */
size_t vmap_pool_put_bulk(struct vmap_node *vn, struct vmap_area **va, size_t n);
/*
 * Detach into *out, for the caller to release to the free tree: all of
 * vn's pools when shift is 0, else 1/2^shift of what each class held
 * untouched since the last decay (the kernel decays a blind 25%: here a
 * pool that was emptied and refilled between two purges keeps its ranges,
 * because they hold backing that would have to be faulted in again).
 */
void vmap_pools_decay(struct vmap_node *vn, unsigned int shift, struct vmap_area_list *out);

/* ---- vmap_chunk.c ----------------------------------------------------- */

/*
 * A window of at most zone_size for vn's callers, carved from a zone that
 * addr_to_node() maps to vn, so that an lcore's small windows use its own
 * node's locks. NULL when that cannot be done (the caller falls back to
 * the free tree).
 */
struct vmap_area *vmap_chunk_carve(struct rte_vmap *vm, struct vmap_node *vn,
		size_t size, size_t align);
/* Detach vn's chunks into out: all, or a share of the stash left unused. */
void vmap_chunks_drain(struct vmap_node *vn, bool all, struct vmap_area_list *out);

#endif /* _VMAP_NODE_H_ */
