/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Packet memory: one vmap space per run, and one mbuf pool per NUMA socket
 * that has forwarding lcores, its objects in windows of that space. With
 * --shared the space is created RTE_VMAP_F_SHARED; a worker process
 * (--mp-worker) attaches to it instead, and uses the primary's pools.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_vmap_mempool.h>

#include "fwd.h"

#define FWD_SPACE_NAME "vmap_fwd"
#define FWD_MIN_MBUFS  8192
#define FWD_VA_SIZE_4K (UINT64_C(2) << 30) /* 4 KiB pages: 2 GiB of VA is plenty */
#define FWD_VA_SLACK   (UINT64_C(2) << 30) /* shared: VA beyond the pools (churn, lazy) */
#define FWD_VA_ROUND   (UINT64_C(1) << 30)

struct rte_vmap *fwd_vm;
bool fwd_iommu_sim;
bool fwd_extmem;

static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];

static const char *
iova_mode_name(enum rte_vmap_iova_mode mode)
{
	static const char *const names[] = { "auto", "va", "pa", "domain" };

	return (unsigned int)mode < RTE_DIM(names) ? names[mode] : "?";
}

static const char *
page_size_name(size_t page_size)
{
	if (page_size == RTE_VMAP_PAGE_1G)
		return "1G";
	if (page_size == RTE_VMAP_PAGE_2M)
		return "2M";
	return "4K";
}

/*
 * --iova-mode must agree with what devices see: EAL's mode, unless the
 * IOMMU is the simulated one (no device DMAs) or the space has its own
 * IOVA domain behind a translating IOMMU.
 */
static void
check_iova_mode(void)
{
	enum rte_vmap_iova_mode want = fwd_opt.iova_mode;
	bool eal_va = rte_eal_iova_mode() == RTE_IOVA_VA;

	if (want == RTE_VMAP_IOVA_DOMAIN && strcmp(fwd_opt.iommu, "none") == 0)
		rte_exit(EXIT_FAILURE, "--iova-mode domain needs a translating IOMMU:"
			" --iommu sim or vfio\n");
	if (want != RTE_VMAP_IOVA_VA && want != RTE_VMAP_IOVA_PA)
		return;
	if (fwd_iommu_sim || (want == RTE_VMAP_IOVA_VA) == eal_va)
		return;
	rte_exit(EXIT_FAILURE, "--iova-mode %s: EAL runs with IOVA as %s, so devices would DMA"
		" to the wrong addresses; give EAL --iova-mode=%s too, or use --iova-mode auto\n",
		iova_mode_name(want), eal_va ? "VA" : "PA", iova_mode_name(want));
}

/*
 * RTE_VMAP_F_EXTMEM makes windows DPDK memsegs, DMA-mapped for every
 * device: what a NIC needs. It needs the space's IOVAs to be EAL's (not a
 * DOMAIN, per window; not VA under EAL's PA or the reverse) and not the
 * vfio driver (which maps the windows itself): "auto" leaves it off there.
 */
static bool
extmem_wanted(void)
{
	bool eal_va = rte_eal_iova_mode() == RTE_IOVA_VA;

	/* The library keeps RTE_VMAP_F_EXTMEM to spaces of one process. */
	if (fwd_opt.role == FWD_ROLE_PRIMARY && fwd_opt.extmem == FWD_EXTMEM_ON)
		rte_exit(EXIT_FAILURE, "--extmem on and --shared exclude each other: a space"
			" shared with other processes cannot be DPDK memsegs\n");
	if (fwd_opt.extmem != FWD_EXTMEM_AUTO)
		return fwd_opt.extmem == FWD_EXTMEM_ON;
	if (fwd_opt.role == FWD_ROLE_PRIMARY)
		return false;
	if (strcmp(fwd_opt.iommu, "vfio") == 0)
		return false;
	return fwd_opt.iova_mode == RTE_VMAP_IOVA_AUTO ||
		(fwd_opt.iova_mode == RTE_VMAP_IOVA_VA && eal_va) ||
		(fwd_opt.iova_mode == RTE_VMAP_IOVA_PA && !eal_va);
}

static unsigned int pool_mbufs(void);

/* ", shared, <VA> MiB of VA" for a shared space's start-up line, else "". */
static const char *
shared_text(struct rte_vmap *vm)
{
	static char text[64];
	struct rte_vmap_stats st;

	if (fwd_opt.role != FWD_ROLE_PRIMARY || rte_vmap_stats_get(vm, &st) != 0)
		return "";
	snprintf(text, sizeof(text), ", shared, %" PRIu64 " MiB of VA", st.va_size >> 20);
	return text;
}

/*
 * VA to reserve; 0 is the library's default (64 GiB). 4 KiB pages: a
 * smaller reservation (one memseg per backing page with extmem). Shared
 * (2 MiB pages): a worker must map the reservation at the primary's
 * address, where its own libraries and threads, placed at random (ASLR,
 * 28 bits of 4 KiB pages: 1 TiB), could be in the way with a chance that
 * grows with the reservation (measured before the library placed shared
 * reservations low, away from them: 5 worker starts in 40 for 64 GiB, 0
 * in 40 for 3 GiB; since, none seen). So no more than the pools twice
 * over and FWD_VA_SLACK; fwd_space_attach() restarts a worker that is
 * unlucky all the same.
 */
static size_t
space_va_size(void)
{
	uint64_t mbuf = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE + RTE_CACHE_LINE_SIZE;
	uint64_t pools = (uint64_t)pool_mbufs() * rte_socket_count() * mbuf;

	if (fwd_opt.page_size == RTE_VMAP_PAGE_4K)
		return FWD_VA_SIZE_4K;
	if (fwd_opt.role != FWD_ROLE_PRIMARY || fwd_opt.page_size != RTE_VMAP_PAGE_2M)
		return 0;
	return RTE_ALIGN_CEIL(2 * pools + FWD_VA_SLACK, FWD_VA_ROUND);
}

void
fwd_space_create(void)
{
	struct rte_vmap_params p = {
		.name = FWD_SPACE_NAME,
		.page_size = fwd_opt.page_size,
		.iova_mode = fwd_opt.iova_mode,
		.iommu = fwd_opt.iommu,
		.iommu_args = fwd_opt.iommu_args,
		.va_size = space_va_size(),
	};
	bool extmem;
	int first_error;

	fwd_iommu_sim = strcmp(fwd_opt.iommu, "sim") == 0;
	check_iova_mode();
	extmem = extmem_wanted();
	if (extmem)
		p.flags |= RTE_VMAP_F_EXTMEM;
	if (fwd_opt.role == FWD_ROLE_PRIMARY)
		p.flags |= RTE_VMAP_F_SHARED;
	fwd_vm = rte_vmap_create(&p);
	if (fwd_vm == NULL && extmem && fwd_opt.extmem == FWD_EXTMEM_AUTO) {
		/* Perhaps only RTE_VMAP_F_EXTMEM is refused: say so if that was it. */
		first_error = rte_errno;
		p.flags &= ~RTE_VMAP_F_EXTMEM;
		fwd_vm = rte_vmap_create(&p);
		extmem = false;
		if (fwd_vm != NULL)
			printf("vmap-fwd: RTE_VMAP_F_EXTMEM refused (%s): windows are not"
				" registered with DPDK (virtual ports work; a PCI NIC could not"
				" DMA into them)\n", rte_strerror(first_error));
	}
	if (fwd_vm == NULL)
		rte_exit(EXIT_FAILURE, "rte_vmap_create(%s, page %s, iommu %s): %s\n", p.name,
			page_size_name(p.page_size), p.iommu, rte_strerror(rte_errno));
	printf("vmap-fwd: space %s: pages %s, IOVA %s (EAL %s), IOMMU %s, extmem %s%s\n",
		FWD_SPACE_NAME, page_size_name(rte_vmap_page_size(fwd_vm)),
		iova_mode_name(rte_vmap_iova_mode_get(fwd_vm)),
		rte_eal_iova_mode() == RTE_IOVA_VA ? "va" : "pa", fwd_opt.iommu,
		extmem ? "on" : "off", shared_text(fwd_vm));
	fwd_extmem = extmem;
}

/*
 * --mp-worker: the primary's space, mapped here at its address. Its IOVAs
 * are checked through the IOVA table this process maps: the sim IOMMU's
 * page table and DPDK's memsegs (extmem) are the primary's alone.
 */
void
fwd_space_attach(void)
{
	fwd_vm = rte_vmap_lookup(FWD_SPACE_NAME);
	if (fwd_vm == NULL && rte_errno == EADDRINUSE)
		fwd_restart("the primary's space lies where this process has mappings");
	if (fwd_vm == NULL)
		rte_exit(EXIT_FAILURE, "--mp-worker: rte_vmap_lookup(%s): %s%s\n", FWD_SPACE_NAME,
			rte_strerror(rte_errno), rte_errno == EPERM ?
			" (the primary's space is not shared: start it with --shared)" : "");
	fwd_iommu_sim = false;
	fwd_extmem = false;
	printf("vmap-fwd: space %s of the primary: pages %s, IOVA %s, mapped at the same"
		" address\n", FWD_SPACE_NAME, page_size_name(rte_vmap_page_size(fwd_vm)),
		iova_mode_name(rte_vmap_iova_mode_get(fwd_vm)));
}

void
fwd_space_destroy(void)
{
	rte_vmap_destroy(fwd_vm);
	fwd_vm = NULL;
}

const char *
fwd_pool_kind(void)
{
	return "rte_vmap_pktmbuf_pool_create";
}

/* Enough mbufs for every queue of every port, the lcores' bursts and caches. */
static unsigned int
pool_mbufs(void)
{
	unsigned int lcores = rte_lcore_count();
	uint64_t n = 0;
	uint16_t port;

	if (fwd_opt.nb_mbufs != 0)
		return fwd_opt.nb_mbufs;
	RTE_ETH_FOREACH_DEV(port) {
		const struct fwd_port *fp = &fwd_ports[port];

		if (!fp->enabled)
			continue;
		n += (uint64_t)fp->nb_rxq * fwd_opt.nb_rxd + (uint64_t)fp->nb_txq * fwd_opt.nb_txd;
		n += fwd_opt.tx_first;
	}
	n += (uint64_t)lcores * (fwd_opt.burst + fwd_opt.mbuf_cache * 3 / 2);
	return RTE_MAX(n, (uint64_t)FWD_MIN_MBUFS);
}

static void
pool_create(int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int n = pool_mbufs();

	snprintf(name, sizeof(name), "fwd_pool_%d", socket);
	/* Mbuf pool in vmap windows. 8< */
	pools[socket] = rte_vmap_pktmbuf_pool_create(name, n, fwd_opt.mbuf_cache, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, fwd_vm, socket);
	/* >8 End of mbuf pool in vmap windows. */
	if (pools[socket] == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool %s (%u mbufs) in vmap windows: %s\n", name, n,
			rte_strerror(rte_errno));
	printf("vmap-fwd: pool %s: %u mbufs of %u bytes in vmap windows on socket %d\n", name,
		n, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
}

/* Socket id usable as an index (SOCKET_ID_ANY and unknown ones map to 0). */
static int
socket_index(int socket)
{
	return socket >= 0 && socket < RTE_MAX_NUMA_NODES ? socket : 0;
}

void
fwd_pools_create(void)
{
	unsigned int lcore;

	/* The main lcore's socket too: --tx-first allocates there. */
	pool_create(socket_index((int)rte_socket_id()));
	RTE_LCORE_FOREACH(lcore) {
		int socket = socket_index((int)rte_lcore_to_socket_id(lcore));

		if (fwd_lcore_has_work(lcore) && pools[socket] == NULL)
			pool_create(socket);
	}
}

/* Mbufs of every pool: what rings between processes must hold. */
unsigned int
fwd_pools_mbufs(void)
{
	unsigned int s, n = 0;

	for (s = 0; s < RTE_DIM(pools); s++)
		if (pools[s] != NULL)
			n += pools[s]->size;
	return n;
}

void
fwd_pools_free(void)
{
	unsigned int s;

	for (s = 0; s < RTE_DIM(pools); s++) {
		rte_mempool_free(pools[s]);
		pools[s] = NULL;
	}
}

struct rte_mempool *
fwd_pool(int socket_id)
{
	struct rte_mempool *mp = pools[socket_index(socket_id)];

	return mp != NULL ? mp : pools[socket_index((int)rte_socket_id())];
}
