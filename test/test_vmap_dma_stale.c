/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_dma_stale_autotest: a freed window is not DMA-reachable, with real
 * DMA. The header promises that once rte_vmap_purge() returned 0 (or
 * rte_vmap_free() returned, in a RTE_VMAP_F_STRICT space) no stale IOMMU
 * translation of freed memory remains. Each case:
 *
 *   1. fills a window of a "vfio" space with a frame unique to the case;
 *   2. control: NIC A sends it from the window's IOVA; it must arrive on B
 *      intact, with no DMAR fault;
 *   3. frees the window, then purges (or not, in a strict space);
 *   4. NIC A sends from the same IOVA again: the frame must not arrive,
 *      and the kernel must log a DMAR fault naming the page of that IOVA
 *      (dma_kmsg.c). QEMU's e1000e (hw/net/e1000e_core.c) drops a
 *      frame whose buffer the IOMMU does not translate: the fragment is
 *      skipped (skip_cp) and nothing reaches the wire, though the
 *      descriptor completes and DPDK's TX counter may count it. So
 *      nothing at all may arrive on B: neither the window's bytes nor
 *      any other frame.
 *
 * Placement: a window alone on its backing page (a 2 MiB window on its
 * 2 MiB page; a 4 KiB block window in a space of 4 KiB pages), and a 4 KiB
 * window whose 2 MiB backing page still holds a live window after the free
 * (the case a driver that maps whole backing pages gets wrong). VA and
 * DOMAIN IOVA modes, windows of rte_vmap_alloc() and rte_vmap_block_alloc().
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "vmap_test_util.h"
#include "dma_harness.h"

#define NEIGHBOURS_MAX 64
#define CONTROL_MS     1000 /* the control frame arrives within */
#define STALE_MS       800  /* a stale frame would have arrived within */
#define FAULT_MS       2000 /* the DMAR fault is logged within */

/* What the CPU sees of a frame sent from a freed IOVA. */
static uint8_t shadow[DMA_FRAME_MAX];

struct stale {
	enum rte_vmap_iova_mode mode;
	bool block;
	bool shared;
	bool strict;
	struct rte_vmap *vm;
	void *target;
	size_t size;
	void *nb[NEIGHBOURS_MAX];
	unsigned int nb_n;
};

static void *
window_alloc(struct stale *s, size_t size)
{
	if (s->block)
		return rte_vmap_block_alloc(s->vm, size);
	return rte_vmap_alloc(s->vm, size, size >= RTE_VMAP_PAGE_2M ? RTE_VMAP_PAGE_2M : 0,
		SOCKET_ID_ANY);
}

static int
window_free(struct stale *s, void *w, size_t size)
{
	if (s->block)
		return rte_vmap_block_free(s->vm, w, size);
	return rte_vmap_free(s->vm, w);
}

static bool
same_page(const void *a, const void *b)
{
	return ((uintptr_t)a >> 21) == ((uintptr_t)b >> 21);
}

/* The target window, and in the shared case a live neighbour on its page. */
static int
stale_alloc(struct stale *s)
{
	void *w;

	s->target = window_alloc(s, s->size);
	TEST_ASSERT_NOT_NULL(s->target, "alloc of %zu: %s", s->size, rte_strerror(rte_errno));
	if (!s->shared)
		return TEST_SUCCESS;
	while (s->nb_n < NEIGHBOURS_MAX) {
		w = window_alloc(s, s->size);
		TEST_ASSERT_NOT_NULL(w, "neighbour alloc: %s", rte_strerror(rte_errno));
		s->nb[s->nb_n++] = w;
		if (same_page(w, s->target))
			return TEST_SUCCESS;
	}
	TEST_ASSERT(false, "no window of %u on the target's 2 MiB page", NEIGHBOURS_MAX);
	return TEST_FAILED;
}

/* Before the free: the frame arrives, intact, and nothing faults. */
int
dma_stale_control(const struct dma_frame *f, uint32_t run)
{
	unsigned int arrived, intact, faults = 0;
	bool named;

	if (dma_kmsg >= 0)
		dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &named, NULL, 0);
	arrived = dma_send_watch(f, run, CONTROL_MS, &intact);
	if (dma_kmsg >= 0)
		faults = dma_kmsg_faults(dma_kmsg, f->iova, &named, NULL, 0);
	printf("dma: control from IOVA 0x%" PRIx64 ": %u arrived, %u intact, %u DMAR faults\n",
		f->iova, arrived, intact, faults);
	TEST_ASSERT(arrived == 1 && intact == 1, "the live window's frame did not arrive"
		" intact (%u frames, %u intact)", arrived, intact);
	TEST_ASSERT_EQUAL(faults, 0u, "a DMA from a live window faulted");
	return dma_tx_release();
}

/* After the free: the frame does not arrive, and a DMAR fault names the IOVA. */
int
dma_stale_probe(const struct dma_frame *f, uint32_t run, const char *requester)
{
	uint64_t start;
	unsigned int arrived, intact, faults;
	char line[256] = "";
	bool named = false, seen;

	dma_fault_pace();
	dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &seen, NULL, 0);
	arrived = dma_send_watch(f, run, STALE_MS, &intact);
	start = rte_get_timer_cycles();
	faults = 0;
	while (!named && dma_seconds_since(start) * 1000 < FAULT_MS) {
		faults += dma_kmsg_faults(dma_kmsg, f->iova, &seen, line, sizeof(line));
		named = named || seen;
		if (!named)
			rte_delay_us_sleep(20000);
	}
	printf("dma: stale send from IOVA 0x%" PRIx64 ": %u frames arrived (%u with the"
		" window's bytes), %u DMAR faults, %s\n", f->iova, arrived, intact, faults,
		named ? "one names that page" : "none names that page");
	TEST_ASSERT_EQUAL(arrived, 0u, "the freed window's IOVA 0x%" PRIx64 " is still"
		" DMA-reachable: its frame arrived%s", f->iova,
		intact ? " with the window's bytes" : "");
	TEST_ASSERT(named, "no DMAR fault names IOVA 0x%" PRIx64, f->iova);
	TEST_ASSERT(requester == NULL || strstr(line, requester) != NULL,
		"the DMAR fault does not name device %s: %s", requester, line);
	return dma_tx_release();
}

static int
stale_steps(struct stale *s)
{
	struct dma_frame f;
	uint32_t run = dma_new_run();
	unsigned int i;

	TEST_ASSERT_SUCCESS(stale_alloc(s), "alloc");
	f.va = s->target;
	f.iova = rte_vmap_virt2iova(s->vm, s->target);
	f.index = 0;
	f.len = DMA_FRAME_MAX;
	TEST_ASSERT(f.iova != RTE_BAD_IOVA, "no IOVA");
	dma_frame_fill(s->target, run, 0, f.len);
	VMAP_TEST_VERIFY(s->vm);
	TEST_ASSERT_SUCCESS(dma_stale_control(&f, run), "control");

	TEST_ASSERT_SUCCESS(window_free(s, s->target, s->size), "free");
	s->target = NULL;
	if (!s->strict)
		TEST_ASSERT_SUCCESS(rte_vmap_purge(s->vm), "purge");
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(s->vm, f.va), RTE_BAD_IOVA, "freed, translated");
	VMAP_TEST_VERIFY(s->vm);
	/*
	 * The device reads the old IOVA; the CPU must not touch the freed VA
	 * (it may be unmapped, and a PMD may read the frame: virtio's TX
	 * statistics look at the destination MAC), so the mbuf's address is
	 * a copy of the frame.
	 */
	dma_frame_fill(shadow, run, 0, f.len);
	f.va = shadow;
	TEST_ASSERT_SUCCESS(dma_stale_probe(&f, run, NULL), "stale probe");

	for (i = 0; i < s->nb_n; i++) {
		TEST_ASSERT_SUCCESS(window_free(s, s->nb[i], s->size), "free neighbour");
		s->nb[i] = NULL;
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(s->vm), "purge");
	return TEST_SUCCESS;
}

static int
run_stale(enum rte_vmap_iova_mode mode, bool block, bool shared, bool strict)
{
	struct stale s = { .mode = mode, .block = block, .shared = shared, .strict = strict };
	char name[RTE_VMAP_NAMESIZE];
	size_t page;
	bool skip;
	int ret;

	if (dma_kmsg < 0) {
		printf("dma: /dev/kmsg cannot be read: no way to see a DMAR fault\n");
		return TEST_FAILED;
	}
	/* Alone: a 2 MiB window on its page, or a 4 KiB block window on a 4 KiB page. */
	page = shared || !block ? RTE_VMAP_PAGE_2M : RTE_VMAP_PAGE_4K;
	s.size = shared || block ? 4096 : RTE_VMAP_PAGE_2M;
	printf("dma: stale, %s %s window of %zu KiB %s on %zu KiB pages, %s\n",
		rte_vmap_iova_mode_name(mode), block ? "block" : "normal", s.size >> 10,
		shared ? "sharing its page with a live window" : "alone on its page",
		page >> 10, strict ? "strict space, no purge" : "freed and purged");
	snprintf(name, sizeof(name), "dma_s_%c%c%c%c", mode == RTE_VMAP_IOVA_VA ? 'v' : 'd',
		block ? 'b' : 'n', shared ? 's' : 'a', strict ? 's' : 'p');
	s.vm = dma_space(name, mode, page, (size_t)1 << 30, strict ? RTE_VMAP_F_STRICT : 0,
		&skip);
	if (s.vm == NULL)
		return skip ? TEST_SKIPPED : TEST_FAILED;
	ret = stale_steps(&s);
	if (s.target != NULL && window_free(&s, s.target, s.size) != 0)
		ret = TEST_FAILED;
	while (s.nb_n > 0)
		if (s.nb[--s.nb_n] != NULL && window_free(&s, s.nb[s.nb_n], s.size) != 0)
			ret = TEST_FAILED;
	if (rte_vmap_verify(s.vm) != 0) {
		printf("dma: rte_vmap_verify() failed after the case\n");
		ret = TEST_FAILED;
	}
	rte_vmap_destroy(s.vm);
	return ret;
}

#define STALE_CASE(fn, mode, block, shared, strict) \
	static int fn(void) \
	{ \
		return run_stale(mode, block, shared, strict); \
	}

#define VA RTE_VMAP_IOVA_VA
#define DOM RTE_VMAP_IOVA_DOMAIN
STALE_CASE(test_stale_va_normal_alone_purge, VA, false, false, false)
STALE_CASE(test_stale_va_block_alone_purge, VA, true, false, false)
STALE_CASE(test_stale_va_normal_shared_purge, VA, false, true, false)
STALE_CASE(test_stale_va_block_shared_purge, VA, true, true, false)
STALE_CASE(test_stale_va_normal_alone_strict, VA, false, false, true)
STALE_CASE(test_stale_va_block_alone_strict, VA, true, false, true)
STALE_CASE(test_stale_va_normal_shared_strict, VA, false, true, true)
STALE_CASE(test_stale_va_block_shared_strict, VA, true, true, true)
STALE_CASE(test_stale_domain_normal_alone_purge, DOM, false, false, false)
STALE_CASE(test_stale_domain_block_alone_purge, DOM, true, false, false)
STALE_CASE(test_stale_domain_normal_shared_purge, DOM, false, true, false)
STALE_CASE(test_stale_domain_block_shared_purge, DOM, true, true, false)
STALE_CASE(test_stale_domain_normal_alone_strict, DOM, false, false, true)
STALE_CASE(test_stale_domain_block_alone_strict, DOM, true, false, true)
STALE_CASE(test_stale_domain_normal_shared_strict, DOM, false, true, true)
STALE_CASE(test_stale_domain_block_shared_strict, DOM, true, true, true)
#undef VA
#undef DOM

static struct unit_test_suite dma_stale_suite = {
	.suite_name = "vmap real DMA: freed windows are not reachable",
	.setup = dma_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_stale_va_normal_alone_purge),
		TEST_CASE(test_stale_va_block_alone_purge),
		TEST_CASE(test_stale_va_normal_shared_purge),
		TEST_CASE(test_stale_va_block_shared_purge),
		TEST_CASE(test_stale_va_normal_alone_strict),
		TEST_CASE(test_stale_va_block_alone_strict),
		TEST_CASE(test_stale_va_normal_shared_strict),
		TEST_CASE(test_stale_va_block_shared_strict),
		TEST_CASE(test_stale_domain_normal_alone_purge),
		TEST_CASE(test_stale_domain_block_alone_purge),
		TEST_CASE(test_stale_domain_normal_shared_purge),
		TEST_CASE(test_stale_domain_block_shared_purge),
		TEST_CASE(test_stale_domain_normal_alone_strict),
		TEST_CASE(test_stale_domain_block_alone_strict),
		TEST_CASE(test_stale_domain_normal_shared_strict),
		TEST_CASE(test_stale_domain_block_shared_strict),
		TEST_CASES_END()
	}
};

static int
test_vmap_dma_stale(void)
{
	return unit_test_suite_runner(&dma_stale_suite);
}

REGISTER_VM_TEST(vmap_dma_stale_autotest, test_vmap_dma_stale);
