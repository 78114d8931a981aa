/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_iommu_sim_autotest: the software IOMMU ("sim"). A device's view of
 * live windows (DMA through the IOVA the space reports) agrees with the
 * CPU's; a freed window's IOVA faults; a stale IOTLB entry is caught; map
 * failures injected by the driver leave the space consistent; the
 * driver's counters agree with the library's.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu.h>
#include <rte_vmap_iommu_sim.h>

#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

/* Window sizes the round trips use: sub-page, page, odd, multi-hugepage. */
static const size_t sim_sizes[] = {
	100, PAGE_4K, 3 * PAGE_4K + 17, 64 * 1024, 2 * MIB + 5 * PAGE_4K, 5 * MIB,
};

static void
fill_random(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rte_rand();
}

static struct rte_vmap *
sim_space(const char *name, enum rte_vmap_iova_mode mode, unsigned int flags,
		const char *args)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.iommu = "sim";
	p.iommu_args = args;
	p.iova_mode = mode;
	p.flags = flags;
	return rte_vmap_create(&p);
}

/* Device accesses the test made, to check the driver's counters. */
static unsigned int dma_reads, dma_writes;

/*
 * A device accesses [va, va + len) of a window as it must: one access per
 * IOVA-contiguous run (the whole range in VA and DOMAIN mode; in PA mode
 * one per physically contiguous backing page).
 */
static int
dma_window(struct rte_vmap *vm, uint8_t *va, uint8_t *buf, size_t len, bool write)
{
	size_t done, seg;
	rte_iova_t iova;
	int ret;

	for (done = 0; done < len; done += seg) {
		iova = rte_vmap_virt2iova(vm, va + done);
		if (iova == RTE_BAD_IOVA)
			return -EFAULT;
		seg = RTE_MIN(PAGE_4K - ((uintptr_t)(va + done) & (PAGE_4K - 1)), len - done);
		while (done + seg < len && rte_vmap_virt2iova(vm, va + done + seg) == iova + seg)
			seg += RTE_MIN(PAGE_4K, len - done - seg);
		if (write) {
			dma_writes++;
			ret = rte_vmap_iommu_sim_dma_write(vm, iova, buf + done, seg);
		} else {
			dma_reads++;
			ret = rte_vmap_iommu_sim_dma_read(vm, iova, buf + done, seg);
		}
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * A device writes random bytes at a random offset of a window, the CPU
 * reads them; the CPU writes, the device reads. Crosses pages on purpose.
 */
static int
dma_roundtrip(struct rte_vmap *vm, uint8_t *win, size_t size)
{
	uint8_t *out = malloc(size), *in = malloc(size);
	size_t off = size > 1 ? rte_rand_max(size / 2) : 0;
	size_t len = size - off;
	int ret = TEST_FAILED;

	if (out == NULL || in == NULL)
		goto out;
	fill_random(out, len);
	if (dma_window(vm, win + off, out, len, true) != 0 || memcmp(win + off, out, len) != 0) {
		printf("DMA write of %zu bytes at +%zu not seen by the CPU\n", len, off);
		goto out;
	}
	fill_random(win + off, len);
	if (dma_window(vm, win + off, in, len, false) != 0 || memcmp(win + off, in, len) != 0) {
		printf("DMA read of %zu bytes at +%zu differs from the CPU's view\n", len, off);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	free(out);
	free(in);
	return ret;
}

static int
run_dma_matches_cpu(enum rte_vmap_iova_mode mode, const char *name)
{
	struct rte_vmap_iommu_sim_stats st;
	uint8_t *win[RTE_DIM(sim_sizes)];
	struct rte_vmap *vm;
	unsigned int i, round;

	vm = sim_space(name, mode, 0, NULL);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %d", name, rte_errno);
	dma_reads = 0;
	dma_writes = 0;
	for (i = 0; i < RTE_DIM(sim_sizes); i++) {
		win[i] = rte_vmap_alloc(vm, sim_sizes[i], 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[i], "alloc %zu: %d", sim_sizes[i], rte_errno);
	}
	/* Twice: the second round runs on a warm IOTLB. */
	for (round = 0; round < 2; round++)
		for (i = 0; i < RTE_DIM(sim_sizes); i++)
			TEST_ASSERT_SUCCESS(dma_roundtrip(vm, win[i], sim_sizes[i]),
				"window %u of %zu bytes", i, sim_sizes[i]);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_missing + st.faults_stale, 0u, "faults on live windows");
	TEST_ASSERT_EQUAL(st.dma_reads, dma_reads, "dma_reads");
	TEST_ASSERT_EQUAL(st.dma_writes, dma_writes, "dma_writes");
	if (mode != RTE_VMAP_IOVA_PA)
		TEST_ASSERT_EQUAL(dma_reads, 2u * RTE_DIM(sim_sizes),
			"windows not IOVA-contiguous");
	TEST_ASSERT(st.iotlb_hits > 0 && st.iotlb_misses > 0, "hits %" PRIu64
		" misses %" PRIu64, st.iotlb_hits, st.iotlb_misses);
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < RTE_DIM(sim_sizes); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_sim_dma_matches_cpu_va(void)
{
	return run_dma_matches_cpu(RTE_VMAP_IOVA_VA, "sim_dma_va");
}

static int
test_sim_dma_matches_cpu_domain(void)
{
	return run_dma_matches_cpu(RTE_VMAP_IOVA_DOMAIN, "sim_dma_dom");
}

static int
test_sim_dma_matches_cpu_pa(void)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("EAL is not in PA mode: physical addresses are not readable\n");
		return TEST_SKIPPED;
	}
	return run_dma_matches_cpu(RTE_VMAP_IOVA_PA, "sim_dma_pa");
}

/* Free (strict: unmapped and flushed at once), then DMA to the old IOVA. */
static int
run_freed_iova_faults(enum rte_vmap_iova_mode mode, const char *name)
{
	struct rte_vmap_iommu_sim_stats before, after;
	struct rte_vmap *vm;
	uint8_t buf[64];
	rte_iova_t iova;
	uint8_t *win;

	vm = sim_space(name, mode, RTE_VMAP_F_STRICT, NULL);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %d", name, rte_errno);
	win = rte_vmap_alloc(vm, 3 * PAGE_4K, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(win, "alloc: %d", rte_errno);
	iova = rte_vmap_virt2iova(vm, win + PAGE_4K);
	/* Warm the IOTLB: the free's flush must be what clears it. */
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, iova, buf, sizeof(buf)), "read");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win), "free");
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, win + PAGE_4K), RTE_BAD_IOVA, "virt2iova");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &before), "stats");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(vm, iova, buf, sizeof(buf)), -EFAULT,
		"DMA read of a freed window's IOVA");
	TEST_ASSERT_EQUAL(rte_errno, EFAULT, "rte_errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_write(vm, iova, buf, sizeof(buf)), -EFAULT,
		"DMA write of a freed window's IOVA");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &after), "stats");
	TEST_ASSERT_EQUAL(after.faults_missing, before.faults_missing + 2, "faults_missing");
	TEST_ASSERT_EQUAL(after.faults_stale, before.faults_stale, "a stale IOTLB hit after a "
		"flush");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_sim_freed_iova_faults_va(void)
{
	return run_freed_iova_faults(RTE_VMAP_IOVA_VA, "sim_freed_va");
}

static int
test_sim_freed_iova_faults_domain(void)
{
	return run_freed_iova_faults(RTE_VMAP_IOVA_DOMAIN, "sim_freed_dom");
}

/*
 * Without RTE_VMAP_F_STRICT, whatever the free defers, a purge leaves no
 * translation of the freed window behind, stale or not.
 */
static int
test_sim_purge_leaves_no_translation(void)
{
	struct rte_vmap_iommu_sim_stats before, after;
	struct rte_vmap *vm;
	uint8_t *win[8];
	rte_iova_t iova[8];
	uint8_t buf[32];
	unsigned int i;
	void *va;

	vm = sim_space("sim_purge", RTE_VMAP_IOVA_DOMAIN, 0, NULL);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	for (i = 0; i < RTE_DIM(win); i++) {
		win[i] = rte_vmap_alloc(vm, (i + 1) * PAGE_4K, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[i], "alloc: %d", rte_errno);
		iova[i] = rte_vmap_virt2iova(vm, win[i]);
		TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, iova[i], buf, sizeof(buf)),
			"read");
		TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_translate(vm, iova[i] + 5, &va),
			"translate");
		TEST_ASSERT_EQUAL(va, (void *)(win[i] + 5), "translation of a live window");
	}
	for (i = 0; i < RTE_DIM(win); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &before), "stats");
	for (i = 0; i < RTE_DIM(win); i++) {
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(vm, iova[i], buf, sizeof(buf)),
			-EFAULT, "DMA to window %u after the purge", i);
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova[i], &va), -ENOENT,
			"translation left");
	}
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &after), "stats");
	TEST_ASSERT_EQUAL(after.faults_missing - before.faults_missing, RTE_DIM(win) + 0ul,
		"faults_missing");
	TEST_ASSERT_EQUAL(after.faults_stale, before.faults_stale, "stale IOTLB entries");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* The driver's own ops, on a fake space pointer (the driver never reads it). */
static const struct rte_vmap_iommu_ops *
sim_ops(void)
{
	return vmap_iommu_find("sim");
}

static int
test_sim_stale_iotlb_hit_detected(void)
{
	const struct rte_vmap_iommu_ops *ops = sim_ops();
	static uint64_t fake_space;
	struct rte_vmap *fake = (struct rte_vmap *)&fake_space;
	const rte_iova_t iova = UINT64_C(0x7f0000000000);
	struct rte_vmap_iommu_sim_stats st;
	uint8_t *mem, buf[2 * PAGE_4K];
	void *priv = NULL, *va;

	TEST_ASSERT_NOT_NULL(ops, "the sim driver is not registered");
	mem = aligned_alloc(PAGE_4K, 4 * PAGE_4K);
	TEST_ASSERT_NOT_NULL(mem, "memory");
	fill_random(mem, 4 * PAGE_4K);
	TEST_ASSERT_SUCCESS(ops->open(fake, "iotlb=16", &priv), "open");
	TEST_ASSERT_EQUAL(ops->open(fake, NULL, &va), -EEXIST, "second model for one space");
	TEST_ASSERT_SUCCESS(ops->map(priv, mem, iova, 4 * PAGE_4K), "map");
	TEST_ASSERT_EQUAL(ops->map(priv, mem, iova + 3 * PAGE_4K, PAGE_4K), -EEXIST,
		"an IOVA page mapped twice");
	TEST_ASSERT_EQUAL(ops->map(priv, mem + 1, iova, PAGE_4K), -EINVAL, "unaligned map");

	/* A read straddling two pages fills two IOTLB entries. */
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(fake, iova + PAGE_4K / 2, buf,
		PAGE_4K), "read");
	TEST_ASSERT_SUCCESS(memcmp(buf, mem + PAGE_4K / 2, PAGE_4K), "read data");
	TEST_ASSERT_SUCCESS(ops->unmap(priv, iova, 4 * PAGE_4K), "unmap");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(fake, iova, &va), -ENOENT,
		"the page table still translates");

	/* Unmapped, not flushed: the device would still reach the memory. */
	memset(buf, 0, sizeof(buf));
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova, buf, PAGE_4K), -EFAULT,
		"stale IOTLB hit not detected");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(fake, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_stale, 1u, "faults_stale");
	TEST_ASSERT_EQUAL(st.faults_missing, 0u, "faults_missing");
	TEST_ASSERT_EQUAL(buf[0], 0, "bytes copied past the fault");

	/* Page 2 was never in the IOTLB: a plain miss. */
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova + 2 * PAGE_4K, buf, 1),
		-EFAULT, "read of an unmapped page");
	TEST_ASSERT_SUCCESS(ops->flush(priv, iova, iova + 4 * PAGE_4K), "flush");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova, buf, PAGE_4K), -EFAULT,
		"read after the flush");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(fake, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_stale, 1u, "faults_stale after the flush");
	TEST_ASSERT_EQUAL(st.faults_missing, 2u, "faults_missing");
	TEST_ASSERT_EQUAL(st.maps, 1u, "maps");
	TEST_ASSERT_EQUAL(st.unmaps, 1u, "unmaps");
	TEST_ASSERT_EQUAL(st.flushes, 1u, "flushes");
	TEST_ASSERT_EQUAL(st.dma_reads, 4u, "dma_reads");
	TEST_ASSERT_EQUAL(st.iotlb_hits, 1u, "iotlb_hits");
	TEST_ASSERT_EQUAL(st.iotlb_misses, 4u, "iotlb_misses");
	TEST_ASSERT_EQUAL(ops->unmap(priv, iova, PAGE_4K), -ENOENT, "unmap twice");

	/* A flush that misses the stale entry leaves it stale. */
	TEST_ASSERT_SUCCESS(ops->map(priv, mem, iova, PAGE_4K), "map again");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_write(fake, iova, buf, 8), "write");
	TEST_ASSERT_SUCCESS(ops->unmap(priv, iova, PAGE_4K), "unmap");
	TEST_ASSERT_SUCCESS(ops->flush(priv, iova + PAGE_4K, iova + 2 * PAGE_4K), "flush");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_write(fake, iova, buf, 8), -EFAULT, "write");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(fake, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_stale, 2u, "a flush elsewhere cleared the entry");
	TEST_ASSERT_SUCCESS(ops->flush(priv, iova, iova + PAGE_4K), "flush");

	ops->close(priv);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_stats_get(fake, &st), -ENODEV, "closed");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova, buf, 1), -ENODEV, "closed");
	free(mem);
	return TEST_SUCCESS;
}

/* A one-entry IOTLB: an entry evicted before the unmap cannot be stale. */
static int
test_sim_evicted_entry_not_stale(void)
{
	const struct rte_vmap_iommu_ops *ops = sim_ops();
	static uint64_t fake_space;
	struct rte_vmap *fake = (struct rte_vmap *)&fake_space;
	const rte_iova_t iova = UINT64_C(0x100000);
	struct rte_vmap_iommu_sim_stats st;
	uint8_t *mem, b;
	void *priv = NULL;

	mem = aligned_alloc(PAGE_4K, 2 * PAGE_4K);
	TEST_ASSERT_NOT_NULL(mem, "memory");
	TEST_ASSERT_SUCCESS(ops->open(fake, "iotlb=1", &priv), "open");
	TEST_ASSERT_SUCCESS(ops->map(priv, mem, iova, 2 * PAGE_4K), "map");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(fake, iova, &b, 1), "page 0");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(fake, iova + PAGE_4K, &b, 1), "page 1");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(fake, iova + PAGE_4K, &b, 1), "hit");
	TEST_ASSERT_SUCCESS(ops->unmap(priv, iova, 2 * PAGE_4K), "unmap");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova, &b, 1), -EFAULT, "page 0");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(fake, iova + PAGE_4K, &b, 1), -EFAULT,
		"page 1");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(fake, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_missing, 1u, "page 0 was evicted: a miss");
	TEST_ASSERT_EQUAL(st.faults_stale, 1u, "page 1 was cached: stale");
	TEST_ASSERT_EQUAL(st.iotlb_hits, 2u, "hits");
	TEST_ASSERT_EQUAL(st.iotlb_misses, 3u, "misses");
	ops->close(priv);
	free(mem);
	return TEST_SUCCESS;
}

/*
 * Injected map failures: allocs fail with EIO, the space stays consistent,
 * and the driver's counters agree with the library's.
 */
static int
test_sim_map_fail_every_injects_eio(void)
{
	struct rte_vmap_iommu_sim_stats st;
	struct rte_vmap_stats vst;
	struct rte_vmap *vm;
	rte_iova_t iova[30];
	uint8_t *win[30];
	unsigned int i, ok = 0, failed = 0;
	void *va;

	vm = sim_space("sim_fail", RTE_VMAP_IOVA_DOMAIN, 0, "map_fail_every=3");
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	for (i = 0; i < RTE_DIM(win); i++) {
		win[i] = rte_vmap_alloc(vm, (i % 7 + 1) * PAGE_4K, 0, SOCKET_ID_ANY);
		iova[i] = rte_vmap_virt2iova(vm, win[i]);
		if (win[i] == NULL) {
			TEST_ASSERT_EQUAL(rte_errno, EIO, "errno %d", rte_errno);
			TEST_ASSERT_EQUAL(i % 3, 2u, "map call %u failed", i + 1);
			failed++;
		} else {
			ok++;
		}
		VMAP_TEST_VERIFY(vm);
	}
	TEST_ASSERT_EQUAL(failed, RTE_DIM(win) / 3, "failures");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st), "stats");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &vst), "stats");
	TEST_ASSERT_EQUAL(st.maps, ok, "maps %" PRIu64 " for %u windows", st.maps, ok);
	TEST_ASSERT_EQUAL(vst.nr_windows, ok, "nr_windows");
	for (i = 0; i < RTE_DIM(win); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st), "stats");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &vst), "stats");
	TEST_ASSERT_EQUAL(st.maps, ok, "maps after the frees");
	TEST_ASSERT_EQUAL(st.unmaps, vst.nr_unmaps, "driver unmaps %" PRIu64 ", library %"
		PRIu64, st.unmaps, vst.nr_unmaps);
	TEST_ASSERT_EQUAL(st.flushes, vst.nr_flushes, "driver flushes %" PRIu64 ", library %"
		PRIu64, st.flushes, vst.nr_flushes);
	TEST_ASSERT(st.unmaps > 0 && st.flushes > 0, "nothing unmapped");
	/* Exactly the live windows translate, each to itself. */
	for (i = 0; i < RTE_DIM(win); i++) {
		if (win[i] == NULL)
			continue;
		if (i % 2 == 0) {
			TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova[i], &va), -ENOENT,
				"freed window %u still translates", i);
			continue;
		}
		TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_translate(vm, iova[i], &va),
			"live window %u does not translate", i);
		TEST_ASSERT_EQUAL(va, (void *)win[i], "window %u translates elsewhere", i);
	}
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_sim_bad_args_rejected(void)
{
	static const char * const bad[] = {
		"iotlb=0", "iotlb=65537", "bogus=1", "pages=abc", "pages=4",
		"map_fail_every=-1", "flush_ns=2000000000", "iotlb",
	};
	struct rte_vmap *vm;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		vm = sim_space("sim_args", RTE_VMAP_IOVA_VA, 0, bad[i]);
		TEST_ASSERT_NULL(vm, "\"%s\" accepted", bad[i]);
		TEST_ASSERT_EQUAL(rte_errno, EINVAL, "\"%s\": errno %d", bad[i], rte_errno);
	}
	vm = sim_space("sim_args", RTE_VMAP_IOVA_VA, 0,
		"iotlb=5,pages=4096,flush_ns=0,map_fail_every=0");
	TEST_ASSERT_NOT_NULL(vm, "good arguments refused: %d", rte_errno);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* pages=N caps what is mapped at once: ENOSPC, nothing lost. */
static int
test_sim_page_table_full(void)
{
	struct rte_vmap *vm;
	void *a, *b;

	vm = sim_space("sim_full", RTE_VMAP_IOVA_VA, 0, "pages=64");
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	a = rte_vmap_alloc(vm, 48 * PAGE_4K, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc: %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 17 * PAGE_4K, 0, SOCKET_ID_ANY), "over capacity");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "errno %d", rte_errno);
	b = rte_vmap_alloc(vm, 16 * PAGE_4K, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(b, "alloc to capacity: %d", rte_errno);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* flush_ns makes every flush cost at least that long. */
static int
test_sim_flush_ns_costs_time(void)
{
	const uint64_t ns = 2 * 1000 * 1000;
	struct rte_vmap *vm;
	uint64_t t0, cycles;
	unsigned int i;
	void *w;

	vm = sim_space("sim_slow", RTE_VMAP_IOVA_VA, RTE_VMAP_F_STRICT, "flush_ns=2000000");
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	for (i = 0; i < 3; i++) {
		w = rte_vmap_alloc(vm, PAGE_4K, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(w, "alloc: %d", rte_errno);
		t0 = rte_get_tsc_cycles();
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w), "free");
		cycles = rte_get_tsc_cycles() - t0;
		TEST_ASSERT(cycles >= ns * rte_get_tsc_hz() / NS_PER_S, "a strict free took %"
			PRIu64 " cycles, the flush alone should take %" PRIu64, cycles,
			ns * rte_get_tsc_hz() / NS_PER_S);
	}
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* Two lcores: the device side on one, allocs and frees on the other. */
struct sim_mt_ctx {
	struct rte_vmap *vm;
	uint8_t *win;
	size_t size;
	bool stop;
	unsigned int errors;
	unsigned int rounds;
};

static int
sim_mt_device(void *arg)
{
	struct sim_mt_ctx *ctx = arg;

	while (!__atomic_load_n(&ctx->stop, __ATOMIC_ACQUIRE)) {
		if (dma_roundtrip(ctx->vm, ctx->win, ctx->size) != TEST_SUCCESS)
			__atomic_fetch_add(&ctx->errors, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&ctx->rounds, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static int
test_sim_concurrent_dma_and_churn(void)
{
	struct sim_mt_ctx ctx = { .size = 3 * MIB };
	struct rte_vmap_iommu_sim_stats st;
	unsigned int worker, i;
	uint64_t deadline;
	void *w;

	if (rte_lcore_count() < 2) {
		printf("needs two lcores\n");
		return TEST_SKIPPED;
	}
	ctx.vm = sim_space("sim_mt", RTE_VMAP_IOVA_DOMAIN, 0, "iotlb=8");
	TEST_ASSERT_NOT_NULL(ctx.vm, "create: %d", rte_errno);
	ctx.win = rte_vmap_alloc(ctx.vm, ctx.size, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(ctx.win, "alloc: %d", rte_errno);
	worker = rte_get_next_lcore(-1, 1, 0);
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(sim_mt_device, &ctx, worker), "launch");
	deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 2;
	for (i = 0; rte_get_tsc_cycles() < deadline ||
			__atomic_load_n(&ctx.rounds, __ATOMIC_RELAXED) < 10; i++) {
		w = rte_vmap_alloc(ctx.vm, (i % 9 + 1) * PAGE_4K, 0, SOCKET_ID_ANY);
		if (w == NULL || rte_vmap_free(ctx.vm, w) != 0)
			break;
	}
	__atomic_store_n(&ctx.stop, true, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(worker);
	TEST_ASSERT_EQUAL(ctx.errors, 0u, "%u of %u device round trips failed", ctx.errors,
		ctx.rounds);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(ctx.vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.faults_missing + st.faults_stale, 0u, "faults");
	VMAP_TEST_VERIFY(ctx.vm);
	rte_vmap_destroy(ctx.vm);
	return TEST_SUCCESS;
}

static int
test_sim_api_misuse(void)
{
	struct rte_vmap_iommu_sim_stats st;
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	uint8_t b;
	void *va;

	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(NULL, 0, &b, 1), -ENODEV, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_stats_get(NULL, &st), -ENODEV, "NULL space");
	vmap_test_params(&p, "sim_none");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(vm, 0, &b, 1), -ENODEV, "not sim");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, 0, &va), -ENODEV, "not sim");
	rte_vmap_destroy(vm);
	vm = sim_space("sim_misuse", RTE_VMAP_IOVA_VA, 0, NULL);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_stats_get(vm, NULL), -EINVAL, "NULL stats");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(vm, 0, NULL, 1), -EINVAL, "NULL buf");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_write(vm, UINT64_MAX, &b, 2), -EINVAL,
		"wrapping range");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, 0, NULL, 0), "empty read");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, 0, NULL), -EINVAL, "NULL va");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_iommu_sim_suite = {
	.suite_name = "vmap software IOMMU (sim)",
	.unit_test_cases = {
		TEST_CASE(test_sim_dma_matches_cpu_va),
		TEST_CASE(test_sim_dma_matches_cpu_domain),
		TEST_CASE(test_sim_dma_matches_cpu_pa),
		TEST_CASE(test_sim_freed_iova_faults_va),
		TEST_CASE(test_sim_freed_iova_faults_domain),
		TEST_CASE(test_sim_purge_leaves_no_translation),
		TEST_CASE(test_sim_stale_iotlb_hit_detected),
		TEST_CASE(test_sim_evicted_entry_not_stale),
		TEST_CASE(test_sim_map_fail_every_injects_eio),
		TEST_CASE(test_sim_bad_args_rejected),
		TEST_CASE(test_sim_page_table_full),
		TEST_CASE(test_sim_flush_ns_costs_time),
		TEST_CASE(test_sim_concurrent_dma_and_churn),
		TEST_CASE(test_sim_api_misuse),
		TEST_CASES_END()
	}
};

static int
test_vmap_iommu_sim(void)
{
	return unit_test_suite_runner(&vmap_iommu_sim_suite);
}

REGISTER_FAST_TEST(vmap_iommu_sim_autotest, NOHUGE_OK, ASAN_OK, test_vmap_iommu_sim);
