/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * dpdk-vmap-test: the autotest runner, in the shape of DPDK's app/test/test.c
 * (22.11).
 *
 * Every test_*.c registers its commands with a macro of test.h
 * (REGISTER_FAST_TEST() and the like, each a REGISTER_TEST_COMMAND()); the
 * constructors run before main() and fill commands_list. After rte_eal_init:
 *
 *   DPDK_TEST=<name> dpdk-vmap-test <EAL args> [-- <name> ...]
 *       runs the named command(s) and exits with the result: 0 passed,
 *       77 (TEST_SKIPPED, what meson counts as a skip) skipped, else failed.
 *   dpdk-vmap-test <EAL args>
 *       gives an interactive RTE>> prompt (stdin may be a pipe).
 *
 * DPDK_TEST_PARAMS adds EAL arguments, as in DPDK.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_string_fns.h>

#include "test.h"
#include "vmap_test_util.h"

#define TEST_PROMPT "RTE>> "
#define TEST_MAX_EXTRA_ARGS 64
#define TEST_CMD_BUF_SIZE 1024

static struct test_commands_list commands_list =
	TAILQ_HEAD_INITIALIZER(commands_list);

/* Result of the last command run from the command line. */
static int last_test_result;

void
add_test_command(struct test_command *t)
{
	TAILQ_INSERT_TAIL(&commands_list, t, next);
}

static const char *
test_status_name(int status)
{
	switch (status) {
	case TEST_SUCCESS:
		return "succeeded";
	case TEST_SKIPPED:
		return "skipped";
	case -ENOTSUP:
		return "unsupported";
	default:
		return "failed";
	}
}

static void
suite_separator(void)
{
	printf(" + ------------------------------------------------------- +\n");
}

static void
suite_summary(const struct unit_test_suite *suite)
{
	suite_separator();
	printf(" + Test Suite Summary : %s\n", suite->suite_name);
	suite_separator();
	printf(" + Tests Total :       %2u\n", suite->total);
	printf(" + Tests Skipped :     %2u\n", suite->skipped);
	printf(" + Tests Executed :    %2u\n", suite->executed);
	printf(" + Tests Passed :      %2u\n", suite->succeeded);
	printf(" + Tests Failed :      %2u\n", suite->failed);
	suite_separator();
}

/*
 * Run one case: its setup, the case, its teardown. A setup that fails fails
 * the case; one that returns TEST_SKIPPED (or -ENOTSUP) skips it.
 */
static int
run_test_case(const struct unit_test_case *tc)
{
	int status;

	if (tc->setup != NULL) {
		status = tc->setup();
		if (status != TEST_SUCCESS) {
			if (status != TEST_SKIPPED && status != -ENOTSUP)
				status = TEST_FAILED;
			return status;
		}
	}
	status = tc->testcase();
	if (tc->teardown != NULL)
		tc->teardown();
	return status;
}

int
unit_test_suite_runner(struct unit_test_suite *suite)
{
	const struct unit_test_case *tc;
	const char *name = suite->suite_name != NULL ? suite->suite_name : "";
	unsigned int n;
	int status;

	suite->total = 0;
	suite->executed = 0;
	suite->succeeded = 0;
	suite->failed = 0;
	suite->skipped = 0;
	for (tc = suite->unit_test_cases; tc->testcase != NULL; tc++)
		suite->total++;

	printf("\n");
	suite_separator();
	printf(" + Test Suite : %s\n", name);
	suite_separator();

	if (suite->setup != NULL) {
		status = suite->setup();
		if (status != TEST_SUCCESS) {
			/* Every case counts as skipped or, on error, failed. */
			printf(" + Test Suite setup %s\n", test_status_name(status));
			if (status == TEST_SKIPPED || status == -ENOTSUP)
				suite->skipped = suite->total;
			else
				suite->failed = suite->total;
			goto summary;
		}
	}

	n = 0;
	for (tc = suite->unit_test_cases; tc->testcase != NULL; tc++, n++) {
		if (!tc->enabled) {
			status = TEST_SKIPPED;
		} else {
			status = run_test_case(tc);
			suite->executed++;
		}
		if (status == TEST_SUCCESS)
			suite->succeeded++;
		else if (status == TEST_SKIPPED || status == -ENOTSUP)
			suite->skipped++;
		else
			suite->failed++;
		printf(" + TestCase [%2u] : %s %s\n", n, tc->name,
			!tc->enabled ? "disabled" : test_status_name(status));
		fflush(stdout);
	}

	if (suite->teardown != NULL)
		suite->teardown();

summary:
	suite_summary(suite);
	fflush(stdout);

	if (suite->failed != 0)
		return TEST_FAILED;
	if (suite->total != 0 && suite->skipped == suite->total)
		return TEST_SKIPPED;
	return TEST_SUCCESS;
}

static void
dump_test_list(void)
{
	const struct test_command *t;

	TAILQ_FOREACH(t, &commands_list, next)
		printf("%s\n", t->command);
}

/* ---- command line: <registered test>, dump_test_list | list, quit ---- */

struct cmd_autotest_result {
	cmdline_fixed_string_t autotest;
};

static void
cmd_autotest_parsed(void *parsed_result, __rte_unused struct cmdline *cl,
		__rte_unused void *data)
{
	struct cmd_autotest_result *res = parsed_result;
	const struct test_command *t;
	int ret = TEST_FAILED;

	TAILQ_FOREACH(t, &commands_list, next) {
		if (strcmp(res->autotest, t->command) == 0) {
			ret = t->callback();
			break;
		}
	}

	last_test_result = ret;
	if (ret == TEST_SUCCESS)
		printf("Test OK\n");
	else if (ret == TEST_SKIPPED)
		printf("Test Skipped\n");
	else
		printf("Test Failed\n");
	fflush(stdout);
}

/* Its string ("a#b#c", every registered name) is filled in by commands_init(). */
static cmdline_parse_token_string_t cmd_autotest_autotest =
	TOKEN_STRING_INITIALIZER(struct cmd_autotest_result, autotest, "");

static cmdline_parse_inst_t cmd_autotest = {
	.f = cmd_autotest_parsed,
	.data = NULL,
	.help_str = "run a registered test",
	.tokens = {
		(void *)&cmd_autotest_autotest,
		NULL,
	},
};

struct cmd_dump_result {
	cmdline_fixed_string_t dump;
};

static void
cmd_dump_parsed(__rte_unused void *parsed_result, __rte_unused struct cmdline *cl,
		__rte_unused void *data)
{
	dump_test_list();
	last_test_result = TEST_SUCCESS;
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_dump_dump =
	TOKEN_STRING_INITIALIZER(struct cmd_dump_result, dump, "dump_test_list#list");

static cmdline_parse_inst_t cmd_dump = {
	.f = cmd_dump_parsed,
	.data = NULL,
	.help_str = "dump_test_list|list: print the registered tests",
	.tokens = {
		(void *)&cmd_dump_dump,
		NULL,
	},
};

struct cmd_quit_result {
	cmdline_fixed_string_t quit;
};

static void
cmd_quit_parsed(__rte_unused void *parsed_result, struct cmdline *cl,
		__rte_unused void *data)
{
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_quit_quit =
	TOKEN_STRING_INITIALIZER(struct cmd_quit_result, quit, "quit");

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.data = NULL,
	.help_str = "quit: exit the application",
	.tokens = {
		(void *)&cmd_quit_quit,
		NULL,
	},
};

static cmdline_parse_ctx_t main_ctx[] = {
	(cmdline_parse_inst_t *)&cmd_autotest,
	(cmdline_parse_inst_t *)&cmd_dump,
	(cmdline_parse_inst_t *)&cmd_quit,
	NULL,
};

/* Join the registered names with '#' into the autotest token's choices. */
static char *
commands_init(void)
{
	const struct test_command *t;
	size_t len = 1;
	char *commands;

	TAILQ_FOREACH(t, &commands_list, next)
		len += strlen(t->command) + 1;

	commands = calloc(len, 1);
	if (commands == NULL)
		return NULL;

	TAILQ_FOREACH(t, &commands_list, next) {
		strlcat(commands, t->command, len);
		if (TAILQ_NEXT(t, next) != NULL)
			strlcat(commands, "#", len);
	}
	cmd_autotest_autotest.string_data.str = commands;
	return commands;
}

/* Run each named command in turn; stop at the first that does not pass. */
static int
run_commands(char **tests, int count)
{
	char buf[TEST_CMD_BUF_SIZE];
	struct cmdline *cl;
	int ret = TEST_SUCCESS;
	int i;

	cl = cmdline_new(main_ctx, TEST_PROMPT, 0, 1);
	if (cl == NULL)
		return TEST_FAILED;

	for (i = 0; i < count; i++) {
		snprintf(buf, sizeof(buf), "%s\n", tests[i]);
		if (cmdline_parse_check(cl, buf) < 0) {
			printf("Error: invalid test command: '%s'\n", tests[i]);
			ret = TEST_FAILED;
		} else if (cmdline_parse(cl, buf) < 0) {
			printf("Error: test command '%s' did not run\n", tests[i]);
			ret = TEST_FAILED;
		} else {
			ret = last_test_result;
		}
		if (ret != TEST_SUCCESS)
			break;
	}
	cmdline_free(cl);
	return ret;
}

static int
run_interactive(void)
{
	struct cmdline *cl;

	cl = cmdline_stdin_new(main_ctx, TEST_PROMPT);
	if (cl == NULL)
		return TEST_FAILED;
	cmdline_interact(cl);
	cmdline_stdin_exit(cl);
	printf("\n");
	return TEST_SUCCESS;
}

/*
 * Fill new_argv with argv and the words of params (DPDK_TEST_PARAMS) put
 * after argv[0]; return the new argc.
 */
static int
add_extra_args(int argc, char **argv, char **new_argv, char *params)
{
	char *extra[TEST_MAX_EXTRA_ARGS];
	int n, i;

	n = rte_strsplit(params, strlen(params), extra, RTE_DIM(extra), ' ');
	if (n < 0)
		n = 0;
	new_argv[0] = argv[0];
	for (i = 0; i < n; i++)
		new_argv[i + 1] = extra[i];
	for (i = 1; i < argc; i++)
		new_argv[n + i] = argv[i];
	new_argv[n + argc] = NULL;
	return n + argc;
}

/*
 * VMAP_TEST_HUGEPAGES=auto (set by the meson tests): whether EAL gets
 * hugepages is decided when the test starts, from the 2 MiB pages free
 * then, not when the build was configured. With fewer than
 * VMAP_TEST_MIN_HUGEPAGES free, "--in-memory" in argv becomes
 * "--no-huge -m 512" (EAL refuses the two together); a test that needs
 * hugepages (VMAP_TEST_NEEDS_HUGEPAGES=1) is then skipped. Returns argc,
 * argv rewritten into out (room for argc + 3), or -1 for the skip.
 */
static int
choose_hugepages(int argc, char **argv, char **out)
{
	static char no_huge[] = "--no-huge", dash_m[] = "-m", mem[] = "512";
	const char *mode = getenv("VMAP_TEST_HUGEPAGES");
	const char *needs = getenv("VMAP_TEST_NEEDS_HUGEPAGES");
	unsigned long nr = vmap_test_free_hugepages();
	int i, n = 0;

	if (mode == NULL || strcmp(mode, "auto") != 0 || nr >= VMAP_TEST_MIN_HUGEPAGES)
		return argc;
	if (needs != NULL && strcmp(needs, "1") == 0) {
		printf("SKIP: %lu free 2 MiB hugepages, fewer than %u: this test needs "
			"hugepages (devtools/setup.sh reserves them)\n", nr,
			VMAP_TEST_MIN_HUGEPAGES);
		return -1;
	}
	printf("vmap-test: %lu free 2 MiB hugepages, fewer than %u: EAL runs with "
		"--no-huge -m 512\n", nr, VMAP_TEST_MIN_HUGEPAGES);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--in-memory") != 0) {
			out[n++] = argv[i];
			continue;
		}
		out[n++] = no_huge;
		out[n++] = dash_m;
		out[n++] = mem;
	}
	out[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	char *new_argv[argc + TEST_MAX_EXTRA_ARGS + 1];
	char *huge_argv[argc + TEST_MAX_EXTRA_ARGS + 4];
	char *tests[argc + TEST_MAX_EXTRA_ARGS + 4];
	char *params, *extra_params = NULL;
	char *dpdk_test, *commands;
	int test_count = 0;
	int ret, i;

	params = getenv("DPDK_TEST_PARAMS");
	if (params != NULL && params[0] != '\0') {
		/* rte_strsplit() cuts the string: work on a copy. */
		extra_params = strdup(params);
		if (extra_params == NULL)
			return EXIT_FAILURE;
		argc = add_extra_args(argc, argv, new_argv, extra_params);
		argv = new_argv;
	}
	ret = choose_hugepages(argc, argv, huge_argv);
	if (ret < 0) {
		free(extra_params);
		return TEST_SKIPPED;
	}
	if (ret != argc) {
		argc = ret;
		argv = huge_argv;
	}

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("Error: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		free(extra_params);
		return EXIT_FAILURE;
	}
	argc -= ret;
	argv += ret;

	commands = commands_init();
	if (commands == NULL) {
		ret = TEST_FAILED;
		goto out;
	}

	/* The command in DPDK_TEST, then any words left over after the EAL's. */
	dpdk_test = getenv("DPDK_TEST");
	if (dpdk_test != NULL && dpdk_test[0] != '\0')
		tests[test_count++] = dpdk_test;
	for (i = 1; i < argc; i++)
		tests[test_count++] = argv[i];

	if (test_count > 0)
		ret = run_commands(tests, test_count);
	else
		ret = run_interactive();

out:
	free(commands);
	rte_eal_cleanup();
	free(extra_params);
	return ret;
}
