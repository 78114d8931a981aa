#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Build and run the libFuzzer harness test/fuzz/vmap_fuzz for SECONDS
# (default 60): the model-based fuzzing of the whole API.
#
#   devtools/fuzz.sh [SECONDS]          # CI runs 60; a long run: devtools/fuzz.sh 3600
#
# 1. a clang build dir (default build-fuzz) with -Dfuzz=true, only the
#    harness built (-Dtests=false -Dapps=false): ASan + UBSan + libFuzzer
# 2. every input of test/fuzz/corpus/ first (the seeds and the regression
#    inputs: any failure there is a regression), then fuzzing, the corpus
#    it grows kept in <build>/fuzz-corpus/ for the next run
# 3. a summary line: executions, time, corpus size; a crash or model
#    mismatch leaves its input in <build>/fuzz-artifacts/ and fails; the
#    logs are in <build>/fuzz-logs/<date>/
#
# Replay a saved input with its trace:
#   VMAP_FUZZ_TRACE=1 VMAP_FUZZ_LOG=1 build-fuzz/test/fuzz/vmap_fuzz <file>
# A crash that a library fix resolves becomes a regression input: copy it
# to test/fuzz/corpus/regress-<what>.
#
# Environment: VMAP_FUZZ_BUILD_DIR (build-fuzz), VMAP_FUZZ_JOBS (1; more runs
# that many fuzzing processes with libFuzzer's -fork), VMAP_FUZZ_ARGS (more
# libFuzzer options).

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
	echo "usage: $0 [SECONDS]   (a positive whole number, default 60)" >&2
	exit 2
fi
build_dir=${VMAP_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${VMAP_FUZZ_JOBS:-1}
fuzz_opts=(-Dfuzz=true -Db_lundef=false -Dtests=false -Dapps=false -Dbuildtype=debugoptimized)

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is missing (devtools/setup.sh installs clang and libclang-rt-14-dev)" >&2
	exit 1
fi
if [ -f "$build_dir/meson-private/coredata.dat" ]; then
	CC=clang meson setup --reconfigure "$build_dir" "${fuzz_opts[@]}" >/dev/null
else
	CC=clang meson setup "$build_dir" "${fuzz_opts[@]}" >/dev/null
fi
ninja -C "$build_dir" test/fuzz/vmap_fuzz

root=$(pwd)
bdir=$(readlink -f "$build_dir")
work="$bdir/fuzz-corpus"
artifacts="$bdir/fuzz-artifacts"
logdir="$bdir/fuzz-logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$work" "$artifacts" "$logdir"
log="$logdir/fuzz.log"
args=(-max_total_time="$seconds" -max_len=1024 -timeout=30 -rss_limit_mb=4096
	-print_final_stats=1 -artifact_prefix="$artifacts/")
if [ "$jobs" -gt 1 ]; then
	# Long-lived workers sharing the corpus (-fork would start EAL per job).
	args+=(-jobs="$jobs" -workers="$jobs")
fi
# shellcheck disable=SC2206
args+=(${VMAP_FUZZ_ARGS:-})

echo "fuzz: $seconds s, $jobs process(es), corpus $work + test/fuzz/corpus; logs $logdir"
status=0
# -jobs writes fuzz-<job>.log into the current directory.
(cd "$logdir" && "$bdir/test/fuzz/vmap_fuzz" "${args[@]}" "$work" \
	"$root/test/fuzz/corpus" </dev/null >"$log" 2>&1) || status=$?
# libFuzzer's own count, summed over the workers. With -jobs the workers'
# logs are fuzz-<job>.log, and the controller's log echoes them too: count
# them once, from the workers' files.
count_logs=("$log")
if [ "$jobs" -gt 1 ]; then
	count_logs=("$logdir"/fuzz-[0-9]*.log)
fi
execs=$(awk '/^stat::number_of_executed_units:/ { n += $2 } END { print n + 0 }' \
	"${count_logs[@]}")
corpus=$(find "$work" -type f | wc -l)
if [ "$status" -eq 0 ]; then
	echo "fuzz: ${execs:-0} executions in $seconds s, no crash, no model mismatch;" \
		"corpus $corpus inputs"
else
	echo "fuzz: FAILED (exit $status) after ${execs:-?} executions; the report:"
	grep -E 'MISMATCH|ERROR: |SUMMARY: |runtime error|Test unit written|^    #[0-9] ' \
		"$log" | head -40 || true
	echo "fuzz: full log $log; inputs in $artifacts/"
	# libFuzzer exits 77 on a crash, which meson would read as a skip.
	status=1
fi
exit "$status"
