/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _STRESS_HARNESS_H_
#define _STRESS_HARNESS_H_

/*
 * The harness of vmap_stress_autotest (test_vmap_stress.c has the
 * overview, the roles and the cases): the run and its lcores, the windows
 * that describe themselves (stress_window.c), and the check and drain
 * of what the roles leave live (stress_leftovers.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_vmap.h>

#include "vmap_test_util.h"


/* Header words at the start of every window, before the middle word's range. */
#define STRESS_HDR_WORDS 4
#define STRESS_BLOCK_BIT (UINT64_C(1) << 63)

/* Live bytes all lcores together may hold: a fraction of the 1 GiB space. */
#define STRESS_LIVE_TOTAL (384 * MIB)
#define STRESS_LIVE_PER_LCORE (96 * MIB)
/* Slots per direction of the cross-lcore hand-over. */
#define STRESS_XFER_SLOTS 64
/* Windows the allocating lcore of case 3 publishes to the checking one. */
#define STRESS_PUB_SLOTS 32

/* Two modelled sockets of one CPU each: lcores 0 and 1 on different arenas. */
#define STRESS_TWO_SOCKETS "package:2 core:1 pu:1"

struct stress_config {
	const char *name;
	enum rte_vmap_iova_mode iova_mode;
	unsigned int nr_nodes;  /* 0: the library's default, one per lcore */
	const char *topology;   /* NULL: this machine */
};

/* A live window, as its owner remembers it (and as its header says). */
struct stress_win {
	uint8_t *va;
	size_t size;     /* as requested; the window is size rounded up to 4 KiB */
	rte_iova_t iova; /* rte_vmap_virt2iova(va) right after the allocation */
	uint64_t tag;
	size_t mid;      /* offset of the middle pattern word */
	bool block;      /* from rte_vmap_block_alloc() */
};

struct stress_lcore {
	uint64_t rng;
	uint64_t ops;            /* the role's unit of work: windows, checks, purges */
	uint64_t blocks;         /* case 2: block windows freed for the other lcore */
	unsigned int misused;    /* case 2: bit 0/1: a window/block window was misfreed */
	struct stress_win *win;  /* live windows this lcore owns */
	unsigned int nr_live;
	size_t live_bytes;
	int result;
} __rte_cache_aligned;

/*
 * Case 3 hand-over. The allocating lcore fills va, then bumps gen (release);
 * the checking lcore, seeing gen != ack, may read the window until it
 * stores ack = gen (release); only then may the allocating lcore free it.
 */
struct stress_pub {
	uint64_t gen;
	uint64_t ack;
	uintptr_t va;
} __rte_cache_aligned;

struct stress_run;
typedef int (stress_role_t)(struct stress_run *run, struct stress_lcore *lc);

struct stress_case {
	const char *tag;           /* in the space name */
	uint64_t seed;             /* of the lcores' generators, with lcore and config */
	unsigned int budget_ms;    /* per configuration */
	uint64_t max_ops;          /* per lcore; 0 = bounded by time only */
	unsigned int cap;          /* live windows per lcore */
	size_t max_size;           /* largest window rte_vmap_alloc() is asked for */
	unsigned int block_share;  /* 1 window in block_share is a block window; 0 = none */
	stress_role_t *main_role;
	stress_role_t *worker_role;
	bool all_workers;          /* worker_role on every worker, not only the first */
	bool sole_allocator;       /* one lcore allocates: a freed range stays free */
	int (*check)(struct stress_run *run);  /* after the roles, before the drain */
};

struct stress_run {
	struct rte_vmap *vm;
	const struct stress_case *sc;
	const struct stress_config *cfg;
	size_t va_size;            /* as asked for at creation */
	uint64_t deadline;         /* timer cycles */
	uint32_t stop;             /* set by a failing role, so that the others stop */
	unsigned int worker;       /* the main lcore's partner */
	size_t live_cap;           /* live bytes one lcore may hold */
	size_t block_max;
	int log_type;              /* VMAP_TEST_LOGTYPE, and its level before the run */
	int log_level;
	uintptr_t xfer[2][STRESS_XFER_SLOTS]; /* [i]: windows lcore side i gives away */
	struct stress_pub pub[STRESS_PUB_SLOTS];
	struct stress_lcore lc[RTE_MAX_LCORE];
};

/* Whether the roles end: one failed, or the time is up. */
static inline bool
stress_stop(const struct stress_run *run)
{
	return vmap_test_stopped(&run->stop, run->deadline);
}

/* Report a failure of a role; the other lcores see stop and end their loops. */
#define stress_fail(run, ...) vmap_test_fail(&(run)->stop, (run)->cfg->name, __VA_ARGS__)

/* ---- stress_window.c: self-describing windows -------------------- */

/* 4 KiB to max bytes, not always a multiple of 4 KiB, most of them small. */
size_t stress_rand_size(uint64_t *rng, size_t max);

/* Mostly 0 (the default); one time in four a power of two up to 64 KiB. */
size_t stress_rand_align(uint64_t *rng);

/* The bytes a window takes: its size rounded up to the granule. */
static inline size_t
win_span(const struct stress_win *w)
{
	return RTE_ALIGN_CEIL(w->size, PAGE_4K);
}

/*
 * A window's description from its header, for a lcore that did not
 * allocate it. 0, or a failure reported with stress_fail().
 */
int win_decode(struct stress_run *run, uintptr_t va, struct stress_win *w);

/* Check a live window's words and the IOVA of a random byte of it. */
int win_check(struct stress_run *run, const struct stress_win *w, uint64_t *rng);

/* Allocate a window (block or not) and write its description into it and w. */
int win_new(struct stress_run *run, struct stress_win *w, size_t size, size_t align,
	bool block, uint64_t *rng);

/* Check, then free; a block window with its exact or its rounded size. */
int win_free(struct stress_run *run, const struct stress_win *w, uint64_t *rng);

/* One step of an lcore's own churn (cases 1, 3 and 4). */
int churn_one(struct stress_run *run, struct stress_lcore *lc);

/* ---- stress_leftovers.c ---------------------------------------------------- */

/*
 * After the roles, on the main lcore: verify with the leftovers live, the
 * counters equal to them, no two overlapping in VA or IOVA; free them,
 * purge, verify, the counters back to zero. 0 or TEST_FAILED.
 */
int stress_finish(struct stress_run *run);

#endif /* _STRESS_HARNESS_H_ */
