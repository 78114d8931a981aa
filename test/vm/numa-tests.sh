#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# NUMA placement read back page by page (test/test_vmap_numa.c), run
# INSIDE a multi-node guest of devtools/vm/ (one lcore per node):
#
#   devtools/vm/run.sh --nodes 3 -- test/vm/numa-tests.sh
#
#   vmap_numa_autotest         windows, block windows and mbuf pools on
#                              every socket and from every node's lcore:
#                              every page on the node asked for
#   vmap_numa_strict_autotest  the last node's 2 MiB pages used up: an
#                              explicit socket fails with ENOMEM, nothing
#                              kept; SOCKET_ID_ANY falls back and says so
# Both share one EAL start. Prints "PASS name", "FAIL name: why" or
# "SKIP name: why" per test, the pages checked, then
# "N passed, M failed, K skipped".

set -u

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

bin=build/test/dpdk-vmap-test
out="${VMAP_VM_OUT:-/tmp}/numa-tests"
nodes=$(find /sys/devices/system/node -maxdepth 1 -name "node[0-9]*" | wc -l)
cpus=$(nproc)
mkdir -p "$out"
# shellcheck source=test/vm/verdict.sh
. test/vm/verdict.sh

echo "numa-tests: $nodes nodes, $cpus CPUs"
grep -H . /sys/devices/system/node/node*/hugepages/hugepages-2048kB/free_hugepages \
	2>/dev/null | sed 's|/sys/devices/system/node/||; s|/hugepages/hugepages-2048kB/| |'
timeout 600 "$bin" -l "0-$((cpus - 1))" -n 1 --in-memory --no-telemetry --no-pci \
	--file-prefix=vmap_numa -- vmap_numa_autotest vmap_numa_strict_autotest \
	> "$out/numa.log" 2>&1
grep -E 'pages checked|sockets, .* lcores|socket .* full|fell back|taken' "$out/numa.log"
skip_re='one NUMA node|hugepages missing|not checked|no NUMA'
fail_re='failed:|misplaced, [1-9]|asked for|several nodes|says socket'
autotest_verdict "$out/numa.log" vmap_numa_autotest 1 "$skip_re" "$fail_re"
autotest_verdict "$out/numa.log" vmap_numa_strict_autotest 2 "$skip_re" "$fail_re"
summary
