/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* The output and timing helpers of the vmap benchmarks: see perf_common.h. */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "perf_common.h"

/* One benchmark runs at a time (a test command): its counts and start. */
static unsigned int perf_nr_targets;
static unsigned int perf_nr_missed;
static uint64_t perf_start_tsc;

/* ---- output ---------------------------------------------------------- */

void
perf_begin(void)
{
	perf_nr_targets = 0;
	perf_nr_missed = 0;
	perf_start_tsc = rte_rdtsc();
}

void
perf_end(void)
{
	perf_print_load("end");
	printf("PERF_INFO summary: targets=%u missed=%u elapsed_s=%.1f\n",
		perf_nr_targets, perf_nr_missed,
		(double)(rte_rdtsc() - perf_start_tsc) / (double)rte_get_tsc_hz());
}

void
perf_print_digits(const char *name, double value, const char *unit, int digits)
{
	printf("PERF %s %.*f %s\n", name, digits, value, unit);
	/* Flushed: a benchmark that crashes later still leaves its figures. */
	fflush(stdout);
}

void
perf_print(const char *name, double value, const char *unit)
{
	/* Small values (few-ns lookups, ratios near 1, pairs/s of 32 MiB) need digits. */
	perf_print_digits(name, value, unit, value < 0.01 ? 7 : value < 10.0 ? 3 : 1);
}

void
perf_target(const char *name, double value, enum perf_goal goal, double target)
{
	bool met;

	if (goal == PERF_NO_GOAL)
		return;
	met = goal == PERF_AT_LEAST ? value >= target : value <= target;
	perf_nr_targets++;
	if (!met)
		perf_nr_missed++;
	printf("PERF_TARGET %s %.3f %s %.2f %s\n", name, value,
		goal == PERF_AT_LEAST ? ">=" : "<=", target, met ? "met" : "MISSED");
	fflush(stdout);
}

void
perf_ratio(const char *name, const char *baseline, double ratio,
		enum perf_goal goal, double target)
{
	char full[128];

	snprintf(full, sizeof(full), "%s_vs_%s", name, baseline);
	perf_print(full, ratio, "x");
	perf_target(full, ratio, goal, target);
}

const char *
perf_page_tag(size_t page_size)
{
	switch (page_size) {
	case RTE_VMAP_PAGE_4K:
		return "4K";
	case RTE_VMAP_PAGE_2M:
		return "2M";
	case RTE_VMAP_PAGE_1G:
		return "1G";
	default:
		return "?";
	}
}

/*
 * Other processes on the machine skew every figure (a VM's lcores may even
 * be shared with other guests): say how busy it was, at start and end.
 */
void
perf_print_load(const char *when)
{
	char line[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	char *nl;

	if (f != NULL) {
		if (fgets(line, sizeof(line), f) == NULL)
			snprintf(line, sizeof(line), "?");
		fclose(f);
	}
	nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	printf("PERF_INFO load_%s: loadavg=%s (figures are noisy when it nears lcores=%u)\n",
		when, line, rte_lcore_count());
	fflush(stdout);
}

/* The machine line: first, so that every figure below has its context. */
void
perf_print_machine(size_t page_size, unsigned int rep_ms)
{
	char line[256], model[128] = "unknown", rep[32] = "";
	enum rte_iova_mode mode = rte_eal_iova_mode();
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *p, *s;

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "model name", 10) != 0)
				continue;
			p = strchr(line, ':');
			if (p == NULL)
				break;
			for (p++; *p == ' ' || *p == '\t'; p++)
				;
			snprintf(model, sizeof(model), "%s", p);
			break;
		}
		fclose(f);
	}
	/* One token: a whitespace split of the line must not cut the model. */
	for (s = model; *s != '\0'; s++) {
		if (*s == '\n') {
			*s = '\0';
			break;
		}
		if (*s == ' ' || *s == '\t')
			*s = '_';
	}
	printf("PERF_INFO cpu=%s lcores=%u page_size=%s iova_mode=%s\n", model,
		rte_lcore_count(), perf_page_tag(page_size),
		mode == RTE_IOVA_PA ? "PA" : mode == RTE_IOVA_VA ? "VA" : "DC");
	if (rep_ms != 0)
		snprintf(rep, sizeof(rep), " rep_ms=%u", rep_ms);
	printf("PERF_INFO tsc_hz=%" PRIu64 " reps=%u%s median_of=%u\n", rte_get_tsc_hz(),
		PERF_REPS, rep, PERF_REPS);
	perf_print_load("start");
}

/* ---- timing ---------------------------------------------------------- */

static int
perf_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
perf_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), perf_cmp_double);
	return v[n / 2];
}

double
perf_ns(uint64_t cycles, uint64_t ops)
{
	return (double)cycles * 1E9 / (double)rte_get_tsc_hz() / (double)ops;
}

/* Warm-up runs of one size, at most, waiting for the rate to settle. */
#define PERF_SETTLE_RUNS 64

/*
 * Warm up, growing the run until it lasts an eighth of a repetition, then
 * repeat that run until two in a row agree within 10% (pools of a space
 * fill over tens of thousands of operations: a rate taken while they do
 * made alloc_free_64k_pg4k 40 times slower in some runs than in others),
 * then size a repetition from the settled rate.
 */
int
perf_calibrate(perf_loop_t *fn, void *ctx, unsigned int *n)
{
	uint64_t target = rte_get_tsc_hz() / 1000 * PERF_REP_MS;
	uint64_t cycles = 0, prev, want;
	unsigned int it = PERF_MIN_ITERS, k;

	for (;;) {
		if (fn(ctx, it, &cycles) != 0)
			return -1;
		if (cycles >= target / 8 || it >= PERF_MAX_ITERS)
			break;
		it = RTE_MIN(it * 8, PERF_MAX_ITERS);
	}
	for (k = 0; k < PERF_SETTLE_RUNS; k++) {
		prev = cycles;
		if (fn(ctx, it, &cycles) != 0)
			return -1;
		if (cycles * 10 <= prev * 11 && prev * 10 <= cycles * 11)
			break;
	}
	want = (uint64_t)it * target / RTE_MAX(cycles, (uint64_t)1);
	*n = RTE_MAX(RTE_MIN(want, (uint64_t)PERF_MAX_ITERS), (uint64_t)PERF_MIN_ITERS);
	/* A last warm-up at a quarter of the final size, the steady state. */
	return fn(ctx, *n / 4 + 1, &cycles);
}

/*
 * Median ns per operation of PERF_REPS repetitions of each figure. The
 * figures of one comparison take turns repetition by repetition, so that
 * a drift of the machine (other tenants of a VM host, frequency) hits the
 * figure and its baseline alike instead of skewing their ratio.
 */
int
perf_measure(struct perf_fig *fig, unsigned int nr)
{
	double v[PERF_MAX_FIGS][PERF_REPS];
	unsigned int i, r;
	uint64_t cycles;

	RTE_VERIFY(nr <= PERF_MAX_FIGS);
	for (i = 0; i < nr; i++)
		if (perf_calibrate(fig[i].fn, fig[i].ctx, &fig[i].n) != 0)
			return -1;
	for (r = 0; r < PERF_REPS; r++) {
		for (i = 0; i < nr; i++) {
			if (fig[i].fn(fig[i].ctx, fig[i].n, &cycles) != 0)
				return -1;
			v[i][r] = perf_ns(cycles, fig[i].n);
		}
	}
	for (i = 0; i < nr; i++)
		fig[i].ns = perf_median(v[i], PERF_REPS);
	return 0;
}
