/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * A primary's hugepage files, removed at exit (fwd_hugefiles_remove()).
 */

#include <dirent.h>
#include <libgen.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "fwd.h"

/*
 * Files of segments this process freed while a worker still mapped them:
 * EAL unlinks a freed segment's file only if it can lock it alone, so
 * such a file stays, and no memseg names it any more. They are
 * "<prefix>map_<n>" in the hugetlbfs mounts, the prefix this process's.
 */
static void
leftovers_remove(void)
{
	char dir[256], prefix[300], path[4096];
	struct mntent *m;
	struct dirent *de;
	size_t len;
	FILE *f;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	len = (size_t)snprintf(prefix, sizeof(prefix), "%smap_", basename(dir));
	f = setmntent("/proc/mounts", "r");
	while (f != NULL && (m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "hugetlbfs") != 0 || (d = opendir(m->mnt_dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, prefix, len) == 0) {
				snprintf(path, sizeof(path), "%s/%s", m->mnt_dir, de->d_name);
				unlink(path);
			}
		closedir(d);
	}
	if (f != NULL)
		endmntent(f);
}

/* rte_memseg_walk(): unlink the hugepage file behind ms, if it has one. */
static int
unlink_seg_file(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		__rte_unused void *arg)
{
	char link[64], path[4096];
	ssize_t len;
	int fd;

	if (msl->external)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return 0;
	path[len] = '\0';
	/* --in-memory segments are memfds ("/memfd:..."): nothing to remove. */
	if (path[0] == '/' && strncmp(path, "/memfd:", 7) != 0)
		unlink(path);
	return 0;
}

/*
 * A primary that is not --in-memory: EAL leaves its hugepage files
 * (<hugetlbfs>/<prefix>map_<n>) behind at exit, for a later primary of
 * the same prefix to reuse, and their pages stay reserved until then.
 * Unlinked now, just before rte_eal_cleanup(), they go with the last
 * mapping. The files are those of this process's own memsegs: no guess
 * from the prefix, nothing of another process.
 */
void
fwd_hugefiles_remove(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY || !rte_eal_has_hugepages())
		return;
	rte_memseg_walk(unlink_seg_file, NULL);
	leftovers_remove();
}

