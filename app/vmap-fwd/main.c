/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * dpdk-vmap-fwd: an l2fwd-shaped forwarder whose packet memory lives in
 * rte_vmap windows.
 *
 * Ports are paired (0<->1, 2<->3, ... among those of -p); what one port
 * receives is sent on the other, with the MACs rewritten as l2fwd does or
 * (--no-mac-updating) unchanged. The RX queues are spread over the worker
 * lcores; the main lcore prints statistics every second and stops the run
 * at SIGINT, SIGTERM or the end of --duration. While packets flow, --churn
 * allocates and frees windows of the same space, and --check-iova checks
 * the IOVA of every received buffer. The exit status is non-zero if a
 * packet went missing in the accounting, an IOVA was wrong, or the space
 * fails rte_vmap_verify() at the end. Options: see args.c or --help.
 *
 * With --shared the forwarding work moves to worker processes, DPDK
 * secondaries of the same binary started with --mp-worker (mp.c); the
 * primary keeps the ports, the space and the pools, and ends the run.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "fwd.h"

#define FWD_RESTART_ENV "VMAP_FWD_RESTARTS"
#define FWD_RESTARTS    3

volatile bool fwd_quit;

static char **start_argv;   /* the command line as given, for fwd_restart() */

static uint64_t start_tsc;
static uint64_t next_stats_tsc;

static volatile sig_atomic_t quit_signal;

/* Only async-signal-safe work here: main() says which signal it was. */
static void
signal_handler(int signum)
{
	if (signum == SIGINT || signum == SIGTERM) {
		quit_signal = signum;
		__atomic_store_n(&fwd_quit, true, __ATOMIC_RELAXED);
	}
}

void
fwd_control_tick(void)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();

	fwd_mp_tick();
	if (fwd_opt.duration != 0 && now - start_tsc >= fwd_opt.duration * hz) {
		__atomic_store_n(&fwd_quit, true, __ATOMIC_RELAXED);
		return;
	}
	if (fwd_opt.stats_period != 0 && now >= next_stats_tsc) {
		fwd_stats_print();
		next_stats_tsc = now + fwd_opt.stats_period * hz;
	}
}

/* The end of the run: a signal, --duration or (a worker) the primary's stop. */
static bool
run_over(void)
{
	return fwd_quitting() || (fwd_opt.role == FWD_ROLE_WORKER && fwd_mp_stopping());
}

/* The main lcore's part: forward if it has queues, else only keep time. */
static void
run_main_lcore(void)
{
	if (fwd_lcore_has_work(rte_lcore_id())) {
		fwd_lcore_loop(NULL);
		return;
	}
	while (!run_over()) {
		fwd_control_tick();
		rte_delay_us_sleep(1000000 / FWD_CONTROL_HZ);
	}
}

static void
launch_workers(void)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (!fwd_lcore_has_work(lcore))
			continue;
		if (rte_eal_remote_launch(fwd_lcore_loop, NULL, lcore) != 0)
			rte_exit(EXIT_FAILURE, "cannot launch lcore %u\n", lcore);
	}
}

/* Consistency of the space once nothing runs on it any more. */
static int
verify_space(void)
{
	int ret = rte_vmap_verify(fwd_vm);

	printf("summary verify=%s\n", ret == 0 ? "OK" : "FAILED");
	if (fwd_opt.verbose)
		rte_vmap_dump(stdout, fwd_vm);
	return ret;
}

/*
 * Run this program again from the start, same arguments, same pid, so
 * with a new address-space layout (ASLR): what a worker does when its own
 * libraries or threads happen to lie where the primary's space must be
 * mapped. Returns (for the caller to fail) after FWD_RESTARTS restarts.
 */
void
fwd_restart(const char *why)
{
	const char *env = getenv(FWD_RESTART_ENV);
	int done = env != NULL ? atoi(env) : 0;
	char count[16];

	if (done >= FWD_RESTARTS || start_argv == NULL)
		return;
	printf("vmap-fwd: %s: starting again (%d of %d)\n", why, done + 1, FWD_RESTARTS);
	fflush(stdout);
	snprintf(count, sizeof(count), "%d", done + 1);
	setenv(FWD_RESTART_ENV, count, 1);
	rte_eal_cleanup();
	execv("/proc/self/exe", start_argv);
	printf("vmap-fwd: cannot start again: %s\n", strerror(errno));
	exit(EXIT_FAILURE);
}

/* The command line before EAL reorders it (getopt permutes argv). */
static void
save_argv(int argc, char **argv)
{
	start_argv = calloc(argc + 1, sizeof(*start_argv));
	if (start_argv != NULL)
		memcpy(start_argv, argv, argc * sizeof(*start_argv));
}

/* Ports, space and pools: this process's own or, in a worker, the primary's. */
static void
set_up(void)
{
	if (fwd_opt.role == FWD_ROLE_WORKER) {
		fwd_mp_attach();
		fwd_ports_assign_worker();
		return;
	}
	fwd_ports_assign();
	fwd_space_create();
	fwd_pools_create();
	fwd_ports_start();
	if (fwd_opt.role == FWD_ROLE_PRIMARY)
		fwd_mp_setup();
	fwd_ports_tx_first();
}

/*
 * Everything in reverse; a worker only detaches from the space (the
 * ports, pools and rings are the primary's).
 */
static void
tear_down(void)
{
	if (fwd_opt.role == FWD_ROLE_WORKER) {
		fwd_space_destroy();
		return;
	}
	fwd_ports_close();
	fwd_mp_free();
	fwd_pools_free();
	fwd_space_destroy();
	fwd_hugefiles_remove();
}

/*
 * After the lcores stopped: a primary stops its workers and sends what
 * they gave back; a worker publishes its final counts. The problems seen.
 */
static int
finish_mp(void)
{
	if (fwd_opt.role == FWD_ROLE_PRIMARY)
		return fwd_mp_finish();
	if (fwd_opt.role == FWD_ROLE_WORKER)
		fwd_mp_worker_done();
	return 0;
}

int
main(int argc, char **argv)
{
	int problems, ret;

	save_argv(argc, argv);
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "invalid EAL arguments\n");
	argc -= ret;
	argv += ret;
	/* Whole lines in pipes and logs, whichever thread prints. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	fwd_options_parse(argc, argv);

	set_up();

	printf("vmap-fwd: forwarding%s%s%s; %s\n",
		fwd_opt.mac_updating ? " with MAC updating" : " as a plain bridge",
		fwd_opt.check_iova ? ", checking IOVAs" : "",
		fwd_opt.churn_rate != 0 ? ", with churn" : "",
		fwd_opt.duration != 0 ? "--duration set" : "Ctrl-C to stop");
	fflush(stdout);
	fwd_stats_init();
	start_tsc = rte_get_timer_cycles();
	next_stats_tsc = start_tsc + fwd_opt.stats_period * rte_get_timer_hz();
	fwd_churn_start();
	launch_workers();
	run_main_lcore();
	if (quit_signal != 0)
		printf("\nvmap-fwd: signal %d received, stopping\n", (int)quit_signal);
	fwd_churn_stop();
	/* A worker's lcores stop by themselves once the rings to them are empty. */
	rte_eal_mp_wait_lcore();
	problems = finish_mp();

	problems += fwd_stats_summary();
	/* The space is the primary's: it verifies it, once its workers stopped. */
	if (fwd_opt.role != FWD_ROLE_WORKER && verify_space() != 0)
		problems++;
	printf("summary result=%s\n", problems == 0 ? "OK" : "FAILED");
	fflush(stdout);
	tear_down();
	rte_eal_cleanup();
	return problems == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
