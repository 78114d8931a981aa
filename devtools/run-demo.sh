#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Build everything (devtools/setup.sh) and run the main job: the sample
# application dpdk-vmap-demo.
#
#   sudo devtools/run-demo.sh [app args...]
#
# The application gets the EAL arguments below, then "--", then the
# arguments given to this script (--windows 32 if there are none; see
# "dpdk-vmap-demo -- --help"). Environment:
#   VMAP_DEMO_EAL_ARGS  EAL arguments to use instead of the defaults
#   VMAP_SKIP_SETUP=1   do not run setup.sh (the build must exist)

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

demo=build/app/vmap-demo/dpdk-vmap-demo

if [ "${VMAP_SKIP_SETUP:-0}" != 1 ]; then
	bash devtools/setup.sh </dev/null
fi

if [ ! -x "$demo" ]; then
	echo "run-demo: $demo was not built (is the 'apps' option off?" \
		"meson configure build -Dapps=true)" >&2
	exit 1
fi

# The demo allocates windows on every lcore, prints the space (rte_vmap_dump),
# its counters and "verify: OK". Without arguments it uses 32 windows per
# lcore, enough to show pools, shared pages and both nodes in a short dump.
app_args=("$@")
if [ ${#app_args[@]} -eq 0 ]; then
	app_args=(--windows 32)
fi

if [ -n "${VMAP_DEMO_EAL_ARGS:-}" ]; then
	read -r -a eal_args <<< "$VMAP_DEMO_EAL_ARGS"
else
	lcores=0-1
	if [ "$(nproc 2>/dev/null || echo 1)" -lt 2 ]; then
		lcores=0
	fi
	eal_args=(-l "$lcores" --no-pci)
	if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
		eal_args+=(--in-memory)
	else
		# --in-memory needs hugepages; the space falls back to 4 KiB pages.
		echo "run-demo: no free hugepages: EAL with --no-huge -m 512, windows on 4 KiB pages"
		eal_args+=(--no-huge -m 512)
		app_args=(--page-size 4K "${app_args[@]}")
	fi
	eal_args+=(--file-prefix vmap_demo)
fi

printf 'run-demo: %s' "$demo"
printf ' %q' "${eal_args[@]}" -- "${app_args[@]}"
echo
exec "$demo" "${eal_args[@]}" -- "${app_args[@]}"
