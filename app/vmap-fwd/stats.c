/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Statistics: a table every period (rates since the last one), and the
 * final summary, one "summary key=value ..." line per item so that
 * scripts can read it; main.c ends it with "summary result=OK" or FAILED.
 *
 * Packet accounting: each port receives from one port only (its pair) and
 * sends to one, so for a direction A -> B every packet received on A was
 * either sent on B or dropped there: rx(A) == tx(B) + drops(B). A worker
 * process (--mp-worker) counts the same way what it takes from the ring
 * of A's direction and gives back for B; the ports' own counters are the
 * primary's.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_vmap_iommu_sim.h>

#include "fwd.h"

struct fwd_counters fwd_counters[RTE_MAX_LCORE];

/* Packets: sums over the lcores; bytes: the port's ethdev counters. */
struct port_totals {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t drops;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
};

struct totals {
	struct port_totals port[RTE_MAX_ETHPORTS];
	uint64_t iova_checked;
	uint64_t iova_faults;
};

static struct totals last;   /* at the previous table */
static uint64_t last_tsc;
static uint64_t start_tsc;

static void
totals_get(struct totals *t)
{
	unsigned int lcore;
	uint16_t port;

	memset(t, 0, sizeof(*t));
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		const struct fwd_counters *c = &fwd_counters[lcore];

		for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
			t->port[port].rx_pkts += fwd_read(&c->rx_pkts[port]);
			t->port[port].tx_pkts += fwd_read(&c->tx_pkts[port]);
			t->port[port].drops += fwd_read(&c->drops[port]);
		}
		t->iova_checked += fwd_read(&c->iova_checked);
		t->iova_faults += fwd_read(&c->iova_faults);
	}
	if (fwd_opt.role == FWD_ROLE_WORKER)
		return;
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_stats es;

		if (fwd_ports[port].enabled && rte_eth_stats_get(port, &es) == 0) {
			t->port[port].rx_bytes = es.ibytes;
			t->port[port].tx_bytes = es.obytes;
		}
	}
}

/* Mbit/s of a byte counter, or "-" where the driver counts no bytes (ring, null). */
static const char *
mbits(char *buf, size_t len, uint64_t bytes, uint64_t last_bytes, uint64_t pkts, double secs)
{
	if (bytes == 0 && pkts != 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", (bytes - last_bytes) * 8 / secs / 1e6);
	return buf;
}

/* Bytes as a short human string: 123 B, 4.0 KiB, 12.5 MiB, 1.2 GiB. */
static const char *
human(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < RTE_DIM(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

void
fwd_stats_init(void)
{
	memset(&last, 0, sizeof(last));
	start_tsc = rte_get_timer_cycles();
	last_tsc = start_tsc;
}

static void
print_vmap_line(void)
{
	char lazy[32], mem[32];
	struct rte_vmap_stats st;

	if (rte_vmap_stats_get(fwd_vm, &st) != 0)
		return;
	printf("  vmap: windows %" PRIu64 " (blocks %" PRIu64 "), lazy %s, purges %" PRIu64
		", unmaps %" PRIu64 ", flushes %" PRIu64 ", memory %s\n", st.nr_windows,
		st.nr_blocks, human(lazy, sizeof(lazy), st.va_lazy), st.nr_purges, st.nr_unmaps,
		st.nr_flushes, human(mem, sizeof(mem), st.mem_used));
}

static void
print_churn_line(double secs)
{
	static struct fwd_churn_stats prev;
	struct fwd_churn_stats cs;
	char live[32];

	if (fwd_opt.churn_rate == 0)
		return;
	fwd_churn_stats_get(&cs);
	printf("  churn: %.0f allocs/s (%.0f block), live %" PRIu64 " windows (%s), fails %"
		PRIu64 ", iova faults %" PRIu64 "\n", (cs.allocs - prev.allocs) / secs,
		(cs.block_allocs - prev.block_allocs) / secs, cs.live,
		human(live, sizeof(live), cs.live_bytes), cs.alloc_fails + cs.free_fails,
		cs.iova_faults);
	prev = cs;
}

/* --shared: what the worker processes did, as they publish it. */
static void
print_workers_line(double secs)
{
	static struct fwd_mp_totals prev;
	struct fwd_mp_totals t;

	if (fwd_opt.role != FWD_ROLE_PRIMARY)
		return;
	fwd_mp_totals_get(&t);
	printf("  workers: %u running (%u attached), %.0f pkts/s through them, iova checked %"
		PRIu64 ", faults %" PRIu64 "\n", t.running, t.workers,
		(t.taken - prev.taken) / secs, t.iova_checked, t.iova_faults);
	prev = t;
}

void
fwd_stats_print(void)
{
	uint64_t now = rte_get_timer_cycles();
	double secs = (double)(now - last_tsc) / rte_get_timer_hz();
	struct totals t;
	uint16_t port;

	if (secs <= 0)
		return;
	totals_get(&t);
	printf("\n[%6.1f s] port    rx-pps    tx-pps  rx-Mbit/s  tx-Mbit/s  drops/s"
		"       rx-total       tx-total    drops\n",
		(double)(now - start_tsc) / rte_get_timer_hz());
	RTE_ETH_FOREACH_DEV(port) {
		const struct port_totals *p = &t.port[port], *o = &last.port[port];
		char rx_rate[32], tx_rate[32];

		if (!fwd_ports[port].enabled)
			continue;
		printf("%15u %9.0f %9.0f %10s %10s %8.0f %14" PRIu64 " %14" PRIu64 " %8" PRIu64
			"\n", port, (p->rx_pkts - o->rx_pkts) / secs,
			(p->tx_pkts - o->tx_pkts) / secs,
			mbits(rx_rate, sizeof(rx_rate), p->rx_bytes, o->rx_bytes, p->rx_pkts, secs),
			mbits(tx_rate, sizeof(tx_rate), p->tx_bytes, o->tx_bytes, p->tx_pkts, secs),
			(p->drops - o->drops) / secs, p->rx_pkts, p->tx_pkts, p->drops);
	}
	print_vmap_line();
	print_workers_line(secs);
	print_churn_line(secs);
	if (fwd_opt.check_iova)
		printf("  check-iova: %" PRIu64 " segments checked, %" PRIu64 " faults\n",
			t.iova_checked, t.iova_faults);
	fflush(stdout);
	last = t;
	last_tsc = now;
}

/* The summary lines of the ports; returns the accounting mismatches. */
static unsigned int
summary_ports(const struct totals *t)
{
	unsigned int bad = 0;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		const struct port_totals *p = &t->port[port];
		struct rte_eth_stats es;

		/* A worker's counts are its rings': the directions say it all. */
		if (!fwd_ports[port].enabled || fwd_opt.role == FWD_ROLE_WORKER)
			continue;
		if (rte_eth_stats_get(port, &es) != 0)
			memset(&es, 0, sizeof(es));
		printf("summary port=%u rx_pkts=%" PRIu64 " tx_pkts=%" PRIu64 " drops=%" PRIu64
			" ipackets=%" PRIu64 " opackets=%" PRIu64 " ibytes=%" PRIu64 " obytes=%"
			PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64 " oerrors=%" PRIu64 "\n",
			port, p->rx_pkts, p->tx_pkts, p->drops, es.ipackets, es.opackets,
			es.ibytes, es.obytes, es.imissed, es.ierrors, es.oerrors);
	}
	RTE_ETH_FOREACH_DEV(port) {
		uint16_t dst = fwd_ports[port].dst_port;
		const struct port_totals *rx = &t->port[port], *tx = &t->port[dst];
		bool ok = rx->rx_pkts == tx->tx_pkts + tx->drops;

		if (!fwd_ports[port].enabled)
			continue;
		printf("summary direction=%u->%u rx=%" PRIu64 " tx=%" PRIu64 " drops=%" PRIu64
			" accounting=%s\n", port, dst, rx->rx_pkts, tx->tx_pkts, tx->drops,
			ok ? "ok" : "MISMATCH");
		bad += !ok;
	}
	return bad;
}

static void
summary_vmap(void)
{
	struct rte_vmap_iommu_sim_stats sim;
	struct rte_vmap_stats st;

	if (rte_vmap_stats_get(fwd_vm, &st) == 0)
		printf("summary vmap windows=%" PRIu64 " blocks=%" PRIu64 " va_used=%" PRIu64
			" lazy_bytes=%" PRIu64 " mem_used=%" PRIu64 " purges=%" PRIu64 " unmaps=%"
			PRIu64 " flushes=%" PRIu64 "\n", st.nr_windows, st.nr_blocks, st.va_used,
			st.va_lazy, st.mem_used, st.nr_purges, st.nr_unmaps, st.nr_flushes);
	if (fwd_iommu_sim && rte_vmap_iommu_sim_stats_get(fwd_vm, &sim) == 0)
		printf("summary iommu_sim maps=%" PRIu64 " unmaps=%" PRIu64 " flushes=%" PRIu64
			" faults_missing=%" PRIu64 " faults_stale=%" PRIu64 "\n", sim.maps,
			sim.unmaps, sim.flushes, sim.faults_missing, sim.faults_stale);
}

/*
 * Final summary but its result line (main.c adds the space's verification);
 * returns the number of problems: accounting mismatches (the workers' too),
 * IOVA faults.
 */
int
fwd_stats_summary(void)
{
	static const char *const roles[] = { "alone", "primary", "worker" };
	double secs = (double)(rte_get_timer_cycles() - start_tsc) / rte_get_timer_hz();
	unsigned int mismatches, problems;
	struct fwd_churn_stats cs;
	struct totals t;

	totals_get(&t);
	printf("\nsummary seconds=%.1f role=%s pool=\"%s\" extmem=%d mac_updating=%d"
		" check_iova=%d churn=%u\n", secs, roles[fwd_opt.role], fwd_pool_kind(),
		fwd_extmem, fwd_opt.mac_updating, fwd_opt.check_iova, fwd_opt.churn_rate);
	mismatches = summary_ports(&t);
	summary_vmap();
	problems = mismatches + fwd_mp_summary();
	if (fwd_opt.churn_rate != 0) {
		fwd_churn_stats_get(&cs);
		printf("summary churn where=\"%s\" allocs=%" PRIu64 " block_allocs=%" PRIu64
			" frees=%" PRIu64 " alloc_fails=%" PRIu64 " free_fails=%" PRIu64
			" iova_faults=%" PRIu64 " rate=%.0f\n", fwd_churn_where(), cs.allocs,
			cs.block_allocs, cs.frees, cs.alloc_fails, cs.free_fails, cs.iova_faults,
			secs > 0 ? cs.allocs / secs : 0);
		problems += cs.iova_faults != 0;
	}
	if (fwd_opt.check_iova) {
		printf("summary check_iova segments=%" PRIu64 " faults=%" PRIu64 "\n",
			t.iova_checked, t.iova_faults);
		problems += t.iova_faults != 0;
	}
	fflush(stdout);
	return problems;
}
