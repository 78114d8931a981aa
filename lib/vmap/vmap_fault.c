/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Fault injection (rte_vmap_fault.h): the counters and arming of the fault
 * points, and the control API.
 *
 * A point's calls are numbered from 1 by an atomic counter. Arming stores
 * the number of the call that must fail (fail_at, once: the call that
 * matches clears it with a compare-and-swap, so two threads never both
 * take it) or the first of the calls that must all fail (fail_from).
 * Without RTE_VMAP_FAULT_INJECTION only the control API is built, and
 * it answers that there is nothing to control.
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "vmap_private.h"
#include "vmap_fault.h"

static const char * const vmap_fault_names[RTE_VMAP_FAULT_POINT_MAX] = {
	[RTE_VMAP_FAULT_MMAP] = "mmap",
	[RTE_VMAP_FAULT_MREMAP] = "mremap",
	[RTE_VMAP_FAULT_POPULATE] = "populate",
	[RTE_VMAP_FAULT_MBIND] = "mbind",
	[RTE_VMAP_FAULT_IOMMU_MAP] = "iommu_map",
	[RTE_VMAP_FAULT_IOMMU_UNMAP] = "iommu_unmap",
	[RTE_VMAP_FAULT_IOMMU_FLUSH] = "iommu_flush",
	[RTE_VMAP_FAULT_EXTMEM_REGISTER] = "extmem_register",
	[RTE_VMAP_FAULT_DEV_DMA_MAP] = "dev_dma_map",
	[RTE_VMAP_FAULT_ALLOC] = "alloc",
};

/* A bad point is a caller's bug: say so, as every entry point of the library does. */
static int
check_point(enum rte_vmap_fault_point p, const char *caller)
{
	if ((unsigned int)p < RTE_VMAP_FAULT_POINT_MAX)
		return 0;
	rte_log(RTE_LOG_ERR, vmap_logtype, "VMAP: %s(): no fault point %d\n", caller, (int)p);
	rte_errno = EINVAL;
	return -EINVAL;
}

const char *
rte_vmap_fault_name(enum rte_vmap_fault_point p)
{
	if (check_point(p, __func__) != 0)
		return NULL;
	return vmap_fault_names[p];
}

#ifdef RTE_VMAP_FAULT_INJECTION

/* One point. Every field is accessed with atomics: any thread may call or arm. */
struct vmap_fault_state {
	uint64_t calls;     /* calls so far (the last one's number) */
	uint64_t fail_at;   /* number of the call that fails once; 0 = none */
	uint64_t fail_from; /* number of the first call of those that all fail; 0 = none */
	uint64_t injected;  /* calls made to fail */
} __rte_cache_aligned;

static struct vmap_fault_state vmap_faults[RTE_VMAP_FAULT_POINT_MAX];

bool
vmap_fault_hit(enum rte_vmap_fault_point p)
{
	struct vmap_fault_state *f = &vmap_faults[p];
	uint64_t n = __atomic_add_fetch(&f->calls, 1, __ATOMIC_RELAXED);
	uint64_t at = __atomic_load_n(&f->fail_at, __ATOMIC_RELAXED);
	uint64_t from = __atomic_load_n(&f->fail_from, __ATOMIC_RELAXED);
	bool fail;

	fail = (at == n && __atomic_compare_exchange_n(&f->fail_at, &at, 0, false,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED)) || (from != 0 && n >= from);
	if (!fail)
		return false;
	__atomic_fetch_add(&f->injected, 1, __ATOMIC_RELAXED);
	VMAP_LOG(INFO, "fault injected: %s call %" PRIu64, vmap_fault_names[p], n);
	return true;
}

int
rte_vmap_fault_supported(void)
{
	return 1;
}

static int
arm(enum rte_vmap_fault_point p, uint64_t nth, bool from, const char *caller)
{
	struct vmap_fault_state *f;
	uint64_t target;

	if (check_point(p, caller) != 0)
		return -EINVAL;
	if (nth == 0) {
		rte_log(RTE_LOG_ERR, vmap_logtype, "VMAP: %s(): nth must be at least 1\n",
			caller);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	f = &vmap_faults[p];
	target = __atomic_load_n(&f->calls, __ATOMIC_RELAXED) + nth;
	/* Disarm the other kind first, so that no call sees the two of them. */
	__atomic_store_n(from ? &f->fail_at : &f->fail_from, 0, __ATOMIC_RELAXED);
	__atomic_store_n(from ? &f->fail_from : &f->fail_at, target, __ATOMIC_RELAXED);
	return 0;
}

int
rte_vmap_fault_arm(enum rte_vmap_fault_point p, uint64_t nth)
{
	return arm(p, nth, false, __func__);
}

int
rte_vmap_fault_arm_from(enum rte_vmap_fault_point p, uint64_t nth)
{
	return arm(p, nth, true, __func__);
}

int
rte_vmap_fault_disarm(enum rte_vmap_fault_point p)
{
	if (check_point(p, __func__) != 0)
		return -EINVAL;
	__atomic_store_n(&vmap_faults[p].fail_at, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vmap_faults[p].fail_from, 0, __ATOMIC_RELAXED);
	return 0;
}

void
rte_vmap_fault_disarm_all(void)
{
	unsigned int p;

	for (p = 0; p < RTE_VMAP_FAULT_POINT_MAX; p++)
		rte_vmap_fault_disarm(p);
}

uint64_t
rte_vmap_fault_calls(enum rte_vmap_fault_point p)
{
	if (check_point(p, __func__) != 0)
		return 0;
	return __atomic_load_n(&vmap_faults[p].calls, __ATOMIC_RELAXED);
}

uint64_t
rte_vmap_fault_injected(enum rte_vmap_fault_point p)
{
	if (check_point(p, __func__) != 0)
		return 0;
	return __atomic_load_n(&vmap_faults[p].injected, __ATOMIC_RELAXED);
}

#else /* !RTE_VMAP_FAULT_INJECTION */

int
rte_vmap_fault_supported(void)
{
	return 0;
}

/* Misuse first (it is a bug whatever the build), then the missing feature. */
static int
not_built(enum rte_vmap_fault_point p, const char *caller)
{
	if (check_point(p, caller) != 0)
		return -EINVAL;
	rte_log(RTE_LOG_ERR, vmap_logtype,
		"VMAP: %s(): built without fault injection (meson -Dfault_injection=true)\n",
		caller);
	rte_errno = ENOTSUP;
	return -ENOTSUP;
}

int
rte_vmap_fault_arm(enum rte_vmap_fault_point p, uint64_t nth)
{
	RTE_SET_USED(nth);
	return not_built(p, __func__);
}

int
rte_vmap_fault_arm_from(enum rte_vmap_fault_point p, uint64_t nth)
{
	RTE_SET_USED(nth);
	return not_built(p, __func__);
}

int
rte_vmap_fault_disarm(enum rte_vmap_fault_point p)
{
	return not_built(p, __func__);
}

void
rte_vmap_fault_disarm_all(void)
{
}

uint64_t
rte_vmap_fault_calls(enum rte_vmap_fault_point p)
{
	check_point(p, __func__);
	return 0;
}

uint64_t
rte_vmap_fault_injected(enum rte_vmap_fault_point p)
{
	check_point(p, __func__);
	return 0;
}

#endif /* RTE_VMAP_FAULT_INJECTION */
