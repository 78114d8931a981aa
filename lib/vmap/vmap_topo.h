/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TOPO_H_
#define _VMAP_TOPO_H_

/*
 * Topology from hwloc (vmap_topo.c): the sockets a space places memory
 * on. Nothing here is installed; vmap_private.h includes it before
 * struct rte_vmap, which holds one.
 */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

/** The sockets a space places memory on, and where each lcore sits. */
struct vmap_topo {
	unsigned int nr_sockets;             /**< at least 1 */
	int socket_id[RTE_MAX_NUMA_NODES];   /**< socket id of each socket index */
	uint8_t lcore_socket[RTE_MAX_LCORE]; /**< socket index of each lcore */
	bool emulated;                       /**< from a synthetic description */
	bool numa_ok;                        /**< libnuma placement works */
	unsigned int nr_cpus;                /**< entries of cpu_socket[] */
	uint8_t cpu_socket[CPU_SETSIZE];     /**< socket index of each CPU (non-EAL threads) */
};

/*
 * Build the topology: from hwloc's view of this machine, or from an hwloc
 * synthetic description (e.g. "package:2 core:1 pu:1"). NUMA nodes are
 * sockets (packages without NUMA objects count as one socket each).
 * Returns 0 or -EINVAL (bad description) / -ENOMEM.
 */
int vmap_topo_load(struct vmap_topo *topo, const char *synthetic);
/* Socket index of a socket id, or -1 if the topology has no such socket. */
int vmap_topo_socket_index(const struct vmap_topo *topo, int socket_id);
/* Socket index of the calling thread: its lcore's, or for a non-EAL thread its CPU's. */
unsigned int vmap_topo_caller_socket(const struct vmap_topo *topo);
/*
 * Bind [addr, addr + len) to the socket's memory with libnuma (mbind),
 * before it is faulted in: preferred, or with strict MPOL_BIND, so that
 * the range gets the socket's memory or none. Strict is for hugetlb only,
 * populated with MADV_POPULATE_WRITE, which then fails instead of a SIGBUS
 * at first touch (4 KiB pages under MPOL_BIND would reclaim and OOM-kill
 * instead). A no-op when the socket is modelled only (emulated) or libnuma
 * is unavailable. Returns 0 or -errno.
 */
int vmap_topo_place(const struct vmap_topo *topo, unsigned int socket_idx,
		void *addr, size_t len, bool strict);

#endif /* _VMAP_TOPO_H_ */
