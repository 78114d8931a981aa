/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Frames of the real-DMA suites (dma_harness.h): what a window holds,
 * sending windows from port A, and checking what port B receives against
 * what was written. A frame names its run (one per case) and its index, so
 * a frame from the wrong window, or stale bytes, cannot pass for another.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "dma_harness.h"

#define DMA_BURST        32
#define DMA_INFLIGHT     256   /* frames sent and not yet seen on B */
#define DMA_QUIET_MS     300   /* nothing arrives this long: the rest is lost */
#define DMA_ROUNDS       3     /* a first send and two resends of what is missing */
#define DMA_ETHER_TYPE   0x88b5 /* IEEE local experimental */
#define DMA_MAGIC        0x564d444dU

/* After the Ethernet header of every frame. */
struct dma_frame_hdr {
	uint32_t magic;
	uint32_t run;
	uint32_t index;
	uint16_t len;
	uint16_t pad;
} __rte_packed;

static uint32_t last_run;

double
dma_seconds_since(uint64_t start)
{
	return (double)(rte_get_timer_cycles() - start) / rte_get_timer_hz();
}

uint32_t
dma_new_run(void)
{
	if (last_run == 0)
		last_run = (uint32_t)rte_rand() | 1;
	return ++last_run;
}

void
dma_frame_fill(void *buf, uint32_t run, uint32_t index, uint16_t len)
{
	struct rte_ether_hdr *eth = buf;
	struct dma_frame_hdr *h = (struct dma_frame_hdr *)(eth + 1);
	uint8_t *pat = (uint8_t *)(h + 1);
	uint8_t *end = (uint8_t *)buf + len;
	uint64_t x = ((uint64_t)run << 32 | index) * 0x9e3779b97f4a7c15ull | 1;

	eth->dst_addr = dma_mac_b;
	eth->src_addr = dma_mac_a;
	eth->ether_type = rte_cpu_to_be_16(DMA_ETHER_TYPE);
	h->magic = DMA_MAGIC;
	h->run = run;
	h->index = index;
	h->len = len;
	h->pad = 0;
	for (; pat < end; pat++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*pat = (uint8_t)x;
	}
}

/* An mbuf whose data is the frame f (in a window, or where a window was). */
static unsigned int
send_burst(const struct dma_frame *f, const uint32_t *idx, unsigned int n)
{
	struct rte_mbuf *pkts[DMA_BURST];
	unsigned int k, nb;
	uint16_t sent;

	nb = RTE_MIN(n, (unsigned int)DMA_BURST);
	for (k = 0; k < nb; k++) {
		pkts[k] = dma_frame_mbuf(&f[idx[k]]);
		if (pkts[k] == NULL)
			break;
	}
	sent = rte_eth_tx_burst(DMA_PORT_A, 0, pkts, (uint16_t)k);
	if (sent < k)
		rte_pktmbuf_free_bulk(&pkts[sent], k - sent);
	return sent;
}

/*
 * Which frame of run m is (its index, below nmax), or -1 (not of run) or
 * -2 (of run, but its bytes are not what dma_frame_fill() wrote).
 */
static int64_t
frame_check(struct rte_mbuf *m, uint32_t run, uint32_t nmax)
{
	uint8_t expect[DMA_FRAME_MAX];
	const struct rte_ether_hdr *eth;
	const struct dma_frame_hdr *h;

	if (m->data_len < sizeof(*eth) + sizeof(*h) || m->nb_segs != 1)
		return -1;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	h = (const struct dma_frame_hdr *)(eth + 1);
	if (eth->ether_type != rte_cpu_to_be_16(DMA_ETHER_TYPE) || h->magic != DMA_MAGIC ||
			h->run != run)
		return -1;
	if (h->index >= nmax || h->len < DMA_FRAME_MIN || h->len > DMA_FRAME_MAX ||
			m->pkt_len != h->len)
		return -2;
	dma_frame_fill(expect, run, h->index, h->len);
	if (memcmp(expect, eth, h->len) != 0)
		return -2;
	return h->index;
}

/* What a transfer tracks: per frame index, whether it was sent and seen. */
struct xfer_state {
	uint32_t run;
	uint32_t nmax;
	uint8_t *want;
	uint8_t *seen;
};

/* Take what B (and A, which should get nothing) received; account in r. */
static unsigned int
receive(const struct xfer_state *x, struct dma_xfer_result *r)
{
	struct rte_mbuf *pkts[DMA_BURST];
	unsigned int got = 0;
	uint16_t nb, k;
	int64_t i;

	nb = rte_eth_rx_burst(DMA_PORT_B, 0, pkts, DMA_BURST);
	for (k = 0; k < nb; k++) {
		i = frame_check(pkts[k], x->run, x->nmax);
		if (i == -1) {
			r->foreign++;
			continue;
		}
		got++;
		if (i >= 0 && !x->want[i]) {
			/* Intact, but from a window not sent: a wrong translation. */
			if (r->corrupt++ == 0)
				printf("dma: frame %" PRId64 " arrived, it was not sent\n", i);
		} else if (i < 0) {
			if (r->corrupt++ == 0)
				printf("dma: a frame of run %u arrived with wrong bytes"
					" (%u long)\n", x->run, pkts[k]->pkt_len);
		} else if (x->seen[i]) {
			r->dups++;
		} else {
			x->seen[i] = 1;
			r->received++;
		}
	}
	if (nb > 0)
		rte_pktmbuf_free_bulk(pkts, nb);
	nb = rte_eth_rx_burst(DMA_PORT_A, 0, pkts, DMA_BURST);
	r->on_a += nb;
	if (nb > 0)
		rte_pktmbuf_free_bulk(pkts, nb);
	return got + nb;
}

/* One round: send the frames of idx[0, n), receive until quiet or deadline. */
static void
xfer_round(const struct dma_frame *f, const uint32_t *idx, unsigned int n,
		const struct xfer_state *x, uint64_t deadline, struct dma_xfer_result *r)
{
	uint64_t quiet = rte_get_timer_hz() / 1000 * DMA_QUIET_MS;
	uint64_t last = rte_get_timer_cycles();
	unsigned int next = 0, base = r->received, first = r->received;

	/* Until every frame of the round arrived, or quiet, or the deadline. */
	while (r->received - first < n && rte_get_timer_cycles() < deadline) {
		/* Keep at most DMA_INFLIGHT frames unaccounted for. */
		if (next < n && next - (r->received - base) < DMA_INFLIGHT)
			next += send_burst(f, idx + next, n - next);
		if (receive(x, r) > 0) {
			last = rte_get_timer_cycles();
		} else if (rte_get_timer_cycles() - last > quiet) {
			if (next >= n)
				break;
			/* Lost frames hold the window shut: count them out. */
			base = r->received - next;
			last = rte_get_timer_cycles();
		}
	}
}

int
dma_xfer(const struct dma_frame *f, unsigned int n, uint32_t run, uint32_t nmax,
		unsigned int timeout_ms, struct dma_xfer_result *r)
{
	uint64_t start = rte_get_timer_cycles();
	uint64_t deadline = start + rte_get_timer_hz() / 1000 * timeout_ms;
	struct xfer_state x = { .run = run, .nmax = nmax };
	uint32_t *idx = malloc(sizeof(*idx) * (n + 1));
	unsigned int round, i, k;
	int ret = TEST_FAILED;

	memset(r, 0, sizeof(*r));
	x.want = calloc(nmax, 1);
	x.seen = calloc(nmax, 1);
	if (x.want == NULL || x.seen == NULL || idx == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (f[i].index >= nmax)
			goto out;
		x.want[f[i].index] = 1;
	}
	for (round = 0; round < DMA_ROUNDS && r->received < n; round++) {
		for (i = 0, k = 0; i < n; i++)
			if (!x.seen[f[i].index])
				idx[k++] = i;
		if (round > 0)
			r->resent += k;
		xfer_round(f, idx, k, &x, deadline, r);
	}
	r->seconds = dma_seconds_since(start);
	ret = TEST_SUCCESS;
out:
	free(x.want);
	free(x.seen);
	free(idx);
	return ret;
}

int
dma_send_watch(const struct dma_frame *f, uint32_t run, unsigned int ms, unsigned int *intact)
{
	uint8_t want = 1, seen = 0;
	struct xfer_state x = { .run = run, .nmax = 1, .want = &want, .seen = &seen };
	struct dma_xfer_result r;
	uint64_t deadline;
	uint32_t zero = 0;

	memset(&r, 0, sizeof(r));
	if (send_burst(f, &zero, 1) != 1) {
		printf("dma: A did not take the frame\n");
		return TEST_FAILED;
	}
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * ms;
	while (rte_get_timer_cycles() < deadline && !seen)
		receive(&x, &r);
	*intact = seen;
	if (r.on_a != 0)
		printf("dma: A received %u frames\n", r.on_a);
	return (int)(r.received + r.corrupt + r.dups + r.foreign);
}
