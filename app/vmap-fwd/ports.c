/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Ports: which ports are used and how they pair, which lcore polls which
 * RX queue and sends on which TX queue, device setup and teardown.
 *
 * Every lcore that sends to a port gets a TX queue of its own on it, so
 * no TX queue is shared and the loop needs no lock.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "fwd.h"

#define FWD_LINK_WAIT_MS  3000
#define FWD_LINK_POLL_MS  100
#define FWD_TX_FIRST_LEN  64  /* frame length, FCS excluded */
#define FWD_TX_FIRST_TRIES 1000

struct fwd_port fwd_ports[RTE_MAX_ETHPORTS];
struct fwd_lcore fwd_lcores[RTE_MAX_LCORE];

/* TX queue of (lcore, port), or -1: filled by assign_tx_queues(). */
static int16_t lcore_txq[RTE_MAX_LCORE][RTE_MAX_ETHPORTS];
static uint16_t enabled_ports[RTE_MAX_ETHPORTS];
static unsigned int nb_enabled;

bool
fwd_lcore_has_work(unsigned int lcore)
{
	return lcore < RTE_MAX_LCORE && fwd_lcores[lcore].nb_rxq > 0;
}

/* The ports of the mask (all if none), paired in order: 0<->1, 2<->3, ... */
static void
select_ports(void)
{
	uint16_t port;
	unsigned int i;

	for (i = 0; i < 32; i++)
		if ((fwd_opt.portmask & (UINT32_C(1) << i)) != 0 && !rte_eth_dev_is_valid_port(i))
			rte_exit(EXIT_FAILURE, "-p: port %u does not exist\n", i);
	RTE_ETH_FOREACH_DEV(port) {
		if (fwd_opt.portmask != 0 && (fwd_opt.portmask & (UINT32_C(1) << port)) == 0)
			continue;
		enabled_ports[nb_enabled++] = port;
		fwd_ports[port].enabled = true;
	}
	if (nb_enabled == 0)
		rte_exit(EXIT_FAILURE, "no ports: give EAL a --vdev (net_ring0, net_null0, ...)"
			" or bind a NIC to vfio-pci\n");
	if (nb_enabled % 2 != 0)
		rte_exit(EXIT_FAILURE, "%u ports: ports work in pairs, give an even number\n",
			nb_enabled);
	for (i = 0; i < nb_enabled; i += 2) {
		fwd_ports[enabled_ports[i]].dst_port = enabled_ports[i + 1];
		fwd_ports[enabled_ports[i + 1]].dst_port = enabled_ports[i];
	}
}

static void
add_rx_queue(unsigned int lcore, uint16_t port, uint16_t queue)
{
	struct fwd_lcore *lc = &fwd_lcores[lcore];
	struct fwd_rx_queue *q;

	if (!rte_lcore_is_enabled(lcore))
		rte_exit(EXIT_FAILURE, "lcore %u is not an EAL lcore (see -l)\n", lcore);
	if (lc->nb_rxq == FWD_MAX_RXQ_PER_LCORE)
		rte_exit(EXIT_FAILURE, "lcore %u: more than %d RX queues\n", lcore,
			FWD_MAX_RXQ_PER_LCORE);
	q = &lc->rxq[lc->nb_rxq++];
	q->rx_port = port;
	q->rx_queue = queue;
	q->tx_port = fwd_ports[port].dst_port;
}

/* --config: each (port, queue) once, queues 0..n-1 of every enabled port. */
static void
assign_from_config(void)
{
	bool seen[RTE_MAX_ETHPORTS][FWD_MAX_RXQ_PER_LCORE] = { { false } };
	unsigned int i, q;

	for (i = 0; i < fwd_opt.nb_config; i++) {
		const struct fwd_config_entry *e = &fwd_opt.config[i];

		if (!fwd_ports[e->port].enabled)
			rte_exit(EXIT_FAILURE, "--config: port %u is not used\n", e->port);
		if (e->queue >= FWD_MAX_RXQ_PER_LCORE || seen[e->port][e->queue])
			rte_exit(EXIT_FAILURE, "--config: (%u,%u) twice or queue too high\n",
				e->port, e->queue);
		seen[e->port][e->queue] = true;
		fwd_ports[e->port].nb_rxq = RTE_MAX(fwd_ports[e->port].nb_rxq, e->queue + 1);
		add_rx_queue(e->lcore, e->port, e->queue);
	}
	for (i = 0; i < nb_enabled; i++) {
		uint16_t port = enabled_ports[i];

		if (fwd_ports[port].nb_rxq == 0)
			rte_exit(EXIT_FAILURE, "--config: no queue of port %u\n", port);
		for (q = 0; q < fwd_ports[port].nb_rxq; q++)
			if (!seen[port][q])
				rte_exit(EXIT_FAILURE, "--config: queue %u of port %u missing\n",
					q, port);
	}
}

/* --rxq N: queue q of every port, then q + 1, round robin over the workers. */
static void
assign_round_robin(void)
{
	unsigned int lcore = rte_get_main_lcore(), i;
	uint16_t nb_rxq = fwd_opt.nb_rxq != 0 ? fwd_opt.nb_rxq : 1;
	bool workers = rte_lcore_count() > 1;
	uint16_t q;

	for (q = 0; q < nb_rxq; q++) {
		for (i = 0; i < nb_enabled; i++) {
			uint16_t port = enabled_ports[i];

			/* The main lcore prints statistics; it forwards only if alone. */
			if (workers)
				lcore = rte_get_next_lcore(lcore, 1, 1);
			fwd_ports[port].nb_rxq = nb_rxq;
			add_rx_queue(lcore, port, q);
		}
	}
}

/* A TX queue per (lcore, destination port); the port's count of TX queues. */
static void
assign_tx_queues(void)
{
	uint16_t needed[RTE_MAX_ETHPORTS] = { 0 };
	unsigned int lcore, i;
	uint16_t port;

	memset(lcore_txq, 0xff, sizeof(lcore_txq));
	RTE_LCORE_FOREACH(lcore) {
		struct fwd_lcore *lc = &fwd_lcores[lcore];

		for (i = 0; i < lc->nb_rxq; i++) {
			struct fwd_rx_queue *q = &lc->rxq[i];

			if (lcore_txq[lcore][q->tx_port] < 0)
				lcore_txq[lcore][q->tx_port] = needed[q->tx_port]++;
			q->tx_queue = lcore_txq[lcore][q->tx_port];
		}
	}
	for (i = 0; i < nb_enabled; i++) {
		port = enabled_ports[i];
		if (fwd_opt.nb_txq != 0 && fwd_opt.nb_txq < needed[port])
			rte_exit(EXIT_FAILURE, "--txq %u: port %u is sent to by %u lcores, each"
				" needs a TX queue of its own\n", fwd_opt.nb_txq, port,
				needed[port]);
		fwd_ports[port].nb_txq = fwd_opt.nb_txq != 0 ? fwd_opt.nb_txq :
			RTE_MAX(needed[port], (uint16_t)1);
	}
}

void
fwd_ports_assign(void)
{
	unsigned int i;

	select_ports();
	if (fwd_opt.nb_config != 0)
		assign_from_config();
	else
		assign_round_robin();
	assign_tx_queues();
	for (i = 0; i < nb_enabled; i++) {
		uint16_t port = enabled_ports[i];
		struct fwd_port *fp = &fwd_ports[port];
		int socket = rte_eth_dev_socket_id(port);

		fp->socket_id = socket >= 0 ? socket : (int)rte_socket_id();
		if (rte_eth_macaddr_get(port, &fp->mac) != 0)
			memset(&fp->mac, 0, sizeof(fp->mac));
		if (fwd_opt.peer_set[port]) {
			fp->peer = fwd_opt.peer[port];
		} else {
			/* l2fwd's destination: 02:00:00:00:00:<port it leaves by>. */
			memset(&fp->peer, 0, sizeof(fp->peer));
			fp->peer.addr_bytes[0] = 0x02;
			fp->peer.addr_bytes[5] = (uint8_t)port;
		}
	}
}

/*
 * --mp-worker: the ports mp.c enabled (the primary's, paired as there) and
 * their directions spread over the lcores as RX queues are; a direction's
 * "queue" is the ring from the primary. No device is touched.
 */
void
fwd_ports_assign_worker(void)
{
	uint16_t port;

	for (port = 0; port < RTE_MAX_ETHPORTS; port++)
		if (fwd_ports[port].enabled)
			enabled_ports[nb_enabled++] = port;
	assign_round_robin();
}

/* Socket of the lcore that polls (port, queue): its pool feeds the queue. */
static int
rx_queue_socket(uint16_t port, uint16_t queue)
{
	unsigned int lcore, i;

	RTE_LCORE_FOREACH(lcore)
		for (i = 0; i < fwd_lcores[lcore].nb_rxq; i++)
			if (fwd_lcores[lcore].rxq[i].rx_port == port &&
					fwd_lcores[lcore].rxq[i].rx_queue == queue)
				return (int)rte_lcore_to_socket_id(lcore);
	return fwd_ports[port].socket_id;
}

static void
port_start(uint16_t port)
{
	struct fwd_port *fp = &fwd_ports[port];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = fwd_opt.nb_rxd, nb_txd = fwd_opt.nb_txd, q;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: rte_eth_dev_info_get: %s\n", port,
			rte_strerror(-ret));
	if (fp->nb_rxq > info.max_rx_queues || fp->nb_txq > info.max_tx_queues)
		rte_exit(EXIT_FAILURE, "port %u (%s): needs %u RX / %u TX queues, has %u / %u\n",
			port, info.driver_name, fp->nb_rxq, fp->nb_txq, info.max_rx_queues,
			info.max_tx_queues);
	if (fp->nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	ret = rte_eth_dev_configure(port, fp->nb_rxq, fp->nb_txq, &conf);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: rte_eth_dev_configure: %s\n", port,
			rte_strerror(-ret));
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: descriptors: %s\n", port, rte_strerror(-ret));
	for (q = 0; q < fp->nb_rxq; q++) {
		int socket = rx_queue_socket(port, q);

		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL, fwd_pool(socket));
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "port %u: RX queue %u: %s\n", port, q,
				rte_strerror(-ret));
	}
	for (q = 0; q < fp->nb_txq; q++) {
		struct rte_eth_txconf txconf = info.default_txconf;

		txconf.offloads = conf.txmode.offloads;
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, fp->socket_id, &txconf);
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "port %u: TX queue %u: %s\n", port, q,
				rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u: rte_eth_dev_start: %s\n", port,
			rte_strerror(-ret));
	if (fwd_opt.promiscuous) {
		ret = rte_eth_promiscuous_enable(port);
		if (ret != 0)
			printf("vmap-fwd: port %u: promiscuous mode not enabled: %s\n", port,
				rte_strerror(-ret));
	}
	rte_eth_stats_reset(port);
	rte_ether_format_addr(mac, sizeof(mac), &fp->mac);
	printf("vmap-fwd: port %u (%s) %s: -> port %u, %u RX / %u TX queues, %u/%u"
		" descriptors, socket %d\n", port, info.driver_name, mac, fp->dst_port, fp->nb_rxq,
		fp->nb_txq, nb_rxd, nb_txd, fp->socket_id);
}

/* Wait until every port is up, as l2fwd does (a link down only warns). */
static void
wait_links(void)
{
	char text[RTE_ETH_LINK_MAX_STR_LEN];
	struct rte_eth_link link;
	unsigned int waited, i;
	bool all_up = false;

	for (waited = 0; waited <= FWD_LINK_WAIT_MS && !all_up && !fwd_quitting();
			waited += FWD_LINK_POLL_MS) {
		all_up = true;
		for (i = 0; i < nb_enabled; i++) {
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(enabled_ports[i], &link) != 0 ||
					link.link_status == RTE_ETH_LINK_DOWN)
				all_up = false;
		}
		if (!all_up)
			rte_delay_ms(FWD_LINK_POLL_MS);
	}
	for (i = 0; i < nb_enabled; i++) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(enabled_ports[i], &link);
		rte_eth_link_to_str(text, sizeof(text), &link);
		printf("vmap-fwd: port %u: %s\n", enabled_ports[i], text);
	}
}

void
fwd_ports_start(void)
{
	unsigned int i;

	for (i = 0; i < nb_enabled; i++)
		port_start(enabled_ports[i]);
	wait_links();
}

/* A 64-byte UDP/IPv4 frame from port to its peer, in 198.18.0.0/15. */
static void
build_frame(struct rte_mbuf *m, uint16_t port, uint32_t seq)
{
	const struct fwd_port *fp = &fwd_ports[port];
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t len = FWD_TX_FIRST_LEN;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	memset(eth, 0, len);
	eth->dst_addr = fp->peer;
	eth->src_addr = fp->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	/* Not RTE_IPV4(): in 22.11 it shifts an int, undefined for 198 << 24. */
	ip->src_addr = rte_cpu_to_be_32(UINT32_C(198) << 24 | 18 << 16 | (port & 0xff) << 8 | 1);
	ip->dst_addr = rte_cpu_to_be_32(UINT32_C(198) << 24 | 19 << 16 |
		(fp->dst_port & 0xff) << 8 | 1);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(1024 + (seq & 0x3ff));
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*eth) - sizeof(*ip));
}

/* --tx-first: inject frames on every port before the lcores start. */
void
fwd_ports_tx_first(void)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	unsigned int i, tries;

	for (i = 0; i < nb_enabled && fwd_opt.tx_first != 0; i++) {
		uint16_t port = enabled_ports[i];
		struct rte_mempool *mp = fwd_pool(fwd_ports[port].socket_id);
		uint32_t sent = 0;

		for (tries = 0; sent < fwd_opt.tx_first && tries < FWD_TX_FIRST_TRIES; tries++) {
			uint16_t n = RTE_MIN(fwd_opt.tx_first - sent, (uint32_t)fwd_opt.burst);
			uint16_t k, nb_tx;

			if (rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)
				rte_exit(EXIT_FAILURE, "--tx-first: pool empty\n");
			for (k = 0; k < n; k++)
				build_frame(pkts[k], port, sent + k);
			nb_tx = rte_eth_tx_burst(port, 0, pkts, n);
			if (nb_tx < n)
				rte_pktmbuf_free_bulk(&pkts[nb_tx], n - nb_tx);
			sent += nb_tx;
		}
		printf("vmap-fwd: port %u: %" PRIu32 " frames sent first\n", port, sent);
	}
}

void
fwd_ports_close(void)
{
	unsigned int i;

	for (i = 0; i < nb_enabled; i++) {
		uint16_t port = enabled_ports[i];
		int ret = rte_eth_dev_stop(port);

		if (ret != 0)
			printf("vmap-fwd: port %u: rte_eth_dev_stop: %s\n", port,
				rte_strerror(-ret));
		rte_eth_dev_close(port);
	}
}
