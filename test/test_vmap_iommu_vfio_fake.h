/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _TEST_VMAP_IOMMU_VFIO_FAKE_H_
#define _TEST_VMAP_IOMMU_VFIO_FAKE_H_

/*
 * A fake VFIO type1 container for the tests of the "vfio" driver's extent
 * tracker (vfio_extent.c): it records every DMA map and unmap and enforces
 * what the kernel does: no overlapping entries, no unmap that splits an
 * entry, a limit on entries. Not thread-safe: the tracker's callers hold
 * their driver's lock, and the tests run on one lcore.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vfio_extent.h"

#define GRANULE UINT64_C(4096)
#define PAGE_2M (UINT64_C(1) << 21)
#define MIB (UINT64_C(1) << 20)
/* Fake VAs: the tracker never touches memory. 1 GiB aligned. */
#define BASE UINT64_C(0x40000000)

#define FAKE_ENTRIES 8192
#define FAKE_LOG 64

struct fake_call {
	char op; /* 'm' map, 'u' unmap */
	uint64_t va;
	uint64_t iova;
	uint64_t len;
};

struct fake_entry {
	uint64_t va;
	uint64_t iova;
	uint64_t len;
	bool live;
};

/* The container: its entries, counters and the first calls since fake_reset(). */
struct fake_container {
	struct fake_entry e[FAKE_ENTRIES];
	unsigned int nr_slots;   /* slots ever used */
	unsigned int nr_live;
	unsigned int maps;       /* successful map calls */
	unsigned int unmaps;     /* successful unmap calls */
	unsigned int violations;
	unsigned int fail_map_at; /* the Nth map call from now fails; 0 = none */
	struct fake_call log[FAKE_LOG]; /* the first calls since fake_reset() */
	unsigned int nr_log;
};

extern struct fake_container fake_ct;

/* The container's map and unmap, for vfio_extents_create(). */
extern const struct vfio_extent_ops fake_ops;

/* Empty the container and its log. */
void fake_reset(void);

/* A test assertion: the recorded call i is exactly (op, va, iova, len). */
int check_call(unsigned int i, char op, uint64_t va, uint64_t iova, uint64_t len);

/* An empty container and a tracker on it. */
struct vfio_extents *tracker(enum vfio_extent_mode mode, uint64_t page, uint32_t limit);

/* The live entry translating iova, or NULL. */
const struct fake_entry *fake_find(uint64_t iova);

/*
 * The granules of a window worth checking: its ends, both sides of every
 * page boundary, and one in 16 of the rest (all of them would be slow).
 */
bool granule_sampled(uint64_t a, uint64_t start, uint64_t end, uint64_t page);

#endif /* _TEST_VMAP_IOMMU_VFIO_FAKE_H_ */
