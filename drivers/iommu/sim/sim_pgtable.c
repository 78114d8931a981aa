/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The IO page table of the model: an rte_hash from IOVA page number to the
 * VA of the page. A real IOMMU walks a radix tree; a hash gives the same
 * answers for any IOVA (VA, PA or DOMAIN, up to 64 bits) at O(1) per page.
 * Its fixed capacity costs EAL memory at open, which is why it is a driver
 * argument: measured here, 41 bytes a page (10 MiB and 20 ms to create for
 * the default 262144 pages, 41 MiB for 1M); a lookup in a full table of
 * the default size takes about 200 ns, plenty for a model.
 */

#include <errno.h>
#include <stdio.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_memory.h>

#include "sim_private.h"

/* rte_hash names are process-wide: number the tables. */
static uint32_t pgtable_seq;

int
sim_pgtable_create(struct sim_pgtable *pt, uint32_t capacity)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* Buckets that overflow chain instead of failing below capacity. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "vmap_sim_pt_%u",
		__atomic_fetch_add(&pgtable_seq, 1, __ATOMIC_RELAXED));
	pt->hash = rte_hash_create(&hp);
	if (pt->hash == NULL) {
		SIM_LOG(ERR, "cannot create a page table of %u pages", capacity);
		return -ENOMEM;
	}
	return 0;
}

void
sim_pgtable_free(struct sim_pgtable *pt)
{
	rte_hash_free(pt->hash);
	pt->hash = NULL;
}

int
sim_pgtable_lookup(const struct sim_pgtable *pt, uint64_t pfn, uintptr_t *va_page)
{
	void *data;

	if (rte_hash_lookup_data(pt->hash, &pfn, &data) < 0)
		return -ENOENT;
	*va_page = (uintptr_t)data;
	return 0;
}

int
sim_pgtable_map(struct sim_pgtable *pt, uintptr_t va, uint64_t iova, size_t len)
{
	uint64_t first = iova >> SIM_PAGE_SHIFT;
	uint64_t n = len >> SIM_PAGE_SHIFT;
	uint64_t i, pfn;
	int ret;

	/* Check every page first: a refused map changes nothing. */
	if (rte_hash_count(pt->hash) + n > (uint64_t)rte_hash_max_key_id(pt->hash))
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		pfn = first + i;
		if (rte_hash_lookup(pt->hash, &pfn) >= 0)
			return -EEXIST;
	}
	for (i = 0; i < n; i++) {
		pfn = first + i;
		ret = rte_hash_add_key_data(pt->hash, &pfn,
			(void *)(va + (i << SIM_PAGE_SHIFT)));
		if (ret != 0)
			goto undo;
	}
	return 0;
undo:
	while (i-- > 0) {
		pfn = first + i;
		rte_hash_del_key(pt->hash, &pfn);
	}
	return ret;
}

int
sim_pgtable_unmap(struct sim_pgtable *pt, uint64_t iova, size_t len)
{
	uint64_t first = iova >> SIM_PAGE_SHIFT;
	uint64_t n = len >> SIM_PAGE_SHIFT;
	uint64_t i, pfn;

	for (i = 0; i < n; i++) {
		pfn = first + i;
		if (rte_hash_lookup(pt->hash, &pfn) < 0)
			return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		pfn = first + i;
		rte_hash_del_key(pt->hash, &pfn);
	}
	return 0;
}
