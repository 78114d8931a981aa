/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * IOVA modes and the IOMMU driver contract, checked by the recording
 * driver of rec_iommu.h, which fails the test on any violation of
 * API.md's invariants 1, 2, 3, 6, and whose map fails on demand
 * (invariant 5).
 */

#include <errno.h>
#include <stdbool.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vmap_iommu.h>

#include "rec_iommu.h"
#include "vmap_test_util.h"

static int
test_iommu_register_misuse(void)
{
	static struct rte_vmap_iommu_ops unnamed = { .name = NULL };

	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(NULL), -EINVAL, "NULL ops");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(&unnamed), -EINVAL, "no name");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(&rec_iommu_ops), -EEXIST, "twice");
	TEST_ASSERT_EQUAL(rte_errno, EEXIST, "errno %d", rte_errno);
	return TEST_SUCCESS;
}

/* Random allocs and frees through the recording driver in one IOVA mode. */
static int
run_recorded_workload(enum rte_vmap_iova_mode mode, const char *name, unsigned int flags)
{
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct rte_vmap_window w;
	struct rec_counts c;
	struct rte_vmap *vm;
	void *win[64] = { NULL };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i, k, frees = 0;

	vmap_test_params(&p, name);
	p.iommu = REC_IOMMU;
	p.iova_mode = mode;
	p.flags = flags;
	p.lazy_max = 32 << 20; /* several purges in the run, many frees each */
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %d", name, rte_errno);
	for (i = 0; i < 3000; i++) {
		k = vmap_test_rand(&x) % RTE_DIM(win);
		if (win[k] != NULL) {
			TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[k]), "free");
			win[k] = NULL;
			/* Strict or lazy, no unmap stays unflushed past a free. */
			TEST_ASSERT_EQUAL(rec_count(true), 0u, "unflushed unmap after free");
			frees++;
			continue;
		}
		win[k] = rte_vmap_alloc(vm, ((x >> 8) % 64 + 1) * 4096 * ((x >> 20) % 8 == 0 ?
			64 : 1), 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[k], "alloc: %d", rte_errno);
		TEST_ASSERT_SUCCESS(rte_vmap_find(vm, win[k], &w), "find");
		/* DOMAIN's default IOVAs are reserved VA: never an EAL IOVA-as-VA. */
		if (mode == RTE_VMAP_IOVA_DOMAIN)
			TEST_ASSERT_NULL(rte_mem_virt2memseg((void *)(uintptr_t)w.iova, NULL),
				"DOMAIN iova 0x%" PRIx64 " collides with EAL memory", w.iova);
		if (mode == RTE_VMAP_IOVA_VA)
			TEST_ASSERT_EQUAL(w.iova, (rte_iova_t)(uintptr_t)win[k], "VA mode iova");
	}
	rec_counts_get(&c);
	TEST_ASSERT_EQUAL(c.violations, 0u, "driver saw %" PRIu64 " violations", c.violations);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	if ((flags & RTE_VMAP_F_STRICT) != 0) {
		TEST_ASSERT(c.flushes >= frees, "strict: %" PRIu64 " flushes for %u frees",
			c.flushes, frees);
	} else if (mode == RTE_VMAP_IOVA_PA) {
		/* Hugepages lie anywhere in physical memory: a flush per GiB at most. */
		TEST_ASSERT(st.nr_purges * 8 < frees, "lazy: %" PRIu64 " purges for %u frees",
			st.nr_purges, frees);
		TEST_ASSERT(c.flushes <= st.nr_purges * c.nr_gib, "lazy: %" PRIu64 " flushes for %"
			PRIu64 " purges over %u GiB", c.flushes, st.nr_purges, c.nr_gib);
	} else {
		TEST_ASSERT(c.flushes * 8 < frees, "lazy: %" PRIu64 " flushes for %u frees",
			c.flushes, frees);
	}
	for (k = 0; k < RTE_DIM(win); k++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[k]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	/* Invariant 3: after a purge every unmap has its flush. */
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "purge left an unflushed unmap");
	TEST_ASSERT_EQUAL(rec_count(false), 0u, "mappings left after every free and a purge");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_count(true), 0u, "destroy left an unflushed unmap");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "driver saw %" PRIu64 " violations",
		rec_violations_get());
	return TEST_SUCCESS;
}

static int
test_recorded_driver_va_mode(void)
{
	TEST_ASSERT_SUCCESS(run_recorded_workload(RTE_VMAP_IOVA_VA, "iova_rec_va", 0), "lazy");
	return run_recorded_workload(RTE_VMAP_IOVA_VA, "iova_rec_va_s", RTE_VMAP_F_STRICT);
}

static int
test_recorded_driver_domain_mode(void)
{
	TEST_ASSERT_SUCCESS(run_recorded_workload(RTE_VMAP_IOVA_DOMAIN, "iova_rec_dom", 0),
		"lazy");
	return run_recorded_workload(RTE_VMAP_IOVA_DOMAIN, "iova_rec_dom_s",
		RTE_VMAP_F_STRICT);
}

static int
test_recorded_driver_pa_mode(void)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("EAL is not in PA mode: physical addresses are not readable\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_SUCCESS(run_recorded_workload(RTE_VMAP_IOVA_PA, "iova_rec_pa", 0), "lazy");
	return run_recorded_workload(RTE_VMAP_IOVA_PA, "iova_rec_pa_s", RTE_VMAP_F_STRICT);
}

/* DOMAIN windows are IOVA-contiguous and never share IOVA. */
static int
test_domain_windows_contiguous_disjoint(void)
{
	struct rte_vmap_params p;
	struct rte_vmap_window wa, wb;
	struct rte_vmap *vm;
	char *a, *b;
	size_t off;

	vmap_test_params(&p, "iova_dom");
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	p.iova_base = UINT64_C(1) << 40;
	p.iova_size = UINT64_C(1) << 30;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	a = rte_vmap_alloc(vm, 5 << 20, 0, SOCKET_ID_ANY);
	b = rte_vmap_alloc(vm, 3 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT(a != NULL && b != NULL, "alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, a, &wa), "find a");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, b, &wb), "find b");
	for (off = 0; off < wa.size; off += 4096 * 17 + 3)
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, a + off), wa.iova + off, "contiguous");
	TEST_ASSERT(wa.iova >= p.iova_base && wa.iova + wa.size <= p.iova_base + p.iova_size,
		"outside the given range");
	TEST_ASSERT(!vmap_test_overlaps(wa.iova, wa.size, wb.iova, wb.size), "IOVA overlap");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* An IOVA range smaller than the VA: exhausting it is ENOMEM, nothing lost. */
static int
test_domain_iova_exhaustion_enomem(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	void *a;

	vmap_test_params(&p, "iova_small");
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	p.iova_size = 1 << 20;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	a = rte_vmap_alloc(vm, 1 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc of the whole IOVA range");
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 8192, 0, SOCKET_ID_ANY), "IOVA exhausted");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d", rte_errno);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
	/*
	 * The freed window still holds its IOVA (lazy, then pooled): an alloc
	 * that finds the IOVA range used up reclaims it, as for VA.
	 */
	a = rte_vmap_alloc(vm, 512 << 10, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "IOVA held by a freed window was not reclaimed: %d",
		rte_errno);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* PA mode: the IOVA of any byte is its physical address. */
static int
test_pa_mode_matches_pagemap(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	char *a;
	size_t off;

	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("EAL is not in PA mode: physical addresses are not readable\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "iova_pa");
	p.iova_mode = RTE_VMAP_IOVA_PA;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	a = rte_vmap_alloc(vm, 5 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc");
	for (off = 0; off < (5 << 20); off += 4096 * 13 + 7)
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, a + off), rte_mem_virt2phy(a + off),
			"offset %zu", off);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* Invariant 5: a failing map leaves the space unchanged. */
static int
test_map_failure_leaves_space_unchanged(void)
{
	struct rte_vmap_stats before, after;
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	void *w[32];
	unsigned int i, ok = 0, failed = 0;

	vmap_test_params(&p, "iova_fail");
	p.iommu = REC_IOMMU;
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	rec_fail_every(3);
	for (i = 0; i < RTE_DIM(w); i++) {
		TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
		w[i] = rte_vmap_alloc(vm, (i % 5 + 1) * 4096, 0, SOCKET_ID_ANY);
		if (w[i] != NULL) {
			ok++;
			continue;
		}
		failed++;
		TEST_ASSERT_EQUAL(rte_errno, EIO, "errno %d, the driver said EIO", rte_errno);
		TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
		TEST_ASSERT(before.nr_windows == after.nr_windows &&
			before.va_used == after.va_used, "failed map changed the space");
		VMAP_TEST_VERIFY(vm);
	}
	rec_fail_every(0);
	TEST_ASSERT(ok > 0 && failed > 0, "ok %u failed %u", ok, failed);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[i]), "free");
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(rec_violations_get(), 0u, "violations at destroy");
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_iova_suite = {
	.suite_name = "vmap IOVA modes and drivers",
	.unit_test_cases = {
		TEST_CASE(test_iommu_register_misuse),
		TEST_CASE(test_recorded_driver_va_mode),
		TEST_CASE(test_recorded_driver_domain_mode),
		TEST_CASE(test_recorded_driver_pa_mode),
		TEST_CASE(test_domain_windows_contiguous_disjoint),
		TEST_CASE(test_domain_iova_exhaustion_enomem),
		TEST_CASE(test_pa_mode_matches_pagemap),
		TEST_CASE(test_map_failure_leaves_space_unchanged),
		TEST_CASES_END()
	}
};

static int
test_vmap_iova(void)
{
	return unit_test_suite_runner(&vmap_iova_suite);
}

REGISTER_FAST_TEST(vmap_iova_autotest, NOHUGE_OK, ASAN_OK, test_vmap_iova);
