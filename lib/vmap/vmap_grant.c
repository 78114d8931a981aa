/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Blocks granted to the lcores of secondary processes (vmap_grant.h): the
 * owner's side (the shared area, a grant's birth and return, reclaim,
 * lookups, verify, stats), the carving of a secondary's lcore, and the
 * free any process makes of a granted window.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "vmap_private.h"
#include "vmap_block.h"
#include "vmap_grant.h"

#define VMAP_GRANT_SEALED (UINT32_C(1) << 31)
#define VMAP_GRANT_DEAD UINT32_MAX

/** One granted block, in the shared grant area. */
struct vmap_grant {
	uint64_t start;   /**< host start; 0: a free slot */
	uint64_t iova;    /**< IOVA of start */
	int32_t pid;      /**< the secondary it is granted to */
	uint32_t lcore;   /**< its lcore there */
	uint32_t live;    /**< see above (atomic) */
	uint32_t pad;
	uint8_t win_pages[VMAP_BLOCK_GRANULES];
} __rte_cache_aligned;

/** The head of the shared grant area; zone_slot[] and the slots follow. */
struct vmap_grant_area {
	uint64_t nr_zones;
	uint32_t nr_slots;
	uint32_t pad;
	uint64_t slots_off;  /**< bytes from the head to slot 0 */
	uint32_t zone_slot[];
};

/** A secondary lcore's grant: the block it carves. */
struct vmap_grant_lcore {
	struct vmap_grant *g; /**< NULL: none yet */
	uint32_t next;        /**< granules carved */
	uint32_t slot;
} __rte_cache_aligned;

/** A process's handle on a space's grants (vm->grants). */
struct vmap_grants {
	struct vmap_grant_area *area;
	size_t area_len;
	int fd;               /**< the owner's memfd (-1 in a secondary) */
	uint64_t zone_base;   /**< map_base >> VMAP_BLOCK_SHIFT */
	/* The owner's: which slots are free (slot_lock), a stack of them. */
	rte_spinlock_t slot_lock;
	uint32_t nr_free;
	uint32_t *free_slots;
	/*
	 * 1 + the highest slot ever used (atomic; the stack hands out low
	 * slots first): how far the owner's walks of the slots go.
	 */
	uint32_t hi;
	/* A secondary's: per lcore, the grant it carves. */
	struct vmap_grant_lcore lc[RTE_MAX_LCORE];
};

static inline struct vmap_grant *
vmap_grant_slot(const struct vmap_grants *gs, uint32_t slot)
{
	return (struct vmap_grant *)((char *)gs->area + gs->area->slots_off) + slot;
}

/*
 * Grants at most: one per secondary lcore carving, plus the sealed ones
 * still holding live windows. The slots are a sparse memfd: only those
 * used are ever backed.
 */
#define VMAP_GRANT_SLOTS 4096

static size_t
area_len(uint64_t nr_zones, uint32_t nr_slots, uint64_t *slots_off)
{
	uint64_t off = RTE_ALIGN_CEIL(sizeof(struct vmap_grant_area) +
		nr_zones * sizeof(uint32_t), RTE_CACHE_LINE_SIZE);

	*slots_off = off;
	return RTE_ALIGN_CEIL(off + (uint64_t)nr_slots * sizeof(struct vmap_grant),
		(uint64_t)sysconf(_SC_PAGESIZE));
}

/* A granted block's IOVA is contiguous: VA, or PA with pages no smaller. */
static bool
grantable(const struct rte_vmap *vm)
{
	const struct rte_vmap_iommu_ops *ops = vm->iommu;

	if ((vm->flags & RTE_VMAP_F_NO_LCORE_CACHE) != 0 || ops->map != NULL ||
			ops->unmap != NULL || ops->flush != NULL)
		return false;
	return vm->iova_mode == RTE_VMAP_IOVA_VA ||
		(vm->iova_mode == RTE_VMAP_IOVA_PA && vm->backing.page_size >= VMAP_BLOCK_SIZE);
}

int
vmap_grants_init(struct rte_vmap *vm)
{
	uint64_t nr_zones = vm->map_len >> VMAP_BLOCK_SHIFT, off;
	struct vmap_grants *gs;
	char name[RTE_VMAP_NAMESIZE + 16];
	void *p = MAP_FAILED;
	uint32_t i;
	int fd;

	if ((vm->flags & RTE_VMAP_F_SHARED) == 0 || !grantable(vm))
		return 0;
	gs = calloc(1, sizeof(*gs));
	if (gs != NULL)
		gs->free_slots = calloc(VMAP_GRANT_SLOTS, sizeof(*gs->free_slots) +
			sizeof(struct vmap_area *));
	if (gs == NULL || gs->free_slots == NULL) {
		free(gs);
		return -ENOMEM;
	}
	gs->area_len = area_len(nr_zones, VMAP_GRANT_SLOTS, &off);
	snprintf(name, sizeof(name), "vmap-grants:%s", vm->name);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)gs->area_len) == 0)
		p = mmap(NULL, gs->area_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			fd, 0);
	if (p == MAP_FAILED) {
		VMAP_LOG(ERR, "%s: cannot create the shared block area: %s", vm->name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		free(gs->free_slots);
		free(gs);
		return -ENOMEM;
	}
	gs->fd = fd;
	gs->area = p;
	gs->area->nr_zones = nr_zones;
	gs->area->nr_slots = VMAP_GRANT_SLOTS;
	gs->area->slots_off = off;
	gs->zone_base = vm->map_base >> VMAP_BLOCK_SHIFT;
	rte_spinlock_init(&gs->slot_lock);
	/* Popped from the top: slot 0 first. */
	for (i = 0; i < VMAP_GRANT_SLOTS; i++)
		gs->free_slots[i] = VMAP_GRANT_SLOTS - 1 - i;
	gs->nr_free = VMAP_GRANT_SLOTS;
	vm->grants = gs;
	return 0;
}

/* The owner's host of each slot, after the free-slot stack in the same allocation. */
static struct vmap_area **
hosts(const struct vmap_grants *gs)
{
	return (struct vmap_area **)(gs->free_slots + VMAP_GRANT_SLOTS);
}

void
vmap_grants_fini(struct rte_vmap *vm)
{
	struct vmap_grants *gs = vm->grants;

	if (gs == NULL)
		return;
	/* Zeroed for every attached secondary too: no grant is found or carved. */
	fallocate(gs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)gs->area_len);
	munmap(gs->area, gs->area_len);
	close(gs->fd);
	free(gs->free_slots);
	free(gs);
	vm->grants = NULL;
}

int
vmap_grants_fd(const struct rte_vmap *vm)
{
	return vm->grants != NULL ? vm->grants->fd : -1;
}

static inline uint64_t *
grant_slots(const struct rte_vmap *vm, const struct vmap_grant *g)
{
	return &vm->iova_table[(g->start - vm->map_base) >> VMAP_GRANULE_SHIFT];
}

int
vmap_grant_new(struct rte_vmap *vm, int32_t pid, uint32_t lcore, int socket_id)
{
	struct vmap_grants *gs = vm->grants;
	struct vmap_area *host;
	struct vmap_grant *g;
	uint32_t slot;
	int ar;

	if (gs == NULL)
		return -ENOTSUP;
	ar = socket_id == SOCKET_ID_ANY ? -1 : vmap_topo_socket_index(&vm->topo, socket_id);
	if (ar < 0)
		ar = (int)vmap_topo_caller_socket(&vm->topo);
	rte_spinlock_lock(&gs->slot_lock);
	slot = gs->nr_free != 0 ? gs->free_slots[--gs->nr_free] : UINT32_MAX;
	rte_spinlock_unlock(&gs->slot_lock);
	if (slot == UINT32_MAX) {
		VMAP_LOG(ERR, "%s: all %u block grants are taken", vm->name, VMAP_GRANT_SLOTS);
		return -ENOSPC;
	}
	host = vmap_host_alloc(vm, (unsigned int)ar, VMAP_BLOCK_SIZE);
	if (host == NULL) {
		int err = rte_errno;

		rte_spinlock_lock(&gs->slot_lock);
		gs->free_slots[gs->nr_free++] = slot;
		rte_spinlock_unlock(&gs->slot_lock);
		return -err;
	}
	if (slot >= gs->hi)
		__atomic_store_n(&gs->hi, slot + 1, __ATOMIC_RELEASE);
	g = vmap_grant_slot(gs, slot);
	g->iova = vm->iova_mode == RTE_VMAP_IOVA_PA ? vmap_backing_phys(vm, host->start) :
		host->start;
	g->pid = pid;
	g->lcore = lcore;
	__atomic_store_n(&g->live, 0, __ATOMIC_RELAXED);
	memset(g->win_pages, 0, sizeof(g->win_pages));
	__atomic_store_n(&g->start, host->start, __ATOMIC_RELEASE);
	/* Atomic: stats and telemetry walk the slots without the owner's lock. */
	__atomic_store_n(&hosts(gs)[slot], host, __ATOMIC_RELEASE);
	host->flags |= VMAP_AREA_F_HOST | VMAP_AREA_F_GRANT;
	vmap_busy_insert(vm, host);
	host->owner = pid;
	/* Published last, once the slot says everything (as the block zone map). */
	__atomic_store_n(&gs->area->zone_slot[(host->start >> VMAP_BLOCK_SHIFT) - gs->zone_base],
		slot + 1, __ATOMIC_RELEASE);
	vmap_space_changed(vm);
	return (int)slot;
}

/* The grant in slot, claimed (live DEAD): out of the area, its host lazy. */
static void
grant_retire(struct rte_vmap *vm, uint32_t slot)
{
	struct vmap_grants *gs = vm->grants;
	struct vmap_grant *g = vmap_grant_slot(gs, slot);
	struct vmap_area *host = __atomic_load_n(&hosts(gs)[slot], __ATOMIC_ACQUIRE);
	uint64_t *slots = grant_slots(vm, g);
	uint32_t i;

	__atomic_store_n(&gs->area->zone_slot[(host->start >> VMAP_BLOCK_SHIFT) - gs->zone_base],
		0, __ATOMIC_RELEASE);
	/* A dead carver may have left entries: nothing translates after this. */
	for (i = 0; i < VMAP_BLOCK_GRANULES; i++)
		__atomic_store_n(&slots[i], 0, __ATOMIC_RELAXED);
	memset(g->win_pages, 0, sizeof(g->win_pages));
	__atomic_store_n(&g->start, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&hosts(gs)[slot], NULL, __ATOMIC_RELEASE);
	vmap_busy_unlink(vm, host);
	rte_spinlock_lock(&gs->slot_lock);
	gs->free_slots[gs->nr_free++] = slot;
	rte_spinlock_unlock(&gs->slot_lock);
	/* No driver maps a granted block (grantable()): nothing is owed but a purge. */
	host->flags = (host->flags & ~(VMAP_AREA_F_HOST | VMAP_AREA_F_GRANT)) |
		VMAP_AREA_F_UNMAPPED;
	if ((vm->flags & RTE_VMAP_F_STRICT) != 0)
		vmap_range_recycle(vm, host);
	else
		vmap_lazy_add(vm, host);
	vmap_space_changed(vm);
}

void
vmap_grant_return(struct rte_vmap *vm, uint32_t slot)
{
	struct vmap_grants *gs = vm->grants;
	uint32_t sealed = VMAP_GRANT_SEALED;

	if (gs == NULL || slot >= VMAP_GRANT_SLOTS ||
			__atomic_load_n(&hosts(gs)[slot], __ATOMIC_ACQUIRE) == NULL)
		return;
	/* Once: a second return, or one raced by a reclaim, finds it claimed. */
	if (__atomic_compare_exchange_n(&vmap_grant_slot(gs, slot)->live, &sealed,
			VMAP_GRANT_DEAD, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		grant_retire(vm, slot);
}

static uint32_t
live_windows(const struct vmap_grant *g)
{
	uint32_t i, n = 0;

	for (i = 0; i < VMAP_BLOCK_GRANULES; i++)
		n += __atomic_load_n(&g->win_pages[i], __ATOMIC_RELAXED) != 0;
	return n;
}

int
vmap_grants_reclaim(struct rte_vmap *vm, int32_t pid)
{
	struct vmap_grants *gs = vm->grants;
	struct vmap_grant *g;
	uint32_t slot;
	int n = 0;

	if (gs == NULL)
		return 0;
	for (slot = 0; slot < __atomic_load_n(&gs->hi, __ATOMIC_ACQUIRE); slot++) {
		g = vmap_grant_slot(gs, slot);
		if (__atomic_load_n(&hosts(gs)[slot], __ATOMIC_ACQUIRE) == NULL ||
				(pid != 0 && g->pid != pid))
			continue;
		/* Whatever it holds: its carver is gone (or the space is). */
		if (__atomic_exchange_n(&g->live, VMAP_GRANT_DEAD, __ATOMIC_ACQ_REL) ==
				VMAP_GRANT_DEAD)
			continue;
		n += (int)live_windows(g);
		grant_retire(vm, slot);
	}
	return n;
}

/* The grant whose zone holds addr, if it is live and covers it; else NULL. */
static struct vmap_grant *
grant_of(const struct rte_vmap *vm, uintptr_t addr)
{
	const struct vmap_grants *gs = vm->grants;
	struct vmap_grant *g;
	uint32_t s;

	if (gs == NULL || addr < vm->map_base || addr - vm->map_base >= vm->map_len)
		return NULL;
	s = __atomic_load_n(&gs->area->zone_slot[(addr >> VMAP_BLOCK_SHIFT) - gs->zone_base],
		__ATOMIC_ACQUIRE);
	if (s == 0 || s > gs->area->nr_slots)
		return NULL;
	g = vmap_grant_slot(gs, s - 1);
	if (__atomic_load_n(&g->start, __ATOMIC_ACQUIRE) != RTE_ALIGN_FLOOR(addr, VMAP_BLOCK_SIZE))
		return NULL;
	return g;
}

/* The window of pages granules at granule off of g (host's), as a descriptor. */
static void
grant_window(const struct vmap_grant *g, const struct vmap_area *host, uint32_t off,
		uint32_t pages, struct vmap_area *win)
{
	memset(win, 0, sizeof(*win));
	win->start = g->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT);
	win->size = (size_t)pages << VMAP_GRANULE_SHIFT;
	win->iova = g->iova + ((rte_iova_t)off << VMAP_GRANULE_SHIFT);
	win->flags = VMAP_AREA_F_BLOCK | VMAP_AREA_F_BACKED;
	win->state = VMAP_AREA_BUSY;
	win->alloc_node = host->alloc_node;
	win->owner = g->pid;
}

int
vmap_grant_find(const struct rte_vmap *vm, const struct vmap_area *host, uintptr_t addr,
		struct vmap_area *out)
{
	const struct vmap_grant *g = grant_of(vm, addr);
	uint32_t start, pages;

	if (g == NULL || g->start != host->start)
		return -ENOENT;
	if (!vmap_block_window_at(g->win_pages,
			(uint32_t)((addr - g->start) >> VMAP_GRANULE_SHIFT), &start, &pages))
		return -ENOENT;
	grant_window(g, host, start, pages, out);
	return 0;
}

int
vmap_grants_walk(const struct rte_vmap *vm,
		int (*fn)(const struct vmap_area *win, void *arg), void *arg)
{
	const struct vmap_grants *gs = vm->grants;
	const struct vmap_grant *g;
	struct vmap_area win;
	uint32_t slot, off, p;
	int ret;

	if (gs == NULL || gs->fd < 0)
		return 0;
	for (slot = 0; slot < __atomic_load_n(&gs->hi, __ATOMIC_ACQUIRE); slot++) {
		const struct vmap_area *host = __atomic_load_n(&hosts(gs)[slot], __ATOMIC_ACQUIRE);

		if (host == NULL)
			continue;
		g = vmap_grant_slot(gs, slot);
		for (off = 0; off < VMAP_BLOCK_GRANULES; off++) {
			p = __atomic_load_n(&g->win_pages[off], __ATOMIC_RELAXED);
			if (p == 0)
				continue;
			grant_window(g, host, off, p, &win);
			ret = fn(&win, arg);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

bool
vmap_grant_is_window(const struct rte_vmap *vm, uintptr_t addr)
{
	const struct vmap_grant *g = grant_of(vm, addr);

	return g != NULL && (addr & (VMAP_GRANULE - 1)) == 0 &&
		__atomic_load_n(&g->win_pages[(addr - g->start) >> VMAP_GRANULE_SHIFT],
			__ATOMIC_RELAXED) != 0;
}

int
vmap_grant_host_check(const struct rte_vmap *vm, const struct vmap_area *host)
{
	const struct vmap_grant *g = grant_of(vm, host->start);
	const uint64_t *slots;
	uint32_t i, live;
	uint64_t e;

	if (g == NULL || g->start != host->start || host->size != VMAP_BLOCK_SIZE) {
		VMAP_LOG(ERR, "%s: granted host 0x%" PRIxPTR " has no grant", vm->name,
			host->start);
		return -EFAULT;
	}
	live = __atomic_load_n(&g->live, __ATOMIC_ACQUIRE);
	if (live != VMAP_GRANT_DEAD && (live & ~VMAP_GRANT_SEALED) > VMAP_BLOCK_GRANULES) {
		VMAP_LOG(ERR, "%s: grant 0x%" PRIxPTR " counts %u live granules", vm->name,
			host->start, live & ~VMAP_GRANT_SEALED);
		return -EFAULT;
	}
	/*
	 * Its carver works without a lock and may have died half-way: every
	 * entry is either none or the block's own IOVA, never another.
	 */
	slots = grant_slots(vm, g);
	for (i = 0; i < VMAP_BLOCK_GRANULES; i++) {
		e = __atomic_load_n(&slots[i], __ATOMIC_RELAXED);
		if (e != 0 && e != ((g->iova + ((uint64_t)i << VMAP_GRANULE_SHIFT)) |
				__RTE_VMAP_IOVA_VALID)) {
			VMAP_LOG(ERR, "%s: grant 0x%" PRIxPTR " granule %u: IOVA entry 0x%" PRIx64
				" is not its own", vm->name, host->start, i, e);
			return -EFAULT;
		}
	}
	return 0;
}

void
vmap_grants_stats(const struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	const struct vmap_grants *gs = vm->grants;
	const struct vmap_grant *g;
	uint32_t slot, live;

	if (gs == NULL || gs->fd < 0)
		return;
	for (slot = 0; slot < __atomic_load_n(&gs->hi, __ATOMIC_ACQUIRE); slot++) {
		if (__atomic_load_n(&hosts(gs)[slot], __ATOMIC_RELAXED) == NULL)
			continue;
		g = vmap_grant_slot(gs, slot);
		live = __atomic_load_n(&g->live, __ATOMIC_RELAXED);
		if (live == VMAP_GRANT_DEAD)
			continue;
		st->nr_blocks++;
		st->nr_windows += live_windows(g);
		st->va_used += (uint64_t)(live & ~VMAP_GRANT_SEALED) << VMAP_GRANULE_SHIFT;
	}
}

/* ---- every process: the free of a granted window ------------------------------ */

/* Its last window went and it is sealed: the owner takes the host back. */
static void
grant_release(struct rte_vmap *vm, const struct vmap_grant *g)
{
	uint32_t slot = (uint32_t)(g - vmap_grant_slot(vm->grants, 0));

	if (vmap_is_view(vm))
		vmap_mp_grant_return(vm, slot);
	else
		vmap_grant_return(vm, slot);
}

int
vmap_grant_free(struct rte_vmap *vm, uintptr_t addr, size_t size)
{
	struct vmap_grant *g = grant_of(vm, addr);
	uint32_t off, pages;
	uint64_t *slots;
	uint8_t cur;

	if (g == NULL)
		return 1;
	pages = (uint32_t)(RTE_ALIGN_CEIL(size, VMAP_GRANULE) >> VMAP_GRANULE_SHIFT);
	off = (uint32_t)((addr - g->start) >> VMAP_GRANULE_SHIFT);
	cur = (uint8_t)pages;
	/* Taken by one CAS: of two frees of a window, one finds 0. */
	if ((addr & (VMAP_GRANULE - 1)) != 0 || pages == 0 || pages > VMAP_BLOCK_MAX_PAGES ||
			!__atomic_compare_exchange_n(&g->win_pages[off], &cur, 0, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		cur = (addr & (VMAP_GRANULE - 1)) != 0 ? 1 :
			__atomic_load_n(&g->win_pages[off], __ATOMIC_RELAXED);
		VMAP_LOG(ERR, "%s: 0x%" PRIxPTR " is not the start of a live block window of "
			"%zu bytes", vm->name, addr, size);
		rte_errno = cur == 0 ? ENOENT : EINVAL;
		return -rte_errno;
	}
	slots = grant_slots(vm, g);
	while (pages-- > 0)
		__atomic_store_n(&slots[off + pages], 0, __ATOMIC_RELAXED);
	pages = (uint32_t)(RTE_ALIGN_CEIL(size, VMAP_GRANULE) >> VMAP_GRANULE_SHIFT);
	if (__atomic_sub_fetch(&g->live, pages, __ATOMIC_ACQ_REL) == VMAP_GRANT_SEALED)
		grant_release(vm, g);
	return 0;
}

/* ---- a secondary ------------------------------------------------------------------ */

int
vmap_grants_attach(struct rte_vmap *vm, int fd)
{
	struct vmap_grants *gs = calloc(1, sizeof(*gs));
	struct vmap_grant_area *head;
	uint64_t off;

	if (gs == NULL)
		return -ENOMEM;
	head = mmap(NULL, sizeof(*head), PROT_READ, MAP_SHARED, fd, 0);
	if (head == MAP_FAILED) {
		free(gs);
		return -ENOMEM;
	}
	gs->area_len = area_len(head->nr_zones, head->nr_slots, &off);
	munmap(head, sizeof(*head));
	gs->area = mmap(NULL, gs->area_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		fd, 0);
	if (gs->area == MAP_FAILED) {
		VMAP_LOG(ERR, "%s: cannot map the shared block area: %s", vm->name,
			strerror(errno));
		free(gs);
		return -ENOMEM;
	}
	gs->fd = -1;
	gs->zone_base = vm->map_base >> VMAP_BLOCK_SHIFT;
	vm->grants = gs;
	return 0;
}

/* This lcore stops carving its grant; the host goes back if nothing in it is live. */
static void
grant_seal(struct rte_vmap *vm, struct vmap_grant_lcore *lc)
{
	if (__atomic_fetch_or(&lc->g->live, VMAP_GRANT_SEALED, __ATOMIC_ACQ_REL) == 0)
		vmap_mp_grant_return(vm, lc->slot);
	lc->g = NULL;
}

void
vmap_grants_detach(struct rte_vmap *vm)
{
	struct vmap_grants *gs = vm->grants;
	unsigned int i;

	if (gs == NULL)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (gs->lc[i].g != NULL)
			grant_seal(vm, &gs->lc[i]);
	munmap(gs->area, gs->area_len);
	free(gs);
	vm->grants = NULL;
}

void *
vmap_grant_alloc(struct rte_vmap *vm, size_t size)
{
	struct vmap_grants *gs = vm->grants;
	unsigned int lcore = rte_lcore_id(), tries;
	struct vmap_grant_lcore *lc;
	struct vmap_grant *g;
	uint32_t pages, off, i;
	uint64_t *slots, iova;
	int slot;

	if (gs == NULL || lcore >= RTE_MAX_LCORE || size - 1 >= VMAP_BLOCK_MAX)
		return vmap_mp_alloc(vm, size, 0, SOCKET_ID_ANY, true);
	pages = (uint32_t)(RTE_ALIGN_CEIL(size, VMAP_GRANULE) >> VMAP_GRANULE_SHIFT);
	lc = &gs->lc[lcore];
	for (tries = 0; tries < 2; tries++) {
		g = lc->g;
		/* start 0: the owner destroyed the space (its area is punched). */
		if (likely(g != NULL && lc->next + pages <= VMAP_BLOCK_GRANULES &&
				__atomic_load_n(&g->start, __ATOMIC_RELAXED) != 0)) {
			off = lc->next;
			lc->next += pages;
			__atomic_fetch_add(&g->live, pages, __ATOMIC_RELAXED);
			slots = grant_slots(vm, g) + off;
			iova = g->iova + ((uint64_t)off << VMAP_GRANULE_SHIFT);
			for (i = 0; i < pages; i++, iova += VMAP_GRANULE)
				__atomic_store_n(&slots[i], iova | __RTE_VMAP_IOVA_VALID,
					__ATOMIC_RELAXED);
			__atomic_store_n(&g->win_pages[off], (uint8_t)pages, __ATOMIC_RELEASE);
			return (void *)(g->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT));
		}
		/*
		 * Spent, and every window of it freed: carved again in place, as
		 * the owner's own blocks are when no flush is owed (no driver
		 * maps a granted block; each free cleared its IOVA entries).
		 */
		if (g != NULL && __atomic_load_n(&g->live, __ATOMIC_ACQUIRE) == 0 &&
				__atomic_load_n(&g->start, __ATOMIC_RELAXED) != 0) {
			lc->next = 0;
			continue;
		}
		if (g != NULL)
			grant_seal(vm, lc);
		slot = vmap_mp_grant(vm, lcore);
		if (slot < 0)
			break;
		lc->g = vmap_grant_slot(gs, (uint32_t)slot);
		lc->slot = (uint32_t)slot;
		lc->next = 0;
	}
	/* No grant to be had: one window from the owner. */
	return vmap_mp_alloc(vm, size, 0, SOCKET_ID_ANY, true);
}
