/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * EAL's default VFIO container: finding it, reading its IOMMU's ranges,
 * and the type1 map and unmap ioctls. Why by hand: vfio_container.h.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "vfio_container.h"
#include "vfio_private.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"
/* Containers looked at; a process has one or a few. */
#define MAX_CANDIDATES 16

static bool
is_container(int fd)
{
	char link[64], target[sizeof(VFIO_CONTAINER_PATH) + 1];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, VFIO_CONTAINER_PATH) == 0;
}

/* A container with an IOMMU set (a group is attached) answers GET_INFO. */
static bool
has_iommu(int fd)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	return ioctl(fd, VFIO_IOMMU_GET_INFO, &info) == 0;
}

static int
list_candidates(int *fds, unsigned int max)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d;
	int fd;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL && n < max) {
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd != dirfd(d) && is_container(fd) && has_iommu(fd))
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

static int
first_eal_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	const struct rte_memseg **out = arg;

	if (msl->external || ms->iova == RTE_BAD_IOVA)
		return 0;
	*out = ms;
	return 1;
}

/*
 * Among several containers with an IOMMU, EAL's is the one where a page of
 * EAL's memory is mapped already: mapping it again fails with EEXIST
 * before type1 pins anything. Elsewhere the probe map succeeds and is
 * undone at once.
 */
static int
pick_eal_container(const int *fds, int n)
{
	const struct rte_memseg *ms = NULL;
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	int i, found = -1;

	if (rte_memseg_walk(first_eal_seg, &ms) != 1 || ms == NULL) {
		VFIO_LOG(ERR, "%d VFIO containers and no EAL memory to tell EAL's apart", n);
		return -1;
	}
	map.flags = VFIO_DMA_MAP_FLAG_READ;
	map.vaddr = (uintptr_t)ms->addr;
	map.iova = ms->iova;
	map.size = RTE_MIN((uint64_t)ms->len, (uint64_t)RTE_PGSIZE_4K);
	for (i = 0; i < n; i++) {
		if (ioctl(fds[i], VFIO_IOMMU_MAP_DMA, &map) == 0) {
			unmap.iova = map.iova;
			unmap.size = map.size;
			ioctl(fds[i], VFIO_IOMMU_UNMAP_DMA, &unmap);
		} else if (errno == EEXIST && found < 0) {
			found = fds[i];
		}
	}
	if (found < 0)
		VFIO_LOG(ERR, "none of %d VFIO containers maps EAL's memory", n);
	return found;
}

static void
read_caps(struct vfio_container *c, const struct vfio_iommu_type1_info *info)
{
	const struct vfio_info_cap_header *h;
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	const struct vfio_iommu_type1_info_dma_avail *a;
	uint32_t off, i;

	if ((info->flags & VFIO_IOMMU_INFO_CAPS) == 0)
		return;
	for (off = info->cap_offset; off != 0 && off + sizeof(*h) <= info->argsz; off = h->next) {
		h = RTE_PTR_ADD(info, off);
		switch (h->id) {
		case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
			r = (const void *)h;
			for (i = 0; i < r->nr_iovas && c->nr_ranges < VFIO_MAX_RANGES; i++) {
				c->ranges[c->nr_ranges].start = r->iova_ranges[i].start;
				c->ranges[c->nr_ranges].end = r->iova_ranges[i].end;
				c->nr_ranges++;
			}
			break;
		case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
			a = (const void *)h;
			c->dma_avail = a->avail;
			break;
		default:
			break;
		}
	}
}

/* GET_INFO twice: once for the size its capabilities need. */
static int
read_info(struct vfio_container *c)
{
	struct vfio_iommu_type1_info head = { .argsz = sizeof(head) };
	struct vfio_iommu_type1_info *info;

	if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, &head) != 0) {
		VFIO_LOG(ERR, "VFIO_IOMMU_GET_INFO: %s", strerror(errno));
		return -EIO;
	}
	c->pgsizes = head.iova_pgsizes;
	if (head.argsz <= sizeof(head))
		return 0;
	info = calloc(1, head.argsz);
	if (info == NULL)
		return -ENOMEM;
	info->argsz = head.argsz;
	if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, info) == 0)
		read_caps(c, info);
	free(info);
	return 0;
}

int
vfio_container_open(struct vfio_container *c)
{
	int fds[MAX_CANDIDATES];
	int n, fd, ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->dma_avail = -1;
	n = list_candidates(fds, RTE_DIM(fds));
	if (n < 0) {
		VFIO_LOG(ERR, "cannot list /proc/self/fd: %s", strerror(-n));
		return -EIO;
	}
	if (n == 0) {
		VFIO_LOG(ERR, "no VFIO container with a group in this process: let EAL probe "
			"a device bound to vfio-pci (-a <PCI address>) before creating the space");
		return -ENODEV;
	}
	fd = n == 1 ? fds[0] : pick_eal_container(fds, n);
	if (fd < 0)
		return -ENODEV;
	c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (c->fd < 0) {
		VFIO_LOG(ERR, "dup of the VFIO container: %s", strerror(errno));
		return -errno;
	}
	ret = read_info(c);
	if (ret != 0)
		vfio_container_close(c);
	return ret;
}

void
vfio_container_close(struct vfio_container *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

bool
vfio_container_covers(const struct vfio_container *c, uint64_t start, uint64_t len)
{
	unsigned int i;

	if (c->nr_ranges == 0)
		return true;
	if (len == 0 || start + len - 1 < start)
		return false;
	for (i = 0; i < c->nr_ranges; i++)
		if (start >= c->ranges[i].start && start + len - 1 <= c->ranges[i].end)
			return true;
	return false;
}

uint64_t
vfio_container_top(const struct vfio_container *c)
{
	uint64_t top = 0;
	unsigned int i;

	for (i = 0; i < c->nr_ranges; i++)
		top = RTE_MAX(top, c->ranges[i].end == UINT64_MAX ? UINT64_MAX :
			c->ranges[i].end + 1);
	return top;
}

int
vfio_container_map(const struct vfio_container *c, uint64_t va, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va,
		.iova = iova,
		.size = len,
	};

	return ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map) == 0 ? 0 : -errno;
}

int
vfio_container_unmap(const struct vfio_container *c, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0)
		return -errno;
	if (unmapped != NULL)
		*unmapped = unmap.size;
	return 0;
}
