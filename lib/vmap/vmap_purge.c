/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Lazy unmapping in batches (the kernel's __purge_vmap_area_lazy).
 *
 * A free takes the window out of the busy tree and the IOVA table and
 * pushes it on the lazy list of the node that allocated it; the range keeps
 * its IOMMU translation, its backing and its IOVA, and cannot be handed out
 * again. When a node holds more than its share of lazy_max, the freeing
 * thread purges that node (if another purge is running, the node waits for
 * its next free over the share):
 *
 *   decay pools   take 1/2^shift of each pool back to the free trees
 *   detach        each node's lazy list, with one atomic exchange
 *   unmap         the batch's runs sorted by IOVA, touching runs merged:
 *                 one driver unmap per merged run (each covers whole
 *                 earlier maps, never part of one: invariant 6)
 *   flush         one flush over the batch's IOVA span, split only where
 *                 two runs lie more than VMAP_FLUSH_GAP apart (a flush may
 *                 cover live ranges, it only invalidates)
 *   return        only now, ranges go to their node's pool or back to the
 *                 free tree with their backing and IOVA (invariants 1, 2)
 *   hold          but a range a failed unmap or flush covered goes back to
 *                 its lazy list instead (VMAP_AREA_F_UNMAPPED if only the
 *                 flush is owed), for the next purge to try again: it is
 *                 never reused while the driver may still translate it
 *
 * The purge holds purge_lock (a mutex) and takes node and arena locks one
 * at a time, briefly, so allocators on other lcores are not stopped for
 * the batch.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "vmap_private.h"
#include "vmap_fault.h"
#include "vmap_trace.h"

/*
 * Runs further apart than this get their own flush: one flush over a span
 * of terabytes (PA mode on a big machine) would invalidate far more than
 * the batch. A real IOMMU flushes a range in time that grows with it only
 * up to a point (then it invalidates the domain), so 1 GiB keeps batches
 * to one or a few flushes in VA and DOMAIN mode.
 */
#define VMAP_FLUSH_GAP (UINT64_C(1) << 30)

/* Ranges returned to a pool per hold of its lock. */
#define VMAP_PURGE_SLICE 64

/* purge_run.range of a run that is no range's: a live block's dirt. */
#define PURGE_NO_RANGE SIZE_MAX

struct purge_run {
	uintptr_t va;        /* where the run lies; 0 for block dirt */
	rte_iova_t iova;
	size_t len;
	size_t range;        /* index in ranges[] of the range it is a run of */
	bool unmap;          /* still mapped: the purge unmaps it */
	bool unmap_failed;   /* the unmap covering it failed */
	bool flush_failed;   /* the flush covering it failed */
};

struct purge_batch {
	struct vmap_area **ranges;
	size_t nr_ranges;
	size_t cap_ranges;
	struct purge_run *runs;
	size_t nr_runs;
	size_t cap_runs;
	bool run_unmap;
	size_t run_range;
	bool oom;
	/* Lazy ranges ranges[] had no room for (no memory), linked by link. */
	struct vmap_area *overflow;
};

static void *
grow(void *arr, size_t *cap, size_t elt)
{
	size_t n = *cap != 0 ? *cap * 2 : 64;
	void *p = vmap_fault_realloc(arr, n * elt);

	if (p != NULL)
		*cap = n;
	return p;
}

static void
add_run(uintptr_t va, rte_iova_t iova, size_t len, void *arg)
{
	struct purge_batch *b = arg;
	void *p;

	if (b->nr_runs == b->cap_runs) {
		p = grow(b->runs, &b->cap_runs, sizeof(*b->runs));
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->runs = p;
	}
	b->runs[b->nr_runs++] = (struct purge_run){
		.va = va,
		.iova = iova,
		.len = len,
		.range = b->run_range,
		.unmap = b->run_unmap,
	};
}

static int
run_cmp(const void *x, const void *y)
{
	const struct purge_run *a = x, *b = y;

	return a->iova < b->iova ? -1 : a->iova > b->iova;
}

static uint64_t purge_nodes(struct rte_vmap *vm, unsigned int first, unsigned int nr,
		bool full, bool blocks, int *err);

void
vmap_lazy_add(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_node *vn = &vm->nodes[va->alloc_node];
	struct vmap_area *head = __atomic_load_n(&vn->lazy_head, __ATOMIC_RELAXED);
	/* Read before the push: once pushed, a purge may recycle va at once. */
	size_t size = va->size;
	uint64_t lazy;

	va->state = VMAP_AREA_LAZY;
	/* Count first, so the purge that takes va never subtracts it early. */
	lazy = __atomic_add_fetch(&vn->lazy_bytes, size, __ATOMIC_RELAXED);
	do {
		STAILQ_NEXT(va, link) = head;
	} while (!__atomic_compare_exchange_n(&vn->lazy_head, &head, va, true,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED));
	/*
	 * Past the share, purge this node's batch here, unless a purge is
	 * running. Only this node: the lcore that fills it pays for it, and
	 * touches no other node's lists or pools.
	 */
	if (lazy > vm->lazy_share && pthread_mutex_trylock(&vm->purge_lock) == 0) {
		purge_nodes(vm, vn->id, 1, false, false, NULL);
		pthread_mutex_unlock(&vm->purge_lock);
	}
}

/* Put a detached chain back (no memory to hold it in this batch). */
static void
lazy_push_chain(struct vmap_node *vn, struct vmap_area *first)
{
	struct vmap_area *last = first, *head;

	while (STAILQ_NEXT(last, link) != NULL)
		last = STAILQ_NEXT(last, link);
	head = __atomic_load_n(&vn->lazy_head, __ATOMIC_RELAXED);
	do {
		STAILQ_NEXT(last, link) = head;
	} while (!__atomic_compare_exchange_n(&vn->lazy_head, &head, first, true,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/*
 * A range marked VMAP_AREA_F_RETRY goes back to its lazy list, still
 * counted in lazy_bytes, for the next purge (UNMAPPED says what it owes).
 */
static void
lazy_hold(struct rte_vmap *vm, struct vmap_area *va)
{
	va->flags &= ~VMAP_AREA_F_RETRY;
	STAILQ_NEXT(va, link) = NULL;
	lazy_push_chain(&vm->nodes[va->alloc_node], va);
}

/* Take the lazy lists of nodes [first, first + nr) into the batch. */
static void
detach_lazy(struct rte_vmap *vm, unsigned int first, unsigned int nr,
		struct purge_batch *b)
{
	struct vmap_area *va, *next;
	unsigned int i;
	void *p;

	for (i = first; i < first + nr; i++) {
		va = __atomic_exchange_n(&vm->nodes[i].lazy_head, NULL, __ATOMIC_ACQUIRE);
		for (; va != NULL; va = next) {
			next = STAILQ_NEXT(va, link);
			if (b->nr_ranges == b->cap_ranges) {
				p = grow(b->ranges, &b->cap_ranges, sizeof(*b->ranges));
				if (p == NULL) {
					/* No memory: the rest is purged range by range. */
					for (next = va; STAILQ_NEXT(next, link) != NULL;)
						next = STAILQ_NEXT(next, link);
					STAILQ_NEXT(next, link) = b->overflow;
					b->overflow = va;
					break;
				}
				b->ranges = p;
			}
			b->ranges[b->nr_ranges++] = va;
		}
	}
}

/*
 * Sort the runs by IOVA. A node's lazy list is LIFO and windows are carved
 * in address order, so a batch usually arrives sorted one way or the
 * other: check that in one pass before paying for qsort().
 */
static void
sort_runs(struct purge_batch *b)
{
	bool up = true, down = true;
	struct purge_run t;
	size_t i;

	for (i = 1; i < b->nr_runs && (up || down); i++) {
		up = up && b->runs[i - 1].iova <= b->runs[i].iova;
		down = down && b->runs[i - 1].iova >= b->runs[i].iova;
	}
	if (up)
		return;
	if (!down) {
		qsort(b->runs, b->nr_runs, sizeof(*b->runs), run_cmp);
		return;
	}
	for (i = 0; i < b->nr_runs / 2; i++) {
		t = b->runs[i];
		b->runs[i] = b->runs[b->nr_runs - 1 - i];
		b->runs[b->nr_runs - 1 - i] = t;
	}
}

/* Flush [lo, hi), the runs [first, last) of the batch; note them on failure. */
static int
flush_group(struct rte_vmap *vm, struct purge_batch *b, size_t first, size_t last,
		rte_iova_t lo, rte_iova_t hi)
{
	int ret = vmap_iova_flush(vm, lo, hi);

	for (; ret != 0 && first < last; first++)
		b->runs[first].flush_failed = true;
	return ret;
}

/*
 * The merged unmap of runs [first, last) failed with err: try them one by
 * one, so that only the runs the driver refuses on their own are held, not
 * the neighbouring ranges a merge took along (each run covers whole earlier
 * maps, so each is a valid unmap on its own: invariant 6). Returns the
 * first error of a run that stays mapped (err for a single run), or 0 if
 * every run went: then nothing is owed and the purge has nothing to report.
 */
static int
unmap_one_by_one(struct rte_vmap *vm, struct purge_batch *b, size_t first, size_t last,
		int err)
{
	int ret, first_err = 0;
	size_t k;

	if (last - first == 1) {
		b->runs[first].unmap_failed = true;
		return err;
	}
	for (k = first; k < last; k++) {
		ret = vmap_iova_unmap_run(vm, b->runs[k].iova, b->runs[k].len);
		if (ret == 0)
			continue;
		b->runs[k].unmap_failed = true;
		first_err = first_err != 0 ? first_err : ret;
	}
	return first_err;
}

/*
 * Unmap the merged runs, then flush the span once (or per far-apart group).
 * Returns the first driver error of a call whose runs stay owed (they are
 * marked); a merged unmap whose runs all went on their own is no error.
 */
static int
unmap_and_flush(struct rte_vmap *vm, struct purge_batch *b)
{
	rte_iova_t lo, hi, run_end;
	size_t i, j, group = 0;
	int ret, err = 0;

	if (b->nr_runs == 0)
		return 0;
	sort_runs(b);
	lo = b->runs[0].iova;
	hi = lo;
	for (i = 0; i < b->nr_runs; i = j) {
		/* Merge touching runs of the same kind into one unmap. */
		run_end = b->runs[i].iova + b->runs[i].len;
		for (j = i + 1; j < b->nr_runs && b->runs[j].iova == run_end &&
				b->runs[j].unmap == b->runs[i].unmap; j++)
			run_end += b->runs[j].len;
		if (b->runs[i].iova > hi + VMAP_FLUSH_GAP) {
			ret = flush_group(vm, b, group, i, lo, hi);
			err = err != 0 ? err : ret;
			lo = b->runs[i].iova;
			group = i;
		}
		ret = b->runs[i].unmap ?
			vmap_iova_unmap_run(vm, b->runs[i].iova, run_end - b->runs[i].iova) : 0;
		if (ret != 0) {
			VMAP_LOG(ERR, "%s: IOMMU unmap of 0x%" PRIx64 "+%" PRIu64 " failed: %d",
				vm->name, b->runs[i].iova, run_end - b->runs[i].iova, ret);
			ret = unmap_one_by_one(vm, b, i, j, ret);
			err = err != 0 ? err : ret;
		}
		hi = RTE_MAX(hi, run_end);
	}
	ret = flush_group(vm, b, group, b->nr_runs, lo, hi);
	return err != 0 ? err : ret;
}

/*
 * Mark the ranges whose runs failed (VMAP_AREA_F_RETRY), owing only their
 * flush (VMAP_AREA_F_UNMAPPED): a run the driver refused is owed on its
 * own (vmap_owed.c, whatever memory there is), so no purge unmaps again,
 * over pages no longer mapped, the runs of a range that went (PA mode: a
 * run per backing page). The range is held until a purge settles them.
 */
static void
mark_failed_ranges(struct rte_vmap *vm, struct purge_batch *b)
{
	const struct purge_run *run;
	struct vmap_area *va;
	size_t i;

	for (i = 0; i < b->nr_runs; i++) {
		run = &b->runs[i];
		if (run->range == PURGE_NO_RANGE || (!run->flush_failed && !run->unmap_failed))
			continue;
		va = b->ranges[run->range];
		va->flags |= VMAP_AREA_F_RETRY | VMAP_AREA_F_UNMAPPED;
		if (run->unmap_failed)
			vmap_owed_unmap_add(vm, run->va, run->iova, run->len);
	}
}

/*
 * Unmap (unless done) and flush one range on its own. 0, or the driver's
 * error with the range marked VMAP_AREA_F_RETRY and UNMAPPED (the runs
 * refused are owed on their own).
 */
static int
purge_range_alone(struct rte_vmap *vm, struct vmap_area *va)
{
	rte_iova_t lo, hi;
	int unmapped, flushed;

	unmapped = (va->flags & VMAP_AREA_F_UNMAPPED) == 0 ? vmap_iova_unmap(vm, va) : 0;
	if (unmapped != 0)
		VMAP_LOG(ERR, "%s: IOMMU unmap of 0x%" PRIxPTR "+%zu failed: %d", vm->name,
			va->start, va->size, unmapped);
	vmap_iova_span(vm, va, &lo, &hi);
	flushed = vmap_iova_flush(vm, lo, hi);
	if (unmapped == 0 && flushed == 0) {
		/* Done, unless a block window in it still owes its own unmap. */
		if (vmap_owed_overlaps(vm, lo, hi))
			va->flags |= VMAP_AREA_F_RETRY | VMAP_AREA_F_UNMAPPED;
		return 0;
	}
	va->flags |= VMAP_AREA_F_RETRY | VMAP_AREA_F_UNMAPPED;
	return unmapped != 0 ? unmapped : flushed;
}

/*
 * No memory to sort the batch: unmap and flush range by range instead.
 * Returns the first driver error; the ranges concerned are marked.
 */
static int
purge_one_by_one(struct rte_vmap *vm, struct purge_batch *b)
{
	int flushed, ret, err = 0;
	size_t i;

	for (i = 0; i < b->nr_ranges; i++) {
		ret = purge_range_alone(vm, b->ranges[i]);
		err = err != 0 ? err : ret;
	}
	/*
	 * Block dirt collected before memory ran out: flush-only runs. A failure
	 * is only reported: dirt is never carved again, and the block's host
	 * is flushed whole before it is reused (vmap_block.h).
	 */
	for (i = 0; i < b->nr_runs; i++) {
		if (b->runs[i].unmap)
			continue;
		flushed = vmap_iova_flush(vm, b->runs[i].iova, b->runs[i].iova + b->runs[i].len);
		err = err != 0 ? err : flushed;
	}
	return err;
}

/*
 * Ranges done with, but overlapping an unmap or flush owed for a block
 * window inside them (vmap_owed.c): held too, owing no unmap of their own.
 */
static void
mark_owed_ranges(struct rte_vmap *vm, struct purge_batch *b)
{
	rte_iova_t lo, hi;
	size_t i;

	for (i = 0; i < b->nr_ranges; i++) {
		if ((b->ranges[i]->flags & VMAP_AREA_F_RETRY) != 0)
			continue;
		vmap_iova_span(vm, b->ranges[i], &lo, &hi);
		if (vmap_owed_overlaps(vm, lo, hi))
			b->ranges[i]->flags |= VMAP_AREA_F_RETRY | VMAP_AREA_F_UNMAPPED;
	}
}

/*
 * Ranges marked VMAP_AREA_F_RETRY go back to their lazy lists, still
 * counted in lazy_bytes, for the next purge; the others stay in ranges[],
 * in order (one node's ranges together).
 */
static void
hold_failed(struct rte_vmap *vm, struct purge_batch *b)
{
	struct vmap_area *va;
	size_t i, n = 0;

	for (i = 0; i < b->nr_ranges; i++) {
		va = b->ranges[i];
		if ((va->flags & VMAP_AREA_F_RETRY) == 0) {
			b->ranges[n++] = va;
			continue;
		}
		lazy_hold(vm, va);
	}
	if (n != b->nr_ranges)
		VMAP_LOG(ERR, "%s: %zu freed ranges kept from reuse until a purge unmaps and "
			"flushes them", vm->name, b->nr_ranges - n);
	b->nr_ranges = n;
}

/*
 * The dirt of a live per-lcore block (unmapped at block_free): a flush-only
 * run of this batch. -ENOMEM if the batch cannot hold it.
 */
static int
add_block_dirt(rte_iova_t iova, size_t len, void *arg)
{
	struct purge_batch *b = arg;
	size_t n = b->nr_runs;

	b->run_unmap = false;
	b->run_range = PURGE_NO_RANGE;
	add_run(0, iova, len, b);
	return b->nr_runs > n ? 0 : -ENOMEM;
}

/* Decay the pools and chunks of nodes [first, first + nr); all when full. */
static uint64_t
pools_release(struct rte_vmap *vm, unsigned int first, unsigned int nr, bool full)
{
	struct vmap_area_list list;
	struct vmap_area *va;
	uint64_t bytes = 0;
	unsigned int i;

	STAILQ_INIT(&list);
	for (i = first; i < first + nr; i++) {
		vmap_pools_decay(&vm->nodes[i], full ? 0 : RTE_VMAP_POOL_DECAY_SHIFT, &list);
		vmap_chunks_drain(&vm->nodes[i], full, &list);
	}
	while ((va = STAILQ_FIRST(&list)) != NULL) {
		STAILQ_REMOVE_HEAD(&list, link);
		bytes += va->size;
		vmap_retire_range(vm, va);
	}
	return bytes;
}

/*
 * The ranges of the batch that had no room in it, one by one: what a
 * purge takes it finishes, memory or not. Returns the first driver error.
 */
static int
purge_overflow(struct rte_vmap *vm, struct purge_batch *b, bool full, uint64_t *bytes)
{
	struct vmap_area *va, *next;
	int ret, err = 0;

	for (va = b->overflow; va != NULL; va = next) {
		next = STAILQ_NEXT(va, link);
		ret = purge_range_alone(vm, va);
		err = err != 0 ? err : ret;
		if ((va->flags & VMAP_AREA_F_RETRY) != 0) {
			lazy_hold(vm, va);
			continue;
		}
		__atomic_sub_fetch(&vm->nodes[va->alloc_node].lazy_bytes, va->size,
			__ATOMIC_RELAXED);
		*bytes += va->size;
		if (full) {
			va->flags &= ~(VMAP_AREA_F_BLOCK | VMAP_AREA_F_UNMAPPED);
			vmap_retire_range(vm, va);
		} else {
			vmap_range_recycle(vm, va);
		}
	}
	b->overflow = NULL;
	return err;
}

/*
 * The flush has returned: the ranges may be used again. Runs of ranges of
 * one node (detach keeps them together) go to its pools under one lock.
 */
static uint64_t
return_ranges(struct rte_vmap *vm, struct purge_batch *b, bool full)
{
	uint64_t bytes = 0;
	size_t i, j, k, n, r, left;

	for (i = 0; i < b->nr_ranges; i = j) {
		unsigned int node = b->ranges[i]->alloc_node;
		uint64_t node_bytes = 0;

		for (j = i; j < b->nr_ranges && b->ranges[j]->alloc_node == node; j++) {
			node_bytes += b->ranges[j]->size;
			b->ranges[j]->flags &= ~(VMAP_AREA_F_BLOCK | VMAP_AREA_F_UNMAPPED);
		}
		__atomic_sub_fetch(&vm->nodes[node].lazy_bytes, node_bytes, __ATOMIC_RELAXED);
		bytes += node_bytes;
		/* Under pressure refill nothing: all of it goes back to the trees. */
		if (full) {
			for (k = i; k < j; k++)
				vmap_retire_range(vm, b->ranges[k]);
			continue;
		}
		/*
		 * In bounded slices, so that the lcore allocating from this
		 * pool never waits for more than one slice.
		 */
		for (k = i; k < j; k += n) {
			n = RTE_MIN(j - k, (size_t)VMAP_PURGE_SLICE);
			left = vmap_pool_put_bulk(&vm->nodes[node], &b->ranges[k], n);
			for (r = 0; r < left; r++)
				vmap_retire_range(vm, b->ranges[k + r]);
		}
	}
	return bytes;
}

/*
 * One batch over nodes [first, first + nr), with purge_lock held. With
 * blocks (every node: rte_vmap_purge(), reclaim, destroy), per-lcore
 * blocks first (as the kernel's _vm_unmap_aliases() does): idle ones
 * join the lazy lists before they are detached, the dirt of the others
 * joins this batch's flush. *err (if not NULL) receives 0 or the first
 * driver error.
 */
static uint64_t
purge_nodes(struct rte_vmap *vm, unsigned int first, unsigned int nr, bool full, bool blocks,
		int *err)
{
	struct purge_batch b = { 0 };
	unsigned int folded = 0;
	uint64_t bytes;
	size_t i, taken;
	int ret = 0, owed_err, overflow_err;

	/* Decay before refilling, so fresh ranges are what the pools keep. */
	bytes = pools_release(vm, first, nr, full);
	if (blocks)
		folded = vmap_blocks_purge(vm, full, add_block_dirt, &b);
	detach_lazy(vm, first, nr, &b);
	/* What block windows and strict frees could not finish, first. */
	owed_err = vmap_owed_settle(vm, 0, RTE_BAD_IOVA);
	if (vm->iommu->unmap != NULL || vm->iommu->flush != NULL) {
		for (i = 0; i < b.nr_ranges; i++) {
			b.run_unmap = (b.ranges[i]->flags & VMAP_AREA_F_UNMAPPED) == 0 &&
				vm->iommu->unmap != NULL;
			b.run_range = i;
			vmap_iova_for_each_run(vm, b.ranges[i], add_run, &b);
		}
		if (b.oom) {
			ret = purge_one_by_one(vm, &b);
		} else {
			ret = unmap_and_flush(vm, &b);
			/* Every failed call is in ret: nothing to mark on a clean batch. */
			if (ret != 0)
				mark_failed_ranges(vm, &b);
		}
	}
	taken = b.nr_ranges;
	ret = owed_err != 0 ? owed_err : ret;
	if (vmap_owed_any(vm))
		mark_owed_ranges(vm, &b);
	hold_failed(vm, &b);
	bytes += return_ranges(vm, &b, full);
	if (b.overflow != NULL) {
		taken++;
		overflow_err = purge_overflow(vm, &b, full, &bytes);
		ret = ret != 0 ? ret : overflow_err;
	}
	rte_vmap_trace_purge(vm->name, first, nr, b.nr_ranges + folded, bytes);
	if (taken != 0 || folded != 0)
		__atomic_fetch_add(&vm->nr_purges, 1, __ATOMIC_RELAXED);
	free(b.ranges);
	free(b.runs);
	if (err != NULL)
		*err = ret;
	return bytes;
}

uint64_t
vmap_purge_locked(struct rte_vmap *vm, bool full, int *err)
{
	uint64_t bytes = purge_nodes(vm, 0, vm->nr_nodes, full, true, err);

	if (full)
		__atomic_fetch_add(&vm->nr_drains, 1, __ATOMIC_RELEASE);
	return bytes;
}

bool
vmap_reclaim(struct rte_vmap *vm)
{
	uint64_t drains = __atomic_load_n(&vm->nr_drains, __ATOMIC_ACQUIRE);
	uint64_t bytes;
	bool other;

	pthread_mutex_lock(&vm->purge_lock);
	/*
	 * A full purge (another reclaim, a trim) that ran while this one
	 * waited for the lock put what it held detached, which the caller's
	 * failed try could not see, back in the free trees: even if this
	 * drain finds nothing more, the caller's retry may succeed.
	 */
	other = __atomic_load_n(&vm->nr_drains, __ATOMIC_RELAXED) != drains;
	bytes = vmap_purge_locked(vm, true, NULL);
	pthread_mutex_unlock(&vm->purge_lock);
	return bytes != 0 || other;
}

void
vmap_purge_final(struct rte_vmap *vm)
{
	struct vmap_area *va, *next;
	uint64_t nr = 0;
	unsigned int i;
	int err;

	vmap_purge_locked(vm, true, &err);
	if (err != 0)
		vmap_purge_locked(vm, true, &err);
	/*
	 * Still failing: the ranges go with the space, whose driver close
	 * tears its translations down and whose reservation goes whole.
	 */
	for (i = 0; i < vm->nr_nodes; i++) {
		va = __atomic_exchange_n(&vm->nodes[i].lazy_head, NULL, __ATOMIC_ACQUIRE);
		for (; va != NULL; va = next) {
			next = STAILQ_NEXT(va, link);
			vmap_area_delete(va);
			nr++;
		}
		__atomic_store_n(&vm->nodes[i].lazy_bytes, 0, __ATOMIC_RELAXED);
	}
	if (nr != 0)
		VMAP_LOG(ERR, "%s: %" PRIu64 " freed ranges never unmapped and flushed by the "
			"IOMMU driver: released with the space", vm->name, nr);
}

/*
 * The pressure path (vmap_reclaim()) on demand: a full purge drains every
 * pool, chunk and stash, takes the idle per-lcore blocks, and sends what
 * was lazily freed back to the free trees, not to the pools. What this
 * thread's page releases add up to is what the call gave back.
 */
int64_t
rte_vmap_trim(struct rte_vmap *vm)
{
	uint64_t before;
	int err;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (vmap_is_view(vm))
		return vmap_mp_call(vm, VMAP_MP_TRIM);
	before = vmap_backing_released();
	pthread_mutex_lock(&vm->purge_lock);
	vmap_purge_locked(vm, true, &err);
	pthread_mutex_unlock(&vm->purge_lock);
	if (err != 0) {
		err = err < 0 ? err : -EIO;
		rte_errno = -err;
		return err;
	}
	return (int64_t)(vmap_backing_released() - before);
}

int
rte_vmap_purge(struct rte_vmap *vm)
{
	int err;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (vmap_is_view(vm))
		return (int)vmap_mp_call(vm, VMAP_MP_PURGE);
	pthread_mutex_lock(&vm->purge_lock);
	vmap_purge_locked(vm, false, &err);
	pthread_mutex_unlock(&vm->purge_lock);
	if (err == 0)
		return 0;
	/* Drivers return a negative errno; anything else is an I/O error. */
	err = err < 0 ? err : -EIO;
	rte_errno = -err;
	return err;
}
