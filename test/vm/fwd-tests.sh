#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# dpdk-vmap-fwd on two PCI NICs behind an IOMMU: run INSIDE a guest of
# devtools/vm/run.sh (the NICs on vfio-pci, cabled back to back), e.g.
#
#   devtools/vm/run.sh --nic e1000e --aw 39 -- test/vm/fwd-tests.sh
#
# One forwarder run per configuration:
#
#   vfio-va      --iommu vfio --iova-mode va      (the vfio driver maps each
#                window in EAL's container, IOVA = VA)
#   vfio-domain  --iommu vfio --iova-mode domain  (IOVAs from the space's
#                own domain)
#   none-extmem  --iommu none --extmem on         (windows are DPDK memsegs,
#                DMA-mapped by EAL's own VFIO)
#
# each with --tx-first, --churn and --check-iova, for SECONDS of traffic
# counted from the end of DPDK's start-up (the app's --duration does so).
# A run passes when: the app exits 0 with "summary result=OK" and
# "summary verify=OK"; every port received and sent packets; each
# direction's accounting holds (rx(A) = tx(B) + drops(B)); the ports' own
# counters agree with the application's within the frames in flight (the
# loop holds only the frames sent first: at the end they are in RX rings,
# counted by the NIC but not yet by the app, or in TX rings, counted by the
# app but not yet sent); --check-iova and --churn saw no fault or failure;
# and the guest kernel logged no DMAR fault during the run.
#
# Prints "PASS <name>", "FAIL <name>: why" or "SKIP <name>: why" per run,
# then "N passed, M failed, K skipped"; exit status 1 if a run failed.
# Each run's output is kept in $VMAP_VM_OUT/fwd-<name>.log when the rig
# gives a share.
#
#   test/vm/fwd-tests.sh [-b BUILD_DIR] [-d SECONDS] [-c CHURN] [-t TX_FIRST]
#                        [-p 4K|2M|1G] [-r NAME[,NAME...]]...
#
# Defaults: build, 20 s, churn 1000 windows/s, 32 frames first per port,
# the app's page size (2M), every run. -p gives every run --page-size and
# the check that the space has those pages, and adds "-<size>" to the run
# names (fwd-vfio-va-1G); 1 GiB pages must be reserved in the guest
# (run.sh --hugepages-1g). -r may be given more than once. The NICs are
# the first two of $VMAP_VM_NICS. About 50 s a run under TCG.

# shellcheck disable=SC2015 # "a && b || { why; return; }" on purpose
set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

build_dir=build
secs=20
churn=1000
tx_first=32
page=
only=

usage() {
	sed -n '/^# dpdk-vmap-fwd on two/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

while getopts "b:d:c:t:p:r:h" opt; do
	case "$opt" in
	b) build_dir=$OPTARG ;;
	d) secs=$OPTARG ;;
	c) churn=$OPTARG ;;
	t) tx_first=$OPTARG ;;
	p) page=$OPTARG ;;
	r) only+=${only:+,}$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$page" in
""|4K|2M|1G) ;;
*) echo "fwd-tests: -p 4K, 2M or 1G, not '$page'" >&2; exit 2 ;;
esac

# name | app options
runs=(
	"vfio-va|--iommu vfio --iova-mode va"
	"vfio-domain|--iommu vfio --iova-mode domain"
	"none-extmem|--iommu none --extmem on"
)

app=$build_dir/app/vmap-fwd/dpdk-vmap-fwd
out_dir=${VMAP_VM_OUT:-}
read -r -a nics <<<"${VMAP_VM_NICS:-}"
work=$(mktemp -d /tmp/fwd-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=test/vm/verdict.sh
. test/vm/verdict.sh

# Why no run can start here, or nothing.
cannot_run() {
	local n drv

	if [ "${VMAP_VM:-}" != 1 ]; then
		echo "not in a devtools/vm/run.sh guest (VMAP_VM unset)"
		return
	fi
	if [ ! -x "$app" ]; then
		echo "$app not built"
		return
	fi
	n=$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null)
	if [ "$page" = 1G ] && [ "${n:-0}" -lt 1 ]; then
		echo "no free 1 GiB page (${n:-none} free; run.sh --hugepages-1g N)"
		return
	fi
	if [ "${#nics[@]}" -lt 2 ]; then
		echo "fewer than two NICs in VMAP_VM_NICS ('${VMAP_VM_NICS:-}')"
		return
	fi
	for n in "${nics[@]:0:2}"; do
		drv=$(basename "$(readlink "/sys/bus/pci/devices/$n/driver" 2>/dev/null)" 2>/dev/null)
		if [ "$drv" != vfio-pci ]; then
			echo "NIC $n is bound to '${drv:-nothing}', not vfio-pci"
			return
		fi
	done
}

# Seconds since boot: the dmesg timestamps' clock.
uptime_now() {
	awk '{ print $1 }' /proc/uptime
}

# DMAR fault lines the kernel logged at or after uptime $1.
dmar_faults_since() {
	dmesg 2>/dev/null | awk -v t0="$1" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
			t = substr($0, 2, RLENGTH - 2) + 0
			if (t >= t0 && ($0 ~ /DMAR: \[DMA (Read|Write)/ ||
					$0 ~ /DMAR: DRHD: handling fault/))
				print
		}'
}

# Value of key $2 on the first "summary" line that starts with $1 (log $3).
field() {
	awk -v head="$1" -v key="$2" '
		index($0, head) == 1 {
			for (i = 1; i <= NF; i++)
				if (index($i, key "=") == 1) {
					v = substr($i, length(key) + 2)
					gsub(/"/, "", v)
					print v
					exit
				}
		}' "$3"
}

# The checks of one run's log $1 (the app's exit status $2); prints the
# first problem found, nothing when all hold.
check_log() {
	local log=$1 rc=$2 inflight=0 p sent rx tx drops ipk opk a b n v

	if [ "$rc" -ne 0 ]; then
		echo "exit status $rc ($(grep -m1 -E 'EAL: Error|Cannot|cannot|: No |failed' "$log" |
			tr -s ' ' | cut -c1-160))"
		return
	fi
	[ -z "$page" ] || grep -q "^vmap-fwd: space .*: pages $page," "$log" ||
		{ echo "the space's pages are not $page: $(grep -m1 '^vmap-fwd: space' "$log")"
		  return; }
	[ "$(field 'summary result=' result "$log")" = OK ] ||
		{ echo "summary result is not OK"; return; }
	[ "$(field 'summary verify=' verify "$log")" = OK ] ||
		{ echo "rte_vmap_verify() failed at the end"; return; }
	v=$(field 'summary seconds=' seconds "$log")
	awk -v s="${v:-0}" -v d="$secs" 'BEGIN { exit !(s >= d * 0.9) }' ||
		{ echo "forwarded for ${v:-?} s, not $secs"; return; }
	for p in 0 1; do
		sent=$(sed -n "s/^vmap-fwd: port $p: \([0-9]*\) frames sent first$/\1/p" "$log")
		[ -n "$sent" ] && [ "$sent" -gt 0 ] ||
			{ echo "port $p sent no frame first"; return; }
		inflight=$((inflight + sent))
	done
	for p in 0 1; do
		rx=$(field "summary port=$p " rx_pkts "$log")
		tx=$(field "summary port=$p " tx_pkts "$log")
		drops=$(field "summary port=$p " drops "$log")
		ipk=$(field "summary port=$p " ipackets "$log")
		opk=$(field "summary port=$p " opackets "$log")
		[ -n "$rx" ] && [ -n "$tx" ] && [ -n "$ipk" ] && [ -n "$opk" ] ||
			{ echo "no summary of port $p"; return; }
		[ "$rx" -gt 0 ] && [ "$tx" -gt 0 ] ||
			{ echo "port $p: rx $rx, tx $tx packets"; return; }
		# Received by the NIC, not yet by the app: in its RX ring.
		n=$((ipk - rx))
		[ "$n" -ge 0 ] && [ "$n" -le "$inflight" ] ||
			{ echo "port $p: NIC ipackets $ipk vs app rx $rx (in flight <= $inflight)"
			  return; }
		# Given to the NIC (forwarded or sent first), not yet sent: in its TX ring.
		sent=$(sed -n "s/^vmap-fwd: port $p: \([0-9]*\) frames sent first$/\1/p" "$log")
		n=$((tx + sent - opk))
		[ "$n" -ge 0 ] && [ "$n" -le "$inflight" ] ||
			{ echo "port $p: NIC opackets $opk vs app tx $tx + $sent sent first" \
				"(in flight <= $inflight)"; return; }
	done
	for a in 0 1; do
		b=$((1 - a))
		[ "$(field "summary direction=$a->$b " accounting "$log")" = ok ] ||
			{ echo "direction $a->$b: accounting $(grep "summary direction=$a->$b " "$log")"
			  return; }
		rx=$(field "summary port=$a " rx_pkts "$log")
		tx=$(field "summary port=$b " tx_pkts "$log")
		drops=$(field "summary port=$b " drops "$log")
		[ "$rx" -eq $((tx + drops)) ] ||
			{ echo "direction $a->$b: rx $rx != tx $tx + drops $drops"; return; }
	done
	v=$(field 'summary check_iova ' segments "$log")
	[ -n "$v" ] && [ "$v" -gt 0 ] && [ "$(field 'summary check_iova ' faults "$log")" = 0 ] ||
		{ echo "check-iova: $(grep 'summary check_iova' "$log")"; return; }
	if [ "$churn" -gt 0 ]; then
		v=$(field 'summary churn ' allocs "$log")
		[ -n "$v" ] && [ "$v" -gt 0 ] &&
			[ "$(field 'summary churn ' alloc_fails "$log")" = 0 ] &&
			[ "$(field 'summary churn ' free_fails "$log")" = 0 ] &&
			[ "$(field 'summary churn ' iova_faults "$log")" = 0 ] ||
			{ echo "churn: $(grep 'summary churn' "$log")"; return; }
	fi
}

# One configuration: run $1 with app options $2.
run_one() {
	local name=$1 opts=$2 prefix log rc t0 faults why
	local -a eal app_args

	prefix=vmap_${name//-/_}_$$
	log=$work/$name.log
	eal=(-l 0-1 -n 1 -a "${nics[0]}" -a "${nics[1]}" --file-prefix "$prefix"
		--socket-limit 256 --log-level lib.vmap:notice)
	# shellcheck disable=SC2206 # opts are words on purpose
	app_args=($opts ${page:+--page-size "$page"} --tx-first "$tx_first"
		--churn "$churn" --check-iova --duration "$secs" --stats-period 5)
	t0=$(uptime_now)
	echo "fwd-tests: $name: $app ${eal[*]} -- ${app_args[*]}"
	# Start-up takes 15-20 s under TCG; --duration counts from its end.
	timeout -k 10 $((secs + 150)) "$app" "${eal[@]}" -- "${app_args[@]}" \
		</dev/null >"$log" 2>&1
	rc=$?
	sleep 1 # a fault of the last DMAs reaches the log
	faults=$(dmar_faults_since "$t0")
	rm -rf "/var/run/dpdk/$prefix"
	rm -f /dev/hugepages/"$prefix"map_* /dev/hugepages-1G/"$prefix"map_* 2>/dev/null
	[ -n "$out_dir" ] && [ -d "$out_dir" ] && cp "$log" "$out_dir/$name.log"
	grep -E '^vmap-fwd: (space|pool|port [0-9] \()' "$log" | sed "s/^/fwd-tests: $name: /"
	sed -n 's/^summary /fwd-tests: '"$name"': summary /p' "$log"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$name" "dpdk-vmap-fwd did not stop within $((secs + 150)) s"
		tail -n 20 "$log" | sed "s/^/fwd-tests: $name: /"
		return
	fi
	why=$(check_log "$log" "$rc")
	if [ -n "$faults" ]; then
		echo "$faults" | head -n 10 | sed "s/^/fwd-tests: $name: /"
		why="${why:+$why; }$(echo "$faults" | wc -l) DMAR fault lines in dmesg"
	fi
	if [ -n "$why" ]; then
		[ "$rc" -ne 0 ] && tail -n 20 "$log" | sed "s/^/fwd-tests: $name: /"
		fail "$name" "$why"
	else
		pass "$name"
	fi
}

reason=$(cannot_run)
start=$SECONDS
for r in "${runs[@]}"; do
	IFS='|' read -r name opts <<<"$r"
	if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then
		continue
	fi
	if [ -n "$reason" ]; then
		skip "fwd-$name${page:+-$page}" "$reason"
		continue
	fi
	run_start=$SECONDS
	run_one "fwd-$name${page:+-$page}" "$opts"
	echo "fwd-tests: fwd-$name${page:+-$page} took $((SECONDS - run_start)) s"
done
echo "fwd-tests: $((SECONDS - start)) s in all"
summary
