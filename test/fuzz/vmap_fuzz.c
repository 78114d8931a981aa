/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fuzz: a libFuzzer harness that drives the public API of a space with
 * a sequence of calls decoded from its input, and checks every result
 * against a shadow model. Any disagreement aborts (libFuzzer keeps the
 * input as a crash); ASan and UBSan catch memory errors, and libFuzzer's
 * leak check catches what a destroyed space left behind.
 *
 * The EAL comes up once per process (--no-huge, a file prefix of its own);
 * every input then:
 *
 *   header (8 bytes) -> parameters of the space: page size (4 KiB mostly,
 *       2 MiB now and then), VA size (64 KiB to 253 MiB), nr_nodes,
 *       lazy_max, mem_limit, IOVA mode (VA, DOMAIN, AUTO), STRICT or lazy,
 *       NO_LCORE_CACHE, EXTMEM, topology (this machine one time in eight,
 *       else a synthetic one with 2 or 3 sockets),
 *       IOMMU driver ("none" or "sim" with its arguments);
 *       a create with bad parameters first (expected errno), and a
 *       duplicate create after the real one (EEXIST)
 *   ops (the rest, up to FZ_MAX_OPS) -> alloc (sizes, aligns, sockets,
 *       valid or not), free (live, interior, stale, foreign, NULL, wrong
 *       kind), block_alloc/block_free (wrong sizes too), find, virt2iova,
 *       purge, stats, getters, ops run from a non-EAL thread, windows of a
 *       second space given to the first, DMA through the simulated IOMMU
 *   teardown -> free everything (or not), purge, destroy
 *
 * The model: the live windows (start, size as rounded, block or not, IOVA,
 * socket, a tag written into the first and last 8 bytes), the last freed
 * ranges, and what every call must answer: the documented errno for every
 * misuse, RTE_BAD_IOVA from virt2iova for anything not inside a live
 * window, a find consistent with the window, stats whose nr_windows and
 * va_used equal the model's, rte_vmap_verify() == 0 after every call (or
 * every few calls), no IOMMU translation of a freed range once it is
 * flushed (sim driver). ENOMEM is accepted only when the space can show it
 * is out of room (largest free range, memory limit) or when the model
 * cannot tell (several sockets, DOMAIN IOVA fragmentation, hugepages).
 *
 * Environment: VMAP_FUZZ_TRACE=1 prints every call (to replay a crash),
 * VMAP_FUZZ_LOG=1 keeps the library's log (silenced otherwise: misuse logs
 * an error per call), VMAP_FUZZ_EAL adds EAL arguments.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_memory.h>

#include <hwloc.h>

#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>

#define FZ_MAX_OPS 384
#define FZ_MAX_LIVE 192
#define FZ_GONE 16
#define FZ_PAGE ((size_t)4096)
#define FZ_NAME "vmap_fuzz"
#define FZ_NAME2 "vmap_fuzz2"
#define FZ_MAX_SOCKETS 4
#define FZ_MAX_EAL_ARGS 32

/* ---- input ------------------------------------------------------------- */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
in_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t
in_u16(struct fz_in *in)
{
	uint16_t lo = in_u8(in);

	return lo | (uint16_t)in_u8(in) << 8;
}

static uint32_t
in_u32(struct fz_in *in)
{
	uint32_t lo = in_u16(in);

	return lo | (uint32_t)in_u16(in) << 16;
}

/* ---- model ------------------------------------------------------------- */

struct fz_win {
	uintptr_t va;
	size_t size;      /* rounded to 4 KiB, as find reports it */
	size_t req;       /* size asked for (block_free is given it back) */
	rte_iova_t iova;
	int socket;
	bool block;
	uint64_t tag;
};

struct fz_gone {
	uintptr_t va;
	size_t size;
	rte_iova_t iova;
};

struct fz_ctx {
	struct rte_vmap *vm;
	struct rte_vmap_params p;
	char iommu_args[96];
	/* What the space was created with. */
	uintptr_t base;
	size_t map_len;
	size_t page_size;
	enum rte_vmap_iova_mode iova_mode;
	bool strict;
	bool sim;
	bool sim_faulty;  /* map_fail_every or a small page table: EIO/ENOSPC allowed */
	uint64_t sim_cap; /* bytes the sim page table maps at once, if below the space */
	bool iova_range;  /* DOMAIN with an explicit iova_base/iova_size */
	int sockets[FZ_MAX_SOCKETS];
	unsigned int nr_sockets;
	unsigned int verify_every;
	/* The model. */
	struct fz_win live[FZ_MAX_LIVE];
	unsigned int nr_live;
	uint64_t bytes;
	struct fz_gone gone[FZ_GONE];
	unsigned int gone_pos;
	uint64_t next_tag;
	struct rte_vmap_stats last;
	unsigned int op;
	const char *op_name;
	bool other_space_done;
	bool free_all;    /* teardown frees every window (else destroy releases them) */
};

static bool fz_trace;
static hwloc_topology_t fz_hwloc_keep;
static bool fz_has_1g;
static int fz_eal_sockets[FZ_MAX_SOCKETS];
static unsigned int fz_nr_eal_sockets;

static void
trace(const char *fmt, ...)
{
	va_list ap;

	if (!fz_trace)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static __rte_noreturn void
fz_fail(const struct fz_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmap_fuzz: MISMATCH at line %d, op %u (%s): ", line,
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

#define FZ_CHECK(c, cond, fmt, ...) do { \
	if (!(cond)) \
		fz_fail(c, __LINE__, "%s: " fmt, #cond, ##__VA_ARGS__); \
} while (0)

static size_t
round_page(size_t size)
{
	return RTE_ALIGN_CEIL(size, FZ_PAGE);
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
static int
model_start(const struct fz_ctx *c, uintptr_t addr)
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

static void
tag_check(const struct fz_ctx *c, const struct fz_win *w)
{
	uint64_t head = *(volatile uint64_t *)w->va;
	uint64_t tail = *(volatile uint64_t *)(w->va + w->size - sizeof(uint64_t));

	FZ_CHECK(c, head == w->tag && tail == ~w->tag,
		"window 0x%" PRIxPTR "+%zu: tag %" PRIx64 "/%" PRIx64 ", expected %" PRIx64
		" (another window or the library wrote into it)", w->va, w->size, head,
		~tail, w->tag);
}

/* ---- checks of the space against the model ----------------------------- */

static void
check_find(struct fz_ctx *c, uintptr_t addr)
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

static void
check_v2i(struct fz_ctx *c, uintptr_t addr)
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
static void
check_gone_unmapped(struct fz_ctx *c)
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

static void
check_stats(struct fz_ctx *c)
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

static void
check_verify(struct fz_ctx *c)
{
	int ret = rte_vmap_verify(c->vm);

	FZ_CHECK(c, ret == 0, "rte_vmap_verify() = %d", ret);
}

/* ---- the model changes ------------------------------------------------- */

static void
model_add(struct fz_ctx *c, uintptr_t va, size_t req, int socket, bool block)
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
	check_v2i(c, va);
	check_v2i(c, va + size - 1);
	check_translation(c, w->iova, true, va);
	if (c->sim && size > FZ_PAGE && c->iova_mode != RTE_VMAP_IOVA_PA)
		check_translation(c, w->iova + size - FZ_PAGE, true, va + size - FZ_PAGE);
}

static void
model_del(struct fz_ctx *c, unsigned int i)
{
	struct fz_gone *g = &c->gone[c->gone_pos++ % FZ_GONE];

	g->va = c->live[i].va;
	g->size = c->live[i].size;
	g->iova = c->live[i].iova;
	c->bytes -= c->live[i].size;
	c->live[i] = c->live[--c->nr_live];
}

/* ---- address choice ---------------------------------------------------- */

/* An address of no space: the harness's own data. */
static int fz_static_marker;

/*
 * An address to hand the library: a live window's start or inside it, a
 * stale one, just around the space, or one of no space at all.
 */
static uintptr_t
pick_addr(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uint8_t how = in_u8(in);
	uint32_t k = in_u32(in);
	const struct fz_win *w;
	const struct fz_gone *g;

	switch (how % 12) {
	case 0: case 1: case 2:
		if (c->nr_live == 0)
			return c->base + (k % (c->map_len / FZ_PAGE)) * FZ_PAGE;
		return c->live[k % c->nr_live].va;
	case 3: case 4:
		if (c->nr_live == 0)
			return c->base;
		w = &c->live[k % c->nr_live];
		return w->va + (k >> 8) % (w->size + FZ_PAGE);
	case 5: case 6:
		g = &c->gone[k % FZ_GONE];
		if (g->size == 0)
			return c->base + c->map_len - FZ_PAGE;
		return g->va + ((k >> 8) % 2 != 0 ? 0 : ((k >> 9) % g->size));
	case 7:
		return c->base + (uintptr_t)k * FZ_PAGE % c->map_len;
	case 8:
		switch (k % 6) {
		case 0: return c->base - FZ_PAGE;
		case 1: return c->base + c->map_len;
		case 2: return c->base - 1;
		case 3: return c->base + c->map_len - 1;
		case 4: return UINTPTR_MAX - FZ_PAGE + 1;
		default: return 1;
		}
	case 9:
		return (k & 1) != 0 ? (uintptr_t)&fz_static_marker :
			(uintptr_t)__builtin_frame_address(0);  /* the stack */
	case 10:
		return (uintptr_t)heap;
	default:
		return (uintptr_t)c->base + (k % c->map_len);
	}
}

static size_t
pick_size(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);
	uint16_t v = in_u16(in);

	switch (how % 16) {
	case 0: case 1: case 2: case 3: case 4:
		return (size_t)v % (64 << 10) + 1;           /* up to 64 KiB, any byte count */
	case 5: case 6: case 7:
		return ((size_t)v % 64 + 1) * FZ_PAGE;        /* 1 to 64 pages */
	case 8: case 9:
		return ((size_t)v % 128 + 1) * FZ_PAGE;       /* up to 512 KiB */
	case 10:
		return ((size_t)v % 512 + 1) * FZ_PAGE;       /* up to 2 MiB */
	case 11:
		/* An arena, where it costs little to fault in. */
		if (c->map_len <= ((size_t)16 << 20))
			return c->map_len / c->nr_sockets - (size_t)(v % 4) * FZ_PAGE;
		return c->map_len / c->nr_sockets + FZ_PAGE;  /* ENOMEM, nothing faulted in */
	case 12:
		return c->map_len + 1 + (v % 2) * FZ_PAGE;    /* too large: EINVAL */
	case 13:
		return 0;                                     /* EINVAL */
	case 14:
		return v % 2 != 0 ? SIZE_MAX : SIZE_MAX - FZ_PAGE + 2;
	default:
		return c->map_len;                            /* the whole space */
	}
}

static size_t
pick_align(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);

	switch (how % 16) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return 0;
	case 6:
		return 1u << (how >> 4 & 7);          /* 1 to 128: below a page, fine */
	case 7: case 8: case 9:
		return FZ_PAGE << (how >> 4);         /* 4 KiB to 128 MiB */
	case 10:
		return 3 + (how >> 4) * FZ_PAGE;      /* not a power of two: EINVAL */
	case 11:
		return FZ_PAGE + FZ_PAGE / 2;         /* EINVAL */
	case 12:
		return rte_align64pow2(c->map_len) << 1; /* over the space: EINVAL */
	case 13:
		return (size_t)1 << 63;               /* EINVAL */
	case 14:
		return SIZE_MAX;                      /* EINVAL */
	default:
		return FZ_PAGE;
	}
}

static int
pick_socket(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);

	switch (how % 8) {
	case 0: case 1: case 2: case 3:
		return SOCKET_ID_ANY;
	case 4: case 5:
		return c->sockets[(how >> 3) % c->nr_sockets];
	case 6:
		return (int)c->nr_sockets + (how >> 3) % 3 + (c->sockets[0] != 0);
	default:
		switch (how >> 3 & 3) {
		case 0: return -2;
		case 1: return RTE_MAX_NUMA_NODES;
		case 2: return INT32_MAX;
		default: return 1000;
		}
	}
}

static bool
socket_valid(const struct fz_ctx *c, int socket)
{
	unsigned int i;

	if (socket == SOCKET_ID_ANY)
		return true;
	for (i = 0; i < c->nr_sockets; i++)
		if (c->sockets[i] == socket)
			return true;
	return false;
}

/* ---- operations -------------------------------------------------------- */

/*
 * Whether a failed allocation of size bytes aligned to align may be
 * ENOMEM. Where the model can tell, it must be: no free range could hold
 * it once the library reclaimed (which a failed allocation does), or the
 * memory limit is reached.
 */
static void
check_enomem(struct fz_ctx *c, size_t size, size_t align, const char *what)
{
	struct rte_vmap_stats st;
	/* The lowest fit looks for size + align - 1 bytes (the guide's Free Tree). */
	uint64_t need = round_page(size) + (align > FZ_PAGE ? align - 1 : 0);
	int err = rte_errno;

	FZ_CHECK(c, rte_vmap_stats_get(c->vm, &st) == 0, "stats");
	/* The sim page table is full only past its capacity (live and unflushed). */
	if (err == ENOSPC && c->sim_cap != 0 &&
			c->bytes + st.va_lazy + round_page(size) > c->sim_cap)
		return;
	if (err == EIO || err == ENOSPC) {
		FZ_CHECK(c, c->sim_faulty, "%s: rte_errno %d from a driver that never fails",
			what, err);
		return;
	}
	FZ_CHECK(c, err == ENOMEM, "%s(%zu, align %zu): rte_errno %d, expected ENOMEM",
		what, size, align, err);
	if (c->nr_sockets > 1 || c->page_size != FZ_PAGE)
		return;  /* per-arena room is not visible; hugepages may be short */
	if (c->p.mem_limit != 0 && st.mem_used + round_page(size) > c->p.mem_limit)
		return;
	if (c->iova_mode == RTE_VMAP_IOVA_DOMAIN &&
			(c->iova_range || c->bytes + need > c->map_len / 4))
		return;  /* the IOVA range fragments apart from the VA */
	FZ_CHECK(c, st.va_largest_free < need,
		"%s(%zu, align %zu) ENOMEM with a free range of %" PRIu64 " (need %" PRIu64
		"), mem_used %" PRIu64, what, size, align, st.va_largest_free, need,
		st.mem_used);
}

static void
op_alloc(struct fz_ctx *c, struct fz_in *in)
{
	size_t size = pick_size(c, in);
	size_t align = pick_align(c, in);
	int socket = pick_socket(c, in);
	bool inval = size == 0 || size > c->map_len || (align & (align - 1)) != 0 ||
		align > c->map_len || !socket_valid(c, socket);
	void *va;

	if (c->nr_live == FZ_MAX_LIVE)
		return;
	trace("alloc(%zu, align %zu, socket %d)", size, align, socket);
	rte_errno = 0;
	va = rte_vmap_alloc(c->vm, size, align, socket);
	trace(" = %p (%d)\n", va, va == NULL ? rte_errno : 0);
	if (inval) {
		FZ_CHECK(c, va == NULL && rte_errno == EINVAL,
			"alloc(%zu, %zu, %d) = %p, rte_errno %d: expected EINVAL", size, align,
			socket, va, rte_errno);
		return;
	}
	if (va == NULL) {
		check_enomem(c, size, align, "alloc");
		return;
	}
	FZ_CHECK(c, ((uintptr_t)va & (RTE_MAX(align, FZ_PAGE) - 1)) == 0,
		"alloc align %zu gave %p", align, va);
	model_add(c, (uintptr_t)va, size, socket, false);
}

static void
op_block_alloc(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);
	uint16_t v = in_u16(in);
	size_t max = rte_vmap_block_max(c->vm);
	size_t size;
	void *va;

	if (c->nr_live == FZ_MAX_LIVE)
		return;
	switch (how % 8) {
	case 0: size = 0; break;
	case 1: size = max + 1 + v % FZ_PAGE; break;
	case 2: size = max; break;
	case 3: size = SIZE_MAX; break;
	default: size = (size_t)v % max + 1; break;
	}
	trace("block_alloc(%zu)", size);
	rte_errno = 0;
	va = rte_vmap_block_alloc(c->vm, size);
	trace(" = %p (%d)\n", va, va == NULL ? rte_errno : 0);
	/* Larger than the whole space is too large, as for rte_vmap_alloc(). */
	if (size == 0 || size > max || size > c->map_len) {
		FZ_CHECK(c, va == NULL && rte_errno == EINVAL,
			"block_alloc(%zu) = %p, rte_errno %d: expected EINVAL", size, va,
			rte_errno);
		return;
	}
	if (va == NULL) {
		check_enomem(c, size, 0, "block_alloc");
		return;
	}
	model_add(c, (uintptr_t)va, size, SOCKET_ID_ANY, true);
}

/* The sim IOTLB and page table after the driver unmapped (and flushed) a window. */
static void
after_free(struct fz_ctx *c)
{
	if (c->strict)
		check_gone_unmapped(c);
}

static void
op_free(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);
	int i, ret, expect;

	if (in_u8(in) % 16 == 0)
		addr = 0;
	i = addr != 0 ? model_start(c, addr) : -1;
	if (addr == 0)
		expect = 0;
	else if (i < 0)
		expect = -ENOENT;
	else if (c->live[i].block)
		expect = -EINVAL;
	else
		expect = 0;
	if (i >= 0 && expect == 0)
		tag_check(c, &c->live[i]);
	trace("free(0x%" PRIxPTR ")", addr);
	ret = rte_vmap_free(c->vm, (void *)addr);
	trace(" = %d\n", ret);
	FZ_CHECK(c, ret == expect, "free(0x%" PRIxPTR ") = %d, expected %d", addr, ret, expect);
	if (ret < 0)
		FZ_CHECK(c, rte_errno == -ret, "rte_errno %d for %d", rte_errno, ret);
	if (ret == 0 && i >= 0) {
		model_del(c, i);
		after_free(c);
	}
}

static void
op_block_free(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);
	uint8_t how = in_u8(in);
	int i = how != 0xff ? model_start(c, addr) : -1;
	size_t max = rte_vmap_block_max(c->vm);
	size_t size;
	int ret, expect;

	/* Mostly the size it was allocated with; else any other. */
	if (i >= 0 && how % 8 < 4)
		size = c->live[i].req;
	else if (i >= 0 && how % 8 < 6)
		size = round_page(c->live[i].req) - (how >> 4) % FZ_PAGE;
	else if (how % 8 == 6)
		size = (how >> 3) % 2 != 0 ? 0 : max + 1;
	else
		size = (size_t)(how >> 3) * FZ_PAGE + 1;
	if (how == 0xff)
		addr = 0;
	if (addr == 0)
		expect = 0;
	else if (size == 0 || size > max)
		expect = -EINVAL;
	else if (i < 0)
		expect = -ENOENT;
	else if (!c->live[i].block || round_page(size) != c->live[i].size)
		expect = -EINVAL;
	else
		expect = 0;
	if (expect == 0 && i >= 0)
		tag_check(c, &c->live[i]);
	trace("block_free(0x%" PRIxPTR ", %zu)", addr, size);
	ret = rte_vmap_block_free(c->vm, (void *)addr, size);
	trace(" = %d\n", ret);
	FZ_CHECK(c, ret == expect, "block_free(0x%" PRIxPTR ", %zu) = %d, expected %d", addr,
		size, ret, expect);
	if (ret < 0)
		FZ_CHECK(c, rte_errno == -ret, "rte_errno %d for %d", rte_errno, ret);
	if (ret == 0 && i >= 0) {
		model_del(c, i);
		after_free(c);
	}
}

static void
op_query(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);

	trace("find/virt2iova(0x%" PRIxPTR ")\n", addr);
	check_find(c, addr);
	check_v2i(c, addr);
}

static void
op_purge(struct fz_ctx *c)
{
	struct rte_vmap_stats st;
	int ret;

	trace("purge\n");
	ret = rte_vmap_purge(c->vm);
	FZ_CHECK(c, ret == 0, "purge = %d", ret);
	FZ_CHECK(c, rte_vmap_stats_get(c->vm, &st) == 0, "stats");
	FZ_CHECK(c, st.va_lazy == 0, "va_lazy %" PRIu64 " after a purge", st.va_lazy);
	check_gone_unmapped(c);
}

/* Every call given NULL, or a NULL result pointer. */
static void
op_null_misuse(struct fz_ctx *c, struct fz_in *in)
{
	struct rte_vmap_window w;
	struct rte_vmap_stats st;
	uint8_t how = in_u8(in);
	void *p;
	int ret;

	trace("misuse %u\n", how % 16);
	switch (how % 16) {
	case 0:
		p = rte_vmap_alloc(NULL, FZ_PAGE, 0, SOCKET_ID_ANY);
		FZ_CHECK(c, p == NULL && rte_errno == EINVAL, "alloc(NULL vm)");
		break;
	case 1:
		ret = rte_vmap_free(NULL, (void *)c->base);
		FZ_CHECK(c, ret == -EINVAL && rte_errno == EINVAL, "free(NULL vm) = %d", ret);
		break;
	case 2:
		p = rte_vmap_block_alloc(NULL, FZ_PAGE);
		FZ_CHECK(c, p == NULL && rte_errno == EINVAL, "block_alloc(NULL vm)");
		break;
	case 3:
		ret = rte_vmap_block_free(NULL, (void *)c->base, FZ_PAGE);
		FZ_CHECK(c, ret == -EINVAL && rte_errno == EINVAL, "block_free(NULL vm) = %d",
			ret);
		break;
	case 4:
		ret = rte_vmap_find(NULL, (void *)c->base, &w);
		FZ_CHECK(c, ret == -EINVAL, "find(NULL vm) = %d", ret);
		ret = rte_vmap_find(c->vm, c->nr_live != 0 ? (void *)c->live[0].va :
			(void *)c->base, NULL);
		FZ_CHECK(c, ret == -EINVAL, "find(NULL w) = %d", ret);
		break;
	case 5:
		FZ_CHECK(c, rte_vmap_virt2iova(NULL, (void *)c->base) == RTE_BAD_IOVA,
			"virt2iova(NULL vm)");
		break;
	case 6:
		ret = rte_vmap_purge(NULL);
		FZ_CHECK(c, ret == -EINVAL, "purge(NULL) = %d", ret);
		break;
	case 7:
		ret = rte_vmap_stats_get(NULL, &st);
		FZ_CHECK(c, ret == -EINVAL, "stats_get(NULL vm) = %d", ret);
		ret = rte_vmap_stats_get(c->vm, NULL);
		FZ_CHECK(c, ret == -EINVAL, "stats_get(NULL st) = %d", ret);
		break;
	case 8:
		ret = rte_vmap_verify(NULL);
		FZ_CHECK(c, ret == -EINVAL, "verify(NULL) = %d", ret);
		break;
	case 9:
		FZ_CHECK(c, rte_vmap_block_max(NULL) == 0, "block_max(NULL)");
		FZ_CHECK(c, rte_vmap_page_size(NULL) == 0, "page_size(NULL)");
		FZ_CHECK(c, rte_vmap_iova_mode_get(NULL) == RTE_VMAP_IOVA_AUTO,
			"iova_mode_get(NULL)");
		break;
	case 10:
		FZ_CHECK(c, rte_vmap_lookup(FZ_NAME) == c->vm, "lookup(" FZ_NAME ")");
		FZ_CHECK(c, rte_vmap_lookup(NULL) == NULL && rte_errno == EINVAL, "lookup(NULL)");
		FZ_CHECK(c, rte_vmap_lookup("vmap_fuzz_none") == NULL && rte_errno == ENOENT,
			"lookup(unknown)");
		break;
	case 11:
		FZ_CHECK(c, rte_vmap_page_size(c->vm) == c->page_size, "page_size %zu",
			rte_vmap_page_size(c->vm));
		FZ_CHECK(c, rte_vmap_iova_mode_get(c->vm) == c->iova_mode, "iova_mode %d",
			(int)rte_vmap_iova_mode_get(c->vm));
		FZ_CHECK(c, rte_vmap_block_max(c->vm) >= FZ_PAGE, "block_max %zu",
			rte_vmap_block_max(c->vm));
		break;
	case 12:
		rte_vmap_destroy(NULL);
		break;
	case 13:
		/* A block window given to rte_vmap_free(), an ordinary one to block_free. */
		if (c->nr_live != 0) {
			const struct fz_win *lw = &c->live[(how >> 4) % c->nr_live];

			if (lw->block) {
				ret = rte_vmap_free(c->vm, (void *)lw->va);
				FZ_CHECK(c, ret == -EINVAL, "free(block window) = %d", ret);
			} else if (lw->size <= rte_vmap_block_max(c->vm)) {
				ret = rte_vmap_block_free(c->vm, (void *)lw->va, lw->req);
				FZ_CHECK(c, ret == -EINVAL, "block_free(window) = %d", ret);
			}
		}
		break;
	default:
		ret = rte_vmap_block_free(c->vm, NULL, how);
		FZ_CHECK(c, ret == 0, "block_free(NULL addr) = %d", ret);
		ret = rte_vmap_free(c->vm, NULL);
		FZ_CHECK(c, ret == 0, "free(NULL addr) = %d", ret);
		break;
	}
}

/* A device writes through a live window's IOVA; the CPU must see it. */
static void
op_dma(struct fz_ctx *c, struct fz_in *in)
{
	uint32_t k = in_u32(in);
	const struct fz_win *w;
	uint64_t v = 0x5a5a000000000000ull | k, got = 0;
	size_t off;
	int ret;

	if (c->nr_live == 0)
		return;
	w = &c->live[k % c->nr_live];
	/* Away from the tags; a window of one page has room at 8..4087. */
	off = RTE_ALIGN_FLOOR(8 + (size_t)(k >> 8) % (w->size - 16), 8);
	if (!c->sim) {
		*(volatile uint64_t *)(w->va + off) = v;
		FZ_CHECK(c, *(volatile uint64_t *)(w->va + off) == v, "memory");
		return;
	}
	trace("dma(0x%" PRIxPTR "+%zu)\n", w->va, off);
	ret = rte_vmap_iommu_sim_dma_write(c->vm, rte_vmap_virt2iova(c->vm,
		(void *)(w->va + off)), &v, sizeof(v));
	FZ_CHECK(c, ret == 0, "DMA write into live window 0x%" PRIxPTR "+%zu = %d", w->va,
		w->size, ret);
	FZ_CHECK(c, *(volatile uint64_t *)(w->va + off) == v, "DMA wrote elsewhere");
	ret = rte_vmap_iommu_sim_dma_read(c->vm, rte_vmap_virt2iova(c->vm, (void *)w->va),
		&got, sizeof(got));
	FZ_CHECK(c, ret == 0 && got == w->tag, "DMA read of the tag: %d, %" PRIx64, ret, got);
}

/* Ops from a non-EAL thread: the shared block path, frees from another thread. */
struct fz_thread_op {
	struct fz_ctx *c;
	struct fz_in *in;
	void *heap;
	uint8_t which;
};

static void *
thread_op(void *arg)
{
	struct fz_thread_op *t = arg;

	switch (t->which % 4) {
	case 0:
		op_block_alloc(t->c, t->in);
		break;
	case 1:
		op_block_free(t->c, t->in, t->heap);
		break;
	case 2:
		op_alloc(t->c, t->in);
		break;
	default:
		op_free(t->c, t->in, t->heap);
		break;
	}
	return NULL;
}

static void
op_thread(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	struct fz_thread_op t = { c, in, heap, in_u8(in) };
	pthread_t th;

	trace("thread: ");
	FZ_CHECK(c, pthread_create(&th, NULL, thread_op, &t) == 0, "pthread_create");
	pthread_join(th, NULL);
}

/* A window of another space is foreign to this one. */
static void
op_other_space(struct fz_ctx *c)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm2;
	struct rte_vmap_window w;
	void *va, *bva;
	int ret;

	if (c->other_space_done)
		return;
	c->other_space_done = true;
	trace("other space\n");
	memset(&p, 0, sizeof(p));
	p.name = FZ_NAME2;
	p.va_size = 4 << 20;
	p.page_size = RTE_VMAP_PAGE_4K;
	vm2 = rte_vmap_create(&p);
	FZ_CHECK(c, vm2 != NULL, "second space: rte_errno %d", rte_errno);
	va = rte_vmap_alloc(vm2, FZ_PAGE, 0, SOCKET_ID_ANY);
	bva = rte_vmap_block_alloc(vm2, FZ_PAGE);
	FZ_CHECK(c, va != NULL && bva != NULL, "second space alloc");
	ret = rte_vmap_free(c->vm, va);
	FZ_CHECK(c, ret == -ENOENT, "free of another space's window = %d", ret);
	ret = rte_vmap_block_free(c->vm, bva, FZ_PAGE);
	FZ_CHECK(c, ret == -ENOENT, "block_free of another space's window = %d", ret);
	ret = rte_vmap_find(c->vm, va, &w);
	FZ_CHECK(c, ret == -ENOENT, "find of another space's window = %d", ret);
	FZ_CHECK(c, rte_vmap_virt2iova(c->vm, bva) == RTE_BAD_IOVA, "virt2iova foreign");
	FZ_CHECK(c, rte_vmap_free(vm2, va) == 0, "free in its own space");
	/* bva stays live: destroy releases it. */
	rte_vmap_destroy(vm2);
}

/* A burst: n windows of one small size, freed in an order (pools, lazy lists). */
static void
op_burst(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);
	unsigned int n = 1 + in_u8(in) % 48, i, first = c->nr_live;
	size_t size = ((size_t)(how >> 3) % 16 + 1) * FZ_PAGE;
	bool block = (how & 1) != 0 && size <= rte_vmap_block_max(c->vm);
	void *va;

	trace("burst %u x %zu%s\n", n, size, block ? " block" : "");
	for (i = 0; i < n && c->nr_live < FZ_MAX_LIVE; i++) {
		rte_errno = 0;
		va = block ? rte_vmap_block_alloc(c->vm, size) :
			rte_vmap_alloc(c->vm, size, 0, SOCKET_ID_ANY);
		if (va == NULL) {
			check_enomem(c, size, 0, "burst");
			break;
		}
		model_add(c, (uintptr_t)va, size, SOCKET_ID_ANY, block);
	}
	if ((how & 2) != 0)
		return;  /* keep them */
	/* Free the burst: from the last (how & 4) or every other first. */
	while (c->nr_live > first) {
		unsigned int j = (how & 4) != 0 ? c->nr_live - 1 :
			first + (c->nr_live - first) / 2;
		const struct fz_win *w = &c->live[j];
		int ret;

		tag_check(c, w);
		ret = w->block ? rte_vmap_block_free(c->vm, (void *)w->va, w->req) :
			rte_vmap_free(c->vm, (void *)w->va);
		FZ_CHECK(c, ret == 0, "burst free of 0x%" PRIxPTR " = %d", w->va, ret);
		model_del(c, j);
	}
	after_free(c);
}

/* ---- a space ----------------------------------------------------------- */

/*
 * The synthetic machines: two sockets as packages or as NUMA nodes, and
 * three packages, since socket counts need not be powers of two
 * (corpus/regress-3-sockets: rte_vmap_create() once rounded with a mask
 * and gave small spaces arenas of 0 bytes).
 */
static const char * const fz_topologies[] = {
	"package:2 core:1 pu:1",
	"numa:2 core:1 pu:1",
	"package:3 core:1 pu:1",
};

/* Creates that must fail, each with its errno; 0 = none. */
static void
bad_create(struct fz_ctx *c, uint8_t which)
{
	struct rte_vmap_params p = c->p;
	struct rte_vmap *vm;
	int expect = EINVAL;

	switch (which % 20) {
	case 1:
		rte_errno = 0;
		vm = rte_vmap_create(NULL);
		FZ_CHECK(c, vm == NULL && rte_errno == EINVAL, "create(NULL)");
		return;
	case 2: p.name = NULL; break;
	case 3: p.name = ""; break;
	case 4: p.name = "vmap_fuzz_a_name_of_32_bytes____"; break;
	case 5: p.page_size = 8192; break;
	case 6: p.iova_mode = (enum rte_vmap_iova_mode)7; break;
	case 7: p.flags |= 1u << 7; break;
	case 8:
		/* EXTMEM is refused in DOMAIN mode (ENOTSUP where EXTMEM is not built). */
		p.flags |= RTE_VMAP_F_EXTMEM;
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		rte_errno = 0;
		vm = rte_vmap_create(&p);
		FZ_CHECK(c, vm == NULL && (rte_errno == EINVAL || rte_errno == ENOTSUP),
			"EXTMEM in DOMAIN mode: %p, rte_errno %d", (void *)vm, rte_errno);
		return;
	case 9: p.nr_nodes = 255; break;
	case 10:
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		p.iova_base = 123;
		break;
	case 11:
		p.iova_base = UINT64_MAX - FZ_PAGE + 1;
		p.iova_size = 2 * FZ_PAGE;
		break;
	case 12: p.iommu = "vmap_fuzz_no_driver"; break;
	case 13: p.topology = "garbage:x"; break;
	case 14: p.va_size = (size_t)1 << 50; break;
	case 15:
		p.iommu = "sim";
		p.iommu_args = "bogus=1";
		break;
	case 16:
		p.page_size = RTE_VMAP_PAGE_1G;
		if (fz_has_1g)
			return;
		expect = ENOTSUP;
		break;
	case 17:
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		p.iova_size = FZ_PAGE / 2;
		break;
	case 18:
		p.iommu = "sim";
		p.iommu_args = "pages=1";
		break;
	default:
		return;
	}
	rte_errno = 0;
	vm = rte_vmap_create(&p);
	FZ_CHECK(c, vm == NULL && rte_errno == expect, "bad create %u: %p, rte_errno %d,"
		" expected %d", which % 20, (void *)vm, rte_errno, expect);
}

static bool
space_create(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t b[8];
	unsigned int i, t;
	struct rte_vmap_stats st;
	struct rte_vmap *dup;

	for (i = 0; i < RTE_DIM(b); i++)
		b[i] = in_u8(in);
	memset(c, 0, sizeof(*c));
	c->p.name = FZ_NAME;
	c->strict = (b[0] & 1) != 0;
	c->p.flags = (c->strict ? RTE_VMAP_F_STRICT : 0) |
		((b[0] & 2) != 0 ? RTE_VMAP_F_NO_LCORE_CACHE : 0);
	switch (b[0] >> 2 & 3) {
	case 2: c->p.iova_mode = RTE_VMAP_IOVA_DOMAIN; break;
	case 3: c->p.iova_mode = (b[6] & 0x80) != 0 ? RTE_VMAP_IOVA_AUTO : RTE_VMAP_IOVA_VA;
		break;
	default: c->p.iova_mode = RTE_VMAP_IOVA_VA; break;
	}
	/*
	 * This machine's topology one time in eight (b[2] bit 4): hwloc reads it
	 * from sysfs at every create (some 4 ms, most of a run); a synthetic one
	 * is cheap.
	 */
	t = b[0] >> 4 & 3;
	if (t != 0 || (b[2] & 0x10) == 0)
		c->p.topology = fz_topologies[t <= 1 ? 0 : t - 1];
	c->sim = (b[0] & 0x40) != 0;
	c->page_size = (b[0] & 0x80) != 0 && (b[2] & 0x80) != 0 ? RTE_VMAP_PAGE_2M : FZ_PAGE;
	c->p.page_size = c->page_size;
	/* Small: every page faulted in costs time, and the fuzzer wants many runs. */
	if ((b[1] & 0xc0) == 0xc0)
		c->p.va_size = ((size_t)(b[1] & 0x3f) + 1) << 16;
	else if ((b[1] & 0xc0) == 0x80)
		c->p.va_size = ((size_t)(b[1] & 0x3f) * 4 + 1) << 20;
	else
		c->p.va_size = ((size_t)(b[1] & 0x7f) / 4 + 1) << 20;
	c->p.nr_nodes = b[2] & 0xf;
	c->p.lazy_max = (size_t)b[3] << 14;
	if ((b[4] & 0xf0) == 0xf0)
		c->p.mem_limit = ((size_t)(b[4] & 0xf) + 1) << 20;
	if (c->sim) {
		/*
		 * Room for every page twice (rte_hash may fill before its size), up
		 * to 64 MiB of space: creating a larger table costs milliseconds.
		 */
		uint64_t pages = 2 * RTE_MAX(RTE_MIN(c->p.va_size, (size_t)64 << 20),
			(size_t)4 << 20) / FZ_PAGE;

		if (c->p.va_size > ((size_t)64 << 20))
			c->sim_cap = pages / 2 * FZ_PAGE;

		c->p.iommu = "sim";
		switch (b[5] & 7) {
		case 0:
			pages = RTE_MAX(pages / 4, (uint64_t)8);
			c->sim_faulty = true;
			break;
		case 1:
			c->sim_faulty = true;
			break;
		default:
			break;
		}
		snprintf(c->iommu_args, sizeof(c->iommu_args), "iotlb=%u,pages=%" PRIu64
			",map_fail_every=%u", 1u << (b[5] >> 3 & 7), pages,
			(b[5] & 7) == 1 ? 2 + (b[5] >> 3 & 15) : 0);
		c->p.iommu_args = c->iommu_args;
	}
	if (c->p.iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		switch (b[6] & 3) {
		case 1:
			c->p.iova_base = UINT64_C(1) << 40;
			c->iova_range = true;
			break;
		case 2:
			/* 0 would be the default base, not 0. */
			c->p.iova_base = (uint64_t)((b[6] >> 2) + 1) * FZ_PAGE;
			c->p.iova_size = RTE_ALIGN_CEIL(c->p.va_size / 2, FZ_PAGE);
			c->iova_range = true;
			break;
		default:
			break;
		}
	}
	/* Known to DPDK (memsegs): VA, PA or AUTO mode only. */
	if ((b[6] & 0x40) != 0 && (b[4] & 0x3) == 0 && c->p.iova_mode != RTE_VMAP_IOVA_DOMAIN)
		c->p.flags |= RTE_VMAP_F_EXTMEM;
	c->verify_every = (b[7] >> 5) < 5 ? 1 : 8;
	c->free_all = (b[7] & 0x10) != 0;

	bad_create(c, b[7] & 0x1f);

	trace("create: va %zu page %zu nodes %u lazy %zu limit %zu iova %d flags 0x%x"
		" topo %s iommu %s %s\n", c->p.va_size, c->p.page_size, c->p.nr_nodes,
		c->p.lazy_max, c->p.mem_limit, (int)c->p.iova_mode, c->p.flags,
		c->p.topology != NULL ? c->p.topology : "machine",
		c->p.iommu != NULL ? c->p.iommu : "none", c->iommu_args);
	rte_errno = 0;
	c->vm = rte_vmap_create(&c->p);
	if (c->vm == NULL) {
		/* Hugepages may be missing, or taken by another process. */
		FZ_CHECK(c, (c->page_size != FZ_PAGE &&
			(rte_errno == ENOTSUP || rte_errno == ENOMEM)) ||
			((c->p.flags & RTE_VMAP_F_EXTMEM) != 0 && rte_errno == ENOTSUP),
			"create failed: rte_errno %d", rte_errno);
		return false;
	}
	rte_errno = 0;
	dup = rte_vmap_create(&c->p);
	FZ_CHECK(c, dup == NULL && rte_errno == EEXIST, "duplicate create: %p, rte_errno %d",
		(void *)dup, rte_errno);

	c->base = ((const struct __rte_vmap_fastpath *)c->vm)->va_base;
	c->map_len = ((const struct __rte_vmap_fastpath *)c->vm)->va_size;
	FZ_CHECK(c, rte_vmap_stats_get(c->vm, &st) == 0 && st.va_size == c->map_len,
		"va_size");
	FZ_CHECK(c, c->map_len >= c->p.va_size && c->map_len % c->page_size == 0,
		"map_len %zu for va_size %zu", c->map_len, c->p.va_size);
	FZ_CHECK(c, st.nr_windows == 0 && st.va_used == 0 && st.va_lazy == 0 &&
		st.mem_used == 0, "a new space is not empty");
	c->iova_mode = rte_vmap_iova_mode_get(c->vm);
	if (c->p.iova_mode != RTE_VMAP_IOVA_AUTO)
		FZ_CHECK(c, c->iova_mode == c->p.iova_mode, "iova mode %d", (int)c->iova_mode);
	else
		FZ_CHECK(c, c->iova_mode == RTE_VMAP_IOVA_VA || c->iova_mode == RTE_VMAP_IOVA_PA,
			"AUTO resolved to %d", (int)c->iova_mode);
	if (c->p.topology == NULL) {
		c->nr_sockets = fz_nr_eal_sockets;
		memcpy(c->sockets, fz_eal_sockets, sizeof(c->sockets));
	} else {
		c->nr_sockets = strcmp(c->p.topology, "package:3 core:1 pu:1") == 0 ? 3 : 2;
		for (i = 0; i < c->nr_sockets; i++)
			c->sockets[i] = (int)i;
	}
	c->last = st;
	return true;
}

static void
space_teardown(struct fz_ctx *c, bool free_all)
{
	int ret;

	c->op_name = "teardown";
	check_stats(c);
	check_verify(c);
	while (free_all && c->nr_live > 0) {
		const struct fz_win *w = &c->live[c->nr_live - 1];

		tag_check(c, w);
		ret = w->block ? rte_vmap_block_free(c->vm, (void *)w->va, w->req) :
			rte_vmap_free(c->vm, (void *)w->va);
		FZ_CHECK(c, ret == 0, "teardown free of 0x%" PRIxPTR " = %d", w->va, ret);
		model_del(c, c->nr_live - 1);
	}
	if (free_all) {
		check_stats(c);
		op_purge(c);
		check_verify(c);
	}
	for (ret = 0; ret < (int)c->nr_live; ret++)
		tag_check(c, &c->live[ret]);
	rte_vmap_destroy(c->vm);
	c->vm = NULL;
	FZ_CHECK(c, rte_vmap_lookup(FZ_NAME) == NULL && rte_errno == ENOENT,
		"lookup after destroy");
}

/* ---- libFuzzer entry points -------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char prefix[64], lcores[32];
	char *eal[FZ_MAX_EAL_ARGS] = {
		"vmap_fuzz", "--lcores", lcores, "--no-pci", "--no-huge", "-m", "64",
		"--no-shconf", "--no-telemetry", prefix,
	};
	int cpu = sched_getcpu();
	int n = 10, ret;
	const char *extra = getenv("VMAP_FUZZ_EAL");
	char *extra_copy = NULL, *tok, *save = NULL;
	unsigned int i;
	FILE *f;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_trace = getenv("VMAP_FUZZ_TRACE") != NULL;
	/* Several fuzzers (-fork, -jobs) run side by side: one prefix each. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=vmap_fuzz_%d", (int)getpid());
	/*
	 * And not all on CPU 0, where "-l 0" pinned every one of them (half
	 * the executions on a 2-CPU machine): lcore 0 stays on the CPU the
	 * scheduler started this process on, which spreads side-by-side
	 * fuzzers, and lcore 0 keeps one CPU, so its socket is defined.
	 */
	snprintf(lcores, sizeof(lcores), "0@%d", cpu >= 0 ? cpu : 0);
	if (extra != NULL) {
		extra_copy = strdup(extra);
		for (tok = strtok_r(extra_copy, " ", &save); tok != NULL && n < FZ_MAX_EAL_ARGS;
				tok = strtok_r(NULL, " ", &save))
			eal[n++] = tok;
	}
	if (getenv("VMAP_FUZZ_LOG") == NULL) {
		/* Quiet EAL start-up too: every misuse the harness makes logs an error. */
		if (n + 1 < FZ_MAX_EAL_ARGS)
			eal[n++] = "--log-level=*:critical";
	}
	/*
	 * An hwloc topology kept open keeps hwloc's plugins loaded: otherwise
	 * every rte_vmap_create() dlopen()s and dlclose()s them (most of a
	 * run's time). The library's behaviour does not change.
	 */
	if (hwloc_topology_init(&fz_hwloc_keep) < 0)
		fz_hwloc_keep = NULL;
	ret = rte_eal_init(n, eal);
	if (ret < 0) {
		fprintf(stderr, "vmap_fuzz: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	for (i = 0; i < rte_socket_count() && i < FZ_MAX_SOCKETS; i++)
		fz_eal_sockets[fz_nr_eal_sockets++] = rte_socket_id_by_idx(i);
	if (fz_nr_eal_sockets == 0)
		fz_eal_sockets[fz_nr_eal_sockets++] = 0;
	f = fopen("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "r");
	if (f != NULL) {
		unsigned long nr = 0;

		fz_has_1g = fscanf(f, "%lu", &nr) == 1 && nr > 0;
		fclose(f);
	}
	/* extra_copy stays: EAL may keep pointers into its arguments. */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	static struct fz_ctx ctx;
	struct fz_ctx *c = &ctx;
	void *heap;
	uint8_t op;

	if (!space_create(c, &in))
		return 0;
	heap = malloc(64);
	for (c->op = 0; in.n > 0 && c->op < FZ_MAX_OPS; c->op++) {
		op = in_u8(&in);
		switch (op % 24) {
		case 0: case 1: case 2: case 3: case 4:
			c->op_name = "alloc";
			op_alloc(c, &in);
			break;
		case 5: case 6: case 7: case 8:
			c->op_name = "free";
			op_free(c, &in, heap);
			break;
		case 9: case 10: case 11:
			c->op_name = "block_alloc";
			op_block_alloc(c, &in);
			break;
		case 12: case 13: case 14:
			c->op_name = "block_free";
			op_block_free(c, &in, heap);
			break;
		case 15: case 16:
			c->op_name = "query";
			op_query(c, &in, heap);
			break;
		case 17:
			c->op_name = "purge";
			op_purge(c);
			break;
		case 18:
			c->op_name = "misuse";
			op_null_misuse(c, &in);
			break;
		case 19:
			c->op_name = "dma";
			op_dma(c, &in);
			break;
		case 20:
			c->op_name = "thread";
			op_thread(c, &in, heap);
			break;
		case 21:
			c->op_name = "burst";
			op_burst(c, &in);
			break;
		case 22:
			c->op_name = "other_space";
			op_other_space(c);
			break;
		default:
			c->op_name = "stats";
			break;
		}
		check_stats(c);
		if (c->op % c->verify_every == 0)
			check_verify(c);
	}
	space_teardown(c, c->free_all);
	free(heap);
	return 0;
}
