#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# The guest suites: real DMA through a real (emulated) IOMMU, in QEMU
# guests booted by devtools/vm/run.sh, one guest at a time, several test
# scripts per boot (a boot and a DPDK start cost tens of seconds under TCG).
#
#   devtools/run-vm-tests.sh [--quick]
#
# Each boot runs test/vm/ scripts in the guest; each script prints one line
# per check, "PASS name", "FAIL name: why" or "SKIP name: why". This script
# prefixes them with the boot's name, and ends with "N passed, M failed,
# K skipped" (the same line as devtools/run-tests.sh, which adds it to its
# own). A boot that gives no status (timeout, crash) is one failure. When
# no guest can run here (no QEMU, no guest kernel: devtools/vm/prepare.sh
# makes them), the whole step is one skip, with the reason on its line.
#
# --quick: the first boot only.
#
# Environment: VMAP_VM_TIMEOUT, seconds a boot may take (default 600).

set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 2

# name | run.sh options | guest scripts (--pairs 2: dma-tests.sh adds the
# hotplug test, EAL and the other scripts use the first pair). A script
# may be followed by :ARG,ARG... (its arguments): the 100,000-window test
# runs on the 39-bit boot only, which keeps the step near 12 minutes.
boots=(
	"e1000e-aw48|--nic e1000e --aw 48 --pairs 2|test/vm/dma-tests.sh:vmap_dma_reach_autotest,vmap_dma_stale_autotest,vmap_dma_extmem_autotest,vmap_dma_hotplug_autotest test/vm/fwd-tests.sh:-d,10"
	"e1000e-aw39|--nic e1000e --aw 39|test/vm/dma-tests.sh test/vm/limits-tests.sh test/vm/fwd-tests.sh:-d,10"
	"virtio-aw48|--nic virtio --aw 48|test/vm/fwd-tests.sh:-d,10"
	# 1 GiB pages reserved at boot, ~2 min: the autotest, then the forwarder
	# on them (5 s a run). 6G: with 4G a node the guest got one 1 GiB page
	# of 2 (its RAM below 4 GiB ends 128 KiB short of 2 GiB, the kernel's
	# early allocations take the top GiB above)
	"e1000e-1g|--nic e1000e --aw 48 --hugepages-1g 2 --mem-per-node 6G|test/vm/hugepage-1g-tests.sh test/vm/fwd-tests.sh:-p,1G,-d,5,-r,vfio-va,-r,vfio-domain"
	# No IOMMU (NICs on uio_pci_generic, EAL IOVA as PA), ~40 s: PA windows
	# on 2 MiB and 1 GiB pages sent by the NIC after a compaction (6G a
	# node: the default with 1 GiB pages; EAL's heap takes one of them)
	"e1000e-pa|--nic e1000e --aw none --hugepages-1g 3|test/vm/dma-tests.sh"
	# NUMA placement, ~30 s a boot; aw 48: with 4 nodes and aw 39 a 1 GiB
	# space found no VA below 2^39 beside EAL's own (ERANGE)
	"numa-2nodes|--nodes 2 --aw 48|test/vm/numa-tests.sh"
	"numa-3nodes|--nodes 3 --aw 48|test/vm/numa-tests.sh"
	"numa-4nodes|--nodes 4 --aw 48|test/vm/numa-tests.sh"
)
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "run-vm-tests: unknown option '$1'" >&2; exit 2 ;;
esac

passed=0
failed=0
skipped=0
cache=${VMAP_VM_CACHE:-/var/cache/rte_vmap-vm}

# Why no guest can run here, or nothing.
cannot_run() {
	if ! command -v qemu-system-x86_64 >/dev/null; then
		echo "no qemu-system-x86_64 (devtools/vm/prepare.sh installs it)"
	elif [ ! -s "$cache/ready" ]; then
		echo "no guest kernel in $cache (devtools/vm/prepare.sh prepares it)"
	elif [ "$(awk '/MemAvailable/ { print int($2 / 1048576) }' /proc/meminfo)" -lt 4 ]; then
		echo "less than 4 GiB of memory available for a guest"
	elif [ ! -x build/test/dpdk-vmap-test ]; then
		echo "no build/test/dpdk-vmap-test: build first (devtools/setup.sh)"
	fi
}

# Tally the result lines of one boot's output (file $2), prefixed with $1.
tally() {
	local boot=$1 out=$2 verdict rest

	while read -r verdict rest; do
		echo "$verdict $boot/$rest"
		case "$verdict" in
		PASS) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		esac
	done < <(tr -d '\r' <"$out" | grep -E '^(PASS|FAIL|SKIP) ')
}

run_boot() {
	local name=$1 opts=$2 scripts=$3 out rc start cmd s

	out=$(mktemp)
	cmd="rc=0"
	for s in $scripts; do
		cmd+="; bash ${s%%:*}"
		[ "$s" != "${s#*:}" ] && cmd+=" ${s#*:}"
		cmd+=" || rc=1"
	done
	cmd=${cmd//,/ }
	cmd+="; exit \$rc"
	echo "==== guest $name: devtools/vm/run.sh $opts ===="
	start=$SECONDS
	# shellcheck disable=SC2086 # opts are words on purpose
	flock /tmp/vmap-vm.lock devtools/vm/run.sh $opts \
		--timeout "${VMAP_VM_TIMEOUT:-600}" -- bash -c "$cmd" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "==== guest $name: exit $rc after $((SECONDS - start)) s ===="
	tally "$name" "$out"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 125 ]; then
		echo "FAIL $name/boot: the guest gave no status (exit $rc; logs in build/vm-logs/latest)"
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ] && ! tr -d '\r' <"$out" | grep -q '^FAIL '; then
		echo "FAIL $name/boot: exit $rc with no FAIL line"
		failed=$((failed + 1))
	fi
	rm -f "$out"
}

reason=$(cannot_run)
if [ -n "$reason" ]; then
	echo "SKIP vm-tests: $reason"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
for b in "${boots[@]}"; do
	IFS='|' read -r name opts scripts <<<"$b"
	run_boot "$name" "$opts" "$scripts"
	[ "$quick" -eq 1 ] && break
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
