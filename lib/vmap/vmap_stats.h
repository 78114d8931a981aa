/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_STATS_H_
#define _VMAP_STATS_H_

/*
 * Statistics (vmap_stats.c): the snapshot cache and the generation
 * counters that validate it. Nothing here is installed; vmap_private.h
 * includes it before struct rte_vmap, which holds the cache.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_seqlock.h>

#include "rte_vmap.h"

struct rte_vmap;

/**
 * Stats snapshot cache, validated by generation counters (vmap_stats.c): a
 * reader that finds the sum of the generations unchanged copies the cache
 * under the seqlock's read side, taking no lock.
 */
struct vmap_stats_cache {
	rte_seqlock_t lock;      /**< writers: refills; readers: lock-free copies */
	uint64_t gen;            /**< sum of generations the cache was built at */
	struct rte_vmap_stats st;
};

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

#endif /* _VMAP_STATS_H_ */
