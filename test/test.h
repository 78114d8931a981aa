/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _TEST_H_
#define _TEST_H_

/*
 * The shape of DPDK's app/test/test.h (22.11): the installed DPDK ships
 * neither rte_test.h nor test.h, so the runner carries its own copy of the
 * conventions: TEST_ASSERT_* return TEST_FAILED from the current function,
 * unit_test_suite_runner() runs a suite, REGISTER_TEST_COMMAND() adds a
 * command the RTE>> prompt and DPDK_TEST=<name> can run.
 */

#include <stdio.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>

#define TEST_SUCCESS 0
#define TEST_FAILED  (-1)
#define TEST_SKIPPED 77

#define TEST_ASSERT(cond, msg, ...) do { \
	if (!(cond)) { \
		printf("TestCase %s() line %d failed: " msg "\n", \
			__func__, __LINE__, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(a, b, msg, ...) \
	TEST_ASSERT((a) == (b), msg, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_EQUAL(a, b, msg, ...) \
	TEST_ASSERT((a) != (b), msg, ##__VA_ARGS__)
#define TEST_ASSERT_SUCCESS(val, msg, ...) \
	TEST_ASSERT((val) == 0, msg, ##__VA_ARGS__)
#define TEST_ASSERT_FAIL(val, msg, ...) \
	TEST_ASSERT((val) != 0, msg, ##__VA_ARGS__)
#define TEST_ASSERT_NULL(val, msg, ...) \
	TEST_ASSERT((val) == NULL, msg, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_NULL(val, msg, ...) \
	TEST_ASSERT((val) != NULL, msg, ##__VA_ARGS__)

struct unit_test_case {
	int (*setup)(void);
	void (*teardown)(void);
	int (*testcase)(void);
	const char *name;
	int enabled;
};

#define TEST_CASE(fn) { NULL, NULL, fn, #fn, 1 }
#define TEST_CASE_ST(setup, teardown, fn) { setup, teardown, fn, #fn, 1 }
#define TEST_CASE_DISABLED(fn) { NULL, NULL, fn, #fn, 0 }
#define TEST_CASES_END() { NULL, NULL, NULL, NULL, 0 }

struct unit_test_suite {
	const char *suite_name;
	int (*setup)(void);
	void (*teardown)(void);
	unsigned int total;
	unsigned int executed;
	unsigned int succeeded;
	unsigned int failed;
	unsigned int skipped;
	struct unit_test_case unit_test_cases[];
};

/* Run every enabled case; TEST_SUCCESS if none failed (skips do not fail). */
int unit_test_suite_runner(struct unit_test_suite *suite);

typedef int (test_callback)(void);
TAILQ_HEAD(test_commands_list, test_command);
struct test_command {
	TAILQ_ENTRY(test_command) next;
	const char *command;
	test_callback *callback;
};

void add_test_command(struct test_command *t);

#define REGISTER_TEST_COMMAND(cmd, func) \
	static struct test_command test_struct_##cmd = { \
		.command = RTE_STR(cmd), \
		.callback = func, \
	}; \
	RTE_INIT(test_register_##cmd) \
	{ \
		add_test_command(&test_struct_##cmd); \
	}

/*
 * Adding a test is one line where the test is, as with DPDK's (23.11)
 * REGISTER_FAST_TEST(): each macro registers the command, and says which
 * meson suite runs it. test/get-test-suites.py reads these lines when
 * meson configures (again whenever a source changes) and test/meson.build
 * makes the meson tests from them; a new file also needs its name in
 * test_sources there.
 *
 *   REGISTER_FAST_TEST(cmd, nohuge, asan, func)     suite fast-tests
 *       nohuge  NOHUGE_OK: passes with --no-huge -m 512 (no hugepages);
 *               NOHUGE_SKIP: needs hugepages, skipped when fewer than
 *               VMAP_TEST_MIN_HUGEPAGES are free as it starts
 *       asan    ASAN_OK, or ASAN_SKIP: left out of sanitizer builds
 *   REGISTER_PERF_TEST(cmd, func)    perf-tests: benchmarks, one at a time
 *   REGISTER_HOST_TEST(cmd, func)    host-tests: tests that change the whole
 *                                    host, one at a time, never beside others
 *   REGISTER_SOAK_TEST(cmd, func)    soak-tests: long runs (devtools/soak.sh)
 *   REGISTER_VM_TEST(cmd, func)      real DMA and NUMA placement: only in the
 *                                    QEMU guest (test/vm/), no meson test
 *
 * REGISTER_TEST_COMMAND() alone registers a command no list carries (a
 * guest script runs it with an EAL start of its own, or it is run by
 * hand). The few tests that need more EAL arguments, or telemetry, are
 * named in test/meson.build.
 */
#define REGISTER_FAST_TEST(cmd, nohuge, asan, func) REGISTER_TEST_COMMAND(cmd, func)
#define REGISTER_PERF_TEST(cmd, func) REGISTER_TEST_COMMAND(cmd, func)
#define REGISTER_HOST_TEST(cmd, func) REGISTER_TEST_COMMAND(cmd, func)
#define REGISTER_SOAK_TEST(cmd, func) REGISTER_TEST_COMMAND(cmd, func)
#define REGISTER_VM_TEST(cmd, func) REGISTER_TEST_COMMAND(cmd, func)

#endif /* _TEST_H_ */
