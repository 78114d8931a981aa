#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Build consumer.c the way an application outside the tree would, with
# only pkg-config's word for flags (the uninstalled librte_vmap.pc of this
# build), then run it. Usage: check-consumer.sh <build dir> <source dir>
set -eu
build=$1
src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export PKG_CONFIG_PATH="$build/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046
cc -o "$out/consumer" "$src/consumer.c" $(pkg-config --cflags --libs librte_vmap)
LD_LIBRARY_PATH="$build/drivers${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	"$out/consumer" -l 0 --no-pci --no-huge -m 64 --no-telemetry \
	--file-prefix=vmap_consumer_$$
