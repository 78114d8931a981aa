/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _FAULT_SWEEP_H_
#define _FAULT_SWEEP_H_

/*
 * The fault sweep of vmap_fault_autotest (fault_sweep.c): a scenario run
 * on every space configuration with one fault point armed at its Nth call,
 * for N = 1, 2, 3, ..., each run checked clean; and the check that a run
 * left the process as it found it, which test_vmap_fault.c uses too.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_vmap.h>
#include <rte_vmap_fault.h>

#include "vmap_test_util.h"


/* A space configuration the scenario runs on. */
struct fi_config {
	const char *name;
	size_t page_size;
	const char *iommu;
	enum rte_vmap_iova_mode mode;
	unsigned int flags;
	/*
	 * Largest window, 0 = any: every 4 KiB page of an EXTMEM space is one
	 * DMA map per device, and the sweep fails each of those calls in turn.
	 */
	size_t max_size;
	/* rte_vmap_params.lazy_max; 0 = the default. */
	size_t lazy_max;
};

/* A space of the test's size in configuration cfg, named name. */
struct rte_vmap *fi_create(const struct fi_config *cfg, const char *name);

/* Address ranges a process may map, merged: DPDK's and the sanitizers' are many. */
#define FI_MAX_MAPS 8192

/* A range of addresses mapped (one or more touching mappings). */
struct fi_map {
	uintptr_t lo;
	uintptr_t hi;
};

/* What must be back where it was once a space is destroyed. */
struct fi_held {
	unsigned long hugetlb_kb;
	size_t heap;             /* bytes allocated from the C heap (ASan only) */
	unsigned int nr_maps;
	struct fi_map map[FI_MAX_MAPS];
};

/* Take stock of what the process holds (large: keep it static). */
void fi_held_get(struct fi_held *h);
/* TEST_SUCCESS if the process holds what it did in before, else TEST_FAILED (said why). */
int fi_held_check(const struct fi_held *before, const char *what);

/* The library's logs off (the sweep's thousands of failures) or back on. */
void fi_quiet(bool quiet);
/* NULL if this machine makes point p's calls, else why not. */
const char *fi_unreachable(enum rte_vmap_fault_point p);

/* Probe the vdev, run every configuration once unarmed (it must pass). */
int fi_sweep_setup(void);
void fi_sweep_teardown(void);
/* Sweep point p over every configuration; prints its FAULT line. */
int fi_sweep(enum rte_vmap_fault_point p);

#endif /* _FAULT_SWEEP_H_ */
