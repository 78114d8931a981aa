#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Print the number of free hugepages of the default size (0 if none or not
# Linux), like DPDK's app/test/has_hugepage.py. test/meson.build runs it at
# configure time to choose between --in-memory and --no-huge -m 512.

awk '/^HugePages_Free:/ { n = $2 } END { print n + 0 }' /proc/meminfo 2>/dev/null ||
	echo 0
