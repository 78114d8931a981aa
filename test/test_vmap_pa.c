/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * PA mode stays true (issue 14, item 3): a physical address handed to a
 * device must stay the page's for the window's whole life.
 *
 * The kernel moves 4 KiB pages (memory compaction, NUMA balancing;
 * mlock() does not stop it), so the library refuses PA mode on 4 KiB
 * pages unless the IOMMU driver pins what it maps (vfio): ENOTSUP, for
 * RTE_VMAP_IOVA_PA and for AUTO resolving to it. Hugepages are never
 * moved: a PA space on 2 MiB pages keeps every window's IOVA equal to
 * /proc/self/pagemap's address through a compaction of the whole host,
 * while 4 KiB pages of this process, left in half-empty page blocks, do
 * move (the control: it shows the compaction moved something; when it
 * moved nothing, the case has shown nothing and skips, saying so).
 *
 * Without CAP_SYS_ADMIN pagemap shows no physical addresses: a PA space
 * is refused at creation (ENOTSUP, one log line), tried in a child process
 * that dropped the capability.
 *
 * vmap_pa_autotest is in the serial host-tests suite: it compacts the
 * whole host's memory (/proc/sys/vm/compact_memory).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vmap.h>

#include "test.h"
#include "vmap_test_util.h"

#define PA_WINDOWS 1500
/*
 * This process's 4 KiB pages, every other one given back: the ones kept
 * are the control, in half-empty page blocks, what compaction moves first.
 */
#define CONTROL_BYTES (512 * MIB)
#define CONTROL_PAGES (CONTROL_BYTES / (8 * KIB))
#define COMPACT_PATH "/proc/sys/vm/compact_memory"

/* PA on 4 KiB pages: refused with each driver that does not pin; nothing kept. */
static int
test_pa_4k_refused(void)
{
	static const char * const drivers[] = { "none", "sim" };
	struct rte_vmap_params p;
	struct rte_vmap *vm;
	unsigned int i;

	for (i = 0; i < RTE_DIM(drivers); i++) {
		vmap_test_params_4k(&p, "pa_4k");
		p.iova_mode = RTE_VMAP_IOVA_PA;
		p.iommu = drivers[i];
		TEST_ASSERT_NULL(rte_vmap_create(&p), "%s: PA on 4 KiB pages accepted",
			drivers[i]);
		TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "%s: rte_errno %d", drivers[i], rte_errno);
		TEST_ASSERT_NULL(rte_vmap_lookup("pa_4k"), "%s: the refused space is listed",
			drivers[i]);
		/* AUTO follows EAL: PA under EAL's PA mode, and refused the same way. */
		p.iova_mode = RTE_VMAP_IOVA_AUTO;
		vm = rte_vmap_create(&p);
		if (rte_eal_iova_mode() == RTE_IOVA_PA) {
			TEST_ASSERT_NULL(vm, "%s: AUTO (PA) on 4 KiB pages accepted", drivers[i]);
			TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "%s: AUTO: rte_errno %d", drivers[i],
				rte_errno);
		} else {
			TEST_ASSERT_NOT_NULL(vm, "%s: AUTO (VA): %s", drivers[i],
				rte_strerror(rte_errno));
			rte_vmap_destroy(vm);
		}
		/* Nothing was left behind: the name is free, a VA space takes it. */
		p.iova_mode = RTE_VMAP_IOVA_VA;
		vm = rte_vmap_create(&p);
		TEST_ASSERT_NOT_NULL(vm, "%s: VA after the refusal: %s", drivers[i],
			rte_strerror(rte_errno));
		rte_vmap_destroy(vm);
	}
	return TEST_SUCCESS;
}

/* Drop CAP_SYS_ADMIN from this process (a child of the test); 0 or -errno. */
static int
drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -errno;
}

/* In the child: exit 0 if a PA space is refused with ENOTSUP, else a code saying why. */
static void
child_without_cap(void)
{
	struct rte_vmap_params p;
	struct rte_vmap *vm;

	if (drop_sys_admin() != 0)
		_exit(2);
	vmap_test_params(&p, "pa_nocap");
	p.page_size = RTE_VMAP_PAGE_2M;
	p.iova_mode = RTE_VMAP_IOVA_PA;
	vm = rte_vmap_create(&p);
	if (vm != NULL)
		_exit(3);
	_exit(rte_errno == ENOTSUP ? 0 : 4);
}

static int
test_pa_without_cap_sys_admin_refused(void)
{
	int status;
	pid_t pid;

	if (vmap_test_free_hugepages() < 8) {
		printf("SKIP: fewer than 8 free 2 MiB hugepages: no PA space to try\n");
		return TEST_SKIPPED;
	}
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		child_without_cap();
	TEST_ASSERT_EQUAL(waitpid(pid, &status, 0), pid, "waitpid: %s", strerror(errno));
	TEST_ASSERT(WIFEXITED(status), "the child died (status 0x%x)", status);
	TEST_ASSERT(WEXITSTATUS(status) != 2, "the child could not drop CAP_SYS_ADMIN");
	TEST_ASSERT(WEXITSTATUS(status) != 3, "PA space created without CAP_SYS_ADMIN");
	TEST_ASSERT_EQUAL(WEXITSTATUS(status), 0, "refused, but not with ENOTSUP");
	return TEST_SUCCESS;
}

/* Why the compaction case cannot run here, or NULL. */
static const char *
compaction_missing(int pagemap)
{
	static char why[160];
	char probe = 1; /* on the stack: a present page */
	unsigned long nfree = vmap_test_free_hugepages();

	if (nfree < VMAP_TEST_MIN_HUGEPAGES) {
		snprintf(why, sizeof(why), "fewer than %u free 2 MiB hugepages (%lu)",
			VMAP_TEST_MIN_HUGEPAGES, nfree);
		return why;
	}
	if (pagemap < 0)
		return "/proc/self/pagemap cannot be opened";
	if (vmap_test_pagemap_pa(pagemap, &probe) == 0)
		return "pagemap shows no frame numbers (CAP_SYS_ADMIN is needed)";
	if (access(COMPACT_PATH, W_OK) != 0)
		return COMPACT_PATH " is not writable (root is needed)";
	return NULL;
}

/* 4 KiB pages of this process, each touched; NULL on failure. */
static char *
touched_4k(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		return NULL;
	/* No transparent hugepages: the control must be 4 KiB pages. */
	madvise(p, len, MADV_NOHUGEPAGE);
	for (off = 0; off < len; off += 4 * KIB)
		p[off] = (char)(off >> 12);
	return p;
}

/* Free every other 4 KiB page of p: the kept ones are the control's pages. */
static void
fragment(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += 8 * KIB)
		madvise(p + off, 4 * KIB, MADV_DONTNEED);
}

/* The kth page of the control: the odd pages, which fragment() kept. */
static inline const char *
control_page(const char *control, size_t k)
{
	return control + k * 8 * KIB + 4 * KIB;
}

static int
compact_all(void)
{
	int fd = open(COMPACT_PATH, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, "1", 1);
	close(fd);
	return n == 1 ? 0 : -EIO;
}

struct pa_case {
	struct rte_vmap *vm;
	int pagemap;
	char *win[PA_WINDOWS];
	size_t size[PA_WINDOWS];
	rte_iova_t iova[PA_WINDOWS];
	char *control;
	uint64_t *control_pa;
};

/* Windows of 4-64 KiB, normal and block, with their IOVAs checked against pagemap. */
static int
pa_windows(struct pa_case *c)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int i;
	uint64_t pa;

	for (i = 0; i < PA_WINDOWS; i++) {
		c->size[i] = (1 + vmap_test_rand(&seed) % 16) * 4 * KIB;
		c->win[i] = (i % 2) != 0 ? rte_vmap_block_alloc(c->vm, c->size[i]) :
			rte_vmap_alloc(c->vm, c->size[i], 0, SOCKET_ID_ANY);
		TEST_ASSERT_NOT_NULL(c->win[i], "window %u: %s", i, rte_strerror(rte_errno));
		memset(c->win[i], (int)i, c->size[i]);
		c->iova[i] = rte_vmap_virt2iova(c->vm, c->win[i]);
		pa = vmap_test_pagemap_pa(c->pagemap, c->win[i]);
		TEST_ASSERT(pa != 0 && c->iova[i] == pa, "window %u: IOVA 0x%" PRIx64
			", pagemap 0x%" PRIx64, i, c->iova[i], pa);
	}
	return TEST_SUCCESS;
}

/* Every 4 KiB page of every window: the IOVA is what it was, and pagemap's. */
static int
pa_windows_unmoved(struct pa_case *c, unsigned int *pages)
{
	rte_iova_t iova;
	unsigned int i;
	uint64_t pa;
	size_t off;

	*pages = 0;
	for (i = 0; i < PA_WINDOWS; i++) {
		TEST_ASSERT_EQUAL(rte_vmap_virt2iova(c->vm, c->win[i]), c->iova[i],
			"window %u: virt2iova changed", i);
		for (off = 0; off < c->size[i]; off += 4 * KIB) {
			pa = vmap_test_pagemap_pa(c->pagemap, c->win[i] + off);
			iova = rte_vmap_virt2iova(c->vm, c->win[i] + off);
			TEST_ASSERT_EQUAL(pa, iova, "window %u +%zu: pagemap 0x%" PRIx64
				", IOVA 0x%" PRIx64 ": the page moved", i, off, pa, iova);
			(*pages)++;
		}
		TEST_ASSERT_EQUAL((unsigned char)c->win[i][c->size[i] - 1], (unsigned char)i,
			"window %u: bytes changed", i);
	}
	return TEST_SUCCESS;
}

static unsigned int
control_moved(const struct pa_case *c)
{
	unsigned int moved = 0;
	size_t k;

	for (k = 0; k < CONTROL_PAGES; k++)
		if (vmap_test_pagemap_pa(c->pagemap, control_page(c->control, k)) !=
				c->control_pa[k])
			moved++;
	return moved;
}

static int
pa_compaction_steps(struct pa_case *c)
{
	unsigned int pages, moved;
	size_t k;
	int ret;

	c->control = touched_4k(CONTROL_BYTES);
	c->control_pa = calloc(CONTROL_PAGES, sizeof(*c->control_pa));
	TEST_ASSERT(c->control != NULL && c->control_pa != NULL, "no memory for the control");
	fragment(c->control, CONTROL_BYTES);
	for (k = 0; k < CONTROL_PAGES; k++)
		c->control_pa[k] = vmap_test_pagemap_pa(c->pagemap, control_page(c->control, k));
	ret = pa_windows(c);
	if (ret != TEST_SUCCESS)
		return ret;
	VMAP_TEST_VERIFY(c->vm);
	TEST_ASSERT_SUCCESS(compact_all(), "writing " COMPACT_PATH);
	moved = control_moved(c);
	ret = pa_windows_unmoved(c, &pages);
	printf("PA: %u windows, %u pages of 4 KiB checked after the compaction, none moved;"
		" control: %u of %zu 4 KiB pages moved\n", PA_WINDOWS, pages, moved,
		CONTROL_PAGES);
	if (ret != TEST_SUCCESS)
		return ret;
	VMAP_TEST_VERIFY(c->vm);
	if (moved == 0) {
		printf("SKIP: the compaction moved none of the control's 4 KiB pages: "
			"nothing was shown\n");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
test_pa_hugepages_survive_compaction(void)
{
	struct rte_vmap_params p;
	struct pa_case *c;
	const char *why;
	unsigned int i;
	int ret;

	c = calloc(1, sizeof(*c));
	TEST_ASSERT_NOT_NULL(c, "no memory");
	c->pagemap = open("/proc/self/pagemap", O_RDONLY);
	why = compaction_missing(c->pagemap);
	if (why != NULL) {
		printf("SKIP: %s\n", why);
		ret = TEST_SKIPPED;
		goto out;
	}
	vmap_test_params(&p, "pa_compact");
	p.page_size = RTE_VMAP_PAGE_2M;
	p.iova_mode = RTE_VMAP_IOVA_PA;
	c->vm = rte_vmap_create(&p);
	if (c->vm == NULL) {
		printf("create: %s\n", rte_strerror(rte_errno));
		ret = TEST_FAILED;
		goto out;
	}
	ret = pa_compaction_steps(c);
	for (i = 0; i < PA_WINDOWS && c->win[i] != NULL; i++) {
		if (((i % 2) != 0 ? rte_vmap_block_free(c->vm, c->win[i], c->size[i]) :
				rte_vmap_free(c->vm, c->win[i])) != 0)
			ret = TEST_FAILED;
	}
	if (rte_vmap_verify(c->vm) != 0)
		ret = TEST_FAILED;
out:
	rte_vmap_destroy(c->vm);
	if (c->control != NULL)
		munmap(c->control, CONTROL_BYTES);
	free(c->control_pa);
	if (c->pagemap >= 0)
		close(c->pagemap);
	free(c);
	return ret;
}

static struct unit_test_suite pa_suite = {
	.suite_name = "vmap PA mode stays true",
	.unit_test_cases = {
		TEST_CASE(test_pa_4k_refused),
		TEST_CASE(test_pa_without_cap_sys_admin_refused),
		TEST_CASE(test_pa_hugepages_survive_compaction),
		TEST_CASES_END()
	}
};

static int
test_vmap_pa(void)
{
	return unit_test_suite_runner(&pa_suite);
}

/* A host test: it compacts the host's memory (PA windows on hugepages do not move). */
REGISTER_HOST_TEST(vmap_pa_autotest, test_vmap_pa);
