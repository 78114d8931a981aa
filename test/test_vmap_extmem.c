/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * DPDK integration, EXTMEM.
 *
 * vmap_extmem_autotest: RTE_VMAP_F_EXTMEM. The reservation is one memseg
 * list; rte_mem_virt2memseg() finds every byte of a live window and its
 * memseg's iova + offset is rte_vmap_virt2iova() (and rte_mem_virt2iova());
 * released pages go back to RTE_BAD_IOVA; devices (net_null vdevs, probed
 * before the space and after it) get rte_dev_dma_map()/unmap() per page;
 * destroy unregisters.
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
#include <rte_vfio.h>
#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>
#include <rte_vmap_mempool.h>

#include "dpdk_test_util.h"
#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

#define DPDK_PROBES 256
#define DPDK_NULL0 "net_null_vmx0"
#define DPDK_NULL1 "net_null_vmx1"

/* Window sizes: sub-page, page, odd, larger than a 2 MiB page, several pages. */
static const size_t dpdk_sizes[] = {
	100, 4 * KIB, 3 * 4 * KIB + 17, 64 * KIB, 2 * MIB + 5 * 4 * KIB, 5 * MIB,
};

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

int
vmap_test_extmem_window(struct rte_vmap *vm, const void *va, size_t size, unsigned int probes)
{
	return check_window(vm, va, size, probes);
}

static int
test_extmem_bad_params_rejected(void)
{
	unsigned int lists = nr_memseg_lists();
	enum rte_vmap_iova_mode other;
	struct rte_vmap_params p;
	int expect;

	TEST_ASSERT_NULL(dpdk_space("ext_domain", RTE_VMAP_F_EXTMEM, NULL,
		RTE_VMAP_IOVA_DOMAIN), "EXTMEM in DOMAIN mode accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "DOMAIN: rte_errno %d", rte_errno);
	/*
	 * EXTMEM with the vfio driver is a valid pair (the driver maps, the
	 * memsegs describe): without VFIO here the driver's own ENODEV, not a
	 * refusal of the parameters, and nothing is left registered.
	 */
	if (rte_vfio_is_enabled("vfio") == 0) {
		TEST_ASSERT_NULL(dpdk_space("ext_vfio", RTE_VMAP_F_EXTMEM, "vfio",
			RTE_VMAP_IOVA_AUTO), "EXTMEM with vfio created without VFIO");
		TEST_ASSERT_EQUAL(rte_errno, ENODEV, "vfio: rte_errno %d", rte_errno);
		TEST_ASSERT_EQUAL(nr_memseg_lists(), lists, "a memseg list was left");
	}
	/* A space handing out other IOVAs than EAL's would mislead every PMD. */
	other = rte_eal_iova_mode() == RTE_IOVA_VA ? RTE_VMAP_IOVA_PA : RTE_VMAP_IOVA_VA;
	TEST_ASSERT_NULL(dpdk_space("ext_mode", RTE_VMAP_F_EXTMEM, NULL, other),
		"EXTMEM in another IOVA mode than EAL's accepted");
	/* PA on 4 KiB pages (no free hugepages) is refused before: ENOTSUP. */
	TEST_ASSERT(rte_errno == EINVAL || (other == RTE_VMAP_IOVA_PA && rte_errno == ENOTSUP),
		"IOVA mode: rte_errno %d", rte_errno);
	/*
	 * 4 KiB pages over 8 GiB: 2 Mi memsegs, over the cap. Under EAL's PA
	 * mode the space would be PA on 4 KiB pages, refused before that.
	 */
	vmap_test_params(&p, "ext_huge_table");
	p.page_size = RTE_VMAP_PAGE_4K;
	p.va_size = (size_t)8 << 30;
	p.flags = RTE_VMAP_F_EXTMEM;
	expect = rte_eal_iova_mode() == RTE_IOVA_PA ? ENOTSUP : EINVAL;
	TEST_ASSERT_NULL(rte_vmap_create(&p), "2 Mi memsegs accepted");
	TEST_ASSERT_EQUAL(rte_errno, expect, "page cap: rte_errno %d, expected %d", rte_errno,
		expect);
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
	unsigned int lists = nr_memseg_lists();

	TEST_ASSERT_SUCCESS(extmem_iova_matches(0), "default pages");
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		/* One memseg per 4 KiB page. */
		TEST_ASSERT_SUCCESS(extmem_iova_matches(RTE_VMAP_PAGE_4K), "4 KiB pages");
		return TEST_SUCCESS;
	}
	/* EAL's PA mode on 4 KiB pages: refused, the kernel may move such pages. */
	TEST_ASSERT_NULL(dpdk_space_paged("ext_pa4k", RTE_VMAP_F_EXTMEM, NULL,
		RTE_VMAP_IOVA_AUTO, RTE_VMAP_PAGE_4K), "PA on 4 KiB pages accepted");
	TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "rte_errno %d", rte_errno);
	TEST_ASSERT_EQUAL(nr_memseg_lists(), lists, "a failed create left a memseg list");
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

/*
 * A port probed after the space: RTE_ETH_EVENT_NEW, then the pages backed
 * now. New pages (a 4 MiB window, *w2) go to both ports; when the port
 * goes, RTE_ETH_EVENT_DESTROY unmaps the pages for it. *info: before and
 * after.
 */
static int
ext_late_port(struct rte_vmap *vm, struct vmap_extmem_info *info, char **w2)
{
	struct vmap_extmem_info before = *info;

	if (rte_dev_probe(DPDK_NULL1) != 0) {
		printf("  probe %s: %s\n", DPDK_NULL1, rte_strerror(rte_errno));
		return -1;
	}
	if (wait_no_pending(vm, info) != TEST_SUCCESS)
		goto remove;
	if (info->nr_devices != before.nr_devices + 1 ||
			info->dev_maps < before.dev_maps + info->nr_pages) {
		printf("  late vdev: %u devices (was %u), %" PRIu64 " maps (was %" PRIu64 ")\n",
			info->nr_devices, before.nr_devices, info->dev_maps, before.dev_maps);
		goto remove;
	}
	/* New pages now go to both. */
	before = *info;
	*w2 = rte_vmap_alloc(vm, 4 * MIB, 0, SOCKET_ID_ANY);
	if (*w2 == NULL || vmap_extmem_info_get(vm, info) != 0 ||
			info->dev_maps < before.dev_maps + 2 * (info->nr_pages - before.nr_pages)) {
		printf("  second window: %" PRIu64 " maps for %" PRIu64 " new pages\n",
			info->dev_maps - before.dev_maps, info->nr_pages - before.nr_pages);
		goto remove;
	}
	if (check_window(vm, *w2, 4 * MIB, DPDK_PROBES) != TEST_SUCCESS)
		goto remove;
	/* The port goes: RTE_ETH_EVENT_DESTROY unmaps the pages for it. */
	before = *info;
	if (rte_eal_hotplug_remove("vdev", DPDK_NULL1) != 0 ||
			vmap_extmem_info_get(vm, info) != 0 ||
			info->nr_devices != before.nr_devices - 1 ||
			info->dev_unmaps < before.dev_unmaps + info->nr_pages) {
		printf("  removed vdev: %u devices, %" PRIu64 " unmaps (was %" PRIu64 ")\n",
			info->nr_devices, info->dev_unmaps, before.dev_unmaps);
		return -1;
	}
	return 0;
remove:
	rte_eal_hotplug_remove("vdev", DPDK_NULL1);
	return -1;
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

	if (ext_late_port(vm, &info, &w2) != 0)
		goto destroy;
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

REGISTER_FAST_TEST(vmap_extmem_autotest, NOHUGE_OK, ASAN_OK, test_vmap_extmem);
REGISTER_FAST_TEST(vmap_extmem_va_autotest, NOHUGE_OK, ASAN_OK, test_vmap_extmem_va);
