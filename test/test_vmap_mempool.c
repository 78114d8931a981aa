/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * DPDK integration, mempools.
 *
 * vmap_mempool_autotest: mempools and mbuf pools in windows. Every object
 * in a window with the IOVA the space gives it, IOVA-contiguous; round
 * trips on 2 lcores (rte_pktmbuf_alloc/free, rte_mbuf_sanity_check); mbuf
 * IOVAs proven through the sim IOMMU (a device writes through buf_iova, the
 * CPU reads); freeing the pool frees the windows.
 *
 *
 * dpdk_test_util.h says how the IOVA modes are covered.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_random.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>
#include <rte_vmap_mempool.h>

#include "dpdk_test_util.h"
#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

struct obj_check {
	struct rte_vmap *vm;
	unsigned int n;
	unsigned int bad;
	bool extmem;
};

/* An object (with its header) is in a live window, IOVA-contiguous, at the space's IOVA. */
static void
check_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct obj_check *c = arg;
	const char *start = (const char *)obj - mp->header_size;
	size_t len = mp->header_size + mp->elt_size, off;
	rte_iova_t iova = rte_vmap_virt2iova(c->vm, start);
	const struct rte_memseg *ms;
	struct rte_vmap_window w;

	RTE_SET_USED(idx);
	c->n++;
	if (iova == RTE_BAD_IOVA || rte_vmap_find(c->vm, start, &w) != 0 ||
			(const char *)w.va + w.size < start + len ||
			rte_mempool_virt2iova(obj) != rte_vmap_virt2iova(c->vm, obj)) {
		c->bad++;
		return;
	}
	for (off = 4 * KIB - ((uintptr_t)start & (4 * KIB - 1)); off < len; off += 4 * KIB)
		if (rte_vmap_virt2iova(c->vm, start + off) != iova + off) {
			c->bad++;
			return;
		}
	if (rte_vmap_virt2iova(c->vm, start + len - 1) != iova + len - 1) {
		c->bad++;
		return;
	}
	/* EXTMEM: DPDK's memseg says the same as the pool. */
	ms = c->extmem ? rte_mem_virt2memseg(obj, NULL) : NULL;
	if (c->extmem && (ms == NULL || ms->iova + ((uintptr_t)obj - (uintptr_t)ms->addr) !=
			rte_mempool_virt2iova(obj)))
		c->bad++;
}

static int
check_pool_objects(struct rte_mempool *mp, struct rte_vmap *vm, bool extmem)
{
	struct obj_check c = { .vm = vm, .extmem = extmem };

	rte_mempool_obj_iter(mp, check_obj, &c);
	TEST_ASSERT_EQUAL(c.n, mp->size, "%u objects iterated, pool has %u", c.n, mp->size);
	TEST_ASSERT_EQUAL(c.bad, 0, "%u of %u objects misplaced or with a wrong IOVA",
		c.bad, c.n);
	return TEST_SUCCESS;
}

/* What must come back once a pool's windows are freed and purged. */
static int
stats_back(struct rte_vmap *vm, const struct rte_vmap_stats *before)
{
	struct rte_vmap_stats st;

	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT(st.nr_windows == before->nr_windows && st.va_used == before->va_used &&
		st.va_lazy == 0, "windows %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
		" lazy %" PRIu64, st.nr_windows, before->nr_windows, st.va_used,
		before->va_used, st.va_lazy);
	return TEST_SUCCESS;
}

static int
test_mempool_objects_in_windows(void)
{
	static const unsigned int elt_sizes[] = { 64, 2000, 3000, 70000 };
	struct rte_vmap_stats before, st;
	struct rte_mempool *mp;
	struct rte_vmap *vm;
	unsigned int i;
	int ext;

	for (ext = 0; ext < 2; ext++) {
		vm = dpdk_space("mp_objs", ext ? RTE_VMAP_F_EXTMEM : 0, NULL,
			RTE_VMAP_IOVA_AUTO);
		TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
		for (i = 0; i < RTE_DIM(elt_sizes); i++) {
			TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
			mp = rte_vmap_mempool_create("vmap_mp_objs", 1000, elt_sizes[i], 32, 0,
				vm, SOCKET_ID_ANY, 0);
			TEST_ASSERT_NOT_NULL(mp, "mempool of %u: %s", elt_sizes[i],
				rte_strerror(rte_errno));
			TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
			printf("  %s elt %u: %u objects in %u chunks, %" PRIu64 " window(s)\n",
				ext ? "EXTMEM" : "plain", elt_sizes[i], mp->populated_size,
				mp->nb_mem_chunks, st.nr_windows - before.nr_windows);
			TEST_ASSERT(st.nr_windows > before.nr_windows, "no window taken");
			TEST_ASSERT_SUCCESS(check_pool_objects(mp, vm, ext != 0), "objects");
			TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), 1000, "avail");
			VMAP_TEST_VERIFY(vm);
			rte_mempool_free(mp);
			TEST_ASSERT_SUCCESS(stats_back(vm, &before), "pool free left windows");
			VMAP_TEST_VERIFY(vm);
		}
		rte_vmap_destroy(vm);
	}
	return TEST_SUCCESS;
}

static int
test_mempool_objects_larger_than_a_page(void)
{
	struct rte_vmap_stats before;
	struct rte_mempool *mp;
	struct rte_vmap *vm;
	size_t page;

	vm = dpdk_space("mp_big", 0, NULL, RTE_VMAP_IOVA_AUTO);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	page = rte_vmap_page_size(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	/*
	 * 1.5 pages each: in PA mode an object fits only where two backing pages
	 * happen to be physically adjacent; either the pool is made with every
	 * object IOVA-contiguous, or it fails with EINVAL and leaves nothing.
	 */
	mp = rte_vmap_mempool_create("vmap_mp_big", 4, page + page / 2, 0, 0, vm,
		SOCKET_ID_ANY, 0);
	if (mp != NULL) {
		TEST_ASSERT_SUCCESS(check_pool_objects(mp, vm, false), "big objects");
		rte_mempool_free(mp);
	} else {
		TEST_ASSERT(rte_eal_iova_mode() == RTE_IOVA_PA && rte_errno == EINVAL,
			"big objects in %s mode: %s", eal_iova_name(), rte_strerror(rte_errno));
		printf("  PA mode: 1.5-page objects refused (no physically adjacent pages)\n");
	}
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");
	/* Without IOVA contiguity they always fit. */
	mp = rte_vmap_mempool_create("vmap_mp_big", 4, page + page / 2, 0, 0, vm,
		SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mp, "NO_IOVA_CONTIG pool: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), 4, "avail");
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_mempool_populate_empty_pool(void)
{
	struct rte_vmap_stats before;
	struct rte_mempool *mp;
	struct rte_vmap *vm;

	vm = dpdk_space("mp_populate", 0, NULL, RTE_VMAP_IOVA_AUTO);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	mp = rte_mempool_create_empty("vmap_mp_populate", 511, 128, 16, 0, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "create_empty: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL), "ops");
	TEST_ASSERT_EQUAL(rte_vmap_mempool_populate(NULL, vm), -EINVAL, "NULL pool");
	TEST_ASSERT_EQUAL(rte_vmap_mempool_populate(mp, NULL), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_mempool_populate(mp, vm), 511, "populate");
	TEST_ASSERT_EQUAL(rte_vmap_mempool_populate(mp, vm), -ENOSPC, "populate a full pool");
	TEST_ASSERT_SUCCESS(check_pool_objects(mp, vm, false), "objects");
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");

	/* Bad arguments leave nothing behind. */
	TEST_ASSERT_NULL(rte_vmap_mempool_create("vmap_mp_bad", 16, 64, 0, 0, NULL,
		SOCKET_ID_ANY, 0), "NULL space");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_pktmbuf_pool_create("vmap_mb_bad", 16, 0, 3,
		RTE_MBUF_DEFAULT_BUF_SIZE, vm, SOCKET_ID_ANY), "unaligned priv_size");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	TEST_ASSERT_NULL(rte_vmap_mempool_create("vmap_mp_a_name_far_too_long_for_a_mempool",
		16, 64, 0, 0, vm, SOCKET_ID_ANY, 0), "long name");
	TEST_ASSERT_EQUAL(rte_errno, ENAMETOOLONG, "rte_errno %d", rte_errno);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

#define MP_MT_ROUNDS 2000
#define MP_MT_BURST 32

struct mp_mt {
	struct rte_vmap *vm;
	struct rte_mempool *mp;
	unsigned int lcore;
	int result;
};

/* Get, stamp, check, put objects: two lcores through caches and the ring. */
static int
mp_mt_objects(void *arg)
{
	struct mp_mt *mt = arg;
	void *obj[MP_MT_BURST];
	unsigned int r, i;

	mt->result = TEST_FAILED;
	for (r = 0; r < MP_MT_ROUNDS; r++) {
		if (rte_mempool_get_bulk(mt->mp, obj, MP_MT_BURST) != 0)
			continue; /* the other lcore holds the rest */
		for (i = 0; i < MP_MT_BURST; i++)
			memset(obj[i], (int)(mt->lcore + r), mt->mp->elt_size);
		for (i = 0; i < MP_MT_BURST; i++) {
			const uint8_t *b = obj[i];

			if (b[0] != (uint8_t)(mt->lcore + r) ||
					b[mt->mp->elt_size - 1] != (uint8_t)(mt->lcore + r) ||
					rte_mempool_virt2iova(obj[i]) !=
					rte_vmap_virt2iova(mt->vm, obj[i]))
				return -1;
		}
		rte_mempool_put_bulk(mt->mp, obj, MP_MT_BURST);
	}
	mt->result = TEST_SUCCESS;
	return 0;
}

/* Allocate, check and free mbufs, one by one and in bulk. */
static int
mp_mt_mbufs(void *arg)
{
	struct mp_mt *mt = arg;
	struct rte_mbuf *m[MP_MT_BURST];
	unsigned int r, i;
	char *data;

	mt->result = TEST_FAILED;
	for (r = 0; r < MP_MT_ROUNDS; r++) {
		if ((r & 1) == 0) {
			if (rte_pktmbuf_alloc_bulk(mt->mp, m, MP_MT_BURST) != 0)
				continue;
		} else {
			for (i = 0; i < MP_MT_BURST; i++) {
				m[i] = rte_pktmbuf_alloc(mt->mp);
				if (m[i] == NULL)
					break;
			}
			if (i < MP_MT_BURST) {
				while (i-- > 0)
					rte_pktmbuf_free(m[i]);
				continue;
			}
		}
		for (i = 0; i < MP_MT_BURST; i++) {
			rte_mbuf_sanity_check(m[i], 1);
			if (m[i]->buf_iova != rte_vmap_virt2iova(mt->vm, m[i]->buf_addr) ||
					rte_vmap_virt2iova(mt->vm, (char *)m[i]->buf_addr +
					m[i]->buf_len - 1) != m[i]->buf_iova + m[i]->buf_len - 1)
				return -1;
			data = rte_pktmbuf_append(m[i], 1000);
			if (data == NULL || rte_pktmbuf_iova(m[i]) !=
					rte_vmap_virt2iova(mt->vm, data))
				return -1;
			memset(data, (int)mt->lcore, 1000);
		}
		if ((r & 1) == 0) {
			rte_pktmbuf_free_bulk(m, MP_MT_BURST);
		} else {
			for (i = 0; i < MP_MT_BURST; i++)
				rte_pktmbuf_free(m[i]);
		}
	}
	mt->result = TEST_SUCCESS;
	return 0;
}

static int
run_two_lcores(lcore_function_t *fn, struct rte_vmap *vm, struct rte_mempool *mp)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct mp_mt mt[2] = {
		{ .vm = vm, .mp = mp, .lcore = rte_lcore_id() },
		{ .vm = vm, .mp = mp, .lcore = worker },
	};

	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(fn, &mt[1], worker), "launch");
	fn(&mt[0]);
	rte_eal_wait_lcore(worker);
	TEST_ASSERT(mt[0].result == TEST_SUCCESS && mt[1].result == TEST_SUCCESS,
		"lcore results %d %d", mt[0].result, mt[1].result);
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), mp->size, "objects lost");
	rte_mempool_audit(mp);
	return TEST_SUCCESS;
}

static int
test_mempool_round_trip_two_lcores(void)
{
	struct rte_vmap_stats before;
	struct rte_mempool *mp;
	struct rte_vmap *vm;

	if (rte_lcore_count() < 2) {
		printf("  skipped: needs 2 lcores (-l 0-1)\n");
		return TEST_SKIPPED;
	}
	vm = dpdk_space("mp_mt", RTE_VMAP_F_EXTMEM, NULL, RTE_VMAP_IOVA_AUTO);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");

	mp = rte_vmap_mempool_create("vmap_mp_mt", 1023, 256, 64, 0, vm, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(run_two_lcores(mp_mt_objects, vm, mp), "objects");
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");

	mp = rte_vmap_pktmbuf_pool_create("vmap_mb_mt", 2047, 64, 16, RTE_MBUF_DEFAULT_BUF_SIZE,
		vm, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(rte_pktmbuf_priv_size(mp), 16, "priv size");
	TEST_ASSERT_EQUAL(rte_pktmbuf_data_room_size(mp), RTE_MBUF_DEFAULT_BUF_SIZE, "data room");
	TEST_ASSERT_SUCCESS(check_pool_objects(mp, vm, true), "mbufs");
	TEST_ASSERT_SUCCESS(run_two_lcores(mp_mt_mbufs, vm, mp), "mbufs");
	VMAP_TEST_VERIFY(vm);
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

#define SIM_MBUFS 511
#define SIM_LEN 1500

/*
 * A device (the sim IOMMU) writes a frame through each mbuf's IOVA and the
 * CPU reads it at rte_pktmbuf_mtod(); then the CPU writes and the device
 * reads: the IOVAs the pool recorded are the ones the IOMMU translates.
 */
static int
sim_mbuf_round_trip(const char *name, enum rte_vmap_iova_mode mode, unsigned int flags)
{
	static struct rte_mbuf *m[SIM_MBUFS];
	struct rte_vmap_iommu_sim_stats sst;
	struct rte_vmap_stats before;
	uint8_t frame[SIM_LEN], back[SIM_LEN];
	struct rte_mempool *mp;
	struct rte_vmap *vm;
	unsigned int i, k;

	vm = dpdk_space(name, flags, "sim", mode);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %s", name, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &before), "stats");
	mp = rte_vmap_pktmbuf_pool_create("vmap_mb_sim", SIM_MBUFS, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, vm, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(mp, m, SIM_MBUFS), "alloc all");
	for (i = 0; i < SIM_MBUFS; i++) {
		for (k = 0; k < SIM_LEN; k++)
			frame[k] = (uint8_t)(i * 31 + k);
		TEST_ASSERT_NOT_NULL(rte_pktmbuf_append(m[i], SIM_LEN), "append");
		TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_write(vm, rte_pktmbuf_iova(m[i]),
			frame, SIM_LEN), "device write to mbuf %u", i);
		TEST_ASSERT_SUCCESS(memcmp(rte_pktmbuf_mtod(m[i], void *), frame, SIM_LEN),
			"CPU does not see what the device wrote in mbuf %u", i);
		/* The whole buffer, headroom to the end of the room. */
		memset(m[i]->buf_addr, (int)i, m[i]->buf_len);
		TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(vm, m[i]->buf_iova +
			m[i]->buf_len - SIM_LEN, back, SIM_LEN), "device read of mbuf %u", i);
		for (k = 0; k < SIM_LEN; k++)
			TEST_ASSERT_EQUAL(back[k], (uint8_t)i, "device reads other memory");
	}
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(vm, &sst), "sim stats");
	TEST_ASSERT(sst.faults_missing == 0 && sst.faults_stale == 0, "device faults");
	for (i = 0; i < SIM_MBUFS; i++)
		rte_pktmbuf_free(m[i]);
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(stats_back(vm, &before), "windows left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_pktmbuf_iova_through_sim(void)
{
	TEST_ASSERT_SUCCESS(sim_mbuf_round_trip("mb_sim_eal", RTE_VMAP_IOVA_AUTO, 0),
		"EAL's mode");
	TEST_ASSERT_SUCCESS(sim_mbuf_round_trip("mb_sim_ext", RTE_VMAP_IOVA_AUTO,
		RTE_VMAP_F_EXTMEM), "EAL's mode, EXTMEM");
	TEST_ASSERT_SUCCESS(sim_mbuf_round_trip("mb_sim_dom", RTE_VMAP_IOVA_DOMAIN, 0),
		"DOMAIN");
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_mempool_suite = {
	.suite_name = "vmap mempools and mbuf pools",
	.unit_test_cases = {
		TEST_CASE(test_mempool_objects_in_windows),
		TEST_CASE(test_mempool_objects_larger_than_a_page),
		TEST_CASE(test_mempool_populate_empty_pool),
		TEST_CASE(test_mempool_round_trip_two_lcores),
		TEST_CASE(test_pktmbuf_iova_through_sim),
		TEST_CASES_END()
	}
};

static int
test_vmap_mempool(void)
{
	return run_in_mode(&vmap_mempool_suite, false);
}

static int
test_vmap_mempool_va(void)
{
	return run_in_mode(&vmap_mempool_suite, true);
}

REGISTER_FAST_TEST(vmap_mempool_autotest, NOHUGE_OK, ASAN_OK, test_vmap_mempool);
REGISTER_FAST_TEST(vmap_mempool_va_autotest, NOHUGE_OK, ASAN_OK, test_vmap_mempool_va);
