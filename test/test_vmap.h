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

/*
 * The backing page size tests use: 2 MiB when enough hugepages are free,
 * else 4 KiB (the library's no-hugepage mode), so the suites run anywhere.
 */
static inline size_t
vmap_test_page_size(void)
{
	return vmap_test_free_hugepages() >= 64 ? RTE_VMAP_PAGE_2M : RTE_VMAP_PAGE_4K;
}

/* Parameters of a small test space: 1 GiB of VA, default everything else. */
static inline void
vmap_test_params(struct rte_vmap_params *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->va_size = (size_t)1 << 30;
	p->page_size = vmap_test_page_size();
}

#endif /* _TEST_VMAP_H_ */
