/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Telemetry through the real socket: this process talks to its own
 * telemetry server as dpdk-telemetry.py would (tel_client.h), parses
 * each JSON answer with jansson and checks it against rte_vmap_stats_get()
 * and rte_vmap_find(). Also: the trace points are registered.
 *
 * meson runs this test without --no-telemetry (test/meson.build,
 * telemetry_tests); run by hand with --no-telemetry it skips.
 */

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_trace_point.h>

#include "tel_client.h"
#include "vmap_test_util.h"

/* ---- fixtures ----------------------------------------------------------- */

static int
suite_setup(void)
{
	int ret = tel_connect();

	if (ret == -ENOENT)
		return TEST_SKIPPED;
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
suite_teardown(void)
{
	tel_close();
}

static struct rte_vmap *
space_new(const char *name, unsigned int flags)
{
	struct rte_vmap_params p;

	vmap_test_params(&p, name);
	p.flags = flags;
	return rte_vmap_create(&p);
}

/* ---- cases -------------------------------------------------------------- */

static int
test_telemetry_hello_and_list(void)
{
	struct rte_vmap *a, *b;
	json_t *root, *val;
	bool seen_a = false, seen_b = false;
	size_t i;

	/* What the server said on connect. */
	root = tel_query("/info", &val);
	TEST_ASSERT_NOT_NULL(root, "no answer to /info");
	TEST_ASSERT_EQUAL(tel_num(val, "max_output_len"), (uint64_t)TEL_MAX_OUTPUT,
		"max_output_len: %.200s", tel_buf);
	TEST_ASSERT_EQUAL(tel_num(val, "pid"), (uint64_t)getpid(), "not our own socket");
	json_decref(root);

	a = space_new("tel_a", 0);
	b = space_new("tel_b", RTE_VMAP_F_NO_LCORE_CACHE);
	TEST_ASSERT(a != NULL && b != NULL, "create failed: %d", rte_errno);
	root = tel_query("/vmap/list", &val);
	TEST_ASSERT(json_is_array(val), "/vmap/list: %.200s", tel_buf);
	for (i = 0; i < json_array_size(val); i++) {
		const char *s = json_string_value(json_array_get(val, i));

		seen_a |= s != NULL && strcmp(s, "tel_a") == 0;
		seen_b |= s != NULL && strcmp(s, "tel_b") == 0;
	}
	json_decref(root);
	TEST_ASSERT(seen_a && seen_b, "/vmap/list misses a space: %s", tel_buf);

	rte_vmap_destroy(b);
	root = tel_query("/vmap/list", &val);
	for (i = 0, seen_b = false; i < json_array_size(val); i++)
		seen_b |= strcmp(json_string_value(json_array_get(val, i)), "tel_b") == 0;
	json_decref(root);
	TEST_ASSERT(!seen_b, "destroyed space still listed: %s", tel_buf);
	rte_vmap_destroy(a);
	return TEST_SUCCESS;
}

/* Windows of mixed sizes, half freed (lazy), and a few block windows. */
static int
populate(struct rte_vmap *vm, void **win, unsigned int n, void **blk, unsigned int nb)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		win[i] = rte_vmap_alloc(vm, (size_t)4096 << (i % 6), 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(win[i], "alloc %u failed: %d", i, rte_errno);
	}
	for (i = 0; i < n; i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free %u failed", i);
	for (i = 0; i < nb; i++) {
		blk[i] = rte_vmap_block_alloc(vm, 4096 * (i + 1));
		TEST_ASSERT_NOT_NULL(blk[i], "block alloc %u failed: %d", i, rte_errno);
	}
	return TEST_SUCCESS;
}

static int
test_telemetry_stats_equal_stats_get(void)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "va_size", offsetof(struct rte_vmap_stats, va_size) },
		{ "va_used", offsetof(struct rte_vmap_stats, va_used) },
		{ "va_lazy", offsetof(struct rte_vmap_stats, va_lazy) },
		{ "va_largest_free", offsetof(struct rte_vmap_stats, va_largest_free) },
		{ "mem_used", offsetof(struct rte_vmap_stats, mem_used) },
		{ "nr_windows", offsetof(struct rte_vmap_stats, nr_windows) },
		{ "nr_blocks", offsetof(struct rte_vmap_stats, nr_blocks) },
		{ "nr_purges", offsetof(struct rte_vmap_stats, nr_purges) },
		{ "nr_unmaps", offsetof(struct rte_vmap_stats, nr_unmaps) },
		{ "nr_flushes", offsetof(struct rte_vmap_stats, nr_flushes) },
	};
	void *win[24], *blk[3];
	struct rte_vmap_stats st;
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int i;
	uint64_t want;

	vm = space_new("tel_stats", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, RTE_DIM(win), blk, RTE_DIM(blk)), "populate");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats_get failed");
	TEST_ASSERT(st.va_lazy != 0 && st.nr_blocks != 0, "nothing lazy or no block");

	root = tel_query("/vmap/stats,tel_stats", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/stats: %.300s", tel_buf);
	for (i = 0; i < RTE_DIM(fields); i++) {
		memcpy(&want, (const char *)&st + fields[i].off, sizeof(want));
		TEST_ASSERT_EQUAL(tel_num(val, fields[i].key), want, "%s: telemetry %" PRIu64
			", stats_get %" PRIu64, fields[i].key, tel_num(val, fields[i].key), want);
	}
	TEST_ASSERT(strcmp(json_string_value(json_object_get(val, "name")), "tel_stats") == 0,
		"name");
	TEST_ASSERT_EQUAL(tel_num(val, "page_size"), (uint64_t)rte_vmap_page_size(vm), "page_size");
	TEST_ASSERT(strcmp(json_string_value(json_object_get(val, "iova_mode")),
		rte_vmap_iova_mode_get(vm) == RTE_VMAP_IOVA_PA ? "PA" : "VA") == 0,
		"iova_mode %s", json_string_value(json_object_get(val, "iova_mode")));
	TEST_ASSERT(tel_num(val, "nr_nodes") >= 1 && tel_num(val, "nr_nodes") != UINT64_MAX,
		"nr_nodes");
	TEST_ASSERT_EQUAL(tel_num(val, "shared"), 0, "shared without RTE_VMAP_F_SHARED");
	TEST_ASSERT(tel_len < TEL_MAX_OUTPUT, "answer of %d bytes", tel_len);
	json_decref(root);

	/* The answer follows the space: purge, ask again. */
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats_get failed");
	root = tel_query("/vmap/stats,tel_stats", &val);
	TEST_ASSERT_EQUAL(tel_num(val, "va_lazy"), st.va_lazy, "va_lazy after purge");
	TEST_ASSERT_EQUAL(tel_num(val, "nr_purges"), st.nr_purges, "nr_purges after purge");
	json_decref(root);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* /vmap/trim gives back what the pools hold, says how much, and the space goes on. */
static int
test_telemetry_trim(void)
{
	void *win[24], *blk[3];
	struct rte_vmap_stats st0, st1;
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int i;

	vm = space_new("tel_trim", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, RTE_DIM(win), blk, RTE_DIM(blk)), "populate");
	for (i = 1; i < RTE_DIM(win); i += 2)
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[i]), "free %u failed", i);
	TEST_ASSERT_SUCCESS(rte_vmap_purge(vm), "purge");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st0), "stats_get failed");
	root = tel_query("/vmap/trim,tel_trim", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/trim: %.300s", tel_buf);
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st1), "stats_get failed");
	TEST_ASSERT_EQUAL(tel_num(val, "mem_used"), st1.mem_used, "mem_used after the trim");
	TEST_ASSERT(tel_num(val, "released") > 0 && tel_num(val, "released") == st0.mem_used -
		st1.mem_used, "released %" PRIu64 ", mem_used %" PRIu64 " -> %" PRIu64,
		tel_num(val, "released"), st0.mem_used, st1.mem_used);
	json_decref(root);
	VMAP_TEST_VERIFY(vm);
	for (i = 0; i < RTE_DIM(blk); i++)
		TEST_ASSERT_SUCCESS(rte_vmap_block_free(vm, blk[i], 4096 * (i + 1)), "block free");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_telemetry_nodes_add_up(void)
{
	void *win[40], *blk[4];
	struct rte_vmap_stats st;
	struct rte_vmap *vm, *nb;
	json_t *root, *val;
	uint64_t n;
	size_t i;

	/* Without block caches: the node columns add up to the space's counters. */
	nb = space_new("tel_nodes", RTE_VMAP_F_NO_LCORE_CACHE);
	TEST_ASSERT_NOT_NULL(nb, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(nb, win, RTE_DIM(win), blk, 0), "populate");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(nb, &st), "stats_get failed");
	root = tel_query("/vmap/nodes,tel_nodes", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/nodes: %.300s", tel_buf);
	n = tel_num(val, "nr_nodes");
	TEST_ASSERT_EQUAL(tel_num(val, "truncated"), 0, "truncated");
	TEST_ASSERT(tel_col_len(val, "id") == n && tel_col_len(val, "lazy") == n &&
		tel_col_len(val, "block_bytes") == n, "columns of %zu entries, %" PRIu64 " nodes",
		tel_col_len(val, "id"), n);
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQUAL(tel_col(val, "id", i), i, "node %zu has id %" PRIu64, i,
			tel_col(val, "id", i));
	TEST_ASSERT_EQUAL(tel_col_sum(val, "windows"), st.nr_windows, "windows");
	TEST_ASSERT_EQUAL(tel_col_sum(val, "va_used"), st.va_used, "va_used");
	TEST_ASSERT_EQUAL(tel_col_sum(val, "lazy"), st.va_lazy, "lazy");
	TEST_ASSERT_EQUAL(tel_col_sum(val, "blocks"), 0, "blocks without caches");
	TEST_ASSERT_EQUAL(tel_col_sum(val, "arena_size"), st.va_size, "arenas cover the space");
	TEST_ASSERT(tel_col_sum(val, "arena_free") + st.va_used + st.va_lazy <= st.va_size,
		"free + used + lazy over the size");
	json_decref(root);

	/* With block caches: blocks per node add up to nr_blocks. */
	vm = space_new("tel_nodes_b", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, 8, blk, RTE_DIM(blk)), "populate");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats_get failed");
	root = tel_query("/vmap/nodes,tel_nodes_b", &val);
	TEST_ASSERT_EQUAL(tel_col_sum(val, "blocks"), st.nr_blocks,
		"blocks %" PRIu64 " != %" PRIu64, tel_col_sum(val, "blocks"), st.nr_blocks);
	TEST_ASSERT_EQUAL(tel_col_sum(val, "block_bytes"),
		st.nr_blocks * tel_num(val, "block_size"), "block bytes");
	json_decref(root);
	rte_vmap_destroy(vm);
	rte_vmap_destroy(nb);
	return TEST_SUCCESS;
}

static int
test_telemetry_lcores(void)
{
	void *win[2], *blk[3];
	struct rte_vmap_stats st;
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int lcore;
	size_t i = 0, main_i = SIZE_MAX;
	uint64_t nr_nodes;

	vm = space_new("tel_lcores", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, RTE_DIM(win), blk, RTE_DIM(blk)), "populate");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats_get failed");
	root = tel_query("/vmap/stats,tel_lcores", &val);
	nr_nodes = tel_num(val, "nr_nodes");
	json_decref(root);
	root = tel_query("/vmap/lcores,tel_lcores", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/lcores: %.300s", tel_buf);
	TEST_ASSERT_EQUAL(tel_col_len(val, "lcore"), rte_lcore_count(), "one entry per lcore: %s",
		tel_buf);
	TEST_ASSERT_EQUAL(tel_num(val, "lcore_cache"), 1, "lcore_cache");
	RTE_LCORE_FOREACH(lcore) {
		TEST_ASSERT_EQUAL(tel_col(val, "lcore", i), lcore, "entry %zu is lcore %" PRIu64, i,
			tel_col(val, "lcore", i));
		TEST_ASSERT(tel_col(val, "node", i) < nr_nodes, "node of lcore %u: %" PRIu64, lcore,
			tel_col(val, "node", i));
		if (lcore == rte_get_main_lcore())
			main_i = i;
		i++;
	}
	/* The blocks are the main lcore's: it made every block_alloc here. */
	TEST_ASSERT(main_i != SIZE_MAX, "main lcore not listed");
	TEST_ASSERT_EQUAL(tel_col_sum(val, "blocks"), st.nr_blocks, "blocks");
	TEST_ASSERT_EQUAL(tel_col(val, "blocks", main_i), st.nr_blocks, "main lcore's blocks");
	TEST_ASSERT(tel_col(val, "block_live", main_i) >= 6 * 4096, "block_live %" PRIu64,
		tel_col(val, "block_live", main_i));
	TEST_ASSERT_EQUAL(tel_col(val, "block_live", main_i) + tel_col(val, "block_free", main_i) +
		tel_col(val, "block_dirty", main_i), st.nr_blocks * tel_num(val, "block_size"),
		"live + free + dirty != blocks");
	json_decref(root);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* Every listed window is what rte_vmap_find() says, in address order. */
static int
check_windows(struct rte_vmap *vm, const json_t *val)
{
	struct rte_vmap_window w;
	size_t i, n = tel_col_len(val, "va");
	uint64_t prev = 0;

	TEST_ASSERT(tel_col_len(val, "iova") == n && tel_col_len(val, "size") == n &&
		tel_col_len(val, "node") == n && tel_col_len(val, "kind") == n &&
		tel_col_len(val, "pid") == n, "ragged columns");
	TEST_ASSERT_EQUAL(tel_num(val, "shown"), n, "shown");
	for (i = 0; i < n; i++) {
		const char *kind = json_string_value(json_array_get(json_object_get(val, "kind"),
			i));
		void *va = (void *)(uintptr_t)tel_col(val, "va", i);

		TEST_ASSERT(tel_col(val, "va", i) > prev, "not in address order at %zu", i);
		prev = tel_col(val, "va", i);
		TEST_ASSERT_SUCCESS(rte_vmap_find(vm, va, &w), "listed %p not live", va);
		TEST_ASSERT(w.va == va && w.iova == tel_col(val, "iova", i) &&
			w.size == tel_col(val, "size", i) && w.node == tel_col(val, "node", i),
			"window %zu differs from rte_vmap_find()", i);
		TEST_ASSERT(kind != NULL && strcmp(kind, w.from_block ? "block" : "window") == 0,
			"window %zu: kind %s", i, kind);
		/* No secondary here: every window is this process's. */
		TEST_ASSERT_EQUAL(tel_col(val, "pid", i), (uint64_t)getpid(), "window %zu: pid", i);
	}
	return TEST_SUCCESS;
}

static int
test_telemetry_windows_bounded(void)
{
	enum { MANY = 500 };
	void *win[6], *blk[2];
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int i;

	/* A few: all listed, block windows too. */
	vm = space_new("tel_few", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, RTE_DIM(win), blk, RTE_DIM(blk)), "populate");
	root = tel_query("/vmap/windows,tel_few", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/windows: %.300s", tel_buf);
	TEST_ASSERT_EQUAL(tel_num(val, "truncated"), 0, "truncated with 5 windows");
	TEST_ASSERT_EQUAL(tel_num(val, "total"), 5, "total %" PRIu64, tel_num(val, "total"));
	TEST_ASSERT_EQUAL(tel_col_len(val, "va"), 5, "3 windows + 2 block windows: %s", tel_buf);
	TEST_ASSERT_SUCCESS(check_windows(vm, val), "few windows");
	json_decref(root);
	rte_vmap_destroy(vm);

	/*
	 * Many: the answer stops at the bound, says so, and fits in 16 KiB.
	 * Without block caches, block windows are busy-tree windows too.
	 */
	vm = space_new("tel_many", RTE_VMAP_F_NO_LCORE_CACHE);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	for (i = 0; i < MANY; i++)
		TEST_ASSERT_NOT_NULL(i % 10 == 0 ? rte_vmap_block_alloc(vm, 4096) :
			rte_vmap_alloc(vm, 4096 * (1 + i % 3), 0, SOCKET_ID_ANY),
			"alloc %u failed", i);
	root = tel_query("/vmap/windows,tel_many", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/windows: %.300s", tel_buf);
	TEST_ASSERT_EQUAL(tel_num(val, "truncated"), 1, "not truncated");
	TEST_ASSERT_EQUAL(tel_num(val, "total"), MANY, "total");
	TEST_ASSERT_EQUAL(tel_num(val, "limit"), 200, "limit");
	TEST_ASSERT_EQUAL(tel_col_len(val, "va"), 200, "%zu windows shown", tel_col_len(val, "va"));
	TEST_ASSERT(tel_len < TEL_MAX_OUTPUT, "answer of %d bytes", tel_len);
	TEST_ASSERT_SUCCESS(check_windows(vm, val), "many windows");
	json_decref(root);
	/* Destroy releases the 500 live windows (and logs it). */
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/*
 * One process: /vmap/processes has one entry, this process, holding every
 * window (those of the per-lcore blocks too) and every byte in use.
 */
static int
test_telemetry_processes_one(void)
{
	void *win[12], *blk[3];
	struct rte_vmap_stats st;
	struct rte_vmap *vm;
	json_t *root, *val;

	vm = space_new("tel_procs", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	TEST_ASSERT_SUCCESS(populate(vm, win, RTE_DIM(win), blk, RTE_DIM(blk)), "populate");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats_get failed");
	root = tel_query("/vmap/processes,tel_procs", &val);
	TEST_ASSERT(json_is_object(val), "/vmap/processes: %.300s", tel_buf);
	TEST_ASSERT_EQUAL(tel_num(val, "primary_pid"), (uint64_t)getpid(), "primary_pid");
	TEST_ASSERT_EQUAL(tel_num(val, "shared"), 0, "shared");
	TEST_ASSERT_EQUAL(tel_num(val, "truncated"), 0, "truncated");
	TEST_ASSERT(tel_col_len(val, "pid") == 1 && tel_col_len(val, "windows") == 1 &&
		tel_col_len(val, "bytes") == 1, "not one process: %s", tel_buf);
	TEST_ASSERT_EQUAL(tel_col(val, "pid", 0), (uint64_t)getpid(), "pid");
	TEST_ASSERT_EQUAL(tel_col(val, "windows", 0), st.nr_windows, "windows: %s", tel_buf);
	TEST_ASSERT_EQUAL(tel_col(val, "bytes", 0), st.va_used, "bytes: %s", tel_buf);
	TEST_ASSERT(tel_num(val, "nr_windows") == st.nr_windows &&
		tel_num(val, "va_used") == st.va_used, "totals: %s", tel_buf);
	json_decref(root);
	/* Nothing live: no process listed. */
	rte_vmap_destroy(vm);
	vm = space_new("tel_procs", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	root = tel_query("/vmap/processes,tel_procs", &val);
	TEST_ASSERT(json_is_object(val) && tel_col_len(val, "pid") == 0 &&
		tel_num(val, "nr_windows") == 0, "an empty space lists a process: %s", tel_buf);
	json_decref(root);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* An answer that is exactly {"<cmd>":null}: what 22.11 sends for an error. */
static int
expect_null(const char *query, const char *cmd)
{
	char want[96];

	snprintf(want, sizeof(want), "{\"%s\":null}", cmd);
	if (tel_request(query) != 0)
		return TEST_FAILED;
	TEST_ASSERT(strcmp(tel_buf, want) == 0, "%s: got %s, want %s", query, tel_buf, want);
	return TEST_SUCCESS;
}

static int
test_telemetry_bad_names_answer_null(void)
{
	static const char *const cmds[] = {
		"/vmap/stats", "/vmap/nodes", "/vmap/lcores", "/vmap/windows", "/vmap/trim",
		"/vmap/processes",
	};
	char q[128];
	struct rte_vmap *vm;
	json_t *root, *val;
	unsigned int i;

	vm = space_new("tel_live", 0);
	TEST_ASSERT_NOT_NULL(vm, "create failed: %d", rte_errno);
	for (i = 0; i < RTE_DIM(cmds); i++) {
		/* Missing name, unknown name, names that cannot be a space's. */
		TEST_ASSERT_SUCCESS(expect_null(cmds[i], cmds[i]), "no parameter");
		snprintf(q, sizeof(q), "%s,", cmds[i]);
		TEST_ASSERT_SUCCESS(expect_null(q, cmds[i]), "empty parameter");
		snprintf(q, sizeof(q), "%s,no_such_space", cmds[i]);
		TEST_ASSERT_SUCCESS(expect_null(q, cmds[i]), "unknown name");
		snprintf(q, sizeof(q), "%s,tel_live_and_then_some_more_than_32_chars", cmds[i]);
		TEST_ASSERT_SUCCESS(expect_null(q, cmds[i]), "over-long name");
		snprintf(q, sizeof(q), "%s,tel_live,extra", cmds[i]);
		TEST_ASSERT_SUCCESS(expect_null(q, cmds[i]), "name with more after it");
		snprintf(q, sizeof(q), "%s,\"tel_live\"", cmds[i]);
		TEST_ASSERT_SUCCESS(expect_null(q, cmds[i]), "quoted name");
	}
	TEST_ASSERT_SUCCESS(expect_null("/vmap/nosuch,tel_live", "/vmap/nosuch"), "unknown cmd");
	/* And the server is still there, answering. */
	root = tel_query("/vmap/stats,tel_live", &val);
	TEST_ASSERT(json_is_object(val), "no answer after the bad ones: %s", tel_buf);
	json_decref(root);
	rte_vmap_destroy(vm);
	/* A destroyed space is unknown too. */
	TEST_ASSERT_SUCCESS(expect_null("/vmap/stats,tel_live", "/vmap/stats"), "destroyed");
	return TEST_SUCCESS;
}

/* ---- readers against a space that comes and goes ---------------------- */

static bool churn_stop;

/* On a worker lcore: create, fill (windows and blocks), free all, destroy; again. */
static int
churn(void *arg)
{
	unsigned int *rounds = arg;
	void *win[64], *blk[8];
	struct rte_vmap *vm;
	unsigned int i, odd;

	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		vm = space_new("tel_churn", 0);
		if (vm == NULL)
			return -1;
		for (i = 0; i < RTE_DIM(win); i++)
			win[i] = rte_vmap_alloc(vm, (size_t)4096 << (i % 4), 0, SOCKET_ID_ANY);
		for (i = 0; i < RTE_DIM(blk); i++)
			blk[i] = rte_vmap_block_alloc(vm, 4096 * (1 + i % 4));
		/* Even ones, then odd ones: readers see a space half freed, lazy. */
		for (odd = 0; odd < 2; odd++) {
			for (i = odd; i < RTE_DIM(win); i += 2)
				rte_vmap_free(vm, win[i]);
			for (i = odd; i < RTE_DIM(blk); i += 2)
				rte_vmap_block_free(vm, blk[i], 4096 * (1 + i % 4));
		}
		rte_vmap_destroy(vm);
		(*rounds)++;
	}
	return 0;
}

static int
test_telemetry_readers_race_destroy(void)
{
	static const char *const cmds[] = {
		"/vmap/stats,tel_churn", "/vmap/nodes,tel_churn", "/vmap/lcores,tel_churn",
		"/vmap/windows,tel_churn", "/vmap/processes,tel_churn", "/vmap/list",
	};
	unsigned int worker = rte_get_next_lcore(-1, 1, 0), rounds = 0, live = 0, gone = 0;
	uint64_t end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	json_t *root, *val;
	unsigned int i;
	int ret;

	if (worker >= RTE_MAX_LCORE) {
		printf("needs 2 lcores\n");
		return TEST_SKIPPED;
	}
	__atomic_store_n(&churn_stop, false, __ATOMIC_RELEASE);
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(churn, &rounds, worker), "launch");
	for (i = 0; rte_get_timer_cycles() < end; i++) {
		root = tel_query(cmds[i % RTE_DIM(cmds)], &val);
		if (root == NULL)
			break;
		if (json_is_null(val))
			gone++;
		else if (json_is_object(val) || json_is_array(val))
			live++;
		else
			break;
		if (json_is_object(val) && json_object_get(val, "va") != NULL &&
				(tel_col_len(val, "va") != tel_col_len(val, "kind") ||
				tel_col_len(val, "va") != tel_col_len(val, "pid") ||
				tel_col_len(val, "va") != tel_num(val, "shown")))
			break;
		json_decref(root);
		root = NULL;
	}
	json_decref(root);
	__atomic_store_n(&churn_stop, true, __ATOMIC_RELEASE);
	ret = rte_eal_wait_lcore(worker);
	printf("%u answers (%u about a live space, %u null) over %u create/destroy rounds\n",
		live + gone, live, gone, rounds);
	TEST_ASSERT(rte_get_timer_cycles() >= end, "bad answer %u: %.300s", i, tel_buf);
	TEST_ASSERT_SUCCESS(ret, "the worker failed to create a space");
	TEST_ASSERT(rounds > 0 && live > 0, "no overlap between readers and the space");
	TEST_ASSERT_NULL(rte_vmap_lookup("tel_churn"), "space left behind");
	return TEST_SUCCESS;
}

static int
test_telemetry_help_registered(void)
{
	static const char *const cmds[] = {
		"/vmap/list", "/vmap/stats", "/vmap/nodes", "/vmap/lcores", "/vmap/windows",
		"/vmap/trim", "/vmap/processes",
	};
	char q[64];
	json_t *root, *val;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		snprintf(q, sizeof(q), "/help,%s", cmds[i]);
		root = tel_query(q, &val);
		TEST_ASSERT(json_is_string(json_object_get(val, cmds[i])), "%s: %s", q, tel_buf);
		json_decref(root);
	}
	return TEST_SUCCESS;
}

static int
test_trace_points_registered(void)
{
	static const char *const names[] = {
		"lib.vmap.alloc", "lib.vmap.free", "lib.vmap.purge", "lib.vmap.flush",
	};
	rte_trace_point_t *tp;
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++) {
		tp = rte_trace_point_lookup(names[i]);
		TEST_ASSERT_NOT_NULL(tp, "trace point %s not registered", names[i]);
		/*
		 * Enable and disable only: an emitted event would make
		 * rte_eal_cleanup() write a trace directory under $HOME.
		 */
		TEST_ASSERT_SUCCESS(rte_trace_point_enable(tp), "enable %s", names[i]);
		TEST_ASSERT(rte_trace_point_is_enabled(tp), "%s not enabled", names[i]);
		TEST_ASSERT_SUCCESS(rte_trace_point_disable(tp), "disable %s", names[i]);
		TEST_ASSERT(!rte_trace_point_is_enabled(tp), "%s still enabled", names[i]);
	}
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_telemetry_suite = {
	.suite_name = "vmap telemetry",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_telemetry_hello_and_list),
		TEST_CASE(test_telemetry_stats_equal_stats_get),
		TEST_CASE(test_telemetry_trim),
		TEST_CASE(test_telemetry_nodes_add_up),
		TEST_CASE(test_telemetry_lcores),
		TEST_CASE(test_telemetry_windows_bounded),
		TEST_CASE(test_telemetry_processes_one),
		TEST_CASE(test_telemetry_bad_names_answer_null),
		TEST_CASE(test_telemetry_readers_race_destroy),
		TEST_CASE(test_telemetry_help_registered),
		TEST_CASE(test_trace_points_registered),
		TEST_CASES_END()
	}
};

static int
test_vmap_telemetry(void)
{
	return unit_test_suite_runner(&vmap_telemetry_suite);
}

REGISTER_FAST_TEST(vmap_telemetry_autotest, NOHUGE_OK, ASAN_OK, test_vmap_telemetry);
