/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Registration of the library's trace points (vmap_trace.h). The
 * registration header must come before the trace point header: it turns
 * each RTE_TRACE_POINT into the function that describes its fields.
 */

#include <rte_trace_point_register.h>

#include "vmap_trace.h"

RTE_TRACE_POINT_REGISTER(rte_vmap_trace_alloc,
	lib.vmap.alloc)

RTE_TRACE_POINT_REGISTER(rte_vmap_trace_free,
	lib.vmap.free)

RTE_TRACE_POINT_REGISTER(rte_vmap_trace_purge,
	lib.vmap.purge)

RTE_TRACE_POINT_REGISTER(rte_vmap_trace_flush,
	lib.vmap.flush)
