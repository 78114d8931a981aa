/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fuzz's operations: the choice of the addresses, sizes, alignments
 * and sockets handed to the library, and the calls an input makes, each
 * checked against the model (vmap_fuzz.c has the overview).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <rte_vmap.h>
#include <rte_vmap_iommu_sim.h>

#include "vmap_fuzz.h"

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

void
fz_op_alloc(struct fz_ctx *c, struct fz_in *in)
{
	size_t size = pick_size(c, in);
	size_t align = pick_align(c, in);
	int socket = pick_socket(c, in);
	bool inval = size == 0 || size > c->map_len || (align & (align - 1)) != 0 ||
		align > c->map_len || !socket_valid(c, socket);
	void *va;

	if (c->nr_live == FZ_MAX_LIVE)
		return;
	fz_trace("alloc(%zu, align %zu, socket %d)", size, align, socket);
	rte_errno = 0;
	va = rte_vmap_alloc(c->vm, size, align, socket);
	fz_trace(" = %p (%d)\n", va, va == NULL ? rte_errno : 0);
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
	fz_model_add(c, (uintptr_t)va, size, socket, false);
}

void
fz_op_block_alloc(struct fz_ctx *c, struct fz_in *in)
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
	fz_trace("block_alloc(%zu)", size);
	rte_errno = 0;
	va = rte_vmap_block_alloc(c->vm, size);
	fz_trace(" = %p (%d)\n", va, va == NULL ? rte_errno : 0);
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
	fz_model_add(c, (uintptr_t)va, size, SOCKET_ID_ANY, true);
}

/* The sim IOTLB and page table after the driver unmapped (and flushed) a window. */
static void
after_free(struct fz_ctx *c)
{
	if (c->strict)
		fz_check_gone_unmapped(c);
}

void
fz_op_free(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);
	int i, ret, expect;

	if (in_u8(in) % 16 == 0)
		addr = 0;
	i = addr != 0 ? fz_model_start(c, addr) : -1;
	if (addr == 0)
		expect = 0;
	else if (i < 0)
		expect = -ENOENT;
	else if (c->live[i].block)
		expect = -EINVAL;
	else
		expect = 0;
	if (i >= 0 && expect == 0)
		fz_tag_check(c, &c->live[i]);
	fz_trace("free(0x%" PRIxPTR ")", addr);
	ret = rte_vmap_free(c->vm, (void *)addr);
	fz_trace(" = %d\n", ret);
	FZ_CHECK(c, ret == expect, "free(0x%" PRIxPTR ") = %d, expected %d", addr, ret, expect);
	if (ret < 0)
		FZ_CHECK(c, rte_errno == -ret, "rte_errno %d for %d", rte_errno, ret);
	if (ret == 0 && i >= 0) {
		fz_model_del(c, i);
		after_free(c);
	}
}

void
fz_op_block_free(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);
	uint8_t how = in_u8(in);
	int i = how != 0xff ? fz_model_start(c, addr) : -1;
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
		fz_tag_check(c, &c->live[i]);
	fz_trace("block_free(0x%" PRIxPTR ", %zu)", addr, size);
	ret = rte_vmap_block_free(c->vm, (void *)addr, size);
	fz_trace(" = %d\n", ret);
	FZ_CHECK(c, ret == expect, "block_free(0x%" PRIxPTR ", %zu) = %d, expected %d", addr,
		size, ret, expect);
	if (ret < 0)
		FZ_CHECK(c, rte_errno == -ret, "rte_errno %d for %d", rte_errno, ret);
	if (ret == 0 && i >= 0) {
		fz_model_del(c, i);
		after_free(c);
	}
}

void
fz_op_query(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	uintptr_t addr = pick_addr(c, in, heap);

	fz_trace("find/virt2iova(0x%" PRIxPTR ")\n", addr);
	fz_check_find(c, addr);
	fz_check_v2i(c, addr);
}

void
fz_op_purge(struct fz_ctx *c)
{
	struct rte_vmap_stats st;
	int ret;

	fz_trace("purge\n");
	ret = rte_vmap_purge(c->vm);
	FZ_CHECK(c, ret == 0, "purge = %d", ret);
	FZ_CHECK(c, rte_vmap_stats_get(c->vm, &st) == 0, "stats");
	FZ_CHECK(c, st.va_lazy == 0, "va_lazy %" PRIu64 " after a purge", st.va_lazy);
	fz_check_gone_unmapped(c);
}

/* Calls given a NULL space (or a NULL result pointer): EINVAL, or their neutral answer. */
static void
null_space_misuse(struct fz_ctx *c, unsigned int which)
{
	struct rte_vmap_window w;
	struct rte_vmap_stats st;
	void *p;
	int ret;

	switch (which) {
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
	default:
		FZ_CHECK(c, rte_vmap_block_max(NULL) == 0, "block_max(NULL)");
		FZ_CHECK(c, rte_vmap_page_size(NULL) == 0, "page_size(NULL)");
		FZ_CHECK(c, rte_vmap_iova_mode_get(NULL) == RTE_VMAP_IOVA_AUTO,
			"iova_mode_get(NULL)");
		break;
	}
}

/* Lookups and getters of this space, destroy(NULL), frees of the wrong kind or of NULL. */
static void
space_misuse(struct fz_ctx *c, uint8_t how)
{
	int ret;

	switch (how % 16) {
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

/* Every call given NULL, or a NULL result pointer; calls of the wrong kind. */
void
fz_op_null_misuse(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);

	fz_trace("misuse %u\n", how % 16);
	if (how % 16 < 10)
		null_space_misuse(c, how % 16);
	else
		space_misuse(c, how);
}

/* A device writes through a live window's IOVA; the CPU must see it. */
void
fz_op_dma(struct fz_ctx *c, struct fz_in *in)
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
	fz_trace("dma(0x%" PRIxPTR "+%zu)\n", w->va, off);
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
		fz_op_block_alloc(t->c, t->in);
		break;
	case 1:
		fz_op_block_free(t->c, t->in, t->heap);
		break;
	case 2:
		fz_op_alloc(t->c, t->in);
		break;
	default:
		fz_op_free(t->c, t->in, t->heap);
		break;
	}
	return NULL;
}

void
fz_op_thread(struct fz_ctx *c, struct fz_in *in, void *heap)
{
	struct fz_thread_op t = { c, in, heap, in_u8(in) };
	pthread_t th;

	fz_trace("thread: ");
	FZ_CHECK(c, pthread_create(&th, NULL, thread_op, &t) == 0, "pthread_create");
	pthread_join(th, NULL);
}

/* A window of another space is foreign to this one. */
void
fz_op_other_space(struct fz_ctx *c)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm2;
	struct rte_vmap_window w;
	void *va, *bva;
	int ret;

	if (c->other_space_done)
		return;
	c->other_space_done = true;
	fz_trace("other space\n");
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
void
fz_op_burst(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t how = in_u8(in);
	unsigned int n = 1 + in_u8(in) % 48, i, first = c->nr_live;
	size_t size = ((size_t)(how >> 3) % 16 + 1) * FZ_PAGE;
	bool block = (how & 1) != 0 && size <= rte_vmap_block_max(c->vm);
	void *va;

	fz_trace("burst %u x %zu%s\n", n, size, block ? " block" : "");
	for (i = 0; i < n && c->nr_live < FZ_MAX_LIVE; i++) {
		rte_errno = 0;
		va = block ? rte_vmap_block_alloc(c->vm, size) :
			rte_vmap_alloc(c->vm, size, 0, SOCKET_ID_ANY);
		if (va == NULL) {
			check_enomem(c, size, 0, "burst");
			break;
		}
		fz_model_add(c, (uintptr_t)va, size, SOCKET_ID_ANY, block);
	}
	if ((how & 2) != 0)
		return;  /* keep them */
	/* Free the burst: from the last (how & 4) or every other first. */
	while (c->nr_live > first) {
		unsigned int j = (how & 4) != 0 ? c->nr_live - 1 :
			first + (c->nr_live - first) / 2;
		const struct fz_win *w = &c->live[j];
		int ret;

		fz_tag_check(c, w);
		ret = w->block ? rte_vmap_block_free(c->vm, (void *)w->va, w->req) :
			rte_vmap_free(c->vm, (void *)w->va);
		FZ_CHECK(c, ret == 0, "burst free of 0x%" PRIxPTR " = %d", w->va, ret);
		fz_model_del(c, j);
	}
	after_free(c);
}
