/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Multi-process mode: a primary (--shared) that owns the ports, the space
 * and the mbuf pools, and worker processes (DPDK secondaries started with
 * --mp-worker) that do the forwarding work, as DPDK's client_server_mp
 * example splits it.
 *
 *       primary (ports, pools)                      worker (secondary)
 *   port A RX --> to_workers[A]   ring in EAL memory  --> dequeue, check the
 *                                                         IOVA, rewrite MACs
 *   port B TX <-- from_workers[A] ring in EAL memory  <-- enqueue
 *
 * The mbufs are in windows of the primary's space, created with
 * RTE_VMAP_F_SHARED: a worker attaches to it (rte_vmap_lookup()) before
 * it touches a packet, and sees every mbuf at the same address with the
 * same IOVA. Port I/O stays in the primary: some drivers' data path
 * (net_af_packet's PACKET_MMAP rings) is mapped in the primary only.
 *
 * The control block, a memzone, holds the directions (which ring goes to
 * which port, with which MACs) and a slot per worker: its pid, its state,
 * a heartbeat, and the counts it publishes every control tick. Stopping:
 * the primary stops receiving, sets "stop" and waits until every worker
 * emptied the rings to it and said "done"; then it sends what came back
 * and frees what no worker took. A worker that vanishes (its heartbeat
 * stops and rte_vmap_reclaim() finds it gone) has its windows given back.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>

#include "fwd.h"

#define MP_ZONE_NAME   "vmap_fwd_mp"
#define MP_RING_TO     "vmap_fwd_to_%u"
#define MP_RING_FROM   "vmap_fwd_from_%u"
#define MP_MAGIC       UINT32_C(0x766d6670)
#define MP_FINISH_S    10   /* how long the primary waits for its workers at the end */
#define MP_SILENT_MS   1000 /* a worker silent this long may be gone: ask reclaim */
#define MP_LCORE_WORDS ((RTE_MAX_LCORE + 63) / 64)

enum mp_slot_state {
	MP_SLOT_FREE = 0,
	MP_SLOT_RUNNING,     /* a worker attached and forwards */
	MP_SLOT_DONE,        /* it stopped; its counts are final */
	MP_SLOT_GONE,        /* it vanished; the primary gave back its windows */
};

/* What one worker publishes; the primary reads it (relaxed, as fwd_counters). */
struct mp_slot {
	int32_t pid;         /* claimed by compare-and-swap from 0 */
	uint32_t state;      /* enum mp_slot_state; DONE stored with release */
	uint64_t heartbeat;  /* bumped every control tick */
	uint64_t taken;
	uint64_t returned;
	uint64_t drops;
	uint64_t iova_checked;
	uint64_t iova_faults;
	uint64_t lcores[MP_LCORE_WORDS]; /* its EAL lcore ids, written before RUNNING */
} __rte_cache_aligned;

/* A direction: what comes in on rx_port leaves by tx_port, with these MACs. */
struct mp_dir {
	uint16_t rx_port;
	uint16_t tx_port;
	struct rte_ether_addr mac;   /* of tx_port: the new source MAC */
	struct rte_ether_addr peer;  /* the new destination MAC */
};

/* The control block; written by the primary before any worker can find it. */
struct mp_control {
	uint32_t magic;
	int32_t primary_pid;
	uint32_t stop;               /* the primary sends no more (release/acquire) */
	uint32_t mac_updating;
	uint32_t nb_dirs;
	uint64_t lcores[MP_LCORE_WORDS]; /* the primary's lcore ids */
	struct mp_dir dir[RTE_MAX_ETHPORTS];
	struct mp_slot slot[FWD_MP_MAX_WORKERS];
};

struct rte_ring *fwd_mp_to_workers[RTE_MAX_ETHPORTS];
struct rte_ring *fwd_mp_from_workers[RTE_MAX_ETHPORTS];

static const struct rte_memzone *zone;
static struct mp_control *ctl;
static struct mp_slot *own_slot;     /* a worker's */
static uint64_t next_check_tsc;

/* The primary's view of each slot's heartbeat, and what it found at the end. */
static uint64_t seen_beat[FWD_MP_MAX_WORKERS];
static uint64_t seen_tsc[FWD_MP_MAX_WORKERS];
static int reclaimed[FWD_MP_MAX_WORKERS];
static uint32_t left_untaken;

static inline uint32_t
slot_state(const struct mp_slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* This process's EAL lcore ids, as a bit mask. */
static void
own_lcores(uint64_t mask[MP_LCORE_WORDS])
{
	unsigned int lcore;

	memset(mask, 0, MP_LCORE_WORDS * sizeof(mask[0]));
	RTE_LCORE_FOREACH(lcore)
		mask[lcore / 64] |= UINT64_C(1) << (lcore % 64);
}

/* The first lcore id both masks hold, or -1. */
static int
lcores_shared(const uint64_t *a, const uint64_t *b)
{
	unsigned int i;

	for (i = 0; i < MP_LCORE_WORDS; i++)
		if ((a[i] & b[i]) != 0)
			return (int)(i * 64 + __builtin_ctzll(a[i] & b[i]));
	return -1;
}

static struct rte_ring *
ring_create(const char *fmt, uint16_t port, unsigned int count, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), fmt, port);
	/* Multi-producer, multi-consumer: several lcores, several workers. */
	r = rte_ring_create(name, count, socket, 0);
	if (r == NULL)
		rte_exit(EXIT_FAILURE, "ring %s: %s\n", name, rte_strerror(rte_errno));
	return r;
}

/*
 * --shared: the control block and two rings per direction, once the
 * ports and pools exist. Each ring holds every mbuf of the pools, so that
 * no enqueue fails for room, whoever is slow.
 */
void
fwd_mp_setup(void)
{
	unsigned int count = rte_align32pow2(fwd_pools_mbufs() + 1);
	uint16_t port;

	zone = rte_memzone_reserve(MP_ZONE_NAME, sizeof(*ctl), SOCKET_ID_ANY, 0);
	if (zone == NULL)
		rte_exit(EXIT_FAILURE, "memzone %s: %s\n", MP_ZONE_NAME, rte_strerror(rte_errno));
	ctl = zone->addr;
	memset(ctl, 0, sizeof(*ctl));
	ctl->primary_pid = getpid();
	ctl->mac_updating = fwd_opt.mac_updating;
	own_lcores(ctl->lcores);
	RTE_ETH_FOREACH_DEV(port) {
		const struct fwd_port *fp = &fwd_ports[port];
		struct mp_dir *d = &ctl->dir[ctl->nb_dirs];

		if (!fp->enabled)
			continue;
		ctl->nb_dirs++;
		d->rx_port = port;
		d->tx_port = fp->dst_port;
		d->mac = fwd_ports[fp->dst_port].mac;
		d->peer = fwd_ports[fp->dst_port].peer;
		fwd_mp_to_workers[port] = ring_create(MP_RING_TO, port, count, fp->socket_id);
		fwd_mp_from_workers[port] = ring_create(MP_RING_FROM, port, count,
			fp->socket_id);
	}
	/* Last: a worker that finds the magic finds the rest. */
	__atomic_store_n(&ctl->magic, MP_MAGIC, __ATOMIC_RELEASE);
	printf("vmap-fwd: shared: %u directions through worker processes (rings of %u);"
		" start them with --proc-type=secondary --file-prefix=<this one's> --"
		" --mp-worker\n", ctl->nb_dirs, count - 1);
}

static struct rte_ring *
ring_lookup(const char *fmt, uint16_t port)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), fmt, port);
	r = rte_ring_lookup(name);
	if (r == NULL)
		rte_exit(EXIT_FAILURE, "ring %s of the primary: %s\n", name,
			rte_strerror(rte_errno));
	return r;
}

/*
 * An lcore id of ours that the primary or another live worker uses, or
 * -1. Two processes on one id would share the mempool's per-lcore cache
 * of that id, unlocked: mbufs lost or handed out twice. Our mask is in our
 * slot before we look, so of two workers starting together at least one
 * sees the other (both may give up: safe).
 */
static int
lcore_in_use(void)
{
	unsigned int i;
	int lcore;

	lcore = lcores_shared(own_slot->lcores, ctl->lcores);
	for (i = 0; lcore < 0 && i < FWD_MP_MAX_WORKERS; i++) {
		const struct mp_slot *s = &ctl->slot[i];
		uint32_t state = slot_state(s);

		if (s != own_slot && __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) != 0 &&
				state != MP_SLOT_DONE && state != MP_SLOT_GONE)
			lcore = lcores_shared(own_slot->lcores, s->lcores);
	}
	return lcore;
}

static void
claim_slot(void)
{
	int32_t free_pid = 0;
	unsigned int i;
	int lcore;

	for (i = 0; own_slot == NULL && i < FWD_MP_MAX_WORKERS; i++, free_pid = 0)
		if (__atomic_compare_exchange_n(&ctl->slot[i].pid, &free_pid, (int32_t)getpid(),
				false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			own_slot = &ctl->slot[i];
	if (own_slot == NULL)
		rte_exit(EXIT_FAILURE, "--mp-worker: the primary has had %d workers already\n",
			FWD_MP_MAX_WORKERS);
	own_lcores(own_slot->lcores);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lcore = lcore_in_use();
	if (lcore >= 0) {
		memset(own_slot->lcores, 0, sizeof(own_slot->lcores));
		__atomic_store_n(&own_slot->pid, 0, __ATOMIC_RELEASE);
		rte_exit(EXIT_FAILURE, "--mp-worker: lcore %d is in use by the primary or another"
			" worker: give each process lcore ids of its own (--lcores 2@0)\n", lcore);
	}
	__atomic_store_n(&own_slot->state, MP_SLOT_RUNNING, __ATOMIC_RELEASE);
}

/*
 * --mp-worker: find the primary's space, control block and rings; take
 * its directions as ports, and a slot. The space first: its reservation
 * must be mapped here at the primary's address before anything else can
 * take the range.
 */
void
fwd_mp_attach(void)
{
	unsigned int i;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		rte_exit(EXIT_FAILURE, "--mp-worker: run as a secondary process"
			" (EAL --proc-type=secondary, the primary's --file-prefix)\n");
	fwd_space_attach();
	zone = rte_memzone_lookup(MP_ZONE_NAME);
	if (zone == NULL)
		rte_exit(EXIT_FAILURE, "--mp-worker: no %s: the primary does not run with"
			" --shared\n", MP_ZONE_NAME);
	ctl = zone->addr;
	if (__atomic_load_n(&ctl->magic, __ATOMIC_ACQUIRE) != MP_MAGIC)
		rte_exit(EXIT_FAILURE, "--mp-worker: the primary has not finished its set-up\n");
	fwd_opt.mac_updating = ctl->mac_updating != 0;
	/* Every packet's IOVA is checked here: the point of the exercise. */
	fwd_opt.check_iova = true;
	for (i = 0; i < ctl->nb_dirs; i++) {
		const struct mp_dir *d = &ctl->dir[i];

		fwd_ports[d->rx_port].enabled = true;
		fwd_ports[d->rx_port].dst_port = d->tx_port;
		fwd_ports[d->tx_port].mac = d->mac;
		fwd_ports[d->tx_port].peer = d->peer;
		fwd_mp_to_workers[d->rx_port] = ring_lookup(MP_RING_TO, d->rx_port);
		fwd_mp_from_workers[d->rx_port] = ring_lookup(MP_RING_FROM, d->rx_port);
	}
	claim_slot();
	printf("vmap-fwd: worker %d of primary %d: slot %td, %u directions\n", (int)getpid(),
		(int)ctl->primary_pid, own_slot - ctl->slot, ctl->nb_dirs);
}

bool
fwd_mp_stopping(void)
{
	return ctl != NULL && __atomic_load_n(&ctl->stop, __ATOMIC_ACQUIRE) != 0;
}

/* A worker's counts, summed over its lcores, into its slot. */
static void
publish(void)
{
	uint64_t taken = 0, returned = 0, drops = 0, checked = 0, faults = 0;
	unsigned int lcore;
	uint16_t port;

	RTE_LCORE_FOREACH(lcore) {
		const struct fwd_counters *c = &fwd_counters[lcore];

		for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
			taken += fwd_read(&c->rx_pkts[port]);
			returned += fwd_read(&c->tx_pkts[port]);
			drops += fwd_read(&c->drops[port]);
		}
		checked += fwd_read(&c->iova_checked);
		faults += fwd_read(&c->iova_faults);
	}
	__atomic_store_n(&own_slot->taken, taken, __ATOMIC_RELAXED);
	__atomic_store_n(&own_slot->returned, returned, __ATOMIC_RELAXED);
	__atomic_store_n(&own_slot->drops, drops, __ATOMIC_RELAXED);
	__atomic_store_n(&own_slot->iova_checked, checked, __ATOMIC_RELAXED);
	__atomic_store_n(&own_slot->iova_faults, faults, __ATOMIC_RELAXED);
	__atomic_store_n(&own_slot->heartbeat, own_slot->heartbeat + 1, __ATOMIC_RELAXED);
}

/*
 * A worker silent for MP_SILENT_MS: if its process is gone (or a zombie),
 * give back its windows. rte_vmap_reclaim() is the judge: -EBUSY while the
 * process runs (stopped in a debugger, say), and then it stays a worker.
 */
static void
check_silent(unsigned int i, uint64_t now)
{
	struct mp_slot *s = &ctl->slot[i];
	uint64_t beat = fwd_read(&s->heartbeat);
	int ret;

	if (beat != seen_beat[i] || seen_tsc[i] == 0) {
		seen_beat[i] = beat;
		seen_tsc[i] = now;
		return;
	}
	if (now - seen_tsc[i] < rte_get_timer_hz() / 1000 * MP_SILENT_MS)
		return;
	seen_tsc[i] = now;
	ret = rte_vmap_reclaim(fwd_vm, s->pid);
	if (ret < 0)
		return;
	reclaimed[i] = ret;
	__atomic_store_n(&s->state, MP_SLOT_GONE, __ATOMIC_RELEASE);
	printf("\nvmap-fwd: worker %d is gone without finishing: %d windows given back;"
		" the packets it held are lost\n", (int)s->pid, ret);
}

/* The primary: workers that vanished. Once a second. */
static void
check_workers(uint64_t now)
{
	unsigned int i;

	for (i = 0; i < FWD_MP_MAX_WORKERS; i++)
		if (slot_state(&ctl->slot[i]) == MP_SLOT_RUNNING)
			check_silent(i, now);
}

/* A worker: the primary gone without stopping us ends the run. */
static void
check_primary(void)
{
	if (kill(ctl->primary_pid, 0) == 0 || errno != ESRCH)
		return;
	printf("\nvmap-fwd: the primary (%d) is gone: stopping\n", (int)ctl->primary_pid);
	__atomic_store_n(&fwd_quit, true, __ATOMIC_RELAXED);
}

/* From fwd_control_tick(): a worker publishes; both watch the other side. */
void
fwd_mp_tick(void)
{
	uint64_t now = rte_get_timer_cycles();
	bool second = now >= next_check_tsc;

	if (ctl == NULL)
		return;
	if (second)
		next_check_tsc = now + rte_get_timer_hz();
	if (fwd_opt.role == FWD_ROLE_WORKER) {
		publish();
		if (second)
			check_primary();
	} else if (second) {
		check_workers(now);
	}
}

/* A worker, its lcores stopped and its churn windows freed: final counts. */
void
fwd_mp_worker_done(void)
{
	publish();
	__atomic_store_n(&own_slot->state, MP_SLOT_DONE, __ATOMIC_RELEASE);
}

static unsigned int
workers_running(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < FWD_MP_MAX_WORKERS; i++)
		n += slot_state(&ctl->slot[i]) == MP_SLOT_RUNNING;
	return n;
}

/*
 * The primary, its lcores stopped: tell the workers, wait until they
 * emptied the rings to them and finished, then send what they gave back
 * and free what none took. Returns the workers that did not finish in time.
 */
int
fwd_mp_finish(void)
{
	uint64_t hz = rte_get_timer_hz(), deadline = rte_get_timer_cycles() + MP_FINISH_S * hz;
	unsigned int late;

	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	while ((late = workers_running()) != 0 && rte_get_timer_cycles() < deadline) {
		check_workers(rte_get_timer_cycles());
		rte_delay_us_sleep(1000000 / FWD_CONTROL_HZ);
	}
	if (late != 0)
		printf("vmap-fwd: %u workers still running after %d s\n", late, MP_FINISH_S);
	left_untaken = fwd_rings_drain();
	return late;
}

void
fwd_mp_totals_get(struct fwd_mp_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; ctl != NULL && i < FWD_MP_MAX_WORKERS; i++) {
		const struct mp_slot *s = &ctl->slot[i];
		uint32_t state = slot_state(s);

		if (state == MP_SLOT_FREE)
			continue;
		t->workers++;
		t->running += state == MP_SLOT_RUNNING;
		t->taken += fwd_read(&s->taken);
		t->returned += fwd_read(&s->returned);
		t->drops += fwd_read(&s->drops);
		t->iova_checked += fwd_read(&s->iova_checked);
		t->iova_faults += fwd_read(&s->iova_faults);
	}
}

static const char *
state_name(uint32_t state)
{
	static const char *const names[] = { "free", "running", "done", "gone" };

	return state < RTE_DIM(names) ? names[state] : "?";
}

/* The primary's summary lines of the workers; returns the problems. */
static int
summary_primary(void)
{
	unsigned int i, lcore, gone = 0;
	uint64_t sent = 0, back = 0;
	struct fwd_mp_totals t;
	uint16_t port;
	bool ok;

	for (i = 0; i < FWD_MP_MAX_WORKERS; i++) {
		const struct mp_slot *s = &ctl->slot[i];

		if (slot_state(s) == MP_SLOT_FREE)
			continue;
		gone += slot_state(s) == MP_SLOT_GONE;
		printf("summary mp_worker slot=%u pid=%d state=%s taken=%" PRIu64 " returned=%"
			PRIu64 " drops=%" PRIu64 " iova_checked=%" PRIu64 " iova_faults=%" PRIu64
			" reclaimed=%d\n", i, (int)s->pid, state_name(slot_state(s)),
			fwd_read(&s->taken), fwd_read(&s->returned), fwd_read(&s->drops),
			fwd_read(&s->iova_checked), fwd_read(&s->iova_faults), reclaimed[i]);
	}
	RTE_LCORE_FOREACH(lcore)
		for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
			sent += fwd_read(&fwd_counters[lcore].mp_sent[port]);
			back += fwd_read(&fwd_counters[lcore].mp_back[port]);
		}
	fwd_mp_totals_get(&t);
	/* Every packet handed over was taken by a worker or left; what they gave back came back. */
	ok = sent == t.taken + left_untaken && back == t.returned;
	printf("summary mp sent=%" PRIu64 " taken=%" PRIu64 " left=%" PRIu32 " returned=%" PRIu64
		" back=%" PRIu64 " workers=%u iova_checked=%" PRIu64 " iova_faults=%" PRIu64
		" accounting=%s\n", sent, t.taken, left_untaken, t.returned, back, t.workers,
		t.iova_checked, t.iova_faults, ok ? "ok" : "MISMATCH");
	/* A worker that vanished took packets with it: the run did not go as it should. */
	return !ok + (t.iova_faults != 0) + gone;
}

/* The summary lines of this process's part in multi-process mode; the problems. */
int
fwd_mp_summary(void)
{
	if (ctl == NULL)
		return 0;
	if (fwd_opt.role == FWD_ROLE_PRIMARY)
		return summary_primary();
	printf("summary mp_worker slot=%td pid=%d primary=%d taken=%" PRIu64 " returned=%"
		PRIu64 " drops=%" PRIu64 "\n", own_slot - ctl->slot, (int)getpid(),
		(int)ctl->primary_pid, fwd_read(&own_slot->taken),
		fwd_read(&own_slot->returned), fwd_read(&own_slot->drops));
	return 0;
}

/* The primary's rings and control block, once no worker uses them. */
void
fwd_mp_free(void)
{
	uint16_t port;

	if (fwd_opt.role != FWD_ROLE_PRIMARY || ctl == NULL)
		return;
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		rte_ring_free(fwd_mp_to_workers[port]);
		rte_ring_free(fwd_mp_from_workers[port]);
		fwd_mp_to_workers[port] = NULL;
		fwd_mp_from_workers[port] = NULL;
	}
	rte_memzone_free(zone);
	zone = NULL;
	ctl = NULL;
}
