/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_perf_autotest, figures 4 and 5: what many windows cost. The
 * alloc+free cost with 100k windows live against 10, and the metadata a
 * 2 MiB window takes (heap and tables, measured and by formula).
 * test_vmap_perf.c has the overview.
 */

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "perf_figures.h"

/* ---- figure 4: alloc cost against live windows ----------------------- */

/* Alloc cost against the number of live windows. */
#define PERF_LIVE_SMALL 10u
#define PERF_LIVE_LARGE 100000u

/*
 * With 4 KiB backing pages every window is its own mapping (VMA); the
 * kernel caps them at vm.max_map_count, which may hold fewer than
 * PERF_LIVE_LARGE. Returns how many live windows fit, in thousands.
 */
static unsigned int
perf_live_large(size_t page_size)
{
	unsigned long max_map = 0;
	FILE *f;

	if (page_size != RTE_VMAP_PAGE_4K)
		return PERF_LIVE_LARGE;
	f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f != NULL) {
		if (fscanf(f, "%lu", &max_map) != 1)
			max_map = 0;
		fclose(f);
	}
	/* Half for the windows, half for the rest of the process. */
	if (max_map / 2 >= PERF_LIVE_LARGE)
		return PERF_LIVE_LARGE;
	return RTE_MAX((unsigned int)(max_map / 2 / 1000), 1u) * 1000;
}

/* A space holding nr live 4 KiB windows, and its alloc+free loop. */
struct perf_live_set {
	struct perf_pairs pp;
	void **live;
	unsigned int nr;
};

static int
perf_live_fill(struct perf_live_set *ls, unsigned int want)
{
	for (; ls->nr < want; ls->nr++) {
		ls->live[ls->nr] = rte_vmap_alloc(ls->pp.vm, ls->pp.size, 0, SOCKET_ID_ANY);
		if (ls->live[ls->nr] == NULL) {
			printf("rte_vmap_alloc with %u live windows failed: %s\n", ls->nr,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

static int
perf_live_drain(struct perf_live_set *ls)
{
	int ret = 0;

	while (ls->nr > 0)
		if (rte_vmap_free(ls->pp.vm, ls->live[--ls->nr]) != 0)
			ret = -1;
	free(ls->live);
	rte_vmap_destroy(ls->pp.vm);
	return ret;
}

/*
 * Two spaces, one with few live windows and one with many, timed in
 * turns: the pair measured is the one more window on top of the base.
 */
int
perf_live(size_t page_size)
{
	static const char *const names[2] = { "perf_live_small", "perf_live_large" };
	unsigned int want[2] = { PERF_LIVE_SMALL, perf_live_large(page_size) };
	struct perf_live_set *ls;
	struct perf_fig fig[2];
	char name[64], base[32];
	uint64_t t0, fill = 0;
	unsigned int i;
	int ret = 0;

	ls = calloc(2, sizeof(*ls));
	if (ls == NULL)
		return -1;
	if (want[1] != PERF_LIVE_LARGE)
		printf("PERF_INFO live: vm.max_map_count with 4K pages allows %u live"
			" windows, not %u\n", want[1], PERF_LIVE_LARGE);
	for (i = 0; ret == 0 && i < 2; i++) {
		ls[i].pp.size = (size_t)4 << 10;
		ls[i].pp.vm = perf_space(names[i], page_size, 0);
		ls[i].live = calloc(want[i], sizeof(*ls[i].live));
		if (ls[i].pp.vm == NULL || ls[i].live == NULL) {
			ret = -1;
			break;
		}
		t0 = rte_rdtsc_precise();
		ret = perf_live_fill(&ls[i], want[i]);
		fill = rte_rdtsc_precise() - t0;
		fig[i] = (struct perf_fig){ .fn = loop_pairs_lifo, .ctx = &ls[i].pp };
	}
	if (ret != 0)
		goto out;
	printf("PERF_INFO live: page_size=%s nodes=%u; filling %u live windows took"
		" %.1f ns per alloc (free-tree path, backing faulted in)\n",
		perf_page_tag(page_size), ls[1].pp.vm->nr_nodes, want[1],
		perf_ns(fill, want[1]));
	ret = perf_measure(fig, 2);
	if (ret != 0)
		goto out;
	snprintf(base, sizeof(base), "live%u", want[0]);
	snprintf(name, sizeof(name), "alloc_free_4k_%s", base);
	perf_print(name, fig[0].ns, "ns");
	snprintf(name, sizeof(name), "alloc_free_4k_live%uk", want[1] / 1000);
	perf_print(name, fig[1].ns, "ns");
	perf_ratio(name, base, fig[1].ns / fig[0].ns, PERF_AT_MOST, 2.0);
out:
	for (i = 0; i < 2; i++)
		if (perf_live_drain(&ls[i]) != 0)
			ret = -1;
	free(ls);
	return ret;
}

/* ---- figure 5: metadata overhead of 2 MiB windows -------------------- */

/* Metadata overhead. */
#define PERF_META_WINDOWS 256u
#define PERF_META_WSIZE ((size_t)2 << 20)

/* Resident bytes of a mapping, from mincore(): what its metadata costs. */
static int
perf_resident(const void *addr, size_t len, unsigned char *vec, uint64_t *bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i, n = (len + pg - 1) / pg;

	if (mincore((void *)(uintptr_t)addr, len, vec) != 0) {
		printf("mincore(%p, %zu) failed: %s\n", addr, len, strerror(errno));
		return -1;
	}
	*bytes = 0;
	for (i = 0; i < n; i++)
		if ((vec[i] & 1) != 0)
			*bytes += pg;
	return 0;
}

/* The IOVA table and the per-backing-page tables of a space, resident. */
int
perf_table_bytes(const struct rte_vmap *vm, unsigned char *vec, uint64_t *bytes)
{
	const struct vmap_backing *bk = &vm->backing;
	uint64_t b[3];

	if (perf_resident(vm->iova_table, vm->iova_table_len, vec, &b[0]) != 0 ||
			perf_resident(bk->refcnt, bk->nr_pages * sizeof(*bk->refcnt),
				vec, &b[1]) != 0 ||
			perf_resident(bk->phys, bk->nr_pages * sizeof(*bk->phys),
				vec, &b[2]) != 0)
		return -1;
	*bytes = b[0] + b[1] + b[2];
	return 0;
}

int
perf_meta(size_t page_size)
{
	void *win[PERF_META_WINDOWS] = { NULL };
	uint64_t tab0, tab1, heap0, heap1;
	double heap_pw, tab_pw, formula_pw;
	struct mallinfo2 mi;
	unsigned char *vec = NULL;
	struct rte_vmap *vm;
	unsigned int i;
	size_t vec_len;
	int ret = -1;

	vm = perf_space("perf_meta", page_size, 0);
	if (vm == NULL)
		return -1;
	/* The largest table is the IOVA table; vec is allocated before measuring. */
	vec_len = vm->iova_table_len / (size_t)sysconf(_SC_PAGESIZE) + 1;
	vec = malloc(vec_len);
	if (vec == NULL || perf_table_bytes(vm, vec, &tab0) != 0)
		goto out;
	mi = mallinfo2();
	heap0 = mi.uordblks;
	for (i = 0; i < PERF_META_WINDOWS; i++) {
		win[i] = rte_vmap_alloc(vm, PERF_META_WSIZE, 0, SOCKET_ID_ANY);
		if (win[i] == NULL) {
			printf("rte_vmap_alloc(2 MiB) #%u failed: %s\n", i,
				rte_strerror(rte_errno));
			goto out;
		}
	}
	mi = mallinfo2();
	heap1 = mi.uordblks;
	if (perf_table_bytes(vm, vec, &tab1) != 0)
		goto out;

	heap_pw = heap1 > heap0 ? (double)(heap1 - heap0) / PERF_META_WINDOWS : 0;
	tab_pw = (double)(tab1 - tab0) / PERF_META_WINDOWS;
	/* What the design says: an IOVA entry per 4 KiB, a descriptor, page tables. */
	formula_pw = (double)(PERF_META_WSIZE / VMAP_GRANULE * sizeof(uint64_t)) +
		sizeof(struct vmap_area) +
		(double)(PERF_META_WSIZE / page_size) *
		(sizeof(*vm->backing.refcnt) + sizeof(*vm->backing.phys));
	printf("PERF_INFO meta_2m: %u windows of 2 MiB, page_size=%s; measured ="
		" (mallinfo2 uordblks delta %.1f B + resident delta of IOVA/refcnt/phys"
		" tables %.1f B) per window / 2 MiB; formula = (2M/4096*8 + sizeof(struct"
		" vmap_area) %zu + %zu backing page(s) * 12) = %.1f B / 2 MiB\n",
		PERF_META_WINDOWS, perf_page_tag(page_size), heap_pw, tab_pw,
		sizeof(struct vmap_area), PERF_META_WSIZE / page_size, formula_pw);
	perf_print("meta_2m_measured", (heap_pw + tab_pw) * 100.0 / PERF_META_WSIZE, "%");
	perf_target("meta_2m_measured", (heap_pw + tab_pw) * 100.0 / PERF_META_WSIZE,
		PERF_AT_MOST, 1.0);
	perf_print("meta_2m_formula", formula_pw * 100.0 / PERF_META_WSIZE, "%");
	ret = 0;
out:
	for (i = 0; i < PERF_META_WINDOWS; i++)
		if (win[i] != NULL && rte_vmap_free(vm, win[i]) != 0)
			ret = -1;
	free(vec);
	rte_vmap_destroy(vm);
	return ret;
}
