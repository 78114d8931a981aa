/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Read-only facts about a space that IOMMU drivers need to lay out their
 * mappings (drivers are compiled into the library but see only the public
 * headers, so they ask through these rather than reading struct rte_vmap).
 */

#include <errno.h>
#include <string.h>

#include "rte_vmap_iommu.h"
#include "vmap_private.h"

size_t
rte_vmap_page_size(const struct rte_vmap *vm)
{
	return vm == NULL ? 0 : vm->backing.page_size;
}

enum rte_vmap_iova_mode
rte_vmap_iova_mode_get(const struct rte_vmap *vm)
{
	/* AUTO is resolved at creation: the field holds VA, PA or DOMAIN. */
	return vm == NULL ? RTE_VMAP_IOVA_AUTO : vm->iova_mode;
}

const char *
rte_vmap_iova_mode_name(enum rte_vmap_iova_mode mode)
{
	switch (mode) {
	case RTE_VMAP_IOVA_AUTO:
		return "AUTO";
	case RTE_VMAP_IOVA_VA:
		return "VA";
	case RTE_VMAP_IOVA_PA:
		return "PA";
	case RTE_VMAP_IOVA_DOMAIN:
		return "DOMAIN";
	}
	return "unknown";
}

int
rte_vmap_iommu_space_get(const struct rte_vmap *vm, struct rte_vmap_iommu_space *s)
{
	if (vm == NULL || s == NULL)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->va_base = vm->map_base;
	s->va_size = vm->map_len;
	s->iova_mode = vm->iova_mode;
	if (vm->iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		s->iova_base = vm->iova_base;
		s->iova_size = vm->iova_size;
	}
	s->page_size = vm->backing.page_size;
	return 0;
}
