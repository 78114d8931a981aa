/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_free_tree_autotest: the model, and the tree and the model stepped
 * together (free_tree_model.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "test.h"
#include "free_tree_model.h"

#define GRAN VMAP_GRANULE

/* Inserts seen, by MERGE_* kind. */
uint64_t model_merge_count[4];

void
model_init(struct model *m)
{
	m->n = 0;
	m->bytes = 0;
}

static uintptr_t
range_end(const struct model_range *r)
{
	return r->start + r->size;
}

/* Index of the first range starting at or above start (n if none). */
static unsigned int
model_find(const struct model *m, uintptr_t start)
{
	unsigned int lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (m->r[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How inserting [start, start + size) would merge: MERGE_* or -EEXIST. */
int
model_merge_kind(const struct model *m, uintptr_t start, size_t size)
{
	unsigned int i = model_find(m, start);
	const struct model_range *prev = i > 0 ? &m->r[i - 1] : NULL;
	const struct model_range *next = i < m->n ? &m->r[i] : NULL;

	if ((prev != NULL && range_end(prev) > start) ||
			(next != NULL && next->start < start + size))
		return -EEXIST;
	return (prev != NULL && range_end(prev) == start ? MERGE_PREV : MERGE_NONE) |
		(next != NULL && next->start == start + size ? MERGE_NEXT : MERGE_NONE);
}

/* MERGE_* or -EEXIST (nothing changed). */
int
model_insert(struct model *m, uintptr_t start, size_t size)
{
	int kind = model_merge_kind(m, start, size);
	unsigned int i = model_find(m, start);
	struct model_range *prev = i > 0 ? &m->r[i - 1] : NULL;
	struct model_range *next = i < m->n ? &m->r[i] : NULL;

	if (kind < 0)
		return kind;
	m->bytes += size;
	if (kind == MERGE_BOTH) {
		prev->size += size + next->size;
		memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(m->r[0]));
		m->n--;
		return MERGE_BOTH;
	}
	if (kind == MERGE_PREV) {
		prev->size += size;
		return MERGE_PREV;
	}
	if (kind == MERGE_NEXT) {
		next->start = start;
		next->size += size;
		return MERGE_NEXT;
	}
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(m->r[0]));
	m->r[i].start = start;
	m->r[i].size = size;
	m->n++;
	return MERGE_NONE;
}

/*
 * The documented lowest fit, by linear scan: the first range at least the
 * search length long (size, plus align - 1 when align is above the granule
 * and the window is not exactly size long) in which an aligned
 * [a, a + size) fits inside [vstart, vend); the lowest such a.
 */
bool
model_lowest_fit(const struct model *m, size_t size, size_t align, uintptr_t vstart,
		uintptr_t vend, uintptr_t *addr, unsigned int *idx)
{
	size_t length;
	uintptr_t lo, hi, a;
	unsigned int i;

	if (vend <= vstart || vend - vstart < size)
		return false;
	length = (align <= GRAN || vend - vstart == size) ? size : size + align - 1;
	for (i = 0; i < m->n; i++) {
		if (m->r[i].size < length)
			continue;
		lo = RTE_MAX(m->r[i].start, vstart);
		hi = RTE_MIN(range_end(&m->r[i]), vend);
		a = RTE_ALIGN_CEIL(lo, (uintptr_t)align);
		if (a <= hi && hi - a >= size) {
			*addr = a;
			*idx = i;
			return true;
		}
	}
	return false;
}

int
model_clip_kind(const struct model *m, unsigned int idx, uintptr_t a, size_t size)
{
	const struct model_range *r = &m->r[idx];

	if (a == r->start && size == r->size)
		return CLIP_FL;
	if (a == r->start)
		return CLIP_LE;
	if (a + size == range_end(r))
		return CLIP_RE;
	return CLIP_NE;
}

void
model_clip(struct model *m, unsigned int idx, uintptr_t a, size_t size)
{
	struct model_range *r = &m->r[idx];
	uintptr_t end = range_end(r);

	m->bytes -= size;
	switch (model_clip_kind(m, idx, a, size)) {
	case CLIP_FL:
		memmove(&m->r[idx], &m->r[idx + 1], (m->n - idx - 1) * sizeof(m->r[0]));
		m->n--;
		break;
	case CLIP_LE:
		r->start += size;
		r->size -= size;
		break;
	case CLIP_RE:
		r->size -= size;
		break;
	default:
		r->size = a - r->start;
		memmove(&m->r[idx + 2], &m->r[idx + 1], (m->n - idx - 1) * sizeof(m->r[0]));
		m->r[idx + 1].start = a + size;
		m->r[idx + 1].size = end - (a + size);
		m->n++;
		break;
	}
}

static size_t
model_largest(const struct model *m)
{
	size_t largest = 0;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		largest = RTE_MAX(largest, m->r[i].size);
	return largest;
}

/* ---- tree against model --------------------------------------------------- */

struct compare_walk {
	const struct model *m;
	unsigned int i;
};

static int
compare_range(const struct vmap_area *va, void *arg)
{
	struct compare_walk *w = arg;

	if (w->i >= w->m->n) {
		printf("tree has an extra range 0x%" PRIxPTR "+%zu\n", va->start, va->size);
		return -1;
	}
	if (va->start != w->m->r[w->i].start || va->size != w->m->r[w->i].size) {
		printf("range %u: tree 0x%" PRIxPTR "+%zu, model 0x%" PRIxPTR "+%zu\n",
			w->i, va->start, va->size, w->m->r[w->i].start, w->m->r[w->i].size);
		return -1;
	}
	w->i++;
	return 0;
}

/* The tree passes its own check and holds exactly the model's ranges. */
int
tree_matches_model(const struct vmap_free_tree *t, const struct model *m,
		uintptr_t lo, uintptr_t hi)
{
	struct compare_walk w = { .m = m, .i = 0 };

	TEST_ASSERT_SUCCESS(vmap_free_tree_check(t, lo, hi), "vmap_free_tree_check failed");
	TEST_ASSERT_EQUAL(t->nr_ranges, (uint64_t)m->n, "nr_ranges %" PRIu64 ", model %u",
		t->nr_ranges, m->n);
	TEST_ASSERT_EQUAL(t->bytes, m->bytes, "bytes %" PRIu64 ", model %" PRIu64,
		t->bytes, m->bytes);
	TEST_ASSERT_SUCCESS(vmap_free_tree_walk(t, compare_range, &w),
		"tree and model differ");
	TEST_ASSERT_EQUAL(w.i, m->n, "tree has %u ranges, model %u", w.i, m->n);
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(t), model_largest(m),
		"largest %zu, model %zu", vmap_free_tree_largest(t), model_largest(m));
	return TEST_SUCCESS;
}

struct vmap_area *
new_desc(void)
{
	struct vmap_area *va = calloc(1, sizeof(*va));

	if (va != NULL)
		va->state = VMAP_AREA_SPARE;
	return va;
}

/* Insert into tree and model; the merge must agree. */
int
insert_both(struct vmap_free_tree *t, struct model *m, uintptr_t start, size_t size)
{
	struct vmap_area *desc = new_desc(), *given = desc, *released = NULL;
	int kind, ret;

	TEST_ASSERT_NOT_NULL(desc, "out of memory");
	kind = model_insert(m, start, size);
	ret = vmap_free_tree_insert(t, start, size, &desc, &released);
	if (kind == -EEXIST) {
		TEST_ASSERT_EQUAL(ret, -EEXIST, "insert 0x%" PRIxPTR "+%zu: %d, want -EEXIST",
			start, size, ret);
		TEST_ASSERT(desc == given && released == NULL, "a refused insert kept or gave");
	} else {
		TEST_ASSERT_SUCCESS(ret, "insert 0x%" PRIxPTR "+%zu: %d", start, size, ret);
		TEST_ASSERT_EQUAL(desc == NULL, kind == MERGE_NONE,
			"descriptor kept: %d, merge kind %d", desc == NULL, kind);
		TEST_ASSERT_EQUAL(released != NULL, kind == MERGE_BOTH,
			"descriptor released: %d, merge kind %d", released != NULL, kind);
		TEST_ASSERT(released == NULL || (released != given &&
			released->state == VMAP_AREA_SPARE), "bad released descriptor");
		model_merge_count[kind]++;
	}
	free(desc);
	free(released);
	return TEST_SUCCESS;
}

/* Allocate with a spare at hand; the result must be the model's. */
int
alloc_both(struct vmap_free_tree *t, struct model *m, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, uintptr_t *addr)
{
	struct vmap_area *spare = new_desc(), *released = NULL;
	uintptr_t want = 0;
	unsigned int idx = 0;
	bool fit;
	int kind = CLIP_FL, ret;

	TEST_ASSERT_NOT_NULL(spare, "out of memory");
	fit = model_lowest_fit(m, size, align, vstart, vend, &want, &idx);
	if (fit)
		kind = model_clip_kind(m, idx, want, size);
	ret = vmap_free_tree_alloc(t, size, align, vstart, vend, addr, &spare, &released);
	TEST_ASSERT_EQUAL(ret, fit ? 0 : -ENOSPC, "alloc %zu align %zu in [0x%" PRIxPTR
		", 0x%" PRIxPTR "): %d", size, align, vstart, vend, ret);
	if (fit) {
		TEST_ASSERT_EQUAL(*addr, want, "alloc at 0x%" PRIxPTR ", model 0x%" PRIxPTR,
			*addr, want);
		TEST_ASSERT_EQUAL(released != NULL, kind == CLIP_FL, "released vs clip %d", kind);
		TEST_ASSERT(released == NULL || released->state == VMAP_AREA_SPARE,
			"released descriptor in state %u", released->state);
		TEST_ASSERT_EQUAL(spare == NULL, kind == CLIP_NE, "spare taken vs clip %d", kind);
		model_clip(m, idx, want, size);
	}
	free(spare);
	free(released);
	return TEST_SUCCESS;
}
