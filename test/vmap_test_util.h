/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TEST_UTIL_H_
#define _VMAP_TEST_UTIL_H_

/*
 * Code several suites had a copy of: a pseudo-random generator, an
 * overlap test, the failure report and stop flag of roles running on
 * several lcores at once, and the table a recording IOMMU driver keeps of
 * what it was given (the checks of the driver contract stay with each
 * suite: they differ), and a page's physical address from pagemap.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_memory.h>

/* xorshift64: cheap, and a seed gives the same sequence on every run. */
static inline uint64_t
vmap_test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static inline bool
vmap_test_overlaps(uint64_t a, size_t alen, uint64_t b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---- roles on several lcores ------------------------------------------- */

/*
 * Print the failure of a role of the run run_name on this lcore, and set
 * *stop so that the roles on the other lcores end their loops. Returns -1.
 */
int vmap_test_fail(uint32_t *stop, const char *run_name, const char *fmt, ...)
	__rte_format_printf(3, 4);

/* Whether a role ends: another one failed, or its time is up (timer cycles). */
static inline bool
vmap_test_stopped(const uint32_t *stop, uint64_t deadline)
{
	return __atomic_load_n(stop, __ATOMIC_RELAXED) != 0 ||
		rte_get_timer_cycles() >= deadline;
}

/* ---- the table of a recording IOMMU driver ----------------------------- */

/* A translation the driver was given. */
struct vmap_test_rec {
	uintptr_t va;
	rte_iova_t iova;
	size_t len;
	bool live;     /* mapped, not unmapped */
	bool stale;    /* unmapped, no covering flush yet */
};

/*
 * A map: record it live in the first dead entry of rec[0, *n), or at the
 * end (*n grows, up to max). 0, or -ENOSPC when the table is full.
 */
int vmap_test_rec_add(struct vmap_test_rec *rec, unsigned int *n, unsigned int max,
		void *va, rte_iova_t iova, size_t len);

/* An unmap: the live entries it overlaps in IOVA are owed a flush (stale). */
void vmap_test_rec_unmapped(struct vmap_test_rec *rec, unsigned int n, rte_iova_t iova,
		size_t len);

/* A flush of [start, end): it covers the stale entries that lie wholly inside. */
void vmap_test_rec_flushed(struct vmap_test_rec *rec, unsigned int n, rte_iova_t start,
		rte_iova_t end);

/* How many of the n entries are stale (stale true) or live (false). */
unsigned int vmap_test_rec_count(const struct vmap_test_rec *rec, unsigned int n, bool stale);

/*
 * Physical address of addr read from /proc/self/pagemap (fd open on it);
 * 0 if the page is not present or the kernel hides frame numbers (they
 * need CAP_SYS_ADMIN).
 */
uint64_t vmap_test_pagemap_pa(int fd, const void *addr);

#endif /* _VMAP_TEST_UTIL_H_ */
