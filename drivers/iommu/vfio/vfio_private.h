/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VFIO_PRIVATE_H_
#define _VFIO_PRIVATE_H_

/* Logging shared by the files of the "vfio" IOMMU driver. Not installed. */

#include <rte_log.h>

extern int vmap_vfio_logtype;

#define VFIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmap_vfio_logtype, "VMAP_VFIO: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

#endif /* _VFIO_PRIVATE_H_ */
