/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_smoke_autotest: a self-test of the runner, not of the library. It
 * checks that the EAL came up with at least one lcore, through a one-case
 * suite so that unit_test_suite_runner() and the DPDK_TEST path are exercised
 * even before the library has any test of its own.
 */

#include <rte_lcore.h>

#include "test.h"

static int
test_eal_has_lcores(void)
{
	TEST_ASSERT(rte_lcore_count() >= 1, "rte_lcore_count() is %u",
		rte_lcore_count());
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_smoke_suite = {
	.suite_name = "vmap smoke (runner self-test)",
	.setup = NULL,
	.teardown = NULL,
	.unit_test_cases = {
		TEST_CASE(test_eal_has_lcores),
		TEST_CASES_END()
	},
};

static int
test_vmap_smoke(void)
{
	return unit_test_suite_runner(&vmap_smoke_suite);
}

REGISTER_FAST_TEST(vmap_smoke_autotest, NOHUGE_OK, ASAN_OK, test_vmap_smoke);
