/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_stress_autotest: what the roles leave live. On the main lcore,
 * after the roles: verify with the leftovers live, the counters equal to
 * them, no two of them overlapping in VA or IOVA; then free them, purge,
 * verify, and the counters must be back to zero.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "stress_harness.h"
#include "test.h"
#include "vmap_test_util.h"

/* ---- after the roles: leftovers ----------------------------------------- */

typedef int (stress_visit_t)(struct stress_run *run, const struct stress_win *w, void *arg);

/* A window known only by its address (in a slot): described by its header. */
static int
visit_slot(struct stress_run *run, uintptr_t va, stress_visit_t *visit, void *arg)
{
	struct stress_win w;

	if (va == 0)
		return 0;
	if (win_decode(run, va, &w) != 0)
		return -1;
	return visit(run, &w, arg);
}

/* Call visit on every window still live: owned by lcores, or in a slot. */
static int
stress_leftovers(struct stress_run *run, stress_visit_t *visit, void *arg)
{
	unsigned int lcore, i, side;

	RTE_LCORE_FOREACH(lcore)
		for (i = 0; i < run->lc[lcore].nr_live; i++)
			if (visit(run, &run->lc[lcore].win[i], arg) != 0)
				return -1;
	for (side = 0; side < 2; side++)
		for (i = 0; i < STRESS_XFER_SLOTS; i++)
			if (visit_slot(run, run->xfer[side][i], visit, arg) != 0)
				return -1;
	for (i = 0; i < STRESS_PUB_SLOTS; i++)
		if (visit_slot(run, run->pub[i].va, visit, arg) != 0)
			return -1;
	return 0;
}

struct stress_span {
	uint64_t lo;
	uint64_t hi;
};

struct stress_spans {
	struct stress_span *va;
	struct stress_span *iova;
	size_t n;
	size_t cap;
	uint64_t bytes;
};

static int
collect_span(struct stress_run *run, const struct stress_win *w, void *arg)
{
	struct stress_spans *s = arg;

	if (s->n == s->cap)
		return stress_fail(run, "more leftovers than counted");
	s->va[s->n] = (struct stress_span){ (uintptr_t)w->va, (uintptr_t)w->va + win_span(w) };
	s->iova[s->n] = (struct stress_span){ w->iova, w->iova + win_span(w) };
	s->n++;
	s->bytes += win_span(w);
	return 0;
}

static int
count_one(__rte_unused struct stress_run *run, __rte_unused const struct stress_win *w,
	void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct stress_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Whether two of the n spans overlap (in what: "VA" or "IOVA"); it prints them. */
static bool
spans_overlap(const struct stress_run *run, const char *what, struct stress_span *s, size_t n)
{
	size_t i;

	qsort(s, n, sizeof(*s), span_cmp);
	for (i = 0; i + 1 < n; i++) {
		if (s[i].hi > s[i + 1].lo) {
			printf("  [%s] windows overlap in %s: [%#" PRIx64 ", %#" PRIx64 ") and [%#"
				PRIx64 ", %#" PRIx64 ")\n", run->cfg->name, what, s[i].lo, s[i].hi,
				s[i + 1].lo, s[i + 1].hi);
			return true;
		}
	}
	return false;
}

/*
 * With the lcores stopped: the counters equal the leftovers, and no two of
 * them share VA or (the real question in DOMAIN mode) IOVA.
 */
static int
check_leftovers(struct stress_run *run)
{
	struct stress_spans s = { 0 };
	struct rte_vmap_stats st;
	int ret = TEST_FAILED;

	stress_leftovers(run, count_one, &s.cap);
	s.va = calloc(s.cap + 1, sizeof(*s.va));
	s.iova = calloc(s.cap + 1, sizeof(*s.iova));
	if (s.va == NULL || s.iova == NULL) {
		printf("  [%s] no memory for %zu spans\n", run->cfg->name, s.cap);
		goto out;
	}
	if (stress_leftovers(run, collect_span, &s) != 0)
		goto out;
	if (rte_vmap_stats_get(run->vm, &st) != 0 || st.nr_windows != s.n ||
			st.va_used != s.bytes) {
		printf("  [%s] stats: %" PRIu64 " windows, %" PRIu64 " bytes; live: %zu, %"
			PRIu64 "\n", run->cfg->name, st.nr_windows, st.va_used, s.n, s.bytes);
		goto out;
	}
	if (spans_overlap(run, "VA", s.va, s.n) || spans_overlap(run, "IOVA", s.iova, s.n))
		goto out;
	ret = TEST_SUCCESS;
out:
	free(s.va);
	free(s.iova);
	return ret;
}

static int
free_leftover(struct stress_run *run, const struct stress_win *w, void *arg)
{
	return win_free(run, w, arg);
}

/* On the main lcore: leftovers checked and freed, the space clean again. */
int
stress_finish(struct stress_run *run)
{
	struct rte_vmap_stats st;
	uint64_t rng = 0x5eed;
	unsigned int lcore;

	VMAP_TEST_VERIFY(run->vm);
	TEST_ASSERT_SUCCESS(check_leftovers(run), "[%s] leftovers inconsistent",
		run->cfg->name);
	TEST_ASSERT_SUCCESS(stress_leftovers(run, free_leftover, &rng),
		"[%s] freeing the leftovers failed", run->cfg->name);
	RTE_LCORE_FOREACH(lcore)
		run->lc[lcore].nr_live = 0;
	memset(run->xfer, 0, sizeof(run->xfer));
	memset(run->pub, 0, sizeof(run->pub));

	TEST_ASSERT_SUCCESS(rte_vmap_purge(run->vm), "[%s] purge", run->cfg->name);
	VMAP_TEST_VERIFY(run->vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(run->vm, &st), "[%s] stats", run->cfg->name);
	TEST_ASSERT(st.nr_windows == 0 && st.va_used == 0 && st.va_lazy == 0,
		"[%s] after freeing everything and a purge: %" PRIu64 " windows, va_used %"
		PRIu64 ", va_lazy %" PRIu64, run->cfg->name, st.nr_windows, st.va_used,
		st.va_lazy);
	return TEST_SUCCESS;
}
