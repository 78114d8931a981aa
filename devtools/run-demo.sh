#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Build everything (devtools/setup.sh) and run the main job: the sample
# forwarder dpdk-vmap-fwd for about 10 s between two virtual ports with
# real traffic, then say what happened.
#
#   devtools/run-demo.sh [dpdk-vmap-fwd args...]
#   devtools/run-demo.sh --vm [dpdk-vmap-fwd args...]
#   devtools/run-demo.sh --demo [dpdk-vmap-demo args...]
#
# (as root; prefix sudo when not root)
#
# The stage: two network namespaces, each with one end of a veth pair and
# an address in 198.18.0.0/15 (the benchmarking range: it belongs to no
# one); the other ends are net_af_packet ports 0 and 1 of the forwarder,
# which bridges them (--no-mac-updating). The Linux stack in namespace A
# pings namespace B and streams TCP to it for a few seconds, all through
# the forwarder, whose mbufs live in vmap windows while a control thread
# allocates and frees windows of the same space (--churn) and every
# received buffer's IOVA is checked through the simulated IOMMU
# (--iommu sim --check-iova). The namespaces are removed on exit. Where
# namespaces cannot be created (not root, no CAP_NET_ADMIN), the same run
# uses two net_ring ports looping frames sent first instead, and says so.
#
# Arguments given replace the forwarder's defaults (--churn 200 --iommu
# sim --check-iova); --no-mac-updating (the namespaces need their own MACs
# kept; --mac-updating after it wins) and --duration 10 (a later
# --duration wins) come first in any case. With --demo the older tour dpdk-vmap-demo
# runs instead (--windows 32 if no arguments).
#
# With --vm the stage is a QEMU guest (devtools/vm/run.sh: an emulated
# Intel IOMMU of 39 bits, two e1000e NICs on vfio-pci cabled back to back):
# the forwarder runs there with --iommu vfio (its windows mapped one by one
# in EAL's VFIO container, so every DMA the NICs make goes through the
# IOMMU to a window) for 20 s, loops 32 frames sent first on each port,
# churns windows and checks every buffer's IOVA; then the guest's kernel
# log is searched for DMAR faults (there must be none). It takes about a
# minute under TCG. Environment:
#   VMAP_DEMO_EAL_ARGS  EAL arguments to use instead of the defaults
#   VMAP_BUILD_DIR      build directory (default build)
#   VMAP_SKIP_SETUP=1   do not run setup.sh (the build must exist)
#   VMAP_DEMO_RING=1    use the net_ring ports even where namespaces work

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

build_dir=${VMAP_BUILD_DIR:-build}
fwd=$build_dir/app/vmap-fwd/dpdk-vmap-fwd
demo=$build_dir/app/vmap-demo/dpdk-vmap-demo
duration=10

say() {
	echo "run-demo: $*"
}

if [ "${VMAP_SKIP_SETUP:-0}" != 1 ]; then
	VMAP_BUILD_DIR=$build_dir bash devtools/setup.sh </dev/null
fi

# --vm: the same script runs again inside the guest, with --in-guest.
if [ "${1:-}" = --vm ]; then
	shift
	say "booting a guest: devtools/vm/run.sh --aw 39 --nic e1000e (about a minute)"
	exec bash devtools/vm/run.sh --aw 39 --nic e1000e --timeout 600 -- \
		env VMAP_SKIP_SETUP=1 bash devtools/run-demo.sh --in-guest "$@"
fi
in_guest=0
if [ "${1:-}" = --in-guest ]; then
	in_guest=1
	shift
fi

run_tour=0
if [ "${1:-}" = --demo ]; then
	run_tour=1
	shift
fi
app=$fwd
[ "$run_tour" -eq 1 ] && app=$demo
if [ ! -x "$app" ]; then
	echo "run-demo: $app was not built (is the 'apps' option off?" \
		"meson configure $build_dir -Dapps=true)" >&2
	exit 1
fi

# ---- EAL arguments ----
page_args=()
if [ -n "${VMAP_DEMO_EAL_ARGS:-}" ]; then
	read -r -a eal_args <<< "$VMAP_DEMO_EAL_ARGS"
elif [ "$in_guest" -eq 1 ]; then
	read -r -a nics <<< "${VMAP_VM_NICS:-}"
	[ "${#nics[@]}" -ge 2 ] || { say "--in-guest: no NICs in VMAP_VM_NICS"; exit 1; }
	eal_args=(-l 0-1 -n 1 -a "${nics[0]}" -a "${nics[1]}" --in-memory
		--file-prefix "vmap_demo_$$" -m 512)
else
	lcores=0-1
	if [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; then
		lcores=0
	fi
	eal_args=(-l "$lcores" --no-pci --file-prefix "vmap_demo_$$")
	if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
		eal_args+=(--in-memory)
	else
		# --in-memory needs hugepages; the space falls back to 4 KiB pages.
		say "no free hugepages: EAL with --no-huge -m 512, windows on 4 KiB pages"
		eal_args+=(--no-huge -m 512)
		page_args=(--page-size 4K)
	fi
fi

# The forwarder between the guest's two PCI NICs, then what happened,
# DMAR faults included.
in_guest_demo() {
	local args=("$@") rc=0 faults before

	[ ${#args[@]} -eq 0 ] && args=(--iommu vfio --iova-mode va --churn 200 --check-iova)
	args=(--tx-first 32 --duration 20 "${args[@]}")
	before=$(dmesg | grep -c 'DMAR: \[DMA' || true)
	printf 'run-demo: %s' "$fwd"
	printf ' %q' "${eal_args[@]}" -- "${args[@]}"
	echo
	"$fwd" "${eal_args[@]}" -- "${args[@]}" 2>&1 | tee /tmp/vmap-demo-fwd.log
	rc=${PIPESTATUS[0]}
	faults=$(( $(dmesg | grep -c 'DMAR: \[DMA' || true) - before ))
	echo
	say "==== what happened ===="
	grep -E '^summary (direction|churn|check_iova|vmap|result)' /tmp/vmap-demo-fwd.log |
		sed 's/^summary /run-demo: forwarder: /' || true
	say "IOMMU: $(dmesg | grep -m1 -o 'Host address width [0-9]*');" \
		"$faults DMAR fault line(s) in the guest's kernel log during the run"
	if [ "$rc" -eq 0 ] && [ "$faults" -eq 0 ]; then
		say "OK: two e1000e NICs DMA'd through the IOMMU into vmap windows," \
			"both directions, no fault"
		return 0
	fi
	say "FAILED (forwarder exit $rc, $faults DMAR faults)"
	return 1
}

# ---- the older tour: dpdk-vmap-demo ----
if [ "$run_tour" -eq 1 ]; then
	app_args=("$@")
	[ ${#app_args[@]} -eq 0 ] && app_args=(--windows 32)
	app_args=("${page_args[@]}" "${app_args[@]}")
	printf 'run-demo: %s' "$demo"
	printf ' %q' "${eal_args[@]}" -- "${app_args[@]}"
	echo
	exec "$demo" "${eal_args[@]}" -- "${app_args[@]}"
fi

# ---- the forwarder ----
fwd_args=("$@")
if [ "$in_guest" -eq 1 ]; then
	in_guest_demo "${fwd_args[@]}"
	exit $?
fi
if [ ${#fwd_args[@]} -eq 0 ]; then
	fwd_args=(--churn 200 --iommu sim --check-iova)
fi
fwd_args=("${page_args[@]}" --no-mac-updating --duration "$duration" "${fwd_args[@]}")

tag=$$
ns_a=vmapdemo-$tag-a
ns_b=vmapdemo-$tag-b
if_a=vd${tag}a
if_b=vd${tag}b
addr_a=198.18.0.1
addr_b=198.18.0.2
work=$(mktemp -d /tmp/vmap-demo.XXXXXX)
fwd_pid=
tail_pid=
namespaces=0

remove_namespaces() {
	if [ "$namespaces" -eq 1 ]; then
		ip netns del "$ns_a" 2>/dev/null
		ip netns del "$ns_b" 2>/dev/null
		ip link del "$if_a" 2>/dev/null
		ip link del "$if_b" 2>/dev/null
	fi
	namespaces=0
	return 0
}

cleanup() {
	set +e
	[ -n "$fwd_pid" ] && kill -INT "$fwd_pid" 2>/dev/null && wait "$fwd_pid" 2>/dev/null
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	remove_namespaces
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespace A and B, veth ends vd<pid>{a,b} (root, af_packet ports) and
# vd<pid>{a,b}n (inside); no checksum or segmentation offloads anywhere,
# so af_packet sees whole frames with real checksums.
make_namespaces() {
	local ns ifr ifn addr i

	[ "$(id -u)" -eq 0 ] || return 1
	command -v ip >/dev/null || return 1
	ip netns add "$ns_a" 2>/dev/null || return 1
	namespaces=1
	ip netns add "$ns_b" || return 1
	for i in a b; do
		if [ "$i" = a ]; then
			ns=$ns_a ifr=$if_a addr=$addr_a
		else
			ns=$ns_b ifr=$if_b addr=$addr_b
		fi
		ifn=${ifr}n
		ip link add "$ifr" type veth peer name "$ifn" || return 1
		ip link set "$ifn" netns "$ns" || return 1
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$addr/24" dev "$ifn" || return 1
		ip -n "$ns" link set "$ifn" up || return 1
		sysctl -q -w "net.ipv6.conf.$ifr.disable_ipv6=1" 2>/dev/null || true
		ip link set "$ifr" up || return 1
		if command -v ethtool >/dev/null; then
			ethtool -K "$ifr" rx off tx off tso off gso off gro off >/dev/null 2>&1
			ip netns exec "$ns" ethtool -K "$ifn" rx off tx off tso off gso off \
				gro off >/dev/null 2>&1
		fi
	done
	return 0
}

# Wait (at most 30 s) until the forwarder prints its "forwarding" line.
wait_forwarding() {
	local i

	for i in $(seq 300); do
		grep -q '^vmap-fwd: forwarding' "$work/fwd.log" 2>/dev/null && return 0
		kill -0 "$fwd_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# TCP from A to B for a few seconds: the server prints what it received
# (bytes, SHA-256), the client what it sent.
tcp_stream() {
	local secs=$1

	ip netns exec "$ns_b" python3 -c '
import hashlib, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5201))
srv.listen(1)
srv.settimeout(20)
conn, _ = srv.accept()
conn.settimeout(20)
h, n = hashlib.sha256(), 0
while True:
    b = conn.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
print(n, h.hexdigest())
' "$addr_b" > "$work/tcp.server" 2>&1 &
	local server=$!
	ip netns exec "$ns_a" python3 -c '
import hashlib, os, socket, sys, time
for attempt in range(30):  # the server may still be starting
    try:
        c = socket.create_connection((sys.argv[1], 5201), timeout=20)
        break
    except ConnectionRefusedError:
        time.sleep(0.1)
else:
    sys.exit("cannot connect")
h, n, end = hashlib.sha256(), 0, time.time() + float(sys.argv[2])
chunk = os.urandom(1 << 16)
while time.time() < end:
    c.sendall(chunk)
    h.update(chunk)
    n += len(chunk)
c.shutdown(socket.SHUT_WR)
c.recv(1)
print(n, h.hexdigest())
' "$addr_b" "$secs" > "$work/tcp.client" 2>&1 || true
	wait "$server" || true
}

if [ "${VMAP_DEMO_RING:-0}" != 1 ] && make_namespaces; then
	vdevs=(--vdev "net_af_packet0,iface=$if_a" --vdev "net_af_packet1,iface=$if_b")
	say "namespaces $ns_a ($addr_a on ${if_a}n) and $ns_b ($addr_b on ${if_b}n);"
	say "the forwarder's ports: net_af_packet0 on $if_a, net_af_packet1 on $if_b"
else
	remove_namespaces
	if [ "${VMAP_DEMO_RING:-0}" = 1 ]; then
		say "VMAP_DEMO_RING=1: two net_ring ports instead of namespaces"
	else
		say "cannot create network namespaces and veth pairs here (root and" \
			"CAP_NET_ADMIN needed): falling back to two net_ring ports that loop" \
			"64 frames sent first on each, instead of Linux traffic"
	fi
	vdevs=(--vdev net_ring0 --vdev net_ring1)
	fwd_args+=(--tx-first 64)
fi

printf 'run-demo: %s' "$fwd"
printf ' %q' "${eal_args[@]}" "${vdevs[@]}" -- "${fwd_args[@]}"
echo
"$fwd" "${eal_args[@]}" "${vdevs[@]}" -- "${fwd_args[@]}" > "$work/fwd.log" 2>&1 &
fwd_pid=$!
tail -n +1 -f "$work/fwd.log" --pid="$fwd_pid" &
tail_pid=$!

traffic_rc=0
if [ "$namespaces" -eq 1 ]; then
	if ! wait_forwarding; then
		say "the forwarder did not start"
		traffic_rc=1
	else
		# Ping, a TCP stream, ping again: the ping output is shown as it goes.
		say "ping $ns_a -> $ns_b"
		ip netns exec "$ns_a" ping -c 5 -i 0.2 -W 1 "$addr_b" 2>&1 |
			tee "$work/ping" | sed 's/^/run-demo: ping: /' || true
		say "TCP stream $ns_a -> $ns_b for 4 s"
		tcp_stream 4
		say "ping $ns_a -> $ns_b again"
		ip netns exec "$ns_a" ping -c 5 -i 0.2 -W 1 "$addr_b" 2>&1 |
			tee -a "$work/ping" | sed 's/^/run-demo: ping: /' || true
	fi
fi

fwd_rc=0
wait "$fwd_pid" || fwd_rc=$?
fwd_pid=
wait "$tail_pid" 2>/dev/null || true
tail_pid=

# ---- what happened ----
echo
say "==== what happened ===="
if [ "$namespaces" -eq 1 ]; then
	grep 'packets transmitted' "$work/ping" 2>/dev/null |
		sed "s/^/run-demo: ping $ns_a -> $ns_b through the forwarder: /" || true
	if [ "$(grep -c ' 0% packet loss' "$work/ping" 2>/dev/null)" != 2 ]; then
		say "ping: replies missing"
		traffic_rc=1
	fi
	read -r sent_bytes sent_sum < "$work/tcp.client" 2>/dev/null || true
	read -r got_bytes got_sum < "$work/tcp.server" 2>/dev/null || true
	if [ -n "${sent_sum:-}" ] && [ "${sent_sum:-}" = "${got_sum:-}" ] &&
			[ "${sent_bytes:-}" = "${got_bytes:-}" ]; then
		say "TCP $ns_a -> $ns_b: $sent_bytes bytes in 4 s" \
			"($((sent_bytes * 2 / 1000000)) Mbit/s), SHA-256 equal at both ends"
	else
		say "TCP $ns_a -> $ns_b: FAILED (client: ${sent_bytes:-?} ${sent_sum:-?}," \
			"server: ${got_bytes:-?} ${got_sum:-?})"
		traffic_rc=1
	fi
fi
grep -E '^summary (direction|churn|check_iova|vmap|result)' "$work/fwd.log" |
	sed 's/^summary /run-demo: forwarder: /' || true
if [ "$fwd_rc" -eq 0 ] && [ "$traffic_rc" -eq 0 ]; then
	say "OK: traffic crossed dpdk-vmap-fwd in both directions, its mbufs in vmap windows"
else
	say "FAILED (forwarder exit $fwd_rc, traffic $([ "$traffic_rc" -eq 0 ] && echo ok ||
		echo failed))"
	exit 1
fi
