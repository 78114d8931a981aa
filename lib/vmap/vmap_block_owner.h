/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_BLOCK_OWNER_H_
#define _VMAP_BLOCK_OWNER_H_

/*
 * The inline helpers of a block owner's lock-free path, shared by carving
 * (vmap_block.c) and freeing (vmap_block_free.c): sizes in granules and
 * carving size classes, the dirty range, the IOVA table, and the in_op / seal
 * handshake with a purge that vmap_block.h describes.
 */

#include "vmap_block.h"

/*
 * rte_lcore_id() without a __tls_get_addr() call: librte_eal is a load-time
 * dependency of this library, so its thread-local lcore id sits in the
 * static TLS block and initial-exec access is valid (one %fs load). The
 * pair of calls it saves is a fifth of a block_alloc + block_free pair.
 */
extern __thread unsigned int per_lcore__lcore_id __attribute__((tls_model("initial-exec")));

static inline uint32_t
vmap_block_pages(size_t size)
{
	return (uint32_t)((size + VMAP_GRANULE - 1) >> VMAP_GRANULE_SHIFT);
}

/*
 * Carving is by power-of-two size class: the granules a window of pages
 * takes (as the node pools' size classes are exact page counts).
 */
static inline uint32_t
vmap_block_size_class(uint32_t pages)
{
	return rte_align32pow2(pages);
}

static inline uint64_t
vmap_dirt_merge(uint64_t dirt, uint32_t lo, uint32_t hi)
{
	uint32_t dlo = (uint32_t)dirt, dhi = (uint32_t)(dirt >> 32);

	return (uint64_t)RTE_MAX(dhi, hi) << 32 | RTE_MIN(dlo, lo);
}

static __rte_always_inline void
vmap_block_table_clear(const struct vmap_block *b, uint32_t off, uint32_t pages)
{
	uint64_t *slot = b->slots + off;
	uint32_t i;

	for (i = 0; i < pages; i++)
		__atomic_store_n(&slot[i], 0, __ATOMIC_RELEASE);
}

static inline void
vmap_owner_enter(struct vmap_block_queue *q)
{
	__atomic_store_n(&q->in_op, 1, __ATOMIC_RELAXED);
	/* The full barrier is the purge's membarrier() (vmap_block.h). */
	rte_compiler_barrier();
}

static inline void
vmap_owner_leave(struct vmap_block_queue *q)
{
	__atomic_store_n(&q->in_op, 0, __ATOMIC_RELEASE);
}

static inline bool
vmap_block_sealed(const struct vmap_block *b)
{
	return __atomic_load_n(&b->seal, __ATOMIC_RELAXED) != 0;
}

/* A plain increment of a word only the calling thread writes. */
#define VMAP_OWN_ADD(field, v) \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), \
		__ATOMIC_RELAXED)

#endif /* _VMAP_BLOCK_OWNER_H_ */
