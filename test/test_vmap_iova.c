/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * IOVA modes and the IOMMU driver contract, checked by a recording driver
 * that fails the test on any violation of API.md's invariants 1, 2, 5, 6,
 * and by a driver whose map fails on demand.
 */

#include <errno.h>
#include <stdbool.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vmap_iommu.h>

#include "vmap_test_util.h"

#define REC_MAX 4096

/* What the recording driver saw: live mappings and unflushed unmaps. */
static struct vmap_test_rec rec[REC_MAX];
static unsigned int rec_n;
static unsigned int rec_violations;
static unsigned int rec_maps, rec_unmaps, rec_flushes;
static unsigned int fail_map_every; /* fail every Nth map; 0 = never */
/*
 * The distinct GiBs of IOVA mapped (PA mode: where the hugepages lie): a
 * purge flushes once per cluster of runs less than 1 GiB apart, so at
 * most once per GiB in this set.
 */
#define REC_GIBS 64
static uint64_t rec_gib[REC_GIBS];
static unsigned int rec_gib_n;

static void
rec_note_gibs(rte_iova_t iova, size_t len)
{
	uint64_t g;
	unsigned int i;

	for (g = iova >> 30; g <= (iova + len - 1) >> 30; g++) {
		for (i = 0; i < rec_gib_n && rec_gib[i] != g; i++)
			;
		if (i == rec_gib_n && rec_gib_n < REC_GIBS)
			rec_gib[rec_gib_n++] = g;
	}
}

static int
rec_open(struct rte_vmap *vm, const char *args, void **priv)
{
	RTE_SET_USED(vm);
	RTE_SET_USED(args);
	*priv = rec;
	rec_n = 0;
	rec_violations = 0;
	rec_maps = rec_unmaps = rec_flushes = 0;
	rec_gib_n = 0;
	return 0;
}

static int
rec_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	unsigned int i;

	RTE_SET_USED(priv);
	if (fail_map_every != 0 && ++rec_maps % fail_map_every == 0)
		return -EIO;
	if (((uintptr_t)va | iova | len) & 4095) {
		printf("violation: unaligned map %p 0x%" PRIx64 "+%zu\n", va, iova, len);
		rec_violations++;
	}
	for (i = 0; i < rec_n; i++) {
		/* Invariant 1: no map over an unflushed unmap, in VA or IOVA. */
		if (rec[i].stale && (vmap_test_overlaps(rec[i].iova, rec[i].len, iova, len) ||
				vmap_test_overlaps(rec[i].va, rec[i].len, (uintptr_t)va, len))) {
			printf("violation: map %p over an unflushed unmap\n", va);
			rec_violations++;
		}
		if (rec[i].live && vmap_test_overlaps(rec[i].iova, rec[i].len, iova, len)) {
			printf("violation: IOVA 0x%" PRIx64 " mapped twice\n", iova);
			rec_violations++;
		}
	}
	rec_note_gibs(iova, len);
	return vmap_test_rec_add(rec, &rec_n, REC_MAX, va, iova, len);
}

static int
rec_unmap(void *priv, rte_iova_t iova, size_t len)
{
	unsigned int i, covered = 0;
	size_t bytes = 0;

	RTE_SET_USED(priv);
	rec_unmaps++;
	/*
	 * Invariant 6: an unmap covers whole earlier maps (a lazy purge may
	 * merge neighbours into one unmap) and never part of one.
	 */
	for (i = 0; i < rec_n; i++) {
		if (!rec[i].live || !vmap_test_overlaps(rec[i].iova, rec[i].len, iova, len))
			continue;
		if (rec[i].iova < iova || rec[i].iova + rec[i].len > iova + len) {
			printf("violation: unmap 0x%" PRIx64 "+%zu splits a map\n", iova, len);
			rec_violations++;
			return -EINVAL;
		}
		covered++;
		bytes += rec[i].len;
	}
	if (covered == 0 || bytes != len) {
		printf("violation: unmap 0x%" PRIx64 "+%zu covers %zu mapped bytes\n", iova,
			len, bytes);
		rec_violations++;
		return -ENOENT;
	}
	vmap_test_rec_unmapped(rec, rec_n, iova, len);
	return 0;
}

static int
rec_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	RTE_SET_USED(priv);
	rec_flushes++;
	vmap_test_rec_flushed(rec, rec_n, start, end);
	return 0;
}

/* Entries owed a flush (stale true), or live mappings (false). */
static unsigned int
rec_count(bool stale)
{
	return vmap_test_rec_count(rec, rec_n, stale);
}

static struct rte_vmap_iommu_ops rec_ops = {
	.name = "test_rec",
	.open = rec_open,
	.map = rec_map,
	.unmap = rec_unmap,
	.flush = rec_flush,
};

RTE_VMAP_IOMMU_REGISTER(rec_ops);

static int
test_iommu_register_misuse(void)
{
	static struct rte_vmap_iommu_ops unnamed = { .name = NULL };

	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(NULL), -EINVAL, "NULL ops");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(&unnamed), -EINVAL, "no name");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_register(&rec_ops), -EEXIST, "twice");
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
	struct rte_vmap *vm;
	void *win[64] = { NULL };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i, k, frees = 0;

	vmap_test_params(&p, name);
	p.iommu = "test_rec";
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
	TEST_ASSERT_EQUAL(rec_violations, 0u, "driver saw %u violations", rec_violations);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	if ((flags & RTE_VMAP_F_STRICT) != 0) {
		TEST_ASSERT(rec_flushes >= frees, "strict: %u flushes for %u frees",
			rec_flushes, frees);
	} else if (mode == RTE_VMAP_IOVA_PA) {
		/* Hugepages lie anywhere in physical memory: a flush per GiB at most. */
		TEST_ASSERT(st.nr_purges * 8 < frees, "lazy: %" PRIu64 " purges for %u frees",
			st.nr_purges, frees);
		TEST_ASSERT(rec_flushes <= st.nr_purges * rec_gib_n, "lazy: %u flushes for %"
			PRIu64 " purges over %u GiB", rec_flushes, st.nr_purges, rec_gib_n);
	} else {
		TEST_ASSERT(rec_flushes * 8 < frees, "lazy: %u flushes for %u frees",
			rec_flushes, frees);
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
	TEST_ASSERT_EQUAL(rec_violations, 0u, "driver saw %u violations", rec_violations);
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
	p.iommu = "test_rec";
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	fail_map_every = 3;
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
	fail_map_every = 0;
	TEST_ASSERT(ok > 0 && failed > 0, "ok %u failed %u", ok, failed);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[i]), "free");
	TEST_ASSERT_EQUAL(rec_violations, 0u, "violations");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
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

REGISTER_TEST_COMMAND(vmap_iova_autotest, test_vmap_iova);
