/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Mempools in windows (rte_vmap_mempool.h).
 *
 * rte_mempool_populate_default() with the memzone replaced by a window:
 * size the memory with the pool ops' calc_mem_size for the page size that
 * objects must not straddle, allocate one window that large, and hand it
 * to rte_mempool_populate_iova() one IOVA-contiguous run at a time:
 *
 *   window    |<-------------------------------------------------->|
 *   PA pages  |  page 7 (PA x)  |  page 8 (PA y)  |  page 9 (PA y+2M) |
 *   runs      |<----- run ----->|<------------ run -------------->|
 *   chunks    | obj obj obj pad | obj obj obj obj obj obj obj pad  |
 *
 * The runs are found by asking rte_vmap_virt2iova() page by page, so the
 * code is the same for every IOVA mode: in VA and DOMAIN mode a window is
 * one run. Each run is one memory chunk of the pool (a memhdr); they all
 * hold a reference on the window, and the chunk free callback frees the
 * window with the last one, which rte_mempool_free() runs.
 *
 * If the window's runs hold fewer objects than calc_mem_size promised (a
 * run boundary inside what it counted as one page), the loop takes another
 * window for the rest.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "rte_vmap_mempool.h"
#include "vmap_private.h"
#include "vmap_fault.h"

/* Windows one populate may take before giving up (normally one, rarely two). */
#define VMAP_MEMPOOL_MAX_WINDOWS 8

/* A window of a pool, shared by the memory chunks carved from it. */
struct vmap_mempool_window {
	struct rte_vmap *vm;
	void *va;
	unsigned int nr_chunks;
};

static void
window_chunk_free(struct rte_mempool_memhdr *memhdr, void *opaque)
{
	struct vmap_mempool_window *w = opaque;

	RTE_SET_USED(memhdr);
	/* rte_mempool_free() frees a pool's chunks one by one, in one thread. */
	if (--w->nr_chunks != 0)
		return;
	if (rte_vmap_free(w->vm, w->va) != 0)
		VMAP_LOG(ERR, "%s: cannot free the mempool window %p", w->vm->name, w->va);
	free(w);
}

/* Bytes from va on whose IOVA is contiguous with va's, at most len. */
static size_t
iova_run(const struct rte_vmap *vm, const char *va, size_t len, rte_iova_t iova)
{
	size_t run = VMAP_GRANULE;

	while (run < len && rte_vmap_virt2iova(vm, va + run) == iova + run)
		run += VMAP_GRANULE;
	return RTE_MIN(run, len);
}

/*
 * Populate mp from a window, run by run. Returns the objects added (0 if
 * no run could hold one) or a negative errno.
 */
static int
populate_window(struct rte_mempool *mp, struct vmap_mempool_window *w, size_t len,
		size_t min_chunk)
{
	bool contig = (mp->flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG) == 0;
	char *va = w->va;
	size_t off, run;
	rte_iova_t iova;
	int added = 0, ret;

	for (off = 0; off < len && mp->populated_size < mp->size; off += run) {
		iova = rte_vmap_virt2iova(w->vm, va + off);
		run = iova_run(w->vm, va + off, len - off, iova);
		if (!contig) {
			/* Objects may straddle runs: one chunk, an IOVA only if it means one. */
			if (run < len)
				iova = RTE_BAD_IOVA;
			run = len;
		} else if (run < min_chunk) {
			continue;
		}
		ret = rte_mempool_populate_iova(mp, va + off, iova, run, window_chunk_free, w);
		if (ret == -ENOSPC)
			break;
		if (ret < 0)
			return ret;
		if (ret > 0) {
			w->nr_chunks++;
			added += ret;
		}
	}
	return added;
}

/* The page size objects must not straddle: the pool's, and the space's IOVA runs. */
static int
object_page_size(struct rte_mempool *mp, const struct rte_vmap *vm, size_t *pg_sz)
{
	size_t pool_pg, run_pg = 0;
	int ret;

	*pg_sz = 0;
	if ((mp->flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG) != 0)
		return 0;
	ret = rte_mempool_get_page_size(mp, &pool_pg);
	if (ret < 0)
		return ret;
	if (rte_vmap_iova_mode_get(vm) == RTE_VMAP_IOVA_PA)
		run_pg = rte_vmap_page_size(vm);
	/* Both are powers of two in absolute addresses: the smaller one's boundaries hold both. */
	if (pool_pg == 0 || (run_pg != 0 && run_pg < pool_pg))
		*pg_sz = run_pg;
	else
		*pg_sz = pool_pg;
	return 0;
}

/* The pool ops' calc_mem_size, as rte_mempool_ops_calc_mem_size() (not exported) calls it. */
static ssize_t
calc_mem_size(const struct rte_mempool *mp, uint32_t n, uint32_t pg_shift,
		size_t *min_chunk, size_t *align)
{
	struct rte_mempool_ops *ops = rte_mempool_get_ops(mp->ops_index);

	if (ops->calc_mem_size == NULL)
		return rte_mempool_op_calc_mem_size_default(mp, n, pg_shift, min_chunk, align);
	return ops->calc_mem_size(mp, n, pg_shift, min_chunk, align);
}

static int
populate_fail(int ret)
{
	rte_errno = -ret;
	return ret;
}

/* One more window for mp, populated: the objects added, or a negative errno. */
static int
add_window(struct rte_mempool *mp, struct rte_vmap *vm, size_t pg_sz)
{
	struct vmap_mempool_window *w;
	size_t min_chunk, align;
	ssize_t mem_size;
	int ret;

	mem_size = calc_mem_size(mp, mp->size - mp->populated_size,
		pg_sz != 0 ? rte_bsf64(pg_sz) : 0, &min_chunk, &align);
	if (mem_size < 0)
		return (int)mem_size;
	w = vmap_fault_malloc(sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->vm = vm;
	w->nr_chunks = 0;
	/* Page-aligned, the layout calc_mem_size assumed. */
	w->va = rte_vmap_alloc(vm, RTE_MAX((size_t)mem_size, (size_t)1), RTE_MAX(align, pg_sz),
		mp->socket_id);
	if (w->va == NULL) {
		ret = -rte_errno;
		VMAP_LOG(ERR, "%s: no window of %zd bytes for mempool %s: %s", vm->name,
			mem_size, mp->name, rte_strerror(rte_errno));
		free(w);
		return ret;
	}
	/* The window is rounded to the granule: its slack holds objects too. */
	ret = populate_window(mp, w, RTE_ALIGN_CEIL((size_t)mem_size, VMAP_GRANULE), min_chunk);
	if (w->nr_chunks != 0)
		return ret;
	/* No chunk holds the window: it goes now. */
	rte_vmap_free(vm, w->va);
	free(w);
	if (ret < 0)
		return ret;
	VMAP_LOG(ERR, "%s: objects of mempool %s (%u bytes with header) fit in no "
		"IOVA-contiguous run of the space (page %zu)", vm->name, mp->name,
		mp->header_size + mp->elt_size + mp->trailer_size, rte_vmap_page_size(vm));
	return -EINVAL;
}

int
rte_vmap_mempool_populate(struct rte_mempool *mp, struct rte_vmap *vm)
{
	unsigned int nr_windows;
	int added = 0, ret;
	size_t pg_sz;

	if (mp == NULL || vm == NULL) {
		VMAP_LOG(ERR, "NULL mempool or space");
		return populate_fail(-EINVAL);
	}
	if (mp->populated_size >= mp->size)
		return populate_fail(-ENOSPC);
	ret = object_page_size(mp, vm, &pg_sz);
	if (ret < 0)
		return populate_fail(ret);
	for (nr_windows = 0; mp->populated_size < mp->size; nr_windows++) {
		if (nr_windows == VMAP_MEMPOOL_MAX_WINDOWS) {
			VMAP_LOG(ERR, "%s: mempool %s still short of %u objects after %u windows",
				vm->name, mp->name, mp->size - mp->populated_size, nr_windows);
			return populate_fail(-ENOMEM);
		}
		ret = add_window(mp, vm, pg_sz);
		if (ret < 0)
			return populate_fail(ret);
		added += ret;
	}
	return added;
}

static void
pool_free_error(struct rte_mempool *mp, int err)
{
	rte_mempool_free(mp);
	rte_errno = err;
}

struct rte_mempool *
rte_vmap_mempool_create(const char *name, unsigned int n, unsigned int elt_size,
		unsigned int cache_size, unsigned int private_data_size,
		struct rte_vmap *vm, int socket_id, unsigned int flags)
{
	struct rte_mempool *mp;
	const char *ops;
	int ret;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space for mempool %s", name != NULL ? name : "(null)");
		rte_errno = EINVAL;
		return NULL;
	}
	mp = rte_mempool_create_empty(name, n, elt_size, cache_size, private_data_size,
		socket_id, flags);
	if (mp == NULL)
		return NULL;
	/* The choice rte_mempool_create() makes from the flags. */
	if ((flags & RTE_MEMPOOL_F_SP_PUT) != 0 && (flags & RTE_MEMPOOL_F_SC_GET) != 0)
		ops = "ring_sp_sc";
	else if ((flags & RTE_MEMPOOL_F_SP_PUT) != 0)
		ops = "ring_sp_mc";
	else if ((flags & RTE_MEMPOOL_F_SC_GET) != 0)
		ops = "ring_mp_sc";
	else
		ops = "ring_mp_mc";
	ret = rte_mempool_set_ops_byname(mp, ops, NULL);
	if (ret == 0) {
		ret = rte_vmap_mempool_populate(mp, vm);
		ret = ret < 0 ? ret : 0;
	}
	if (ret != 0) {
		pool_free_error(mp, -ret);
		return NULL;
	}
	return mp;
}

struct rte_mempool *
rte_vmap_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, struct rte_vmap *vm,
		int socket_id)
{
	struct rte_pktmbuf_pool_private mbp_priv = {
		.mbuf_data_room_size = data_room_size,
		.mbuf_priv_size = priv_size,
	};
	struct rte_mempool *mp;
	int ret;

	if (vm == NULL || RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
		VMAP_LOG(ERR, "mbuf pool %s: NULL space or priv_size %u not a multiple of %d",
			name != NULL ? name : "(null)", priv_size, RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return NULL;
	}
	/* As rte_pktmbuf_pool_create_by_ops(), with the memzones replaced by windows. */
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size +
		data_room_size, cache_size, sizeof(struct rte_pktmbuf_pool_private),
		socket_id, 0);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (ret != 0) {
		VMAP_LOG(ERR, "mbuf pool %s: cannot set ops %s: %s", name,
			rte_mbuf_best_mempool_ops(), rte_strerror(-ret));
		pool_free_error(mp, -ret);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &mbp_priv);
	ret = rte_vmap_mempool_populate(mp, vm);
	if (ret < 0) {
		pool_free_error(mp, -ret);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}
