/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Driver calls owed: an IOMMU unmap or flush that failed where the caller
 * could not keep its range out of use.
 *
 * A lazy free, a strict free and a purge keep a range whose unmap or flush
 * failed on its lazy list, and the next purge retries it (vmap_purge.c).
 * What they retry is the flush; every run the driver refused to unmap is
 * owed on its own here, so that no retry unmaps again a run that went.
 * Block windows (pieces of a block that lives on) and map undos rely on
 * this alone. The library keeps its promise (a range is not reused while
 * the driver may still translate it) by checking what is owed before a
 * range is recycled or mapped again:
 *
 *   refused unmap   [iova, len) of a run at va: every purge retries it
 *                   (then flushes it); until it succeeds, a range
 *                   overlapping it stays lazy, and a map overlapping it
 *                   first settles it or fails
 *   failed flush    one span covering them all: flushed again by every
 *                   purge (a flush may cover more than was unmapped)
 *
 * A refused run is owed whatever memory there is. Its record goes on a
 * list (quick to search); when malloc() fails too, the run is marked in
 * the IOVA table's own slots instead: each granule of the run gets its
 * IOVA | VMAP_IOVA_OWED, without __RTE_VMAP_IOVA_VALID, so
 * rte_vmap_virt2iova() does not see it. Those slots are free to take: a
 * run is refused only after its window left the table (a free clears its
 * slots first; a map undo runs before the window is published), and
 * nothing publishes over a mark (vmap_iova.c settles the marks in a
 * window's slots before mapping it). The marks are counted, with the VA
 * span they lie in, and purges scan that span. (A fixed reserve of
 * records used to stand in for malloc(); once it ran out, a range owed its
 * whole unmap, which the driver then refused for good on the runs that had
 * gone: held until destroy.)
 *
 * Only purges (purge_lock held) take records and marks off, and they do so
 * under owed_lock together with adding what they settled to the owed flush
 * span, so a check made without purge_lock never misses one being retried.
 *
 * The two driver calls that can be owed live here too, below the IOVA
 * code that uses them: vmap_iova_unmap_run() (what a purge and a retry
 * call) and vmap_iova_flush() (a failed flush owes itself).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "vmap_private.h"
#include "vmap_fault.h"
#include "vmap_trace.h"

struct vmap_owed_unmap {
	struct vmap_owed_unmap *next;
	rte_iova_t iova;
	size_t len;
	bool done;       /* the retry succeeded: unlinked by the purge */
};

/* With owed_lock held. */
static void
owed_update(struct rte_vmap *vm)
{
	__atomic_store_n(&vm->owed, vm->owed_unmaps != NULL || vm->owed_lo < vm->owed_hi ||
		vm->owed_marks != 0, __ATOMIC_RELEASE);
}

/* Widen the span [*lo, *hi) (empty when *lo >= *hi) to cover [a, b). */
static inline void
span_add(uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b)
{
	if (*lo >= *hi) {
		*lo = a;
		*hi = b;
	} else {
		*lo = RTE_MIN(*lo, a);
		*hi = RTE_MAX(*hi, b);
	}
}

static inline uint64_t *
mark_slot(struct rte_vmap *vm, uintptr_t va)
{
	return &vm->iova_table[(va - vm->map_base) >> VMAP_GRANULE_SHIFT];
}

/* No record to be had: the run's own IOVA-table slots hold it. */
static void
mark_run(struct rte_vmap *vm, uintptr_t va, rte_iova_t iova, size_t len)
{
	uint64_t *slot = mark_slot(vm, va);
	size_t off;

	rte_spinlock_lock(&vm->owed_lock);
	for (off = 0; off < len; off += VMAP_GRANULE)
		__atomic_store_n(slot++, (iova + off) | VMAP_IOVA_OWED, __ATOMIC_RELAXED);
	span_add(&vm->owed_marks_lo, &vm->owed_marks_hi, va, va + len);
	vm->owed_marks += len >> VMAP_GRANULE_SHIFT;
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
	VMAP_LOG(WARNING, "%s: no memory for a record of the refused unmap of IOVA 0x%" PRIx64
		"+%zu: marked in the IOVA table, purges retry it", vm->name, iova, len);
}

void
vmap_owed_unmap_add(struct rte_vmap *vm, uintptr_t va, rte_iova_t iova, size_t len)
{
	struct vmap_owed_unmap *o = vmap_fault_malloc(sizeof(*o));

	if (o == NULL) {
		mark_run(vm, va, iova, len);
		return;
	}
	o->iova = iova;
	o->len = len;
	o->done = false;
	rte_spinlock_lock(&vm->owed_lock);
	o->next = vm->owed_unmaps;
	vm->owed_unmaps = o;
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
}

void
vmap_owed_flush_add(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi)
{
	rte_spinlock_lock(&vm->owed_lock);
	span_add(&vm->owed_lo, &vm->owed_hi, lo, hi);
	vm->owed_flush_gen++;
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
}

static inline bool
overlaps(rte_iova_t a, rte_iova_t a_end, rte_iova_t b, rte_iova_t b_end)
{
	return a < b_end && b < a_end;
}

static inline rte_iova_t
mark_iova(uint64_t e)
{
	return e & ~(VMAP_GRANULE - 1);
}

/* With owed_lock held: a marked granule in VA [from, to) with IOVA in [lo, hi). */
static bool
marks_overlap(struct rte_vmap *vm, uintptr_t from, uintptr_t to, rte_iova_t lo,
		rte_iova_t hi)
{
	uintptr_t a;
	uint64_t e;

	if (vm->owed_marks == 0)
		return false;
	from = RTE_MAX(from, vm->owed_marks_lo);
	to = RTE_MIN(to, vm->owed_marks_hi);
	for (a = from; a < to; a += VMAP_GRANULE) {
		e = __atomic_load_n(mark_slot(vm, a), __ATOMIC_RELAXED);
		if (vmap_owed_is_mark(e) &&
				overlaps(lo, hi, mark_iova(e), mark_iova(e) + VMAP_GRANULE))
			return true;
	}
	return false;
}

bool
vmap_owed_overlaps(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi)
{
	const struct vmap_owed_unmap *o;
	bool found;

	if (likely(!vmap_owed_any(vm)))
		return false;
	rte_spinlock_lock(&vm->owed_lock);
	found = vm->owed_lo < vm->owed_hi && overlaps(lo, hi, vm->owed_lo, vm->owed_hi);
	for (o = vm->owed_unmaps; o != NULL && !found; o = o->next)
		found = overlaps(lo, hi, o->iova, o->iova + o->len);
	if (!found)
		found = marks_overlap(vm, vm->map_base, vm->map_base + vm->map_len, lo, hi);
	rte_spinlock_unlock(&vm->owed_lock);
	return found;
}

bool
vmap_owed_marked(struct rte_vmap *vm, uintptr_t start, size_t size)
{
	bool found;

	if (likely(!vmap_owed_any(vm)))
		return false;
	rte_spinlock_lock(&vm->owed_lock);
	found = marks_overlap(vm, start, start + size, 0, RTE_BAD_IOVA);
	rte_spinlock_unlock(&vm->owed_lock);
	return found;
}

/*
 * With owed_lock held: the first marked run at or after *from whose IOVA
 * overlaps [lo, hi) (a run: marked granules in a row with IOVAs in a row,
 * a union of whole refused runs, which one unmap may cover). false if none.
 */
static bool
next_marked_run(struct rte_vmap *vm, uintptr_t *from, rte_iova_t lo, rte_iova_t hi,
		uintptr_t *va, rte_iova_t *iova, size_t *len)
{
	uintptr_t a = RTE_MAX(*from, vm->owed_marks_lo), end = vm->owed_marks_hi;
	uint64_t e;

	while (a < end) {
		e = __atomic_load_n(mark_slot(vm, a), __ATOMIC_RELAXED);
		if (!vmap_owed_is_mark(e)) {
			a += VMAP_GRANULE;
			continue;
		}
		*va = a;
		*iova = mark_iova(e);
		for (a += VMAP_GRANULE; a < end; a += VMAP_GRANULE) {
			e = __atomic_load_n(mark_slot(vm, a), __ATOMIC_RELAXED);
			if (!vmap_owed_is_mark(e) || mark_iova(e) != *iova + (a - *va))
				break;
		}
		*len = a - *va;
		*from = a;
		if (overlaps(lo, hi, *iova, *iova + *len))
			return true;
	}
	*from = a;
	return false;
}

/*
 * With purge_lock held: retry the marked runs overlapping [lo, hi). Each
 * one unmapped leaves the table for the owed flush span in one step under
 * owed_lock, so an overlap check sees one or the other. The first error.
 */
static int
settle_marks(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi)
{
	uintptr_t from = vm->map_base, va, a;
	rte_iova_t iova;
	size_t len;
	int ret, err = 0;
	bool found;

	for (;;) {
		rte_spinlock_lock(&vm->owed_lock);
		found = vm->owed_marks != 0 &&
			next_marked_run(vm, &from, lo, hi, &va, &iova, &len);
		rte_spinlock_unlock(&vm->owed_lock);
		if (!found)
			return err;
		ret = vmap_iova_unmap_run(vm, iova, len);
		if (ret != 0) {
			err = err != 0 ? err : ret;
			continue;
		}
		/* Not vmap_owed_flush_add(): no failed flush, the generation stays. */
		rte_spinlock_lock(&vm->owed_lock);
		span_add(&vm->owed_lo, &vm->owed_hi, iova, iova + len);
		for (a = va; a < va + len; a += VMAP_GRANULE)
			__atomic_store_n(mark_slot(vm, a), 0, __ATOMIC_RELAXED);
		vm->owed_marks -= len >> VMAP_GRANULE_SHIFT;
		if (vm->owed_marks == 0)
			vm->owed_marks_lo = vm->owed_marks_hi = 0;
		owed_update(vm);
		rte_spinlock_unlock(&vm->owed_lock);
	}
}

int
vmap_owed_settle(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi)
{
	struct vmap_owed_unmap *o, **link, *done = NULL;
	rte_iova_t flo = RTE_BAD_IOVA, fhi = 0, span_lo, span_hi;
	uint32_t span_gen;
	int ret, err = 0;

	if (!vmap_owed_any(vm))
		return 0;
	/* Marks first: what they settle joins the span flushed below. */
	err = settle_marks(vm, lo, hi);
	rte_spinlock_lock(&vm->owed_lock);
	o = vm->owed_unmaps;
	span_lo = vm->owed_lo;
	span_hi = vm->owed_hi;
	span_gen = vm->owed_flush_gen;
	rte_spinlock_unlock(&vm->owed_lock);
	/* New entries go in at the head: the ones from o on stay put while we work. */
	for (; o != NULL; o = o->next) {
		if (!overlaps(lo, hi, o->iova, o->iova + o->len))
			continue;
		ret = vmap_iova_unmap_run(vm, o->iova, o->len);
		if (ret != 0) {
			err = err != 0 ? err : ret;
			continue;
		}
		o->done = true;
		flo = RTE_MIN(flo, o->iova);
		fhi = RTE_MAX(fhi, o->iova + o->len);
	}
	if (span_lo < span_hi) {
		flo = RTE_MIN(flo, span_lo);
		fhi = RTE_MAX(fhi, span_hi);
	}
	/* A flush that fails owes itself again (vmap_iova_flush()). */
	ret = flo < fhi ? vmap_iova_flush(vm, flo, fhi) : 0;
	err = err != 0 ? err : ret;
	rte_spinlock_lock(&vm->owed_lock);
	/*
	 * Flushed: the span is paid, unless a flush failed or a marked run
	 * was settled meanwhile (a strict block free needs no purge_lock). Its
	 * record may not change the span's bounds: compare the generation,
	 * not the values.
	 */
	if (ret == 0 && vm->owed_flush_gen == span_gen)
		vm->owed_lo = vm->owed_hi = 0;
	/* Unflushed, a retried unmap is only owed a flush now: the span has it. */
	for (link = &vm->owed_unmaps; *link != NULL;) {
		o = *link;
		if (!o->done) {
			link = &o->next;
			continue;
		}
		*link = o->next;
		o->next = done;
		done = o;
	}
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
	while ((o = done) != NULL) {
		done = o->next;
		free(o);
	}
	return err;
}

int
vmap_owed_verify(struct rte_vmap *vm)
{
	uint64_t n = 0;
	uintptr_t a;
	int ret = 0;

	rte_spinlock_lock(&vm->owed_lock);
	for (a = vm->owed_marks_lo; a < vm->owed_marks_hi; a += VMAP_GRANULE)
		n += vmap_owed_is_mark(__atomic_load_n(mark_slot(vm, a), __ATOMIC_RELAXED));
	if (n != vm->owed_marks) {
		VMAP_LOG(ERR, "%s: invariant broken: %" PRIu64 " marked slots of refused runs, "
			"%" PRIu64 " counted", vm->name, n, vm->owed_marks);
		ret = -EFAULT;
	}
	rte_spinlock_unlock(&vm->owed_lock);
	return ret;
}

void
vmap_owed_fini(struct rte_vmap *vm)
{
	struct vmap_owed_unmap *o;
	uint64_t n = 0;

	while ((o = vm->owed_unmaps) != NULL) {
		vm->owed_unmaps = o->next;
		free(o);
		n++;
	}
	if (n != 0 || vm->owed_marks != 0)
		VMAP_LOG(ERR, "%s: %" PRIu64 " IOMMU unmaps (and %" PRIu64 " marked pages of 4 "
			"KiB) never succeeded: the driver's close had the last word", vm->name, n,
			vm->owed_marks);
	vm->owed_lo = vm->owed_hi = 0;
	vm->owed_marks = 0;
	vm->owed = 0;
}

/* ---- the driver calls that can be owed ---------------------------------- */

int
vmap_iova_unmap_run(struct rte_vmap *vm, rte_iova_t iova, size_t len)
{
	__atomic_fetch_add(&vm->nr_unmaps, 1, __ATOMIC_RELAXED);
	if (VMAP_FAULT(RTE_VMAP_FAULT_IOMMU_UNMAP))
		return -EIO;
	return vm->iommu->unmap(vm->iommu_priv, iova, len);
}

int
vmap_iova_flush(struct rte_vmap *vm, rte_iova_t start, rte_iova_t end)
{
	int ret;

	if (vm->iommu->flush == NULL || start >= end)
		return 0;
	__atomic_fetch_add(&vm->nr_flushes, 1, __ATOMIC_RELAXED);
	if (VMAP_FAULT(RTE_VMAP_FAULT_IOMMU_FLUSH))
		ret = -EIO;
	else
		ret = vm->iommu->flush(vm->iommu_priv, start, end);
	rte_vmap_trace_flush(vm->name, start, end, ret);
	if (ret != 0) {
		VMAP_LOG(ERR, "%s: IOMMU flush of 0x%" PRIx64 "-0x%" PRIx64 " failed: %d",
			vm->name, start, end, ret);
		/* Whoever called, the next purge flushes it again. */
		vmap_owed_flush_add(vm, start, end);
	}
	return ret;
}
