/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Sets of windows for the real-DMA suites that keep windows across steps
 * (test_vmap_dma_hotplug.c, test_vmap_dma_extmem.c): allocate, send them
 * all (reach), and free one and probe its IOVA (stale), on whichever ports
 * are in use (dma_ports_use()). The frame of window i lies at an offset
 * that varies with i, so frames of one backing page land on different
 * IOMMU pages.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "vmap_test_util.h"
#include "dma_harness.h"

/* What the CPU sees of a frame sent from a freed IOVA. */
static uint8_t shadow[DMA_FRAME_MAX];

int
dma_wins_alloc(struct dma_wins *w, struct rte_vmap *vm, bool block, unsigned int n,
		size_t size)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->vm = vm;
	w->block = block;
	w->size = size;
	w->win = calloc(n, sizeof(*w->win));
	TEST_ASSERT_NOT_NULL(w->win, "no memory");
	w->n = n;
	for (i = 0; i < n; i++) {
		if (block)
			w->win[i] = rte_vmap_block_alloc(vm, size);
		else
			w->win[i] = rte_vmap_alloc(vm, size, 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(w->win[i], "%s alloc %u of %u: %s",
			block ? "block" : "normal", i, n, rte_strerror(rte_errno));
	}
	return TEST_SUCCESS;
}

static int
win_free(struct dma_wins *w, unsigned int i)
{
	int ret;

	ret = w->block ? rte_vmap_block_free(w->vm, w->win[i], w->size) :
		rte_vmap_free(w->vm, w->win[i]);
	w->win[i] = NULL;
	return ret;
}

int
dma_wins_free(struct dma_wins *w)
{
	int ret = TEST_SUCCESS;
	unsigned int i;

	for (i = 0; i < w->n; i++)
		if (w->win[i] != NULL && win_free(w, i) != 0)
			ret = TEST_FAILED;
	free(w->win);
	w->win = NULL;
	w->n = 0;
	return ret;
}

/* Window i's frame: where it lies and what it holds. */
static int
frame_set(const struct dma_wins *w, unsigned int i, uint32_t run, uint32_t index,
		struct dma_frame *f)
{
	struct rte_vmap_window rw;
	rte_iova_t last;

	f->va = (char *)w->win[i] + (i * 72) % (w->size - DMA_FRAME_MAX);
	f->index = index;
	f->len = DMA_FRAME_MIN + (index * 37) % (DMA_FRAME_MAX - DMA_FRAME_MIN + 1);
	f->iova = rte_vmap_virt2iova(w->vm, f->va);
	last = rte_vmap_virt2iova(w->vm, (char *)f->va + f->len - 1);
	TEST_ASSERT(f->iova != RTE_BAD_IOVA, "window %p: no IOVA", w->win[i]);
	TEST_ASSERT_EQUAL(last, f->iova + f->len - 1, "window %p: IOVA not contiguous",
		w->win[i]);
	TEST_ASSERT_SUCCESS(rte_vmap_find(w->vm, f->va, &rw), "window %p: find", w->win[i]);
	TEST_ASSERT_EQUAL(rw.iova + ((char *)f->va - (char *)rw.va), f->iova,
		"window %p: find and virt2iova disagree", w->win[i]);
	if (rte_vmap_iova_mode_get(w->vm) == RTE_VMAP_IOVA_VA)
		TEST_ASSERT_EQUAL(f->iova, (rte_iova_t)(uintptr_t)f->va, "VA mode IOVA");
	dma_frame_fill(f->va, run, index, f->len);
	return TEST_SUCCESS;
}

int
dma_wins_reach(struct dma_wins *sets, unsigned int nsets)
{
	struct dma_frame *f;
	unsigned int s, i, n = 0, nmax = 0;
	uint32_t run = dma_new_run();
	int ret = TEST_SUCCESS;

	for (s = 0; s < nsets; s++)
		nmax += sets[s].n;
	f = calloc(nmax + 1, sizeof(*f));
	TEST_ASSERT_NOT_NULL(f, "no memory");
	for (s = 0; s < nsets && ret == TEST_SUCCESS; s++)
		for (i = 0; i < sets[s].n && ret == TEST_SUCCESS; i++)
			if (sets[s].win[i] != NULL) {
				ret = frame_set(&sets[s], i, run, n, &f[n]);
				n++;
			}
	if (ret == TEST_SUCCESS)
		ret = dma_reach_send(f, n, run, nmax);
	free(f);
	return ret;
}

/* Live windows of w other than i on window i's 2 MiB page. */
static unsigned int
neighbours(const struct dma_wins *w, unsigned int i)
{
	unsigned int j, n = 0;

	for (j = 0; j < w->n; j++)
		if (j != i && w->win[j] != NULL &&
				((uintptr_t)w->win[j] >> 21) == ((uintptr_t)w->win[i] >> 21))
			n++;
	return n;
}

int
dma_wins_stale(struct dma_wins *w, unsigned int i, const char *requester)
{
	uint32_t run = dma_new_run();
	struct dma_frame f;
	unsigned int nb = neighbours(w, i);

	TEST_ASSERT(dma_kmsg >= 0, "/dev/kmsg cannot be read: no way to see a DMAR fault");
	printf("dma: stale, %s window %p, %u live windows on its 2 MiB page\n",
		w->block ? "block" : "normal", w->win[i], nb);
	TEST_ASSERT(nb > 0, "no live window shares the target's 2 MiB page");
	TEST_ASSERT_SUCCESS(frame_set(w, i, run, 0, &f), "frame");
	TEST_ASSERT_SUCCESS(dma_stale_control(&f, run), "control");
	TEST_ASSERT_SUCCESS(win_free(w, i), "free");
	TEST_ASSERT_SUCCESS(rte_vmap_purge(w->vm), "purge");
	TEST_ASSERT_EQUAL(rte_vmap_virt2iova(w->vm, f.va), RTE_BAD_IOVA, "freed, translated");
	/* The CPU must not touch the freed VA: the mbuf's bytes are a copy. */
	dma_frame_fill(shadow, run, 0, f.len);
	f.va = shadow;
	return dma_stale_probe(&f, run, requester);
}
