/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * An application outside the tree, built only from what pkg-config says
 * about librte_vmap: checks that the headers, the library and its
 * dependencies are all declared.
 */

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vmap.h>

int
main(int argc, char **argv)
{
	struct rte_vmap_params p = {
		.name = "consumer",
		.va_size = 64 << 20,
		.page_size = RTE_VMAP_PAGE_4K,
	};
	struct rte_vmap *vm;
	char *w;

	if (rte_eal_init(argc, argv) < 0)
		return 1;
	vm = rte_vmap_create(&p);
	if (vm == NULL) {
		printf("rte_vmap_create: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	w = rte_vmap_alloc(vm, 8192, 0, SOCKET_ID_ANY);
	if (w == NULL || rte_vmap_virt2iova(vm, w + 100) == RTE_BAD_IOVA) {
		printf("alloc or translation failed\n");
		return 1;
	}
	w[8191] = 1;
	if (rte_vmap_free(vm, w) != 0 || rte_vmap_verify(vm) != 0)
		return 1;
	rte_vmap_destroy(vm);
	rte_eal_cleanup();
	printf("consumer: OK\n");
	return 0;
}
