/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * 1 GiB backing pages on the host (issue 14, item 2).
 *
 * vmap_1g_autotest: spaces with page_size RTE_VMAP_PAGE_1G. Small windows
 * share one page (it stays while any of them lives and goes back to the
 * kernel once the last is freed and trimmed: mem_used and the process's
 * HugetlbPages say so), block windows, size-class pools, virt2iova in VA and
 * PA mode (PA: /proc/self/pagemap's frame), EXTMEM memsegs of 1 GiB, a vmap
 * mbuf pool, and running out of 1 GiB pages (ENOMEM, nothing leaked). Then
 * the bad input: page_size 1 GiB with no 1 GiB pages reserved fails with
 * ENOTSUP and one log line naming the cause and the fix.
 *
 * vmap_1g_perf_autotest: alloc+free pairs on a 1 GiB-page space against a
 * 2 MiB-page space in the same run, and the metadata per 1 GiB of windows
 * (the PERF lines of test_vmap_perf.c).
 *
 * The library maps its backing with mmap(MAP_HUGETLB | MAP_HUGE_1GB): no
 * hugetlbfs mount is needed, and EAL keeps its own (2 MiB) pages. Reserving
 * 1 GiB pages changes the whole host, so both commands are in the serial
 * host-tests suite: the suite set-up reserves the pages it needs (unless
 * enough are free already) and the teardown puts nr_hugepages back; when
 * the pages cannot be had, the command skips and prints why. EAL 22.11 in
 * --in-memory mode takes free 1 GiB pages too (anonymously, without a mount:
 * seen here, a parallel mempool test's heap got one): while the suite holds
 * its reservation, an EAL process started anywhere on the host may take the
 * pages. That is one more reason it runs alone, and why devtools/setup.sh
 * does not reserve 1 GiB pages for good.
 *
 * In a QEMU guest (test/vm/hugepage-1g-tests.sh, run.sh --hugepages-1g 2)
 * the set-up finds the pages the guest reserved at boot free and uses them
 * as they are; the teardown then has nothing to put back.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_vmap.h>
#include <rte_vmap_mempool.h>

#include "test.h"
#include "vmap_test_util.h"
#include "perf_figures.h"

#define HP1G_DIR "/sys/kernel/mm/hugepages/hugepages-1048576kB"
#define HP1G_NR HP1G_DIR "/nr_hugepages"
#define HP1G_FREE HP1G_DIR "/free_hugepages"
#define GIB_KB ((unsigned long)(GIB >> 10))
/* The pages the suites need: two, so that running out is not the first page. */
#define NEED_1G 2ul
#define SMALL_WINDOWS 64u

/* nr_hugepages before the set-up raised it; -1: unchanged, nothing to restore. */
static long restore_nr = -1;

static long
sysfs_read(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
sysfs_write(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -errno;
	ret = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int
reserve_1g(void)
{
	long nr = sysfs_read(HP1G_NR), nfree = sysfs_read(HP1G_FREE), got;
	int ret;

	if (nr < 0 || nfree < 0) {
		printf("SKIP 1 GiB pages: %s missing (CPU or kernel without 1 GiB pages)\n",
			HP1G_DIR);
		return TEST_SKIPPED;
	}
	if (nfree >= (long)NEED_1G) {
		printf("1 GiB pages: %ld free of %ld reserved, used as they are\n", nfree, nr);
		return TEST_SUCCESS;
	}
	ret = sysfs_write(HP1G_NR, nr + (long)NEED_1G - nfree);
	if (ret != 0) {
		printf("SKIP 1 GiB pages: cannot write %s: %s (run as root)\n", HP1G_NR,
			strerror(-ret));
		return TEST_SKIPPED;
	}
	restore_nr = nr;
	got = sysfs_read(HP1G_FREE);
	if (got < (long)NEED_1G) {
		printf("SKIP 1 GiB pages: the kernel gave %ld free of the %lu needed"
			" (memory short or fragmented)\n", got, NEED_1G);
		sysfs_write(HP1G_NR, restore_nr);
		restore_nr = -1;
		return TEST_SKIPPED;
	}
	printf("1 GiB pages: reserved %ld (was %ld), %ld free\n", sysfs_read(HP1G_NR), nr, got);
	return TEST_SUCCESS;
}

static void
release_1g(void)
{
	if (restore_nr < 0)
		return;
	if (sysfs_write(HP1G_NR, restore_nr) != 0 || sysfs_read(HP1G_NR) != restore_nr)
		printf("WARNING: could not put %s back to %ld (it is %ld)\n", HP1G_NR,
			restore_nr, sysfs_read(HP1G_NR));
	else
		printf("1 GiB pages: nr_hugepages back to %ld\n", restore_nr);
	restore_nr = -1;
}

static struct rte_vmap *
space_1g(const char *name, enum rte_vmap_iova_mode mode, unsigned int flags)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, name);
	p.page_size = RTE_VMAP_PAGE_1G;
	p.va_size = 4 * GIB;
	/* One node: the windows of every lcore share the node's pages. */
	p.nr_nodes = 1;
	p.iova_mode = mode;
	p.flags = flags;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("rte_vmap_create(%s, 1G) failed: %s\n", name, rte_strerror(rte_errno));
	return vm;
}

static uint64_t
mem_used(struct rte_vmap *vm)
{
	struct rte_vmap_stats st;

	if (rte_vmap_stats_get(vm, &st) != 0)
		return UINT64_MAX;
	return st.mem_used;
}

/* Trim the space: every idle page back to the kernel. */
static int
trim_all(struct rte_vmap *vm)
{
	int64_t r = rte_vmap_trim(vm);

	return r < 0 ? (int)r : 0;
}

static int
test_1g_small_windows_share_one_page(void)
{
	unsigned long hp0 = vmap_test_process_hugetlb_kb();
	char *win[SMALL_WINDOWS];
	struct rte_vmap *vm;
	unsigned int i;

	vm = space_1g("g1_share", RTE_VMAP_IOVA_VA, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	TEST_ASSERT_EQUAL(rte_vmap_page_size(vm), RTE_VMAP_PAGE_1G, "page size");
	for (i = 0; i < SMALL_WINDOWS; i++) {
		size_t sz = 4096 * (1 + i % 16);

		win[i] = rte_vmap_alloc(vm, sz, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[i], "alloc #%u: %s", i, rte_strerror(rte_errno));
		memset(win[i], (int)i, sz);
	}
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "64 small windows hold %" PRIu64 " B, not one page",
		mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0 + GIB_KB,
		"HugetlbPages %lu kB, expected %lu", vmap_test_process_hugetlb_kb(),
		hp0 + GIB_KB);
	VMAP_TEST_VERIFY(vm);
	/* All but the last freed and trimmed: the page stays for the last one. */
	for (i = 0; i + 1 < SMALL_WINDOWS; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free #%u", i);
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "one window left: the page must stay");
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0 + GIB_KB, "page gone too early");
	for (i = 0; i < 4096; i++)
		TEST_ASSERT_EQUAL((unsigned char)win[SMALL_WINDOWS - 1][i],
			(SMALL_WINDOWS - 1) & 0xff, "last window's data changed at %u", i);
	/* A new window reuses the page: no second page. */
	win[0] = rte_vmap_alloc(vm, 3 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(win[0], "realloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "a second page for a small window");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[0]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[SMALL_WINDOWS - 1]), "free last");
	/* Freed but not trimmed: pooled or lazy, still held. */
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "freed windows' page held until the trim");
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64 " after the last window",
		mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0, "HugetlbPages %lu kB, was %lu",
		vmap_test_process_hugetlb_kb(), hp0);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_window_across_two_pages(void)
{
	unsigned long hp0 = vmap_test_process_hugetlb_kb();
	struct rte_vmap *vm;
	char *a, *b;

	vm = space_1g("g1_span", RTE_VMAP_IOVA_VA, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	/* 1 GiB + 8 KiB, unaligned: two pages, both partly covered. */
	a = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc: %s", rte_strerror(rte_errno));
	b = rte_vmap_alloc(vm, GIB, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(b, "alloc 1 GiB: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(mem_used(vm), 2 * GIB, "mem_used %" PRIu64, mem_used(vm));
	b[0] = 1;
	b[GIB - 1] = 2;
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, b), "free");
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "the small window's page must stay");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64, mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0, "HugetlbPages not back");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_block_windows(void)
{
	unsigned long hp0 = vmap_test_process_hugetlb_kb();
	char *win[SMALL_WINDOWS];
	struct rte_vmap *vm;
	unsigned int i;
	size_t sz;

	vm = space_1g("g1_block", RTE_VMAP_IOVA_VA, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	sz = RTE_MIN(rte_vmap_block_max(vm), (size_t)8192);
	TEST_ASSERT(sz != 0, "no block windows");
	for (i = 0; i < SMALL_WINDOWS; i++) {
		win[i] = rte_vmap_block_alloc(vm, sz);
		TEST_ASSERT_NOT_NULL(win[i], "block alloc #%u: %s", i, rte_strerror(rte_errno));
		memset(win[i], 0x5a, sz);
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, win[i] + 100),
			(rte_iova_t)(uintptr_t)(win[i] + 100), "VA-mode IOVA");
	}
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "block windows hold %" PRIu64 " B",
		mem_used(vm));
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < SMALL_WINDOWS; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, win[i], sz), "block free #%u", i);
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64 " after the blocks",
		mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0, "HugetlbPages not back");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* Size-class pools: a freed window is handed out again from its pool, page kept. */
static int
test_1g_pool_reuse_keeps_page(void)
{
	struct rte_vmap *vm;
	void *a, *b;
	int i;

	vm = space_1g("g1_pool", RTE_VMAP_IOVA_VA, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	for (i = 0; i < 1000; i++) {
		a = rte_vmap_alloc(vm, 16 * 4096, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(a, "alloc #%d: %s", i, rte_strerror(rte_errno));
		b = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(b, "alloc #%d: %s", i, rte_strerror(rte_errno));
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, b), "free");
		TEST_ASSERT_EQUAL(mem_used(vm), GIB, "pair %d: mem_used %" PRIu64, i,
			mem_used(vm));
	}
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64, mem_used(vm));
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_virt2iova_va(void)
{
	struct rte_vmap *vm;
	char *w;
	size_t off;

	vm = space_1g("g1_va", RTE_VMAP_IOVA_VA, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	w = rte_vmap_alloc(vm, 64 << 20, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w, "alloc: %s", rte_strerror(rte_errno));
	for (off = 0; off < (64 << 20); off += (1 << 20) + 4097)
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, w + off), (rte_iova_t)(uintptr_t)(w + off),
			"VA mode: IOVA of %p", w + off);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w), "free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_virt2iova_pa_is_pagemap(void)
{
	struct rte_vmap *vm;
	uint64_t pa0;
	size_t off;
	char *w;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		printf("SKIP PA mode: /proc/self/pagemap: %s\n", strerror(errno));
		return TEST_SKIPPED;
	}
	vm = space_1g("g1_pa", RTE_VMAP_IOVA_PA, 0);
	if (vm == NULL && rte_errno == ENOTSUP) {
		close(fd);
		printf("SKIP PA mode: no physical addresses here (not root?)\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	w = rte_vmap_alloc(vm, 256 << 20, 0, SOCKET_ID_ANY);
	if (w == NULL && rte_errno == ENOTSUP) {
		rte_vmap_destroy(vm);
		close(fd);
		printf("SKIP PA mode: pagemap gives no frame numbers (needs CAP_SYS_ADMIN)\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_NOT_NULL(w, "alloc: %s", rte_strerror(rte_errno));
	pa0 = vmap_test_pagemap_pa(fd, w);
	TEST_ASSERT(pa0 != 0, "no frame for %p", w);
	for (off = 0; off < (256 << 20); off += (3 << 20) + 4096 + 123) {
		uint64_t pa = vmap_test_pagemap_pa(fd, w + off);

		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, w + off), pa,
			"PA mode: IOVA 0x%" PRIx64 " of %p, pagemap 0x%" PRIx64,
			rte_vmap_virt2iova(vm, w + off), w + off, pa);
		/* One 1 GiB page: physically contiguous across the window. */
		TEST_ASSERT_EQUAL(pa, pa0 + off, "not contiguous at +%zu", off);
	}
	TEST_ASSERT_EQUAL(pa0 & (GIB - 1), ((uintptr_t)w) & (GIB - 1),
		"the frame is not 1 GiB aligned like the page");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w), "free");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	close(fd);
	return TEST_SUCCESS;
}

static int
test_1g_extmem_memsegs(void)
{
	const struct rte_memseg_list *msl;
	const struct rte_memseg *ms;
	struct rte_vmap *vm;
	char *w[3];
	unsigned int i;

	vm = space_1g("g1_ext", RTE_VMAP_IOVA_AUTO, RTE_VMAP_F_EXTMEM);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	w[0] = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	w[1] = rte_vmap_alloc(vm, 5 << 20, 0, SOCKET_ID_ANY);
	w[2] = rte_vmap_alloc(vm, 100, 0, SOCKET_ID_ANY);
	for (i = 0; i < RTE_DIM(w); i++) {
		TEST_ASSERT_NOT_NULL(w[i], "alloc #%u: %s", i, rte_strerror(rte_errno));
		msl = rte_mem_virt2memseg_list(w[i]);
		TEST_ASSERT_NOT_NULL(msl, "no memseg list for %p", w[i]);
		TEST_ASSERT(msl->external, "memseg list not external");
		TEST_ASSERT_EQUAL(msl->page_sz, (uint64_t)GIB, "memseg list page size %" PRIu64,
			msl->page_sz);
		ms = rte_mem_virt2memseg(w[i] + 50, msl);
		TEST_ASSERT_NOT_NULL(ms, "no memseg for %p", w[i]);
		TEST_ASSERT_EQUAL(ms->len, (size_t)GIB, "memseg len %zu", ms->len);
		TEST_ASSERT_EQUAL(ms->iova + (uintptr_t)(w[i] + 50 - (char *)ms->addr),
			rte_vmap_virt2iova(vm, w[i] + 50), "memseg IOVA differs");
		TEST_ASSERT_EQUAL(rte_mem_virt2iova(w[i] + 50), rte_vmap_virt2iova(vm, w[i] + 50),
			"rte_mem_virt2iova differs");
	}
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[i]), "free");
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64, mem_used(vm));
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_mbuf_pool(void)
{
	struct rte_mbuf *m[64];
	struct rte_mempool *mp;
	struct rte_vmap *vm;
	unsigned int i;

	vm = space_1g("g1_mbuf", RTE_VMAP_IOVA_AUTO, 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed");
	mp = rte_vmap_pktmbuf_pool_create("g1_mbufs", 8191, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		vm, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "pool: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(mem_used(vm), GIB, "an 18 MB pool holds %" PRIu64 " B", mem_used(vm));
	for (i = 0; i < RTE_DIM(m); i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		TEST_ASSERT_NOT_NULL(m[i], "mbuf #%u", i);
		TEST_ASSERT_EQUAL(m[i]->buf_iova, rte_vmap_virt2iova(vm, m[i]->buf_addr),
			"buf_iova of mbuf #%u", i);
		memset(rte_pktmbuf_mtod(m[i], void *), (int)i, 1500);
	}
	for (i = 0; i < RTE_DIM(m); i++)
		rte_pktmbuf_free(m[i]);
	VMAP_TEST_VERIFY(vm);
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64 " after the pool", mem_used(vm));
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_1g_pages_run_out_enomem(void)
{
	unsigned long hp0 = vmap_test_process_hugetlb_kb();
	long free0 = sysfs_read(HP1G_FREE);
	void *w[8], *small;
	unsigned int n, i;
	struct rte_vmap *vm;
	struct rte_vmap_params p;

	vmap_test_params(&p, "g1_out");
	p.page_size = RTE_VMAP_PAGE_1G;
	p.va_size = 16 * GIB;
	p.nr_nodes = 1;
	p.flags = RTE_VMAP_F_STRICT;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(free0 >= 1 && free0 < (long)RTE_DIM(w), "%ld free 1 GiB pages", free0);
	for (n = 0; n < RTE_DIM(w); n++) {
		w[n] = rte_vmap_alloc(vm, GIB, GIB, SOCKET_ID_ANY);
		if (w[n] == NULL)
			break;
	}
	printf("%u windows of 1 GiB before running out (%ld pages were free)\n", n, free0);
	TEST_ASSERT(n < RTE_DIM(w), "never ran out");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d (%s), not ENOMEM", rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT(n >= 1, "not even one 1 GiB window");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), n * GIB, "mem_used %" PRIu64 " after the failure",
		mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0 + n * GIB_KB,
		"HugetlbPages %lu kB", vmap_test_process_hugetlb_kb());
	/* A small window needs a new page too: ENOMEM, nothing held. */
	small = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NULL(small, "small window without a page");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d, not ENOMEM", rte_errno);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), n * GIB, "the failed small window left memory");
	/* One page back: the small window gets it. */
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[--n]), "free");
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	small = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(small, "small window after a free: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, small), "free");
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[i]), "free #%u", i);
	TEST_ASSERT_SUCCESS(trim_all(vm), "trim");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(mem_used(vm), 0, "mem_used %" PRIu64, mem_used(vm));
	TEST_ASSERT_EQUAL(vmap_test_process_hugetlb_kb(), hp0, "HugetlbPages not back");
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(sysfs_read(HP1G_FREE), free0, "free 1 GiB pages %ld, were %ld",
		sysfs_read(HP1G_FREE), free0);
	return TEST_SUCCESS;
}

/* Lines of the log stream in buf that contain every one of the words. */
static unsigned int
count_lines(const char *buf, unsigned int *matching, const char *const *words, unsigned int nw)
{
	unsigned int lines = 0, i;
	const char *s = buf, *nl;
	char line[512];

	*matching = 0;
	for (; *s != '\0'; s = nl + 1) {
		bool all = true;

		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s) - 1;
		snprintf(line, RTE_MIN(sizeof(line), (size_t)(nl - s + 1)), "%s", s);
		lines++;
		for (i = 0; i < nw; i++)
			all = all && strstr(line, words[i]) != NULL;
		if (all)
			(*matching)++;
		printf("log: %s\n", line);
	}
	return lines;
}

static int
test_1g_unavailable_enotsup_one_log_line(void)
{
	/* The cause (none reserved, which file) and the fix (echo N > it, or smaller pages). */
	static const char *const words[] = { "1048576 kB", "echo N > " HP1G_NR, "page_size" };
	long nr = sysfs_read(HP1G_NR), nfree = sysfs_read(HP1G_FREE);
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	unsigned int lines, matching;
	char *buf = NULL;
	size_t len = 0;
	FILE *log, *old_log;
	int err;

	if (nr != nfree) {
		printf("SKIP: %ld of %ld 1 GiB pages in use, cannot take them away\n",
			nr - nfree, nr);
		return TEST_SKIPPED;
	}
	if (sysfs_write(HP1G_NR, 0) != 0 || sysfs_read(HP1G_NR) != 0) {
		sysfs_write(HP1G_NR, nr);
		printf("SKIP: cannot set %s to 0\n", HP1G_NR);
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "g1_none");
	p.page_size = RTE_VMAP_PAGE_1G;
	p.va_size = 4 * GIB;
	log = open_memstream(&buf, &len);
	TEST_ASSERT_NOT_NULL(log, "open_memstream");
	old_log = rte_log_get_stream();
	rte_openlog_stream(log);
	vm = rte_vmap_create(&p);
	err = rte_errno;
	rte_openlog_stream(old_log == stderr ? NULL : old_log);
	fclose(log);
	TEST_ASSERT_SUCCESS(sysfs_write(HP1G_NR, nr), "cannot put nr_hugepages back");
	TEST_ASSERT_EQUAL(sysfs_read(HP1G_NR), nr, "nr_hugepages %ld, was %ld",
		sysfs_read(HP1G_NR), nr);
	if (vm != NULL)
		rte_vmap_destroy(vm);
	TEST_ASSERT_NULL(vm, "a 1 GiB space without 1 GiB pages");
	TEST_ASSERT_EQUAL(err, ENOTSUP, "errno %d (%s), not ENOTSUP", err, rte_strerror(err));
	lines = count_lines(buf != NULL ? buf : "", &matching, words, RTE_DIM(words));
	free(buf);
	TEST_ASSERT_EQUAL(lines, 1u, "%u log lines, not one", lines);
	TEST_ASSERT_EQUAL(matching, 1u, "the line names neither the cause nor the fix");
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_1g_suite = {
	.suite_name = "vmap 1 GiB pages",
	.setup = reserve_1g,
	.teardown = release_1g,
	.unit_test_cases = {
		TEST_CASE(test_1g_small_windows_share_one_page),
		TEST_CASE(test_1g_window_across_two_pages),
		TEST_CASE(test_1g_block_windows),
		TEST_CASE(test_1g_pool_reuse_keeps_page),
		TEST_CASE(test_1g_virt2iova_va),
		TEST_CASE(test_1g_virt2iova_pa_is_pagemap),
		TEST_CASE(test_1g_extmem_memsegs),
		TEST_CASE(test_1g_mbuf_pool),
		TEST_CASE(test_1g_pages_run_out_enomem),
		TEST_CASE(test_1g_unavailable_enotsup_one_log_line),
		TEST_CASES_END()
	}
};

static int
test_vmap_1g(void)
{
	return unit_test_suite_runner(&vmap_1g_suite);
}

REGISTER_HOST_TEST(vmap_1g_autotest, test_vmap_1g);

/* ---- vmap_1g_perf_autotest -------------------------------------------- */

#define PERF_1G_META_WINDOWS 512u /* of 2 MiB: 1 GiB of windows */
#define PERF_1G_META_WSIZE ((size_t)2 << 20)

/* Metadata per 1 GiB of windows: heap and resident table bytes, as figure 5. */
static int
perf_1g_meta(size_t page_size, const char *tag)
{
	static void *win[PERF_1G_META_WINDOWS];
	uint64_t tab0, tab1, heap0, heap1;
	unsigned char *vec = NULL;
	struct rte_vmap *vm;
	char name[64];
	unsigned int i;
	int ret = -1;

	vm = perf_space("perf_1g_meta", page_size, 1);
	if (vm == NULL)
		return -1;
	vec = malloc(vm->iova_table_len / (size_t)sysconf(_SC_PAGESIZE) + 1);
	if (vec == NULL || perf_table_bytes(vm, vec, &tab0) != 0)
		goto out;
	heap0 = mallinfo2().uordblks;
	for (i = 0; i < PERF_1G_META_WINDOWS; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_1G_META_WSIZE, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc(2 MiB) #%u failed: %s\n", i,
				rte_strerror(rte_errno));
			goto out;
		}
	}
	heap1 = mallinfo2().uordblks;
	if (perf_table_bytes(vm, vec, &tab1) != 0)
		goto out;
	snprintf(name, sizeof(name), "meta_per_1g_windows_%s", tag);
	printf("PERF_INFO %s: %u windows of 2 MiB on %s pages; heap delta %" PRIu64
		" B + IOVA/refcnt/phys tables resident delta %" PRIu64 " B\n", name,
		PERF_1G_META_WINDOWS, perf_page_tag(page_size),
		heap1 > heap0 ? heap1 - heap0 : 0, tab1 - tab0);
	perf_print(name, (double)((heap1 > heap0 ? heap1 - heap0 : 0) + tab1 - tab0) / 1024,
		"KiB");
	ret = 0;
out:
	for (i = 0; i < PERF_1G_META_WINDOWS; i++) {
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0)
			ret = -1;
		win[i] = NULL;
	}
	free(vec);
	rte_vmap_destroy(vm);
	return ret;
}

/*
 * alloc+free pairs of one size on a 1 GiB-page and a 2 MiB-page space, timed
 * in turns. Each space keeps one window live, as an application does, so that
 * the pairs measure the allocator and not a page mapped and zeroed per pair.
 */
static int
perf_1g_pairs(size_t size, const char *tag)
{
	struct perf_pairs *pp = calloc(2, sizeof(*pp));
	struct perf_fig fig[2];
	void *keep[2] = { NULL, NULL };
	char name[64];
	int ret = -1;
	unsigned int i;

	if (pp == NULL)
		return -1;
	pp[0].vm = perf_space("perf_1g_pairs", RTE_VMAP_PAGE_1G, 1);
	pp[1].vm = perf_space("perf_2m_pairs", RTE_VMAP_PAGE_2M, 1);
	for (i = 0; i < 2; i++) {
		if (pp[i].vm == NULL)
			goto out;
		keep[i] = rte_vmap_alloc(pp[i].vm, 4096, 0, SOCKET_ID_ANY);
		if (keep[i] == NULL)
			goto out;
		pp[i].size = size;
		fig[i].fn = loop_pairs_lifo;
		fig[i].ctx = &pp[i];
	}
	if (perf_measure(fig, 2) != 0)
		goto out;
	snprintf(name, sizeof(name), "alloc_free_%s_1G", tag);
	perf_print(name, fig[0].ns, "ns");
	snprintf(name, sizeof(name), "alloc_free_%s_2M", tag);
	perf_print(name, fig[1].ns, "ns");
	snprintf(name, sizeof(name), "alloc_free_%s_1G", tag);
	/* Better by: 2 MiB-page time / 1 GiB-page time (above 1: 1 GiB is faster). */
	perf_ratio(name, "2M", fig[1].ns / fig[0].ns, PERF_NO_GOAL, 0);
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		if (keep[i] != NULL && rte_vmap_free(pp[i].vm, keep[i]) != 0)
			ret = -1;
		rte_vmap_destroy(pp[i].vm);
	}
	free(pp);
	return ret;
}

/* The first window of a space: one page mapped, placed and faulted in. */
static int
perf_1g_first_window(size_t page_size, const char *tag)
{
	struct rte_vmap *vm = perf_space("perf_1g_first", page_size, 1);
	uint64_t t0, t1;
	char name[64];
	void *w;

	if (vm == NULL)
		return -1;
	t0 = rte_rdtsc_precise();
	w = rte_vmap_alloc(vm, 4096, 0, SOCKET_ID_ANY);
	t1 = rte_rdtsc_precise();
	if (w == NULL || rte_vmap_free(vm, w) != 0) {
		rte_vmap_destroy(vm);
		return -1;
	}
	snprintf(name, sizeof(name), "first_window_%s", tag);
	perf_print(name, perf_ns(t1 - t0, 1) / 1000, "us");
	rte_vmap_destroy(vm);
	return 0;
}

static int
test_vmap_1g_perf(void)
{
	int ret = reserve_1g();

	if (ret != TEST_SUCCESS)
		return ret;
	perf_begin();
	perf_print_machine(RTE_VMAP_PAGE_1G, PERF_REP_MS);
	ret = perf_1g_pairs(4096, "4k");
	if (ret == 0)
		ret = perf_1g_pairs(64 << 10, "64k");
	if (ret == 0)
		ret = perf_1g_pairs(2 << 20, "2m");
	if (ret == 0)
		ret = perf_1g_first_window(RTE_VMAP_PAGE_1G, "1G");
	if (ret == 0)
		ret = perf_1g_first_window(RTE_VMAP_PAGE_2M, "2M");
	if (ret == 0)
		ret = perf_1g_meta(RTE_VMAP_PAGE_1G, "1G");
	if (ret == 0)
		ret = perf_1g_meta(RTE_VMAP_PAGE_2M, "2M");
	perf_end();
	release_1g();
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}

REGISTER_HOST_TEST(vmap_1g_perf_autotest, test_vmap_1g_perf);
