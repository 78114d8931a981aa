/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TELEMETRY_H_
#define _VMAP_TELEMETRY_H_

/*
 * Telemetry: what vmap_telemetry.c (the space-wide commands, finding a
 * space, the registration), vmap_telemetry_windows.c (the commands that
 * walk every live window) and vmap_telemetry_columns.c (the columns every
 * answer is built of) share. Nothing here is installed.
 *
 * DPDK 22.11 shapes the answers: an array holds scalars of one type only
 * (no array of dicts), at most 512 of them, and an answer longer than
 * 16 KiB loses entries silently. Per-node, per-lcore and per-window data
 * therefore come as columns, one array per field (as /ethdev/stats does
 * for queues): entry i of every column describes the same thing. Each
 * answer counts the bytes its columns will take and stops before the
 * limit, saying so with "truncated": 1 (22.11 has no JSON boolean).
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_telemetry.h>

struct rte_vmap;

/*
 * Bytes the columns of one answer may take: the 16 KiB output buffer of
 * 22.11 less room for the keys, the scalars and the command echoed back.
 */
#define VMAP_TEL_BUDGET (15 * 1024)
/* Most entries of a column (RTE_TEL_MAX_ARRAY_ENTRIES, not exported in 22.11). */
#define VMAP_TEL_MAX_ENTRIES 512

/* ---- columns (vmap_telemetry_columns.c) ------------------------------------ */

struct vmap_tel_column {
	const char *key;
	enum rte_tel_value_type type; /* RTE_TEL_U64_VAL, _INT_VAL or _STRING_VAL */
	struct rte_tel_data *data;
};

/*
 * The n columns of an answer, and the scratch array it gathers its
 * entries in first (nothing is allocated under a spinlock): nr zeroed
 * entries of size bytes. The array, or NULL (logged) with nothing held.
 */
void *vmap_tel_columns_alloc(struct vmap_tel_column *c, unsigned int n, size_t nr,
		size_t size);
/* Hand the columns to d, which frees them once the answer is written. */
void vmap_tel_columns_attach(struct rte_tel_data *d, struct vmap_tel_column *c,
		unsigned int n);
/* Add one entry's numbers v[] to the first n columns (u64 columns). */
void vmap_tel_columns_add_u64(struct vmap_tel_column *c, const uint64_t *v, unsigned int n);
/* Bytes a number takes in a JSON array, with its comma. */
size_t vmap_tel_json_len(uint64_t v);
/* qsort() order of entries whose first member is their key, a uint64_t. */
int vmap_tel_key_cmp(const void *x, const void *y);

/* ---- every live window (vmap_telemetry_windows.c) -------------------------- */

/*
 * The answers of /vmap/windows and /vmap/processes, for vm found by name
 * (vmap_telemetry.c), i.e. with the space list lock held.
 */
int vmap_tel_windows_answer(struct rte_vmap *vm, struct rte_tel_data *d);
int vmap_tel_processes_answer(struct rte_vmap *vm, struct rte_tel_data *d);

#endif /* _VMAP_TELEMETRY_H_ */
