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
# arguments given to this script. Environment:
#   VMAP_DEMO_EAL_ARGS  EAL arguments to use instead of the defaults
#   VMAP_SKIP_SETUP=1   do not run setup.sh (the build must exist)

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

demo=build/app/vmap-demo/dpdk-vmap-demo

if [ "${VMAP_SKIP_SETUP:-0}" != 1 ]; then
	bash devtools/setup.sh </dev/null
fi

if [ ! -x "$demo" ]; then
	echo "run-demo: $demo was not built: the sample application does not exist yet" \
		"(app/vmap-demo)." >&2
	echo "run-demo: nothing to run; the library and tests are built in build/" \
		"(devtools/run-tests.sh runs the tests)." >&2
	exit 1
fi

if [ -n "${VMAP_DEMO_EAL_ARGS:-}" ]; then
	read -r -a eal_args <<< "$VMAP_DEMO_EAL_ARGS"
else
	eal_args=(-l 0-1 --no-pci --file-prefix=vmap_demo)
	if [ "$(sh devtools/has-hugepages.sh)" -gt 0 ]; then
		eal_args+=(--in-memory)
	else
		echo "run-demo: no free hugepages: running with --no-huge -m 512"
		eal_args+=(--no-huge -m 512)
	fi
fi

echo "run-demo: $demo ${eal_args[*]} -- $*"
exec "$demo" "${eal_args[@]}" -- "$@"
