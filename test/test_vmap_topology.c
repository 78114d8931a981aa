/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_topology_autotest: vmap_topo.c on its own, without a space. The
 * machine's topology must agree with EAL; synthetic descriptions model
 * sockets the machine may not have, and the lcores (-l 0-1) must spread
 * over them; placement must be a no-op where there is nothing to bind to.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numaif.h>

#include <rte_lcore.h>
#include <rte_memory.h>

#include "test.h"
#include "vmap_private.h"

#define TEST_PLACE_PAGES 4
/* Node ids get_mempolicy() may report: as many as the kernel may have. */
#define TEST_NODEMASK_BITS 1024
#define TEST_LONG_BITS (8 * sizeof(unsigned long))

/* struct vmap_topo is over two kilobytes: keep it off the test's stack. */
static struct vmap_topo topo_storage;
static struct vmap_topo *const topo = &topo_storage;

/* First CPU of an lcore's cpuset, or -1. */
static int
lcore_first_cpu(unsigned int lcore)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	unsigned int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

/* Socket ids strictly ascending, every lcore on an existing socket index. */
static int
check_topo_consistent(const struct vmap_topo *t)
{
	unsigned int i;

	TEST_ASSERT(t->nr_sockets >= 1 && t->nr_sockets <= RTE_MAX_NUMA_NODES,
		"nr_sockets %u", t->nr_sockets);
	for (i = 1; i < t->nr_sockets; i++)
		TEST_ASSERT(t->socket_id[i - 1] < t->socket_id[i],
			"socket ids not ascending at %u: %d, %d", i,
			t->socket_id[i - 1], t->socket_id[i]);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		TEST_ASSERT(t->lcore_socket[i] < t->nr_sockets,
			"lcore %u on socket index %u of %u", i,
			t->lcore_socket[i], t->nr_sockets);
	for (i = 0; i < t->nr_cpus; i++)
		TEST_ASSERT(t->cpu_socket[i] < t->nr_sockets,
			"cpu %u on socket index %u of %u", i,
			t->cpu_socket[i], t->nr_sockets);
	return TEST_SUCCESS;
}

/*
 * A two-socket synthetic topology (one PU per socket, PU i on socket
 * index i): each lcore lands on the socket of its CPU modulo 2, which with
 * -l 0-1 is lcore 0 on index 0 and lcore 1 on index 1.
 */
static int
check_two_sockets_split_lcores(const char *desc)
{
	unsigned int lcore;
	int cpu;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, desc), "load \"%s\"", desc);
	TEST_ASSERT(topo->emulated, "\"%s\" not marked emulated", desc);
	TEST_ASSERT_EQUAL(topo->nr_sockets, 2u, "\"%s\": %u sockets",
		desc, topo->nr_sockets);
	TEST_ASSERT(topo->socket_id[0] == 0 && topo->socket_id[1] == 1,
		"\"%s\": socket ids %d %d", desc, topo->socket_id[0],
		topo->socket_id[1]);
	if (check_topo_consistent(topo) != TEST_SUCCESS)
		return TEST_FAILED;

	if (!rte_lcore_is_enabled(0) || !rte_lcore_is_enabled(1)) {
		printf("lcores 0 and 1 are not both enabled (run with -l 0-1)\n");
		return TEST_SKIPPED;
	}
	RTE_LCORE_FOREACH(lcore) {
		cpu = lcore_first_cpu(lcore);
		TEST_ASSERT(cpu >= 0, "lcore %u has no CPU", lcore);
		TEST_ASSERT_EQUAL(topo->lcore_socket[lcore], (unsigned int)cpu % 2,
			"\"%s\": lcore %u (cpu %d) on socket index %u", desc,
			lcore, cpu, topo->lcore_socket[lcore]);
	}
	TEST_ASSERT(topo->lcore_socket[0] != topo->lcore_socket[1],
		"\"%s\": lcores 0 and 1 on the same socket", desc);
	return TEST_SUCCESS;
}

static int
test_machine_topology_loads(void)
{
	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, NULL), "load the machine");
	TEST_ASSERT(!topo->emulated, "the machine marked emulated");
	return check_topo_consistent(topo);
}

static int
test_machine_lcore_sockets_match_eal(void)
{
	unsigned int lcore, eal_socket;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, NULL), "load the machine");
	RTE_LCORE_FOREACH(lcore) {
		eal_socket = rte_lcore_to_socket_id(lcore);
		/* An lcore spanning several sockets has none in EAL's eyes. */
		if (eal_socket == (unsigned int)SOCKET_ID_ANY)
			continue;
		TEST_ASSERT(vmap_topo_socket_index(topo, eal_socket) >= 0,
			"EAL socket %u of lcore %u unknown to the topology",
			eal_socket, lcore);
		TEST_ASSERT_EQUAL(topo->socket_id[topo->lcore_socket[lcore]],
			(int)eal_socket, "lcore %u: socket %d, EAL says %u", lcore,
			topo->socket_id[topo->lcore_socket[lcore]], eal_socket);
	}
	return TEST_SUCCESS;
}

static int
test_synthetic_two_packages_split_lcores(void)
{
	return check_two_sockets_split_lcores("package:2 core:1 pu:1");
}

static int
test_synthetic_two_numa_nodes_split_lcores(void)
{
	return check_two_sockets_split_lcores("numa:2 core:1 pu:1");
}

static int
test_synthetic_numa_inside_packages_counted_once(void)
{
	/* Two packages with one NUMA node each are two sockets, not four. */
	return check_two_sockets_split_lcores("package:2 numa:1 core:1 pu:1");
}

static int
test_synthetic_four_packages_ids_in_order(void)
{
	int i;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, "package:4 core:2 pu:1"),
		"load four packages");
	TEST_ASSERT_EQUAL(topo->nr_sockets, 4u, "%u sockets", topo->nr_sockets);
	for (i = 0; i < 4; i++)
		TEST_ASSERT_EQUAL(topo->socket_id[i], i, "socket index %d has id %d",
			i, topo->socket_id[i]);
	return check_topo_consistent(topo);
}

static int
test_synthetic_bad_description_rejected(void)
{
	static const char *const bad[] = {
		"bogus:3",
		"package:two pu:1",
		"",
	};
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(bad); i++) {
		ret = vmap_topo_load(topo, bad[i]);
		TEST_ASSERT_EQUAL(ret, -EINVAL, "\"%s\" gave %d", bad[i], ret);
	}
	return TEST_SUCCESS;
}

static int
test_socket_index_of_unknown_id_is_minus_one(void)
{
	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, "package:2 core:1 pu:1"),
		"load two packages");
	TEST_ASSERT_EQUAL(vmap_topo_socket_index(topo, 0), 0, "id 0");
	TEST_ASSERT_EQUAL(vmap_topo_socket_index(topo, 1), 1, "id 1");
	TEST_ASSERT_EQUAL(vmap_topo_socket_index(topo, 2), -1, "id 2");
	TEST_ASSERT_EQUAL(vmap_topo_socket_index(topo, SOCKET_ID_ANY), -1,
		"SOCKET_ID_ANY");
	TEST_ASSERT_EQUAL(vmap_topo_socket_index(topo, RTE_MAX_NUMA_NODES), -1,
		"RTE_MAX_NUMA_NODES");
	return TEST_SUCCESS;
}

static int
test_caller_socket_of_lcore(void)
{
	unsigned int lcore = rte_lcore_id();

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, "package:2 core:1 pu:1"),
		"load two packages");
	TEST_ASSERT_EQUAL(vmap_topo_caller_socket(topo), topo->lcore_socket[lcore],
		"main lcore %u", lcore);
	return TEST_SUCCESS;
}

struct caller_probe {
	const struct vmap_topo *topo;
	int cpu;              /* CPU to pin to, or -1 */
	int pinned;           /* the pinning worked */
	unsigned int lcore;   /* rte_lcore_id() seen by the thread */
	unsigned int socket;  /* vmap_topo_caller_socket() */
};

static void *
caller_probe_thread(void *arg)
{
	struct caller_probe *p = arg;
	cpu_set_t set;

	if (p->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(p->cpu, &set);
		p->pinned = pthread_setaffinity_np(pthread_self(), sizeof(set),
			&set) == 0;
	}
	p->lcore = rte_lcore_id();
	p->socket = vmap_topo_caller_socket(p->topo);
	return NULL;
}

/* A non-EAL thread pinned to a CPU gets that CPU's socket. */
static int
test_caller_socket_non_eal_thread_follows_cpu(void)
{
	struct caller_probe probe;
	pthread_t thread;
	int cpu, ret;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, "package:2 core:1 pu:1"),
		"load two packages");
	for (cpu = 0; cpu < 2; cpu++) {
		memset(&probe, 0, sizeof(probe));
		probe.topo = topo;
		probe.cpu = cpu;
		ret = pthread_create(&thread, NULL, caller_probe_thread, &probe);
		TEST_ASSERT_SUCCESS(ret, "pthread_create: %s", strerror(ret));
		pthread_join(thread, NULL);

		TEST_ASSERT_EQUAL(probe.lcore, (unsigned int)LCORE_ID_ANY,
			"a plain pthread has lcore %u", probe.lcore);
		TEST_ASSERT(probe.socket < topo->nr_sockets, "socket index %u",
			probe.socket);
		if (!probe.pinned) {
			printf("cannot pin a thread to CPU %d\n", cpu);
			return TEST_SKIPPED;
		}
		TEST_ASSERT_EQUAL(probe.socket, (unsigned int)cpu,
			"thread on CPU %d: socket index %u", cpu, probe.socket);
	}
	return TEST_SUCCESS;
}

static void *
map_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int
test_place_emulated_only_socket_is_noop(void)
{
	size_t len = TEST_PLACE_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	unsigned int idx;
	void *p;
	int ret;

	/*
	 * As many modelled nodes as DPDK allows: the last one exists on
	 * hardly any test machine, so placing on it must do nothing and
	 * succeed (and where it does exist, bind and succeed).
	 */
	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, "numa:32 core:1 pu:1"),
		"load 32 NUMA nodes");
	TEST_ASSERT_EQUAL(topo->nr_sockets, 32u, "%u sockets", topo->nr_sockets);
	idx = topo->nr_sockets - 1;

	p = map_pages(len);
	TEST_ASSERT_NOT_NULL(p, "mmap %zu bytes", len);
	ret = vmap_topo_place(topo, idx, p, len, false);
	memset(p, 0x5a, len);
	munmap(p, len);
	TEST_ASSERT_SUCCESS(ret, "place on modelled socket %d: %d",
		topo->socket_id[idx], ret);
	return TEST_SUCCESS;
}

static int
test_place_machine_socket_prefers_node(void)
{
	size_t len = TEST_PLACE_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	unsigned long mask[TEST_NODEMASK_BITS / TEST_LONG_BITS];
	int mode = -1;
	void *p;
	int ret;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, NULL), "load the machine");
	p = map_pages(len);
	TEST_ASSERT_NOT_NULL(p, "mmap %zu bytes", len);

	ret = vmap_topo_place(topo, 0, p, len, false);
	memset(mask, 0, sizeof(mask));
	if (ret == 0 && topo->numa_ok) {
		if (get_mempolicy(&mode, mask, TEST_NODEMASK_BITS, p, MPOL_F_ADDR) < 0)
			mode = -errno;
	}
	memset(p, 0x5a, len);
	munmap(p, len);

	TEST_ASSERT_SUCCESS(ret, "place on socket %d: %d", topo->socket_id[0], ret);
	if (!topo->numa_ok) {
		printf("no NUMA policy on this machine: placement not checked\n");
		return TEST_SUCCESS;
	}
	TEST_ASSERT_EQUAL(mode, MPOL_PREFERRED, "policy of the range is %d", mode);
	TEST_ASSERT(mask[topo->socket_id[0] / TEST_LONG_BITS] &
		(1UL << (topo->socket_id[0] % TEST_LONG_BITS)),
		"range not preferring node %d", topo->socket_id[0]);
	return TEST_SUCCESS;
}

static int
test_place_bad_socket_index_rejected(void)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	void *p;
	int ret;

	TEST_ASSERT_SUCCESS(vmap_topo_load(topo, NULL), "load the machine");
	p = map_pages(len);
	TEST_ASSERT_NOT_NULL(p, "mmap %zu bytes", len);
	ret = vmap_topo_place(topo, topo->nr_sockets, p, len, false);
	munmap(p, len);
	TEST_ASSERT_EQUAL(ret, -EINVAL, "socket index %u gave %d",
		topo->nr_sockets, ret);
	return TEST_SUCCESS;
}

static struct unit_test_suite vmap_topology_suite = {
	.suite_name = "vmap topology",
	.setup = NULL,
	.teardown = NULL,
	.unit_test_cases = {
		TEST_CASE(test_machine_topology_loads),
		TEST_CASE(test_machine_lcore_sockets_match_eal),
		TEST_CASE(test_synthetic_two_packages_split_lcores),
		TEST_CASE(test_synthetic_two_numa_nodes_split_lcores),
		TEST_CASE(test_synthetic_numa_inside_packages_counted_once),
		TEST_CASE(test_synthetic_four_packages_ids_in_order),
		TEST_CASE(test_synthetic_bad_description_rejected),
		TEST_CASE(test_socket_index_of_unknown_id_is_minus_one),
		TEST_CASE(test_caller_socket_of_lcore),
		TEST_CASE(test_caller_socket_non_eal_thread_follows_cpu),
		TEST_CASE(test_place_emulated_only_socket_is_noop),
		TEST_CASE(test_place_machine_socket_prefers_node),
		TEST_CASE(test_place_bad_socket_index_rejected),
		TEST_CASES_END()
	},
};

static int
test_vmap_topology(void)
{
	return unit_test_suite_runner(&vmap_topology_suite);
}

REGISTER_FAST_TEST(vmap_topology_autotest, NOHUGE_OK, ASAN_OK, test_vmap_topology);
