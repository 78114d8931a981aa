/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * IO addresses of windows, and the driver calls that make them real.
 *
 * - VA: the IOVA of a byte is its address.
 * - PA: the physical address of its backing page plus the offset; the
 *   driver sees one map per physically contiguous run (at most a page).
 * - DOMAIN: each window holds a contiguous range of the space's own IOVA
 *   range, allocated from a free tree like the VA itself (the same code:
 *   lowest fit keeps the IOVA space dense, which keeps IOMMU page tables
 *   small, the reason the kernel's IOVA allocator stays near its top).
 *
 * virt2iova is one load from a table with an entry per 4 KiB of the
 * reservation: IOVA | valid bit, 0 when the page is in no live window.
 * The table is a sparse anonymous mapping, so it costs memory only where
 * windows have been.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "vmap_private.h"
#include "vmap_fault.h"

/*
 * DOMAIN's default IOVA range is a VA range reserved for nothing else
 * (PROT_NONE, no memory): no IOVA-as-VA address of this process, EAL's or
 * a VA space's, can be in it, so it shares an IOMMU domain with them
 * safely, and it is placed below the IOMMU's width like every reservation.
 * Physical addresses (PA mode) lie below the RAM's top, far under it.
 */
static int
domain_default_range(struct rte_vmap *vm)
{
	uintptr_t base;
	int ret;

	ret = vmap_va_reserve(vm->name, vm->iova_size, VMAP_GRANULE, vm->dma_limit, false,
		&base);
	if (ret != 0)
		return ret;
	vm->iova_resv = base;
	vm->iova_base = base;
	return 0;
}

/*
 * A shared space's IOVA table: a sparse memfd that secondaries map too, so
 * that rte_vmap_virt2iova() is the same one load in every process.
 */
static void *
shared_table(struct rte_vmap *vm)
{
	char name[RTE_VMAP_NAMESIZE + 16];
	void *p = MAP_FAILED;
	int fd;

	snprintf(name, sizeof(name), "vmap-iova:%s", vm->name);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)vm->iova_table_len) == 0)
		p = vmap_fault_mmap(NULL, vm->iova_table_len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		VMAP_LOG(ERR, "%s: cannot create the shared IOVA table: %s", vm->name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return MAP_FAILED;
	}
	vm->iova_fd = fd;
	return p;
}

int
vmap_iova_init(struct rte_vmap *vm)
{
	struct vmap_area *va, *released = NULL;
	void *p;
	int ret;

	vm->iova_table_len = (vm->map_len >> VMAP_GRANULE_SHIFT) * sizeof(uint64_t);
	if ((vm->flags & RTE_VMAP_F_SHARED) != 0)
		p = shared_table(vm);
	else
		p = vmap_fault_mmap(NULL, vm->iova_table_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	vm->iova_table = p;
	vm->fast.iova_table = p;

	rte_spinlock_init(&vm->iova_lock);
	rte_spinlock_init(&vm->owed_lock);
	vmap_free_tree_init(&vm->iova_free);
	if (vm->iova_mode != RTE_VMAP_IOVA_DOMAIN)
		return 0;
	vm->iova_size = vm->params.iova_size != 0 ? vm->params.iova_size : vm->map_len;
	vm->iova_base = vm->params.iova_base;
	if (vm->iova_base == 0 && vm->iova_size > VMAP_VA_SIZE_MAX) {
		VMAP_LOG(ERR, "%s: iova_size %" PRIu64 " over the default range's most, %" PRIu64
			" (give iova_base for a larger one)", vm->name, vm->iova_size,
			VMAP_VA_SIZE_MAX);
		return -EINVAL;
	}
	if (vm->iova_base == 0) {
		ret = domain_default_range(vm);
		if (ret != 0)
			return ret;
	}
	/* The defaults are resolved only now: check the range they make. */
	if (vm->iova_base + vm->iova_size < vm->iova_base) {
		VMAP_LOG(ERR, "%s: DOMAIN IOVA range 0x%" PRIx64 "+%" PRIu64 " wraps around",
			vm->name, vm->iova_base, vm->iova_size);
		return -EINVAL;
	}
	va = vmap_area_new();
	if (va == NULL)
		return -ENOMEM;
	ret = vmap_free_tree_insert(&vm->iova_free, vm->iova_base, vm->iova_size, &va, &released);
	vmap_area_delete(va);
	vmap_area_delete(released);
	return ret;
}

void
vmap_iova_fini(struct rte_vmap *vm)
{
	struct vmap_area *va;

	vmap_owed_fini(vm);
	vmap_free_tree_fini(&vm->iova_free);
	while ((va = vm->iova_spares) != NULL) {
		vm->iova_spares = STAILQ_NEXT(va, link);
		vmap_area_delete(va);
	}
	if (vm->iova_resv != 0)
		munmap((void *)vm->iova_resv, vm->iova_size);
	vm->iova_resv = 0;
	if (vm->iova_fd >= 0) {
		/* Zeroes every secondary's view too: nothing translates any more. */
		fallocate(vm->iova_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			(off_t)vm->iova_table_len);
		close(vm->iova_fd);
		vm->iova_fd = -1;
	}
	if (vm->iova_table != NULL)
		munmap(vm->iova_table, vm->iova_table_len);
	vm->iova_table = NULL;
	vm->fast.iova_table = NULL;
}

int
vmap_iova_assign(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_area *spare, *released, *keep;
	uintptr_t iova;
	int attempt, ret = -ENOSPC;

	if (vm->iova_mode != RTE_VMAP_IOVA_DOMAIN || (va->flags & VMAP_AREA_F_IOVA) != 0)
		return 0;
	/* The descriptor vmap_iova_release() will need, taken while failing is allowed. */
	keep = vmap_area_new();
	if (keep == NULL)
		return -ENOMEM;
	for (attempt = 0; attempt < 2 && ret != 0; attempt++) {
		/*
		 * Pooled and lazily freed ranges keep their IOVA: when the range
		 * is used up, reclaim them (as for VA) and try once more.
		 */
		if (attempt != 0 && !vmap_reclaim(vm))
			break;
		spare = vmap_area_new();
		if (spare == NULL) {
			vmap_area_delete(keep);
			return -ENOMEM;
		}
		released = NULL;
		rte_spinlock_lock(&vm->iova_lock);
		ret = vmap_free_tree_alloc(&vm->iova_free, va->size, VMAP_GRANULE,
			vm->iova_base, vm->iova_base + vm->iova_size, &iova, &spare, &released);
		if (ret == 0) {
			STAILQ_NEXT(keep, link) = vm->iova_spares;
			vm->iova_spares = keep;
			keep = NULL;
		}
		rte_spinlock_unlock(&vm->iova_lock);
		vmap_area_delete(spare);
		vmap_area_delete(released);
	}
	if (ret != 0) {
		vmap_area_delete(keep);
		VMAP_LOG(ERR, "%s: no DOMAIN IOVA range of %zu bytes left", vm->name, va->size);
		return -ENOMEM;
	}
	va->iova = iova;
	va->flags |= VMAP_AREA_F_IOVA;
	return 0;
}

void
vmap_iova_release(struct rte_vmap *vm, struct vmap_area *va)
{
	struct vmap_area *desc, *released = NULL;
	int ret;

	if ((va->flags & VMAP_AREA_F_IOVA) == 0)
		return;
	rte_spinlock_lock(&vm->iova_lock);
	/* Never NULL: every range holding an IOVA range put one there. */
	desc = vm->iova_spares;
	vm->iova_spares = STAILQ_NEXT(desc, link);
	ret = vmap_free_tree_insert(&vm->iova_free, va->iova, va->size, &desc, &released);
	rte_spinlock_unlock(&vm->iova_lock);
	if (ret != 0)
		VMAP_LOG(ERR, "%s: IOVA range 0x%" PRIx64 "+%zu overlaps a free one: leaked",
			vm->name, va->iova, va->size);
	vmap_area_delete(desc);
	vmap_area_delete(released);
	va->flags &= ~VMAP_AREA_F_IOVA;
}

rte_iova_t
vmap_iova_of(const struct rte_vmap *vm, const struct vmap_area *va, uintptr_t addr)
{
	switch (vm->iova_mode) {
	case RTE_VMAP_IOVA_PA:
		return vmap_backing_phys(vm, addr);
	case RTE_VMAP_IOVA_DOMAIN:
		return va->iova + (addr - va->start);
	default:
		return addr;
	}
}

static inline uint64_t *
table_slot(struct rte_vmap *vm, uintptr_t addr)
{
	return &vm->iova_table[(addr - vm->map_base) >> VMAP_GRANULE_SHIFT];
}

void
vmap_iova_publish(struct rte_vmap *vm, const struct vmap_area *va)
{
	uint64_t *slot = table_slot(vm, va->start);
	uintptr_t a;

	for (a = va->start; a < va->start + va->size; a += VMAP_GRANULE)
		__atomic_store_n(slot++, vmap_iova_of(vm, va, a) | __RTE_VMAP_IOVA_VALID,
			__ATOMIC_RELEASE);
}

void
vmap_iova_clear(struct rte_vmap *vm, const struct vmap_area *va)
{
	uint64_t *slot = table_slot(vm, va->start);
	size_t i;

	for (i = 0; i < va->size >> VMAP_GRANULE_SHIFT; i++)
		__atomic_store_n(slot++, 0, __ATOMIC_RELEASE);
}

/*
 * The runs the driver sees: the whole window, or in PA mode one run per
 * backing page it touches. unmap uses the same runs as map, so an unmap
 * never splits a mapping (API invariant 6).
 */
static size_t
run_len(const struct rte_vmap *vm, const struct vmap_area *va, uintptr_t a)
{
	uintptr_t end = va->start + va->size;
	uintptr_t next;

	if (vm->iova_mode != RTE_VMAP_IOVA_PA)
		return end - a;
	next = RTE_ALIGN_FLOOR(a - vm->map_base, vm->backing.page_size) +
		vm->backing.page_size + vm->map_base;
	return RTE_MIN(next, end) - a;
}

/*
 * The driver's operations, each behind its fault point: one hook here
 * (map) and in vmap_owed.c (unmap, flush: the calls that can be owed)
 * covers every driver. An injected failure is what a driver reports when
 * its hardware refuses: -EIO, and nothing done.
 */
static int
driver_map(struct rte_vmap *vm, uintptr_t va, rte_iova_t iova, size_t len)
{
	if (VMAP_FAULT(RTE_VMAP_FAULT_IOMMU_MAP))
		return -EIO;
	return vm->iommu->map(vm->iommu_priv, (void *)va, iova, len);
}

void
vmap_iova_for_each_run(const struct rte_vmap *vm, const struct vmap_area *va,
		void (*fn)(uintptr_t a, rte_iova_t iova, size_t len, void *arg), void *arg)
{
	uintptr_t a;
	size_t len;

	for (a = va->start; a < va->start + va->size; a += len) {
		len = run_len(vm, va, a);
		fn(a, vmap_iova_of(vm, va, a), len, arg);
	}
}

/* Unmap the runs of va below upto; a refused run is owed. The first error. */
static int
unmap_runs(struct rte_vmap *vm, const struct vmap_area *va, uintptr_t upto)
{
	rte_iova_t iova;
	uintptr_t a;
	size_t len;
	int ret = 0, r;

	for (a = va->start; a < upto; a += len) {
		len = run_len(vm, va, a);
		iova = vmap_iova_of(vm, va, a);
		r = vmap_iova_unmap_run(vm, iova, len);
		if (r == 0)
			continue;
		vmap_owed_unmap_add(vm, a, iova, len);
		if (ret == 0)
			ret = r;
	}
	return ret;
}

/*
 * A failed unmap or flush another caller could not keep its range for may
 * overlap va, or a refused run be marked in va's own IOVA-table slots
 * (which the map's publish would overwrite): settle it (as a purge would)
 * before mapping over it, or fail.
 */
static int
settle_before_map(struct rte_vmap *vm, const struct vmap_area *va)
{
	rte_iova_t lo, hi;
	bool marked;

	if (likely(!vmap_owed_any(vm)))
		return 0;
	vmap_iova_span(vm, va, &lo, &hi);
	marked = vmap_owed_marked(vm, va->start, va->size);
	if (!marked && !vmap_owed_overlaps(vm, lo, hi))
		return 0;
	pthread_mutex_lock(&vm->purge_lock);
	vmap_owed_settle(vm, marked ? 0 : lo, marked ? RTE_BAD_IOVA : hi);
	pthread_mutex_unlock(&vm->purge_lock);
	if (!vmap_owed_marked(vm, va->start, va->size) && !vmap_owed_overlaps(vm, lo, hi))
		return 0;
	VMAP_LOG(ERR, "%s: IOVA 0x%" PRIx64 "-0x%" PRIx64 " still owes a driver unmap or flush",
		vm->name, lo, hi);
	return -EIO;
}

int
vmap_iova_map_checked(struct rte_vmap *vm, const struct vmap_area *va, enum vmap_undo *undo)
{
	const struct rte_vmap_iommu_ops *ops = vm->iommu;
	rte_iova_t lo, hi;
	uintptr_t a;
	size_t len;
	int ret, undone;

	*undo = VMAP_UNDO_CLEAN;
	if (ops->map == NULL)
		return 0;
	ret = settle_before_map(vm, va);
	if (ret != 0)
		return ret;
	for (a = va->start; a < va->start + va->size; a += len) {
		len = run_len(vm, va, a);
		ret = driver_map(vm, a, vmap_iova_of(vm, va, a), len);
		if (ret == 0)
			continue;
		/*
		 * Undo what was mapped: the space stays as it was (invariant 5).
		 * A run the driver refuses to unmap is owed, so that purges retry
		 * exactly the runs that are mapped, never [a, end), which is not.
		 */
		if (ops->unmap != NULL && a > va->start) {
			undone = unmap_runs(vm, va, a);
			vmap_iova_span(vm, va, &lo, &hi);
			if (undone == 0)
				undone = vmap_iova_flush(vm, lo, hi);
			if (undone != 0) {
				VMAP_LOG(ERR, "%s: runs of 0x%" PRIxPTR "+%zu may stay mapped: %d",
					vm->name, va->start, va->size, undone);
				*undo = VMAP_UNDO_RUNS_OWED;
			}
		}
		return ret < 0 ? ret : -EIO;
	}
	return 0;
}

int
vmap_iova_map(struct rte_vmap *vm, const struct vmap_area *va)
{
	enum vmap_undo undo;

	return vmap_iova_map_checked(vm, va, &undo);
}

int
vmap_iova_unmap(struct rte_vmap *vm, const struct vmap_area *va)
{
	if (vm->iommu->unmap == NULL)
		return 0;
	return unmap_runs(vm, va, va->start + va->size);
}

void
vmap_iova_span(const struct rte_vmap *vm, const struct vmap_area *va,
		rte_iova_t *lo, rte_iova_t *hi)
{
	uintptr_t a;
	size_t len;
	rte_iova_t s;

	if (vm->iova_mode != RTE_VMAP_IOVA_PA) {
		*lo = vmap_iova_of(vm, va, va->start);
		*hi = *lo + va->size;
		return;
	}
	*lo = RTE_BAD_IOVA;
	*hi = 0;
	for (a = va->start; a < va->start + va->size; a += len) {
		len = run_len(vm, va, a);
		s = vmap_iova_of(vm, va, a);
		*lo = RTE_MIN(*lo, s);
		*hi = RTE_MAX(*hi, s + len);
	}
}
