/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _TEST_VMAP_H_
#define _TEST_VMAP_H_

/* Helpers the vmap test suites share. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_vmap.h>

#include "test.h"

/* Sizes, once for every test file. */
#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)

/* Fail the current test case unless the space is consistent. */
#define VMAP_TEST_VERIFY(vm) \
	TEST_ASSERT_SUCCESS(rte_vmap_verify(vm), "rte_vmap_verify() failed")

/* Free 2 MiB hugepages on the system right now (0 if none). */
static inline unsigned long
vmap_test_free_hugepages(void)
{
	unsigned long nr = 0;
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu", &nr) != 1)
			nr = 0;
		fclose(f);
	}
	return nr;
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

#endif /* _TEST_VMAP_H_ */
