/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The "sim" IOMMU driver: the ops a space calls (open, close, map, unmap,
 * flush) over the model of sim_pgtable.c and sim_iotlb.c, its arguments,
 * and the registry that lets the device-side API (sim_dma.c) find a
 * space's model from the struct rte_vmap alone.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rwlock.h>

#include "rte_vmap_iommu.h"
#include "sim_private.h"

RTE_LOG_REGISTER_SUFFIX(vmap_sim_logtype, sim, NOTICE);

#define SIM_ARG_IOTLB          "iotlb"
#define SIM_ARG_PAGES          "pages"
#define SIM_ARG_FLUSH_NS       "flush_ns"
#define SIM_ARG_MAP_FAIL_EVERY "map_fail_every"

#define SIM_IOTLB_DEFAULT 64
#define SIM_IOTLB_MAX     65536
#define SIM_PAGES_DEFAULT (UINT64_C(1) << 18)
#define SIM_PAGES_MIN     8                   /* rte_hash's smallest table */
#define SIM_PAGES_MAX     (UINT64_C(1) << 30) /* rte_hash's largest */
#define SIM_FLUSH_NS_MAX  UINT64_C(1000000000)

/* One driver argument: its key, where it goes, its bounds. */
struct sim_arg {
	const char *key;
	uint64_t *val;
	uint64_t min;
	uint64_t max;
};

/* Every space using "sim", for sim_space_get(). */
TAILQ_HEAD(sim_space_list, sim_space);
static struct sim_space_list sim_spaces = TAILQ_HEAD_INITIALIZER(sim_spaces);
/*
 * Protects sim_spaces; device accesses hold it for reading while they use
 * a space, so close() (writer) never frees a model in use.
 */
static rte_rwlock_t sim_spaces_lock = RTE_RWLOCK_INITIALIZER;

struct sim_space *
sim_space_get(const struct rte_vmap *vm)
{
	struct sim_space *s;

	rte_rwlock_read_lock(&sim_spaces_lock);
	TAILQ_FOREACH(s, &sim_spaces, next)
		if (s->vm == vm && vm != NULL)
			return s;
	rte_rwlock_read_unlock(&sim_spaces_lock);
	return NULL;
}

void
sim_space_put(void)
{
	rte_rwlock_read_unlock(&sim_spaces_lock);
}

static int
parse_u64(const char *key, const char *value, void *opaque)
{
	const struct sim_arg *arg = opaque;
	char *end;
	unsigned long long v;

	/* strtoull() takes "-1" as a huge number: demand a digit first. */
	if (value == NULL || !isdigit((unsigned char)value[0]))
		goto bad;
	errno = 0;
	v = strtoull(value, &end, 0);
	if (errno != 0 || *end != '\0' || v < arg->min || v > arg->max)
		goto bad;
	*arg->val = v;
	return 0;
bad:
	SIM_LOG(ERR, "%s=%s: expected an integer in [%" PRIu64 ", %" PRIu64 "]",
		key, value == NULL ? "" : value, arg->min, arg->max);
	return -1;
}

static int
parse_args(const char *args, uint64_t *iotlb, uint64_t *pages, uint64_t *flush_ns,
		uint64_t *map_fail_every)
{
	static const char * const keys[] = {
		SIM_ARG_IOTLB, SIM_ARG_PAGES, SIM_ARG_FLUSH_NS, SIM_ARG_MAP_FAIL_EVERY, NULL
	};
	struct sim_arg spec[] = {
		{ SIM_ARG_IOTLB, iotlb, 1, SIM_IOTLB_MAX },
		{ SIM_ARG_PAGES, pages, SIM_PAGES_MIN, SIM_PAGES_MAX },
		{ SIM_ARG_FLUSH_NS, flush_ns, 0, SIM_FLUSH_NS_MAX },
		{ SIM_ARG_MAP_FAIL_EVERY, map_fail_every, 0, UINT32_MAX },
	};
	struct rte_kvargs *kv;
	unsigned int i;
	int ret = 0;

	if (args == NULL || args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(args, keys);
	if (kv == NULL) {
		SIM_LOG(ERR, "cannot parse \"%s\": keys are " SIM_ARG_IOTLB ", " SIM_ARG_PAGES
			", " SIM_ARG_FLUSH_NS ", " SIM_ARG_MAP_FAIL_EVERY, args);
		return -EINVAL;
	}
	for (i = 0; i < RTE_DIM(spec) && ret == 0; i++)
		if (rte_kvargs_process(kv, spec[i].key, parse_u64, &spec[i]) != 0)
			ret = -EINVAL;
	rte_kvargs_free(kv);
	return ret;
}

static void
sim_close(void *priv)
{
	struct sim_space *s = priv;

	if (s == NULL)
		return;
	rte_rwlock_write_lock(&sim_spaces_lock);
	TAILQ_REMOVE(&sim_spaces, s, next);
	rte_rwlock_write_unlock(&sim_spaces_lock);
	sim_pgtable_free(&s->pgtable);
	sim_iotlb_fini(&s->iotlb);
	rte_free(s);
}

static int
sim_open(struct rte_vmap *vm, const char *args, void **priv)
{
	uint64_t iotlb = SIM_IOTLB_DEFAULT, pages = SIM_PAGES_DEFAULT;
	uint64_t flush_ns = 0, map_fail_every = 0;
	struct sim_space *s, *other;
	int ret;

	ret = parse_args(args, &iotlb, &pages, &flush_ns, &map_fail_every);
	if (ret != 0)
		return ret;
	s = rte_zmalloc("vmap_sim", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	rte_spinlock_init(&s->lock);
	s->vm = vm;
	s->map_fail_every = map_fail_every;
	/* At most 1e9 ns times a few GHz: no overflow in 64 bits. */
	s->flush_cycles = flush_ns * rte_get_tsc_hz() / NS_PER_S;
	ret = sim_iotlb_init(&s->iotlb, iotlb);
	if (ret != 0)
		goto fail;
	ret = sim_pgtable_create(&s->pgtable, pages);
	if (ret != 0)
		goto fail;

	rte_rwlock_write_lock(&sim_spaces_lock);
	TAILQ_FOREACH(other, &sim_spaces, next)
		if (other->vm == vm)
			break;
	if (other == NULL)
		TAILQ_INSERT_TAIL(&sim_spaces, s, next);
	rte_rwlock_write_unlock(&sim_spaces_lock);
	if (other != NULL) {
		SIM_LOG(ERR, "space %p already has a simulated IOMMU", vm);
		ret = -EEXIST;
		goto fail;
	}
	*priv = s;
	return 0;
fail:
	sim_pgtable_free(&s->pgtable);
	sim_iotlb_fini(&s->iotlb);
	rte_free(s);
	return ret;
}

static int
check_range(uint64_t va, uint64_t iova, size_t len)
{
	if (len == 0 || ((va | iova | len) & (SIM_PAGE_SIZE - 1)) != 0 || iova + len < iova)
		return -EINVAL;
	return 0;
}

static int
sim_map(void *priv, void *va, rte_iova_t iova, size_t len)
{
	struct sim_space *s = priv;
	bool injected = false;
	int ret;

	ret = check_range((uintptr_t)va, iova, len);
	if (ret != 0) {
		SIM_LOG(ERR, "map of %p to 0x%" PRIx64 "+%zu: not 4 KiB pages", va, iova, len);
		return ret;
	}
	rte_spinlock_lock(&s->lock);
	s->map_calls++;
	if (s->map_fail_every != 0 && s->map_calls % s->map_fail_every == 0) {
		injected = true;
		ret = -EIO;
	} else {
		ret = sim_pgtable_map(&s->pgtable, (uintptr_t)va, iova, len);
	}
	if (ret == 0)
		s->stats.maps++;
	rte_spinlock_unlock(&s->lock);
	if (injected)
		SIM_LOG(DEBUG, "map of 0x%" PRIx64 "+%zu fails by request", iova, len);
	else if (ret != 0)
		SIM_LOG(ERR, "map of %p to 0x%" PRIx64 "+%zu: %s", va, iova, len,
			ret == -EEXIST ? "IOVA already mapped" : "page table full");
	return ret;
}

static int
sim_unmap(void *priv, rte_iova_t iova, size_t len)
{
	struct sim_space *s = priv;
	int ret;

	ret = check_range(0, iova, len);
	if (ret != 0) {
		SIM_LOG(ERR, "unmap of 0x%" PRIx64 "+%zu: not 4 KiB pages", iova, len);
		return ret;
	}
	rte_spinlock_lock(&s->lock);
	/* The page table only: the IOTLB keeps its copies until a flush. */
	ret = sim_pgtable_unmap(&s->pgtable, iova, len);
	if (ret == 0)
		s->stats.unmaps++;
	rte_spinlock_unlock(&s->lock);
	if (ret != 0)
		SIM_LOG(ERR, "unmap of 0x%" PRIx64 "+%zu: a page is not mapped", iova, len);
	return ret;
}

static int
sim_flush(void *priv, rte_iova_t start, rte_iova_t end)
{
	struct sim_space *s = priv;
	uint64_t until;

	/*
	 * The cost of the invalidation, paid before it completes: devices
	 * still hit the stale entries meanwhile, as they would in hardware.
	 */
	if (s->flush_cycles != 0) {
		until = rte_get_tsc_cycles() + s->flush_cycles;
		while (rte_get_tsc_cycles() < until)
			rte_pause();
	}
	rte_spinlock_lock(&s->lock);
	if (start < end)
		sim_iotlb_invalidate(&s->iotlb, start >> SIM_PAGE_SHIFT,
			(end - 1) >> SIM_PAGE_SHIFT);
	s->stats.flushes++;
	rte_spinlock_unlock(&s->lock);
	return 0;
}

static struct rte_vmap_iommu_ops iommu_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.map = sim_map,
	.unmap = sim_unmap,
	.flush = sim_flush,
};

RTE_VMAP_IOMMU_REGISTER(iommu_sim_ops);
