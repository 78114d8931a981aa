/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap nodes and sockets: addr_to_node sharding, per-socket arenas on
 * modelled two- and three-package machines (hwloc synthetic topologies),
 * the stats cache, and that verify() catches a broken invariant.
 */

#include <errno.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "vmap_test_util.h"
#include "vmap_private.h"

#define TWO_PACKAGES "package:2 core:1 pu:1"
#define THREE_PACKAGES "package:3 core:1 pu:1"

static int
test_addr_to_node_stripes_zones(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	uintptr_t a;
	unsigned int seen = 0;

	vmap_test_params(&p, "node_stripe");
	p.nr_nodes = 4;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(vm->nr_nodes, 4u, "nodes %u", vm->nr_nodes);
	for (a = vm->map_base; a < vm->map_base + 8 * vm->zone_size; a += vm->zone_size / 2) {
		struct vmap_node *vn = vmap_addr_to_node(vm, a);
		unsigned int zone = (a - vm->map_base) / vm->zone_size;

		TEST_ASSERT_EQUAL(vn->id, zone % 4, "zone %u in node %u", zone, vn->id);
		seen |= 1u << vn->id;
	}
	TEST_ASSERT_EQUAL(seen, 0xfu, "not every node got a zone");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_default_nodes_follow_lcores(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, "node_default");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(vm->nr_nodes, RTE_MAX(rte_lcore_count(), vm->topo.nr_sockets),
		"nodes %u for %u lcores", vm->nr_nodes, rte_lcore_count());
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

struct socket_probe {
	struct rte_vmap *vm;
	void *win;
	struct rte_vmap_window w;
	int ret;
};

static int
alloc_on_this_lcore(void *arg)
{
	struct socket_probe *sp = arg;

	sp->win = rte_vmap_alloc(sp->vm, 64 << 10, 0, SOCKET_ID_ANY);
	sp->ret = sp->win == NULL ? -rte_errno : rte_vmap_find(sp->vm, sp->win, &sp->w);
	return 0;
}

/* A modelled two-socket machine: arenas, node binding, caller's socket. */
static int
test_two_sockets_synthetic_topology(void)
{
	struct rte_vmap_params p;
	struct rte_vmap_window w0, w1;
	struct socket_probe sp;
	struct rte_vmap *vm;
	void *a, *b;
	unsigned int worker;

	vmap_test_params(&p, "node_2sock");
	p.topology = TWO_PACKAGES;
	p.nr_nodes = 4;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	TEST_ASSERT_EQUAL(vm->nr_arenas, 2u, "arenas %u", vm->nr_arenas);

	a = rte_vmap_alloc(vm, 64 << 10, 0, vm->topo.socket_id[0]);
	b = rte_vmap_alloc(vm, 64 << 10, 0, vm->topo.socket_id[1]);
	TEST_ASSERT(a != NULL && b != NULL, "alloc per socket: %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, a, &w0), "find a");
	TEST_ASSERT_SUCCESS(rte_vmap_find(vm, b, &w1), "find b");
	TEST_ASSERT_EQUAL(w0.socket_id, vm->topo.socket_id[0], "socket of a");
	TEST_ASSERT_EQUAL(w1.socket_id, vm->topo.socket_id[1], "socket of b");
	TEST_ASSERT((uintptr_t)a < vm->arenas[1].start && (uintptr_t)b >= vm->arenas[1].start,
		"windows not in their socket's arena");
	TEST_ASSERT(w0.node < 2 && w1.node >= 2, "nodes %u %u not their socket's", w0.node,
		w1.node);
	TEST_ASSERT_NULL(rte_vmap_alloc(vm, 4096, 0, 5), "socket 5 does not exist");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno %d", rte_errno);

	/* SOCKET_ID_ANY on the worker lcore lands on the worker's socket. */
	worker = rte_get_next_lcore(-1, 1, 0);
	if (worker < RTE_MAX_LCORE && vm->topo.lcore_socket[worker] == 1) {
		memset(&sp, 0, sizeof(sp));
		sp.vm = vm;
		TEST_ASSERT_SUCCESS(rte_eal_remote_launch(alloc_on_this_lcore, &sp, worker),
			"launch");
		rte_eal_wait_lcore(worker);
		TEST_ASSERT_SUCCESS(sp.ret, "worker alloc: %d", sp.ret);
		TEST_ASSERT_EQUAL(sp.w.socket_id, vm->topo.socket_id[1], "worker's socket");
		TEST_ASSERT_SUCCESS(rte_vmap_free(vm, sp.win), "free");
	} else {
		printf("no worker lcore on the second modelled socket: part skipped\n");
	}
	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free a");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, b), "free b");
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/*
 * Three sockets: socket counts need not be powers of two. Every socket
 * gets the same number of nodes and an arena of whole zones (the fuzzer's
 * regress-3-sockets: the rounding used a mask, and small spaces got
 * arenas of 0 bytes, a failed create).
 */
static int
test_three_sockets_geometry(void)
{
	static const size_t va_sizes[] = { 64 << 10, 3 << 20, (1 << 30) + 4096 };
	static const unsigned int nr_nodes[] = { 0, 1, 4, 7 };
	struct rte_vmap_params p;
	struct rte_vmap_window w;
	struct rte_vmap *vm;
	unsigned int i, k, a, want;
	size_t align;
	void *win[3];

	for (i = 0; i < RTE_DIM(va_sizes); i++) {
		for (k = 0; k < RTE_DIM(nr_nodes); k++) {
			vmap_test_params_4k(&p, "node_3sock");
			p.topology = THREE_PACKAGES;
			p.va_size = va_sizes[i];
			p.nr_nodes = nr_nodes[k];
			vm = rte_vmap_create(&p);
			TEST_ASSERT_NOT_NULL(vm, "va_size %zu, %u nodes: %s", va_sizes[i],
				nr_nodes[k], rte_strerror(rte_errno));
			want = RTE_MAX(nr_nodes[k] != 0 ? nr_nodes[k] : rte_lcore_count(), 3u);
			want = (want + 2) / 3 * 3;
			TEST_ASSERT(vm->nr_arenas == 3 && vm->nr_nodes == want,
				"%u arenas, %u nodes, want 3 and %u", vm->nr_arenas, vm->nr_nodes,
				want);
			align = vmap_space_align(vm);
			TEST_ASSERT(vm->map_len >= va_sizes[i] && vm->map_len % (3 * align) == 0,
				"map_len %zu for va_size %zu", vm->map_len, va_sizes[i]);
			for (a = 0; a < 3; a++) {
				TEST_ASSERT(vm->arenas[a].end > vm->arenas[a].start &&
					vm->arenas[a].start % align == 0 &&
					vm->arenas[a].nr_nodes == want / 3,
					"arena %u: [%#" PRIxPTR ", %#" PRIxPTR "), %u nodes", a,
					vm->arenas[a].start, vm->arenas[a].end,
					vm->arenas[a].nr_nodes);
				win[a] = rte_vmap_alloc(vm, 4096, 0, vm->topo.socket_id[a]);
				TEST_ASSERT_NOT_NULL(win[a], "alloc on socket %u: %s", a,
					rte_strerror(rte_errno));
				TEST_ASSERT_SUCCESS(rte_vmap_find(vm, win[a], &w), "find");
				TEST_ASSERT(w.socket_id == vm->topo.socket_id[a] &&
					(uintptr_t)win[a] >= vm->arenas[a].start &&
					(uintptr_t)win[a] < vm->arenas[a].end,
					"window %p of socket %u outside its arena", win[a], a);
			}
			VMAP_TEST_VERIFY(vm);
			for (a = 0; a < 3; a++)
				TEST_ASSERT_SUCCESS(rte_vmap_free(vm, win[a]), "free");
			VMAP_TEST_VERIFY(vm);
			rte_vmap_destroy(vm);
		}
	}
	return TEST_SUCCESS;
}

/* One socket exhausted does not spill into another socket's arena. */
static int
test_socket_arena_exhaustion_stays_on_socket(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	void *w[64];
	unsigned int n = 0, i;

	vmap_test_params_4k(&p, "node_full");
	p.topology = TWO_PACKAGES;
	p.va_size = 512 << 10;
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	while (n < RTE_DIM(w) &&
			(w[n] = rte_vmap_alloc(vm, 64 << 10, 0, vm->topo.socket_id[0])) != NULL)
		n++;
	TEST_ASSERT_EQUAL(n, 4u, "256 KiB arena held %u windows of 64 KiB", n);
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "errno %d", rte_errno);
	TEST_ASSERT_NOT_NULL(rte_vmap_alloc(vm, 64 << 10, 0, vm->topo.socket_id[1]),
		"socket 1 still has room");
	for (i = 0; i < n; i++)
		TEST_ASSERT((uintptr_t)w[i] < vm->arenas[1].start, "window %u spilled", i);
	VMAP_TEST_VERIFY(vm);
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static int
test_stats_cache_generations(void)
{
	struct rte_vmap_params p;
	struct rte_vmap_stats st, st2;
	struct rte_vmap *vm;
	void *a;

	vmap_test_params(&p, "node_stats");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	/*
	 * The bug of the first vmalloc-info cache (see the guide's References):
	 * a new space must not start with a "valid" cache.
	 */
	TEST_ASSERT(!vmap_stats_cached(vm), "fresh cache claims to be valid");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.va_size, (uint64_t)vm->map_len, "va_size");
	TEST_ASSERT_EQUAL(st.nr_windows, 0u, "windows");
	TEST_ASSERT(vmap_stats_cached(vm), "second call would not hit the cache");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st2), "stats");
	TEST_ASSERT(memcmp(&st, &st2, sizeof(st)) == 0, "cached snapshot differs");

	a = rte_vmap_alloc(vm, 3 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc");
	TEST_ASSERT(!vmap_stats_cached(vm), "an alloc did not invalidate the cache");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, 1u, "windows");
	TEST_ASSERT_EQUAL(st.va_used, 3u * 4096, "va_used");
	TEST_ASSERT(st.mem_used >= 3u * 4096, "mem_used %" PRIu64, st.mem_used);
	TEST_ASSERT(st.va_largest_free > 0 && st.va_largest_free < st.va_size, "largest free");
	TEST_ASSERT_EQUAL(rte_vmap_free(vm, (char *)a + 4096), -ENOENT, "interior free");
	TEST_ASSERT(vmap_stats_cached(vm), "a failed free invalidated the cache");
	TEST_ASSERT_SUCCESS(rte_vmap_free(vm, a), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, 0u, "windows");
	TEST_ASSERT_EQUAL(st.va_used, 0u, "va_used");
	TEST_ASSERT_EQUAL(rte_vmap_stats_get(NULL, &st), -EINVAL, "NULL space");
	TEST_ASSERT_EQUAL(rte_vmap_stats_get(vm, NULL), -EINVAL, "NULL stats");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

/* verify() is only worth something if it notices a broken invariant. */
static int
test_verify_detects_broken_invariants(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	struct vmap_node *vn;
	uint64_t *slot, saved;
	char *a;

	vmap_test_params(&p, "node_verify");
	vm = rte_vmap_create(&p);
	TEST_ASSERT_NOT_NULL(vm, "create: %d", rte_errno);
	a = rte_vmap_alloc(vm, 2 * 4096, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(a, "alloc");
	VMAP_TEST_VERIFY(vm);

	vn = vmap_addr_to_node(vm, (uintptr_t)a);
	vn->nr_windows++;
	TEST_ASSERT_EQUAL(rte_vmap_verify(vm), -EFAULT, "counter off by one not seen");
	vn->nr_windows--;

	slot = &vm->iova_table[((uintptr_t)a - vm->map_base) >> 12];
	saved = *slot;
	*slot = 0;
	TEST_ASSERT_EQUAL(rte_vmap_verify(vm), -EFAULT, "cleared IOVA entry not seen");
	*slot = saved;

	vm->backing.refcnt[((uintptr_t)a - vm->map_base) >> vm->backing.page_shift]++;
	TEST_ASSERT_EQUAL(rte_vmap_verify(vm), -EFAULT, "extra page reference not seen");
	vm->backing.refcnt[((uintptr_t)a - vm->map_base) >> vm->backing.page_shift]--;

	VMAP_TEST_VERIFY(vm);
	TEST_ASSERT_EQUAL(rte_vmap_verify(NULL), -EINVAL, "NULL space");
	rte_vmap_destroy(vm);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_node_suite = {
	.suite_name = "vmap nodes and sockets",
	.unit_test_cases = {
		TEST_CASE(test_addr_to_node_stripes_zones),
		TEST_CASE(test_default_nodes_follow_lcores),
		TEST_CASE(test_two_sockets_synthetic_topology),
		TEST_CASE(test_three_sockets_geometry),
		TEST_CASE(test_socket_arena_exhaustion_stays_on_socket),
		TEST_CASE(test_stats_cache_generations),
		TEST_CASE(test_verify_detects_broken_invariants),
		TEST_CASES_END()
	}
};

static int
test_vmap_node(void)
{
	return unit_test_suite_runner(&vmap_node_suite);
}

REGISTER_FAST_TEST(vmap_node_autotest, NOHUGE_OK, ASAN_OK, test_vmap_node);
