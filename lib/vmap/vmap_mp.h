/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_MP_H_
#define _VMAP_MP_H_

/*
 * DPDK multi-process (RTE_VMAP_F_SHARED): what the owner of a space (the
 * primary that created it, vmap_mp_owner.c) and the secondaries attached
 * to it (vmap_mp_view.c) say to each other over EAL's IPC.
 *
 * What is shared, and how:
 *   - the backing pages: one memfd, offset = address - map_base, mapped
 *     whole by each secondary over the same range (vmap_backing.c);
 *   - the IOVA table: one memfd every process maps (vmap_iova.c), so
 *     rte_vmap_virt2iova() stays one load everywhere;
 *   - the blocks granted to secondaries' lcores (vmap_grant.h), which
 *     they carve with no round trip and free without a lock;
 *   - nothing else: the trees, pools, lists and locks stay the owner's.
 *     A secondary's alloc, free, purge, find, stats and verify are
 *     requests the owner carries out on its IPC thread and answers. A
 *     secondary killed at any moment holds no lock anyone else needs;
 *     what it had allocated is recorded (vmap_area.owner) and given back
 *     by rte_vmap_reclaim() or destroy.
 *
 * EAL's limits, kept: a request's and a reply's parameters fit in
 * RTE_MP_MAX_PARAM_LEN bytes and at most RTE_MP_MAX_FD_NUM fds; the owner's
 * handler answers every request, sends none itself; one request of a name
 * per destination may be pending, so a secondary's threads take turns.
 *
 * Nothing here is installed; vmap_private.h includes it.
 */

#include <stdint.h>
#include <sys/types.h>

#include "vmap_private.h"

/* The action name of every request (EAL's IPC). */
#define VMAP_MP_ACTION "rte_vmap_mp"

enum vmap_mp_op {
	VMAP_MP_ATTACH = 1, /* name -> the space's layout and its two memfds */
	VMAP_MP_ALLOC,      /* size, align, socket, block -> addr */
	VMAP_MP_FREE,       /* addr, size, block */
	VMAP_MP_PURGE,
	VMAP_MP_TRIM,       /* -> bytes given back */
	VMAP_MP_FIND,       /* addr -> window */
	VMAP_MP_STATS,      /* -> stats */
	VMAP_MP_VERIFY,
	VMAP_MP_GRANT,      /* lcore (in size), socket -> a block granted (vmap_grant.h) */
	VMAP_MP_RETURN,     /* slot (in addr): a sealed grant emptied */
};

/** A request: the parameters of one message. */
struct vmap_mp_req {
	uint32_t op;         /**< enum vmap_mp_op */
	int32_t pid;         /**< the requester */
	uint64_t uid;        /**< the space, as attached (0 for ATTACH) */
	char name[RTE_VMAP_NAMESIZE];
	uint64_t addr;
	uint64_t size;
	uint64_t align;
	int32_t socket_id;
	uint32_t block;      /**< 1: a block window (rte_vmap_block_*()) */
};

/** What ATTACH answers: the layout a secondary maps. */
struct vmap_mp_layout {
	uint64_t uid;
	uint64_t map_base;
	uint64_t map_len;
	uint64_t page_size;
	uint64_t iova_table_len;
	uint32_t iova_mode;
	uint32_t flags;
	uint32_t grants;     /**< 1: a third fd, the grant area (vmap_grant.h) */
	uint32_t pad;
};

/** A reply. */
struct vmap_mp_rep {
	int32_t ret;         /**< 0 or a negative errno */
	int32_t pad;
	union {
		uint64_t addr;               /**< ALLOC */
		int64_t bytes;               /**< TRIM */
		struct vmap_mp_layout layout; /**< ATTACH (fds: backing, IOVA table) */
		struct rte_vmap_window win;  /**< FIND */
		struct rte_vmap_stats st;    /**< STATS */
	} u;
};

/* ---- vmap_mp_owner.c: the primary that owns shared spaces ------------ */

/*
 * rte_vmap_create(), in a primary process: answer secondaries from now on
 * (the IPC action is registered once, at the first space, shared or not,
 * so that a lookup of an unshared space is told EPERM rather than left to
 * time out). With RTE_VMAP_F_SHARED, also check that the space can be
 * shared and number it. 0 or -errno (logged).
 */
int vmap_mp_owner_init(struct rte_vmap *vm);
/*
 * rte_vmap_create() in a primary, the space built: the IPC handler finds it
 * by name from now on (in its own list: the handler never takes the list
 * of spaces, held across a creation, which can wait for EAL's IPC thread).
 */
void vmap_mp_owner_publish(struct rte_vmap *vm);
/*
 * rte_vmap_destroy() in a primary, once the space left the list of
 * spaces: out of the handler's list, then wait for a request the IPC
 * thread may be carrying out on it.
 */
void vmap_mp_owner_fini(struct rte_vmap *vm);

/* ---- vmap_mp_view.c: a secondary's attachment ------------------------ */

/*
 * rte_vmap_lookup() in a secondary: attach to the primary's space name;
 * *grants_fd: the fd of its grant area to map (vmap_grants_attach()), or -1.
 */
struct rte_vmap *vmap_mp_attach(const char *name, int *grants_fd);
/* rte_vmap_destroy() of an attachment: unmap the views, free the handle. */
void vmap_mp_detach(struct rte_vmap *vm);
/* The calls of an attachment, carried out by the owner. */
void *vmap_mp_alloc(struct rte_vmap *vm, size_t size, size_t align, int socket_id,
		bool block);
int vmap_mp_free(struct rte_vmap *vm, void *addr, size_t size, bool block);
int64_t vmap_mp_call(struct rte_vmap *vm, enum vmap_mp_op op);
int vmap_mp_find(const struct rte_vmap *vm, const void *addr, struct rte_vmap_window *w);
int vmap_mp_stats(struct rte_vmap *vm, struct rte_vmap_stats *st);
/* A block granted to this process's lcore: its slot, or -errno. */
int vmap_mp_grant(struct rte_vmap *vm, unsigned int lcore);
/* A sealed grant of this process is empty: the owner takes it back. */
void vmap_mp_grant_return(struct rte_vmap *vm, uint32_t slot);

/* Whether vm is a secondary's attachment (every call goes to the owner). */
static inline bool
vmap_is_view(const struct rte_vmap *vm)
{
	return vm->view != NULL;
}

#endif /* _VMAP_MP_H_ */
