/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The recording IOMMU driver REC_IOMMU ("test_rec") the suites share, and
 * its self-check. rec_iommu.h says what it checks.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_spinlock.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>

#include "test.h"
#include "rec_iommu.h"
#include "vmap_test_util.h"

/* Translations the recorder can hold at once (live plus unflushed). */
#define REC_CAP 65536u
/* Violations printed in full per open; the rest are only counted. */
#define REC_REPORT_MAX 8
/* Distinct GiBs of IOVA counted (struct rec_counts.nr_gib). */
#define REC_GIBS 64

struct rec_ent {
	uintptr_t va;
	rte_iova_t iova;
	size_t len;
	uint64_t seq;  /* of the map call; unique for the life of the recorder */
	uint8_t state; /* REC_LIVE or REC_STALE: gone entries leave the table */
};

/* What the driver knows, under lock: several lcores call it at once. */
struct rec {
	rte_spinlock_t lock;
	bool open;
	unsigned int n;
	uint64_t next_seq;
	uint64_t maps;         /* successful */
	uint64_t unmaps;       /* calls */
	uint64_t flushes;      /* calls */
	uint64_t live_bytes;
	uint64_t stale_bytes;
	uint64_t violations;
	unsigned int fail_every; /* fail every Nth map with -EIO; 0 = never */
	unsigned int fail_calls; /* maps since rec_fail_every() */
	bool quiet;              /* the self-check: count violations, print none */
	unsigned int nr_gib;
	uint64_t gib[REC_GIBS];
	struct rec_ent ent[REC_CAP];
};

static struct rec rec = { .lock = RTE_SPINLOCK_INITIALIZER };

/* Called with rec.lock held: count, and print the first few. */
static void __rte_format_printf(1, 2)
rec_violation(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (rec.violations++ >= REC_REPORT_MAX || rec.quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("  %s: VIOLATION (lcore %u): %s\n", REC_IOMMU, rte_lcore_id(), msg);
}

/* Called with rec.lock held: the GiBs [iova, iova + len) lies in. */
static void
rec_note_gibs(rte_iova_t iova, size_t len)
{
	uint64_t g;
	unsigned int i;

	for (g = iova >> 30; g <= (iova + len - 1) >> 30; g++) {
		for (i = 0; i < rec.nr_gib && rec.gib[i] != g; i++)
			;
		if (i == rec.nr_gib && rec.nr_gib < REC_GIBS)
			rec.gib[rec.nr_gib++] = g;
	}
}

static int
rec_open(struct rte_vmap *vm, const char *args, void **priv)
{
	RTE_SET_USED(vm);
	RTE_SET_USED(args);
	rte_spinlock_lock(&rec.lock);
	if (rec.open) {
		/* One space at a time: its counters are what the test compares. */
		rte_spinlock_unlock(&rec.lock);
		return -EBUSY;
	}
	rec.open = true;
	rec.n = 0;
	rec.next_seq = 0;
	rec.maps = rec.unmaps = rec.flushes = 0;
	rec.live_bytes = rec.stale_bytes = 0;
	rec.violations = 0;
	rec.quiet = false;
	rec.nr_gib = 0;
	rte_spinlock_unlock(&rec.lock);
	*priv = &rec;
	return 0;
}

/*
 * The space is gone: its last flush has returned, nothing may be left.
 * The table stays as it is until the next open, for the suite to read.
 */
static void
rec_close(void *priv)
{
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++)
		rec_violation("close: 0x%" PRIx64 "+%zu still %s", rec.ent[i].iova,
			rec.ent[i].len, rec.ent[i].state == REC_STALE ?
			"unflushed (invariant 3)" : "mapped");
	rec.open = false;
	rte_spinlock_unlock(&rec.lock);
}

static int
rec_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	uintptr_t a = (uintptr_t)va;
	const struct rec_ent *e;
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	if (rec.fail_every != 0 && ++rec.fail_calls % rec.fail_every == 0) {
		rte_spinlock_unlock(&rec.lock);
		return -EIO;
	}
	if (((a | iova | len) & (PAGE_4K - 1)) != 0 || len == 0)
		rec_violation("map %p 0x%" PRIx64 "+%zu: not 4 KiB pages", va, iova, len);
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (!vmap_test_overlaps(e->va, e->len, a, len) &&
				!vmap_test_overlaps(e->iova, e->len, iova, len))
			continue;
		if (e->state == REC_STALE)
			rec_violation("map %p 0x%" PRIx64 "+%zu over the unflushed unmap of"
				" %#" PRIxPTR " 0x%" PRIx64 "+%zu (invariants 1, 2)", va, iova,
				len, e->va, e->iova, e->len);
		else
			rec_violation("map %p 0x%" PRIx64 "+%zu over the live mapping"
				" %#" PRIxPTR " 0x%" PRIx64 "+%zu (%s mapped twice)", va, iova,
				len, e->va, e->iova, e->len,
				vmap_test_overlaps(e->iova, e->len, iova, len) ? "IOVA" : "VA");
	}
	if (rec.n == REC_CAP) {
		rec_violation("recorder full (%u translations)", REC_CAP);
		rte_spinlock_unlock(&rec.lock);
		return -ENOSPC;
	}
	rec.ent[rec.n++] = (struct rec_ent){ a, iova, len, ++rec.next_seq, REC_LIVE };
	rec.maps++;
	rec.live_bytes += len;
	rec_note_gibs(iova, len);
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

static int
rec_unmap(void *priv, rte_iova_t iova, size_t len)
{
	struct rec_ent *e;
	size_t bytes = 0;
	unsigned int i;
	bool bad = false;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	rec.unmaps++;
	if (((iova | len) & (PAGE_4K - 1)) != 0 || len == 0) {
		rec_violation("unmap 0x%" PRIx64 "+%zu: not 4 KiB pages", iova, len);
		bad = true;
	}
	/*
	 * Invariant 6: whole earlier maps (a lazy purge may merge neighbours
	 * into one unmap), never part of one, and nothing that is not mapped.
	 */
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (!vmap_test_overlaps(e->iova, e->len, iova, len))
			continue;
		if (e->state == REC_STALE) {
			rec_violation("unmap 0x%" PRIx64 "+%zu covers 0x%" PRIx64 "+%zu, "
				"unmapped already", iova, len, e->iova, e->len);
			bad = true;
		} else if (e->iova < iova || e->iova + e->len > iova + len) {
			rec_violation("unmap 0x%" PRIx64 "+%zu splits the map 0x%" PRIx64
				"+%zu (invariant 6)", iova, len, e->iova, e->len);
			bad = true;
		} else {
			bytes += e->len;
		}
	}
	if (!bad && bytes != len) {
		rec_violation("unmap 0x%" PRIx64 "+%zu covers %zu unmapped bytes (invariant 6)",
			iova, len, len - bytes);
		bad = true;
	}
	if (bad) {
		rte_spinlock_unlock(&rec.lock);
		return -EINVAL;
	}
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (e->state == REC_LIVE && vmap_test_overlaps(e->iova, e->len, iova, len)) {
			e->state = REC_STALE;
			rec.live_bytes -= e->len;
			rec.stale_bytes += e->len;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

static int
rec_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	struct rec_ent *e;
	unsigned int i;

	RTE_SET_USED(priv);
	rte_spinlock_lock(&rec.lock);
	rec.flushes++;
	if (start >= end)
		rec_violation("empty flush [0x%" PRIx64 ", 0x%" PRIx64 ")", start, end);
	/* Only a flush over the whole range covers an unmap. */
	for (i = 0; i < rec.n; i++) {
		e = &rec.ent[i];
		if (e->state != REC_STALE || e->iova < start || e->iova + e->len > end)
			continue;
		rec.stale_bytes -= e->len;
		rec.ent[i--] = rec.ent[--rec.n];
	}
	rte_spinlock_unlock(&rec.lock);
	return 0;
}

struct rte_vmap_iommu_ops rec_iommu_ops = {
	.name = REC_IOMMU,
	.open = rec_open,
	.close = rec_close,
	.map = rec_map,
	.unmap = rec_unmap,
	.flush = rec_flush,
};

RTE_VMAP_IOMMU_REGISTER(rec_iommu_ops);

void
rec_counts_get(struct rec_counts *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	rte_spinlock_lock(&rec.lock);
	c->maps = rec.maps;
	c->unmaps = rec.unmaps;
	c->flushes = rec.flushes;
	c->live_bytes = rec.live_bytes;
	c->stale_bytes = rec.stale_bytes;
	c->nr_gib = rec.nr_gib;
	c->violations = rec.violations;
	for (i = 0; i < rec.n; i++) {
		if (rec.ent[i].state == REC_LIVE)
			c->nr_live++;
		else
			c->nr_stale++;
	}
	rte_spinlock_unlock(&rec.lock);
}

unsigned int
rec_count(bool stale)
{
	struct rec_counts c;

	rec_counts_get(&c);
	return stale ? c.nr_stale : c.nr_live;
}

uint64_t
rec_violations_get(void)
{
	uint64_t v;

	rte_spinlock_lock(&rec.lock);
	v = rec.violations;
	rte_spinlock_unlock(&rec.lock);
	return v;
}

void
rec_fail_every(unsigned int n)
{
	rte_spinlock_lock(&rec.lock);
	rec.fail_every = n;
	rec.fail_calls = 0;
	rte_spinlock_unlock(&rec.lock);
}

uint64_t
rec_seq_of(uintptr_t va, rte_iova_t iova, size_t len)
{
	uint64_t seq = 0;
	unsigned int i;

	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++) {
		if (rec.ent[i].state == REC_LIVE && rec.ent[i].va == va &&
				rec.ent[i].iova == iova && rec.ent[i].len == len) {
			seq = rec.ent[i].seq;
			break;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return seq;
}

int
rec_seq_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

unsigned int
rec_seqs_left(const uint64_t *seqs, unsigned int n, uint64_t *first, enum rec_state *state)
{
	unsigned int i, left = 0;

	*first = 0;
	*state = REC_GONE;
	if (n == 0)
		return 0;
	rte_spinlock_lock(&rec.lock);
	for (i = 0; i < rec.n; i++) {
		if (bsearch(&rec.ent[i].seq, seqs, n, sizeof(*seqs), rec_seq_cmp) == NULL)
			continue;
		if (left++ == 0) {
			*first = rec.ent[i].seq;
			*state = rec.ent[i].state;
		}
	}
	rte_spinlock_unlock(&rec.lock);
	return left;
}

enum rec_state
rec_seq_state(uint64_t seq)
{
	enum rec_state st;
	uint64_t first;

	rec_seqs_left(&seq, 1, &first, &st);
	return st;
}

/* The self-check's steps, on the driver opened as priv, quiet. */
static int
rec_self_check_steps(void *priv)
{
	const uintptr_t v = UINT64_C(0x7f0000000000);
	const rte_iova_t i = UINT64_C(0x100000000);
	const size_t pg = PAGE_4K;
	struct rec_counts c;
	void *other;
	int ret;

	TEST_ASSERT_EQUAL(rec_open(NULL, NULL, &other), -EBUSY, "a second space at once");
	/* Clean: two neighbours, one merged unmap, one covering flush. */
	ret = rec_map(priv, (void *)v, i, 2 * pg);
	ret |= rec_map(priv, (void *)(v + 2 * pg), i + 2 * pg, pg);
	TEST_ASSERT_EQUAL(rec_count(false), 2u, "two live mappings");
	ret |= rec_unmap(priv, i, 3 * pg);
	TEST_ASSERT_EQUAL(rec_count(true), 2u, "two unmaps owed a flush");
	ret |= rec_flush(priv, i, i + 3 * pg);
	rec_counts_get(&c);
	TEST_ASSERT(ret == 0 && c.violations == 0 && rec.n == 0,
		"clean sequence: ret %d, %" PRIu64 " violations", ret, c.violations);
	TEST_ASSERT(c.maps == 2 && c.unmaps == 1 && c.flushes == 1 && c.nr_gib == 1 &&
		c.live_bytes == 0 && c.stale_bytes == 0, "counters: %" PRIu64 " maps, %"
		PRIu64 " unmaps, %" PRIu64 " flushes, %u GiB", c.maps, c.unmaps, c.flushes,
		c.nr_gib);

	/* Invariants 1, 2: maps over an unflushed unmap, by IOVA then by VA. */
	rec_map(priv, (void *)v, i, pg);
	rec_unmap(priv, i, pg);
	rec_map(priv, (void *)(v + 16 * pg), i, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 1u, "IOVA over an unflushed unmap");
	rec_map(priv, (void *)v, i + 16 * pg, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 2u, "VA over an unflushed unmap");
	rec_map(priv, (void *)(v + 16 * pg), i + 40 * pg, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 3u, "VA over a live mapping");
	rec_flush(priv, i, i + pg);
	ret = rec_unmap(priv, i, pg);
	ret |= rec_unmap(priv, i + 16 * pg, pg);
	ret |= rec_unmap(priv, i + 40 * pg, pg);
	ret |= rec_flush(priv, i, i + 64 * pg);
	TEST_ASSERT(ret == 0 && rec.n == 0, "clean up: ret %d, %u left", ret, rec.n);

	/* An IOVA mapped twice, a map not of whole pages, an empty flush. */
	rec_map(priv, (void *)v, i, pg);
	rec_map(priv, (void *)(v + 16 * pg), i, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 4u, "IOVA mapped twice");
	rec_map(priv, (void *)(v + 32 * pg + 8), i + 32 * pg, pg);
	TEST_ASSERT_EQUAL(rec_violations_get(), 5u, "map not of whole pages");
	rec_flush(priv, i, i);
	TEST_ASSERT_EQUAL(rec_violations_get(), 6u, "empty flush");
	rec.n = 0;

	/* Invariant 6: an unmap splitting a map, one covering unmapped bytes. */
	rec_map(priv, (void *)v, i, 2 * pg);
	TEST_ASSERT_EQUAL(rec_unmap(priv, i, pg), -EINVAL, "split");
	TEST_ASSERT_EQUAL(rec_violations_get(), 7u, "unmap splitting a map");
	TEST_ASSERT_EQUAL(rec_unmap(priv, i, 3 * pg), -EINVAL, "too long");
	TEST_ASSERT_EQUAL(rec_violations_get(), 8u, "unmap over unmapped bytes");
	TEST_ASSERT_EQUAL(rec_count(false), 1u, "a refused unmap changes nothing");
	TEST_ASSERT_SUCCESS(rec_unmap(priv, i, 2 * pg), "unmap");
	TEST_ASSERT_EQUAL(rec_unmap(priv, i, 2 * pg), -EINVAL, "twice");
	TEST_ASSERT_EQUAL(rec_violations_get(), 9u, "unmap of a range unmapped already");

	/* The fault: every 2nd map from now fails, and is not recorded. */
	rec_fail_every(2);
	ret = rec_map(priv, (void *)(v + 8 * pg), i + 8 * pg, pg);
	TEST_ASSERT_EQUAL(rec_map(priv, (void *)(v + 9 * pg), i + 9 * pg, pg), -EIO,
		"the second map fails");
	rec_fail_every(0);
	TEST_ASSERT(ret == 0 && rec_count(false) == 1, "the first map: %d", ret);
	TEST_ASSERT_SUCCESS(rec_unmap(priv, i + 8 * pg, pg), "unmap");
	TEST_ASSERT_SUCCESS(rec_flush(priv, i + 8 * pg, i + 9 * pg), "flush");

	/* Invariant 3: a flush over part of the range does not cover it. */
	rec_flush(priv, i, i + pg);
	rec_close(priv);
	TEST_ASSERT_EQUAL(rec_violations_get(), 10u, "unflushed unmap at close");
	/* The table outlives the close, for the suites to read. */
	TEST_ASSERT_EQUAL(rec_count(true), 1u, "the unflushed unmap after close");
	return TEST_SUCCESS;
}

/*
 * The checker itself: a clean sequence passes, and each breach fed to the
 * driver by hand is counted, so that a silent run of a suite means
 * something. The driver is left closed and empty, pass or fail.
 */
int
test_rec_iommu_self_check(void)
{
	void *priv;
	int ret;

	TEST_ASSERT_SUCCESS(rec_open(NULL, NULL, &priv), "open");
	rec.quiet = true;
	ret = rec_self_check_steps(priv);
	rte_spinlock_lock(&rec.lock);
	rec.open = false;
	rec.quiet = false;
	rec.violations = 0;
	rec.n = 0;
	rte_spinlock_unlock(&rec.lock);
	return ret;
}
