/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VFIO_EXTENT_H_
#define _VFIO_EXTENT_H_

/*
 * Refcounted VFIO DMA entries ("extents") for the windows of one space.
 * Not installed; no VFIO in here: the entries are made and removed through
 * the callbacks given at creation, so tests can record them.
 *
 * VFIO type1 holds at most dma_entry_limit (65535) entries per container
 * and cannot split one: an unmap must cover whole entries; DPDK 22.11's
 * rte_vfio_container_dma_map() holds fewer still (256 user mappings per
 * process). One entry per window would run out; one per backing page too
 * (a 32 MiB window would take 16). Where the IOVA is linear over a backing page (VA mode, and PA
 * mode whose map calls each stay inside one physically contiguous page),
 * a window [va, va + len) is mapped as at most three entries:
 *
 *   backing pages:   |   P0    |   P1    |   P2    |   P3    |
 *   window A:             [=========================]
 *   entries:         [ shared  ][   A's own run     ][ shared  ]
 *                     refcount   refcount 1           refcount
 *
 * - a page the window covers in part (P0, P3) is one entry of the whole
 *   page, shared by every mapped window that touches it: the first maps
 *   it, the last unmap unmaps it (it counts the 4 KiB granules held);
 * - the pages it covers whole (P1, P2) are one entry of its own (no other
 *   window can touch them while it lives), made and removed with it. In
 *   PA mode the run stops at each page, where physical contiguity ends.
 *
 * Why not one refcounted entry per window extent [floor(va), ceil(va + len))
 * of backing pages: extents of neighbours overlap (A above and a window on
 * P3-P4), which VFIO refuses (EEXIST); and an entry kept alive by one page
 * in use would pin pages whose backing the library has given back, so a
 * window later placed there would be backed by new memory while the IOMMU
 * still sends its IOVA to the old. Here an entry lives exactly as long as
 * every page in it is used by a mapped window, so entries never exceed the
 * pages in use and never outlive their backing.
 *
 * In DOMAIN mode the IOVAs of neighbouring windows are unrelated: each map
 * call is an entry of its own, removed by the unmap of the same range.
 */

#include <stdint.h>

/* How IOVA relates to VA in a space. */
enum vfio_extent_mode {
	VFIO_EXTENT_EXACT,    /* unrelated (DOMAIN): one entry per map call */
	VFIO_EXTENT_LINEAR,   /* linear over each map call (VA) */
	VFIO_EXTENT_PER_PAGE, /* linear within each backing page (PA) */
};

/* Make or remove one DMA entry; 0 or a negative errno. */
typedef int (*vfio_extent_map_t)(void *ctx, uint64_t va, uint64_t iova, uint64_t len);
typedef int (*vfio_extent_unmap_t)(void *ctx, uint64_t va, uint64_t iova, uint64_t len);

struct vfio_extent_ops {
	vfio_extent_map_t map;
	vfio_extent_unmap_t unmap;
};

struct vfio_extents;

/*
 * A tracker for a space of backing page page_size (a power of two) holding
 * at most max_entries entries at once. NULL and rte_errno (EINVAL, ENOMEM).
 */
struct vfio_extents *vfio_extents_create(enum vfio_extent_mode mode, uint64_t page_size,
		uint32_t max_entries, const struct vfio_extent_ops *ops, void *ctx);
/* Remove the entries left (each one logged) and free the tracker. */
void vfio_extents_destroy(struct vfio_extents *x);
/*
 * Give [iova, iova + len) a translation to [va, va + len), 4 KiB aligned:
 * new entries made, shared ones referenced. All or nothing: 0, -EINVAL
 * (unaligned, or in a linear mode va and iova not congruent modulo the
 * page), -EEXIST (overlaps a window's own entry), -ENOSPC (max_entries
 * reached) or the map callback's error. MT-safe.
 */
int vfio_extents_map(struct vfio_extents *x, uint64_t va, uint64_t iova, uint64_t len);
/*
 * Drop the translation of [iova, iova + len): one or several whole earlier
 * map calls (a purge merges touching ranges), never part of one. Entries
 * only they used are removed, shared ones lose their granules (removed
 * with the last). 0, -EINVAL (unaligned), -ENOENT (not whole mapped calls:
 * nothing changed) or the unmap callback's first error (the entries are
 * forgotten anyway). MT-safe.
 */
int vfio_extents_unmap(struct vfio_extents *x, uint64_t iova, uint64_t len);
/* Entries held now. */
uint32_t vfio_extents_count(struct vfio_extents *x);

#endif /* _VFIO_EXTENT_H_ */
