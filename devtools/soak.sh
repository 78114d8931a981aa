#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Soak rte_vmap: a mixed workload on all lcores for MINUTES (default 10),
# vmap_soak_autotest (test/test_vmap_soak.c). Every checkpoint prints a
# SOAK line (windows, memory held, RSS, hugetlb, purges); the run fails on
# any growth that live windows do not explain.
#
#   devtools/soak.sh [MINUTES]
#
# Builds in ${VMAP_BUILD_DIR:-build} first (devtools/setup.sh when it is not
# set up yet). Uses every CPU as an lcore (-l 0-N), --in-memory hugepages
# when the machine has free ones, else --no-huge -m 1024. The log goes to
# <build>/soak-<date>.log too. Environment: VMAP_SOAK_INTERVAL seconds
# between checkpoints (default: a twentieth of the run, at least 10),
# VMAP_SOAK_PURGE seconds between purges (default 5).

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

minutes=${1:-10}
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -eq 0 ]; then
	echo "usage: $0 [MINUTES]   (a positive whole number, default 10)" >&2
	exit 2
fi
build_dir=${VMAP_BUILD_DIR:-build}
seconds=$((minutes * 60))
interval=${VMAP_SOAK_INTERVAL:-$((seconds / 20 > 10 ? seconds / 20 : 10))}

if [ -f "$build_dir/meson-private/coredata.dat" ]; then
	ninja -C "$build_dir" >/dev/null
else
	VMAP_BUILD_DIR="$build_dir" bash devtools/setup.sh </dev/null
fi

ncpus=$(nproc)
eal=(-l "0-$((ncpus - 1))" --no-pci --file-prefix=vmap_soak --no-telemetry)
if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
	eal+=(--in-memory)
else
	eal+=(--no-huge -m 1024)
fi

log="$build_dir/soak-$(date +%Y%m%d-%H%M%S).log"
echo "soak: $minutes min on $ncpus lcores, checkpoints every $interval s; log $log"
status=0
DPDK_TEST=vmap_soak_autotest VMAP_SOAK_SECONDS=$seconds VMAP_SOAK_INTERVAL=$interval \
	"$build_dir/test/dpdk-vmap-test" "${eal[@]}" </dev/null 2>&1 | tee "$log" ||
	status=$?
if [ "$status" -eq 0 ]; then
	echo "soak: passed ($minutes min)"
else
	echo "soak: FAILED (exit $status): see $log"
fi
exit "$status"
