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

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

bin=build/test/dpdk-vmap-test
read -r -a nics <<< "${VMAP_VM_NICS:-0000:00:10.0 0000:00:11.0}"
out="${VMAP_VM_OUT:-/tmp}/limits-tests"
limit_file=/sys/module/vfio_iommu_type1/parameters/dma_entry_limit
low=${VMAP_VM_LOW_ENTRIES:-3000}
mkdir -p "$out"
# shellcheck source=test/vm/verdict.sh
. test/vm/verdict.sh

run() {
	local log=$1
	shift
	timeout 300 "$bin" -l 0 -n 1 --in-memory --no-telemetry --iova-mode=va "$@" \
		> "$log" 2>&1
}

if [ ! -e /dev/vfio/vfio ] || [ ! -w "$limit_file" ] || [ "${#nics[@]}" -lt 1 ]; then
	for t in no_group entries range; do
		skip "vmap_vfio_${t}_autotest" "no VFIO type1 here (run in devtools/vm/run.sh)"
	done
	summary
	exit
fi

run "$out/no-group.log" --no-pci --file-prefix=vmap_nogroup -- vmap_vfio_no_group_autotest
skip_re='skipped'
fail_re='failed:|rte_errno'
autotest_verdict "$out/no-group.log" vmap_vfio_no_group_autotest 1 "$skip_re" "$fail_re"

saved=$(cat "$limit_file")
echo "$low" > "$limit_file"
run "$out/entries.log" -a "${nics[0]}" --file-prefix=vmap_entries \
	-- vmap_vfio_entries_autotest vmap_vfio_range_autotest
echo "$saved" > "$limit_file"
grep -E '^(VA|DOMAIN): refused' "$out/entries.log"
autotest_verdict "$out/entries.log" vmap_vfio_entries_autotest 1 "$skip_re" "$fail_re"
autotest_verdict "$out/entries.log" vmap_vfio_range_autotest 2 "$skip_re" "$fail_re"
summary
