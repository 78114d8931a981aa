/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _SIM_PRIVATE_H_
#define _SIM_PRIVATE_H_

/*
 * What the files of the "sim" IOMMU driver share. Not installed.
 *
 *   device access (sim_dma.c)
 *        |  iova >> 12
 *        v
 *   IOTLB (sim_iotlb.c) --miss--> IO page table (sim_pgtable.c)
 *        |  hit: the page table is checked too, to catch a stale entry
 *        v
 *   memcpy to/from the VA page
 *
 * map/unmap change the page table only; flush invalidates the IOTLB.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "rte_vmap_iommu_sim.h"

extern int vmap_sim_logtype;

#define SIM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmap_sim_logtype, "VMAP_SIM: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

/* The model's page: 4 KiB, the granule of every map and unmap. */
#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE (UINT64_C(1) << SIM_PAGE_SHIFT)

/* ---- sim_pgtable.c: the IO page table -------------------------------- */

struct rte_hash;

/** IOVA page number -> VA of the page, for every page mapped. */
struct sim_pgtable {
	struct rte_hash *hash;
};

/* A table for capacity pages. 0, -ENOMEM or -EINVAL (capacity out of range). */
int sim_pgtable_create(struct sim_pgtable *pt, uint32_t capacity);
void sim_pgtable_free(struct sim_pgtable *pt);
/*
 * Map [iova, iova + len) to [va, va + len), all or nothing: -EEXIST if a
 * page is mapped already, -ENOSPC if the table is full.
 */
int sim_pgtable_map(struct sim_pgtable *pt, uintptr_t va, uint64_t iova, size_t len);
/* Unmap [iova, iova + len), all or nothing: -ENOENT if a page is not mapped. */
int sim_pgtable_unmap(struct sim_pgtable *pt, uint64_t iova, size_t len);
/* The VA page of IOVA page pfn: 0, or -ENOENT. */
int sim_pgtable_lookup(const struct sim_pgtable *pt, uint64_t pfn, uintptr_t *va_page);

/* ---- sim_iotlb.c: the IOTLB ------------------------------------------ */

struct sim_iotlb_entry {
	uint64_t pfn;      /**< IOVA page number */
	uintptr_t va_page; /**< what the page table said when the entry was filled */
	bool valid;
};

/** A set-associative cache of translations, round-robin replacement per set. */
struct sim_iotlb {
	struct sim_iotlb_entry *entries; /**< nr_sets * ways, set by set */
	uint8_t *victim;                 /**< per set: the way replaced next */
	uint32_t nr_sets;                /**< a power of two */
	uint32_t ways;
};

/* An IOTLB of nr_entries (rounded up to a power of two). 0 or -ENOMEM. */
int sim_iotlb_init(struct sim_iotlb *tlb, uint32_t nr_entries);
void sim_iotlb_fini(struct sim_iotlb *tlb);
/* The cached translation of pfn, if any. */
bool sim_iotlb_lookup(const struct sim_iotlb *tlb, uint64_t pfn, uintptr_t *va_page);
/* Cache a translation (replacing one of its set). */
void sim_iotlb_fill(struct sim_iotlb *tlb, uint64_t pfn, uintptr_t va_page);
/* Drop the entries of pages [first, last]; returns how many were valid. */
uint32_t sim_iotlb_invalidate(struct sim_iotlb *tlb, uint64_t first, uint64_t last);

/* ---- rte_vmap_iommu_sim.c: one simulated IOMMU per space -------------- */

/** The driver's context for one space (the priv of the ops). */
struct sim_space {
	TAILQ_ENTRY(sim_space) next; /**< in the registry */
	const struct rte_vmap *vm;   /**< the key of the registry */
	/** Protects pgtable, iotlb, stats and map_calls. */
	rte_spinlock_t lock;
	struct sim_pgtable pgtable;
	struct sim_iotlb iotlb;
	struct rte_vmap_iommu_sim_stats stats;
	uint64_t map_calls;      /**< every map call, for map_fail_every */
	uint64_t map_fail_every; /**< 0 = never */
	uint64_t flush_cycles;   /**< TSC cycles a flush busy-waits */
};

/*
 * The space's context, with the registry read-locked so that close() waits
 * until sim_space_put(); NULL (nothing held) if vm does not use "sim".
 */
struct sim_space *sim_space_get(const struct rte_vmap *vm);
void sim_space_put(void);

#endif /* _SIM_PRIVATE_H_ */
