/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * RTE_VMAP_F_EXTMEM: a space whose windows DPDK knows about, so that
 * rte_mem_virt2memseg() finds them and devices can DMA into them.
 *
 *   rte_vmap_create()     rte_extmem_register(the whole reservation, no IOVAs,
 *                         backing page size): one memseg list, one memseg per
 *                         backing page, every IOVA RTE_BAD_IOVA
 *   a backing page is     its memseg gets the page's IOVA (PA mode: physical
 *   mapped (map_run)      address; VA mode: its address), then every device
 *                         gets rte_dev_dma_map(page, iova, page size)
 *   a backing page is     every device gets rte_dev_dma_unmap(), the memseg
 *   released (unmap_run)  goes back to RTE_BAD_IOVA; this is after the flush
 *                         of every window that used the page (a lazily freed
 *                         window keeps its backing until its purge)
 *   rte_vmap_destroy()    pages still backed are unmapped from the devices,
 *                         then rte_extmem_unregister()
 *
 * Why the whole reservation, once. Each rte_extmem_register() takes one of
 * the RTE_MAX_MEMSEG_LISTS (128) memseg lists, shared with EAL's own
 * (rte_memory.h, rte_extmem_register()): registering windows, or zones, one by one would run out
 * after a hundred. rte_extmem_register() only builds the memseg list's
 * fbarray (malloc_heap_create_external_seg() writes the metadata and never
 * touches the memory), so the PROT_NONE reservation can be registered
 * before anything is mapped in it; vmap_extmem_autotest checks that
 * rte_mem_virt2memseg() then finds every live window. The cost is the
 * fbarray, 48 bytes per backing page (1.5 MiB for 64 GiB of 2 MiB pages),
 * hence the cap of VMAP_EXTMEM_MAX_PAGES.
 *
 * IOVAs: registered as RTE_BAD_IOVA and set per memseg when the page is
 * mapped (rte_mem_virt2memseg() returns a pointer into the memseg array),
 * so that the memseg's iova + offset is what rte_vmap_virt2iova() says for
 * every byte of a live window, in VA and PA mode, and pages not backed are
 * RTE_BAD_IOVA, which DPDK's walkers skip (EAL's VFIO type1 replay does).
 * DOMAIN mode is refused: there a window's IOVA is per window, allocated
 * by the space's own IOMMU driver, and windows sharing a backing page have
 * unrelated IOVAs, which one memseg per page cannot express; DMA mapping
 * those IOVAs in EAL's IOMMU as well would program the same translations
 * twice.
 *
 * A driver whose maps live in EAL's own IOMMU domain (the "vfio" driver:
 * RTE_VMAP_IOMMU_F_EAL_DOMAIN) already makes every window reachable by
 * every device EAL drives, a window at a time: the space then registers
 * its memsegs (the memseg view) and makes no device DMA maps at all.
 *
 * Device DMA maps are per backing page, as EAL maps its own memory: VFIO
 * type1 cannot split a mapping, and DPDK 22.11 records a user mapping with
 * its length as unmap granule (merging neighbours of one granule), so
 * page-sized maps can later be unmapped page by page, in any grouping.
 *
 * Devices: those probed when the space is created (every bus, iterated
 * with RTE_DEV_FOREACH), plus those probed later with an ethdev port. DPDK
 * 22.11 has no generic "device probed" notification: rte_dev_event
 * callbacks report kernel uevents (only once the application runs
 * rte_dev_event_monitor_start()), before any driver probes the device,
 * and never for vdevs; so the space listens to RTE_ETH_EVENT_NEW, which
 * ethdev raises near the end of every port's probe. At that point neither
 * the port (rte_eth_dev_info_get() refuses it until the event returns) nor
 * the device (its driver is set when the bus probe returns) is usable, so
 * the event only notes the port, and an EAL alarm a moment later (retried
 * until the probe has finished) adds its device and DMA-maps the pages
 * backed at that moment. The mapping thus trails the probe by about
 * VMAP_EXTMEM_RETRY_US, long before a port is configured and started.
 * RTE_ETH_EVENT_DESTROY (raised while the port is still valid) unmaps the
 * pages for a departing device, unless another port still uses it.
 * Devices of other classes probed or removed later are not seen: create
 * EXTMEM spaces after probing them, and destroy them before removing them.
 *
 * The device calls run under lock (innermost, vmap_private.h): a page is
 * mapped for the devices before any window on it is published, and a
 * device that arrives gets exactly the pages backed at that moment. Map
 * and unmap of pages take it shared, device arrivals and departures
 * exclusive. The calls made under it are the buses' dma_map/unmap (VFIO
 * ioctls, no allocation in this file).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_fbarray.h>
#include <rte_memory.h>
#include <rte_rwlock.h>

#include "vmap_private.h"
#include "vmap_fault.h"

/* Backing pages one registration may describe: 48 MiB of memseg metadata. */
#define VMAP_EXTMEM_MAX_PAGES (UINT64_C(1) << 20)
/* Devices a space DMA-maps its pages for. */
#define VMAP_EXTMEM_MAX_DEVICES 64
/* A new port is looked at this long after RTE_ETH_EVENT_NEW... */
#define VMAP_EXTMEM_RETRY_US 100
/* ...and again while its probe runs, this many times (a second), then given up. */
#define VMAP_EXTMEM_RETRIES 10000

struct vmap_extmem_dev {
	struct rte_device *dev;
	uint16_t port;   /* an ethdev port of it, or RTE_MAX_ETHPORTS */
	bool no_dma;     /* its bus or driver answered ENOTSUP: nothing to map */
};

struct vmap_extmem {
	struct rte_memseg_list *msl;
	/* Protects devs[], nr_devs, new_port[], retries, closing; see the top. */
	rte_rwlock_t lock;
	unsigned int nr_devs;
	unsigned int retries;
	bool closing;
	/* Devices are learnt and DMA-mapped (not with an EAL-domain driver). */
	bool dev_maps_on;
	/* Ports announced by RTE_ETH_EVENT_NEW whose device is not learnt yet. */
	bool new_port[RTE_MAX_ETHPORTS];
	uint64_t nr_pages;    /* atomic */
	uint64_t dev_maps;    /* atomic */
	uint64_t dev_unmaps;  /* atomic */
	uint64_t dev_errors;  /* atomic */
	struct vmap_extmem_dev devs[VMAP_EXTMEM_MAX_DEVICES];
};

int
vmap_extmem_check_params(const struct rte_vmap_params *p)
{
	if (p->iova_mode == RTE_VMAP_IOVA_DOMAIN) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_EXTMEM needs IOVA mode VA or PA: a DOMAIN IOVA "
			"is per window, a DPDK memseg's per page", p->name);
		return -EINVAL;
	}
	return 0;
}

static inline uintptr_t
page_va(const struct rte_vmap *vm, uint64_t idx)
{
	return vm->map_base + (idx << vm->backing.page_shift);
}

static inline struct rte_memseg *
page_memseg(const struct vmap_extmem *ex, uint64_t idx)
{
	return rte_fbarray_get(&ex->msl->memseg_arr, (unsigned int)idx);
}

static rte_iova_t
page_iova(const struct rte_vmap *vm, uint64_t idx)
{
	if (vm->iova_mode == RTE_VMAP_IOVA_PA)
		return vm->backing.phys[idx];
	return page_va(vm, idx);
}

/*
 * One device call. 0 done, 1 the device has no driver yet (vdev),
 * -ENOTSUP nothing to do for it (bus without dma_map, PCI not on VFIO),
 * else -errno.
 */
static int
dev_call(struct vmap_extmem *ex, struct vmap_extmem_dev *d, uintptr_t va, rte_iova_t iova,
		size_t len, bool map)
{
	int ret;

	if (map && VMAP_FAULT(RTE_VMAP_FAULT_DEV_DMA_MAP)) {
		/* As a bus that cannot map (VFIO out of DMA entries, say). */
		rte_errno = ENOMEM;
		ret = -1;
	} else if (map) {
		ret = rte_dev_dma_map(d->dev, (void *)va, iova, len);
	} else {
		ret = rte_dev_dma_unmap(d->dev, (void *)va, iova, len);
	}
	if (ret == 0) {
		__atomic_fetch_add(map ? &ex->dev_maps : &ex->dev_unmaps, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (ret > 0)
		return 1;
	if (rte_errno == ENOTSUP) {
		__atomic_store_n(&d->no_dma, true, __ATOMIC_RELAXED);
		return -ENOTSUP;
	}
	__atomic_fetch_add(&ex->dev_errors, 1, __ATOMIC_RELAXED);
	return rte_errno != 0 ? -rte_errno : -EIO;
}

static inline bool
dev_takes_maps(const struct vmap_extmem_dev *d)
{
	return !__atomic_load_n(&d->no_dma, __ATOMIC_RELAXED);
}

/* Unmap page idx from devices [0, upto), then forget its IOVA. */
static void
page_forget(struct rte_vmap *vm, uint64_t idx, unsigned int upto)
{
	struct vmap_extmem *ex = vm->extmem;
	struct rte_memseg *ms = page_memseg(ex, idx);
	unsigned int i;
	int ret;

	for (i = 0; i < upto; i++) {
		if (!dev_takes_maps(&ex->devs[i]))
			continue;
		ret = dev_call(ex, &ex->devs[i], page_va(vm, idx), ms->iova,
			vm->backing.page_size, false);
		if (ret < 0 && ret != -ENOTSUP)
			VMAP_LOG(ERR, "%s: DMA unmap of 0x%" PRIxPTR " for %s failed: %s",
				vm->name, page_va(vm, idx), rte_dev_name(ex->devs[i].dev),
				rte_strerror(-ret));
	}
	ms->iova = RTE_BAD_IOVA;
	__atomic_fetch_sub(&ex->nr_pages, 1, __ATOMIC_RELAXED);
}

int
vmap_extmem_map(struct rte_vmap *vm, uint64_t idx, uint64_t n)
{
	struct vmap_extmem *ex = vm->extmem;
	struct rte_memseg *ms;
	uint64_t p;
	unsigned int i;
	int ret = 0;

	rte_rwlock_read_lock(&ex->lock);
	for (p = idx; p < idx + n; p++) {
		ms = page_memseg(ex, p);
		ms->iova = page_iova(vm, p);
		__atomic_fetch_add(&ex->nr_pages, 1, __ATOMIC_RELAXED);
		for (i = 0; i < ex->nr_devs; i++) {
			if (!dev_takes_maps(&ex->devs[i]))
				continue;
			ret = dev_call(ex, &ex->devs[i], page_va(vm, p), ms->iova,
				vm->backing.page_size, true);
			if (ret == -ENOTSUP || ret == 1) {
				ret = 0;
				continue;
			}
			if (ret != 0)
				break;
		}
		if (ret != 0) {
			/* A device cannot reach the page: no window may use it. */
			VMAP_LOG(ERR, "%s: DMA map of 0x%" PRIxPTR " for %s failed: %s",
				vm->name, page_va(vm, p), rte_dev_name(ex->devs[i].dev),
				rte_strerror(-ret));
			page_forget(vm, p, i);
			while (p-- > idx)
				page_forget(vm, p, ex->nr_devs);
			break;
		}
	}
	rte_rwlock_read_unlock(&ex->lock);
	return ret;
}

void
vmap_extmem_unmap(struct rte_vmap *vm, uint64_t idx, uint64_t n)
{
	struct vmap_extmem *ex = vm->extmem;
	uint64_t p;

	rte_rwlock_read_lock(&ex->lock);
	for (p = idx; p < idx + n; p++)
		page_forget(vm, p, ex->nr_devs);
	rte_rwlock_read_unlock(&ex->lock);
}

/*
 * Map (or unmap) every page backed now for one device, with lock held
 * exclusively. Returns 1 if the device has no driver yet (nothing done).
 */
static int
dev_sync(struct rte_vmap *vm, struct vmap_extmem_dev *d, bool map)
{
	struct vmap_extmem *ex = vm->extmem;
	unsigned int errors = 0;
	struct rte_memseg *ms;
	uint64_t p;
	int ret;

	for (p = 0; p < vm->backing.nr_pages; p++) {
		ms = page_memseg(ex, p);
		if (ms->iova == RTE_BAD_IOVA)
			continue;
		ret = dev_call(ex, d, page_va(vm, p), ms->iova, vm->backing.page_size, map);
		if (ret == 1 || ret == -ENOTSUP)
			return ret == 1 ? 1 : 0;
		if (ret != 0 && errors++ == 0)
			VMAP_LOG(ERR, "%s: DMA %smap of 0x%" PRIxPTR " for %s failed: %s",
				vm->name, map ? "" : "un", page_va(vm, p), rte_dev_name(d->dev),
				rte_strerror(-ret));
	}
	return 0;
}

static int
dev_index(const struct vmap_extmem *ex, const struct rte_device *dev)
{
	unsigned int i;

	for (i = 0; i < ex->nr_devs; i++)
		if (ex->devs[i].dev == dev)
			return (int)i;
	return -1;
}

/* Add a device (lock held exclusively); NULL if the table is full. */
static struct vmap_extmem_dev *
dev_add(struct rte_vmap *vm, struct rte_device *dev, uint16_t port)
{
	struct vmap_extmem *ex = vm->extmem;

	if (ex->nr_devs == VMAP_EXTMEM_MAX_DEVICES) {
		VMAP_LOG(ERR, "%s: more than %d devices: %s will not reach the windows",
			vm->name, VMAP_EXTMEM_MAX_DEVICES, rte_dev_name(dev));
		return NULL;
	}
	ex->devs[ex->nr_devs] = (struct vmap_extmem_dev){ .dev = dev, .port = port };
	return &ex->devs[ex->nr_devs++];
}

static int
any_bus(const struct rte_bus *bus, const void *data)
{
	RTE_SET_USED(bus);
	RTE_SET_USED(data);
	return 0;
}

/* Every probed device on every bus that can enumerate its devices (at create). */
static void
learn_devices(struct rte_vmap *vm)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;
	struct rte_bus *bus;
	char devstr[64];
	uint16_t port;

	for (bus = rte_bus_find(NULL, any_bus, NULL); bus != NULL;
			bus = rte_bus_find(bus, any_bus, NULL)) {
		snprintf(devstr, sizeof(devstr), "bus=%s", rte_bus_name(bus));
		RTE_DEV_FOREACH(dev, devstr, &it)
			if (rte_dev_is_probed(dev) && dev_index(vm->extmem, dev) < 0)
				dev_add(vm, dev, RTE_MAX_ETHPORTS);
	}
	/* Remember a port of each device, for RTE_ETH_EVENT_DESTROY. */
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_info info;
		int i;

		if (rte_eth_dev_info_get(port, &info) != 0)
			continue;
		i = dev_index(vm->extmem, info.device);
		if (i >= 0 && vm->extmem->devs[i].port == RTE_MAX_ETHPORTS)
			vm->extmem->devs[i].port = port;
	}
}

static void new_ports_alarm(void *arg);

/* Lock held exclusively. */
static void
arm_alarm(struct rte_vmap *vm)
{
	if (vm->extmem->closing)
		return;
	if (rte_eal_alarm_set(VMAP_EXTMEM_RETRY_US, new_ports_alarm, vm) != 0)
		VMAP_LOG(ERR, "%s: cannot arm the new-port alarm: %s", vm->name,
			rte_strerror(rte_errno));
}

/*
 * Lock held exclusively: learn the device of a port announced by
 * RTE_ETH_EVENT_NEW, if its probe is over. false while it is not.
 */
static bool
port_learn(struct rte_vmap *vm, uint16_t port)
{
	struct vmap_extmem *ex = vm->extmem;
	struct rte_eth_dev_info info;
	struct vmap_extmem_dev *d;
	int i;

	if (!rte_eth_dev_is_valid_port(port) || rte_eth_dev_info_get(port, &info) != 0 ||
			info.device == NULL || !rte_dev_is_probed(info.device))
		return false;
	i = dev_index(ex, info.device);
	if (i >= 0) {
		/* Another port of a known device. */
		if (ex->devs[i].port == RTE_MAX_ETHPORTS)
			ex->devs[i].port = port;
		return true;
	}
	d = dev_add(vm, info.device, port);
	if (d != NULL && dev_sync(vm, d, true) == 1) {
		/*
		 * No driver after all, nothing mapped: forget it (the last one
		 * added), or the retry would take it for a known device and
		 * never sync it.
		 */
		ex->nr_devs--;
		return false;
	}
	return true;
}

/* EAL alarm: the devices of the ports probed since get the backed pages. */
static void
new_ports_alarm(void *arg)
{
	struct rte_vmap *vm = arg;
	struct vmap_extmem *ex = vm->extmem;
	bool waiting = false;
	uint16_t port;

	rte_rwlock_write_lock(&ex->lock);
	for (port = 0; port < RTE_MAX_ETHPORTS && !ex->closing; port++) {
		if (!ex->new_port[port])
			continue;
		if (port_learn(vm, port))
			ex->new_port[port] = false;
		else
			waiting = true;
	}
	if (waiting && ex->retries > 0) {
		ex->retries--;
		arm_alarm(vm);
	} else if (waiting) {
		VMAP_LOG(ERR, "%s: a new port's probe never finished: its device does not "
			"reach the windows", vm->name);
		memset(ex->new_port, 0, sizeof(ex->new_port));
	}
	rte_rwlock_write_unlock(&ex->lock);
}

/* Lock held exclusively: a port goes; its device loses the pages unless another port keeps it. */
static void
port_destroy(struct rte_vmap *vm, uint16_t port)
{
	struct vmap_extmem *ex = vm->extmem;
	struct rte_eth_dev_info info;
	uint16_t other;
	int i;

	ex->new_port[port] = false;
	for (i = 0; i < (int)ex->nr_devs; i++)
		if (ex->devs[i].port == port)
			break;
	if (i == (int)ex->nr_devs)
		return;
	RTE_ETH_FOREACH_DEV(other) {
		if (other != port && rte_eth_dev_info_get(other, &info) == 0 &&
				info.device == ex->devs[i].dev) {
			ex->devs[i].port = other;
			return;
		}
	}
	if (dev_takes_maps(&ex->devs[i]))
		dev_sync(vm, &ex->devs[i], false);
	ex->devs[i] = ex->devs[--ex->nr_devs];
}

static int
eth_event(uint16_t port, enum rte_eth_event_type event, void *arg, void *ret_param)
{
	struct rte_vmap *vm = arg;
	struct vmap_extmem *ex = vm->extmem;

	RTE_SET_USED(ret_param);
	if (port >= RTE_MAX_ETHPORTS)
		return 0;
	rte_rwlock_write_lock(&ex->lock);
	if (!ex->closing && event == RTE_ETH_EVENT_NEW) {
		ex->new_port[port] = true;
		ex->retries = VMAP_EXTMEM_RETRIES;
		arm_alarm(vm);
	} else if (!ex->closing && event == RTE_ETH_EVENT_DESTROY) {
		port_destroy(vm, port);
	}
	rte_rwlock_write_unlock(&ex->lock);
	return 0;
}

/* Unregister an ethdev callback, waiting out a run of it in another thread. */
static void
eth_cb_unregister(struct rte_vmap *vm, enum rte_eth_event_type event)
{
	while (rte_eth_dev_callback_unregister(RTE_ETH_ALL, event, eth_event, vm) == -EAGAIN)
		rte_delay_us_sleep(100);
}

/* The whole reservation, one memseg per backing page, no IOVA yet. -1 and rte_errno on error. */
static int
extmem_register(const struct rte_vmap *vm)
{
	if (VMAP_FAULT(RTE_VMAP_FAULT_EXTMEM_REGISTER)) {
		rte_errno = ENOMEM;
		return -1;
	}
	return rte_extmem_register((void *)vm->map_base, vm->map_len, NULL, 0,
		vm->backing.page_size);
}

static const char *
iova_mode_name(enum rte_vmap_iova_mode mode)
{
	return mode == RTE_VMAP_IOVA_PA ? "PA" : "VA";
}

int
vmap_extmem_init(struct rte_vmap *vm)
{
	struct vmap_backing *bk = &vm->backing;
	enum rte_iova_mode eal = rte_eal_iova_mode();
	struct vmap_extmem *ex;

	if ((vm->flags & RTE_VMAP_F_EXTMEM) == 0)
		return 0;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_EXTMEM needs the primary process", vm->name);
		return -ENOTSUP;
	}
	/* Devices DPDK drives use EAL's kind of IOVA: the space must hand out the same. */
	if ((eal == RTE_IOVA_PA && vm->iova_mode != RTE_VMAP_IOVA_PA) ||
			(eal == RTE_IOVA_VA && vm->iova_mode != RTE_VMAP_IOVA_VA)) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_EXTMEM needs EAL's IOVA mode (%s), not %s",
			vm->name, eal == RTE_IOVA_PA ? "PA" : "VA",
			iova_mode_name(vm->iova_mode));
		return -EINVAL;
	}
	if (bk->nr_pages > VMAP_EXTMEM_MAX_PAGES) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_EXTMEM describes every backing page to DPDK: "
			"%" PRIu64 " pages of %zu bytes are over %" PRIu64 " (smaller va_size or "
			"larger pages)", vm->name, bk->nr_pages, bk->page_size,
			VMAP_EXTMEM_MAX_PAGES);
		return -EINVAL;
	}
	ex = vmap_fault_calloc(1, sizeof(*ex));
	if (ex == NULL)
		return -ENOMEM;
	rte_rwlock_init(&ex->lock);
	if (extmem_register(vm) != 0) {
		int err = rte_errno;

		VMAP_LOG(ERR, "%s: rte_extmem_register of %zu bytes failed: %s%s", vm->name,
			vm->map_len, rte_strerror(err), err == ENOSPC ?
			" (no free memseg list: RTE_MAX_MEMSEG_LISTS)" : "");
		free(ex);
		return -err;
	}
	ex->msl = rte_mem_virt2memseg_list((void *)vm->map_base);
	vm->extmem = ex;
	/* The driver's own maps reach EAL's devices: no device maps, no devices. */
	if ((vm->iommu->flags & RTE_VMAP_IOMMU_F_EAL_DOMAIN) != 0)
		return 0;
	ex->dev_maps_on = true;
	learn_devices(vm);
	if (rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_NEW, eth_event, vm) != 0 ||
			rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_DESTROY,
				eth_event, vm) != 0) {
		VMAP_LOG(ERR, "%s: cannot listen to ethdev port events", vm->name);
		vmap_extmem_fini(vm);
		return -ENOMEM;
	}
	return 0;
}

void
vmap_extmem_fini(struct rte_vmap *vm)
{
	struct vmap_extmem *ex = vm->extmem;
	uint64_t p;

	if (ex == NULL)
		return;
	/* No new device from here: callbacks gone, alarm cancelled (it waits for a run). */
	rte_rwlock_write_lock(&ex->lock);
	ex->closing = true;
	rte_rwlock_write_unlock(&ex->lock);
	if (ex->dev_maps_on) {
		eth_cb_unregister(vm, RTE_ETH_EVENT_NEW);
		eth_cb_unregister(vm, RTE_ETH_EVENT_DESTROY);
		rte_eal_alarm_cancel(new_ports_alarm, vm);
	}
	/* destroy gives the reservation back whole: pages still backed are unmapped here. */
	for (p = 0; p < vm->backing.nr_pages; p++)
		if (page_memseg(ex, p)->iova != RTE_BAD_IOVA)
			page_forget(vm, p, ex->nr_devs);
	if (rte_extmem_unregister((void *)vm->map_base, vm->map_len) != 0)
		VMAP_LOG(ERR, "%s: rte_extmem_unregister failed: %s", vm->name,
			rte_strerror(rte_errno));
	vm->extmem = NULL;
	free(ex);
}

int
vmap_extmem_verify(struct rte_vmap *vm)
{
	const struct vmap_backing *bk = &vm->backing;
	struct vmap_extmem *ex = vm->extmem;
	const struct rte_memseg *ms;
	uint64_t p, known = 0;
	rte_iova_t want;

	if (ex == NULL)
		return 0;
	if (rte_mem_virt2memseg_list((void *)vm->map_base) != ex->msl ||
			ex->msl->len != vm->map_len || ex->msl->page_sz != bk->page_size ||
			ex->msl->external == 0) {
		VMAP_LOG(ERR, "%s: the reservation is not the memseg list registered", vm->name);
		return -EFAULT;
	}
	for (p = 0; p < bk->nr_pages; p++) {
		ms = page_memseg(ex, p);
		want = bk->refcnt[p] != 0 ? page_iova(vm, p) : RTE_BAD_IOVA;
		if (ms->iova != want || ms->addr != (void *)page_va(vm, p)) {
			VMAP_LOG(ERR, "%s: memseg of page %" PRIu64 " has IOVA 0x%" PRIx64
				", want 0x%" PRIx64, vm->name, p, ms->iova, want);
			return -EFAULT;
		}
		known += want != RTE_BAD_IOVA;
	}
	if (known != __atomic_load_n(&ex->nr_pages, __ATOMIC_RELAXED)) {
		VMAP_LOG(ERR, "%s: %" PRIu64 " pages have an IOVA, %" PRIu64 " counted",
			vm->name, known, ex->nr_pages);
		return -EFAULT;
	}
	return 0;
}

int
vmap_extmem_info_get(const struct rte_vmap *vm, struct vmap_extmem_info *info)
{
	struct vmap_extmem *ex;
	unsigned int i;

	if (vm == NULL || vm->extmem == NULL || info == NULL)
		return -EINVAL;
	ex = vm->extmem;
	memset(info, 0, sizeof(*info));
	rte_rwlock_read_lock(&ex->lock);
	info->msl = ex->msl;
	info->nr_devices = ex->nr_devs;
	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		info->nr_pending += ex->new_port[i];
	rte_rwlock_read_unlock(&ex->lock);
	info->nr_pages = __atomic_load_n(&ex->nr_pages, __ATOMIC_RELAXED);
	info->dev_maps = __atomic_load_n(&ex->dev_maps, __ATOMIC_RELAXED);
	info->dev_unmaps = __atomic_load_n(&ex->dev_unmaps, __ATOMIC_RELAXED);
	info->dev_errors = __atomic_load_n(&ex->dev_errors, __ATOMIC_RELAXED);
	return 0;
}
