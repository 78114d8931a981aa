/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The application's options, given after "--". Every error ends the
 * program with a message naming the option (rte_exit), as in DPDK's
 * examples.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "fwd.h"

#define FWD_DEFAULT_RXD   1024
#define FWD_DEFAULT_TXD   1024
#define FWD_DEFAULT_BURST 32
#define FWD_DEFAULT_CACHE 256

struct fwd_options fwd_opt = {
	.nb_rxd = FWD_DEFAULT_RXD,
	.nb_txd = FWD_DEFAULT_TXD,
	.burst = FWD_DEFAULT_BURST,
	.mbuf_cache = FWD_DEFAULT_CACHE,
	.mac_updating = true,
	.promiscuous = true,
	.stats_period = 1,
	.page_size = RTE_VMAP_PAGE_2M,
	.iova_mode = RTE_VMAP_IOVA_AUTO,
	.iommu = "none",
};

enum {
	OPT_HELP = 'h',
	OPT_PORTMASK = 'p',
	OPT_VERBOSE = 'v',
	/* long options only: past any character */
	OPT_RXQ = 256,
	OPT_TXQ,
	OPT_CONFIG,
	OPT_RXD,
	OPT_TXD,
	OPT_BURST,
	OPT_MBUFS,
	OPT_MBUF_CACHE,
	OPT_NO_MAC_UPDATING,
	OPT_MAC_UPDATING,
	OPT_ETH_PEER,
	OPT_NO_PROMISC,
	OPT_TX_FIRST,
	OPT_PAGE_SIZE,
	OPT_IOMMU,
	OPT_IOMMU_ARGS,
	OPT_IOVA_MODE,
	OPT_EXTMEM,
	OPT_CHECK_IOVA,
	OPT_CHURN,
	OPT_DURATION,
	OPT_STATS_PERIOD,
	OPT_SHARED,
	OPT_MP_WORKER,
};

static const struct option fwd_longopts[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "portmask", required_argument, NULL, OPT_PORTMASK },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "mbuf-cache", required_argument, NULL, OPT_MBUF_CACHE },
	{ "no-mac-updating", no_argument, NULL, OPT_NO_MAC_UPDATING },
	{ "mac-updating", no_argument, NULL, OPT_MAC_UPDATING },
	{ "eth-peer", required_argument, NULL, OPT_ETH_PEER },
	{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
	{ "tx-first", required_argument, NULL, OPT_TX_FIRST },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "iommu", required_argument, NULL, OPT_IOMMU },
	{ "iommu-args", required_argument, NULL, OPT_IOMMU_ARGS },
	{ "iova-mode", required_argument, NULL, OPT_IOVA_MODE },
	{ "extmem", required_argument, NULL, OPT_EXTMEM },
	{ "check-iova", no_argument, NULL, OPT_CHECK_IOVA },
	{ "churn", required_argument, NULL, OPT_CHURN },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "shared", no_argument, NULL, OPT_SHARED },
	{ "mp-worker", no_argument, NULL, OPT_MP_WORKER },
	{ NULL, 0, NULL, 0 },
};

static void
usage(const char *prog)
{
	printf("%s [EAL options] -- [options]\n"
		"Ports work in pairs (0<->1, 2<->3, ...): one sends what the other receives.\n"
		"  -p, --portmask MASK   hex mask of the ports to use (default: all)\n"
		"  --rxq N               RX queues per port (default 1), spread over lcores\n"
		"  --txq N               TX queues per port (default: one per sending lcore)\n"
		"  --config (port,queue,lcore)[,...]\n"
		"                        which lcore polls which RX queue (instead of --rxq)\n"
		"  --rxd N, --txd N      RX/TX descriptors per queue (default %u/%u)\n"
		"  --burst N             packets per RX/TX burst (default %u, at most %u)\n"
		"  --mbufs N             mbufs per socket pool (default: enough for the queues)\n"
		"  --mbuf-cache N        per-lcore mempool cache (default %u)\n"
		"  --no-mac-updating     plain bridge: forward frames unchanged\n"
		"  --eth-peer PORT,MAC   destination MAC of frames sent on PORT\n"
		"                        (default 02:00:00:00:00:PORT, as l2fwd)\n"
		"  --no-promisc          leave promiscuous mode off\n"
		"  --tx-first N          send N 64-byte frames on each port first (for loops)\n"
		"  --page-size 4K|2M|1G  backing pages of the vmap space (default 2M)\n"
		"  --iommu none|vfio|sim IOMMU driver of the space (default none)\n"
		"  --iommu-args K=V,...  driver arguments (sim: iotlb=, pages=, flush_ns=)\n"
		"  --iova-mode auto|va|pa|domain\n"
		"                        IOVAs of the windows; auto follows EAL, va/pa must match\n"
		"                        EAL's unless the IOMMU is sim, domain needs sim or vfio\n"
		"  --extmem auto|on|off  register windows with DPDK (RTE_VMAP_F_EXTMEM) so that\n"
		"                        NICs can DMA; auto: unless the IOVA mode is not EAL's\n"
		"                        or the IOMMU is vfio, and if the library accepts it\n"
		"  --check-iova          check that every received segment's data IOVA leads to\n"
		"                        its data: through the sim IOMMU (--iommu sim) or the\n"
		"                        space's IOVA table, and DPDK's memsegs with extmem;\n"
		"                        exit non-zero on a fault\n"
		"  --churn RATE          a control thread allocates and frees RATE windows per\n"
		"                        second (normal and block windows) while forwarding\n"
		"  --duration SEC        stop after SEC seconds (default: at SIGINT/SIGTERM)\n"
		"  --stats-period SEC    statistics every SEC seconds (default 1, 0 = off)\n"
		"  -v, --verbose         print the vmap space (rte_vmap_dump) at the end\n"
		"Multi-process mode (the primary keeps the ports, workers do the forwarding):\n"
		"  --shared              primary: share the space (RTE_VMAP_F_SHARED) and hand\n"
		"                        every received burst to worker processes through rings;\n"
		"                        EAL must keep its hugepage files (no --in-memory)\n"
		"  --mp-worker           a worker: EAL --proc-type=secondary, the primary's\n"
		"                        --file-prefix, lcore ids of its own (--lcores 2@0); it\n"
		"                        checks every packet's IOVA and rewrites the MACs as the\n"
		"                        primary says; it takes --burst, --churn, --duration,\n"
		"                        --stats-period and -v, the rest is the primary's\n",
		prog, FWD_DEFAULT_RXD, FWD_DEFAULT_TXD, FWD_DEFAULT_BURST, FWD_MAX_BURST,
		FWD_DEFAULT_CACHE);
}

static unsigned long
parse_ulong(const char *opt, const char *arg, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 || v < min || v > max)
		rte_exit(EXIT_FAILURE, "--%s: '%s' is not a number in [%lu, %lu]\n", opt, arg,
			min, max);
	return v;
}

/* Index of arg in names[] (case-insensitive), or exit naming the option. */
static unsigned int
parse_choice(const char *opt, const char *arg, const char *const names[], unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcasecmp(arg, names[i]) == 0)
			return i;
	rte_exit(EXIT_FAILURE, "--%s: unknown value '%s'\n", opt, arg);
}

static void
parse_portmask(const char *arg)
{
	unsigned long mask;
	char *end;

	errno = 0;
	mask = strtoul(arg, &end, 16);
	if (*arg == '\0' || *end != '\0' || errno != 0 || mask == 0 || mask > UINT32_MAX)
		rte_exit(EXIT_FAILURE, "-p: '%s' is not a non-zero hex port mask\n", arg);
	fwd_opt.portmask = mask;
}

/* "(port,queue,lcore),(port,queue,lcore),..." as l3fwd's --config. */
static void
parse_config(const char *arg)
{
	const char *p = arg;

	fwd_opt.nb_config = 0;
	while (*p != '\0') {
		struct fwd_config_entry *e;
		unsigned int port, queue, lcore;
		int used = 0;

		if (fwd_opt.nb_config == FWD_MAX_CONFIG)
			rte_exit(EXIT_FAILURE, "--config: more than %d entries\n", FWD_MAX_CONFIG);
		if (sscanf(p, " (%u , %u , %u )%n", &port, &queue, &lcore, &used) != 3 ||
				used == 0)
			rte_exit(EXIT_FAILURE, "--config: expected (port,queue,lcore) at '%s'\n",
				p);
		if (port >= RTE_MAX_ETHPORTS || queue >= RTE_MAX_QUEUES_PER_PORT ||
				lcore >= RTE_MAX_LCORE)
			rte_exit(EXIT_FAILURE, "--config: (%u,%u,%u) out of range\n", port, queue,
				lcore);
		e = &fwd_opt.config[fwd_opt.nb_config++];
		e->port = port;
		e->queue = queue;
		e->lcore = lcore;
		p += used;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			rte_exit(EXIT_FAILURE, "--config: unexpected '%s'\n", p);
	}
	if (fwd_opt.nb_config == 0)
		rte_exit(EXIT_FAILURE, "--config: no entry\n");
}

/* "PORT,MAC" as testpmd's --eth-peer. */
static void
parse_eth_peer(const char *arg)
{
	unsigned long port;
	char *end;

	errno = 0;
	port = strtoul(arg, &end, 10);
	if (end == arg || *end != ',' || errno != 0 || port >= RTE_MAX_ETHPORTS)
		rte_exit(EXIT_FAILURE, "--eth-peer: expected PORT,XX:XX:XX:XX:XX:XX\n");
	if (rte_ether_unformat_addr(end + 1, &fwd_opt.peer[port]) != 0)
		rte_exit(EXIT_FAILURE, "--eth-peer: bad MAC address '%s'\n", end + 1);
	fwd_opt.peer_set[port] = true;
}

/* The options of the vmap space the mbuf pools live in: whether opt was one. */
static bool
parse_space_option(int opt)
{
	static const char *const page_names[] = { "4K", "2M", "1G" };
	static const size_t page_sizes[] = {
		RTE_VMAP_PAGE_4K, RTE_VMAP_PAGE_2M, RTE_VMAP_PAGE_1G,
	};
	/* Indexed by enum rte_vmap_iova_mode. */
	static const char *const iova_names[] = { "auto", "va", "pa", "domain" };
	static const char *const iommu_names[] = { "none", "vfio", "sim" };
	/* Indexed by enum fwd_extmem. */
	static const char *const extmem_names[] = { "auto", "on", "off" };

	switch (opt) {
	case OPT_PAGE_SIZE:
		fwd_opt.page_size = page_sizes[parse_choice("page-size", optarg, page_names,
			RTE_DIM(page_names))];
		return true;
	case OPT_IOMMU:
		fwd_opt.iommu = iommu_names[parse_choice("iommu", optarg, iommu_names,
			RTE_DIM(iommu_names))];
		return true;
	case OPT_IOMMU_ARGS:
		fwd_opt.iommu_args = optarg;
		return true;
	case OPT_IOVA_MODE:
		fwd_opt.iova_mode = (enum rte_vmap_iova_mode)parse_choice("iova-mode",
			optarg, iova_names, RTE_DIM(iova_names));
		return true;
	case OPT_EXTMEM:
		fwd_opt.extmem = (enum fwd_extmem)parse_choice("extmem", optarg,
			extmem_names, RTE_DIM(extmem_names));
		return true;
	case OPT_CHECK_IOVA:
		fwd_opt.check_iova = true;
		return true;
	case OPT_CHURN:
		fwd_opt.churn_rate = parse_ulong("churn", optarg, 0, 1000000);
		return true;
	default:
		return false;
	}
}

void
fwd_options_parse(int argc, char **argv)
{
	const char *prog = argv[0];
	int opt;

	while ((opt = getopt_long(argc, argv, "hp:v", fwd_longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HELP:
			usage(prog);
			exit(EXIT_SUCCESS);
		case OPT_PORTMASK:
			parse_portmask(optarg);
			break;
		case OPT_VERBOSE:
			fwd_opt.verbose = true;
			break;
		case OPT_RXQ:
			fwd_opt.nb_rxq = parse_ulong("rxq", optarg, 1, FWD_MAX_RXQ_PER_LCORE);
			break;
		case OPT_TXQ:
			fwd_opt.nb_txq = parse_ulong("txq", optarg, 1, RTE_MAX_LCORE);
			break;
		case OPT_CONFIG:
			parse_config(optarg);
			break;
		case OPT_RXD:
			fwd_opt.nb_rxd = parse_ulong("rxd", optarg, 1, UINT16_MAX);
			break;
		case OPT_TXD:
			fwd_opt.nb_txd = parse_ulong("txd", optarg, 1, UINT16_MAX);
			break;
		case OPT_BURST:
			fwd_opt.burst = parse_ulong("burst", optarg, 1, FWD_MAX_BURST);
			break;
		case OPT_MBUFS:
			fwd_opt.nb_mbufs = parse_ulong("mbufs", optarg, 1024, UINT32_MAX / 2);
			break;
		case OPT_MBUF_CACHE:
			fwd_opt.mbuf_cache = parse_ulong("mbuf-cache", optarg, 0,
				RTE_MEMPOOL_CACHE_MAX_SIZE);
			break;
		case OPT_NO_MAC_UPDATING:
			fwd_opt.mac_updating = false;
			break;
		case OPT_MAC_UPDATING:
			fwd_opt.mac_updating = true;
			break;
		case OPT_ETH_PEER:
			parse_eth_peer(optarg);
			break;
		case OPT_NO_PROMISC:
			fwd_opt.promiscuous = false;
			break;
		case OPT_TX_FIRST:
			fwd_opt.tx_first = parse_ulong("tx-first", optarg, 0, 1u << 20);
			break;
		case OPT_DURATION:
			fwd_opt.duration = parse_ulong("duration", optarg, 0, 86400 * 365);
			break;
		case OPT_STATS_PERIOD:
			fwd_opt.stats_period = parse_ulong("stats-period", optarg, 0, 86400);
			break;
		case OPT_SHARED:
			fwd_opt.role = FWD_ROLE_PRIMARY;
			break;
		case OPT_MP_WORKER:
			fwd_opt.role = FWD_ROLE_WORKER;
			break;
		default:
			if (parse_space_option(opt))
				break;
			usage(prog);
			rte_exit(EXIT_FAILURE, "bad arguments\n");
		}
	}
	if (optind < argc)
		rte_exit(EXIT_FAILURE, "unexpected argument '%s'\n", argv[optind]);
	if (fwd_opt.nb_config != 0 && fwd_opt.nb_rxq != 0)
		rte_exit(EXIT_FAILURE, "--config and --rxq exclude each other\n");
	if (fwd_opt.role == FWD_ROLE_PRIMARY && fwd_opt.check_iova)
		rte_exit(EXIT_FAILURE, "--check-iova with --shared: the workers check every"
			" packet's IOVA, the primary does not touch them\n");
}
