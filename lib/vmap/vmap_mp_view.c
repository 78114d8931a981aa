/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * A secondary's attachment to a primary's shared space (vmap_mp.h): the
 * reservation mapped at the primary's address from the space's memfd, the
 * IOVA table mapped from its own, and the calls sent to the owner.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_string_fns.h>

#include "vmap_private.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* How long the owner has to answer: an attach, and a call (a purge may be long). */
#define ATTACH_TIMEOUT_S 5
#define CALL_TIMEOUT_S 60

struct vmap_mp_view {
	uint64_t uid;
};

/*
 * EAL lets one request of a name per destination be pending: the threads
 * of this process take turns (the owner answers one at a time anyway).
 */
static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Send req to the primary and wait for its answer into rep (and the fds it
 * sent, at most nfds, into fds). 0, or -ENOENT when the primary did not
 * answer.
 */
static int
request(struct vmap_mp_req *req, struct vmap_mp_rep *rep, int *fds, int nfds, int timeout_s)
{
	struct timespec ts = { .tv_sec = timeout_s };
	struct rte_mp_reply reply;
	struct rte_mp_msg msg;
	const struct rte_mp_msg *m;
	int ret, i;

	memset(&msg, 0, sizeof(msg));
	memset(&reply, 0, sizeof(reply));
	strlcpy(msg.name, VMAP_MP_ACTION, sizeof(msg.name));
	req->pid = getpid();
	msg.len_param = sizeof(*req);
	memcpy(msg.param, req, sizeof(*req));
	pthread_mutex_lock(&request_lock);
	ret = rte_mp_request_sync(&msg, &reply, &ts);
	pthread_mutex_unlock(&request_lock);
	if (ret != 0 || reply.nb_received != 1) {
		VMAP_LOG(ERR, "%s: the primary process did not answer (%s): it has created no "
			"space, or is gone", req->name,
			ret != 0 ? rte_strerror(rte_errno) : "no reply");
		free(reply.msgs);
		return -ENOENT;
	}
	m = &reply.msgs[0];
	ret = 0;
	memcpy(rep, m->param, RTE_MIN((size_t)m->len_param, sizeof(*rep)));
	if (m->len_param != sizeof(*rep) || m->num_fds > nfds) {
		VMAP_LOG(ERR, "%s: answer of %d bytes and %d fds: a primary of another build?",
			req->name, m->len_param, m->num_fds);
		ret = -EPROTO;
	}
	/* Only a good answer hands its fds over. */
	nfds = ret == 0 && rep->ret == 0 ? m->num_fds : 0;
	for (i = 0; i < nfds; i++)
		fds[i] = m->fds[i];
	/* fds received and not handed over are closed. */
	for (i = nfds; i < m->num_fds; i++)
		close(m->fds[i]);
	free(reply.msgs);
	return ret;
}

/* A request about vm; -errno as the owner answered (rte_errno set on error). */
static int
call(const struct rte_vmap *vm, struct vmap_mp_req *req, struct vmap_mp_rep *rep)
{
	int ret;

	req->uid = vm->view->uid;
	strlcpy(req->name, vm->name, sizeof(req->name));
	ret = request(req, rep, NULL, 0, CALL_TIMEOUT_S);
	if (ret == 0)
		ret = rep->ret;
	if (ret == -ENOENT && req->op != VMAP_MP_FREE && req->op != VMAP_MP_FIND)
		VMAP_LOG(ERR, "%s: the primary has destroyed the space", vm->name);
	if (ret != 0)
		rte_errno = -ret;
	return ret;
}

/* Map the reservation at the owner's address; -EADDRINUSE if anything is there. */
static int
map_reservation(struct rte_vmap *vm, int fd)
{
	void *want = (void *)vm->map_base;
	void *p;

	p = mmap(want, vm->map_len, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == want)
		return 0;
	if (p != MAP_FAILED)
		munmap(p, vm->map_len); /* a kernel older than MAP_FIXED_NOREPLACE */
	if (p != MAP_FAILED || errno == EEXIST) {
		VMAP_LOG(ERR, "%s: cannot attach: this process has something mapped in "
			"[0x%" PRIxPTR ", 0x%" PRIxPTR "), where the space lies in the primary "
			"(see /proc/self/maps); attach before that range is taken, or create "
			"the space earlier in the primary, as for EAL's --base-virtaddr",
			vm->name, vm->map_base, vm->map_base + vm->map_len);
		return -EADDRINUSE;
	}
	VMAP_LOG(ERR, "%s: cannot map the shared backing: %s", vm->name, strerror(errno));
	return -ENOMEM;
}

struct rte_vmap *
vmap_mp_attach(const char *name, int *grants_fd)
{
	struct vmap_mp_req req = { .op = VMAP_MP_ATTACH };
	struct vmap_mp_rep rep;
	const struct vmap_mp_layout *l = &rep.u.layout;
	struct rte_vmap *vm = NULL;
	int fds[3] = { -1, -1, -1 };
	void *table;
	int ret, i;

	*grants_fd = -1;
	strlcpy(req.name, name, sizeof(req.name));
	ret = request(&req, &rep, fds, 3, ATTACH_TIMEOUT_S);
	if (ret == 0 && rep.ret == 0 && (fds[0] < 0 || fds[1] < 0 ||
			(l->grants != 0 && fds[2] < 0))) {
		VMAP_LOG(ERR, "%s: the primary's answer lacks the space's files", name);
		ret = -EPROTO;
	}
	if (ret == 0)
		ret = rep.ret;
	if (ret == -ENOENT)
		VMAP_LOG(ERR, "%s: no such space in the primary process", name);
	else if (ret == -EPERM)
		VMAP_LOG(ERR, "%s: the primary created it without RTE_VMAP_F_SHARED", name);
	if (ret != 0)
		goto out;
	vm = calloc(1, sizeof(*vm));
	if (vm != NULL)
		vm->view = calloc(1, sizeof(*vm->view));
	if (vm == NULL || vm->view == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	strlcpy(vm->name, name, sizeof(vm->name));
	vm->view->uid = l->uid;
	vm->flags = l->flags;
	vm->iova_mode = (enum rte_vmap_iova_mode)l->iova_mode;
	vm->map_base = l->map_base;
	vm->map_len = l->map_len;
	vm->backing.page_size = l->page_size;
	vm->backing.page_shift = rte_log2_u64(l->page_size);
	vm->backing_fd = -1;
	vm->iova_fd = -1;
	ret = map_reservation(vm, fds[0]);
	if (ret != 0)
		goto out;
	table = mmap(NULL, l->iova_table_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		fds[1], 0);
	if (table == MAP_FAILED) {
		VMAP_LOG(ERR, "%s: cannot map the IOVA table: %s", name, strerror(errno));
		munmap((void *)vm->map_base, vm->map_len);
		ret = -ENOMEM;
		goto out;
	}
	vm->iova_table = table;
	vm->iova_table_len = l->iova_table_len;
	vm->fast.va_base = vm->map_base;
	vm->fast.va_size = vm->map_len;
	vm->fast.iova_table = table;
	/* The grant area's fd is the caller's to map (vmap_grants_attach()). */
	*grants_fd = fds[2];
	fds[2] = -1;
	VMAP_LOG(INFO, "%s: attached at 0x%" PRIxPTR " (%zu bytes)", name, vm->map_base,
		vm->map_len);
out:
	/* The mappings hold the files. */
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret != 0) {
		if (vm != NULL)
			free(vm->view);
		free(vm);
		rte_errno = -ret;
		return NULL;
	}
	return vm;
}

void
vmap_mp_detach(struct rte_vmap *vm)
{
	munmap(vm->iova_table, vm->iova_table_len);
	munmap((void *)vm->map_base, vm->map_len);
	free(vm->view);
	free(vm);
}

void *
vmap_mp_alloc(struct rte_vmap *vm, size_t size, size_t align, int socket_id, bool block)
{
	struct vmap_mp_req req = {
		.op = VMAP_MP_ALLOC, .size = size, .align = align, .block = block,
		.socket_id = socket_id,
	};
	struct vmap_mp_rep rep;

	/* The caller's socket, not the owner's IPC thread's. */
	if (socket_id == SOCKET_ID_ANY && rte_socket_id() != (unsigned int)SOCKET_ID_ANY)
		req.socket_id = (int)rte_socket_id();

	if (call(vm, &req, &rep) != 0)
		return NULL;
	return (void *)(uintptr_t)rep.u.addr;
}

int
vmap_mp_free(struct rte_vmap *vm, void *addr, size_t size, bool block)
{
	struct vmap_mp_req req = {
		.op = VMAP_MP_FREE, .addr = (uintptr_t)addr, .size = size, .block = block,
	};
	struct vmap_mp_rep rep;

	if (addr == NULL)
		return 0;
	return call(vm, &req, &rep);
}

int64_t
vmap_mp_call(struct rte_vmap *vm, enum vmap_mp_op op)
{
	struct vmap_mp_req req = { .op = op };
	struct vmap_mp_rep rep;
	int ret = call(vm, &req, &rep);

	if (ret != 0)
		return ret;
	return op == VMAP_MP_TRIM ? rep.u.bytes : 0;
}

int
vmap_mp_find(const struct rte_vmap *vm, const void *addr, struct rte_vmap_window *w)
{
	struct vmap_mp_req req = { .op = VMAP_MP_FIND, .addr = (uintptr_t)addr };
	struct vmap_mp_rep rep;
	int ret = call(vm, &req, &rep);

	if (ret == 0)
		*w = rep.u.win;
	return ret;
}

int
vmap_mp_stats(struct rte_vmap *vm, struct rte_vmap_stats *st)
{
	struct vmap_mp_req req = { .op = VMAP_MP_STATS };
	struct vmap_mp_rep rep;
	int ret = call(vm, &req, &rep);

	if (ret == 0)
		*st = rep.u.st;
	return ret;
}

int
vmap_mp_grant(struct rte_vmap *vm, unsigned int lcore)
{
	struct vmap_mp_req req = {
		.op = VMAP_MP_GRANT, .size = lcore, .socket_id = (int)rte_socket_id(),
	};
	struct vmap_mp_rep rep;
	int ret = call(vm, &req, &rep);

	return ret != 0 ? ret : (int)rep.u.addr;
}

void
vmap_mp_grant_return(struct rte_vmap *vm, uint32_t slot)
{
	struct vmap_mp_req req = { .op = VMAP_MP_RETURN, .addr = slot };
	struct vmap_mp_rep rep;

	/* Lost (the owner gone): destroy or a reclaim of this process takes it. */
	call(vm, &req, &rep);
}
