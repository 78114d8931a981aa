/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The forwarding loop: every lcore with RX queues polls them in turn,
 * optionally rewrites the MACs, checks IOVAs, and sends the burst to the
 * paired port on its own TX queue. What the TX queue does not take is
 * freed and counted as dropped: no retry, as testpmd's io mode.
 *
 * In multi-process mode (mp.c) the work is split at the rings: the
 * primary's lcores hand what they receive to the workers and send what
 * comes back; a worker's lcores take bursts from the rings, check and
 * rewrite them, and hand them back.
 */

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_ring.h>
#include <rte_vmap_iommu_sim.h>

#include "fwd.h"

/* Same rewrite as l2fwd: destination = the peer, source = the port sent from. */
static inline void
mac_update(struct rte_mbuf *m, const struct fwd_port *tx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(&tx->peer, &eth->dst_addr);
	rte_ether_addr_copy(&tx->mac, &eth->src_addr);
}

/*
 * IOVA of va as DPDK's memsegs have it (what PMDs rely on): the lookup of
 * rte_mem_virt2iova() without its walk over every memseg.
 */
static rte_iova_t
memseg_iova(const void *va)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(va, NULL);

	if (ms == NULL || ms->iova == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	return ms->iova + RTE_PTR_DIFF(va, ms->addr);
}

/*
 * --check-iova: a device given a segment's data IOVA (rte_mbuf_data_iova(),
 * what a PMD puts in its descriptors) must reach the segment's data
 * (rte_pktmbuf_mtod()). Through the sim IOMMU's page table when the space
 * uses it, otherwise through the space's own IOVA table (in a worker
 * process: the table it maps from the primary); and, when the windows are
 * DPDK memsegs (RTE_VMAP_F_EXTMEM), through DPDK's memsegs too. Returns the
 * faults found in m's segments.
 */
static uint32_t
check_iova(struct rte_mbuf *m, uint32_t *segs)
{
	uint32_t faults = 0;

	for (; m != NULL; m = m->next) {
		rte_iova_t iova = rte_mbuf_data_iova(m);
		void *data = rte_pktmbuf_mtod(m, void *);
		void *va = NULL;
		bool ok;

		(*segs)++;
		if (fwd_iommu_sim)
			ok = rte_vmap_iommu_sim_translate(fwd_vm, iova, &va) == 0 && va == data;
		else
			ok = rte_vmap_virt2iova(fwd_vm, data) == iova;
		if (ok && fwd_extmem)
			ok = memseg_iova(data) == iova;
		faults += !ok;
	}
	return faults;
}

static inline void
count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* What MAC updating and --check-iova do to each packet of a burst. */
static __rte_noinline void
fwd_process(struct rte_mbuf **pkts, uint16_t nb, const struct fwd_port *tx,
		struct fwd_counters *c)
{
	uint32_t segs = 0, faults = 0;
	uint16_t i;

	for (i = 0; i < nb; i++) {
		if (fwd_opt.check_iova)
			faults += check_iova(pkts[i], &segs);
		if (fwd_opt.mac_updating)
			mac_update(pkts[i], tx);
	}
	if (fwd_opt.check_iova) {
		count(&c->iova_checked, segs);
		count(&c->iova_faults, faults);
	}
}

/* Forwarding of a burst. 8< */

/* Send n packets on (port, queue); free and count as dropped what it does not take. */
static __rte_always_inline void
send_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
		struct fwd_counters *c)
{
	uint16_t nb_tx = rte_eth_tx_burst(port, queue, pkts, n);

	if (unlikely(nb_tx < n)) {
		rte_pktmbuf_free_bulk(&pkts[nb_tx], n - nb_tx);
		count(&c->drops[port], n - nb_tx);
	}
	count(&c->tx_pkts[port], nb_tx);
}

/*
 * One burst from one RX queue. Without MAC updating or --check-iova the
 * packets are not touched at all, as in testpmd's io mode: packet counts
 * are the application's, bytes are the ports' own counters (stats.c).
 */
static __rte_always_inline void
fwd_burst(const struct fwd_rx_queue *q, bool touch, struct fwd_counters *c)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t nb_rx;

	nb_rx = rte_eth_rx_burst(q->rx_port, q->rx_queue, pkts, fwd_opt.burst);
	if (nb_rx == 0)
		return;
	if (touch)
		fwd_process(pkts, nb_rx, &fwd_ports[q->tx_port], c);
	count(&c->rx_pkts[q->rx_port], nb_rx);
	send_burst(q->tx_port, q->tx_queue, pkts, nb_rx, c);
}

/* >8 End of forwarding of a burst. */

/* Put n packets on ring r; free what does not fit, counted as dropped on port. */
static __rte_always_inline uint16_t
ring_put(struct rte_ring *r, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
		struct fwd_counters *c)
{
	uint16_t done = rte_ring_enqueue_burst(r, (void **)pkts, n, NULL);

	if (unlikely(done < n)) {
		rte_pktmbuf_free_bulk(&pkts[done], n - done);
		count(&c->drops[port], n - done);
	}
	return done;
}

/* --shared, the primary: received packets go to the workers, returned ones out. */
static __rte_always_inline void
shared_burst(const struct fwd_rx_queue *q, struct fwd_counters *c)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t nb;

	nb = rte_eth_rx_burst(q->rx_port, q->rx_queue, pkts, fwd_opt.burst);
	if (nb != 0) {
		count(&c->rx_pkts[q->rx_port], nb);
		count(&c->mp_sent[q->rx_port],
			ring_put(fwd_mp_to_workers[q->rx_port], pkts, nb, q->tx_port, c));
	}
	nb = rte_ring_dequeue_burst(fwd_mp_from_workers[q->rx_port], (void **)pkts,
		fwd_opt.burst, NULL);
	if (nb != 0) {
		count(&c->mp_back[q->rx_port], nb);
		send_burst(q->tx_port, q->tx_queue, pkts, nb, c);
	}
}

/* --mp-worker: a burst of the primary's, checked, rewritten and handed back. */
static __rte_always_inline uint16_t
worker_burst(const struct fwd_rx_queue *q, struct fwd_counters *c)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t nb;

	nb = rte_ring_dequeue_burst(fwd_mp_to_workers[q->rx_port], (void **)pkts,
		fwd_opt.burst, NULL);
	if (nb == 0)
		return 0;
	fwd_process(pkts, nb, &fwd_ports[q->tx_port], c);
	count(&c->rx_pkts[q->rx_port], nb);
	count(&c->tx_pkts[q->tx_port],
		ring_put(fwd_mp_from_workers[q->rx_port], pkts, nb, q->tx_port, c));
	return nb;
}

/*
 * The primary, once its lcores and the workers stopped: send what the
 * workers gave back, on queue 0 (no lcore sends any more), and free what
 * none of them took. Returns the packets freed untaken.
 */
uint32_t
fwd_rings_drain(void)
{
	struct fwd_counters *c = &fwd_counters[rte_lcore_id()];
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint32_t left = 0;
	uint16_t port, nb;

	RTE_ETH_FOREACH_DEV(port) {
		uint16_t tx = fwd_ports[port].dst_port;

		if (fwd_mp_to_workers[port] == NULL)
			continue;
		while ((nb = rte_ring_dequeue_burst(fwd_mp_from_workers[port], (void **)pkts,
				FWD_MAX_BURST, NULL)) != 0) {
			count(&c->mp_back[port], nb);
			send_burst(tx, 0, pkts, nb, c);
		}
		while ((nb = rte_ring_dequeue_burst(fwd_mp_to_workers[port], (void **)pkts,
				FWD_MAX_BURST, NULL)) != 0) {
			rte_pktmbuf_free_bulk(pkts, nb);
			count(&c->drops[tx], nb);
			left += nb;
		}
	}
	return left;
}

/* One pass over the lcore's queues; the packets a worker took. */
static __rte_always_inline uint32_t
lcore_pass(const struct fwd_lcore *lc, enum fwd_role role, bool touch, struct fwd_counters *c)
{
	uint32_t taken = 0;
	unsigned int i;

	for (i = 0; i < lc->nb_rxq; i++) {
		if (role == FWD_ROLE_ALONE)
			fwd_burst(&lc->rxq[i], touch, c);
		else if (role == FWD_ROLE_PRIMARY)
			shared_burst(&lc->rxq[i], c);
		else
			taken += worker_burst(&lc->rxq[i], c);
	}
	return taken;
}

static void
print_queues(unsigned int lcore, const struct fwd_lcore *lc)
{
	unsigned int i;

	for (i = 0; i < lc->nb_rxq; i++) {
		const struct fwd_rx_queue *q = &lc->rxq[i];

		if (fwd_opt.role == FWD_ROLE_WORKER)
			printf("vmap-fwd: lcore %u: ring of port %u -> port %u\n", lcore,
				q->rx_port, q->tx_port);
		else
			printf("vmap-fwd: lcore %u: port %u queue %u -> port %u queue %u\n",
				lcore, q->rx_port, q->rx_queue, q->tx_port, q->tx_queue);
	}
}

int
fwd_lcore_loop(__rte_unused void *arg)
{
	unsigned int lcore = rte_lcore_id();
	const struct fwd_lcore *lc = &fwd_lcores[lcore];
	struct fwd_counters *c = &fwd_counters[lcore];
	enum fwd_role role = fwd_opt.role;
	bool is_main = lcore == rte_get_main_lcore();
	bool touch = fwd_opt.mac_updating || fwd_opt.check_iova;
	uint64_t tick = rte_get_timer_hz() / FWD_CONTROL_HZ;
	uint64_t next_tick = 0;

	if (lc->nb_rxq == 0)
		return 0;
	print_queues(lcore, lc);
	for (;;) {
		/*
		 * A worker told to stop by the primary (which no longer fills the
		 * rings) stops at the first pass that found them empty; a signal
		 * or --duration stops any role at once. Read before the pass.
		 */
		bool last = role == FWD_ROLE_WORKER && fwd_mp_stopping();
		uint32_t taken = lcore_pass(lc, role, touch, c);

		if (last ? taken == 0 : fwd_quitting())
			break;
		/* Alone on the main lcore: the statistics and --duration are ours too. */
		if (unlikely(is_main) && rte_get_timer_cycles() >= next_tick) {
			fwd_control_tick();
			next_tick = rte_get_timer_cycles() + tick;
		}
	}
	return 0;
}
