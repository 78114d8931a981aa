/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The fault sweep of vmap_fault_autotest (rte_vmap_fault.h).
 *
 * For a point, for N = 1, 2, 3, ...: arm the point to fail its Nth call,
 * run the scenario on a fresh space (create; windows of several sizes and
 * alignments; block windows; frees; a purge; windows again, from the
 * pools; everything freed; a final purge; destroy) and check it:
 *
 * - every call that fails returns its documented error, and the space
 *   verifies (rte_vmap_verify()) right after it;
 * - every window handed out works: its bytes are writable, rte_vmap_find()
 *   and rte_vmap_virt2iova() know it, and with the "sim" IOMMU a device
 *   reads through its IOVA what the CPU wrote;
 * - once everything is freed, a purge returns 0 (a driver failure earlier
 *   is retried), the space is empty and verifies, and with "sim" no IOVA
 *   the scenario used is still translated, nor in the IOTLB;
 * - after destroy the process holds what it held before: hugepages,
 *   mapped addresses, heap (and LeakSanitizer finds nothing at exit).
 *
 * The scenario runs on every space configuration (4 KiB and 2 MiB pages,
 * IOMMU "none" and "sim", IOVA modes VA, DOMAIN and EAL's, lazy and strict,
 * with and without per-lcore blocks, EXTMEM with a net_null device); N
 * counts through them, so that N = 1..K injects K failures, one per run.
 * A point's sweep ends when N passes the calls of the last configuration;
 * a point no configuration reaches fails (unless the machine cannot reach
 * it, which is said).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>
#include <rte_vmap.h>
#include <rte_vmap_fault.h>
#include <rte_vmap_iommu_sim.h>

#include "fault_sweep.h"
#include "test.h"
#include "vmap_test_util.h"
#include "vmap_private.h"

/* Under ASan, malloc is its allocator's; gcc ships no header declaring its counter. */
#if defined(__SANITIZE_ADDRESS__)
#define FI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FI_ASAN 1
#endif
#endif
#ifdef FI_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Small spaces: an EXTMEM space describes each backing page to DPDK. */
#define FI_VA_SIZE ((size_t)256 << 20)
#define FI_MAX_WINDOWS 48
#define FI_VDEV "net_null_vfi0"
#define FI_PATTERN UINT64_C(0x5a5aa5a5c3c33c3c)

static const struct fi_config fi_configs[] = {
	{ "4k-none-va", RTE_VMAP_PAGE_4K, "none", RTE_VMAP_IOVA_VA, 0 },
	{ "4k-sim-domain", RTE_VMAP_PAGE_4K, "sim", RTE_VMAP_IOVA_DOMAIN, 0 },
	{ "4k-sim-domain-strict", RTE_VMAP_PAGE_4K, "sim", RTE_VMAP_IOVA_DOMAIN,
		RTE_VMAP_F_STRICT },
	{ "4k-sim-va-nocache", RTE_VMAP_PAGE_4K, "sim", RTE_VMAP_IOVA_VA,
		RTE_VMAP_F_NO_LCORE_CACHE },
	{ "2m-sim-domain", RTE_VMAP_PAGE_2M, "sim", RTE_VMAP_IOVA_DOMAIN, 0 },
	{ "2m-none-eal", RTE_VMAP_PAGE_2M, "none", RTE_VMAP_IOVA_AUTO, 0 },
	{ "4k-extmem", RTE_VMAP_PAGE_4K, "none", RTE_VMAP_IOVA_AUTO,
		RTE_VMAP_F_EXTMEM | RTE_VMAP_F_NO_LCORE_CACHE, 256 * KIB },
	{ "2m-extmem", RTE_VMAP_PAGE_2M, "none", RTE_VMAP_IOVA_AUTO, RTE_VMAP_F_EXTMEM },
};

/* Windows of the scenario: sub-page, odd, page, 2 MiB-crossing, several pages. */
static const size_t fi_sizes[] = { 100, 3 * 4 * KIB + 17, 64 * KIB, 2 * MIB + 20 * KIB, 5 * MIB };
static const size_t fi_block_sizes[] = { 4 * KIB, 8 * KIB, 3 * 4 * KIB, 64 * KIB, 256 * KIB };

struct fi_win {
	char *va;
	size_t size;
	bool block;
};

/* One run of the scenario. */
struct fi_run {
	const struct fi_config *cfg;
	struct rte_vmap *vm;
	bool sim;
	struct fi_win win[FI_MAX_WINDOWS];
	unsigned int nr_win;
	/* Every IOVA range a window had: none may stay translated at the end. */
	rte_iova_t used_iova[2 * FI_MAX_WINDOWS];
	size_t used_len[2 * FI_MAX_WINDOWS];
	unsigned int nr_used;
	unsigned int failed_calls;
};

static bool fi_have_hugepages;
static bool fi_have_vdev;

/* ---- what a process holds ------------------------------------------------ */

/*
 * Bytes allocated from the C heap, exact under ASan. glibc's own count is
 * not: chunks in its per-thread caches count as used, so it moves with the
 * order of frees; there the check is LeakSanitizer's, at exit (in CI the
 * sweep runs in the sanitizer build).
 */
static size_t
fi_heap_bytes(void)
{
#ifdef FI_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

static int
fi_in_msl(const struct rte_memseg_list *msl, void *arg)
{
	const struct fi_map *m = arg;

	return m->lo >= (uintptr_t)msl->base_va && m->lo < (uintptr_t)msl->base_va + msl->len;
}

/* ASan's primary allocator space on x86_64 (kAllocatorSpace, kAllocatorSize). */
#define FI_ASAN_HEAP_LO UINT64_C(0x600000000000)
#define FI_ASAN_HEAP_HI UINT64_C(0x640000000000)

/*
 * Whether a mapping is one the check looks at. Not the brk heap (the heap
 * counter covers it), nor DPDK's memseg lists (its heap grows and shrinks
 * in them; an EXTMEM space's list goes with the space). Under ASan, only
 * MAP_NORESERVE mappings outside its allocator space: its allocators and
 * stack depot map as they please (the space's reservation and tables are
 * all MAP_NORESERVE; the 4 KiB backing is checked by the release build).
 */
static bool
fi_map_counts(struct fi_map *m, const char *path, bool noreserve)
{
	if (strcmp(path, "[heap]") == 0 || rte_memseg_list_walk(fi_in_msl, m) != 0)
		return false;
#ifdef FI_ASAN
	return noreserve && (m->hi <= FI_ASAN_HEAP_LO || m->lo >= FI_ASAN_HEAP_HI);
#else
	RTE_SET_USED(noreserve);
	return true;
#endif
}

static void
fi_held_add(struct fi_held *h, struct fi_map *m, const char *path, bool noreserve)
{
	if (m->hi == 0 || !fi_map_counts(m, path, noreserve))
		return;
	/* Addresses, not mappings: a range cut differently covers the same. */
	if (h->nr_maps > 0 && h->map[h->nr_maps - 1].hi == m->lo)
		h->map[h->nr_maps - 1].hi = m->hi;
	else if (h->nr_maps < FI_MAX_MAPS)
		h->map[h->nr_maps++] = *m;
}

/* The addresses mapped (smaps: a mapping's VmFlags follow its header line). */
void
fi_held_get(struct fi_held *h)
{
	char line[512], path[256] = "", next_path[256];
	struct fi_map m = { 0 };
	unsigned long lo, hi;
	bool noreserve = false;
	FILE *f;

	h->nr_maps = 0;
	h->hugetlb_kb = vmap_test_process_hugetlb_kb();
	h->heap = fi_heap_bytes();
	f = fopen("/proc/self/smaps", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		next_path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, next_path) >= 2) {
			fi_held_add(h, &m, path, noreserve);
			m = (struct fi_map){ .lo = lo, .hi = hi };
			memcpy(path, next_path, sizeof(path));
			noreserve = false;
		} else if (strncmp(line, "VmFlags:", 8) == 0) {
			noreserve = strstr(line, " nr") != NULL;
		}
	}
	fi_held_add(h, &m, path, noreserve);
	fclose(f);
}

static bool
fi_map_in(const struct fi_held *h, const struct fi_map *m)
{
	unsigned int i;

	for (i = 0; i < h->nr_maps; i++)
		if (h->map[i].lo == m->lo && h->map[i].hi == m->hi)
			return true;
	return false;
}

/* Ranges in a and not in b, printed; their number. */
static unsigned int
fi_maps_print_diff(const struct fi_held *a, const struct fi_held *b, const char *what)
{
	unsigned int i, n = 0;

	for (i = 0; i < a->nr_maps; i++) {
		if (fi_map_in(b, &a->map[i]))
			continue;
		printf("  %s: 0x%" PRIxPTR "-0x%" PRIxPTR "\n", what, a->map[i].lo, a->map[i].hi);
		n++;
	}
	return n;
}

/* After a run, as before it: the process's hugepages, mapped addresses, heap. */
int
fi_held_check(const struct fi_held *before, const char *what)
{
	static struct fi_held now;
	unsigned int diff;

	fi_held_get(&now);
	TEST_ASSERT_EQUAL(now.hugetlb_kb, before->hugetlb_kb, "%s: %lu kB of hugepages held, "
		"%lu kB before", what, now.hugetlb_kb, before->hugetlb_kb);
	diff = fi_maps_print_diff(&now, before, "mapped now") +
		fi_maps_print_diff(before, &now, "mapped before");
	TEST_ASSERT_EQUAL(diff, 0u, "%s: mapped address ranges differ (above)", what);
	TEST_ASSERT_EQUAL(now.heap, before->heap, "%s: %zu heap bytes in use, %zu before", what,
		now.heap, before->heap);
	return TEST_SUCCESS;
}

/* ---- the scenario ------------------------------------------------------------ */

/*
 * An EXTMEM space takes EAL's IOVA mode: under EAL's PA mode on 4 KiB
 * pages that is PA, which the library refuses (the kernel moves 4 KiB
 * pages) and fi_sweep_setup() tests so.
 */
static bool
fi_config_pa_4k(const struct fi_config *cfg)
{
	return cfg->page_size == RTE_VMAP_PAGE_4K && rte_eal_iova_mode() == RTE_IOVA_PA &&
		(cfg->mode == RTE_VMAP_IOVA_PA || cfg->mode == RTE_VMAP_IOVA_AUTO);
}

static bool
fi_config_usable(const struct fi_config *cfg)
{
	return (cfg->page_size != RTE_VMAP_PAGE_2M || fi_have_hugepages) &&
		!fi_config_pa_4k(cfg);
}

struct rte_vmap *
fi_create(const struct fi_config *cfg, const char *name)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.va_size = FI_VA_SIZE;
	p.page_size = cfg->page_size;
	p.iommu = cfg->iommu;
	p.iova_mode = cfg->mode;
	p.flags = cfg->flags;
	p.lazy_max = cfg->lazy_max;
	return rte_vmap_create(&p);
}

/*
 * A call failed under the fault: with ENOMEM (memory, mappings, metadata,
 * DPDK) or, from the sim driver's map, EIO; the space must verify.
 */
static int
fi_failed(struct fi_run *r, const char *call, int err)
{
	r->failed_calls++;
	TEST_ASSERT(err == ENOMEM || (r->sim && err == EIO), "%s: %s failed with %d (%s), "
		"not ENOMEM%s", r->cfg->name, call, err, rte_strerror(err),
		r->sim ? " or EIO" : "");
	VMAP_TEST_VERIFY(r->vm);
	return TEST_SUCCESS;
}

/* A window handed out works: CPU, lookups, and a device through the sim IOMMU. */
static int
fi_win_check(struct fi_run *r, const struct fi_win *w)
{
	uint64_t v = FI_PATTERN ^ (uintptr_t)w->va, got = 0;
	rte_iova_t iova = rte_vmap_virt2iova(r->vm, w->va);
	struct rte_vmap_window info;

	TEST_ASSERT(iova != RTE_BAD_IOVA, "%s: window %p has no IOVA", r->cfg->name, w->va);
	TEST_ASSERT(rte_vmap_virt2iova(r->vm, w->va + w->size - 1) != RTE_BAD_IOVA,
		"%s: last byte of %p+%zu has no IOVA", r->cfg->name, w->va, w->size);
	TEST_ASSERT_SUCCESS(rte_vmap_find(r->vm, w->va, &info), "%s: find %p", r->cfg->name,
		w->va);
	TEST_ASSERT(info.va == w->va && info.size >= w->size, "%s: find %p gives %p+%zu",
		r->cfg->name, w->va, info.va, info.size);
	memcpy(w->va, &v, sizeof(v));
	w->va[w->size - 1] = 0x5a;
	if (!r->sim)
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_dma_read(r->vm, iova, &got, sizeof(got)),
		"%s: DMA read of %p at IOVA 0x%" PRIx64, r->cfg->name, w->va, iova);
	TEST_ASSERT_EQUAL(got, v, "%s: DMA read 0x%" PRIx64 " at IOVA 0x%" PRIx64 ", CPU wrote "
		"0x%" PRIx64, r->cfg->name, got, iova, v);
	TEST_ASSERT(r->nr_used < RTE_DIM(r->used_iova), "too many IOVA ranges");
	r->used_iova[r->nr_used] = iova;
	r->used_len[r->nr_used++] = RTE_ALIGN_CEIL(w->size, (size_t)VMAP_GRANULE);
	return TEST_SUCCESS;
}

static int
fi_alloc(struct fi_run *r, size_t size, size_t align, bool block)
{
	struct fi_win *w;
	char *va;

	va = block ? rte_vmap_block_alloc(r->vm, size) :
		rte_vmap_alloc(r->vm, size, align, SOCKET_ID_ANY);
	if (va == NULL)
		return fi_failed(r, block ? "rte_vmap_block_alloc" : "rte_vmap_alloc", rte_errno);
	TEST_ASSERT(r->nr_win < FI_MAX_WINDOWS, "too many windows");
	w = &r->win[r->nr_win++];
	*w = (struct fi_win){ .va = va, .size = size, .block = block };
	return fi_win_check(r, w);
}

/* Windows of every size, one aligned to 64 KiB, and block windows. */
static int
fi_alloc_all(struct fi_run *r)
{
	unsigned int i;
	int ret = TEST_SUCCESS;

	for (i = 0; i < RTE_DIM(fi_sizes) && ret == TEST_SUCCESS; i++)
		if (r->cfg->max_size == 0 || fi_sizes[i] <= r->cfg->max_size)
			ret = fi_alloc(r, fi_sizes[i], i == 2 ? 64 * KIB : 0, false);
	for (i = 0; i < RTE_DIM(fi_block_sizes) && ret == TEST_SUCCESS; i++)
		ret = fi_alloc(r, fi_block_sizes[i], 0, true);
	return ret;
}

/* Free every window i with i % step == 0 (step 1: all); a live window always frees. */
static int
fi_free_some(struct fi_run *r, unsigned int step)
{
	struct fi_win *w;
	unsigned int i;
	int ret;

	for (i = 0; i < r->nr_win; i++) {
		w = &r->win[i];
		if (w->va == NULL || i % step != 0)
			continue;
		ret = w->block ? rte_vmap_block_free(r->vm, w->va, w->size) :
			rte_vmap_free(r->vm, w->va);
		TEST_ASSERT_SUCCESS(ret, "%s: free of %p+%zu: %d", r->cfg->name, w->va, w->size,
			ret);
		w->va = NULL;
	}
	return TEST_SUCCESS;
}

/* A purge: 0, or (sim only) the driver's -EIO with the ranges kept back. */
static int
fi_purge(struct fi_run *r)
{
	int ret = rte_vmap_purge(r->vm);

	if (ret == 0)
		return TEST_SUCCESS;
	TEST_ASSERT(r->sim && ret == -EIO && rte_errno == EIO, "%s: purge gave %d (rte_errno %d)",
		r->cfg->name, ret, rte_errno);
	return fi_failed(r, "rte_vmap_purge", -ret);
}

/*
 * The end of a run: everything freed, then a purge must succeed (one that
 * takes the armed fault itself may fail, the next may not), the space be
 * empty, and no IOVA the run used be translated, nor reach a stale IOTLB
 * entry, any more.
 */
static int
fi_finish(struct fi_run *r, enum rte_vmap_fault_point p)
{
	struct rte_vmap_iommu_sim_stats before, after;
	struct rte_vmap_stats st;
	uint64_t inj, word;
	unsigned int i, tries;
	void *va;
	int ret;

	ret = fi_free_some(r, 1);
	for (tries = 0; ret == TEST_SUCCESS && tries < 2; tries++) {
		inj = rte_vmap_fault_injected(p);
		ret = rte_vmap_purge(r->vm);
		if (ret == 0)
			break;
		TEST_ASSERT(rte_vmap_fault_injected(p) > inj, "%s: final purge failed (%d) with "
			"no fault in it", r->cfg->name, ret);
		ret = fi_failed(r, "rte_vmap_purge", -ret);
	}
	TEST_ASSERT_SUCCESS(ret, "%s: final purge", r->cfg->name);
	VMAP_TEST_VERIFY(r->vm);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(r->vm, &st), "stats");
	TEST_ASSERT(st.nr_windows == 0 && st.va_used == 0 && st.va_lazy == 0, "%s: all freed and "
		"purged, still %" PRIu64 " windows, %" PRIu64 " bytes used, %" PRIu64 " lazy",
		r->cfg->name, st.nr_windows, st.va_used, st.va_lazy);
	if (!r->sim)
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(r->vm, &before), "sim stats");
	for (i = 0; i < r->nr_used; i++) {
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_translate(r->vm, r->used_iova[i], &va),
			-ENOENT, "%s: IOVA 0x%" PRIx64 "+%zu still translated after the purge",
			r->cfg->name, r->used_iova[i], r->used_len[i]);
		TEST_ASSERT_EQUAL(rte_vmap_iommu_sim_dma_read(r->vm, r->used_iova[i], &word,
			sizeof(word)), -EFAULT, "%s: a device still reads IOVA 0x%" PRIx64,
			r->cfg->name, r->used_iova[i]);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_iommu_sim_stats_get(r->vm, &after), "sim stats");
	TEST_ASSERT_EQUAL(after.faults_stale, before.faults_stale, "%s: %" PRIu64 " freed IOVAs "
		"still in the IOTLB after the purge", r->cfg->name,
		after.faults_stale - before.faults_stale);
	return TEST_SUCCESS;
}

/*
 * Create, windows, half freed, purge, windows again (from the pools),
 * everything freed and purged. r->vm is left for the caller to destroy.
 */
static int
fi_scenario(struct fi_run *r, const struct fi_config *cfg, enum rte_vmap_fault_point p)
{
	int ret;

	r->cfg = cfg;
	r->sim = strcmp(cfg->iommu, "sim") == 0;
	r->vm = fi_create(cfg, "fault");
	if (r->vm == NULL) {
		TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "%s: create failed with %d (%s), not ENOMEM",
			cfg->name, rte_errno, rte_strerror(rte_errno));
		TEST_ASSERT_NULL(rte_vmap_lookup("fault"), "%s: a failed create left its space",
			cfg->name);
		return TEST_SUCCESS;
	}
	ret = fi_alloc_all(r);
	if (ret == TEST_SUCCESS)
		ret = fi_free_some(r, 2);
	if (ret == TEST_SUCCESS)
		ret = fi_purge(r);
	if (ret == TEST_SUCCESS)
		ret = fi_alloc_all(r);
	if (ret == TEST_SUCCESS)
		ret = fi_free_some(r, 3);
	if (ret == TEST_SUCCESS)
		ret = fi_finish(r, p);
	return ret;
}

/* One run with p armed at its nth call; destroy too runs armed. */
static int
fi_run_once(const struct fi_config *cfg, enum rte_vmap_fault_point p, uint64_t nth)
{
	static struct fi_held before;
	struct fi_run r;
	int ret;

	memset(&r, 0, sizeof(r));
	fi_held_get(&before);
	TEST_ASSERT_SUCCESS(rte_vmap_fault_arm(p, nth), "arm %s", rte_vmap_fault_name(p));
	ret = fi_scenario(&r, cfg, p);
	rte_vmap_destroy(r.vm);
	rte_vmap_fault_disarm(p);
	if (ret != TEST_SUCCESS)
		return ret;
	return fi_held_check(&before, cfg->name);
}

/* ---- the sweeps ------------------------------------------------------------- */

/* Whether this machine makes p's call at all (NULL), or why not. */
const char *
fi_unreachable(enum rte_vmap_fault_point p)
{
	struct vmap_topo topo;

	switch (p) {
	case RTE_VMAP_FAULT_MBIND:
		/* Placement is asked for only where NUMA policy calls work. */
		if (vmap_topo_load(&topo, NULL) != 0 || !topo.numa_ok)
			return "no NUMA policy calls on this machine: mbind() is never made";
		return NULL;
	case RTE_VMAP_FAULT_DEV_DMA_MAP:
		if (!fi_have_vdev)
			return "no net_null vdev (librte_net_null not in EAL's PMD path): "
				"no device to DMA-map for";
		return NULL;
	default:
		return NULL;
	}
}

/*
 * The library logs every failure it meets: thousands in a sweep. Quiet
 * during the sweep; a run that goes wrong is run again with its logs.
 */
void
fi_quiet(bool quiet)
{
	rte_log_set_level_pattern("lib.vmap*", quiet ? RTE_LOG_EMERG : RTE_LOG_NOTICE);
}

int
fi_sweep(enum rte_vmap_fault_point p)
{
	const char *name = rte_vmap_fault_name(p), *why = fi_unreachable(p);
	const struct fi_config *cfg;
	uint64_t k = 0, nth, inj;
	unsigned int c;
	int ret;

	if (why != NULL) {
		printf("FAULT %s: not swept: %s\n", name, why);
		return TEST_SKIPPED;
	}
	for (c = 0; c < RTE_DIM(fi_configs); c++) {
		cfg = &fi_configs[c];
		if (!fi_config_usable(cfg))
			continue;
		for (nth = 1; ; nth++) {
			inj = rte_vmap_fault_injected(p);
			fi_quiet(true);
			ret = fi_run_once(cfg, p, nth);
			fi_quiet(false);
			if (ret != TEST_SUCCESS) {
				printf("FAULT %s: N=%" PRIu64 " (call %" PRIu64 " in %s) not "
					"clean; again, with the library's logs:\n", name, k + 1,
					nth, cfg->name);
				fi_run_once(cfg, p, nth);
				return TEST_FAILED;
			}
			/* Fewer calls than nth: the last configuration's sweep is done. */
			if (rte_vmap_fault_injected(p) == inj)
				break;
			k++;
		}
	}
	TEST_ASSERT(k > 0, "FAULT %s: no call of the point in any scenario", name);
	printf("FAULT %s: swept N=1..%" PRIu64 ", %" PRIu64 " failures injected, all clean\n",
		name, k, k);
	return TEST_SUCCESS;
}

/* ---- the suite's set-up -------------------------------------------------------- */

int
fi_sweep_setup(void)
{
	struct fi_run r;
	unsigned int c;
	int ret;

	fi_have_hugepages = vmap_test_page_size() == RTE_VMAP_PAGE_2M;
	if (!fi_have_hugepages)
		printf("fewer than 64 free hugepages: the 2 MiB configurations are left out\n");
	/* Probed before the spaces, which learn the devices at creation. */
	fi_have_vdev = rte_dev_probe(FI_VDEV) == 0;
	/* Each configuration once, unarmed: it must pass, and warms what DPDK caches. */
	for (c = 0; c < RTE_DIM(fi_configs); c++) {
		if (fi_config_pa_4k(&fi_configs[c])) {
			TEST_ASSERT_NULL(fi_create(&fi_configs[c], fi_configs[c].name),
				"%s: PA on 4 KiB pages accepted", fi_configs[c].name);
			TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "%s: rte_errno %d",
				fi_configs[c].name, rte_errno);
			printf("%s left out: EAL runs IOVA as PA, refused on 4 KiB pages\n",
				fi_configs[c].name);
		}
		if (!fi_config_usable(&fi_configs[c]))
			continue;
		memset(&r, 0, sizeof(r));
		ret = fi_scenario(&r, &fi_configs[c], RTE_VMAP_FAULT_MMAP);
		rte_vmap_destroy(r.vm);
		TEST_ASSERT_SUCCESS(ret, "%s without any fault", fi_configs[c].name);
		TEST_ASSERT_EQUAL(r.failed_calls, 0u, "%s: %u calls failed without any fault",
			fi_configs[c].name, r.failed_calls);
	}
	return TEST_SUCCESS;
}

void
fi_sweep_teardown(void)
{
	rte_vmap_fault_disarm_all();
	if (fi_have_vdev)
		rte_eal_hotplug_remove("vdev", FI_VDEV);
}
