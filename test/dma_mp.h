/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _DMA_MP_H_
#define _DMA_MP_H_

/*
 * Frames a secondary writes for the primary's NIC to send
 * (vmap_dma_mp_autotest, test_vmap_dma_mp.c; the "dma-alloc" role of
 * test_vmap_mp_secondary.c). The secondary has no port: it allocates
 * DMA_MP_WINDOWS windows of the shared space, normal and block windows,
 * writes one frame in each (dma_frame_fill(), with the run and the MACs
 * the primary posted) and posts them on the board:
 *
 *   w[i].va     the window          w[i].size   its size
 *   w[i].block  a block window      w[i].iova   the frame's IOVA, as the
 *                                               secondary translates it
 *
 * The frame's place in window i and its length follow from i alone
 * (dma_mp_frame_place()), so both sides agree on them.
 */

#include <stddef.h>
#include <stdint.h>

#include "dma_harness.h"
#include "mp_harness.h"

/* Windows the secondary posts: all of the board. */
#define DMA_MP_WINDOWS MP_BOARD_MAX

/* board->arg[]: what the primary posts before it starts the secondary. */
enum dma_mp_arg {
	DMA_MP_ARG_RUN,   /* the run of the frames (dma_new_run()) */
	DMA_MP_ARG_MAC_A, /* port A's MAC, its 6 bytes at the start */
	DMA_MP_ARG_MAC_B, /* port B's MAC */
};

/* board->go: what the secondary does once its windows are posted. */
enum dma_mp_go {
	DMA_MP_GO_FREE = 1, /* free every window, rte_vmap_purge(), exit */
	DMA_MP_GO_EXIT,     /* exit, its windows left live */
};

/* Window i: its size and whether it is a block window. */
size_t dma_mp_win_size(unsigned int i);
bool dma_mp_win_block(unsigned int i);
/* Frame i: its offset in window i and its length. */
void dma_mp_frame_place(unsigned int i, size_t *offset, uint16_t *len);

/*
 * The secondary: allocate the windows in vm, write their frames, post them
 * on board (board->n last). 0, or -1 with the reason printed.
 */
int dma_mp_post_frames(struct rte_vmap *vm, struct mp_board *board);

/*
 * The primary: the frames of the board's windows in f[0, board->n), each
 * checked before it is sent: the window is live here with the secondary's
 * bytes, rte_vmap_virt2iova() here gives the IOVA the secondary posted,
 * contiguous over the frame, rte_vmap_find() agrees, in VA mode the
 * IOVA is the address. TEST_SUCCESS or TEST_FAILED.
 */
int dma_mp_board_frames(struct rte_vmap *vm, const struct mp_board *board,
		struct dma_frame *f);

#endif /* _DMA_MP_H_ */
