/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* Spaces: create, lookup, destroy, and every misuse of create. */

#include <errno.h>

#include <rte_errno.h>

#include "vmap_test_util.h"

static int
test_create_lookup_destroy(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, "sp_basic");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_lookup("sp_basic"), vm, "lookup did not find it");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_NULL(rte_vmap_lookup("sp_basic"), "found after destroy");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "lookup errno %d", rte_errno);
	rte_vmap_destroy(NULL);
	return TEST_SUCCESS;
}

static int
expect_create_fails(const struct rte_vmap_params *p, int err)
{
	struct rte_vmap *vm = rte_vmap_create(p);

	if (vm != NULL) {
		rte_vmap_destroy(vm);
		printf("create succeeded, expected errno %d\n", err);
		return TEST_FAILED;
	}
	TEST_ASSERT_EQUAL(rte_errno, err, "errno %d, expected %d", rte_errno, err);
	return TEST_SUCCESS;
}

static int
test_create_rejects_bad_params(void)
{
	struct rte_vmap_params p;
	char long_name[RTE_VMAP_NAMESIZE + 1];

	TEST_ASSERT_NULL(rte_vmap_create(NULL), "NULL params accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);

	vmap_test_params(&p, NULL);
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "NULL name");
	vmap_test_params(&p, "");
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "empty name");
	memset(long_name, 'x', RTE_VMAP_NAMESIZE);
	long_name[RTE_VMAP_NAMESIZE] = '\0';
	vmap_test_params(&p, long_name);
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "name of NAMESIZE chars");

	vmap_test_params(&p, "sp_bad");
	p.page_size = 8192;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "page size 8K");
	vmap_test_params(&p, "sp_bad");
	p.iova_mode = (enum rte_vmap_iova_mode)42;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "iova mode 42");
	vmap_test_params(&p, "sp_bad");
	p.iommu = "no_such_driver";
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "unknown iommu");
	vmap_test_params(&p, "sp_bad");
	p.flags = 1u << 30;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "unknown flag");
	vmap_test_params(&p, "sp_bad");
	p.nr_nodes = 100000;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "too many nodes");
	vmap_test_params(&p, "sp_bad");
	p.topology = "this is not a topology";
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "bad topology");
	vmap_test_params(&p, "sp_bad");
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	p.iova_base = 0x1001;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "unaligned iova_base");
	/*
	 * A range that wraps only once the defaults are filled in: iova_size 0
	 * is the VA size; iova_base 0 is a reserved range, refused over 2^46.
	 * It once made a space with no IOVA at all, whose every allocation
	 * failed with ENOMEM.
	 */
	p.iova_base = UINT64_C(0xfffffffff0000000);
	p.iova_size = 0;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "iova_base + default size wraps");
	p.iova_base = 0;
	p.iova_size = UINT64_MAX - (UINT64_C(1) << 40) + 1;
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EINVAL), "default base + iova_size wraps");
	TEST_ASSERT_NULL(rte_vmap_lookup("sp_bad"), "a failed create left a space");
	return TEST_SUCCESS;
}

static int
test_create_duplicate_name_eexist(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, "sp_dup");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(expect_create_fails(&p, EEXIST), "duplicate name");
	TEST_ASSERT_EQUAL(rte_vmap_lookup("sp_dup"), vm, "the first space is gone");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_create_1g_pages_unavailable_enotsup(void)
{
	struct rte_vmap_params p;
	if (vmap_test_hugepages(RTE_VMAP_PAGE_1G, "nr_hugepages") != 0) {
		printf("1 GiB hugepages are reserved here: nothing to check\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "sp_1g");
	p.page_size = RTE_VMAP_PAGE_1G;
	p.va_size = (size_t)4 << 30;
	return expect_create_fails(&p, ENOTSUP);
}

static int
test_create_4k_pages_needs_no_hugepages(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	char *w;

	vmap_test_params_4k(&p, "sp_4k");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	w = rte_vmap_alloc(vm, 3 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w, "alloc failed: %d", rte_errno);
	memset(w, 0xa5, 3 * 4096);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w), "free failed");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_destroy_releases_live_windows(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	unsigned long before;
	int i;

	vmap_test_params(&p, "sp_live");
	if (p.page_size != RTE_VMAP_PAGE_2M) {
		printf("no hugepages: cannot count them back\n");
		return TEST_SKIPPED;
	}
	/* This process's own hugepages: tests running beside it do not count. */
	before = vmap_test_process_hugetlb_kb();
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	for (i = 0; i < 8; i++)
		TEST_ASSERT_NOT_NULL(rte_vmap_alloc(vm, (size_t)(i + 1) << 20, 0, SOCKET_ID_ANY),
			"alloc %d failed", i);
	TEST_ASSERT(vmap_test_process_hugetlb_kb() >= before + (36 << 10),
		"36 MiB of windows hold %lu kB", vmap_test_process_hugetlb_kb() - before);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), before, "hugepages not given back: "
		"%lu kB, %lu kB before", vmap_test_process_hugetlb_kb(), before);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_space_suite = {
	.suite_name = "vmap space",
	.unit_test_cases = {
		TEST_CASE(test_create_lookup_destroy),
		TEST_CASE(test_create_rejects_bad_params),
		TEST_CASE(test_create_duplicate_name_eexist),
		TEST_CASE(test_create_1g_pages_unavailable_enotsup),
		TEST_CASE(test_create_4k_pages_needs_no_hugepages),
		TEST_CASE(test_destroy_releases_live_windows),
		TEST_CASES_END()
	}
};

static int
test_vmap_space(void)
{
	return unit_test_suite_runner(&vmap_space_suite);
}

REGISTER_FAST_TEST(vmap_space_autotest, NOHUGE_OK, ASAN_OK, test_vmap_space);
