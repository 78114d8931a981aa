/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_TEST_UTIL_H_
#define _VMAP_TEST_UTIL_H_

/*
 * Code several suites had a copy of: a pseudo-random generator, an
 * overlap test, the failure report and stop flag of roles running on
 * several lcores at once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>

/* xorshift64: cheap, and a seed gives the same sequence on every run. */
static inline uint64_t
vmap_test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static inline bool
vmap_test_overlaps(uint64_t a, size_t alen, uint64_t b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---- roles on several lcores ------------------------------------------- */

/*
 * Print the failure of a role of the run run_name on this lcore, and set
 * *stop so that the roles on the other lcores end their loops. Returns -1.
 */
int vmap_test_fail(uint32_t *stop, const char *run_name, const char *fmt, ...)
	__rte_format_printf(3, 4);

/* Whether a role ends: another one failed, or its time is up (timer cycles). */
static inline bool
vmap_test_stopped(const uint32_t *stop, uint64_t deadline)
{
	return __atomic_load_n(stop, __ATOMIC_RELAXED) != 0 ||
		rte_get_timer_cycles() >= deadline;
}

#endif /* _VMAP_TEST_UTIL_H_ */
