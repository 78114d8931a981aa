#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Check the guest rig itself (devtools/vm/run.sh), one guest at a time:
#
#   exit-status   COMMAND's exit status comes back (exit 3 gives 3)
#   timeout       --timeout kills a stuck guest, exit 124
#   aw39, aw48    the IOMMU's width in its cap register (MGAW), the NICs on
#                 vfio-pci in groups of their own, dma_entry_limit
#   numa-1g       --nodes 2 --hugepages-1g 2: one 1 GiB page on each node
#   testpmd-e1000e, testpmd-virtio
#                 dpdk-testpmd (the host's DPDK) forwards between the two
#                 NICs of a pair, without a DMAR fault
#
# Prints "PASS name" or "FAIL name: why" per check, then "N passed,
# M failed, K skipped" (test/vm/verdict.sh); exits 1 if a check failed. About 5 minutes under TCG.
#
#   devtools/vm/selftest.sh [--quick]    (--quick: no testpmd)

set -uo pipefail

vm_dir=$(dirname "$(readlink -f "$0")")
log_dir=$(cd "$vm_dir/../.." && pwd -P)/build/vm-logs/selftest
run=("$vm_dir/run.sh" --log-dir "$log_dir" --timeout 300)
quick=0
# shellcheck source=test/vm/verdict.sh
. "$vm_dir/../../test/vm/verdict.sh"

case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "selftest: unknown option '$1'" >&2; exit 2 ;;
esac

# check NAME EXPECTED-STATUS RUN-OPTIONS... -- COMMAND...
check() {
	local name=$1 want=$2 rc
	shift 2

	echo "==== $name: run.sh $*"
	"${run[@]}" "$@"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass "$name"
	else
		fail "$name" "exit status $rc, not $want (logs: $log_dir/latest)"
	fi
}

# In the guest: the IOMMU's MGAW (cap bits 21:16, plus 1) is the width
# asked, each NIC is on vfio-pci in an IOMMU group of its own, and
# vfio_iommu_type1 took the entry limit.
# shellcheck disable=SC2016 # expanded in the guest
guest_iommu_check='
	cap=$(cat /sys/class/iommu/dmar0/intel-iommu/cap)
	mgaw=$(( ((0x$cap >> 16) & 0x3f) + 1 ))
	[ "$mgaw" = "$VMAP_VM_AW" ] || { echo "MGAW $mgaw, not $VMAP_VM_AW"; exit 1; }
	for d in $VMAP_VM_NICS; do
		drv=$(basename "$(readlink "/sys/bus/pci/devices/$d/driver")")
		[ "$drv" = vfio-pci ] || { echo "$d on $drv"; exit 1; }
		group=$(basename "$(readlink "/sys/bus/pci/devices/$d/iommu_group")")
		[ "$(ls "/sys/kernel/iommu_groups/$group/devices" | wc -l)" = 1 ] ||
			{ echo "$d shares group $group"; exit 1; }
		[ -c "/dev/vfio/$group" ] || { echo "no /dev/vfio/$group"; exit 1; }
	done
	[ "$(cat /sys/module/vfio_iommu_type1/parameters/dma_entry_limit)" = 4242 ] ||
		{ echo "dma_entry_limit not set"; exit 1; }
	echo "MGAW $mgaw, NICs $VMAP_VM_NICS on vfio-pci"
'

# In the guest: each node has its share of 1 GiB pages.
# shellcheck disable=SC2016 # expanded in the guest
guest_numa_check='
	for n in /sys/devices/system/node/node*; do
		got=$(cat "$n/hugepages/hugepages-1048576kB/nr_hugepages")
		echo "${n##*/}: $got x 1G"
		[ "$got" -ge 1 ] || exit 1
	done
	[ -d /dev/hugepages-1G ] && mountpoint -q /dev/hugepages-1G
'

# In the guest: testpmd between the pair for 40 s (start-up is 15-20 s of
# them), its output in the run's log directory.
# shellcheck disable=SC2016 # expanded in the guest
guest_testpmd='
	timeout -s INT 40 dpdk-testpmd -l 0-1 -n 1 -a 0000:00:10.0 -a 0000:00:11.0 -- \
		--forward-mode=io --tx-first --nb-cores=1 --total-num-mbufs=8192 \
		--stats-period 5 >"$VMAP_VM_OUT/testpmd.log" 2>&1
	# timeout(1) exits 124 once it has sent SIGINT: that is the plan.
	rc=$?
	[ "$rc" -eq 124 ] || [ "$rc" -eq 0 ]
'

# testpmd forwarded packets, dropped none, and the guest saw no DMAR fault.
check_testpmd() {
	local nic=$1 name=testpmd-$1 rc dir rx pps faults

	echo "==== $name: run.sh --nic $nic -- dpdk-testpmd ..."
	"${run[@]}" --nic "$nic" -- bash -c "$guest_testpmd"
	rc=$?
	dir=$log_dir/latest
	rx=$(awk '/Accumulated forward statistics/ { acc = 1 }
		acc && /RX-packets:/ { print $2; exit }' "$dir/testpmd.log" 2>/dev/null)
	pps=$(tr -d '\033' <"$dir/testpmd.log" 2>/dev/null |
		awk '/Rx-pps:/ { last = $2 } END { print last + 0 }')
	faults=$(grep -c 'DMAR: \[DMA' "$dir/dmesg.txt" 2>/dev/null)
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc (logs: $dir)"
	elif [ "${rx:-0}" -eq 0 ]; then
		fail "$name" "no packet forwarded ($dir/testpmd.log)"
	elif grep -q 'RX-dropped: [1-9]' "$dir/testpmd.log"; then
		fail "$name" "packets dropped ($dir/testpmd.log)"
	elif [ "${faults:-1}" -ne 0 ]; then
		fail "$name" "${faults:-no dmesg, so unknown} DMAR fault lines ($dir/dmesg.txt)"
	else
		echo "$name: $rx packets forwarded, last Rx-pps of port 1: $pps, 0 DMAR faults"
		pass "$name"
	fi
}

check exit-status 3 -- sh -c 'exit 3'
check timeout 124 --timeout 20 -- sleep 600
check aw39 0 --aw 39 --dma-entry-limit 4242 -- sh -c "$guest_iommu_check"
check aw48 0 --aw 48 --dma-entry-limit 4242 --nic virtio --pairs 2 -- sh -c "$guest_iommu_check"
check numa-1g 0 --nodes 2 --hugepages-1g 2 -- sh -c "$guest_numa_check"
if [ "$quick" -eq 0 ]; then
	check_testpmd e1000e
	check_testpmd virtio
fi
summary
