/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _DPDK_TEST_UTIL_H_
#define _DPDK_TEST_UTIL_H_

/*
 * Shared by the DPDK integration suites, vmap_extmem_autotest
 * (test_vmap_extmem.c) and vmap_mempool_autotest (test_vmap_mempool.c).
 *
 * Both suites run in whatever IOVA mode EAL chose (PA with hugepages and
 * root, VA without hugepages); the *_va_autotest commands run the same
 * suites and skip unless EAL runs IOVA as VA (test/meson.build passes
 * --iova-mode=va to them), so one meson run covers both modes.
 */

#include <stdbool.h>
#include <stddef.h>

#include <rte_vmap.h>

#include "vmap_test_util.h"
#include "test.h"

/* EXTMEM spaces describe every backing page: keep them small (4 KiB pages: 64 Ki memsegs). */
#define DPDK_VA_SIZE ((size_t)256 << 20)

/* EAL's IOVA mode: "VA" or "PA". */
const char *eal_iova_name(void);

/*
 * A test space of DPDK_VA_SIZE with these flags, driver and IOVA mode;
 * page_size 0: the test default (2 MiB if free, else 4 KiB). NULL on failure.
 */
struct rte_vmap *dpdk_space_paged(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode, size_t page_size);

/* dpdk_space_paged() with the default page size. */
struct rte_vmap *dpdk_space(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode);

/* Run suite; va_only: skip unless EAL runs IOVA as VA (the *_va_autotest commands). */
int run_in_mode(struct unit_test_suite *suite, bool va_only);

#endif /* _DPDK_TEST_UTIL_H_ */
