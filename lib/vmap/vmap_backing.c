/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Backing pages: hugepages (or ordinary pages) mapped into the reservation.
 *
 * Windows are 4 KiB granular but backing pages may be 2 MiB or 1 GiB, so
 * small neighbours share a page. Every page has a reference count: the
 * windows (live or pooled) that overlap it. A page wholly inside one window
 * can be touched by nobody else, so such pages are mapped and released in
 * runs, without locks. Only the (at most two) pages a window covers in part
 * can be shared; their 0 <-> 1 transitions take a stripe lock, and other
 * references move with a compare-and-swap.
 *
 * A page is mapped away from the reservation first (placed on its socket
 * and faulted in there), then moved over the PROT_NONE reservation with
 * mremap(): if memory runs out, the reservation is never left with a hole
 * another thread's mmap() could fall into. Giving a page back maps
 * PROT_NONE over it, again without a hole.
 *
 * A shared space (RTE_VMAP_F_SHARED) takes its pages from one memfd, file
 * offset = address - map_base, which every attached secondary maps whole
 * over the same range: a page the owner faults in is seen everywhere at
 * once, and punching it out of the file takes it from every process, as
 * DPDK's EAL does with its hugepage files.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>

#include <rte_errno.h>
#include <rte_per_lcore.h>

#include "vmap_private.h"
#include "vmap_fault.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void *
table_map(size_t bytes)
{
	void *p = vmap_fault_mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int
vmap_backing_probe(size_t page_size)
{
	char path[128];
	unsigned long nr = 0;
	FILE *f;

	if (page_size == RTE_VMAP_PAGE_4K)
		return 0;
	snprintf(path, sizeof(path),
		"/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages", page_size >> 10);
	f = fopen(path, "r");
	if (f == NULL) {
		VMAP_LOG(ERR, "this system has no %zu kB hugepages (no %s: the CPU or the "
			"kernel lacks them): use a smaller page_size", page_size >> 10, path);
		return -ENOTSUP;
	}
	if (fscanf(f, "%lu", &nr) != 1)
		nr = 0;
	fclose(f);
	/* devtools/setup.sh reserves 2 MiB pages only: no hint to run it for 1 GiB. */
	if (nr == 0) {
		VMAP_LOG(ERR, "no %zu kB hugepages reserved on this system: reserve them as "
			"root (echo N > %s)%s, or use a smaller page_size", page_size >> 10, path,
			page_size == RTE_VMAP_PAGE_2M ? " or run devtools/setup.sh" : "");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Whether a physical address read from pagemap stays the page's for the
 * window's life. Hugepages are never moved by the kernel; 4 KiB pages are
 * (compaction, NUMA balancing, and mlock() does not stop it), unless the
 * IOMMU driver pins them. DPDK's EAL draws the same line: without
 * hugepages it reports physical addresses unavailable.
 */
static bool
pa_stays_true(const struct rte_vmap *vm)
{
	if (vm->backing.page_size != RTE_VMAP_PAGE_4K ||
			(vm->iommu->flags & RTE_VMAP_IOMMU_F_PINS) != 0)
		return true;
	VMAP_LOG(ERR, "%s: PA mode on 4 KiB pages with the \"%s\" driver: the kernel may "
		"move a 4 KiB page (compaction, NUMA balancing; mlock() does not stop it) and "
		"a device would keep its old physical address; use 2M or 1G pages, IOVA mode "
		"VA or DOMAIN, or the \"vfio\" driver, which pins", vm->name, vm->iommu->name);
	return false;
}

/*
 * The frame number of a pagemap entry: bit 63 present, bits 0-54 the
 * frame (0 without CAP_SYS_ADMIN). 0 when it shows none.
 */
static inline uint64_t
pagemap_frame(uint64_t ent)
{
	return (ent >> 63) != 0 ? ent & ((UINT64_C(1) << 55) - 1) : 0;
}

/*
 * Whether pagemap (opened on fd) gives frame numbers: the kernel shows
 * them only if the opener had CAP_SYS_ADMIN, else 0 for every page. Told
 * at creation rather than by the space's first allocation.
 */
static bool
pagemap_shows_frames(int fd)
{
	volatile char probe = 1; /* on the stack: a present page */
	uint64_t ent;

	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)&probe >> 12) * 8) != sizeof(ent))
		return false;
	return pagemap_frame(ent) != 0;
}

/*
 * The file a shared space's pages come from: a sparse memfd of map_len
 * bytes (hugetlbfs for hugepages: no page is reserved before it is used).
 */
static int
backing_file(struct rte_vmap *vm)
{
	struct vmap_backing *bk = &vm->backing;
	unsigned int mfd = MFD_CLOEXEC;
	char name[RTE_VMAP_NAMESIZE + 8];
	int fd;

	if (bk->page_size != RTE_VMAP_PAGE_4K)
		mfd |= MFD_HUGETLB | (bk->page_shift << MFD_HUGE_SHIFT);
	snprintf(name, sizeof(name), "vmap:%s", vm->name);
	fd = memfd_create(name, mfd);
	if (fd < 0 || ftruncate(fd, (off_t)vm->map_len) != 0) {
		int err = errno;

		VMAP_LOG(ERR, "%s: cannot create the shared backing file: %s", vm->name,
			strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	vm->backing_fd = fd;
	return 0;
}

int
vmap_backing_init(struct rte_vmap *vm)
{
	struct vmap_backing *bk = &vm->backing;
	unsigned int i;

	bk->page_shift = rte_log2_u64(bk->page_size);
	bk->nr_pages = vm->map_len >> bk->page_shift;
	bk->mem_limit = vm->params.mem_limit;
	bk->mmap_flags = 0;
	if (bk->page_size != RTE_VMAP_PAGE_4K)
		bk->mmap_flags = MAP_HUGETLB | (int)(bk->page_shift << MAP_HUGE_SHIFT);
	/* Sparse tables: only the parts covering used pages are ever touched. */
	bk->refcnt = table_map(bk->nr_pages * sizeof(*bk->refcnt));
	bk->phys = table_map(bk->nr_pages * sizeof(*bk->phys));
	if (bk->refcnt == NULL || bk->phys == NULL) {
		vmap_backing_fini(vm);
		return -ENOMEM;
	}
	for (i = 0; i < VMAP_BACKING_STRIPES; i++)
		rte_spinlock_init(&bk->stripe[i]);
	bk->pagemap_fd = -1;
	if ((vm->flags & RTE_VMAP_F_SHARED) != 0) {
		int ret = backing_file(vm);

		if (ret != 0) {
			vmap_backing_fini(vm);
			return ret;
		}
	}
	if (vm->iova_mode == RTE_VMAP_IOVA_PA && !pa_stays_true(vm)) {
		vmap_backing_fini(vm);
		return -ENOTSUP;
	}
	if (vm->iova_mode == RTE_VMAP_IOVA_PA) {
		bk->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		if (bk->pagemap_fd < 0) {
			VMAP_LOG(ERR, "%s: PA mode needs /proc/self/pagemap: %s", vm->name,
				strerror(errno));
			vmap_backing_fini(vm);
			return -ENOTSUP;
		}
		if (!pagemap_shows_frames(bk->pagemap_fd)) {
			VMAP_LOG(ERR, "%s: PA mode needs physical addresses, and "
				"/proc/self/pagemap shows them only to a process with "
				"CAP_SYS_ADMIN: run as root, or use IOVA mode VA or DOMAIN",
				vm->name);
			vmap_backing_fini(vm);
			return -ENOTSUP;
		}
	}
	return 0;
}

void
vmap_backing_fini(struct rte_vmap *vm)
{
	struct vmap_backing *bk = &vm->backing;

	if (bk->refcnt != NULL)
		munmap(bk->refcnt, bk->nr_pages * sizeof(*bk->refcnt));
	if (bk->phys != NULL)
		munmap(bk->phys, bk->nr_pages * sizeof(*bk->phys));
	if (bk->pagemap_fd >= 0)
		close(bk->pagemap_fd);
	if (vm->backing_fd >= 0) {
		/* Out of the file too: a secondary still attached keeps no page. */
		fallocate(vm->backing_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			(off_t)vm->map_len);
		close(vm->backing_fd);
		vm->backing_fd = -1;
	}
	bk->refcnt = NULL;
	bk->phys = NULL;
	bk->pagemap_fd = -1;
}

static inline uintptr_t
page_addr(const struct rte_vmap *vm, uint64_t idx)
{
	return vm->map_base + (idx << vm->backing.page_shift);
}

/*
 * Physical addresses of a run, from /proc/self/pagemap in one read.
 * Hand-rolled rather than rte_mem_virt2phy(), which opens and reads the
 * file once per page: a 4 KiB-page window of 32 MiB would pay 8192 opens.
 */
static int
read_phys(struct rte_vmap *vm, uint64_t idx, uint64_t n)
{
	struct vmap_backing *bk = &vm->backing;
	uint64_t i, vpn = page_addr(vm, idx) >> 12;
	uint64_t step = bk->page_size >> 12;
	uint64_t ent, pfn;

	for (i = 0; i < n; i++) {
		off_t off = (off_t)((vpn + i * step) * sizeof(ent));

		if (pread(bk->pagemap_fd, &ent, sizeof(ent), off) != sizeof(ent)) {
			VMAP_LOG(ERR, "%s: cannot read /proc/self/pagemap", vm->name);
			return -EIO;
		}
		pfn = pagemap_frame(ent);
		if (pfn == 0) {
			VMAP_LOG(ERR, "no physical address for page at 0x%" PRIxPTR
				" (PA mode needs root)", page_addr(vm, idx + i));
			return -ENOTSUP;
		}
		bk->phys[idx + i] = pfn << 12;
	}
	return 0;
}

static int
charge(struct vmap_backing *bk, uint64_t bytes)
{
	uint64_t used = __atomic_add_fetch(&bk->mem_used, bytes, __ATOMIC_RELAXED);

	if (bk->mem_limit != 0 && used > bk->mem_limit) {
		__atomic_sub_fetch(&bk->mem_used, bytes, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	return 0;
}

/* Fault in every page of new backing: -1 and errno if memory runs short. */
static int
populate(void *addr, size_t len)
{
	if (VMAP_FAULT(RTE_VMAP_FAULT_POPULATE)) {
		errno = ENOMEM;
		return -1;
	}
	return madvise(addr, len, MADV_POPULATE_WRITE);
}

/* Move new backing over the reservation at dst: MAP_FAILED and errno on error. */
static void *
move_in(void *tmp, size_t len, void *dst)
{
	if (VMAP_FAULT(RTE_VMAP_FAULT_MREMAP)) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
}

/* A shared space: pages [idx, idx + n) out of the file, so out of every process. */
static void
file_punch(struct rte_vmap *vm, uint64_t idx, uint64_t n)
{
	unsigned int shift = vm->backing.page_shift;

	if (vm->backing_fd >= 0 && fallocate(vm->backing_fd,
			FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(idx << shift),
			(off_t)(n << shift)) != 0)
		VMAP_LOG(ERR, "%s: cannot give back shared backing at 0x%" PRIxPTR ": %s",
			vm->name, page_addr(vm, idx), strerror(errno));
}

/* Map n pages from idx: placed on the socket, faulted in, moved in place. */
static int
map_run(struct rte_vmap *vm, uint64_t idx, uint64_t n, unsigned int socket_idx)
{
	struct vmap_backing *bk = &vm->backing;
	size_t len = n << bk->page_shift;
	void *tmp, *dst = (void *)page_addr(vm, idx);
	int ret;

	ret = charge(bk, len);
	if (ret != 0)
		return ret;
	if (vm->backing_fd >= 0)
		tmp = vmap_fault_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			vm->backing_fd, (off_t)(idx << bk->page_shift));
	else
		tmp = vmap_fault_mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | bk->mmap_flags, -1, 0);
	if (tmp == MAP_FAILED) {
		ret = -ENOMEM;
		goto uncharge;
	}
	/*
	 * Hugepages are strict, as rte_malloc_socket(): MPOL_BIND, so a socket
	 * without free hugepages fails the populate below (ENOMEM, nothing
	 * kept) instead of silently taking another node's pages (the window's
	 * socket is its arena's, so rte_vmap_find() would then be wrong).
	 * SOCKET_ID_ANY falls back to another arena (vmap_alloc.c). 4 KiB
	 * pages stay a preference: under MPOL_BIND a full node reclaims and
	 * OOM-kills rather than failing. If the policy cannot even be asked
	 * for, the memory goes where the kernel puts it, as on a machine
	 * without NUMA policy calls.
	 */
	if (vmap_topo_place(&vm->topo, socket_idx, tmp, len,
			bk->page_size != RTE_VMAP_PAGE_4K) != 0)
		VMAP_LOG(WARNING, "%s: backing at 0x%" PRIxPTR " not placed on socket %d",
			vm->name, (uintptr_t)dst, vm->topo.socket_id[socket_idx]);
	/*
	 * Fault in now, so that a shortage fails here and not as SIGBUS later
	 * (MADV_POPULATE_WRITE returns EFAULT where a touch of bound hugetlb
	 * memory would raise SIGBUS).
	 */
	if (populate(tmp, len) != 0) {
		ret = -ENOMEM;
		goto unmap;
	}
	if (move_in(tmp, len, dst) == MAP_FAILED) {
		ret = -errno;
		VMAP_LOG(ERR, "cannot move backing into the reservation: %s", strerror(errno));
		goto unmap;
	}
	if (bk->pagemap_fd >= 0)
		ret = read_phys(vm, idx, n);
	/* RTE_VMAP_F_EXTMEM: memsegs get the IOVAs, devices the DMA maps (vmap_extmem.c). */
	if (ret == 0 && vm->extmem != NULL)
		ret = vmap_extmem_map(vm, idx, n);
	if (ret != 0) {
		mmap(dst, len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		goto punch;
	}
	vmap_space_changed(vm);
	return 0;
unmap:
	munmap(tmp, len);
punch:
	file_punch(vm, idx, n);
uncharge:
	__atomic_sub_fetch(&bk->mem_used, len, __ATOMIC_RELAXED);
	return ret;
}

/* Bytes this thread gave back (vmap_backing_released()); only it writes them. */
static RTE_DEFINE_PER_LCORE(uint64_t, backing_released);

uint64_t
vmap_backing_released(void)
{
	return RTE_PER_LCORE(backing_released);
}

static void
unmap_run(struct rte_vmap *vm, uint64_t idx, uint64_t n)
{
	struct vmap_backing *bk = &vm->backing;
	size_t len = n << bk->page_shift;

	/* RTE_VMAP_F_EXTMEM: devices lose the pages before the memory goes. */
	if (vm->extmem != NULL)
		vmap_extmem_unmap(vm, idx, n);
	/* Replacing the pages with the reservation frees them, with no hole. */
	if (mmap((void *)page_addr(vm, idx), len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
			-1, 0) == MAP_FAILED)
		VMAP_LOG(ERR, "cannot return backing at 0x%" PRIxPTR ": %s",
			page_addr(vm, idx), strerror(errno));
	file_punch(vm, idx, n);
	__atomic_sub_fetch(&bk->mem_used, len, __ATOMIC_RELAXED);
	RTE_PER_LCORE(backing_released) += len;
	vmap_space_changed(vm);
}

/* Reference a page other windows may share. */
static int
get_shared(struct rte_vmap *vm, uint64_t idx, unsigned int socket_idx)
{
	struct vmap_backing *bk = &vm->backing;
	uint32_t *ref = &bk->refcnt[idx];
	uint32_t c = __atomic_load_n(ref, __ATOMIC_ACQUIRE);
	rte_spinlock_t *lock;
	int ret = 0;

	while (c != 0)
		if (__atomic_compare_exchange_n(ref, &c, c + 1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			return 0;
	lock = &bk->stripe[idx % VMAP_BACKING_STRIPES];
	rte_spinlock_lock(lock);
	if (__atomic_load_n(ref, __ATOMIC_ACQUIRE) == 0)
		ret = map_run(vm, idx, 1, socket_idx);
	if (ret == 0)
		__atomic_add_fetch(ref, 1, __ATOMIC_RELEASE);
	rte_spinlock_unlock(lock);
	return ret;
}

/* Drop a reference on a page other windows may share. */
static void
put_shared(struct rte_vmap *vm, uint64_t idx)
{
	struct vmap_backing *bk = &vm->backing;
	uint32_t *ref = &bk->refcnt[idx];
	uint32_t c = __atomic_load_n(ref, __ATOMIC_ACQUIRE);
	rte_spinlock_t *lock;

	while (c > 1)
		if (__atomic_compare_exchange_n(ref, &c, c - 1, false,
				__ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
			return;
	lock = &bk->stripe[idx % VMAP_BACKING_STRIPES];
	rte_spinlock_lock(lock);
	if (__atomic_sub_fetch(ref, 1, __ATOMIC_ACQ_REL) == 0)
		unmap_run(vm, idx, 1);
	rte_spinlock_unlock(lock);
}

/* Pages [*first, *last] of a range, and which ends are only partly covered. */
static void
page_span(const struct rte_vmap *vm, uintptr_t start, size_t size,
	uint64_t *first, uint64_t *last, bool *head_shared, bool *tail_shared)
{
	const struct vmap_backing *bk = &vm->backing;
	uintptr_t off = start - vm->map_base;
	uint64_t mask = bk->page_size - 1;

	*first = off >> bk->page_shift;
	*last = (off + size - 1) >> bk->page_shift;
	*head_shared = (off & mask) != 0 || (*first == *last && ((off + size) & mask) != 0);
	*tail_shared = *last != *first && ((off + size) & mask) != 0;
}

int
vmap_backing_get(struct rte_vmap *vm, uintptr_t start, size_t size,
		unsigned int socket_idx)
{
	uint64_t first, last, i, lo, hi;
	bool head, tail;
	int ret;

	page_span(vm, start, size, &first, &last, &head, &tail);
	lo = first + (head ? 1 : 0);
	hi = last + 1 - (tail ? 1 : 0);
	if (head) {
		ret = get_shared(vm, first, socket_idx);
		if (ret != 0)
			return ret;
	}
	if (tail) {
		ret = get_shared(vm, last, socket_idx);
		if (ret != 0)
			goto undo_head;
	}
	if (lo < hi) {
		ret = map_run(vm, lo, hi - lo, socket_idx);
		if (ret != 0)
			goto undo_tail;
		for (i = lo; i < hi; i++)
			__atomic_store_n(&vm->backing.refcnt[i], 1, __ATOMIC_RELEASE);
	}
	return 0;
undo_tail:
	if (tail)
		put_shared(vm, last);
undo_head:
	if (head)
		put_shared(vm, first);
	return ret;
}

void
vmap_backing_put(struct rte_vmap *vm, uintptr_t start, size_t size)
{
	uint64_t first, last, i, lo, hi;
	bool head, tail;

	page_span(vm, start, size, &first, &last, &head, &tail);
	lo = first + (head ? 1 : 0);
	hi = last + 1 - (tail ? 1 : 0);
	if (lo < hi) {
		for (i = lo; i < hi; i++)
			__atomic_store_n(&vm->backing.refcnt[i], 0, __ATOMIC_RELEASE);
		unmap_run(vm, lo, hi - lo);
	}
	if (tail)
		put_shared(vm, last);
	if (head)
		put_shared(vm, first);
}

void
vmap_backing_split(struct rte_vmap *vm, uintptr_t addr)
{
	uintptr_t off = addr - vm->map_base;

	if ((off & (vm->backing.page_size - 1)) != 0)
		__atomic_add_fetch(&vm->backing.refcnt[off >> vm->backing.page_shift], 1,
			__ATOMIC_RELAXED);
}

uint64_t
vmap_backing_phys(const struct rte_vmap *vm, uintptr_t addr)
{
	const struct vmap_backing *bk = &vm->backing;
	uintptr_t off = addr - vm->map_base;

	return bk->phys[off >> bk->page_shift] + (off & (bk->page_size - 1));
}
