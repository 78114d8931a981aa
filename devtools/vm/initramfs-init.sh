#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# /init of the guest's initramfs (devtools/vm/prepare.sh puts it there, with
# busybox and the modules in /lib/modules). Runs under busybox sh.
#
# Mounts the host's root (9p tag "hostroot", read-only) under an overlay
# with a tmpfs upper at /newroot, then switch_root's into it and runs, as
# the new PID 1, the script named by vmap.init= on the kernel command line
# (devtools/vm/guest-init.sh, with the host's own bash). Any failure here
# powers the guest off: run.sh then reports that no exit status came back.

export PATH=/bin

# A line in the guest's dmesg: its timestamp shows where boot time goes.
mark() {
	echo "<6>vm-initramfs: $*" >/dev/kmsg
}

fail() {
	echo "vm-initramfs: $*" >&2
	# run.sh boots with panic=-1 and -no-reboot: QEMU exits.
	busybox poweroff -f
}

busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
busybox --install -s /bin

init=
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmap.init=*) init=${arg#vmap.init=} ;;
	esac
done
[ -n "$init" ] || fail "no vmap.init= on the kernel command line"

# In the order prepare.sh numbered them.
for ko in /lib/modules/*.ko; do
	insmod "$ko" || fail "insmod $ko failed"
done

mark "modules loaded"
mkdir -p /lower /upper
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
	fail "cannot mount the host root (9p tag hostroot)"
# The upper and work directories must be on the same file system.
mount -t tmpfs -o mode=0755 tmpfs /upper || fail "cannot mount the tmpfs upper"
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	fail "cannot mount the overlay root"
[ -x "/newroot/bin/bash" ] || fail "no /bin/bash in the host root"
[ -f "/newroot$init" ] || fail "no $init in the host root"

mark "root mounted"
umount /proc /sys /dev
exec switch_root /newroot /bin/bash "$init"
