#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Prepare what devtools/vm/run.sh needs to boot a QEMU guest. Idempotent:
# a second run only checks, and says so.
#
#   1. install the Debian packages of the rig (apt-get update only if some
#      are missing)
#   2. in the cache directory: a Debian 6.1 guest kernel, unpacked with
#      dpkg -x (never installed on the host), its modules indexed with
#      depmod -b, and an uncompressed ELF vmlinux extracted from its vmlinuz
#      (QEMU boots it directly with -kernel: no BIOS, no decompressor)
#   3. a small initramfs: busybox-static, the modules that mount the 9p and
#      overlay root, and devtools/vm/initramfs-init.sh as /init (rebuilt
#      whenever that script or the module list changes)
#
# Runs as root. Environment:
#   VMAP_VM_CACHE   cache directory (default /var/cache/rte_vmap-vm)
#   VMAP_VM_KERNEL  kernel version to use, e.g. 6.1.0-57-amd64 (default: the
#                   one already prepared, else the newest linux-image-6.1.0-N-amd64
#                   apt knows)
#
# Exits 0 when the rig is ready, 1 (after one line saying why) when not.

set -euo pipefail

vm_dir=$(dirname "$(readlink -f "$0")")

export DEBIAN_FRONTEND=noninteractive

packages=(
	qemu-system-x86 ipxe-qemu busybox-static kmod cpio numactl
	xz-utils zstd gzip util-linux coreutils
)
cache=${VMAP_VM_CACHE:-/var/cache/rte_vmap-vm}

# Modules the initramfs loads, in this order, to mount the 9p root under an
# overlay (everything else is loaded later from the bind-mounted
# /lib/modules). virtio_pci comes last: it probes the 9p devices, which
# needs 9pnet_virtio to be there already.
initramfs_modules=(
	netfs fscache 9pnet 9p virtio_ring virtio 9pnet_virtio overlay
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
)

log() {
	echo "vm-prepare: $*"
}

# One clear line, then exit 1: the caller (setup.sh) only warns.
die() {
	echo "vm-prepare: cannot prepare the VM rig: $*" >&2
	exit 1
}

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# At most once a run, and only when something is missing.
apt_updated=0
apt_update() {
	if [ "$apt_updated" -eq 0 ]; then
		log "apt-get update"
		apt-get update -qq || die "apt-get update failed"
		apt_updated=1
	fi
}

install_packages() {
	local missing=() p

	command -v dpkg-query >/dev/null || die "not a Debian system (no dpkg)"
	for p in "${packages[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		log "packages: all ${#packages[@]} already installed"
		return 0
	fi
	log "packages missing: ${missing[*]}"
	apt_update
	apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# The newest linux-image-6.1.0-N-amd64 with a candidate version in apt.
newest_kernel() {
	local names name candidate

	names=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
		grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -V -r || true)
	for name in $names; do
		candidate=$(apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ { print $2 }')
		if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
			echo "${name#linux-image-}"
			return 0
		fi
	done
}

# The kernel to prepare: VMAP_VM_KERNEL, else the one prepared already (a
# newer Debian kernel alone is no reason to download 70 MB again), else
# the newest.
pick_kernel() {
	if [ -n "${VMAP_VM_KERNEL:-}" ]; then
		echo "$VMAP_VM_KERNEL"
	elif [ -s "$cache/ready" ]; then
		cat "$cache/ready"
	else
		newest_kernel
	fi
}

# The Linux tree's scripts/extract-vmlinux method: try each compressor's
# magic at every offset where it occurs in the bzImage until one
# decompresses into an ELF file. Prints nothing if none does.
extract_vmlinux() {
	local img=$1 out=$2 magic pattern tool pos

	while read -r magic pattern tool; do
		command -v "${tool%% *}" >/dev/null || continue
		for pos in $(tr "$magic\n$pattern" "\n$pattern=" <"$img" |
			grep -abo "^$pattern" | cut -d: -f1); do
			tail -c+"$pos" "$img" | $tool >"$out" 2>/dev/null || true
			if [ "$(head -c4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done <<-'EOF'
	\3757zXZ\000 abcde xz -dc
	\037\213\010 xy gzip -dc
	\050\265\057\375 xxx zstd -dcq
	\002!L\030 xxx lz4 -dc
	EOF
	rm -f "$out"
	return 1
}

prepare_kernel() {
	local ver=$1 dir=$cache/$1 tmp

	if [ -s "$dir/vmlinux" ] && [ -f "$dir/root/lib/modules/$ver/modules.dep" ]; then
		log "kernel: $ver already unpacked in $dir"
		return 0
	fi
	log "kernel: fetching linux-image-$ver"
	rm -rf "$dir"
	mkdir -p "$dir"
	tmp=$(mktemp -d "$cache/download.XXXXXX")
	# apt-get downloads as the _apt user where it can: give it the directory.
	if id _apt >/dev/null 2>&1; then
		chown _apt "$tmp"
	fi
	# Stale package lists point at a file the mirror no longer has.
	if ! (cd "$tmp" && apt-get download -qq "linux-image-$ver" 2>&1) &&
		! { apt_update && (cd "$tmp" && apt-get download -qq "linux-image-$ver" 2>&1); }; then
		rm -rf "$tmp"
		die "apt-get download linux-image-$ver failed (VMAP_VM_KERNEL=$ver?)"
	fi
	log "kernel: unpacking into $dir/root (not installing it)"
	dpkg -x "$tmp"/linux-image-"$ver"_*.deb "$dir/root"
	rm -rf "$tmp"
	depmod -b "$dir/root" "$ver" || die "depmod -b $dir/root $ver failed"
	log "kernel: extracting an ELF vmlinux from vmlinuz-$ver"
	extract_vmlinux "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinux.tmp" ||
		die "found no compressed ELF kernel in $dir/root/boot/vmlinuz-$ver"
	mv "$dir/vmlinux.tmp" "$dir/vmlinux"
}

# Path of module $1 of kernel $2 under its root, from modules.dep.
module_path() {
	local name=$1 ver=$2 root=$cache/$2/root rel

	rel=$(awk -F: -v m="$name" '{
		n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
		gsub(/-/, "_", n)
		if (n == m) { print $1; exit }
	}' "$root/lib/modules/$ver/modules.dep")
	[ -n "$rel" ] || die "module $name not found in kernel $ver"
	echo "$root/lib/modules/$ver/$rel"
}

# The scripts that make the initramfs: run.sh checks this sum too.
scripts_sum() {
	cat "$vm_dir/initramfs-init.sh" "$vm_dir/prepare.sh" | sha256sum | cut -d' ' -f1
}

# The initramfs is rebuilt when its inputs change: the kernel, the scripts
# (/init, the module list) or busybox.
initramfs_inputs() {
	local ver=$1

	{
		echo "$ver"
		scripts_sum
		dpkg-query -W -f='${Version}\n' busybox-static
	} | sha256sum | cut -d' ' -f1
}

build_initramfs() {
	local ver=$1 dir=$cache/$1 sum tree m src

	sum=$(initramfs_inputs "$ver")
	if [ -s "$dir/initramfs.cpio.gz" ] && [ "$(cat "$dir/initramfs.sum" 2>/dev/null)" = "$sum" ]; then
		log "initramfs: up to date ($dir/initramfs.cpio.gz)"
		return 0
	fi
	log "initramfs: building"
	tree=$(mktemp -d "$cache/initramfs.XXXXXX")
	mkdir -p "$tree"/{bin,dev,proc,sys,newroot,lib/modules}
	# The kernel opens /dev/console for /init before anything is mounted.
	mknod -m 0600 "$tree/dev/console" c 5 1
	cp /bin/busybox "$tree/bin/busybox"
	ln -s busybox "$tree/bin/sh"
	install -m 0755 "$vm_dir/initramfs-init.sh" "$tree/init"
	# Numbered so that /init loads them in the order of the list. busybox
	# insmod takes plain .ko files only: decompress them here.
	m=0
	for name in "${initramfs_modules[@]}"; do
		src=$(module_path "$name" "$ver")
		m=$((m + 1))
		case "$src" in
		*.ko.xz) xz -dc "$src" ;;
		*.ko.zst) zstd -dcq "$src" ;;
		*.ko.gz) gzip -dc "$src" ;;
		*) cat "$src" ;;
		esac >"$tree/lib/modules/$(printf '%02d' "$m")-$name.ko"
	done
	(cd "$tree" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet) | gzip -1 >"$dir/initramfs.cpio.gz.tmp"
	rm -rf "$tree"
	mv "$dir/initramfs.cpio.gz.tmp" "$dir/initramfs.cpio.gz"
	echo "$sum" >"$dir/initramfs.sum"
	# run.sh compares this with the scripts to spot a stale initramfs.
	scripts_sum >"$dir/scripts.sha256"
}

main() {
	local ver old

	[ "$(id -u)" -eq 0 ] || die "run me as root"
	install_packages
	mkdir -p "$cache" || die "cannot create $cache (set VMAP_VM_CACHE)"
	ver=$(pick_kernel)
	if [ -z "$ver" ]; then
		apt_update
		ver=$(pick_kernel)
	fi
	[ -n "$ver" ] || die "apt knows no linux-image-6.1.0-N-amd64 (apt-get update?)"
	prepare_kernel "$ver"
	build_initramfs "$ver"
	# Only now does run.sh use this kernel; then drop any previous one.
	old=$(cat "$cache/ready" 2>/dev/null || true)
	echo "$ver" >"$cache/ready"
	if [ -n "$old" ] && [ "$old" != "$ver" ] && [ -d "$cache/$old" ]; then
		log "removing the previous kernel $old"
		rm -rf "${cache:?}/$old"
	fi
	log "ready: kernel $ver in $cache"
}

main "$@"
