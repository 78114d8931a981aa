#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# End-to-end check of the telemetry commands and usertools/dpdk-vmap-map.py:
# runs dpdk-vmap-demo with --hold (its space stays alive, telemetry on),
# draws the space with --text and --png, checks what comes out, and stops
# the demo. Not part of the default suite: it needs a build and root (the
# telemetry socket lives under /var/run/dpdk).
#
#   devtools/check-vmap-map.sh [BUILD_DIR]      (default: build)

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

build=${1:-build}
demo=$build/app/vmap-demo/dpdk-vmap-demo
prefix=vmap_map_check
work=$(mktemp -d)
demo_pid=

cleanup() {
	if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
		kill "$demo_pid" 2>/dev/null || true
		wait "$demo_pid" 2>/dev/null || true
	fi
	# Killed before its cleanup: its runtime directory (and socket) stays behind.
	rm -rf "$work" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

fail() {
	echo "check-vmap-map: FAIL: $*" >&2
	exit 1
}

[ -x "$demo" ] || fail "$demo not built"

eal_args=(-l 0-1 --no-pci --file-prefix "$prefix")
app_args=(--windows 32 --nodes 4 --topology "package:2 core:1 pu:1" --hold 30)
if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
	eal_args+=(--in-memory)
else
	eal_args+=(--no-huge -m 512)
	app_args+=(--page-size 4K)
fi
if [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; then
	eal_args[1]=0
fi

"$demo" "${eal_args[@]}" -- "${app_args[@]}" >"$work/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 100); do
	grep -q '^holding space' "$work/demo.out" && break
	kill -0 "$demo_pid" 2>/dev/null || fail "the demo exited: $(tail -3 "$work/demo.out")"
	sleep 0.2
done
grep -q '^holding space' "$work/demo.out" || fail "the demo did not reach --hold"

python3 usertools/dpdk-vmap-map.py --file-prefix "$prefix" --text >"$work/map.txt"
cat "$work/map.txt"
grep -q '^vmap vmap_demo: ' "$work/map.txt" || fail "no space line"
[ "$(grep -c '^ socket ' "$work/map.txt")" -eq 2 ] || fail "not two sockets"
[ "$(grep -c '^  node ' "$work/map.txt")" -eq 4 ] || fail "not four nodes"
grep -q '^ lcore ' "$work/map.txt" || fail "no lcore line"

python3 usertools/dpdk-vmap-map.py --file-prefix "$prefix" --space vmap_demo \
	--png "$work/map.png" >/dev/null
[ "$(head -c 8 "$work/map.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "not a PNG"

if python3 usertools/dpdk-vmap-map.py --file-prefix "$prefix" --space no_such_space \
		--text >/dev/null 2>&1; then
	fail "an unknown space did not fail"
fi
echo "check-vmap-map: OK"
