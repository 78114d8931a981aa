/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _DMA_HARNESS_H_
#define _DMA_HARNESS_H_

/*
 * The harness of the real-DMA suites (test_vmap_dma.c: reach,
 * test_vmap_dma_stale.c: stale, and the others of test_vmap_dma_*.c):
 * dma_port.c, ports and spaces; dma_xfer.c, frames; dma_wins.c, sets of
 * windows; dma_kmsg.c, the kernel log. Two PCI NICs cabled back to back,
 * port 0 ("A") sends frames whose data is a vmap window itself, port 1
 * ("B") receives them into ordinary EAL memory. They need the QEMU guest
 * of devtools/vm/ (an emulated IOMMU, NICs bound to vfio-pci):
 * test/vm/dma-tests.sh runs them there. Elsewhere they skip.
 *
 * The guest kernel's log (/dev/kmsg) tells whether the IOMMU refused a
 * DMA: a line "DMAR: [DMA Read NO_PASID] Request device [00:10.0] fault
 * addr 0x... [fault reason ...]" names the page of the faulting IOVA.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_vmap.h>

#include "test.h"

/* Ports: A sends, B receives (ports 0 and 1 unless dma_ports_use() said). */
extern uint16_t dma_port_a, dma_port_b;
#define DMA_PORT_A dma_port_a
#define DMA_PORT_B dma_port_b

/* Frames: Ethernet header + struct dma_frame_hdr + pattern, at most this long. */
#define DMA_FRAME_MIN 96
#define DMA_FRAME_MAX 512

/* One frame to send: it lies at va in a window, the NIC reads it at iova. */
struct dma_frame {
	void *va;
	rte_iova_t iova;
	uint32_t index; /* what dma_frame_fill() wrote there */
	uint16_t len;
};

/* What a transfer of frames saw on port B. */
struct dma_xfer_result {
	unsigned int received;  /* distinct frames arrived intact */
	unsigned int corrupt;   /* frames of this run whose bytes differ */
	unsigned int dups;      /* frames that arrived twice (after a resend) */
	unsigned int resent;    /* frames sent again after a quiet period */
	unsigned int foreign;   /* frames on B not of this run */
	unsigned int on_a;      /* frames A received (the hub should send it none) */
	double seconds;
};

/*
 * Configure and start both ports, once per process (later calls restart
 * them if stopped). TEST_SKIPPED with the reason printed when there are
 * fewer than two ports; TEST_FAILED if a port cannot be started.
 */
int dma_ports_start(void);
/* Stop both ports (they stay configured for the next suite). */
void dma_ports_stop(void);
/*
 * Stop the ports in use and send from a, receive on b from now on; the
 * next dma_ports_start() configures and starts them (and sets the MACs).
 */
void dma_ports_use(uint16_t a, uint16_t b);

/*
 * Suite setup: dma_ports_start(), then skip (TEST_SKIPPED, reason printed)
 * if a "vfio" space cannot be made for want of VFIO; opens dma_kmsg.
 */
int dma_suite_setup(void);
/* Suite teardown: closes dma_kmsg, stops the ports. */
void dma_suite_teardown(void);
/* /dev/kmsg opened by dma_suite_setup(), or a negative errno. */
extern int dma_kmsg;

/*
 * Create a space with the "vfio" driver (the "none" driver in PA mode:
 * the guest without an IOMMU); skipped (*skip set, reason printed) when
 * VFIO is not there (ENODEV). NULL on failure.
 */
struct rte_vmap *dma_space(const char *name, enum rte_vmap_iova_mode mode, size_t page_size,
		size_t va_size, unsigned int flags, bool *skip);

/* Port MACs, set by dma_ports_start(). */
extern struct rte_ether_addr dma_mac_a, dma_mac_b;

/*
 * An mbuf from the TX header pool whose data is the frame f (in a window,
 * or where one was), or NULL; dma_tx_release() waits for all to be freed.
 */
struct rte_mbuf *dma_frame_mbuf(const struct dma_frame *f);

/* Write at buf the frame (index, len) of run: B's MAC, header, pattern. */
void dma_frame_fill(void *buf, uint32_t run, uint32_t index, uint16_t len);

/* A run number no earlier transfer of this process used. */
uint32_t dma_new_run(void);

/*
 * Send every frame of f[0, n) from A, receive them on B and compare each
 * with what dma_frame_fill(run, f[k].index) wrote; indexes are below nmax.
 * An intact frame whose index was not sent counts as corrupt (the NIC
 * read another window). Frames missing after a quiet period are sent
 * again, twice at most. TEST_SUCCESS with the counts in *r, or
 * TEST_FAILED (no memory).
 */
int dma_xfer(const struct dma_frame *f, unsigned int n, uint32_t run, uint32_t nmax,
		unsigned int timeout_ms, struct dma_xfer_result *r);

/*
 * Reach: send f[0, n) with dma_xfer() (counts printed); TEST_SUCCESS if
 * every frame arrived intact, no other frame of run did, and no DMAR
 * fault was logged; the TX mbufs are then given back (dma_tx_release()).
 */
int dma_reach_send(const struct dma_frame *f, unsigned int n, uint32_t run, uint32_t nmax);

/*
 * Stale (test_vmap_dma_stale.c), one frame (run, index 0) at f->iova:
 * dma_stale_control() before the free (it arrives intact, no DMAR fault),
 * dma_stale_probe() after it (nothing arrives, a DMAR fault names the
 * page of f->iova and, unless requester is NULL, that device, "00:12.0").
 * f->va must be readable: after the free, a copy of the frame.
 */
int dma_stale_control(const struct dma_frame *f, uint32_t run);
int dma_stale_probe(const struct dma_frame *f, uint32_t run, const char *requester);

/*
 * Send one frame from A, the frame (run, index 0), and watch B for ms
 * milliseconds or until it arrived intact: the number of frames B got,
 * of run or not (*intact: 1 if the frame arrived intact), or TEST_FAILED
 * if A did not take it.
 */
int dma_send_watch(const struct dma_frame *f, uint32_t run, unsigned int ms,
		unsigned int *intact);

/*
 * Give back the TX mbufs A still holds; TEST_SUCCESS once no mbuf refers
 * to a window any more (the external buffers' count is back to its own
 * reference and the header pool is full).
 */
int dma_tx_release(void);

/* ---- sets of windows (dma_wins.c) ---------------------------------------- */

/* n windows of one space, each holding one frame. */
struct dma_wins {
	struct rte_vmap *vm;
	bool block;        /* rte_vmap_block_alloc() windows */
	size_t size;       /* of each window */
	unsigned int n;
	void **win;        /* NULL once freed */
};

/* Allocate n windows of size from vm; TEST_SUCCESS or TEST_FAILED (logged). */
int dma_wins_alloc(struct dma_wins *w, struct rte_vmap *vm, bool block, unsigned int n,
		size_t size);
/* Free the live windows (and the array); no purge. */
int dma_wins_free(struct dma_wins *w);
/*
 * Reach for the live windows of sets[0, nsets): each gets a frame of a new
 * run (with the MACs of the ports in use), its translation is checked
 * (contiguous, rte_vmap_find() agrees, in VA mode the address), then all
 * are sent from their IOVAs at once (dma_reach_send()).
 */
int dma_wins_reach(struct dma_wins *sets, unsigned int nsets);
/*
 * Stale for window i of w: its frame arrives (dma_stale_control()), it is
 * freed and purged, and a send from its IOVA faults (dma_stale_probe(),
 * requester as there). Needs dma_kmsg.
 */
int dma_wins_stale(struct dma_wins *w, unsigned int i, const char *requester);

/*
 * test_vmap_extmem.c: a live window of an EXTMEM space as DPDK sees it
 * (its first, last and probes random bytes): in an external memseg list,
 * its memseg's IOVA + offset and rte_mem_virt2iova() are the space's IOVA.
 */
int vmap_test_extmem_window(struct rte_vmap *vm, const void *va, size_t size,
		unsigned int probes);

/* ---- the kernel log ------------------------------------------------------ */

/* Open /dev/kmsg at its end (earlier lines are skipped); fd or -errno. */
int dma_kmsg_open(void);
void dma_kmsg_close(int fd);
/*
 * Read what the kernel logged since the last call: the number of DMAR
 * fault lines; *named set (and the line copied) if one names the page of
 * iova (RTE_BAD_IOVA: none looked for).
 */
unsigned int dma_kmsg_faults(int fd, rte_iova_t iova, bool *named, char *line, size_t size);
/*
 * The kernel prints at most 10 DMAR lines (5 faults) per 5 s: wait until
 * the next fault of this process would be printed. Call before a DMA
 * that should fault.
 */
void dma_fault_pace(void);

/* Seconds since an earlier rte_get_timer_cycles(). */
double dma_seconds_since(uint64_t start);

#endif /* _DMA_HARNESS_H_ */
