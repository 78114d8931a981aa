/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The timed pairs of vmap_mp_perf_autotest (mp_perf_loops.h), run alike
 * in the primary and in a secondary.
 */

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vmap.h>

#include "mp_perf_loops.h"

int
mp_loop_block_pair(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct mp_pair *p = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *va;

	for (i = 0; i < n; i++) {
		va = rte_vmap_block_alloc(p->vm, p->size);
		if (va == NULL || rte_vmap_block_free(p->vm, va, p->size) != 0) {
			printf("block pair %u of %zu bytes failed: %s\n", i, p->size,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

int
mp_loop_alloc_pair(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct mp_pair *p = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *va;

	for (i = 0; i < n; i++) {
		va = rte_vmap_alloc(p->vm, p->size, 0, SOCKET_ID_ANY);
		if (va == NULL || rte_vmap_free(p->vm, va) != 0) {
			printf("alloc pair %u of %zu bytes failed: %s\n", i, p->size,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

int
mp_loop_malloc_pair(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct mp_pair *p = ctx;
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *va;

	for (i = 0; i < n; i++) {
		va = rte_malloc(NULL, p->size, 0);
		if (va == NULL) {
			printf("rte_malloc of %zu bytes failed\n", p->size);
			return -1;
		}
		rte_free(va);
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

int
mp_perf_run(struct rte_vmap *vm, double ns[MP_FIG_NR])
{
	struct mp_pair block = { vm, 4096 }, alloc = { vm, 65536 };
	struct perf_fig fig[MP_FIG_NR] = {
		[MP_FIG_BLOCK_4K] = { .fn = mp_loop_block_pair, .ctx = &block },
		[MP_FIG_ALLOC_64K] = { .fn = mp_loop_alloc_pair, .ctx = &alloc },
		[MP_FIG_MALLOC_64K] = { .fn = mp_loop_malloc_pair, .ctx = &alloc },
	};
	unsigned int i;

	if (perf_measure(fig, MP_FIG_NR) != 0)
		return -1;
	for (i = 0; i < MP_FIG_NR; i++)
		ns[i] = fig[i].ns;
	return 0;
}
