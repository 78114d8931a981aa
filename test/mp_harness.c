/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Starting, waiting for and cleaning up after secondary processes of the
 * multi-process tests (mp_harness.h).
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <mntent.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vmap.h>

#include "mp_harness.h"
#include "test.h"
#include "vmap_test_util.h"

extern char **environ;

/* This process's --file-prefix: the last part of EAL's runtime directory. */
static const char *
own_prefix(void)
{
	static char dir[256];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	return basename(dir);
}

static int
ipc_probe(const struct rte_mp_msg *msg, const void *peer)
{
	RTE_SET_USED(msg);
	RTE_SET_USED(peer);
	return 0;
}

/*
 * Whether EAL's IPC channel works: --in-memory keeps a runtime directory
 * but refuses every action (ENOTSUP), as RTE_VMAP_F_SHARED then is.
 */
static bool
ipc_works(void)
{
	if (rte_mp_action_register("vmap_mp_test_probe", ipc_probe) != 0)
		return false;
	rte_mp_action_unregister("vmap_mp_test_probe");
	return true;
}

bool
mp_possible(const char **why)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		*why = "not a primary process";
		return false;
	}
	/*
	 * Secondaries map the primary's hugepage files: --no-huge and
	 * --in-memory (which test.c may choose) leave them none.
	 */
	if (!rte_eal_has_hugepages()) {
		*why = "EAL runs without hugepage files (--no-huge or --in-memory): "
			"secondaries have nothing to attach to";
		return false;
	}
	if (access(rte_eal_get_runtime_dir(), F_OK) != 0 || !ipc_works()) {
		*why = "EAL runs without its multi-process channel (--in-memory or "
			"--no-shconf): no secondary can attach";
		return false;
	}
	return true;
}

/* The environment of a secondary: ours, less test.c's, plus its role. */
static char **
child_env(const char *role, const char *space, const struct mp_board *board,
		char store[4][128])
{
	size_t n = 0, i;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 5, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0, n = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "DPDK_TEST=", 10) != 0 &&
				strncmp(environ[i], "VMAP_TEST_", 10) != 0 &&
				strncmp(environ[i], "VMAP_MP_", 8) != 0)
			env[n++] = environ[i];
	snprintf(store[0], 128, "DPDK_TEST=vmap_mp_secondary");
	snprintf(store[1], 128, MP_ENV_ROLE "=%s", role);
	snprintf(store[2], 128, MP_ENV_SPACE "=%s", space != NULL ? space : "");
	snprintf(store[3], 128, MP_ENV_BOARD "=0x%" PRIxPTR, (uintptr_t)board);
	for (i = 0; i < 4; i++)
		env[n++] = store[i];
	env[n] = NULL;
	return env;
}

pid_t
mp_spawn(const char *role, const char *space, const struct mp_board *board,
		unsigned int first_lcore, unsigned int nr_lcores, bool other_prefix)
{
	char lcores[64], prefix[300], store[4][128];
	char *argv[16];
	char **env;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i, n = 0;
	size_t off;
	pid_t pid;
	int ret;

	/* Lcore ids of their own, on the machine's CPUs in turn. */
	off = (size_t)snprintf(lcores, sizeof(lcores), "--lcores=");
	for (i = 0; i < nr_lcores; i++)
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "%s%u@%ld",
			i != 0 ? "," : "", first_lcore + i, (long)i % (ncpu > 0 ? ncpu : 1));
	argv[n++] = (char *)"/proc/self/exe";
	argv[n++] = lcores;
	argv[n++] = (char *)"--no-pci";
	argv[n++] = (char *)"--no-telemetry";
	argv[n++] = (char *)"--log-level=lib.vmap:info";
	if (other_prefix) {
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s_other", own_prefix());
		argv[n++] = prefix;
		argv[n++] = (char *)"--in-memory";
	} else {
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s", own_prefix());
		argv[n++] = prefix;
		argv[n++] = (char *)"--proc-type=secondary";
	}
	argv[n] = NULL;
	env = child_env(role, space, board, store);
	if (env == NULL)
		return -1;
	fflush(stdout);
	fflush(stderr);
	ret = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env);
	free(env);
	if (ret != 0) {
		printf("cannot start a secondary: %s\n", strerror(ret));
		return -1;
	}
	return pid;
}

int
mp_wait(pid_t pid, int timeout_s)
{
	struct timespec nap = { .tv_nsec = 10 * 1000 * 1000 };
	int status, i;
	pid_t r;

	for (i = 0; i < timeout_s * 100; i++) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0)
			return -1;
		nanosleep(&nap, NULL);
	}
	printf("secondary %d still running after %d s: killed\n", (int)pid, timeout_s);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Unlink dir/<prefix><rest> for every entry of dir starting with prefix. */
static void
unlink_prefixed(const char *dir, const char *prefix)
{
	size_t len = strlen(prefix);
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, len) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

void
mp_cleanup_files(void)
{
	char prefix[300];
	struct mntent *m;
	FILE *f;

	/* Hugepage files are "<prefix>map_<n>" in every hugetlbfs mount EAL used. */
	snprintf(prefix, sizeof(prefix), "%smap_", own_prefix());
	f = setmntent("/proc/mounts", "r");
	while (f != NULL && (m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_type, "hugetlbfs") == 0)
			unlink_prefixed(m->mnt_dir, prefix);
	if (f != NULL)
		endmntent(f);
}

void
mp_fill(void *va, size_t size, uint32_t pattern)
{
	uint32_t *p = va;
	size_t i;

	for (i = 0; i < size / sizeof(*p); i++)
		p[i] = pattern;
}

size_t
mp_check(const void *va, size_t size, uint32_t pattern)
{
	const uint32_t *p = va;
	size_t i;

	for (i = 0; i < size / sizeof(*p); i++)
		if (p[i] != pattern)
			return i * sizeof(*p) + 1;
	return 0;
}

struct mp_board *
mp_board_create(struct rte_vmap **board_vm)
{
	struct rte_vmap_params p;
	struct mp_board *board;

	vmap_test_params_4k(&p, MP_BOARD_SPACE);
	p.flags = RTE_VMAP_F_SHARED;
	*board_vm = rte_vmap_create(&p);
	if (*board_vm == NULL) {
		printf("board space: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	board = rte_vmap_alloc(*board_vm, sizeof(*board), 0, SOCKET_ID_ANY);
	if (board == NULL) {
		printf("board: %s\n", rte_strerror(rte_errno));
		rte_vmap_destroy(*board_vm);
		return NULL;
	}
	memset(board, 0, sizeof(*board));
	return board;
}

int
mp_board_destroy(struct rte_vmap *board_vm, struct mp_board *board)
{
	int ret = TEST_SUCCESS;

	if (rte_vmap_free(board_vm, board) != 0 || rte_vmap_verify(board_vm) != 0)
		ret = TEST_FAILED;
	rte_vmap_destroy(board_vm);
	return ret;
}

int
mp_suite_run(struct unit_test_suite *suite, struct rte_vmap **board_vm,
		struct mp_board **board)
{
	const char *why;
	int ret;

	if (!mp_possible(&why)) {
		/* "skipped: <why>": the line test/vm/dma-tests.sh reports. */
		printf("mp: skipped: %s\n", why);
		return TEST_SKIPPED;
	}
	*board = mp_board_create(board_vm);
	TEST_ASSERT_NOT_NULL(*board, "no board");
	ret = unit_test_suite_runner(suite);
	if (mp_board_destroy(*board_vm, *board) != TEST_SUCCESS)
		ret = TEST_FAILED;
	mp_cleanup_files();
	return ret;
}
