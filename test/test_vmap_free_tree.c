/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_free_tree_autotest: the free-space tree of vmap_free_tree.c against a
 * brute-force model, a sorted array of free ranges searched linearly (the
 * role of the kernel's DEBUG_AUGMENT_LOWEST_MATCH_CHECK in mm/vmalloc.c),
 * in free_tree_model.c with the steps that drive both at once.
 *
 * Random runs (fixed seeds) allocate with random sizes, alignments up to
 * 1 MiB and windows, and give back what they allocated; every result must
 * be the model's lowest fit, every insert must merge as the model does,
 * and after every operation the tree must pass vmap_free_tree_check() and
 * hold exactly the model's ranges. Named cases pin the corners.
 *
 * Descriptors are malloc()ed here, as the library does, so that a run
 * under AddressSanitizer also checks that the tree keeps, hands back and
 * frees each one exactly once.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmap_test_util.h"
#include "test.h"
#include "free_tree_model.h"

#define GRAN VMAP_GRANULE

/* A 1 MiB-aligned base for the named cases. */
#define NAMED_BASE ((uintptr_t)UINT64_C(0x10000000000) + 64 * MIB)
/* A base that is not 1 MiB-aligned, so that alignment costs something. */
#define RANDOM_BASE ((uintptr_t)UINT64_C(0x10000000000) + 5 * GRAN)

static struct model model;

/* ---- random runs ---------------------------------------------------------- */

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
rng_below(uint64_t n)
{
	return rng() % n;
}

struct random_run {
	uint64_t seed;
	unsigned int nr_ops;
	size_t span;             /* granules managed: [RANDOM_BASE, + span * GRAN) */
	unsigned int large_pct;  /* allocations of up to 4096 granules */
	unsigned int window_pct; /* allocations in a window other than the space */
	unsigned int phase_ops;  /* operations that mostly allocate, then mostly free */
};

struct live_range {
	uintptr_t start;
	size_t size;
};

/* What a random run carries from one operation to the next. */
struct random_state {
	const struct random_run *p;
	struct vmap_free_tree tree;
	uintptr_t lo, hi;
	struct live_range *live;
	unsigned int nr_live;
	uint64_t nr_fit, nr_nospc, nr_again, nr_exist;
	uint64_t max_ranges;
};

static size_t
random_size(const struct random_run *p)
{
	uint64_t r = rng_below(100);

	if (r < p->large_pct)
		return (1 + rng_below(4096)) * GRAN;
	if (r < p->large_pct + 20)
		return (1 + rng_below(256)) * GRAN;
	return (1 + rng_below(8)) * GRAN;
}

/* The whole space, or a random, exact, unaligned or wide window. */
static void
random_window(const struct random_state *s, size_t size, size_t align,
		uintptr_t *vstart, uintptr_t *vend)
{
	uint64_t span = s->p->span;

	*vstart = s->lo;
	*vend = s->hi;
	if (rng_below(100) >= s->p->window_pct)
		return;
	switch (rng_below(4)) {
	case 0: /* exactly size long, aligned or not */
		*vstart = s->lo + rng_below(span) * GRAN;
		if (rng_below(2) == 0)
			*vstart = RTE_ALIGN_CEIL(*vstart, (uintptr_t)align);
		*vend = *vstart + size;
		break;
	case 1:
	case 2: /* a random slice, sometimes from an unaligned byte */
		*vstart = s->lo + rng_below(span) * GRAN - 16 * GRAN;
		if (rng_below(4) == 0)
			*vstart += 1 + rng_below(GRAN - 1);
		*vend = *vstart + size + rng_below(span) * GRAN;
		break;
	default: /* wider than the space */
		*vstart = s->lo - rng_below(64) * GRAN;
		*vend = s->hi + rng_below(64) * GRAN;
		break;
	}
}

/* A spare at hand most of the time; without one an NE split must be -EAGAIN. */
static int
random_alloc(struct random_state *s)
{
	size_t size = random_size(s->p);
	/* Mostly page-aligned, so that the space packs; else up to 1 MiB. */
	size_t align = rng_below(100) < 60 ? GRAN : GRAN << rng_below(9);
	struct vmap_area *desc = new_desc(), *spare = desc, *released = NULL;
	struct vmap_area **spare_arg = &spare;
	uintptr_t vstart, vend, want = 0, addr = 0;
	unsigned int idx = 0;
	bool fit, have_spare = true;
	int kind = CLIP_FL, ret;

	TEST_ASSERT_NOT_NULL(desc, "out of memory");
	random_window(s, size, align, &vstart, &vend);
	if (rng_below(10) == 0) {
		have_spare = false;
		spare = NULL;
		if (rng_below(2) == 0)
			spare_arg = NULL;
	}
	fit = model_lowest_fit(&model, size, align, vstart, vend, &want, &idx);
	if (fit)
		kind = model_clip_kind(&model, idx, want, size);
	ret = vmap_free_tree_alloc(&s->tree, size, align, vstart, vend, &addr, spare_arg,
		&released);
	if (!fit || (kind == CLIP_NE && !have_spare)) {
		TEST_ASSERT_EQUAL(ret, fit ? -EAGAIN : -ENOSPC, "alloc %zu align %zu in [0x%"
			PRIxPTR ", 0x%" PRIxPTR "): %d, fit %d", size, align, vstart, vend,
			ret, fit);
		TEST_ASSERT_NULL(released, "a failed alloc released a descriptor");
		if (fit)
			s->nr_again++;
		else
			s->nr_nospc++;
		free(desc);
		return TEST_SUCCESS;
	}
	TEST_ASSERT_SUCCESS(ret, "alloc %zu align %zu in [0x%" PRIxPTR ", 0x%" PRIxPTR
		"): %d, model 0x%" PRIxPTR, size, align, vstart, vend, ret, want);
	TEST_ASSERT_EQUAL(addr, want, "alloc %zu align %zu in [0x%" PRIxPTR ", 0x%" PRIxPTR
		") at 0x%" PRIxPTR ", model 0x%" PRIxPTR, size, align, vstart, vend, addr, want);
	TEST_ASSERT_EQUAL(released != NULL, kind == CLIP_FL, "released vs clip %d", kind);
	TEST_ASSERT(released == NULL || released->state == VMAP_AREA_SPARE,
		"released descriptor in state %u", released->state);
	TEST_ASSERT_EQUAL(have_spare && spare == NULL, kind == CLIP_NE,
		"spare taken vs clip %d", kind);
	if (kind != CLIP_NE)
		free(desc);
	free(released);
	model_clip(&model, idx, want, size);
	s->live[s->nr_live].start = addr;
	s->live[s->nr_live].size = size;
	s->nr_live++;
	s->nr_fit++;
	return TEST_SUCCESS;
}

/* Give back a random live range; now and then try first without a descriptor. */
static int
random_free(struct random_state *s)
{
	unsigned int i = rng_below(s->nr_live);
	struct live_range r = s->live[i];
	struct vmap_area *desc = NULL, *released = NULL;
	int kind, ret;

	s->live[i] = s->live[--s->nr_live];
	if (rng_below(8) == 0) {
		ret = vmap_free_tree_insert(&s->tree, r.start, r.size, &desc, &released);
		if (ret == -EAGAIN) {
			TEST_ASSERT_EQUAL(model_merge_kind(&model, r.start, r.size), MERGE_NONE,
				"-EAGAIN although the range merges");
			TEST_ASSERT_SUCCESS(tree_matches_model(&s->tree, &model, s->lo, s->hi),
				"-EAGAIN insert changed the tree");
			return insert_both(&s->tree, &model, r.start, r.size);
		}
		TEST_ASSERT_SUCCESS(ret, "descriptorless insert: %d", ret);
		kind = model_insert(&model, r.start, r.size);
		TEST_ASSERT(kind != MERGE_NONE && kind != -EEXIST, "merge kind %d", kind);
		TEST_ASSERT_EQUAL(released != NULL, kind == MERGE_BOTH, "released vs %d", kind);
		model_merge_count[kind]++;
		free(released);
		return TEST_SUCCESS;
	}
	return insert_both(&s->tree, &model, r.start, r.size);
}

/* Insert a range that overlaps a free range: refused, nothing changes. */
static int
random_bad_insert(struct random_state *s)
{
	const struct model_range *r;
	uint64_t off, back;
	uintptr_t start;

	if (model.n == 0)
		return TEST_SUCCESS;
	r = &model.r[rng_below(model.n)];
	off = rng_below(r->size / GRAN);
	back = rng_below(4);
	start = r->start + off * GRAN - back * GRAN;
	s->nr_exist++;
	/* [start, +size) holds r->start + off * GRAN, a free granule. */
	return insert_both(&s->tree, &model, start, (back + 1 + rng_below(8)) * GRAN);
}

/* Phases of operations that mostly allocate, then mostly free. */
static int
random_op(struct random_state *s, unsigned int op)
{
	uint64_t r = rng_below(100);
	unsigned int alloc_pct = (op / s->p->phase_ops) % 2 == 0 ? 70 : 30;

	if (r < 5)
		return random_bad_insert(s);
	if (s->nr_live == 0 || r < 5 + alloc_pct)
		return random_alloc(s);
	return random_free(s);
}

static int
random_run(const struct random_run *p)
{
	struct random_state s = { .p = p, .lo = RANDOM_BASE };
	unsigned int op;
	int ret = TEST_FAILED;

	rng_state = p->seed;
	memset(model_merge_count, 0, sizeof(model_merge_count));
	s.hi = s.lo + p->span * GRAN;
	s.live = calloc(p->span, sizeof(s.live[0]));
	TEST_ASSERT_NOT_NULL(s.live, "out of memory");
	vmap_free_tree_init(&s.tree);
	model_init(&model);
	if (insert_both(&s.tree, &model, s.lo, p->span * GRAN) != TEST_SUCCESS)
		goto out;
	for (op = 0; op < p->nr_ops; op++) {
		if (random_op(&s, op) != TEST_SUCCESS ||
				tree_matches_model(&s.tree, &model, s.lo, s.hi) != TEST_SUCCESS) {
			printf("seed %" PRIu64 ": op %u failed\n", p->seed, op);
			goto out;
		}
		s.max_ranges = RTE_MAX(s.max_ranges, s.tree.nr_ranges);
	}
	/* Everything back, in random order: one range again. */
	while (s.nr_live > 0)
		if (random_free(&s) != TEST_SUCCESS)
			goto out;
	if (tree_matches_model(&s.tree, &model, s.lo, s.hi) != TEST_SUCCESS || model.n != 1)
		goto out;
	printf("seed %" PRIu64 ": %u ops, up to %" PRIu64 " ranges; allocs: %" PRIu64
		" fit, %" PRIu64 " -ENOSPC, %" PRIu64 " -EAGAIN; inserts merged none/prev/"
		"next/both: %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "; %" PRIu64
		" overlaps refused\n", p->seed, p->nr_ops, s.max_ranges, s.nr_fit, s.nr_nospc,
		s.nr_again, model_merge_count[MERGE_NONE], model_merge_count[MERGE_PREV],
		model_merge_count[MERGE_NEXT], model_merge_count[MERGE_BOTH], s.nr_exist);
	ret = TEST_SUCCESS;
out:
	vmap_free_tree_fini(&s.tree);
	free(s.live);
	return ret;
}

static int
test_random_ops_match_model(void)
{
	static const struct random_run runs[] = {
		{ 1, 20000, 16384, 10, 40, 1000 },
		{ 2, 20000, 4096, 5, 40, 1000 },
		{ 3, 20000, 16384, 0, 40, 1000 },
		{ 4, 20000, 1024, 30, 40, 1000 },
		/* Long phases of small allocations: thousands of holes. */
		{ 5, 20000, 16384, 0, 5, 5000 },
		{ 6, 20000, 16384, 0, 0, 10000 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(runs); i++)
		TEST_ASSERT_SUCCESS(random_run(&runs[i]), "run %u (seed %" PRIu64 ") failed",
			i, runs[i].seed);
	return TEST_SUCCESS;
}

/* ---- named cases ------------------------------------------------------------ */

/* The tree of a named case: set up and torn down around it. */
static struct vmap_free_tree tree;

static int
named_setup(void)
{
	vmap_free_tree_init(&tree);
	model_init(&model);
	return TEST_SUCCESS;
}

static void
named_teardown(void)
{
	vmap_free_tree_fini(&tree);
}

/* Free these ranges, in tree and model. */
static int
add_ranges(const struct model_range *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(insert_both(&tree, &model, r[i].start, r[i].size),
			"setup insert %u", i);
	return TEST_SUCCESS;
}

/*
 * A window exactly size long with a large alignment: the search must not
 * pad the length by align - 1, or the free range that is exactly the
 * window would never qualify (the kernel's find_vmap_lowest_match()).
 */
static int
test_exact_fit_window_corner_case(void)
{
	const uintptr_t x = NAMED_BASE;
	const size_t size = 16 * GRAN, align = MIB;
	const struct model_range r[] = {
		{ x - 4 * MIB, 2 * MIB },     /* long enough when padded, below vstart */
		{ x, size },                  /* exactly the window */
		{ x + MIB, 64 * GRAN },
		{ x + 4 * MIB, 32 * GRAN },   /* aligned, shorter than size + align - 1 */
	};
	struct vmap_area *released = NULL;
	uintptr_t addr = 0;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	/* The window is exactly the second range: a full fit at x. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, size, align, x, x + size, &addr),
		"exact window on an exact range");
	TEST_ASSERT_EQUAL(addr, x, "exact window: 0x%" PRIxPTR, addr);
	/* An exact window at a misaligned start cannot be served. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, size, align, x + MIB + GRAN,
		x + MIB + GRAN + size, &addr), "misaligned exact window");
	/* An exact window at the start of a longer range: a left-edge clip. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, size, align, x + MIB, x + MIB + size,
		&addr), "exact window in a longer range");
	TEST_ASSERT_EQUAL(addr, x + MIB, "exact window in a longer range: 0x%" PRIxPTR, addr);
	/*
	 * One granule more and the length is padded: the range at x + 4 MiB
	 * no longer qualifies although its start is aligned (documented
	 * semantics: ranges shorter than the search length are not looked at).
	 */
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, size, align, x + 4 * MIB,
		x + 4 * MIB + size + GRAN, &addr, NULL, &released), -ENOSPC, "padded window");
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, size, align, x + 4 * MIB,
		x + 4 * MIB + size, &addr), "the same, exact");
	TEST_ASSERT_EQUAL(addr, x + 4 * MIB, "exact window: 0x%" PRIxPTR, addr);
	/* Without a window, only the range long enough when padded qualifies. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, size, align, 0, UINTPTR_MAX, &addr),
		"no window");
	TEST_ASSERT_EQUAL(addr, x - 4 * MIB, "no window: 0x%" PRIxPTR, addr);
	return tree_matches_model(&tree, &model, x - 4 * MIB, x + 8 * MIB);
}

/* A middle clip without a spare is -EAGAIN and leaves everything as it was. */
static int
test_split_needs_spare_returns_eagain_unchanged(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = { { x, 16 * GRAN } };
	struct vmap_area dummy, *spare = NULL, *released = &dummy;
	uintptr_t addr = 1;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, GRAN, x + 4 * GRAN, x + 16 * GRAN,
		&addr, &spare, &released), -EAGAIN, "no spare: want -EAGAIN");
	TEST_ASSERT(addr == 1 && released == NULL, "a failed alloc wrote results");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, GRAN, x + 4 * GRAN, x + 16 * GRAN,
		&addr, NULL, &released), -EAGAIN, "NULL spare pointer: want -EAGAIN");
	TEST_ASSERT_SUCCESS(tree_matches_model(&tree, &model, x, x + 16 * GRAN),
		"-EAGAIN changed the tree");
	/* Edge clips leave the spare alone (alloc_both checks it is not taken). */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, GRAN, GRAN, x, x + 16 * GRAN, &addr),
		"left edge");
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, GRAN, GRAN, x + 15 * GRAN,
		x + 16 * GRAN, &addr), "right edge");
	/* With a spare the split happens and the spare is taken. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, GRAN, GRAN, x + 4 * GRAN,
		x + 16 * GRAN, &addr), "split");
	TEST_ASSERT_EQUAL(addr, x + 4 * GRAN, "split at 0x%" PRIxPTR, addr);
	TEST_ASSERT_EQUAL(model.n, 2u, "model has %u ranges", model.n);
	return tree_matches_model(&tree, &model, x, x + 16 * GRAN);
}

/* Every way of overlapping free space is refused; the caller keeps desc. */
static int
test_overlapping_insert_rejected_unchanged(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = { { x + 4 * GRAN, 4 * GRAN }, { x + 12 * GRAN, 4 * GRAN } };
	const struct model_range bad[] = {
		{ x + 4 * GRAN, 4 * GRAN },   /* the same range */
		{ x + 2 * GRAN, 3 * GRAN },   /* over the left edge */
		{ x + 7 * GRAN, 2 * GRAN },   /* over the right edge */
		{ x + 5 * GRAN, GRAN },       /* inside */
		{ x + 3 * GRAN, 6 * GRAN },   /* around */
		{ x + 6 * GRAN, 8 * GRAN },   /* across both */
		{ x + 8 * GRAN, 5 * GRAN },   /* touches one, overlaps the other */
		{ x + 15 * GRAN, 4 * GRAN },  /* over the last one's end */
	};
	struct vmap_area given = { .state = VMAP_AREA_SPARE };
	struct vmap_area *desc, *released;
	unsigned int i;
	int ret;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	for (i = 0; i < RTE_DIM(bad); i++) {
		/* On the stack: a tree that wrongly kept it would crash in fini. */
		desc = &given;
		released = &given;
		ret = vmap_free_tree_insert(&tree, bad[i].start, bad[i].size, &desc, &released);
		TEST_ASSERT_EQUAL(ret, -EEXIST, "overlap %u: %d", i, ret);
		TEST_ASSERT(desc == &given && released == NULL, "overlap %u: desc %p released %p",
			i, (void *)desc, (void *)released);
		TEST_ASSERT_SUCCESS(tree_matches_model(&tree, &model, x, x + 32 * GRAN),
			"overlap %u changed the tree", i);
	}
	/* What lies between is still accepted, merging on both sides. */
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, x + 8 * GRAN, 4 * GRAN), "between");
	return tree_matches_model(&tree, &model, x, x + 32 * GRAN);
}

/* A free between two free ranges: one range, the later descriptor released. */
static int
test_merge_both_sides_releases_descriptor(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = {
		{ x, 4 * GRAN }, { x + 8 * GRAN, 4 * GRAN },
		{ x + 20 * GRAN, 2 * GRAN }, { x + 30 * GRAN, 2 * GRAN },
	};
	struct vmap_area given = { .state = VMAP_AREA_SPARE };
	struct vmap_area *desc = &given, *released = NULL;
	int ret;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	ret = vmap_free_tree_insert(&tree, x + 4 * GRAN, 4 * GRAN, &desc, &released);
	TEST_ASSERT_SUCCESS(ret, "insert: %d", ret);
	TEST_ASSERT(desc == &given, "the tree kept the caller's descriptor");
	TEST_ASSERT(released != NULL && released != &given &&
		released->state == VMAP_AREA_SPARE, "no descriptor released");
	free(released);
	TEST_ASSERT_EQUAL(model_insert(&model, x + 4 * GRAN, 4 * GRAN), MERGE_BOTH, "model");
	TEST_ASSERT_EQUAL(tree.nr_ranges, UINT64_C(3), "%" PRIu64 " ranges", tree.nr_ranges);
	TEST_ASSERT_SUCCESS(tree_matches_model(&tree, &model, x, x + 32 * GRAN), "merged");
	/* One side only: the caller keeps desc, nothing released (insert_both checks). */
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, x + 22 * GRAN, GRAN), "left merge");
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, x + 29 * GRAN, GRAN), "right merge");
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, x + 25 * GRAN, GRAN), "no merge");
	return tree_matches_model(&tree, &model, x, x + 32 * GRAN);
}

/* largest() is the root's augmented value through removals, splits and merges. */
static int
test_largest_tracks_root(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = {
		{ x, 3 * GRAN }, { x + 10 * GRAN, 10 * GRAN },
		{ x + 30 * GRAN, 5 * GRAN }, { x + 40 * GRAN, 7 * GRAN },
	};
	uintptr_t addr = 0;

	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), (size_t)0, "empty tree");
	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), 10 * GRAN, "four ranges");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), RB_ROOT(&tree.root)->subtree_max,
		"root");
	/* Take the largest whole: the next one down is largest. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, 10 * GRAN, GRAN, x + 10 * GRAN,
		x + 20 * GRAN, &addr), "full fit");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), 7 * GRAN, "after a full fit");
	/* Split the 7 into 3 + 1 + 3: now the 5 is largest. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, GRAN, GRAN, x + 43 * GRAN,
		x + 47 * GRAN, &addr), "split");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), 5 * GRAN, "after a split");
	/* Put it back, then bridge 5 and 7 into 5 + 5 + 7. */
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, addr, GRAN), "undo split");
	TEST_ASSERT_SUCCESS(insert_both(&tree, &model, x + 35 * GRAN, 5 * GRAN), "bridge");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), 17 * GRAN, "after merges");
	TEST_ASSERT_EQUAL(vmap_free_tree_largest(&tree), RB_ROOT(&tree.root)->subtree_max,
		"root");
	return tree_matches_model(&tree, &model, x, x + 64 * GRAN);
}

/* Make the ancestors of a node the test changed by hand right again. */
static void
fix_augment(struct vmap_area *va)
{
	struct vmap_area *l, *r;
	size_t m;

	for (; va != NULL; va = RB_PARENT(va, rb)) {
		l = RB_LEFT(va, rb);
		r = RB_RIGHT(va, rb);
		m = va->size;
		if (l != NULL && l->subtree_max > m)
			m = l->subtree_max;
		if (r != NULL && r->subtree_max > m)
			m = r->subtree_max;
		va->subtree_max = m;
	}
}

/* check() finds each broken invariant (it logs one line per failure). */
static int
test_check_detects_corruption(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = {
		{ x, 2 * GRAN }, { x + 4 * GRAN, 2 * GRAN },
		{ x + 8 * GRAN, 2 * GRAN }, { x + 12 * GRAN, 2 * GRAN },
	};
	const uintptr_t lo = x, hi = x + 14 * GRAN;
	struct vmap_area *first, *root;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	root = RB_ROOT(&tree.root);
	for (first = root; RB_LEFT(first, rb) != NULL; )
		first = RB_LEFT(first, rb);
	TEST_ASSERT_SUCCESS(vmap_free_tree_check(&tree, lo, hi), "intact tree");

	root->subtree_max += GRAN;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "stale subtree_max");
	root->subtree_max -= GRAN;
	tree.bytes += GRAN;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "bytes");
	tree.bytes -= GRAN;
	tree.nr_ranges--;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "nr_ranges low");
	tree.nr_ranges += 2;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "nr_ranges high");
	tree.nr_ranges--;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo + GRAN, hi), -EFAULT, "below lo");
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi - GRAN), -EFAULT, "above hi");
	first->state = VMAP_AREA_BUSY;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "state");
	first->state = VMAP_AREA_FREE;
	RB_COLOR(root, rb) = RB_RED;
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "red root");
	RB_COLOR(root, rb) = RB_BLACK;
	/* Grow the first range until it touches the second; keep the rest right. */
	first->size += 2 * GRAN;
	tree.bytes += 2 * GRAN;
	fix_augment(first);
	TEST_ASSERT_EQUAL(vmap_free_tree_check(&tree, lo, hi), -EFAULT, "touching ranges");
	first->size -= 2 * GRAN;
	tree.bytes -= 2 * GRAN;
	fix_augment(first);
	return tree_matches_model(&tree, &model, lo, hi);
}

/* Impossible requests fail with -ENOSPC and change nothing. */
static int
test_alloc_nospc_unchanged(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = { { x, 8 * GRAN }, { x + 16 * GRAN, 8 * GRAN } };
	struct vmap_area *spare = NULL, *released = NULL;
	uintptr_t addr = 0;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, 9 * GRAN, GRAN, x, x + 32 * GRAN, &addr,
		&spare, &released), -ENOSPC, "too big");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, GRAN, x + 8 * GRAN, x + 16 * GRAN,
		&addr, &spare, &released), -ENOSPC, "window on busy space");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, 4 * GRAN, GRAN, x, x + 3 * GRAN, &addr,
		&spare, &released), -ENOSPC, "window shorter than size");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, GRAN, x + 4 * GRAN, x, &addr,
		&spare, &released), -ENOSPC, "vend below vstart");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, 4 * GRAN, 64 * GRAN, x + GRAN,
		x + 64 * GRAN, &addr, &spare, &released), -ENOSPC, "alignment");
	TEST_ASSERT_NULL(released, "a failed alloc released a descriptor");
	return tree_matches_model(&tree, &model, x, x + 32 * GRAN);
}

/* Arguments no caller should pass, and arithmetic at the top of the space. */
static int
test_bad_arguments_and_overflow_rejected(void)
{
	const uintptr_t top = UINTPTR_MAX - GRAN + 1; /* the last granule */
	const struct model_range r[] = { { top - 32 * GRAN, 16 * GRAN } };
	struct vmap_area given = { .state = VMAP_AREA_SPARE };
	struct vmap_area *desc = &given, *spare = NULL, *released = NULL;
	uintptr_t addr = 0;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	TEST_ASSERT_EQUAL(vmap_free_tree_insert(&tree, NAMED_BASE, 0, &desc, &released),
		-EINVAL, "empty insert");
	TEST_ASSERT_EQUAL(vmap_free_tree_insert(&tree, top, 2 * GRAN, &desc, &released),
		-EINVAL, "insert that wraps");
	TEST_ASSERT_EQUAL(vmap_free_tree_insert(&tree, NAMED_BASE, GRAN, NULL, &released),
		-EINVAL, "NULL desc pointer");
	TEST_ASSERT_EQUAL(vmap_free_tree_insert(&tree, NAMED_BASE, GRAN, &desc, NULL),
		-EINVAL, "NULL released pointer");
	TEST_ASSERT(desc == &given, "a refused insert took the descriptor");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, 0, GRAN, 0, UINTPTR_MAX, &addr, &spare,
		&released), -EINVAL, "empty alloc");
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, 3 * GRAN, 0, UINTPTR_MAX, &addr,
		&spare, &released), -EINVAL, "align not a power of two");
	/* Aligning up from the range's start would wrap (an exact window, not padded). */
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, GRAN, (size_t)1 << 63, top - 32 * GRAN,
		top - 31 * GRAN, &addr, &spare, &released), -ENOSPC, "alignment wraps");
	/* size + align - 1 would wrap. */
	TEST_ASSERT_EQUAL(vmap_free_tree_alloc(&tree, SIZE_MAX - GRAN + 1, MIB, 0,
		UINTPTR_MAX, &addr, &spare, &released), -ENOSPC, "search length wraps");
	/* The top range is still usable. */
	TEST_ASSERT_SUCCESS(alloc_both(&tree, &model, 16 * GRAN, GRAN, 0, UINTPTR_MAX, &addr),
		"top range");
	return tree_matches_model(&tree, &model, 0, UINTPTR_MAX);
}

static int
count_until_third(const struct vmap_area *va __rte_unused, void *arg)
{
	unsigned int *n = arg;

	return ++*n == 3 ? 42 : 0;
}

/* A walk visits ranges in order and stops at the first non-zero return. */
static int
test_walk_stops_on_nonzero(void)
{
	const uintptr_t x = NAMED_BASE;
	const struct model_range r[] = {
		{ x, GRAN }, { x + 2 * GRAN, GRAN }, { x + 4 * GRAN, GRAN }, { x + 6 * GRAN, GRAN },
	};
	unsigned int n = 0;

	TEST_ASSERT_SUCCESS(add_ranges(r, RTE_DIM(r)), "setup");
	TEST_ASSERT_EQUAL(vmap_free_tree_walk(&tree, count_until_third, &n), 42, "walk");
	TEST_ASSERT_EQUAL(n, 3u, "walk visited %u ranges", n);
	return tree_matches_model(&tree, &model, x, x + 8 * GRAN);
}

static struct unit_test_suite vmap_free_tree_suite = {
	.suite_name = "vmap free-space tree",
	.setup = NULL,
	.teardown = NULL,
	.unit_test_cases = {
		TEST_CASE_ST(named_setup, named_teardown, test_exact_fit_window_corner_case),
		TEST_CASE_ST(named_setup, named_teardown,
			test_split_needs_spare_returns_eagain_unchanged),
		TEST_CASE_ST(named_setup, named_teardown,
			test_overlapping_insert_rejected_unchanged),
		TEST_CASE_ST(named_setup, named_teardown,
			test_merge_both_sides_releases_descriptor),
		TEST_CASE_ST(named_setup, named_teardown, test_largest_tracks_root),
		TEST_CASE_ST(named_setup, named_teardown, test_check_detects_corruption),
		TEST_CASE_ST(named_setup, named_teardown, test_alloc_nospc_unchanged),
		TEST_CASE_ST(named_setup, named_teardown,
			test_bad_arguments_and_overflow_rejected),
		TEST_CASE_ST(named_setup, named_teardown, test_walk_stops_on_nonzero),
		TEST_CASE(test_random_ops_match_model),
		TEST_CASES_END()
	},
};

static int
test_vmap_free_tree(void)
{
	return unit_test_suite_runner(&vmap_free_tree_suite);
}

REGISTER_FAST_TEST(vmap_free_tree_autotest, NOHUGE_OK, ASAN_OK, test_vmap_free_tree);

