#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Forwarding benchmark of dpdk-vmap-fwd (not a timed test): on the same
# virtual ports, in the same run, it measures
#
#   testpmd   dpdk-testpmd --forward-mode=io (DPDK's own mbuf pool)
#   fwd       dpdk-vmap-fwd --no-mac-updating (mbufs in vmap windows)
#   churn     dpdk-vmap-fwd --no-mac-updating --churn 1000
#
# with the same lcores (-l 0-1: the main lcore prints, lcore 1 forwards
# both directions), burst, descriptors, pool size and mempool cache. The
# three alternate, round after round, so that a slow spell of the machine
# hits them alike; each run's rate is the mean of its per-second totals
# (RX packets per second summed over both ports) after the first second,
# and each variant's result is the median over the rounds. Port kinds:
#
#   null  net_null0/net_null1: RX allocates 64-byte mbufs, TX frees them
#         (the mempool on the fast path)
#   ring  net_ring0/net_ring1: 32 frames sent first on each port loop
#         between the two rings (pure forwarding)
#
# Prints "PERF <name> <value> <unit>" lines, then the ratios and whether
# the targets (within 3%) are met. Usage:
#
#   sudo devtools/fwd-bench.sh [-b BUILD_DIR] [-s SECONDS] [-r ROUNDS] [-k null|ring|both]
#
# Defaults: build, 5 s per run, 3 rounds, both kinds. Runs take about
# kinds x rounds x 3 x (SECONDS + 2) seconds. Exit status 0 even when a
# target is missed (it is a measurement); 1 if a run fails.

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

build_dir=build
secs=5
rounds=3
kinds=(null ring)

usage() {
	sed -n '/^# Forwarding benchmark/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

while getopts "b:s:r:k:h" opt; do
	case "$opt" in
	b) build_dir=$OPTARG ;;
	s) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	k) if [ "$OPTARG" = both ]; then kinds=(null ring); else kinds=("$OPTARG"); fi ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

fwd=$build_dir/app/vmap-fwd/dpdk-vmap-fwd
testpmd=$(command -v dpdk-testpmd || true)
[ -x "$fwd" ] || { echo "fwd-bench: $fwd not built" >&2; exit 1; }
[ -n "$testpmd" ] || { echo "fwd-bench: dpdk-testpmd not found (apt install dpdk)" >&2; exit 1; }
if [ "$(nproc)" -lt 2 ]; then
	echo "fwd-bench: needs 2 CPUs (the main lcore and a forwarding lcore)" >&2
	exit 1
fi

burst=32
desc=1024
mbufs=16384
cache=256
tx_first=32   # per port, as testpmd's --tx-first (one burst per stream)

eal=(-l 0-1 --no-pci --no-telemetry --file-prefix "vmap_fwd_bench_$$")
page=()
if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
	eal+=(--in-memory)
else
	echo "fwd-bench: no free hugepages: --no-huge -m 512 and 4 KiB pages (numbers mean little)"
	eal+=(--no-huge -m 512)
	page=(--page-size 4K)
fi

work=$(mktemp -d /tmp/fwd-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

vdevs() {
	echo "--vdev net_$1""0 --vdev net_$1""1"
}

# Mean of the per-second totals after the first, from testpmd's
# "Rx-pps:" lines (one per port per period, port 0 then port 1).
rate_testpmd() {
	awk '/Rx-pps:/ { v[n++] = $2 }
		END { for (i = 2; i + 1 < n; i += 2) { s += v[i] + v[i + 1]; c++ }
			if (c == 0) exit 1; printf "%.0f\n", s / c }' "$1"
}

# The same from dpdk-vmap-fwd's table: rows after each "rx-pps" header.
rate_fwd() {
	awk '/rx-pps/ { t++; next }
		t > 1 && /^ +[0-9]+ +[0-9]/ { s[t] += $2 }
		END { for (i = 2; i <= t; i++) { sum += s[i]; c++ }
			if (c == 0) exit 1; printf "%.0f\n", sum / c }' "$1"
}

run_testpmd() {
	local kind=$1 log=$work/testpmd.log extra=()

	[ "$kind" = ring ] && extra=(--tx-first)
	# shellcheck disable=SC2046
	timeout -s INT $((secs + 2)) "$testpmd" "${eal[@]}" $(vdevs "$kind") -- \
		--nb-cores=1 --forward-mode=io --burst=$burst --rxd=$desc --txd=$desc \
		--total-num-mbufs=$mbufs --mbcache=$cache --stats-period 1 "${extra[@]}" \
		</dev/null >"$log" 2>&1 || true
	rate_testpmd "$log" || { echo "fwd-bench: testpmd run failed:" >&2; tail "$log" >&2; exit 1; }
}

run_fwd() {
	local kind=$1 churn=$2 log=$work/fwd.log extra=()

	[ "$kind" = ring ] && extra=(--tx-first $tx_first)
	# shellcheck disable=SC2046
	if ! "$fwd" "${eal[@]}" $(vdevs "$kind") -- "${page[@]}" --no-mac-updating \
			--burst $burst --rxd $desc --txd $desc --mbufs $mbufs --mbuf-cache $cache \
			--churn "$churn" --duration $((secs + 1)) "${extra[@]}" \
			</dev/null >"$log" 2>&1; then
		echo "fwd-bench: dpdk-vmap-fwd failed:" >&2
		tail -20 "$log" >&2
		exit 1
	fi
	rate_fwd "$log"
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

mpps() {
	awk -v v="$1" 'BEGIN { printf "%.3f", v / 1e6 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'
}

verdict() {
	awk -v r="$1" 'BEGIN { print (r >= 0.97 ? "met" : "MISSED") }'
}

echo "fwd-bench: ${kinds[*]} ports, $rounds rounds of $secs s per variant; burst $burst," \
	"$desc descriptors, $mbufs mbufs, cache $cache, lcores 0-1"
summary=()
for kind in "${kinds[@]}"; do
	tp=() fw=() ch=()
	for r in $(seq "$rounds"); do
		tp+=("$(run_testpmd "$kind")")
		fw+=("$(run_fwd "$kind" 0)")
		ch+=("$(run_fwd "$kind" 1000)")
		echo "fwd-bench: $kind round $r: testpmd $(mpps "${tp[-1]}") Mpps," \
			"vmap-fwd $(mpps "${fw[-1]}") Mpps, vmap-fwd --churn 1000 $(mpps "${ch[-1]}") Mpps"
	done
	t=$(median "${tp[@]}")
	f=$(median "${fw[@]}")
	c=$(median "${ch[@]}")
	echo "PERF fwd_${kind}_testpmd_io $(mpps "$t") Mpps"
	echo "PERF fwd_${kind}_vmap_fwd $(mpps "$f") Mpps"
	echo "PERF fwd_${kind}_vmap_fwd_churn1000 $(mpps "$c") Mpps"
	r1=$(ratio "$f" "$t")
	r2=$(ratio "$c" "$f")
	echo "PERF fwd_${kind}_vmap_fwd_vs_testpmd $r1 ratio"
	echo "PERF fwd_${kind}_churn1000_vs_no_churn $r2 ratio"
	summary+=("$kind: vmap-fwd / testpmd io = $r1 (target >= 0.97: $(verdict "$r1"))")
	summary+=("$kind: churn 1000 / no churn = $r2 (target >= 0.97: $(verdict "$r2"))")
done
printf 'fwd-bench: %s\n' "${summary[@]}"
