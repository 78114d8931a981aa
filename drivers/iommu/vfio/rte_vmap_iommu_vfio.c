/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The "vfio" IOMMU driver: windows are DMA-mapped in EAL's default VFIO
 * container, so every device bound to vfio-pci in this process can reach
 * them at their IOVA. The entries given to VFIO are refcounted extents
 * (vfio_extent.c), not one per window, because type1 holds at most
 * dma_entry_limit of them and cannot split one.
 *
 * Argument (rte_vmap_params.iommu_args): dma_entry_limit=N, the most
 * entries this space may hold. Two limits bind: type1's dma_entry_limit
 * module parameter (65535 by default), and, lower, the table in which
 * DPDK 22.11's rte_vfio_container_dma_map() records every user mapping of
 * the container so it can replay them on hotplug: VFIO_MAX_USER_MEM_MAPS,
 * 256 entries for the default container, shared by all of the process
 * (neighbours contiguous in VA and IOVA and of one size merge in it); past
 * it a map fails with ENOMEM. The default is that 256; a larger N only
 * helps with an EAL built with a larger table.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_vfio.h>

#include "rte_vmap.h"
#include "rte_vmap_iommu.h"
#include "vfio_extent.h"
#include "vfio_private.h"

RTE_LOG_REGISTER_SUFFIX(vmap_vfio_logtype, vfio, NOTICE);

#define VFIO_ARG_ENTRY_LIMIT "dma_entry_limit"
/* DPDK 22.11 eal_vfio.c: VFIO_MAX_USER_MEM_MAPS (see the top of the file). */
#define VFIO_ENTRY_LIMIT_DEFAULT 256

static int
vfio_dma_map(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	RTE_SET_USED(ctx);
	if (rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD, va, iova, len) == 0)
		return 0;
	VFIO_LOG(ERR, "VFIO DMA map of 0x%" PRIx64 " at IOVA 0x%" PRIx64 "+%" PRIu64
		" failed: %s", va, iova, len, rte_strerror(rte_errno));
	return rte_errno != 0 ? -rte_errno : -EIO;
}

static int
vfio_dma_unmap(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	RTE_SET_USED(ctx);
	if (rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD, va, iova, len) == 0)
		return 0;
	VFIO_LOG(ERR, "VFIO DMA unmap of IOVA 0x%" PRIx64 "+%" PRIu64 " failed: %s",
		iova, len, rte_strerror(rte_errno));
	return rte_errno != 0 ? -rte_errno : -EIO;
}

static const struct vfio_extent_ops vfio_dma_ops = {
	.map = vfio_dma_map,
	.unmap = vfio_dma_unmap,
};

static int
parse_limit(const char *key, const char *value, void *opaque)
{
	uint32_t *limit = opaque;
	unsigned long v;
	char *end;

	/* strtoul() takes "-1" as a huge number: demand a digit first. */
	if (value != NULL && isdigit((unsigned char)value[0])) {
		errno = 0;
		v = strtoul(value, &end, 0);
		if (errno == 0 && *end == '\0' && v >= 1 && v <= UINT32_MAX) {
			*limit = v;
			return 0;
		}
	}
	VFIO_LOG(ERR, "%s=%s: expected an integer from 1", key, value == NULL ? "" : value);
	return -1;
}

static int
parse_args(const char *args, uint32_t *limit)
{
	static const char * const keys[] = { VFIO_ARG_ENTRY_LIMIT, NULL };
	struct rte_kvargs *kv;
	int ret;

	if (args == NULL || args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(args, keys);
	if (kv == NULL) {
		VFIO_LOG(ERR, "cannot parse \"%s\": the key is " VFIO_ARG_ENTRY_LIMIT, args);
		return -EINVAL;
	}
	ret = rte_kvargs_process(kv, VFIO_ARG_ENTRY_LIMIT, parse_limit, limit);
	rte_kvargs_free(kv);
	return ret == 0 ? 0 : -EINVAL;
}

static int
vfio_open(struct rte_vmap *vm, const char *args, void **priv)
{
	enum rte_vmap_iova_mode iova_mode = rte_vmap_iova_mode_get(vm);
	uint32_t limit = VFIO_ENTRY_LIMIT_DEFAULT;
	enum vfio_extent_mode mode;
	struct vfio_extents *x;
	int ret;

	if (rte_vfio_is_enabled("vfio") == 0) {
		VFIO_LOG(ERR, "VFIO is not enabled: bind a device to vfio-pci "
			"(dpdk-devbind.py -b vfio-pci <PCI address>) and let EAL probe it, "
			"or use the \"none\" or \"sim\" IOMMU driver");
		return -ENODEV;
	}
	/* No-IOMMU VFIO maps nothing: devices would see physical addresses. */
	if (rte_vfio_noiommu_is_enabled() == 1 && iova_mode != RTE_VMAP_IOVA_PA) {
		VFIO_LOG(ERR, "VFIO is in no-IOMMU mode: only the PA IOVA mode works");
		return -ENOTSUP;
	}
	ret = parse_args(args, &limit);
	if (ret != 0)
		return ret;
	switch (iova_mode) {
	case RTE_VMAP_IOVA_VA:
		mode = VFIO_EXTENT_LINEAR;
		break;
	case RTE_VMAP_IOVA_PA:
		/* The library maps PA runs inside one backing page each. */
		mode = VFIO_EXTENT_PER_PAGE;
		break;
	default:
		mode = VFIO_EXTENT_EXACT;
		break;
	}
	x = vfio_extents_create(mode, rte_vmap_page_size(vm), limit, &vfio_dma_ops, NULL);
	if (x == NULL)
		return -rte_errno;
	*priv = x;
	return 0;
}

static void
vfio_close(void *priv)
{
	vfio_extents_destroy(priv);
}

static int
vfio_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	return vfio_extents_map(priv, (uintptr_t)va, iova, len);
}

static int
vfio_unmap(void *priv, rte_iova_t iova, size_t len)
{
	return vfio_extents_unmap(priv, iova, len);
}

/*
 * Nothing to do: type1's unmap ioctl invalidates the IOTLB (iotlb_sync)
 * before it returns, so no stale translation outlives an unmap. User space
 * cannot defer that flush; laziness here can only mean later, larger
 * unmaps, which the library's batching already gives.
 */
static int
vfio_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	RTE_SET_USED(priv);
	RTE_SET_USED(start);
	RTE_SET_USED(end);
	return 0;
}

static struct rte_vmap_iommu_ops iommu_vfio_ops = {
	.name = "vfio",
	.open = vfio_open,
	.close = vfio_close,
	.map = vfio_map,
	.unmap = vfio_unmap,
	.flush = vfio_flush,
};

RTE_VMAP_IOMMU_REGISTER(iommu_vfio_ops);
