/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * dpdk-vmap-demo: a tour of rte_vmap.
 *
 * Creates one space, then every lcore allocates windows of mixed sizes
 * (4 KiB .. 4 MiB) and a few block windows, writes into each, checks that
 * rte_vmap_virt2iova() agrees with rte_vmap_find(), and frees half of
 * them. The main lcore then dumps the space, prints its counters, verifies
 * its invariants, frees the rest and destroys it. Options: see usage().
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_vmap.h>

#define DEMO_NR_BLOCKS 4

/* What one lcore still holds after its run, for the main lcore to free. */
struct demo_lcore {
	void **win;                          /* windows; NULL once freed */
	size_t *size;                        /* their requested sizes */
	void *block[DEMO_NR_BLOCKS];         /* block windows; NULL once freed */
	size_t block_size[DEMO_NR_BLOCKS];
	unsigned int errors;
} __rte_cache_aligned;

static struct rte_vmap_params params = {
	.name = "vmap_demo",
	.iommu = "none",
};
static unsigned int nr_windows = 64;   /* per lcore */
static unsigned int hold_sec;         /* --hold: keep the space this long */
static struct rte_vmap *vm;
static bool iova_contiguous;           /* VA or DOMAIN: IOVA runs with VA */
static struct demo_lcore demo[RTE_MAX_LCORE];

/* 4K << (i % 11): 4 KiB .. 4 MiB; every other round 3/4 of that (rounded up). */
static size_t
window_size(unsigned int i)
{
	size_t size = RTE_VMAP_PAGE_4K << (i % 11);

	return (i / 11) % 2 == 0 ? size : size - size / 4;
}

/* Write a pattern into the window; check its IOVA at its start, middle and end. */
static int
check_window(unsigned int lcore, void *va, size_t size, uint8_t pattern)
{
	size_t offsets[] = { 0, size / 2, size - 1 };
	struct rte_vmap_window w;
	unsigned int k;

	memset(va, pattern, size);
	if (((uint8_t *)va)[0] != pattern || ((uint8_t *)va)[size - 1] != pattern) {
		printf("lcore %u: %p: pattern not read back\n", lcore, va);
		return -1;
	}
	if (rte_vmap_find(vm, va, &w) != 0 || w.va != va || w.size < size) {
		printf("lcore %u: %p: rte_vmap_find() does not report it\n", lcore, va);
		return -1;
	}
	for (k = 0; k < RTE_DIM(offsets); k++) {
		const uint8_t *p = (const uint8_t *)va + offsets[k];
		rte_iova_t iova = rte_vmap_virt2iova(vm, p);
		struct rte_vmap_window inner;
		bool ok;

		/* PA: contiguous within a backing page only; the page offset holds. */
		if (iova_contiguous || offsets[k] == 0)
			ok = iova == w.iova + offsets[k];
		else
			ok = iova != RTE_BAD_IOVA && (iova & 0xfff) == ((uintptr_t)p & 0xfff);
		if (!ok || rte_vmap_find(vm, p, &inner) != 0 || inner.va != va) {
			printf("lcore %u: %p+%zu: virt2iova 0x%" PRIx64 ", find iova 0x%" PRIx64
				"\n", lcore, va, offsets[k], iova, w.iova);
			return -1;
		}
	}
	return 0;
}

/* Per lcore: allocate, write, check, free half. */
static int
demo_lcore_run(__rte_unused void *arg)
{
	unsigned int lcore = rte_lcore_id();
	struct demo_lcore *d = &demo[lcore];
	size_t block_max = rte_vmap_block_max(vm);
	unsigned int i;

	for (i = 0; i < nr_windows; i++) {
		d->size[i] = window_size(i);
		d->win[i] = rte_vmap_alloc(vm, d->size[i], 0, SOCKET_ID_ANY);
		if (d->win[i] == NULL) {
			printf("lcore %u: rte_vmap_alloc(%zu) failed: %s\n", lcore, d->size[i],
				rte_strerror(rte_errno));
			d->errors++;
			continue;
		}
		if (check_window(lcore, d->win[i], d->size[i], (uint8_t)(lcore + i)) != 0)
			d->errors++;
	}
	for (i = 0; i < DEMO_NR_BLOCKS; i++) {
		/* 4 KiB, 16 KiB, 64 KiB, then the largest a block window can be. */
		d->block_size[i] = i + 1 < DEMO_NR_BLOCKS ?
			RTE_MIN(RTE_VMAP_PAGE_4K << (2 * i), block_max) : block_max;
		d->block[i] = rte_vmap_block_alloc(vm, d->block_size[i]);
		if (d->block[i] == NULL) {
			printf("lcore %u: rte_vmap_block_alloc(%zu) failed: %s\n", lcore,
				d->block_size[i], rte_strerror(rte_errno));
			d->errors++;
			continue;
		}
		if (check_window(lcore, d->block[i], d->block_size[i], 0xb0 + i) != 0)
			d->errors++;
	}
	/* Free every other window and block; the main lcore frees the rest. */
	for (i = 1; i < nr_windows; i += 2) {
		if (rte_vmap_free(vm, d->win[i]) != 0)
			d->errors++;
		d->win[i] = NULL;
	}
	for (i = 1; i < DEMO_NR_BLOCKS; i += 2) {
		if (rte_vmap_block_free(vm, d->block[i], d->block_size[i]) != 0)
			d->errors++;
		d->block[i] = NULL;
	}
	return 0;
}

static void
usage(const char *prog)
{
	printf("%s [EAL options] -- [--page-size 4K|2M|1G] [--iova-mode auto|va|pa|domain]\n"
		"    [--nodes N] [--windows N (per lcore, default 64)]\n"
		"    [--topology \"<hwloc synthetic>\", e.g. \"package:2 core:1 pu:1\"]\n"
		"    [--hold SEC (keep the space and its windows SEC seconds before cleanup,\n"
		"     for telemetry: usertools/dpdk-vmap-map.py)]\n",
		prog);
}

static unsigned int
parse_uint(const char *opt, const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (*arg == '\0' || *end != '\0' || v > UINT32_MAX)
		rte_exit(EXIT_FAILURE, "--%s: bad number '%s'\n", opt, arg);
	return v;
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "page-size", required_argument, NULL, 'p' },
		{ "iova-mode", required_argument, NULL, 'i' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "windows", required_argument, NULL, 'w' },
		{ "topology", required_argument, NULL, 't' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Indexed by enum rte_vmap_iova_mode, and by page-size argument. */
	static const char *const modes[] = { "auto", "va", "pa", "domain" };
	static const char *const page_names[] = { "4K", "2M", "1G" };
	static const size_t page_sizes[] = {
		RTE_VMAP_PAGE_4K, RTE_VMAP_PAGE_2M, RTE_VMAP_PAGE_1G,
	};
	unsigned int m;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			for (m = 0; m < RTE_DIM(page_names); m++)
				if (strcasecmp(optarg, page_names[m]) == 0)
					break;
			if (m == RTE_DIM(page_names))
				rte_exit(EXIT_FAILURE, "--page-size: 4K, 2M or 1G\n");
			params.page_size = page_sizes[m];
			break;
		case 'i':
			for (m = 0; m < RTE_DIM(modes); m++)
				if (strcasecmp(optarg, modes[m]) == 0)
					break;
			if (m == RTE_DIM(modes))
				rte_exit(EXIT_FAILURE, "--iova-mode: auto, va, pa or domain\n");
			params.iova_mode = (enum rte_vmap_iova_mode)m;
			break;
		case 'n':
			params.nr_nodes = parse_uint("nodes", optarg);
			break;
		case 'w':
			nr_windows = parse_uint("windows", optarg);
			if (nr_windows == 0)
				rte_exit(EXIT_FAILURE, "--windows: at least 1\n");
			break;
		case 't':
			params.topology = optarg;
			break;
		case 'H':
			hold_sec = parse_uint("hold", optarg);
			break;
		case 'h':
			usage(argv[0]);
			exit(EXIT_SUCCESS);
		default:
			usage(argv[0]);
			rte_exit(EXIT_FAILURE, "bad arguments\n");
		}
	}
	if (optind < argc)
		rte_exit(EXIT_FAILURE, "unexpected argument '%s'\n", argv[optind]);
}

int
main(int argc, char **argv)
{
	struct rte_vmap_stats st;
	unsigned int lcore, i, errors = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "invalid EAL arguments\n");
	argc -= ret;
	argv += ret;
	parse_args(argc, argv);

	vm = rte_vmap_create(&params);
	if (vm == NULL)
		rte_exit(EXIT_FAILURE, "rte_vmap_create: %s\n", rte_strerror(rte_errno));
	iova_contiguous = params.iova_mode == RTE_VMAP_IOVA_VA ||
		params.iova_mode == RTE_VMAP_IOVA_DOMAIN ||
		(params.iova_mode == RTE_VMAP_IOVA_AUTO && rte_eal_iova_mode() == RTE_IOVA_VA);
	RTE_LCORE_FOREACH(lcore) {
		demo[lcore].win = calloc(nr_windows, sizeof(void *));
		demo[lcore].size = calloc(nr_windows, sizeof(size_t));
		if (demo[lcore].win == NULL || demo[lcore].size == NULL)
			rte_exit(EXIT_FAILURE, "out of memory\n");
	}
	printf("vmap-demo: %u lcores x (%u windows + %d block windows)\n",
		rte_lcore_count(), nr_windows, DEMO_NR_BLOCKS);

	rte_eal_mp_remote_launch(demo_lcore_run, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();

	rte_vmap_dump(stdout, vm);
	if (rte_vmap_stats_get(vm, &st) != 0)
		rte_exit(EXIT_FAILURE, "rte_vmap_stats_get failed\n");
	printf("stats:\n");
	printf("  va_size         %" PRIu64 "\n", st.va_size);
	printf("  va_used         %" PRIu64 "\n", st.va_used);
	printf("  va_lazy         %" PRIu64 "\n", st.va_lazy);
	printf("  va_largest_free %" PRIu64 "\n", st.va_largest_free);
	printf("  mem_used        %" PRIu64 "\n", st.mem_used);
	printf("  nr_windows      %" PRIu64 "\n", st.nr_windows);
	printf("  nr_blocks       %" PRIu64 "\n", st.nr_blocks);
	printf("  nr_purges       %" PRIu64 "\n", st.nr_purges);
	printf("  nr_unmaps       %" PRIu64 "\n", st.nr_unmaps);
	printf("  nr_flushes      %" PRIu64 "\n", st.nr_flushes);

	ret = rte_vmap_verify(vm);
	printf("verify: %s\n", ret == 0 ? "OK" : "FAILED");
	if (hold_sec != 0) {
		printf("holding space %s for %u s\n", params.name, hold_sec);
		fflush(stdout);
		sleep(hold_sec);
	}

	RTE_LCORE_FOREACH(lcore) {
		struct demo_lcore *d = &demo[lcore];

		for (i = 0; i < nr_windows; i++)
			if (d->win[i] != NULL && rte_vmap_free(vm, d->win[i]) != 0)
				d->errors++;
		for (i = 0; i < DEMO_NR_BLOCKS; i++)
			if (d->block[i] != NULL &&
					rte_vmap_block_free(vm, d->block[i], d->block_size[i]) != 0)
				d->errors++;
		if (d->errors != 0)
			printf("lcore %u: %u errors\n", lcore, d->errors);
		errors += d->errors;
		free(d->win);
		free(d->size);
	}
	rte_vmap_destroy(vm);
	rte_eal_cleanup();
	if (errors != 0)
		printf("vmap-demo: %u errors\n", errors);
	return ret == 0 && errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
