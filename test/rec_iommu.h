/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _REC_IOMMU_H_
#define _REC_IOMMU_H_

/*
 * The recording IOMMU driver of vmap_lazy_autotest (rec_iommu.c).
 *
 * A thread-safe recording driver ("test_lazy_rec") keeps every translation
 * it was given and fails the test on any breach of the driver contract
 * (rte_vmap_iommu.h):
 *
 *   1, 2  a map overlapping, in VA or IOVA, a range unmapped and not yet
 *         flushed (the VA check is the backing check: a space's backing is
 *         indexed by VA, so backing reused before the flush is a VA reused
 *         before it), or a live mapping
 *   3     a range freed before rte_vmap_purge() still mapped or unflushed
 *         when it returns; anything unflushed when the space closes
 *   6     an unmap that splits a map, or covers bytes that are not mapped
 *
 *
 * Every translation has a sequence number, so that an lcore can ask about
 * its own windows' translations without being fooled by another lcore
 * reusing the same range. One space at a time may open the driver.
 */

#include <stdint.h>
#include <stddef.h>

#include <rte_memory.h>

enum rec_state {
	REC_GONE = 0, /* unmapped and flushed, or never mapped */
	REC_LIVE,     /* mapped */
	REC_STALE,    /* unmapped, no covering flush yet */
};

/* A snapshot of the recorder's counters. */
struct rec_counts {
	uint64_t maps, unmaps, flushes;
	uint64_t live_bytes, stale_bytes;
	unsigned int nr_live, nr_stale;
	uint64_t violations;
};

/* A snapshot of the recorder's counters, taken under its lock. */
void rec_counts_get(struct rec_counts *c);

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

/* Violations seen since the driver was last opened. */
uint64_t rec_violations_get(void);

/* Fail every nth map with -EIO (0: never), to drive the library's undo paths. */
void rec_fail_every(unsigned int n);

/* Test case: the checker itself, on breaches fed to it by hand. */
int test_lazy_recorder_self_check(void);

#endif /* _REC_IOMMU_H_ */
