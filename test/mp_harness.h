/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _MP_HARNESS_H_
#define _MP_HARNESS_H_

/*
 * Multi-process tests (test_vmap_mp.c, test_vmap_mp_secondary.c): this
 * binary started again as a DPDK secondary process of the running test
 * (same --file-prefix), which runs one "role" and exits 0 when every check
 * of it held. The two sides talk through a board: a window of a shared
 * space of its own, at the same address in both, so the board itself is
 * shared memory the library maps.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The role a secondary runs, in its environment (test_vmap_mp_secondary.c). */
#define MP_ENV_ROLE "VMAP_MP_ROLE"
/* The space it works on, and the board's space and address. */
#define MP_ENV_SPACE "VMAP_MP_SPACE"
#define MP_ENV_BOARD "VMAP_MP_BOARD"
/* The board's space name. */
#define MP_BOARD_SPACE "mp_board"

#define MP_BOARD_MAX 64

/** One window a side tells the other about. */
struct mp_win {
	uint64_t va;
	uint64_t iova;
	uint64_t size;
	uint32_t block;   /**< from rte_vmap_block_alloc() */
	uint32_t pattern; /**< every 32-bit word of it holds this */
};

/** The board: what the two sides share besides the space under test. */
struct mp_board {
	uint32_t ready;   /**< the secondary attached and waits (atomic) */
	uint32_t go;      /**< the primary lets it go on (atomic) */
	uint32_t stop;    /**< stop looping (atomic) */
	uint32_t n;       /**< windows in w[] */
	uint32_t pause;   /**< wait between two calls (atomic) */
	uint32_t paused;  /**< lcores waiting so (atomic) */
	/**
	 * Per lcore of the secondary (from its first): odd while that lcore
	 * is inside a library call (the kill cases).
	 */
	uint64_t in_call[4];
	uint64_t ops;     /**< calls the secondary completed */
	uint64_t arg[4];  /**< per role */
	struct mp_win w[MP_BOARD_MAX];
};

/*
 * Start a secondary running role on space (the board's address in its
 * environment), with lcore ids from first_lcore, nr_lcores of them (ids
 * the primary does not use). other_prefix: a primary of another
 * --file-prefix, --in-memory, instead. The pid, or -1.
 */
pid_t mp_spawn(const char *role, const char *space, const struct mp_board *board,
		unsigned int first_lcore, unsigned int nr_lcores, bool other_prefix);
/*
 * Wait for pid at most timeout_s seconds (killed after that): its exit
 * code, 128 + the signal that killed it, or -1 on a timeout.
 */
int mp_wait(pid_t pid, int timeout_s);
/* Whether secondaries can be started here; if not, why in *why. */
bool mp_possible(const char **why);
/* Remove this process's hugepage files (before it exits: EAL leaves them). */
void mp_cleanup_files(void);

struct rte_vmap;
/*
 * The board: a window of a shared space of its own (MP_BOARD_SPACE, 4 KiB
 * pages), zeroed. NULL (printed why) on failure.
 */
struct mp_board *mp_board_create(struct rte_vmap **board_vm);
/* Free the board and destroy its space: TEST_SUCCESS, or TEST_FAILED if verify fails. */
int mp_board_destroy(struct rte_vmap *board_vm, struct mp_board *board);

struct unit_test_suite;
/*
 * A multi-process suite: TEST_SKIPPED (saying why) unless mp_possible();
 * else the board made (*board_vm, *board), the suite run, the board
 * destroyed and this process's hugepage files removed. The suite's result.
 */
int mp_suite_run(struct unit_test_suite *suite, struct rte_vmap **board_vm,
		struct mp_board **board);

/* Fill a window with pattern; check it (0 or the first bad offset + 1). */
void mp_fill(void *va, size_t size, uint32_t pattern);
size_t mp_check(const void *va, size_t size, uint32_t pattern);

#endif /* _MP_HARNESS_H_ */
