#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# End-to-end check of the telemetry commands and usertools/dpdk-vmap-map.py,
# in two parts:
#   one process   dpdk-vmap-demo with --hold (its space stays alive,
#                 telemetry on): the space drawn with --text and --png,
#                 what comes out checked, the demo stopped;
#   processes     a shared space (RTE_VMAP_F_SHARED, issue 16) holding
#                 windows of three processes: vmap_mp_telemetry_autotest of
#                 dpdk-vmap-test with VMAP_MP_TEL_HOLD (it waits while that
#                 file exists); the map must list each process and give
#                 each window its process's pid; then the test finishes
#                 and must pass. Skipped, saying why, without the test
#                 binary or free hugepages (secondaries map hugepage files).
# Not part of the default suite: it needs a build and root (the telemetry
# socket lives under /var/run/dpdk).
#
#   devtools/check-vmap-map.sh [BUILD_DIR]      (default: build)

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

build=${1:-build}
demo=$build/app/vmap-demo/dpdk-vmap-demo
test_bin=$build/test/dpdk-vmap-test
prefix=vmap_map_check
mp_prefix=vmap_map_check_mp
work=$(mktemp -d)
demo_pid=
mp_pid=

stop() {
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}

cleanup() {
	stop "$demo_pid"
	stop "$mp_pid"
	# Killed before its cleanup: its runtime directory (and socket) stays
	# behind, and the test's hugepage files (the demo runs --in-memory).
	rm -rf "$work" "/var/run/dpdk/$prefix" "/var/run/dpdk/$mp_prefix" \
		"/var/run/dpdk/${mp_prefix}_other"
	rm -f /dev/hugepages/"$mp_prefix"map_*
}
trap cleanup EXIT

fail() {
	echo "check-vmap-map: FAIL: $*" >&2
	exit 1
}

# Wait until process $1 prints "holding space" into $2 (what it is: $3), 20 s at most.
wait_holding() {
	for _ in $(seq 100); do
		grep -q '^holding space' "$2" && return
		kill -0 "$1" 2>/dev/null || fail "$3 exited: $(tail -5 "$2")"
		sleep 0.2
	done
	fail "$3 did not reach its hold"
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
wait_holding "$demo_pid" "$work/demo.out" "the demo"

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
grep -q '^ process .* primary : ' "$work/map.txt" || fail "no primary process line"
stop "$demo_pid"

# ---- processes: a shared space, the primary answering for its secondaries ----

# The windows of map.txt per pid, against its process lines: "pid windows" each.
pids_agree() {
	awk '/^ process / { for (i = 3; i <= NF; i++) if ($i == "windows,") want[$2] = $(i - 1) }
	     /^  0x/ { got[$NF]++ }
	     END {
		for (p in got) if (!(p in want)) { print "window of unlisted pid " p; bad = 1 }
		for (p in want) if (got[p] != want[p]) {
			print "pid " p ": " got[p] + 0 " windows listed, " want[p] " held"; bad = 1
		}
		exit bad
	     }' "$1"
}

check_processes() {
	if [ ! -x "$test_bin" ]; then
		echo "check-vmap-map: processes part skipped: no $test_bin (-Dtests=false?)"
		return
	fi
	if [ "$(sh devtools/has-hugepages.sh)" -eq 0 ]; then
		echo "check-vmap-map: processes part skipped: no free hugepages (secondaries" \
			"map the primary's hugepage files)"
		return
	fi
	touch "$work/hold"
	DPDK_TEST=vmap_mp_telemetry_autotest VMAP_TEST_HUGEPAGES=auto \
		VMAP_MP_TEL_HOLD="$work/hold" "$test_bin" -l "${eal_args[1]}" --no-pci \
		--file-prefix "$mp_prefix" >"$work/mp.out" 2>&1 &
	mp_pid=$!
	wait_holding "$mp_pid" "$work/mp.out" "vmap_mp_telemetry_autotest"

	python3 usertools/dpdk-vmap-map.py --file-prefix "$mp_prefix" --space mp_tel --text \
		--windows 200 >"$work/mp.txt"
	cat "$work/mp.txt"
	grep -q '^vmap mp_tel: .*, shared$' "$work/mp.txt" || fail "mp_tel not shown as shared"
	[ "$(grep -c '^ process ' "$work/mp.txt")" -eq 3 ] || fail "not three processes"
	[ "$(grep -c '^ process .* primary : ' "$work/mp.txt")" -eq 1 ] || fail "no primary"
	# The secondaries allocated and exited: their windows wait for a reclaim.
	[ "$(grep -c '^ process .* gone ' "$work/mp.txt")" -eq 2 ] || fail "not two gone"
	[ "$(grep -c '^  0x' "$work/mp.txt")" -eq 19 ] || fail "not 19 windows"
	pids_agree "$work/mp.txt" || fail "windows and processes disagree"
	python3 usertools/dpdk-vmap-map.py --file-prefix "$mp_prefix" --space mp_tel \
		--png "$work/mp.png" >/dev/null || fail "no PNG of the shared space"

	rm -f "$work/hold"
	if ! wait "$mp_pid"; then
		mp_pid=
		fail "vmap_mp_telemetry_autotest failed: $(grep -m3 'failed' "$work/mp.out")"
	fi
	mp_pid=
}
check_processes
echo "check-vmap-map: OK"
