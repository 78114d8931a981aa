/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _RTE_VMAP_H_
#define _RTE_VMAP_H_

/**
 * @file
 * RTE vmap: virtual and IO address windows over hugepages
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice.
 *
 * A space (struct rte_vmap) reserves one large range of virtual address
 * space once, and hands out windows from it: page-aligned ranges that are
 * backed by hugepages (or ordinary 4 KiB pages), placed on a NUMA socket,
 * and mapped in an IOMMU through a pluggable driver, so that a device can
 * DMA into them at the IOVA the space reports.
 *
 * The design follows the Linux kernel's vmalloc layer: free address space
 * lives in an augmented red-black tree searched lowest-fit; live windows
 * live in "vmap nodes", lock shards chosen by address zone, each with
 * size-class pools of ready ranges; nodes are bound to NUMA sockets.
 * The translation of an address to its IOVA (rte_vmap_virt2iova()) is a
 * lock-free table lookup, cheap enough for a packet-processing fast path.
 *
 * All functions are MT-safe unless stated, from EAL lcores and from
 * non-EAL threads. Functions returning a pointer return NULL and set
 * rte_errno on failure; functions returning int return 0 or a negative
 * errno value (and set rte_errno to its positive value).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include <rte_compat.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest space name, terminating NUL included. */
#define RTE_VMAP_NAMESIZE 32

/** Free unmaps and flushes before returning: no lazy batching. */
#define RTE_VMAP_F_STRICT         (1u << 0)
/** No per-lcore block caches: block calls use the shared path. */
#define RTE_VMAP_F_NO_LCORE_CACHE (1u << 1)
/**
 * Make windows known to DPDK: the reservation is registered with
 * rte_extmem_register() (one memseg per backing page, whose IOVA is set
 * while the page is backed), and every backing page is DMA-mapped with
 * rte_dev_dma_map() for the devices probed at creation and for those of
 * ethdev ports probed later; with the "vfio" driver (whose maps, one per
 * window, already reach every device EAL drives) only the memsegs are
 * registered. Needs IOVA mode AUTO, or EAL's mode (VA or PA); not DOMAIN
 * mode; at most 2^20 backing pages; primary process only. See the
 * programmer's guide, "DPDK Integration".
 */
#define RTE_VMAP_F_EXTMEM         (1u << 2)
/**
 * Share the space with DPDK secondary processes (same --file-prefix),
 * which attach to it by name with rte_vmap_lookup() and then see every
 * window at the same address, with the same bytes and the same IOVA, and
 * allocate and free in it. The backing pages and the IOVA table live in
 * memfds every attached process maps; the other calls of a secondary are
 * done by this process, the space's owner, over EAL's IPC (rte_mp), so no
 * lock in shared memory can be held by a process that dies. Primary
 * process only, with EAL's IPC (not --in-memory, not --no-shconf); not
 * with RTE_VMAP_F_EXTMEM. In a secondary, every call of the space may
 * also fail with ENOENT: the primary destroyed it, or did not answer.
 * rte_vmap_reclaim() gives back what a dead secondary held. See the
 * programmer's guide, "Multi-process".
 */
#define RTE_VMAP_F_SHARED         (1u << 3)

/** Backing page sizes a space accepts. */
#define RTE_VMAP_PAGE_4K (UINT64_C(1) << 12) /**< ordinary pages, no hugepages needed */
#define RTE_VMAP_PAGE_2M (UINT64_C(1) << 21) /**< 2 MiB hugepages (the default) */
#define RTE_VMAP_PAGE_1G (UINT64_C(1) << 30) /**< 1 GiB hugepages */

struct rte_vmap;

/** How a space assigns IO addresses to its windows. */
enum rte_vmap_iova_mode {
	/** Follow rte_eal_iova_mode(): VA when EAL is IOVA-as-VA, else PA. */
	RTE_VMAP_IOVA_AUTO = 0,
	/** The IOVA of a byte is its virtual address. */
	RTE_VMAP_IOVA_VA,
	/**
	 * The IOVA is the physical address of the backing page plus the
	 * offset. Needs hugepages (which the kernel never moves) or, on 4 KiB
	 * pages, an IOMMU driver that pins what it maps
	 * (RTE_VMAP_IOMMU_F_PINS: "vfio"); otherwise rte_vmap_create()
	 * refuses the space (ENOTSUP), as EAL reports physical addresses
	 * unavailable without hugepages.
	 */
	RTE_VMAP_IOVA_PA,
	/**
	 * The IOVA is allocated from the space's own IOVA range and the IOMMU
	 * driver translates it; every window is IOVA-contiguous.
	 */
	RTE_VMAP_IOVA_DOMAIN,
};

/** Parameters of rte_vmap_create(). Zero means "default" for every field. */
struct rte_vmap_params {
	/** Unique among live spaces, shorter than RTE_VMAP_NAMESIZE. */
	const char *name;
	/** VA bytes to reserve; 0 = library default (64 GiB unless configured). */
	size_t va_size;
	/** Backing page: 0 or 2 MiB (default), 1 GiB, or 4 KiB ordinary pages. */
	size_t page_size;
	/** Cap on backing memory held, in bytes; 0 = only what the system has. */
	size_t mem_limit;
	/**
	 * Number of vmap nodes; 0 = one per lcore. Rounded up to a multiple of
	 * the number of sockets (every socket gets as many).
	 */
	unsigned int nr_nodes;
	/** Lazily freed bytes that trigger a batched purge; 0 = default. */
	size_t lazy_max;
	/** IOVA mode of the windows. */
	enum rte_vmap_iova_mode iova_mode;
	/** IOMMU driver name ("none", "vfio", "sim" or any registered); NULL = "none". */
	const char *iommu;
	/** Driver arguments, "key=value,key=value"; may be NULL. */
	const char *iommu_args;
	/** RTE_VMAP_F_* flags. */
	unsigned int flags;
	/** DOMAIN mode: start of the IOVA range; 0 = a range no EAL IOVA can use. */
	rte_iova_t iova_base;
	/** DOMAIN mode: size of the IOVA range; 0 = va_size. */
	uint64_t iova_size;
	/**
	 * Topology to model, as an hwloc synthetic description such as
	 * "package:2 core:1 pu:1"; NULL = this machine. Lets a one-socket
	 * machine exercise multi-socket placement (memory of a modelled socket
	 * that does not exist is placed without a NUMA policy).
	 */
	const char *topology;
};

/** A live window, as rte_vmap_find() reports it. */
struct rte_vmap_window {
	void *va;          /**< start of the window */
	rte_iova_t iova;   /**< IOVA of va */
	size_t size;       /**< size as rounded by the library */
	int socket_id;     /**< NUMA socket of the backing memory */
	unsigned int node; /**< vmap node that tracks it */
	int from_block;    /**< 1 if it came from rte_vmap_block_alloc() */
};

/** A snapshot of a space's counters (rte_vmap_stats_get()). */
struct rte_vmap_stats {
	uint64_t va_size;         /**< reserved VA bytes */
	uint64_t va_used;         /**< bytes in live windows (block windows included) */
	uint64_t va_lazy;         /**< bytes freed and awaiting a purge */
	uint64_t va_largest_free; /**< largest free contiguous VA range, bytes */
	uint64_t mem_used;        /**< backing memory held (live, pooled, lazy) */
	uint64_t nr_windows;      /**< live windows, block windows included */
	uint64_t nr_blocks;       /**< live per-lcore blocks */
	uint64_t nr_purges;       /**< batched purges that took at least one range */
	uint64_t nr_unmaps;       /**< IOMMU driver unmap calls */
	uint64_t nr_flushes;      /**< IOMMU driver flush calls */
};

/**
 * Create a space: reserve its VA range, set up its nodes, open its IOMMU
 * driver. Needs rte_eal_init() to have run.
 *
 * @param p
 *   Parameters; see struct rte_vmap_params.
 * @return
 *   The space, or NULL with rte_errno set:
 *   - EINVAL: p or its name NULL, empty or too long, page_size not 4K/2M/1G,
 *     unknown iova_mode, unknown IOMMU driver, bad topology, a DOMAIN IOVA
 *     range (with its defaults filled in) not 4 KiB aligned or wrapping.
 *   - EEXIST: a live space has that name.
 *   - ENOMEM: no VA or memory for the metadata.
 *   - ERANGE: the machine has an Intel IOMMU and no free VA range of
 *     va_size (or, DOMAIN mode with iova_base 0, of iova_size) lies below
 *     its address width, where devices can reach it.
 *   - ENOTSUP: no hugepages of that size on this system; RTE_VMAP_IOVA_PA
 *     (or AUTO resolving to it) on 4 KiB pages with a driver that does not
 *     pin (not RTE_VMAP_IOMMU_F_PINS: "none", "sim"); RTE_VMAP_IOVA_PA and
 *     /proc/self/pagemap cannot be opened or shows no physical addresses
 *     (the kernel shows them only to a process with CAP_SYS_ADMIN).
 *   - any error the IOMMU driver's open returned; with the "vfio" driver:
 *     ENODEV (VFIO not enabled, or no container with a group: no device
 *     on vfio-pci probed), ENOTSUP (VFIO in no-IOMMU mode), ERANGE (the
 *     VA reservation or the DOMAIN IOVA range is outside what the IOMMU
 *     translates).
 *   - with RTE_VMAP_F_EXTMEM: EINVAL (a combination the flag excludes),
 *     ENOSPC (no free DPDK memseg list), ENOTSUP (secondary process).
 */
__rte_experimental
struct rte_vmap *
rte_vmap_create(const struct rte_vmap_params *p);

/**
 * Find a space by name.
 *
 * In a secondary process, the first lookup of a name attaches to the
 * primary's space of that name, which must have been created with
 * RTE_VMAP_F_SHARED: its reservation is mapped at the same address as in
 * the primary, and its IOVA table read in place. Later lookups return the
 * same handle; rte_vmap_destroy() of it detaches. Nothing changes in the
 * primary when an attach fails.
 *
 * @param name
 *   Name given at creation.
 * @return
 *   The space, or NULL with rte_errno set:
 *   - EINVAL: name NULL.
 *   - ENOENT: no live space of that name (in a secondary: in the primary,
 *     or the primary did not answer: it has created no space).
 *   - EPERM: (secondary) the primary's space was created without
 *     RTE_VMAP_F_SHARED.
 *   - EADDRINUSE: (secondary) something is already mapped in this process
 *     where the space's reservation lies; the log names the range. As
 *     with EAL's --base-virtaddr: attach earlier (before other mappings
 *     take the range), or create the space first in the primary.
 *   - ENOMEM: (secondary) no memory for the attachment.
 */
__rte_experimental
struct rte_vmap *
rte_vmap_lookup(const char *name);

/**
 * Destroy a space: purge, unmap and release every window and all memory.
 * Windows still live are released too, and their number is logged.
 * Not MT-safe against other calls on the same space.
 *
 * In a secondary process this only detaches: the space and its windows
 * stay the primary's, and windows this process allocated stay live
 * (rte_vmap_reclaim() gives back those of a process that is gone). When
 * the primary destroys a shared space, its memory leaves every process at
 * once, and attached secondaries get ENOENT from their next call.
 *
 * @param vm
 *   The space; NULL is a no-op.
 */
__rte_experimental
void
rte_vmap_destroy(struct rte_vmap *vm);

/**
 * Allocate a window: backed, IOMMU-mapped, ready for DMA.
 *
 * Cost: O(1) when the node's size-class pool has a range of that size
 * (windows up to RTE_VMAP_POOL_CLASSES pages); otherwise O(log n) in the
 * free tree plus the backing pages faulted in.
 *
 * @param vm
 *   The space.
 * @param size
 *   Bytes; rounded up to a multiple of 4096.
 * @param align
 *   Alignment of the start, a power of two; 0 = 4096. Never less than 4096.
 * @param socket_id
 *   NUMA socket of the backing memory, strict on hugepages: the window gets
 *   that socket's memory or fails (ENOMEM), never another socket's.
 *   SOCKET_ID_ANY = the caller's socket, or when it has no memory another
 *   socket, which rte_vmap_find() then reports.
 * @return
 *   The window start, or NULL with rte_errno set:
 *   - EINVAL: vm NULL, size 0 or too large, align not a power of two,
 *     socket not present.
 *   - ENOMEM: VA or memory exhausted, even after purging lazily freed space
 *     and draining pools (this includes the system refusing to map, fault
 *     in or move backing pages); with an explicit socket, that socket has
 *     no free hugepages (other sockets' are not used).
 *   - any error the IOMMU driver's map returned; with the "vfio" driver,
 *     type1's: ENOSPC when the container holds dma_entry_limit entries
 *     (one per window: raise vfio_iommu_type1's dma_entry_limit), ENOMEM
 *     when pages cannot be pinned, EINVAL for an IOVA outside the IOMMU's
 *     ranges.
 *   - with RTE_VMAP_F_EXTMEM, the error rte_dev_dma_map() gave for a new
 *     backing page.
 *   - RTE_VMAP_IOVA_PA only: ENOTSUP if /proc/self/pagemap gives no
 *     physical address for a new backing page (the kernel shows frame
 *     numbers only to a process with CAP_SYS_ADMIN), EIO if it cannot be
 *     read.
 */
__rte_experimental
void *
rte_vmap_alloc(struct rte_vmap *vm, size_t size, size_t align, int socket_id);

/**
 * Free a window returned by rte_vmap_alloc().
 *
 * Lazy unless RTE_VMAP_F_STRICT: the range is unmapped and flushed in a
 * later batch and is not handed out again before that flush returned.
 * With RTE_VMAP_F_STRICT, a driver unmap or flush that fails does not fail
 * the free (it is logged): the range then waits, lazily freed, for a purge
 * to unmap and flush it before it is handed out again.
 *
 * @param vm
 *   The space.
 * @param addr
 *   The window start; NULL is a no-op returning 0.
 * @return
 *   0, or:
 *   - -EINVAL: vm NULL, or addr is a block window (use rte_vmap_block_free()).
 *   - -ENOENT: addr is not the start of a live window (unknown, interior,
 *     already freed). Nothing changes in any error case.
 */
__rte_experimental
int
rte_vmap_free(struct rte_vmap *vm, void *addr);

/**
 * Allocate a small window from the calling lcore's block cache
 * (the kernel's vm_map_ram analogue).
 *
 * @param vm
 *   The space.
 * @param size
 *   Bytes, at most rte_vmap_block_max(); rounded up to a multiple of 4096.
 * @return
 *   The window start, or NULL with rte_errno EINVAL (size 0 or too large,
 *   vm NULL), ENOMEM, or the error the IOMMU driver's map returned (as for
 *   rte_vmap_alloc(): ENOSPC with "vfio" out of DMA entries).
 */
__rte_experimental
void *
rte_vmap_block_alloc(struct rte_vmap *vm, size_t size);

/**
 * Free a window from rte_vmap_block_alloc(), from any thread.
 *
 * @param vm
 *   The space.
 * @param addr
 *   The window start.
 * @param size
 *   The size given to rte_vmap_block_alloc() (any size rounding to the same
 *   multiple of 4096 is accepted).
 * @return
 *   0, -EINVAL (vm NULL, size mismatch, not a block window) or -ENOENT
 *   (unknown or already freed); nothing changes on error.
 */
__rte_experimental
int
rte_vmap_block_free(struct rte_vmap *vm, void *addr, size_t size);

/**
 * Largest size rte_vmap_block_alloc() serves.
 *
 * @param vm
 *   The space.
 * @return
 *   Bytes; 0 if vm is NULL.
 */
__rte_experimental
size_t
rte_vmap_block_max(const struct rte_vmap *vm);

/**
 * @internal
 * What the inline fast path reads: the head of every space. Not for
 * applications: it may change without notice.
 */
struct __rte_vmap_fastpath {
	uintptr_t va_base;          /**< start of the reservation */
	uintptr_t va_size;          /**< its length */
	const uint64_t *iova_table; /**< per 4 KiB page: IOVA | __RTE_VMAP_IOVA_VALID, or 0 */
};

/** @internal Set in an IOVA table entry whose page is in a live window. */
#define __RTE_VMAP_IOVA_VALID UINT64_C(1)
/** @internal Page shift of the IOVA table. */
#define __RTE_VMAP_IOVA_SHIFT 12

/**
 * IOVA of any byte inside a live window (lock-free, O(1): one load from a
 * table indexed by 4 KiB page).
 *
 * A concurrent free of the window containing addr races with this call and
 * may return either answer, as with any use-after-free.
 *
 * @param vm
 *   The space.
 * @param addr
 *   Any address.
 * @return
 *   The IOVA, or RTE_BAD_IOVA when addr is not inside a live window
 *   (free, lazily freed, outside the space) or vm is NULL.
 */
__rte_experimental
static inline rte_iova_t
rte_vmap_virt2iova(const struct rte_vmap *vm, const void *addr)
{
	const struct __rte_vmap_fastpath *fp = (const struct __rte_vmap_fastpath *)vm;
	uintptr_t off;
	uint64_t e;

	if (unlikely(fp == NULL))
		return RTE_BAD_IOVA;
	off = (uintptr_t)addr - fp->va_base;
	if (unlikely(off >= fp->va_size))
		return RTE_BAD_IOVA;
	e = __atomic_load_n(&fp->iova_table[off >> __RTE_VMAP_IOVA_SHIFT], __ATOMIC_RELAXED);
	if (unlikely((e & __RTE_VMAP_IOVA_VALID) == 0))
		return RTE_BAD_IOVA;
	return (e & ~((UINT64_C(1) << __RTE_VMAP_IOVA_SHIFT) - 1)) +
		(off & ((UINT64_C(1) << __RTE_VMAP_IOVA_SHIFT) - 1));
}

/**
 * Describe the live window that contains addr (its start or any byte).
 *
 * @param vm
 *   The space.
 * @param addr
 *   Any address.
 * @param w
 *   Filled on success.
 * @return
 *   0, -EINVAL (NULL argument) or -ENOENT (no live window holds addr).
 */
__rte_experimental
int
rte_vmap_find(const struct rte_vmap *vm, const void *addr, struct rte_vmap_window *w);

/**
 * Synchronously unmap and flush everything lazily freed, including the dirty
 * parts of per-lcore blocks (vm_unmap_aliases analogue). On a return of 0
 * no stale IOMMU translation of freed memory remains.
 *
 * @param vm
 *   The space.
 * @return
 *   0, -EINVAL (vm NULL), or the first error an IOMMU driver unmap or flush
 *   returned (logged). An unmap that fails for several merged ranges is
 *   tried again for each alone; if each then succeeds, nothing is owed and
 *   the purge returns 0. What is still refused stays owed: the
 *   ranges it concerns stay lazily freed, never handed out, and every
 *   later purge (rte_vmap_purge(), or one a free past lazy_max runs) tries
 *   exactly the refused calls again; until one succeeds a device may still
 *   reach them.
 */
__rte_experimental
int
rte_vmap_purge(struct rte_vmap *vm);

/**
 * Give back now the memory a space holds for later use: every node pool,
 * zone chunk and stash of zones, every idle per-lcore block (nothing
 * live in it; taken from its owner as a purge takes it), and what was
 * lazily freed, which is unmapped and flushed as rte_vmap_purge() does
 * and then released instead of pooled. Backing pages no live window uses
 * go back to the system (hugepages to the kernel's free pool); their IOVA
 * ranges go back to the space. Live windows are untouched, and the space
 * stays usable: the next allocations fault their pages in again. Without
 * this call a space gives memory back only under pressure (an allocation
 * that finds no room) and by pool decay at purges, a share at a time.
 *
 * MT-safe, against allocations and frees on other lcores too; it runs
 * under the space's purge lock, one purge or trim at a time. Without
 * membarrier(PRIVATE_EXPEDITED) an owner lcore's idle block is only
 * marked, and goes at a later purge after that lcore's next block call.
 *
 * Cost: a full purge (see rte_vmap_purge()), plus one unmapping system
 * call per run of pages released. It takes node, arena and block locks one
 * at a time, as a purge does: other lcores go on allocating meanwhile.
 *
 * @param vm
 *   The space.
 * @return
 *   The bytes of backing memory the call gave back to the system (0 when
 *   nothing was idle); -EINVAL if vm is NULL; or, as rte_vmap_purge(),
 *   the first error an IOMMU driver unmap or flush returned (the ranges it
 *   concerns stay lazily freed; what else was idle is given back all the
 *   same). rte_errno is set on an error.
 */
__rte_experimental
int64_t
rte_vmap_trim(struct rte_vmap *vm);

/**
 * Snapshot the space's counters. Lock-free when nothing changed since the
 * last snapshot (generation-counted cache).
 *
 * @param vm
 *   The space.
 * @param st
 *   Filled on success.
 * @return
 *   0 or -EINVAL (NULL argument).
 */
__rte_experimental
int
rte_vmap_stats_get(struct rte_vmap *vm, struct rte_vmap_stats *st);

/**
 * Print every window (va, iova, size, socket, node, kind), a summary per node
 * and the lazily freed ranges, like /proc/vmallocinfo.
 *
 * @param f
 *   Output stream.
 * @param vm
 *   The space.
 */
__rte_experimental
void
rte_vmap_dump(FILE *f, struct rte_vmap *vm);

/**
 * Walk every structure of the space and check its invariants: free, pooled,
 * busy and lazy ranges partition the reservation; trees sorted and their
 * augmented values right; counters agree with what the walk counts; the
 * IOVA table agrees with the live windows. For tests and debugging: it
 * takes every lock of the space, and must run while no alloc or free runs
 * on it (a window on its way from one structure to the next would show as
 * a gap).
 *
 * @param vm
 *   The space.
 * @return
 *   0 if consistent, -EFAULT (with a log line naming the broken invariant)
 *   otherwise, -EINVAL if vm is NULL.
 */
__rte_experimental
int
rte_vmap_verify(struct rte_vmap *vm);

/**
 * Give back what a secondary process that is gone had allocated in a
 * shared space (RTE_VMAP_F_SHARED): every window allocated for it, block
 * windows included, is freed as by rte_vmap_free() (lazily: unmapped and
 * flushed before reuse). Windows it handed to other processes are freed
 * too: call it once the survivors no longer use them, as for any memory
 * of a dead process. Destroying the space gives them back as well.
 *
 * @param vm
 *   The space, in the process that created it.
 * @param pid
 *   The process id of the secondary.
 * @return
 *   The number of windows given back, or a negative errno (rte_errno
 *   set): -EINVAL (vm NULL, pid not positive, or vm not a shared space
 *   of this process), -EBUSY (pid is still running: its windows are
 *   still in use).
 */
__rte_experimental
int
rte_vmap_reclaim(struct rte_vmap *vm, pid_t pid);

/**
 * Backing page size of a space: the granule at which its memory is
 * physically contiguous (and, in PA mode, at which IOVAs are contiguous).
 *
 * @param vm
 *   The space.
 * @return
 *   RTE_VMAP_PAGE_4K, RTE_VMAP_PAGE_2M or RTE_VMAP_PAGE_1G; 0 if vm is NULL.
 */
__rte_experimental
size_t
rte_vmap_page_size(const struct rte_vmap *vm);

/**
 * IOVA mode of a space, as resolved at creation.
 *
 * @param vm
 *   The space.
 * @return
 *   RTE_VMAP_IOVA_VA, RTE_VMAP_IOVA_PA or RTE_VMAP_IOVA_DOMAIN (never AUTO:
 *   AUTO is resolved by rte_vmap_create()); RTE_VMAP_IOVA_AUTO if vm is NULL.
 */
__rte_experimental
enum rte_vmap_iova_mode
rte_vmap_iova_mode_get(const struct rte_vmap *vm);

/**
 * Name of an IOVA mode, for logs and reports.
 *
 * @param mode
 *   An IOVA mode.
 * @return
 *   "AUTO", "VA", "PA" or "DOMAIN"; "unknown" for a value that is none of
 *   them. A static string: never NULL, never to be freed.
 */
__rte_experimental
const char *
rte_vmap_iova_mode_name(enum rte_vmap_iova_mode mode);

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VMAP_H_ */
