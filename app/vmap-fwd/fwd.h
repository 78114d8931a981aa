/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _VMAP_FWD_H_
#define _VMAP_FWD_H_

/*
 * dpdk-vmap-fwd: what the files of the forwarder share.
 *
 *   main.c   start-up, launch, shutdown, exit code
 *   args.c   the application's options (after "--")
 *   pool.c   the vmap space and the per-socket packet pools in its windows
 *   ports.c  port pairs, RX queues spread over lcores, device setup
 *   fwd.c    the forwarding loop run by every forwarding lcore
 *   stats.c  the statistics printed every period and the final summary
 *   churn.c  the control thread that allocates and frees windows while
 *            packets flow
 *   mp.c     multi-process mode: the rings and the control block the
 *            primary (--shared) and its worker processes (--mp-worker) share
 *
 * Threads: forwarding lcores write only their own struct fwd_counters;
 * the main lcore reads them (relaxed 64-bit loads) for the statistics.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_vmap.h>

#define FWD_MAX_BURST         512
#define FWD_MAX_RXQ_PER_LCORE 32  /* RX queues one lcore may poll */
#define FWD_MAX_CONFIG        256 /* (port,queue,lcore) entries of --config */
#define FWD_CONTROL_HZ        100 /* fwd_control_tick() calls per second */
#define FWD_MP_MAX_WORKERS    8   /* worker processes over one run of a primary */

/* One (port, queue, lcore) entry of --config. */
struct fwd_config_entry {
	uint16_t port;
	uint16_t queue;
	unsigned int lcore;
};

/* Whether windows are registered with DPDK (--extmem). */
enum fwd_extmem {
	FWD_EXTMEM_AUTO = 0, /* RTE_VMAP_F_EXTMEM where it can work */
	FWD_EXTMEM_ON,       /* RTE_VMAP_F_EXTMEM or fail */
	FWD_EXTMEM_OFF,
};

/*
 * The part this process plays. In multi-process mode the primary owns the
 * ports, the space and the pools, and hands every received burst to worker
 * processes (DPDK secondaries) through rings; they check and rewrite the
 * packets and hand them back for sending.
 */
enum fwd_role {
	FWD_ROLE_ALONE = 0, /* ports, pools and forwarding in this process */
	FWD_ROLE_PRIMARY,   /* --shared: ports and pools; worker processes forward */
	FWD_ROLE_WORKER,    /* --mp-worker: a secondary forwarding the primary's packets */
};

/* The application's options (args.c fills it, the rest reads it). */
struct fwd_options {
	uint32_t portmask;          /* enabled ports; 0 = every port */
	uint16_t nb_rxq;            /* RX queues per port, 0 = 1 or from --config */
	uint16_t nb_txq;            /* TX queues per port, 0 = one per sending lcore */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint16_t burst;
	unsigned int nb_mbufs;      /* per socket pool; 0 = computed */
	unsigned int mbuf_cache;
	unsigned int tx_first;      /* packets to send on each port at start */
	bool mac_updating;
	bool promiscuous;
	bool check_iova;
	bool verbose;
	unsigned int churn_rate;    /* window allocations per second, 0 = off */
	unsigned int duration;      /* seconds, 0 = until a signal */
	unsigned int stats_period;  /* seconds, 0 = summary only */
	size_t page_size;           /* RTE_VMAP_PAGE_* */
	enum rte_vmap_iova_mode iova_mode;
	const char *iommu;
	const char *iommu_args;
	enum fwd_extmem extmem;
	enum fwd_role role;
	unsigned int nb_config;
	struct fwd_config_entry config[FWD_MAX_CONFIG];
	bool peer_set[RTE_MAX_ETHPORTS];
	struct rte_ether_addr peer[RTE_MAX_ETHPORTS]; /* --eth-peer */
};

/* One RX queue an lcore polls, and where what it receives goes. */
struct fwd_rx_queue {
	uint16_t rx_port;
	uint16_t rx_queue;
	uint16_t tx_port;
	uint16_t tx_queue;
};

/* What one lcore does. */
struct fwd_lcore {
	unsigned int nb_rxq;
	struct fwd_rx_queue rxq[FWD_MAX_RXQ_PER_LCORE];
} __rte_cache_aligned;

/* A port the forwarder uses. */
struct fwd_port {
	bool enabled;
	uint16_t dst_port;           /* its pair: where its packets are sent */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	int socket_id;
	struct rte_ether_addr mac;   /* its own address: the new source MAC */
	struct rte_ether_addr peer;  /* the new destination MAC of what it sends */
};

/*
 * Packet counters of one lcore, per port; written by that lcore only.
 * Drops are charged to the port that could not send them. (Bytes are
 * the ports' own counters: counting them here would mean reading every
 * mbuf, which the io-style fast path does not.) In a worker process, rx
 * counts what it took from the ring of the port's direction and tx what
 * it gave back for sending on the port.
 */
struct fwd_counters {
	uint64_t rx_pkts[RTE_MAX_ETHPORTS];
	uint64_t tx_pkts[RTE_MAX_ETHPORTS];
	uint64_t drops[RTE_MAX_ETHPORTS];
	uint64_t mp_sent[RTE_MAX_ETHPORTS]; /* --shared: received here, handed to the workers */
	uint64_t mp_back[RTE_MAX_ETHPORTS]; /* ... of them back from the workers, to be sent */
	uint64_t iova_checked;       /* mbuf segments checked by --check-iova */
	uint64_t iova_faults;        /* ... whose IOVA did not lead to their VA */
} __rte_cache_aligned;

/* Counters of the churn thread (churn.c). */
struct fwd_churn_stats {
	uint64_t allocs;             /* windows allocated (normal + block) */
	uint64_t block_allocs;       /* ... of them block windows */
	uint64_t frees;
	uint64_t alloc_fails;
	uint64_t free_fails;
	uint64_t iova_faults;        /* windows whose IOVA did not lead back to them */
	uint64_t live;               /* windows held now */
	uint64_t live_bytes;
};

/* What the workers of a primary did, as they published it (mp.c). */
struct fwd_mp_totals {
	unsigned int workers;        /* worker processes that attached */
	unsigned int running;        /* ... still forwarding */
	uint64_t taken;              /* packets they took from the rings to them */
	uint64_t returned;           /* ... they put on the rings back */
	uint64_t drops;              /* ... they freed: the ring back was full */
	uint64_t iova_checked;       /* segments whose IOVA they checked */
	uint64_t iova_faults;
};

extern struct fwd_options fwd_opt;
extern struct fwd_port fwd_ports[RTE_MAX_ETHPORTS];
extern struct fwd_lcore fwd_lcores[RTE_MAX_LCORE];
extern struct fwd_counters fwd_counters[RTE_MAX_LCORE];
extern struct rte_vmap *fwd_vm;
extern bool fwd_iommu_sim;           /* the space uses the "sim" IOMMU driver */
extern bool fwd_extmem;              /* its windows are DPDK memsegs (RTE_VMAP_F_EXTMEM) */

/* Set by a signal or at the end of --duration; every loop polls it. */
extern volatile bool fwd_quit;

static inline bool
fwd_quitting(void)
{
	return __atomic_load_n(&fwd_quit, __ATOMIC_RELAXED);
}

/* Relaxed load of a counter another lcore writes. */
static inline uint64_t
fwd_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* main.c: statistics period and --duration; the main lcore calls it. */
void fwd_control_tick(void);
void fwd_restart(const char *why);

/* args.c */
void fwd_options_parse(int argc, char **argv);

/* hugefiles.c: a primary's hugepage files removed, just before rte_eal_cleanup(). */
void fwd_hugefiles_remove(void);

/* pool.c */
void fwd_space_create(void);
void fwd_space_attach(void);
void fwd_space_destroy(void);
void fwd_pools_create(void);
void fwd_pools_free(void);
unsigned int fwd_pools_mbufs(void);
struct rte_mempool *fwd_pool(int socket_id);
const char *fwd_pool_kind(void);

/* ports.c */
void fwd_ports_assign(void);
void fwd_ports_assign_worker(void);
void fwd_ports_start(void);
void fwd_ports_tx_first(void);
void fwd_ports_close(void);
bool fwd_lcore_has_work(unsigned int lcore);

/* fwd.c */
int fwd_lcore_loop(void *arg);
uint32_t fwd_rings_drain(void);

/* mp.c: the rings of each port's direction, to the workers and back */
extern struct rte_ring *fwd_mp_to_workers[RTE_MAX_ETHPORTS];
extern struct rte_ring *fwd_mp_from_workers[RTE_MAX_ETHPORTS];
void fwd_mp_setup(void);
void fwd_mp_attach(void);
void fwd_mp_tick(void);
bool fwd_mp_stopping(void);
int fwd_mp_finish(void);
void fwd_mp_worker_done(void);
void fwd_mp_totals_get(struct fwd_mp_totals *t);
int fwd_mp_summary(void);
void fwd_mp_free(void);

/* stats.c */
void fwd_stats_init(void);
void fwd_stats_print(void);
int fwd_stats_summary(void);

/* churn.c */
void fwd_churn_start(void);
void fwd_churn_stop(void);
void fwd_churn_stats_get(struct fwd_churn_stats *st);
const char *fwd_churn_where(void);

#endif /* _VMAP_FWD_H_ */
