/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Telemetry of every live window (vmap_telemetry.h), the two commands that
 * walk them all; vmap_telemetry.c finds the space and registers them:
 *
 *   /vmap/windows,<name>    the first windows (at most VMAP_TEL_MAX_WINDOWS),
 *                           each with the process it was allocated for
 *   /vmap/processes,<name>  per process holding live windows (this one, and
 *                           RTE_VMAP_F_SHARED secondaries): windows, bytes
 *
 * Both run on the telemetry thread with the space list lock held, and
 * gather what the walk finds in arrays allocated before it: its callbacks
 * run under spinlocks (windows_walk()).
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "vmap_private.h"
#include "vmap_block.h"
#include "vmap_telemetry.h"

/* Windows listed by /vmap/windows at most. */
#define VMAP_TEL_MAX_WINDOWS 200
/* Processes told apart by /vmap/processes at most (this one and its secondaries). */
#define VMAP_TEL_MAX_PROCS 128

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
		len += vmap_tel_json_len(r->v[k]);
	if (c->bytes + len > VMAP_TEL_BUDGET) {
		c->truncated = true;
		return 1;
	}
	c->bytes += len;
	c->n++;
	return 0;
}

int
vmap_tel_windows_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct vmap_tel_column col[WIN_COLUMNS] = {
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
	c.rec = vmap_tel_columns_alloc(col, WIN_COLUMNS, VMAP_TEL_MAX_WINDOWS, sizeof(*c.rec));
	if (c.rec == NULL)
		return -ENOMEM;
	/* The walk stops as soon as the answer is full. */
	windows_walk(vm, win_record, &c);
	/* Nodes interleave zones: put what was found in address order. */
	RTE_BUILD_BUG_ON(offsetof(struct win_rec, v) != 0 || WIN_VA != 0);
	qsort(c.rec, c.n, sizeof(*c.rec), vmap_tel_key_cmp);
	for (i = 0; i < c.n; i++) {
		vmap_tel_columns_add_u64(col, c.rec[i].v, WIN_NUMBERS);
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
	vmap_tel_columns_attach(d, col, WIN_COLUMNS);
	return 0;
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

int
vmap_tel_processes_answer(struct rte_vmap *vm, struct rte_tel_data *d)
{
	struct vmap_tel_column col[PROC_COLUMNS] = {
		[PROC_PID] = { "pid", RTE_TEL_U64_VAL, NULL },
		[PROC_WINDOWS] = { "windows", RTE_TEL_U64_VAL, NULL },
		[PROC_BYTES] = { "bytes", RTE_TEL_U64_VAL, NULL },
	};
	struct proc_ctx c = { .self = getpid() };
	unsigned int i;

	c.procs = vmap_tel_columns_alloc(col, PROC_COLUMNS, VMAP_TEL_MAX_PROCS, sizeof(*c.procs));
	if (c.procs == NULL)
		return -ENOMEM;
	/* This process first, listed only if it holds windows; the others by pid. */
	c.procs[0].v[PROC_PID] = c.self;
	c.n = 1;
	windows_walk(vm, proc_count, &c);
	RTE_BUILD_BUG_ON(offsetof(struct proc_tally, v) != 0 || PROC_PID != 0);
	qsort(&c.procs[1], c.n - 1, sizeof(*c.procs), vmap_tel_key_cmp);
	/* At most 128 entries of three numbers: well inside the budget. */
	for (i = c.procs[0].v[PROC_WINDOWS] != 0 ? 0 : 1; i < c.n; i++)
		vmap_tel_columns_add_u64(col, c.procs[i].v, PROC_COLUMNS);
	free(c.procs);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", vm->name);
	rte_tel_data_add_dict_u64(d, "primary_pid", (uint64_t)c.self);
	rte_tel_data_add_dict_int(d, "shared", (vm->flags & RTE_VMAP_F_SHARED) != 0);
	/* The walk's own totals: the columns add up to them unless truncated. */
	rte_tel_data_add_dict_u64(d, "nr_windows", c.nr_windows);
	rte_tel_data_add_dict_u64(d, "va_used", c.va_used);
	rte_tel_data_add_dict_int(d, "truncated", c.truncated);
	vmap_tel_columns_attach(d, col, PROC_COLUMNS);
	return 0;
}
