/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * DPDK integration:
 *
 * vmap_extmem_autotest: RTE_VMAP_F_EXTMEM. The reservation is one memseg
 * list; rte_mem_virt2memseg() finds every byte of a live window and its
 * memseg's iova + offset is rte_vmap_virt2iova() (and rte_mem_virt2iova());
 * released pages go back to RTE_BAD_IOVA; devices (net_null vdevs, probed
 * before the space and after it) get rte_dev_dma_map()/unmap() per page;
 * destroy unregisters.
 *
 * vmap_mempool_autotest: mempools and mbuf pools in windows. Every object
 * in a window with the IOVA the space gives it, IOVA-contiguous; round
 * trips on 2 lcores (rte_pktmbuf_alloc/free, rte_mbuf_sanity_check); mbuf
 * IOVAs proven through the sim IOMMU (a device writes through buf_iova, the
 * CPU reads); freeing the pool frees the windows.
 *
 * Both run in whatever IOVA mode EAL chose (PA with hugepages and root,
 * VA without hugepages); the *_va_autotest commands run the same suites
 * and skip unless EAL runs IOVA as VA (test/meson.build passes
 * --iova-mode=va to them), so one meson run covers both modes.
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

#include "test.h"
#include "test_vmap.h"
#include "vmap_private.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
/* EXTMEM spaces describe every backing page: keep them small (4 KiB pages: 64 Ki memsegs). */
#define DPDK_VA_SIZE ((size_t)256 << 20)
#define DPDK_PROBES 256
#define DPDK_NULL0 "net_null_vmx0"
#define DPDK_NULL1 "net_null_vmx1"

/* Window sizes: sub-page, page, odd, larger than a 2 MiB page, several pages. */
static const size_t dpdk_sizes[] = {
	100, 4 * KIB, 3 * 4 * KIB + 17, 64 * KIB, 2 * MIB + 5 * 4 * KIB, 5 * MIB,
};

static const char *
eal_iova_name(void)
{
	return rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA";
}

/* A test space of DPDK_VA_SIZE; page_size 0: the test default (2 MiB if free, else 4 KiB). */
static struct rte_vmap *
dpdk_space_paged(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode, size_t page_size)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	if (page_size != 0)
		p.page_size = page_size;
	p.va_size = DPDK_VA_SIZE;
	p.flags = flags;
	p.iommu = iommu;
	p.iova_mode = mode;
	return rte_vmap_create(&p);
}

static struct rte_vmap *
dpdk_space(const char *name, unsigned int flags, const char *iommu,
		enum rte_vmap_iova_mode mode)
{
	return dpdk_space_paged(name, flags, iommu, mode, 0);
}

static int
count_msl(const struct rte_memseg_list *msl, void *arg)
{
	RTE_SET_USED(msl);
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
nr_memseg_lists(void)
{
	unsigned int n = 0;

	rte_memseg_list_walk(count_msl, &n);
	return n;
}

/* ---- EXTMEM ------------------------------------------------------------- */

/*
 * One byte of a live window, as DPDK sees it: in an external memseg list,
 * its memseg's iova + offset is the space's IOVA, rte_mem_virt2iova()
 * agrees (VA mode: the address; PA mode: pagemap's physical address).
 */
static int
check_byte(struct rte_vmap *vm, const char *a)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(a);
	const struct rte_memseg *ms = rte_mem_virt2memseg(a, NULL);
	rte_iova_t want = rte_vmap_virt2iova(vm, a);

	TEST_ASSERT(want != RTE_BAD_IOVA, "%p: not in a live window", a);
	TEST_ASSERT(msl != NULL && msl->external != 0, "%p: not in an external memseg list", a);
	TEST_ASSERT_NOT_NULL(ms, "%p: no memseg", a);
	TEST_ASSERT(ms->iova != RTE_BAD_IOVA, "%p: memseg without IOVA", a);
	TEST_ASSERT_EQUAL(ms->iova + (uintptr_t)(a - (const char *)ms->addr), want,
		"%p: memseg IOVA 0x%" PRIx64 "+%zu, space 0x%" PRIx64, a, ms->iova,
		(size_t)(a - (const char *)ms->addr), want);
	TEST_ASSERT_EQUAL(rte_mem_virt2iova(a), want, "%p: rte_mem_virt2iova 0x%" PRIx64
		", space 0x%" PRIx64, a, rte_mem_virt2iova(a), want);
	return TEST_SUCCESS;
}

/* Random bytes of a window, and its first and last. */
static int
check_window(struct rte_vmap *vm, const char *va, size_t size, unsigned int probes)
{
	unsigned int i;
	int ret;

	ret = check_byte(vm, va);
	if (ret == TEST_SUCCESS)
		ret = check_byte(vm, va + size - 1);
	for (i = 0; i < probes && ret == TEST_SUCCESS; i++)
		ret = check_byte(vm, va + rte_rand_max(size));
	return ret;
}

static int
test_extmem_bad_params_rejected(void)
{
	unsigned int lists = nr_memseg_lists();
	enum rte_vmap_iova_mode other;
	struct rte_vmap_params p;

	TEST_ASSERT_NULL(dpdk_space("ext_domain", RTE_VMAP_F_EXTMEM, NULL,
		RTE_VMAP_IOVA_DOMAIN), "EXTMEM in DOMAIN mode accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "DOMAIN: rte_errno %d", rte_errno);
	TEST_ASSERT_NULL(dpdk_space("ext_vfio", RTE_VMAP_F_EXTMEM, "vfio", RTE_VMAP_IOVA_AUTO),
		"EXTMEM with the vfio driver accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "vfio: rte_errno %d", rte_errno);
	/* A space handing out other IOVAs than EAL's would mislead every PMD. */
	other = rte_eal_iova_mode() == RTE_IOVA_VA ? RTE_VMAP_IOVA_PA : RTE_VMAP_IOVA_VA;
	TEST_ASSERT_NULL(dpdk_space("ext_mode", RTE_VMAP_F_EXTMEM, NULL, other),
		"EXTMEM in another IOVA mode than EAL's accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "IOVA mode: rte_errno %d", rte_errno);
	/* 4 KiB pages over 8 GiB: 2 Mi memsegs, over the cap. */
	vmap_test_params(&p, "ext_huge_table");
	p.page_size = RTE_VMAP_PAGE_4K;
	p.va_size = (size_t)8 << 30;
	p.flags = RTE_VMAP_F_EXTMEM;
	TEST_ASSERT_NULL(rte_vmap_create(&p), "2 Mi memsegs accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "page cap: rte_errno %d", rte_errno);
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists, "a failed create left a memseg list");
	return TEST_SUCCESS;
}

static int
test_extmem_one_memseg_list_per_space(void)
{
	unsigned int lists = nr_memseg_lists(), i;
	const struct rte_memseg_list *msl;
	struct vmap_extmem_info info;
	struct rte_vmap *vm;
	void *base;
	char *w;

	vm = dpdk_space("ext_once", RTE_VMAP_F_EXTMEM, NULL, RTE_VMAP_IOVA_AUTO);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists + 1, "not one memseg list");
	TEST_ASSERT_SUCCESS(vmap_extmem_info_get(vm, &info), "info");
	msl = info.msl;
	base = msl->base_va;
	TEST_ASSERT(msl->external != 0 && msl->page_sz == rte_vmap_page_size(vm) &&
		msl->len == vm->map_len && (uintptr_t)base == vm->map_base,
		"memseg list does not describe the reservation");
	TEST_ASSERT_EQUAL(info.nr_pages, 0, "pages known before any alloc");
	/* Registered while nothing is mapped: every memseg is there, without IOVA. */
	for (i = 0; i < 16; i++) {
		const char *a = (char *)base + rte_rand_max(msl->len);

		TEST_ASSERT_EQUAL(rte_mem_virt2memseg(a, NULL)->iova, RTE_BAD_IOVA,
			"unbacked page with an IOVA");
	}
	w = rte_vmap_alloc(vm, 64 * KIB, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(w, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists + 1, "an alloc registered memory");
	TEST_ASSERT_SUCCESS(check_window(vm, w, 64 * KIB, DPDK_PROBES), "window");
	VMAP_TEST_VERIFY(vm);
	/* Destroyed with a live window: unregistered all the same. */
	rte_vmap_destroy(vm);
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists, "destroy left the memseg list");
	TEST_ASSERT_NULL(rte_mem_virt2memseg_list(base), "reservation still registered");

	/* More spaces in a row than there are memseg lists: nothing leaks. */
	for (i = 0; i < RTE_MAX_MEMSEG_LISTS + 8; i++) {
		struct rte_vmap_params p;

		vmap_test_params(&p, "ext_cycle");
		p.va_size = 16 * MIB;
		p.flags = RTE_VMAP_F_EXTMEM;
		vm = rte_vmap_create(&p);
		TEST_ASSERT_NOT_NULL(vm, "create %u: %s", i, rte_strerror(rte_errno));
		rte_vmap_destroy(vm);
	}
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists, "memseg lists leaked");
	return TEST_SUCCESS;
}

static int
extmem_iova_matches(size_t page_size)
{
	void *win[RTE_DIM(dpdk_sizes)], *blk[8];
	struct vmap_extmem_info info;
	struct rte_vmap *vm;
	unsigned int i;

	vm = dpdk_space_paged("ext_iova", RTE_VMAP_F_EXTMEM, NULL, RTE_VMAP_IOVA_AUTO,
		page_size);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	printf("  EAL IOVA mode %s, space page %zu\n", eal_iova_name(), rte_vmap_page_size(vm));
	for (i = 0; i < RTE_DIM(dpdk_sizes); i++) {
		win[i] = rte_vmap_alloc(vm, dpdk_sizes[i], 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[i], "alloc %zu: %s", dpdk_sizes[i],
			rte_strerror(rte_errno));
	}
	for (i = 0; i < RTE_DIM(blk); i++) {
		blk[i] = rte_vmap_block_alloc(vm, (i + 1) * 4 * KIB);
		TEST_ASSERT_NOT_NULL(blk[i], "block alloc: %s", rte_strerror(rte_errno));
	}
	for (i = 0; i < RTE_DIM(dpdk_sizes); i++)
		TEST_ASSERT_SUCCESS(check_window(vm, win[i], dpdk_sizes[i], DPDK_PROBES),
			"window of %zu", dpdk_sizes[i]);
	for (i = 0; i < RTE_DIM(blk); i++)
		TEST_ASSERT_SUCCESS(check_window(vm, blk[i], (i + 1) * 4 * KIB, 16),
			"block window %u", i);
	/* DPDK finds a window by its IOVA too (a memseg walk). */
	TEST_ASSERT_EQUAL(rte_mem_iova2virt(rte_vmap_virt2iova(vm, (char *)win[4] + 12345)),
		(char *)win[4] + 12345, "rte_mem_iova2virt");
	VMAP_TEST_VERIFY(vm);

	/* Every other window freed and purged: the others still agree. */
	for (i = 0; i < RTE_DIM(dpdk_sizes); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free");
	for (i = 0; i < RTE_DIM(blk); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, blk[i], (i + 1) * 4 * KIB), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	VMAP_TEST_VERIFY(vm);
	for (i = 1; i < RTE_DIM(dpdk_sizes); i += 2)
		TEST_ASSERT_SUCCESS(check_window(vm, win[i], dpdk_sizes[i], DPDK_PROBES),
			"window of %zu after frees", dpdk_sizes[i]);
	for (i = 1; i < RTE_DIM(dpdk_sizes); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free");
	for (i = 1; i < RTE_DIM(blk); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, blk[i], (i + 1) * 4 * KIB), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	/* verify() checks every memseg against the backing: IOVA iff backed. */
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(vmap_extmem_info_get(vm, &info), "info");
	TEST_ASSERT_EQUAL(info.dev_errors, 0, "device DMA errors");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_extmem_memseg_iova_matches_windows(void)
{
	TEST_ASSERT_SUCCESS(extmem_iova_matches(0), "default pages");
	/* One memseg per 4 KiB page: PA mode reads each page's address. */
	TEST_ASSERT_SUCCESS(extmem_iova_matches(RTE_VMAP_PAGE_4K), "4 KiB pages");
	return TEST_SUCCESS;
}

static struct rte_device *
find_vdev(const char *name)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	RTE_DEV_FOREACH(dev, "bus=vdev", &it)
		if (strcmp(rte_dev_name(dev), name) == 0)
			return dev;
	return NULL;
}

/* Wait (up to 2 s) until no device waits for its driver. */
static int
wait_no_pending(struct rte_vmap *vm, struct vmap_extmem_info *info)
{
	unsigned int ms;

	for (ms = 0; ms < 2000; ms++) {
		TEST_ASSERT_SUCCESS(vmap_extmem_info_get(vm, info), "info");
		if (info->nr_pending == 0)
			return TEST_SUCCESS;
		rte_delay_ms(1);
	}
	printf("  %u devices still pending after 2 s\n", info->nr_pending);
	return TEST_FAILED;
}

static int
test_extmem_dma_map_vdevs(void)
{
	struct vmap_extmem_info before, info;
	struct rte_device *dev0;
	struct rte_vmap *vm;
	uint64_t pages;
	int ret = TEST_FAILED;
	char *w, *w2;
	void *heap;

	if (rte_dev_probe(DPDK_NULL0) != 0 || (dev0 = find_vdev(DPDK_NULL0)) == NULL) {
		printf("  skipped: cannot probe a net_null vdev (%s): is librte_net_null in "
			"EAL's PMD path?\n", rte_strerror(rte_errno));
		return TEST_SKIPPED;
	}
	/* rte_dev_dma_map() wants registered memory: a plain heap buffer is refused. */
	heap = malloc(8192);
	TEST_ASSERT_NOT_NULL(heap, "malloc");
	TEST_ASSERT_FAIL(rte_dev_dma_map(dev0, heap, (uintptr_t)heap, 4096),
		"unregistered memory DMA-mapped");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno %d", rte_errno);
	free(heap);

	vm = dpdk_space("ext_dma", RTE_VMAP_F_EXTMEM, NULL, RTE_VMAP_IOVA_AUTO);
	if (vm == NULL) {
		printf("  create: %s\n", rte_strerror(rte_errno));
		goto remove0;
	}
	if (vmap_extmem_info_get(vm, &before) != 0 || before.nr_devices < 1 ||
			before.nr_pending != 0) {
		printf("  probed vdev not learnt at create (%u devices)\n", before.nr_devices);
		goto destroy;
	}
	w = rte_vmap_alloc(vm, 3 * MIB, 0, SOCKET_ID_ANY);
	if (w == NULL || vmap_extmem_info_get(vm, &info) != 0)
		goto destroy;
	/* Every new page mapped for each device that takes maps (net_null: yes, no-op). */
	pages = info.nr_pages;
	if (pages == 0 || info.dev_maps < before.dev_maps + pages) {
		printf("  %" PRIu64 " pages, %" PRIu64 " device maps\n", pages, info.dev_maps);
		goto destroy;
	}
	/* Registered now: the device accepts a window directly. */
	if (rte_dev_dma_map(dev0, w, rte_vmap_virt2iova(vm, w), 4096) != 0 ||
			rte_dev_dma_unmap(dev0, w, rte_vmap_virt2iova(vm, w), 4096) != 0) {
		printf("  rte_dev_dma_map of a window: %s\n", rte_strerror(rte_errno));
		goto destroy;
	}

	/* A port probed after the space: RTE_ETH_EVENT_NEW, then the pages backed now. */
	before = info;
	if (rte_dev_probe(DPDK_NULL1) != 0) {
		printf("  probe %s: %s\n", DPDK_NULL1, rte_strerror(rte_errno));
		goto destroy;
	}
	if (wait_no_pending(vm, &info) != TEST_SUCCESS)
		goto remove1;
	if (info.nr_devices != before.nr_devices + 1 ||
			info.dev_maps < before.dev_maps + info.nr_pages) {
		printf("  late vdev: %u devices (was %u), %" PRIu64 " maps (was %" PRIu64 ")\n",
			info.nr_devices, before.nr_devices, info.dev_maps, before.dev_maps);
		goto remove1;
	}
	/* New pages now go to both. */
	before = info;
	w2 = rte_vmap_alloc(vm, 4 * MIB, 0, SOCKET_ID_ANY);
	if (w2 == NULL || vmap_extmem_info_get(vm, &info) != 0 ||
			info.dev_maps < before.dev_maps + 2 * (info.nr_pages - before.nr_pages)) {
		printf("  second window: %" PRIu64 " maps for %" PRIu64 " new pages\n",
			info.dev_maps - before.dev_maps, info.nr_pages - before.nr_pages);
		goto remove1;
	}
	if (check_window(vm, w2, 4 * MIB, DPDK_PROBES) != TEST_SUCCESS)
		goto remove1;

	/* The port goes: RTE_ETH_EVENT_DESTROY unmaps the pages for it. */
	before = info;
	if (rte_eal_hotplug_remove("vdev", DPDK_NULL1) != 0 ||
			vmap_extmem_info_get(vm, &info) != 0 ||
			info.nr_devices != before.nr_devices - 1 ||
			info.dev_unmaps < before.dev_unmaps + info.nr_pages) {
		printf("  removed vdev: %u devices, %" PRIu64 " unmaps (was %" PRIu64 ")\n",
			info.nr_devices, info.dev_unmaps, before.dev_unmaps);
		goto destroy;
	}
	/* Released pages are unmapped after their purge. */
	before = info;
	if (rte_vmap_free(vm, w) != 0 || rte_vmap_free(vm, w2) != 0 || rte_vmap_purge(vm) != 0 ||
			rte_vmap_verify(vm) != 0 || vmap_extmem_info_get(vm, &info) != 0)
		goto destroy;
	if (info.dev_unmaps - before.dev_unmaps < before.nr_pages - info.nr_pages ||
			info.dev_errors != 0) {
		printf("  %" PRIu64 " unmaps for %" PRIu64 " released pages, %" PRIu64
			" errors\n", info.dev_unmaps - before.dev_unmaps,
			before.nr_pages - info.nr_pages, info.dev_errors);
		goto destroy;
	}
	printf("  %u device(s) left; %" PRIu64 " DMA maps, %" PRIu64 " unmaps, no errors\n",
		info.nr_devices, info.dev_maps, info.dev_unmaps);
	ret = TEST_SUCCESS;
	goto destroy;
remove1:
	rte_eal_hotplug_remove("vdev", DPDK_NULL1);
destroy:
	rte_vmap_destroy(vm);
remove0:
	rte_eal_hotplug_remove("vdev", DPDK_NULL0);
	return ret;
}

#define EXT_MT_WINDOWS 16
#define EXT_MT_ROUNDS 300

struct ext_mt {
	struct rte_vmap *vm;
	unsigned int seed;
	int result;
};

/* Alloc, check through DPDK's eyes, free: on two lcores sharing backing pages. */
static int
ext_mt_worker(void *arg)
{
	struct ext_mt *mt = arg;
	void *w[EXT_MT_WINDOWS] = { NULL };
	size_t sz[EXT_MT_WINDOWS] = { 0 };
	unsigned int r, k;

	mt->result = TEST_FAILED;
	for (r = 0; r < EXT_MT_ROUNDS; r++) {
		k = rte_rand_max(EXT_MT_WINDOWS);
		if (w[k] != NULL) {
			if (check_window(mt->vm, w[k], sz[k], 8) != TEST_SUCCESS ||
					rte_vmap_free(mt->vm, w[k]) != 0)
				return -1;
			w[k] = NULL;
			continue;
		}
		sz[k] = (1 + rte_rand_max(64)) * 4 * KIB + rte_rand_max(4096);
		w[k] = rte_vmap_alloc(mt->vm, sz[k], 0, SOCKET_ID_ANY);
		if (w[k] == NULL)
			return -1;
	}
	for (k = 0; k < EXT_MT_WINDOWS; k++)
		if (w[k] != NULL && rte_vmap_free(mt->vm, w[k]) != 0)
			return -1;
	mt->result = TEST_SUCCESS;
	return 0;
}

static int
test_extmem_two_lcores(void)
{
	struct ext_mt mt[2];
	struct rte_vmap_params p;
	unsigned int worker;
	struct rte_vmap *vm;

	if (rte_lcore_count() < 2) {
		printf("  skipped: needs 2 lcores (-l 0-1)\n");
		return TEST_SKIPPED;
	}
	vmap_test_params(&p, "ext_mt");
	p.va_size = DPDK_VA_SIZE;
	p.flags = RTE_VMAP_F_EXTMEM;
	p.lazy_max = 256 * KIB; /* purges (page releases) all along */
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %s", rte_strerror(rte_errno));
	mt[0] = (struct ext_mt){ .vm = vm };
	mt[1] = (struct ext_mt){ .vm = vm };
	worker = rte_get_next_lcore(-1, 1, 0);
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(ext_mt_worker, &mt[1], worker), "launch");
	ext_mt_worker(&mt[0]);
	rte_eal_wait_lcore(worker);
	TEST_ASSERT(mt[0].result == TEST_SUCCESS && mt[1].result == TEST_SUCCESS,
		"lcore results %d %d", mt[0].result, mt[1].result);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_extmem_suite = {
	.suite_name = "vmap EXTMEM (windows known to DPDK)",
	.unit_test_cases = {
		TEST_CASE(test_extmem_bad_params_rejected),
		TEST_CASE(test_extmem_one_memseg_list_per_space),
		TEST_CASE(test_extmem_memseg_iova_matches_windows),
		TEST_CASE(test_extmem_dma_map_vdevs),
		TEST_CASE(test_extmem_two_lcores),
		TEST_CASES_END()
	}
};

/* ---- mempools ------------------------------------------------------------ */

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
run_in_mode(struct unit_test_suite *suite, bool va_only)
{
	if (va_only && rte_eal_iova_mode() != RTE_IOVA_VA) {
		printf("skipped: EAL runs IOVA as %s; this variant needs --iova-mode=va\n",
			eal_iova_name());
		return TEST_SKIPPED;
	}
	printf("EAL IOVA mode: %s\n", eal_iova_name());
	return unit_test_suite_runner(suite);
}

static int
test_vmap_extmem(void)
{
	return run_in_mode(&vmap_extmem_suite, false);
}

static int
test_vmap_extmem_va(void)
{
	return run_in_mode(&vmap_extmem_suite, true);
}

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

REGISTER_TEST_COMMAND(vmap_extmem_autotest, test_vmap_extmem);
REGISTER_TEST_COMMAND(vmap_extmem_va_autotest, test_vmap_extmem_va);
REGISTER_TEST_COMMAND(vmap_mempool_autotest, test_vmap_mempool);
REGISTER_TEST_COMMAND(vmap_mempool_va_autotest, test_vmap_mempool_va);
