/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Purging and reclaim. Frees are strict for now (unmapped and flushed
 * before rte_vmap_free() returns), so a purge has no lazy ranges to flush:
 * it decays the node pools by a share, like the kernel's
 * decay_va_pool_node() at the start of every purge, and reclaim under
 * pressure drains them whole.
 */

#include <errno.h>

#include <rte_errno.h>

#include "vmap_private.h"

/* Return 1/2^shift of every pool (all of it for shift 0) to the free trees. */
static uint64_t
pools_release(struct rte_vmap *vm, unsigned int shift)
{
	struct vmap_area_list list;
	struct vmap_area *va;
	uint64_t bytes = 0;
	unsigned int a;

	for (a = 0; a < vm->nr_arenas; a++) {
		STAILQ_INIT(&list);
		vmap_pools_decay(vm, a, shift, &list);
		while ((va = STAILQ_FIRST(&list)) != NULL) {
			STAILQ_REMOVE_HEAD(&list, link);
			bytes += va->size;
			vmap_retire_range(vm, va);
		}
	}
	return bytes;
}

uint64_t
vmap_reclaim(struct rte_vmap *vm)
{
	uint64_t bytes;

	pthread_mutex_lock(&vm->purge_lock);
	bytes = pools_release(vm, 0);
	pthread_mutex_unlock(&vm->purge_lock);
	return bytes;
}

int
rte_vmap_purge(struct rte_vmap *vm)
{
	if (vm == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	pthread_mutex_lock(&vm->purge_lock);
	pools_release(vm, RTE_VMAP_POOL_DECAY_SHIFT);
	pthread_mutex_unlock(&vm->purge_lock);
	return 0;
}
