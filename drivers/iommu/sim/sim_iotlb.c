/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The IOTLB of the model: a set-associative cache of translations, 4 ways
 * (direct mapped when smaller), indexed by the low bits of the IOVA page
 * number, filled on a miss, replacing round-robin within a set. Like the
 * hardware one, it knows nothing of unmaps: only an invalidation (flush)
 * removes an entry. Hand-rolled: no DPDK helper models a cache, and the
 * arrays are small (rte_malloc would only add a hugepage round trip).
 */

#include <errno.h>
#include <stdlib.h>

#include "sim_private.h"

#define SIM_IOTLB_WAYS 4

int
sim_iotlb_init(struct sim_iotlb *tlb, uint32_t nr_entries)
{
	uint32_t n = rte_align32pow2(RTE_MAX(nr_entries, 1u));

	tlb->ways = RTE_MIN(n, (uint32_t)SIM_IOTLB_WAYS);
	tlb->nr_sets = n / tlb->ways;
	tlb->entries = calloc(n, sizeof(*tlb->entries));
	tlb->victim = calloc(tlb->nr_sets, sizeof(*tlb->victim));
	if (tlb->entries == NULL || tlb->victim == NULL) {
		sim_iotlb_fini(tlb);
		return -ENOMEM;
	}
	return 0;
}

void
sim_iotlb_fini(struct sim_iotlb *tlb)
{
	free(tlb->entries);
	free(tlb->victim);
	tlb->entries = NULL;
	tlb->victim = NULL;
}

static inline struct sim_iotlb_entry *
set_of(const struct sim_iotlb *tlb, uint64_t pfn)
{
	return &tlb->entries[(pfn & (tlb->nr_sets - 1)) * tlb->ways];
}

bool
sim_iotlb_lookup(const struct sim_iotlb *tlb, uint64_t pfn, uintptr_t *va_page)
{
	const struct sim_iotlb_entry *set = set_of(tlb, pfn);
	uint32_t w;

	for (w = 0; w < tlb->ways; w++) {
		if (set[w].valid && set[w].pfn == pfn) {
			*va_page = set[w].va_page;
			return true;
		}
	}
	return false;
}

void
sim_iotlb_fill(struct sim_iotlb *tlb, uint64_t pfn, uintptr_t va_page)
{
	struct sim_iotlb_entry *set = set_of(tlb, pfn);
	uint8_t *victim = &tlb->victim[pfn & (tlb->nr_sets - 1)];
	uint32_t w;

	/* A free way first; else the set's next victim. */
	for (w = 0; w < tlb->ways; w++)
		if (!set[w].valid)
			break;
	if (w == tlb->ways) {
		w = *victim;
		*victim = (w + 1) % tlb->ways;
	}
	set[w].pfn = pfn;
	set[w].va_page = va_page;
	set[w].valid = true;
}

uint32_t
sim_iotlb_invalidate(struct sim_iotlb *tlb, uint64_t first, uint64_t last)
{
	uint32_t i, n = tlb->nr_sets * tlb->ways, dropped = 0;

	/* The whole (small) array: cheaper than walking a large range by page. */
	for (i = 0; i < n; i++) {
		struct sim_iotlb_entry *e = &tlb->entries[i];

		if (e->valid && e->pfn >= first && e->pfn <= last) {
			e->valid = false;
			dropped++;
		}
	}
	return dropped;
}
