/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _FREE_TREE_MODEL_H_
#define _FREE_TREE_MODEL_H_

/*
 * The brute-force model of vmap_free_tree_autotest: a sorted array of free
 * ranges searched linearly (the role of the kernel's
 * DEBUG_AUGMENT_LOWEST_MATCH_CHECK in mm/vmalloc.c), and the steps that
 * apply one operation to the tree and the model and compare them
 * (free_tree_model.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmap_private.h"

#define MODEL_MAX_RANGES 8200

struct model_range {
	uintptr_t start;
	size_t size;
};

/* Free ranges sorted by start, never touching: what the tree must hold. */
struct model {
	unsigned int n;
	uint64_t bytes;
	struct model_range r[MODEL_MAX_RANGES];
};

/* How an insert merged (a bit per side), or how an allocation clipped. */
enum { MERGE_NONE = 0, MERGE_PREV = 1, MERGE_NEXT = 2, MERGE_BOTH = 3 };
enum { CLIP_FL, CLIP_LE, CLIP_RE, CLIP_NE };

/* Inserts seen, by MERGE_* kind (random runs report them). */
extern uint64_t model_merge_count[4];

/* An empty model. */
void model_init(struct model *m);

/* How inserting [start, start + size) would merge: MERGE_* or -EEXIST. */
int model_merge_kind(const struct model *m, uintptr_t start, size_t size);

/* Insert a free range: MERGE_* or -EEXIST (nothing changed). */
int model_insert(struct model *m, uintptr_t start, size_t size);

/*
 * The documented lowest fit of an aligned [a, a + size) inside
 * [vstart, vend), by linear scan: true with *addr and the index of its
 * range in *idx, or false.
 */
bool model_lowest_fit(const struct model *m, size_t size, size_t align, uintptr_t vstart,
		uintptr_t vend, uintptr_t *addr, unsigned int *idx);

/* How taking [a, a + size) out of range idx clips it: CLIP_*. */
int model_clip_kind(const struct model *m, unsigned int idx, uintptr_t a, size_t size);

/* Take [a, a + size) out of range idx. */
void model_clip(struct model *m, unsigned int idx, uintptr_t a, size_t size);

/* The tree passes its own check and holds exactly the model's ranges in [lo, hi). */
int tree_matches_model(const struct vmap_free_tree *t, const struct model *m,
		uintptr_t lo, uintptr_t hi);

/* A spare descriptor, malloc()ed as the library does; NULL if out of memory. */
struct vmap_area *new_desc(void);

/* Insert into tree and model; the merge must agree. TEST_SUCCESS or TEST_FAILED. */
int insert_both(struct vmap_free_tree *t, struct model *m, uintptr_t start, size_t size);

/* Allocate with a spare at hand; the result must be the model's. */
int alloc_both(struct vmap_free_tree *t, struct model *m, size_t size, size_t align,
		uintptr_t vstart, uintptr_t vend, uintptr_t *addr);

#endif /* _FREE_TREE_MODEL_H_ */
