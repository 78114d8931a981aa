/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_iommu_vfio_autotest: the "vfio" IOMMU driver. Without VFIO (this
 * machine) its open fails cleanly; its extent tracker (vfio_extent.c) runs
 * against a fake type1 container that records every DMA map and unmap and
 * enforces what the kernel does: no overlapping entries, no unmap that
 * splits an entry, a limit on entries. The cases check the recorded calls
 * and, after every step of a random workload under the real library
 * through a driver built on the tracker, that:
 *   - every byte of every live window translates to the right address;
 *   - entries never exceed the backing pages in use;
 *   - no entry holds a page that no live window touches (its backing may be
 *     gone: the IOMMU would send a reused IOVA to the old memory).
 *
 * The fake container is test_vmap_iommu_vfio_fake.c; the random workloads
 * against the tracker alone are vmap_iommu_vfio_model_autotest
 * (test_vmap_iommu_vfio_model.c).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_random.h>
#include <rte_vfio.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>

#include "test.h"
#include "test_vmap.h"
#include "test_vmap_iommu_vfio_fake.h"
#include "vmap_test_util.h"

/* ---- open without VFIO ---------------------------------------------------- */

static int
test_vfio_open_fails_without_vfio(void)
{
	struct rte_vmap_params p;
	unsigned int i;

	if (rte_vfio_is_enabled("vfio") != 0) {
		printf("VFIO is enabled here: nothing to check\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "vfio_none");
	p.iommu = "vfio";
	/* Twice: a failed creation leaves no space (nor its name) behind. */
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_NULL(rte_vmap_create(&p), "created without VFIO");
		TEST_ASSERT_EQUAL(rte_errno, ENODEV, "errno %d", rte_errno);
	}
	TEST_ASSERT_NULL(rte_vmap_lookup("vfio_none"), "a failed space is findable");
	return TEST_SUCCESS;
}

/* ---- the tracker in small cases ------------------------------------------- */

static int
test_vfio_windows_sharing_a_page_one_entry(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 65535);
	const uint64_t a = BASE + GRANULE, b = BASE + 16 * GRANULE, c = BASE + 100 * GRANULE;

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, a, a, GRANULE), "map a");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, b, b, 4 * GRANULE), "map b");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, c, c, 8 * GRANULE), "map c");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 1u, "%u calls for three windows in a page",
		fake_ct.nr_log);
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, BASE, PAGE_2M), "the page, once");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "entries");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, b, 4 * GRANULE), "unmap b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, a, GRANULE), "unmap a");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 1u, "unmapped while a window uses the page");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, c, 8 * GRANULE), "unmap c");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(1, 'u', BASE, BASE, PAGE_2M), "the page, once");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

static int
test_vfio_32m_window_one_entry(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 65535);
	const uint64_t w = BASE + 4 * PAGE_2M;

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, w, w, 32 * MIB), "map");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 1u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', w, w, 32 * MIB), "one 32 MiB entry");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, w, 32 * MIB), "unmap");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(1, 'u', w, w, 32 * MIB), "the same entry, whole");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

/*
 * A 32 MiB window off page boundaries: its own run plus the two pages it
 * covers in part, which its neighbours share; each entry goes when its
 * last user does, never cut.
 */
static int
test_vfio_unaligned_window_shares_end_pages(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 65535);
	const uint64_t w = BASE + 3 * GRANULE;               /* pages 0..16 */
	const uint64_t left = BASE;                          /* page 0 */
	const uint64_t right = BASE + 16 * PAGE_2M + 8 * GRANULE; /* page 16 */

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, left, left, 3 * GRANULE), "map left");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, w, w, 32 * MIB), "map w");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, right, right, GRANULE), "map right");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 3u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, BASE, PAGE_2M), "page 0");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + PAGE_2M, BASE + PAGE_2M, 15 * PAGE_2M),
		"pages 1-15, w's own");
	TEST_ASSERT_SUCCESS(check_call(2, 'm', BASE + 16 * PAGE_2M, BASE + 16 * PAGE_2M,
		PAGE_2M), "page 16");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 3u, "entries");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, w, 32 * MIB), "unmap w");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 4u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + PAGE_2M, BASE + PAGE_2M, 15 * PAGE_2M),
		"w's own run goes with it");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, right, GRANULE), "unmap right");
	TEST_ASSERT_SUCCESS(check_call(4, 'u', BASE + 16 * PAGE_2M, BASE + 16 * PAGE_2M,
		PAGE_2M), "page 16 with its last user");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, left, 3 * GRANULE), "unmap left");
	TEST_ASSERT_SUCCESS(check_call(5, 'u', BASE, BASE, PAGE_2M), "page 0");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 6u, "calls");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

/* DOMAIN: unrelated IOVAs, so each call is its own entry, unmapped exactly. */
static int
test_vfio_domain_mode_exact(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_EXACT, PAGE_2M, 65535);
	const uint64_t iova = UINT64_C(1) << 47;

	TEST_ASSERT_NOT_NULL(x, "create");
	/* Two windows in one backing page, far apart in IOVA. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE, iova + 5 * MIB, GRANULE), "map a");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + GRANULE, iova, 3 * GRANULE), "map b");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + PAGE_2M + GRANULE, iova + GRANULE * 3,
		PAGE_2M), "map c");
	TEST_ASSERT_EQUAL(vfio_extents_map(x, BASE + 8 * PAGE_2M, iova, GRANULE), -EEXIST,
		"an IOVA mapped twice");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 3u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, iova + 5 * MIB, GRANULE), "a");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + GRANULE, iova, 3 * GRANULE), "b");
	TEST_ASSERT_SUCCESS(check_call(2, 'm', BASE + PAGE_2M + GRANULE, iova + 3 * GRANULE,
		PAGE_2M), "c");
	TEST_ASSERT_EQUAL(vfio_extents_unmap(x, iova, GRANULE), -ENOENT, "part of b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova, 3 * GRANULE), "unmap b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova + 5 * MIB, GRANULE), "unmap a");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova + 3 * GRANULE, PAGE_2M), "unmap c");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 6u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + GRANULE, iova, 3 * GRANULE), "b");
	TEST_ASSERT_SUCCESS(check_call(4, 'u', BASE, iova + 5 * MIB, GRANULE), "a");
	TEST_ASSERT_SUCCESS(check_call(5, 'u', BASE + PAGE_2M + GRANULE, iova + 3 * GRANULE,
		PAGE_2M), "c");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

/* PA: IOVA linear within a backing page only; the run stops at each page. */
static int
test_vfio_pa_mode_per_page(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_PER_PAGE, PAGE_2M, 65535);
	const uint64_t pa0 = UINT64_C(0x180000000), pa1 = UINT64_C(0x7c600000);

	TEST_ASSERT_NOT_NULL(x, "create");
	/* A window over pages 0 and 1 arrives as two calls (one per page). */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + MIB, pa0 + MIB, MIB), "page 0 part");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + PAGE_2M, pa1, PAGE_2M), "page 1");
	/* A neighbour in page 0. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE, pa0, GRANULE), "neighbour");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, pa0, PAGE_2M), "page 0, shared");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + PAGE_2M, pa1, PAGE_2M), "page 1");
	/* A call over two pages (the library never makes one) is cut at the page. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + 4 * PAGE_2M, pa0 + 4 * PAGE_2M,
		2 * PAGE_2M), "two pages");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 4u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'm', BASE + 5 * PAGE_2M, pa0 + 5 * PAGE_2M,
		PAGE_2M), "second page apart");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0 + 4 * PAGE_2M, 2 * PAGE_2M), "unmap");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0 + MIB, MIB), "unmap page 0 part");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa1, PAGE_2M), "unmap page 1");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "page 0 still used by the neighbour");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0, GRANULE), "unmap neighbour");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	/* VA and IOVA at different offsets in a page: not a linear mapping. */
	TEST_ASSERT_EQUAL(vfio_extents_map(x, BASE, pa0 + GRANULE, GRANULE), -EINVAL,
		"incongruent offsets");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

/* A failure part-way leaves nothing behind: the limit, then a failing map. */
static int
test_vfio_failures_all_or_nothing(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 3);
	const uint64_t w = BASE + 8 * PAGE_2M + GRANULE; /* 3 pieces: pages 8, 9-10, 11 */

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE, BASE, GRANULE), "map page 0");
	TEST_ASSERT_EQUAL(vfio_extents_map(x, w, w, 3 * PAGE_2M), -ENOSPC, "over the limit");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "entries after the refusal");
	TEST_ASSERT_EQUAL(fake_ct.nr_live, 1u, "fake entries after the refusal");
	TEST_ASSERT_EQUAL(fake_ct.maps, 3u, "maps: page 0, then two pieces of w");
	TEST_ASSERT_EQUAL(fake_ct.unmaps, 2u, "the two pieces undone");

	/* The third piece's map fails: the first two are undone. */
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, BASE, GRANULE), "unmap page 0");
	fake_reset();
	fake_ct.fail_map_at = 3;
	TEST_ASSERT_EQUAL(vfio_extents_map(x, w, w, 3 * PAGE_2M), -EIO, "failing map");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake_ct.nr_live, 0u, "fake entries");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 4u, "calls: 2 maps, 2 unmaps");
	TEST_ASSERT_SUCCESS(check_call(2, 'u', BASE + 8 * PAGE_2M, BASE + 8 * PAGE_2M, PAGE_2M),
		"page 8 undone");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + 9 * PAGE_2M, BASE + 9 * PAGE_2M,
		2 * PAGE_2M), "pages 9-10 undone");

	/* A failed map of a window sharing a held page drops only its reference. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + 8 * PAGE_2M, BASE + 8 * PAGE_2M,
		GRANULE), "a user of page 8");
	fake_ct.fail_map_at = 2;
	TEST_ASSERT_EQUAL(vfio_extents_map(x, w, w, 3 * PAGE_2M), -EIO, "failing map");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "page 8 kept for its user");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, BASE + 8 * PAGE_2M, GRANULE), "unmap");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");

	/* Unknown or misaligned ranges change nothing. */
	fake_reset();
	TEST_ASSERT_EQUAL(vfio_extents_unmap(x, w, 3 * PAGE_2M), -ENOENT, "unknown range");
	TEST_ASSERT_EQUAL(vfio_extents_map(x, BASE + 1, BASE + 1, GRANULE), -EINVAL,
		"misaligned");
	TEST_ASSERT_EQUAL(fake_ct.nr_log, 0u, "calls");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

/* Entries a buggy caller leaves are removed at destroy. */
static int
test_vfio_destroy_removes_leftovers(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 65535);

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE, BASE, 2 * PAGE_2M), "map");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + 4 * PAGE_2M, BASE + 4 * PAGE_2M,
		GRANULE), "map");
	vfio_extents_destroy(x);
	TEST_ASSERT_EQUAL(fake_ct.nr_live, 0u, "entries left in the container");
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	TEST_ASSERT_NULL(vfio_extents_create(VFIO_EXTENT_LINEAR, 3 * GRANULE, 10, &fake_ops,
		NULL), "a page size not a power of two");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	return TEST_SUCCESS;
}

/* ---- under the library ----------------------------------------------------- */

/*
 * A driver that is "vfio" with the fake container in place of the ioctls:
 * the library's real map and unmap calls drive the tracker.
 */
static int
lib_open(struct rte_vmap *vm, const char *args, void **priv)
{
	enum rte_vmap_iova_mode mode = rte_vmap_iova_mode_get(vm);
	struct vfio_extents *x;

	RTE_SET_USED(args);
	fake_reset();
	x = vfio_extents_create(mode == RTE_VMAP_IOVA_VA ? VFIO_EXTENT_LINEAR :
		mode == RTE_VMAP_IOVA_PA ? VFIO_EXTENT_PER_PAGE : VFIO_EXTENT_EXACT,
		rte_vmap_page_size(vm), 65535, &fake_ops, NULL);
	if (x == NULL)
		return -rte_errno;
	*priv = x;
	return 0;
}

static void
lib_close(void *priv)
{
	vfio_extents_destroy(priv);
}

static int
lib_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	return vfio_extents_map(priv, (uintptr_t)va, iova, len);
}

static int
lib_unmap(void *priv, rte_iova_t iova, size_t len)
{
	return vfio_extents_unmap(priv, iova, len);
}

static struct rte_vmap_iommu_ops fake_vfio_ops = {
	.name = "test_vfio_fake",
	.open = lib_open,
	.close = lib_close,
	.map = lib_map,
	.unmap = lib_unmap,
};

RTE_VMAP_IOMMU_REGISTER(fake_vfio_ops);

#define LIB_SLOTS 48

/* Every live window translates right; no entry holds an unused page. */
static int
lib_check(struct rte_vmap *vm, uint8_t * const *win, const size_t *size)
{
	const uint64_t page = rte_vmap_page_size(vm);
	const struct fake_entry *e;
	unsigned int i, live_pages = 0;
	uint64_t a, p;
	rte_iova_t iova;

	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "the container saw violations");
	for (i = 0; i < LIB_SLOTS; i++) {
		if (win[i] == NULL)
			continue;
		for (a = (uintptr_t)win[i]; a < (uintptr_t)win[i] + size[i]; a += GRANULE) {
			if (!granule_sampled(a, (uintptr_t)win[i], (uintptr_t)win[i] + size[i],
					page))
				continue;
			iova = rte_vmap_virt2iova(vm, (void *)a);
			e = fake_find(iova);
			TEST_ASSERT_NOT_NULL(e, "no entry for 0x%" PRIx64, a);
			TEST_ASSERT_EQUAL(e->va + (iova - e->iova), a,
				"0x%" PRIx64 " mistranslated", a);
		}
	}
	for (i = 0; i < fake_ct.nr_slots; i++) {
		e = &fake_ct.e[i];
		if (!e->live)
			continue;
		/* A page in use has some granule in a live window. */
		for (p = e->va & ~(page - 1); p < e->va + e->len; p += page) {
			for (a = p; a < p + page; a += GRANULE)
				if (rte_vmap_virt2iova(vm, (void *)a) != RTE_BAD_IOVA)
					break;
			TEST_ASSERT(a < p + page, "entry 0x%" PRIx64 "+%" PRIu64 " holds page 0x%"
				PRIx64 ", in no live window", e->iova, e->len, p);
			live_pages++;
		}
	}
	TEST_ASSERT(fake_ct.nr_live <= live_pages || page == GRANULE, "%u entries for %u pages",
		fake_ct.nr_live, live_pages);
	return TEST_SUCCESS;
}

/*
 * Random allocs and frees. Lazily freed windows keep their translation
 * (and their backing) until a purge, so without RTE_VMAP_F_STRICT every
 * check comes after a purge: then only live windows may hold entries.
 */
static int
run_under_library(enum rte_vmap_iova_mode mode, const char *name, unsigned int flags)
{
	uint8_t *win[LIB_SLOTS] = { NULL };
	size_t size[LIB_SLOTS];
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	unsigned int op, k;

	vmap_test_params(&p, name);
	p.iommu = "test_vfio_fake";
	p.iova_mode = mode;
	p.flags = flags;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_iova_mode_get(vm), mode, "rte_vmap_iova_mode_get");
	TEST_ASSERT_EQUAL(rte_vmap_page_size(vm), p.page_size, "rte_vmap_page_size");
	for (op = 0; op < 1500; op++) {
		k = rte_rand_max(LIB_SLOTS);
		if (win[k] != NULL) {
			TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[k]), "free");
			win[k] = NULL;
		} else {
			size[k] = (rte_rand_max(8) == 0 ? rte_rand_max(1024) : rte_rand_max(16)) *
				GRANULE + GRANULE;
			win[k] = rte_vmap_alloc(vm, size[k], 0, SOCKET_ID_ANY);
			TEST_ASSERT_NOT_NULL(win[k], "alloc: %d", rte_errno);
		}
		if (op % 16 != 0)
			continue;
		if ((flags & RTE_VMAP_F_STRICT) == 0)
			TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
		TEST_ASSERT_SUCCESS(lib_check(vm, win, size), "after op %u", op);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(lib_check(vm, win, size), "at the end");
	printf("  %s: %u DMA maps, %u entries held for the live windows\n", name, fake_ct.maps,
		fake_ct.nr_live);
	for (k = 0; k < LIB_SLOTS; k++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[k]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(fake_ct.nr_live, 0u, "entries left after every free and a purge");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "violations");
	return TEST_SUCCESS;
}

static int
test_vfio_tracker_under_library_va(void)
{
	TEST_ASSERT_SUCCESS(run_under_library(RTE_VMAP_IOVA_VA, "vfio_lib_va", 0), "lazy");
	return run_under_library(RTE_VMAP_IOVA_VA, "vfio_lib_va_s", RTE_VMAP_F_STRICT);
}

static int
test_vfio_tracker_under_library_domain(void)
{
	TEST_ASSERT_SUCCESS(run_under_library(RTE_VMAP_IOVA_DOMAIN, "vfio_lib_dom", 0),
		"lazy");
	return run_under_library(RTE_VMAP_IOVA_DOMAIN, "vfio_lib_dom_s", RTE_VMAP_F_STRICT);
}

static int
test_vfio_tracker_under_library_pa(void)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("EAL is not in PA mode: physical addresses are not readable\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_SUCCESS(run_under_library(RTE_VMAP_IOVA_PA, "vfio_lib_pa", 0), "lazy");
	return run_under_library(RTE_VMAP_IOVA_PA, "vfio_lib_pa_s", RTE_VMAP_F_STRICT);
}

static struct unit_test_suite vmap_iommu_vfio_suite = {
	.suite_name = "vmap VFIO IOMMU driver and its extents",
	.unit_test_cases = {
		TEST_CASE(test_vfio_open_fails_without_vfio),
		TEST_CASE(test_vfio_windows_sharing_a_page_one_entry),
		TEST_CASE(test_vfio_32m_window_one_entry),
		TEST_CASE(test_vfio_unaligned_window_shares_end_pages),
		TEST_CASE(test_vfio_domain_mode_exact),
		TEST_CASE(test_vfio_pa_mode_per_page),
		TEST_CASE(test_vfio_failures_all_or_nothing),
		TEST_CASE(test_vfio_destroy_removes_leftovers),
		TEST_CASE(test_vfio_tracker_under_library_va),
		TEST_CASE(test_vfio_tracker_under_library_domain),
		TEST_CASE(test_vfio_tracker_under_library_pa),
		TEST_CASES_END()
	}
};

static int
test_vmap_iommu_vfio(void)
{
	return unit_test_suite_runner(&vmap_iommu_vfio_suite);
}

REGISTER_TEST_COMMAND(vmap_iommu_vfio_autotest, test_vmap_iommu_vfio);

