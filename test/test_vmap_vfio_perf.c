/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_vfio_perf_autotest: what mapping a window through the "vfio" IOMMU
 * driver costs, against DPDK's own rte_vfio_container_dma_map() of the
 * same kind of ranges in the same container (EAL's default one). It needs
 * a device bound to vfio-pci behind an IOMMU, probed by EAL (-a <BDF>):
 * the QEMU guest of devtools/vm/, where test/vm/fwd-bench.sh runs it.
 * Elsewhere it skips.
 *
 * For windows of 4 KiB and of 2 MiB (a space on 2 MiB pages), a
 * repetition of each figure handles N windows (N at most 256: DPDK's
 * table of user mappings holds VFIO_MAX_USER_MEM_MAPS = 256):
 *
 *   vfio_va, vfio_domain  rte_vmap_alloc() of N windows in a space with
 *                         .iommu = "vfio" (IOVA mode VA, DOMAIN), then
 *                         rte_vmap_free() of each and rte_vmap_purge():
 *                         every window mapped and unmapped by the driver
 *   none                  the same in a space with .iommu = "none": the
 *                         library's own share of the figures above
 *   dpdk                  N windows of that "none" space (allocated, not
 *                         timed) given to rte_vfio_container_dma_map(
 *                         RTE_VFIO_DEFAULT_CONTAINER_FD, va, iova, size),
 *                         then to rte_vfio_container_dma_unmap()
 *   ioctl                 the same windows given to type1's
 *                         VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA on
 *                         EAL's container fd directly (the only container
 *                         of the process with an IOMMU before the spaces
 *                         are created; left out if there are several): the
 *                         kernel's share of dpdk
 *
 * Each figure is in windows per second (map and unmap of a window counted
 * as one), the median of PERF_REPS repetitions taken in turns after a
 * warm-up. The ratios: vfio against dpdk (the whole cost of a window:
 * backing, bookkeeping, the driver's map and unmap), and the driver's
 * share alone (vfio time minus none time per window) against dpdk. Not a
 * timed test: a ratio is printed, never judged; only a failing call fails.
 *
 *   PERF_INFO key=value ...      the machine and the set-up
 *   PERF <name> <value> <unit>   a figure
 *   PERF_SKIP <what>: <reason>
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_vfio.h>
#include <rte_vmap.h>

#include "perf_common.h"
#include "test.h"
#include "vfio_container.h"

#define VP_MAX_N 256u
#define VP_VA_SIZE ((size_t)4 << 30)

struct vp_size {
	const char *tag;
	size_t size;
	unsigned int n;
};

/* 2 MiB windows: 128 of them, 256 MiB a space, fit the guest's hugepages. */
static const struct vp_size vp_sizes[] = {
	{ "4k", (size_t)4 << 10, 256 },
	{ "2m", (size_t)2 << 20, 128 },
};

enum vp_fig {
	VP_VFIO_VA,
	VP_VFIO_DOMAIN,
	VP_NONE,
	VP_DPDK,
	VP_IOCTL,
	VP_NR_FIGS,
};

static const char *const vp_fig_name[VP_NR_FIGS] = {
	"vfio_va", "vfio_domain", "none", "dpdk", "ioctl",
};

/* EAL's container for the ioctl figure; fd -1: figure left out. */
static struct vfio_container vp_container = { .fd = -1 };

static double
vp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1E-9;
}

static struct rte_vmap *
vp_space(const char *name, const char *iommu, enum rte_vmap_iova_mode mode)
{
	struct rte_vmap_params p = {
		.name = name,
		.va_size = VP_VA_SIZE,
		.page_size = RTE_VMAP_PAGE_2M,
		.iova_mode = mode,
		.iommu = iommu,
	};

	return rte_vmap_create(&p);
}

static int
vp_alloc(struct rte_vmap *vm, void **win, const struct vp_size *sz)
{
	unsigned int i;

	for (i = 0; i < sz->n; i++) {
		win[i] = rte_vmap_alloc(vm, sz->size, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc(%zu) %u of %u: %s\n", sz->size, i, sz->n,
				rte_strerror(rte_errno));
			while (i-- > 0)
				rte_vmap_free(vm, win[i]);
			return -1;
		}
	}
	return 0;
}

static int
vp_free(struct rte_vmap *vm, void **win, const struct vp_size *sz)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < sz->n; i++) {
		if (rte_vmap_free(vm, win[i]) != 0) {
			printf("rte_vmap_free(%p): %s\n", win[i], rte_strerror(rte_errno));
			ret = -1;
		}
		win[i] = NULL;
	}
	if (rte_vmap_purge(vm) != 0) {
		printf("rte_vmap_purge: %s\n", rte_strerror(rte_errno));
		ret = -1;
	}
	return ret;
}

/* One repetition in a space: alloc all, free all and purge; seconds of each. */
static int
vp_space_rep(struct rte_vmap *vm, void **win, const struct vp_size *sz, double *map_s,
		double *unmap_s)
{
	double t0, t1, t2;

	t0 = vp_now();
	if (vp_alloc(vm, win, sz) != 0)
		return -1;
	t1 = vp_now();
	if (vp_free(vm, win, sz) != 0)
		return -1;
	t2 = vp_now();
	*map_s = t1 - t0;
	*unmap_s = t2 - t1;
	return 0;
}

/* Map or unmap one window: through DPDK's API, or type1's ioctl directly. */
static int
vp_dma(bool raw, bool map, void *va, rte_iova_t iova, size_t len)
{
	uint64_t done = 0;

	if (!raw && map)
		return rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uint64_t)(uintptr_t)va, iova, len);
	if (!raw)
		return rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uint64_t)(uintptr_t)va, iova, len);
	if (map)
		return vfio_container_map(&vp_container, (uintptr_t)va, iova, len);
	if (vfio_container_unmap(&vp_container, iova, len, &done) != 0)
		return -1;
	return done == len ? 0 : -1;
}

/*
 * One repetition of DPDK's maps (or the raw ioctls): windows of the
 * "none" space (not timed), each mapped at its IOVA through the default
 * container, then unmapped.
 */
static int
vp_dpdk_rep(bool raw, struct rte_vmap *vm, void **win, const struct vp_size *sz,
		double *map_s, double *unmap_s)
{
	const char *how = raw ? "VFIO_IOMMU" : "rte_vfio_container_dma";
	rte_iova_t iova[VP_MAX_N];
	unsigned int i, mapped = 0;
	double t0, t1, t2;
	int ret = -1;

	if (vp_alloc(vm, win, sz) != 0)
		return -1;
	for (i = 0; i < sz->n; i++)
		iova[i] = rte_vmap_virt2iova(vm, win[i]);
	t0 = vp_now();
	for (i = 0; i < sz->n; i++) {
		if (vp_dma(raw, true, win[i], iova[i], sz->size) != 0) {
			printf("%s_map(%p, iova 0x%" PRIx64 ", %zu), %u of %u: %s\n", how,
				win[i], iova[i], sz->size, i, sz->n,
				raw ? strerror(errno) : rte_strerror(rte_errno));
			goto out;
		}
		mapped++;
	}
	t1 = vp_now();
	for (i = 0; i < sz->n; i++) {
		if (vp_dma(raw, false, win[i], iova[i], sz->size) != 0) {
			printf("%s_unmap(%p, iova 0x%" PRIx64 ", %zu): %s\n", how, win[i],
				iova[i], sz->size, raw ? strerror(errno) : rte_strerror(rte_errno));
			goto out;
		}
		mapped--;
	}
	t2 = vp_now();
	*map_s = t1 - t0;
	*unmap_s = t2 - t1;
	ret = 0;
out:
	/* What a failure left mapped goes, from the last. */
	for (i = mapped; i-- > 0;)
		vp_dma(raw, false, win[i], iova[i], sz->size);
	if (vp_free(vm, win, sz) != 0)
		ret = -1;
	return ret;
}

static int
vp_rep(enum vp_fig f, struct rte_vmap *const *vm, void **win, const struct vp_size *sz,
		double *map_s, double *unmap_s)
{
	if (f == VP_DPDK || f == VP_IOCTL)
		return vp_dpdk_rep(f == VP_IOCTL, vm[VP_NONE], win, sz, map_s, unmap_s);
	return vp_space_rep(vm[f], win, sz, map_s, unmap_s);
}

static bool
vp_fig_on(enum vp_fig f)
{
	return f != VP_IOCTL || vp_container.fd >= 0;
}

static int
vp_size_run(struct rte_vmap *const *vm, const struct vp_size *sz)
{
	double map[VP_NR_FIGS][PERF_REPS], unmap[VP_NR_FIGS][PERF_REPS];
	double both[VP_NR_FIGS][PERF_REPS], rate[VP_NR_FIGS], m, u, driver_s;
	void *win[VP_MAX_N];
	char name[96];
	unsigned int f, r;

	/* A warm-up each: pools, backing and page tables in steady state. */
	for (f = 0; f < VP_NR_FIGS; f++)
		if (vp_fig_on(f) && vp_rep(f, vm, win, sz, &m, &u) != 0)
			return -1;
	/* The figures in turns, so that a drift of the machine hits all alike. */
	for (r = 0; r < PERF_REPS; r++) {
		for (f = 0; f < VP_NR_FIGS; f++) {
			if (!vp_fig_on(f))
				continue;
			if (vp_rep(f, vm, win, sz, &map[f][r], &unmap[f][r]) != 0)
				return -1;
			both[f][r] = map[f][r] + unmap[f][r];
		}
	}
	printf("PERF_INFO %s: %u windows of %zu KiB a repetition, space on 2M pages\n",
		sz->tag, sz->n, sz->size >> 10);
	for (f = 0; f < VP_NR_FIGS; f++) {
		if (!vp_fig_on(f))
			continue;
		rate[f] = sz->n / perf_median(both[f], PERF_REPS);
		snprintf(name, sizeof(name), "vfio_map_%s_%s", sz->tag, vp_fig_name[f]);
		perf_print(name, rate[f], "windows/s");
		snprintf(name, sizeof(name), "vfio_map_%s_%s_map_only", sz->tag, vp_fig_name[f]);
		perf_print(name, sz->n / perf_median(map[f], PERF_REPS), "windows/s");
		snprintf(name, sizeof(name), "vfio_map_%s_%s_unmap_only", sz->tag, vp_fig_name[f]);
		perf_print(name, sz->n / perf_median(unmap[f], PERF_REPS), "windows/s");
	}
	for (f = VP_VFIO_VA; f <= VP_VFIO_DOMAIN; f++) {
		snprintf(name, sizeof(name), "vfio_map_%s_%s", sz->tag, vp_fig_name[f]);
		perf_ratio(name, "dpdk", rate[f] / rate[VP_DPDK], PERF_NO_GOAL, 0);
		/* The driver's share: what the vfio space costs above the none space. */
		driver_s = 1.0 / rate[f] - 1.0 / rate[VP_NONE];
		if (driver_s <= 0) {
			printf("PERF_SKIP vfio_map_%s_%s_driver: not slower than the none space\n",
				sz->tag, vp_fig_name[f]);
			continue;
		}
		snprintf(name, sizeof(name), "vfio_map_%s_%s_driver", sz->tag, vp_fig_name[f]);
		perf_print(name, 1.0 / driver_s, "windows/s");
		perf_ratio(name, "dpdk", (1.0 / driver_s) / rate[VP_DPDK], PERF_NO_GOAL, 0);
	}
	if (vp_fig_on(VP_IOCTL)) {
		snprintf(name, sizeof(name), "vfio_map_%s_dpdk", sz->tag);
		perf_ratio(name, "ioctl", rate[VP_DPDK] / rate[VP_IOCTL], PERF_NO_GOAL, 0);
	}
	return 0;
}

static int
test_vmap_vfio_perf(void)
{
	static const char *const space_name[VP_NR_FIGS] = {
		"vp_vfio_va", "vp_vfio_domain", "vp_none", NULL,
	};
	static const enum rte_vmap_iova_mode space_mode[VP_NR_FIGS] = {
		RTE_VMAP_IOVA_VA, RTE_VMAP_IOVA_DOMAIN, RTE_VMAP_IOVA_AUTO,
	};
	struct rte_vmap *vm[VP_NR_FIGS] = { NULL };
	int ret = TEST_FAILED;
	unsigned int f, s;

	if (!rte_vfio_is_enabled("vfio_pci")) {
		printf("PERF_SKIP vfio_map: vfio-pci is not in use (bind a device to vfio-pci"
			" and give EAL -a <BDF>)\n");
		return TEST_SKIPPED;
	}
	/* The driver's own lookup (vfio_container.c): EAL's default container. */
	if (vfio_container_open(&vp_container) != 0)
		vp_container.fd = -1;
	for (f = VP_VFIO_VA; f <= VP_NONE; f++) {
		vm[f] = vp_space(space_name[f], f == VP_NONE ? "none" : "vfio", space_mode[f]);
		if (vm[f] != NULL)
			continue;
		printf("PERF_SKIP vfio_map: rte_vmap_create(%s): %s\n", space_name[f],
			rte_strerror(rte_errno));
		ret = f == VP_VFIO_VA ? TEST_SKIPPED : TEST_FAILED;
		goto out;
	}
	if (vp_container.fd < 0)
		printf("PERF_SKIP vfio_map_*_ioctl: EAL's container not found\n");
	perf_begin();
	perf_print_machine(RTE_VMAP_PAGE_2M, 0);
	printf("PERF_INFO vfio_map: figures in windows/s, a window's map and unmap counted as"
		" one; dpdk = rte_vfio_container_dma_map()+unmap() of \"none\" windows in the"
		" default container; ioctl = type1's ioctls on that container's fd\n");
	for (s = 0; s < RTE_DIM(vp_sizes); s++)
		if (vp_size_run(vm, &vp_sizes[s]) != 0)
			goto out;
	for (f = VP_VFIO_VA; f <= VP_NONE; f++)
		if (rte_vmap_verify(vm[f]) != 0) {
			printf("rte_vmap_verify(%s) failed\n", space_name[f]);
			goto out;
		}
	perf_end();
	ret = TEST_SUCCESS;
out:
	for (f = VP_VFIO_VA; f <= VP_NONE; f++)
		rte_vmap_destroy(vm[f]);
	vfio_container_close(&vp_container);
	return ret;
}

/* In no meson list: test/vm/fwd-bench.sh runs it in the guest. */
REGISTER_TEST_COMMAND(vmap_vfio_perf_autotest, test_vmap_vfio_perf);
