/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_mp_telemetry_autotest: the primary's telemetry tells apart the
 * processes of a shared space (issue 16). This primary allocates windows
 * of its own (per-lcore block windows among them), then starts two
 * secondaries one after the other (mp_harness.h, the "alloc" role of
 * test_vmap_mp_secondary.c), each allocating windows and posting them on
 * the board before it exits. Its own telemetry socket (tel_client.h) must
 * then say, of that space:
 *
 *   /vmap/windows    every window, with the pid of the process it was
 *                    allocated for: each secondary's, and this one's;
 *   /vmap/processes  three processes, this one first, each with exactly
 *                    its windows and bytes, adding up to the space's;
 *                    after rte_vmap_reclaim() of a secondary, not it;
 *   /vmap/stats      "shared": 1.
 *
 * With VMAP_MP_TEL_HOLD=<file> in its environment, it holds the three
 * processes' windows while <file> exists (60 s at most), for a tool to
 * look at from outside: devtools/check-vmap-map.sh runs
 * usertools/dpdk-vmap-map.py against it then.
 *
 * Secondaries map the primary's hugepage files and telemetry needs its
 * socket: test/meson.build runs it neither --in-memory nor --no-telemetry
 * (mp_tests and telemetry_tests). It skips, saying why, when either is
 * missing, and removes its hugepage files before it returns.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_vmap.h>

#include "mp_harness.h"
#include "tel_client.h"
#include "test.h"
#include "vmap_test_util.h"

/* Lcore ids of the secondaries: above the primary's (test/meson.build: 0-1). */
#define MP_LCORE 2
#define MP_TIMEOUT_S 120
#define SPACE "mp_tel"
/* A file: while it exists, the windows of three processes stay for outside tools. */
#define ENV_HOLD "VMAP_MP_TEL_HOLD"
#define HOLD_MAX_S 60

/* Windows of each process: this one's (half of them block windows), then each secondary's. */
#define OWN_WINDOWS 6
static const unsigned int secondary_windows[] = { 8, 5 };
#define NR_SECONDARIES RTE_DIM(secondary_windows)

static struct rte_vmap *board_vm;
static struct mp_board *board;

/* What one process holds: its pid, and its windows (kept off the board, which is reused). */
struct holder {
	pid_t pid;
	unsigned int n;
	struct mp_win w[MP_BOARD_MAX];
};

/* Start the "alloc" role for n windows and wait for it: its windows in *h. */
static int
secondary_alloc(unsigned int n, struct holder *h)
{
	int ret;

	memset(board, 0, sizeof(*board));
	board->arg[0] = n;
	h->pid = mp_spawn("alloc", SPACE, board, MP_LCORE, 1, false);
	TEST_ASSERT(h->pid > 0, "cannot start a secondary");
	ret = mp_wait(h->pid, MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary's allocations failed (exit %d)", ret);
	TEST_ASSERT_EQUAL(board->n, n, "the secondary posted %u windows, not %u", board->n, n);
	h->n = board->n;
	memcpy(h->w, board->w, h->n * sizeof(h->w[0]));
	return TEST_SUCCESS;
}

/* This process's windows: even ones rte_vmap_alloc(), odd ones per-lcore block windows. */
static int
own_alloc(struct rte_vmap *vm, struct holder *h)
{
	unsigned int i;

	h->pid = getpid();
	for (i = 0; i < OWN_WINDOWS; i++) {
		struct mp_win *m = &h->w[i];

		m->block = i % 2;
		m->size = m->block ? 3 * PAGE_4K : 32 * KIB * (i + 1);
		m->va = (uintptr_t)(m->block ? rte_vmap_block_alloc(vm, m->size) :
			rte_vmap_alloc(vm, m->size, 0, SOCKET_ID_ANY));
		TEST_ASSERT(m->va != 0, "alloc %u: %s", i, rte_strerror(rte_errno));
	}
	h->n = i;
	return TEST_SUCCESS;
}

static uint64_t
holder_bytes(const struct holder *h)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < h->n; i++)
		sum += h->w[i].size;
	return sum;
}

/* Index of va in the column "va" of /vmap/windows, or SIZE_MAX. */
static size_t
listed_at(const json_t *val, uint64_t va)
{
	size_t i;

	for (i = 0; i < tel_col_len(val, "va"); i++)
		if (tel_col(val, "va", i) == va)
			return i;
	return SIZE_MAX;
}

/* Window m, of process pid, is in the /vmap/windows answer val, as it is. */
static int
check_listed(const json_t *val, const struct mp_win *m, pid_t pid)
{
	size_t at = listed_at(val, m->va);
	const char *kind;

	TEST_ASSERT(at != SIZE_MAX, "window 0x%" PRIx64 " of process %d not listed: %.300s",
		m->va, (int)pid, tel_buf);
	TEST_ASSERT_EQUAL(tel_col(val, "pid", at), (uint64_t)pid, "window 0x%" PRIx64 ": pid %"
		PRIu64 ", allocated for %d", m->va, tel_col(val, "pid", at), (int)pid);
	TEST_ASSERT_EQUAL(tel_col(val, "size", at), m->size, "window 0x%" PRIx64 ": size", m->va);
	kind = json_string_value(json_array_get(json_object_get(val, "kind"), at));
	TEST_ASSERT(kind != NULL && strcmp(kind, m->block ? "block" : "window") == 0,
		"window 0x%" PRIx64 ": kind %s", m->va, kind);
	return TEST_SUCCESS;
}

/* /vmap/windows lists exactly the windows of the nr holders, each with its holder's pid. */
static int
check_windows(const struct holder *h, unsigned int nr)
{
	json_t *root, *val;
	unsigned int k, i, total = 0;

	root = tel_query("/vmap/windows," SPACE, &val);
	TEST_ASSERT(json_is_object(val), "/vmap/windows: %.300s", tel_buf);
	for (k = 0; k < nr; k++) {
		for (i = 0; i < h[k].n; i++)
			TEST_ASSERT_SUCCESS(check_listed(val, &h[k].w[i], h[k].pid),
				"process %d, window %u", (int)h[k].pid, i);
		total += h[k].n;
	}
	TEST_ASSERT(tel_num(val, "truncated") == 0 && tel_num(val, "total") == total &&
		tel_col_len(val, "va") == total && tel_col_len(val, "pid") == total,
		"%u windows expected: %.300s", total, tel_buf);
	json_decref(root);
	return TEST_SUCCESS;
}

/* /vmap/processes: the nr holders in that order, each with its windows and bytes. */
static int
check_processes(struct rte_vmap *vm, const struct holder *h, unsigned int nr)
{
	struct rte_vmap_stats st;
	json_t *root, *val;
	unsigned int k;

	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	root = tel_query("/vmap/processes," SPACE, &val);
	TEST_ASSERT(json_is_object(val), "/vmap/processes: %.300s", tel_buf);
	TEST_ASSERT(tel_num(val, "primary_pid") == (uint64_t)getpid() &&
		tel_num(val, "shared") == 1 && tel_num(val, "truncated") == 0,
		"primary_pid, shared, truncated: %.300s", tel_buf);
	TEST_ASSERT(tel_col_len(val, "pid") == nr && tel_col_len(val, "windows") == nr &&
		tel_col_len(val, "bytes") == nr, "not %u processes: %.300s", nr, tel_buf);
	for (k = 0; k < nr; k++) {
		TEST_ASSERT_EQUAL(tel_col(val, "pid", k), (uint64_t)h[k].pid,
			"entry %u is pid %" PRIu64 ", not %d", k, tel_col(val, "pid", k),
			(int)h[k].pid);
		TEST_ASSERT_EQUAL(tel_col(val, "windows", k), h[k].n, "process %d: windows",
			(int)h[k].pid);
		TEST_ASSERT_EQUAL(tel_col(val, "bytes", k), holder_bytes(&h[k]),
			"process %d: bytes", (int)h[k].pid);
	}
	/* The space holds nothing else: the processes add up to its counters. */
	TEST_ASSERT(tel_col_sum(val, "windows") == st.nr_windows &&
		tel_col_sum(val, "bytes") == st.va_used && tel_num(val, "nr_windows") ==
		st.nr_windows && tel_num(val, "va_used") == st.va_used,
		"stats: %" PRIu64 " windows, %" PRIu64 " bytes: %.300s", st.nr_windows,
		st.va_used, tel_buf);
	json_decref(root);
	return TEST_SUCCESS;
}

/* qsort() order of the secondaries, as /vmap/processes lists them after this process. */
static int
holder_pid_cmp(const void *x, const void *y)
{
	const struct holder *a = x, *b = y;

	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* With ENV_HOLD set, wait while its file exists: devtools/check-vmap-map.sh looks now. */
static void
hold_for_tools(void)
{
	const char *path = getenv(ENV_HOLD);
	unsigned int i;

	if (path == NULL || path[0] == '\0')
		return;
	printf("holding space %s while %s exists\n", SPACE, path);
	fflush(stdout);
	for (i = 0; i < HOLD_MAX_S * 100 && access(path, F_OK) == 0; i++)
		rte_delay_us_sleep(10 * 1000);
}

static int
test_mp_telemetry_owner_pids(void)
{
	static struct holder h[1 + NR_SECONDARIES];
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int k, i;
	int ret;

	vmap_test_params(&p, SPACE);
	p.flags = RTE_VMAP_F_SHARED;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create %s: %s", SPACE, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(own_alloc(vm, &h[0]), "own windows");
	for (k = 0; k < NR_SECONDARIES; k++)
		TEST_ASSERT_SUCCESS(secondary_alloc(secondary_windows[k], &h[1 + k]),
			"secondary %u", k);
	qsort(&h[1], NR_SECONDARIES, sizeof(h[1]), holder_pid_cmp);

	root = tel_query("/vmap/stats," SPACE, &val);
	TEST_ASSERT(json_is_object(val) && tel_num(val, "shared") == 1, "/vmap/stats: %.300s",
		tel_buf);
	json_decref(root);
	TEST_ASSERT_SUCCESS(check_windows(h, RTE_DIM(h)), "windows of three processes");
	TEST_ASSERT_SUCCESS(check_processes(vm, h, RTE_DIM(h)), "three processes");
	hold_for_tools();

	/* The first secondary is gone: reclaim its windows; it leaves both answers. */
	ret = rte_vmap_reclaim(vm, h[1].pid);
	TEST_ASSERT_EQUAL(ret, (int)h[1].n, "reclaim of %d gave back %d windows",
		(int)h[1].pid, ret);
	h[1] = h[2];
	TEST_ASSERT_SUCCESS(check_windows(h, 2), "windows after a reclaim");
	TEST_ASSERT_SUCCESS(check_processes(vm, h, 2), "processes after a reclaim");

	/* This process frees its own: the secondary alone is listed. */
	for (i = 0; i < h[0].n; i++) {
		void *va = (void *)(uintptr_t)h[0].w[i].va;

		TEST_ASSERT_SUCCESS(h[0].w[i].block ? rte_vmap_block_free(vm, va, h[0].w[i].size) :
			rte_vmap_free(vm, va), "free %u", i);
	}
	TEST_ASSERT_SUCCESS(check_processes(vm, &h[1], 1), "the secondary alone");
	ret = rte_vmap_reclaim(vm, h[1].pid);
	TEST_ASSERT_EQUAL(ret, (int)h[1].n, "second reclaim: %d windows", ret);
	TEST_ASSERT_SUCCESS(check_processes(vm, h, 0), "no process left");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite mp_telemetry_suite = {
	.suite_name = "vmap multi-process telemetry",
	.unit_test_cases = {
		TEST_CASE(test_mp_telemetry_owner_pids),
		TEST_CASES_END()
	}
};

static int
test_vmap_mp_telemetry(void)
{
	struct rte_vmap *left;
	const char *why;
	int ret;

	if (!mp_possible(&why)) {
		printf("SKIP: %s\n", why);
		return TEST_SKIPPED;
	}
	ret = tel_connect();
	if (ret != 0) {
		mp_cleanup_files();
		if (ret != -ENOENT)
			return TEST_FAILED;
		printf("SKIP: no telemetry socket (--no-telemetry)\n");
		return TEST_SKIPPED;
	}
	board = mp_board_create(&board_vm);
	if (board == NULL) {
		ret = TEST_FAILED;
		goto out;
	}
	ret = unit_test_suite_runner(&mp_telemetry_suite);
	/* A failed case left its space: its secondaries' windows go with it. */
	left = rte_vmap_lookup(SPACE);
	if (left != NULL)
		rte_vmap_destroy(left);
	if (mp_board_destroy(board_vm, board) != 0)
		ret = TEST_FAILED;
out:
	tel_close();
	mp_cleanup_files();
	return ret;
}

REGISTER_FAST_TEST(vmap_mp_telemetry_autotest, NOHUGE_SKIP, ASAN_OK, test_vmap_mp_telemetry);
