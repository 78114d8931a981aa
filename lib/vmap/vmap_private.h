/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_PRIVATE_H_
#define _VMAP_PRIVATE_H_

/*
 * What the library's files share. Nothing here is installed.
 *
 * The life of a range of address space (kernel-notes 1.1):
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
 * Lock order (outer first); verify() takes them all in this order:
 *   vmap_spaces_lock       (vmap_space.c, not verify's; telemetry reads under it)
 *   vmap_space.purge_lock
 *   vmap_arena.lock        (arena index order)
 *   vmap_node.pool_lock    (node index order)
 *   vmap_node.busy_lock    (node index order)
 *   vmap_space.iova_lock
 *   vmap_block_queue.table_lock (lcore order)   per-lcore blocks, vmap_block.h
 *   vmap_block.lock
 *   vmap_backing stripe locks
 *   vmap_extmem.lock       (RTE_VMAP_F_EXTMEM: page map/unmap shared, devices exclusive)
 *   vmap_space.owed_lock   (vmap_iova.c: a few stores, nothing called under it)
 * No function allocates memory (malloc) while holding a spinlock. A block's
 * owner carves and frees its active block without any lock (vmap_block.h).
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

/** Granule of every window: sizes and starts are multiples of it. */
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

#define VMAP_GRANULE_SHIFT __RTE_VMAP_IOVA_SHIFT
#define VMAP_GRANULE (UINT64_C(1) << VMAP_GRANULE_SHIFT)

_Static_assert(RTE_VMAP_ZONE_SIZE >= VMAP_GRANULE &&
	(RTE_VMAP_ZONE_SIZE & (RTE_VMAP_ZONE_SIZE - 1)) == 0,
	"meson option zone_size must be a power of two of at least 4096");

/** Largest window served by rte_vmap_block_alloc(): 64 granules (kernel VMAP_MAX_ALLOC). */
#define VMAP_BLOCK_MAX (64 * VMAP_GRANULE)

/* enum vmap_area_state: where a descriptor currently lives. */
enum vmap_area_state {
	VMAP_AREA_FREE = 1,  /* in an arena's free tree (or the IOVA tree) */
	VMAP_AREA_BUSY,      /* a live window, in a node's busy tree */
	VMAP_AREA_POOLED,    /* in a node's size-class pool */
	VMAP_AREA_LAZY,      /* freed, awaiting its flush */
	VMAP_AREA_SPARE,     /* not linked anywhere */
	VMAP_AREA_CHUNK,     /* a node's zone chunk: backed, carved into windows */
};

/* vmap_area.flags */
#define VMAP_AREA_F_BLOCK   (1u << 0) /* allocated by rte_vmap_block_alloc() */
#define VMAP_AREA_F_BACKED  (1u << 1) /* holds references on its backing pages */
#define VMAP_AREA_F_IOVA    (1u << 2) /* holds a DOMAIN IOVA range */
#define VMAP_AREA_F_UNMAPPED (1u << 3) /* lazy: driver unmap done, only the flush is owed */
/*
 * A per-lcore block's range (vmap_block.c): busy, backed, with its IOVA,
 * but mapped and published window by window; not a window itself (not in
 * nr_windows or va_used; lookups report the block window inside it).
 */
#define VMAP_AREA_F_HOST    (1u << 4)
/* Within a purge: a driver unmap or flush of it failed, it goes back to its lazy list. */
#define VMAP_AREA_F_RETRY   (1u << 5)
/* Within a purge's marking (vmap_purge.c): some run of it was unmapped. */
#define VMAP_AREA_F_RUN_OK  (1u << 6)
/* Within a purge's marking: it owes its whole unmap again. */
#define VMAP_AREA_F_OWE_ALL (1u << 7)

/**
 * One range of address space: a free range, a live window, a pooled range.
 * The same descriptor moves between the structures; a range is in exactly
 * one of them at a time (its state says which).
 */
struct vmap_area {
	uintptr_t start;     /**< first byte */
	size_t size;         /**< bytes, a multiple of VMAP_GRANULE */
	union {
		RB_ENTRY(vmap_area) rb;          /**< free tree or busy tree */
		STAILQ_ENTRY(vmap_area) link;    /**< pool or lazy list */
	};
	size_t subtree_max;  /**< free tree: largest size in this subtree */
	rte_iova_t iova;     /**< DOMAIN mode: IOVA of start (VMAP_AREA_F_IOVA) */
	uint16_t alloc_node; /**< node whose pool takes it back */
	uint8_t state;       /**< enum vmap_area_state */
	uint8_t flags;       /**< VMAP_AREA_F_* */
};

RB_HEAD(vmap_free_root, vmap_area);
RB_HEAD(vmap_busy_root, vmap_area);
STAILQ_HEAD(vmap_area_list, vmap_area);

/* ---- vmap_free_tree.c: free-space tree ------------------------------- */

/**
 * Free ranges of one address range, in an augmented red-black tree sorted
 * by start, each node knowing the largest free size in its subtree, for a
 * lowest-fit search in O(log n) (kernel find_vmap_lowest_match). Ranges
 * never touch: an insert merges with its neighbours. Not locked: the
 * owner (an arena, or the IOVA allocator) holds its own lock around calls.
 */
struct vmap_free_tree {
	struct vmap_free_root root;
	uint64_t nr_ranges;  /**< ranges in the tree */
	uint64_t bytes;      /**< bytes in the tree */
};

void vmap_free_tree_init(struct vmap_free_tree *t);
/* Free every descriptor still in the tree. */
void vmap_free_tree_fini(struct vmap_free_tree *t);
/*
 * Give [start, start + size) back, merged with touching neighbours.
 * desc is a descriptor the tree may keep for the range; on return *desc is
 * NULL if the tree kept it, else the caller still owns it (it was merged).
 * Another descriptor freed by a merge on both sides is returned in
 * *released (NULL if none); the caller frees it after unlocking.
 * Returns 0, or -EEXIST if the range overlaps a free range (nothing changed).
 */
int vmap_free_tree_insert(struct vmap_free_tree *t, uintptr_t start, size_t size,
		struct vmap_area **desc, struct vmap_area **released);
/*
 * Lowest-fit allocation of size bytes aligned to align (a power of two >=
 * VMAP_GRANULE) within [vstart, vend). A split in the middle of a range
 * needs a descriptor: *spare is taken (set to NULL) if so. A range used
 * whole has its descriptor returned in *released. Returns 0 and *addr,
 * -ENOSPC if nothing fits, -EAGAIN if a split was needed and *spare was NULL.
 */
int vmap_free_tree_alloc(struct vmap_free_tree *t, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, uintptr_t *addr,
		struct vmap_area **spare, struct vmap_area **released);
/* Largest free range, in bytes (the root's augmented value). */
size_t vmap_free_tree_largest(const struct vmap_free_tree *t);
/* Call fn on each free range in address order; stops at a non-zero return. */
int vmap_free_tree_walk(const struct vmap_free_tree *t,
		int (*fn)(const struct vmap_area *va, void *arg), void *arg);
/*
 * Check sorted, non-touching, inside [lo, hi), augmented values right,
 * counters right. 0 or -EFAULT with a log line.
 */
int vmap_free_tree_check(const struct vmap_free_tree *t, uintptr_t lo, uintptr_t hi);

/* Descriptors: allocate and free outside every spinlock. */
struct vmap_area *vmap_area_new(void);
void vmap_area_delete(struct vmap_area *va);

/* ---- vmap_topo.c: topology from hwloc -------------------------------- */

/** The sockets a space places memory on, and where each lcore sits. */
struct vmap_topo {
	unsigned int nr_sockets;             /**< at least 1 */
	int socket_id[RTE_MAX_NUMA_NODES];   /**< socket id of each socket index */
	uint8_t lcore_socket[RTE_MAX_LCORE]; /**< socket index of each lcore */
	bool emulated;                       /**< from a synthetic description */
	bool numa_ok;                        /**< libnuma placement works */
	unsigned int nr_cpus;                /**< entries of cpu_socket[] */
	uint8_t cpu_socket[CPU_SETSIZE];     /**< socket index of each CPU (non-EAL threads) */
};

/*
 * Build the topology: from hwloc's view of this machine, or from an hwloc
 * synthetic description (e.g. "package:2 core:1 pu:1"). NUMA nodes are
 * sockets (packages without NUMA objects count as one socket each).
 * Returns 0 or -EINVAL (bad description) / -ENOMEM.
 */
int vmap_topo_load(struct vmap_topo *topo, const char *synthetic);
/* Socket index of a socket id, or -1 if the topology has no such socket. */
int vmap_topo_socket_index(const struct vmap_topo *topo, int socket_id);
/* Socket index of the calling thread: its lcore's, or for a non-EAL thread its CPU's. */
unsigned int vmap_topo_caller_socket(const struct vmap_topo *topo);
/*
 * Bind [addr, addr + len) to the socket's memory with libnuma (mbind,
 * preferred), before it is faulted in. A no-op when the socket is modelled
 * only (emulated) or libnuma is unavailable. Returns 0 or -errno.
 */
int vmap_topo_place(const struct vmap_topo *topo, unsigned int socket_idx,
		void *addr, size_t len);

/* ---- the space -------------------------------------------------------- */

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
	 * kernel's llist, seed 02): frees push one item with a CAS, the
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

/* Backing stripe locks serialise a page's 0<->1 reference transitions. */
#define VMAP_BACKING_STRIPES 64

/** Backing pages of the reservation, indexed by page. */
struct vmap_backing {
	size_t page_size;
	unsigned int page_shift;
	uint64_t nr_pages;
	uint32_t *refcnt;        /**< per page: windows (live or pooled) overlapping it */
	uint64_t *phys;          /**< per page: physical address once mapped */
	uint64_t mem_used;       /**< bytes mapped (atomic) */
	uint64_t mem_limit;      /**< 0 = none */
	int mmap_flags;          /**< MAP_HUGETLB | size bits, or 0 */
	int pagemap_fd;          /**< /proc/self/pagemap in PA mode, else -1 */
	rte_spinlock_t stripe[VMAP_BACKING_STRIPES];
};

/**
 * Stats snapshot cache, validated by generation counters (seed 05): a
 * reader that finds the sum of the generations unchanged copies the cache
 * under the seqlock's read side, taking no lock.
 */
struct vmap_stats_cache {
	rte_seqlock_t lock;      /**< writers: refills; readers: lock-free copies */
	uint64_t gen;            /**< sum of generations the cache was built at */
	struct rte_vmap_stats st;
};

struct rte_vmap {
	/** Read by the inline rte_vmap_virt2iova(): must stay first. */
	struct __rte_vmap_fastpath fast;
	char name[RTE_VMAP_NAMESIZE];
	struct rte_vmap_params params;  /**< as given (strings not kept) */
	unsigned int flags;
	enum rte_vmap_iova_mode iova_mode; /**< resolved: VA, PA or DOMAIN */
	size_t lazy_max;

	uintptr_t map_base;    /**< the mmap()ed reservation (page aligned) */
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
	 * from reuse (vmap_iova.c): unmaps refused (a list) and flushes that
	 * failed (one span covering them, empty when lo >= hi). Purges retry
	 * them; nothing overlapping them is recycled or mapped before.
	 * owed_lock protects the three; owed is non-zero while any is owed.
	 */
	rte_spinlock_t owed_lock;
	struct vmap_owed_unmap *owed_unmaps;
	/* Records taken when malloc() fails too (vmap_owed.c), allocated at create. */
	struct vmap_owed_unmap *owed_reserve;
	rte_iova_t owed_lo;
	rte_iova_t owed_hi;
	/* Bumped by every failed flush recorded: the span may not change in value. */
	uint32_t owed_flush_gen;
	uint32_t owed;

	TAILQ_ENTRY(rte_vmap) next;
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
 * Starts at addr's node and walks back zone by zone (seed 03).
 */
int vmap_busy_find(const struct rte_vmap *vm, uintptr_t addr, struct vmap_area *out);
/* Remove every live window of every node, calling fn on each (destroy). */
void vmap_busy_drain(struct rte_vmap *vm,
		void (*fn)(struct rte_vmap *vm, struct vmap_area *va, void *arg), void *arg);
/* Take a host range (VMAP_AREA_F_HOST) out of its node's busy tree (takes busy_lock). */
void vmap_busy_unlink(struct rte_vmap *vm, struct vmap_area *va);
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

/* ---- vmap_backing.c --------------------------------------------------- */

int vmap_backing_init(struct rte_vmap *vm);
void vmap_backing_fini(struct rte_vmap *vm);
/* Check that pages of this size can be had at all: 0, -ENOTSUP. */
int vmap_backing_probe(size_t page_size);
/*
 * Reference the backing pages under [start, start + size), mapping and
 * faulting in (on the arena's socket) those not yet mapped. All or nothing:
 * 0, or -ENOMEM (memory, mem_limit) with nothing held.
 */
int vmap_backing_get(struct rte_vmap *vm, uintptr_t start, size_t size,
		unsigned int socket_idx);
/* Drop the references; pages no window uses go back to the system. */
void vmap_backing_put(struct rte_vmap *vm, uintptr_t start, size_t size);
/*
 * A backed range is being cut in two at addr: the page under addr, if the
 * cut is inside it, now has one more range on it. The caller holds a
 * reference on that page through the range.
 */
void vmap_backing_split(struct rte_vmap *vm, uintptr_t addr);
/* Physical address of a mapped byte (PA mode). */
uint64_t vmap_backing_phys(const struct rte_vmap *vm, uintptr_t addr);

/* ---- vmap_reserve.c --------------------------------------------------- */

/* Largest reservation: a quarter of the 47-bit user address space. */
#define VMAP_VA_SIZE_MAX (UINT64_C(1) << 46)

/* Smallest address width of the machine's Intel IOMMUs; 0 if none is known. */
unsigned int vmap_dma_width(void);
/* 2^vmap_dma_width(), or UINT64_MAX when no width is known. */
uint64_t vmap_dma_limit(void);
/*
 * Reserve len bytes of PROT_NONE VA aligned to align (a power of two)
 * ending at or below limit; what names the space in logs. 0 and *base, or
 * -ENOMEM (no VA at all) or -ERANGE (no hole below limit; logged).
 */
int vmap_va_reserve(const char *what, size_t len, size_t align, uint64_t limit,
		uintptr_t *base);

/* ---- vmap_iova.c ------------------------------------------------------ */

int vmap_iova_init(struct rte_vmap *vm);
void vmap_iova_fini(struct rte_vmap *vm);
/* DOMAIN mode: give va an IOVA range (no-op if it has one). 0 or -ENOMEM. */
int vmap_iova_assign(struct rte_vmap *vm, struct vmap_area *va);
/* DOMAIN mode: give the IOVA range back (no-op if none). */
void vmap_iova_release(struct rte_vmap *vm, struct vmap_area *va);
/* IOVA of a byte of va. */
rte_iova_t vmap_iova_of(const struct rte_vmap *vm, const struct vmap_area *va,
		uintptr_t addr);
/* Publish va's pages in the IOVA table, or clear them. */
void vmap_iova_publish(struct rte_vmap *vm, const struct vmap_area *va);
void vmap_iova_clear(struct rte_vmap *vm, const struct vmap_area *va);
/* Driver map of va (per contiguous run); on failure nothing stays mapped. */
int vmap_iova_map(struct rte_vmap *vm, const struct vmap_area *va);
/* What the undo of a failed map left owed (vmap_iova_map_checked()). */
enum vmap_undo {
	VMAP_UNDO_CLEAN = 0,  /* nothing: the range may be reused */
	/*
	 * The refused runs and the flush are owed (vmap_owed.c): the range
	 * goes lazy as VMAP_AREA_F_UNMAPPED, held by purges until they settle.
	 */
	VMAP_UNDO_RUNS_OWED,
	/* A refused run could not be recorded: the range owes its whole unmap. */
	VMAP_UNDO_UNMAP_OWED,
};
/* vmap_iova_map(), telling what a failed map's undo left owed. */
int vmap_iova_map_checked(struct rte_vmap *vm, const struct vmap_area *va,
		enum vmap_undo *undo);
/*
 * Driver unmap of va (the same runs as its map), without a flush; the
 * first error. A run the driver refuses is owed (vmap_owed.c), so that no
 * retry unmaps again the runs that went. *lost (may be NULL): a refused
 * run could not be recorded; a caller that can keeps va from reuse owing
 * its whole unmap (and one that cannot, logs it).
 */
int vmap_iova_unmap(struct rte_vmap *vm, const struct vmap_area *va, bool *lost);
/* Call fn on each run of va's translation (the runs its map used). */
void vmap_iova_for_each_run(const struct rte_vmap *vm, const struct vmap_area *va,
		void (*fn)(rte_iova_t iova, size_t len, void *arg), void *arg);
/* IOVA span [*lo, *hi) that va's translation covers. */
void vmap_iova_span(const struct rte_vmap *vm, const struct vmap_area *va,
		rte_iova_t *lo, rte_iova_t *hi);

/* ---- vmap_owed.c: driver calls owed ---------------------------------- */

struct vmap_owed_unmap;
/* The reserve of records (vmap_iova_init()): 0 or -ENOMEM. */
int vmap_owed_init(struct rte_vmap *vm);
/*
 * An unmap of IOVA [iova, iova + len) the driver refused, for a caller that
 * drops its range: 0, or -ENOMEM (no record left: logged, not owed).
 */
int vmap_owed_unmap_add(struct rte_vmap *vm, rte_iova_t iova, size_t len);
/* A flush of IOVA [lo, hi) that failed. */
void vmap_owed_flush_add(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);
/*
 * With purge_lock held: retry the owed unmaps overlapping IOVA [lo, hi),
 * then flush them and the owed flush span. 0, or the first driver error
 * (what failed stays owed).
 */
int vmap_owed_settle(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);
/* Whether something owed overlaps IOVA [lo, hi): a range there must not be reused yet. */
bool vmap_owed_overlaps(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);

/* Whether anything is owed at all: one load, before computing a span to ask about. */
static inline bool
vmap_owed_any(const struct rte_vmap *vm)
{
	return __atomic_load_n(&vm->owed, __ATOMIC_ACQUIRE) != 0;
}
/* Forget what is still owed (destroy, after the driver's close). */
void vmap_owed_fini(struct rte_vmap *vm);
/* Driver unmap of [iova, iova + len), counted; a merge of whole runs. */
int vmap_iova_unmap_run(struct rte_vmap *vm, rte_iova_t iova, size_t len);
/* Driver flush over [start, end) of IOVA; a failed one is owed. */
int vmap_iova_flush(struct rte_vmap *vm, rte_iova_t start, rte_iova_t end);

/* ---- vmap_iommu.c ----------------------------------------------------- */

const struct rte_vmap_iommu_ops *vmap_iommu_find(const char *name);

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

/* ---- vmap_range.c: ranges taken from and given back to the layers below - */

/* Lowest fit in arena ar's free tree: VA only, no backing. NULL if none. */
struct vmap_area *vmap_tree_alloc(struct rte_vmap *vm, unsigned int ar, size_t size,
		size_t align);
/* Return a range that holds no backing or IOVA to its arena's free tree. */
void vmap_release_range(struct rte_vmap *vm, struct vmap_area *va);
/* Release a pooled or unmapped range completely (backing, IOVA, VA). */
void vmap_retire_range(struct rte_vmap *vm, struct vmap_area *va);
/* Give a range no longer mapped in the IOMMU to its pool, or back. */
void vmap_range_recycle(struct rte_vmap *vm, struct vmap_area *va);

/* ---- vmap_alloc.c ----------------------------------------------------- */

void *vmap_alloc_window(struct rte_vmap *vm, size_t size, size_t align,
		int socket_id, bool block);
int vmap_free_window(struct rte_vmap *vm, void *addr, bool block, size_t size);

/*
 * A block's host range: size bytes aligned to size, like a window (pool
 * or free tree, backing, DOMAIN IOVA) but not driver-mapped and not in
 * the IOVA table. NULL and rte_errno if none.
 */
struct vmap_area *vmap_host_alloc(struct rte_vmap *vm, unsigned int ar, size_t size);

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

/* ---- vmap_purge.c ----------------------------------------------------- */

/*
 * A freed window (already out of the busy tree and the IOVA table) joins
 * the lazy list of the node that allocated it; past the node's share of
 * lazy_max the caller runs a purge, unless one is running.
 */
void vmap_lazy_add(struct rte_vmap *vm, struct vmap_area *va);
/*
 * One batch, with purge_lock held: decay the pools (all of them when
 * full), take every lazy list, unmap the merged ranges, flush, then give
 * the ranges to pools or back. Returns the bytes purged or drained; *err
 * (if not NULL) 0 or the first driver error, whose ranges stay lazy.
 */
uint64_t vmap_purge_locked(struct rte_vmap *vm, bool full, int *err);
/*
 * Destroy, with purge_lock held: purge everything, once more if the driver
 * failed, then free what is still lazy (the driver's close follows).
 */
void vmap_purge_final(struct rte_vmap *vm);
/*
 * Pressure: purge and drain every pool, so that everything not in a live
 * window is free again. Returns the bytes made free.
 */
uint64_t vmap_reclaim(struct rte_vmap *vm);

/* ---- vmap_stats.c ----------------------------------------------------- */

/* Note a change not covered by a node generation. */
static inline void
vmap_space_changed(struct rte_vmap *vm)
{
	__atomic_fetch_add(&vm->gen, 1, __ATOMIC_RELEASE);
}

/*
 * Note a change of a node's counters: called with the lock that guards gen
 * held, so a plain increment published with release is enough, and costs
 * no locked instruction on the hot path (each lock has its own counter).
 */
static inline void
vmap_gen_bump(uint32_t *gen)
{
	__atomic_store_n(gen, *gen + 1, __ATOMIC_RELEASE);
}

void vmap_stats_init(struct rte_vmap *vm);
/* Whether the next rte_vmap_stats_get() will take the lock-free path. */
bool vmap_stats_cached(const struct rte_vmap *vm);

/* ---- vmap_space.c ----------------------------------------------------- */

/* Call fn for each live space under the list lock (telemetry). */
int vmap_space_walk(int (*fn)(struct rte_vmap *vm, void *arg), void *arg);

/* ---- vmap_extmem.c: RTE_VMAP_F_EXTMEM --------------------------------- */

struct vmap_extmem;
/* Whether create parameters allow EXTMEM (logs why not). 0 or -EINVAL. */
int vmap_extmem_check_params(const struct rte_vmap_params *p);
/*
 * Register the whole reservation with rte_extmem_register() and learn the
 * probed devices; after vmap_backing_init(), before any page is mapped.
 * A no-op without RTE_VMAP_F_EXTMEM. 0 or -errno.
 */
int vmap_extmem_init(struct rte_vmap *vm);
/* Unmap every page still known from the devices, unregister (space_free()). */
void vmap_extmem_fini(struct rte_vmap *vm);
/*
 * Backing pages [idx, idx + n) were just mapped (their phys[] read): set
 * their memsegs' IOVA and DMA-map them for every device. All or nothing:
 * 0, or -errno with nothing left mapped.
 */
int vmap_extmem_map(struct rte_vmap *vm, uint64_t idx, uint64_t n);
/* Backing pages [idx, idx + n) are about to be released: DMA-unmap, forget. */
void vmap_extmem_unmap(struct rte_vmap *vm, uint64_t idx, uint64_t n);
/* Verify, all locks held: memseg IOVAs agree with the backing. 0 or -EFAULT. */
int vmap_extmem_verify(struct rte_vmap *vm);

/** What an EXTMEM space has told DPDK (tests, dumps). */
struct vmap_extmem_info {
	const struct rte_memseg_list *msl; /**< the reservation's memseg list */
	unsigned int nr_devices;           /**< devices the pages are DMA-mapped for */
	unsigned int nr_pending;           /**< new ports whose device is not learnt yet */
	uint64_t nr_pages;                 /**< backing pages with an IOVA in their memseg */
	uint64_t dev_maps;                 /**< rte_dev_dma_map() calls that mapped */
	uint64_t dev_unmaps;               /**< rte_dev_dma_unmap() calls that unmapped */
	uint64_t dev_errors;               /**< calls that failed (not ENOTSUP) */
};

/* 0, or -EINVAL if vm is not an EXTMEM space. */
int vmap_extmem_info_get(const struct rte_vmap *vm, struct vmap_extmem_info *info);

#endif /* _VMAP_PRIVATE_H_ */
