/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_dma_mp_autotest: multi-process with real DMA. A shared space with
 * the "vfio" driver (RTE_VMAP_F_SHARED) is created here, in the primary,
 * which owns EAL's VFIO container; a secondary this test starts (this
 * binary again, --proc-type=secondary, no port: the "dma-alloc" role of
 * test_vmap_mp_secondary.c) allocates its windows, normal and block ones
 * (with "vfio" every block call goes to the primary one by one: no grant),
 * so each IOMMU map is made by the primary on the secondary's behalf. The
 * secondary writes a frame in each window and posts it on the board
 * (dma_mp.h). Then:
 *
 *   1. reach: port A, here, sends every frame from its IOVA; every one
 *      must arrive intact on port B, with no DMAR fault (dma_reach_send());
 *   2. stale: the windows are freed and purged, either by the secondary
 *      that allocated them (it frees, calls rte_vmap_purge() and exits) or
 *      by the primary (it frees, a second secondary purges); once the
 *      purge has returned, port A sends from every freed IOVA at once (not
 *      one frame may arrive on B, and DMAR faults are logged), then, one
 *      at a time, from the frames of the four kinds of window (normal and
 *      block, 4 KiB and 8 KiB): each sends nothing and a DMAR fault names
 *      its page (dma_stale_probe(), as test_vmap_dma_stale.c).
 *
 * Each in VA and DOMAIN IOVA modes. In the windows-freed-by-the-primary
 * cases the secondary exits before the frames are sent: the windows it
 * allocated outlive it.
 *
 * Needs the guest of devtools/vm/ (test/vm/dma-tests.sh runs it there),
 * and EAL with hugepage files: the secondaries map them, so never
 * --in-memory (dma-tests.sh runs it in a process of its own). It skips,
 * saying why, otherwise, and removes its hugepage files when it ends.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include "dma_harness.h"
#include "dma_mp.h"
#include "mp_harness.h"
#include "vmap_test_util.h"

/* Lcore ids of the secondaries: above the primary's (dma-tests.sh: 0-1). */
#define MP_LCORE 2
/* A secondary's start and its 64 round trips: seconds under TCG. */
#define MP_TIMEOUT_S 300
/*
 * Linux 6.1's dmar_fault() spends 3 of the 10 lines its ratelimit allows
 * per 5 s on each fault (the status line, the record, the check that ends
 * its loop): a 4th fault within 5 s goes unnamed (seen: its status line
 * alone). So: wait out a burst, and space the probes 1 s more than
 * dma_fault_pace() does (about 2.7 s apart, 2 faults per 5 s).
 */
#define RATELIMIT_US 5500000
#define PROBE_GAP_US 1000000
/* Windows probed one at a time after the burst: the four kinds. */
#define PROBES 4

static struct rte_vmap *board_vm;
static struct mp_board *board;
/* The secondary that waits for board->go, or 0. */
static pid_t waiting;
/* What the CPU sees of the frames sent from freed IOVAs. */
static uint8_t shadow[DMA_MP_WINDOWS][DMA_FRAME_MAX];

/* Start the "dma-alloc" secondary on space; back once its windows are posted. */
static int
secondary_post(const char *space, uint32_t run)
{
	uint64_t start = rte_get_timer_cycles();
	int status;

	memset(board, 0, sizeof(*board));
	board->arg[DMA_MP_ARG_RUN] = run;
	memcpy(&board->arg[DMA_MP_ARG_MAC_A], &dma_mac_a, sizeof(dma_mac_a));
	memcpy(&board->arg[DMA_MP_ARG_MAC_B], &dma_mac_b, sizeof(dma_mac_b));
	waiting = mp_spawn("dma-alloc", space, board, MP_LCORE, 1, false);
	TEST_ASSERT(waiting > 0, "cannot start the secondary");
	while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) == 0) {
		if (waitpid(waiting, &status, WNOHANG) == waiting) {
			waiting = 0;
			TEST_ASSERT(false, "the secondary ended (status 0x%x) before it posted its"
				" windows", status);
		}
		TEST_ASSERT(dma_seconds_since(start) < MP_TIMEOUT_S, "the secondary posted"
			" nothing in %d s", MP_TIMEOUT_S);
		rte_delay_us_sleep(1000);
	}
	printf("dma-mp: secondary %d started and posted %u windows in %.1f s\n", (int)waiting,
		board->n, dma_seconds_since(start));
	TEST_ASSERT_EQUAL(board->n, (uint32_t)DMA_MP_WINDOWS, "the secondary posted %u"
		" windows", board->n);
	return TEST_SUCCESS;
}

/* Let the waiting secondary go on (enum dma_mp_go) and wait for its end. */
static int
secondary_release(enum dma_mp_go go)
{
	pid_t pid = waiting;
	int ret;

	if (pid == 0)
		return TEST_SUCCESS;
	waiting = 0;
	__atomic_store_n(&board->go, go, __ATOMIC_RELEASE);
	ret = mp_wait(pid, MP_TIMEOUT_S);
	TEST_ASSERT_EQUAL(ret, 0, "the secondary %s failed (exit %d)",
		go == DMA_MP_GO_FREE ? "freeing and purging" : "exiting", ret);
	return TEST_SUCCESS;
}

/* The primary frees the secondary's windows (no purge). */
static int
primary_free(struct rte_vmap *vm)
{
	unsigned int i;

	for (i = 0; i < board->n; i++) {
		const struct mp_win *m = &board->w[i];
		void *va = (void *)(uintptr_t)m->va;

		TEST_ASSERT_SUCCESS(m->block ? rte_vmap_block_free(vm, va, m->size) :
			rte_vmap_free(vm, va), "free of the secondary's window %u here", i);
	}
	return TEST_SUCCESS;
}

/*
 * Once freed and purged: every frame sent from its IOVA at once, nothing
 * may arrive; then the frames of the first PROBES windows one at a time,
 * each named by a DMAR fault.
 */
static int
stale_send(struct rte_vmap *vm, struct dma_frame *f, unsigned int n, uint32_t run)
{
	struct dma_xfer_result r;
	unsigned int i, faults, arrived;
	bool named;

	for (i = 0; i < n; i++) {
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(vm, f[i].va), RTE_BAD_IOVA,
			"frame %u: freed, still translated", i);
		/* The CPU must not touch the freed VA: the mbuf's bytes are a copy. */
		dma_frame_fill(shadow[i], run, i, f[i].len);
		f[i].va = shadow[i];
	}
	dma_fault_pace();
	dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &named, NULL, 0);
	TEST_ASSERT_SUCCESS(dma_xfer(f, n, run, n, 10000, &r), "transfer");
	faults = dma_kmsg_faults(dma_kmsg, RTE_BAD_IOVA, &named, NULL, 0);
	arrived = r.received + r.corrupt + r.dups + r.foreign;
	printf("dma-mp: stale: sent %u frames from freed IOVAs (%u resent): %u arrived"
		" intact, %u corrupt, %u foreign; %u DMAR fault lines read (ratelimited)\n", n,
		r.resent, r.received, r.corrupt, r.foreign, faults);
	TEST_ASSERT_EQUAL(arrived, 0u, "%u frames arrived from freed IOVAs (%u intact): the"
		" purge left them DMA-reachable", arrived, r.received);
	TEST_ASSERT(faults > 0, "no DMAR fault for %u sends from freed IOVAs", n);
	TEST_ASSERT_SUCCESS(dma_tx_release(), "TX mbufs");
	rte_delay_us_sleep(RATELIMIT_US);
	for (i = 0; i < PROBES && i < n; i++) {
		if (i > 0)
			rte_delay_us_sleep(PROBE_GAP_US);
		TEST_ASSERT_SUCCESS(dma_stale_probe(&f[i], run, NULL), "probe of frame %u"
			" (%s window of %zu KiB)", i, dma_mp_win_block(i) ? "block" : "normal",
			dma_mp_win_size(i) >> 10);
	}
	return TEST_SUCCESS;
}

static int
case_steps(struct rte_vmap *vm, const char *name, bool secondary_frees)
{
	struct dma_frame f[DMA_MP_WINDOWS];
	uint32_t run = dma_new_run();
	struct rte_vmap_stats st;
	unsigned int n;
	int ret;

	TEST_ASSERT_SUCCESS(secondary_post(name, run), "the secondary's windows");
	n = board->n;
	/* The windows of a secondary that is gone stay live, and reachable. */
	if (!secondary_frees)
		TEST_ASSERT_SUCCESS(secondary_release(DMA_MP_GO_EXIT), "exit");
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)n, "%" PRIu64 " live windows, the"
		" secondary posted %u", st.nr_windows, n);
	TEST_ASSERT_SUCCESS(dma_mp_board_frames(vm, board, f), "the secondary's frames");
	TEST_ASSERT_SUCCESS(dma_reach_send(f, n, run, n), "reach");

	if (secondary_frees) {
		TEST_ASSERT_SUCCESS(secondary_release(DMA_MP_GO_FREE), "free and purge");
		printf("dma-mp: the secondary freed its %u windows and purged\n", n);
	} else {
		TEST_ASSERT_SUCCESS(primary_free(vm), "free");
		ret = mp_wait(mp_spawn("purge", name, board, MP_LCORE, 1, false), MP_TIMEOUT_S);
		TEST_ASSERT_EQUAL(ret, 0, "the purging secondary failed (exit %d)", ret);
		printf("dma-mp: %u windows freed here, purged by a secondary\n", n);
	}
	TEST_ASSERT_SUCCESS(rte_vmap_stats_get(vm, &st), "stats");
	TEST_ASSERT_EQUAL(st.nr_windows, (uint64_t)0, "%" PRIu64 " windows left",
		st.nr_windows);
	return stale_send(vm, f, n, run);
}

static int
run_case(enum rte_vmap_iova_mode mode, bool secondary_frees)
{
	char name[RTE_VMAP_NAMESIZE];
	struct rte_vmap *vm;
	bool skip;
	int ret;

	printf("dma-mp: %s space, windows allocated by a secondary, %s\n",
		rte_vmap_iova_mode_name(mode), secondary_frees ?
		"freed and purged by it" : "freed by the primary, purged by another secondary");
	snprintf(name, sizeof(name), "dma_mp_%c%c", mode == RTE_VMAP_IOVA_VA ? 'v' : 'd',
		secondary_frees ? 's' : 'p');
	vm = dma_space(name, mode, RTE_VMAP_PAGE_2M, (size_t)1 << 30, RTE_VMAP_F_SHARED, &skip);
	if (vm == NULL)
		return skip ? TEST_SKIPPED : TEST_FAILED;
	ret = case_steps(vm, name, secondary_frees);
	/* A failed step may leave the secondary waiting: it exits, the windows stay. */
	if (secondary_release(DMA_MP_GO_EXIT) != TEST_SUCCESS)
		ret = TEST_FAILED;
	if (rte_vmap_verify(vm) != 0) {
		printf("dma-mp: rte_vmap_verify() failed after the case\n");
		ret = TEST_FAILED;
	}
	rte_vmap_destroy(vm);
	return ret;
}

static int
test_dma_mp_va_secondary_frees_and_purges(void)
{
	return run_case(RTE_VMAP_IOVA_VA, true);
}

static int
test_dma_mp_va_primary_frees_secondary_purges(void)
{
	return run_case(RTE_VMAP_IOVA_VA, false);
}

static int
test_dma_mp_domain_secondary_frees_and_purges(void)
{
	return run_case(RTE_VMAP_IOVA_DOMAIN, true);
}

static int
test_dma_mp_domain_primary_frees_secondary_purges(void)
{
	return run_case(RTE_VMAP_IOVA_DOMAIN, false);
}

static struct unit_test_suite dma_mp_suite = {
	.suite_name = "vmap real DMA: a secondary's windows",
	.setup = dma_suite_setup,
	.teardown = dma_suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_dma_mp_va_secondary_frees_and_purges),
		TEST_CASE(test_dma_mp_va_primary_frees_secondary_purges),
		TEST_CASE(test_dma_mp_domain_secondary_frees_and_purges),
		TEST_CASE(test_dma_mp_domain_primary_frees_secondary_purges),
		TEST_CASES_END()
	}
};

static int
test_vmap_dma_mp(void)
{
	return mp_suite_run(&dma_mp_suite, &board_vm, &board);
}

REGISTER_VM_TEST(vmap_dma_mp_autotest, test_vmap_dma_mp);
