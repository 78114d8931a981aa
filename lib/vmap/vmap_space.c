/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Spaces: create, lookup, destroy, and the list of live spaces.
 *
 * A space's metadata is private to the process that created it (pointers,
 * locks), so the list is a process-local TAILQ rather than an EAL shared
 * tailq, which would also spend one of the 32 RTE_MAX_TAILQ slots. A
 * secondary's list holds its attachments to shared spaces (vmap_mp.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_string_fns.h>

#include "vmap_private.h"
#include "vmap_fault.h"

TAILQ_HEAD(vmap_space_list, rte_vmap);
static struct vmap_space_list vmap_spaces = TAILQ_HEAD_INITIALIZER(vmap_spaces);
/* Protects vmap_spaces; held across a creation so that names stay unique. */
static pthread_mutex_t vmap_spaces_lock = PTHREAD_MUTEX_INITIALIZER;

#define VMAP_KNOWN_FLAGS (RTE_VMAP_F_STRICT | RTE_VMAP_F_NO_LCORE_CACHE | RTE_VMAP_F_EXTMEM | \
	RTE_VMAP_F_SHARED)

static struct rte_vmap *
find_locked(const char *name)
{
	struct rte_vmap *vm;

	TAILQ_FOREACH(vm, &vmap_spaces, next)
		if (strncmp(vm->name, name, RTE_VMAP_NAMESIZE) == 0)
			return vm;
	return NULL;
}

static int
check_params(const struct rte_vmap_params *p)
{
	size_t ps = p->page_size;

	if (p->name == NULL || p->name[0] == '\0' ||
			strnlen(p->name, RTE_VMAP_NAMESIZE) >= RTE_VMAP_NAMESIZE) {
		VMAP_LOG(ERR, "name must have 1 to %d characters", RTE_VMAP_NAMESIZE - 1);
		return -EINVAL;
	}
	if (ps != 0 && ps != RTE_VMAP_PAGE_4K && ps != RTE_VMAP_PAGE_2M &&
			ps != RTE_VMAP_PAGE_1G) {
		VMAP_LOG(ERR, "%s: page_size %zu is not 4K, 2M or 1G", p->name, ps);
		return -EINVAL;
	}
	if ((unsigned int)p->iova_mode > RTE_VMAP_IOVA_DOMAIN) {
		VMAP_LOG(ERR, "%s: unknown iova_mode %d", p->name, (int)p->iova_mode);
		return -EINVAL;
	}
	if ((p->flags & ~VMAP_KNOWN_FLAGS) != 0) {
		VMAP_LOG(ERR, "%s: unknown flags 0x%x", p->name, p->flags & ~VMAP_KNOWN_FLAGS);
		return -EINVAL;
	}
	if ((p->flags & RTE_VMAP_F_EXTMEM) != 0 && vmap_extmem_check_params(p) != 0)
		return -EINVAL;
	if ((p->flags & (RTE_VMAP_F_EXTMEM | RTE_VMAP_F_SHARED)) ==
			(RTE_VMAP_F_EXTMEM | RTE_VMAP_F_SHARED)) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_SHARED does not go with RTE_VMAP_F_EXTMEM "
			"(EAL's memseg lists are not shared from a library's space)", p->name);
		return -EINVAL;
	}
	if (p->nr_nodes > RTE_VMAP_MAX_NODES) {
		VMAP_LOG(ERR, "%s: nr_nodes %u over %d", p->name, p->nr_nodes,
			RTE_VMAP_MAX_NODES);
		return -EINVAL;
	}
	if (p->iova_mode == RTE_VMAP_IOVA_DOMAIN &&
			((p->iova_base | p->iova_size) & (VMAP_GRANULE - 1)) != 0) {
		VMAP_LOG(ERR, "%s: iova_base and iova_size must be 4 KiB aligned", p->name);
		return -EINVAL;
	}
	if (p->iova_base + p->iova_size < p->iova_base) {
		VMAP_LOG(ERR, "%s: IOVA range wraps", p->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * Reserve map_len bytes aligned to the page size, PROT_NONE, no memory,
 * below the IOMMU's width: in VA mode the addresses are the IOVAs.
 */
static int
reserve(struct rte_vmap *vm)
{
	uintptr_t base;
	int ret;

	vm->dma_limit = vmap_dma_limit();
	ret = vmap_va_reserve(vm->name, vm->map_len, vmap_space_align(vm), vm->dma_limit,
		(vm->flags & RTE_VMAP_F_SHARED) != 0, &base);
	if (ret != 0)
		return ret;
	vm->map_base = base;
	vm->fast.va_base = base;
	vm->fast.va_size = vm->map_len;
	return 0;
}

static int
setup_geometry(struct rte_vmap *vm, const struct rte_vmap_params *p)
{
	unsigned int sockets = vm->topo.nr_sockets;
	unsigned int nodes = p->nr_nodes != 0 ? p->nr_nodes : rte_lcore_count();
	uint64_t va = p->va_size != 0 ? p->va_size : RTE_VMAP_DEFAULT_VA_SIZE;

	/*
	 * Every socket gets the same number of nodes, at least one. Socket
	 * counts need not be powers of two: multiples, not RTE_ALIGN_*() masks.
	 */
	nodes = RTE_ALIGN_MUL_CEIL(RTE_MAX(nodes, sockets), sockets);
	if (nodes > RTE_VMAP_MAX_NODES)
		nodes = RTE_ALIGN_MUL_FLOOR(RTE_VMAP_MAX_NODES, sockets);
	if (nodes == 0) {
		VMAP_LOG(ERR, "%s: %u sockets need more than %d nodes", vm->name, sockets,
			RTE_VMAP_MAX_NODES);
		return -EINVAL;
	}
	vm->nr_nodes = nodes;
	vm->zone_size = RTE_VMAP_ZONE_SIZE;
	/* Every arena whole zones (and pages) long. */
	va = RTE_ALIGN_MUL_CEIL(va, vmap_space_align(vm) * sockets);
	if (va < p->va_size || va > VMAP_VA_SIZE_MAX) {
		VMAP_LOG(ERR, "%s: va_size %zu too large", vm->name, p->va_size);
		return -EINVAL;
	}
	vm->map_len = va;
	vm->lazy_max = p->lazy_max != 0 ? p->lazy_max :
		rte_fls_u32(rte_lcore_count()) * RTE_VMAP_LAZY_MAX_DEFAULT;
	/*
	 * Each node purges past its share of lazy_max: the same bound on what
	 * waits for a flush as one global counter, without every free bumping
	 * a shared cache line.
	 */
	vm->lazy_share = RTE_MAX(vm->lazy_max / nodes, (uint64_t)VMAP_GRANULE);
	if (vm->params.iova_mode == RTE_VMAP_IOVA_AUTO)
		vm->iova_mode = rte_eal_iova_mode() == RTE_IOVA_VA ?
			RTE_VMAP_IOVA_VA : RTE_VMAP_IOVA_PA;
	else
		vm->iova_mode = vm->params.iova_mode;
	if (vm->iova_mode == RTE_VMAP_IOVA_DOMAIN && p->iova_size != 0 &&
			p->iova_size < VMAP_GRANULE) {
		VMAP_LOG(ERR, "%s: iova_size too small", vm->name);
		return -EINVAL;
	}
	return 0;
}

/* Put each arena's whole slice into its free tree. */
static int
seed_free_space(struct rte_vmap *vm)
{
	struct vmap_area *va, *released = NULL;
	unsigned int a;

	for (a = 0; a < vm->nr_arenas; a++) {
		struct vmap_arena *ar = &vm->arenas[a];

		va = vmap_area_new();
		if (va == NULL)
			return -ENOMEM;
		vmap_free_tree_insert(&ar->free, ar->start, ar->end - ar->start, &va, &released);
		vmap_area_delete(va);
	}
	return 0;
}

static void
space_free(struct rte_vmap *vm)
{
	/* EXTMEM first: devices unmapped and memsegs unregistered while backed. */
	vmap_extmem_fini(vm);
	vmap_grants_fini(vm);
	vmap_blocks_fini(vm);
	vmap_nodes_fini(vm);
	vmap_iova_fini(vm);
	vmap_backing_fini(vm);
	if (vm->map_base != 0)
		munmap((void *)vm->map_base, vm->map_len);
	pthread_mutex_destroy(&vm->purge_lock);
	free(vm);
}

static struct rte_vmap *
space_build(const struct rte_vmap_params *p, const struct rte_vmap_iommu_ops *ops)
{
	struct rte_vmap *vm;
	int ret;

	vm = vmap_fault_aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(sizeof(*vm), RTE_CACHE_LINE_SIZE));
	if (vm == NULL) {
		VMAP_LOG(ERR, "%s: out of memory for the space", p->name);
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(vm, 0, sizeof(*vm));
	strlcpy(vm->name, p->name, sizeof(vm->name));
	vm->params = *p;
	vm->flags = p->flags;
	vm->iommu = ops;
	vm->backing.page_size = p->page_size != 0 ? p->page_size : RTE_VMAP_PAGE_2M;
	vm->backing.pagemap_fd = -1;
	vm->backing_fd = -1;
	vm->iova_fd = -1;
	pthread_mutex_init(&vm->purge_lock, NULL);
	vmap_stats_init(vm);

	ret = vmap_mp_owner_init(vm);
	if (ret == 0)
		ret = vmap_topo_load(&vm->topo, p->topology);
	if (ret == 0)
		ret = setup_geometry(vm, p);
	if (ret == 0)
		ret = reserve(vm);
	if (ret == 0)
		ret = vmap_backing_init(vm);
	if (ret == 0)
		ret = vmap_extmem_init(vm);
	if (ret == 0)
		ret = vmap_iova_init(vm);
	if (ret == 0)
		ret = vmap_nodes_init(vm);
	if (ret == 0)
		ret = seed_free_space(vm);
	if (ret == 0)
		ret = vmap_blocks_init(vm);
	if (ret == 0)
		ret = vmap_grants_init(vm);
	if (ret == 0 && ops->open != NULL) {
		ret = ops->open(vm, p->iommu_args, &vm->iommu_priv);
		if (ret > 0)
			ret = -ret;
		if (ret != 0)
			VMAP_LOG(ERR, "%s: IOMMU driver %s failed to open: %d", vm->name,
				ops->name, ret);
	}
	if (ret != 0) {
		/* The steps that log their own failure say why; this says what. */
		VMAP_LOG(ERR, "%s: cannot create the space: %s", vm->name, strerror(-ret));
		space_free(vm);
		rte_errno = -ret;
		return NULL;
	}
	return vm;
}

struct rte_vmap *
rte_vmap_create(const struct rte_vmap_params *p)
{
	const struct rte_vmap_iommu_ops *ops;
	struct rte_vmap *vm = NULL;
	int ret;

	if (p == NULL) {
		VMAP_LOG(ERR, "NULL parameters");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = check_params(p);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	ops = vmap_iommu_find(p->iommu != NULL ? p->iommu : "none");
	if (ops == NULL) {
		VMAP_LOG(ERR, "%s: no IOMMU driver named %s", p->name, p->iommu);
		rte_errno = EINVAL;
		return NULL;
	}
	ret = vmap_backing_probe(p->page_size != 0 ? p->page_size : RTE_VMAP_PAGE_2M);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	pthread_mutex_lock(&vmap_spaces_lock);
	if (find_locked(p->name) != NULL) {
		VMAP_LOG(ERR, "a space named %s exists", p->name);
		rte_errno = EEXIST;
	} else {
		vm = space_build(p, ops);
		if (vm != NULL) {
			TAILQ_INSERT_TAIL(&vmap_spaces, vm, next);
			vmap_mp_owner_publish(vm);
		}
	}
	pthread_mutex_unlock(&vmap_spaces_lock);
	return vm;
}

/* A secondary's attachment: the space's views, then its blocks' area. */
static struct rte_vmap *
attach(const char *name)
{
	struct rte_vmap *vm;
	int fd, ret;

	vm = vmap_mp_attach(name, &fd);
	if (vm == NULL || fd < 0)
		return vm;
	ret = vmap_grants_attach(vm, fd);
	close(fd);
	if (ret != 0) {
		vmap_mp_detach(vm);
		rte_errno = -ret;
		return NULL;
	}
	return vm;
}

struct rte_vmap *
rte_vmap_lookup(const char *name)
{
	struct rte_vmap *vm;

	if (name == NULL) {
		VMAP_LOG(ERR, "NULL name");
		rte_errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&vmap_spaces_lock);
	vm = find_locked(name);
	/* A secondary attaches to the primary's space; once, under the lock. */
	if (vm == NULL && rte_eal_process_type() == RTE_PROC_SECONDARY) {
		vm = attach(name);
		if (vm != NULL)
			TAILQ_INSERT_TAIL(&vmap_spaces, vm, next);
		pthread_mutex_unlock(&vmap_spaces_lock);
		return vm;
	}
	pthread_mutex_unlock(&vmap_spaces_lock);
	if (vm == NULL)
		rte_errno = ENOENT;
	return vm;
}

int
vmap_space_walk(int (*fn)(struct rte_vmap *vm, void *arg), void *arg)
{
	struct rte_vmap *vm;
	int ret = 0;

	pthread_mutex_lock(&vmap_spaces_lock);
	TAILQ_FOREACH(vm, &vmap_spaces, next) {
		/* A secondary's attachment has no metadata to walk: its owner's has. */
		if (vmap_is_view(vm))
			continue;
		ret = fn(vm, arg);
		if (ret != 0)
			break;
	}
	pthread_mutex_unlock(&vmap_spaces_lock);
	return ret;
}

struct destroy_ctx {
	uint64_t nr_live;
	rte_iova_t lo;
	rte_iova_t hi;
};

/* A window still live at destroy: unmap it, remember its span for one flush. */
static void
destroy_live(struct rte_vmap *vm, struct vmap_area *va, void *arg)
{
	struct destroy_ctx *ctx = arg;
	rte_iova_t lo, hi;

	ctx->nr_live++;
	if (vm->iommu->unmap != NULL) {
		vmap_iova_unmap(vm, va);
		vmap_iova_span(vm, va, &lo, &hi);
		ctx->lo = RTE_MIN(ctx->lo, lo);
		ctx->hi = RTE_MAX(ctx->hi, hi);
	}
	vmap_area_delete(va);
}

void
rte_vmap_destroy(struct rte_vmap *vm)
{
	struct destroy_ctx ctx = { .lo = RTE_BAD_IOVA, .hi = 0 };
	struct vmap_area_list pooled;
	struct vmap_area *va;
	unsigned int a;

	if (vm == NULL)
		return;
	pthread_mutex_lock(&vmap_spaces_lock);
	TAILQ_REMOVE(&vmap_spaces, vm, next);
	pthread_mutex_unlock(&vmap_spaces_lock);
	if (vmap_is_view(vm)) {
		/* This process's blocks sealed (they go back once empty), then the views. */
		vmap_grants_detach(vm);
		vmap_mp_detach(vm);
		return;
	}
	vmap_mp_owner_fini(vm);

	/* Per-lcore blocks first: their hosts join the lazy lists, windows unmapped. */
	vmap_blocks_release(vm);
	vmap_grants_reclaim(vm, 0);
	pthread_mutex_lock(&vm->purge_lock);
	/* Lazily freed ranges first: unmapped and flushed like any purge. */
	vmap_purge_final(vm);
	vmap_busy_drain(vm, destroy_live, &ctx);
	if (ctx.nr_live != 0)
		VMAP_LOG(NOTICE, "%s: destroyed with %" PRIu64 " live windows, released",
			vm->name, ctx.nr_live);
	vmap_iova_flush(vm, ctx.lo, ctx.hi);
	for (a = 0; a < vm->nr_nodes; a++) {
		STAILQ_INIT(&pooled);
		vmap_pools_decay(&vm->nodes[a], 0, &pooled);
		vmap_chunks_drain(&vm->nodes[a], true, &pooled);
		while ((va = STAILQ_FIRST(&pooled)) != NULL) {
			STAILQ_REMOVE_HEAD(&pooled, link);
			vmap_area_delete(va);
		}
	}
	pthread_mutex_unlock(&vm->purge_lock);
	if (vm->iommu->close != NULL)
		vm->iommu->close(vm->iommu_priv);
	/* Unmapping the reservation gives every backing page back at once. */
	space_free(vm);
}

RTE_LOG_REGISTER_DEFAULT(vmap_logtype, NOTICE);
