/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * rte_vmap_verify(): stop the space (take every lock, in the documented
 * order), walk every structure and check what must hold:
 *
 * - each free tree: sorted, no two ranges touching, augmented values right
 *   (vmap_free_tree_check);
 * - each busy tree: sorted, every window in the node its start names,
 *   inside one arena, counters equal to the walk;
 * - each pool: exact sizes, owner node, counters;
 * - each lazy list: owner node, counters;
 * - free, pooled, lazy and busy ranges partition the reservation exactly;
 * - backing references equal the windows overlapping each page, and
 *   mem_used equals the pages referenced;
 * - the IOVA table: right for every granule of a live window, empty for
 *   pooled ranges and for the backed edges of free ranges.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "vmap_private.h"

struct range {
	uintptr_t start;
	size_t size;
	uint8_t state;
	uint8_t backed;
	const struct vmap_area *va;
};

struct collect {
	struct range *r;
	size_t n;
	size_t cap;
	uint8_t state;
	uint64_t hosts;  /* per-lcore block hosts seen in the busy trees */
};

#define FAIL(fmt, ...) do { \
	VMAP_LOG(ERR, "%s: invariant broken: " fmt, vm->name, ##__VA_ARGS__); \
	return -EFAULT; \
} while (0)

static int
collect_one(const struct vmap_area *va, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap)
		return -ENOSPC;
	c->r[c->n++] = (struct range){ va->start, va->size, c->state,
		(va->flags & VMAP_AREA_F_BACKED) != 0, va };
	return 0;
}

static void
lock_all(struct rte_vmap *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_arenas; i++)
		rte_spinlock_lock(&vm->arenas[i].lock);
	for (i = 0; i < vm->nr_nodes; i++)
		rte_spinlock_lock(&vm->nodes[i].pool_lock);
	for (i = 0; i < vm->nr_nodes; i++)
		rte_spinlock_lock(&vm->nodes[i].busy_lock);
	rte_spinlock_lock(&vm->iova_lock);
}

static void
unlock_all(struct rte_vmap *vm)
{
	unsigned int i;

	rte_spinlock_unlock(&vm->iova_lock);
	for (i = vm->nr_nodes; i-- > 0;)
		rte_spinlock_unlock(&vm->nodes[i].busy_lock);
	for (i = vm->nr_nodes; i-- > 0;)
		rte_spinlock_unlock(&vm->nodes[i].pool_lock);
	for (i = vm->nr_arenas; i-- > 0;)
		rte_spinlock_unlock(&vm->arenas[i].lock);
}

/* An upper bound of the ranges, read outside lock_all(), to size the buffer. */
static size_t
count_ranges(struct rte_vmap *vm)
{
	struct vmap_node_usage u;
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_arenas; i++)
		n += __atomic_load_n(&vm->arenas[i].free.nr_ranges, __ATOMIC_RELAXED);
	for (i = 0; i < vm->nr_nodes; i++) {
		rte_spinlock_lock(&vm->nodes[i].busy_lock);
		vmap_node_usage(&vm->nodes[i], &u);
		rte_spinlock_unlock(&vm->nodes[i].busy_lock);
		n += u.nr_windows;
		/* Pooled and lazy ranges are at least one granule each. */
		n += (u.pooled + u.lazy) >> VMAP_GRANULE_SHIFT;
		n += u.chunks / vm->zone_size + 1;
	}
	/* Block hosts are busy ranges but not windows. */
	return n + vmap_blocks_count(vm);
}

static int
check_chunk(struct rte_vmap *vm, const struct vmap_node *vn, const struct vmap_area *va,
		struct collect *c)
{
	if (va->state != VMAP_AREA_CHUNK || va->alloc_node != vn->id ||
			(va->flags & VMAP_AREA_F_BACKED) == 0 ||
			vmap_addr_to_node(vm, va->start) != vn ||
			va->size == 0 || va->size > vm->zone_size)
		FAIL("chunk 0x%" PRIxPTR "+%zu wrong for node %u", va->start, va->size, vn->id);
	return collect_one(va, c);
}

/* The zone chunks: carved from the node's own zones only. */
static int
check_chunks(struct rte_vmap *vm, struct vmap_node *vn, uint64_t counted, struct collect *c)
{
	const struct vmap_area *va;
	uint64_t bytes = 0;
	int ret;

	c->state = VMAP_AREA_CHUNK;
	if (vn->chunk != NULL) {
		ret = check_chunk(vm, vn, vn->chunk, c);
		if (ret != 0)
			return ret;
		bytes += vn->chunk->size;
	}
	STAILQ_FOREACH(va, &vn->stash, link) {
		ret = check_chunk(vm, vn, va, c);
		if (ret != 0)
			return ret;
		bytes += va->size;
	}
	if (bytes != counted)
		FAIL("node %u chunk bytes %" PRIu64 ", walk %" PRIu64, vn->id, counted, bytes);
	return 0;
}

/* The lazy list: no purge runs (purge_lock is held), no free may run. */
static int
check_lazy(struct rte_vmap *vm, struct vmap_node *vn, uint64_t counted, struct collect *c)
{
	const struct vmap_area *va;
	uint64_t bytes = 0;

	c->state = VMAP_AREA_LAZY;
	for (va = __atomic_load_n(&vn->lazy_head, __ATOMIC_ACQUIRE); va != NULL;
			va = STAILQ_NEXT(va, link)) {
		if (va->state != VMAP_AREA_LAZY || va->alloc_node != vn->id ||
				(va->flags & VMAP_AREA_F_BACKED) == 0)
			FAIL("lazy range 0x%" PRIxPTR "+%zu wrong for node %u", va->start,
				va->size, vn->id);
		if (collect_one(va, c) != 0)
			return -ENOSPC;
		bytes += va->size;
	}
	if (bytes != counted)
		FAIL("node %u lazy bytes %" PRIu64 ", walk %" PRIu64, vn->id, counted, bytes);
	return 0;
}

static int
check_node(struct rte_vmap *vm, struct vmap_node *vn, struct collect *c)
{
	size_t first = c->n, i, bytes = 0, hosts = 0, grants = 0;
	struct vmap_node_usage u;
	unsigned int k;
	int ret;

	c->state = VMAP_AREA_BUSY;
	ret = vmap_busy_walk(vn, collect_one, c);
	if (ret != 0)
		return ret;
	for (i = first; i < c->n; i++) {
		const struct range *r = &c->r[i];

		if (r->va->state != VMAP_AREA_BUSY || vmap_addr_to_node(vm, r->start) != vn)
			FAIL("window 0x%" PRIxPTR " in node %u: state %u, belongs to node %u",
				r->start, vn->id, r->va->state,
				vmap_addr_to_node(vm, r->start)->id);
		if (vmap_arena_of(vm, r->start) != vmap_arena_of(vm, r->start + r->size - 1))
			FAIL("window 0x%" PRIxPTR " crosses an arena boundary", r->start);
		if ((r->va->flags & VMAP_AREA_F_GRANT) != 0) {
			/* A secondary's block: the grant checks inside (not a block's). */
			ret = vmap_grant_host_check(vm, r->va);
			if (ret != 0)
				return ret;
			grants++;
			continue;
		}
		if ((r->va->flags & VMAP_AREA_F_HOST) != 0) {
			/* A block's host: not a window; vmap_blocks_verify() checks inside. */
			ret = vmap_block_host_check(vm, r->va);
			if (ret != 0)
				return ret;
			hosts++;
			continue;
		}
		bytes += r->size;
	}
	c->hosts += hosts;
	vmap_node_usage(vn, &u);
	if (c->n - first - hosts - grants != u.nr_windows || bytes != u.va_used)
		FAIL("node %u counts %" PRIu64 " windows/%" PRIu64 " bytes, walk %zu/%zu",
			vn->id, u.nr_windows, u.va_used, c->n - first, bytes);

	bytes = 0;
	c->state = VMAP_AREA_POOLED;
	for (k = 0; k < RTE_VMAP_POOL_CLASSES; k++) {
		const struct vmap_area *va;
		uint64_t len = 0;

		STAILQ_FOREACH(va, &vn->pool[k].head, link) {
			bool ok = va->size == (k + 1) * VMAP_GRANULE &&
				va->state == VMAP_AREA_POOLED && va->alloc_node == vn->id &&
				(va->flags & VMAP_AREA_F_BACKED) != 0;

			if (!ok)
				FAIL("pooled 0x%" PRIxPTR "+%zu wrong for class %u of node %u",
					va->start, va->size, k, vn->id);
			if (collect_one(va, c) != 0)
				return -ENOSPC;
			len++;
			bytes += va->size;
		}
		if (len != vn->pool[k].len)
			FAIL("node %u pool %u counts %" PRIu64 ", walk %" PRIu64, vn->id, k,
				vn->pool[k].len, len);
	}
	if (bytes != u.pooled)
		FAIL("node %u pool bytes %" PRIu64 ", walk %zu", vn->id, u.pooled, bytes);
	ret = check_chunks(vm, vn, u.chunks, c);
	if (ret != 0)
		return ret;
	return check_lazy(vm, vn, u.lazy, c);
}

static int
range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int
check_partition(struct rte_vmap *vm, const struct collect *c)
{
	uintptr_t expect = vm->map_base;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->r[i].start != expect)
			FAIL("%s at 0x%" PRIxPTR " where 0x%" PRIxPTR " was expected (%s)",
				c->r[i].state == VMAP_AREA_FREE ? "free range" : "window",
				c->r[i].start, expect,
				c->r[i].start < expect ? "overlap" : "gap");
		expect += c->r[i].size;
	}
	if (expect != vm->map_base + vm->map_len)
		FAIL("ranges end at 0x%" PRIxPTR ", reservation at 0x%" PRIxPTR, expect,
			vm->map_base + vm->map_len);
	return 0;
}

static uint64_t
page_of(const struct rte_vmap *vm, uintptr_t a)
{
	return (a - vm->map_base) >> vm->backing.page_shift;
}

/* Sweep the sorted ranges page by page: references and mem_used. */
static int
check_backing(struct rte_vmap *vm, const struct collect *c)
{
	const struct vmap_backing *bk = &vm->backing;
	uint64_t pages = 0, p, cur = UINT64_MAX;
	uint32_t want = 0;
	size_t i;

	for (i = 0; i <= c->n; i++) {
		const struct range *r = i < c->n ? &c->r[i] : NULL;
		uint64_t first = r != NULL ? page_of(vm, r->start) : UINT64_MAX;
		uint64_t last = r != NULL ? page_of(vm, r->start + r->size - 1) : UINT64_MAX;

		if (r != NULL && r->state != VMAP_AREA_FREE && !r->backed)
			FAIL("window 0x%" PRIxPTR " holds no backing", r->start);
		for (p = first; r != NULL && r->state != VMAP_AREA_FREE && p <= last; p++) {
			if (p != cur) {
				if (cur != UINT64_MAX && bk->refcnt[cur] != want)
					FAIL("page %" PRIu64 " has %u references, %u use it",
						cur, bk->refcnt[cur], want);
				pages += cur != UINT64_MAX;
				cur = p;
				want = 0;
			}
			want++;
		}
		if (r == NULL && cur != UINT64_MAX) {
			if (bk->refcnt[cur] != want)
				FAIL("page %" PRIu64 " has %u references, %u windows use it",
					cur, bk->refcnt[cur], want);
			pages++;
		}
	}
	if (pages << bk->page_shift != bk->mem_used)
		FAIL("mem_used %" PRIu64 " but windows use %" PRIu64 " pages", bk->mem_used, pages);
	return 0;
}

static int
check_table_range(struct rte_vmap *vm, const struct range *r, uintptr_t from, uintptr_t to)
{
	uintptr_t a;
	uint64_t e, want;

	for (a = from; a < to; a += VMAP_GRANULE) {
		e = vm->iova_table[(a - vm->map_base) >> VMAP_GRANULE_SHIFT];
		want = r->state == VMAP_AREA_BUSY ?
			(vmap_iova_of(vm, r->va, a) | __RTE_VMAP_IOVA_VALID) : 0;
		/* A refused run's mark where no window is live (vmap_owed.c). */
		if (e != want && !(want == 0 && vmap_owed_is_mark(e)))
			FAIL("IOVA table at 0x%" PRIxPTR " is 0x%" PRIx64 ", want 0x%" PRIx64,
				a, e, want);
	}
	return 0;
}

static int
check_table(struct rte_vmap *vm, const struct collect *c)
{
	size_t page = vm->backing.page_size, i;
	int ret;

	for (i = 0; i < c->n; i++) {
		const struct range *r = &c->r[i];
		uintptr_t end = r->start + r->size;
		uintptr_t head_end, tail_start;

		/* A block's host is published window by window (vmap_blocks_verify()). */
		if (r->state == VMAP_AREA_BUSY && (r->va->flags & VMAP_AREA_F_HOST) != 0)
			continue;
		if (r->state != VMAP_AREA_FREE) {
			ret = check_table_range(vm, r, r->start, end);
			if (ret != 0)
				return ret;
			continue;
		}
		/* Only the edges of a free range can share a backed page. */
		head_end = RTE_MIN(end, RTE_ALIGN_CEIL(r->start - vm->map_base, page) +
			vm->map_base);
		tail_start = RTE_MAX(head_end,
			RTE_ALIGN_FLOOR(end - vm->map_base, page) + vm->map_base);
		ret = check_table_range(vm, r, r->start, head_end);
		if (ret == 0)
			ret = check_table_range(vm, r, tail_start, end);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
check_locked(struct rte_vmap *vm, struct collect *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_arenas; i++) {
		ret = vmap_free_tree_check(&vm->arenas[i].free, vm->arenas[i].start,
			vm->arenas[i].end);
		if (ret != 0)
			return ret;
		c->state = VMAP_AREA_FREE;
		ret = vmap_free_tree_walk(&vm->arenas[i].free, collect_one, c);
		if (ret != 0)
			return ret;
	}
	if (vm->iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		ret = vmap_free_tree_check(&vm->iova_free, vm->iova_base,
			vm->iova_base + vm->iova_size);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < vm->nr_nodes; i++) {
		ret = check_node(vm, &vm->nodes[i], c);
		if (ret != 0)
			return ret;
	}
	qsort(c->r, c->n, sizeof(c->r[0]), range_cmp);
	ret = check_partition(vm, c);
	if (ret == 0)
		ret = check_backing(vm, c);
	if (ret == 0)
		ret = check_table(vm, c);
	if (ret == 0)
		ret = vmap_blocks_verify(vm, c->hosts);
	if (ret == 0)
		ret = vmap_extmem_verify(vm);
	if (ret == 0)
		ret = vmap_owed_verify(vm);
	return ret;
}

int
rte_vmap_verify(struct rte_vmap *vm)
{
	struct collect c = { 0 };
	int ret;

	if (vm == NULL) {
		VMAP_LOG(ERR, "NULL space");
		return -EINVAL;
	}
	/* A secondary's attachment: the owner checks its space. */
	if (vmap_is_view(vm))
		return (int)vmap_mp_call(vm, VMAP_MP_VERIFY);
	pthread_mutex_lock(&vm->purge_lock);
	do {
		/* Sized outside the locks; a space that grew meanwhile retries. */
		free(c.r);
		c.cap = count_ranges(vm) * 2 + 64;
		c.n = 0;
		c.hosts = 0;
		c.r = malloc(c.cap * sizeof(*c.r));
		if (c.r == NULL) {
			VMAP_LOG(ERR, "%s: no memory to verify %zu ranges", vm->name, c.cap);
			pthread_mutex_unlock(&vm->purge_lock);
			return -ENOMEM;
		}
		lock_all(vm);
		ret = check_locked(vm, &c);
		unlock_all(vm);
	} while (ret == -ENOSPC);
	pthread_mutex_unlock(&vm->purge_lock);
	free(c.r);
	return ret;
}
