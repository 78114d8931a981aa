#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# /init of the guest's initramfs (devtools/vm/prepare.sh puts it there, with
# busybox and the modules in /lib/modules). Runs under busybox sh.
#
#   1. loads the modules that mount 9p and overlay
#   2. at /newroot: the host's root (9p tag "hostroot", read-only) under an
#      overlay with a tmpfs upper, so that the guest may write anywhere
#   3. in it: fresh proc, sys, dev, devpts, /dev/shm, /run, /tmp, the run's
#      writable share (9p tag "vmapout") at /run/vmap-out, hugetlbfs at
#      /dev/hugepages (and /dev/hugepages-1G when there are 1 GiB pages),
#      and the guest kernel's modules (vmap.modules= on the kernel command
#      line) at /lib/modules/$(uname -r)
#   4. switch_root into it, and run the script named by vmap.init= (that is
#      devtools/vm/guest-init.sh) with the host's bash as PID 1
#
# The mounts are here, not in guest-init.sh, because busybox is in memory:
# under TCG every exec of a dynamically linked tool from the 9p root costs
# a few tenths of a second. Any failure powers the guest off; run.sh then
# reports that no exit status came back.

export PATH=/bin
root=/newroot
out=/run/vmap-out

# A line in the guest's dmesg: its timestamp shows where boot time goes.
mark() {
	echo "<6>vm-initramfs: $*" >/dev/kmsg
}

fail() {
	echo "vm-initramfs: $*" >&2
	if mountpoint -q "$root$out"; then
		echo "initramfs: $*" >"$root$out/error"
	fi
	# run.sh boots with panic=-1 and -no-reboot: QEMU exits either way.
	busybox poweroff -f
}

busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
busybox --install -s /bin

init=
modules=
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmap.init=*) init=${arg#vmap.init=} ;;
	vmap.modules=*) modules=${arg#vmap.modules=} ;;
	esac
done
[ -n "$init" ] || fail "no vmap.init= on the kernel command line"
[ -n "$modules" ] || fail "no vmap.modules= on the kernel command line"

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
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay $root ||
	fail "cannot mount the overlay root"
[ -x $root/bin/bash ] || fail "no /bin/bash in the host root"
[ -f "$root$init" ] || fail "no $init in the host root"

mount -t proc proc $root/proc
mount -t sysfs sysfs $root/sys
mount -t devtmpfs devtmpfs $root/dev
mkdir -p $root/dev/pts $root/dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts $root/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $root/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $root/run
mount -t tmpfs -o mode=1777 tmpfs $root/tmp
mkdir -p $root$out
# No cache: what the guest writes is on the host before it powers off.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmapout $root$out ||
	fail "cannot mount the run's share (9p tag vmapout) at $out"

mkdir -p $root/dev/hugepages
mount -t hugetlbfs -o pagesize=2M nodev $root/dev/hugepages ||
	fail "cannot mount hugetlbfs at /dev/hugepages"
if [ "$(cat $root/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages)" -gt 0 ]; then
	mkdir -p $root/dev/hugepages-1G
	mount -t hugetlbfs -o pagesize=1G nodev $root/dev/hugepages-1G ||
		fail "cannot mount hugetlbfs at /dev/hugepages-1G"
fi

[ -d "$root$modules" ] || fail "no guest kernel modules at $modules"
kernel=$(uname -r)
mkdir -p "$root/lib/modules/$kernel"
mount --bind "$root$modules" "$root/lib/modules/$kernel" ||
	fail "cannot bind-mount the modules at /lib/modules/$kernel"

hostname vmap-vm
ip link set lo up
mark "root ready"
umount /proc /sys /dev
exec switch_root $root /bin/bash "$init"
