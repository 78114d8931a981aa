/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * The owner's side of multi-process (vmap_mp.h): the primary answers its
 * secondaries' requests on EAL's IPC thread, one at a time, and gives
 * back what a dead secondary allocated (rte_vmap_reclaim()).
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_string_fns.h>

#include "vmap_private.h"

/*
 * Held while a request is carried out, and by destroy once the space has
 * left the list: no request runs on a space being destroyed. Outside every
 * lock of vmap_private.h (the handler takes the list lock under it).
 */
static pthread_mutex_t owner_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * The IPC action's registration, the space numbers and the spaces the
 * handler finds by name (owned): held briefly, nothing taken under it.
 * The handler never takes vmap_spaces_lock: rte_vmap_create() holds it
 * across a creation, which may wait for EAL's IPC thread (rte_malloc()
 * of a driver syncs the secondaries), the thread the handler runs on.
 */
static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, rte_vmap) owned = TAILQ_HEAD_INITIALIZER(owned);
static bool action_registered;
static int action_error;
static uint32_t shared_count;

/*
 * The last processes rte_vmap_reclaim() gave back (owner_lock): a request
 * a killed secondary sent before it died may still wait in the IPC
 * socket, and must not allocate for it after the reclaim. A process id
 * that attaches again (reused) leaves the list.
 */
#define RECLAIMED_MAX 64
static int32_t reclaimed[RECLAIMED_MAX];
static unsigned int reclaimed_next;

static int
reclaimed_index(int32_t pid)
{
	unsigned int i;

	for (i = 0; i < RECLAIMED_MAX; i++)
		if (reclaimed[i] == pid)
			return (int)i;
	return -1;
}

static int
carry_out(struct rte_vmap *vm, const struct vmap_mp_req *req, struct vmap_mp_rep *rep,
		struct rte_mp_msg *out)
{
	void *addr = (void *)(uintptr_t)req->addr;
	int ret;

	switch (req->op) {
	case VMAP_MP_ATTACH:
		rep->u.layout = (struct vmap_mp_layout){
			.uid = vm->uid,
			.map_base = vm->map_base,
			.map_len = vm->map_len,
			.page_size = vm->backing.page_size,
			.iova_table_len = vm->iova_table_len,
			.iova_mode = vm->iova_mode,
			.flags = vm->flags,
			.grants = vmap_grants_fd(vm) >= 0,
		};
		out->num_fds = 2;
		out->fds[0] = vm->backing_fd;
		out->fds[1] = vm->iova_fd;
		if (rep->u.layout.grants)
			out->fds[out->num_fds++] = vmap_grants_fd(vm);
		return 0;
	case VMAP_MP_ALLOC:
		addr = req->block ? rte_vmap_block_alloc(vm, req->size) :
			rte_vmap_alloc(vm, req->size, req->align, req->socket_id);
		if (addr == NULL)
			return -rte_errno;
		/* Recorded before anyone can know the address: rte_vmap_reclaim(). */
		vmap_busy_set_owner(vm, (uintptr_t)addr, req->pid);
		rep->u.addr = (uintptr_t)addr;
		return 0;
	case VMAP_MP_FREE:
		return req->block ? rte_vmap_block_free(vm, addr, req->size) :
			rte_vmap_free(vm, addr);
	case VMAP_MP_PURGE:
		return rte_vmap_purge(vm);
	case VMAP_MP_TRIM:
		rep->u.bytes = rte_vmap_trim(vm);
		return rep->u.bytes < 0 ? (int)rep->u.bytes : 0;
	case VMAP_MP_FIND:
		return rte_vmap_find(vm, addr, &rep->u.win);
	case VMAP_MP_STATS:
		return rte_vmap_stats_get(vm, &rep->u.st);
	case VMAP_MP_VERIFY:
		return rte_vmap_verify(vm);
	case VMAP_MP_GRANT:
		ret = vmap_grant_new(vm, req->pid, (uint32_t)req->size, req->socket_id);
		if (ret < 0)
			return ret;
		rep->u.addr = (uint64_t)ret;
		return 0;
	case VMAP_MP_RETURN:
		vmap_grant_return(vm, (uint32_t)req->addr);
		return 0;
	default:
		VMAP_LOG(ERR, "%s: unknown request %u from process %d", vm->name, req->op,
			req->pid);
		return -EINVAL;
	}
}

/* The space the handler knows by name, or NULL. */
static struct rte_vmap *
owned_find(const char *name)
{
	struct rte_vmap *vm;

	pthread_mutex_lock(&register_lock);
	TAILQ_FOREACH(vm, &owned, owned_next)
		if (strncmp(vm->name, name, RTE_VMAP_NAMESIZE) == 0)
			break;
	pthread_mutex_unlock(&register_lock);
	return vm;
}

/*
 * EAL's IPC thread: one request of a secondary. Always answered. The
 * parameters are copied in and out: param[] of struct rte_mp_msg is not
 * 8-byte aligned.
 */
static int
handle(const struct rte_mp_msg *msg, const void *peer)
{
	struct vmap_mp_req request, *req = &request;
	struct vmap_mp_rep reply, *rep = &reply;
	char name[RTE_VMAP_NAMESIZE];
	struct rte_mp_msg out;
	struct rte_vmap *vm;
	int i;

	RTE_BUILD_BUG_ON(sizeof(*req) > RTE_MP_MAX_PARAM_LEN ||
		sizeof(*rep) > RTE_MP_MAX_PARAM_LEN);
	memset(&out, 0, sizeof(out));
	memset(rep, 0, sizeof(*rep));
	strlcpy(out.name, VMAP_MP_ACTION, sizeof(out.name));
	out.len_param = sizeof(*rep);
	memcpy(req, msg->param, RTE_MIN(sizeof(*req), sizeof(msg->param)));
	if (msg->len_param != sizeof(*req)) {
		VMAP_LOG(ERR, "request of %d bytes, not %zu: a secondary of another build?",
			msg->len_param, sizeof(*req));
		rep->ret = -EPROTO;
		goto reply;
	}
	strlcpy(name, req->name, sizeof(name));
	pthread_mutex_lock(&owner_lock);
	vm = owned_find(name);
	i = reclaimed_index(req->pid);
	if (i >= 0 && req->op == VMAP_MP_ATTACH)
		reclaimed[i] = 0;
	if (i >= 0 && req->op != VMAP_MP_ATTACH) {
		/* Sent before it died, read after its reclaim: nothing for it now. */
		rep->ret = -ESRCH;
	} else if (vm == NULL || (req->op != VMAP_MP_ATTACH && vm->uid != req->uid)) {
		/* Destroyed since the secondary attached, maybe created again. */
		rep->ret = -ENOENT;
	} else if ((vm->flags & RTE_VMAP_F_SHARED) == 0) {
		VMAP_LOG(ERR, "%s: process %d asked to attach, but the space was created "
			"without RTE_VMAP_F_SHARED", name, req->pid);
		rep->ret = -EPERM;
	} else {
		rep->ret = carry_out(vm, req, rep, &out);
	}
	pthread_mutex_unlock(&owner_lock);
reply:
	memcpy(out.param, rep, sizeof(*rep));
	if (rte_mp_reply(&out, peer) != 0)
		/* The requester is gone (killed while it waited): what it got is recorded. */
		VMAP_LOG(INFO, "no reply to process %d: %s", req->pid, rte_strerror(rte_errno));
	return 0;
}

int
vmap_mp_owner_init(struct rte_vmap *vm)
{
	bool shared = (vm->flags & RTE_VMAP_F_SHARED) != 0;
	int ret = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		if (!shared)
			return 0;
		VMAP_LOG(ERR, "%s: only a primary process creates a shared space; a secondary "
			"attaches with rte_vmap_lookup()", vm->name);
		return -EINVAL;
	}
	pthread_mutex_lock(&register_lock);
	if (!action_registered && action_error == 0) {
		if (rte_mp_action_register(VMAP_MP_ACTION, handle) == 0 || rte_errno == EEXIST)
			action_registered = true;
		else
			action_error = rte_errno;
	}
	if (shared && !action_registered) {
		VMAP_LOG(ERR, "%s: RTE_VMAP_F_SHARED needs EAL's multi-process channel, "
			"which this process does not have (%s): run without --in-memory "
			"and --no-shconf", vm->name, rte_strerror(action_error));
		ret = -ENOTSUP;
	} else if (shared) {
		vm->uid = ((uint64_t)getpid() << 32) | ++shared_count;
	}
	pthread_mutex_unlock(&register_lock);
	return ret;
}

void
vmap_mp_owner_publish(struct rte_vmap *vm)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	pthread_mutex_lock(&register_lock);
	TAILQ_INSERT_TAIL(&owned, vm, owned_next);
	vm->owned = true;
	pthread_mutex_unlock(&register_lock);
}

void
vmap_mp_owner_fini(struct rte_vmap *vm)
{
	if (!vm->owned)
		return;
	pthread_mutex_lock(&register_lock);
	TAILQ_REMOVE(&owned, vm, owned_next);
	vm->owned = false;
	pthread_mutex_unlock(&register_lock);
	/* A request that found the space before it left the list ends first. */
	pthread_mutex_lock(&owner_lock);
	pthread_mutex_unlock(&owner_lock);
}

/* Whether pid runs: a zombie (killed, not yet reaped) does not. */
static bool
process_runs(pid_t pid)
{
	char path[64], state = 'R';
	FILE *f;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	/* "pid (comm) S ...": the state follows the last ')'. */
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 'R';
	fclose(f);
	return state != 'Z' && state != 'X';
}

#define RECLAIM_BATCH 64

struct reclaim_batch {
	int32_t owner;
	unsigned int n;
	struct {
		uintptr_t start;
		size_t size;
		bool block;
	} w[RECLAIM_BATCH];
};

static int
reclaim_one(const struct vmap_area *va, void *arg)
{
	struct reclaim_batch *b = arg;

	if (va->owner != b->owner || (va->flags & VMAP_AREA_F_HOST) != 0)
		return 0;
	b->w[b->n].start = va->start;
	b->w[b->n].size = va->size;
	b->w[b->n].block = (va->flags & VMAP_AREA_F_BLOCK) != 0;
	return ++b->n == RECLAIM_BATCH;
}

int
rte_vmap_reclaim(struct rte_vmap *vm, pid_t pid)
{
	struct reclaim_batch b = { .owner = pid };
	unsigned int node, i;
	int count, freed;

	if (vm == NULL || pid <= 0 || vmap_is_view(vm) || (vm->flags & RTE_VMAP_F_SHARED) == 0) {
		VMAP_LOG(ERR, "%s: reclaim needs a shared space of this process and a "
			"process id", vm != NULL ? vm->name : "NULL space");
		rte_errno = EINVAL;
		return -EINVAL;
	}
	if (process_runs(pid)) {
		VMAP_LOG(ERR, "%s: process %d is still running: its windows are in use",
			vm->name, (int)pid);
		rte_errno = EBUSY;
		return -EBUSY;
	}
	/*
	 * Under owner_lock: a request of pid being carried out ends first, and
	 * one still queued is refused after (reclaimed[]).
	 */
	pthread_mutex_lock(&owner_lock);
	if (reclaimed_index(pid) < 0) {
		reclaimed[reclaimed_next] = pid;
		reclaimed_next = (reclaimed_next + 1) % RECLAIMED_MAX;
	}
	/* Its blocks whole (their windows counted), then its windows. */
	count = vmap_grants_reclaim(vm, pid);
	/* In batches: no memory taken, nothing freed under a busy lock. */
	for (node = 0; node < vm->nr_nodes; ) {
		struct vmap_node *vn = &vm->nodes[node];

		b.n = 0;
		rte_spinlock_lock(&vn->busy_lock);
		vmap_busy_walk(vn, reclaim_one, &b);
		rte_spinlock_unlock(&vn->busy_lock);
		for (i = 0, freed = 0; i < b.n; i++)
			if (vmap_free_window(vm, (void *)b.w[i].start, b.w[i].block,
					b.w[i].size) == 0)
				freed++;
		count += freed;
		/* A full batch may have more behind it, unless nothing in it went. */
		if (b.n < RECLAIM_BATCH || freed == 0)
			node++;
	}
	pthread_mutex_unlock(&owner_lock);
	VMAP_LOG(NOTICE, "%s: %d windows of process %d given back", vm->name, count, (int)pid);
	return count;
}
