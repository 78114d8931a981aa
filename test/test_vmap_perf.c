/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest: a benchmark of rte_vmap against what a DPDK
 * application would use without it (rte_malloc, rte_mem_virt2iova).
 *
 * Not a timed test: it prints figures, and fails only when an API call
 * fails. A missed target is printed, never fatal, because the numbers
 * depend on the machine far more than on the code under test.
 *
 * Every figure is the median of PERF_REPS repetitions; a warm-up run sizes
 * each repetition to about PERF_REP_MS, so that cheap and expensive
 * operations are timed over the same wall time. Every baseline is measured
 * in the same run as the figure it is compared with. The three benchmarks
 * (this one, vmap_purge_perf and vmap_mempool_perf) print and time through
 * perf_common.c.
 *
 * Figure 1 (alloc+free pairs on one lcore) and the command are here; the
 * others have a file each: 2 perf_fig_lcores.c (two lcores), 3
 * perf_fig_v2i.c (virt2iova), 4 and 5 perf_fig_meta.c (many live
 * windows, metadata), 6 perf_fig_block.c (block caches).
 * Output:
 *
 *   PERF_INFO key=value ...               the machine and the set-up
 *   PERF <name> <value> <unit>            a figure (ns, Mpairs/s, %)
 *   PERF <name>_vs_<baseline> <ratio> x   two figures of this run compared
 *   PERF_TARGET <name> <value> <op> <target> met|MISSED
 *   PERF_SKIP <what>: <reason>
 *
 * Ratios read "better by": baseline time / vmap time for the speed
 * figures, 2-lcore / 1-lcore throughput for the scaling ones. The one
 * exception is alloc_free_4k_live*_vs_live10, a slowdown (time with many
 * live windows / time with few), as its target (<= 2) is stated.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "test.h"
#include "vmap_test_util.h"
#include "perf_figures.h"

const struct perf_size perf_sizes[PERF_NR_SIZES] = {
	{ (size_t)4 << 10, "4k", true },
	{ (size_t)64 << 10, "64k", true },
	{ (size_t)2 << 20, "2m", false },
	{ (size_t)32 << 20, "32m", false },
};

/* ---- set-up ------------------------------------------------------------ */

struct rte_vmap *
perf_space(const char *name, size_t page_size, unsigned int nr_nodes)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	/* va_size 0: the library default, room for 100k windows and more. */
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.page_size = page_size;
	p.iova_mode = vmap_test_iova_mode(page_size);
	p.nr_nodes = nr_nodes;
	vm = rte_vmap_create(&p);
	if (vm == NULL)
		printf("rte_vmap_create(%s) failed: %s\n", name, rte_strerror(rte_errno));
	return vm;
}

/* ---- figure 1: alloc+free pairs on one lcore ------------------------- */

static __rte_always_inline void *
pairs_alloc(struct perf_pairs *pp, bool vmap)
{
	void *p;

	if (vmap)
		p = rte_vmap_alloc(pp->vm, pp->size, 0, SOCKET_ID_ANY);
	else
		p = rte_malloc(NULL, pp->size, 0);
	if (unlikely(p == NULL))
		printf("%s(%zu) failed: %s\n", vmap ? "rte_vmap_alloc" : "rte_malloc",
			pp->size, rte_strerror(rte_errno));
	return p;
}

static __rte_always_inline int
pairs_free(struct perf_pairs *pp, void *p, bool vmap)
{
	int ret;

	if (!vmap) {
		rte_free(p);
		return 0;
	}
	ret = rte_vmap_free(pp->vm, p);
	if (unlikely(ret != 0))
		printf("rte_vmap_free(%p) failed: %d\n", p, ret);
	return ret;
}

/* LIFO: the window just freed is the next one allocated. */
static __rte_always_inline int
pairs_lifo(struct perf_pairs *pp, unsigned int n, uint64_t *cycles, bool vmap)
{
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		p = pairs_alloc(pp, vmap);
		if (p == NULL)
			return -1;
		if (pairs_free(pp, p, vmap) != 0)
			return -1;
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/*
 * Working set: nr_live windows stay live, and each step frees a random one
 * and allocates its replacement, so frees do not come back in LIFO order
 * as they do for an application holding many buffers.
 */
static __rte_always_inline int
pairs_ws(struct perf_pairs *pp, unsigned int n, uint64_t *cycles, bool vmap)
{
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		k = pp->rnd[pp->pos++ & (PERF_NR_RND - 1)];
		if (pairs_free(pp, pp->live[k], vmap) != 0)
			return -1;
		pp->live[k] = pairs_alloc(pp, vmap);
		if (pp->live[k] == NULL)
			return -1;
	}
	*cycles = rte_rdtsc_precise() - t0;
	return 0;
}

/*
 * The figures' loops: rte_vmap pairs when the context has a space,
 * rte_malloc pairs when it has none. The allocator is chosen once per
 * run, each branch its own copy of the inlined loop, so that the timed
 * loop never tests it.
 */
int
loop_pairs_lifo(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_pairs *pp = ctx;

	return pp->vm != NULL ? pairs_lifo(pp, n, cycles, true) : pairs_lifo(pp, n, cycles, false);
}

static int
loop_pairs_ws(void *ctx, unsigned int n, uint64_t *cycles)
{
	struct perf_pairs *pp = ctx;

	return pp->vm != NULL ? pairs_ws(pp, n, cycles, true) : pairs_ws(pp, n, cycles, false);
}

static int
pairs_ws_fill(struct perf_pairs *pp, bool vmap)
{
	unsigned int i;

	pp->nr_live = RTE_MIN(PERF_WS_LIVE, (unsigned int)(PERF_WS_MAX_BYTES / pp->size));
	pp->pos = 0;
	for (i = 0; i < PERF_NR_RND; i++)
		pp->rnd[i] = (uint16_t)rte_rand_max(pp->nr_live);
	memset(pp->live, 0, sizeof(pp->live));
	for (i = 0; i < pp->nr_live; i++) {
		pp->live[i] = pairs_alloc(pp, vmap);
		if (pp->live[i] == NULL)
			return -1;
	}
	return 0;
}

static int
pairs_ws_drain(struct perf_pairs *pp, bool vmap)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < PERF_WS_LIVE; i++) {
		if (pp->live[i] != NULL && pairs_free(pp, pp->live[i], vmap) != 0)
			ret = -1;
		pp->live[i] = NULL;
	}
	return ret;
}

/*
 * The allocators one size is timed with: vmap on the default page size,
 * vmap on 4 KiB pages (sizes with a target only, when that is not the
 * default already) and rte_malloc, the baseline, always last.
 */
struct perf_slot {
	struct rte_vmap *vm; /* NULL: rte_malloc */
	const char *suffix;
};

static void
perf_pairs_name(char *buf, size_t len, const struct perf_slot *sl,
		const struct perf_size *ps, const struct perf_pairs *pp, bool ws)
{
	char ws_tag[16] = "";

	if (ws)
		snprintf(ws_tag, sizeof(ws_tag), "ws%u_", pp->nr_live);
	if (sl->vm == NULL)
		snprintf(buf, len, "rte_malloc_free_%s%s_1lcore", ws_tag, ps->tag);
	else
		snprintf(buf, len, "alloc_free_%s%s%s_1lcore", ws_tag, ps->tag, sl->suffix);
}

/* Print the figures of one variant (LIFO or working set) and their ratios. */
static void
perf_pairs_report(const struct perf_slot *sl, const struct perf_fig *fig,
		const struct perf_pairs *pp, unsigned int nr, const struct perf_size *ps,
		bool ws)
{
	char name[96];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		perf_pairs_name(name, sizeof(name), &sl[i], ps, &pp[i], ws);
		perf_print(name, fig[i].ns, "ns");
	}
	for (i = 0; i + 1 < nr; i++) {
		perf_pairs_name(name, sizeof(name), &sl[i], ps, &pp[i], ws);
		perf_ratio(name, "rte_malloc", fig[nr - 1].ns / fig[i].ns,
			ps->goal ? PERF_AT_LEAST : PERF_NO_GOAL, 3.0);
	}
}

static int
perf_alloc_free_size(struct rte_vmap *vm, struct rte_vmap *vm_pg4k,
		const struct perf_size *ps)
{
	struct perf_slot sl[3];
	struct perf_fig fig[3];
	struct perf_pairs *pp;
	unsigned int nr = 0, i;
	int ret = -1;

	sl[nr++] = (struct perf_slot){ vm, "" };
	if (vm_pg4k != NULL && ps->goal)
		sl[nr++] = (struct perf_slot){ vm_pg4k, "_pg4k" };
	sl[nr++] = (struct perf_slot){ NULL, "" };
	pp = calloc(nr, sizeof(*pp));
	if (pp == NULL)
		return -1;
	for (i = 0; i < nr; i++) {
		pp[i].vm = sl[i].vm;
		pp[i].size = ps->size;
		fig[i].fn = loop_pairs_lifo;
		fig[i].ctx = &pp[i];
	}
	if (perf_measure(fig, nr) != 0)
		goto out;
	perf_pairs_report(sl, fig, pp, nr, ps, false);

	/* Every allocator holds its working set during the whole comparison. */
	for (i = 0; i < nr; i++) {
		if (pairs_ws_fill(&pp[i], sl[i].vm != NULL) != 0)
			goto drain;
		fig[i].fn = loop_pairs_ws;
	}
	if (perf_measure(fig, nr) != 0)
		goto drain;
	perf_pairs_report(sl, fig, pp, nr, ps, true);
	ret = 0;
drain:
	for (i = 0; i < nr; i++)
		if (pairs_ws_drain(&pp[i], sl[i].vm != NULL) != 0)
			ret = -1;
out:
	free(pp);
	return ret;
}

int
perf_alloc_free(size_t page_size)
{
	struct rte_vmap *vm, *vm_pg4k = NULL;
	unsigned int i;
	int ret = 0;

	vm = perf_space("perf_pairs", page_size, 0);
	if (vm == NULL)
		return -1;
	if (page_size != RTE_VMAP_PAGE_4K) {
		/* 4 KiB backing pages: what a machine without hugepages gets. */
		vm_pg4k = perf_space("perf_pairs_pg4k", RTE_VMAP_PAGE_4K, 0);
		if (vm_pg4k == NULL) {
			rte_vmap_destroy(vm);
			return -1;
		}
	} else {
		printf("PERF_SKIP alloc_free_*_pg4k_1lcore: the default page size is 4K"
			" already\n");
	}
	printf("PERF_INFO alloc_free: page_size=%s (_pg4k: 4K) nodes=%u space_iova=%s"
		" ws=<=%u live windows (<= %zu MiB) baseline=rte_malloc(NULL, size, 0)\n",
		perf_page_tag(page_size), vm->nr_nodes, rte_vmap_iova_mode_name(vm->iova_mode),
		PERF_WS_LIVE, PERF_WS_MAX_BYTES >> 20);
	/* Reading the ratios: the baseline pays a memset of what it frees. */
	printf("PERF_INFO alloc_free: rte_free() clears the bytes it frees (DPDK"
		" malloc_elem_free), so the baseline's cost grows with the size\n");
	for (i = 0; ret == 0 && i < RTE_DIM(perf_sizes); i++)
		ret = perf_alloc_free_size(vm, vm_pg4k, &perf_sizes[i]);
	rte_vmap_destroy(vm_pg4k);
	rte_vmap_destroy(vm);
	return ret;
}

/* ---- the command ------------------------------------------------------- */

static int
test_vmap_perf(void)
{
	size_t page_size = vmap_test_page_size();

	perf_begin();
	/* The same addresses and working-set steps run after run. */
	rte_srand(0x766d6170);
	perf_print_machine(page_size, PERF_REP_MS);

	TEST_ASSERT_SUCCESS(perf_alloc_free(page_size),
		"alloc/free figures failed");
	TEST_ASSERT_SUCCESS(perf_scaling(page_size), "scaling figures failed");
	TEST_ASSERT_SUCCESS(perf_virt2iova(page_size), "virt2iova figures failed");
	TEST_ASSERT_SUCCESS(perf_live(page_size), "live-window figures failed");
	TEST_ASSERT_SUCCESS(perf_meta(page_size), "metadata figures failed");
	TEST_ASSERT_SUCCESS(perf_blocks(page_size), "block figures failed");

	perf_end();
	return TEST_SUCCESS;
}

REGISTER_PERF_TEST(vmap_perf_autotest, test_vmap_perf);

