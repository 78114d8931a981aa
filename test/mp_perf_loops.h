/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _MP_PERF_LOOPS_H_
#define _MP_PERF_LOOPS_H_

/*
 * The pairs vmap_mp_perf_autotest times in the primary and in its
 * secondary (test_vmap_mp_perf.c, the "perf" role of
 * test_vmap_mp_secondary.c): the same loops on both sides, so that the
 * ratios compare the processes and nothing else.
 */

#include <stddef.h>

#include "perf_common.h"

struct rte_vmap;

/** The space and size a loop allocates. */
struct mp_pair {
	struct rte_vmap *vm;
	size_t size;
};

/* rte_vmap_block_alloc() + rte_vmap_block_free(). */
int mp_loop_block_pair(void *ctx, unsigned int n, uint64_t *cycles);
/* rte_vmap_alloc() + rte_vmap_free(). */
int mp_loop_alloc_pair(void *ctx, unsigned int n, uint64_t *cycles);
/* rte_malloc() + rte_free() of the same size (the space unused). */
int mp_loop_malloc_pair(void *ctx, unsigned int n, uint64_t *cycles);

/* The figures, in the order the board carries them (board->arg[]). */
enum mp_perf_fig {
	MP_FIG_BLOCK_4K,
	MP_FIG_ALLOC_64K,
	MP_FIG_MALLOC_64K,
	MP_FIG_NR,
};

/* Time the three pairs on vm; ns[] per figure. 0 or -1. */
int mp_perf_run(struct rte_vmap *vm, double ns[MP_FIG_NR]);

#endif /* _MP_PERF_LOOPS_H_ */
