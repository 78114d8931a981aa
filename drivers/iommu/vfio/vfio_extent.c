/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The extent tracker of the "vfio" driver (see vfio_extent.h for what an
 * extent is and why). Entries are found by their first IOVA in an rte_hash
 * whose key positions index the entry array, so an entry costs no
 * allocation. A map call is cut into pieces, each one entry:
 *
 *   call:     [~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~]
 *   pages: |    P0    |    P1    |    P2    |    P3    |
 *   pieces: [shared P0][   own run P1-P2     ][shared P3]
 *
 * A shared page counts the granules mapped windows hold in it. An unmap
 * (which has only the IOVA) walks its range entry by entry: a purge may
 * merge the ranges of touching windows into one unmap, so it cannot be
 * cut like a single call. Pages are found from IOVA offsets alone, which
 * VA and IOVA share in the linear modes.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "vfio_extent.h"
#include "vfio_private.h"

/* Granule of map calls. */
#define EXTENT_GRANULE UINT64_C(4096)

/* One DMA entry held. */
struct vfio_extent {
	uint64_t va;
	uint64_t iova;
	uint64_t len;
	/*
	 * A shared page: its 4 KiB granules that mapped windows hold (counted
	 * by granule, not by window, so an unmap merging several windows'
	 * ranges drops exactly what they held). A window's own run: 1.
	 */
	uint32_t users;
	bool shared;
};

struct vfio_extents {
	/*
	 * Protects the table and the counts. A mutex, held across the
	 * callbacks: a window sharing a page must not return before the
	 * ioctl that maps the page (made for another window) has.
	 */
	pthread_mutex_t lock;
	struct rte_hash *by_iova;     /* first IOVA -> position in extent[] */
	struct vfio_extent *extent;   /* indexed by rte_hash key position */
	enum vfio_extent_mode mode;
	uint64_t page_size;
	uint32_t nr_entries;
	uint32_t max_entries;
	struct vfio_extent_ops ops;
	void *ctx;
};

/* The part of a map call that is one entry. */
struct piece {
	uint64_t iova;  /* first IOVA of the entry */
	uint64_t len;   /* its length */
	uint64_t next;  /* offset in the call just after this piece */
	uint32_t users; /* what the call adds to the entry's users */
	bool shared;
};

/* rte_hash names are process-wide: number the tables. */
static uint32_t extents_seq;

struct vfio_extents *
vfio_extents_create(enum vfio_extent_mode mode, uint64_t page_size, uint32_t max_entries,
		const struct vfio_extent_ops *ops, void *ctx)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		/* rte_hash's smallest table has 8 entries; the limit is ours. */
		.entries = RTE_MAX(max_entries, 8u),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* Full buckets chain rather than failing below capacity. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct vfio_extents *x;

	if (ops == NULL || ops->map == NULL || ops->unmap == NULL || max_entries == 0 ||
			!rte_is_power_of_2(page_size) || page_size < EXTENT_GRANULE ||
			mode > VFIO_EXTENT_PER_PAGE) {
		rte_errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "vmap_vfio_ext_%u",
		__atomic_fetch_add(&extents_seq, 1, __ATOMIC_RELAXED));
	x->by_iova = rte_hash_create(&hp);
	x->extent = calloc(hp.entries, sizeof(*x->extent));
	if (x->by_iova == NULL || x->extent == NULL)
		goto nomem;
	pthread_mutex_init(&x->lock, NULL);
	x->mode = mode;
	x->page_size = page_size;
	x->max_entries = max_entries;
	x->ops = *ops;
	x->ctx = ctx;
	return x;
nomem:
	if (x != NULL) {
		rte_hash_free(x->by_iova);
		free(x->extent);
		free(x);
	}
	rte_errno = ENOMEM;
	return NULL;
}

void
vfio_extents_destroy(struct vfio_extents *x)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int32_t pos;

	if (x == NULL)
		return;
	/* The library unmaps every window before close: these are leaks. */
	while ((pos = rte_hash_iterate(x->by_iova, &key, &data, &it)) >= 0) {
		struct vfio_extent *e = &x->extent[pos];

		VFIO_LOG(WARNING, "DMA entry 0x%" PRIx64 "+%" PRIu64 " still held",
			e->iova, e->len);
		x->ops.unmap(x->ctx, e->va, e->iova, e->len);
	}
	rte_hash_free(x->by_iova);
	pthread_mutex_destroy(&x->lock);
	free(x->extent);
	free(x);
}

uint32_t
vfio_extents_count(struct vfio_extents *x)
{
	uint32_t n;

	pthread_mutex_lock(&x->lock);
	n = x->nr_entries;
	pthread_mutex_unlock(&x->lock);
	return n;
}

/* The piece of the call [iova, iova + len) that starts at offset off. */
static void
piece_at(const struct vfio_extents *x, uint64_t iova, uint64_t len, uint64_t off,
		struct piece *p)
{
	uint64_t a = iova + off, end = iova + len;
	uint64_t first = RTE_ALIGN_FLOOR(a, x->page_size);
	uint64_t last = first + x->page_size;
	uint64_t run_end;

	if (x->mode == VFIO_EXTENT_EXACT) {
		*p = (struct piece){ .iova = iova, .len = len, .next = len, .users = 1,
			.shared = false };
		return;
	}
	if (a > first || end < last) {
		/* A page the call covers in part: other windows may touch it. */
		*p = (struct piece){ .iova = first, .len = x->page_size,
			.next = RTE_MIN(last, end) - iova,
			.users = (RTE_MIN(last, end) - a) / EXTENT_GRANULE, .shared = true };
		return;
	}
	/* Whole pages from a: only this window can use them. */
	run_end = x->mode == VFIO_EXTENT_PER_PAGE ? last : RTE_ALIGN_FLOOR(end, x->page_size);
	*p = (struct piece){ .iova = a, .len = run_end - a, .next = run_end - iova, .users = 1,
		.shared = false };
}

static struct vfio_extent *
find(const struct vfio_extents *x, uint64_t iova)
{
	int32_t pos = rte_hash_lookup(x->by_iova, &iova);

	return pos < 0 ? NULL : &x->extent[pos];
}

/* Add a piece's users to its entry, making the entry if it is not there. */
static int
piece_get(struct vfio_extents *x, const struct piece *p, uint64_t va)
{
	struct vfio_extent *e = find(x, p->iova);
	int32_t pos;
	int ret;

	if (e != NULL) {
		if (p->shared && e->shared && e->va == va) {
			e->users += p->users;
			return 0;
		}
		VFIO_LOG(ERR, "IOVA 0x%" PRIx64 "+%" PRIu64 " overlaps a held DMA entry",
			p->iova, p->len);
		return -EEXIST;
	}
	if (x->nr_entries == x->max_entries) {
		VFIO_LOG(ERR, "%u DMA entries held: the limit (dma_entry_limit)",
			x->nr_entries);
		return -ENOSPC;
	}
	pos = rte_hash_add_key(x->by_iova, &p->iova);
	if (pos < 0)
		return pos;
	ret = x->ops.map(x->ctx, va, p->iova, p->len);
	if (ret != 0) {
		rte_hash_del_key(x->by_iova, &p->iova);
		return ret < 0 ? ret : -EIO;
	}
	x->extent[pos] = (struct vfio_extent){ .va = va, .iova = p->iova, .len = p->len,
		.users = p->users, .shared = p->shared };
	x->nr_entries++;
	return 0;
}

/* Take users off an entry; the last one out removes it. */
static int
entry_put(struct vfio_extents *x, struct vfio_extent *e, uint32_t users)
{
	uint64_t key = e->iova;
	int ret;

	e->users -= users;
	if (e->users != 0)
		return 0;
	ret = x->ops.unmap(x->ctx, e->va, e->iova, e->len);
	rte_hash_del_key(x->by_iova, &key);
	x->nr_entries--;
	return ret < 0 ? ret : (ret > 0 ? -EIO : 0);
}

/*
 * The entry an unmap of [a, end) meets at a, and where it leaves it. The
 * range may merge several earlier map calls (a purge unmaps touching
 * windows at once), so it is walked entry by entry, not cut like one call.
 * -ENOENT if the range does not cover whole calls: no entry there, an
 * entry it would split, or more granules than a shared page holds.
 */
static int
unmap_step(struct vfio_extents *x, uint64_t a, uint64_t end, struct vfio_extent **ep,
		uint64_t *next, uint32_t *users)
{
	uint64_t key = x->mode == VFIO_EXTENT_EXACT ? a : RTE_ALIGN_FLOOR(a, x->page_size);
	struct vfio_extent *e = find(x, key);

	if (e == NULL)
		return -ENOENT;
	if (e->shared) {
		*next = RTE_MIN(key + x->page_size, end);
		*users = (*next - a) / EXTENT_GRANULE;
		if (*users > e->users)
			return -ENOENT;
	} else {
		if (e->iova != a || e->len > end - a)
			return -ENOENT;
		*next = a + e->len;
		*users = 1;
	}
	*ep = e;
	return 0;
}

static int
check_call(const struct vfio_extents *x, uint64_t va, uint64_t iova, uint64_t len)
{
	if (len == 0 || ((va | iova | len) & (EXTENT_GRANULE - 1)) != 0 || iova + len < iova)
		return -EINVAL;
	/* Linear modes cut by page offsets: VA and IOVA must agree on them. */
	if (x->mode != VFIO_EXTENT_EXACT && ((va ^ iova) & (x->page_size - 1)) != 0)
		return -EINVAL;
	return 0;
}

int
vfio_extents_map(struct vfio_extents *x, uint64_t va, uint64_t iova, uint64_t len)
{
	struct piece p, q;
	uint64_t off, undo;
	int ret;

	ret = check_call(x, va, iova, len);
	if (ret != 0) {
		VFIO_LOG(ERR, "map of 0x%" PRIx64 " to 0x%" PRIx64 "+%" PRIu64
			": unaligned, or not at the same offset in a page", va, iova, len);
		return ret;
	}
	pthread_mutex_lock(&x->lock);
	for (off = 0; off < len; off = p.next) {
		piece_at(x, iova, len, off, &p);
		ret = piece_get(x, &p, va + (p.iova - iova));
		if (ret != 0)
			break;
	}
	/* All or nothing: give back the pieces before the one that failed. */
	if (ret != 0)
		for (undo = 0; undo < off; undo = q.next) {
			piece_at(x, iova, len, undo, &q);
			entry_put(x, find(x, q.iova), q.users);
		}
	pthread_mutex_unlock(&x->lock);
	return ret;
}

int
vfio_extents_unmap(struct vfio_extents *x, uint64_t iova, uint64_t len)
{
	struct vfio_extent *e;
	uint64_t a, next;
	uint32_t users;
	int ret, r;

	ret = check_call(x, iova, iova, len);
	if (ret != 0) {
		VFIO_LOG(ERR, "unmap of 0x%" PRIx64 "+%" PRIu64 ": unaligned", iova, len);
		return ret;
	}
	pthread_mutex_lock(&x->lock);
	/* Check the whole walk first: a range not mapped so changes nothing. */
	for (a = iova; a < iova + len && ret == 0; a = next)
		ret = unmap_step(x, a, iova + len, &e, &next, &users);
	if (ret == 0)
		for (a = iova; a < iova + len; a = next) {
			unmap_step(x, a, iova + len, &e, &next, &users);
			r = entry_put(x, e, users);
			if (r != 0 && ret == 0)
				ret = r;
		}
	pthread_mutex_unlock(&x->lock);
	if (ret == -ENOENT)
		VFIO_LOG(ERR, "unmap of 0x%" PRIx64 "+%" PRIu64 ": not whole mapped ranges",
			iova, len);
	return ret;
}
