/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_lazy_sim_autotest: lazy unmapping seen from the "sim" IOMMU. A
 * simulated device DMA-reads and writes live windows through their IOVAs
 * and must see what the CPU sees; after rte_vmap_purge() every freed IOVA
 * must fault unless a live window has it again.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>

#include "test.h"
#include "vmap_test_util.h"

#define SIM_LIVE_CAP 32u
#define SIM_MAX_PAGES 64u
#define SIM_FREED_CAP 512u
#define SIM_RUN_MS 1000u
#define SIM_MAX_OPS 40000u
#define SIM_DMA_MAX 16384u
/* Windows placed one after the other: a few threshold purges in the run. */
#define SIM_LAZY_MAX ((size_t)8 << 20)

struct sim_win {
	uint8_t *va;
	size_t size;
};

struct sim_ctx {
	struct rte_vmap *vm;
	uint64_t rng;
	struct sim_win live[SIM_LIVE_CAP];
	unsigned int nr_live;
	struct sim_win freed[SIM_FREED_CAP]; /* VA mode: the IOVA is the VA */
	unsigned int nr_freed;
	/* What the device's counters must say. */
	uint64_t allocs, frees, purges;
	uint64_t reads, writes, faults, pages;
	uint64_t probes_reused;
	uint8_t buf[SIM_DMA_MAX];
};

/* IOVA pages an access of len bytes at iova translates (len > 0). */
static uint64_t
sim_pages(rte_iova_t iova, size_t len)
{
	return ((iova + len - 1) >> 12) - (iova >> 12) + 1;
}

/* Every word different: a DMA through a wrong translation reads other bytes. */
static void
sim_fill(struct sim_win *w, uint64_t tag)
{
	uint64_t *q = (uint64_t *)(void *)w->va;
	size_t i;

	for (i = 0; i < w->size / 8; i++)
		q[i] = tag ^ (i * 0x100000001b3ull);
}

/* A device read of a random part of a live window sees what the CPU sees. */
static int
sim_dma_check(struct sim_ctx *s, const struct sim_win *w, bool write)
{
	uint64_t r = vmap_test_rand(&s->rng);
	size_t off = r % w->size;
	size_t len = 1 + (r >> 24) % RTE_MIN((size_t)SIM_DMA_MAX, w->size - off);
	rte_iova_t iova = rte_vmap_virt2iova(s->vm, w->va + off);
	size_t i;
	int ret;

	TEST_ASSERT_EQUAL(iova, (rte_iova_t)(uintptr_t)(w->va + off),
		"VA mode: virt2iova(%p) = 0x%" PRIx64, w->va + off, iova);
	if (write) {
		for (i = 0; i < len; i++)
			s->buf[i] = (uint8_t)(r >> (i % 7 * 8)) ^ (uint8_t)i;
		ret = rte_vmap_iommu_sim_dma_write(s->vm, iova, s->buf, len);
		s->writes++;
	} else {
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, s->buf, len);
		s->reads++;
	}
	s->pages += sim_pages(iova, len);
	TEST_ASSERT_SUCCESS(ret, "DMA %s of live window %p + %zu, %zu bytes: %d",
		write ? "write" : "read", w->va, off, len, ret);
	TEST_ASSERT_SUCCESS(memcmp(s->buf, w->va + off, len), "DMA %s of %p + %zu, %zu"
		" bytes: the device and the CPU disagree", write ? "write" : "read", w->va,
		off, len);
	return TEST_SUCCESS;
}

/* One probe of a freed IOVA after a purge: a fault, unless live again. */
static int
sim_probe(struct sim_ctx *s, rte_iova_t iova, bool write)
{
	struct rte_vmap_window w;
	uint8_t b = 0x5a;
	int ret;

	if (rte_vmap_find(s->vm, (void *)(uintptr_t)iova, &w) == 0) {
		/* Given to a new window since: the device reaches that window. */
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, &b, 1);
		s->reads++;
		s->pages++;
		s->probes_reused++;
		TEST_ASSERT_SUCCESS(ret, "IOVA 0x%" PRIx64 " is in the live window %p but"
			" DMA faults", iova, w.va);
		TEST_ASSERT_EQUAL(b, *(const uint8_t *)(uintptr_t)iova, "IOVA 0x%" PRIx64
			": the device and the CPU disagree", iova);
		return TEST_SUCCESS;
	}
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(s->vm, (void *)(uintptr_t)iova), RTE_BAD_IOVA,
		"virt2iova of freed 0x%" PRIx64, iova);
	if (write) {
		ret = rte_vmap_iommu_sim_dma_write(s->vm, iova, &b, 1);
		s->writes++;
	} else {
		ret = rte_vmap_iommu_sim_dma_read(s->vm, iova, &b, 1);
		s->reads++;
	}
	s->pages++;
	s->faults++;
	TEST_ASSERT_EQUAL(ret, -EFAULT, "DMA %s of freed IOVA 0x%" PRIx64 " after"
		" rte_vmap_purge(): %d, want -EFAULT", write ? "write" : "read", iova, ret);
	TEST_ASSERT_EQUAL(rte_errno, EFAULT, "rte_errno %d", rte_errno);
	return TEST_SUCCESS;
}

static int
sim_purge_and_probe(struct sim_ctx *s)
{
	const struct sim_win *f;
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_vmap_purge(s->vm), "rte_vmap_purge");
	s->purges++;
	for (i = 0; i < s->nr_freed; i++) {
		f = &s->freed[i];
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va, true), "first byte");
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va + f->size - 1, false),
			"last byte");
		TEST_ASSERT_SUCCESS(sim_probe(s, (uintptr_t)f->va +
			vmap_test_rand(&s->rng) % f->size, false), "a random byte");
	}
	s->nr_freed = 0;
	return TEST_SUCCESS;
}

static int
sim_free(struct sim_ctx *s, unsigned int k)
{
	struct sim_win w = s->live[k];

	/* Its translation in the IOTLB as it is freed: stale unless flushed. */
	TEST_ASSERT_SUCCESS(sim_dma_check(s, &w, false), "before free");
	s->live[k] = s->live[--s->nr_live];
	TEST_ASSERT_SUCCESS(rte_vmap_free(s->vm, w.va), "free %p", w.va);
	s->frees++;
	s->freed[s->nr_freed++] = w;
	if (s->nr_freed == SIM_FREED_CAP)
		return sim_purge_and_probe(s);
	return TEST_SUCCESS;
}

static int
sim_alloc(struct sim_ctx *s)
{
	uint64_t r = vmap_test_rand(&s->rng);
	struct sim_win *w = &s->live[s->nr_live];

	w->size = (1 + (r >> 8) % (1u << ((r >> 40) % 7))) * PAGE_4K;
	w->va = rte_vmap_alloc(s->vm, w->size, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w->va, "alloc %zu: %s", w->size, rte_strerror(rte_errno));
	s->nr_live++;
	s->allocs++;
	sim_fill(w, vmap_test_rand(&s->rng));
	return sim_dma_check(s, w, false);
}

static int
sim_workload(struct sim_ctx *s)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * SIM_RUN_MS / 1000;
	unsigned int op;
	uint64_t r;

	for (op = 0; op < SIM_MAX_OPS && rte_get_timer_cycles() < deadline; op++) {
		r = vmap_test_rand(&s->rng);
		if (r % 997 == 0)
			TEST_ASSERT_SUCCESS(sim_purge_and_probe(s), "purge");
		else if (s->nr_live == 0 || (s->nr_live < SIM_LIVE_CAP && r % 3 == 0))
			TEST_ASSERT_SUCCESS(sim_alloc(s), "alloc");
		else if (r % 3 == 1)
			TEST_ASSERT_SUCCESS(sim_free(s, (r >> 16) % s->nr_live), "free");
		else
			TEST_ASSERT_SUCCESS(sim_dma_check(s, &s->live[(r >> 16) % s->nr_live],
				(r >> 8) % 2 == 0), "DMA");
	}
	while (s->nr_live > 0)
		TEST_ASSERT_SUCCESS(sim_free(s, s->nr_live - 1), "free");
	return sim_purge_and_probe(s);
}

static int
test_lazy_sim_dma(void)
{
	struct rte_vmap_iommu_sim_stats ss;
	struct rte_vmap_params p;
	struct rte_vmap_stats st;
	struct sim_ctx *s;
	int ret;

	s = calloc(1, sizeof(*s));
	TEST_ASSERT_NOT_NULL(s, "no memory");
	vmap_test_params(&p, "lazy_sim");
	p.iommu = "sim";
	p.iommu_args = "iotlb=64";
	p.iova_mode = RTE_VMAP_IOVA_VA;
	p.lazy_max = SIM_LAZY_MAX;
	s->vm = rte_vmap_create(&p);
	if (s->vm == NULL) {
		free(s);
		TEST_ASSERT(false, "create: %s", rte_strerror(rte_errno));
	}
	s->rng = 0x243f6a8885a308d3ull;
	ret = sim_workload(s);
	if (ret == TEST_SUCCESS)
		ret = rte_vmap_verify(s->vm) == 0 ? TEST_SUCCESS : TEST_FAILED;
	if (ret == TEST_SUCCESS &&
			(rte_vmap_stats_get(s->vm, &st) != 0 ||
			rte_vmap_iommu_sim_stats_get(s->vm, &ss) != 0))
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS) {
		printf("  [sim] %" PRIu64 " allocs, %" PRIu64 " frees, %" PRIu64
			" rte_vmap_purge(); %" PRIu64 " purges; device: %" PRIu64 " maps %"
			PRIu64 " unmaps %" PRIu64 " flushes, %" PRIu64 " reads %" PRIu64
			" writes, faults %" PRIu64 " missing %" PRIu64 " stale, IOTLB %" PRIu64
			" hits %" PRIu64 " misses; %" PRIu64 " probes found the IOVA live"
			" again\n", s->allocs, s->frees, s->purges, st.nr_purges, ss.maps,
			ss.unmaps, ss.flushes, ss.dma_reads, ss.dma_writes, ss.faults_missing,
			ss.faults_stale, ss.iotlb_hits, ss.iotlb_misses, s->probes_reused);
		/* One map per window in VA mode; unmaps merge neighbours. */
		if (ss.maps != s->allocs || ss.unmaps != st.nr_unmaps ||
				ss.unmaps > ss.maps || ss.flushes != st.nr_flushes ||
				ss.dma_reads != s->reads || ss.dma_writes != s->writes ||
				ss.faults_missing != s->faults || ss.faults_stale != 0 ||
				ss.iotlb_hits + ss.iotlb_misses != s->pages) {
			printf("  [sim] counters disagree: want %" PRIu64 " maps, %" PRIu64
				" unmaps, %" PRIu64 " flushes, %" PRIu64 " reads, %" PRIu64
				" writes, %" PRIu64 " missing faults, 0 stale, %" PRIu64
				" page translations\n", s->allocs, st.nr_unmaps, st.nr_flushes,
				s->reads, s->writes, s->faults, s->pages);
			ret = TEST_FAILED;
		} else if (st.va_lazy != 0 || st.nr_windows != 0 ||
				ss.flushes * 4 >= s->frees) {
			printf("  [sim] va_lazy %" PRIu64 ", %" PRIu64 " windows, %" PRIu64
				" flushes for %" PRIu64 " frees\n", st.va_lazy, st.nr_windows,
				ss.flushes, s->frees);
			ret = TEST_FAILED;
		}
	}
	rte_vmap_destroy(s->vm);
	free(s);
	return ret;
}

static struct unit_test_suite vmap_lazy_sim_suite = {
	.suite_name = "vmap lazy unmapping against the sim IOMMU",
	.unit_test_cases = {
		TEST_CASE(test_lazy_sim_dma),
		TEST_CASES_END()
	}
};

static int
test_vmap_lazy_sim(void)
{
	return unit_test_suite_runner(&vmap_lazy_sim_suite);
}

REGISTER_FAST_TEST(vmap_lazy_sim_autotest, NOHUGE_OK, ASAN_OK, test_vmap_lazy_sim);
