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
 *   /vmap/windows,<name>    the first windows, each with the process it was
 *                           allocated for (vmap_telemetry_windows.c)
 *   /vmap/processes,<name>  per process holding live windows (this one, and
 *                           RTE_VMAP_F_SHARED secondaries): windows, bytes
 *                           (vmap_telemetry_windows.c)
 *   /vmap/trim,<name>       rte_vmap_trim(): the bytes it gave back, and
 *                           mem_used after (the one command that changes
 *                           the space)
 *
 * This file answers the commands about a space as a whole, finds the
 * space each command names, and registers them all. Per-node, per-lcore
 * and per-window data come as columns sized to what DPDK 22.11 can send
 * (vmap_telemetry.h, vmap_telemetry_columns.c).
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
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include "vmap_private.h"
#include "vmap_block.h"
#include "vmap_telemetry.h"

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
arenas_add(struct rte_vmap *vm, struct vmap_tel_column *col)
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
		vmap_tel_columns_add_u64(&col[ARENA_FIRST], v, ARENA_COLUMNS);
		for (k = 0; k < ARENA_COLUMNS; k++)
			bytes += vmap_tel_json_len(v[k]);
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
	struct vmap_tel_column col[NODES_COLUMNS] = {
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

	blk = vmap_tel_columns_alloc(col, NODES_COLUMNS, vm->nr_nodes, sizeof(*blk));
	if (blk == NULL)
		return -ENOMEM;
	blocks_tally(vm, NULL, blk);
	/* Arenas first: few, and a picture needs them whole. */
	bytes = arenas_add(vm, col);
	for (i = 0; i < vm->nr_nodes && i < VMAP_TEL_MAX_ENTRIES; i++) {
		node_read(&vm->nodes[i], &blk[i], v);
		for (len = 0, k = 0; k < NODE_COLUMNS; k++)
			len += vmap_tel_json_len(v[k]);
		if (bytes + len > VMAP_TEL_BUDGET)
			break;
		bytes += len;
		vmap_tel_columns_add_u64(col, v, NODE_COLUMNS);
		shown++;
	}
	free(blk);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "nr_nodes", vm->nr_nodes);
	rte_tel_data_add_dict_u64(d, "block_size", VMAP_BLOCK_SIZE);
	rte_tel_data_add_dict_int(d, "truncated", shown < vm->nr_nodes);
	vmap_tel_columns_attach(d, col, NODES_COLUMNS);
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
	struct vmap_tel_column col[LC_COLUMNS] = {
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

	blk = vmap_tel_columns_alloc(col, LC_COLUMNS, RTE_MAX_LCORE, sizeof(*blk));
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
			len += vmap_tel_json_len(v[k]);
		if (shown == VMAP_TEL_MAX_ENTRIES || bytes + len > VMAP_TEL_BUDGET)
			continue;
		bytes += len;
		vmap_tel_columns_add_u64(col, v, LC_COLUMNS);
		shown++;
	}
	free(blk);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_int(d, "lcore_cache", vm->blocks != NULL);
	rte_tel_data_add_dict_u64(d, "block_size", vm->blocks != NULL ? VMAP_BLOCK_SIZE : 0);
	rte_tel_data_add_dict_int(d, "truncated", shown < enabled);
	vmap_tel_columns_attach(d, col, LC_COLUMNS);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, lcores_answer);
}

/* ---- /vmap/windows and /vmap/processes (vmap_telemetry_windows.c) ---------- */

static int
tel_windows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, vmap_tel_windows_answer);
}

static int
tel_processes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_space(cmd, params, d, vmap_tel_processes_answer);
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
