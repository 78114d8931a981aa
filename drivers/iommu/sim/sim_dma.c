/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The device side of the "sim" IOMMU: accesses through an IOVA, page by
 * page, as a device's DMA engine issues them, and the counters.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>

#include "sim_private.h"

/*
 * Translate one IOVA page as hardware would (IOTLB, then the page table),
 * and also walk the page table on a hit: the hardware would trust the hit,
 * so a hit whose translation is gone or changed is an access to memory the
 * library may already have freed or given to another window.
 */
static int
translate_page(struct sim_space *s, uint64_t pfn, uintptr_t *va_page)
{
	uintptr_t cached, walked;
	bool hit = sim_iotlb_lookup(&s->iotlb, pfn, &cached);
	int ret = sim_pgtable_lookup(&s->pgtable, pfn, &walked);

	if (hit) {
		s->stats.iotlb_hits++;
		if (ret != 0 || walked != cached) {
			s->stats.faults_stale++;
			return -EFAULT;
		}
		*va_page = cached;
		return 0;
	}
	s->stats.iotlb_misses++;
	if (ret != 0) {
		s->stats.faults_missing++;
		return -EFAULT;
	}
	sim_iotlb_fill(&s->iotlb, pfn, walked);
	*va_page = walked;
	return 0;
}

/* One access: a write copies from wbuf, a read into rbuf. */
static int
dma(struct rte_vmap *vm, rte_iova_t iova, void *rbuf, const void *wbuf, size_t len,
		bool write)
{
	struct sim_space *s;
	uint64_t off, chunk;
	uintptr_t va_page;
	size_t done;
	int ret = 0;

	if (iova + len < iova) {
		SIM_LOG(ERR, "DMA of 0x%" PRIx64 "+%zu wraps", iova, len);
		return -EINVAL;
	}
	s = sim_space_get(vm);
	if (s == NULL) {
		SIM_LOG(ERR, "space %p has no simulated IOMMU", vm);
		return -ENODEV;
	}
	rte_spinlock_lock(&s->lock);
	if (write)
		s->stats.dma_writes++;
	else
		s->stats.dma_reads++;
	/*
	 * The copy runs under the lock, page by page: a flush (which takes
	 * the lock) completes only after the accesses in flight, so memory
	 * never goes away under a copy that passed translation.
	 */
	for (done = 0; done < len; done += chunk) {
		off = (iova + done) & (SIM_PAGE_SIZE - 1);
		chunk = RTE_MIN(SIM_PAGE_SIZE - off, (uint64_t)(len - done));
		ret = translate_page(s, (iova + done) >> SIM_PAGE_SHIFT, &va_page);
		if (ret != 0)
			break;
		if (write)
			memcpy((void *)(va_page + off), (const char *)wbuf + done, chunk);
		else
			memcpy((char *)rbuf + done, (const void *)(va_page + off), chunk);
	}
	rte_spinlock_unlock(&s->lock);
	sim_space_put();
	/* What a real IOMMU reports for a fault (the kernel's "DMAR: ... fault addr"). */
	if (ret != 0)
		SIM_LOG(ERR, "DMA %s fault at IOVA 0x%" PRIx64 ": no translation, or a stale one",
			write ? "write" : "read", iova + done);
	return ret;
}

/* The library's convention: a negative errno returned is also in rte_errno. */
static inline int
fail(int ret)
{
	if (ret != 0)
		rte_errno = -ret;
	return ret;
}

int
rte_vmap_iommu_sim_dma_read(struct rte_vmap *vm, rte_iova_t iova, void *buf, size_t len)
{
	if (buf == NULL && len != 0) {
		SIM_LOG(ERR, "NULL buffer");
		return fail(-EINVAL);
	}
	return fail(dma(vm, iova, buf, NULL, len, false));
}

int
rte_vmap_iommu_sim_dma_write(struct rte_vmap *vm, rte_iova_t iova, const void *buf,
		size_t len)
{
	if (buf == NULL && len != 0) {
		SIM_LOG(ERR, "NULL buffer");
		return fail(-EINVAL);
	}
	return fail(dma(vm, iova, NULL, buf, len, true));
}

int
rte_vmap_iommu_sim_stats_get(struct rte_vmap *vm, struct rte_vmap_iommu_sim_stats *st)
{
	struct sim_space *s;

	if (st == NULL)
		return fail(-EINVAL);
	s = sim_space_get(vm);
	if (s == NULL)
		return fail(-ENODEV);
	rte_spinlock_lock(&s->lock);
	*st = s->stats;
	rte_spinlock_unlock(&s->lock);
	sim_space_put();
	return 0;
}

int
rte_vmap_iommu_sim_translate(struct rte_vmap *vm, rte_iova_t iova, void **va)
{
	struct sim_space *s;
	uintptr_t va_page;
	int ret;

	if (va == NULL)
		return fail(-EINVAL);
	s = sim_space_get(vm);
	if (s == NULL)
		return fail(-ENODEV);
	rte_spinlock_lock(&s->lock);
	ret = sim_pgtable_lookup(&s->pgtable, iova >> SIM_PAGE_SHIFT, &va_page);
	rte_spinlock_unlock(&s->lock);
	sim_space_put();
	if (ret != 0)
		return fail(ret);
	*va = (void *)(va_page + (iova & (SIM_PAGE_SIZE - 1)));
	return 0;
}
