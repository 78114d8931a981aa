/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Reach, with real DMA: N live windows of a "vfio" space, each holding a
 * distinct frame, are sent by NIC A from the window's own IOVA (an mbuf
 * whose external buffer is the window) and must arrive intact on NIC B,
 * with no DMAR fault in the kernel log. VA and DOMAIN IOVA modes, windows
 * from rte_vmap_alloc() and from rte_vmap_block_alloc().
 *
 *   vmap_dma_reach_autotest      N = 64 and 1,000: every window is sent.
 *   vmap_dma_reach_big_autotest  N = 100,000, all live at once, every
 *                                one sent (VMAP_DMA_SAMPLE=<n>: a random
 *                                sample of n; under TCG the e1000e pair
 *                                moves the 100,000 frames in under 1 s).
 *
 * Before anything is sent, every window's translation is checked:
 * rte_vmap_virt2iova() of its frame's first and last byte (contiguous)
 * and rte_vmap_find() agree, and in VA mode the IOVA is the address.
 *
 * Windows of 4 KiB and 8 KiB alternate (4 KiB only at 100,000); in an
 * 8 KiB window the frame straddles the page boundary, so the NIC's read
 * crosses two IOMMU pages. Needs two ports cabled back to back (the QEMU
 * guest of devtools/vm/, run by test/vm/dma-tests.sh); skips otherwise.
 * The stale-IOVA cases are test_vmap_dma_stale.c.
 *
 * vmap_dma_pa_autotest: PA mode in a guest without an IOMMU (run.sh --aw
 * none: the NICs on uio_pci_generic, EAL runs IOVA as PA), the "none"
 * driver: the NIC reads each window at its physical address. 4 KiB
 * windows (a frame never crosses a backing page), on 2 MiB pages and on
 * 1 GiB pages when the guest has them. Every frame's IOVA is pagemap's;
 * then the guest's memory is compacted, the IOVAs checked again, and only
 * then the frames are sent. PA on 4 KiB pages is refused (ENOTSUP).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_random.h>

#include "dma_harness.h"
#include "vmap_test_util.h"

#define BIG_N 100000

/* One reach run. */
struct reach {
	enum rte_vmap_iova_mode mode;
	bool block;
	unsigned int n;
	unsigned int sample; /* windows sent; n: all */
	size_t page_size;
	struct rte_vmap *vm;
	void **win;
	struct dma_frame *frames;
	uint32_t run;
};

/* PA: 4 KiB only, or a window could cross into a hugepage elsewhere in memory. */
static size_t
win_size(const struct reach *r, unsigned int i)
{
	return r->n > 1000 || r->mode == RTE_VMAP_IOVA_PA ? 4096 : 4096 * (1 + i % 2);
}

static void
frame_place(const struct reach *r, unsigned int i, struct dma_frame *f)
{
	size_t size = win_size(r, i);
	size_t off = size > 4096 ? 4096 - 48 : (i * 72) % (4096 - DMA_FRAME_MAX);

	f->va = (char *)r->win[i] + off;
	f->index = i;
	f->len = DMA_FRAME_MIN + (i * 37) % (DMA_FRAME_MAX - DMA_FRAME_MIN + 1);
}

static int
reach_alloc(struct reach *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		if (r->block)
			r->win[i] = rte_vmap_block_alloc(r->vm, win_size(r, i));
		else
			r->win[i] = rte_vmap_alloc(r->vm, win_size(r, i), 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(r->win[i], "%s alloc %u of %u: %s",
			r->block ? "block" : "normal", i, r->n, rte_strerror(rte_errno));
	}
	return TEST_SUCCESS;
}

/* Every window: its frame written, its translation present and linear. */
static int
reach_fill(struct reach *r)
{
	struct rte_vmap_window w;
	struct dma_frame *f;
	rte_iova_t last;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		f = &r->frames[i];
		frame_place(r, i, f);
		f->iova = rte_vmap_virt2iova(r->vm, f->va);
		last = rte_vmap_virt2iova(r->vm, (char *)f->va + f->len - 1);
		TEST_ASSERT(f->iova != RTE_BAD_IOVA, "window %u: no IOVA", i);
		TEST_ASSERT_EQUAL(last, f->iova + f->len - 1, "window %u: IOVA not contiguous", i);
		TEST_ASSERT_SUCCESS(rte_vmap_find(r->vm, f->va, &w), "window %u: find", i);
		TEST_ASSERT(w.va == r->win[i] && w.size == win_size(r, i) &&
			w.from_block == (int)r->block, "window %u: find says %p+%zu", i, w.va,
			w.size);
		TEST_ASSERT_EQUAL(w.iova + ((char *)f->va - (char *)w.va), f->iova,
			"window %u: find and virt2iova disagree", i);
		if (r->mode == RTE_VMAP_IOVA_VA)
			TEST_ASSERT_EQUAL(f->iova, (rte_iova_t)(uintptr_t)f->va, "VA mode IOVA");
		dma_frame_fill(f->va, r->run, i, f->len);
	}
	return TEST_SUCCESS;
}

/* The frames to send: all, or a random sample of distinct windows. */
static struct dma_frame *
reach_pick(struct reach *r)
{
	struct dma_frame *pick, t;
	unsigned int i, j;

	if (r->sample >= r->n)
		return r->frames;
	pick = malloc(sizeof(*pick) * r->n);
	if (pick == NULL)
		return NULL;
	memcpy(pick, r->frames, sizeof(*pick) * r->n);
	for (i = 0; i < r->sample; i++) {
		j = i + (unsigned int)rte_rand_max(r->n - i);
		t = pick[i];
		pick[i] = pick[j];
		pick[j] = t;
	}
	return pick;
}

int
dma_reach_send(const struct dma_frame *f, unsigned int n, uint32_t run, uint32_t nmax)
{
	unsigned int faults = 0;
	struct dma_xfer_result res;
	bool named;

	if (dma_kmsg >= 0)
		dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &named, NULL, 0);
	TEST_ASSERT_SUCCESS(dma_xfer(f, n, run, nmax, 20000 + 10 * n, &res), "transfer");
	if (dma_kmsg >= 0)
		faults = dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &named, NULL, 0);
	printf("dma: sent %u of %u windows: %u arrived intact, %u corrupt, %u twice,"
		" %u resent, %u foreign, %u on A, %u DMAR faults, %.2f s\n", n, nmax,
		res.received, res.corrupt, res.dups, res.resent, res.foreign, res.on_a, faults,
		res.seconds);
	TEST_ASSERT_EQUAL(res.corrupt, 0u, "%u frames arrived corrupt or misdirected",
		res.corrupt);
	TEST_ASSERT_EQUAL(res.received, n, "%u of %u frames never arrived",
		n - res.received, n);
	TEST_ASSERT_EQUAL(faults, 0u, "the IOMMU refused %u DMAs to live windows", faults);
	return dma_tx_release();
}

static int
reach_send(struct reach *r)
{
	struct dma_frame *pick;
	int ret;

	pick = reach_pick(r);
	TEST_ASSERT_NOT_NULL(pick, "no memory");
	ret = dma_reach_send(pick, RTE_MIN(r->sample, r->n), r->run, r->n);
	if (pick != r->frames)
		free(pick);
	return ret;
}

static int
reach_free(struct reach *r)
{
	unsigned int i;

	for (i = 0; i < r->n && r->win[i] != NULL; i++) {
		if (r->block)
			TEST_ASSERT_SUCCESS(rte_vmap_block_free(r->vm, r->win[i],
				win_size(r, i)), "block free %u", i);
		else
			TEST_ASSERT_SUCCESS(rte_vmap_free(r->vm, r->win[i]), "free %u", i);
		r->win[i] = NULL;
	}
	TEST_ASSERT_SUCCESS(rte_vmap_purge(r->vm), "purge");
	return TEST_SUCCESS;
}

/* PA: every frame's IOVA is its page's physical address, read from pagemap. */
static int
reach_pa_check(const struct reach *r, int pagemap, const char *when)
{
	unsigned int i;
	uint64_t pa;

	for (i = 0; i < r->n; i++) {
		pa = vmap_test_pagemap_pa(pagemap, r->frames[i].va);
		TEST_ASSERT_EQUAL(pa, r->frames[i].iova, "%s: window %u: IOVA 0x%" PRIx64
			", pagemap 0x%" PRIx64, when, i, r->frames[i].iova, pa);
	}
	return TEST_SUCCESS;
}

/*
 * PA: the IOVAs are pagemap's, and still are after the guest's memory is
 * compacted (which moves 4 KiB pages, never hugepages); the frames are
 * sent after it.
 */
static int
reach_pa(const struct reach *r)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	int compact, ret;

	TEST_ASSERT(pagemap >= 0, "/proc/self/pagemap: %s", strerror(errno));
	ret = reach_pa_check(r, pagemap, "after the fill");
	if (ret == TEST_SUCCESS) {
		compact = open("/proc/sys/vm/compact_memory", O_WRONLY);
		if (compact < 0 || write(compact, "1", 1) != 1) {
			printf("dma: cannot compact memory: %s\n", strerror(errno));
			ret = TEST_FAILED;
		}
		if (compact >= 0)
			close(compact);
	}
	if (ret == TEST_SUCCESS)
		ret = reach_pa_check(r, pagemap, "after the compaction");
	close(pagemap);
	return ret;
}

static int
reach_steps(struct reach *r)
{
	uint64_t t0 = rte_get_timer_cycles();
	double t_alloc, t_fill;
	int ret;

	ret = reach_alloc(r);
	t_alloc = dma_seconds_since(t0);
	if (ret == TEST_SUCCESS)
		ret = reach_fill(r);
	t_fill = dma_seconds_since(t0) - t_alloc;
	printf("dma: %u windows live: alloc %.2f s, fill and check %.2f s\n", r->n, t_alloc,
		t_fill);
	if (ret == TEST_SUCCESS)
		VMAP_TEST_VERIFY(r->vm);
	if (ret == TEST_SUCCESS && r->mode == RTE_VMAP_IOVA_PA)
		ret = reach_pa(r);
	if (ret == TEST_SUCCESS)
		ret = reach_send(r);
	if (reach_free(r) != TEST_SUCCESS)
		ret = TEST_FAILED;
	return ret;
}

static int
run_reach_paged(enum rte_vmap_iova_mode mode, bool block, unsigned int n, unsigned int sample,
		size_t page_size)
{
	struct reach r = {
		.mode = mode, .block = block, .n = n, .sample = sample, .page_size = page_size,
	};
	size_t va_size = n > 1000 ? (size_t)4 << 30 : (size_t)1 << 30;
	char name[RTE_VMAP_NAMESIZE];
	bool skip;
	int ret = TEST_FAILED;

	printf("dma: reach, %s %s windows, N = %u, pages of %zu KiB\n",
		rte_vmap_iova_mode_name(mode), block ? "block" : "normal", n, page_size >> 10);
	snprintf(name, sizeof(name), "dma_r_%c%c_%u", rte_vmap_iova_mode_name(mode)[0],
		block ? 'b' : 'n', n);
	r.run = dma_new_run();
	r.win = calloc(n, sizeof(*r.win));
	r.frames = calloc(n, sizeof(*r.frames));
	r.vm = dma_space(name, mode, page_size, va_size, 0, &skip);
	if (r.vm == NULL) {
		ret = skip ? TEST_SKIPPED : TEST_FAILED;
	} else if (r.win != NULL && r.frames != NULL) {
		ret = reach_steps(&r);
		if (rte_vmap_verify(r.vm) != 0) {
			printf("dma: rte_vmap_verify() failed after the case\n");
			ret = TEST_FAILED;
		}
	}
	rte_vmap_destroy(r.vm);
	free(r.win);
	free(r.frames);
	return ret;
}

static int
run_reach(enum rte_vmap_iova_mode mode, bool block, unsigned int n, unsigned int sample)
{
	return run_reach_paged(mode, block, n, sample, RTE_VMAP_PAGE_2M);
}

#define REACH_CASE(fn, mode, block, n) \
	static int fn(void) \
	{ \
		return run_reach(mode, block, n, n); \
	}

REACH_CASE(test_reach_va_normal_64, RTE_VMAP_IOVA_VA, false, 64)
REACH_CASE(test_reach_va_block_64, RTE_VMAP_IOVA_VA, true, 64)
REACH_CASE(test_reach_domain_normal_64, RTE_VMAP_IOVA_DOMAIN, false, 64)
REACH_CASE(test_reach_domain_block_64, RTE_VMAP_IOVA_DOMAIN, true, 64)
REACH_CASE(test_reach_va_normal_1000, RTE_VMAP_IOVA_VA, false, 1000)
REACH_CASE(test_reach_va_block_1000, RTE_VMAP_IOVA_VA, true, 1000)
REACH_CASE(test_reach_domain_normal_1000, RTE_VMAP_IOVA_DOMAIN, false, 1000)
REACH_CASE(test_reach_domain_block_1000, RTE_VMAP_IOVA_DOMAIN, true, 1000)

static struct unit_test_suite dma_reach_suite = {
	.suite_name = "vmap real DMA: reach (64 and 1,000 windows)",
	.setup = dma_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_reach_va_normal_64),
		TEST_CASE(test_reach_va_block_64),
		TEST_CASE(test_reach_domain_normal_64),
		TEST_CASE(test_reach_domain_block_64),
		TEST_CASE(test_reach_va_normal_1000),
		TEST_CASE(test_reach_va_block_1000),
		TEST_CASE(test_reach_domain_normal_1000),
		TEST_CASE(test_reach_domain_block_1000),
		TEST_CASES_END()
	}
};

/* VMAP_DMA_SAMPLE: how many of the 100,000 windows are sent (default: all). */
static unsigned int
big_sample(void)
{
	const char *s = getenv("VMAP_DMA_SAMPLE");
	unsigned long v;
	char *end;

	if (s == NULL || s[0] == '\0' || strcmp(s, "all") == 0)
		return BIG_N;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > BIG_N) {
		printf("dma: VMAP_DMA_SAMPLE=%s: not a number from 1 to %u, sending all\n", s,
			BIG_N);
		return BIG_N;
	}
	return (unsigned int)v;
}

#define REACH_BIG_CASE(fn, mode, block) \
	static int fn(void) \
	{ \
		return run_reach(mode, block, BIG_N, big_sample()); \
	}

REACH_BIG_CASE(test_reach_va_normal_big, RTE_VMAP_IOVA_VA, false)
REACH_BIG_CASE(test_reach_va_block_big, RTE_VMAP_IOVA_VA, true)
REACH_BIG_CASE(test_reach_domain_normal_big, RTE_VMAP_IOVA_DOMAIN, false)
REACH_BIG_CASE(test_reach_domain_block_big, RTE_VMAP_IOVA_DOMAIN, true)

static struct unit_test_suite dma_reach_big_suite = {
	.suite_name = "vmap real DMA: reach (100,000 live windows)",
	.setup = dma_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_reach_va_normal_big),
		TEST_CASE(test_reach_va_block_big),
		TEST_CASE(test_reach_domain_normal_big),
		TEST_CASE(test_reach_domain_block_big),
		TEST_CASES_END()
	}
};

REACH_CASE(test_reach_pa_normal_64, RTE_VMAP_IOVA_PA, false, 64)
REACH_CASE(test_reach_pa_block_64, RTE_VMAP_IOVA_PA, true, 64)
REACH_CASE(test_reach_pa_normal_1000, RTE_VMAP_IOVA_PA, false, 1000)
REACH_CASE(test_reach_pa_block_1000, RTE_VMAP_IOVA_PA, true, 1000)

static int
test_reach_pa_1g(void)
{
	if (vmap_test_hugepages(RTE_VMAP_PAGE_1G, "free_hugepages") == 0) {
		printf("dma: no free 1 GiB hugepage: the 1 GiB case is not run"
			" (run.sh --hugepages-1g 1)\n");
		return TEST_SKIPPED;
	}
	TEST_ASSERT_SUCCESS(run_reach_paged(RTE_VMAP_IOVA_PA, false, 1000, 1000,
		RTE_VMAP_PAGE_1G), "normal windows");
	return run_reach_paged(RTE_VMAP_IOVA_PA, true, 1000, 1000, RTE_VMAP_PAGE_1G);
}

/* PA on 4 KiB pages: refused, the kernel may move such pages (the "none" driver pins nothing). */
static int
test_pa_4k_refused(void)
{
	bool skip;

	TEST_ASSERT_NULL(dma_space("dma_pa_4k", RTE_VMAP_IOVA_PA, RTE_VMAP_PAGE_4K,
		(size_t)1 << 30, 0, &skip), "PA on 4 KiB pages accepted");
	TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "rte_errno %d", rte_errno);
	return TEST_SUCCESS;
}

/* Whether the machine has an IOMMU (Intel's or AMD's: /sys/class/iommu/). */
static bool
has_iommu(void)
{
	DIR *d = opendir("/sys/class/iommu");
	struct dirent *e;
	bool found = false;

	while (d != NULL && !found && (e = readdir(d)) != NULL)
		found = e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return found;
}

/*
 * PA DMA needs the guest without an IOMMU (its NICs on uio_pci_generic),
 * where EAL runs IOVA as PA and the NIC reads physical addresses.
 */
static int
dma_pa_suite_setup(void)
{
	int ret;

	if (has_iommu()) {
		printf("dma: skipped: this machine has an IOMMU: PA DMA needs a guest"
			" without one (devtools/vm/run.sh --aw none)\n");
		return TEST_SKIPPED;
	}
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		printf("dma: skipped: EAL does not run IOVA as PA (--iova-mode=pa)\n");
		return TEST_SKIPPED;
	}
	/* dma_suite_setup() without its "vfio" probe: no VFIO here. */
	ret = dma_ports_start();
	if (ret == TEST_SUCCESS)
		dma_kmsg = dma_kmsg_open();
	return ret;
}

static struct unit_test_suite dma_pa_suite = {
	.suite_name = "vmap real DMA: PA mode, no IOMMU (physical addresses)",
	.setup = dma_pa_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_reach_pa_normal_64),
		TEST_CASE(test_reach_pa_block_64),
		TEST_CASE(test_reach_pa_normal_1000),
		TEST_CASE(test_reach_pa_block_1000),
		TEST_CASE(test_reach_pa_1g),
		TEST_CASE(test_pa_4k_refused),
		TEST_CASES_END()
	}
};

static int
test_vmap_dma_pa(void)
{
	return unit_test_suite_runner(&dma_pa_suite);
}

static int
test_vmap_dma_reach(void)
{
	return unit_test_suite_runner(&dma_reach_suite);
}

static int
test_vmap_dma_reach_big(void)
{
	return unit_test_suite_runner(&dma_reach_big_suite);
}

REGISTER_VM_TEST(vmap_dma_reach_autotest, test_vmap_dma_reach);
REGISTER_VM_TEST(vmap_dma_reach_big_autotest, test_vmap_dma_reach_big);
/* PA mode in a guest without an IOMMU (--aw none). */
REGISTER_VM_TEST(vmap_dma_pa_autotest, test_vmap_dma_pa);
