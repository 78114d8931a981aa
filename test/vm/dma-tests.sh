#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# The real-DMA autotests (test/test_vmap_dma*.c), run INSIDE the QEMU guest
# of devtools/vm/ (an emulated Intel IOMMU, two NICs on vfio-pci cabled back
# to back), from the host:
#
#   devtools/vm/run.sh --aw 48 -- test/vm/dma-tests.sh [-b BUILD_DIR] [TEST...]
#
# -b: the build directory whose dpdk-vmap-test runs (default build).
# TEST defaults to every DMA autotest (vmap_dma_reach_autotest,
# vmap_dma_stale_autotest, vmap_dma_reach_big_autotest,
# vmap_dma_extmem_autotest, vmap_dma_mp_autotest), and
# vmap_dma_hotplug_autotest last of the shared process when the guest
# has a second pair (run.sh --pairs 2): EAL always starts on the
# first pair only, and that test plugs the second one itself. In a guest
# without an IOMMU (run.sh --aw none: the NICs on uio_pci_generic) EAL
# runs IOVA as PA, and TEST defaults to vmap_dma_pa_autotest.
# DPDK start-up takes 15-20 s under TCG, so the tests share one
# dpdk-vmap-test process (several command names after "--"); the runner
# stops at the first test that fails, so the ones after it get a process
# of their own. That process runs --in-memory; vmap_dma_mp_autotest starts
# secondaries, which map the primary's hugepage files, so it runs in a
# process of its own without --in-memory, after that one.
#
# Prints one line per test, "PASS <name>", "FAIL <name>: <first failure>"
# (the other failing cases and messages indented below) or
# "SKIP <name>: <reason>", and at the end "N passed, M failed, K skipped";
# exits 1 if any failed.
# The full output and the guest's kernel log are kept in
# $VMAP_VM_OUT/dma-tests/ (or /tmp/dma-tests outside the rig).
#
# Environment: VMAP_VM_NICS (the rig sets it; NIC A sends, NIC B
# receives), VMAP_DMA_SAMPLE (how many of the 100,000 windows are sent:
# a number for a random sample; default all), DMA_TESTS_TIMEOUT (seconds
# per process, default 600).
#
# Takes about 100 s of a TCG guest (e1000e, both IOMMU widths): one DPDK
# start, about 35 s of 100,000-window allocations, 16 stale cases of about
# 2.5 s each (the kernel prints at most 5 DMAR faults per 5 s); the
# EXTMEM cases about 10 s more, the hotplug test about 15 s; the
# multi-process test about 60 s more (a DPDK start of its own, four
# secondaries' starts, four bursts of faults and their ratelimit).

set -u

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

read -r -a nics <<< "${VMAP_VM_NICS:-0000:00:10.0 0000:00:11.0}"
all_tests=(vmap_dma_reach_autotest vmap_dma_stale_autotest vmap_dma_reach_big_autotest
	vmap_dma_extmem_autotest vmap_dma_mp_autotest)
[ "${#nics[@]}" -ge 4 ] && all_tests+=(vmap_dma_hotplug_autotest)
eal_iova=va
if [ "${VMAP_VM_AW:-}" = none ]; then
	all_tests=(vmap_dma_pa_autotest)
	eal_iova=pa
fi
build_dir=build
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help)
		awk 'NR >= 4 && !/^#/ { exit } NR >= 4 { sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	-b)
		[ $# -ge 2 ] || { echo "dma-tests: -b needs a build directory" >&2; exit 2; }
		build_dir=$2
		shift 2
		;;
	*) break ;;
	esac
done
if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("${all_tests[@]}")
fi

bin=$build_dir/test/dpdk-vmap-test
out="${VMAP_VM_OUT:-/tmp}/dma-tests"
timeout_s="${DMA_TESTS_TIMEOUT:-600}"
lcores=0
[ "$(nproc)" -ge 2 ] && lcores=0-1
mkdir -p "$out"

# shellcheck source=test/vm/verdict.sh
. test/vm/verdict.sh

report() { # result name [detail...]
	local result=$1 name=$2
	shift 2
	case "$result" in
	PASS) pass "$name" ;;
	FAIL)
		# The first reason on the line, the others indented below it.
		fail "$name" "${1:-no reason given}"
		[ $# -gt 1 ] && printf '%s\n' "${@:2}" | sed 's/^/  /' ;;
	SKIP) skip "$name" "$*" ;;
	esac
}

skip_all() { # reason
	local t
	for t in "${tests[@]}"; do
		report SKIP "$t" "$1"
	done
}

# The lines of segment n of log (the output of the n-th command, from 1).
segment() { # log n
	awk -v n="$2" '
		BEGIN { k = 1 }
		k == n { print }
		/^Test (OK|Failed|Skipped)$/ { k++ }
	' "$1"
}

# Tests that start secondaries (same --file-prefix): they map this
# process's hugepage files, so never --in-memory (as test/meson.build's
# mp_tests); each runs in a process of its own, which removes its files.
mp_tests=" vmap_dma_mp_autotest "

# Run the named tests in one process; its exit status. mem: --in-memory,
# or "" (hugepage files, for mp_tests).
run_batch() { # log mem name...
	local log=$1 mem=$2 rc start
	shift 2
	start=$(date +%s)
	# shellcheck disable=SC2086 # mem: no word, or one
	timeout "$timeout_s" "$bin" -l "$lcores" -n 1 -a "${nics[0]}" -a "${nics[1]}" \
		--file-prefix="vmap_dma_$$" $mem --iova-mode="$eal_iova" --no-telemetry \
		-- "$@" > "$log" 2>&1
	rc=$?
	echo "# exit status $rc after $(( $(date +%s) - start )) s" >> "$log"
	return $rc
}

# Report one command from its verdict line and its part of the log;
# status 1 if it failed.
report_result() { # result name seg
	local result=$1 name=$2 seg=$3
	case "$result" in
	"Test OK") report PASS "$name" ;;
	"Test Skipped")
		report SKIP "$name" "$(grep -m1 -o 'skipped: .*' <<< "$seg" |
			sed 's/^skipped: //')" ;;
	*)
		mapfile -t why <<< "$(grep -E \
			'^TestCase .* failed:|TestCase \[.*\] : .* failed$|^Error' <<< "$seg")"
		report FAIL "$name" "${why[@]}"
		return 1 ;;
	esac
}

# Report the commands of one finished process; ndone: how many are done
# (a failure or a crash ends the process: the ones after it are not).
report_batch() { # log rc name...
	local log=$1 rc=$2 i=0 seg name
	shift 2
	# No process substitution: the guest has no /dev/fd.
	mapfile -t results <<< "$(grep -E '^Test (OK|Failed|Skipped)$' "$log")"
	[ -z "${results[0]}" ] && results=()
	for name in "$@"; do
		i=$((i + 1))
		seg=$(segment "$log" "$i")
		if [ "$i" -gt "${#results[@]}" ]; then
			report FAIL "$name" "no result: the process ended with status $rc" \
				"$(tail -n 5 "$log")"
			ndone=$i
			return
		fi
		report_result "${results[$((i - 1))]}" "$name" "$seg" || { ndone=$i; return; }
	done
	ndone=$i
}

# Report the one command of a process whose secondaries wrote to the same
# log, each ending with a verdict line of its own: the exit status is the
# command's verdict (test.c: 0, TEST_SKIPPED 77, TEST_FAILED 255).
report_alone() { # log rc name
	local log=$1 rc=$2 name=$3
	case "$rc" in
	0) report_result "Test OK" "$name" "" ;;
	77) report_result "Test Skipped" "$name" "$(cat "$log")" ;;
	255) report_result "Test Failed" "$name" "$(cat "$log")" ;;
	*) report FAIL "$name" "no result: the process ended with status $rc" \
		"$(tail -n 5 "$log")" ;;
	esac
}

if [ ! -x "$bin" ]; then
	for t in "${tests[@]}"; do
		report FAIL "$t" "$bin not built (ninja -C $build_dir on the host)"
	done
elif [ "${#nics[@]}" -lt 2 ]; then
	skip_all "two NICs needed, VMAP_VM_NICS has ${#nics[@]}"
elif [ "$eal_iova" = va ] && [ ! -e /dev/vfio/vfio ]; then
	skip_all "no /dev/vfio/vfio: run in the guest of devtools/vm/run.sh"
elif [ "$eal_iova" = pa ] && [ ! -e "/sys/bus/pci/drivers/uio_pci_generic/${nics[0]}" ]; then
	skip_all "${nics[0]} is not on uio_pci_generic: run in the guest of run.sh --aw none"
else
	dmesg > "$out/dmesg-before.txt" 2>/dev/null
	# The --in-memory tests first, then each of mp_tests alone.
	rest=()
	alone=()
	for t in "${tests[@]}"; do
		case "$mp_tests" in
		*" $t "*) alone+=("$t") ;;
		*) rest+=("$t") ;;
		esac
	done
	batch=0
	while [ "${#rest[@]}" -gt 0 ]; do
		batch=$((batch + 1))
		log="$out/run-$batch.log"
		run_batch "$log" --in-memory "${rest[@]}"
		rc=$?
		report_batch "$log" "$rc" "${rest[@]}"
		rest=("${rest[@]:$ndone}")
	done
	for t in "${alone[@]}"; do
		batch=$((batch + 1))
		log="$out/run-$batch.log"
		run_batch "$log" "" "$t"
		report_alone "$log" $? "$t"
	done
	dmesg > "$out/dmesg.txt" 2>/dev/null
	faults=$(grep -c 'DMAR: \[DMA' "$out/dmesg.txt")
	echo "DMAR fault lines in the kernel log: $faults (full output in $out)"
fi

summary
