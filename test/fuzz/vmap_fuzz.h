/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * What the files of vmap_fuzz share (vmap_fuzz.c has the overview): the
 * input decoding, the model's types, FZ_CHECK, and the functions one file
 * calls in another.
 */

#ifndef VMAP_FUZZ_H
#define VMAP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include <rte_vmap.h>

#define FZ_MAX_OPS 384
#define FZ_MAX_LIVE 192
#define FZ_GONE 16
#define FZ_PAGE ((size_t)4096)
#define FZ_NAME "vmap_fuzz"
#define FZ_NAME2 "vmap_fuzz2"
#define FZ_MAX_SOCKETS 4
#define FZ_MAX_EAL_ARGS 32

/* ---- input ------------------------------------------------------------- */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
in_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t
in_u16(struct fz_in *in)
{
	uint16_t lo = in_u8(in);

	return lo | (uint16_t)in_u8(in) << 8;
}

static inline uint32_t
in_u32(struct fz_in *in)
{
	uint32_t lo = in_u16(in);

	return lo | (uint32_t)in_u16(in) << 16;
}

/* ---- model ------------------------------------------------------------- */

struct fz_win {
	uintptr_t va;
	size_t size;      /* rounded to 4 KiB, as find reports it */
	size_t req;       /* size asked for (block_free is given it back) */
	rte_iova_t iova;
	int socket;
	bool block;
	uint64_t tag;
};

struct fz_gone {
	uintptr_t va;
	size_t size;
	rte_iova_t iova;
};

struct fz_ctx {
	struct rte_vmap *vm;
	struct rte_vmap_params p;
	char iommu_args[96];
	/* What the space was created with. */
	uintptr_t base;
	size_t map_len;
	size_t page_size;
	enum rte_vmap_iova_mode iova_mode;
	bool strict;
	bool sim;
	bool sim_faulty;  /* map_fail_every or a small page table: EIO/ENOSPC allowed */
	uint64_t sim_cap; /* bytes the sim page table maps at once, if below the space */
	bool iova_range;  /* DOMAIN with an explicit iova_base/iova_size */
	int sockets[FZ_MAX_SOCKETS];
	unsigned int nr_sockets;
	unsigned int verify_every;
	/* The model. */
	struct fz_win live[FZ_MAX_LIVE];
	unsigned int nr_live;
	uint64_t bytes;
	struct fz_gone gone[FZ_GONE];
	unsigned int gone_pos;
	uint64_t next_tag;
	struct rte_vmap_stats last;
	unsigned int op;
	const char *op_name;
	bool other_space_done;
	bool free_all;    /* teardown frees every window (else destroy releases them) */
};

/* Set once by LLVMFuzzerInitialize() (vmap_fuzz.c). */
extern bool fz_trace_on;
extern int fz_eal_sockets[FZ_MAX_SOCKETS];
extern unsigned int fz_nr_eal_sockets;

/* Whether 1 GiB hugepages are reserved on the machine, as the call is made. */
bool fz_has_1g(void);

/* fz_model.c: the model, its checks of the space, its changes */
void fz_trace(const char *fmt, ...);
__rte_noreturn void fz_fail(const struct fz_ctx *c, const char *file, int line,
		const char *fmt, ...);

#define FZ_CHECK(c, cond, fmt, ...) do { \
	if (!(cond)) \
		fz_fail(c, __FILE__, __LINE__, "%s: " fmt, #cond, ##__VA_ARGS__); \
} while (0)

static inline size_t
round_page(size_t size)
{
	return RTE_ALIGN_CEIL(size, FZ_PAGE);
}

int fz_model_start(const struct fz_ctx *c, uintptr_t addr);
void fz_tag_check(const struct fz_ctx *c, const struct fz_win *w);
void fz_check_find(struct fz_ctx *c, uintptr_t addr);
void fz_check_v2i(struct fz_ctx *c, uintptr_t addr);
void fz_check_gone_unmapped(struct fz_ctx *c);
void fz_check_stats(struct fz_ctx *c);
void fz_check_verify(struct fz_ctx *c);
void fz_model_add(struct fz_ctx *c, uintptr_t va, size_t req, int socket, bool block);
void fz_model_del(struct fz_ctx *c, unsigned int i);

/* fz_ops.c: the operations an input's bytes call */
void fz_op_alloc(struct fz_ctx *c, struct fz_in *in);
void fz_op_block_alloc(struct fz_ctx *c, struct fz_in *in);
void fz_op_free(struct fz_ctx *c, struct fz_in *in, void *heap);
void fz_op_block_free(struct fz_ctx *c, struct fz_in *in, void *heap);
void fz_op_query(struct fz_ctx *c, struct fz_in *in, void *heap);
void fz_op_purge(struct fz_ctx *c);
void fz_op_null_misuse(struct fz_ctx *c, struct fz_in *in);
void fz_op_dma(struct fz_ctx *c, struct fz_in *in);
void fz_op_thread(struct fz_ctx *c, struct fz_in *in, void *heap);
void fz_op_other_space(struct fz_ctx *c);
void fz_op_burst(struct fz_ctx *c, struct fz_in *in);

/* fz_space.c: a space from an input's header, and its end */
bool fz_space_create(struct fz_ctx *c, struct fz_in *in);
void fz_space_teardown(struct fz_ctx *c, bool free_all);

#endif /* VMAP_FUZZ_H */
