#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# The "vfio" driver's refusals against a real type1 container
# (test/test_vmap_vfio_limits.c), run INSIDE the guest of devtools/vm/:
#
#   devtools/vm/run.sh --aw 39 -- test/vm/limits-tests.sh
#
# Each autotest needs its own EAL start, set up here:
#   vmap_vfio_no_group_autotest  EAL with --no-pci: VFIO enabled, no group
#   vmap_vfio_entries_autotest   type1's dma_entry_limit lowered to
#                                VMAP_VM_LOW_ENTRIES (default 3000) before
#                                EAL starts, restored after
#   vmap_vfio_range_autotest     the NICs probed, the IOMMU's real width
# The last two share one process. Prints "PASS name", "FAIL name: why" or
# "SKIP name: why" per test, then "N passed, M failed, K skipped".

set -u

cd "$(dirname "$(readlink -f "$0")")/../.."

bin=build/test/dpdk-vmap-test
read -r -a nics <<< "${VMAP_VM_NICS:-0000:00:10.0 0000:00:11.0}"
out="${VMAP_VM_OUT:-/tmp}/limits-tests"
limit_file=/sys/module/vfio_iommu_type1/parameters/dma_entry_limit
low=${VMAP_VM_LOW_ENTRIES:-3000}
passed=0
failed=0
skipped=0
mkdir -p "$out"

# The verdict of autotest $2 in log $1 (one "Test ..." line per command).
verdict() {
	local log=$1 name=$2 n=$3 line

	line=$(grep -E '^Test (OK|Failed|Skipped)$' "$log" | sed -n "${n}p")
	case "$line" in
	"Test OK") echo "PASS $name"; passed=$((passed + 1)) ;;
	"Test Skipped") echo "SKIP $name: skipped by the test"; skipped=$((skipped + 1)) ;;
	*)
		echo "FAIL $name: $(grep -m1 -E 'failed:|rte_errno' "$log" || echo "no result")"
		failed=$((failed + 1))
		;;
	esac
}

run() {
	local log=$1
	shift
	timeout 300 "$bin" -l 0 -n 1 --in-memory --no-telemetry --iova-mode=va "$@" \
		> "$log" 2>&1
}

if [ ! -e /dev/vfio/vfio ] || [ ! -w "$limit_file" ] || [ "${#nics[@]}" -lt 1 ]; then
	for t in no_group entries range; do
		echo "SKIP vmap_vfio_${t}_autotest: no VFIO type1 here (run in devtools/vm/run.sh)"
	done
	echo "0 passed, 0 failed, 3 skipped"
	exit 0
fi

run "$out/no-group.log" --no-pci --file-prefix=vmap_nogroup -- vmap_vfio_no_group_autotest
verdict "$out/no-group.log" vmap_vfio_no_group_autotest 1

saved=$(cat "$limit_file")
echo "$low" > "$limit_file"
run "$out/entries.log" -a "${nics[0]}" --file-prefix=vmap_entries \
	-- vmap_vfio_entries_autotest vmap_vfio_range_autotest
echo "$saved" > "$limit_file"
grep -E '^(VA|DOMAIN): refused' "$out/entries.log"
verdict "$out/entries.log" vmap_vfio_entries_autotest 1
verdict "$out/entries.log" vmap_vfio_range_autotest 2

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
