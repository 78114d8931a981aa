/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_stress_autotest: a space under concurrent use from two or more
 * lcores. Every case runs once per space configuration (VA and DOMAIN IOVA
 * modes, each with the default nodes, with one node for all lcores, and
 * with two nodes on two modelled sockets), and each run goes:
 *
 *   create -> roles on the lcores, until the time budget is spent -> wait
 *   -> (main lcore) verify with the leftovers live, counters equal to the
 *   leftovers, no two leftovers overlapping in VA or IOVA -> free them ->
 *   purge -> verify -> counters back to zero -> destroy
 *
 * A window describes itself: its first words hold a tag, its size and
 * kind, the offset of a middle word and its IOVA, its last word ~tag and
 * the middle word tag ^ offset. Written at allocation, checked before every
 * free, they catch two windows handed the same memory, and they let the
 * lcore that frees a window it did not allocate rebuild its description
 * from the memory alone. The IOVA of a random byte is checked against
 * rte_vmap_find() whenever a window is made, checked or freed.
 *
 * Runs are bounded by time (case 1 also by a number of operations), not by
 * fixed counts, so that an ASan build runs about as long as a release one.
 * VMAP_STRESS_SCALE=<factor> in the environment stretches the budgets for a
 * soak run.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_vmap.h>

#include "stress_harness.h"
#include "test.h"
#include "vmap_test_util.h"

static const struct stress_config stress_configs[] = {
	{ "va", RTE_VMAP_IOVA_VA, 0, NULL },
	{ "domain", RTE_VMAP_IOVA_DOMAIN, 0, NULL },
	{ "va/1 node", RTE_VMAP_IOVA_VA, 1, NULL },
	{ "domain/1 node", RTE_VMAP_IOVA_DOMAIN, 1, NULL },
	{ "va/2 nodes/2 sockets", RTE_VMAP_IOVA_VA, 2, STRESS_TWO_SOCKETS },
	{ "domain/2 nodes/2 sockets", RTE_VMAP_IOVA_DOMAIN, 2, STRESS_TWO_SOCKETS },
};

/* ---- roles -------------------------------------------------------------- */

/* Cases 1 and 4: churn this lcore's own windows. */
static int
churn_role(struct stress_run *run, struct stress_lcore *lc)
{
	uint64_t max_ops = run->sc->max_ops;

	while ((max_ops == 0 || lc->ops < max_ops) && !stress_stop(run)) {
		if (churn_one(run, lc) != 0)
			return -1;
		lc->ops++;
	}
	return 0;
}

/* Case 2: put a new window in an empty slot of out, for the other lcore to free. */
static int
xfer_give(struct stress_run *run, struct stress_lcore *lc, uintptr_t *out)
{
	unsigned int i = vmap_test_rand(&lc->rng) % STRESS_XFER_SLOTS;
	bool block = vmap_test_rand(&lc->rng) % 3 == 0;
	struct stress_win w;
	uintptr_t old;
	size_t size;

	/* Only this lcore fills out[]: a slot seen empty stays so until it does. */
	if (__atomic_load_n(&out[i], __ATOMIC_ACQUIRE) != 0)
		return 0;
	size = block ? 1 + vmap_test_rand(&lc->rng) % run->block_max :
		stress_rand_size(&lc->rng, run->sc->max_size);
	if (win_new(run, &w, size, block ? 0 : stress_rand_align(&lc->rng), block,
			&lc->rng) != 0)
		return -1;
	old = __atomic_exchange_n(&out[i], (uintptr_t)w.va, __ATOMIC_ACQ_REL);
	if (old != 0)
		return stress_fail(run, "slot %u held %#" PRIxPTR " though seen empty", i, old);
	return 0;
}

/* Frees of the wrong kind, or not at the start, are refused and change nothing. */
static int
xfer_misuse(struct stress_run *run, const struct stress_win *w)
{
	size_t span = win_span(w);
	int ret;

	if (w->block) {
		ret = rte_vmap_free(run->vm, w->va);
		if (ret != -EINVAL)
			return stress_fail(run, "free(block window %p) = %d, want -EINVAL",
				w->va, ret);
		if (span + PAGE_4K <= run->block_max) {
			ret = rte_vmap_block_free(run->vm, w->va, span + PAGE_4K);
			if (ret != -EINVAL)
				return stress_fail(run, "block_free(%p, wrong size) = %d, "
					"want -EINVAL", w->va, ret);
		}
	} else if (w->size <= run->block_max) {
		ret = rte_vmap_block_free(run->vm, w->va, w->size);
		if (ret != -EINVAL)
			return stress_fail(run, "block_free(window %p) = %d, want -EINVAL",
				w->va, ret);
	}
	if (span > PAGE_4K) {
		ret = rte_vmap_free(run->vm, w->va + PAGE_4K);
		if (ret != -ENOENT)
			return stress_fail(run, "free(%p, interior) = %d, want -ENOENT",
				w->va + PAGE_4K, ret);
	}
	return 0;
}

/*
 * The misuse above once per kind of window, on the main lcore only: each
 * refused call logs an error line, quieted here, and only one lcore may
 * change the level, or the other could restore it in the middle of a call.
 */
static int
xfer_misuse_once(struct stress_run *run, struct stress_lcore *lc,
	const struct stress_win *w)
{
	int ret;

	if (rte_lcore_id() != rte_get_main_lcore() || (lc->misused & (1u << w->block)) != 0)
		return 0;
	lc->misused |= 1u << w->block;
	rte_log_set_level(run->log_type, RTE_LOG_CRIT);
	ret = xfer_misuse(run, w);
	rte_log_set_level(run->log_type, run->log_level);
	return ret;
}

/* Case 2: take a window the other lcore allocated, check it, free it. */
static int
xfer_take(struct stress_run *run, struct stress_lcore *lc, uintptr_t *in)
{
	unsigned int i = vmap_test_rand(&lc->rng) % STRESS_XFER_SLOTS;
	uintptr_t va = __atomic_exchange_n(&in[i], 0, __ATOMIC_ACQ_REL);
	struct stress_win w;

	if (va == 0)
		return 0;
	if (win_decode(run, va, &w) != 0)
		return -1;
	if (xfer_misuse_once(run, lc, &w) != 0 || win_free(run, &w, &lc->rng) != 0)
		return -1;
	lc->ops++;
	lc->blocks += w.block;
	return 0;
}

static int
xfer_role(struct stress_run *run, struct stress_lcore *lc)
{
	unsigned int side = rte_lcore_id() == rte_get_main_lcore() ? 0 : 1;

	while (!stress_stop(run)) {
		if (xfer_give(run, lc, run->xfer[side]) != 0 ||
				xfer_take(run, lc, run->xfer[side ^ 1]) != 0)
			return -1;
	}
	return 0;
}

/* Case 3: replace a published window the checker is done with. */
static int
publish_one(struct stress_run *run, struct stress_lcore *lc, struct stress_pub *s)
{
	struct stress_win w;

	/* Not acknowledged: the checker may be reading this window right now. */
	if (__atomic_load_n(&s->ack, __ATOMIC_ACQUIRE) != s->gen)
		return 0;
	if (s->va != 0) {
		if (win_decode(run, s->va, &w) != 0 || win_free(run, &w, &lc->rng) != 0)
			return -1;
		s->va = 0;
	}
	if (win_new(run, &w, stress_rand_size(&lc->rng, run->sc->max_size),
			stress_rand_align(&lc->rng), false, &lc->rng) != 0)
		return -1;
	s->va = (uintptr_t)w.va;
	__atomic_store_n(&s->gen, s->gen + 1, __ATOMIC_RELEASE);
	return 0;
}

static int
publish_role(struct stress_run *run, struct stress_lcore *lc)
{
	uint64_t r;
	int ret;

	while (!stress_stop(run)) {
		r = vmap_test_rand(&lc->rng);
		/* Mostly private churn, so that nodes and pools keep moving under the checker. */
		if (r % 4 == 0)
			ret = publish_one(run, lc, &run->pub[(r >> 8) % STRESS_PUB_SLOTS]);
		else
			ret = churn_one(run, lc);
		if (ret != 0)
			return -1;
		lc->ops++;
	}
	return 0;
}

/*
 * Case 3: check every window published and not yet acknowledged (so not
 * freed before this returns), take a stats snapshot that must count them,
 * then acknowledge them.
 */
static int
check_published(struct stress_run *run, struct stress_lcore *lc, uint64_t *seen)
{
	struct rte_vmap_window info;
	struct rte_vmap_stats st;
	uint64_t pinned = 0, pinned_bytes = 0;
	struct stress_win w;
	unsigned int i;
	int ret;

	for (i = 0; i < STRESS_PUB_SLOTS; i++) {
		struct stress_pub *s = &run->pub[i];

		seen[i] = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
		/* Only this lcore writes ack. */
		if (seen[i] == 0 || seen[i] == s->ack) {
			seen[i] = 0;
			continue;
		}
		if (win_decode(run, s->va, &w) != 0 || win_check(run, &w, &lc->rng) != 0)
			return -1;
		pinned++;
		pinned_bytes += win_span(&w);
	}
	ret = rte_vmap_stats_get(run->vm, &st);
	if (ret != 0)
		return stress_fail(run, "stats_get: %d", ret);
	if (st.nr_windows < pinned || st.va_used < pinned_bytes)
		return stress_fail(run, "stats: %" PRIu64 " windows, %" PRIu64 " bytes; at least "
			"%" PRIu64 " windows of %" PRIu64 " bytes are live", st.nr_windows,
			st.va_used, pinned, pinned_bytes);
	if (st.va_size < run->va_size || st.va_used > st.va_size)
		return stress_fail(run, "stats: va_size %" PRIu64 ", va_used %" PRIu64,
			st.va_size, st.va_used);
	/* An address outside the space (this stack) is in no window. */
	ret = rte_vmap_find(run->vm, &st, &info);
	if (ret != -ENOENT || rte_vmap_virt2iova(run->vm, &st) != RTE_BAD_IOVA)
		return stress_fail(run, "find(stack address) = %d, want -ENOENT", ret);
	for (i = 0; i < STRESS_PUB_SLOTS; i++)
		if (seen[i] != 0)
			__atomic_store_n(&run->pub[i].ack, seen[i], __ATOMIC_RELEASE);
	lc->ops += pinned;
	return 0;
}

static int
check_role(struct stress_run *run, struct stress_lcore *lc)
{
	uint64_t seen[STRESS_PUB_SLOTS];

	while (!stress_stop(run))
		if (check_published(run, lc, seen) != 0)
			return -1;
	return 0;
}

/*
 * Case 4: purge in a loop, every other one a trim (all pools, chunks and
 * idle blocks given back, taken from under the churning lcore), with a
 * stats snapshot now and then.
 */
static int
purge_role(struct stress_run *run, struct stress_lcore *lc)
{
	struct rte_vmap_stats st;
	int64_t ret;

	while (!stress_stop(run)) {
		ret = lc->ops % 2 == 0 ? rte_vmap_purge(run->vm) : rte_vmap_trim(run->vm);
		if (ret < 0)
			return stress_fail(run, "%s: %" PRId64, lc->ops % 2 == 0 ? "purge" : "trim",
				ret);
		lc->ops++;
		if (lc->ops % 16 == 0 && rte_vmap_stats_get(run->vm, &st) != 0)
			return stress_fail(run, "stats_get failed");
	}
	return 0;
}

static int
stress_dispatch(void *arg)
{
	struct stress_run *run = arg;
	unsigned int lcore = rte_lcore_id();
	stress_role_t *role = NULL;

	if (lcore == rte_get_main_lcore())
		role = run->sc->main_role;
	else if (lcore == run->worker || run->sc->all_workers)
		role = run->sc->worker_role;
	if (role == NULL)
		return 0;
	run->lc[lcore].result = role(run, &run->lc[lcore]);
	return run->lc[lcore].result;
}

/* ---- running a case ------------------------------------------------------ */

static double
stress_scale(void)
{
	const char *s = getenv("VMAP_STRESS_SCALE");
	double v = s != NULL ? strtod(s, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

/* Live bytes per lcore: well inside the space and the hugepages there are. */
static size_t
stress_live_cap(size_t page_size)
{
	size_t total = STRESS_LIVE_TOTAL;

	if (page_size != RTE_VMAP_PAGE_4K)
		total = RTE_MIN(total, vmap_test_free_hugepages() * page_size / 4);
	return RTE_MIN((size_t)STRESS_LIVE_PER_LCORE, total / rte_lcore_count());
}

static void
stress_report(const struct stress_run *run, uint64_t cycles)
{
	char ops[128];
	unsigned int lcore;
	int n = 0;

	ops[0] = '\0';
	RTE_LCORE_FOREACH(lcore)
		if (n >= 0 && (size_t)n < sizeof(ops))
			n += snprintf(ops + n, sizeof(ops) - n, " %" PRIu64, run->lc[lcore].ops);
	printf("  %-8s %-26s %5.2f s, ops per lcore:%s\n", run->sc->tag, run->cfg->name,
		(double)cycles / rte_get_timer_hz(), ops);
}

/* Launch the roles on every lcore and wait; TEST_FAILED if any role failed. */
static int
stress_launch(struct stress_run *run)
{
	uint64_t start = rte_get_timer_cycles();
	unsigned int lcore;
	int ret = TEST_SUCCESS;

	run->deadline = start + (uint64_t)(run->sc->budget_ms * stress_scale() *
		rte_get_timer_hz() / 1000);
	TEST_ASSERT_SUCCESS(rte_eal_mp_remote_launch(stress_dispatch, run, CALL_MAIN),
		"[%s] launch on the workers", run->cfg->name);
	rte_eal_mp_wait_lcore();
	stress_report(run, rte_get_timer_cycles() - start);
	RTE_LCORE_FOREACH(lcore) {
		if (run->lc[lcore].result != 0) {
			printf("  [%s] the role on lcore %u failed\n", run->cfg->name, lcore);
			ret = TEST_FAILED;
		}
	}
	if (ret == TEST_SUCCESS && run->sc->check != NULL)
		ret = run->sc->check(run);
	return ret;
}

static int
stress_run_one(const struct stress_case *sc, const struct stress_config *cfg,
	unsigned int cfg_idx)
{
	struct rte_vmap_params p;
	struct stress_run *run;
	char name[RTE_VMAP_NAMESIZE];
	unsigned int lcore;
	int ret, fin;

	run = calloc(1, sizeof(*run));
	TEST_ASSERT_NOT_NULL(run, "no memory for the run");
	snprintf(name, sizeof(name), "stress_%s_%u", sc->tag, cfg_idx);
	vmap_test_params(&p, name);
	p.iova_mode = cfg->iova_mode;
	p.nr_nodes = cfg->nr_nodes;
	p.topology = cfg->topology;
	run->sc = sc;
	run->cfg = cfg;
	run->va_size = p.va_size;
	run->worker = rte_get_next_lcore(-1, 1, 0);
	run->live_cap = stress_live_cap(p.page_size);
	ret = TEST_SUCCESS;
	RTE_LCORE_FOREACH(lcore) {
		/* A fixed seed per lcore, case and configuration, never 0. */
		run->lc[lcore].rng = ((UINT64_C(0x9e3779b97f4a7c15) * (lcore + 1)) ^
			((uint64_t)cfg_idx << 32) ^ sc->seed) | 1;
		run->lc[lcore].win = calloc(sc->cap, sizeof(struct stress_win));
		if (run->lc[lcore].win == NULL)
			ret = TEST_FAILED;
	}
	run->vm = ret == TEST_SUCCESS ? rte_vmap_create(&p) : NULL;
	if (run->vm == NULL) {
		printf("  [%s] cannot create the space: %s\n", cfg->name, rte_strerror(rte_errno));
		ret = TEST_FAILED;
	} else {
		run->block_max = rte_vmap_block_max(run->vm);
		run->log_type = rte_log_register(VMAP_TEST_LOGTYPE);
		run->log_level = rte_log_get_level(run->log_type);
		ret = stress_launch(run);
		/* Even after a failure: leave the space clean, say what else is wrong. */
		fin = stress_finish(run);
		if (ret == TEST_SUCCESS)
			ret = fin;
		rte_vmap_destroy(run->vm);
	}
	RTE_LCORE_FOREACH(lcore)
		free(run->lc[lcore].win);
	free(run);
	return ret;
}

/* Every configuration, even after one failed: the pattern of failures tells. */
static int
stress_run_all(const struct stress_case *sc)
{
	unsigned int i;
	int ret = TEST_SUCCESS;

	for (i = 0; i < RTE_DIM(stress_configs); i++)
		if (stress_run_one(sc, &stress_configs[i], i) != TEST_SUCCESS) {
			printf("  %s [%s]: FAILED\n", sc->tag, stress_configs[i].name);
			ret = TEST_FAILED;
		}
	return ret;
}

/* Every participating lcore did some work: a run that did nothing proves nothing. */
static int
check_all_busy(struct stress_run *run)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH(lcore) {
		bool active = lcore == rte_get_main_lcore() || lcore == run->worker ||
			run->sc->all_workers;

		TEST_ASSERT(!active || run->lc[lcore].ops > 0, "[%s] lcore %u did nothing",
			run->cfg->name, lcore);
	}
	return TEST_SUCCESS;
}

static int
check_xfer_both_ways(struct stress_run *run)
{
	unsigned int main_lcore = rte_get_main_lcore();

	TEST_ASSERT(run->lc[main_lcore].blocks > 0 && run->lc[run->worker].blocks > 0,
		"[%s] block windows freed across: %" PRIu64 " by lcore %u, %" PRIu64
		" by lcore %u", run->cfg->name, run->lc[main_lcore].blocks, main_lcore,
		run->lc[run->worker].blocks, run->worker);
	return check_all_busy(run);
}

/* ---- the cases ------------------------------------------------------------ */

static int
stress_need_two_lcores(void)
{
	if (rte_lcore_count() >= 2)
		return TEST_SUCCESS;
	printf("vmap stress needs at least 2 lcores (run with -l 0-1), has %u: skipped\n",
		rte_lcore_count());
	return TEST_SKIPPED;
}

static const struct stress_case case_alloc_free = {
	.tag = "alloc",
	.seed = 0xa110c,
	.budget_ms = 1500,
	.max_ops = 200000,
	.cap = 512,
	.max_size = 4 * MIB,
	.main_role = churn_role,
	.worker_role = churn_role,
	.all_workers = true,
	.check = check_all_busy,
};

static const struct stress_case case_cross_free = {
	.tag = "cross",
	.seed = 0xc4055,
	.budget_ms = 700,
	.max_size = 1 * MIB,
	.cap = 1,
	.main_role = xfer_role,
	.worker_role = xfer_role,
	.check = check_xfer_both_ways,
};

static const struct stress_case case_find_stats = {
	.tag = "find",
	.seed = 0xf1d5,
	.budget_ms = 700,
	.cap = 128,
	.max_size = 2 * MIB,
	.main_role = check_role,
	.worker_role = publish_role,
	.sole_allocator = true,
	.check = check_all_busy,
};

static const struct stress_case case_purge = {
	.tag = "purge",
	.seed = 0x9e49e,
	.budget_ms = 700,
	.cap = 256,
	.max_size = 1 * MIB,
	.block_share = 8,
	.main_role = churn_role,
	.worker_role = purge_role,
	.sole_allocator = true,
	.check = check_all_busy,
};

/* Each lcore churns up to 512 windows of its own, 4 KiB to 4 MiB. */
static int
test_concurrent_alloc_free_random_sizes(void)
{
	return stress_run_all(&case_alloc_free);
}

/* Windows and block windows allocated on one lcore are freed on the other. */
static int
test_cross_lcore_free(void)
{
	return stress_run_all(&case_cross_free);
}

/* find, virt2iova and stats on live windows while the other lcore churns. */
static int
test_concurrent_find_and_stats(void)
{
	return stress_run_all(&case_find_stats);
}

/* Allocs and frees of 4 KiB to 1 MiB (and block windows) against purges and trims. */
static int
test_concurrent_with_purge(void)
{
	return stress_run_all(&case_purge);
}

static struct unit_test_suite vmap_stress_suite = {
	.suite_name = "vmap stress (2+ lcores)",
	.setup = NULL,
	.teardown = NULL,
	.unit_test_cases = {
		TEST_CASE_ST(stress_need_two_lcores, NULL,
			test_concurrent_alloc_free_random_sizes),
		TEST_CASE_ST(stress_need_two_lcores, NULL, test_cross_lcore_free),
		TEST_CASE_ST(stress_need_two_lcores, NULL, test_concurrent_find_and_stats),
		TEST_CASE_ST(stress_need_two_lcores, NULL, test_concurrent_with_purge),
		TEST_CASES_END()
	},
};

static int
test_vmap_stress(void)
{
	return unit_test_suite_runner(&vmap_stress_suite);
}

REGISTER_FAST_TEST(vmap_stress_autotest, NOHUGE_OK, ASAN_OK, test_vmap_stress);

