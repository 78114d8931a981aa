/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The ports of the real-DMA suites (dma_harness.h): their pools, setup
 * and teardown, the suites' common setup, the "vfio" spaces, and the TX
 * mbufs whose data is a window. Frames, sending and receiving are
 * dma_xfer.c; the kernel log reader is dma_kmsg.c.
 *
 * TX mbuf headers come from an ordinary pool with no data room; each is
 * attached to its frame inside a window (rte_pktmbuf_attach_extbuf()) with
 * one shared rte_mbuf_ext_shared_info whose count this file holds one
 * reference of, so its no-op free callback never runs, and a count back
 * at 1 means no mbuf refers to a window any more. RX uses a pool in
 * ordinary EAL memory, so a received frame is a copy made by B's DMA.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vmap_test_util.h"
#include "dma_harness.h"

#define DMA_NB_DESC      1024
#define DMA_RX_MBUFS     4096
#define DMA_TX_MBUFS     4096
#define DMA_LINK_WAIT_MS 5000

struct rte_ether_addr dma_mac_a, dma_mac_b;
uint16_t dma_port_a, dma_port_b = 1;
int dma_kmsg = -1;

static struct rte_mempool *rx_pool, *tx_pool;
static bool configured, started;

static void
ext_free_nop(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
}

static struct rte_mbuf_ext_shared_info ext_shinfo = {
	.free_cb = ext_free_nop,
	.refcnt = 1,
};

static int
create_pools(void)
{
	int socket = (int)rte_socket_id();

	if (rx_pool == NULL)
		rx_pool = rte_pktmbuf_pool_create("dma_rx", DMA_RX_MBUFS, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	/* Headers only: the data is a window. */
	if (tx_pool == NULL)
		tx_pool = rte_pktmbuf_pool_create("dma_tx", DMA_TX_MBUFS, 256, 0, 0, socket);
	if (rx_pool == NULL || tx_pool == NULL) {
		printf("dma: mbuf pools: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static int
port_configure(uint16_t port)
{
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = DMA_NB_DESC, nb_txd = DMA_NB_DESC;
	int socket = rte_eth_dev_socket_id(port);
	int ret;

	if (socket < 0)
		socket = (int)rte_socket_id();
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, socket, NULL, rx_pool);
	ret = ret != 0 ? ret : rte_eth_dev_info_get(port, &info);
	if (ret == 0) {
		/* A report for every descriptor: done mbufs can all be freed. */
		txconf = info.default_txconf;
		txconf.tx_rs_thresh = 1;
		ret = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, &txconf);
		if (ret != 0)
			ret = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, NULL);
	}
	if (ret != 0) {
		printf("dma: port %u: setup: %s\n", port, rte_strerror(-ret));
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
wait_links(void)
{
	struct rte_eth_link la, lb;
	unsigned int ms;

	for (ms = 0; ms < DMA_LINK_WAIT_MS; ms += 50) {
		memset(&la, 0, sizeof(la));
		memset(&lb, 0, sizeof(lb));
		rte_eth_link_get_nowait(DMA_PORT_A, &la);
		rte_eth_link_get_nowait(DMA_PORT_B, &lb);
		if (la.link_status == RTE_ETH_LINK_UP && lb.link_status == RTE_ETH_LINK_UP)
			return;
		rte_delay_ms(50);
	}
	printf("dma: links not up after %u ms (A %u, B %u): trying anyway\n",
		DMA_LINK_WAIT_MS, la.link_status, lb.link_status);
}

static int
ports_configure(void)
{
	const uint16_t ports[2] = { DMA_PORT_A, DMA_PORT_B };
	struct rte_eth_dev_info info;
	uint16_t port;
	unsigned int i;

	if (rte_eth_dev_count_avail() < 2) {
		printf("dma: skipped: %u ethdev ports, two are needed (give EAL -a <NIC A>"
			" -a <NIC B>, NICs cabled back to back)\n", rte_eth_dev_count_avail());
		return TEST_SKIPPED;
	}
	if (create_pools() != TEST_SUCCESS)
		return TEST_FAILED;
	for (i = 0; i < RTE_DIM(ports); i++) {
		port = ports[i];
		if (rte_eth_dev_info_get(port, &info) != 0 || port_configure(port) != 0)
			return TEST_FAILED;
		printf("dma: port %u: %s %s\n", port, info.driver_name,
			rte_dev_name(info.device));
	}
	rte_eth_macaddr_get(DMA_PORT_A, &dma_mac_a);
	rte_eth_macaddr_get(DMA_PORT_B, &dma_mac_b);
	configured = true;
	return TEST_SUCCESS;
}

int
dma_ports_start(void)
{
	const uint16_t ports[2] = { DMA_PORT_A, DMA_PORT_B };
	unsigned int i;
	int ret;

	if (!configured) {
		ret = ports_configure();
		if (ret != TEST_SUCCESS)
			return ret;
	}
	if (started)
		return TEST_SUCCESS;
	for (i = 0; i < RTE_DIM(ports); i++) {
		ret = rte_eth_dev_start(ports[i]);
		if (ret != 0) {
			printf("dma: port %u: start: %s\n", ports[i], rte_strerror(-ret));
			return TEST_FAILED;
		}
	}
	started = true;
	wait_links();
	rte_eth_stats_reset(DMA_PORT_A);
	rte_eth_stats_reset(DMA_PORT_B);
	return TEST_SUCCESS;
}

void
dma_ports_stop(void)
{
	struct rte_eth_stats sa, sb;

	if (!started)
		return;
	if (rte_eth_stats_get(DMA_PORT_A, &sa) == 0 && rte_eth_stats_get(DMA_PORT_B, &sb) == 0)
		printf("dma: A sent %" PRIu64 " (%" PRIu64 " errors), B received %" PRIu64
			" (%" PRIu64 " missed, %" PRIu64 " errors)\n", sa.opackets, sa.oerrors,
			sb.ipackets, sb.imissed, sb.ierrors);
	rte_eth_dev_stop(DMA_PORT_A);
	rte_eth_dev_stop(DMA_PORT_B);
	started = false;
}

void
dma_ports_use(uint16_t a, uint16_t b)
{
	dma_ports_stop();
	dma_port_a = a;
	dma_port_b = b;
	configured = false;
}

struct rte_vmap *
dma_space(const char *name, enum rte_vmap_iova_mode mode, size_t page_size, size_t va_size,
		unsigned int flags, bool *skip)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	vmap_test_params(&p, name);
	p.page_size = page_size;
	p.va_size = va_size;
	p.iova_mode = mode;
	/* PA: the guest without an IOMMU, where devices see physical addresses. */
	p.iommu = mode == RTE_VMAP_IOVA_PA ? "none" : "vfio";
	p.flags = flags;
	vm = rte_vmap_create(&p);
	*skip = false;
	if (vm == NULL && rte_errno == ENODEV) {
		printf("dma: skipped: the \"vfio\" space cannot be created: no VFIO"
			" (bind the NICs to vfio-pci)\n");
		*skip = true;
	} else if (vm == NULL) {
		printf("dma: create %s (%s, page %zu KiB): %s\n", name,
			rte_vmap_iova_mode_name(mode), page_size >> 10, rte_strerror(rte_errno));
	}
	return vm;
}

int
dma_suite_setup(void)
{
	struct rte_vmap *vm;
	bool skip;
	int ret;

	ret = dma_ports_start();
	if (ret != TEST_SUCCESS)
		return ret;
	vm = dma_space("dma_probe", RTE_VMAP_IOVA_VA, RTE_VMAP_PAGE_2M, (size_t)1 << 30, 0,
		&skip);
	if (vm == NULL && skip)
		return TEST_SKIPPED;
	/* Any other failure is the cases' to report. */
	rte_vmap_destroy(vm);
	dma_kmsg = dma_kmsg_open();
	if (dma_kmsg < 0)
		printf("dma: /dev/kmsg: %s: DMAR faults cannot be seen\n", strerror(-dma_kmsg));
	return TEST_SUCCESS;
}

void
dma_suite_teardown(void)
{
	dma_kmsg_close(dma_kmsg);
	dma_kmsg = -1;
	dma_ports_stop();
}

struct rte_mbuf *
dma_frame_mbuf(const struct dma_frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tx_pool);

	if (m == NULL)
		return NULL;
	rte_mbuf_ext_refcnt_update(&ext_shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, f->va, f->iova, f->len, &ext_shinfo);
	m->data_len = f->len;
	m->pkt_len = f->len;
	return m;
}

/* Send f[idx[0..n)]; returns how many left (the ring took the first ones). */
int
dma_tx_release(void)
{
	uint16_t refs;
	int ret;

	ret = rte_eth_tx_done_cleanup(DMA_PORT_A, 0, 0);
	if (ret < 0 && ret != -ENOTSUP)
		printf("dma: tx_done_cleanup: %s\n", rte_strerror(-ret));
	if (rte_mbuf_ext_refcnt_read(&ext_shinfo) != 1) {
		/* Stopping the port frees every mbuf of its rings (e1000e: no cleanup). */
		if (ret != -ENOTSUP)
			printf("dma: TX mbufs left after a cleanup: restarting the ports\n");
		dma_ports_stop();
		ret = dma_ports_start();
		if (ret != TEST_SUCCESS)
			return ret;
	}
	refs = rte_mbuf_ext_refcnt_read(&ext_shinfo);
	TEST_ASSERT_EQUAL(refs, 1, "%u mbufs still refer to windows", refs - 1);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(tx_pool), 0u, "%u TX headers not freed",
		rte_mempool_in_use_count(tx_pool));
	return TEST_SUCCESS;
}
