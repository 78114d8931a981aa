#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Boot a QEMU guest with an emulated Intel IOMMU, NUMA nodes, hugepages and
# NICs bound to vfio-pci, run COMMAND in it as root, and exit with COMMAND's
# exit status.
#
#   devtools/vm/run.sh [options] -- COMMAND [ARG...]
#   devtools/vm/run.sh [options] --shell
#
# The guest sees the host's own files: the host's / read-only under a tmpfs
# overlay (the guest may write anywhere; it is all lost at power-off), with
# its own empty /tmp and /run. COMMAND runs in the project directory, at the
# same path as on the host, with stdin from /dev/null; its output is on the
# terminal. Results to keep go to $VMAP_VM_OUT, which is this run's log
# directory on the host. One guest at a time: a second run.sh waits for the
# first (on 2 cores two guests are each several times slower). Needs
# devtools/vm/prepare.sh, once. Under TCG a boot takes 6-12 s to COMMAND,
# and a DPDK application 15-20 s to start.
#
# Options:
#   --nic e1000e|virtio   NIC model (default e1000e)
#   --pairs N             NIC pairs, 0-6 (default 1); the two NICs of a pair
#                         are cabled back to back (a QEMU hub each); pair K
#                         is at 0000:00:XX.0 with XX = 10+2K and 11+2K (hex):
#                         0000:00:10.0 and 0000:00:11.0, then 12.0 and 13.0...
#   --aw 39|48|none       IOMMU address width in bits (default 39); none: no
#                         IOMMU at all, the NICs on uio_pci_generic, so they
#                         DMA to guest physical addresses (EAL's IOVA as PA)
#   --nodes N             NUMA nodes, 1-4, one vCPU each (one node: 2 vCPUs)
#                         (default 1)
#   --mem-per-node SIZE   guest RAM per node, e.g. 2G, 3072M (default 6G with
#                         1 GiB pages, else 2G)
#   --hugepages-2m N      2 MiB pages in all, spread over the nodes (default 512)
#   --hugepages-1g N      1 GiB pages in all, spread over the nodes (default 0);
#                         node 0 gets at most one with 4G, two with 6G
#   --dma-entry-limit N   vfio_iommu_type1 dma_entry_limit (default 131072)
#   --timeout SECONDS     kill the guest after SECONDS and exit 124
#                         (default 1800; 0: none)
#   --log-dir DIR         keep each run's logs in DIR/<date>-<time>-<pid>,
#                         the last 50 runs, DIR/latest the newest (default
#                         build/vm-logs under the project)
#   --shell               an interactive shell instead of COMMAND; exit, or
#                         ^A x, powers off
#   -h, --help            this text
#
# In the guest COMMAND finds the NICs on vfio-pci (on uio_pci_generic with
# --aw none), hugetlbfs at
# /dev/hugepages (and /dev/hugepages-1G with 1 GiB pages), and
#   VMAP_VM=1                  VMAP_VM_OUT=/run/vmap-out (the run's log dir)
#   VMAP_VM_NICS="0000:00:10.0 0000:00:11.0"  (pairs in order, by PCI address)
#   VMAP_VM_NIC=e1000e|virtio  VMAP_VM_AW=39|48|none  VMAP_VM_NODES  VMAP_VM_CPUS
#   VMAP_VM_HUGEPAGES_2M       VMAP_VM_HUGEPAGES_1G   (as asked, in all)
#
# Each run's log directory keeps console.log (all the guest printed),
# dmesg.txt (the guest's, saved after COMMAND), status, qemu.cmd and vm.env.
# A DMAR fault line in dmesg.txt is reported with a warning.
#
# Exit status: COMMAND's; 124 when the timeout struck; 125 when the guest
# gave none (it failed to set up, crashed, or QEMU failed); 130 when
# run.sh was interrupted (SIGINT, SIGTERM, SIGHUP); 2 for a usage error.
# The paths of the console log and of dmesg.txt are printed when it is
# not 0.
#
# Examples:
#   devtools/vm/run.sh -- sh -c 'dmesg | grep -i dmar; numactl -H'
#   devtools/vm/run.sh --nic virtio --aw 48 -- timeout -s INT 40 \
#       dpdk-testpmd -l 0-1 -n 1 -a 0000:00:10.0 -a 0000:00:11.0 -- \
#       --forward-mode=io --tx-first --total-num-mbufs=8192 --stats-period 5
#   devtools/vm/run.sh --nodes 2 --hugepages-1g 2 -- grep -r . \
#       /sys/devices/system/node/node*/hugepages/*/nr_hugepages
#   devtools/vm/run.sh --shell
# (timeout(1) itself exits 124 when it has sent the SIGINT that stops
# testpmd.) devtools/vm/selftest.sh checks the rig with such commands.
#
# Environment: VMAP_VM_CACHE, the cache of prepare.sh (default
# /var/cache/rte_vmap-vm).

set -euo pipefail

vm_dir=$(dirname "$(readlink -f "$0")")
project=$(cd "$vm_dir/../.." && pwd -P)
cache=${VMAP_VM_CACHE:-/var/cache/rte_vmap-vm}

usage() {
	sed -n '/^# Boot a QEMU/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

say() {
	echo "vm: $*" >&2
}

usage_error() {
	say "$*"
	say "see $0 --help"
	exit 2
}

nic=e1000e
pairs=1
aw=39
nodes=1
mem_per_node=
hugepages_2m=512
hugepages_1g=0
dma_entry_limit=131072
timeout=1800
log_dir=$project/build/vm-logs
shell=0
cmd=()

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

parse_args() {
	local opt

	while [ $# -gt 0 ]; do
		opt=$1
		case "$opt" in
		--shell) shell=1; shift; continue ;;
		-h|--help) usage; exit 0 ;;
		--) shift; cmd=("$@"); break ;;
		--nic|--pairs|--aw|--nodes|--mem-per-node|--hugepages-2m|--hugepages-1g|\
		--dma-entry-limit|--timeout|--log-dir)
			[ $# -ge 2 ] || usage_error "$opt needs a value"
			;;
		*) usage_error "unknown option '$opt'" ;;
		esac
		case "$opt" in
		--nic) nic=$2 ;;
		--pairs) pairs=$2 ;;
		--aw) aw=$2 ;;
		--nodes) nodes=$2 ;;
		--mem-per-node) mem_per_node=$2 ;;
		--hugepages-2m) hugepages_2m=$2 ;;
		--hugepages-1g) hugepages_1g=$2 ;;
		--dma-entry-limit) dma_entry_limit=$2 ;;
		--timeout) timeout=$2 ;;
		--log-dir) log_dir=$2 ;;
		esac
		shift 2
	done

	case "$nic" in
	e1000e|virtio) ;;
	*) usage_error "--nic: e1000e or virtio, not '$nic'" ;;
	esac
	case "$aw" in
	39|48|none) ;;
	*) usage_error "--aw: 39, 48 or none, not '$aw'" ;;
	esac
	is_uint "$pairs" && [ "$pairs" -le 6 ] || usage_error "--pairs: 0 to 6, not '$pairs'"
	[[ $nodes =~ ^[1-4]$ ]] || usage_error "--nodes: 1 to 4, not '$nodes'"
	is_uint "$hugepages_2m" || usage_error "--hugepages-2m: a number, not '$hugepages_2m'"
	is_uint "$hugepages_1g" || usage_error "--hugepages-1g: a number, not '$hugepages_1g'"
	is_uint "$dma_entry_limit" && [ "$dma_entry_limit" -gt 0 ] ||
		usage_error "--dma-entry-limit: a positive number, not '$dma_entry_limit'"
	is_uint "$timeout" || usage_error "--timeout: seconds, not '$timeout'"
	if [ -z "$mem_per_node" ]; then
		# The kernel's boot-time 1 GiB pages go missing on node 0 when
		# it is small: its RAM below 4 GiB ends short of 2 GiB (the PCI
		# hole) and the kernel's early allocations take the top GiB
		# above; with 4G it got one page of two, with 6G both.
		if [ "$hugepages_1g" -gt 0 ]; then mem_per_node=6G; else mem_per_node=2G; fi
	fi
	[[ $mem_per_node =~ ^[1-9][0-9]*[MG]$ ]] ||
		usage_error "--mem-per-node: like 2G or 3072M, not '$mem_per_node'"
	if [ "$shell" -eq 0 ] && [ ${#cmd[@]} -eq 0 ]; then
		usage_error "no COMMAND (after --) and no --shell"
	fi
	if [ "$shell" -eq 1 ] && [ ${#cmd[@]} -gt 0 ]; then
		usage_error "--shell and a COMMAND: choose one"
	fi
}

# Size like 2G or 3072M, in MiB.
mib() {
	case "$1" in
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	esac
}

# QEMU splits its options at commas; a comma in a value is written twice.
qemu_escape() {
	echo "${1//,/,,}"
}

# PCI address of NIC i (0-based): pair K has slots 0x10+2K and 0x11+2K.
nic_slot() {
	printf '0x%x' $((0x10 + $1))
}

nic_bdf() {
	printf '0000:00:%02x.0' $((0x10 + $1))
}

# KVM only where it is real hardware virtualization: a /dev/kvm without
# vmx/svm in the CPU flags is a paravirtual nested hypervisor here, on
# which -cpu host aborts and a guest kernel takes minutes to decompress.
accel_args() {
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		accel=kvm
		qemu+=(-accel kvm -cpu host)
	else
		accel=tcg
		qemu+=(-accel tcg,thread=multi,tb-size=512 -cpu max)
	fi
}

# One memory backend and NUMA node per node, one vCPU each (two with one
# node, for a main lcore and a forwarding lcore).
numa_args() {
	local n size_mib

	size_mib=$(mib "$mem_per_node")
	if [ "$nodes" -eq 1 ]; then
		vcpus=2
		qemu+=(-smp 2,sockets=1,cores=2,threads=1)
	else
		vcpus=$nodes
		qemu+=(-smp "$nodes,sockets=$nodes,cores=1,threads=1")
	fi
	qemu+=(-m "$((size_mib * nodes))M")
	for ((n = 0; n < nodes; n++)); do
		qemu+=(-object "memory-backend-ram,id=mem$n,size=${size_mib}M")
		if [ "$nodes" -eq 1 ]; then
			qemu+=(-numa "node,nodeid=0,cpus=0-1,memdev=mem0")
		else
			qemu+=(-numa "node,nodeid=$n,cpus=$n,memdev=mem$n")
		fi
	done
}

# Two NICs per pair on one hub: what one sends, the other receives. No
# option ROM (romfile=): nothing boots from them, and it saves time.
nic_args() {
	local i common

	nics=()
	for ((i = 0; i < pairs * 2; i++)); do
		common=$(printf 'netdev=nic%d,mac=52:54:00:00:10:%02x,romfile=,addr=%s' \
			"$i" "$i" "$(nic_slot "$i")")
		qemu+=(-netdev "hubport,id=nic$i,hubid=$((i / 2))")
		case "$nic" in
		e1000e)
			qemu+=(-device "e1000e,$common")
			;;
		virtio)
			# Modern only, its DMA through the IOMMU, as on real hardware.
			qemu+=(-device "virtio-net-pci,$common,disable-legacy=on,iommu_platform=on,ats=on")
			;;
		esac
		nics+=("$(nic_bdf "$i")")
	done
}

# The host's root, read-only (the guest's root, under an overlay), and
# the run's directory, writable (the guest's /run/vmap-out).
share_args() {
	qemu+=(
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
		-device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"
		-fsdev "local,id=vmapout,path=$(qemu_escape "$run_dir"),security_model=none,multidevs=remap"
		-device "virtio-9p-pci,fsdev=vmapout,mount_tag=vmapout"
	)
}

kernel_cmdline() {
	local args=(
		console=ttyS0 panic=-1 quiet
		"intel_iommu=$([ "$aw" = none ] && echo off || echo on)"
		"vmap.init=$vm_dir/guest-init.sh"
		"vmap.modules=$cache/$kernel/root/lib/modules/$kernel"
		# Speed under TCG: Debian zeroes every page it allocates (and the
		# hugepages at boot, then again at the first touch), and its
		# Spectre mitigations cost emulated instructions for nothing here.
		init_on_alloc=0 mitigations=off
		default_hugepagesz=2M
	)

	if [ "$hugepages_1g" -gt 0 ]; then
		args+=(hugepagesz=1G "hugepages=$hugepages_1g")
	fi
	args+=(hugepagesz=2M "hugepages=$hugepages_2m")
	echo "${args[*]}"
}

# What guest-init.sh reads: bash declarations, so any COMMAND survives.
write_env() {
	local VMAP_VM_PROJECT=$project
	local VMAP_VM_NICS="${nics[*]}"
	local VMAP_VM_NIC=$nic
	local VMAP_VM_AW=$aw
	local VMAP_VM_NODES=$nodes
	local VMAP_VM_HUGEPAGES_2M=$hugepages_2m
	local VMAP_VM_HUGEPAGES_1G=$hugepages_1g
	local VMAP_VM_DMA_ENTRY_LIMIT=$dma_entry_limit
	local VMAP_VM_SHELL=$shell
	local VMAP_VM_TERM=${TERM:-linux}
	local VMAP_VM_ROWS=24 VMAP_VM_COLS=80
	local VMAP_VM_CMD=("${cmd[@]}")

	# The guest's serial console cannot tell the terminal's size.
	if [ "$shell" -eq 1 ] && [ -t 0 ]; then
		read -r VMAP_VM_ROWS VMAP_VM_COLS < <(stty size 2>/dev/null || echo 0 0)
		if [ "$VMAP_VM_ROWS" -eq 0 ] || [ "$VMAP_VM_COLS" -eq 0 ]; then
			VMAP_VM_ROWS=24 VMAP_VM_COLS=80
		fi
	fi
	declare -p VMAP_VM_PROJECT VMAP_VM_NICS \
		VMAP_VM_NIC VMAP_VM_AW VMAP_VM_NODES VMAP_VM_HUGEPAGES_2M \
		VMAP_VM_HUGEPAGES_1G VMAP_VM_DMA_ENTRY_LIMIT VMAP_VM_SHELL \
		VMAP_VM_TERM VMAP_VM_ROWS VMAP_VM_COLS VMAP_VM_CMD |
		sed -e 's/^declare -- /declare -g /' -e 's/^declare -a /declare -ga /' >"$run_dir/vm.env"
}

# Preconditions, each with one line saying what to do.
check_host() {
	local dir

	command -v qemu-system-x86_64 >/dev/null ||
		{ say "no qemu-system-x86_64: run devtools/vm/prepare.sh"; exit 125; }
	[ -s "$cache/ready" ] ||
		{ say "no guest kernel in $cache: run devtools/vm/prepare.sh"; exit 125; }
	kernel=$(cat "$cache/ready")
	[ -s "$cache/$kernel/vmlinux" ] && [ -s "$cache/$kernel/initramfs.cpio.gz" ] ||
		{ say "$cache/$kernel is incomplete: run devtools/vm/prepare.sh"; exit 125; }
	# An initramfs made by other scripts than these: prepare.sh rebuilds it.
	if [ "$(cat "$vm_dir/initramfs-init.sh" "$vm_dir/prepare.sh" | sha256sum | cut -d' ' -f1)" \
		!= "$(cat "$cache/$kernel/scripts.sha256" 2>/dev/null)" ]; then
		say "the initramfs is older than initramfs-init.sh or prepare.sh: running prepare.sh"
		bash "$vm_dir/prepare.sh" >&2 || { say "prepare.sh failed"; exit 125; }
	fi
	case "$vm_dir$project$cache" in
	*[[:space:]]*)
		say "the project and cache paths go on the kernel command line: no spaces, please"
		exit 125
		;;
	esac
	# The guest mounts these afresh: what is under them on the host is hidden.
	for dir in "$project" "$cache"; do
		case "$dir/" in
		/tmp/*|/run/*|/dev/*|/proc/*|/sys/*)
			say "the guest cannot see $dir: it mounts /tmp, /run, /dev, /proc and /sys afresh"
			exit 125
			;;
		esac
	done
}

# A guest needs its RAM from the host (1 GiB pages: about 4 GiB a node).
check_memory() {
	local want avail

	want=$(($(mib "$mem_per_node") * nodes))
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	if [ "$want" -gt "$avail" ]; then
		say "WARNING: the guest may take ${want} MiB, the host has ${avail} MiB available"
	fi
}

# One guest at a time on the machine, whatever the cache: on 2 cores two
# TCG guests are each several times slower, and each takes up to 4 GiB a
# node. QEMU inherits the lock and holds it as long as the guest lives.
take_lock() {
	local lock=/run/lock/rte_vmap-vm.lock

	[ -d /run/lock ] || lock=/tmp/rte_vmap-vm.lock
	exec 9>"$lock"
	if ! flock -n 9; then
		say "another guest is running: waiting for it (lock $lock)"
		flock 9
	fi
}

make_run_dir() {
	mkdir -p "$log_dir" || { say "cannot create $log_dir"; exit 125; }
	log_dir=$(cd "$log_dir" && pwd -P)
	run_dir=$log_dir/$(date +%Y%m%d-%H%M%S)-$$
	mkdir "$run_dir"
	ln -sfn "$(basename "$run_dir")" "$log_dir/latest"
	# The names sort by date: drop all but the newest 50.
	find "$log_dir" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*-[0-9]*-[0-9]*' |
		LC_ALL=C sort -r | tail -n +51 | xargs -r rm -rf
}

# QEMU in the background (so that a signal to this script can stop it),
# under timeout(1) when asked; --foreground lets the guest's shell read
# the terminal.
run_qemu() {
	local -a runner=()

	if [ "$timeout" -gt 0 ]; then
		runner=(timeout --foreground -k 10 "$timeout")
	fi
	# QEMU warns that the NICs' hubs reach no host network: they are not
	# meant to; its other messages go through.
	if [ "$shell" -eq 1 ]; then
		"${runner[@]}" "${qemu[@]}" <&3 2> >(grep -v 'is not connected to host network' >&2) &
	else
		"${runner[@]}" "${qemu[@]}" </dev/null \
			2> >(grep -v 'is not connected to host network' >&2) &
	fi
	qemu_pid=$!
	trap 'interrupted=1; kill -TERM "$qemu_pid" 2>/dev/null' INT TERM HUP
	interrupted=0
	qemu_rc=0
	wait "$qemu_pid" || qemu_rc=$?
	# A trapped signal ends the first wait early: wait for QEMU itself.
	while kill -0 "$qemu_pid" 2>/dev/null; do
		wait "$qemu_pid" || qemu_rc=$?
	done
	trap - INT TERM HUP
}

print_log_paths() {
	say "console log: $run_dir/console.log"
	if [ -f "$run_dir/dmesg.txt" ]; then
		say "guest dmesg: $run_dir/dmesg.txt"
	else
		say "guest dmesg: none (the guest did not get to save it)"
	fi
}

# The exit status: COMMAND's from the share, else why there is none.
report() {
	local status faults

	if [ -f "$run_dir/dmesg.txt" ]; then
		faults=$(grep -c 'DMAR: \[DMA \(Read\|Write\)' "$run_dir/dmesg.txt" || true)
		if [ "$faults" -gt 0 ]; then
			say "WARNING: $faults DMAR fault line(s) in the guest's dmesg"
		fi
	fi
	if [ "$interrupted" -eq 1 ]; then
		say "interrupted: guest killed"
		print_log_paths
		return 130
	fi
	if [ "$timeout" -gt 0 ] && { [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; }; then
		say "timed out after $timeout s: guest killed"
		print_log_paths
		return 124
	fi
	if [ -s "$run_dir/status" ]; then
		status=$(cat "$run_dir/status")
		if [ "$status" -ne 0 ]; then
			say "${cmd[0]:-the shell} exited with status $status (after $((SECONDS - start)) s)"
			print_log_paths
		fi
		return "$status"
	fi
	if [ -s "$run_dir/error" ]; then
		say "guest setup failed: $(cat "$run_dir/error")"
	elif [ "$qemu_rc" -ne 0 ]; then
		say "QEMU failed (exit status $qemu_rc) before the guest reported a status"
	else
		say "the guest died before reporting an exit status (kernel panic? see the logs)"
	fi
	print_log_paths
	return 125
}

main() {
	local status=0 kernel run_dir qemu_pid qemu_rc accel vcpus interrupted console
	local -a qemu nics

	parse_args "$@"
	check_host
	check_memory
	take_lock
	make_run_dir
	qemu=(
		qemu-system-x86_64 -name rte_vmap-vm
		-nodefaults -no-user-config -display none -no-reboot
		-machine q35,kernel-irqchip=split
	)
	accel_args
	# The IOMMU before the PCI devices it translates for.
	if [ "$aw" != none ]; then
		qemu+=(-device "intel-iommu,intremap=on,caching-mode=on,aw-bits=$aw")
	fi
	numa_args
	nic_args
	share_args
	console="stdio,id=console,logfile=$(qemu_escape "$run_dir/console.log")"
	if [ "$shell" -eq 1 ]; then
		# mux: ^A x quits QEMU; no signals: ^C goes to the guest.
		console+=",mux=on,signal=off"
	fi
	qemu+=(-chardev "$console")
	qemu+=(
		-serial chardev:console
		-kernel "$cache/$kernel/vmlinux"
		-initrd "$cache/$kernel/initramfs.cpio.gz"
		-append "$(kernel_cmdline)"
	)
	write_env
	printf '%q ' "${qemu[@]}" >"$run_dir/qemu.cmd"
	echo >>"$run_dir/qemu.cmd"
	say "$accel guest: $vcpus vCPUs, $nodes node(s) x $mem_per_node, IOMMU aw $aw," \
		"$((pairs * 2)) $nic NIC(s), hugepages 2M=$hugepages_2m 1G=$hugepages_1g;" \
		"logs in $run_dir"
	start=$SECONDS
	exec 3<&0
	run_qemu
	report || status=$?
	exit "$status"
}

main "$@"
