/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Driver calls owed: an IOMMU unmap or flush that failed where the caller
 * could not keep its range out of use.
 *
 * A lazy free, a strict free and a purge keep a range whose unmap or flush
 * failed on its lazy list, and the next purge retries it (vmap_purge.c).
 * Some callers cannot: a block window is a piece of its block, which
 * lives on; destroy lets everything go. For them the failed call itself
 * is remembered here, and the library keeps its promise (a range is not
 * reused while the driver may still translate it) by checking this record
 * before a range is recycled or mapped again:
 *
 *   failed unmap    [iova, len) on a list: every purge retries it (then
 *                   flushes it); until it succeeds, a range overlapping it
 *                   stays lazy, and a map overlapping it first settles it
 *                   or fails
 *   failed flush    one span covering them all: flushed again by every
 *                   purge (a flush may cover more than was unmapped)
 *
 * Only purges (purge_lock held) take entries off, so a check made without
 * purge_lock never misses an entry being retried. A refused unmap is
 * recorded even when malloc() fails too, from a reserve taken at create.
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
	bool reserved;   /* one of vm->owed_reserve[], not malloc()ed */
	bool in_use;     /* reserved: taken (owed_lock) */
};

/*
 * Records for when malloc() fails as well as the unmap: forgetting a
 * refused unmap would let its IOVA be reused while the driver still
 * translates it. Only this many such double failures at once are kept.
 */
#define VMAP_OWED_RESERVE 16

int
vmap_owed_init(struct rte_vmap *vm)
{
	vm->owed_reserve = vmap_fault_calloc(VMAP_OWED_RESERVE, sizeof(*vm->owed_reserve));
	return vm->owed_reserve != NULL ? 0 : -ENOMEM;
}

static struct vmap_owed_unmap *
owed_entry_new(struct rte_vmap *vm)
{
	struct vmap_owed_unmap *o = vmap_fault_malloc(sizeof(*o));
	unsigned int i;

	if (o != NULL) {
		o->reserved = false;
		return o;
	}
	rte_spinlock_lock(&vm->owed_lock);
	for (i = 0; i < VMAP_OWED_RESERVE; i++) {
		if (!vm->owed_reserve[i].in_use) {
			o = &vm->owed_reserve[i];
			o->reserved = true;
			o->in_use = true;
			break;
		}
	}
	rte_spinlock_unlock(&vm->owed_lock);
	return o;
}

/* Without owed_lock. */
static void
owed_entry_free(struct rte_vmap *vm, struct vmap_owed_unmap *o)
{
	if (!o->reserved) {
		free(o);
		return;
	}
	rte_spinlock_lock(&vm->owed_lock);
	o->in_use = false;
	rte_spinlock_unlock(&vm->owed_lock);
}

/* With owed_lock held. */
static void
owed_update(struct rte_vmap *vm)
{
	__atomic_store_n(&vm->owed, vm->owed_unmaps != NULL || vm->owed_lo < vm->owed_hi,
		__ATOMIC_RELEASE);
}

int
vmap_owed_unmap_add(struct rte_vmap *vm, rte_iova_t iova, size_t len)
{
	struct vmap_owed_unmap *o = owed_entry_new(vm);

	if (o == NULL) {
		VMAP_LOG(ERR, "%s: no memory to remember the failed unmap of IOVA 0x%" PRIx64
			"+%zu: it may stay translated", vm->name, iova, len);
		return -ENOMEM;
	}
	o->iova = iova;
	o->len = len;
	o->done = false;
	rte_spinlock_lock(&vm->owed_lock);
	o->next = vm->owed_unmaps;
	vm->owed_unmaps = o;
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
	return 0;
}

void
vmap_owed_flush_add(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi)
{
	rte_spinlock_lock(&vm->owed_lock);
	if (vm->owed_lo >= vm->owed_hi) {
		vm->owed_lo = lo;
		vm->owed_hi = hi;
	} else {
		vm->owed_lo = RTE_MIN(vm->owed_lo, lo);
		vm->owed_hi = RTE_MAX(vm->owed_hi, hi);
	}
	vm->owed_flush_gen++;
	owed_update(vm);
	rte_spinlock_unlock(&vm->owed_lock);
}

static inline bool
overlaps(rte_iova_t a, rte_iova_t a_end, rte_iova_t b, rte_iova_t b_end)
{
	return a < b_end && b < a_end;
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
	rte_spinlock_unlock(&vm->owed_lock);
	return found;
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
	 * Flushed: the span is paid, unless a flush failed meanwhile (a strict
	 * block free needs no purge_lock). Its record may not change the
	 * span's bounds: compare the generation, not the values.
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
		owed_entry_free(vm, o);
	}
	return err;
}

void
vmap_owed_fini(struct rte_vmap *vm)
{
	struct vmap_owed_unmap *o;
	uint64_t n = 0;

	while ((o = vm->owed_unmaps) != NULL) {
		vm->owed_unmaps = o->next;
		if (!o->reserved)
			free(o);
		n++;
	}
	free(vm->owed_reserve);
	vm->owed_reserve = NULL;
	if (n != 0)
		VMAP_LOG(ERR, "%s: %" PRIu64 " IOMMU unmaps never succeeded: the driver's close "
			"had the last word", vm->name, n);
	vm->owed_lo = vm->owed_hi = 0;
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
