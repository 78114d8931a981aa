/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Where a space's memory and its callers sit.
 *
 * hwloc gives the sockets (NUMA nodes) and, for each CPU, the socket whose
 * cpuset holds it. A synthetic description lets a one-socket machine model
 * several:
 *
 *   "package:2 core:1 pu:1"         "numa:2 core:1 pu:1"
 *
 *   Machine                          Machine
 *    NUMANode P#0 (added by hwloc)    Core L#0 + NUMANode P#0 + PU P#0
 *    Package L#0 + Core + PU P#0      Core L#1 + NUMANode P#1 + PU P#1
 *    Package L#1 + Core + PU P#1
 *   -> 2 sockets, ids 0 1            -> 2 sockets, ids 0 1
 *      (packages, as hwloc adds
 *       one NUMA node for all)
 *
 * A real CPU number c that a synthetic topology lacks is taken as PU
 * c % nr_pus, so every lcore lands on some modelled socket. Everything is
 * computed once, at load (milliseconds: hwloc reads sysfs); the hwloc
 * topology is destroyed before returning. Afterwards the topology is read
 * only: the lookups are MT-safe and cost a table read (socket_index a scan
 * of the few sockets, place one mbind() system call).
 */

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <hwloc.h>
#include <numa.h>
#include <numaif.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "vmap_private.h"
#include "vmap_fault.h"

/* NUMA node ids mbind() can be given: the bits of its nodemask. */
#define TOPO_NODEMASK_BITS 1024
#define TOPO_LONG_BITS (CHAR_BIT * sizeof(unsigned long))

/* What load needs while the hwloc topology is open. */
struct topo_ctx {
	hwloc_topology_t hw;
	struct vmap_topo *topo;
	/* The hwloc object of each socket index (NUMA node, package or root). */
	hwloc_obj_t sock_obj[RTE_MAX_NUMA_NODES];
	unsigned int nr_pus;
};

static int
topo_hwloc_open(hwloc_topology_t *hw, const char *synthetic)
{
	int ret;

	if (hwloc_topology_init(hw) < 0) {
		VMAP_LOG(ERR, "cannot allocate an hwloc topology");
		return -ENOMEM;
	}
	/* Only sockets and PUs are looked at: skip the work for caches and I/O. */
	hwloc_topology_set_cache_types_filter(*hw, HWLOC_TYPE_FILTER_KEEP_NONE);
	hwloc_topology_set_icache_types_filter(*hw, HWLOC_TYPE_FILTER_KEEP_NONE);
	hwloc_topology_set_io_types_filter(*hw, HWLOC_TYPE_FILTER_KEEP_NONE);

	if (synthetic != NULL && hwloc_topology_set_synthetic(*hw, synthetic) < 0) {
		VMAP_LOG(ERR, "bad synthetic topology \"%s\"", synthetic);
		ret = -EINVAL;
		goto fail;
	}
	if (hwloc_topology_load(*hw) < 0) {
		ret = errno == ENOMEM ? -ENOMEM : -EINVAL;
		VMAP_LOG(ERR, "cannot load the %s topology: %s",
			synthetic != NULL ? "synthetic" : "machine", strerror(errno));
		goto fail;
	}
	return 0;

fail:
	hwloc_topology_destroy(*hw);
	return ret;
}

/*
 * Fill socket_id[] (ascending) and sock_obj[]. NUMA nodes are the sockets,
 * except in a synthetic description that gives none: hwloc then adds a
 * single node for the whole machine, and the packages are what the
 * description meant as sockets. A real machine keeps its NUMA nodes even
 * with several packages, as that is what DPDK calls a socket.
 */
static void
topo_find_sockets(struct topo_ctx *ctx)
{
	struct vmap_topo *topo = ctx->topo;
	hwloc_obj_type_t type = HWLOC_OBJ_NUMANODE;
	int nr_numa, nr_pkg, nr;
	unsigned int i, j;

	nr_numa = hwloc_get_nbobjs_by_type(ctx->hw, HWLOC_OBJ_NUMANODE);
	nr_pkg = hwloc_get_nbobjs_by_type(ctx->hw, HWLOC_OBJ_PACKAGE);
	if (topo->emulated && nr_numa <= 1 && nr_pkg > 1)
		type = HWLOC_OBJ_PACKAGE;
	nr = hwloc_get_nbobjs_by_type(ctx->hw, type);

	if (nr <= 0) {
		/* hwloc 2 always has a NUMA node; be safe anyway: one socket, id 0. */
		topo->nr_sockets = 1;
		topo->socket_id[0] = 0;
		ctx->sock_obj[0] = hwloc_get_root_obj(ctx->hw);
		return;
	}
	if (nr > RTE_MAX_NUMA_NODES) {
		VMAP_LOG(WARNING, "%d sockets, only the first %d are used",
			nr, RTE_MAX_NUMA_NODES);
		nr = RTE_MAX_NUMA_NODES;
	}

	for (i = 0; i < (unsigned int)nr; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(ctx->hw, type, i);
		int id = type == HWLOC_OBJ_NUMANODE ?
			(int)obj->os_index : (int)obj->logical_index;

		/* Insertion sort: hwloc's logical order need not follow the ids. */
		for (j = i; j > 0 && topo->socket_id[j - 1] > id; j--) {
			topo->socket_id[j] = topo->socket_id[j - 1];
			ctx->sock_obj[j] = ctx->sock_obj[j - 1];
		}
		topo->socket_id[j] = id;
		ctx->sock_obj[j] = obj;
	}
	topo->nr_sockets = nr;
}

/* Socket index of a CPU number, or -1 if the topology does not know it. */
static int
topo_socket_of_cpu(const struct topo_ctx *ctx, unsigned int cpu)
{
	hwloc_obj_t pu;
	unsigned int i;

	if (ctx->topo->emulated && ctx->nr_pus > 0 && cpu >= ctx->nr_pus)
		cpu %= ctx->nr_pus;
	pu = hwloc_get_pu_obj_by_os_index(ctx->hw, cpu);
	/* A synthetic description may renumber its PUs ("pu:2(indexes=...)"). */
	if (pu == NULL && ctx->topo->emulated)
		pu = hwloc_get_obj_by_type(ctx->hw, HWLOC_OBJ_PU, cpu);
	if (pu == NULL || pu->cpuset == NULL)
		return -1;

	for (i = 0; i < ctx->topo->nr_sockets; i++) {
		hwloc_const_cpuset_t set = ctx->sock_obj[i]->cpuset;

		if (set != NULL && hwloc_bitmap_intersects(set, pu->cpuset))
			return i;
	}
	return -1;
}

/* EAL threads: the lcores whose thread and cpuset EAL keeps. */
static bool
topo_lcore_is_eal(unsigned int lcore)
{
	enum rte_lcore_role_t role = rte_eal_lcore_role(lcore);

	return role == ROLE_RTE || role == ROLE_SERVICE;
}

static int
topo_lcore_first_cpu(unsigned int lcore)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	unsigned int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

/*
 * lcore_socket[] for the EAL lcores (the others stay 0): the socket of the
 * first CPU of the lcore's cpuset. On the real machine EAL read the same
 * sysfs: its answer fills in when hwloc does not see the CPU (a CPU hwloc
 * hides as disallowed, say), and a disagreement is worth a log line.
 */
static void
topo_map_lcores(const struct topo_ctx *ctx)
{
	struct vmap_topo *topo = ctx->topo;
	unsigned int lcore;

	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		int cpu, idx, eal_idx;

		if (!topo_lcore_is_eal(lcore))
			continue;
		cpu = topo_lcore_first_cpu(lcore);
		idx = cpu < 0 ? -1 : topo_socket_of_cpu(ctx, cpu);
		if (!topo->emulated) {
			eal_idx = vmap_topo_socket_index(topo,
				(int)rte_lcore_to_socket_id(lcore));
			if (idx < 0)
				idx = eal_idx;
			else if (eal_idx >= 0 && eal_idx != idx)
				VMAP_LOG(DEBUG, "lcore %u: hwloc says socket %d, EAL %d",
					lcore, topo->socket_id[idx],
					topo->socket_id[eal_idx]);
		}
		topo->lcore_socket[lcore] = idx < 0 ? 0 : idx;
	}
}

/*
 * cpu_socket[] for non-EAL threads, which find their CPU with
 * sched_getcpu(): every CPU the machine may have, each through the same
 * lookup as an lcore's first CPU.
 */
static void
topo_map_cpus(const struct topo_ctx *ctx)
{
	struct vmap_topo *topo = ctx->topo;
	long nr = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int cpu;

	if (nr < 1 || nr > (long)RTE_DIM(topo->cpu_socket))
		nr = RTE_DIM(topo->cpu_socket);
	topo->nr_cpus = nr;
	for (cpu = 0; cpu < topo->nr_cpus; cpu++) {
		int idx = topo_socket_of_cpu(ctx, cpu);

		topo->cpu_socket[cpu] = idx < 0 ? 0 : idx;
	}
}

/*
 * libnuma present is not enough: a container's seccomp profile may refuse
 * the memory policy calls (EPERM) while numa_available() only checks that
 * the kernel has them. Ask for the thread's policy once to find out.
 */
static bool
topo_numa_works(void)
{
	int mode;

	if (numa_available() < 0)
		return false;
	if (get_mempolicy(&mode, NULL, 0, NULL, 0) < 0) {
		VMAP_LOG(INFO, "NUMA policy calls refused (%s): memory not placed",
			strerror(errno));
		return false;
	}
	return true;
}

int
vmap_topo_load(struct vmap_topo *topo, const char *synthetic)
{
	struct topo_ctx ctx;
	int ret;

	memset(topo, 0, sizeof(*topo));
	memset(&ctx, 0, sizeof(ctx));
	topo->emulated = synthetic != NULL;
	ctx.topo = topo;

	ret = topo_hwloc_open(&ctx.hw, synthetic);
	if (ret < 0)
		return ret;
	ret = hwloc_get_nbobjs_by_type(ctx.hw, HWLOC_OBJ_PU);
	ctx.nr_pus = ret < 0 ? 0 : ret;

	topo_find_sockets(&ctx);
	topo_map_lcores(&ctx);
	topo_map_cpus(&ctx);
	hwloc_topology_destroy(ctx.hw);

	topo->numa_ok = topo_numa_works();
	return 0;
}

int
vmap_topo_socket_index(const struct vmap_topo *topo, int socket_id)
{
	unsigned int i;

	for (i = 0; i < topo->nr_sockets; i++)
		if (topo->socket_id[i] == socket_id)
			return i;
	return -1;
}

unsigned int
vmap_topo_caller_socket(const struct vmap_topo *topo)
{
	unsigned int lcore = rte_lcore_id();
	int cpu;

	if (lcore != LCORE_ID_ANY && topo_lcore_is_eal(lcore))
		return topo->lcore_socket[lcore];

	/*
	 * A non-EAL thread (or one registered with rte_thread_register(),
	 * whose cpuset EAL does not keep up to date): where it runs now.
	 * sched_getcpu() is a vDSO call, no system call.
	 */
	cpu = sched_getcpu();
	if (cpu < 0 || (unsigned int)cpu >= topo->nr_cpus)
		return 0;
	return topo->cpu_socket[cpu];
}

/*
 * mbind() of [start, end) to node: MPOL_BIND when strict, else
 * MPOL_PREFERRED (a full node falls back instead of failing). 0, or -1
 * and errno.
 */
static int
policy_node(uintptr_t start, uintptr_t end, const unsigned long *nodemask, bool strict)
{
	if (VMAP_FAULT(RTE_VMAP_FAULT_MBIND)) {
		errno = ENOMEM;
		return -1;
	}
	return mbind((void *)start, end - start, strict ? MPOL_BIND : MPOL_PREFERRED,
		nodemask, TOPO_NODEMASK_BITS, 0);
}

/* The node has memory this process may use (and mbind() can name it). */
static bool
topo_node_has_memory(int node)
{
	if (node < 0 || node >= TOPO_NODEMASK_BITS || node > numa_max_node())
		return false;
	return numa_bitmask_isbitset(numa_all_nodes_ptr, node) != 0;
}

int
vmap_topo_place(const struct vmap_topo *topo, unsigned int socket_idx,
		void *addr, size_t len, bool strict)
{
	unsigned long nodemask[TOPO_NODEMASK_BITS / TOPO_LONG_BITS];
	uintptr_t start, end, page;
	int node, ret;

	if (socket_idx >= topo->nr_sockets)
		return -EINVAL;
	if (!topo->numa_ok || len == 0)
		return 0;
	node = topo->socket_id[socket_idx];
	/*
	 * A modelled socket the machine lacks, or a node without memory of
	 * its own: nothing to bind to, the kernel's default placement is the
	 * best there is.
	 */
	if (!topo_node_has_memory(node))
		return 0;

	/* mbind() wants a page-aligned start; the policy is per page anyway. */
	page = sysconf(_SC_PAGESIZE);
	start = RTE_ALIGN_FLOOR((uintptr_t)addr, page);
	end = (uintptr_t)addr + len;
	memset(nodemask, 0, sizeof(nodemask));
	nodemask[node / TOPO_LONG_BITS] = 1UL << (node % TOPO_LONG_BITS);

	if (policy_node(start, end, nodemask, strict) < 0) {
		ret = -errno;
		VMAP_LOG(ERR, "mbind(%p, %zu, node %d): %s", (void *)start,
			(size_t)(end - start), node, strerror(errno));
		return ret;
	}
	return 0;
}
