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
# hits them alike, and each variant's result is the median over the
# rounds. Two rates per run:
#
#   wall  packets received per second (both ports), the mean of the
#         per-second figures the application prints, first second left out
#   cpu   packets received per second of CPU time of the forwarding lcore
#         (its thread's schedstat): what a dedicated core would do, not
#         counting the time other processes took from it. On a shared
#         machine the wall rate swings by tens of percent from one second
#         to the next; the targets are judged on the cpu rate.
#
# Port kinds:
#
#   null  net_null0/net_null1: RX allocates 64-byte mbufs, TX frees them
#         (the mempool on the fast path)
#   ring  net_ring0/net_ring1: 32 frames sent first on each port loop
#         between the two rings (pure forwarding)
#
# Prints "PERF <name> <value> <unit>" lines, "PERF_TARGET" lines for the
# targets (within 3%) and "PERF_INFO" lines for the set-up, in the format
# of the C benchmarks (test/test_vmap_perf.c), so devtools/perf-report
# takes them into the report; then a summary. Usage:
#
#   devtools/fwd-bench.sh [-b BUILD_DIR] [-s SECONDS] [-r ROUNDS] [-k null|ring|both]
#
# Defaults: build, 4 s per run, 5 rounds, both kinds. Runs take about
# kinds x rounds x 3 x (SECONDS + 2) seconds. Exit status 0 even when a
# target is missed (it is a measurement); 1 if a run fails.

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

build_dir=build
secs=4
rounds=5
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
# The first second of a run is left out of its rates: at least 2 s per run.
if ! [[ "$secs" =~ ^[0-9]+$ && "$rounds" =~ ^[0-9]+$ ]] || [ "$secs" -lt 2 ] ||
		[ "$rounds" -lt 1 ]; then
	echo "fwd-bench: -s wants 2 seconds or more, -r one round or more" >&2
	exit 2
fi

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
declare -A last_w=() last_c=() med_w=() med_c=() name=()
trap 'rm -rf "$work"' EXIT

vdevs() {
	echo "--vdev net_$1""0 --vdev net_$1""1"
}

# Mean of the per-second totals after the first, from testpmd's
# "Rx-pps:" lines (one per port per period, port 0 then port 1).
wall_testpmd() {
	awk '/Rx-pps:/ { v[n++] = $2 }
		END { for (i = 2; i + 1 < n; i += 2) { s += v[i] + v[i + 1]; c++ }
			if (c == 0) exit 1; printf "%.0f\n", s / c }' "$1"
}

# The same from dpdk-vmap-fwd's table: rows after each "rx-pps" header.
wall_fwd() {
	awk '/rx-pps/ { t++; next }
		t > 1 && /^ +[0-9]+ +[0-9]/ { s[t] += $2 }
		END { for (i = 2; i <= t; i++) { sum += s[i]; c++ }
			if (c == 0) exit 1; printf "%.0f\n", sum / c }' "$1"
}

# Packets received on all ports over the run.
total_testpmd() {
	awk '/Accumulated forward statistics/ { acc = 1 }
		acc && /RX-packets:/ { print $2; exit }' "$1"
}

total_fwd() {
	awk '/^summary port=/ { for (i = 1; i <= NF; i++) if ($i ~ /^rx_pkts=/) {
			sub("rx_pkts=", "", $i); s += $i } }
		END { print s + 0 }' "$1"
}

# CPU nanoseconds of process $1's forwarding lcore (EAL's "rte-worker-1").
worker_cpu_ns() {
	local t

	for t in /proc/"$1"/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = rte-worker-1 ]; then
			awk '{ print $1 }' "$t/schedstat"
			return 0
		fi
	done
	return 1
}

# Run "$@" for $secs seconds of forwarding (plus start-up), then SIGINT;
# log in $work/run.log, forwarding lcore CPU time in $work/cpu_ns.
timed_run() {
	local log=$work/run.log pid i

	"$@" </dev/null >"$log" 2>&1 &
	pid=$!
	for i in $(seq 300); do
		# testpmd 22.11 without -i says "No commandline core given, start
		# packet forwarding"; older ones "Start automatic packet forwarding".
		grep -qE '^(vmap-fwd: forwarding|Start automatic packet forwarding|No commandline core given, start packet forwarding)' \
			"$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$secs.5"
	worker_cpu_ns "$pid" >"$work/cpu_ns" || echo 0 >"$work/cpu_ns"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || return 1
}

# Prints "<wall pps> <cpu pps>".
run_testpmd() {
	local kind=$1 log=$work/run.log extra=() total cpu

	[ "$kind" = ring ] && extra=(--tx-first)
	# shellcheck disable=SC2046
	timed_run "$testpmd" "${eal[@]}" $(vdevs "$kind") -- \
		--nb-cores=1 --forward-mode=io --burst=$burst --rxd=$desc --txd=$desc \
		--total-num-mbufs=$mbufs --mbcache=$cache --stats-period 1 "${extra[@]}" || true
	total=$(total_testpmd "$log")
	cpu=$(cat "$work/cpu_ns")
	if [ -z "$total" ] || [ "$cpu" -eq 0 ]; then
		echo "fwd-bench: testpmd run failed:" >&2
		tail "$log" >&2
		exit 1
	fi
	echo "$(wall_testpmd "$log") $(awk -v p="$total" -v n="$cpu" 'BEGIN { printf "%.0f", p / (n / 1e9) }')"
}

run_fwd() {
	local kind=$1 churn=$2 log=$work/run.log extra=() total cpu

	[ "$kind" = ring ] && extra=(--tx-first $tx_first)
	# shellcheck disable=SC2046
	if ! timed_run "$fwd" "${eal[@]}" $(vdevs "$kind") -- "${page[@]}" --no-mac-updating \
			--burst $burst --rxd $desc --txd $desc --mbufs $mbufs --mbuf-cache $cache \
			--churn "$churn" "${extra[@]}"; then
		echo "fwd-bench: dpdk-vmap-fwd failed:" >&2
		tail -20 "$log" >&2
		exit 1
	fi
	total=$(total_fwd "$log")
	cpu=$(cat "$work/cpu_ns")
	[ "$cpu" -gt 0 ] || { echo "fwd-bench: no forwarding lcore found" >&2; exit 1; }
	echo "$(wall_fwd "$log") $(awk -v p="$total" -v n="$cpu" 'BEGIN { printf "%.0f", p / (n / 1e9) }')"
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
# The machine line perf-report puts in the report, as the C benchmarks print it.
echo "PERF_INFO cpu=$(awk -F': ' '/^model name/ { gsub(/ /, "_", $2); print $2; exit }' \
	/proc/cpuinfo) lcores=$(nproc)"
echo "PERF_INFO load_start: loadavg=$(cat /proc/loadavg)"
echo "PERF_INFO ports=${kinds[*]} rounds=$rounds seconds=$secs burst=$burst descriptors=$desc" \
	"mbufs=$mbufs cache=$cache lcores=0-1 rate=cpu (targets) and wall"
summary=()
for kind in "${kinds[@]}"; do
	declare -A wall=() cpu=()
	for r in $(seq "$rounds"); do
		for v in testpmd fwd churn; do
			case "$v" in
			testpmd) read -r w c < <(run_testpmd "$kind") ;;
			fwd) read -r w c < <(run_fwd "$kind" 0) ;;
			churn) read -r w c < <(run_fwd "$kind" 1000) ;;
			esac
			wall[$v]+="$w "
			cpu[$v]+="$c "
			last_w[$v]=$w
			last_c[$v]=$c
		done
		echo "fwd-bench: $kind round $r (Mpps wall/cpu): testpmd" \
			"$(mpps "${last_w[testpmd]}")/$(mpps "${last_c[testpmd]}"), vmap-fwd" \
			"$(mpps "${last_w[fwd]}")/$(mpps "${last_c[fwd]}"), vmap-fwd --churn 1000" \
			"$(mpps "${last_w[churn]}")/$(mpps "${last_c[churn]}")"
	done
	for v in testpmd fwd churn; do
		# shellcheck disable=SC2086
		med_w[$v]=$(median ${wall[$v]})
		# shellcheck disable=SC2086
		med_c[$v]=$(median ${cpu[$v]})
	done
	name=([testpmd]=testpmd_io [fwd]=vmap_fwd [churn]=vmap_fwd_churn1000)
	for v in testpmd fwd churn; do
		echo "PERF fwd_${kind}_${name[$v]} $(mpps "${med_w[$v]}") Mpps"
		echo "PERF fwd_${kind}_${name[$v]}_cpu $(mpps "${med_c[$v]}") Mpps"
	done
	r1=$(ratio "${med_c[fwd]}" "${med_c[testpmd]}")
	r2=$(ratio "${med_c[churn]}" "${med_c[fwd]}")
	echo "PERF fwd_${kind}_vmap_fwd_vs_testpmd_wall $(ratio "${med_w[fwd]}" "${med_w[testpmd]}") ratio"
	echo "PERF fwd_${kind}_churn1000_vs_no_churn_wall $(ratio "${med_w[churn]}" "${med_w[fwd]}") ratio"
	echo "PERF fwd_${kind}_vmap_fwd_vs_testpmd $r1 ratio"
	echo "PERF fwd_${kind}_churn1000_vs_no_churn $r2 ratio"
	echo "PERF_TARGET fwd_${kind}_vmap_fwd_vs_testpmd $r1 >= 0.97 $(verdict "$r1")"
	echo "PERF_TARGET fwd_${kind}_churn1000_vs_no_churn $r2 >= 0.97 $(verdict "$r2")"
	summary+=("$kind: vmap-fwd / testpmd io = $r1 (cpu rate; target >= 0.97: $(verdict "$r1"))")
	summary+=("$kind: churn 1000 / no churn = $r2 (cpu rate; target >= 0.97: $(verdict "$r2"))")
	unset wall cpu
done
echo "PERF_INFO load_end: loadavg=$(cat /proc/loadavg)"
printf 'fwd-bench: %s\n' "${summary[@]}"
