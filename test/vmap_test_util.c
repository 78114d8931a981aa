/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* Helpers several suites share: see vmap_test_util.h. */

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "vmap_test_util.h"

int
vmap_test_fail(uint32_t *stop, const char *run_name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One printf per line, so that lines of two lcores do not mix. */
	printf("  [%s] lcore %u: %s\n", run_name, rte_lcore_id(), msg);
	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	return -1;
}

uint64_t
vmap_test_pagemap_pa(int fd, const void *addr)
{
	uint64_t ent, pfn;

	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)addr >> 12) * 8) != sizeof(ent))
		return 0;
	/* Bits 0-54 the frame, bit 63 present (Documentation/admin-guide/mm/pagemap.rst). */
	pfn = ent & ((UINT64_C(1) << 55) - 1);
	if ((ent >> 63) == 0 || pfn == 0)
		return 0;
	return (pfn << 12) | ((uintptr_t)addr & 4095);
}
