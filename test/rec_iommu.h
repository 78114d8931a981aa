/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _REC_IOMMU_H_
#define _REC_IOMMU_H_

/*
 * The recording IOMMU driver the suites share (rec_iommu.c), registered
 * as REC_IOMMU: vmap_iova_autotest (every IOVA mode, lazy and strict, a
 * failing map), vmap_block_autotest and vmap_block_lcore_autotest (block
 * windows), vmap_lazy_autotest (two lcores at once, by sequence number).
 *
 * It keeps every translation it was given, under a lock, and counts each
 * breach of the driver contract (rte_vmap_iommu.h) as a violation, which
 * the suites require to stay at 0:
 *
 *   1, 2  a map overlapping, in VA or IOVA, a range unmapped and not yet
 *         flushed (the VA check is the backing check: a space's backing is
 *         indexed by VA, so backing reused before the flush is a VA reused
 *         before it), or a live mapping (an IOVA or a VA mapped twice)
 *   3     anything still mapped or unflushed when the space closes (the
 *         suites check after rte_vmap_purge() with rec_count() and the
 *         sequence numbers)
 *   6     an unmap that splits a map, or covers bytes that are not mapped
 *         or are unmapped already (refused: -EINVAL, nothing changes)
 *   -     a map or unmap not of whole 4 KiB pages, an empty flush, a map
 *         the table has no room for (-ENOSPC)
 *
 * A flush covers the unmaps that lie wholly inside it; they are then
 * gone. The table and the counters are reset when a space opens the
 * driver and kept after it closes, so a suite can look at them after
 * rte_vmap_destroy(). One space at a time may open the driver (-EBUSY):
 * its counters are what the suite compares. Every translation has a
 * sequence number, so that an lcore can ask about its own windows'
 * translations without being fooled by another lcore reusing the same
 * range. rec_fail_every() makes maps fail on purpose.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memory.h>
#include <rte_vmap_iommu.h>

/* The driver's name, for rte_vmap_params.iommu. */
#define REC_IOMMU "test_rec"

/* Its ops, registered by a constructor (a second registration is -EEXIST). */
extern struct rte_vmap_iommu_ops rec_iommu_ops;

enum rec_state {
	REC_GONE = 0, /* unmapped and flushed, or never mapped */
	REC_LIVE,     /* mapped */
	REC_STALE,    /* unmapped, no covering flush yet */
};

/* A snapshot of the recorder's counters, since the last open. */
struct rec_counts {
	uint64_t maps;         /* successful map calls */
	uint64_t unmaps;       /* unmap calls */
	uint64_t flushes;      /* flush calls */
	uint64_t live_bytes, stale_bytes;
	unsigned int nr_live, nr_stale;
	/*
	 * The distinct GiBs of IOVA mapped (PA mode: where the hugepages lie;
	 * counted up to 64): a purge flushes once per cluster of runs less
	 * than 1 GiB apart, so at most once per GiB in this set.
	 */
	unsigned int nr_gib;
	uint64_t violations;
};

/* A snapshot of the recorder's counters, taken under its lock. */
void rec_counts_get(struct rec_counts *c);

/* Translations owed a flush (stale true), or live mappings (false). */
unsigned int rec_count(bool stale);

/* Violations seen since the driver was last opened. */
uint64_t rec_violations_get(void);

/* Fail every nth map from now on with -EIO (0: never), to drive the undo paths. */
void rec_fail_every(unsigned int n);

/* Sequence number of the live translation of exactly this window; 0 if none. */
uint64_t rec_seq_of(uintptr_t va, rte_iova_t iova, size_t len);

/* qsort()/bsearch() order of sequence numbers. */
int rec_seq_cmp(const void *x, const void *y);

/*
 * How many of the translations seqs[0..n) (sorted) are still mapped or
 * unflushed; *first and *state get the first such one and its state.
 */
unsigned int rec_seqs_left(const uint64_t *seqs, unsigned int n, uint64_t *first,
	enum rec_state *state);

/* The state of one translation. */
enum rec_state rec_seq_state(uint64_t seq);

/*
 * Test case: the checker itself, on breaches fed to it by hand (no space
 * may have the driver open).
 */
int test_rec_iommu_self_check(void);

#endif /* _REC_IOMMU_H_ */
