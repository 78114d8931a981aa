/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fuzz: a libFuzzer harness that drives the public API of a space with
 * a sequence of calls decoded from its input, and checks every result
 * against a shadow model. Any disagreement aborts (libFuzzer keeps the
 * input as a crash); ASan and UBSan catch memory errors, and libFuzzer's
 * leak check catches what a destroyed space left behind.
 *
 * The EAL comes up once per process (--no-huge, a file prefix of its own);
 * every input then:
 *
 *   header (8 bytes) -> parameters of the space: page size (4 KiB mostly,
 *       2 MiB now and then), VA size (64 KiB to 253 MiB), nr_nodes,
 *       lazy_max, mem_limit, IOVA mode (VA, DOMAIN, AUTO), STRICT or lazy,
 *       NO_LCORE_CACHE, EXTMEM, topology (this machine one time in eight,
 *       else a synthetic one with 2 or 3 sockets),
 *       IOMMU driver ("none" or "sim" with its arguments);
 *       a create with bad parameters first (expected errno), and a
 *       duplicate create after the real one (EEXIST)
 *   ops (the rest, up to FZ_MAX_OPS) -> alloc (sizes, aligns, sockets,
 *       valid or not), free (live, interior, stale, foreign, NULL, wrong
 *       kind), block_alloc/block_free (wrong sizes too), find, virt2iova,
 *       purge, stats, getters, ops run from a non-EAL thread, windows of a
 *       second space given to the first, DMA through the simulated IOMMU
 *   teardown -> free everything (or not), purge, destroy
 *
 * The model: the live windows (start, size as rounded, block or not, IOVA,
 * socket, a tag written into the first and last 8 bytes), the last freed
 * ranges, and what every call must answer: the documented errno for every
 * misuse, RTE_BAD_IOVA from virt2iova for anything not inside a live
 * window, a find consistent with the window, stats whose nr_windows and
 * va_used equal the model's, rte_vmap_verify() == 0 after every call (or
 * every few calls), no IOMMU translation of a freed range once it is
 * flushed (sim driver). ENOMEM is accepted only when the space can show it
 * is out of room (largest free range, memory limit) or when the model
 * cannot tell (several sockets, DOMAIN IOVA fragmentation, hugepages).
 *
 * Environment: VMAP_FUZZ_TRACE=1 prints every call (to replay a crash),
 * VMAP_FUZZ_LOG=1 keeps the library's log (silenced otherwise: misuse logs
 * an error per call), VMAP_FUZZ_EAL adds EAL arguments.
 *
 * Files: vmap_fuzz.c the entry points and the op dispatch, fz_space.c the
 * space (header, bad creates, create, teardown), fz_ops.c the ops and the
 * choice of their arguments, fz_model.c the model and its checks,
 * vmap_fuzz.h what they share.
 */

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <hwloc.h>

#include "vmap_fuzz.h"

bool fz_trace_on;
static hwloc_topology_t fz_hwloc_keep;
int fz_eal_sockets[FZ_MAX_SOCKETS];
unsigned int fz_nr_eal_sockets;

/* ---- libFuzzer entry points -------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[64], lcores[32];
	char *eal[FZ_MAX_EAL_ARGS] = {
		"vmap_fuzz", "--lcores", lcores, "--no-pci", "--no-huge", "-m", "64",
		"--no-shconf", "--no-telemetry", prefix,
	};
	int cpu = sched_getcpu();
	int n = 10, ret;
	const char *extra = getenv("VMAP_FUZZ_EAL");
	char *extra_copy = NULL, *tok, *save = NULL;
	unsigned int i;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_trace_on = getenv("VMAP_FUZZ_TRACE") != NULL;
	/* Several fuzzers (-fork, -jobs) run side by side: one prefix each. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=vmap_fuzz_%d", (int)getpid());
	/*
	 * And not all on CPU 0, where "-l 0" pinned every one of them (half
	 * the executions on a 2-CPU machine): lcore 0 stays on the CPU the
	 * scheduler started this process on, which spreads side-by-side
	 * fuzzers, and lcore 0 keeps one CPU, so its socket is defined.
	 */
	snprintf(lcores, sizeof(lcores), "0@%d", cpu >= 0 ? cpu : 0);
	if (extra != NULL) {
		extra_copy = strdup(extra);
		for (tok = strtok_r(extra_copy, " ", &save); tok != NULL && n < FZ_MAX_EAL_ARGS;
				tok = strtok_r(NULL, " ", &save))
			eal[n++] = tok;
	}
	if (getenv("VMAP_FUZZ_LOG") == NULL) {
		/* Quiet EAL start-up too: every misuse the harness makes logs an error. */
		if (n + 1 < FZ_MAX_EAL_ARGS)
			eal[n++] = "--log-level=*:critical";
	}
	/*
	 * An hwloc topology kept open keeps hwloc's plugins loaded: otherwise
	 * every rte_vmap_create() dlopen()s and dlclose()s them (most of a
	 * run's time). The library's behaviour does not change.
	 */
	if (hwloc_topology_init(&fz_hwloc_keep) < 0)
		fz_hwloc_keep = NULL;
	ret = rte_eal_init(n, eal);
	if (ret < 0) {
		fprintf(stderr, "vmap_fuzz: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	for (i = 0; i < rte_socket_count() && i < FZ_MAX_SOCKETS; i++)
		fz_eal_sockets[fz_nr_eal_sockets++] = rte_socket_id_by_idx(i);
	if (fz_nr_eal_sockets == 0)
		fz_eal_sockets[fz_nr_eal_sockets++] = 0;
	/* extra_copy stays: EAL may keep pointers into its arguments. */
	return 0;
}

/*
 * Read at every use, not once at start-up: another process (a host test)
 * may reserve or give back 1 GiB pages while the fuzzer runs.
 */
bool
fz_has_1g(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "r");
	unsigned long nr = 0;

	if (f == NULL)
		return false;
	if (fscanf(f, "%lu", &nr) != 1)
		nr = 0;
	fclose(f);
	return nr > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	static struct fz_ctx ctx;
	struct fz_ctx *c = &ctx;
	void *heap;
	uint8_t op;

	if (!fz_space_create(c, &in))
		return 0;
	heap = malloc(64);
	for (c->op = 0; in.n > 0 && c->op < FZ_MAX_OPS; c->op++) {
		op = in_u8(&in);
		switch (op % 24) {
		case 0: case 1: case 2: case 3: case 4:
			c->op_name = "alloc";
			fz_op_alloc(c, &in);
			break;
		case 5: case 6: case 7: case 8:
			c->op_name = "free";
			fz_op_free(c, &in, heap);
			break;
		case 9: case 10: case 11:
			c->op_name = "block_alloc";
			fz_op_block_alloc(c, &in);
			break;
		case 12: case 13: case 14:
			c->op_name = "block_free";
			fz_op_block_free(c, &in, heap);
			break;
		case 15: case 16:
			c->op_name = "query";
			fz_op_query(c, &in, heap);
			break;
		case 17:
			c->op_name = "purge";
			fz_op_purge(c);
			break;
		case 18:
			c->op_name = "misuse";
			fz_op_null_misuse(c, &in);
			break;
		case 19:
			c->op_name = "dma";
			fz_op_dma(c, &in);
			break;
		case 20:
			c->op_name = "thread";
			fz_op_thread(c, &in, heap);
			break;
		case 21:
			c->op_name = "burst";
			fz_op_burst(c, &in);
			break;
		case 22:
			c->op_name = "other_space";
			fz_op_other_space(c);
			break;
		default:
			c->op_name = "stats";
			break;
		}
		fz_check_stats(c);
		if (c->op % c->verify_every == 0)
			fz_check_verify(c);
	}
	fz_space_teardown(c, c->free_all);
	free(heap);
	return 0;
}
