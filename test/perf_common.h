/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _PERF_COMMON_H_
#define _PERF_COMMON_H_

/*
 * What the vmap benchmarks (test_vmap_perf.c, test_vmap_purge_perf.c,
 * test_vmap_mempool_perf.c) share: the lines devtools/perf-report parses
 * (their format is described at the top of test_vmap_perf.c), the count
 * of targets for the summary line, and the median-of-repetitions timing.
 * One copy, so that the benchmarks cannot drift apart in what they print.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_vmap.h>

/* Every timed figure is the median of PERF_REPS repetitions. */
#define PERF_REPS 5
/* perf_calibrate() sizes a repetition to about this many milliseconds. */
#define PERF_REP_MS 40
#define PERF_MIN_ITERS 4u
#define PERF_MAX_ITERS (1u << 24)

enum perf_goal {
	PERF_NO_GOAL,
	PERF_AT_LEAST,
	PERF_AT_MOST,
};

/* ---- output ---------------------------------------------------------- */

/* Start a benchmark: no target counted yet, the elapsed time from now. */
void perf_begin(void);

/* End a benchmark: the load line, then the summary of targets and time. */
void perf_end(void);

/* PERF <name> <value> <unit>, the value with <digits> decimals. */
void perf_print_digits(const char *name, double value, const char *unit, int digits);

/* PERF <name> <value> <unit>: 7 decimals below 0.01, 3 below 10, 1 above. */
void perf_print(const char *name, double value, const char *unit);

/* PERF_TARGET <name> <value> <op> <target> met|MISSED, counted; none for PERF_NO_GOAL. */
void perf_target(const char *name, double value, enum perf_goal goal, double target);

/* PERF <name>_vs_<baseline> <ratio> x, and its target. */
void perf_ratio(const char *name, const char *baseline, double ratio,
		enum perf_goal goal, double target);

/* "4K", "2M", "1G" ("?" for another size). */
const char *perf_page_tag(size_t page_size);

/* PERF_INFO load_<when>: the load average, how busy the machine was. */
void perf_print_load(const char *when);

/*
 * The machine lines (CPU, lcores, page size, EAL IOVA mode, TSC rate and
 * repetitions; rep_ms is left out when it is 0, for figures that are not
 * sized by time), then the start load line.
 */
void perf_print_machine(size_t page_size, unsigned int rep_ms);

/* ---- timing ---------------------------------------------------------- */

/* The median of n values (sorts them). */
double perf_median(double *v, unsigned int n);

/* Nanoseconds per operation of ops operations that took cycles TSC cycles. */
double perf_ns(uint64_t cycles, uint64_t ops);

/* Run n operations; *cycles is the TSC time they took. 0 or -1 (printed). */
typedef int (perf_loop_t)(void *ctx, unsigned int n, uint64_t *cycles);

/*
 * Warm fn up and set *n, the operations of a repetition of about
 * PERF_REP_MS. 0, or -1 when fn failed.
 */
int perf_calibrate(perf_loop_t *fn, void *ctx, unsigned int *n);

/* A figure: the loop that times it, and its median ns per operation. */
struct perf_fig {
	perf_loop_t *fn;
	void *ctx;
	unsigned int n;  /* operations per repetition, from the calibration */
	double ns;
};

#define PERF_MAX_FIGS 4

/* Calibrate, then time nr (<= PERF_MAX_FIGS) figures in turns; sets fig[].ns. */
int perf_measure(struct perf_fig *fig, unsigned int nr);

#endif /* _PERF_COMMON_H_ */
