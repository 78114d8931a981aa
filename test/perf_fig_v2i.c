/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest, figure 3: rte_vmap_virt2iova() against
 * rte_mem_virt2iova() and a memseg walk, over random addresses.
 * test_vmap_perf.c has the overview.
 */

#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "perf_figures.h"

/* ---- figure 3: virt2iova against rte_mem_virt2iova ------------------- */

/* virt2iova: random addresses over live windows / rte_malloc'd buffers. */
#define PERF_NR_ADDRS 4096u  /* power of two */
#define PERF_V2I_WINDOWS 256u
#define PERF_V2I_WSIZE ((size_t)64 << 10)
#define PERF_V2I_BUFS 16u
#define PERF_V2I_BSIZE ((size_t)1 << 20)

/* Where lookup loops leave their results, so that they are not elided. */
static volatile uint64_t perf_sink;

struct perf_v2i {
	const struct rte_vmap *vm;
	const void *addrs[PERF_NR_ADDRS];
};

static int
loop_vmap_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	uint64_t sum = 0, t0;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		sum += rte_vmap_virt2iova(v->vm, v->addrs[i & (PERF_NR_ADDRS - 1)]);
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

static int
loop_mem_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	uint64_t sum = 0, t0;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++)
		sum += rte_mem_virt2iova(v->addrs[i & (PERF_NR_ADDRS - 1)]);
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

/* What DPDK code on a hot path does instead of rte_mem_virt2iova(). */
static int
loop_memseg_v2i(void *ctx, unsigned int n, uint64_t *cycles)
{
	const struct perf_v2i *v = ctx;
	const struct rte_memseg *ms;
	uint64_t sum = 0, t0;
	const void *a;
	unsigned int i;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i++) {
		a = v->addrs[i & (PERF_NR_ADDRS - 1)];
		ms = rte_mem_virt2memseg(a, NULL);
		if (likely(ms != NULL))
			sum += ms->iova + ((uintptr_t)a - (uintptr_t)ms->addr);
	}
	*cycles = rte_rdtsc_precise() - t0;
	perf_sink += sum;
	return 0;
}

int
perf_virt2iova(size_t page_size)
{
	void *win[PERF_V2I_WINDOWS] = { NULL }, *buf[PERF_V2I_BUFS] = { NULL };
	struct perf_v2i *vmap_set = NULL, *eal_set = NULL;
	struct perf_fig fig[3];
	struct rte_vmap *vm;
	unsigned int i, k;
	int ret = -1;

	vm = perf_space("perf_v2i", page_size, 0);
	if (vm == NULL)
		return -1;
	vmap_set = calloc(1, sizeof(*vmap_set));
	eal_set = calloc(1, sizeof(*eal_set));
	if (vmap_set == NULL || eal_set == NULL)
		goto out;
	for (i = 0; i < PERF_V2I_WINDOWS; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_V2I_WSIZE, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc failed: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	for (i = 0; i < PERF_V2I_BUFS; i++) {
		buf[i] = rte_malloc(NULL, PERF_V2I_BSIZE, 0);
		if (buf[i] == NULL) {
			printf("rte_malloc failed: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	/* Random bytes, checked once so that the timed loops only look up. */
	vmap_set->vm = vm;
	for (i = 0; i < PERF_NR_ADDRS; i++) {
		k = rte_rand_max(PERF_V2I_WINDOWS);
		vmap_set->addrs[i] = RTE_PTR_ADD(win[k], rte_rand_max(PERF_V2I_WSIZE));
		if (rte_vmap_virt2iova(vm, vmap_set->addrs[i]) == RTE_BAD_IOVA) {
			printf("rte_vmap_virt2iova(%p) is RTE_BAD_IOVA\n", vmap_set->addrs[i]);
			goto out;
		}
		k = rte_rand_max(PERF_V2I_BUFS);
		eal_set->addrs[i] = RTE_PTR_ADD(buf[k], rte_rand_max(PERF_V2I_BSIZE));
		if (rte_mem_virt2iova(eal_set->addrs[i]) == RTE_BAD_IOVA ||
				rte_mem_virt2memseg(eal_set->addrs[i], NULL) == NULL) {
			printf("rte_mem_virt2iova(%p) has no answer\n", eal_set->addrs[i]);
			goto out;
		}
	}
	printf("PERF_INFO virt2iova: %u random addresses over %u live windows of %zu KiB"
		" (space_iova=%s) / %u rte_malloc buffers of %zu KiB (eal_iova=%s)\n",
		PERF_NR_ADDRS, PERF_V2I_WINDOWS, PERF_V2I_WSIZE >> 10,
		rte_vmap_iova_mode_name(vm->iova_mode), PERF_V2I_BUFS, PERF_V2I_BSIZE >> 10,
		rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");
	/* The baseline's cost depends on the EAL mode more than on anything else. */
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		printf("PERF_INFO virt2iova: EAL is IOVA-as-VA, rte_mem_virt2iova() is a"
			" cast there; rte_mem_virt2memseg is the baseline that compares\n");
	else
		printf("PERF_INFO virt2iova: EAL is IOVA-as-PA, rte_mem_virt2iova() reads"
			" /proc/self/pagemap on every call\n");
	fig[0] = (struct perf_fig){ .fn = loop_vmap_v2i, .ctx = vmap_set };
	fig[1] = (struct perf_fig){ .fn = loop_mem_v2i, .ctx = eal_set };
	fig[2] = (struct perf_fig){ .fn = loop_memseg_v2i, .ctx = eal_set };
	if (perf_measure(fig, RTE_DIM(fig)) != 0)
		goto out;
	perf_print("virt2iova_rand", fig[0].ns, "ns");
	perf_print("rte_mem_virt2iova_rand", fig[1].ns, "ns");
	perf_print("rte_mem_virt2memseg_rand", fig[2].ns, "ns");
	perf_ratio("virt2iova_rand", "rte_mem_virt2iova", fig[1].ns / fig[0].ns,
		PERF_AT_LEAST, 20.0);
	perf_ratio("virt2iova_rand", "rte_mem_virt2memseg", fig[2].ns / fig[0].ns,
		PERF_NO_GOAL, 0);
	ret = 0;
out:
	for (i = 0; i < PERF_V2I_WINDOWS; i++)
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0)
			ret = -1;
	for (i = 0; i < PERF_V2I_BUFS; i++)
		rte_free(buf[i]);
	free(vmap_set);
	free(eal_set);
	rte_vmap_destroy(vm);
	return ret;
}
