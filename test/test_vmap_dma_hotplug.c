/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * vmap_dma_hotplug_autotest: NICs that DPDK binds after a space's windows
 * exist reach them, with real DMA. The "vfio" driver maps each window into
 * EAL's default VFIO container, and type1 replays a container's mappings
 * into every group attached to it later, so a hotplugged NIC must reach
 * windows made before its probe as well as after it, and must fault on a
 * freed one like the first NICs.
 *
 * Needs two NIC pairs (devtools/vm/run.sh --pairs 2), EAL started on the
 * first pair only (-a <pair 1 A> -a <pair 1 B>: test/vm/dma-tests.sh),
 * and the second pair's names as the 3rd and 4th words of VMAP_VM_NICS
 * (default 0000:00:12.0 0000:00:13.0). The cases run in order, each on
 * what the one before left:
 *
 *   before   a VA and a DOMAIN space, normal and block windows, reach on
 *            pair 1
 *   probe    rte_dev_probe() of pair 2 (EAL adds the devargs as allowed,
 *            so -a of pair 1 does not keep it out), its ports set up and
 *            started: the windows made before reach through pair 2
 *   after    new windows in both spaces: old and new reach through pair 2
 *   stale    a window made before the probe and one made after, freed
 *            and purged (their 2 MiB pages still hold live windows): a
 *            send from each IOVA by pair 2 faults, the DMAR line names
 *            pair 2's sending NIC
 *   remove   rte_dev_remove() of pair 2; back on pair 1, every live
 *            window and a new one reach, and a freed one faults
 *
 * rte_vmap_verify() is 0 after each case.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "vmap_test_util.h"
#include "dma_harness.h"

#define HP_N 32 /* windows per set */

enum { SET_VA_NORMAL, SET_VA_BLOCK, SET_DOM_NORMAL, SET_DOM_BLOCK, SETS_PER_STEP };

static struct rte_vmap *hp_va, *hp_dom;
/* Sets made before the probe, after it, after the removal. */
static struct dma_wins hp_sets[3 * SETS_PER_STEP];
static unsigned int hp_nsets;
/* VMAP_VM_NICS: pair 1 (EAL's), pair 2 (plugged by the test). */
static char hp_nics[4][RTE_DEV_NAME_MAX_LEN];
static uint16_t hp_ports[2];
static bool hp_plugged;

/* The NICs' PCI names, from VMAP_VM_NICS; false if it names fewer than 4. */
static bool
second_pair(void)
{
	const char *env = getenv("VMAP_VM_NICS");
	char buf[256], *tok, *save = NULL;
	unsigned int k = 0;

	if (env == NULL || env[0] == '\0')
		env = "0000:00:10.0 0000:00:11.0 0000:00:12.0 0000:00:13.0";
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (k < 4)
			snprintf(hp_nics[k], sizeof(hp_nics[0]), "%s", tok);
		k++;
	}
	return k >= 4;
}

/* The requester a DMAR line names for a PCI name: "0000:00:12.0" -> "00:12.0". */
static const char *
requester(const char *pci)
{
	return strlen(pci) > 5 ? pci + 5 : pci;
}

static int
verify_spaces(void)
{
	VMAP_TEST_VERIFY(hp_va);
	VMAP_TEST_VERIFY(hp_dom);
	return TEST_SUCCESS;
}

/* One set of each kind: VA and DOMAIN spaces, normal and block windows. */
static int
alloc_step(void)
{
	struct rte_vmap *vm;
	unsigned int k;

	for (k = 0; k < SETS_PER_STEP; k++) {
		vm = k == SET_VA_NORMAL || k == SET_VA_BLOCK ? hp_va : hp_dom;
		TEST_ASSERT_SUCCESS(dma_wins_alloc(&hp_sets[hp_nsets], vm,
			k == SET_VA_BLOCK || k == SET_DOM_BLOCK, HP_N, 4096), "set %u", hp_nsets);
		hp_nsets++;
	}
	return TEST_SUCCESS;
}

static int
reach_all(const char *where)
{
	printf("dma: hotplug: reach of %u sets of %u windows on %s\n", hp_nsets, HP_N, where);
	TEST_ASSERT_SUCCESS(dma_wins_reach(hp_sets, hp_nsets), "reach on %s", where);
	return verify_spaces();
}

static int
test_hotplug_before(void)
{
	bool skip;

	hp_va = dma_space("dma_hp_va", RTE_VMAP_IOVA_VA, RTE_VMAP_PAGE_2M, (size_t)1 << 30, 0,
		&skip);
	hp_dom = dma_space("dma_hp_dom", RTE_VMAP_IOVA_DOMAIN, RTE_VMAP_PAGE_2M,
		(size_t)1 << 30, 0, &skip);
	TEST_ASSERT(hp_va != NULL && hp_dom != NULL, "spaces");
	TEST_ASSERT_SUCCESS(alloc_step(), "alloc before the probe");
	return reach_all("pair 1");
}

static int
plug(const char *name, uint16_t *port)
{
	int ret;

	ret = rte_dev_probe(name);
	TEST_ASSERT_SUCCESS(ret, "rte_dev_probe(%s): %s", name, rte_strerror(-ret));
	ret = rte_eth_dev_get_port_by_name(name, port);
	TEST_ASSERT_SUCCESS(ret, "%s probed, but no ethdev port", name);
	printf("dma: hotplug: %s probed: port %u\n", name, *port);
	return TEST_SUCCESS;
}

static int
test_hotplug_probe(void)
{
	unsigned int k;

	TEST_ASSERT(hp_nsets > 0, "nothing before the probe");
	for (k = 0; k < 2; k++)
		TEST_ASSERT_SUCCESS(plug(hp_nics[2 + k], &hp_ports[k]), "plug");
	hp_plugged = true;
	dma_ports_use(hp_ports[0], hp_ports[1]);
	TEST_ASSERT_SUCCESS(dma_ports_start(), "pair 2 ports");
	return reach_all("pair 2, windows made before its probe");
}

static int
test_hotplug_after(void)
{
	TEST_ASSERT(hp_plugged, "pair 2 not plugged");
	TEST_ASSERT_SUCCESS(alloc_step(), "alloc after the probe");
	return reach_all("pair 2, windows made before and after its probe");
}

static int
test_hotplug_stale(void)
{
	const char *req = requester(hp_nics[2]);

	TEST_ASSERT(hp_plugged && hp_nsets == 2 * SETS_PER_STEP, "pair 2 not plugged");
	/* Made before the probe: a VA normal window; after it: a DOMAIN block one. */
	TEST_ASSERT_SUCCESS(dma_wins_stale(&hp_sets[SET_VA_NORMAL], 5, req),
		"VA window made before the probe");
	TEST_ASSERT_SUCCESS(dma_wins_stale(&hp_sets[SETS_PER_STEP + SET_DOM_BLOCK], 7, req),
		"DOMAIN block window made after the probe");
	return verify_spaces();
}

static int
unplug(uint16_t port)
{
	struct rte_eth_dev_info info;
	char name[RTE_DEV_NAME_MAX_LEN];
	int ret;

	TEST_ASSERT_SUCCESS(rte_eth_dev_info_get(port, &info), "port %u", port);
	snprintf(name, sizeof(name), "%s", rte_dev_name(info.device));
	ret = rte_dev_remove(info.device);
	TEST_ASSERT_SUCCESS(ret, "rte_dev_remove(%s): %s", name, rte_strerror(-ret));
	TEST_ASSERT(!rte_eth_dev_is_valid_port(port), "port %u still valid", port);
	printf("dma: hotplug: %s removed\n", name);
	return TEST_SUCCESS;
}

static int
test_hotplug_remove(void)
{
	unsigned int k;

	TEST_ASSERT(hp_plugged, "pair 2 not plugged");
	dma_ports_use(0, 1);
	for (k = 0; k < 2; k++)
		TEST_ASSERT_SUCCESS(unplug(hp_ports[k]), "unplug");
	hp_plugged = false;
	TEST_ASSERT_SUCCESS(dma_ports_start(), "pair 1 ports");
	TEST_ASSERT_SUCCESS(reach_all("pair 1, after pair 2 left"), "reach");
	TEST_ASSERT_SUCCESS(alloc_step(), "alloc after the removal");
	TEST_ASSERT_SUCCESS(reach_all("pair 1, with windows made after the removal"), "reach");
	TEST_ASSERT_SUCCESS(dma_wins_stale(&hp_sets[2 * SETS_PER_STEP + SET_VA_BLOCK], 3,
		requester(hp_nics[0])), "VA block window made after the removal");
	return verify_spaces();
}

static int
hotplug_setup(void)
{
	if (!second_pair()) {
		printf("dma: skipped: VMAP_VM_NICS names fewer than two pairs"
			" (devtools/vm/run.sh --pairs 2)\n");
		return TEST_SKIPPED;
	}
	if (rte_eth_dev_count_avail() != 2) {
		printf("dma: skipped: %u ports: start EAL on the first pair only (-a %s"
			" -a %s)\n", rte_eth_dev_count_avail(), hp_nics[0], hp_nics[1]);
		return TEST_SKIPPED;
	}
	return dma_suite_setup();
}

static void
hotplug_teardown(void)
{
	unsigned int k;
	uint16_t port;

	dma_ports_use(0, 1);
	for (k = 2; k < 4; k++)
		if (rte_eth_dev_get_port_by_name(hp_nics[k], &port) == 0)
			unplug(port);
	hp_plugged = false;
	for (k = 0; k < hp_nsets; k++)
		dma_wins_free(&hp_sets[k]);
	hp_nsets = 0;
	rte_vmap_destroy(hp_va);
	rte_vmap_destroy(hp_dom);
	hp_va = hp_dom = NULL;
	dma_suite_teardown();
}

static struct unit_test_suite dma_hotplug_suite = {
	.suite_name = "vmap real DMA: hotplugged NICs reach the windows",
	.setup = hotplug_setup,
	.teardown = hotplug_teardown,
	.unit_test_cases = {
		TEST_CASE(test_hotplug_before),
		TEST_CASE(test_hotplug_probe),
		TEST_CASE(test_hotplug_after),
		TEST_CASE(test_hotplug_stale),
		TEST_CASE(test_hotplug_remove),
		TEST_CASES_END()
	}
};

static int
test_vmap_dma_hotplug(void)
{
	return unit_test_suite_runner(&dma_hotplug_suite);
}

/* In the guest with --pairs 2: EAL on the first pair, the test plugs the second. */
REGISTER_VM_TEST(vmap_dma_hotplug_autotest, test_vmap_dma_hotplug);
