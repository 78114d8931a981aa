/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_iommu_vfio_model_autotest: the "vfio" driver's extent tracker under
 * random workloads, against a model of the windows a space would map (VA,
 * 4 KiB and 2 MiB pages; PA per page; DOMAIN). After every step, against
 * the fake type1 container (test_vmap_iommu_vfio_fake.c):
 *   - every byte of every live window translates to the right address;
 *   - entries never exceed the backing pages in use;
 *   - no entry holds a page that no live window touches (its backing may be
 *     gone: the IOMMU would send a reused IOVA to the old memory).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_random.h>

#include "test.h"
#include "test_vmap_iommu_vfio_fake.h"
#include "vmap_test_util.h"

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
		if (m->w[i].live && vmap_test_overlaps(m->w[i].va, m->w[i].len, p, m->page))
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

static int
model_check(struct vfio_extents *x, const struct model *m)
{
	const struct fake_entry *e;
	unsigned int i;
	uint64_t a;

	TEST_ASSERT_EQUAL(fake_ct.violations, 0u, "the container saw violations");
	TEST_ASSERT_EQUAL(vfio_extents_count(x), fake_ct.nr_live, "tracker and container disagree");
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
	TEST_ASSERT(m->mode == VFIO_EXTENT_EXACT || fake_ct.nr_live <= pages_in_use(m),
		"%u entries for %u pages in use", fake_ct.nr_live, pages_in_use(m));
	/* No entry holds a page whose backing nobody keeps. */
	for (i = 0; i < fake_ct.nr_slots; i++) {
		if (!fake_ct.e[i].live)
			continue;
		for (a = RTE_ALIGN_FLOOR(fake_ct.e[i].va, m->page);
				a < fake_ct.e[i].va + fake_ct.e[i].len; a += m->page)
			TEST_ASSERT(page_touched(m, a), "entry 0x%" PRIx64 "+%" PRIu64
				" holds page 0x%" PRIx64 ", in no live window", fake_ct.e[i].iova,
				fake_ct.e[i].len, a);
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
			if (m->w[i].live && vmap_test_overlaps(m->w[i].va, m->w[i].len, va, len))
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
	TEST_ASSERT_EQUAL(fake_ct.nr_live, 0u, "entries left");
	printf("  mode %d page %" PRIu64 "K: %" PRIu64 " windows, %u DMA maps, %u merged "
		"unmaps\n", mode, page >> 10, maps, fake_ct.maps, model_merged);
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

static struct unit_test_suite vmap_iommu_vfio_model_suite = {
	.suite_name = "vmap VFIO extent tracker against a model",
	.unit_test_cases = {
		TEST_CASE(test_vfio_model_va_2m),
		TEST_CASE(test_vfio_model_va_4k),
		TEST_CASE(test_vfio_model_pa_2m),
		TEST_CASE(test_vfio_model_domain),
		TEST_CASES_END()
	}
};

static int
test_vmap_iommu_vfio_model(void)
{
	return unit_test_suite_runner(&vmap_iommu_vfio_model_suite);
}

REGISTER_TEST_COMMAND(vmap_iommu_vfio_model_autotest, test_vmap_iommu_vfio_model);
