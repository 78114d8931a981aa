/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VFIO_CONTAINER_H_
#define _VFIO_CONTAINER_H_

/*
 * EAL's default VFIO container, driven with type1 ioctls of our own.
 * Not installed.
 *
 * Why not rte_vfio_container_dma_map(): DPDK 22.11 records every user
 * mapping of a container in a table of VFIO_MAX_USER_MEM_MAPS (256)
 * entries, to replay them on hotplug; a space needs one entry per window
 * (a freed window must be unreachable even when its backing page holds
 * live windows, and type1 cannot split an entry), so 256 would cap a space
 * at 256 windows. Type1 itself holds dma_entry_limit entries (65,535 by
 * default, a module parameter), and replays every mapping of a container
 * into a group attached later (vfio_iommu_replay()), so hotplugged devices
 * reach the windows without DPDK's table.
 *
 * Why EAL's default container and not one of our own: EAL puts every
 * vfio-pci device it probes, now or by hotplug, into it, with EAL's own
 * memory (descriptor rings, ordinary mempools) already mapped. A container
 * of our own would have to be bound to each group before its device is
 * probed, and given EAL's memory by hand.
 *
 * DPDK 22.11 does not give the default container's fd away
 * (rte_vfio_get_container_fd() opens a new, empty one in a primary), so it
 * is found among the process's open files: the /dev/vfio/vfio files that
 * have an IOMMU set (only those answer VFIO_IOMMU_GET_INFO). If several do
 * (an application made containers of its own), the one that already maps
 * EAL's memory is EAL's: mapping an EAL page again there fails with EEXIST.
 * The fd is dup()ed, so EAL closing its own does not pull it from under us.
 */

#include <stdbool.h>
#include <stdint.h>

/* IOVA ranges the container's IOMMU translates, from VFIO_IOMMU_GET_INFO. */
#define VFIO_MAX_RANGES 16

struct vfio_range {
	uint64_t start;
	uint64_t end; /* inclusive, as VFIO reports it */
};

struct vfio_container {
	int fd;                   /* our dup of EAL's default container */
	unsigned int nr_ranges;   /* 0: the kernel did not say (any IOVA) */
	struct vfio_range ranges[VFIO_MAX_RANGES];
	uint64_t pgsizes;         /* IOMMU page sizes (bitmap) */
	int64_t dma_avail;        /* entries free at open, -1 if not reported */
};

/*
 * Find EAL's default container and read what its IOMMU translates.
 * 0, or -ENODEV (no container with a group: no device on vfio-pci was
 * probed), -EIO (GET_INFO failed); every failure logged with its cause.
 */
int vfio_container_open(struct vfio_container *c);
void vfio_container_close(struct vfio_container *c);
/* True if [start, start + len) lies inside one usable IOVA range. */
bool vfio_container_covers(const struct vfio_container *c, uint64_t start, uint64_t len);
/* Highest IOVA + 1 the IOMMU translates (0 when unknown). */
uint64_t vfio_container_top(const struct vfio_container *c);
/* One type1 entry: 0 or -errno (ENOSPC: dma_entry_limit reached). */
int vfio_container_map(const struct vfio_container *c, uint64_t va, uint64_t iova,
		uint64_t len);
/*
 * Remove every entry inside [iova, iova + len) (whole entries only):
 * 0 or -errno. *unmapped (may be NULL) gets the bytes type1 removed.
 */
int vfio_container_unmap(const struct vfio_container *c, uint64_t iova, uint64_t len,
		uint64_t *unmapped);

#endif /* _VFIO_CONTAINER_H_ */
