/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

/* The telemetry client of the telemetry suites (tel_client.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>

#include "tel_client.h"

/* The file name of the 22.11 socket in the runtime directory. */
#define TEL_SOCKET "dpdk_telemetry.v2"

char tel_buf[2 * TEL_MAX_OUTPUT];
int tel_len;
static int tel_fd = -1;

static int
tel_recv(void)
{
	ssize_t n = recv(tel_fd, tel_buf, sizeof(tel_buf) - 1, 0);

	if (n <= 0) {
		printf("telemetry: recv: %s\n", n == 0 ? "closed" : strerror(errno));
		return -1;
	}
	tel_buf[n] = '\0';
	tel_len = (int)n;
	return 0;
}

int
tel_connect(void)
{
	struct timeval tv = { .tv_sec = 10 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", rte_eal_get_runtime_dir(),
			TEL_SOCKET) >= (int)sizeof(sun.sun_path))
		return -1;
	if (access(sun.sun_path, F_OK) != 0) {
		printf("no telemetry socket at %s (--no-telemetry?)\n", sun.sun_path);
		return -ENOENT;
	}
	tel_fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (tel_fd < 0)
		return -1;
	/* A telemetry thread that never answers fails the test, not hangs it. */
	setsockopt(tel_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(tel_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		printf("telemetry: connect %s: %s\n", sun.sun_path, strerror(errno));
		tel_close();
		return -1;
	}
	/* The server speaks first: {"version": ..., "pid": ..., "max_output_len": ...}. */
	return tel_recv();
}

void
tel_close(void)
{
	if (tel_fd >= 0)
		close(tel_fd);
	tel_fd = -1;
}

int
tel_request(const char *cmd)
{
	if (send(tel_fd, cmd, strlen(cmd), 0) < 0) {
		printf("telemetry: send %s: %s\n", cmd, strerror(errno));
		return -1;
	}
	return tel_recv();
}

json_t *
tel_query(const char *cmd, json_t **val)
{
	char key[64];
	json_error_t err;
	json_t *root;
	size_t klen = strcspn(cmd, ",");

	*val = NULL;
	if (tel_request(cmd) != 0)
		return NULL;
	root = json_loads(tel_buf, 0, &err);
	if (root == NULL) {
		printf("telemetry: %s: bad JSON (%s): %.200s\n", cmd, err.text, tel_buf);
		return NULL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)klen, cmd);
	*val = json_object_get(root, key);
	return root;
}

uint64_t
tel_num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v)) {
		printf("telemetry: no integer \"%s\"\n", key);
		return UINT64_MAX;
	}
	return (uint64_t)json_integer_value(v);
}

uint64_t
tel_col(const json_t *obj, const char *key, size_t i)
{
	const json_t *v = json_array_get(json_object_get(obj, key), i);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : UINT64_MAX;
}

uint64_t
tel_col_sum(const json_t *obj, const char *key)
{
	const json_t *arr = json_object_get(obj, key);
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < json_array_size(arr); i++)
		sum += tel_col(obj, key, i);
	return sum;
}

size_t
tel_col_len(const json_t *obj, const char *key)
{
	return json_array_size(json_object_get(obj, key));
}
