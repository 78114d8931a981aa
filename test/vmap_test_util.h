/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TEST_UTIL_H_
#define _VMAP_TEST_UTIL_H_

/*
 * What the suites share, once: the sizes and constants; the parameters
 * of a small test space and the hugepages it may use; a pseudo-random
 * generator, an overlap test, the failure report and stop flag of roles
 * running on several lcores at once; and a page's physical address from
 * pagemap. The recording IOMMU driver is rec_iommu.h.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memory.h>
#include <rte_vmap.h>

#include "test.h"

/* ---- constants, once for every test file -------------------------------- */

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)

/* The granule of every window and IOMMU map: a 4 KiB page. */
#define PAGE_4K ((size_t)4096)

/* The library's log type: quiet while a case makes calls that must fail. */
#define VMAP_TEST_LOGTYPE "lib.vmap"

/* ---- the test space and the machine's hugepages ------------------------- */

/* Fail the current test case unless the space is consistent. */
#define VMAP_TEST_VERIFY(vm) \
	TEST_ASSERT_SUCCESS(rte_vmap_verify(vm), "rte_vmap_verify() failed")

/*
 * A count of the system's hugepages of page_size right now, what one of
 * "nr_hugepages" or "free_hugepages" (0 when the size does not exist).
 */
static inline unsigned long
vmap_test_hugepages(size_t page_size, const char *what)
{
	char path[128];
	unsigned long nr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/%s",
		page_size >> 10, what);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%lu", &nr) != 1)
			nr = 0;
		fclose(f);
	}
	return nr;
}

/* Free 2 MiB hugepages on the system right now (0 if none). */
static inline unsigned long
vmap_test_free_hugepages(void)
{
	return vmap_test_hugepages(RTE_VMAP_PAGE_2M, "free_hugepages");
}

/*
 * Hugepage memory this process maps, from /proc/self/status (kB): unlike
 * the system's free count, tests running beside it do not change it.
 */
static inline unsigned long
vmap_test_process_hugetlb_kb(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugetlbPages: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Free 2 MiB hugepages below which tests run without them. */
#define VMAP_TEST_MIN_HUGEPAGES 64u

/*
 * The backing page size tests use: 2 MiB when enough hugepages are free,
 * else 4 KiB (the library's no-hugepage mode), so the suites run anywhere.
 */
static inline size_t
vmap_test_page_size(void)
{
	return vmap_test_free_hugepages() >= VMAP_TEST_MIN_HUGEPAGES ?
		RTE_VMAP_PAGE_2M : RTE_VMAP_PAGE_4K;
}

/*
 * The IOVA mode for a test space on pages of page_size that does not test
 * IOVA modes: AUTO, except on 4 KiB pages under EAL's PA mode, where AUTO
 * would be PA and the library refuses PA on 4 KiB pages (the kernel moves
 * them) without a driver that pins: VA there.
 */
static inline enum rte_vmap_iova_mode
vmap_test_iova_mode(size_t page_size)
{
	return page_size == RTE_VMAP_PAGE_4K && rte_eal_iova_mode() == RTE_IOVA_PA ?
		RTE_VMAP_IOVA_VA : RTE_VMAP_IOVA_AUTO;
}

/* Parameters of a small test space: 1 GiB of VA, default everything else. */
static inline void
vmap_test_params(struct rte_vmap_params *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->va_size = (size_t)1 << 30;
	p->page_size = vmap_test_page_size();
	p->iova_mode = vmap_test_iova_mode(p->page_size);
}

/* The same on 4 KiB pages, whatever hugepages there are. */
static inline void
vmap_test_params_4k(struct rte_vmap_params *p, const char *name)
{
	vmap_test_params(p, name);
	p->page_size = RTE_VMAP_PAGE_4K;
	p->iova_mode = vmap_test_iova_mode(p->page_size);
}

/* ---- random numbers and ranges ------------------------------------------ */

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

/* ---- roles on several lcores -------------------------------------------- */

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

/* ---- pagemap ------------------------------------------------------------ */

/*
 * Physical address of addr read from /proc/self/pagemap (fd open on it);
 * 0 if the page is not present or the kernel hides frame numbers (they
 * need CAP_SYS_ADMIN).
 */
uint64_t vmap_test_pagemap_pa(int fd, const void *addr);

#endif /* _VMAP_TEST_UTIL_H_ */
