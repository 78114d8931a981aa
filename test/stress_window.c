/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_stress_autotest: the windows that describe themselves. A window's
 * first words hold a tag, its size and kind, the offset of a middle word
 * and its IOVA, its last word ~tag and the middle word tag ^ offset.
 * Written at allocation, checked before every free, they catch two
 * windows handed the same memory, and they let the lcore that frees a
 * window it did not allocate rebuild its description from the memory
 * alone. Also here: an lcore's own churn step.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "stress_harness.h"
#include "test.h"
#include "vmap_test_util.h"

/* ---- helpers ------------------------------------------------------------ */

/* 4 KiB to max bytes, not always a multiple of 4 KiB, most of them small. */
size_t
stress_rand_size(uint64_t *rng, size_t max)
{
	uint64_t r = vmap_test_rand(rng);
	unsigned int pick = r % 100;
	size_t lo = 4 * KIB, hi = 32 * KIB;

	if (pick >= 96) {
		lo = 1 * MIB;
		hi = 4 * MIB;
	} else if (pick >= 85) {
		lo = 256 * KIB;
		hi = 1 * MIB;
	} else if (pick >= 60) {
		lo = 32 * KIB;
		hi = 256 * KIB;
	}
	hi = RTE_MIN(hi, max);
	lo = RTE_MIN(lo, hi);
	return lo + (r >> 8) % (hi - lo + 1);
}

/* Mostly 0 (the default); one time in four a power of two up to 64 KiB. */
size_t
stress_rand_align(uint64_t *rng)
{
	uint64_t r = vmap_test_rand(rng);

	if (r % 4 != 0)
		return 0;
	/* Below 4096 too: valid, and the window must still be 4 KiB aligned. */
	return (size_t)1 << ((r >> 8) % 17);
}

static inline uint64_t *
win_word(const struct stress_win *w, size_t off)
{
	return (uint64_t *)(void *)(w->va + off);
}

static void
win_fill(struct stress_win *w, uint64_t *rng)
{
	size_t span = win_span(w);
	size_t words = (span - 8 * STRESS_HDR_WORDS - 8) / 8;

	w->tag = vmap_test_rand(rng);
	w->mid = 8 * STRESS_HDR_WORDS + 8 * (vmap_test_rand(rng) % words);
	*win_word(w, 0) = w->tag;
	*win_word(w, 8) = w->size | (w->block ? STRESS_BLOCK_BIT : 0);
	*win_word(w, 16) = w->mid;
	*win_word(w, 24) = w->iova;
	*win_word(w, w->mid) = w->tag ^ w->mid;
	*win_word(w, span - 8) = ~w->tag;
}

/*
 * The description of a window from its header, for a window this lcore
 * did not allocate. Sanity only: win_check() compares the rest.
 */
int
win_decode(struct stress_run *run, uintptr_t va, struct stress_win *w)
{
	uint64_t kind;

	w->va = (uint8_t *)va;
	w->tag = *win_word(w, 0);
	kind = *win_word(w, 8);
	w->block = (kind & STRESS_BLOCK_BIT) != 0;
	w->size = kind & ~STRESS_BLOCK_BIT;
	w->mid = *win_word(w, 16);
	w->iova = *win_word(w, 24);
	if (w->size == 0 || w->size > 4 * MIB ||
			(w->block && w->size > run->block_max) ||
			w->mid < 8 * STRESS_HDR_WORDS || w->mid % 8 != 0 ||
			w->mid > win_span(w) - 16)
		return stress_fail(run, "window %p: header corrupt (size %#zx, mid %#zx)",
			w->va, w->size, w->mid);
	return 0;
}

/* The window's IOVA, and what rte_vmap_find() says of a random byte of it. */
static int
win_check_iova(struct stress_run *run, const struct stress_win *w, uint64_t *rng)
{
	size_t span = win_span(w), off = vmap_test_rand(rng) % span;
	struct rte_vmap_window info;
	rte_iova_t iova;
	int ret;

	ret = rte_vmap_find(run->vm, w->va + off, &info);
	if (ret != 0)
		return stress_fail(run, "find(%p + %#zx) of a live window: %d", w->va, off, ret);
	if (info.va != w->va || info.size != span || info.from_block != (int)w->block)
		return stress_fail(run, "find(%p + %#zx): va %p size %#zx block %d, "
			"want %p %#zx %d", w->va, off, info.va, info.size, info.from_block,
			w->va, span, w->block);
	if (info.iova != w->iova)
		return stress_fail(run, "window %p: find() iova %#" PRIx64 ", was %#" PRIx64,
			w->va, info.iova, w->iova);
	iova = rte_vmap_virt2iova(run->vm, w->va + off);
	if (iova != w->iova + off)
		return stress_fail(run, "virt2iova(%p + %#zx) = %#" PRIx64 ", find() iova %#"
			PRIx64 " + off = %#" PRIx64, w->va, off, iova, w->iova, w->iova + off);
	return 0;
}

/* Pattern and header as written at allocation, and the IOVA unchanged. */
int
win_check(struct stress_run *run, const struct stress_win *w, uint64_t *rng)
{
	size_t span = win_span(w);

	if (*win_word(w, 0) != w->tag || *win_word(w, span - 8) != ~w->tag ||
			*win_word(w, w->mid) != (w->tag ^ w->mid) ||
			*win_word(w, 8) != (w->size | (w->block ? STRESS_BLOCK_BIT : 0)) ||
			*win_word(w, 16) != w->mid || *win_word(w, 24) != w->iova)
		return stress_fail(run, "window %p (%#zx bytes): pattern overwritten "
			"(first %#" PRIx64 " last %#" PRIx64 " mid@%#zx %#" PRIx64 ", tag %#"
			PRIx64 ")", w->va, w->size, *win_word(w, 0), *win_word(w, span - 8),
			w->mid, *win_word(w, w->mid), w->tag);
	return win_check_iova(run, w, rng);
}

/* SOCKET_ID_ANY places a window on the calling lcore's socket. */
static int
win_check_socket(struct stress_run *run, const struct stress_win *w)
{
	struct rte_vmap_window info;

	if (rte_vmap_find(run->vm, w->va, &info) != 0)
		return stress_fail(run, "find(%p) of a new window failed", w->va);
	if (info.socket_id != (int)rte_socket_id())
		return stress_fail(run, "window %p on socket %d, lcore %u is on socket %u",
			w->va, info.socket_id, rte_lcore_id(), rte_socket_id());
	return 0;
}

int
win_new(struct stress_run *run, struct stress_win *w, size_t size, size_t align,
	bool block, uint64_t *rng)
{
	size_t want_align = RTE_MAX(align, PAGE_4K);
	void *p;

	p = block ? rte_vmap_block_alloc(run->vm, size) :
		rte_vmap_alloc(run->vm, size, align, SOCKET_ID_ANY);
	if (p == NULL)
		return stress_fail(run, "%s(%#zx, align %#zx) failed: %s (free 2M hugepages %lu)",
			block ? "block_alloc" : "alloc", size, align,
			rte_strerror(rte_errno), vmap_test_free_hugepages());
	if (((uintptr_t)p & (want_align - 1)) != 0)
		return stress_fail(run, "alloc(%#zx, align %#zx) = %p: misaligned",
			size, align, p);
	w->va = p;
	w->size = size;
	w->block = block;
	w->iova = rte_vmap_virt2iova(run->vm, p);
	if (w->iova == RTE_BAD_IOVA)
		return stress_fail(run, "virt2iova of new window %p: RTE_BAD_IOVA", p);
	if (run->cfg->iova_mode == RTE_VMAP_IOVA_VA && w->iova != (uintptr_t)p)
		return stress_fail(run, "VA mode: window %p has iova %#" PRIx64, p, w->iova);
	if (run->cfg->iova_mode == RTE_VMAP_IOVA_DOMAIN && w->iova % PAGE_4K != 0)
		return stress_fail(run, "DOMAIN mode: window %p has iova %#" PRIx64
			", not 4 KiB aligned", p, w->iova);
	win_fill(w, rng);
	if (win_check_iova(run, w, rng) != 0)
		return -1;
	return run->cfg->topology == NULL ? win_check_socket(run, w) : 0;
}

/*
 * After its free, no byte of a window translates or is found. Only where
 * one lcore allocates: elsewhere another may have the range already.
 */
static int
win_check_gone(struct stress_run *run, const struct stress_win *w, uint64_t *rng)
{
	size_t off = vmap_test_rand(rng) % win_span(w);
	struct rte_vmap_window info;
	rte_iova_t iova;
	int ret;

	iova = rte_vmap_virt2iova(run->vm, w->va + off);
	if (iova != RTE_BAD_IOVA)
		return stress_fail(run, "virt2iova(%p + %#zx) after its free: %#" PRIx64,
			w->va, off, iova);
	ret = rte_vmap_find(run->vm, w->va + off, &info);
	if (ret != -ENOENT)
		return stress_fail(run, "find(%p + %#zx) after its free: %d, want -ENOENT",
			w->va, off, ret);
	return 0;
}

/* Check, then free; a block window with its exact or its rounded size. */
int
win_free(struct stress_run *run, const struct stress_win *w, uint64_t *rng)
{
	size_t size;
	int ret;

	if (win_check(run, w, rng) != 0)
		return -1;
	if (w->block) {
		/* Any size rounding to the same 4 KiB multiple is accepted. */
		size = vmap_test_rand(rng) % 2 == 0 ? w->size : win_span(w);
		ret = rte_vmap_block_free(run->vm, w->va, size);
	} else {
		ret = rte_vmap_free(run->vm, w->va);
	}
	if (ret != 0)
		return stress_fail(run, "%s(%p) of a live window: %d",
			w->block ? "block_free" : "free", w->va, ret);
	return run->sc->sole_allocator ? win_check_gone(run, w, rng) : 0;
}

/*
 * A stats snapshot taken while other lcores change the space must still
 * count the windows this lcore holds: nobody else can free them.
 */
static int
churn_check_stats(struct stress_run *run, const struct stress_lcore *lc)
{
	struct rte_vmap_stats st;
	int ret;

	ret = rte_vmap_stats_get(run->vm, &st);
	if (ret != 0)
		return stress_fail(run, "stats_get: %d", ret);
	if (st.nr_windows < lc->nr_live || st.va_used < lc->live_bytes ||
			st.va_used > st.va_size)
		return stress_fail(run, "stats: %" PRIu64 " windows, va_used %" PRIu64 " of %"
			PRIu64 "; this lcore holds %u windows of %zu bytes", st.nr_windows,
			st.va_used, st.va_size, lc->nr_live, lc->live_bytes);
	return 0;
}

/*
 * One step of an lcore's own churn: allocate with probability
 * 1 - live/cap (the set hovers around half full, within its byte budget),
 * else free a random live window. Now and then re-check an old one, which
 * other lcores' churn could have damaged, and the stats.
 */
int
churn_one(struct stress_run *run, struct stress_lcore *lc)
{
	const struct stress_case *sc = run->sc;
	uint64_t r = vmap_test_rand(&lc->rng);
	struct stress_win *w;
	size_t size;
	bool block;

	if ((r >> 40) % 64 == 0 && lc->nr_live > 0 &&
			win_check(run, &lc->win[(r >> 20) % lc->nr_live], &lc->rng) != 0)
		return -1;
	if ((r >> 46) % 256 == 0 && churn_check_stats(run, lc) != 0)
		return -1;
	if (lc->nr_live == 0 ||
			(r % sc->cap >= lc->nr_live && lc->live_bytes < run->live_cap)) {
		w = &lc->win[lc->nr_live];
		block = sc->block_share != 0 && (r >> 8) % sc->block_share == 0;
		size = block ? 1 + (r >> 16) % run->block_max :
			stress_rand_size(&lc->rng, sc->max_size);
		if (win_new(run, w, size, block ? 0 : stress_rand_align(&lc->rng), block,
				&lc->rng) != 0)
			return -1;
		lc->nr_live++;
		lc->live_bytes += win_span(w);
		return 0;
	}
	w = &lc->win[(r >> 8) % lc->nr_live];
	if (win_free(run, w, &lc->rng) != 0)
		return -1;
	lc->live_bytes -= win_span(w);
	*w = lc->win[--lc->nr_live];
	return 0;
}
