/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The kernel log, for the real-DMA suites (dma_harness.h): whether the
 * IOMMU refused a DMA, and at which address. The Intel IOMMU driver of
 * Linux 6.1 logs each fault it reports as
 *
 *   DMAR: [DMA Read NO_PASID] Request device [00:10.0] fault addr 0x7f2c5a600000
 *         [fault reason 0x06] PTE Read access is not set
 *
 * (one line; the address is the page of the faulting IOVA), preceded by
 * "DMAR: DRHD: handling fault status reg ...". Both are ratelimited
 * together: 10 lines per 5 s, the rest dropped without a trace, hence
 * dma_fault_pace().
 *
 * /dev/kmsg gives one record per read(), "prio,seq,usec,flags;text\n",
 * and tells EPIPE when records were overwritten before they were read.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "dma_harness.h"

#define KMSG_RECORD_MAX 8192
/* 5 s of ratelimit / 5 faults, with a margin. */
#define FAULT_SPACING_MS 1200

static uint64_t last_fault_cycles;

int
dma_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

void
dma_kmsg_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The page address a DMAR fault line names, or RTE_BAD_IOVA if none. */
static rte_iova_t
fault_addr(const char *text)
{
	const char *p;

	if (strstr(text, "DMAR") == NULL)
		return RTE_BAD_IOVA;
	p = strstr(text, "fault addr 0x");
	if (p == NULL)
		return RTE_BAD_IOVA;
	return strtoull(p + strlen("fault addr "), NULL, 16);
}

unsigned int
dma_kmsg_faults(int fd, rte_iova_t iova, bool *named, char *line, size_t size)
{
	char rec[KMSG_RECORD_MAX];
	unsigned int faults = 0;
	const char *text;
	rte_iova_t addr;
	ssize_t len;
	char *nl;

	*named = false;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		text = strchr(rec, ';');
		text = text != NULL ? text + 1 : rec;
		nl = strchr(text, '\n');
		if (nl != NULL)
			*nl = '\0';
		addr = fault_addr(text);
		if (addr == RTE_BAD_IOVA)
			continue;
		faults++;
		printf("dma: kernel: %s\n", text);
		if (iova != RTE_BAD_IOVA && (addr >> 12) == (iova >> 12)) {
			*named = true;
			if (line != NULL && size > 0)
				snprintf(line, size, "%s", text);
		}
	}
	return faults;
}

void
dma_fault_pace(void)
{
	uint64_t spacing = rte_get_timer_hz() / 1000 * FAULT_SPACING_MS;
	uint64_t now = rte_get_timer_cycles();

	if (last_fault_cycles != 0 && now - last_fault_cycles < spacing)
		rte_delay_us_sleep((spacing - (now - last_fault_cycles)) * 1000000 /
			rte_get_timer_hz());
	last_fault_cycles = rte_get_timer_cycles();
}
