/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * VA reservations a device can address.
 *
 * A space's reservation is also its IOVA range in VA mode (and what
 * EXTMEM maps for devices), and a DOMAIN space takes its default IOVAs
 * from a reservation of its own. An unhinted mmap() of tens of GiB lands
 * near the top of the 47-bit user address space, which an IOMMU of a
 * smaller address width (39 bits is common: 3-level VT-d tables) cannot
 * translate: every map would fail. So when the machine has an IOMMU, each
 * reservation is placed below its width.
 *
 * The width is read as DPDK's PCI bus reads it (pci_one_device_iommu_
 * support_va() in DPDK 22.11): from the Intel IOMMU's capability register
 * in sysfs, MGAW = bits 21:16, plus one; the smallest over all IOMMUs.
 * No Intel IOMMU (none at all, or another vendor's): no limit here, and a
 * driver that knows better (vfio) checks the space at open.
 *
 * Placement is by hand: the kernel takes a hint only as a wish and never
 * searches below it, so a hole is looked for in /proc/self/maps, highest
 * first (as the kernel's own top-down search goes, which leaves EAL's
 * low --base-virtaddr area alone), and taken with MAP_FIXED_NOREPLACE,
 * which fails rather than replace a mapping another thread made since.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "vmap_private.h"
#include "vmap_fault.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define IOMMU_SYSFS "/sys/class/iommu"
/* Below this, IOVAs meet x86's MSI window (0xfee00000) and EAL's base. */
#define RESERVE_FLOOR (UINT64_C(1) << 32)
/* Attempts when another thread takes the hole between the scan and the map. */
#define RESERVE_TRIES 4

static unsigned int
read_width(const char *iommu)
{
	char path[PATH_MAX];
	uint64_t cap;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), IOMMU_SYSFS "/%s/intel-iommu/cap", iommu);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fscanf(f, "%" SCNx64, &cap);
	fclose(f);
	if (n != 1)
		return 0;
	return ((cap >> 16) & 0x3f) + 1;
}

unsigned int
vmap_dma_width(void)
{
	unsigned int width = 0, w;
	struct dirent *e;
	DIR *d;

	d = opendir(IOMMU_SYSFS);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		w = read_width(e->d_name);
		if (w != 0 && (width == 0 || w < width))
			width = w;
	}
	closedir(d);
	return width;
}

uint64_t
vmap_dma_limit(void)
{
	unsigned int width = vmap_dma_width();

	/* 64 bits and more: nothing a user address can exceed. */
	return width == 0 || width >= 64 ? UINT64_MAX : UINT64_C(1) << width;
}

/* Trim the len + align bytes mapped at raw to len bytes at an aligned base. */
static uintptr_t
trim(void *p, size_t len, size_t align)
{
	uintptr_t raw = (uintptr_t)p;
	uintptr_t base = RTE_ALIGN_CEIL(raw, align);

	if (base > raw)
		munmap(p, base - raw);
	if (raw + align > base)
		munmap((void *)(base + len), raw + align - base);
	return base;
}

static void *
map_none(void *hint, size_t len, int extra_flags)
{
	return vmap_fault_mmap(hint, len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra_flags, -1, 0);
}

/*
 * The highest (lowest: the first) aligned base of a len-byte hole in
 * [floor, limit), from /proc/self/maps (sorted by address). 0 if none.
 */
static uintptr_t
find_hole(size_t len, size_t align, uint64_t floor, uint64_t limit, bool lowest)
{
	uint64_t prev_end = floor, start, end, best = 0, top, base;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 0;
	for (;;) {
		if (fgets(line, sizeof(line), f) != NULL) {
			/* The tail of a line longer than line[] has no range. */
			if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
				continue;
		} else {
			start = limit;
			end = limit;
		}
		top = RTE_MIN(start, limit);
		if (lowest && top > prev_end && top - RTE_ALIGN_CEIL(prev_end, align) >= len &&
				RTE_ALIGN_CEIL(prev_end, align) < top) {
			best = RTE_ALIGN_CEIL(prev_end, align);
			break;
		}
		if (!lowest && top > prev_end && top - prev_end >= len) {
			base = RTE_ALIGN_FLOOR(top - len, align);
			if (base >= prev_end)
				best = base;
		}
		prev_end = RTE_MAX(prev_end, end);
		if (start >= limit)
			break;
	}
	fclose(f);
	return best;
}

/*
 * A shared space's reservation: the lowest hole from a quarter of the
 * usable address space up. Secondaries map it at the same address, and
 * what differs between processes (libraries, thread stacks, the heap:
 * placed by ASLR from the top of the mmap area down, and next to the
 * binary) lies far above; EAL's own memseg lists, low, are the same in
 * every process. A reservation the kernel places (mmap(NULL)) lands
 * among the libraries, where a secondary's own may lie.
 */
static int
reserve_shared(size_t len, size_t align, uint64_t limit, uintptr_t *base)
{
	uint64_t top = RTE_MIN(limit, (uint64_t)1 << 47);
	unsigned int i;
	void *p;

	for (i = 0; i < RESERVE_TRIES; i++) {
		uintptr_t hole = find_hole(len, align, RTE_MAX(top / 4, RESERVE_FLOOR), top, true);

		if (hole == 0)
			hole = find_hole(len, align, RESERVE_FLOOR, top, false);
		if (hole == 0)
			return -ERANGE;
		p = map_none((void *)hole, len, MAP_FIXED_NOREPLACE);
		if (p == (void *)hole) {
			*base = hole;
			return 0;
		}
		if (p != MAP_FAILED)
			munmap(p, len);
		if (p != MAP_FAILED || errno != EEXIST)
			break;
	}
	return -ENOMEM;
}

int
vmap_va_reserve(const char *what, size_t len, size_t align, uint64_t limit, bool shared,
		uintptr_t *base)
{
	unsigned int i;
	void *p;

	if (shared && reserve_shared(len, align, limit, base) == 0)
		return 0;
	p = map_none(NULL, len + align, 0);
	if (p == MAP_FAILED) {
		VMAP_LOG(ERR, "%s: cannot reserve %zu bytes of VA: %s", what, len,
			strerror(errno));
		return -ENOMEM;
	}
	if ((uint64_t)(uintptr_t)p + len + align <= limit) {
		*base = trim(p, len, align);
		return 0;
	}
	munmap(p, len + align);
	for (i = 0; i < RESERVE_TRIES; i++) {
		uintptr_t hole = find_hole(len, align, RESERVE_FLOOR, limit, false);

		if (hole == 0)
			break;
		p = map_none((void *)hole, len, MAP_FIXED_NOREPLACE);
		if (p == (void *)hole) {
			*base = hole;
			return 0;
		}
		if (p != MAP_FAILED) {
			/* A kernel older than 4.17 took the flag as a mere hint. */
			munmap(p, len);
			break;
		}
		if (errno != EEXIST)
			break;
	}
	VMAP_LOG(ERR, "%s: no free VA range of %zu bytes below 0x%" PRIx64 " (the IOMMU's "
		"%u-bit address width, which devices must reach): use a smaller va_size "
		"or iova_size", what, len, limit, rte_fls_u64(limit - 1));
	return -ERANGE;
}
