#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Prepare a Debian 12 machine and build rte_vmap. Idempotent: run it as
# often as you like; it only does what is missing.
#
#   1. install the packages below (apt-get update only if some are missing)
#   2. reserve 2 MiB hugepages (at least VMAP_HUGEPAGES, default 1024; an
#      existing higher count is kept) and mount hugetlbfs at /dev/hugepages
#   3. meson setup build (or reconfigure it) and ninja -C build
#   4. devtools/vm/prepare.sh: QEMU and a guest kernel for the guest tests
#      (devtools/vm/run.sh); if it fails, a warning: the host build stands
#
# Options:
#   --no-vm     skip step 4
#   -h, --help  this text
#
# Runs as root, non-interactively, with or without a tty. Environment:
#   VMAP_HUGEPAGES  2 MiB pages to reserve (default 1024)
#   VMAP_BUILD_DIR  build directory (default build)
#   VMAP_SKIP_BUILD set to 1 to stop after steps 1 and 2

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

export DEBIAN_FRONTEND=noninteractive

usage() {
	sed -n '/^# Prepare a Debian/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

with_vm=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) with_vm=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "setup: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

packages=(
	libdpdk-dev dpdk-dev dpdk libnuma-dev libhwloc-dev hwloc libbsd-dev
	meson ninja-build pkg-config python3 python3-pyelftools
	iproute2 iputils-ping ethtool tcpdump
	clang libclang-rt-14-dev valgrind
	doxygen python3-sphinx python3-matplotlib libpcap-dev
)
hugepages_target=${VMAP_HUGEPAGES:-1024}
build_dir=${VMAP_BUILD_DIR:-build}
hugepages_sysfs=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

log() {
	echo "setup: $*"
}

warn() {
	echo "setup: WARNING: $*" >&2
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# A package exists if apt has a candidate version for it.
has_candidate() {
	local candidate

	candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	[ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

install_packages() {
	local missing=() available=() dropped=() p

	if ! command -v dpkg-query >/dev/null; then
		warn "not a Debian system (no dpkg): install the packages by hand:"
		warn "  ${packages[*]}"
		return 0
	fi
	for p in "${packages[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "packages: all ${#packages[@]} already installed"
		return 0
	fi
	if ! is_root; then
		echo "setup: missing packages: ${missing[*]}" >&2
		echo "setup: run me as root to install them" >&2
		exit 1
	fi

	log "packages missing: ${missing[*]}"
	log "apt-get update"
	apt-get update -qq
	for p in "${missing[@]}"; do
		if has_candidate "$p"; then
			available+=("$p")
		else
			dropped+=("$p")
		fi
	done
	if [ ${#dropped[@]} -gt 0 ]; then
		warn "no such package in the apt sources, skipped: ${dropped[*]}"
	fi
	if [ ${#available[@]} -gt 0 ]; then
		log "apt-get install ${available[*]}"
		apt-get install -y -qq --no-install-recommends "${available[@]}" </dev/null
	fi
}

reserve_hugepages() {
	local current

	if [ ! -e "$hugepages_sysfs" ]; then
		warn "no 2 MiB hugepage support ($hugepages_sysfs): tests run with --no-huge"
		return 0
	fi
	current=$(cat "$hugepages_sysfs")
	if [ "$current" -ge "$hugepages_target" ]; then
		log "hugepages: $current x 2 MiB reserved (target $hugepages_target), unchanged"
	elif ! is_root; then
		warn "hugepages: $current x 2 MiB reserved, $hugepages_target wanted: run as root"
	elif ! echo "$hugepages_target" > "$hugepages_sysfs" 2>/dev/null; then
		warn "hugepages: cannot write $hugepages_sysfs (read-only /sys?)"
	else
		log "hugepages: reserved $(cat "$hugepages_sysfs") x 2 MiB (was $current," \
			"target $hugepages_target)"
	fi
	# The kernel may give fewer pages than asked when memory is fragmented.
	current=$(cat "$hugepages_sysfs")
	if [ "$current" -lt "$hugepages_target" ]; then
		warn "hugepages: only $current of $hugepages_target 2 MiB pages available"
	fi
}

mount_hugetlbfs() {
	if grep -qs '^[^ ]* /dev/hugepages hugetlbfs ' /proc/mounts; then
		log "hugetlbfs: already mounted at /dev/hugepages"
		return 0
	fi
	if ! is_root; then
		warn "hugetlbfs: not mounted at /dev/hugepages; run as root to mount it"
		return 0
	fi
	mkdir -p /dev/hugepages
	if mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null; then
		log "hugetlbfs: mounted at /dev/hugepages"
	else
		warn "hugetlbfs: mount at /dev/hugepages failed (tests use --in-memory anyway)"
	fi
}

build() {
	if [ -f "$build_dir/meson-private/coredata.dat" ]; then
		log "meson: reconfiguring $build_dir"
		# A reconfigure also looks for hugepages again (test/meson.build).
		meson setup --reconfigure "$build_dir" ||
			meson setup --wipe "$build_dir"
	else
		log "meson: setting up $build_dir"
		meson setup "$build_dir"
	fi
	log "ninja -C $build_dir"
	ninja -C "$build_dir"
	log "built in $build_dir"
}

# The guest rig is optional: a host-only user still gets a build.
prepare_vm() {
	if [ "$with_vm" -eq 0 ]; then
		log "--no-vm: not preparing the guest rig"
	elif ! bash devtools/vm/prepare.sh </dev/null; then
		warn "the guest rig is not ready (devtools/vm/prepare.sh failed): guest tests will skip"
	fi
}

install_packages
reserve_hugepages
mount_hugetlbfs
if [ "${VMAP_SKIP_BUILD:-0}" = 1 ]; then
	log "VMAP_SKIP_BUILD=1: not building"
else
	build
fi
prepare_vm
log "done"
