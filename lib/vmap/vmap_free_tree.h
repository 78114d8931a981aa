/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_FREE_TREE_H_
#define _VMAP_FREE_TREE_H_

/*
 * Ranges of address space and the free-space tree (vmap_free_tree.c): the
 * descriptor every layer moves around, and the augmented tree that holds
 * the free ones. Nothing here is installed; vmap_private.h includes it
 * before struct rte_vmap, which holds free trees.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <bsd/sys/tree.h>

#include <rte_common.h>

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
/* A host granted to a secondary's lcore (vmap_grant.h); always with VMAP_AREA_F_HOST. */
#define VMAP_AREA_F_GRANT   (1u << 6)

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
	/**
	 * Busy: the secondary process that allocated it (RTE_VMAP_F_SHARED,
	 * rte_vmap_reclaim()); 0 for the process that owns the space. Fills
	 * what was padding.
	 */
	int32_t owner;
};

RB_HEAD(vmap_free_root, vmap_area);
RB_HEAD(vmap_busy_root, vmap_area);
STAILQ_HEAD(vmap_area_list, vmap_area);


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

#endif /* _VMAP_FREE_TREE_H_ */
