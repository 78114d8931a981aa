/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * rte_vmap_dump(): the space as /proc/vmallocinfo would show it, one line
 * per live window, then one line per node and per arena.
 */

#include <inttypes.h>
#include <stdio.h>

#include "vmap_private.h"

struct dump_ctx {
	FILE *f;
	const struct rte_vmap *vm;
};

static int
dump_window(const struct vmap_area *va, void *arg)
{
	const struct dump_ctx *d = arg;
	const struct rte_vmap *vm = d->vm;

	fprintf(d->f, "0x%016" PRIxPTR "-0x%016" PRIxPTR " %10zu iova=0x%" PRIx64
		" socket=%d node=%u %s\n", va->start, va->start + va->size, va->size,
		vmap_iova_of(vm, va, va->start),
		vm->topo.socket_id[vmap_arena_of(vm, va->start)],
		vmap_addr_to_node(vm, va->start)->id,
		(va->flags & VMAP_AREA_F_HOST) != 0 ? "host (blocks below)" :
		(va->flags & VMAP_AREA_F_BLOCK) != 0 ? "block" : "caller");
	return 0;
}

static void
dump_summary(FILE *f, struct rte_vmap *vm)
{
	struct rte_vmap_stats st;

	rte_vmap_stats_get(vm, &st);
	fprintf(f, "vmap space %s: va 0x%" PRIxPTR "+0x%zx page %zu iova %s iommu %s "
		"nodes %u arenas %u zone %" PRIu64 "\n", vm->name, vm->map_base, vm->map_len,
		vm->backing.page_size, rte_vmap_iova_mode_name(vm->iova_mode), vm->iommu->name,
		vm->nr_nodes, vm->nr_arenas, vm->zone_size);
	fprintf(f, "  windows %" PRIu64 " va_used %" PRIu64 " va_lazy %" PRIu64
		" largest_free %" PRIu64 " mem_used %" PRIu64 " purges %" PRIu64
		" unmaps %" PRIu64 " flushes %" PRIu64 " blocks %" PRIu64 "\n", st.nr_windows,
		st.va_used, st.va_lazy, st.va_largest_free, st.mem_used, st.nr_purges,
		st.nr_unmaps, st.nr_flushes, st.nr_blocks);
}

void
rte_vmap_dump(FILE *f, struct rte_vmap *vm)
{
	struct dump_ctx d = { f, vm };
	unsigned int i;

	if (f == NULL || vm == NULL)
		return;
	if (vmap_is_view(vm)) {
		/* The metadata is the owner's: its dump (or telemetry) shows it. */
		fprintf(f, "space %s: attached to the primary's at 0x%" PRIxPTR ", %zu bytes, "
			"page %zu; rte_vmap_dump() in the primary shows its windows\n", vm->name,
			vm->map_base, vm->map_len, vm->backing.page_size);
		return;
	}
	dump_summary(f, vm);
	for (i = 0; i < vm->nr_arenas; i++) {
		struct vmap_arena *ar = &vm->arenas[i];

		rte_spinlock_lock(&ar->lock);
		fprintf(f, "  arena %u socket %d: 0x%" PRIxPTR "-0x%" PRIxPTR " nodes %u-%u "
			"free ranges %" PRIu64 " free bytes %" PRIu64 "\n", i,
			vm->topo.socket_id[i], ar->start, ar->end, ar->first_node,
			ar->first_node + ar->nr_nodes - 1, ar->free.nr_ranges, ar->free.bytes);
		rte_spinlock_unlock(&ar->lock);
	}
	for (i = 0; i < vm->nr_nodes; i++) {
		struct vmap_node *vn = &vm->nodes[i];
		struct vmap_node_usage u;

		rte_spinlock_lock(&vn->busy_lock);
		vmap_node_usage(vn, &u);
		fprintf(f, "  node %u socket %d: windows %" PRIu64 " bytes %" PRIu64
			" pooled %" PRIu64 " chunks %" PRIu64 " lazy %" PRIu64 "\n", vn->id,
			vn->socket_id, u.nr_windows, u.va_used, u.pooled, u.chunks, u.lazy);
		vmap_busy_walk(vn, dump_window, &d);
		rte_spinlock_unlock(&vn->busy_lock);
	}
	/* Per-lcore blocks: per owner, their free and dirty space, their windows. */
	vmap_blocks_dump(f, vm);
	/* purge_lock keeps the lazy lists where they are while we walk them. */
	pthread_mutex_lock(&vm->purge_lock);
	for (i = 0; i < vm->nr_nodes; i++) {
		const struct vmap_area *va;

		for (va = __atomic_load_n(&vm->nodes[i].lazy_head, __ATOMIC_ACQUIRE);
				va != NULL; va = STAILQ_NEXT(va, link))
			fprintf(f, "  lazy 0x%016" PRIxPTR "-0x%016" PRIxPTR " %10zu node=%u\n",
				va->start, va->start + va->size, va->size, i);
	}
	pthread_mutex_unlock(&vm->purge_lock);
}
