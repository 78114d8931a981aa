/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TRACE_H_
#define _VMAP_TRACE_H_

/*
 * Trace points of the library (DPDK rte_trace), registered in
 * vmap_trace_points.c as lib.vmap.alloc, lib.vmap.free, lib.vmap.purge and
 * lib.vmap.flush. Enable them with the EAL option --trace=lib.vmap.* (or
 * rte_trace_regexp_enable()); the CTF output is written at
 * rte_eal_cleanup() or rte_trace_save(), to be read with babeltrace.
 *
 * Not installed: every trace API of DPDK 22.11 is experimental, and an
 * installed header would make applications that include it need
 * ALLOW_EXPERIMENTAL_API for nothing they can call. The trace points are
 * emitted inside the library only.
 *
 * Not RTE_TRACE_POINT_FP: the installed 22.11 build config compiles fast
 * path trace points out. A disabled trace point costs one load and one
 * predictable branch, and none of these is on a per-packet path.
 *
 * Field names are the argument names (CTF field names): keep them plain
 * identifiers and clear of CTF keywords ("align", "event").
 */

#include <rte_trace_point.h>

#include "vmap_private.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The space name to trace: "" for a NULL space (a misuse, still traced). */
static inline const char *
vmap_trace_space(const struct rte_vmap *vm)
{
	return vm != NULL ? vm->name : "";
}

/* rte_vmap_alloc(): the request and its result (NULL on failure). */
RTE_TRACE_POINT(
	rte_vmap_trace_alloc,
	RTE_TRACE_POINT_ARGS(const char *space, size_t size, size_t alignment,
		int socket_id, const void *addr),
	rte_trace_point_emit_string(space);
	rte_trace_point_emit_size_t(size);
	rte_trace_point_emit_size_t(alignment);
	rte_trace_point_emit_int(socket_id);
	rte_trace_point_emit_ptr(addr);
)

/* rte_vmap_free(): the window and the result (0 or -errno). */
RTE_TRACE_POINT(
	rte_vmap_trace_free,
	RTE_TRACE_POINT_ARGS(const char *space, const void *addr, int result),
	rte_trace_point_emit_string(space);
	rte_trace_point_emit_ptr(addr);
	rte_trace_point_emit_int(result);
)

/*
 * One purge batch over nodes [first_node, first_node + nr_nodes): lazy
 * ranges and block dirt taken, bytes purged or drained back.
 */
RTE_TRACE_POINT(
	rte_vmap_trace_purge,
	RTE_TRACE_POINT_ARGS(const char *space, uint32_t first_node, uint32_t nr_nodes,
		uint64_t ranges, uint64_t bytes),
	rte_trace_point_emit_string(space);
	rte_trace_point_emit_u32(first_node);
	rte_trace_point_emit_u32(nr_nodes);
	rte_trace_point_emit_u64(ranges);
	rte_trace_point_emit_u64(bytes);
)

/* An IOMMU driver flush of [start, end) of IOVA, and its result. */
RTE_TRACE_POINT(
	rte_vmap_trace_flush,
	RTE_TRACE_POINT_ARGS(const char *space, uint64_t start, uint64_t end, int result),
	rte_trace_point_emit_string(space);
	rte_trace_point_emit_u64(start);
	rte_trace_point_emit_u64(end);
	rte_trace_point_emit_int(result);
)

#ifdef __cplusplus
}
#endif

#endif /* _VMAP_TRACE_H_ */
