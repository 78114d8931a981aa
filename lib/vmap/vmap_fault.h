/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_FAULT_H_
#define _VMAP_FAULT_H_

/*
 * Fault points (rte_vmap_fault.h): the library's calls that can fail for
 * reasons outside it, each behind VMAP_FAULT(point). A failed point must
 * look exactly like the real call failing, so that the error path tested
 * is the one a real failure takes; the wrappers below do that for the
 * calls made in several places.
 *
 * Without RTE_VMAP_FAULT_INJECTION, VMAP_FAULT() is a constant false and
 * every wrapper is the bare call: no counter, no branch, no cost.
 *
 * Calls that give memory back (munmap, the PROT_NONE mmap over a released
 * page, free) have no point: their failure has no error path to test.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <rte_branch_prediction.h>

#include "rte_vmap_config.h"
#include "rte_vmap_fault.h"

#ifdef RTE_VMAP_FAULT_INJECTION
/* Count a call of p; true if it must fail (vmap_fault.c). */
bool vmap_fault_hit(enum rte_vmap_fault_point p);
#define VMAP_FAULT(p) unlikely(vmap_fault_hit(p))
#else
#define VMAP_FAULT(p) false
#endif

/* In a wrapper: if point p fails, return ret with errno set to err, as the call would. */
#define VMAP_FAULT_RETURN(p, err, ret) do { \
	if (VMAP_FAULT(p)) { \
		errno = (err); \
		return (ret); \
	} \
} while (0)

/* mmap() of new memory. */
static inline void *
vmap_fault_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	VMAP_FAULT_RETURN(RTE_VMAP_FAULT_MMAP, ENOMEM, MAP_FAILED);
	return mmap(addr, len, prot, flags, fd, off);
}

/* The allocator calls of the library's metadata. */
static inline void *
vmap_fault_malloc(size_t size)
{
	VMAP_FAULT_RETURN(RTE_VMAP_FAULT_ALLOC, ENOMEM, NULL);
	return malloc(size);
}

static inline void *
vmap_fault_calloc(size_t n, size_t size)
{
	VMAP_FAULT_RETURN(RTE_VMAP_FAULT_ALLOC, ENOMEM, NULL);
	return calloc(n, size);
}

static inline void *
vmap_fault_aligned_alloc(size_t align, size_t size)
{
	VMAP_FAULT_RETURN(RTE_VMAP_FAULT_ALLOC, ENOMEM, NULL);
	return aligned_alloc(align, size);
}

/* As realloc(): on failure the old block is left as it was. */
static inline void *
vmap_fault_realloc(void *p, size_t size)
{
	VMAP_FAULT_RETURN(RTE_VMAP_FAULT_ALLOC, ENOMEM, NULL);
	return realloc(p, size);
}

#endif /* _VMAP_FAULT_H_ */
