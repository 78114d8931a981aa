/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The "vfio" IOMMU driver: each window is one DMA entry of EAL's default
 * VFIO container (vfio_container.h says why that container and why our
 * own ioctls), so every device bound to vfio-pci in this process, probed
 * now or hotplugged later, reaches it at its IOVA, and nothing else:
 *
 * - One entry per map call (a window; in PA mode a run inside one backing
 *   page), never one per backing page: a freed window must be unreachable
 *   once its unmap returns even when its page holds live windows, and
 *   type1 cannot split an entry. The library's purge merges touching
 *   ranges into one unmap; type1 removes every whole entry inside it.
 * - Entries per container are capped by type1's dma_entry_limit module
 *   parameter (65,535 by default): one per live window, block windows
 *   included, plus EAL's own. Past it a map fails with ENOSPC, and the log
 *   says which parameter to raise.
 * - IOVAs must be ones the IOMMU translates: at open, a VA space's
 *   reservation (its IOVAs) and a DOMAIN space's IOVA range must each lie
 *   inside one of the container's usable ranges (below the IOMMU's width,
 *   outside reserved regions such as the MSI window), or the space is
 *   refused with ERANGE. The library places its reservations below the
 *   width already (vmap_reserve.c); this catches what it could not know.
 * - flush has nothing to do: type1's unmap ioctl invalidates the IOTLB
 *   before it returns (iommu_iotlb_sync()), so no stale translation
 *   outlives an unmap. Laziness here means later, larger unmaps, which the
 *   library's batching gives.
 *
 * No argument is taken: a former dma_entry_limit=N argument (a cap of
 * this driver's own) is accepted and ignored, with a notice.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "rte_vmap.h"
#include "rte_vmap_iommu.h"
#include "vfio_container.h"
#include "vfio_private.h"

RTE_LOG_REGISTER_SUFFIX(vmap_vfio_logtype, vfio, NOTICE);

/* Fewer free entries than this at open is worth a notice. */
#define VFIO_FEW_ENTRIES 4096

struct vfio_space {
	struct vfio_container c;
	uint64_t mapped;     /* bytes mapped by this space (atomic) */
	uint64_t own_start;  /* VA and DOMAIN: the IOVA range only this space maps */
	uint64_t own_len;
};

static int
check_space(struct vfio_space *vs, const struct rte_vmap_iommu_space *s)
{
	const struct vfio_container *c = &vs->c;
	uint64_t start, len, top = vfio_container_top(c);
	const char *what;

	if (s->iova_mode == RTE_VMAP_IOVA_VA) {
		start = s->va_base;
		len = s->va_size;
		what = "VA reservation (VA mode's IOVAs)";
	} else if (s->iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		start = s->iova_base;
		len = s->iova_size;
		what = "DOMAIN IOVA range";
	} else {
		/* PA: physical addresses, known per page; a map outside fails alone. */
		return 0;
	}
	if (vfio_container_covers(c, start, len)) {
		vs->own_start = start;
		vs->own_len = len;
		return 0;
	}
	VFIO_LOG(ERR, "the %s 0x%" PRIx64 "-0x%" PRIx64 " is not inside one range the IOMMU "
		"translates (it stops at 0x%" PRIx64 ", a %u-bit address width, and skips "
		"reserved regions): lower va_size/iova_size or move iova_base", what, start,
		start + len, top, top == 0 ? 0 : rte_fls_u64(top - 1));
	return -ERANGE;
}

static void
note_entries(const struct vfio_container *c)
{
	if (c->dma_avail < 0)
		return;
	VFIO_LOG(INFO, "%" PRId64 " DMA entries free in the container", c->dma_avail);
	if (c->dma_avail < VFIO_FEW_ENTRIES)
		VFIO_LOG(NOTICE, "only %" PRId64 " VFIO DMA entries free: each window takes "
			"one; raise /sys/module/vfio_iommu_type1/parameters/dma_entry_limit "
			"(before EAL starts) for more live windows", c->dma_avail);
}

static int
vfio_open(struct rte_vmap *vm, const char *args, void **priv)
{
	struct rte_vmap_iommu_space s;
	struct vfio_space *vs;
	int ret;

	if (rte_vfio_is_enabled("vfio") == 0) {
		VFIO_LOG(ERR, "VFIO is not enabled: bind a device to vfio-pci "
			"(dpdk-devbind.py -b vfio-pci <PCI address>) and let EAL probe it, "
			"or use the \"none\" or \"sim\" IOMMU driver");
		return -ENODEV;
	}
	/* No-IOMMU VFIO maps nothing: devices would see physical addresses. */
	if (rte_vfio_noiommu_is_enabled() == 1) {
		VFIO_LOG(ERR, "VFIO is in no-IOMMU mode: there is no IOMMU to map windows in; "
			"use the \"none\" driver with RTE_VMAP_IOVA_PA");
		return -ENOTSUP;
	}
	if (args != NULL && args[0] != '\0')
		VFIO_LOG(NOTICE, "arguments \"%s\" ignored: the driver takes none (type1's "
			"dma_entry_limit module parameter bounds the windows)", args);
	vs = calloc(1, sizeof(*vs));
	if (vs == NULL)
		return -ENOMEM;
	ret = vfio_container_open(&vs->c);
	if (ret == 0) {
		rte_vmap_iommu_space_get(vm, &s);
		ret = check_space(vs, &s);
	}
	if (ret != 0) {
		vfio_container_close(&vs->c);
		free(vs);
		return ret;
	}
	note_entries(&vs->c);
	*priv = vs;
	return 0;
}

static void
vfio_close(void *priv)
{
	struct vfio_space *vs = priv;
	uint64_t left = __atomic_load_n(&vs->mapped, __ATOMIC_RELAXED);
	uint64_t swept = 0;

	/*
	 * The library unmaps every window before close: nothing should be
	 * left. Should something be, a VA or DOMAIN range is this space's
	 * alone, so one unmap over it leaves no device a way in.
	 */
	if (vs->own_len != 0)
		vfio_container_unmap(&vs->c, vs->own_start, vs->own_len, &swept);
	if (left != 0 || swept != 0)
		VFIO_LOG(ERR, "%" PRIu64 " bytes left mapped at close (%" PRIu64 " swept)",
			left, swept);
	vfio_container_close(&vs->c);
	free(vs);
}

static int
vfio_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	struct vfio_space *vs = priv;
	int ret;

	ret = vfio_container_map(&vs->c, (uintptr_t)va, iova, len);
	if (ret == 0) {
		__atomic_fetch_add(&vs->mapped, len, __ATOMIC_RELAXED);
		return 0;
	}
	if (ret == -ENOSPC)
		VFIO_LOG(ERR, "VFIO DMA map at IOVA 0x%" PRIx64 "+%zu: the container is out of "
			"DMA entries (one per window): raise vfio_iommu_type1's dma_entry_limit "
			"(/sys/module/vfio_iommu_type1/parameters/dma_entry_limit, before EAL "
			"starts)", iova, len);
	else
		VFIO_LOG(ERR, "VFIO DMA map of %p at IOVA 0x%" PRIx64 "+%zu failed: %s",
			va, iova, len, strerror(-ret));
	return ret;
}

static int
vfio_unmap(void *priv, rte_iova_t iova, size_t len)
{
	struct vfio_space *vs = priv;
	uint64_t done = 0;
	int ret;

	ret = vfio_container_unmap(&vs->c, iova, len, &done);
	if (ret != 0) {
		VFIO_LOG(ERR, "VFIO DMA unmap of IOVA 0x%" PRIx64 "+%zu failed: %s",
			iova, len, strerror(-ret));
		return ret;
	}
	/*
	 * Success means nothing is mapped in the range any more, which is all
	 * the library needs; less than len removed means the range held holes,
	 * which the library's invariants exclude: say so.
	 */
	if (done != len)
		VFIO_LOG(WARNING, "VFIO DMA unmap of IOVA 0x%" PRIx64 "+%zu removed %" PRIu64
			" bytes", iova, len, done);
	__atomic_fetch_sub(&vs->mapped, done, __ATOMIC_RELAXED);
	return 0;
}

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
	.flags = RTE_VMAP_IOMMU_F_EAL_DOMAIN | RTE_VMAP_IOMMU_F_PINS,
};

RTE_VMAP_IOMMU_REGISTER(iommu_vfio_ops);
