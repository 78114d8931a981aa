/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* Windows: alloc, free, find, every misuse, backing, pressure. */

#include <errno.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "vmap_test_util.h"
#include "vmap_private.h"
#include "vmap_block.h"

static struct rte_vmap *vm;

static int
space_setup(void)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, "alloc_ut");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	return TEST_SUCCESS;
}

static void
space_teardown(void)
{
	if (vm != NULL && rte_vmap_verify(vm) != 0)
		printf("verify failed at teardown\n");
	rte_vmap_destroy(vm);
	vm = NULL;
}

/* Stats that a failed call must leave as they were. */
static int
stats_same(const struct rte_vmap_stats *a, const struct rte_vmap_stats *b)
{
	return a->va_used == b->va_used && a->nr_windows == b->nr_windows &&
		a->mem_used == b->mem_used && a->va_lazy == b->va_lazy;
}

static int
test_alloc_rounds_and_aligns(void)
{
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65536, 100000, 2 << 20,
		(2 << 20) + 1, 32 << 20 };
	static const size_t aligns[] = { 0, 4096, 8192, 65536, 1 << 20, 2 << 20 };
	struct rte_vmap_window w;
	unsigned int i, j;
	char *p;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		for (j = 0; j < RTE_DIM(aligns); j++) {
			p = rte_vmap_alloc(vm, sizes[i], aligns[j], SOCKET_ID_ANY);
			TEST_ASSERT_NOT_NULL(p, "alloc %zu/%zu failed: %d", sizes[i], aligns[j],
				rte_errno);
			TEST_ASSERT_EQUAL((uintptr_t)p % RTE_MAX(aligns[j], (size_t)4096), 0,
				"%p not aligned to %zu", p, aligns[j]);
			TEST_ASSERT_SUCCESS(rte_vmap_find(vm, p, &w), "find failed");
			TEST_ASSERT_EQUAL(w.size, RTE_ALIGN_CEIL(sizes[i], (size_t)4096),
				"size %zu for %zu", w.size, sizes[i]);
			TEST_ASSERT_EQUAL(w.va, (void *)p, "find start");
			TEST_ASSERT_EQUAL(w.from_block, 0, "not a block window");
			/* The memory is there: first and last byte. */
			p[0] = 1;
			p[w.size - 1] = 2;
			/* AUTO follows EAL: its own translation must agree. */
			TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, p + w.size - 1),
				rte_mem_virt2iova(p + w.size - 1), "virt2iova of the last byte");
			TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, p), w.iova, "iova of the start");
			TEST_ASSERT_SUCCESS(rte_vmap_free(vm, p), "free failed");
			TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, p), RTE_BAD_IOVA,
				"freed window still translates");
		}
	}
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_alloc_misuse_einval_nothing_changes(void)
{
	struct rte_vmap_stats before, after;

	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	TEST_ASSERT_NULL(rte_vmap_alloc(NULL, 4096, 0, SOCKET_ID_ANY), "NULL space");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 0, 0, SOCKET_ID_ANY), "size 0");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 4096, 3, SOCKET_ID_ANY), "align 3");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 4096, (size_t)1 << 40, SOCKET_ID_ANY), "align 1T");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, SIZE_MAX, 0, SOCKET_ID_ANY), "size overflow");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 4096, 0, 77), "socket 77");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
	TEST_ASSERT(stats_same(&before, &after), "a failed alloc changed the stats");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_free_misuse_enoent_nothing_changes(void)
{
	struct rte_vmap_stats before, after;
	struct rte_vmap_window w;
	char *p, *b;

	p = rte_vmap_alloc(vm, 3 * 4096, 0, SOCKET_ID_ANY);
	b = rte_vmap_block_alloc(vm, 4096);
	TEST_ASSERT(p != NULL && b != NULL, "alloc failed");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");

	TEST_ASSERT_EQUAL(rte_vmap_free(vm, NULL), 0, "NULL is a no-op");
	TEST_ASSERT_EQUAL(rte_vmap_free(NULL, p), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, p + 4096), -ENOENT, "interior pointer");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, p + 1), -ENOENT, "unaligned interior pointer");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (void *)&w), -ENOENT, "outside the space");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, b), -EINVAL, "block window through free");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, p, 4096), -EINVAL, "normal window as block");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, b, 8192), -EINVAL, "block size mismatch");

	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &after), "stats");
	TEST_ASSERT(stats_same(&before, &after), "a failed free changed the stats");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, p + 5000, &w), "window lost");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, b, &w), "block window lost");
	TEST_ASSERT_EQUAL(w.from_block, 1, "from_block");
	VMAP_TEST_VERIFY(vm);

	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, p), "free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, p), -ENOENT, "double free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, 4000), "block free, same rounding");
	TEST_ASSERT_EQUAL(rte_vmap_block_free(vm, b, 4096), -ENOENT, "block double free");
	TEST_ASSERT_EQUAL(rte_vmap_find(vm, p, &w), -ENOENT, "found after free");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_block_api_limits(void)
{
	size_t max = rte_vmap_block_max(vm);
	void *b;

	TEST_ASSERT(max >= 4096, "block max %zu", max);
	TEST_ASSERT_EQUAL(rte_vmap_block_max(NULL), 0, "block max of NULL");
	TEST_ASSERT_NULL(rte_vmap_block_alloc(vm, 0), "size 0");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_block_alloc(vm, max + 1), "over block max");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);
	b = rte_vmap_block_alloc(vm, max);
	TEST_ASSERT_NOT_NULL(b, "block of block max");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, b, max), "free it");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_small_windows_share_backing_page(void)
{
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct rte_vmap *sh;
	char *a, *b;

	vmap_test_params(&p, "alloc_share");
	if (p.page_size != RTE_VMAP_PAGE_2M) {
		printf("no hugepages: nothing shared\n");
		return TEST_SKIPPED;
	}
	sh = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(sh, "create: %d", rte_errno);
	a = rte_vmap_alloc(sh, 4096, 0, SOCKET_ID_ANY);
	b = rte_vmap_alloc(sh, 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT(a != NULL && b != NULL, "alloc failed");
	TEST_ASSERT_EQUAL(RTE_ALIGN_FLOOR((uintptr_t)a, 2 << 20),
		RTE_ALIGN_FLOOR((uintptr_t)b, 2 << 20), "lowest fit put them apart");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(sh, &st), "stats");
	TEST_ASSERT_EQUAL(st.mem_used, (uint64_t)2 << 20, "two 4K windows hold %" PRIu64,
		st.mem_used);
	TEST_ASSERT_SUCCESS(rte_vmap_free(sh, a), "free a");
	b[4095] = 7; /* b's page is still there */
	VMAP_TEST_VERIFY(sh);
	TEST_ASSERT_SUCCESS(rte_vmap_free(sh, b), "free b");
	VMAP_TEST_VERIFY(sh);
	rte_vmap_destroy(sh);
	return TEST_SUCCESS;
}

static int
test_lazy_range_reused_only_after_purge(void)
{
	void *a, *b, *c;

	a = rte_vmap_alloc(vm, 8 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
	/* Lazily freed: never handed out again before the purge that flushes it. */
	b = rte_vmap_alloc(vm, 8 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(b, "alloc");
	TEST_ASSERT_NOT_EQUAL(a, b, "a lazily freed range was reused before its purge");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, b), "free");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	/* After the purge both sit in the node pool, ready: the next alloc takes one. */
	c = rte_vmap_alloc(vm, 8 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT(c == a || c == b, "the node pool did not serve a purged range");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, c), "free");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

/* Bytes in the pools of every node of vm. */
static uint64_t
pooled_bytes(struct rte_vmap *space)
{
	struct vmap_node_usage u;
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < space->nr_nodes; i++) {
		rte_spinlock_lock(&space->nodes[i].busy_lock);
		vmap_node_usage(&space->nodes[i], &u);
		rte_spinlock_unlock(&space->nodes[i].busy_lock);
		sum += u.pooled;
	}
	return sum;
}

/*
 * Pools idle between two purges, holding more than the decay floor (one
 * purge batch per node), give back 1/2^pool_decay_shift of what they held
 * at each purge: their ranges go back to the free tree with their memory.
 */
static int
test_purge_decays_idle_pools(void)
{
	struct rte_vmap_stats st0, st1;
	struct rte_vmap_params p;
	struct rte_vmap *space;
	uint64_t pooled0, pooled1, floor;
	void *w[256];
	unsigned int i;

	vmap_test_params_4k(&p, "alloc_decay");
	/* 4 KiB pages: no window shares a page, memory follows the ranges. */
	p.nr_nodes = 1;
	p.lazy_max = 1 << 20;
	space = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(space, "create: %d", rte_errno);
	for (i = 0; i < RTE_DIM(w); i++) {
		w[i] = rte_vmap_alloc(space, 4 * 4096, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(w[i], "alloc %u: %d", i, rte_errno);
	}
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(space, w[i]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(space), "purge");
	pooled0 = pooled_bytes(space);
	floor = space->nodes[0].decay_floor;
	/* Else nothing would decay, and a pool that never decays would pass. */
	TEST_ASSERT(pooled0 > floor, "pooled %" PRIu64 " bytes, not above the decay floor %"
		PRIu64, pooled0, floor);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(space, &st0), "stats");
	/* No alloc between: the first purge marks the pools idle, the second decays. */
	TEST_ASSERT_SUCCESS(rte_vmap_purge(space), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(space), "purge");
	pooled1 = pooled_bytes(space);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(space, &st1), "stats");
	TEST_ASSERT(pooled1 <= pooled0 - (pooled0 >> RTE_VMAP_POOL_DECAY_SHIFT),
		"idle pools kept %" PRIu64 " of %" PRIu64 " bytes over two purges", pooled1,
		pooled0);
	TEST_ASSERT(st1.mem_used + (pooled0 - pooled1) <= st0.mem_used,
		"mem_used %" PRIu64 " -> %" PRIu64 ": decayed ranges kept their memory",
		st0.mem_used, st1.mem_used);
	VMAP_TEST_VERIFY(space);
	rte_vmap_destroy(space);
	TEST_ASSERT_EQUAL(rte_vmap_purge(NULL), -EINVAL, "purge NULL");
	return TEST_SUCCESS;
}

/*
 * After a workload leaves memory in pools, chunks and an idle per-lcore
 * block, rte_vmap_trim() gives all of it back: the space's mem_used falls
 * to 0 with no window live, and this process maps that many fewer bytes of
 * hugepages (its own count: tests running beside it move the system's).
 */
static int
test_trim_gives_back_pooled_memory(void)
{
	struct rte_vmap_stats st0, st1;
	struct rte_vmap_params p;
	struct rte_vmap *space;
	unsigned long hp0, hp1, sys0, sys1;
	void *w[64], *b[16];
	int64_t released;
	unsigned int i;
	bool all;

	vmap_test_params(&p, "alloc_trim");
	space = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(space, "create: %d", rte_errno);
	/* Fixed 64 KiB alignment, 4 KiB to 1 MiB, and block windows on this lcore. */
	for (i = 0; i < RTE_DIM(w); i++) {
		w[i] = rte_vmap_alloc(space, (size_t)4096 << (i % 9), 64 << 10, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(w[i], "alloc %u: %d", i, rte_errno);
	}
	for (i = 0; i < RTE_DIM(b); i++) {
		b[i] = rte_vmap_block_alloc(space, 4096 * (i % 4 + 1));
		TEST_ASSERT_NOT_NULL(b[i], "block alloc %u: %d", i, rte_errno);
	}
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(space, w[i]), "free");
	for (i = 0; i < RTE_DIM(b); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(space, b[i], 4096 * (i % 4 + 1)), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(space), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(space, &st0), "stats");
	TEST_ASSERT(st0.nr_windows == 0 && st0.mem_used > 0, "%" PRIu64 " windows, %" PRIu64
		" bytes held after the purge: nothing for a trim to do", st0.nr_windows,
		st0.mem_used);
	hp0 = vmap_test_process_hugetlb_kb();
	sys0 = vmap_test_free_hugepages();

	released = rte_vmap_trim(space);
	hp1 = vmap_test_process_hugetlb_kb();
	sys1 = vmap_test_free_hugepages();
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(space, &st1), "stats");
	printf("trim: %" PRId64 " bytes released; mem_used %" PRIu64 " -> %" PRIu64
		"; this process's hugepages %lu -> %lu kB; system free 2 MiB pages %lu -> %lu\n",
		released, st0.mem_used, st1.mem_used, hp0, hp1, sys0, sys1);
	TEST_ASSERT(released > 0 && (uint64_t)released == st0.mem_used - st1.mem_used,
		"trim returned %" PRId64 ", mem_used fell by %" PRIu64, released,
		st0.mem_used - st1.mem_used);
	/* Without membarrier an idle block goes only after its owner's next call. */
	all = space->blocks == NULL || space->blocks->barrier;
	TEST_ASSERT(!all || (st1.mem_used == 0 && st1.nr_blocks == 0), "trim left %" PRIu64
		" bytes, %" PRIu64 " blocks", st1.mem_used, st1.nr_blocks);
	if (p.page_size != RTE_VMAP_PAGE_4K)
		TEST_ASSERT(hp1 + (uint64_t)released / 1024 <= hp0, "process hugepages %lu -> %lu"
			" kB after %" PRId64 " bytes released", hp0, hp1, released);
	VMAP_TEST_VERIFY(space);
	TEST_ASSERT_EQUAL(rte_vmap_trim(space), 0, "a second trim found more to give back");
	/* The space goes on: pages fault in again. */
	w[0] = rte_vmap_alloc(space, 3 * 4096, 64 << 10, SOCKET_ID_ANY);
	b[0] = rte_vmap_block_alloc(space, 4096);
	TEST_ASSERT(w[0] != NULL && b[0] != NULL, "alloc after trim: %d", rte_errno);
	memset(w[0], 0x5a, 3 * 4096);
	VMAP_TEST_VERIFY(space);
	TEST_ASSERT_SUCCESS(rte_vmap_free(space, w[0]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(space, b[0], 4096), "free");
	rte_vmap_destroy(space);
	TEST_ASSERT_EQUAL(rte_vmap_trim(NULL), -EINVAL, "trim NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno after trim NULL");
	return TEST_SUCCESS;
}

/* An alloc that finds the VA fragmented into pools drains them and succeeds. */
static int
test_pressure_drains_pools(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *small;
	void *w[256], *big;
	unsigned int i, n = 0;

	vmap_test_params_4k(&p, "alloc_small");
	p.va_size = 1 << 20;
	small = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(small, "create: %d", rte_errno);
	while (n < RTE_DIM(w) && (w[n] = rte_vmap_alloc(small, 4096, 0, SOCKET_ID_ANY)) != NULL)
		n++;
	TEST_ASSERT_EQUAL(n, 256u, "1 MiB holds 256 windows of 4 KiB, got %u", n);
	TEST_ASSERT_NULL(rte_vmap_alloc(small, 4096, 0, SOCKET_ID_ANY), "full space");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d", rte_errno);
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(small, w[i]), "free");
	VMAP_TEST_VERIFY(small);
	/* Everything sits in pools now; a 1 MiB window needs it merged. */
	big = rte_vmap_alloc(small, 1 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(big, "pressure did not drain the pools: %d", rte_errno);
	VMAP_TEST_VERIFY(small);
	TEST_ASSERT_SUCCESS(rte_vmap_free(small, big), "free big");
	rte_vmap_destroy(small);
	return TEST_SUCCESS;
}

static int
test_mem_limit_enomem_nothing_leaked(void)
{
	struct rte_vmap_stats before, after;
	struct rte_vmap_params p;
	struct rte_vmap *lim;
	void *a, *b;

	vmap_test_params(&p, "alloc_limit");
	p.mem_limit = 2 * p.page_size * 256 > (4 << 20) ? 4 << 20 : 2 * p.page_size;
	lim = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(lim, "create: %d", rte_errno);
	a = rte_vmap_alloc(lim, p.mem_limit / 2, 0, SOCKET_ID_ANY);
	b = rte_vmap_alloc(lim, p.mem_limit / 2, 0, SOCKET_ID_ANY);
	TEST_ASSERT(a != NULL && b != NULL, "allocs within the limit failed");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(lim, &before), "stats");
	TEST_ASSERT_NULL(rte_vmap_alloc(lim, p.mem_limit, 0, SOCKET_ID_ANY), "over the limit");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(lim, &after), "stats");
	TEST_ASSERT(stats_same(&before, &after), "failed alloc changed the stats");
	TEST_ASSERT(after.mem_used <= p.mem_limit, "mem_used %" PRIu64 " over limit",
		after.mem_used);
	VMAP_TEST_VERIFY(lim);
	TEST_ASSERT_SUCCESS(rte_vmap_free(lim, a), "free");
	/* a's memory sits in a pool; pressure gives it back for this one. */
	a = rte_vmap_alloc(lim, p.mem_limit / 2 + 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT(a != NULL || rte_errno == ENOMEM, "errno %d", rte_errno);
	VMAP_TEST_VERIFY(lim);
	rte_vmap_destroy(lim);
	return TEST_SUCCESS;
}

/*
 * vmap nodes (the kernel's addr_to_node()): a window running over several
 * zones is found from any of them.
 */
static int
test_window_spanning_zones_found_by_interior_address(void)
{
	struct rte_vmap_params p;
	struct rte_vmap_window w;
	struct rte_vmap *sh;
	char *pad, *big;
	size_t off;

	vmap_test_params(&p, "alloc_span");
	p.nr_nodes = 4;
	sh = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(sh, "create: %d", rte_errno);
	/* Start the big window in the middle of a zone. */
	pad = rte_vmap_alloc(sh, 3 * 4096, 0, SOCKET_ID_ANY);
	big = rte_vmap_alloc(sh, 1 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT(pad != NULL && big != NULL, "alloc");
	for (off = 0; off < (1 << 20); off += 4096 * 3 + 5) {
		TEST_ASSERT_SUCCESS(rte_vmap_find(sh, big + off, &w), "offset %zu not found", off);
		TEST_ASSERT_EQUAL(w.va, (void *)big, "offset %zu found another window", off);
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(sh, big + off), w.iova + off, "iova");
	}
	TEST_ASSERT_EQUAL(rte_vmap_find(sh, big + (1 << 20), &w), -ENOENT, "one past the end");
	TEST_ASSERT_SUCCESS(rte_vmap_find(sh, pad + 4096, &w), "pad interior");
	TEST_ASSERT_EQUAL(w.va, (void *)pad, "pad");
	TEST_ASSERT(w.node < 4, "node %u", w.node);
	VMAP_TEST_VERIFY(sh);
	rte_vmap_destroy(sh);
	return TEST_SUCCESS;
}

static int
test_find_misuse(void)
{
	struct rte_vmap_window w = { 0 };

	TEST_ASSERT_EQUAL(rte_vmap_find(NULL, &w, &w), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_find(vm, &w, NULL), -EINVAL, "NULL window");
	TEST_ASSERT_EQUAL(rte_vmap_find(vm, &w, &w), -ENOENT, "outside");
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(NULL, &w), RTE_BAD_IOVA, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, &w), RTE_BAD_IOVA, "outside");
	return TEST_SUCCESS;
}

static int
test_dump_lists_windows(void)
{
	char *buf = NULL, addr[32];
	size_t len = 0;
	FILE *f;
	void *p;

	p = rte_vmap_alloc(vm, 5 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(p, "alloc");
	f = open_memstream(&buf, &len);
	TEST_ASSERT_NOT_NULL(f, "memstream");
	rte_vmap_dump(f, vm);
	fclose(f);
	snprintf(addr, sizeof(addr), "0x%016" PRIxPTR, (uintptr_t)p);
	TEST_ASSERT_NOT_NULL(strstr(buf, addr), "dump does not list %s:\n%s", addr, buf);
	TEST_ASSERT_NOT_NULL(strstr(buf, "alloc_ut"), "dump does not name the space");
	free(buf);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, p), "free");
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_alloc_suite = {
	.suite_name = "vmap windows",
	.setup = space_setup,
	.teardown = space_teardown,
	.unit_test_cases = {
		TEST_CASE(test_alloc_rounds_and_aligns),
		TEST_CASE(test_alloc_misuse_einval_nothing_changes),
		TEST_CASE(test_free_misuse_enoent_nothing_changes),
		TEST_CASE(test_block_api_limits),
		TEST_CASE(test_small_windows_share_backing_page),
		TEST_CASE(test_lazy_range_reused_only_after_purge),
		TEST_CASE(test_purge_decays_idle_pools),
		TEST_CASE(test_trim_gives_back_pooled_memory),
		TEST_CASE(test_pressure_drains_pools),
		TEST_CASE(test_mem_limit_enomem_nothing_leaked),
		TEST_CASE(test_window_spanning_zones_found_by_interior_address),
		TEST_CASE(test_find_misuse),
		TEST_CASE(test_dump_lists_windows),
		TEST_CASES_END()
	}
};

static int
test_vmap_alloc(void)
{
	return unit_test_suite_runner(&vmap_alloc_suite);
}

REGISTER_FAST_TEST(vmap_alloc_autotest, NOHUGE_OK, ASAN_OK, test_vmap_alloc);
