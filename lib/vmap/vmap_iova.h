/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_IOVA_H_
#define _VMAP_IOVA_H_

/*
 * IO addresses of windows and the driver calls that make them real
 * (vmap_iova.c), and the driver calls owed when they fail (vmap_owed.c).
 *
 * Nothing here is installed; vmap_private.h includes it, after struct
 * rte_vmap.
 */

#include "vmap_private.h"

/* ---- vmap_iova.c ------------------------------------------------------ */

int vmap_iova_init(struct rte_vmap *vm);
void vmap_iova_fini(struct rte_vmap *vm);
/* DOMAIN mode: give va an IOVA range (no-op if it has one). 0 or -ENOMEM. */
int vmap_iova_assign(struct rte_vmap *vm, struct vmap_area *va);
/* DOMAIN mode: give the IOVA range back (no-op if none). */
void vmap_iova_release(struct rte_vmap *vm, struct vmap_area *va);
/* IOVA of a byte of va. */
rte_iova_t vmap_iova_of(const struct rte_vmap *vm, const struct vmap_area *va,
		uintptr_t addr);
/* Publish va's pages in the IOVA table, or clear them. */
void vmap_iova_publish(struct rte_vmap *vm, const struct vmap_area *va);
void vmap_iova_clear(struct rte_vmap *vm, const struct vmap_area *va);
/* Driver map of va (per contiguous run); on failure nothing stays mapped. */
int vmap_iova_map(struct rte_vmap *vm, const struct vmap_area *va);
/* What the undo of a failed map left owed (vmap_iova_map_checked()). */
enum vmap_undo {
	VMAP_UNDO_CLEAN = 0,  /* nothing: the range may be reused */
	/*
	 * The refused runs and the flush are owed (vmap_owed.c): the range
	 * goes lazy as VMAP_AREA_F_UNMAPPED, held by purges until they settle.
	 */
	VMAP_UNDO_RUNS_OWED,
};
/* vmap_iova_map(), telling what a failed map's undo left owed. */
int vmap_iova_map_checked(struct rte_vmap *vm, const struct vmap_area *va,
		enum vmap_undo *undo);
/*
 * Driver unmap of va (the same runs as its map), without a flush; the
 * first error. A run the driver refuses is owed (vmap_owed.c), so that no
 * retry unmaps again the runs that went: the range owes only its flush.
 */
int vmap_iova_unmap(struct rte_vmap *vm, const struct vmap_area *va);
/* Call fn on each run of va's translation (the runs its map used), at VA a. */
void vmap_iova_for_each_run(const struct rte_vmap *vm, const struct vmap_area *va,
		void (*fn)(uintptr_t a, rte_iova_t iova, size_t len, void *arg), void *arg);
/* IOVA span [*lo, *hi) that va's translation covers. */
void vmap_iova_span(const struct rte_vmap *vm, const struct vmap_area *va,
		rte_iova_t *lo, rte_iova_t *hi);

/* ---- vmap_owed.c: driver calls owed ---------------------------------- */

struct vmap_owed_unmap;
/*
 * An IOVA-table slot of a refused run with no record (vmap_owed.c): its
 * IOVA | VMAP_IOVA_OWED, never with __RTE_VMAP_IOVA_VALID.
 */
#define VMAP_IOVA_OWED UINT64_C(2)
/*
 * The unmap of IOVA [iova, iova + len), the run at va, the driver refused:
 * owed, always (a record, or with no memory, marks in the run's slots).
 */
void vmap_owed_unmap_add(struct rte_vmap *vm, uintptr_t va, rte_iova_t iova, size_t len);
/* A flush of IOVA [lo, hi) that failed. */
void vmap_owed_flush_add(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);
/*
 * With purge_lock held: retry the owed unmaps overlapping IOVA [lo, hi),
 * then flush them and the owed flush span. 0, or the first driver error
 * (what failed stays owed).
 */
int vmap_owed_settle(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);
/* Whether something owed overlaps IOVA [lo, hi): a range there must not be reused yet. */
bool vmap_owed_overlaps(struct rte_vmap *vm, rte_iova_t lo, rte_iova_t hi);
/* Whether a refused run is marked in the slots of VA [start, start + size). */
bool vmap_owed_marked(struct rte_vmap *vm, uintptr_t start, size_t size);
/*
 * An IOVA-table slot that is a refused run's mark (not a live window's),
 * which rte_vmap_verify() accepts where no window is live.
 */
static inline bool
vmap_owed_is_mark(uint64_t slot)
{
	return (slot & (VMAP_IOVA_OWED | __RTE_VMAP_IOVA_VALID)) == VMAP_IOVA_OWED;
}
/* rte_vmap_verify(): the marks in the table are the ones counted. 0 or -EFAULT. */
int vmap_owed_verify(struct rte_vmap *vm);

/* Whether anything is owed at all: one load, before computing a span to ask about. */
static inline bool
vmap_owed_any(const struct rte_vmap *vm)
{
	return __atomic_load_n(&vm->owed, __ATOMIC_ACQUIRE) != 0;
}
/* Forget what is still owed (destroy, after the driver's close). */
void vmap_owed_fini(struct rte_vmap *vm);
/* Driver unmap of [iova, iova + len), counted; a merge of whole runs. */
int vmap_iova_unmap_run(struct rte_vmap *vm, rte_iova_t iova, size_t len);
/* Driver flush over [start, end) of IOVA; a failed one is owed. */
int vmap_iova_flush(struct rte_vmap *vm, rte_iova_t start, rte_iova_t end);

#endif /* _VMAP_IOVA_H_ */
