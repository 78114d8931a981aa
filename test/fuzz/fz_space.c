/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_fuzz's space: the parameters an input's header chooses, the creates
 * that must fail, the create and its checks, and the teardown
 * (vmap_fuzz.c has the overview).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <rte_vmap.h>

#include "vmap_fuzz.h"

/* ---- a space ----------------------------------------------------------- */

/*
 * The synthetic machines: two sockets as packages or as NUMA nodes, and
 * three packages, since socket counts need not be powers of two
 * (corpus/regress-3-sockets: rte_vmap_create() once rounded with a mask
 * and gave small spaces arenas of 0 bytes).
 */
static const char * const fz_topologies[] = {
	"package:2 core:1 pu:1",
	"numa:2 core:1 pu:1",
	"package:3 core:1 pu:1",
};

/* Creates that must fail, each with its errno; 0 = none. */
static void
bad_create(struct fz_ctx *c, uint8_t which)
{
	struct rte_vmap_params p = c->p;
	struct rte_vmap *vm;
	int expect = EINVAL;

	switch (which % 20) {
	case 1:
		rte_errno = 0;
		vm = rte_vmap_create(NULL);
		FZ_CHECK(c, vm == NULL && rte_errno == EINVAL, "create(NULL)");
		return;
	case 2: p.name = NULL; break;
	case 3: p.name = ""; break;
	case 4: p.name = "vmap_fuzz_a_name_of_32_bytes____"; break;
	case 5: p.page_size = 8192; break;
	case 6: p.iova_mode = (enum rte_vmap_iova_mode)7; break;
	case 7: p.flags |= 1u << 7; break;
	case 8:
		/* EXTMEM is refused in DOMAIN mode (ENOTSUP where EXTMEM is not built). */
		p.flags |= RTE_VMAP_F_EXTMEM;
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		rte_errno = 0;
		vm = rte_vmap_create(&p);
		FZ_CHECK(c, vm == NULL && (rte_errno == EINVAL || rte_errno == ENOTSUP),
			"EXTMEM in DOMAIN mode: %p, rte_errno %d", (void *)vm, rte_errno);
		return;
	case 9: p.nr_nodes = 255; break;
	case 10:
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		p.iova_base = 123;
		break;
	case 11:
		p.iova_base = UINT64_MAX - FZ_PAGE + 1;
		p.iova_size = 2 * FZ_PAGE;
		break;
	case 12: p.iommu = "vmap_fuzz_no_driver"; break;
	case 13: p.topology = "garbage:x"; break;
	case 14: p.va_size = (size_t)1 << 50; break;
	case 15:
		p.iommu = "sim";
		p.iommu_args = "bogus=1";
		break;
	case 16:
		p.page_size = RTE_VMAP_PAGE_1G;
		if (fz_has_1g())
			return;
		expect = ENOTSUP;
		break;
	case 17:
		p.iova_mode = RTE_VMAP_IOVA_DOMAIN;
		p.iova_size = FZ_PAGE / 2;
		break;
	case 18:
		p.iommu = "sim";
		p.iommu_args = "pages=1";
		break;
	case 19:
		/* Neither driver here pins: PA on 4 KiB pages would go stale. */
		p.iova_mode = RTE_VMAP_IOVA_PA;
		p.page_size = FZ_PAGE;
		p.flags &= ~RTE_VMAP_F_EXTMEM;
		p.iova_base = 0;
		p.iova_size = 0;
		expect = ENOTSUP;
		break;
	default:
		return;
	}
	rte_errno = 0;
	vm = rte_vmap_create(&p);
	FZ_CHECK(c, vm == NULL && rte_errno == expect, "bad create %u: %p, rte_errno %d,"
		" expected %d", which % 20, (void *)vm, rte_errno, expect);
}

/* The sim IOMMU driver and its arguments (b[5]): a small table, failing maps. */
static void
space_params_sim(struct fz_ctx *c, const uint8_t *b)
{
	/*
	 * Room for every page twice (rte_hash may fill before its size), up
	 * to 64 MiB of space: creating a larger table costs milliseconds.
	 */
	uint64_t pages = 2 * RTE_MAX(RTE_MIN(c->p.va_size, (size_t)64 << 20),
		(size_t)4 << 20) / FZ_PAGE;

	if (c->p.va_size > ((size_t)64 << 20))
		c->sim_cap = pages / 2 * FZ_PAGE;

	c->p.iommu = "sim";
	switch (b[5] & 7) {
	case 0:
		pages = RTE_MAX(pages / 4, (uint64_t)8);
		c->sim_faulty = true;
		break;
	case 1:
		c->sim_faulty = true;
		break;
	default:
		break;
	}
	snprintf(c->iommu_args, sizeof(c->iommu_args), "iotlb=%u,pages=%" PRIu64
		",map_fail_every=%u", 1u << (b[5] >> 3 & 7), pages,
		(b[5] & 7) == 1 ? 2 + (b[5] >> 3 & 15) : 0);
	c->p.iommu_args = c->iommu_args;
}

/* DOMAIN mode: the default IOVA range or an explicit one (b[6]). */
static void
space_params_domain(struct fz_ctx *c, const uint8_t *b)
{
	switch (b[6] & 3) {
	case 1:
		c->p.iova_base = UINT64_C(1) << 40;
		c->iova_range = true;
		break;
	case 2:
		/* 0 would be the default base, not 0. */
		c->p.iova_base = (uint64_t)((b[6] >> 2) + 1) * FZ_PAGE;
		c->p.iova_size = RTE_ALIGN_CEIL(c->p.va_size / 2, FZ_PAGE);
		c->iova_range = true;
		break;
	default:
		break;
	}
}

/* The parameters of the space and the harness's settings, from the 8 header bytes. */
static void
space_params(struct fz_ctx *c, const uint8_t *b)
{
	unsigned int t;

	memset(c, 0, sizeof(*c));
	c->p.name = FZ_NAME;
	c->strict = (b[0] & 1) != 0;
	c->p.flags = (c->strict ? RTE_VMAP_F_STRICT : 0) |
		((b[0] & 2) != 0 ? RTE_VMAP_F_NO_LCORE_CACHE : 0);
	switch (b[0] >> 2 & 3) {
	case 2: c->p.iova_mode = RTE_VMAP_IOVA_DOMAIN; break;
	case 3: c->p.iova_mode = (b[6] & 0x80) != 0 ? RTE_VMAP_IOVA_AUTO : RTE_VMAP_IOVA_VA;
		break;
	default: c->p.iova_mode = RTE_VMAP_IOVA_VA; break;
	}
	/*
	 * This machine's topology one time in eight (b[2] bit 4): hwloc reads it
	 * from sysfs at every create (some 4 ms, most of a run); a synthetic one
	 * is cheap.
	 */
	t = b[0] >> 4 & 3;
	if (t != 0 || (b[2] & 0x10) == 0)
		c->p.topology = fz_topologies[t <= 1 ? 0 : t - 1];
	c->sim = (b[0] & 0x40) != 0;
	c->page_size = (b[0] & 0x80) != 0 && (b[2] & 0x80) != 0 ? RTE_VMAP_PAGE_2M : FZ_PAGE;
	c->p.page_size = c->page_size;
	/* Small: every page faulted in costs time, and the fuzzer wants many runs. */
	if ((b[1] & 0xc0) == 0xc0)
		c->p.va_size = ((size_t)(b[1] & 0x3f) + 1) << 16;
	else if ((b[1] & 0xc0) == 0x80)
		c->p.va_size = ((size_t)(b[1] & 0x3f) * 4 + 1) << 20;
	else
		c->p.va_size = ((size_t)(b[1] & 0x7f) / 4 + 1) << 20;
	c->p.nr_nodes = b[2] & 0xf;
	c->p.lazy_max = (size_t)b[3] << 14;
	if ((b[4] & 0xf0) == 0xf0)
		c->p.mem_limit = ((size_t)(b[4] & 0xf) + 1) << 20;
	if (c->sim)
		space_params_sim(c, b);
	if (c->p.iova_mode == RTE_VMAP_IOVA_DOMAIN)
		space_params_domain(c, b);
	/* Known to DPDK (memsegs): VA, PA or AUTO mode only. */
	if ((b[6] & 0x40) != 0 && (b[4] & 0x3) == 0 && c->p.iova_mode != RTE_VMAP_IOVA_DOMAIN)
		c->p.flags |= RTE_VMAP_F_EXTMEM;
	c->verify_every = (b[7] >> 5) < 5 ? 1 : 8;
	c->free_all = (b[7] & 0x10) != 0;
}

/* A new space: empty, as large as asked, in its IOVA mode; the model takes its sockets. */
static void
space_check_new(struct fz_ctx *c)
{
	unsigned int i;
	struct rte_vmap_stats st;

	c->base = ((const struct __rte_vmap_fastpath *)c->vm)->va_base;
	c->map_len = ((const struct __rte_vmap_fastpath *)c->vm)->va_size;
	FZ_CHECK(c, rte_vmap_stats_get(c->vm, &st) == 0 && st.va_size == c->map_len,
		"va_size");
	FZ_CHECK(c, c->map_len >= c->p.va_size && c->map_len % c->page_size == 0,
		"map_len %zu for va_size %zu", c->map_len, c->p.va_size);
	FZ_CHECK(c, st.nr_windows == 0 && st.va_used == 0 && st.va_lazy == 0 &&
		st.mem_used == 0, "a new space is not empty");
	c->iova_mode = rte_vmap_iova_mode_get(c->vm);
	if (c->p.iova_mode != RTE_VMAP_IOVA_AUTO)
		FZ_CHECK(c, c->iova_mode == c->p.iova_mode, "iova mode %d", (int)c->iova_mode);
	else
		FZ_CHECK(c, c->iova_mode == RTE_VMAP_IOVA_VA || c->iova_mode == RTE_VMAP_IOVA_PA,
			"AUTO resolved to %d", (int)c->iova_mode);
	if (c->p.topology == NULL) {
		c->nr_sockets = fz_nr_eal_sockets;
		memcpy(c->sockets, fz_eal_sockets, sizeof(c->sockets));
	} else {
		c->nr_sockets = strcmp(c->p.topology, "package:3 core:1 pu:1") == 0 ? 3 : 2;
		for (i = 0; i < c->nr_sockets; i++)
			c->sockets[i] = (int)i;
	}
	c->last = st;
}

bool
fz_space_create(struct fz_ctx *c, struct fz_in *in)
{
	uint8_t b[8];
	unsigned int i;
	struct rte_vmap *dup;

	for (i = 0; i < RTE_DIM(b); i++)
		b[i] = in_u8(in);
	space_params(c, b);

	bad_create(c, b[7] & 0x1f);

	fz_trace("create: va %zu page %zu nodes %u lazy %zu limit %zu iova %d flags 0x%x"
		" topo %s iommu %s %s\n", c->p.va_size, c->p.page_size, c->p.nr_nodes,
		c->p.lazy_max, c->p.mem_limit, (int)c->p.iova_mode, c->p.flags,
		c->p.topology != NULL ? c->p.topology : "machine",
		c->p.iommu != NULL ? c->p.iommu : "none", c->iommu_args);
	rte_errno = 0;
	c->vm = rte_vmap_create(&c->p);
	if (c->vm == NULL) {
		/* Hugepages may be missing, or taken by another process. */
		FZ_CHECK(c, (c->page_size != FZ_PAGE &&
			(rte_errno == ENOTSUP || rte_errno == ENOMEM)) ||
			((c->p.flags & RTE_VMAP_F_EXTMEM) != 0 && rte_errno == ENOTSUP),
			"create failed: rte_errno %d", rte_errno);
		return false;
	}
	rte_errno = 0;
	dup = rte_vmap_create(&c->p);
	FZ_CHECK(c, dup == NULL && rte_errno == EEXIST, "duplicate create: %p, rte_errno %d",
		(void *)dup, rte_errno);

	space_check_new(c);
	return true;
}

void
fz_space_teardown(struct fz_ctx *c, bool free_all)
{
	int ret;

	c->op_name = "teardown";
	fz_check_stats(c);
	fz_check_verify(c);
	while (free_all && c->nr_live > 0) {
		const struct fz_win *w = &c->live[c->nr_live - 1];

		fz_tag_check(c, w);
		ret = w->block ? rte_vmap_block_free(c->vm, (void *)w->va, w->req) :
			rte_vmap_free(c->vm, (void *)w->va);
		FZ_CHECK(c, ret == 0, "teardown free of 0x%" PRIxPTR " = %d", w->va, ret);
		fz_model_del(c, c->nr_live - 1);
	}
	if (free_all) {
		fz_check_stats(c);
		fz_op_purge(c);
		fz_check_verify(c);
	}
	for (ret = 0; ret < (int)c->nr_live; ret++)
		fz_tag_check(c, &c->live[ret]);
	rte_vmap_destroy(c->vm);
	c->vm = NULL;
	FZ_CHECK(c, rte_vmap_lookup(FZ_NAME) == NULL && rte_errno == ENOENT,
		"lookup after destroy");
}
