#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Benchmarks on two PCI NICs behind an IOMMU, run INSIDE a guest of
# devtools/vm/run.sh (not a test: it measures, and fails only when a run
# fails), e.g.
#
#   devtools/vm/run.sh --nic e1000e --aw 48 -- test/vm/fwd-bench.sh
#
# 1. Forwarding: dpdk-vmap-fwd --iommu vfio --no-mac-updating (its mbufs in
#    windows the vfio driver maps) against dpdk-testpmd --forward-mode=io
#    (DPDK's own mbuf pool), on the same two NICs, each looping the frames
#    it sent first (--tx-first: 32 a port), with the same lcores (-l 0-1:
#    lcore 1 forwards both directions), burst, descriptors, pool size and
#    mempool cache. The two alternate, round after round. The rate is
#    packets received per second on both ports, the mean of the per-second
#    figures each prints (--stats-period 1), the first second after
#    start-up left out; then the ratio vmap-fwd / testpmd (target >= 0.9).
#    For the record (-n leaves it out), dpdk-vmap-fwd --iommu none --extmem
#    on too: the same windows, DMA-mapped by EAL as memsegs instead.
# 2. Mapping cost (-m to leave it out): vmap_vfio_perf_autotest
#    (test/test_vmap_vfio_perf.c), windows of 4 KiB and 2 MiB mapped and
#    unmapped per second through the vfio driver against
#    rte_vfio_container_dma_map() of the same kind of ranges.
#
# Prints "PERF <name> <value> <unit>" lines (the format of the C
# benchmarks) and a summary; the full output of each run goes to
# $VMAP_VM_OUT/fwd-bench/ when the rig gives a share.
#
#   test/vm/fwd-bench.sh [-b BUILD_DIR] [-s SECONDS] [-r ROUNDS] [-m] [-n]
#
# Defaults: build, 12 s of forwarding per run, 2 rounds. Under TCG a
# DPDK start-up takes 10-20 s: about ROUNDS x 3 x (SECONDS + 20) s, plus
# about a minute for the mapping cost. Rates under TCG swing by tens of
# percent from one second to the next: more rounds, steadier ratios.

# shellcheck disable=SC2317 # the run_* functions are called through a variable
set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

build_dir=build
secs=12
rounds=2
with_map=1
with_none=1

usage() {
	sed -n '/^# Benchmarks on two/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

while getopts "b:s:r:mnh" opt; do
	case "$opt" in
	b) build_dir=$OPTARG ;;
	s) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	m) with_map=0 ;;
	n) with_none=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ "$secs" =~ ^[0-9]+$ && "$rounds" =~ ^[0-9]+$ ]] || [ "$secs" -lt 3 ] ||
		[ "$rounds" -lt 1 ]; then
	echo "fwd-bench: -s wants 3 seconds or more, -r one round or more" >&2
	exit 2
fi

fwd=$build_dir/app/vmap-fwd/dpdk-vmap-fwd
test_bin=$build_dir/test/dpdk-vmap-test
testpmd=$(command -v dpdk-testpmd || true)
read -r -a nics <<<"${VMAP_VM_NICS:-}"
[ -x "$fwd" ] || { echo "fwd-bench: $fwd not built" >&2; exit 1; }
[ -n "$testpmd" ] || { echo "fwd-bench: dpdk-testpmd not found (apt install dpdk)" >&2; exit 1; }
[ "${#nics[@]}" -ge 2 ] || { echo "fwd-bench: VMAP_VM_NICS names fewer than two NICs" >&2
	exit 1; }

burst=32
desc=1024
mbufs=8192
cache=256
tx_first=32   # per port, as testpmd's --tx-first (one burst per stream)

work=$(mktemp -d /tmp/fwd-bench.XXXXXX)
keep=
if [ -n "${VMAP_VM_OUT:-}" ] && [ -d "$VMAP_VM_OUT" ]; then
	keep=$VMAP_VM_OUT/fwd-bench
	mkdir -p "$keep"
fi
trap 'rm -rf "$work"' EXIT

# EAL options of a run with file prefix $1.
eal() {
	echo "-l 0-1 -n 1 -a ${nics[0]} -a ${nics[1]} --file-prefix $1 --no-telemetry" \
		"--socket-limit 256"
}

# Remove the files of EAL file prefix $1.
cleanup_prefix() {
	rm -rf "/var/run/dpdk/$1"
	rm -f /dev/hugepages/"$1"map_* /dev/hugepages-1G/"$1"map_* 2>/dev/null
}

# Mean of the per-second totals (both ports) after the first, from
# testpmd's "Rx-pps:" lines (one per port per period, port 0 then 1; the
# first pair is printed as forwarding starts, the second covers the first
# second). Prints "<mean> <seconds>".
wall_testpmd() {
	awk '/Rx-pps:/ { v[n++] = $2 }
		END { for (i = 4; i + 1 < n; i += 2) { s += v[i] + v[i + 1]; c++ }
			if (c == 0) exit 1; printf "%.0f %d\n", s / c, c }' "$1"
}

# The same from dpdk-vmap-fwd's table: rows after each "rx-pps" header.
wall_fwd() {
	awk '/rx-pps/ { t++; next }
		t > 1 && /^ +[0-9]+ +[0-9]/ { s[t] += $2 }
		END { for (i = 2; i <= t; i++) { sum += s[i]; c++ }
			if (c == 0) exit 1; printf "%.0f %d\n", sum / c, c }' "$1"
}

# Run "$@" for $secs seconds of forwarding counted from the end of its
# start-up, then SIGINT; its output in $work/run.log. Fails when it did
# not start forwarding or did not exit 0.
timed_run() {
	local log=$work/run.log pid rc started=0 deadline

	"$@" </dev/null >"$log" 2>&1 &
	pid=$!
	# Polled every half second: under TCG every process started costs.
	deadline=$((SECONDS + 120))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if grep -qE '^(vmap-fwd: forwarding|No commandline core given, start packet forwarding)' \
				"$log"; then
			started=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	[ "$started" -eq 1 ] && sleep "$secs.5"
	kill -INT "$pid" 2>/dev/null
	deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$started" -eq 1 ] && [ "$rc" -eq 0 ]
}

# Prints "<pps> <seconds>" of one testpmd run (round $1).
run_testpmd() {
	local prefix=vmap_bench_testpmd_$$ ok=0
	local log=$work/run.log

	# shellcheck disable=SC2046 # eal's words on purpose
	timed_run "$testpmd" $(eal "$prefix") -- --nb-cores=1 --forward-mode=io \
		--burst="$burst" --rxd="$desc" --txd="$desc" --total-num-mbufs="$mbufs" --mbcache="$cache" \
		--stats-period 1 --tx-first && ok=1
	cleanup_prefix "$prefix"
	[ -n "$keep" ] && cp "$log" "$keep/testpmd-$1.log"
	if [ "$ok" -ne 1 ] || ! wall_testpmd "$log"; then
		echo "fwd-bench: testpmd run failed:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
}

# Prints "<pps> <seconds>" of one dpdk-vmap-fwd run (round $1, options $2).
run_fwd() {
	local prefix=vmap_bench_fwd_$$ ok=0
	local log=$work/run.log

	# shellcheck disable=SC2046,SC2086 # eal's and $2's words on purpose
	timed_run "$fwd" $(eal "$prefix") -- $2 --no-mac-updating \
		--burst $burst --rxd $desc --txd $desc --mbufs $mbufs --mbuf-cache $cache \
		--tx-first $tx_first --stats-period 1 && ok=1
	cleanup_prefix "$prefix"
	[ -n "$keep" ] && cp "$log" "$keep/vmap-fwd-${2// /}-$1.log"
	if [ "$ok" -ne 1 ] || ! grep -q '^summary result=OK' "$log" || ! wall_fwd "$log"; then
		echo "fwd-bench: dpdk-vmap-fwd run failed:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
}

kpps() {
	awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e3 }'
}

nic=${VMAP_VM_NIC:-?}
echo "fwd-bench: NICs ${nics[0]} ${nics[1]} ($nic), IOMMU ${VMAP_VM_AW:-?}-bit;" \
	"$rounds rounds of $secs s per variant; burst $burst, $desc descriptors, $mbufs mbufs," \
	"cache $cache, lcores 0-1"
echo "PERF_INFO nic=$nic aw=${VMAP_VM_AW:-?} rounds=$rounds seconds=$secs burst=$burst" \
	"descriptors=$desc mbufs=$mbufs cache=$cache lcores=0-1 rate=wall"
echo "PERF_INFO load_start: loadavg=$(cat /proc/loadavg)"
# name | what | how to run it; the first is the baseline, the second is
# measured against it, the others are printed for the record.
variants=(
	"testpmd_io|testpmd io|run_testpmd"
	"vmap_fwd_vfio|vmap-fwd --iommu vfio|run_fwd --iommu vfio"
	"vmap_fwd_none_extmem|vmap-fwd --iommu none --extmem on|run_fwd --iommu none --extmem on"
)
[ "$with_none" -eq 1 ] || variants=("${variants[@]:0:2}")
declare -A pkts=() secs_sum=()
status=0
for r in $(seq "$rounds"); do
	line="fwd-bench: round $r:"
	for v in "${variants[@]}"; do
		IFS='|' read -r name what how <<<"$v"
		read -r fn opts <<<"$how"
		# Files, not process substitution: the guest has no /dev/fd.
		if ! "$fn" "$r" "$opts" >"$work/rate" || ! read -r pps n <"$work/rate"; then
			status=1
			break 2
		fi
		line+=" $what $(kpps "$pps") kpps ($n s),"
		# Every second of every round weighs the same.
		pkts[$name]=$(awk -v s="${pkts[$name]:-0}" -v p="$pps" -v c="$n" \
			'BEGIN { printf "%.0f", s + p * c }')
		secs_sum[$name]=$(( ${secs_sum[$name]:-0} + n ))
	done
	echo "${line%,}"
done
if [ "$status" -eq 0 ]; then
	declare -A mean=()
	for v in "${variants[@]}"; do
		IFS='|' read -r name what how <<<"$v"
		mean[$name]=$(( ${pkts[$name]} / ${secs_sum[$name]} ))
		echo "PERF fwd_vm_${nic}_$name $(kpps "${mean[$name]}") kpps"
	done
	summary="fwd-bench: $nic:"
	for v in "${variants[@]:1}"; do
		IFS='|' read -r name what how <<<"$v"
		ratio=$(awk -v a="${mean[$name]}" -v b="${mean[testpmd_io]}" \
			'BEGIN { printf "%.3f", a / b }')
		echo "PERF fwd_vm_${nic}_${name}_vs_testpmd $ratio ratio"
		summary+=" $what $(kpps "${mean[$name]}") kpps / testpmd io"
		summary+=" $(kpps "${mean[testpmd_io]}") kpps = $ratio"
		if [ "$name" = vmap_fwd_vfio ]; then
			verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.9 ? "met" : "MISSED") }')
			echo "PERF_TARGET fwd_vm_${nic}_${name}_vs_testpmd $ratio >= 0.9 $verdict"
			summary+=" (target >= 0.9: $verdict)"
		fi
		summary+=";"
	done
	echo "${summary%;}"
fi

if [ "$with_map" -eq 1 ]; then
	prefix=vmap_bench_map_$$
	log=$work/map.log
	# shellcheck disable=SC2046 # eal's words on purpose
	DPDK_TEST=vmap_vfio_perf_autotest timeout 600 "$test_bin" $(eal "$prefix") \
		</dev/null >"$log" 2>&1
	rc=$?
	cleanup_prefix "$prefix"
	[ -n "$keep" ] && cp "$log" "$keep/map.log"
	grep -E '^(PERF|PERF_INFO|PERF_SKIP) ' "$log" | grep -v '^PERF_INFO load'
	if [ "$rc" -ne 0 ] || grep -q 'Test Failed' "$log"; then
		echo "fwd-bench: vmap_vfio_perf_autotest failed (exit $rc):" >&2
		tail -n 20 "$log" >&2
		status=1
	else
		for s in 4k 2m; do
			for m in va domain; do
				v=$(awk -v n="PERF vfio_map_${s}_vfio_${m}_vs_dpdk" \
					'index($0, n " ") == 1 { print $3 }' "$log")
				d=$(awk -v n="PERF vfio_map_${s}_vfio_${m}_driver_vs_dpdk" \
					'index($0, n " ") == 1 { print $3 }' "$log")
				echo "fwd-bench: $s windows, vfio $m space / rte_vfio_container_dma_map:" \
					"${v:-?} (the driver's share alone: ${d:-?})"
			done
		done
	fi
fi
echo "PERF_INFO load_end: loadavg=$(cat /proc/loadavg)"
exit "$status"
