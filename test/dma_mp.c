/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The frames of vmap_dma_mp_autotest (dma_mp.h): written in a secondary's
 * windows, read back and sent by the primary.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vmap.h>

#include "dma_mp.h"
#include "vmap_test_util.h"

/* Normal and block windows alternate; 4 KiB and 8 KiB, by pairs. */
size_t
dma_mp_win_size(unsigned int i)
{
	return (i & 2) != 0 ? 2 * PAGE_4K : PAGE_4K;
}

bool
dma_mp_win_block(unsigned int i)
{
	return (i & 1) != 0;
}

/* In an 8 KiB window the frame straddles the page boundary: two IOMMU pages. */
void
dma_mp_frame_place(unsigned int i, size_t *offset, uint16_t *len)
{
	if (dma_mp_win_size(i) > PAGE_4K)
		*offset = PAGE_4K - 48;
	else
		*offset = (i * 72) % (PAGE_4K - DMA_FRAME_MAX);
	*len = DMA_FRAME_MIN + (i * 37) % (DMA_FRAME_MAX - DMA_FRAME_MIN + 1);
}

int
dma_mp_post_frames(struct rte_vmap *vm, struct mp_board *board)
{
	uint32_t run = (uint32_t)board->arg[DMA_MP_ARG_RUN];
	unsigned int i;
	size_t off;
	uint16_t len;

	/* The MACs dma_frame_fill() writes: the primary's ports'. */
	memcpy(&dma_mac_a, &board->arg[DMA_MP_ARG_MAC_A], sizeof(dma_mac_a));
	memcpy(&dma_mac_b, &board->arg[DMA_MP_ARG_MAC_B], sizeof(dma_mac_b));
	for (i = 0; i < DMA_MP_WINDOWS; i++) {
		struct mp_win *m = &board->w[i];
		size_t size = dma_mp_win_size(i);
		bool block = dma_mp_win_block(i);
		void *va = block ? rte_vmap_block_alloc(vm, size) :
			rte_vmap_alloc(vm, size, 0, SOCKET_ID_ANY);

		if (va == NULL) {
			printf("dma-mp: %s window %u of %zu bytes: %s\n",
				block ? "block" : "normal", i, size, rte_strerror(rte_errno));
			return -1;
		}
		dma_mp_frame_place(i, &off, &len);
		*m = (struct mp_win){ .va = (uintptr_t)va, .size = size, .block = block };
		m->iova = rte_vmap_virt2iova(vm, (char *)va + off);
		if (m->iova == RTE_BAD_IOVA) {
			printf("dma-mp: window %u at %p has no IOVA\n", i, va);
			return -1;
		}
		dma_frame_fill((char *)va + off, run, i, len);
		/* Posted one by one: what the primary sees is whole. */
		__atomic_store_n(&board->n, i + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

int
dma_mp_board_frames(struct rte_vmap *vm, const struct mp_board *board, struct dma_frame *f)
{
	uint8_t expect[DMA_FRAME_MAX];
	uint32_t run = (uint32_t)board->arg[DMA_MP_ARG_RUN];
	struct rte_vmap_window w;
	unsigned int i;
	size_t off;

	for (i = 0; i < board->n; i++) {
		const struct mp_win *m = &board->w[i];

		dma_mp_frame_place(i, &off, &f[i].len);
		f[i].va = (char *)(uintptr_t)m->va + off;
		f[i].index = i;
		f[i].iova = rte_vmap_virt2iova(vm, f[i].va);
		TEST_ASSERT_EQUAL(f[i].iova, m->iova, "frame %u: IOVA 0x%" PRIx64 " here, 0x%"
			PRIx64 " in the secondary", i, f[i].iova, m->iova);
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, (char *)f[i].va + f[i].len - 1),
			f[i].iova + f[i].len - 1, "frame %u: IOVA not contiguous", i);
		TEST_ASSERT_SUCCESS(rte_vmap_find(vm, f[i].va, &w), "frame %u: find", i);
		TEST_ASSERT(w.va == (void *)(uintptr_t)m->va && w.size == m->size &&
			w.from_block == (int)m->block && w.iova + off == m->iova,
			"frame %u: find says %p+%zu at 0x%" PRIx64, i, w.va, w.size, w.iova);
		if (rte_vmap_iova_mode_get(vm) == RTE_VMAP_IOVA_VA)
			TEST_ASSERT_EQUAL(f[i].iova, (rte_iova_t)(uintptr_t)f[i].va,
				"frame %u: VA mode IOVA", i);
		dma_frame_fill(expect, run, i, f[i].len);
		TEST_ASSERT(memcmp(expect, f[i].va, f[i].len) == 0,
			"frame %u: the secondary's bytes are not here", i);
	}
	return TEST_SUCCESS;
}
