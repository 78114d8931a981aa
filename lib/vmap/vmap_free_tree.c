/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Free-space tree (the kernel's find_vmap_lowest_match()): the free ranges of an arena (or of
 * the DOMAIN IOVA space) in a red-black tree sorted by start, every node
 * also holding subtree_max, the largest size in its subtree. Ranges never
 * touch: an insert merges with its neighbours, so the tree holds as few
 * ranges as the free space allows.
 *
 * An allocation clips the range it lands in, in one of four ways:
 *
 *            range:  |<-------------- free -------------->|
 *   FL (full fit):   |################ alloc ##############|  unlink the node
 *   LE (left edge):  |## alloc ##|<--------- free -------->|  move the start up
 *   RE (right edge): |<--------- free -------->|## alloc ##|  move the end down
 *   NE (no edge):    |<- free ->|## alloc ##|<--- free --->|  split: a second
 *                                                             descriptor
 *
 * The tree never allocates: the caller brings the descriptors (the one an
 * insert may keep, the spare an NE split needs) and frees the ones it gets
 * back after unlocking, because the owner calls in here under a spinlock
 * (no allocation under the owner's spinlock).
 *
 * Errors besides those vmap_private.h lists, for arguments no caller should
 * pass: -EINVAL (size 0, a range that wraps, align not a power of two, a
 * NULL desc/released/spare pointer-to-pointer where one is written), and
 * -EAGAIN from insert when it must keep a descriptor and *desc is NULL.
 * Nothing is changed in either case.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "vmap_private.h"

/*
 * libbsd's tree.h marks the functions RB_GENERATE_STATIC makes as __unused,
 * but its cdefs.h leaves that macro out (it clashes with a Linux struct
 * member name), so supply it.
 */
#ifndef __unused
#define __unused __rte_unused
#endif

/* ---- the augmented tree ---------------------------------------------- */

static inline int
free_cmp(const struct vmap_area *a, const struct vmap_area *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

static inline size_t
free_subtree_max(const struct vmap_area *va)
{
	return va == NULL ? 0 : va->subtree_max;
}

/* What va's subtree_max must be, given that its children's are right. */
static inline size_t
free_max_below(const struct vmap_area *va)
{
	size_t left = free_subtree_max(RB_LEFT(va, rb));
	size_t right = free_subtree_max(RB_RIGHT(va, rb));
	size_t m = va->size;

	if (left > m)
		m = left;
	if (right > m)
		m = right;
	return m;
}

static inline void
free_augment(struct vmap_area *va)
{
	va->subtree_max = free_max_below(va);
}

/*
 * Why libbsd's RB_AUGMENT hook, plus our walks, keeps subtree_max right.
 *
 * The hook recomputes one node from its children. libbsd calls it on both
 * nodes of every rotation, child first, after their children are final,
 * and then on the parent above them, whose subtree holds the same nodes as
 * before. So a rotation leaves every node it touches right *provided its
 * children were right*. What the hook does not do is reach the root:
 *
 * - RB_INSERT recomputes only the new node's parent before rebalancing.
 *   Call x the new node. Before rebalancing, every node whose subtree does
 *   not hold x is right (it did not change). A rotation changes the
 *   subtrees of its two nodes only; if one of them no longer holds x, its
 *   children do not hold x either, were right, and so it is recomputed
 *   right. By induction, after rebalancing the only nodes that may be wrong
 *   are the ancestors of x, and one walk from x to the root, recomputing
 *   each from its (by then right) children, fixes all of them.
 * - RB_REMOVE of a node with two children recomputes from the successor's
 *   old parent to the root itself; with one child or none it recomputes
 *   only the parent p the node hung from. The argument above, with p as x,
 *   shows that after rebalancing only p's ancestors may be wrong: walk from
 *   p (taken before the remove) to the root.
 *
 * Those two walks cannot stop early: a node found unchanged may have been
 * recomputed by a rotation while nodes above it were not. A resize (start
 * or size of one node changes, the shape does not) is different: the rest
 * of the tree is right, so once a recomputed value is unchanged nothing
 * above it can change either, and free_propagate_resize() stops there.
 *
 * The hook must be defined after tree.h (which defines an empty default)
 * and before RB_GENERATE: the rotation macros expand it at that point.
 */
#undef RB_AUGMENT
#define RB_AUGMENT(x) free_augment(x)

RB_GENERATE_STATIC(vmap_free_root, vmap_area, rb, free_cmp)

/* Recompute subtree_max from va up to the root, every node. */
static inline void
free_propagate_to_root(struct vmap_area *va)
{
	for (; va != NULL; va = RB_PARENT(va, rb))
		free_augment(va);
}

/* va was resized in place; everything else is right. */
static inline void
free_propagate_resize(struct vmap_area *va)
{
	size_t m;

	for (; va != NULL; va = RB_PARENT(va, rb)) {
		m = free_max_below(va);
		if (m == va->subtree_max)
			break;
		va->subtree_max = m;
	}
}

/* Link a new range; the caller checked that it neither overlaps nor touches. */
static void
free_link(struct vmap_free_tree *t, struct vmap_area *va, uintptr_t start, size_t size)
{
	va->start = start;
	va->size = size;
	va->subtree_max = size; /* RB_INSERT does not compute the new node */
	va->state = VMAP_AREA_FREE;
	RB_INSERT(vmap_free_root, &t->root, va);
	free_propagate_to_root(va);
	/* verify() sizes its buffer with a peek at it (count_ranges()). */
	__atomic_store_n(&t->nr_ranges, t->nr_ranges + 1, __ATOMIC_RELAXED);
}

static void
free_unlink(struct vmap_free_tree *t, struct vmap_area *va)
{
	struct vmap_area *parent = RB_PARENT(va, rb);

	RB_REMOVE(vmap_free_root, &t->root, va);
	free_propagate_to_root(parent);
	__atomic_store_n(&t->nr_ranges, t->nr_ranges - 1, __ATOMIC_RELAXED);
	va->state = VMAP_AREA_SPARE;
}

/* ---- lifetime and queries --------------------------------------------- */

void
vmap_free_tree_init(struct vmap_free_tree *t)
{
	RB_INIT(&t->root);
	t->nr_ranges = 0;
	t->bytes = 0;
}

void
vmap_free_tree_fini(struct vmap_free_tree *t)
{
	struct vmap_area *va = RB_ROOT(&t->root);
	struct vmap_area *parent;

	/*
	 * Post-order without rebalancing: free a leaf, cut it off its parent,
	 * go on from the parent. RB_FOREACH_SAFE would step through freed
	 * parents, RB_REMOVE would rebalance for nothing.
	 */
	while (va != NULL) {
		if (RB_LEFT(va, rb) != NULL) {
			va = RB_LEFT(va, rb);
			continue;
		}
		if (RB_RIGHT(va, rb) != NULL) {
			va = RB_RIGHT(va, rb);
			continue;
		}
		parent = RB_PARENT(va, rb);
		if (parent != NULL) {
			if (RB_LEFT(parent, rb) == va)
				RB_LEFT(parent, rb) = NULL;
			else
				RB_RIGHT(parent, rb) = NULL;
		}
		free(va);
		va = parent;
	}
	vmap_free_tree_init(t);
}

size_t
vmap_free_tree_largest(const struct vmap_free_tree *t)
{
	return free_subtree_max(RB_ROOT(&t->root));
}

/* RB_MIN and RB_NEXT only read the links but are not declared const. */
static inline const struct vmap_area *
free_first(const struct vmap_free_tree *t)
{
	const struct vmap_area *va = RB_ROOT(&t->root);

	while (va != NULL && RB_LEFT(va, rb) != NULL)
		va = RB_LEFT(va, rb);
	return va;
}

static inline const struct vmap_area *
free_next(const struct vmap_area *va)
{
	return RB_NEXT(vmap_free_root, NULL, (struct vmap_area *)(uintptr_t)va);
}

int
vmap_free_tree_walk(const struct vmap_free_tree *t,
		int (*fn)(const struct vmap_area *va, void *arg), void *arg)
{
	const struct vmap_area *va;
	int ret;

	for (va = free_first(t); va != NULL; va = free_next(va)) {
		ret = fn(va, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* ---- insert ------------------------------------------------------------ */

/*
 * The ranges on either side of start: *prev the last one starting below it,
 * *next the first one starting at or above it. One descent finds both, so
 * RB_PREV/RB_NEXT (a second walk) are not needed.
 */
static inline void
free_neighbours(const struct vmap_free_tree *t, uintptr_t start,
		struct vmap_area **prev, struct vmap_area **next)
{
	struct vmap_area *va = RB_ROOT(&t->root);

	*prev = NULL;
	*next = NULL;
	while (va != NULL) {
		if (va->start < start) {
			*prev = va;
			va = RB_RIGHT(va, rb);
		} else {
			*next = va;
			va = RB_LEFT(va, rb);
		}
	}
}

int
vmap_free_tree_insert(struct vmap_free_tree *t, uintptr_t start, size_t size,
		struct vmap_area **desc, struct vmap_area **released)
{
	struct vmap_area *prev, *next;
	uintptr_t end = start + size;
	bool join_prev, join_next;

	if (released != NULL)
		*released = NULL;
	if (size == 0 || end < start || desc == NULL || released == NULL)
		return -EINVAL;

	/* Refuse an overlap before touching anything: it is a caller's bug. */
	free_neighbours(t, start, &prev, &next);
	if (prev != NULL && prev->start + prev->size > start)
		return -EEXIST;
	if (next != NULL && next->start < end)
		return -EEXIST;
	join_prev = prev != NULL && prev->start + prev->size == start;
	join_next = next != NULL && next->start == end;

	if (join_prev && join_next) {
		/*
		 * Unlink next first: its walk leaves the whole tree right, which
		 * the early stop of the resize that grows prev relies on.
		 */
		free_unlink(t, next);
		prev->size += size + next->size;
		free_propagate_resize(prev);
		*released = next;
	} else if (join_prev) {
		prev->size += size;
		free_propagate_resize(prev);
	} else if (join_next) {
		/* The new start is still above prev's end: the order holds. */
		next->start = start;
		next->size += size;
		free_propagate_resize(next);
	} else {
		if (*desc == NULL)
			return -EAGAIN;
		free_link(t, *desc, start, size);
		*desc = NULL;
	}
	t->bytes += size;
	return 0;
}

/* ---- lowest-fit allocation ----------------------------------------------- */

/*
 * The leftmost range that ends above after and is at least length bytes,
 * in O(log n).
 *
 * Ranges are disjoint, so ends rise with starts and "ends above after" is
 * a suffix of the address order. Descend towards the start of that
 * suffix: a node inside it is followed in address order by its whole right
 * subtree, also inside it; a node before it is skipped with its left
 * subtree. The deepest node of the descent that, with its right subtree,
 * holds a range big enough is the answer's home: either itself or the
 * leftmost big-enough range of its right subtree, found by a plain descent
 * on subtree_max.
 */
static struct vmap_area *
free_first_big_enough(const struct vmap_free_tree *t, uintptr_t after, size_t length)
{
	struct vmap_area *va = RB_ROOT(&t->root);
	struct vmap_area *home = NULL;

	while (va != NULL && va->subtree_max >= length) {
		if (va->start + va->size <= after) {
			va = RB_RIGHT(va, rb);
			continue;
		}
		if (va->size >= length || free_subtree_max(RB_RIGHT(va, rb)) >= length)
			home = va;
		va = RB_LEFT(va, rb);
	}
	if (home == NULL || home->size >= length)
		return home;

	va = RB_RIGHT(home, rb);
	for (;;) {
		if (free_subtree_max(RB_LEFT(va, rb)) >= length)
			va = RB_LEFT(va, rb);
		else if (va->size >= length)
			return va;
		else
			va = RB_RIGHT(va, rb);
	}
}

/* The first address from base aligned to align, or false if it wraps. */
static inline bool
free_align_up(uintptr_t base, size_t align, uintptr_t *aligned)
{
	uintptr_t a = (base + (align - 1)) & ~(uintptr_t)(align - 1);

	if (a < base)
		return false;
	*aligned = a;
	return true;
}

/* Can [a, a + size), a aligned, sit in va and in [vstart, vend)? */
static inline bool
free_fits(const struct vmap_area *va, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, uintptr_t *addr)
{
	uintptr_t base = RTE_MAX(va->start, vstart);
	uintptr_t limit = RTE_MIN(va->start + va->size, vend);
	uintptr_t a;

	if (!free_align_up(base, align, &a))
		return false;
	if (a > limit || limit - a < size)
		return false;
	*addr = a;
	return true;
}

/*
 * Lowest fit: the lowest-addressed range of at least length bytes in which
 * an aligned [a, a + size) fits inside [vstart, vend), and the lowest such
 * a in it. Ranges shorter than length are not looked at even when one is
 * aligned well enough: the result is then a function of the free set and
 * the arguments alone (the kernel sometimes returns such a range when it
 * happens to lie on its search path).
 *
 * A candidate that does not fit is passed (the search goes on after its
 * end): only the one range holding vstart can fail for lack of room above
 * vstart; any later candidate fails only because of vend (or, with the
 * exact-window length, because it does not start at vstart), and then no
 * range above it can fit either, which the check on the next candidate
 * position sees. With granule-aligned ranges a search is thus at most two
 * descents (the kernel climbs back up through parents instead).
 */
static struct vmap_area *
free_find_lowest(const struct vmap_free_tree *t, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, size_t length, uintptr_t *addr)
{
	struct vmap_area *va;
	uintptr_t after = vstart;
	uintptr_t next_a;

	for (;;) {
		va = free_first_big_enough(t, after, length);
		if (va == NULL)
			return NULL;
		if (free_fits(va, size, align, vstart, vend, addr))
			return va;
		/* Every later range starts at or above va's end. */
		after = va->start + va->size;
		if (!free_align_up(after, align, &next_a) || next_a > vend ||
				vend - next_a < size)
			return NULL;
	}
}

/*
 * The search length (as find_vmap_lowest_match()): size plus the worst
 * alignment loss, so that any range that long and starting at or above
 * vstart fits. Not padded when align is at most the granule (starts are
 * granule multiples already), nor when the window is exactly size long:
 * then only [vstart, vend) itself can fit, and a range of exactly that
 * extent would never be as long as the padded length.
 */
static inline bool
free_search_length(size_t size, size_t align, uintptr_t window, size_t *length)
{
	if (align <= VMAP_GRANULE || window == size) {
		*length = size;
		return true;
	}
	if (size > SIZE_MAX - (align - 1))
		return false;
	*length = size + (align - 1);
	return true;
}

/* Take [a, a + size) out of va: FL, LE, RE or NE (see the top of the file). */
static int
free_clip(struct vmap_free_tree *t, struct vmap_area *va, uintptr_t a, size_t size,
		struct vmap_area **spare, struct vmap_area **released)
{
	uintptr_t end = va->start + va->size;
	struct vmap_area *rest;

	if (a == va->start && size == va->size) {
		free_unlink(t, va);
		*released = va;
	} else if (a == va->start) {
		va->start += size;
		va->size -= size;
		free_propagate_resize(va);
	} else if (a + size == end) {
		va->size -= size;
		free_propagate_resize(va);
	} else {
		/* Checked before any change: -EAGAIN leaves the tree as it was. */
		if (spare == NULL || *spare == NULL)
			return -EAGAIN;
		rest = *spare;
		*spare = NULL;
		va->size = a - va->start;
		free_propagate_resize(va);
		free_link(t, rest, a + size, end - (a + size));
	}
	t->bytes -= size;
	return 0;
}

int
vmap_free_tree_alloc(struct vmap_free_tree *t, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, uintptr_t *addr,
		struct vmap_area **spare, struct vmap_area **released)
{
	struct vmap_area *va;
	uintptr_t a = 0;
	size_t length;
	int ret;

	if (released != NULL)
		*released = NULL;
	if (size == 0 || align == 0 || (align & (align - 1)) != 0 ||
			addr == NULL || released == NULL)
		return -EINVAL;
	if (vend <= vstart || vend - vstart < size)
		return -ENOSPC;
	if (!free_search_length(size, align, vend - vstart, &length))
		return -ENOSPC;

	va = free_find_lowest(t, size, align, vstart, vend, length, &a);
	if (va == NULL)
		return -ENOSPC;
	ret = free_clip(t, va, a, size, spare, released);
	if (ret == 0)
		*addr = a;
	return ret;
}

/* ---- check ------------------------------------------------------------- */

/* The local rules of one node: state, size, links, colours, augment. */
static int
free_check_node(const struct vmap_area *va)
{
	const struct vmap_area *left = RB_LEFT(va, rb);
	const struct vmap_area *right = RB_RIGHT(va, rb);

	if (va->state != VMAP_AREA_FREE) {
		VMAP_LOG(ERR, "free tree: range 0x%" PRIxPTR "+%zu has state %u, not FREE",
			va->start, va->size, va->state);
		return -EFAULT;
	}
	if (va->size == 0 || va->start + va->size < va->start) {
		VMAP_LOG(ERR, "free tree: range 0x%" PRIxPTR "+%zu is empty or wraps",
			va->start, va->size);
		return -EFAULT;
	}
	if ((left != NULL && RB_PARENT(left, rb) != va) ||
			(right != NULL && RB_PARENT(right, rb) != va)) {
		VMAP_LOG(ERR, "free tree: a child of range 0x%" PRIxPTR " has another parent",
			va->start);
		return -EFAULT;
	}
	if (RB_COLOR(va, rb) == RB_RED &&
			((left != NULL && RB_COLOR(left, rb) == RB_RED) ||
			 (right != NULL && RB_COLOR(right, rb) == RB_RED))) {
		VMAP_LOG(ERR, "free tree: red range 0x%" PRIxPTR " has a red child", va->start);
		return -EFAULT;
	}
	if (va->subtree_max != free_max_below(va)) {
		VMAP_LOG(ERR, "free tree: range 0x%" PRIxPTR " has subtree_max %zu, not %zu",
			va->start, va->subtree_max, free_max_below(va));
		return -EFAULT;
	}
	return 0;
}

/* Black nodes from va up to the root, both counted. */
static unsigned int
free_black_depth(const struct vmap_area *va)
{
	unsigned int n = 0;

	for (; va != NULL; va = RB_PARENT(va, rb))
		n += RB_COLOR(va, rb) == RB_BLACK;
	return n;
}

/*
 * The black depth of every node missing a child must be the same (the
 * red-black balance); 0 if so or if va has both children.
 */
static int
free_check_balance(const struct vmap_area *va, unsigned int *black_depth)
{
	unsigned int depth;

	if (RB_LEFT(va, rb) != NULL && RB_RIGHT(va, rb) != NULL)
		return 0;
	depth = free_black_depth(va);
	if (*black_depth == 0)
		*black_depth = depth;
	if (depth != *black_depth) {
		VMAP_LOG(ERR, "free tree: unbalanced at range 0x%" PRIxPTR
			" (black depth %u, elsewhere %u)", va->start, depth, *black_depth);
		return -EFAULT;
	}
	return 0;
}

/* Where va sits against its predecessor and the bounds. */
static int
free_check_order(const struct vmap_area *prev, const struct vmap_area *va,
		uintptr_t lo, uintptr_t hi)
{
	if (va->start < lo || va->start + va->size > hi) {
		VMAP_LOG(ERR, "free tree: range 0x%" PRIxPTR "+%zu is outside [0x%" PRIxPTR
			", 0x%" PRIxPTR ")", va->start, va->size, lo, hi);
		return -EFAULT;
	}
	if (prev == NULL)
		return 0;
	if (prev->start + prev->size > va->start) {
		VMAP_LOG(ERR, "free tree: ranges 0x%" PRIxPTR "+%zu and 0x%" PRIxPTR
			"+%zu are out of order or overlap",
			prev->start, prev->size, va->start, va->size);
		return -EFAULT;
	}
	if (prev->start + prev->size == va->start) {
		VMAP_LOG(ERR, "free tree: ranges 0x%" PRIxPTR "+%zu and 0x%" PRIxPTR
			"+%zu touch (not merged)", prev->start, prev->size, va->start, va->size);
		return -EFAULT;
	}
	return 0;
}

/*
 * Sorted, merged, augmented values right, and the red-black rules, in one in-order
 * walk: O(n log n) (the black depths), for verify and tests, not hot paths.
 */
int
vmap_free_tree_check(const struct vmap_free_tree *t, uintptr_t lo, uintptr_t hi)
{
	const struct vmap_area *root = RB_ROOT(&t->root);
	const struct vmap_area *va, *prev = NULL;
	uint64_t nr = 0, bytes = 0;
	unsigned int black_depth = 0;

	if (root != NULL && (RB_PARENT(root, rb) != NULL || RB_COLOR(root, rb) != RB_BLACK)) {
		VMAP_LOG(ERR, "free tree: root has a parent or is red");
		return -EFAULT;
	}
	for (va = free_first(t); va != NULL; va = free_next(va)) {
		/* Bounded: a corrupt tree could cycle. */
		if (nr == t->nr_ranges) {
			VMAP_LOG(ERR, "free tree: more ranges than nr_ranges %" PRIu64,
				t->nr_ranges);
			return -EFAULT;
		}
		if (free_check_node(va) != 0 || free_check_order(prev, va, lo, hi) != 0 ||
				free_check_balance(va, &black_depth) != 0)
			return -EFAULT;
		nr++;
		bytes += va->size;
		prev = va;
	}
	if (nr != t->nr_ranges || bytes != t->bytes) {
		VMAP_LOG(ERR, "free tree: counters say %" PRIu64 " ranges, %" PRIu64
			" bytes; the tree holds %" PRIu64 ", %" PRIu64,
			t->nr_ranges, t->bytes, nr, bytes);
		return -EFAULT;
	}
	return 0;
}

/* ---- descriptors ------------------------------------------------------- */

struct vmap_area *
vmap_area_new(void)
{
	struct vmap_area *va = vmap_fault_malloc(sizeof(*va));

	if (va != NULL) {
		va->state = VMAP_AREA_SPARE;
		va->flags = 0;
		va->iova = 0;
		va->alloc_node = 0;
		va->subtree_max = 0;
	}
	return va;
}

void
vmap_area_delete(struct vmap_area *va)
{
	free(va);
}
