/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/*
 * Telemetry columns (vmap_telemetry.h): the arrays, one per field, that
 * the per-node, per-lcore, per-window and per-process answers are made
 * of, and what those answers need to size and order their entries. The
 * commands' own files call these; nothing here calls back.
 */

#include <stdlib.h>

#include <rte_telemetry.h>

#include "vmap_private.h"
#include "vmap_telemetry.h"

static void
columns_free(struct vmap_tel_column *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		rte_tel_data_free(c[i].data);
		c[i].data = NULL;
	}
}

void *
vmap_tel_columns_alloc(struct vmap_tel_column *c, unsigned int n, size_t nr, size_t size)
{
	void *scratch = calloc(nr, size);
	unsigned int i;

	for (i = 0; scratch != NULL && i < n; i++) {
		c[i].data = rte_tel_data_alloc();
		if (c[i].data == NULL) {
			columns_free(c, i);
			free(scratch);
			scratch = NULL;
			break;
		}
		rte_tel_data_start_array(c[i].data, c[i].type);
	}
	if (scratch == NULL)
		VMAP_LOG(ERR, "telemetry: out of memory for %u columns of %zu entries", n, nr);
	return scratch;
}

void
vmap_tel_columns_attach(struct rte_tel_data *d, struct vmap_tel_column *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rte_tel_data_add_dict_container(d, c[i].key, c[i].data, 0) != 0)
			rte_tel_data_free(c[i].data);
		c[i].data = NULL;
	}
}

void
vmap_tel_columns_add_u64(struct vmap_tel_column *c, const uint64_t *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_tel_data_add_array_u64(c[i].data, v[i]);
}

size_t
vmap_tel_json_len(uint64_t v)
{
	size_t n = 1;

	do {
		n++;
		v /= 10;
	} while (v != 0);
	return n;
}

int
vmap_tel_key_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}
