/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Walks over every block of a space, through the lcore tables (never
 * through the owners' state: a block its owner no longer carves is in no
 * owner's hands, and the 2023 vm_unmap_aliases() bug, fc1e0d980037, was a
 * walk that missed such blocks):
 *
 * - the purge pass (rte_vmap_purge(), reclaim, destroy), purging first as
 *   the kernel's _vm_unmap_aliases() has since 2023: in one pass under
 *   purge_lock, an idle block with nothing live is taken from
 *   its owner and its host joins the lazy lists (its windows were unmapped
 *   at block_free, so only the flush is owed, with the rest of the batch);
 *   every other block's dirty range is handed to the batch's flush and
 *   reset in the same step, so no range is counted twice;
 * - statistics, verify, dump.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_pause.h>

#include "vmap_block.h"

/* ---- the purge pass ----------------------------------------------------- */

/* Dirt of one block, in VA (and its IOVA in DOMAIN mode), to flush. */
struct dirt_span {
	uintptr_t va;
	size_t len;
	rte_iova_t iova;
	uint8_t flags;
};

/* An idle block to take from its owner. */
struct seal_ref {
	struct vmap_block *b;
	uintptr_t start;
};

struct purge_pass {
	bool force;
	struct dirt_span *spans;
	size_t nr_spans;
	size_t cap_spans;
	struct seal_ref *seals;
	size_t nr_seals;
	size_t cap_seals;
	struct vmap_lcore_set owners; /* of the seals, read under their locks */
	bool barrier; /* the owners can be made to see a seal now (membarrier) */
	bool full; /* an array was full: walk again after growing it */
	bool lazy_moved; /* a block's flushed count changed: va_lazy did */
};

/* With b locked: reset its dirt into a span of the pass (counted once). */
static void
fold_dirt(struct purge_pass *pp, struct vmap_block *b)
{
	uint64_t lazy, dirt;
	uint32_t lo, hi;

	if (pp->nr_spans == pp->cap_spans) {
		/* Only a block with dirt needs another walk. */
		if (__atomic_load_n(&b->own.dirt, __ATOMIC_RELAXED) != VMAP_DIRT_NONE ||
				b->shared.dirt != VMAP_DIRT_NONE)
			pp->full = true;
		return;
	}
	/* Bytes first: the owner stores a range before the bytes that need it. */
	lazy = __atomic_load_n(&b->own.lazy, __ATOMIC_ACQUIRE) + b->shared.lazy;
	dirt = __atomic_exchange_n(&b->own.dirt, VMAP_DIRT_NONE, __ATOMIC_ACQ_REL);
	lo = RTE_MIN((uint32_t)dirt, (uint32_t)b->shared.dirt);
	hi = RTE_MAX((uint32_t)(dirt >> 32), (uint32_t)(b->shared.dirt >> 32));
	b->shared.dirt = VMAP_DIRT_NONE;
	/* Even with no span to flush (its dirt went with an earlier one), va_lazy moved. */
	if (b->flushed != lazy)
		pp->lazy_moved = true;
	b->flushed = lazy;
	if (lo >= hi)
		return;
	pp->spans[pp->nr_spans++] = (struct dirt_span){
		.va = b->start + ((uintptr_t)lo << VMAP_GRANULE_SHIFT),
		.len = (size_t)(hi - lo) << VMAP_GRANULE_SHIFT,
		.iova = b->host->iova + ((rte_iova_t)lo << VMAP_GRANULE_SHIFT),
		.flags = b->host->flags & VMAP_AREA_F_IOVA,
	};
}

/*
 * An ACTIVE block worth taking from its owner: carved, nothing live, and
 * (kernel purge_fragmented_block) little left to carve unless forced.
 */
static bool
idle_block(const struct purge_pass *pp, const struct vmap_block *b)
{
	uint32_t next = __atomic_load_n(&b->next, __ATOMIC_RELAXED);

	return b->state == VMAP_BLOCK_ACTIVE && vmap_block_live(b) == 0 && next != 0 &&
		(pp->force || VMAP_BLOCK_GRANULES - next < VMAP_BLOCK_GRANULES / 4);
}

int
vmap_blocks_walk(struct vmap_blocks *bs, bool peek,
		int (*fn)(struct vmap_block *b, unsigned int table, void *arg), void *arg)
{
	struct vmap_block_queue *t;
	struct vmap_block *b;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < RTE_MAX_LCORE && ret == 0; i++) {
		t = &bs->q[i];
		/* Acquire: an empty table's last death is seen (vmap_blocks_purge()). */
		if (peek && __atomic_load_n(&t->table_len, __ATOMIC_ACQUIRE) == 0)
			continue;
		rte_spinlock_lock(&t->table_lock);
		TAILQ_FOREACH(b, &t->table, table_link) {
			rte_spinlock_lock(&b->lock);
			ret = fn(b, i, arg);
			rte_spinlock_unlock(&b->lock);
			if (ret != 0)
				break;
		}
		rte_spinlock_unlock(&t->table_lock);
	}
	return ret;
}

/* Phase 1 walk: mark idle blocks (seal) and list them for take_idle(). */
static int
pick_idle(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	struct purge_pass *pp = arg;

	/* Atomic: an lcore that goes (queue_retire()) stores it without the lock. */
	if (__atomic_load_n(&b->seal, __ATOMIC_RELAXED) || !idle_block(pp, b))
		return 0;
	if (!pp->barrier) {
		/* Ask: the owner seals it at its next call. */
		__atomic_store_n(&b->seal, 1, __ATOMIC_RELAXED);
	} else if (pp->nr_seals < pp->cap_seals) {
		__atomic_store_n(&b->seal, 1, __ATOMIC_RELAXED);
		vmap_lcore_set_add(&pp->owners, b->owner);
		pp->seals[pp->nr_seals].b = b;
		pp->seals[pp->nr_seals++].start = b->start;
	} else {
		pp->full = true;
	}
	return 0;
}

/* Phase 2 walk: every live block's dirt into the pass, reset. */
static int
fold_block(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	if (b->state == VMAP_BLOCK_ACTIVE || b->state == VMAP_BLOCK_SEALED)
		fold_dirt(arg, b);
	return 0;
}

static bool
grow(void **arr, size_t *cap, size_t elt)
{
	size_t n = *cap * 2 + 16;
	void *p = vmap_fault_realloc(*arr, n * elt);

	if (p == NULL)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

/* Take the picked blocks from their owners: the empty ones die. */
static void
take_idle(struct rte_vmap *vm, struct vmap_blocks *bs, struct purge_pass *pp)
{
	struct vmap_block *b;
	bool dead;
	size_t i;

	/* Without a barrier, the owners seal them at their next call. */
	if (!vmap_blocks_quiesce(bs, &pp->owners))
		return;
	for (i = 0; i < pp->nr_seals; i++) {
		b = pp->seals[i].b;
		rte_spinlock_lock(&b->lock);
		/* The owner may have sealed it meanwhile (and it may be another block now). */
		if (b->state != VMAP_BLOCK_ACTIVE || b->start != pp->seals[i].start ||
				!__atomic_load_n(&b->seal, __ATOMIC_RELAXED)) {
			rte_spinlock_unlock(&b->lock);
			continue;
		}
		/*
		 * The owner is out of its sections and will not carve again: seal
		 * it in the owner's place. The owner's active pointer stays (held):
		 * the owner drops it at its next call.
		 */
		b->state = VMAP_BLOCK_SEALED;
		dead = vmap_block_live(b) == 0;
		if (dead)
			vmap_block_kill(bs, b);
		rte_spinlock_unlock(&b->lock);
		/* Its host joins a lazy list, so this very batch flushes it. */
		if (dead)
			vmap_block_retire(vm, b);
	}
}

/* Adapter from vmap_iova_for_each_run() to the batch's flush_run. */
struct run_sink {
	struct rte_vmap *vm;
	int (*flush_run)(rte_iova_t iova, size_t len, void *arg);
	void *arg;
};

static void
sink_run(uintptr_t a, rte_iova_t iova, size_t len, void *arg)
{
	struct run_sink *s = arg;

	RTE_SET_USED(a);
	/* The batch could not hold it: flush it on its own. */
	if (s->flush_run(iova, len, s->arg) != 0)
		vmap_iova_flush(s->vm, iova, iova + len);
}

/* Hand the spans of a fold walk to the batch (or flush them on their own). */
static void
flush_spans(struct rte_vmap *vm, const struct purge_pass *pp, struct run_sink *sink)
{
	struct vmap_area span;
	size_t i;

	for (i = 0; i < pp->nr_spans; i++) {
		memset(&span, 0, sizeof(span));
		span.start = pp->spans[i].va;
		span.size = pp->spans[i].len;
		span.iova = pp->spans[i].iova;
		span.flags = pp->spans[i].flags;
		vmap_iova_for_each_run(vm, &span, sink_run, sink);
	}
}

/* Spans a purge folds per walk when it has no memory for one per block. */
#define FOLD_SPANS_ON_STACK 16

/*
 * A block that died before or during the walks is out of the tables, and
 * the walks did not fold its dirt: its host carries that dirt down the
 * lazy path, whole. Until the dying thread has pushed the host, wait, so
 * that this purge's detach takes it and rte_vmap_purge() returns with no
 * translation of a free made before it. The walks took the lock a death
 * released after its count (or read its table's length or nr_blocks, both
 * stored with release after it), so no such death is missed here. The
 * dying thread holds no lock a purge holds, and what it has left to do
 * is short (the kernel waits the same way for a CPU in its section).
 *
 * Only those deaths: the walks are over, so the epoch moves on (purges
 * hold purge_lock: one at a time) and the wait is for the slot it left.
 * A death that begins from now on counts in the other slot: under block
 * churn, one count for every death would hold the purge without bound.
 * (A death racing with the move may land in the old slot: it is waited
 * for, as one that began before the move. The slot left may also hold a
 * death the previous purge missed this way: begun before, waited for.)
 */
static void
wait_dying(struct vmap_blocks *bs)
{
	uint32_t slot = __atomic_fetch_add(&bs->dying_epoch, 1, __ATOMIC_RELAXED) & 1;
	unsigned int spins;

	for (spins = 0; __atomic_load_n(&bs->dying[slot], __ATOMIC_ACQUIRE) != 0; spins++) {
		if (spins < 1024)
			rte_pause();
		else
			sched_yield(); /* the dying thread was preempted */
	}
}

unsigned int
vmap_blocks_purge(struct rte_vmap *vm, bool force,
		int (*flush_run)(rte_iova_t iova, size_t len, void *arg), void *arg)
{
	struct vmap_blocks *bs = vm->blocks;
	struct purge_pass pp = { .force = force, .barrier = bs != NULL && bs->barrier };
	struct run_sink sink = { vm, flush_run, arg };
	struct dirt_span stack_spans[FOLD_SPANS_ON_STACK];
	unsigned int folded = 0;
	size_t nr;

	if (bs == NULL)
		return 0;
	/* Acquire: a count that fell to 0 by a death shows that death's count. */
	nr = __atomic_load_n(&bs->nr_blocks, __ATOMIC_ACQUIRE);
	if (nr == 0) {
		wait_dying(bs);
		return 0;
	}
	/* Arrays are sized outside the locks; a walk that fills one is repeated. */
	pp.cap_spans = pp.cap_seals = nr;
	/*
	 * Purge first (the kernel's _vm_unmap_aliases() after Baoquan He's
	 * change): idle blocks go whole, through the lazy lists. Without
	 * memory for the list, fewer (or none) are taken: they stay, and their
	 * dirt is folded below like any other block's.
	 */
	do {
		pp.full = false;
		if (!grow((void **)&pp.seals, &pp.cap_seals, sizeof(*pp.seals)))
			break;
		vmap_blocks_walk(bs, true, pick_idle, &pp);
	} while (pp.full);
	if (pp.nr_seals != 0)
		take_idle(vm, bs, &pp);
	/*
	 * Then the dirt of the blocks that stay, each range once (a fold resets
	 * it). A walk that fills the array is flushed and repeated, so without
	 * memory a small array on the stack still folds every block: none of
	 * the dirt this purge promises to flush is left behind.
	 */
	if (!grow((void **)&pp.spans, &pp.cap_spans, sizeof(*pp.spans))) {
		pp.spans = stack_spans;
		pp.cap_spans = RTE_DIM(stack_spans);
	}
	do {
		pp.full = false;
		pp.nr_spans = 0;
		vmap_blocks_walk(bs, true, fold_block, &pp);
		flush_spans(vm, &pp, &sink);
		folded += (unsigned int)pp.nr_spans;
	} while (pp.full);
	if (folded != 0 || pp.lazy_moved)
		vmap_space_changed(vm); /* va_lazy fell: the stats cache is stale */
	if (pp.spans != stack_spans)
		free(pp.spans);
	free(pp.seals);
	wait_dying(bs);
	return folded;
}

/* ---- statistics --------------------------------------------------------- */

static int
stats_block(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	struct rte_vmap_stats *st = arg;
	struct vmap_block_usage u;

	vmap_block_usage(b, &u);
	st->nr_windows += __atomic_load_n(&b->carved_windows, __ATOMIC_RELAXED) -
		__atomic_load_n(&b->own.windows, __ATOMIC_RELAXED) - b->shared.windows;
	st->va_used += __atomic_load_n(&b->carved_bytes, __ATOMIC_RELAXED) -
		__atomic_load_n(&b->own.bytes, __ATOMIC_RELAXED) - b->shared.bytes;
	st->va_lazy += u.unflushed;
	return 0;
}

void
vmap_blocks_stats(struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	struct vmap_blocks *bs = vm->blocks;

	if (bs == NULL)
		return;
	vmap_blocks_walk(bs, false, stats_block, st);
	st->nr_blocks = __atomic_load_n(&bs->nr_blocks, __ATOMIC_RELAXED);
}

uint64_t
vmap_blocks_gen(const struct rte_vmap *vm)
{
	const struct vmap_blocks *bs = vm->blocks;
	uint64_t sum;
	unsigned int i;

	if (bs == NULL)
		return 0;
	sum = __atomic_load_n(&bs->gen, __ATOMIC_ACQUIRE);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		sum += __atomic_load_n(&bs->q[i].gen, __ATOMIC_ACQUIRE);
	return sum;
}

uint64_t
vmap_blocks_count(const struct rte_vmap *vm)
{
	return vm->blocks == NULL ? 0 : __atomic_load_n(&vm->blocks->nr_blocks, __ATOMIC_RELAXED);
}

/* ---- verify --------------------------------------------------------------- */

#define FAIL(fmt, ...) do { \
	VMAP_LOG(ERR, "%s: invariant broken: " fmt, vm->name, ##__VA_ARGS__); \
	return -EFAULT; \
} while (0)

int
vmap_block_host_check(const struct rte_vmap *vm, const struct vmap_area *host)
{
	const struct vmap_blocks *bs = vm->blocks;
	const struct vmap_block *b;

	if (bs == NULL)
		FAIL("host range 0x%" PRIxPTR " in a space without block caches", host->start);
	if ((host->start & (VMAP_BLOCK_SIZE - 1)) != 0 || host->size != VMAP_BLOCK_SIZE)
		FAIL("host 0x%" PRIxPTR "+%zu is not one aligned block", host->start, host->size);
	b = bs->zone_map[vmap_block_zone(bs, host->start)];
	if (b == NULL || b->host != host || b->start != host->start)
		FAIL("host 0x%" PRIxPTR " has no block in the zone map", host->start);
	return 0;
}

/* The IOVA table over b: live windows published, the rest empty. */
static int
check_block_table(const struct rte_vmap *vm, const struct vmap_block *b)
{
	struct vmap_area win = { 0 };
	uint32_t off, end = 0, pages = 0;
	uintptr_t a;
	uint64_t e, want;

	for (off = 0; off < VMAP_BLOCK_GRANULES; off++) {
		if (b->win_pages[off] != 0) {
			pages = b->win_pages[off];
			end = off + pages;
			vmap_block_window(b, off, pages, &win);
		}
		a = b->start + ((uintptr_t)off << VMAP_GRANULE_SHIFT);
		e = vm->iova_table[(a - vm->map_base) >> VMAP_GRANULE_SHIFT];
		want = off < end ? (vmap_iova_of(vm, &win, a) | __RTE_VMAP_IOVA_VALID) : 0;
		/* A refused run's mark where no window is live (vmap_owed.c). */
		if (e != want && !(want == 0 && vmap_owed_is_mark(e)))
			FAIL("IOVA table at 0x%" PRIxPTR " in block 0x%" PRIxPTR " is 0x%" PRIx64
				", want 0x%" PRIx64, a, b->start, e, want);
	}
	return 0;
}

/* live + free + dirty == total, and the counters agree with win_pages[]. */
static int
check_block(const struct rte_vmap *vm, const struct vmap_block *b, unsigned int table)
{
	const struct vmap_blocks *bs = vm->blocks;
	uint32_t off, live = 0, windows = 0, free, dirty, granules;
	uint64_t bytes = 0;

	if (b->table != table || vmap_addr_to_vbq(bs, b->start) != table ||
			!bs->q[table].has_table)
		FAIL("block 0x%" PRIxPTR " in table %u, hashes to %u", b->start, table,
			vmap_addr_to_vbq(bs, b->start));
	if (bs->zone_map[vmap_block_zone(bs, b->start)] != b)
		FAIL("block 0x%" PRIxPTR " is not in the zone map", b->start);
	if (b->state != VMAP_BLOCK_ACTIVE && b->state != VMAP_BLOCK_SEALED)
		FAIL("block 0x%" PRIxPTR " in a table in state %u", b->start, b->state);
	if (b->owner >= RTE_MAX_LCORE || b->host == NULL || b->host->start != b->start ||
			b->host->state != VMAP_AREA_BUSY ||
			(b->host->flags & VMAP_AREA_F_HOST) == 0)
		FAIL("block 0x%" PRIxPTR ": owner %u, host not a busy host range",
			b->start, b->owner);
	if (b->state == VMAP_BLOCK_ACTIVE && (bs->q[b->owner].active != b || !b->held))
		FAIL("active block 0x%" PRIxPTR " is not lcore %u's", b->start, b->owner);
	if (b->held && bs->q[b->owner].active != b)
		FAIL("block 0x%" PRIxPTR " held, but not lcore %u's active", b->start, b->owner);
	for (off = 0; off < VMAP_BLOCK_GRANULES; off += granules) {
		granules = 1;
		if (b->win_pages[off] == 0)
			continue;
		granules = rte_align32pow2(b->win_pages[off]);
		if (off + granules > b->next)
			FAIL("block 0x%" PRIxPTR ": window at granule %u past next %u",
				b->start, off, b->next);
		live += granules;
		windows++;
		bytes += (uint64_t)b->win_pages[off] << VMAP_GRANULE_SHIFT;
	}
	free = b->state == VMAP_BLOCK_ACTIVE ? VMAP_BLOCK_GRANULES - b->next : 0;
	dirty = b->own.freed + b->shared.freed + (VMAP_BLOCK_GRANULES - b->next - free);
	if (live + free + dirty != VMAP_BLOCK_GRANULES || live != vmap_block_live(b))
		FAIL("block 0x%" PRIxPTR ": live %u + free %u + dirty %u != %u (counted live %u)",
			b->start, live, free, dirty, VMAP_BLOCK_GRANULES, vmap_block_live(b));
	if (windows != b->carved_windows - b->own.windows - b->shared.windows ||
			bytes != b->carved_bytes - b->own.bytes - b->shared.bytes)
		FAIL("block 0x%" PRIxPTR ": %u windows of %" PRIu64 " bytes, counters say %u",
			b->start, windows, bytes,
			b->carved_windows - b->own.windows - b->shared.windows);
	return check_block_table(vm, b);
}

struct verify_walk {
	const struct rte_vmap *vm;
	uint64_t listed;
};

static int
verify_block(struct vmap_block *b, unsigned int table, void *arg)
{
	struct verify_walk *w = arg;

	w->listed++;
	return check_block(w->vm, b, table);
}

int
vmap_blocks_verify(struct rte_vmap *vm, uint64_t nr_hosts)
{
	struct vmap_blocks *bs = vm->blocks;
	struct verify_walk w = { vm, 0 };
	uint64_t listed, mapped = 0, z;
	struct vmap_block *b;
	unsigned int i;
	int ret;

	if (bs == NULL) {
		if (nr_hosts != 0)
			FAIL("%" PRIu64 " host ranges without block caches", nr_hosts);
		return 0;
	}
	ret = vmap_blocks_walk(bs, false, verify_block, &w);
	if (ret != 0)
		return ret;
	listed = w.listed;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (!bs->q[i].has_table &&
				__atomic_load_n(&bs->q[i].table_len, __ATOMIC_RELAXED) != 0)
			FAIL("lcore %u is not of the hash but its table holds blocks", i);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		b = bs->q[i].active;
		/* Not ACTIVE only if a purge took it (seal): the owner drops it next. */
		if (b != NULL && (b->owner != i || !b->held ||
				(b->state != VMAP_BLOCK_ACTIVE && !b->seal)))
			FAIL("lcore %u's active block 0x%" PRIxPTR " is owned by %u, state %u",
				i, b->start, b->owner, b->state);
		if (bs->q[i].nr_spare > VMAP_BLOCK_SPARE_MAX)
			FAIL("lcore %u holds %u spare descriptors", i, bs->q[i].nr_spare);
	}
	/* No free runs beside verify: every death has reached its lazy list. */
	if (__atomic_load_n(&bs->dying[0], __ATOMIC_ACQUIRE) != 0 ||
			__atomic_load_n(&bs->dying[1], __ATOMIC_ACQUIRE) != 0)
		FAIL("%u blocks dead but not on a lazy list", bs->dying[0] + bs->dying[1]);
	for (z = 0; z < bs->nr_zones; z++)
		mapped += bs->zone_map[z] != NULL;
	if (listed != mapped || listed != nr_hosts || listed != bs->nr_blocks)
		FAIL("blocks: %" PRIu64 " in tables, %" PRIu64 " in the zone map, %" PRIu64
			" hosts busy, nr_blocks %" PRIu64, listed, mapped, nr_hosts, bs->nr_blocks);
	return 0;
}

/* ---- dump ------------------------------------------------------------------ */

struct dump_walk {
	FILE *f;
	const struct rte_vmap *vm;
	unsigned int owner;
	unsigned int n;
};

static int
dump_block(struct vmap_block *b, unsigned int table __rte_unused, void *arg)
{
	struct dump_walk *d = arg;
	const struct rte_vmap *vm = d->vm;
	struct vmap_block_usage u;
	struct vmap_area win;
	uint8_t pages;
	uint32_t off;

	if (b->owner != d->owner)
		return 0;
	if (d->n++ == 0)
		fprintf(d->f, "  lcore %u%s:\n", d->owner,
			vm->blocks->q[d->owner].enabled ? "" : " (gone)");
	vmap_block_usage(b, &u);
	fprintf(d->f, "    block 0x%016" PRIxPTR "-0x%016" PRIxPTR " node=%u table=%u %s"
		" granules: live %u free %u dirty %u; unflushed %" PRIu64 " bytes\n",
		b->start, b->start + VMAP_BLOCK_SIZE, vmap_addr_to_node(vm, b->start)->id,
		b->table, b->state == VMAP_BLOCK_ACTIVE ? "active" : "sealed", u.live, u.free,
		u.dirty, u.unflushed);
	for (off = 0; off < VMAP_BLOCK_GRANULES; off++) {
		pages = __atomic_load_n(&b->win_pages[off], __ATOMIC_RELAXED);
		if (pages == 0)
			continue;
		vmap_block_window(b, off, pages, &win);
		fprintf(d->f, "      0x%016" PRIxPTR "-0x%016" PRIxPTR " %10zu iova=0x%" PRIx64
			" block\n", win.start, win.start + win.size, win.size,
			vmap_iova_of(vm, &win, win.start));
	}
	return 0;
}

void
vmap_blocks_dump(FILE *f, struct rte_vmap *vm)
{
	struct vmap_blocks *bs = vm->blocks;
	struct dump_walk d = { f, vm, 0, 0 };

	if (bs == NULL) {
		fprintf(f, "  blocks: none (RTE_VMAP_F_NO_LCORE_CACHE)\n");
		return;
	}
	fprintf(f, "  blocks %" PRIu64 " of %" PRIu64 " bytes, hashed over %u lcore slots\n",
		__atomic_load_n(&bs->nr_blocks, __ATOMIC_RELAXED), VMAP_BLOCK_SIZE, bs->nr_slots);
	/* Per owner: a block's table says nothing about who carves it. */
	for (d.owner = 0; d.owner < RTE_MAX_LCORE; d.owner++) {
		d.n = 0;
		vmap_blocks_walk(bs, false, dump_block, &d);
	}
}
