/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _PERF_FIGURES_H_
#define _PERF_FIGURES_H_

/*
 * What the files of vmap_perf_autotest share: the sizes, the set-up, the
 * alloc+free pairs of figure 1 (figures 4 and 6 time them too), the
 * 2-lcore runs of figure 2 (figure 6 runs block pairs through them) and
 * each figure's entry point, which test_vmap_perf.c calls in order.
 * perf_common.h has the timing and the output.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_vmap.h>

#include "perf_common.h"
/* Internal: the node count and resolved IOVA mode of a space, its metadata. */
#include "vmap_private.h"

/* Working-set variant: live windows, capped in bytes for the big sizes. */
#define PERF_WS_LIVE 64u
#define PERF_WS_MAX_BYTES ((size_t)256 << 20)
#define PERF_NR_RND 4096u    /* power of two */

struct perf_size {
	size_t size;
	const char *tag;
	bool goal; /* the rte_malloc and scaling targets apply to this size */
};

/* The sizes of figures 1 and 2 (test_vmap_perf.c). */
#define PERF_NR_SIZES 4
extern const struct perf_size perf_sizes[PERF_NR_SIZES];

/* A space of the given backing page size and node count (0: the defaults), or NULL. */
struct rte_vmap *perf_space(const char *name, size_t page_size, unsigned int nr_nodes);

/* ---- figure 1: alloc+free pairs (test_vmap_perf.c) ---------------------- */

struct perf_pairs {
	struct rte_vmap *vm;  /* NULL: rte_malloc pairs */
	size_t size;
	/* Working-set variant. */
	unsigned int nr_live;
	unsigned int pos;
	void *live[PERF_WS_LIVE];
	uint16_t rnd[PERF_NR_RND]; /* indexes into live[], drawn up front */
};

/* A perf_loop_t: n LIFO pairs of rte_vmap (ctx->vm set) or rte_malloc (NULL). */
int loop_pairs_lifo(void *ctx, unsigned int n, uint64_t *cycles);

/* ---- figure 2: two lcores at once (perf_fig_lcores.c) ------------------- */

/* One rte_vmap_block_alloc + rte_vmap_block_free pair (figures 2 and 6). */
static __rte_always_inline int
perf_block_pair(struct rte_vmap *vm, size_t size)
{
	void *p = rte_vmap_block_alloc(vm, size);

	if (unlikely(p == NULL)) {
		printf("rte_vmap_block_alloc(%zu) on lcore %u failed: %s\n", size,
			rte_lcore_id(), rte_strerror(rte_errno));
		return -1;
	}
	if (unlikely(rte_vmap_block_free(vm, p, size) != 0)) {
		printf("rte_vmap_block_free(%p) on lcore %u failed\n", p, rte_lcore_id());
		return -1;
	}
	return 0;
}

/* A counter of one lcore, alone on its cache line. */
struct perf_private {
	uint64_t ctr;
} __rte_cache_aligned;

/* The operations of 1 or 2 lcores: perf_mt_reps() times mt->n of them per lcore. */
struct perf_mt {
	struct rte_vmap *vm;  /* NULL: the private reference loop */
	bool block;           /* rte_vmap_block_alloc/free pairs (figure 6) */
	size_t size;
	unsigned int n;
	unsigned int nr_threads;
	uint32_t ready;
	uint64_t cycles[2];
	struct perf_private priv[2];
};

/*
 * Calibrate mt->n, then PERF_REPS repetitions, the 1-lcore and 2-lcore
 * runs interleaved: t1[r] the main lcore alone, t2[r] the aggregate of
 * both (2n / the slower lcore's time), tw[r] (if tw is not NULL) the
 * worker alone, in millions of operations per second. worker
 * RTE_MAX_LCORE: t1 only. 0, or -1 if an operation failed.
 */
int perf_mt_reps(struct perf_mt *mt, unsigned int worker, double *t1, double *t2, double *tw);

/* ---- the figures: each prints its PERF lines, 0 or -1 if a call failed -- */

int perf_alloc_free(size_t page_size);   /* 1: test_vmap_perf.c */
int perf_scaling(size_t page_size);      /* 2: perf_fig_lcores.c */
int perf_virt2iova(size_t page_size);    /* 3: perf_fig_v2i.c */
int perf_live(size_t page_size);         /* 4: perf_fig_meta.c */
int perf_meta(size_t page_size);         /* 5: perf_fig_meta.c */

/*
 * Resident bytes of a space's IOVA table and per-backing-page tables (vec:
 * a mincore() vector for the IOVA table); figure 5 and vmap_1g_perf_autotest.
 */
int perf_table_bytes(const struct rte_vmap *vm, unsigned char *vec, uint64_t *bytes);
int perf_blocks(size_t page_size);       /* 6: perf_fig_block.c */

#endif /* _PERF_FIGURES_H_ */
