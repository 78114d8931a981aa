#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# PID 1 of a devtools/vm/run.sh guest, run with the host's own bash once the
# initramfs (devtools/vm/initramfs-init.sh) has made the host's root,
# read-only under a tmpfs overlay, the guest's root, with fresh proc, sys,
# dev, /run, /tmp, hugetlbfs, the guest kernel's modules, and the run's
# writable share at /run/vmap-out.
#
#   1. reads the settings run.sh left in the share (vm.env)
#   2. loads vfio_iommu_type1 (with dma_entry_limit) and vfio-pci, and
#      binds every NIC of the rig to vfio-pci through sysfs (with --aw
#      none, no IOMMU: to uio_pci_generic)
#   3. runs COMMAND (or a shell) as root in the project directory, then
#      leaves its exit status and the guest's dmesg in the share
#   4. powers off
#
# A failure before COMMAND leaves an "error" file instead of "status";
# run.sh reports either.

# Not -e: PID 1 must always reach the power-off at the end.
set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
out=/run/vmap-out

say() {
	echo "vm-guest: $*"
}

# A line in the guest's dmesg only: its timestamp shows where boot time goes.
mark() {
	echo "<6>vm-guest: $*" >/dev/kmsg 2>/dev/null
}

# The last resort: without the share there is nowhere to report to.
power_off() {
	sync
	# stty sets the (unchanged) modes with TCSADRAIN: the console's last
	# bytes leave before the machine goes.
	stty "$(stty -g </dev/console)" </dev/console 2>/dev/null
	/bin/busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 10
}

save_logs() {
	dmesg >"$out/dmesg.txt" 2>&1
}

# Setup failed: say why on the console and in the share, then stop.
fail() {
	say "ERROR: $*" >&2
	if mountpoint -q "$out"; then
		echo "$*" >"$out/error"
		save_logs
	fi
	power_off
}

# Bind one PCI device to a driver (vfio-pci, uio_pci_generic):
# driver_override, then unbind from the kernel driver that took it
# (virtio-pci does, e1000e is never loaded), then drivers_probe.
# dpdk-devbind.py would do the same in ~7 s of Python under TCG.
bind_driver() { # bdf driver
	local bdf=$1 drv=$2 dev=/sys/bus/pci/devices/$1

	[ -d "$dev" ] || fail "no PCI device $bdf"
	echo "$drv" >"$dev/driver_override" || fail "$bdf: cannot set driver_override"
	if [ -e "$dev/driver" ]; then
		echo "$bdf" >"$dev/driver/unbind" || fail "$bdf: cannot unbind"
	fi
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink -f "$dev/driver")")" = "$drv" ] ||
		fail "$bdf: not bound to $drv${3:+ ($3)}"
}

setup_vfio() {
	local bdf limit=/sys/module/vfio_iommu_type1/parameters/dma_entry_limit

	# vfio_iommu_type1 first: vfio-pci would pull it in without the limit.
	modprobe vfio_iommu_type1 dma_entry_limit="$VMAP_VM_DMA_ENTRY_LIMIT" ||
		fail "modprobe vfio_iommu_type1 failed"
	[ "$(cat "$limit")" = "$VMAP_VM_DMA_ENTRY_LIMIT" ] ||
		fail "dma_entry_limit is $(cat "$limit"), not $VMAP_VM_DMA_ENTRY_LIMIT"
	modprobe vfio-pci || fail "modprobe vfio-pci failed"
	for bdf in $VMAP_VM_NICS; do
		bind_driver "$bdf" vfio-pci "no IOMMU group?"
	done
}

# No IOMMU (run.sh --aw none): the NICs on uio_pci_generic, so that they
# DMA to physical addresses (EAL runs IOVA as PA). Debian's kernel is
# built without VFIO's no-IOMMU mode (CONFIG_VFIO_NOIOMMU is not set).
setup_uio() {
	local bdf

	modprobe uio_pci_generic || fail "modprobe uio_pci_generic failed"
	for bdf in $VMAP_VM_NICS; do
		bind_driver "$bdf" uio_pci_generic
	done
}

# The kernel spreads boot-time hugepages evenly over the nodes, but takes
# 1 GiB pages only where a node has room (--mem-per-node 4G): say when a
# node got less than its share, as a test on that node would then fail.
check_hugepages() {
	local size kb count want dir got

	for size in 2M:2048kB:"$VMAP_VM_HUGEPAGES_2M" 1G:1048576kB:"$VMAP_VM_HUGEPAGES_1G"; do
		IFS=: read -r size kb count <<<"$size"
		want=$((count / VMAP_VM_NODES))
		for dir in /sys/devices/system/node/node*; do
			got=$(cat "$dir/hugepages/hugepages-$kb/nr_hugepages" 2>/dev/null || echo 0)
			if [ "$got" -lt "$want" ]; then
				say "WARNING: ${dir##*/} has $got $size hugepages, not $want" \
					"(--mem-per-node too small?)"
			fi
		done
	done
}

# COMMAND, or an interactive shell on the serial port (a controlling tty
# is what gives the shell job control and ^C).
run_command() {
	local -a env_vars

	env_vars=(
		PATH="$PATH" HOME=/root TERM="${VMAP_VM_TERM:-linux}" LANG=C.UTF-8
		VMAP_VM=1 VMAP_VM_OUT="$out" VMAP_VM_NICS="$VMAP_VM_NICS"
		VMAP_VM_NIC="$VMAP_VM_NIC" VMAP_VM_AW="$VMAP_VM_AW"
		VMAP_VM_NODES="$VMAP_VM_NODES" VMAP_VM_CPUS="$(nproc)"
		VMAP_VM_HUGEPAGES_2M="$VMAP_VM_HUGEPAGES_2M"
		VMAP_VM_HUGEPAGES_1G="$VMAP_VM_HUGEPAGES_1G"
	)
	cd "$VMAP_VM_PROJECT" || fail "no project directory $VMAP_VM_PROJECT"
	if [ "$VMAP_VM_SHELL" = 1 ]; then
		stty rows "$VMAP_VM_ROWS" cols "$VMAP_VM_COLS" </dev/ttyS0 2>/dev/null
		say "shell in $VMAP_VM_PROJECT; exit (or ^A x) powers off"
		env -i "${env_vars[@]}" setsid -c bash -l <>/dev/ttyS0 >&0 2>&0
	else
		# QEMU's stdin is not a terminal here, so it leaves the host's
		# terminal as it is, which adds its own CR; a log file or a pipe
		# should get plain lines: no CR from the guest.
		stty -onlcr </dev/console 2>/dev/null
		env -i "${env_vars[@]}" "${VMAP_VM_CMD[@]}" </dev/null
	fi
}

main() {
	local status nic_driver

	# shellcheck source=/dev/null # written by run.sh for this run
	source "$out/vm.env" || fail "cannot read $out/vm.env"
	if [ "$VMAP_VM_AW" = none ]; then
		nic_driver=uio_pci_generic
		setup_uio
	else
		nic_driver=vfio-pci
		setup_vfio
	fi
	check_hugepages
	mark "set up"
	say "ready after $(cut -d' ' -f1 /proc/uptime) s${VMAP_VM_NICS:+; $nic_driver:" $VMAP_VM_NICS"}"
	run_command
	status=$?
	mark "COMMAND exited with status $status"
	echo "$status" >"$out/status"
	save_logs
	power_off
}

main
