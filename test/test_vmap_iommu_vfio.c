/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_iommu_vfio_autotest: the "vfio" IOMMU driver. Without VFIO (this
 * machine) its open fails cleanly; its extent tracker (vfio_extent.c) runs
 * against a fake type1 container that records every DMA map and unmap and
 * enforces what the kernel does: no overlapping entries, no unmap that
 * splits an entry, a limit on entries. The cases check the recorded calls
 * and, after every step of random workloads (alone, and under the real
 * library through a driver built on the tracker), that:
 *   - every byte of every live window translates to the right address;
 *   - entries never exceed the backing pages in use;
 *   - no entry holds a page that no live window touches (its backing may be
 *     gone: the IOMMU would send a reused IOVA to the old memory).
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
#include "vfio_extent.h"

#define GRANULE UINT64_C(4096)
#define PAGE_2M (UINT64_C(1) << 21)
#define MIB (UINT64_C(1) << 20)

/* ---- a fake type1 container --------------------------------------------- */

#define FAKE_ENTRIES 8192
#define FAKE_LOG 64

struct fake_call {
	char op; /* 'm' map, 'u' unmap */
	uint64_t va;
	uint64_t iova;
	uint64_t len;
};

struct fake_entry {
	uint64_t va;
	uint64_t iova;
	uint64_t len;
	bool live;
};

static struct {
	struct fake_entry e[FAKE_ENTRIES];
	unsigned int nr_slots;   /* slots ever used */
	unsigned int nr_live;
	unsigned int maps;       /* successful map calls */
	unsigned int unmaps;     /* successful unmap calls */
	unsigned int violations;
	unsigned int fail_map_at; /* the Nth map call from now fails; 0 = none */
	struct fake_call log[FAKE_LOG]; /* the first calls since fake_reset() */
	unsigned int nr_log;
} fake;

static void
fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

static void
fake_record(char op, uint64_t va, uint64_t iova, uint64_t len)
{
	if (fake.nr_log < FAKE_LOG)
		fake.log[fake.nr_log] = (struct fake_call){ op, va, iova, len };
	fake.nr_log++;
}

static bool
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int
fake_map(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	unsigned int i, slot = FAKE_ENTRIES;

	RTE_SET_USED(ctx);
	if (fake.fail_map_at != 0 && --fake.fail_map_at == 0)
		return -EIO;
	for (i = 0; i < fake.nr_slots; i++) {
		if (!fake.e[i].live) {
			slot = RTE_MIN(slot, i);
			continue;
		}
		/* type1 refuses an entry over another (vfio_find_dma). */
		if (overlaps(fake.e[i].iova, fake.e[i].len, iova, len)) {
			printf("violation: map 0x%" PRIx64 "+%" PRIu64 " over entry 0x%" PRIx64
				"+%" PRIu64 "\n", iova, len, fake.e[i].iova, fake.e[i].len);
			fake.violations++;
			return -EEXIST;
		}
	}
	if (slot == FAKE_ENTRIES) {
		if (fake.nr_slots == FAKE_ENTRIES)
			return -ENOSPC;
		slot = fake.nr_slots++;
	}
	fake.e[slot] = (struct fake_entry){ va, iova, len, true };
	fake.nr_live++;
	fake.maps++;
	fake_record('m', va, iova, len);
	return 0;
}

static int
fake_unmap(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	unsigned int i;

	RTE_SET_USED(ctx);
	for (i = 0; i < fake.nr_slots; i++) {
		struct fake_entry *e = &fake.e[i];

		if (!e->live || !overlaps(e->iova, e->len, iova, len))
			continue;
		/* type1 cannot split an entry; the tracker must unmap it whole. */
		if (e->iova != iova || e->len != len || e->va != va) {
			printf("violation: unmap 0x%" PRIx64 "+%" PRIu64
				" splits or misses entry 0x%" PRIx64 "+%" PRIu64 "\n",
				iova, len, e->iova, e->len);
			fake.violations++;
			return -EINVAL;
		}
		e->live = false;
		fake.nr_live--;
		fake.unmaps++;
		fake_record('u', va, iova, len);
		return 0;
	}
	printf("violation: unmap 0x%" PRIx64 "+%" PRIu64 " of nothing\n", iova, len);
	fake.violations++;
	return -ENOENT;
}

static const struct vfio_extent_ops fake_ops = {
	.map = fake_map,
	.unmap = fake_unmap,
};

/* The recorded call i is exactly (op, va, iova, len). */
static int
check_call(unsigned int i, char op, uint64_t va, uint64_t iova, uint64_t len)
{
	const struct fake_call *c = &fake.log[i];

	TEST_ASSERT(i < fake.nr_log, "call %u was not made (%u calls)", i, fake.nr_log);
	TEST_ASSERT(c->op == op && c->va == va && c->iova == iova && c->len == len,
		"call %u: %c 0x%" PRIx64 "->0x%" PRIx64 "+%" PRIu64 ", expected %c 0x%" PRIx64
		"->0x%" PRIx64 "+%" PRIu64, i, c->op, c->va, c->iova, c->len, op, va, iova, len);
	return TEST_SUCCESS;
}

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

/* Fake VAs: the tracker never touches memory. 1 GiB aligned. */
#define BASE UINT64_C(0x40000000)

static struct vfio_extents *
tracker(enum vfio_extent_mode mode, uint64_t page, uint32_t limit)
{
	fake_reset();
	return vfio_extents_create(mode, page, limit, &fake_ops, NULL);
}

static int
test_vfio_windows_sharing_a_page_one_entry(void)
{
	struct vfio_extents *x = tracker(VFIO_EXTENT_LINEAR, PAGE_2M, 65535);
	const uint64_t a = BASE + GRANULE, b = BASE + 16 * GRANULE, c = BASE + 100 * GRANULE;

	TEST_ASSERT_NOT_NULL(x, "create");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, a, a, GRANULE), "map a");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, b, b, 4 * GRANULE), "map b");
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, c, c, 8 * GRANULE), "map c");
	TEST_ASSERT_EQUAL(fake.nr_log, 1u, "%u calls for three windows in a page", fake.nr_log);
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, BASE, PAGE_2M), "the page, once");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "entries");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, b, 4 * GRANULE), "unmap b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, a, GRANULE), "unmap a");
	TEST_ASSERT_EQUAL(fake.nr_log, 1u, "unmapped while a window uses the page");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, c, 8 * GRANULE), "unmap c");
	TEST_ASSERT_EQUAL(fake.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(1, 'u', BASE, BASE, PAGE_2M), "the page, once");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_log, 1u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', w, w, 32 * MIB), "one 32 MiB entry");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, w, 32 * MIB), "unmap");
	TEST_ASSERT_EQUAL(fake.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(1, 'u', w, w, 32 * MIB), "the same entry, whole");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_log, 3u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, BASE, PAGE_2M), "page 0");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + PAGE_2M, BASE + PAGE_2M, 15 * PAGE_2M),
		"pages 1-15, w's own");
	TEST_ASSERT_SUCCESS(check_call(2, 'm', BASE + 16 * PAGE_2M, BASE + 16 * PAGE_2M,
		PAGE_2M), "page 16");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 3u, "entries");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, w, 32 * MIB), "unmap w");
	TEST_ASSERT_EQUAL(fake.nr_log, 4u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + PAGE_2M, BASE + PAGE_2M, 15 * PAGE_2M),
		"w's own run goes with it");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, right, GRANULE), "unmap right");
	TEST_ASSERT_SUCCESS(check_call(4, 'u', BASE + 16 * PAGE_2M, BASE + 16 * PAGE_2M,
		PAGE_2M), "page 16 with its last user");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, left, 3 * GRANULE), "unmap left");
	TEST_ASSERT_SUCCESS(check_call(5, 'u', BASE, BASE, PAGE_2M), "page 0");
	TEST_ASSERT_EQUAL(fake.nr_log, 6u, "calls");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_log, 3u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, iova + 5 * MIB, GRANULE), "a");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + GRANULE, iova, 3 * GRANULE), "b");
	TEST_ASSERT_SUCCESS(check_call(2, 'm', BASE + PAGE_2M + GRANULE, iova + 3 * GRANULE,
		PAGE_2M), "c");
	TEST_ASSERT_EQUAL(vfio_extents_unmap(x, iova, GRANULE), -ENOENT, "part of b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova, 3 * GRANULE), "unmap b");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova + 5 * MIB, GRANULE), "unmap a");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, iova + 3 * GRANULE, PAGE_2M), "unmap c");
	TEST_ASSERT_EQUAL(fake.nr_log, 6u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + GRANULE, iova, 3 * GRANULE), "b");
	TEST_ASSERT_SUCCESS(check_call(4, 'u', BASE, iova + 5 * MIB, GRANULE), "a");
	TEST_ASSERT_SUCCESS(check_call(5, 'u', BASE + PAGE_2M + GRANULE, iova + 3 * GRANULE,
		PAGE_2M), "c");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_log, 2u, "calls");
	TEST_ASSERT_SUCCESS(check_call(0, 'm', BASE, pa0, PAGE_2M), "page 0, shared");
	TEST_ASSERT_SUCCESS(check_call(1, 'm', BASE + PAGE_2M, pa1, PAGE_2M), "page 1");
	/* A call over two pages (the library never makes one) is cut at the page. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + 4 * PAGE_2M, pa0 + 4 * PAGE_2M,
		2 * PAGE_2M), "two pages");
	TEST_ASSERT_EQUAL(fake.nr_log, 4u, "calls");
	TEST_ASSERT_SUCCESS(check_call(3, 'm', BASE + 5 * PAGE_2M, pa0 + 5 * PAGE_2M,
		PAGE_2M), "second page apart");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0 + 4 * PAGE_2M, 2 * PAGE_2M), "unmap");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0 + MIB, MIB), "unmap page 0 part");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa1, PAGE_2M), "unmap page 1");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "page 0 still used by the neighbour");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, pa0, GRANULE), "unmap neighbour");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_live, 1u, "fake entries after the refusal");
	TEST_ASSERT_EQUAL(fake.maps, 3u, "maps: page 0, then two pieces of w");
	TEST_ASSERT_EQUAL(fake.unmaps, 2u, "the two pieces undone");

	/* The third piece's map fails: the first two are undone. */
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, BASE, GRANULE), "unmap page 0");
	fake_reset();
	fake.fail_map_at = 3;
	TEST_ASSERT_EQUAL(vfio_extents_map(x, w, w, 3 * PAGE_2M), -EIO, "failing map");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");
	TEST_ASSERT_EQUAL(fake.nr_live, 0u, "fake entries");
	TEST_ASSERT_EQUAL(fake.nr_log, 4u, "calls: 2 maps, 2 unmaps");
	TEST_ASSERT_SUCCESS(check_call(2, 'u', BASE + 8 * PAGE_2M, BASE + 8 * PAGE_2M, PAGE_2M),
		"page 8 undone");
	TEST_ASSERT_SUCCESS(check_call(3, 'u', BASE + 9 * PAGE_2M, BASE + 9 * PAGE_2M,
		2 * PAGE_2M), "pages 9-10 undone");

	/* A failed map of a window sharing a held page drops only its reference. */
	TEST_ASSERT_SUCCESS(vfio_extents_map(x, BASE + 8 * PAGE_2M, BASE + 8 * PAGE_2M,
		GRANULE), "a user of page 8");
	fake.fail_map_at = 2;
	TEST_ASSERT_EQUAL(vfio_extents_map(x, w, w, 3 * PAGE_2M), -EIO, "failing map");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 1u, "page 8 kept for its user");
	TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, BASE + 8 * PAGE_2M, GRANULE), "unmap");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), 0u, "entries");

	/* Unknown or misaligned ranges change nothing. */
	fake_reset();
	TEST_ASSERT_EQUAL(vfio_extents_unmap(x, w, 3 * PAGE_2M), -ENOENT, "unknown range");
	TEST_ASSERT_EQUAL(vfio_extents_map(x, BASE + 1, BASE + 1, GRANULE), -EINVAL,
		"misaligned");
	TEST_ASSERT_EQUAL(fake.nr_log, 0u, "calls");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
	TEST_ASSERT_EQUAL(fake.nr_live, 0u, "entries left in the container");
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
	TEST_ASSERT_NULL(vfio_extents_create(VFIO_EXTENT_LINEAR, 3 * GRANULE, 10, &fake_ops,
		NULL), "a page size not a power of two");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	return TEST_SUCCESS;
}

/* ---- random workloads ------------------------------------------------------ */

/* The model's VA: 24 pages of 2 MiB; its PA mode has a "physical" page each. */
#define MODEL_SPAN (24 * PAGE_2M)
#define MODEL_PA_PAGES (MODEL_SPAN / PAGE_2M)
#define MODEL_SLOTS 48

/* Unmaps that merged touching runs of several windows, over a run. */
static unsigned int model_merged;

/* A live window of the model: VA range, and its IOVA (DOMAIN) if any. */
struct model_win {
	uint64_t va;
	uint64_t len;
	uint64_t iova;
	bool live;
};

struct model {
	enum vfio_extent_mode mode;
	uint64_t page;
	uint64_t base;
	uint64_t pa[MODEL_PA_PAGES]; /* PA mode (2 MiB pages): page of each VA page */
	struct model_win w[MODEL_SLOTS];
};

/* The IOVA the space would give a byte of a live window. */
static uint64_t
model_iova(const struct model *m, const struct model_win *w, uint64_t va)
{
	switch (m->mode) {
	case VFIO_EXTENT_EXACT:
		return w->iova + (va - w->va);
	case VFIO_EXTENT_PER_PAGE:
		return m->pa[(va - m->base) / m->page] + (va & (m->page - 1));
	default:
		return va;
	}
}

/* Map or unmap a window as the library does: whole, or per page in PA mode. */
static int
model_calls(struct vfio_extents *x, const struct model *m, const struct model_win *w,
		bool map)
{
	uint64_t a, len;
	int ret;

	for (a = w->va; a < w->va + w->len; a += len) {
		len = m->mode == VFIO_EXTENT_PER_PAGE ?
			RTE_MIN(RTE_ALIGN_FLOOR(a, m->page) + m->page, w->va + w->len) - a :
			w->va + w->len - a;
		ret = map ? vfio_extents_map(x, a, model_iova(m, w, a), len) :
			vfio_extents_unmap(x, model_iova(m, w, a), len);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Whether any live window touches the backing page holding va. */
static bool
page_touched(const struct model *m, uint64_t va)
{
	uint64_t p = RTE_ALIGN_FLOOR(va, m->page);
	unsigned int i;

	for (i = 0; i < MODEL_SLOTS; i++)
		if (m->w[i].live && overlaps(m->w[i].va, m->w[i].len, p, m->page))
			return true;
	return false;
}

static unsigned int
pages_in_use(const struct model *m)
{
	static bool used[MODEL_SPAN / GRANULE];
	unsigned int i, n = 0;
	uint64_t p;

	memset(used, 0, sizeof(used));
	for (i = 0; i < MODEL_SLOTS; i++) {
		if (!m->w[i].live)
			continue;
		for (p = RTE_ALIGN_FLOOR(m->w[i].va, m->page); p < m->w[i].va + m->w[i].len;
				p += m->page) {
			n += !used[(p - m->base) / m->page];
			used[(p - m->base) / m->page] = true;
		}
	}
	return n;
}

/* The fake entry translating iova, or NULL. */
static const struct fake_entry *
fake_find(uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < fake.nr_slots; i++)
		if (fake.e[i].live && iova - fake.e[i].iova < fake.e[i].len)
			return &fake.e[i];
	return NULL;
}

/*
 * The granules of a window worth checking: its ends, both sides of every
 * page boundary, and one in 16 of the rest (all of them would be slow).
 */
static bool
granule_sampled(uint64_t a, uint64_t start, uint64_t end, uint64_t page)
{
	return a == start || a + GRANULE >= end || (a & (page - 1)) == 0 ||
		((a + GRANULE) & (page - 1)) == 0 || rte_rand_max(16) == 0;
}

static int
model_check(struct vfio_extents *x, const struct model *m)
{
	const struct fake_entry *e;
	unsigned int i;
	uint64_t a;

	TEST_ASSERT_EQUAL(fake.violations, 0u, "the container saw violations");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), fake.nr_live, "tracker and container disagree");
	/* Every byte of every live window translates to its own memory. */
	for (i = 0; i < MODEL_SLOTS; i++) {
		const struct model_win *w = &m->w[i];

		if (!w->live)
			continue;
		for (a = w->va; a < w->va + w->len; a += GRANULE) {
			if (!granule_sampled(a, w->va, w->va + w->len, m->page))
				continue;
			e = fake_find(model_iova(m, w, a));
			TEST_ASSERT_NOT_NULL(e, "no entry for 0x%" PRIx64, a);
			TEST_ASSERT_EQUAL(e->va + (model_iova(m, w, a) - e->iova), a,
				"IOVA of 0x%" PRIx64 " reaches another address", a);
		}
	}
	TEST_ASSERT(m->mode == VFIO_EXTENT_EXACT || fake.nr_live <= pages_in_use(m),
		"%u entries for %u pages in use", fake.nr_live, pages_in_use(m));
	/* No entry holds a page whose backing nobody keeps. */
	for (i = 0; i < fake.nr_slots; i++) {
		if (!fake.e[i].live)
			continue;
		for (a = RTE_ALIGN_FLOOR(fake.e[i].va, m->page);
				a < fake.e[i].va + fake.e[i].len; a += m->page)
			TEST_ASSERT(page_touched(m, a), "entry 0x%" PRIx64 "+%" PRIu64
				" holds page 0x%" PRIx64 ", in no live window", fake.e[i].iova,
				fake.e[i].len, a);
	}
	return TEST_SUCCESS;
}

/* A free VA range of len granules in the model, or 0. */
static uint64_t
model_place(const struct model *m, uint64_t len)
{
	uint64_t span = MODEL_SPAN, va;
	unsigned int tries, i;

	for (tries = 0; tries < 32; tries++) {
		va = m->base + rte_rand_max((span - len) / GRANULE + 1) * GRANULE;
		/* Half the time right after a window: touching ranges merge in a purge. */
		i = rte_rand_max(MODEL_SLOTS);
		if (rte_rand_max(2) == 0 && m->w[i].live &&
				m->w[i].va + m->w[i].len + len <= m->base + span)
			va = m->w[i].va + m->w[i].len;
		for (i = 0; i < MODEL_SLOTS; i++)
			if (m->w[i].live && overlaps(m->w[i].va, m->w[i].len, va, len))
				break;
		if (i == MODEL_SLOTS)
			return va;
	}
	return 0;
}

/* The live window whose first IOVA is where w's last run ends, or NULL. */
static struct model_win *
model_next(struct model *m, const struct model_win *w)
{
	uint64_t end = model_iova(m, w, w->va + w->len - GRANULE) + GRANULE;
	unsigned int i;

	for (i = 0; i < MODEL_SLOTS; i++)
		if (m->w[i].live && model_iova(m, &m->w[i], m->w[i].va) == end)
			return &m->w[i];
	return NULL;
}

struct model_run {
	uint64_t iova;
	uint64_t len;
};

static int
run_cmp(const void *a, const void *b)
{
	const struct model_run *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/*
 * Free a batch of windows as a lazy purge does: their runs sorted by IOVA,
 * touching runs merged, one unmap per merged run.
 */
static int
model_unmap_batch(struct vfio_extents *x, struct model *m, struct model_win **batch,
		unsigned int n)
{
	struct model_run runs[64];
	unsigned int i, j, nr = 0;
	uint64_t a, len, end;

	for (i = 0; i < n; i++) {
		for (a = batch[i]->va; a < batch[i]->va + batch[i]->len; a += len) {
			len = m->mode == VFIO_EXTENT_PER_PAGE ?
				RTE_MIN(RTE_ALIGN_FLOOR(a, m->page) + m->page,
					batch[i]->va + batch[i]->len) - a :
				batch[i]->va + batch[i]->len - a;
			TEST_ASSERT(nr < RTE_DIM(runs), "too many runs");
			runs[nr++] = (struct model_run){ model_iova(m, batch[i], a), len };
		}
		batch[i]->live = false;
	}
	qsort(runs, nr, sizeof(runs[0]), run_cmp);
	for (i = 0; i < nr; i = j) {
		end = runs[i].iova + runs[i].len;
		for (j = i + 1; j < nr && runs[j].iova == end; j++)
			end += runs[j].len;
		if (j > i + 1)
			model_merged++;
		TEST_ASSERT_SUCCESS(vfio_extents_unmap(x, runs[i].iova, end - runs[i].iova),
			"unmap of 0x%" PRIx64 "+%" PRIu64 " (%u runs)", runs[i].iova,
			end - runs[i].iova, j - i);
	}
	return TEST_SUCCESS;
}

static int
run_model(enum vfio_extent_mode mode, uint64_t page)
{
	struct model m = { .mode = mode, .page = page, .base = BASE };
	struct vfio_extents *x = tracker(mode, page, 65535);
	uint64_t len, maps = 0;
	unsigned int op, k;

	TEST_ASSERT_NOT_NULL(x, "create");
	/* Reproducible: a failure names the operation that broke. */
	rte_srand(0x5eed0000 + mode * 16 + rte_log2_u64(page));
	model_merged = 0;
	/* Physical pages in another order than the VA pages. */
	for (k = 0; k < MODEL_PA_PAGES; k++)
		m.pa[k] = UINT64_C(0x100000000) + (uint64_t)((k * 7) % MODEL_PA_PAGES) * PAGE_2M;
	for (op = 0; op < 3000; op++) {
		struct model_win *w = &m.w[rte_rand_max(MODEL_SLOTS)];

		if (w->live) {
			struct model_win *batch[4] = { w };
			unsigned int n = 1;

			/*
			 * Sometimes a batch: the window whose IOVA follows
			 * (if any), and up to two more live windows.
			 */
			for (k = 0; k < 3 && rte_rand_max(2) == 0; k++) {
				struct model_win *o = k == 0 ? model_next(&m, w) :
					&m.w[rte_rand_max(MODEL_SLOTS)];
				unsigned int b;

				for (b = 0; b < n && batch[b] != o; b++)
					;
				if (o != NULL && o->live && b == n)
					batch[n++] = o;
			}
			TEST_ASSERT_SUCCESS(model_unmap_batch(x, &m, batch, n), "unmap");
		} else {
			/* Mostly small windows, some over several pages. */
			len = (rte_rand_max(8) == 0 ? rte_rand_max(3 * page / GRANULE) :
				rte_rand_max(24)) * GRANULE + GRANULE;
			w->va = model_place(&m, len);
			if (w->va == 0)
				continue;
			w->len = len;
			/* DOMAIN: some IOVAs follow the VA (so they touch), some not. */
			w->iova = rte_rand_max(2) == 0 ? w->va + (UINT64_C(1) << 46) :
				(UINT64_C(1) << 47) + (uint64_t)(w - m.w) * 4 * page;
			TEST_ASSERT_SUCCESS(model_calls(x, &m, w, true), "map");
			w->live = true;
			maps++;
		}
		TEST_ASSERT_SUCCESS(model_check(x, &m), "after op %u", op);
	}
	for (k = 0; k < MODEL_SLOTS; k++)
		if (m.w[k].live) {
			TEST_ASSERT_SUCCESS(model_calls(x, &m, &m.w[k], false), "unmap");
			m.w[k].live = false;
		}
	TEST_ASSERT_SUCCESS(model_check(x, &m), "at the end");
	TEST_ASSERT_EQUAL(fake.nr_live, 0u, "entries left");
	printf("  mode %d page %" PRIu64 "K: %" PRIu64 " windows, %u DMA maps, %u merged "
		"unmaps\n", mode, page >> 10, maps, fake.maps, model_merged);
	TEST_ASSERT(model_merged > 0, "no unmap merged two windows' runs");
	vfio_extents_destroy(x);
	return TEST_SUCCESS;
}

static int
test_vfio_model_va_2m(void)
{
	return run_model(VFIO_EXTENT_LINEAR, PAGE_2M);
}

static int
test_vfio_model_va_4k(void)
{
	return run_model(VFIO_EXTENT_LINEAR, GRANULE);
}

static int
test_vfio_model_pa_2m(void)
{
	return run_model(VFIO_EXTENT_PER_PAGE, PAGE_2M);
}

static int
test_vfio_model_domain(void)
{
	return run_model(VFIO_EXTENT_EXACT, PAGE_2M);
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

	TEST_ASSERT_EQUAL(fake.violations, 0u, "the container saw violations");
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
	for (i = 0; i < fake.nr_slots; i++) {
		if (!fake.e[i].live)
			continue;
		/* A page in use has some granule in a live window. */
		for (p = fake.e[i].va & ~(page - 1); p < fake.e[i].va + fake.e[i].len; p += page) {
			for (a = p; a < p + page; a += GRANULE)
				if (rte_vmap_virt2iova(vm, (void *)a) != RTE_BAD_IOVA)
					break;
			TEST_ASSERT(a < p + page, "entry 0x%" PRIx64 "+%" PRIu64 " holds page 0x%"
				PRIx64 ", in no live window", fake.e[i].iova, fake.e[i].len, p);
			live_pages++;
		}
	}
	TEST_ASSERT(fake.nr_live <= live_pages || page == GRANULE, "%u entries for %u pages",
		fake.nr_live, live_pages);
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
	printf("  %s: %u DMA maps, %u entries held for the live windows\n", name, fake.maps,
		fake.nr_live);
	for (k = 0; k < LIB_SLOTS; k++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[k]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_EQUAL(fake.nr_live, 0u, "entries left after every free and a purge");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(fake.violations, 0u, "violations");
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
		TEST_CASE(test_vfio_model_va_2m),
		TEST_CASE(test_vfio_model_va_4k),
		TEST_CASE(test_vfio_model_pa_2m),
		TEST_CASE(test_vfio_model_domain),
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
