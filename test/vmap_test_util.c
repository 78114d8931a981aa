/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* Helpers several suites share: see vmap_test_util.h. */

#include <stdarg.h>
#include <stdio.h>

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
