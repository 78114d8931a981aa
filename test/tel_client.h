/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_vmap authors
 */

#ifndef _TEL_CLIENT_H_
#define _TEL_CLIENT_H_

/*
 * A client of this process's own telemetry socket, as dpdk-telemetry.py
 * talks to it (SOCK_SEQPACKET on <runtime dir>/dpdk_telemetry.v2), and
 * readers of the answers parsed with jansson (which libdpdk-dev depends
 * on). For the suites that check telemetry through the real socket
 * (test_vmap_telemetry.c, test_vmap_mp_telemetry.c); one connection at a
 * time, not thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* 22.11 telemetry: the largest answer. */
#define TEL_MAX_OUTPUT (16 * 1024)

/* The last answer as received, NUL-terminated, and its length. */
extern char tel_buf[2 * TEL_MAX_OUTPUT];
extern int tel_len;

/*
 * Connect and read the server's greeting: 0; -ENOENT if this process has
 * no socket (--no-telemetry: the caller skips); -1 on another failure.
 */
int tel_connect(void);
void tel_close(void);
/* Send cmd and read the answer into tel_buf: 0 or -1 (printed). */
int tel_request(const char *cmd);
/*
 * Send cmd and parse the answer: its root (json_decref() it), its value
 * (answer[cmd without parameters]) in *val. NULL (printed) on failure.
 */
json_t *tel_query(const char *cmd, json_t **val);

/* The integer at key in obj, or UINT64_MAX (and a message) if none. */
uint64_t tel_num(const json_t *obj, const char *key);
/* Entry i of the column key of obj (an array of integers); UINT64_MAX if none. */
uint64_t tel_col(const json_t *obj, const char *key, size_t i);
uint64_t tel_col_sum(const json_t *obj, const char *key);
size_t tel_col_len(const json_t *obj, const char *key);

#endif /* _TEL_CLIENT_H_ */
