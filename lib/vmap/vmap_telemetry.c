/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Telemetry (DPDK's rte_telemetry): the spaces seen from outside.
 *
 *   /vmap/list              names of the live spaces
 *   /vmap/stats,<name>      rte_vmap_stats_get() and the space's shape
 *   /vmap/nodes,<name>      per node: windows, bytes busy, pooled, chunked,
 *                           lazy, in per-lcore blocks; per arena (socket):
 *                           its size and free bytes
 *   /vmap/lcores,<name>     per enabled lcore: socket, node, its blocks
 *   /vmap/windows,<name>    the first windows (at most VMAP_TEL_MAX_WINDOWS),
 *                           each with the process it was allocated for
 *   /vmap/processes,<name>  per process holding live windows (this one, and
 *                           RTE_VMAP_F_SHARED secondaries): windows, bytes
 *   /vmap/trim,<name>       rte_vmap_trim(): the bytes it gave back, and
 *                           mem_used after (the one command that changes
 *                           the space)
 *
 * The callbacks run on the telemetry thread, which is not an lcore. Each
 * finds its space with vmap_space_walk(), i.e. under the space list lock,
 * and reads it before letting go: rte_vmap_destroy() takes that lock
 * first, so the space cannot go away under a reader (rte_vmap_lookup()
 * then a read would race with destroy). Inside, counters are read under
 * the lock that guards them, one lock at a time, as rte_vmap_dump() does;
 * nothing is allocated while a spinlock is held. An unknown or missing
 * name answers -EINVAL, which the telemetry library sends as
 * {"/vmap/<cmd>": null}.
 *
 * DPDK 22.11 shapes the answers: an array holds scalars of one type only
 * (no array of dicts), at most 512 of them, and an answer longer than
 * 16 KiB loses entries silently. Per-node, per-lcore and per-window data
 * therefore come as columns, one array per field (as /ethdev/stats does
 * for queues): entry i of every column describes the same thing. Each
 * answer counts the bytes its columns will take and stops before the
 * limit, saying so with "truncated": 1 (22.11 has no JSON boolean).
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include "vmap_private.h"
#include "vmap_block.h"

/* Windows listed by /vmap/windows at most. */
#define VMAP_TEL_MAX_WINDOWS 200
/* Processes told apart by /vmap/processes at most (this one and its secondaries). */
#define VMAP_TEL_MAX_PROCS 128
/*
 * Bytes the columns of one answer may take: the 16 KiB output buffer of
 * 22.11 less room for the keys, the scalars and the command echoed back.
 */
#define VMAP_TEL_BUDGET (15 * 1024)
/* Most entries of a column (RTE_TEL_MAX_ARRAY_ENTRIES, not exported in 22.11). */
#define VMAP_TEL_MAX_ENTRIES 512

/* ---- finding a space and keeping it alive --------------------------------- */

struct named_call {
	const char *name;
	int (*fn)(struct rte_vmap *vm, struct rte_tel_data *d);
	struct rte_tel_data *d;
	int ret;
	bool found;
};

static int
named_call_one(struct rte_vmap *vm, void *arg)
{
	struct named_call *c = arg;

	if (strncmp(vm->name, c->name, RTE_VMAP_NAMESIZE) != 0)
		return 0;
	c->found = true;
	c->ret = c->fn(vm, c->d);
	return 1;
}

/* Run fn on the live space called name, with the space list lock held. */
static int
with_space(const char *cmd, const char *name, struct rte_tel_data *d,
		int (*fn)(struct rte_vmap *vm, struct rte_tel_data *d))
{
	struct named_call c = { .name = name, .fn = fn, .d = d };

	if (name == NULL || name[0] == '\0' ||
			strnlen(name, RTE_VMAP_NAMESIZE) >= RTE_VMAP_NAMESIZE) {
		VMAP_LOG(DEBUG, "telemetry %s: no space name given", cmd);
		return -EINVAL;
	}
	vmap_space_walk(named_call_one, &c);
	if (!c.found) {
		VMAP_LOG(DEBUG, "telemetry %s: no space named %s", cmd, name);
		return -EINVAL;
	}
	return c.ret;
}

/* ---- columns ------------------------------------------------------------- */

struct column {
	const char *key;
	enum rte_tel_value_type type; /* RTE_TEL_U64_VAL, _INT_VAL or _STRING_VAL */
	struct rte_tel_data *data;
};

static void
columns_free(struct column *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		rte_tel_data_free(c[i].data);
		c[i].data = NULL;
	}
}

/*
 * The n columns of an answer, and the scratch array it gathers its
 * entries in first (nothing is allocated under a spinlock): nr zeroed
 * entries of size bytes. The array, or NULL (logged) with nothing held.
 */
static void *
columns_alloc(struct column *c, unsigned int n, size_t nr, size_t size)
{
	void *scratch = calloc(nr, size);
	unsigned int i;

	for (i = 0; scratch != NULL && i < n; i++) {
		c[i].data = rte_tel_data_alloc();
		if (c[i].data == NULL) {
			columns_free(c, i);
			free(scratch);
			scratch = NULL;
			break;
		}
		rte_tel_data_start_array(c[i].data, c[i].type);
	}
	if (scratch == NULL)
		VMAP_LOG(ERR, "telemetry: out of memory for %u columns of %zu entries", n, nr);
	return scratch;
}

/* Hand the columns to d, which frees them once the answer is written. */
static void
columns_attach(struct rte_tel_data *d, struct column *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rte_tel_data_add_dict_container(d, c[i].key, c[i].data, 0) != 0)
			rte_tel_data_free(c[i].data);
		c[i].data = NULL;
	}
}

/* Bytes a number takes in a JSON array, with its comma. */
static size_t
json_len(uint64_t v)
{
	size_t n = 1;

	do {
		n++;
		v /= 10;
	} while (v != 0);
	return n;
}

/* qsort() order of entries whose first member is their key, a uint64_t. */
static int
key_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Add one entry's numbers v[] to the first n columns (u64 columns). */
static void
columns_add_u64(struct column *c, const uint64_t *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_tel_data_add_array_u64(c[i].data, v[i]);
}

/* ---- per-lcore blocks, tallied per owner lcore and per node --------------- */

struct block_tally {
	uint64_t blocks;
	uint64_t live;      /* bytes of granules carved and not given back */
	uint64_t free;      /* bytes an active block can still carve */
	uint64_t dirty;     /* bytes given back (never carved again) */
	uint64_t unflushed; /* bytes freed lazily, flush still owed */
};

static void
tally_add(struct block_tally *sum, const struct block_tally *one)
{
	sum->blocks += one->blocks;
	sum->live += one->live;
	sum->free += one->free;
	sum->dirty += one->dirty;
	sum->unflushed += one->unflushed;
}

struct tally_walk {
	const struct rte_vmap *vm;
	struct block_tally *per_owner;
	struct block_tally *per_node;
};

static int
tally_block(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	struct tally_walk *w = arg;
	struct vmap_block_usage u;
	struct block_tally one;

	vmap_block_usage(b, &u);
	one.blocks = 1;
	one.live = (uint64_t)u.live << VMAP_GRANULE_SHIFT;
	one.free = (uint64_t)u.free << VMAP_GRANULE_SHIFT;
	one.dirty = (uint64_t)u.dirty << VMAP_GRANULE_SHIFT;
	one.unflushed = u.unflushed;
	if (w->per_owner != NULL && b->owner < RTE_MAX_LCORE)
		tally_add(&w->per_owner[b->owner], &one);
	if (w->per_node != NULL)
		tally_add(&w->per_node[vmap_addr_to_node(w->vm, b->start)->id], &one);
	return 0;
}

/* Add each block to per_owner[owner] and per_node[node of its start]; either may be NULL. */
static void
blocks_tally(const struct rte_vmap *vm, struct block_tally *per_owner,
		struct block_tally *per_node)
{
	struct tally_walk w = { vm, per_owner, per_node };

	if (vm->blocks != NULL)
		vmap_blocks_walk(vm->blocks, false, tally_block, &w);
}

/* ---- /vmap/list ------------------------------------------------------------ */

struct list_ctx {
	struct rte_tel_data *d;
	size_t bytes;
	unsigned int n;
};

static int
list_one(struct rte_vmap *vm, void *arg)
{
	struct list_ctx *c = arg;
	size_t len = strlen(vm->name) + 3;

	if (c->n == VMAP_TEL_MAX_ENTRIES || c->bytes + len > VMAP_TEL_BUDGET)
		return 1;
	rte_tel_data_add_array_string(c->d, vm->name);
	c->bytes += len;
	c->n++;
	return 0;
}

static int
tel_list(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct list_ctx c = { .d = d };

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	vmap_space_walk(list_one, &c);
	return 0;
}

/* ---- /vmap/stats ------------------------------------------------------------ */

static int
stats_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct rte_vmap_stats st;
	int ret;

	ret = rte_vmap_stats_get(vm, &st);
	if (ret != 0)
		return ret;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "page_size", vm->backing.page_size);
	rte_tel_data_add_dict_string(d, "iova_mode", rte_vmap_iova_mode_name(vm->iova_mode));
	rte_tel_data_add_dict_string(d, "iommu", vm->iommu->name);
	rte_tel_data_add_dict_u64(d, "flags", vm->flags);
	/* Whether secondaries can attach (RTE_VMAP_F_SHARED); an int: 22.11 has no boolean. */
	rte_tel_data_add_dict_int(d, "shared", (vm->flags & RTE_VMAP_F_SHARED) != 0);
	rte_tel_data_add_dict_u64(d, "nr_nodes", vm->nr_nodes);
	rte_tel_data_add_dict_u64(d, "nr_sockets", vm->nr_arenas);
	rte_tel_data_add_dict_u64(d, "va_base", vm->map_base);
	rte_tel_data_add_dict_u64(d, "lazy_max", vm->lazy_max);
	rte_tel_data_add_dict_u64(d, "mem_limit", vm->backing.mem_limit);
	rte_tel_data_add_dict_u64(d, "block_size",
		vm->blocks != NULL ? VMAP_BLOCK_SIZE : 0);
	rte_tel_data_add_dict_u64(d, "va_size", st.va_size);
	rte_tel_data_add_dict_u64(d, "va_used", st.va_used);
	rte_tel_data_add_dict_u64(d, "va_lazy", st.va_lazy);
	rte_tel_data_add_dict_u64(d, "va_largest_free", st.va_largest_free);
	rte_tel_data_add_dict_u64(d, "mem_used", st.mem_used);
	rte_tel_data_add_dict_u64(d, "nr_windows", st.nr_windows);
	rte_tel_data_add_dict_u64(d, "nr_blocks", st.nr_blocks);
	rte_tel_data_add_dict_u64(d, "nr_purges", st.nr_purges);
	rte_tel_data_add_dict_u64(d, "nr_unmaps", st.nr_unmaps);
	rte_tel_data_add_dict_u64(d, "nr_flushes", st.nr_flushes);
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, stats_answer);
}

/* ---- /vmap/nodes ------------------------------------------------------------ */

/* Columns of /vmap/nodes: per node, then (from ARENA_FIRST) per arena, i.e. per socket. */
enum {
	NODE_ID, NODE_SOCKET, NODE_WINDOWS, NODE_VA_USED, NODE_POOLED, NODE_CHUNKS,
	NODE_LAZY, NODE_BLOCKS, NODE_BLOCK_BYTES,
	ARENA_FIRST, ARENA_SOCKET = ARENA_FIRST, ARENA_START, ARENA_SIZE, ARENA_FREE,
	ARENA_FREE_RANGES, NODES_COLUMNS
};
#define NODE_COLUMNS ARENA_FIRST
#define ARENA_COLUMNS (NODES_COLUMNS - ARENA_FIRST)

/* Add every arena to the arena columns; returns the bytes they take. */
static size_t
arenas_add(struct rte_vmap *vm, struct column *col)
{
	uint64_t v[ARENA_COLUMNS];
	size_t bytes = 0;
	unsigned int i, k;

	for (i = 0; i < vm->nr_arenas; i++) {
		struct vmap_arena *ar = &vm->arenas[i];

		v[ARENA_SOCKET - ARENA_FIRST] = vm->topo.socket_id[i];
		v[ARENA_START - ARENA_FIRST] = ar->start;
		v[ARENA_SIZE - ARENA_FIRST] = ar->end - ar->start;
		rte_spinlock_lock(&ar->lock);
		v[ARENA_FREE - ARENA_FIRST] = ar->free.bytes;
		v[ARENA_FREE_RANGES - ARENA_FIRST] = ar->free.nr_ranges;
		rte_spinlock_unlock(&ar->lock);
		columns_add_u64(&col[ARENA_FIRST], v, ARENA_COLUMNS);
		for (k = 0; k < ARENA_COLUMNS; k++)
			bytes += json_len(v[k]);
	}
	return bytes;
}

/* The node columns of one node. */
static void
node_read(struct vmap_node *vn, const struct block_tally *blk, uint64_t v[NODE_COLUMNS])
{
	struct vmap_node_usage u;

	rte_spinlock_lock(&vn->busy_lock);
	vmap_node_usage(vn, &u);
	rte_spinlock_unlock(&vn->busy_lock);
	v[NODE_ID] = vn->id;
	v[NODE_SOCKET] = vn->socket_id;
	v[NODE_WINDOWS] = u.nr_windows;
	v[NODE_VA_USED] = u.va_used;
	v[NODE_POOLED] = u.pooled;
	v[NODE_CHUNKS] = u.chunks;
	v[NODE_LAZY] = u.lazy;
	v[NODE_BLOCKS] = blk->blocks;
	v[NODE_BLOCK_BYTES] = blk->blocks * VMAP_BLOCK_SIZE;
}

static int
nodes_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct column col[NODES_COLUMNS] = {
		[NODE_ID] = { "id", RTE_TEL_U64_VAL, NULL },
		[NODE_SOCKET] = { "socket", RTE_TEL_U64_VAL, NULL },
		[NODE_WINDOWS] = { "windows", RTE_TEL_U64_VAL, NULL },
		[NODE_VA_USED] = { "va_used", RTE_TEL_U64_VAL, NULL },
		[NODE_POOLED] = { "pooled", RTE_TEL_U64_VAL, NULL },
		[NODE_CHUNKS] = { "chunks", RTE_TEL_U64_VAL, NULL },
		[NODE_LAZY] = { "lazy", RTE_TEL_U64_VAL, NULL },
		[NODE_BLOCKS] = { "blocks", RTE_TEL_U64_VAL, NULL },
		[NODE_BLOCK_BYTES] = { "block_bytes", RTE_TEL_U64_VAL, NULL },
		[ARENA_SOCKET] = { "arena_socket", RTE_TEL_U64_VAL, NULL },
		[ARENA_START] = { "arena_start", RTE_TEL_U64_VAL, NULL },
		[ARENA_SIZE] = { "arena_size", RTE_TEL_U64_VAL, NULL },
		[ARENA_FREE] = { "arena_free", RTE_TEL_U64_VAL, NULL },
		[ARENA_FREE_RANGES] = { "arena_free_ranges", RTE_TEL_U64_VAL, NULL },
	};
	struct block_tally *blk;
	uint64_t v[NODE_COLUMNS];
	size_t bytes, len;
	unsigned int i, k, shown = 0;

	blk = columns_alloc(col, NODES_COLUMNS, vm->nr_nodes, sizeof(*blk));
	if (blk == NULL)
		return -ENOMEM;
	blocks_tally(vm, NULL, blk);
	/* Arenas first: few, and a picture needs them whole. */
	bytes = arenas_add(vm, col);
	for (i = 0; i < vm->nr_nodes && i < VMAP_TEL_MAX_ENTRIES; i++) {
		node_read(&vm->nodes[i], &blk[i], v);
		for (len = 0, k = 0; k < NODE_COLUMNS; k++)
			len += json_len(v[k]);
		if (bytes + len > VMAP_TEL_BUDGET)
			break;
		bytes += len;
		columns_add_u64(col, v, NODE_COLUMNS);
		shown++;
	}
	free(blk);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "nr_nodes", vm->nr_nodes);
	rte_tel_data_add_dict_u64(d, "block_size", VMAP_BLOCK_SIZE);
	rte_tel_data_add_dict_int(d, "truncated", shown < vm->nr_nodes);
	columns_attach(d, col, NODES_COLUMNS);
	return 0;
}

static int
tel_nodes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, nodes_answer);
}

/* ---- /vmap/lcores ----------------------------------------------------------- */

enum {
	LC_LCORE, LC_SOCKET, LC_NODE, LC_BLOCKS, LC_LIVE, LC_FREE, LC_DIRTY, LC_UNFLUSHED,
	LC_COLUMNS
};

/*
 * The node whose pools serve an lcore's windows on its own socket: what
 * vmap_node_of_caller() picks when that lcore calls.
 */
static unsigned int
lcore_node(const struct rte_vmap *vm, unsigned int lcore)
{
	const struct vmap_arena *ar = &vm->arenas[vm->topo.lcore_socket[lcore]];

	return ar->first_node + lcore % ar->nr_nodes;
}

static int
lcores_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	/*
	 * Per-lcore blocks (vmap_block.h): per owner lcore, its blocks and
	 * their bytes live, still carvable, dirty, and freed but unflushed.
	 */
	struct column col[LC_COLUMNS] = {
		[LC_LCORE] = { "lcore", RTE_TEL_U64_VAL, NULL },
		[LC_SOCKET] = { "socket", RTE_TEL_U64_VAL, NULL },
		[LC_NODE] = { "node", RTE_TEL_U64_VAL, NULL },
		[LC_BLOCKS] = { "blocks", RTE_TEL_U64_VAL, NULL },
		[LC_LIVE] = { "block_live", RTE_TEL_U64_VAL, NULL },
		[LC_FREE] = { "block_free", RTE_TEL_U64_VAL, NULL },
		[LC_DIRTY] = { "block_dirty", RTE_TEL_U64_VAL, NULL },
		[LC_UNFLUSHED] = { "block_unflushed", RTE_TEL_U64_VAL, NULL },
	};
	struct block_tally *blk;
	uint64_t v[LC_COLUMNS];
	unsigned int lcore, k, enabled = 0, shown = 0;
	size_t bytes = 0, len;

	blk = columns_alloc(col, LC_COLUMNS, RTE_MAX_LCORE, sizeof(*blk));
	if (blk == NULL)
		return -ENOMEM;
	blocks_tally(vm, blk, NULL);
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		if (!rte_lcore_is_enabled(lcore))
			continue;
		enabled++;
		v[LC_LCORE] = lcore;
		v[LC_SOCKET] = vm->topo.socket_id[vm->topo.lcore_socket[lcore]];
		v[LC_NODE] = lcore_node(vm, lcore);
		v[LC_BLOCKS] = blk[lcore].blocks;
		v[LC_LIVE] = blk[lcore].live;
		v[LC_FREE] = blk[lcore].free;
		v[LC_DIRTY] = blk[lcore].dirty;
		v[LC_UNFLUSHED] = blk[lcore].unflushed;
		for (len = 0, k = 0; k < LC_COLUMNS; k++)
			len += json_len(v[k]);
		if (shown == VMAP_TEL_MAX_ENTRIES || bytes + len > VMAP_TEL_BUDGET)
			continue;
		bytes += len;
		columns_add_u64(col, v, LC_COLUMNS);
		shown++;
	}
	free(blk);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_int(d, "lcore_cache", vm->blocks != NULL);
	rte_tel_data_add_dict_u64(d, "block_size", vm->blocks != NULL ? VMAP_BLOCK_SIZE : 0);
	rte_tel_data_add_dict_int(d, "truncated", shown < enabled);
	columns_attach(d, col, LC_COLUMNS);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, lcores_answer);
}

/* ---- every live window: the busy trees, then the per-lcore blocks --------- */

struct window_walk {
	int (*fn)(const struct vmap_area *win, void *arg);
	void *arg;
};

/* vmap_busy_walk() callback: a window, unless it hosts a per-lcore block. */
static int
busy_window(const struct vmap_area *va, void *arg)
{
	const struct window_walk *w = arg;

	if ((va->flags & VMAP_AREA_F_HOST) != 0)
		return 0;
	return w->fn(va, w->arg);
}

/* vmap_blocks_walk() callback: the live windows of one block, as descriptors. */
static int
block_windows(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	const struct window_walk *w = arg;
	struct vmap_area win;
	unsigned int off, pages;
	int ret;

	/*
	 * This process's own: only its lcores carve these blocks. A
	 * secondary's lcore carves a block granted to it (vmap_grants_walk()),
	 * and a secondary's other block windows, allocated on the IPC thread
	 * with no lcore, come from the shared path: in a busy tree, with
	 * their owner.
	 */
	win.owner = 0;
	for (off = 0; off < VMAP_BLOCK_GRANULES; off++) {
		pages = __atomic_load_n(&b->win_pages[off], __ATOMIC_RELAXED);
		if (pages == 0)
			continue;
		vmap_block_window(b, off, pages, &win);
		ret = w->fn(&win, w->arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * fn on every live window of vm, until it returns non-zero: first those of
 * the busy trees (block windows of the shared path among them), one node
 * at a time under its busy_lock; then those of the per-lcore blocks, under
 * their table's and their block's lock; then those of the blocks granted
 * to secondaries, read without a lock. fn runs under a spinlock (but for
 * the grants): it must not allocate.
 */
static void
windows_walk(struct rte_vmap *vm, int (*fn)(const struct vmap_area *win, void *arg),
		void *arg)
{
	struct window_walk w = { fn, arg };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < vm->nr_nodes && ret == 0; i++) {
		struct vmap_node *vn = &vm->nodes[i];

		rte_spinlock_lock(&vn->busy_lock);
		ret = vmap_busy_walk(vn, busy_window, &w);
		rte_spinlock_unlock(&vn->busy_lock);
	}
	if (ret == 0 && vm->blocks != NULL)
		ret = vmap_blocks_walk(vm->blocks, false, block_windows, &w);
	/* The blocks granted to secondaries' lcores, each window with its owner. */
	if (ret == 0)
		vmap_grants_walk(vm, fn, arg);
}

/* The process a window was allocated for: a secondary (its owner), or self. */
static uint64_t
window_pid(const struct vmap_area *win, pid_t self)
{
	return win->owner != 0 ? (uint64_t)win->owner : (uint64_t)self;
}

/* ---- /vmap/windows ---------------------------------------------------------- */

enum { WIN_VA, WIN_IOVA, WIN_SIZE, WIN_NODE, WIN_PID, WIN_NUMBERS, WIN_KIND = WIN_NUMBERS,
	WIN_COLUMNS };

struct win_rec {
	uint64_t v[WIN_NUMBERS];
	bool block;
};

struct win_ctx {
	const struct rte_vmap *vm;
	struct win_rec *rec;
	unsigned int n;
	size_t bytes;
	pid_t self;  /* getpid() once: not a system call per window under a spinlock */
	bool truncated;
};

static const char *const win_kind[] = { "window", "block" };

/* windows_walk() callback: record one window; stop once the answer is full (truncated). */
static int
win_record(const struct vmap_area *va, void *arg)
{
	struct win_ctx *c = arg;
	struct win_rec *r;
	bool block = (va->flags & VMAP_AREA_F_BLOCK) != 0;
	size_t len = strlen(win_kind[block]) + 3;
	unsigned int k;

	if (c->n == VMAP_TEL_MAX_WINDOWS) {
		c->truncated = true;
		return 1;
	}
	r = &c->rec[c->n];
	r->v[WIN_VA] = va->start;
	r->v[WIN_IOVA] = vmap_iova_of(c->vm, va, va->start);
	r->v[WIN_SIZE] = va->size;
	r->v[WIN_NODE] = vmap_addr_to_node(c->vm, va->start)->id;
	r->v[WIN_PID] = window_pid(va, c->self);
	r->block = block;
	for (k = 0; k < WIN_NUMBERS; k++)
		len += json_len(r->v[k]);
	if (c->bytes + len > VMAP_TEL_BUDGET) {
		c->truncated = true;
		return 1;
	}
	c->bytes += len;
	c->n++;
	return 0;
}

static int
windows_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct column col[WIN_COLUMNS] = {
		[WIN_VA] = { "va", RTE_TEL_U64_VAL, NULL },
		[WIN_IOVA] = { "iova", RTE_TEL_U64_VAL, NULL },
		[WIN_SIZE] = { "size", RTE_TEL_U64_VAL, NULL },
		[WIN_NODE] = { "node", RTE_TEL_U64_VAL, NULL },
		[WIN_PID] = { "pid", RTE_TEL_U64_VAL, NULL },
		[WIN_KIND] = { "kind", RTE_TEL_STRING_VAL, NULL },
	};
	struct win_ctx c = { .vm = vm, .self = getpid() };
	struct rte_vmap_stats st;
	unsigned int i;
	int ret;

	ret = rte_vmap_stats_get(vm, &st);
	if (ret != 0)
		return ret;
	c.rec = columns_alloc(col, WIN_COLUMNS, VMAP_TEL_MAX_WINDOWS, sizeof(*c.rec));
	if (c.rec == NULL)
		return -ENOMEM;
	/* The walk stops as soon as the answer is full. */
	windows_walk(vm, win_record, &c);
	/* Nodes interleave zones: put what was found in address order. */
	RTE_BUILD_BUG_ON(offsetof(struct win_rec, v) != 0 || WIN_VA != 0);
	qsort(c.rec, c.n, sizeof(*c.rec), key_cmp);
	for (i = 0; i < c.n; i++) {
		columns_add_u64(col, c.rec[i].v, WIN_NUMBERS);
		rte_tel_data_add_array_string(col[WIN_KIND].data, win_kind[c.rec[i].block]);
	}
	free(c.rec);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	/* Windows live at the stats snapshot just before the walk. */
	rte_tel_data_add_dict_u64(d, "total", st.nr_windows);
	rte_tel_data_add_dict_u64(d, "shown", c.n);
	rte_tel_data_add_dict_u64(d, "limit", VMAP_TEL_MAX_WINDOWS);
	rte_tel_data_add_dict_int(d, "truncated", c.truncated);
	columns_attach(d, col, WIN_COLUMNS);
	return 0;
}

static int
tel_windows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, windows_answer);
}

/* ---- /vmap/processes -------------------------------------------------------- */

/*
 * Per process, the windows allocated for it: this process's own (owner 0)
 * and each RTE_VMAP_F_SHARED secondary's (its pid, vmap_area.owner), a
 * dead one's too until rte_vmap_reclaim() gives them back. A window a
 * secondary is being given shows as this process's for the moment between
 * its allocation and vmap_busy_set_owner().
 */

enum { PROC_PID, PROC_WINDOWS, PROC_BYTES, PROC_COLUMNS };

struct proc_tally {
	uint64_t v[PROC_COLUMNS];
};

struct proc_ctx {
	struct proc_tally *procs; /* [0]: this process; the others in the order met */
	unsigned int n;
	pid_t self;
	uint64_t nr_windows;      /* every window walked, told apart or not */
	uint64_t va_used;
	bool truncated;           /* more processes than VMAP_TEL_MAX_PROCS */
};

/* windows_walk() callback: count one window to its process. */
static int
proc_count(const struct vmap_area *win, void *arg)
{
	struct proc_ctx *c = arg;
	uint64_t pid = window_pid(win, c->self);
	unsigned int i;

	c->nr_windows++;
	c->va_used += win->size;
	/* A linear search: a handful of processes, and no allocation under the lock. */
	for (i = 0; i < c->n && c->procs[i].v[PROC_PID] != pid; i++)
		;
	if (i == c->n) {
		if (c->n == VMAP_TEL_MAX_PROCS) {
			c->truncated = true;
			return 0;
		}
		c->procs[c->n++].v[PROC_PID] = pid;
	}
	c->procs[i].v[PROC_WINDOWS]++;
	c->procs[i].v[PROC_BYTES] += win->size;
	return 0;
}

static int
processes_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct column col[PROC_COLUMNS] = {
		[PROC_PID] = { "pid", RTE_TEL_U64_VAL, NULL },
		[PROC_WINDOWS] = { "windows", RTE_TEL_U64_VAL, NULL },
		[PROC_BYTES] = { "bytes", RTE_TEL_U64_VAL, NULL },
	};
	struct proc_ctx c = { .self = getpid() };
	unsigned int i;

	c.procs = columns_alloc(col, PROC_COLUMNS, VMAP_TEL_MAX_PROCS, sizeof(*c.procs));
	if (c.procs == NULL)
		return -ENOMEM;
	/* This process first, listed only if it holds windows; the others by pid. */
	c.procs[0].v[PROC_PID] = c.self;
	c.n = 1;
	windows_walk(vm, proc_count, &c);
	RTE_BUILD_BUG_ON(offsetof(struct proc_tally, v) != 0 || PROC_PID != 0);
	qsort(&c.procs[1], c.n - 1, sizeof(*c.procs), key_cmp);
	/* At most 128 entries of three numbers: well inside the budget. */
	for (i = c.procs[0].v[PROC_WINDOWS] != 0 ? 0 : 1; i < c.n; i++)
		columns_add_u64(col, c.procs[i].v, PROC_COLUMNS);
	free(c.procs);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "primary_pid", (uint64_t)c.self);
	rte_tel_data_add_dict_int(d, "shared", (vm->flags & RTE_VMAP_F_SHARED) != 0);
	/* The walk's own totals: the columns add up to them unless truncated. */
	rte_tel_data_add_dict_u64(d, "nr_windows", c.nr_windows);
	rte_tel_data_add_dict_u64(d, "va_used", c.va_used);
	rte_tel_data_add_dict_int(d, "truncated", c.truncated);
	columns_attach(d, col, PROC_COLUMNS);
	return 0;
}

static int
tel_processes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, processes_answer);
}

/* ---- /vmap/trim --------------------------------------------------------------- */

static int
trim_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct rte_vmap_stats st;
	int64_t released;
	int ret;

	released = rte_vmap_trim(vm);
	if (released < 0)
		return (int)released;
	ret = rte_vmap_stats_get(vm, &st);
	if (ret != 0)
		return ret;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "released", (uint64_t)released);
	rte_tel_data_add_dict_u64(d, "mem_used", st.mem_used);
	return 0;
}

static int
tel_trim(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, trim_answer);
}

/* ---- registration --------------------------------------------------------- */

RTE_INIT(vmap_telemetry_init)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/vmap/list", tel_list, "Returns the names of the live vmap spaces." },
		{ "/vmap/stats", tel_stats,
			"Returns the counters and shape of a vmap space. "
			"Parameters: space name" },
		{ "/vmap/nodes", tel_nodes,
			"Returns per node and per socket usage of a vmap space. "
			"Parameters: space name" },
		{ "/vmap/lcores", tel_lcores,
			"Returns per lcore socket, node and blocks of a vmap space. "
			"Parameters: space name" },
		{ "/vmap/windows", tel_windows,
			"Returns the first windows of a vmap space (bounded), each with the "
			"pid it was allocated for. Parameters: space name" },
		{ "/vmap/processes", tel_processes,
			"Returns per process (pid) the windows and bytes it holds in a vmap "
			"space. Parameters: space name" },
		{ "/vmap/trim", tel_trim,
			"Gives back the idle memory of a vmap space (rte_vmap_trim()); returns "
			"the bytes released. Parameters: space name" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help) != 0)
			VMAP_LOG(ERR, "cannot register telemetry command %s", cmds[i].cmd);
}
