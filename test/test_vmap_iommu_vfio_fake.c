/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* The fake VFIO type1 container of the vfio tests (test_vmap_iommu_vfio_fake.h). */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_random.h>

#include "test.h"
#include "test_vmap_iommu_vfio_fake.h"
#include "vmap_test_util.h"

/* The one container of the test binary. */
struct fake_container fake_ct;

void
fake_reset(void)
{
	memset(&fake_ct, 0, sizeof(fake_ct));
}

static void
fake_record(char op, uint64_t va, uint64_t iova, uint64_t len)
{
	if (fake_ct.nr_log < FAKE_LOG)
		fake_ct.log[fake_ct.nr_log] = (struct fake_call){ op, va, iova, len };
	fake_ct.nr_log++;
}

static int
fake_map(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	unsigned int i, slot = FAKE_ENTRIES;

	RTE_SET_USED(ctx);
	if (fake_ct.fail_map_at != 0 && --fake_ct.fail_map_at == 0)
		return -EIO;
	for (i = 0; i < fake_ct.nr_slots; i++) {
		if (!fake_ct.e[i].live) {
			slot = RTE_MIN(slot, i);
			continue;
		}
		/* type1 refuses an entry over another (vfio_find_dma). */
		if (vmap_test_overlaps(fake_ct.e[i].iova, fake_ct.e[i].len, iova, len)) {
			printf("violation: map 0x%" PRIx64 "+%" PRIu64 " over entry 0x%" PRIx64
				"+%" PRIu64 "\n", iova, len, fake_ct.e[i].iova, fake_ct.e[i].len);
			fake_ct.violations++;
			return -EEXIST;
		}
	}
	if (slot == FAKE_ENTRIES) {
		if (fake_ct.nr_slots == FAKE_ENTRIES)
			return -ENOSPC;
		slot = fake_ct.nr_slots++;
	}
	fake_ct.e[slot] = (struct fake_entry){ va, iova, len, true };
	fake_ct.nr_live++;
	fake_ct.maps++;
	fake_record('m', va, iova, len);
	return 0;
}

static int
fake_unmap(void *ctx, uint64_t va, uint64_t iova, uint64_t len)
{
	unsigned int i;

	RTE_SET_USED(ctx);
	for (i = 0; i < fake_ct.nr_slots; i++) {
		struct fake_entry *e = &fake_ct.e[i];

		if (!e->live || !vmap_test_overlaps(e->iova, e->len, iova, len))
			continue;
		/* type1 cannot split an entry; the tracker must unmap it whole. */
		if (e->iova != iova || e->len != len || e->va != va) {
			printf("violation: unmap 0x%" PRIx64 "+%" PRIu64
				" splits or misses entry 0x%" PRIx64 "+%" PRIu64 "\n",
				iova, len, e->iova, e->len);
			fake_ct.violations++;
			return -EINVAL;
		}
		e->live = false;
		fake_ct.nr_live--;
		fake_ct.unmaps++;
		fake_record('u', va, iova, len);
		return 0;
	}
	printf("violation: unmap 0x%" PRIx64 "+%" PRIu64 " of nothing\n", iova, len);
	fake_ct.violations++;
	return -ENOENT;
}

const struct vfio_extent_ops fake_ops = {
	.map = fake_map,
	.unmap = fake_unmap,
};

/* The recorded call i is exactly (op, va, iova, len). */
int
check_call(unsigned int i, char op, uint64_t va, uint64_t iova, uint64_t len)
{
	const struct fake_call *c = &fake_ct.log[i];

	TEST_ASSERT(i < fake_ct.nr_log, "call %u was not made (%u calls)", i, fake_ct.nr_log);
	TEST_ASSERT(c->op == op && c->va == va && c->iova == iova && c->len == len,
		"call %u: %c 0x%" PRIx64 "->0x%" PRIx64 "+%" PRIu64 ", expected %c 0x%" PRIx64
		"->0x%" PRIx64 "+%" PRIu64, i, c->op, c->va, c->iova, c->len, op, va, iova, len);
	return TEST_SUCCESS;
}

struct vfio_extents *
tracker(enum vfio_extent_mode mode, uint64_t page, uint32_t limit)
{
	fake_reset();
	return vfio_extents_create(mode, page, limit, &fake_ops, NULL);
}

/* The fake entry translating iova, or NULL. */
const struct fake_entry *
fake_find(uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < fake_ct.nr_slots; i++)
		if (fake_ct.e[i].live && iova - fake_ct.e[i].iova < fake_ct.e[i].len)
			return &fake_ct.e[i];
	return NULL;
}

/*
 * The granules of a window worth checking: its ends, both sides of every
 * page boundary, and one in 16 of the rest (all of them would be slow).
 */
bool
granule_sampled(uint64_t a, uint64_t start, uint64_t end, uint64_t page)
{
	return a == start || a + GRANULE >= end || (a & (page - 1)) == 0 ||
		((a + GRANULE) & (page - 1)) == 0 || rte_rand_max(16) == 0;
}
