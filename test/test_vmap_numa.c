/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * NUMA placement on the machine's real topology, page by page: every
 * backing page's node is read back with move_pages(2) in query mode.
 * Meant for the multi-node guests of devtools/vm/ (test/vm/numa-tests.sh);
 * on a one-node machine they run too and check node 0.
 *
 * vmap_numa_autotest
 *   2 MiB and 4 KiB spaces (the machine's sockets; 3 nodes give the
 *   non-power-of-two arena split): windows of several sizes on every
 *   socket, SOCKET_ID_ANY windows and block windows from an lcore on every
 *   node (remote lcores launched), an mbuf pool on every socket. Every
 *   page of a window is on one node, that node is the socket asked for
 *   (SOCKET_ID_ANY and blocks: the lcore's), and rte_vmap_find() reports
 *   it. Prints the pages checked and the misplaced ones (the target: 0).
 * vmap_numa_strict_autotest
 *   The last node's free 2 MiB hugepages taken by a bound hugetlb mapping
 *   of the test's own: a window asked for that socket fails with ENOMEM
 *   and leaves nothing behind (hugetlb memory of the process, mem_used,
 *   verify); SOCKET_ID_ANY from that node's lcore falls back to another
 *   socket and rte_vmap_find() reports the node its pages are on; once
 *   the pages are given back, the socket serves again. Needs 2 nodes
 *   with 2 MiB hugepages; skips with the reason otherwise.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numa.h>
#include <numaif.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_vmap.h>
#include <rte_vmap_mempool.h>

#include "test.h"
#include "vmap_test_util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define NUMA_MAX_PAGES 4096     /* pages queried in one move_pages() call */
#define NUMA_BLOCK_WINDOWS 64   /* block windows per lcore */
#define NUMA_POOL_MBUFS 1023

/* Pages checked and found wrong, over a test (or one lcore's part of it). */
struct numa_tally {
	uint64_t pages;
	uint64_t misplaced;  /* on a node other than the one expected */
	uint64_t split;      /* windows whose pages are on several nodes */
	uint64_t find_wrong; /* rte_vmap_find() reporting another socket */
};

static struct numa_tally total;

static void
tally_add(struct numa_tally *to, const struct numa_tally *t)
{
	to->pages += t->pages;
	to->misplaced += t->misplaced;
	to->split += t->split;
	to->find_wrong += t->find_wrong;
}

static int
tally_result(const char *what, const struct numa_tally *t)
{
	printf("%s: %" PRIu64 " pages checked, %" PRIu64 " misplaced, %" PRIu64
		" windows split over nodes, %" PRIu64 " wrong rte_vmap_find() sockets\n",
		what, t->pages, t->misplaced, t->split, t->find_wrong);
	tally_add(&total, t);
	if (t->pages == 0 || t->misplaced != 0 || t->split != 0 || t->find_wrong != 0)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

/*
 * Node of every backing page of [va, va + len) (page_size pages): the one
 * node they share, -2 if they are on several, -1 if one cannot be read.
 */
static int
range_node(const void *va, size_t len, size_t page_size, struct numa_tally *t)
{
	void *pages[NUMA_MAX_PAGES];
	int status[NUMA_MAX_PAGES];
	uintptr_t a = RTE_ALIGN_FLOOR((uintptr_t)va, page_size);
	uintptr_t end = (uintptr_t)va + len;
	int node = -3;
	unsigned int n, i;

	while (a < end) {
		for (n = 0; n < NUMA_MAX_PAGES && a < end; n++, a += page_size)
			pages[n] = (void *)a;
		if (move_pages(0, n, pages, NULL, status, 0) != 0) {
			printf("move_pages(%u pages at %p): %s\n", n, pages[0], strerror(errno));
			return -1;
		}
		t->pages += n;
		for (i = 0; i < n; i++) {
			if (status[i] < 0) {
				printf("page %p: no node (%s)\n", pages[i], strerror(-status[i]));
				return -1;
			}
			if (node == -3)
				node = status[i];
			else if (node != status[i])
				node = -2;
		}
	}
	return node;
}

/* One window: all pages on one node, that node want (if >= 0), and find() agrees. */
static void
check_window(struct rte_vmap *vm, const void *va, size_t len, size_t page_size, int want,
	struct numa_tally *t)
{
	struct rte_vmap_window w;
	uint64_t before = t->pages;
	int node = range_node(va, len, page_size, t);

	if (node == -2) {
		t->split++;
		printf("window %p (%zu bytes): pages on several nodes\n", va, len);
		return;
	}
	if (node < 0 || (want >= 0 && node != want)) {
		t->misplaced += node < 0 ? 1 : t->pages - before;
		printf("window %p (%zu bytes): on node %d, asked for %d\n", va, len, node, want);
		return;
	}
	if (rte_vmap_find(vm, va, &w) != 0 || w.socket_id != node) {
		t->find_wrong++;
		printf("window %p: rte_vmap_find() says socket %d, its pages are on node %d\n",
			va, w.socket_id, node);
	}
}

static struct rte_vmap *
numa_space(const char *name, size_t page_size)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.page_size = page_size;
	p.iova_mode = vmap_test_iova_mode(page_size);
	return rte_vmap_create(&p);
}

static const size_t window_sizes[] = {
	4096, 12288, 65536, 1 << 20, 2 << 20, (2 << 20) + 4096, 8 << 20,
};

/* Windows of every size on socket want (SOCKET_ID_ANY: expect expect), freed after. */
static void
windows_on(struct rte_vmap *vm, size_t page_size, int socket_id, int expect,
	struct numa_tally *t)
{
	void *va[2 * RTE_DIM(window_sizes)];
	unsigned int i, n = 0;

	for (i = 0; i < RTE_DIM(va); i++) {
		size_t size = window_sizes[i % RTE_DIM(window_sizes)];

		va[n] = rte_vmap_alloc(vm, size, i & 1 ? 2 << 20 : 0, socket_id);
		if (va[n] == NULL) {
			t->misplaced++;
			printf("alloc of %zu bytes on socket %d: %s\n", size, socket_id,
				rte_strerror(rte_errno));
			continue;
		}
		check_window(vm, va[n], size, page_size, expect, t);
		n++;
	}
	for (i = 0; i < n; i++)
		rte_vmap_free(vm, va[i]);
}

/* What an lcore does: ANY windows and block windows, expected on its socket. */
struct lcore_job {
	struct rte_vmap *vm;
	size_t page_size;
	struct numa_tally t;
};

static int
lcore_windows(void *arg)
{
	struct lcore_job *job = arg;
	int want = (int)rte_socket_id();
	void *blk[NUMA_BLOCK_WINDOWS];
	unsigned int i, n = 0;

	windows_on(job->vm, job->page_size, SOCKET_ID_ANY, want, &job->t);
	for (i = 0; i < NUMA_BLOCK_WINDOWS; i++) {
		size_t size = 4096 << (i % 4);

		blk[n] = rte_vmap_block_alloc(job->vm, size);
		if (blk[n] == NULL) {
			job->t.misplaced++;
			printf("lcore %u: block alloc of %zu: %s\n", rte_lcore_id(), size,
				rte_strerror(rte_errno));
			continue;
		}
		check_window(job->vm, blk[n], size, job->page_size, want, &job->t);
		n++;
	}
	for (i = 0; i < n; i++)
		rte_vmap_block_free(job->vm, blk[i], 4096 << (i % 4));
	return 0;
}

struct pool_check {
	struct rte_vmap *vm;
	size_t page_size;
	int want;
	struct numa_tally *t;
};

static void
pool_obj_check(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	struct pool_check *pc = opaque;
	struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	check_window(pc->vm, m, sizeof(*m), pc->page_size, pc->want, pc->t);
	check_window(pc->vm, m->buf_addr, m->buf_len, pc->page_size, pc->want, pc->t);
}

static int
pool_on(struct rte_vmap *vm, size_t page_size, int socket_id, struct numa_tally *t)
{
	struct pool_check pc = { vm, page_size, socket_id, t };
	struct rte_mempool *mp;
	char name[RTE_MEMPOOL_NAMESIZE];

	/* Short fields: a socket id and a page size in KiB fit the pool name. */
	snprintf(name, sizeof(name), "numa_mp_%u_%u", (unsigned int)socket_id & 0xff,
		(unsigned int)(page_size >> 10) & 0xfffff);
	mp = rte_vmap_pktmbuf_pool_create(name, NUMA_POOL_MBUFS, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, vm, socket_id);
	if (mp == NULL) {
		printf("mbuf pool on socket %d: %s\n", socket_id, rte_strerror(rte_errno));
		return -1;
	}
	rte_mempool_obj_iter(mp, pool_obj_check, &pc);
	rte_mempool_free(mp);
	return 0;
}

/* Everything of vmap_numa_autotest on one space. */
static int
placement_on(const char *name, size_t page_size)
{
	struct lcore_job job[RTE_MAX_LCORE];
	struct numa_tally t = { 0 };
	struct rte_vmap *vm;
	unsigned int i, lcore;
	int socket, ret = TEST_SUCCESS;

	vm = numa_space(name, page_size);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %s", name, rte_strerror(rte_errno));
	for (i = 0; i < rte_socket_count(); i++) {
		socket = rte_socket_id_by_idx(i);
		windows_on(vm, page_size, socket, socket, &t);
		if (pool_on(vm, page_size, socket, &t) != 0)
			ret = TEST_FAILED;
	}
	memset(job, 0, sizeof(job));
	RTE_LCORE_FOREACH_WORKER(lcore) {
		job[lcore].vm = vm;
		job[lcore].page_size = page_size;
		if (rte_eal_remote_launch(lcore_windows, &job[lcore], lcore) != 0)
			ret = TEST_FAILED;
	}
	lcore = rte_get_main_lcore();
	job[lcore].vm = vm;
	job[lcore].page_size = page_size;
	lcore_windows(&job[lcore]);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH(lcore)
		tally_add(&t, &job[lcore].t);
	if (rte_vmap_verify(vm) != 0)
		ret = TEST_FAILED;
	rte_vmap_destroy(vm);
	printf("%s: %u sockets, %u lcores\n", name, rte_socket_count(), rte_lcore_count());
	if (tally_result(name, &t) != TEST_SUCCESS)
		ret = TEST_FAILED;
	return ret;
}

static int
test_placement_2m(void)
{
	if (vmap_test_free_hugepages() < 64 * rte_socket_count()) {
		printf("fewer than %u free 2 MiB hugepages: not checked\n",
			64 * rte_socket_count());
		return TEST_SKIPPED;
	}
	return placement_on("numa_2m", RTE_VMAP_PAGE_2M);
}

static int
test_placement_4k(void)
{
	return placement_on("numa_4k", RTE_VMAP_PAGE_4K);
}

static int
numa_usable(void)
{
	if (numa_available() < 0 || get_mempolicy(NULL, NULL, 0, NULL, 0) < 0) {
		printf("no NUMA policy calls here: placement cannot be read back\n");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
numa_setup(void)
{
	memset(&total, 0, sizeof(total));
	return numa_usable();
}

static void
numa_teardown(void)
{
	printf("placement total: %" PRIu64 " pages checked, %" PRIu64 " misplaced\n",
		total.pages, total.misplaced);
}

static struct unit_test_suite vmap_numa_suite = {
	.suite_name = "vmap NUMA placement",
	.setup = numa_setup,
	.teardown = numa_teardown,
	.unit_test_cases = {
		TEST_CASE(test_placement_2m),
		TEST_CASE(test_placement_4k),
		TEST_CASES_END()
	}
};

static int
test_vmap_numa(void)
{
	return unit_test_suite_runner(&vmap_numa_suite);
}

/* test/vm/numa-tests.sh, --nodes 2-4; on one node it checks node 0 only. */
REGISTER_VM_TEST(vmap_numa_autotest, test_vmap_numa);

/* ---- strictness: a socket whose hugepages are used up ------------------------ */

static unsigned long
node_free_2m(int node)
{
	char path[128];
	unsigned long nr = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		"/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/free_hugepages", node);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%lu", &nr) != 1)
			nr = 0;
		fclose(f);
	}
	return nr;
}

/* Take every free 2 MiB hugepage of node: a bound, populated mapping (*len set). */
static void *
hog_node(int node, size_t *len)
{
	unsigned long mask = 1UL << node;
	void *p;

	*len = node_free_2m(node) << 21;
	if (*len == 0)
		return NULL;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, *len, MPOL_BIND, &mask, sizeof(mask) * 8, 0) != 0 ||
			madvise(p, *len, MADV_POPULATE_WRITE) != 0) {
		printf("cannot take node %d's hugepages: %s\n", node, strerror(errno));
		munmap(p, *len);
		return NULL;
	}
	return p;
}

/* The first lcore on a socket, or RTE_MAX_LCORE. */
static unsigned int
lcore_on(int socket)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH(lcore)
		if ((int)rte_lcore_to_socket_id(lcore) == socket)
			return lcore;
	return RTE_MAX_LCORE;
}

struct any_job {
	struct rte_vmap *vm;
	void *va;
	int err;
};

static int
any_alloc(void *arg)
{
	struct any_job *job = arg;

	job->va = rte_vmap_alloc(job->vm, 2 << 20, 0, SOCKET_ID_ANY);
	job->err = job->va == NULL ? rte_errno : 0;
	return 0;
}

static int
test_full_socket_strict(void)
{
	int full = rte_socket_id_by_idx(rte_socket_count() - 1);
	unsigned int lcore = lcore_on(full);
	struct any_job job = { 0 };
	struct rte_vmap_stats before, after;
	struct numa_tally t = { 0 };
	struct rte_vmap *vm;
	unsigned long kb;
	size_t hog_len;
	void *hog, *va;

	if (rte_socket_count() < 2 || numa_max_node() < full) {
		printf("one NUMA node: no other socket to fall back to\n");
		return TEST_SKIPPED;
	}
	if (node_free_2m(full) == 0 || node_free_2m(rte_socket_id_by_idx(0)) < 16) {
		printf("2 MiB hugepages missing on node %d or %d\n", full,
			rte_socket_id_by_idx(0));
		return TEST_SKIPPED;
	}
	vm = numa_space("numa_strict", RTE_VMAP_PAGE_2M);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	hog = hog_node(full, &hog_len);
	if (hog == NULL) {
		rte_vmap_destroy(vm);
		TEST_ASSERT(0, "cannot use up node %d's hugepages", full);
	}
	printf("node %d: %zu MiB of hugepages taken, %lu free\n", full, hog_len >> 20,
		node_free_2m(full));

	/* Explicit socket: ENOMEM, nothing kept. */
	kb = vmap_test_process_hugetlb_kb();
	rte_vmap_stats_get(vm, &before);
	va = rte_vmap_alloc(vm, 2 << 20, 0, full);
	rte_vmap_stats_get(vm, &after);
	if (va != NULL)
		check_window(vm, va, 2 << 20, RTE_VMAP_PAGE_2M, full, &t);
	TEST_ASSERT_NULL(va, "window on full socket %d got memory (%" PRIu64 " misplaced)",
		full, t.misplaced);
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "rte_errno %d, not ENOMEM", rte_errno);
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), kb, "hugetlb kB %lu -> %lu", kb,
		vmap_test_process_hugetlb_kb());
	TEST_ASSERT_EQUAL(after.mem_used, before.mem_used, "mem_used %" PRIu64 " -> %" PRIu64,
		before.mem_used, after.mem_used);
	VMAP_TEST_VERIFY(vm);
	printf("socket %d full: explicit window refused with ENOMEM, nothing kept\n", full);

	/* SOCKET_ID_ANY from the full node's lcore: another socket, reported. */
	job.vm = vm;
	if (lcore == rte_lcore_id() || lcore == RTE_MAX_LCORE) {
		any_alloc(&job);
	} else {
		TEST_ASSERT_SUCCESS(rte_eal_remote_launch(any_alloc, &job, lcore), "launch");
		rte_eal_wait_lcore(lcore);
	}
	TEST_ASSERT_NOT_NULL(job.va, "SOCKET_ID_ANY with socket %d full: %s", full,
		rte_strerror(job.err));
	check_window(vm, job.va, 2 << 20, RTE_VMAP_PAGE_2M, -1, &t);
	{
		struct rte_vmap_window w;

		TEST_ASSERT_SUCCESS(rte_vmap_find(vm, job.va, &w), "find");
		TEST_ASSERT(w.socket_id != full, "SOCKET_ID_ANY window reports full socket %d",
			full);
		printf("SOCKET_ID_ANY from lcore %u (socket %d) fell back to socket %d\n",
			lcore, full, w.socket_id);
	}
	rte_vmap_free(vm, job.va);

	/* The pages given back: the socket serves again. */
	munmap(hog, hog_len);
	va = rte_vmap_alloc(vm, 2 << 20, 0, full);
	TEST_ASSERT_NOT_NULL(va, "socket %d after its pages came back: %s", full,
		rte_strerror(rte_errno));
	check_window(vm, va, 2 << 20, RTE_VMAP_PAGE_2M, full, &t);
	rte_vmap_free(vm, va);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return tally_result("strict", &t);
}

static struct unit_test_suite vmap_numa_strict_suite = {
	.suite_name = "vmap NUMA strictness",
	.setup = numa_setup,
	.teardown = numa_teardown,
	.unit_test_cases = {
		TEST_CASE(test_full_socket_strict),
		TEST_CASES_END()
	}
};

static int
test_vmap_numa_strict(void)
{
	return unit_test_suite_runner(&vmap_numa_strict_suite);
}

REGISTER_VM_TEST(vmap_numa_strict_autotest, test_vmap_numa_strict);
