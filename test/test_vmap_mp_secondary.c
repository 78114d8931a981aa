/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The secondary side of the multi-process tests (test_vmap_mp.c starts
 * this binary as a DPDK secondary with DPDK_TEST=vmap_mp_secondary and a
 * role in VMAP_MP_ROLE). Each role attaches to the board's space and to
 * the space under test by name, does its part, and returns TEST_SUCCESS
 * only if every check held; what failed is printed. Not in any suite: it
 * means nothing run on its own.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_vmap.h>

#include "mp_harness.h"
#include "mp_perf_loops.h"
#include "test.h"
#include "vmap_test_util.h"

#define FAILS(...) do { \
	printf("MP secondary %d (%s): ", (int)getpid(), getenv(MP_ENV_ROLE)); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	return TEST_FAILED; \
} while (0)

static struct mp_board *board;
static struct rte_vmap *space;

/* Attach to the board's space and check that the board is where the primary says. */
static int
attach_board(void)
{
	const char *s = getenv(MP_ENV_BOARD);
	struct rte_vmap *bvm = rte_vmap_lookup(MP_BOARD_SPACE);

	if (bvm == NULL)
		FAILS("cannot attach to the board space: %s", rte_strerror(rte_errno));
	board = (struct mp_board *)(uintptr_t)strtoull(s != NULL ? s : "0", NULL, 0);
	if (board == NULL || rte_vmap_virt2iova(bvm, board) == RTE_BAD_IOVA)
		FAILS("the board %p is not a live window of the board space", (void *)board);
	return TEST_SUCCESS;
}

static int
attach_space(void)
{
	const char *name = getenv(MP_ENV_SPACE);

	space = rte_vmap_lookup(name);
	if (space == NULL)
		FAILS("cannot attach to %s: %s", name, rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

/* Every window on the board: same bytes, same IOVA, same find() as the primary's. */
static int
role_check(void)
{
	struct rte_vmap_window w;
	uint32_t i;
	size_t bad;

	for (i = 0; i < board->n; i++) {
		const struct mp_win *m = &board->w[i];
		void *va = (void *)(uintptr_t)m->va;

		bad = mp_check(va, m->size, m->pattern);
		if (bad != 0)
			FAILS("window %u at %p: byte %zu differs from the primary's", i, va,
				bad - 1);
		if (rte_vmap_virt2iova(space, va) != m->iova ||
				rte_vmap_virt2iova(space, (char *)va + m->size - 1) !=
				m->iova + m->size - 1)
			FAILS("window %u at %p: IOVA 0x%" PRIx64 " here, 0x%" PRIx64 " in the "
				"primary", i, va, rte_vmap_virt2iova(space, va), m->iova);
		if (rte_vmap_find(space, (char *)va + m->size / 2, &w) != 0 || w.va != va ||
				w.size != m->size || w.iova != m->iova ||
				w.from_block != (int)m->block)
			FAILS("window %u at %p: rte_vmap_find() disagrees", i, va);
		mp_fill(va, m->size, ~m->pattern);
	}
	return TEST_SUCCESS;
}

/* Allocate board->arg[0] windows, half of them block windows, and post them. */
static int
role_alloc(void)
{
	uint32_t i, n = (uint32_t)board->arg[0];

	for (i = 0; i < n && i < MP_BOARD_MAX; i++) {
		struct mp_win *m = &board->w[i];
		size_t size = (i % 2) != 0 ? 2 * PAGE_4K : (i % 4 + 1) * 16 * KIB;
		void *va = (i % 2) != 0 ? rte_vmap_block_alloc(space, size) :
			rte_vmap_alloc(space, size, 0, SOCKET_ID_ANY);

		if (va == NULL)
			FAILS("allocation %u of %zu bytes: %s", i, size, rte_strerror(rte_errno));
		m->va = (uintptr_t)va;
		m->size = size;
		m->block = i % 2;
		m->pattern = 0x5ec00000u + i;
		m->iova = rte_vmap_virt2iova(space, va);
		if (m->iova == RTE_BAD_IOVA)
			FAILS("window %p has no IOVA right after its allocation", va);
		mp_fill(va, size, m->pattern);
	}
	board->n = i;
	return TEST_SUCCESS;
}

/* Free every window on the board (the primary's); each is gone at once. */
static int
role_free(void)
{
	struct rte_vmap_window w;
	uint32_t i;
	int ret;

	for (i = 0; i < board->n; i++) {
		const struct mp_win *m = &board->w[i];
		void *va = (void *)(uintptr_t)m->va;

		ret = m->block ? rte_vmap_block_free(space, va, m->size) :
			rte_vmap_free(space, va);
		if (ret != 0)
			FAILS("free of window %u at %p: %d", i, va, ret);
		if (rte_vmap_virt2iova(space, va) != RTE_BAD_IOVA)
			FAILS("window %u at %p still translates after its free", i, va);
		if (rte_vmap_find(space, va, &w) != -ENOENT)
			FAILS("window %u at %p still found after its free", i, va);
	}
	/* A second free of each is refused: nothing changes. */
	if (board->n != 0 && rte_vmap_free(space, (void *)(uintptr_t)board->w[0].va) == 0)
		FAILS("a second free was accepted");
	return TEST_SUCCESS;
}

#define CHURN_BATCH 32

/*
 * board->arg[1] set: CHURN_BATCH block windows allocated, touched at their
 * ends and freed, each run of calls one "call" on the board, so that the
 * lcore spends most of its time inside the lock-free carving and freeing
 * of its granted block, where the kill cases want it.
 */
static int
churn_blocks(uint64_t *seed, uint32_t tag, uint64_t *in_call)
{
	size_t size[CHURN_BATCH];
	uint32_t *va[CHURN_BATCH];
	unsigned int i;

	for (i = 0; i < CHURN_BATCH; i++)
		size[i] = (vmap_test_rand(seed) % 16 + 1) * PAGE_4K;
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < CHURN_BATCH; i++)
		va[i] = rte_vmap_block_alloc(space, size[i]);
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < CHURN_BATCH; i++) {
		if (va[i] == NULL)
			FAILS("block allocation of %zu bytes: %s", size[i],
				rte_strerror(rte_errno));
		va[i][0] = tag;
		va[i][size[i] / sizeof(*va[i]) - 1] = tag;
	}
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < CHURN_BATCH; i++)
		if (rte_vmap_block_free(space, va[i], size[i]) != 0)
			break;
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	if (i != CHURN_BATCH)
		FAILS("free of block window %p", (void *)va[i]);
	__atomic_fetch_add(&board->ops, 1, __ATOMIC_RELAXED);
	return TEST_SUCCESS;
}

/* One allocation, check, free of a random kind; counted on the board. */
static int
churn_one(uint64_t *seed, uint32_t tag, uint64_t *in_call)
{
	uint64_t r = vmap_test_rand(seed);
	bool block = (r & 1) != 0;
	size_t size = block ? ((r >> 1) % 16 + 1) * PAGE_4K : ((r >> 1) % 16 + 1) * 16 * KIB;
	void *va;
	int ret;

	if (board->arg[1] != 0)
		return churn_blocks(seed, tag, in_call);

	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	va = block ? rte_vmap_block_alloc(space, size) :
		rte_vmap_alloc(space, size, 0, SOCKET_ID_ANY);
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	if (va == NULL)
		FAILS("allocation of %zu bytes: %s", size, rte_strerror(rte_errno));
	if (rte_vmap_virt2iova(space, va) == RTE_BAD_IOVA)
		FAILS("window %p has no IOVA", va);
	mp_fill(va, size, tag);
	if (mp_check(va, size, tag) != 0)
		FAILS("window %p changed under this process", va);
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	ret = block ? rte_vmap_block_free(space, va, size) : rte_vmap_free(space, va);
	if ((r & 0x3f) == 0 && ret == 0)
		ret = rte_vmap_purge(space);
	__atomic_fetch_add(in_call, 1, __ATOMIC_SEQ_CST);
	if (ret != 0)
		FAILS("free or purge of %p: %d", va, ret);
	__atomic_fetch_add(&board->ops, 1, __ATOMIC_RELAXED);
	return TEST_SUCCESS;
}

/* On every lcore: board->arg[0] rounds (0: until the board says stop). */
static int
churn_lcore(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)getpid() << 16) ^ rte_lcore_id();
	uint64_t rounds = board->arg[0], i;
	uint64_t *in_call = &board->in_call[rte_lcore_index(rte_lcore_id()) % 4];

	RTE_SET_USED(arg);
	for (i = 0; rounds == 0 || i < rounds; i++) {
		if (__atomic_load_n(&board->stop, __ATOMIC_RELAXED) != 0)
			break;
		/* Between two calls: the primary checks the space meanwhile. */
		if (__atomic_load_n(&board->pause, __ATOMIC_ACQUIRE) != 0) {
			__atomic_fetch_add(&board->paused, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&board->pause, __ATOMIC_ACQUIRE) != 0)
				rte_delay_us_sleep(100);
			__atomic_fetch_sub(&board->paused, 1, __ATOMIC_RELEASE);
		}
		if (churn_one(&seed, (uint32_t)(getpid() << 8 | rte_lcore_id()), in_call) != 0)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static int
role_churn(void)
{
	unsigned int lcore;
	int ret;

	__atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
	rte_eal_mp_remote_launch(churn_lcore, NULL, CALL_MAIN);
	ret = TEST_SUCCESS;
	RTE_LCORE_FOREACH(lcore)
		if (rte_eal_wait_lcore(lcore) != 0)
			ret = TEST_FAILED;
	return ret;
}

/* The sim IOMMU case: a window freed and purged here. */
static int
role_free_purge(void)
{
	struct mp_win *m = &board->w[0];
	void *va = rte_vmap_alloc(space, 64 * KIB, 0, SOCKET_ID_ANY);

	if (va == NULL)
		FAILS("allocation: %s", rte_strerror(rte_errno));
	mp_fill(va, 64 * KIB, 0xd1a);
	m->va = (uintptr_t)va;
	m->size = 64 * KIB;
	m->iova = rte_vmap_virt2iova(space, va);
	board->n = 1;
	/* The primary checks the device reaches it while live. */
	__atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&board->go, __ATOMIC_ACQUIRE) == 0)
		rte_delay_us_sleep(1000);
	if (rte_vmap_free(space, va) != 0)
		FAILS("free of %p", va);
	if (rte_vmap_purge(space) != 0)
		FAILS("purge: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static int
role_purge(void)
{
	if (rte_vmap_purge(space) != 0)
		FAILS("purge: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

/* Misuse: each attach fails with its errno, and a good one works after. */
static int
role_bad_attach(void)
{
	const char *name = getenv(MP_ENV_SPACE);
	void *base = (void *)(uintptr_t)board->arg[0];
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	void *taken, *va;

	if (rte_vmap_lookup("mp_no_such_space") != NULL || rte_errno != ENOENT)
		FAILS("attach to a space that does not exist: not ENOENT (%d)", rte_errno);
	if (rte_vmap_lookup("mp_private") != NULL || rte_errno != EPERM)
		FAILS("attach to an unshared space: not EPERM (%d)", rte_errno);
	/* The reservation's first page taken in this process. */
	taken = mmap(base, PAGE_4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		-1, 0);
	if (taken != base)
		FAILS("cannot take %p for the address-in-use case: %s", base, strerror(errno));
	if (rte_vmap_lookup(name) != NULL || rte_errno != EADDRINUSE)
		FAILS("attach over a taken address: not EADDRINUSE (%d)", rte_errno);
	munmap(taken, PAGE_4K);
	/* Nothing was kept of the failed attach: it works now. */
	vm = rte_vmap_lookup(name);
	if (vm == NULL)
		FAILS("attach once the range is free: %s", rte_strerror(rte_errno));
	va = rte_vmap_alloc(vm, 64 * KIB, 0, SOCKET_ID_ANY);
	if (va == NULL || rte_vmap_free(vm, va) != 0)
		FAILS("alloc and free after the failed attaches");
	if (rte_vmap_free(vm, (char *)va + PAGE_4K) != -ENOENT)
		FAILS("free of an interior address: not -ENOENT");
	if (rte_vmap_block_free(vm, NULL, 0) != 0 || rte_vmap_alloc(vm, 0, 0, 0) != NULL)
		FAILS("NULL block free or zero-size alloc misjudged");
	/* A second lookup is the same attachment; reclaim and sharing are the primary's. */
	if (rte_vmap_lookup(name) != vm)
		FAILS("a second lookup attached again");
	if (rte_vmap_reclaim(vm, 1) != -EINVAL)
		FAILS("rte_vmap_reclaim() in a secondary: not -EINVAL");
	vmap_test_params_4k(&p, "mp_in_secondary");
	p.flags = RTE_VMAP_F_SHARED;
	if (rte_vmap_create(&p) != NULL || rte_errno != EINVAL)
		FAILS("a shared space created in a secondary: not EINVAL (%d)", rte_errno);
	/* Detached, attached again: the same space, at the same address. */
	rte_vmap_destroy(vm);
	if (rte_vmap_lookup(name) == NULL)
		FAILS("attach after a detach: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

/* A primary of another --file-prefix: it sees none of ours. */
static int
role_other_prefix(void)
{
	struct rte_vmap_params p;
	const char *name = getenv(MP_ENV_SPACE);

	if (rte_vmap_lookup(name) != NULL || rte_errno != ENOENT)
		FAILS("another prefix's primary found %s", name);
	vmap_test_params_4k(&p, "mp_other");
	p.flags = RTE_VMAP_F_SHARED;
	if (rte_vmap_create(&p) != NULL || rte_errno != ENOTSUP)
		FAILS("a shared space in an --in-memory process: not ENOTSUP (%d)", rte_errno);
	return TEST_SUCCESS;
}

/* Attached when the primary destroys the space: the next call says ENOENT. */
static int
role_destroyed(void)
{
	const struct mp_win *m = &board->w[0];

	__atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&board->go, __ATOMIC_ACQUIRE) == 0)
		rte_delay_us_sleep(1000);
	if (rte_vmap_alloc(space, 64 * KIB, 0, SOCKET_ID_ANY) != NULL || rte_errno != ENOENT)
		FAILS("alloc in a destroyed space: not ENOENT (%d)", rte_errno);
	if (rte_vmap_virt2iova(space, (void *)(uintptr_t)m->va) != RTE_BAD_IOVA)
		FAILS("a window of the destroyed space still translates");
	rte_vmap_destroy(space);
	if (rte_vmap_lookup(getenv(MP_ENV_SPACE)) != NULL || rte_errno != ENOENT)
		FAILS("attach to a destroyed space: not ENOENT (%d)", rte_errno);
	return TEST_SUCCESS;
}

/*
 * This lcore's granted blocks: board->arg[0] block windows of 4 KiB live at
 * once fill several blocks (each sealed when spent, a new one granted);
 * freed, the sealed ones go back to the owner: one block left.
 */
static int
role_grants(void)
{
	uint32_t i, n = (uint32_t)board->arg[0];
	struct rte_vmap_stats st;
	void **va = calloc(n, sizeof(*va));

	if (va == NULL)
		FAILS("no memory");
	for (i = 0; i < n; i++) {
		va[i] = rte_vmap_block_alloc(space, PAGE_4K);
		if (va[i] == NULL)
			FAILS("block window %u: %s", i, rte_strerror(rte_errno));
		mp_fill(va[i], PAGE_4K, i);
	}
	if (rte_vmap_stats_get(space, &st) != 0)
		FAILS("stats");
	board->arg[1] = st.nr_blocks;
	board->arg[2] = st.nr_windows;
	for (i = 0; i < n; i++) {
		if (mp_check(va[i], PAGE_4K, i) != 0)
			FAILS("block window %u changed", i);
		if (rte_vmap_block_free(space, va[i], PAGE_4K) != 0)
			FAILS("free of block window %u", i);
	}
	free(va);
	if (rte_vmap_stats_get(space, &st) != 0)
		FAILS("stats");
	board->arg[3] = st.nr_blocks;
	return TEST_SUCCESS;
}

/* The pairs of vmap_mp_perf_autotest, timed here; the ns posted as doubles in arg[]. */
static int
role_perf(void)
{
	double ns[MP_FIG_NR];

	RTE_BUILD_BUG_ON(MP_FIG_NR > RTE_DIM(board->arg));
	if (mp_perf_run(space, ns) != 0)
		FAILS("a timed pair failed");
	memcpy(board->arg, ns, sizeof(ns));
	return TEST_SUCCESS;
}

/* This role's frame layout and board use (vmap_dma_mp_autotest). */
#include "dma_mp.h"

/*
 * vmap_dma_mp_autotest (test_vmap_dma_mp.c): windows allocated here, each
 * holding a frame the primary's NIC sends from its IOVA (with "vfio" the
 * primary maps them on this process's behalf); then, as board->go says,
 * every window freed and purged here, or left live.
 */
static int
role_dma_alloc(void)
{
	uint32_t go;

	if (dma_mp_post_frames(space, board) != 0)
		FAILS("posting the frames failed");
	__atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
	while ((go = __atomic_load_n(&board->go, __ATOMIC_ACQUIRE)) == 0)
		rte_delay_us_sleep(1000);
	if (go != DMA_MP_GO_FREE)
		return TEST_SUCCESS;
	if (role_free() != TEST_SUCCESS)
		return TEST_FAILED;
	if (rte_vmap_purge(space) != 0)
		FAILS("purge: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static const struct {
	const char *name;
	int (*fn)(void);
	bool board;  /* attaches to the board */
	bool space;  /* attaches to the space */
} roles[] = {
	{ "check", role_check, true, true },
	{ "alloc", role_alloc, true, true },
	{ "free", role_free, true, true },
	{ "churn", role_churn, true, true },
	{ "free-purge", role_free_purge, true, true },
	{ "purge", role_purge, true, true },
	{ "bad-attach", role_bad_attach, true, false },
	{ "other-prefix", role_other_prefix, false, false },
	{ "destroyed", role_destroyed, true, true },
	{ "perf", role_perf, true, true },
	{ "grants", role_grants, true, true },
	{ "dma-alloc", role_dma_alloc, true, true },
};

static int
vmap_mp_secondary(void)
{
	const char *role = getenv(MP_ENV_ROLE);
	unsigned int i;

	for (i = 0; role != NULL && i < RTE_DIM(roles); i++) {
		if (strcmp(role, roles[i].name) != 0)
			continue;
		if (roles[i].board && attach_board() != 0)
			return TEST_FAILED;
		if (roles[i].space && attach_space() != 0)
			return TEST_FAILED;
		return roles[i].fn();
	}
	printf("vmap_mp_secondary: no role %s (started by vmap_mp_autotest only)\n",
		role != NULL ? role : "(none)");
	return TEST_FAILED;
}

/* Run only as a secondary that vmap_mp_autotest starts: in no suite. */
REGISTER_TEST_COMMAND(vmap_mp_secondary, vmap_mp_secondary);
