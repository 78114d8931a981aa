/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _RTE_VMAP_MEMPOOL_H_
#define _RTE_VMAP_MEMPOOL_H_

/**
 * @file
 * RTE vmap mempools: DPDK mempools and mbuf pools whose objects live in
 * vmap windows
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * These functions build standard DPDK mempools (struct rte_mempool, used
 * with rte_mempool_get()/put(), rte_pktmbuf_alloc()/free() and every PMD)
 * whose objects are carved from windows of a vmap space instead of DPDK
 * memzones. Only the object memory comes from the space: the pool header,
 * its per-lcore caches and its object store (the mempool ops, "ring_mp_mc"
 * or whatever rte_mbuf_best_mempool_ops() names for mbufs) are DPDK's as
 * usual.
 *
 * Each object's IOVA (rte_mempool_virt2iova(), an mbuf's buf_iova) is what
 * rte_vmap_virt2iova() reports for it, in every IOVA mode of the space:
 * the windows are given to rte_mempool_populate_iova() one IOVA-contiguous
 * run at a time (the whole window in VA and DOMAIN mode; in PA mode each
 * run of physically contiguous backing pages), so that no object straddles
 * a point where the IOVA jumps, and DPDK's populate helper also keeps
 * objects off the page boundaries of rte_mempool_get_page_size(). Objects
 * larger than a run cannot be placed (PA mode: larger than the backing
 * page, unless pages happen to be physically adjacent) unless the pool is
 * created with RTE_MEMPOOL_F_NO_IOVA_CONTIG.
 *
 * The windows are freed (rte_vmap_free()) when the pool is: the memory
 * chunks' free callback frees a window once the last chunk carved from it
 * goes, so after rte_mempool_free() the space's stats are back to what they
 * were (lazily freed bytes until the next purge). The space must outlive
 * the pool: free the pool before rte_vmap_destroy().
 *
 * A NIC reaches such a pool when it reaches the space: in a space created
 * with RTE_VMAP_F_EXTMEM the windows are DPDK memsegs and DMA-mapped for
 * the devices (see rte_vmap.h); with the space's own IOMMU driver ("sim",
 * "vfio") the IOVAs are those the driver translates.
 *
 * Why no mempool ops driver: in DPDK 22.11 a mempool's ops choose the
 * object store (enqueue/dequeue), and rte_mempool_populate_default()
 * always takes the memory from memzones; an ops' populate callback only
 * places objects in a chunk the caller already chose. Memory from
 * elsewhere goes through rte_mempool_populate_iova()/virt(), which is what
 * these functions do. So the pools keep whatever ops the application or
 * platform selects (hardware mempools included), and no slot of the
 * 16-entry ops table is spent.
 */

#include <stdint.h>

#include <rte_compat.h>
#include <rte_mempool.h>

#include "rte_vmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Populate an empty (or partly populated) mempool with objects placed in
 * new windows of a space, until it holds its n objects; the DPDK way to
 * combine custom ops or init callbacks with vmap memory
 * (rte_mempool_create_empty(), rte_mempool_set_ops_byname(), then this,
 * then rte_mempool_obj_iter()). The windows are allocated on the pool's
 * socket (mp->socket_id; SOCKET_ID_ANY: the caller's).
 *
 * Not MT-safe against other calls on the same pool.
 *
 * @param mp
 *   The mempool.
 * @param vm
 *   The space; it must outlive the pool.
 * @return
 *   The number of objects added, or a negative errno (also in rte_errno):
 *   - -EINVAL: mp or vm NULL, or an object cannot fit in one IOVA-contiguous
 *     run of the space (see the file documentation).
 *   - -ENOSPC: the pool is already full.
 *   - -ENOMEM: no window or no memory for the chunk headers.
 *   - any error of rte_vmap_alloc() or of the pool's ops.
 *   On error the pool may be partly populated: rte_mempool_free() releases
 *   it with its windows.
 */
__rte_experimental
int
rte_vmap_mempool_populate(struct rte_mempool *mp, struct rte_vmap *vm);

/**
 * Create a mempool whose objects live in windows of a space: the
 * equivalent of rte_mempool_create() without the init callbacks (use
 * rte_mempool_obj_iter() afterwards, or rte_vmap_mempool_populate() for
 * full control). The ops follow the flags as in rte_mempool_create():
 * "ring_mp_mc", or "ring_sp_sc"/"ring_sp_mc"/"ring_mp_sc" with
 * RTE_MEMPOOL_F_SP_PUT and/or RTE_MEMPOOL_F_SC_GET.
 *
 * @param name
 *   Name of the mempool.
 * @param n
 *   Number of objects.
 * @param elt_size
 *   Size of each object, in bytes.
 * @param cache_size
 *   Per-lcore cache size, as in rte_mempool_create().
 * @param private_data_size
 *   Size of the private data after the mempool header.
 * @param vm
 *   The space the objects live in; it must outlive the pool.
 * @param socket_id
 *   Socket of the mempool header and of the windows; SOCKET_ID_ANY for the
 *   caller's.
 * @param flags
 *   RTE_MEMPOOL_F_* flags, as in rte_mempool_create().
 * @return
 *   The mempool, or NULL with rte_errno set: EINVAL (vm NULL, bad
 *   parameters, objects that cannot fit in an IOVA-contiguous run), EEXIST
 *   (name in use), ENAMETOOLONG, ENOMEM, or any error of
 *   rte_vmap_mempool_populate().
 */
__rte_experimental
struct rte_mempool *
rte_vmap_mempool_create(const char *name, unsigned int n, unsigned int elt_size,
		unsigned int cache_size, unsigned int private_data_size,
		struct rte_vmap *vm, int socket_id, unsigned int flags);

/**
 * Create an mbuf pool whose mbufs (headers, private areas and data rooms)
 * live in windows of a space: rte_pktmbuf_pool_create() with vmap memory.
 * The ops are rte_mbuf_best_mempool_ops() (EAL's --mbuf-pool-ops-name or
 * the platform's choice, else "ring_mp_mc"), each mbuf's buf_iova is
 * rte_vmap_virt2iova() of its buf_addr, and each data room is
 * IOVA-contiguous.
 *
 * @param name
 *   Name of the mbuf pool.
 * @param n
 *   Number of mbufs (the optimum is a power of two minus one).
 * @param cache_size
 *   Per-lcore cache size, as in rte_pktmbuf_pool_create().
 * @param priv_size
 *   Size of the application private area between the rte_mbuf structure
 *   and the data room; a multiple of RTE_MBUF_PRIV_ALIGN.
 * @param data_room_size
 *   Size of the data room, headroom included (e.g.
 *   RTE_MBUF_DEFAULT_BUF_SIZE).
 * @param vm
 *   The space the mbufs live in; it must outlive the pool.
 * @param socket_id
 *   Socket of the pool header and of the windows; SOCKET_ID_ANY for the
 *   caller's.
 * @return
 *   The mbuf pool, or NULL with rte_errno set, as
 *   rte_vmap_mempool_create().
 */
__rte_experimental
struct rte_mempool *
rte_vmap_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, struct rte_vmap *vm,
		int socket_id);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VMAP_MEMPOOL_H_ */
