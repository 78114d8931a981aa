/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fault_autotest: fault injection (rte_vmap_fault.h).
 *
 * Every fault point is swept: armed at its Nth call, N = 1, 2, 3, ..., over
 * a scenario run on every space configuration, each run checked clean
 * (fault_sweep.c says how). The other cases pin down what the sweep can
 * only see in passing: a freed range is not handed out again before the
 * driver has unmapped and flushed it, even when unmap or flush fail, once
 * or for good, in lazy and strict spaces and in per-lcore blocks; a failed
 * mbind() does not fail a window; the control API's misuse errors.
 *
 * Without -Dfault_injection=true the test skips itself.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vmap.h>
#include <rte_vmap_fault.h>
#include <rte_vmap_iommu_sim.h>

#include "fault_sweep.h"
#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

/* A plain space: 4 KiB pages, no IOMMU, IOVA as VA. */
static const struct fi_config fi_plain = {
	"4k-none-va", RTE_VMAP_PAGE_4K, "none", RTE_VMAP_IOVA_VA, 0, 0
};

#define FI_SWEEP_CASE(fn, point) \
static int \
fn(void) \
{ \
	return fi_sweep(point); \
}

FI_SWEEP_CASE(test_sweep_mmap, RTE_VMAP_FAULT_MMAP)
FI_SWEEP_CASE(test_sweep_mremap, RTE_VMAP_FAULT_MREMAP)
FI_SWEEP_CASE(test_sweep_populate, RTE_VMAP_FAULT_POPULATE)
FI_SWEEP_CASE(test_sweep_mbind, RTE_VMAP_FAULT_MBIND)
FI_SWEEP_CASE(test_sweep_iommu_map, RTE_VMAP_FAULT_IOMMU_MAP)
FI_SWEEP_CASE(test_sweep_iommu_unmap, RTE_VMAP_FAULT_IOMMU_UNMAP)
FI_SWEEP_CASE(test_sweep_iommu_flush, RTE_VMAP_FAULT_IOMMU_FLUSH)
FI_SWEEP_CASE(test_sweep_extmem_register, RTE_VMAP_FAULT_EXTMEM_REGISTER)
FI_SWEEP_CASE(test_sweep_dev_dma_map, RTE_VMAP_FAULT_DEV_DMA_MAP)
FI_SWEEP_CASE(test_sweep_alloc, RTE_VMAP_FAULT_ALLOC)

/* ---- the purge invariant ------------------------------------------------------ */

#define FI_PROBE_SIZE (64 * KIB)
#define FI_PROBES 32

/* A window freed while a device had its translation in the IOTLB. */
struct fi_freed {
	char *va;
	rte_iova_t iova;
};

static struct rte_vmap *
fi_sim_space(const char *name, enum rte_vmap_iova_mode mode, unsigned int flags)
{
	const struct fi_config cfg = { name, RTE_VMAP_PAGE_4K, "sim", mode, flags };

	return fi_create(&cfg, name);
}

static int
fi_alloc_read_free(struct rte_vmap *vm, struct fi_freed *f)
{
	uint64_t word;

	f->va = rte_vmap_alloc(vm, FI_PROBE_SIZE, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(f->va, "alloc: %s", rte_strerror(rte_errno));
	f->iova = rte_vmap_virt2iova(vm, f->va);
	memset(f->va, 0x3c, FI_PROBE_SIZE);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, f->iova, &word, sizeof(word)),
		"DMA read of a live window");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, f->va), "free");
	return TEST_SUCCESS;
}

static bool
fi_overlaps(uint64_t a, uint64_t b, size_t len)
{
	return a < b + len && b < a + len;
}

/*
 * While the driver has not confirmed f's unmap and flush, no window may
 * take its VA or its IOVA: take many windows of its size (pools, chunks,
 * free tree), check, give them back.
 */
static int
fi_check_not_reused(struct rte_vmap *vm, const struct fi_freed *f)
{
	char *w[FI_PROBES];
	unsigned int i, n;
	int ret = TEST_SUCCESS;

	for (n = 0; n < FI_PROBES; n++) {
		w[n] = rte_vmap_alloc(vm, FI_PROBE_SIZE, 0, SOCKET_ID_ANY);
		if (w[n] == NULL) {
			printf("alloc %u: %s\n", n, rte_strerror(rte_errno));
			ret = TEST_FAILED;
			break;
		}
		if (fi_overlaps((uintptr_t)w[n], (uintptr_t)f->va, FI_PROBE_SIZE) ||
				fi_overlaps(rte_vmap_virt2iova(vm, w[n]), f->iova, FI_PROBE_SIZE)) {
			printf("window %p (IOVA 0x%" PRIx64 ") reuses %p (IOVA 0x%" PRIx64
				") before its unmap and flush\n", w[n],
				rte_vmap_virt2iova(vm, w[n]), f->va, f->iova);
			ret = TEST_FAILED;
			n++;
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (w[i] != NULL)
			rte_vmap_free(vm, w[i]);
	return ret;
}

/* Once a purge has succeeded, a device reaches nothing at f's IOVA, not even stale. */
static int
fi_check_gone(struct rte_vmap *vm, const struct fi_freed *f)
{
	struct rte_vmap_iommu_sim_stats before, after;
	uint64_t word;
	void *va;

	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, f->iova, &va), -ENOENT,
		"IOVA 0x%" PRIx64 " still translated", f->iova);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &before), "sim stats");
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(vm, f->iova, &word, sizeof(word)), -EFAULT,
		"a device still reads IOVA 0x%" PRIx64, f->iova);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &after), "sim stats");
	TEST_ASSERT_EQUAL(after.faults_stale, before.faults_stale,
		"IOVA 0x%" PRIx64 " still in the IOTLB", f->iova);
	return TEST_SUCCESS;
}

/*
 * Run body on a fresh space of configuration cfg; whatever it returns,
 * the points are disarmed and the space destroyed (a failed case must not
 * leave its space behind for the next one).
 */
static int
fi_with_space(const struct fi_config *cfg, int (*body)(struct rte_vmap *vm, const void *arg),
		const void *arg)
{
	struct rte_vmap *vm = fi_create(cfg, cfg->name);
	int ret;

	TEST_ASSERT_NOT_NULL(vm, "create %s: %s", cfg->name, rte_strerror(rte_errno));
	ret = body(vm, arg);
	rte_vmap_fault_disarm_all();
	rte_vmap_destroy(vm);
	return ret;
}

/* What fi_purge_failure_once() fails. */
struct fi_once {
	unsigned int flags;
	enum rte_vmap_fault_point p;
};

/* A purge whose driver call p fails once keeps f unused; the next purge releases it. */
static int
fi_purge_failure_body(struct rte_vmap *vm, const void *arg)
{
	const struct fi_once *once = arg;
	enum rte_vmap_fault_point p = once->p;
	unsigned int flags = once->flags;
	uint64_t inj = rte_vmap_fault_injected(p);
	struct rte_vmap_stats st;
	struct fi_freed f;
	void *va;
	int ret;

	if ((flags & RTE_VMAP_F_STRICT) != 0)
		TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(p, 1), "arm");
	ret = fi_alloc_read_free(vm, &f);
	if (ret == TEST_SUCCESS && (flags & RTE_VMAP_F_STRICT) == 0) {
		TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(p, 1), "arm");
		ret = rte_vmap_purge(vm);
		TEST_ASSERT(ret == -EIO && rte_errno == EIO, "purge with a failing %s: %d",
			rte_vmap_fault_name(p), ret);
		ret = TEST_SUCCESS;
	}
	TEST_ASSERT_EQUAL(rte_vmap_fault_injected(p), inj + 1, "the fault was not injected");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.va_lazy >= FI_PROBE_SIZE, "the failed range is not lazy: %" PRIu64 " bytes",
		st.va_lazy);
	/* An unmap that failed leaves the translation: the device still reaches it. */
	if (p == RTE_VMAP_FAULT_IOMMU_UNMAP)
		TEST_ASSERT(rte_vmap_iommu_sim_translate(vm, f.iova, &va) == 0 && va == f.va,
			"IOVA 0x%" PRIx64 " not translated to %p after a failed unmap", f.iova,
			f.va);
	if (ret == TEST_SUCCESS)
		ret = fi_check_not_reused(vm, &f);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "the purge after the failure");
	if (ret == TEST_SUCCESS)
		ret = fi_check_gone(vm, &f);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%" PRIu64 " lazy bytes after a good purge", st.va_lazy);
	VMAP_TEST_VERIFY(vm);
	return ret;
}

static int
fi_purge_failure_once(enum rte_vmap_iova_mode mode, unsigned int flags,
		enum rte_vmap_fault_point p)
{
	const struct fi_config cfg = { "fi_once", RTE_VMAP_PAGE_4K, "sim", mode, flags, 0 };
	const struct fi_once once = { flags, p };

	return fi_with_space(&cfg, fi_purge_failure_body, &once);
}

#define FI_ONCE_CASE(fn, mode, flags, point) \
static int \
fn(void) \
{ \
	return fi_purge_failure_once(mode, flags, point); \
}

FI_ONCE_CASE(test_flush_failure_keeps_range_domain, RTE_VMAP_IOVA_DOMAIN, 0,
	RTE_VMAP_FAULT_IOMMU_FLUSH)
FI_ONCE_CASE(test_flush_failure_keeps_range_va, RTE_VMAP_IOVA_VA, 0,
	RTE_VMAP_FAULT_IOMMU_FLUSH)
FI_ONCE_CASE(test_unmap_failure_keeps_range_domain, RTE_VMAP_IOVA_DOMAIN, 0,
	RTE_VMAP_FAULT_IOMMU_UNMAP)
FI_ONCE_CASE(test_unmap_failure_keeps_range_va, RTE_VMAP_IOVA_VA, 0,
	RTE_VMAP_FAULT_IOMMU_UNMAP)
FI_ONCE_CASE(test_strict_unmap_failure_keeps_range, RTE_VMAP_IOVA_DOMAIN, RTE_VMAP_F_STRICT,
	RTE_VMAP_FAULT_IOMMU_UNMAP)
FI_ONCE_CASE(test_strict_flush_failure_keeps_range, RTE_VMAP_IOVA_DOMAIN, RTE_VMAP_F_STRICT,
	RTE_VMAP_FAULT_IOMMU_FLUSH)

/*
 * A block window whose unmap fails: its block lives on, so the failed
 * call is owed: the translation stays until a purge redoes the unmap, and
 * no window is mapped over it meanwhile (strict: the block is carved
 * again from its start, at once).
 */
static int
fi_block_unmap_body(struct rte_vmap *vm, const void *arg)
{
	rte_iova_t iova;
	char *w, *again[8];
	unsigned int i;
	uint64_t word;
	void *va;
	int ret = TEST_SUCCESS;

	RTE_SET_USED(arg);
	w = rte_vmap_block_alloc(vm, 8 * KIB);
	TEST_ASSERT_NOT_NULL(w, "block alloc: %s", rte_strerror(rte_errno));
	iova = rte_vmap_virt2iova(vm, w);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, iova, &word, sizeof(word)), "DMA");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_IOMMU_UNMAP, 1), "arm");
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w, 8 * KIB), "block free");
	TEST_ASSERT(rte_vmap_iommu_sim_translate(vm, iova, &va) == 0 && va == w,
		"IOVA 0x%" PRIx64 " not translated any more after a failed unmap", iova);
	VMAP_TEST_VERIFY(vm);
	/*
	 * The same block serves these. A map over the owed translation would
	 * fail (the sim driver refuses to map an IOVA twice): it is settled
	 * first, or the window comes from elsewhere.
	 */
	for (i = 0; i < RTE_DIM(again); i++) {
		again[i] = rte_vmap_block_alloc(vm, 8 * KIB);
		if (again[i] == NULL) {
			printf("block alloc %u: %s\n", i, rte_strerror(rte_errno));
			ret = TEST_FAILED;
		}
	}
	for (i = 0; i < RTE_DIM(again); i++)
		if (again[i] != NULL)
			rte_vmap_block_free(vm, again[i], 8 * KIB);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova, &va), -ENOENT,
		"IOVA 0x%" PRIx64 " still translated after the purge", iova);
	return ret;
}

static int
fi_block_unmap_failure(unsigned int flags)
{
	const struct fi_config cfg = {
		"fi_block", RTE_VMAP_PAGE_4K, "sim", RTE_VMAP_IOVA_DOMAIN, flags, 0
	};

	return fi_with_space(&cfg, fi_block_unmap_body, NULL);
}

static int
test_block_unmap_failure_owed(void)
{
	return fi_block_unmap_failure(0);
}

static int
test_strict_block_unmap_failure_owed(void)
{
	return fi_block_unmap_failure(RTE_VMAP_F_STRICT);
}

/*
 * A driver call p that fails for good: every purge fails and keeps the
 * range, windows still come from elsewhere, and destroy releases it all.
 */
static int
fi_purge_failure_for_good(enum rte_vmap_fault_point p)
{
	static struct fi_held before;
	struct rte_vmap *vm;
	struct fi_freed f;
	int ret, i;

	fi_held_get(&before);
	vm = fi_sim_space("fi_good", RTE_VMAP_IOVA_DOMAIN, 0);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	ret = fi_alloc_read_free(vm, &f);
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(p, 1), "arm");
	for (i = 0; i < 3 && ret == TEST_SUCCESS; i++) {
		if (rte_vmap_purge(vm) != -EIO) {
			printf("purge %d with %s failing for good did not fail\n", i,
				rte_vmap_fault_name(p));
			ret = TEST_FAILED;
		}
		if (ret == TEST_SUCCESS && rte_vmap_verify(vm) != 0)
			ret = TEST_FAILED;
		/* The windows it takes go lazy too, and stay: only the first may be unmapped. */
		if (ret == TEST_SUCCESS)
			ret = fi_check_not_reused(vm, &f);
	}
	fi_quiet(true);
	rte_vmap_destroy(vm);
	fi_quiet(false);
	rte_vmap_fault_disarm(p);
	if (ret != TEST_SUCCESS)
		return ret;
	return fi_held_check(&before, "destroy with the driver failing");
}

static int
test_flush_failing_for_good_destroy_clean(void)
{
	return fi_purge_failure_for_good(RTE_VMAP_FAULT_IOMMU_FLUSH);
}

static int
test_unmap_failing_for_good_destroy_clean(void)
{
	return fi_purge_failure_for_good(RTE_VMAP_FAULT_IOMMU_UNMAP);
}

/*
 * Two neighbouring windows freed together: the purge unmaps them in one
 * merged call. That call fails once; each window then unmaps on its own,
 * and the flush follows: nothing is held, and the purge returns 0. (It
 * once returned the merged call's -EIO although every run had gone.)
 */
static int
fi_merged_recovered_body(struct rte_vmap *vm, const void *arg)
{
	uint64_t inj = rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP);
	struct rte_vmap_stats st;
	struct fi_freed f[2];
	unsigned int i;
	void *va;
	int ret;

	RTE_SET_USED(arg);
	for (i = 0; i < RTE_DIM(f); i++) {
		f[i].va = rte_vmap_alloc(vm, FI_PROBE_SIZE, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(f[i].va, "alloc: %s", rte_strerror(rte_errno));
		f[i].iova = rte_vmap_virt2iova(vm, f[i].va);
	}
	TEST_ASSERT_EQUAL(f[1].iova, f[0].iova + FI_PROBE_SIZE,
		"the windows are not IOVA neighbours (0x%" PRIx64 ", 0x%" PRIx64 "): no merged "
		"unmap to fail", f[0].iova, f[1].iova);
	for (i = 0; i < RTE_DIM(f); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, f[i].va), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_IOMMU_UNMAP, 1), "arm");
	fi_quiet(true);
	ret = rte_vmap_purge(vm);
	fi_quiet(false);
	TEST_ASSERT_EQUAL(rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP), inj + 1,
		"the merged unmap was not failed");
	for (i = 0; i < RTE_DIM(f); i++)
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, f[i].iova, &va), -ENOENT,
			"IOVA 0x%" PRIx64 " still translated", f[i].iova);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%" PRIu64 " bytes held", st.va_lazy);
	TEST_ASSERT_SUCCESS(ret, "purge whose failed merged unmap every run recovered: %d",
		ret);
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_merged_unmap_recovered_returns_0(void)
{
	const struct fi_config cfg = {
		"fi_merged", RTE_VMAP_PAGE_4K, "sim", RTE_VMAP_IOVA_DOMAIN,
		RTE_VMAP_F_NO_LCORE_CACHE, 0
	};

	return fi_with_space(&cfg, fi_merged_recovered_body, NULL);
}

/* ---- two failures at once ------------------------------------------------------ */

#define FI_IOVA_PAGES 16u

/*
 * Giving a DOMAIN IOVA range back takes no memory: with every allocation
 * failing, a reclaim that retires pooled ranges still returns their IOVA.
 * (The free tree's descriptor was once allocated at release: without it
 * the range was dropped, and the IOVA space shrank for good.)
 */
static int
test_iova_release_without_memory(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	void *w[FI_IOVA_PAGES];
	unsigned int i;
	int ret = TEST_FAILED;

	vmap_test_params(&p, "fi_iova_nomem");
	p.page_size = RTE_VMAP_PAGE_4K;
	p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
	p.iova_size = FI_IOVA_PAGES * 4 * KIB;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	for (i = 0; i < FI_IOVA_PAGES; i++) {
		w[i] = rte_vmap_alloc(vm, 4 * KIB, 0, SOCKET_ID_ANY);
		if (w[i] == NULL) {
			printf("alloc %u: %s\n", i, rte_strerror(rte_errno));
			goto out;
		}
	}
	for (i = 0; i < FI_IOVA_PAGES; i++)
		rte_vmap_free(vm, w[i]);
	/* The pools take them back with their IOVA; the reclaim retires them. */
	if (rte_vmap_purge(vm) != 0 || rte_vmap_fault_arm_from(RTE_VMAP_FAULT_ALLOC, 1) != 0)
		goto out;
	fi_quiet(true);
	vmap_reclaim(vm);
	fi_quiet(false);
	rte_vmap_fault_disarm_all();
	/* All of it is back, in one piece. */
	w[0] = rte_vmap_alloc(vm, FI_IOVA_PAGES * 4 * KIB, 0, SOCKET_ID_ANY);
	if (w[0] == NULL) {
		printf("the whole IOVA range after a reclaim without memory: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}
	rte_vmap_free(vm, w[0]);
	if (rte_vmap_verify(vm) == 0)
		ret = TEST_SUCCESS;
out:
	rte_vmap_fault_disarm_all();
	rte_vmap_destroy(vm);
	return ret;
}

/*
 * PA mode: on hugepages only (the library refuses it on 4 KiB pages, which
 * the kernel moves), windows of several 2 MiB pages, mapped one physically
 * contiguous run at a time. Hugepages reserved after boot are scattered
 * (seen here: no two of 16 faulted in a row adjacent), so a window of
 * FI_PA_PAGES pages takes about as many driver calls.
 */
#define FI_PA_PAGE RTE_VMAP_PAGE_2M
/* Windows of this many pages, side by side, in the partial unmap case. */
#define FI_PA_PAGES 4u
#define FI_PA_WINDOWS 3u

/* Skipped, with the reason printed, where no PA space can be made. */
static int
fi_pa_possible(void)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("EAL does not run IOVA as PA: no PA space here\n");
		return TEST_SKIPPED;
	}
	if (vmap_test_free_hugepages() < 2 * FI_PA_WINDOWS * FI_PA_PAGES) {
		printf("fewer than %u free 2 MiB hugepages: no PA space here\n",
			2 * FI_PA_WINDOWS * FI_PA_PAGES);
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

/*
 * PA mode maps a window run by run. The 3rd map fails, then the undo's
 * unmap of the 1st run fails too: that unmap is owed, and the range owes
 * nothing else. A good purge settles it: the range comes back and purges
 * succeed again. (The range once went lazy owing its whole unmap: every
 * purge failed for good on the pages it had never mapped, and held it
 * until destroy, with whatever was merged with it.)
 */
static int
fi_undo_failure_body(struct rte_vmap *vm, const void *arg)
{
	uint64_t inj = rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_MAP);
	struct rte_vmap_iommu_sim_stats st0, st1;
	struct rte_vmap_stats st;
	void *va;

	RTE_SET_USED(arg);
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st0), "sim stats");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_IOMMU_MAP, 3), "arm map");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_IOMMU_UNMAP, 1), "arm unmap");
	fi_quiet(true);
	va = rte_vmap_alloc(vm, FI_PA_PAGES * FI_PA_PAGE, 0, SOCKET_ID_ANY);
	fi_quiet(false);
	if (va != NULL && rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_MAP) == inj) {
		rte_vmap_fault_disarm_all();
		printf("the window's %u hugepages were in fewer than 3 physical runs: no 3rd "
			"map to fail\n", FI_PA_PAGES);
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, va), "free");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_NULL(va, "the window was made with its 3rd map failing");
	TEST_ASSERT_EQUAL(rte_errno, EIO, "errno %d", rte_errno);
	TEST_ASSERT(rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP) != 0,
		"the undo's unmap was not failed");
	rte_vmap_fault_disarm_all();
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st1), "sim stats");
	TEST_ASSERT_EQUAL(st1.maps - st0.maps - (st1.unmaps - st0.unmaps), 1u,
		"%" PRIu64 " maps, %" PRIu64 " unmaps: the 1st run should stay mapped",
		st1.maps - st0.maps, st1.unmaps - st0.unmaps);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "the purge that settles the undo");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "a purge after it");
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &st1), "sim stats");
	TEST_ASSERT_EQUAL(st1.maps - st0.maps, st1.unmaps - st0.unmaps,
		"%" PRIu64 " maps, %" PRIu64 " unmaps after the purge", st1.maps - st0.maps,
		st1.unmaps - st0.unmaps);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%" PRIu64 " bytes still held", st.va_lazy);
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_pa_map_undo_failure_settled(void)
{
	const struct fi_config cfg = {
		"fi_undo", FI_PA_PAGE, "sim", RTE_VMAP_IOVA_PA, 0, 0
	};
	int ret = fi_pa_possible();

	if (ret != TEST_SUCCESS)
		return ret;
	return fi_with_space(&cfg, fi_undo_failure_body, NULL);
}

/*
 * The nth driver unmap fails: of a purge (lazy), or of the frees (STRICT).
 * Then a good purge: all gone.
 */
static int
fi_partial_unmap_round(struct rte_vmap *vm, uint64_t nth, bool strict)
{
	rte_iova_t iova[FI_PA_WINDOWS * FI_PA_PAGES];
	uint64_t inj = rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP);
	char *w[FI_PA_WINDOWS];
	struct rte_vmap_stats st;
	unsigned int i, k;
	bool injected;
	void *va;
	int ret;

	for (i = 0; i < FI_PA_WINDOWS; i++) {
		w[i] = rte_vmap_alloc(vm, FI_PA_PAGES * FI_PA_PAGE, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(w[i], "nth %" PRIu64 ": alloc: %s", nth,
			rte_strerror(rte_errno));
		for (k = 0; k < FI_PA_PAGES; k++)
			iova[i * FI_PA_PAGES + k] = rte_vmap_virt2iova(vm, w[i] + k * FI_PA_PAGE);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_IOMMU_UNMAP, nth), "arm");
	fi_quiet(true);
	for (i = 0; i < FI_PA_WINDOWS; i++)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w[i]), "free");
	ret = strict ? 0 : rte_vmap_purge(vm);
	fi_quiet(false);
	rte_vmap_fault_disarm_all();
	injected = rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP) != inj;
	if (strict || !injected)
		TEST_ASSERT_SUCCESS(ret, "nth %" PRIu64 ": purge with nothing failed", nth);
	else
		TEST_ASSERT(ret == -EIO || ret == 0, "nth %" PRIu64 ": purge with an unmap "
			"failing: %d", nth, ret);
	/* 0 with a failure: a merged unmap whose runs then all went, nothing held. */
	if (!strict && injected && ret == 0) {
		TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
		TEST_ASSERT_EQUAL(st.va_lazy, 0u, "nth %" PRIu64 ": the purge returned 0 "
			"holding %" PRIu64 " bytes", nth, st.va_lazy);
	}
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "nth %" PRIu64 ": the purge after it", nth);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "nth %" PRIu64 ": %" PRIu64 " bytes still held", nth,
		st.va_lazy);
	for (k = 0; k < RTE_DIM(iova); k++)
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova[k], &va), -ENOENT,
			"nth %" PRIu64 ": IOVA 0x%" PRIx64 " still translated", nth, iova[k]);
	VMAP_TEST_VERIFY(vm);
	/* Fewer calls than nth (merged runs): the sweep is over. */
	return injected ? TEST_SUCCESS : TEST_SKIPPED;
}

/*
 * PA mode unmaps a window run by run (a purge: physically contiguous
 * pages of neighbouring windows in one call). Each unmap call fails in
 * turn, once: only the pages refused are owed, and the next purge settles
 * them, so nothing is held after it. (A window once owed its whole unmap
 * again after one page failed: every later purge failed on the pages
 * already unmapped and held it, with the neighbours merged into the
 * failed call, until destroy.)
 */
static int
fi_partial_unmap_body(struct rte_vmap *vm, const void *arg)
{
	const bool *strict = arg;
	uint64_t nth;
	int ret;

	for (nth = 1; nth <= FI_PA_WINDOWS * FI_PA_PAGES; nth++) {
		ret = fi_partial_unmap_round(vm, nth, *strict);
		if (ret == TEST_SKIPPED)
			break;
		TEST_ASSERT_SUCCESS(ret, "round %" PRIu64, nth);
	}
	TEST_ASSERT(nth > 2, "only %" PRIu64 " unmap calls to fail", nth - 1);
	return TEST_SUCCESS;
}

static int
fi_partial_unmap(unsigned int flags)
{
	const struct fi_config cfg = {
		"fi_partial", FI_PA_PAGE, "sim", RTE_VMAP_IOVA_PA,
		RTE_VMAP_F_NO_LCORE_CACHE | flags, 0
	};
	const bool strict = (flags & RTE_VMAP_F_STRICT) != 0;
	int ret = fi_pa_possible();

	if (ret != TEST_SUCCESS)
		return ret;
	return fi_with_space(&cfg, fi_partial_unmap_body, &strict);
}

static int
test_pa_partial_unmap_settled(void)
{
	return fi_partial_unmap(0);
}

static int
test_pa_partial_unmap_strict_settled(void)
{
	return fi_partial_unmap(RTE_VMAP_F_STRICT);
}

/*
 * Hugepages of the window whose refused runs get no record: more runs
 * than the 16 spare records the library once had. The space's lazy_max
 * is large enough that the lazy free leaves the window for the purge the
 * test makes fail.
 */
#define FI_LOST_PAGES 24u

/*
 * One round: a window of FI_LOST_PAGES scattered hugepages, its first run
 * unmapped and every later one refused, metadata allocations failing from
 * the alloc_from-th on; then, the faults off, purges must settle exactly
 * the refused runs: the range comes back, nothing stays translated.
 * *refused: the runs the driver refused in the failing step.
 */
static int
lost_round(struct rte_vmap *vm, bool strict, uint64_t alloc_from, unsigned int *refused)
{
	uint64_t unmaps = rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP);
	rte_iova_t iova[FI_LOST_PAGES];
	struct rte_vmap_stats st;
	unsigned int k;
	char *w;
	void *va;
	int ret;

	w = rte_vmap_alloc(vm, FI_LOST_PAGES * FI_PA_PAGE, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w, "alloc: %s", rte_strerror(rte_errno));
	for (k = 0; k < FI_LOST_PAGES; k++)
		iova[k] = rte_vmap_virt2iova(vm, w + k * FI_PA_PAGE);
	fi_quiet(true);
	if (!strict)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, w), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(RTE_VMAP_FAULT_IOMMU_UNMAP, 2), "arm unmap");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(RTE_VMAP_FAULT_ALLOC, alloc_from),
		"arm alloc");
	ret = strict ? rte_vmap_free(vm, w) : rte_vmap_purge(vm);
	rte_vmap_fault_disarm_all();
	fi_quiet(false);
	*refused = (unsigned int)(rte_vmap_fault_injected(RTE_VMAP_FAULT_IOMMU_UNMAP) - unmaps);
	TEST_ASSERT(ret == 0 || ret == -EIO || ret == -ENOMEM, "the failing step: %d", ret);
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "the purge after the faults");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "a purge after it");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_lazy, 0u, "%" PRIu64 " bytes still held", st.va_lazy);
	for (k = 0; k < FI_LOST_PAGES; k++)
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova[k], &va), -ENOENT,
			"IOVA 0x%" PRIx64 " still translated", iova[k]);
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

/*
 * A refused run is owed even when no record can be had (malloc() failing
 * as well as the unmap). A strict free meets both at once; a purge
 * allocates its batch first, so the allocations fail from a later call
 * in each round, until a round has the unmaps refused with no memory.
 * (A range once owed its whole unmap when a record was lost: every later
 * purge unmapped again the run that had gone, the driver refused it, and
 * the range was held until destroy.)
 */
static int
fi_lost_record_body(struct rte_vmap *vm, const void *arg)
{
	const bool *strict = arg;
	unsigned int refused = 0;
	uint64_t from;

	for (from = 1; from <= 8 && refused < 2; from++)
		TEST_ASSERT_SUCCESS(lost_round(vm, *strict, from, &refused),
			"allocations failing from call %" PRIu64 " on", from);
	TEST_ASSERT(refused >= 2, "no round had two runs refused with no memory");
	printf("%u runs refused at once with no memory for records (allocations failing from "
		"call %" PRIu64 " on): all settled\n", refused, from - 1);
	return TEST_SUCCESS;
}

/* fi_pa_possible(), and hugepages for a window of FI_LOST_PAGES twice over. */
static int
fi_lost_possible(void)
{
	int ret = fi_pa_possible();

	if (ret == TEST_SUCCESS && vmap_test_free_hugepages() < 2 * FI_LOST_PAGES) {
		printf("fewer than %u free 2 MiB hugepages\n", 2 * FI_LOST_PAGES);
		ret = TEST_SKIPPED;
	}
	return ret;
}

static int
fi_lost_record(unsigned int flags)
{
	const struct fi_config cfg = {
		"fi_lost", FI_PA_PAGE, "sim", RTE_VMAP_IOVA_PA,
		RTE_VMAP_F_NO_LCORE_CACHE | flags, 0, 4 * FI_LOST_PAGES * FI_PA_PAGE
	};
	const bool strict = (flags & RTE_VMAP_F_STRICT) != 0;
	int ret = fi_lost_possible();

	if (ret != TEST_SUCCESS)
		return ret;
	return fi_with_space(&cfg, fi_lost_record_body, &strict);
}

/*
 * A per-lcore block window's refused unmap with no memory for a record,
 * while a window's 23 refused runs hold what records there are: owed all
 * the same, and settled by the purges that follow once the faults stop.
 * (A block window's unmap once dropped a record it could not have: the
 * block's IOVA stayed translated for good, never retried, while its
 * granules could be carved again.)
 */
static int
fi_block_lost_body(struct rte_vmap *vm, const void *arg)
{
	rte_iova_t iova;
	char *w, *big;
	void *va;
	int ret;

	RTE_SET_USED(arg);
	w = rte_vmap_block_alloc(vm, 8 * KIB);
	TEST_ASSERT_NOT_NULL(w, "block alloc: %s", rte_strerror(rte_errno));
	iova = rte_vmap_virt2iova(vm, w);
	big = rte_vmap_alloc(vm, FI_LOST_PAGES * FI_PA_PAGE, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(big, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, big), "free");
	fi_quiet(true);
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(RTE_VMAP_FAULT_IOMMU_UNMAP, 2), "arm unmap");
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(RTE_VMAP_FAULT_ALLOC, 1), "arm alloc");
	ret = rte_vmap_purge(vm);
	TEST_ASSERT(ret == -EIO || ret == -ENOMEM, "the failing purge: %d", ret);
	TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, w, 8 * KIB), "block free");
	rte_vmap_fault_disarm_all();
	fi_quiet(false);
	TEST_ASSERT(rte_vmap_iommu_sim_translate(vm, iova, &va) == 0,
		"the block window's refused unmap took effect");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_purge(vm);
	rte_vmap_purge(vm);
	TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(vm, iova, &va), -ENOENT,
		"the block window's IOVA 0x%" PRIx64 " still translated after the purges", iova);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "a purge after it");
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_block_lost_record_settled(void)
{
	const struct fi_config cfg = {
		"fi_blost", FI_PA_PAGE, "sim", RTE_VMAP_IOVA_PA, 0, 0,
		4 * FI_LOST_PAGES * FI_PA_PAGE
	};
	int ret = fi_lost_possible();

	if (ret != TEST_SUCCESS)
		return ret;
	return fi_with_space(&cfg, fi_block_lost_body, NULL);
}

static int
test_lost_record_settled(void)
{
	return fi_lost_record(0);
}

static int
test_lost_record_strict_settled(void)
{
	return fi_lost_record(RTE_VMAP_F_STRICT);
}

/* ---- the control API --------------------------------------------------------- */

static int
test_api_misuse_rejected(void)
{
	unsigned int p, q;

	TEST_ASSERT_EQUAL(rte_vmap_fault_arm(RTE_VMAP_FAULT_POINT_MAX, 1), -EINVAL, "bad point");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_vmap_fault_arm_from((enum rte_vmap_fault_point)-1, 1), -EINVAL,
		"negative point");
	TEST_ASSERT_EQUAL(rte_vmap_fault_arm(RTE_VMAP_FAULT_MMAP, 0), -EINVAL, "nth 0");
	TEST_ASSERT_EQUAL(rte_vmap_fault_disarm(RTE_VMAP_FAULT_POINT_MAX), -EINVAL, "disarm");
	rte_errno = 0;
	TEST_ASSERT_NULL(rte_vmap_fault_name(RTE_VMAP_FAULT_POINT_MAX), "name of no point");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	rte_errno = 0;
	TEST_ASSERT_EQUAL(rte_vmap_fault_calls(RTE_VMAP_FAULT_POINT_MAX), 0u, "calls");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	for (p = 0; p < RTE_VMAP_FAULT_POINT_MAX; p++) {
		TEST_ASSERT_NOT_NULL(rte_vmap_fault_name(p), "point %u has no name", p);
		for (q = 0; q < p; q++)
			TEST_ASSERT(strcmp(rte_vmap_fault_name(p), rte_vmap_fault_name(q)) != 0,
				"points %u and %u share a name", p, q);
	}
	return TEST_SUCCESS;
}

/* nth counts calls from the arming; once fails one call, from fails all after. */
static int
test_arm_once_and_from(void)
{
	uint64_t calls, inj;
	struct rte_vmap *vm;

	calls = rte_vmap_fault_calls(RTE_VMAP_FAULT_MMAP);
	inj = rte_vmap_fault_injected(RTE_VMAP_FAULT_MMAP);
	/* The second mmap of a create is a table's: the reservation is made and undone. */
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_MMAP, 2), "arm");
	TEST_ASSERT_NULL(fi_create(&fi_plain, "fi_arm"), "create with its 2nd mmap failing");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "rte_errno %d", rte_errno);
	/* The backing maps its two tables before it looks at either. */
	TEST_ASSERT(rte_vmap_fault_calls(RTE_VMAP_FAULT_MMAP) >= calls + 2, "calls %" PRIu64
		", %" PRIu64 " before", rte_vmap_fault_calls(RTE_VMAP_FAULT_MMAP), calls);
	TEST_ASSERT_EQUAL(rte_vmap_fault_injected(RTE_VMAP_FAULT_MMAP), inj + 1, "injected");
	vm = fi_create(&fi_plain, "fi_arm");
	TEST_ASSERT_NOT_NULL(vm, "create after the one failure: %s", rte_strerror(rte_errno));
	rte_vmap_destroy(vm);

	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm_from(RTE_VMAP_FAULT_MMAP, 1), "arm from");
	TEST_ASSERT_NULL(fi_create(&fi_plain, "fi_arm"), "create, 1st failure");
	TEST_ASSERT_NULL(fi_create(&fi_plain, "fi_arm"), "create, 2nd failure");
	rte_vmap_fault_disarm_all();
	vm = fi_create(&fi_plain, "fi_arm");
	TEST_ASSERT_NOT_NULL(vm, "create once disarmed: %s", rte_strerror(rte_errno));
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* Placement is a preference: an mbind() that fails does not fail the window. */
static int
fi_mbind_body(struct rte_vmap *vm, const void *arg)
{
	uint64_t inj = rte_vmap_fault_injected(RTE_VMAP_FAULT_MBIND);
	char *w;

	RTE_SET_USED(arg);
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(RTE_VMAP_FAULT_MBIND, 1), "arm");
	w = rte_vmap_alloc(vm, 64 * KIB, 0, SOCKET_ID_ANY);
	rte_vmap_fault_disarm(RTE_VMAP_FAULT_MBIND);
	TEST_ASSERT_EQUAL(rte_vmap_fault_injected(RTE_VMAP_FAULT_MBIND), inj + 1, "not injected");
	TEST_ASSERT_NOT_NULL(w, "alloc with mbind() failing: %s", rte_strerror(rte_errno));
	memset(w, 0x11, 64 * KIB);
	VMAP_TEST_VERIFY(vm);
	return TEST_SUCCESS;
}

static int
test_mbind_failure_not_fatal(void)
{
	const char *why = fi_unreachable(RTE_VMAP_FAULT_MBIND);

	if (why != NULL) {
		printf("%s\n", why);
		return TEST_SKIPPED;
	}
	return fi_with_space(&fi_plain, fi_mbind_body, NULL);
}

/* ---- the suite ---------------------------------------------------------------- */

static struct unit_test_suite vmap_fault_suite = {
	.suite_name = "vmap fault injection",
	.setup = fi_sweep_setup,
	.teardown = fi_sweep_teardown,
	.unit_test_cases = {
		TEST_CASE(test_api_misuse_rejected),
		TEST_CASE(test_arm_once_and_from),
		TEST_CASE(test_mbind_failure_not_fatal),
		TEST_CASE(test_flush_failure_keeps_range_domain),
		TEST_CASE(test_flush_failure_keeps_range_va),
		TEST_CASE(test_unmap_failure_keeps_range_domain),
		TEST_CASE(test_unmap_failure_keeps_range_va),
		TEST_CASE(test_strict_unmap_failure_keeps_range),
		TEST_CASE(test_strict_flush_failure_keeps_range),
		TEST_CASE(test_block_unmap_failure_owed),
		TEST_CASE(test_strict_block_unmap_failure_owed),
		TEST_CASE(test_flush_failing_for_good_destroy_clean),
		TEST_CASE(test_unmap_failing_for_good_destroy_clean),
		TEST_CASE(test_merged_unmap_recovered_returns_0),
		TEST_CASE(test_iova_release_without_memory),
		TEST_CASE(test_pa_map_undo_failure_settled),
		TEST_CASE(test_pa_partial_unmap_settled),
		TEST_CASE(test_pa_partial_unmap_strict_settled),
		TEST_CASE(test_lost_record_settled),
		TEST_CASE(test_lost_record_strict_settled),
		TEST_CASE(test_block_lost_record_settled),
		TEST_CASE(test_sweep_mmap),
		TEST_CASE(test_sweep_mremap),
		TEST_CASE(test_sweep_populate),
		TEST_CASE(test_sweep_mbind),
		TEST_CASE(test_sweep_iommu_map),
		TEST_CASE(test_sweep_iommu_unmap),
		TEST_CASE(test_sweep_iommu_flush),
		TEST_CASE(test_sweep_extmem_register),
		TEST_CASE(test_sweep_dev_dma_map),
		TEST_CASE(test_sweep_alloc),
		TEST_CASES_END()
	}
};

static int
test_vmap_fault(void)
{
	if (!rte_vmap_fault_supported()) {
		/* Nothing to sweep, but the control API must say why. */
		if (rte_vmap_fault_arm(RTE_VMAP_FAULT_MMAP, 1) != -ENOTSUP ||
				rte_errno != ENOTSUP) {
			printf("arm without fault injection: not -ENOTSUP\n");
			return TEST_FAILED;
		}
		printf("built without fault injection (meson -Dfault_injection=true): skipped\n");
		return TEST_SKIPPED;
	}
	return unit_test_suite_runner(&vmap_fault_suite);
}

REGISTER_FAST_TEST(vmap_fault_autotest, NOHUGE_OK, ASAN_OK, test_vmap_fault);
