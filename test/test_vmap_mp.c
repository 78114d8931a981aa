/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_mp_autotest: shared spaces in DPDK's multi-process model (issue
 * 16). This primary creates spaces with RTE_VMAP_F_SHARED and starts its
 * own secondaries (this binary again, same --file-prefix, lcore ids 2 and
 * up: test_vmap_mp_secondary.c), which attach by name and work in them:
 *
 *   - windows of the primary seen by a secondary: same bytes, same IOVA,
 *     same rte_vmap_find(); its writes seen back here;
 *   - windows allocated in one process and freed in the other, both ways;
 *   - two processes on two lcores each allocating and freeing at once,
 *     rte_vmap_verify() after;
 *   - secondaries killed with SIGKILL at random moments (most of them
 *     while the owner carries out their call): the primary and a new
 *     secondary keep working, verify() holds, and rte_vmap_reclaim()
 *     gives back exactly what each dead one held;
 *   - the sim IOMMU: a range freed and purged in either process no longer
 *     translates, whichever process purged;
 *   - misuse: an unknown name, an unshared space, an address taken in
 *     the secondary, another --file-prefix, a destroyed space; nothing
 *     changes in the primary.
 *
 * Secondaries map the primary's hugepage files: not --in-memory (see
 * test/meson.build), and it skips, saying why, without hugepage files.
 * It removes its own hugepage files before it returns.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>
#include <rte_vmap_iommu_sim.h>

#include "mp_harness.h"
#include "test.h"
#include "vmap_test_util.h"

/* Lcore ids of the secondaries: above the primary's (test/meson.build: 0-1). */
#define MP_LCORE 2
#define MP_TIMEOUT_S 120
#define MP_KILLS 16

static struct rte_vmap *board_vm;
static struct mp_board *board;

static void
board_reset(void)
{
	memset(board, 0, sizeof(*board));
}

/* A shared space for one case. */
static struct rte_vmap *
shared_space(const char *name, const char *iommu, enum rte_vmap_iova_mode mode)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, name);
	p.flags = RTE_VMAP_F_SHARED;
	p.iommu = iommu;
	if (mode != RTE_VMAP_IOVA_AUTO)
		p.iova_mode = mode;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("cannot create %s: %s\n", name, rte_strerror(rte_errno));
	return vm;
}

/* Run role in a secondary to its end: its exit code (0 when every check held). */
static int
run_secondary(const char *role, const char *space, unsigned int nr_lcores)
{
	pid_t pid = mp_spawn(role, space, board, MP_LCORE, nr_lcores, false);

	if (pid < 0)
		return -1;
	return mp_wait(pid, MP_TIMEOUT_S);
}

/* Wait until the secondary pid set board->ready; false if it exited first. */
static bool
wait_ready(pid_t pid)
{
	int status;

	while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) == 0) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return false;
		rte_delay_us_sleep(1000);
	}
	return true;
}

/*
 * nr windows of vm, half of them block windows, filled and posted; a
 * secondary on space name checks them (same bytes, IOVA, find()) and
 * writes them back, which must be seen here; then they are freed.
 */
static int
attach_check(struct rte_vmap *vm, const char *name, uint32_t nr)
{
	uint32_t i;
	int ret;

	board_reset();
	for (i = 0; i < nr; i++) {
		struct mp_win *m = &board->w[i];
		size_t size = (i % 2) != 0 ? PAGE_4K * (i % 5 + 1) : 64 * KIB * (i % 3 + 1);
		void *va = (i % 2) != 0 ? rte_vmap_block_alloc(vm, size) :
			rte_vmap_alloc(vm, size, 0, SOCKET_ID_ANY);

		TEST_ASSERT_NOT_NULL(va, "alloc %u: %s", i, rte_strerror(rte_errno));
		m->va = (uintptr_t)va;
		m->size = size;
		m->block = i % 2;
		m->pattern = 0xa77ac400u + i;
		m->iova = rte_vmap_virt2iova(vm, va);
		mp_fill(va, size, m->pattern);
	}
	board->n = i;
	ret = run_secondary("check", name, 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's checks failed (exit %d)", ret);
	for (i = 0; i < board->n; i++) {
		void *va = (void *)(uintptr_t)board->w[i].va;

		/* What the secondary wrote is here, in the same pages. */
		TEST_ASSERT_EQUAL(mp_check(va, board->w[i].size, ~board->w[i].pattern),
			(size_t)0, "window %u: the secondary's write is not seen here", i);
		TEST_ASSERT_SUCCESS(board->w[i].block ?
			rte_vmap_block_free(vm, va, board->w[i].size) : rte_vmap_free(vm, va),
			"free %u", i);
	}
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_mp_attach_same_bytes_and_iova(void)
{
	struct rte_vmap *vm = shared_space("mp_attach", NULL, RTE_VMAP_IOVA_AUTO);
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	ret = attach_check(vm, "mp_attach", 16);
	rte_vmap_destroy(vm);
	return ret;
}

/*
 * The same on 1 GiB pages, when the host has one free (the fast suite does
 * not reserve any: vmap_1g_autotest, a host test, does, for itself):
 * the secondary maps the hugetlbfs file of 1 GiB pages over the range.
 */
static int
test_mp_attach_1g_pages(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	int ret;

	if (vmap_test_hugepages(RTE_VMAP_PAGE_1G, "free_hugepages") < 1) {
		printf("SKIP: no free 1 GiB hugepage on this host\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "mp_1g");
	p.page_size = RTE_VMAP_PAGE_1G;
	p.va_size = 2 * GIB;
	p.iova_mode = vmap_test_iova_mode(p.page_size);
	p.flags = RTE_VMAP_F_SHARED;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	ret = attach_check(vm, "mp_1g", 16);
	rte_vmap_destroy(vm);
	return ret;
}

static int
test_mp_alloc_there_free_here(void)
{
	struct rte_vmap *vm = shared_space("mp_there", NULL, RTE_VMAP_IOVA_AUTO);
	struct rte_vmap_window w;
	struct rte_vmap_stats st;
	uint32_t i;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	board_reset();
	board->arg[0] = 32;
	ret = run_secondary("alloc", "mp_there", 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's allocations failed (exit %d)", ret);
	TEST_ASSERT_EQUAL(board->n, 32u, "the secondary posted %u windows", board->n);
	/* The secondary is gone; its windows are live, here, with its bytes. */
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)32, "%" PRIu64 " live windows",
		st.nr_windows);
	for (i = 0; i < board->n; i++) {
		const struct mp_win *m = &board->w[i];
		void *va = (void *)(uintptr_t)m->va;

		TEST_ASSERT_EQUAL(mp_check(va, m->size, m->pattern), (size_t)0,
			"window %u: the secondary's bytes are not here", i);
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, va), m->iova, "window %u: IOVA", i);
		TEST_ASSERT_SUCCESS(rte_vmap_find(vm, va, &w), "find %u", i);
		TEST_ASSERT(w.size == m->size && w.from_block == (int)m->block,
			"window %u: find says %zu bytes, block %d", i, w.size, w.from_block);
		/* Misuse of the secondary's block windows changes nothing. */
		if (m->block) {
			TEST_ASSERT_EQUAL(rte_vmap_free(vm, va), -EINVAL,
				"window %u: rte_vmap_free() of a block window", i);
			TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, va, m->size + PAGE_4K), -EINVAL,
				"window %u: block free with the wrong size", i);
		}
		TEST_ASSERT_SUCCESS(m->block ? rte_vmap_block_free(vm, va, m->size) :
			rte_vmap_free(vm, va), "free %u here", i);
		if (m->block)
			TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, va, m->size), -ENOENT,
				"window %u: a second free", i);
	}
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_mp_alloc_here_free_there(void)
{
	struct rte_vmap *vm = shared_space("mp_here", NULL, RTE_VMAP_IOVA_AUTO);
	struct rte_vmap_stats st;
	uint32_t i;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	board_reset();
	for (i = 0; i < 32; i++) {
		struct mp_win *m = &board->w[i];
		size_t size = (i % 2) != 0 ? 3 * PAGE_4K : 128 * KIB;
		void *va = (i % 2) != 0 ? rte_vmap_block_alloc(vm, size) :
			rte_vmap_alloc(vm, size, 0, SOCKET_ID_ANY);

		TEST_ASSERT_NOT_NULL(va, "alloc %u", i);
		*m = (struct mp_win){ .va = (uintptr_t)va, .size = size, .block = i % 2 };
	}
	board->n = i;
	ret = run_secondary("free", "mp_here", 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's frees failed (exit %d)", ret);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)0, "%" PRIu64 " windows left",
		st.nr_windows);
	for (i = 0; i < board->n; i++)
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, (void *)(uintptr_t)board->w[i].va),
			RTE_BAD_IOVA, "window %u still translates here", i);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* A secondary's lcore fills several granted blocks; emptied, they go back. */
static int
test_mp_grants_seal_and_return(void)
{
	struct rte_vmap *vm = shared_space("mp_grants", NULL, RTE_VMAP_IOVA_AUTO);
	struct rte_vmap_stats st;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	board_reset();
	/* 1 MiB blocks of 4 KiB granules: 700 windows fill three. */
	board->arg[0] = 700;
	ret = run_secondary("grants", "mp_grants", 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary failed (exit %d)", ret);
	printf("grants: %" PRIu64 " blocks for %" PRIu64 " live windows, %" PRIu64
		" once freed\n", board->arg[1], board->arg[2], board->arg[3]);
	TEST_ASSERT(board->arg[1] >= 3, "700 live block windows in %" PRIu64 " blocks",
		board->arg[1]);
	TEST_ASSERT_EQUAL(board->arg[2], (uint64_t)700, "stats counted %" PRIu64 " windows",
		board->arg[2]);
	TEST_ASSERT_EQUAL(board->arg[3], (uint64_t)1, "%" PRIu64 " blocks left once all "
		"was freed (the sealed ones go back)", board->arg[3]);
	VMAP_TEST_VERIFY(vm);
	/* The one left, its lcore gone, is given back with the space. */
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)0, "windows left");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

struct churn_arg {
	struct rte_vmap *vm;
	uint64_t rounds;
	int failed;
};

static int
churn_here(void *arg)
{
	struct churn_arg *c = arg;
	uint64_t seed = 0x51ed27a1u ^ rte_lcore_id(), i;
	uint32_t tag = 0xc0de0000u | rte_lcore_id();

	for (i = 0; i < c->rounds; i++) {
		uint64_t r = vmap_test_rand(&seed);
		bool block = (r & 1) != 0;
		size_t size = ((r >> 1) % 16 + 1) * (block ? PAGE_4K : 16 * KIB);
		void *va = block ? rte_vmap_block_alloc(c->vm, size) :
			rte_vmap_alloc(c->vm, size, 0, SOCKET_ID_ANY);

		if (va == NULL) {
			printf("lcore %u: alloc %zu: %s\n", rte_lcore_id(), size,
				rte_strerror(rte_errno));
			c->failed = 1;
			return -1;
		}
		mp_fill(va, size, tag);
		if (mp_check(va, size, tag) != 0) {
			printf("lcore %u: window %p changed under it\n", rte_lcore_id(), va);
			c->failed = 1;
		}
		if ((block ? rte_vmap_block_free(c->vm, va, size) : rte_vmap_free(c->vm, va)) != 0)
			c->failed = 1;
	}
	return 0;
}

static int
test_mp_concurrent(void)
{
	struct rte_vmap *vm = shared_space("mp_conc", NULL, RTE_VMAP_IOVA_AUTO);
	struct churn_arg c = { .vm = vm, .rounds = 20000 };
	struct rte_vmap_stats st;
	unsigned int lcore;
	pid_t pid;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	board_reset();
	board->arg[0] = 2000;
	pid = mp_spawn("churn", "mp_conc", board, MP_LCORE, 2, false);
	TEST_ASSERT(pid > 0, "spawn");
	TEST_ASSERT(wait_ready(pid), "the secondary exited before it began");
	/* Both of this process's lcores at once with the secondary's two. */
	rte_eal_mp_remote_launch(churn_here, &c, CALL_MAIN);
	RTE_LCORE_FOREACH(lcore)
		rte_eal_wait_lcore(lcore);
	ret = mp_wait(pid, MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary failed (exit %d)", ret);
	TEST_ASSERT_EQUAL(c.failed, 0, "this process's lcores failed");
	printf("concurrent: %" PRIu64 " secondary pairs on 2 lcores, %" PRIu64
		" primary pairs on %u\n", board->ops, c.rounds * rte_lcore_count(),
		rte_lcore_count());
	TEST_ASSERT_EQUAL(board->ops, (uint64_t)2 * 2000, "secondary pairs");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)0, "%" PRIu64 " windows left",
		st.nr_windows);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* What the kill rounds saw. */
struct kill_tally {
	unsigned int inside;        /* kills that landed inside a call */
	unsigned int inside_block;  /* of them, in a secondary carving its granted blocks */
	unsigned int reclaimed;     /* windows rte_vmap_reclaim() gave back */
};

/*
 * rte_vmap_verify() and the counts must see no allocation on its way
 * (rte_vmap_verify()'s contract): the survivor waits at a point between
 * two calls while they run.
 */
static void
survivor_pause(struct mp_board *other, bool pause)
{
	__atomic_store_n(&other->pause, pause ? 1 : 0, __ATOMIC_RELEASE);
	while (pause && __atomic_load_n(&other->paused, __ATOMIC_ACQUIRE) == 0)
		rte_delay_us_sleep(100);
}

/* One secondary killed at a random moment, then the space checked. */
static int
kill_round(struct rte_vmap *vm, struct mp_board *other, unsigned int k, uint64_t *seed,
		struct kill_tally *t)
{
	struct rte_vmap_stats st;
	struct timespec nap;
	unsigned int i;
	int ret, status;
	pid_t pid;

	board_reset();
	/* Every other one only carves and frees its granted blocks. */
	board->arg[1] = k % 2;
	pid = mp_spawn("churn", "mp_kill", board, MP_LCORE, 2, false);
	TEST_ASSERT(pid > 0, "spawn");
	TEST_ASSERT(wait_ready(pid), "secondary %u exited before it began", k);
	/* Until it is well into its loop, then 0-20 ms more. */
	while (__atomic_load_n(&board->ops, __ATOMIC_RELAXED) < 8)
		rte_delay_us_sleep(100);
	nap = (struct timespec){ .tv_nsec = (long)(vmap_test_rand(seed) % 20000000) };
	nanosleep(&nap, NULL);
	kill(pid, SIGKILL);
	TEST_ASSERT_EQUAL(waitpid(pid, &status, 0), pid, "waitpid");
	TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"secondary %u was not killed (status 0x%x)", k, status);
	/* Odd: that lcore of it was inside a call when it died (read once it is). */
	for (i = 0; i < RTE_DIM(board->in_call); i++)
		if ((__atomic_load_n(&board->in_call[i], __ATOMIC_SEQ_CST) & 1) != 0) {
			t->inside++;
			t->inside_block += k % 2;
			break;
		}
	/*
	 * The reclaim first: it waits for a call of the dead one the owner may
	 * still be carrying out, and refuses those still queued, so that the
	 * checks below see no allocation on its way.
	 */
	ret = rte_vmap_reclaim(vm, pid);
	TEST_ASSERT(ret >= 0, "reclaim of %d: %d", (int)pid, ret);
	t->reclaimed += (unsigned int)ret;
	survivor_pause(other, true);
	ret = rte_vmap_verify(vm);
	/* Ours and the survivor's are left: the dead one's are all given back. */
	if (ret == 0)
		ret = rte_vmap_stats_get(vm, &st);
	survivor_pause(other, false);
	TEST_ASSERT_SUCCESS(ret, "verify or stats after kill %u", k);
	TEST_ASSERT(st.nr_windows >= 1 && st.nr_windows <= 2, "kill %u: %" PRIu64
		" live windows after the reclaim", k, st.nr_windows);
	TEST_ASSERT_EQUAL(rte_vmap_reclaim(vm, pid), 0, "a second reclaim found more");
	return TEST_SUCCESS;
}

static int
test_mp_sigkill(void)
{
	struct rte_vmap *vm = shared_space("mp_kill", NULL, RTE_VMAP_IOVA_AUTO);
	uint64_t seed = 0x6b696c6cull, ops_before;
	struct kill_tally t = { 0 };
	struct rte_vmap_stats st;
	struct mp_board *other;
	unsigned int k;
	pid_t survivor;
	int ret, sret;
	void *mine;

	TEST_ASSERT_NOT_NULL(vm, "create");
	/* One window of ours must come through untouched. */
	mine = rte_vmap_alloc(vm, 256 * KIB, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mine, "alloc");
	mp_fill(mine, 256 * KIB, 0x0b5e55ed);
	/*
	 * Another secondary works all along, on a board of its own (lcore id
	 * 4): the kills must not stop it. At most one window of it is live
	 * at a time.
	 */
	other = rte_vmap_alloc(board_vm, sizeof(*other), 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(other, "the survivor's board");
	memset(other, 0, sizeof(*other));
	survivor = mp_spawn("churn", "mp_kill", other, MP_LCORE + 2, 1, false);
	TEST_ASSERT(survivor > 0, "spawn the survivor");
	while (__atomic_load_n(&other->ready, __ATOMIC_ACQUIRE) == 0)
		rte_delay_us_sleep(1000);
	ops_before = __atomic_load_n(&other->ops, __ATOMIC_RELAXED);
	for (k = 0, ret = TEST_SUCCESS; k < MP_KILLS && ret == TEST_SUCCESS; k++)
		ret = kill_round(vm, other, k, &seed, &t);
	/* The survivor went on through every kill (stopped whatever happened). */
	__atomic_store_n(&other->stop, 1, __ATOMIC_RELEASE);
	sret = mp_wait(survivor, MP_TIMEOUT_S);
	if (ret != TEST_SUCCESS)
		return ret;
	printf("sigkill: %u secondaries killed, %u while inside a call (%u of the %u "
		"carving only their granted blocks, lock-free), %u windows reclaimed; "
		"the other secondary made %" PRIu64 " pairs meanwhile\n", MP_KILLS, t.inside,
		t.inside_block, MP_KILLS / 2, t.reclaimed, other->ops - ops_before);
	TEST_ASSERT_EQUAL(sret, 0, "the secondary working beside the kills failed (exit %d)",
		sret);
	TEST_ASSERT(other->ops > ops_before, "the other secondary made no progress");
	TEST_ASSERT_SUCCESS(rte_vmap_free(board_vm, other), "free the survivor's board");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)1, "%" PRIu64 " live windows once the "
		"survivor is done", st.nr_windows);
	TEST_ASSERT(t.inside > 0 && t.inside_block > 0,
		"no kill landed inside a call (or a block call): the case showed nothing");
	TEST_ASSERT_EQUAL(mp_check(mine, 256 * KIB, 0x0b5e55ed), (size_t)0,
		"the primary's window changed");
	/* A new secondary attaches and works; so does this process. */
	board_reset();
	board->arg[0] = 200;
	ret = run_secondary("churn", "mp_kill", 1);
	TEST_ASSERT_EQUAL(ret, 0, "a secondary after the kills failed (exit %d)", ret);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, mine), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* The sim IOMMU's device sees the window while live, nothing after the purge. */
static int
test_mp_sim_stale_dma(void)
{
	struct rte_vmap *vm = shared_space("mp_sim", "sim", RTE_VMAP_IOVA_DOMAIN);
	uint32_t word = 0;
	rte_iova_t iova;
	void *va, *got;
	pid_t pid;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	/* Freed and purged in the secondary. */
	board_reset();
	pid = mp_spawn("free-purge", "mp_sim", board, MP_LCORE, 1, false);
	TEST_ASSERT(pid > 0 && wait_ready(pid), "the secondary did not start");
	iova = board->w[0].iova;
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_translate(vm, iova, &got),
		"the secondary's live window does not translate");
	TEST_ASSERT_EQUAL((uintptr_t)got, (uintptr_t)board->w[0].va, "translates elsewhere");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, iova, &word, sizeof(word)),
		"device read");
	TEST_ASSERT_EQUAL(word, 0xd1au, "the device reads 0x%x", word);
	__atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
	ret = mp_wait(pid, MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary failed (exit %d)", ret);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova, &got), -ENOENT,
		"IOVA 0x%" PRIx64 " freed and purged in the secondary still translates", iova);
	TEST_ASSERT_FAIL(rte_vmap_iommu_sim_dma_read(vm, iova, &word, sizeof(word)),
		"the device still reads freed memory");

	/* Freed here, purged in the secondary. */
	va = rte_vmap_alloc(vm, 64 * KIB, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(va, "alloc");
	iova = rte_vmap_virt2iova(vm, va);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, va), "free");
	/* Lazy: the control, the translation is still there until a purge. */
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_translate(vm, iova, &got),
		"a lazily freed range lost its translation before any purge");
	board_reset();
	ret = run_secondary("purge", "mp_sim", 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's purge failed (exit %d)", ret);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova, &got), -ENOENT,
		"IOVA 0x%" PRIx64 " freed here, purged in the secondary, still translates", iova);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_mp_bad_attach(void)
{
	struct rte_vmap *vm = shared_space("mp_bad", NULL, RTE_VMAP_IOVA_AUTO);
	struct rte_vmap_stats before, after;
	struct rte_vmap_iommu_space s;
	struct rte_vmap_params p;
	struct rte_vmap *priv;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	vmap_test_params_4k(&p, "mp_private");
	priv = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(priv, "create the unshared space");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	board_reset();
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_space_get(vm, &s), "space");
	board->arg[0] = s.va_base;
	ret = run_secondary("bad-attach", "mp_bad", 1);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's misuse checks failed (exit %d)", ret);
	ret = mp_wait(mp_spawn("other-prefix", "mp_bad", NULL, MP_LCORE, 1, true),
		MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the other prefix's checks failed (exit %d)", ret);
	/* Nothing changed here (the secondary's one window came and went). */
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
	TEST_ASSERT(after.nr_windows == before.nr_windows && after.va_used == before.va_used,
		"the failed attaches changed the primary's space");
	VMAP_TEST_VERIFY(vm);
	VMAP_TEST_VERIFY(priv);
	/* Reclaim misuse. */
	TEST_ASSERT_EQUAL(rte_vmap_reclaim(vm, getpid()), -EBUSY, "reclaim of a live process");
	TEST_ASSERT_EQUAL(rte_vmap_reclaim(priv, 12345), -EINVAL, "reclaim in an unshared space");
	TEST_ASSERT_EQUAL(rte_vmap_reclaim(NULL, 12345), -EINVAL, "reclaim with NULL");
	TEST_ASSERT_EQUAL(rte_vmap_reclaim(vm, 0), -EINVAL, "reclaim of pid 0");
	/* Flags a shared space refuses. */
	vmap_test_params_4k(&p, "mp_bad_flags");
	p.flags = RTE_VMAP_F_SHARED | RTE_VMAP_F_EXTMEM;
	TEST_ASSERT_NULL(rte_vmap_create(&p), "SHARED with EXTMEM accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "SHARED with EXTMEM: not EINVAL");
	rte_vmap_destroy(priv);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_mp_destroyed(void)
{
	struct rte_vmap *vm = shared_space("mp_gone", NULL, RTE_VMAP_IOVA_AUTO);
	void *va;
	pid_t pid;
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create");
	va = rte_vmap_alloc(vm, 64 * KIB, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(va, "alloc");
	board_reset();
	board->w[0].va = (uintptr_t)va;
	board->n = 1;
	pid = mp_spawn("destroyed", "mp_gone", board, MP_LCORE, 1, false);
	TEST_ASSERT(pid > 0 && wait_ready(pid), "the secondary did not attach");
	rte_vmap_destroy(vm);
	__atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
	ret = mp_wait(pid, MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's checks failed (exit %d)", ret);
	return TEST_SUCCESS;
}

static struct unit_test_suite mp_suite = {
	.suite_name = "vmap multi-process",
	.unit_test_cases = {
		TEST_CASE(test_mp_attach_same_bytes_and_iova),
		TEST_CASE(test_mp_attach_1g_pages),
		TEST_CASE(test_mp_alloc_there_free_here),
		TEST_CASE(test_mp_alloc_here_free_there),
		TEST_CASE(test_mp_grants_seal_and_return),
		TEST_CASE(test_mp_concurrent),
		TEST_CASE(test_mp_sigkill),
		TEST_CASE(test_mp_sim_stale_dma),
		TEST_CASE(test_mp_bad_attach),
		TEST_CASE(test_mp_destroyed),
		TEST_CASES_END()
	}
};

static int
test_vmap_mp(void)
{
	return mp_suite_run(&mp_suite, &board_vm, &board);
}

REGISTER_FAST_TEST(vmap_mp_autotest, NOHUGE_SKIP, ASAN_OK, test_vmap_mp);
