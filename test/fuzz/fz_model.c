/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fuzz's model: the live windows and the last freed ranges, the checks
 * of the space against them, and how the model changes when a call
 * allocates or frees a window (vmap_fuzz.c has the overview).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>

#include "vmap_fuzz.h"

/* ---- model ------------------------------------------------------------- */

void
fz_trace(const char *fmt, ...)
{
	va_list ap;

	if (!fz_trace_on)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

__rte_noreturn void
fz_fail(const struct fz_ctx *c, const char *file, int line, const char *fmt, ...)
{
	const char *base = strrchr(file, '/');
	va_list ap;

	/* The file's name only: the build's paths say nothing about the mismatch. */
	fprintf(stderr, "vmap_fuzz: MISMATCH at %s:%d, op %u (%s): ",
		base != NULL ? base + 1 : file, line,
		c != NULL ? c->op : 0, c != NULL && c->op_name != NULL ? c->op_name : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (c != NULL && c->vm != NULL) {
		fprintf(stderr, "vmap_fuzz: model: %u live windows, %" PRIu64 " bytes; space:\n",
			c->nr_live, c->bytes);
		rte_vmap_dump(stderr, c->vm);
	}
	abort();
}

/* Index of the live window holding addr, or -1. */
static int
model_find(const struct fz_ctx *c, uintptr_t addr)
{
	unsigned int i;

	for (i = 0; i < c->nr_live; i++)
		if (addr - c->live[i].va < c->live[i].size)
			return (int)i;
	return -1;
}

/* Index of the live window starting at addr, or -1. */
int
fz_model_start(const struct fz_ctx *c, uintptr_t addr)
{
	int i = model_find(c, addr);

	return i >= 0 && c->live[i].va == addr ? i : -1;
}

/* Whether an IOVA lies in the IOVA range of a live window (VA, DOMAIN). */
static bool
model_iova_live(const struct fz_ctx *c, rte_iova_t iova)
{
	unsigned int i;

	for (i = 0; i < c->nr_live; i++)
		if (iova - c->live[i].iova < c->live[i].size)
			return true;
	return false;
}

static bool
iova_contiguous(const struct fz_ctx *c)
{
	return c->iova_mode == RTE_VMAP_IOVA_VA || c->iova_mode == RTE_VMAP_IOVA_DOMAIN;
}

static void
tag_write(const struct fz_win *w)
{
	*(volatile uint64_t *)w->va = w->tag;
	*(volatile uint64_t *)(w->va + w->size - sizeof(uint64_t)) = ~w->tag;
}

void
fz_tag_check(const struct fz_ctx *c, const struct fz_win *w)
{
	uint64_t head = *(volatile uint64_t *)w->va;
	uint64_t tail = *(volatile uint64_t *)(w->va + w->size - sizeof(uint64_t));

	FZ_CHECK(c, head == w->tag && tail == ~w->tag,
		"window 0x%" PRIxPTR "+%zu: tag %" PRIx64 "/%" PRIx64 ", expected %" PRIx64
		" (another window or the library wrote into it)", w->va, w->size, head,
		~tail, w->tag);
}

/* ---- checks of the space against the model ----------------------------- */

void
fz_check_find(struct fz_ctx *c, uintptr_t addr)
{
	struct rte_vmap_window w;
	int i = model_find(c, addr);
	int ret = rte_vmap_find(c->vm, (const void *)addr, &w);

	if (i < 0) {
		FZ_CHECK(c, ret == -ENOENT, "find(0x%" PRIxPTR ") = %d, no live window there",
			addr, ret);
		FZ_CHECK(c, rte_errno == ENOENT, "rte_errno %d", rte_errno);
		return;
	}
	FZ_CHECK(c, ret == 0, "find(0x%" PRIxPTR ") = %d in window 0x%" PRIxPTR "+%zu", addr,
		ret, c->live[i].va, c->live[i].size);
	FZ_CHECK(c, (uintptr_t)w.va == c->live[i].va && w.size == c->live[i].size,
		"find(0x%" PRIxPTR ") gives %p+%zu, model 0x%" PRIxPTR "+%zu", addr, w.va,
		w.size, c->live[i].va, c->live[i].size);
	FZ_CHECK(c, w.from_block == (int)c->live[i].block, "from_block %d", w.from_block);
	FZ_CHECK(c, w.iova == c->live[i].iova, "find iova 0x%" PRIx64 ", at alloc 0x%" PRIx64,
		w.iova, c->live[i].iova);
	FZ_CHECK(c, w.socket_id == c->live[i].socket, "socket %d, model %d", w.socket_id,
		c->live[i].socket);
}

void
fz_check_v2i(struct fz_ctx *c, uintptr_t addr)
{
	rte_iova_t iova = rte_vmap_virt2iova(c->vm, (const void *)addr);
	int i = model_find(c, addr);
	const struct fz_win *w;

	if (i < 0) {
		FZ_CHECK(c, iova == RTE_BAD_IOVA, "virt2iova(0x%" PRIxPTR ") = 0x%" PRIx64
			", no live window there", addr, iova);
		return;
	}
	w = &c->live[i];
	FZ_CHECK(c, iova != RTE_BAD_IOVA, "virt2iova(0x%" PRIxPTR ") BAD in window 0x%"
		PRIxPTR "+%zu", addr, w->va, w->size);
	if (iova_contiguous(c))
		FZ_CHECK(c, iova == w->iova + (addr - w->va), "virt2iova(0x%" PRIxPTR
			") = 0x%" PRIx64 ", window IOVA 0x%" PRIx64, addr, iova, w->iova);
	else
		FZ_CHECK(c, (iova & (FZ_PAGE - 1)) == (addr & (FZ_PAGE - 1)),
			"PA offset: 0x%" PRIx64 " for 0x%" PRIxPTR, iova, addr);
	if (c->iova_mode == RTE_VMAP_IOVA_VA)
		FZ_CHECK(c, iova == addr, "VA mode: virt2iova(0x%" PRIxPTR ") = 0x%" PRIx64,
			addr, iova);
	if ((c->p.flags & RTE_VMAP_F_EXTMEM) != 0) {
		/* DPDK knows the window: its memseg says the same IOVA. */
		const struct rte_memseg *ms = rte_mem_virt2memseg((const void *)addr, NULL);

		FZ_CHECK(c, ms != NULL, "EXTMEM: no memseg for live 0x%" PRIxPTR, addr);
		FZ_CHECK(c, ms->iova != RTE_BAD_IOVA &&
			ms->iova + (addr - (uintptr_t)ms->addr) == iova,
			"EXTMEM: memseg iova 0x%" PRIx64 " at %p for 0x%" PRIxPTR " (vmap 0x%"
			PRIx64 ")", ms->iova, ms->addr, addr, iova);
	}
}

/* The sim driver's IO page table: translations exactly where windows live. */
static void
check_translation(struct fz_ctx *c, rte_iova_t iova, bool must_exist, uintptr_t va)
{
	void *out = NULL;
	int ret;

	if (!c->sim)
		return;
	ret = rte_vmap_iommu_sim_translate(c->vm, iova, &out);
	if (must_exist) {
		FZ_CHECK(c, ret == 0 && (uintptr_t)out == va, "sim translate(0x%" PRIx64
			") = %d -> %p, expected 0x%" PRIxPTR, iova, ret, out, va);
	} else {
		FZ_CHECK(c, ret == -ENOENT, "sim translate(0x%" PRIx64 ") = %d -> %p: a freed"
			" and flushed range is still mapped", iova, ret, out);
	}
}

/* After a flush: no freed range that is not live again may translate. */
void
fz_check_gone_unmapped(struct fz_ctx *c)
{
	unsigned int i;

	if (!c->sim || c->iova_mode == RTE_VMAP_IOVA_PA)
		return;
	for (i = 0; i < FZ_GONE; i++) {
		const struct fz_gone *g = &c->gone[i];

		if (g->size == 0)
			continue;
		if (!model_iova_live(c, g->iova))
			check_translation(c, g->iova, false, 0);
		if (!model_iova_live(c, g->iova + g->size - FZ_PAGE))
			check_translation(c, g->iova + g->size - FZ_PAGE, false, 0);
	}
}

void
fz_check_stats(struct fz_ctx *c)
{
	struct rte_vmap_stats st;
	int ret = rte_vmap_stats_get(c->vm, &st);

	FZ_CHECK(c, ret == 0, "stats_get = %d", ret);
	FZ_CHECK(c, st.nr_windows == c->nr_live, "nr_windows %" PRIu64 ", model %u",
		st.nr_windows, c->nr_live);
	FZ_CHECK(c, st.va_used == c->bytes, "va_used %" PRIu64 ", model %" PRIu64,
		st.va_used, c->bytes);
	FZ_CHECK(c, st.va_size == c->map_len, "va_size %" PRIu64 ", at create %zu",
		st.va_size, c->map_len);
	FZ_CHECK(c, st.va_largest_free <= st.va_size - st.va_used,
		"largest free %" PRIu64 " of %" PRIu64 " with %" PRIu64 " used",
		st.va_largest_free, st.va_size, st.va_used);
	FZ_CHECK(c, st.mem_used >= st.va_used, "mem_used %" PRIu64 " < va_used %" PRIu64,
		st.mem_used, st.va_used);
	if (c->p.mem_limit != 0 && c->page_size == FZ_PAGE)
		FZ_CHECK(c, st.mem_used <= c->p.mem_limit, "mem_used %" PRIu64 " over the limit",
			st.mem_used);
	FZ_CHECK(c, st.nr_purges >= c->last.nr_purges && st.nr_unmaps >= c->last.nr_unmaps &&
		st.nr_flushes >= c->last.nr_flushes, "a counter went down");
	if ((c->p.flags & RTE_VMAP_F_NO_LCORE_CACHE) != 0)
		FZ_CHECK(c, st.nr_blocks == 0, "nr_blocks %" PRIu64 " with NO_LCORE_CACHE",
			st.nr_blocks);
	if (!c->sim)
		FZ_CHECK(c, st.nr_unmaps == 0 && st.nr_flushes == 0,
			"driver none has no unmap/flush, counted %" PRIu64 "/%" PRIu64,
			st.nr_unmaps, st.nr_flushes);
	c->last = st;
}

void
fz_check_verify(struct fz_ctx *c)
{
	int ret = rte_vmap_verify(c->vm);

	FZ_CHECK(c, ret == 0, "rte_vmap_verify() = %d", ret);
}

/* ---- the model changes ------------------------------------------------- */

void
fz_model_add(struct fz_ctx *c, uintptr_t va, size_t req, int socket, bool block)
{
	struct fz_win *w;
	struct rte_vmap_window rw;
	size_t size = round_page(req);
	unsigned int i;
	int ret;

	FZ_CHECK(c, (va & (FZ_PAGE - 1)) == 0, "window 0x%" PRIxPTR " not page aligned", va);
	FZ_CHECK(c, va >= c->base && va - c->base < c->map_len &&
		size <= c->map_len - (va - c->base),
		"window 0x%" PRIxPTR "+%zu outside the space 0x%" PRIxPTR "+%zu", va, size,
		c->base, c->map_len);
	for (i = 0; i < c->nr_live; i++)
		FZ_CHECK(c, va + size <= c->live[i].va ||
			c->live[i].va + c->live[i].size <= va,
			"window 0x%" PRIxPTR "+%zu overlaps live 0x%" PRIxPTR "+%zu", va, size,
			c->live[i].va, c->live[i].size);
	ret = rte_vmap_find(c->vm, (void *)va, &rw);
	FZ_CHECK(c, ret == 0, "find of a new window = %d", ret);
	FZ_CHECK(c, (uintptr_t)rw.va == va && rw.size == size && rw.from_block == (int)block,
		"find of new 0x%" PRIxPTR "+%zu block %d: %p+%zu block %d", va, size, block,
		rw.va, rw.size, rw.from_block);
	if (socket != SOCKET_ID_ANY)
		FZ_CHECK(c, rw.socket_id == socket, "asked socket %d, got %d", socket,
			rw.socket_id);
	for (i = 0; i < c->nr_sockets; i++)
		if (rw.socket_id == c->sockets[i])
			break;
	FZ_CHECK(c, i < c->nr_sockets, "socket %d not in the topology", rw.socket_id);
	FZ_CHECK(c, rw.iova != RTE_BAD_IOVA, "new window without an IOVA");
	FZ_CHECK(c, rw.iova == rte_vmap_virt2iova(c->vm, (void *)va), "find iova 0x%" PRIx64
		" != virt2iova", rw.iova);
	if (c->iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		FZ_CHECK(c, (rw.iova & (FZ_PAGE - 1)) == 0, "DOMAIN iova 0x%" PRIx64, rw.iova);
		for (i = 0; i < c->nr_live; i++)
			FZ_CHECK(c, rw.iova + size <= c->live[i].iova ||
				c->live[i].iova + c->live[i].size <= rw.iova,
				"IOVA 0x%" PRIx64 "+%zu overlaps live 0x%" PRIx64 "+%zu", rw.iova,
				size, c->live[i].iova, c->live[i].size);
		if (c->iova_range) {
			uint64_t isz = c->p.iova_size != 0 ? c->p.iova_size : c->map_len;

			FZ_CHECK(c, rw.iova >= c->p.iova_base &&
				rw.iova + size <= c->p.iova_base + isz,
				"IOVA 0x%" PRIx64 "+%zu outside the domain", rw.iova, size);
		}
	}
	FZ_CHECK(c, c->nr_live < FZ_MAX_LIVE, "model full");
	w = &c->live[c->nr_live++];
	w->va = va;
	w->size = size;
	w->req = req;
	w->iova = rw.iova;
	w->socket = rw.socket_id;
	w->block = block;
	w->tag = (uint64_t)++c->next_tag << 16 | 0xf0;
	c->bytes += size;
	tag_write(w);
	fz_check_v2i(c, va);
	fz_check_v2i(c, va + size - 1);
	check_translation(c, w->iova, true, va);
	if (c->sim && size > FZ_PAGE && c->iova_mode != RTE_VMAP_IOVA_PA)
		check_translation(c, w->iova + size - FZ_PAGE, true, va + size - FZ_PAGE);
}

void
fz_model_del(struct fz_ctx *c, unsigned int i)
{
	struct fz_gone *g = &c->gone[c->gone_pos++ % FZ_GONE];

	g->va = c->live[i].va;
	g->size = c->live[i].size;
	g->iova = c->live[i].iova;
	c->bytes -= c->live[i].size;
	c->live[i] = c->live[--c->nr_live];
}
