/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_BACKING_H_
#define _VMAP_BACKING_H_

/*
 * Backing pages of the reservation (vmap_backing.c): reference counts per
 * page, mapped on first use on the right socket. Nothing here is
 * installed; vmap_private.h includes it before struct rte_vmap, which
 * holds one.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_spinlock.h>

struct rte_vmap;

/* Backing stripe locks serialise a page's 0<->1 reference transitions. */
#define VMAP_BACKING_STRIPES 64

/** Backing pages of the reservation, indexed by page. */
struct vmap_backing {
	size_t page_size;
	unsigned int page_shift;
	uint64_t nr_pages;
	uint32_t *refcnt;        /**< per page: windows (live or pooled) overlapping it */
	uint64_t *phys;          /**< per page: physical address once mapped */
	uint64_t mem_used;       /**< bytes mapped (atomic) */
	uint64_t mem_limit;      /**< 0 = none */
	int mmap_flags;          /**< MAP_HUGETLB | size bits, or 0 */
	int pagemap_fd;          /**< /proc/self/pagemap in PA mode, else -1 */
	rte_spinlock_t stripe[VMAP_BACKING_STRIPES];
};

int vmap_backing_init(struct rte_vmap *vm);
void vmap_backing_fini(struct rte_vmap *vm);
/* Check that pages of this size can be had at all: 0, -ENOTSUP. */
int vmap_backing_probe(size_t page_size);
/*
 * Reference the backing pages under [start, start + size), mapping and
 * faulting in (on the arena's socket) those not yet mapped. All or nothing:
 * 0, or -ENOMEM (memory, mem_limit) with nothing held.
 */
int vmap_backing_get(struct rte_vmap *vm, uintptr_t start, size_t size,
		unsigned int socket_idx);
/* Drop the references; pages no window uses go back to the system. */
void vmap_backing_put(struct rte_vmap *vm, uintptr_t start, size_t size);
/*
 * A backed range is being cut in two at addr: the page under addr, if the
 * cut is inside it, now has one more range on it. The caller holds a
 * reference on that page through the range.
 */
void vmap_backing_split(struct rte_vmap *vm, uintptr_t addr);
/*
 * Bytes of backing the calling thread has given back to the system, in
 * every space, since it started: a thread's difference of two readings is
 * what it released in between, whatever other threads do (rte_vmap_trim()).
 */
uint64_t vmap_backing_released(void);
/* Physical address of a mapped byte (PA mode). */
uint64_t vmap_backing_phys(const struct rte_vmap *vm, uintptr_t addr);

#endif /* _VMAP_BACKING_H_ */
