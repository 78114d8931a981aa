#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Run every check and test of rte_vmap, the way CI does:
#
#   1. devtools/check-style.sh                      (counts as one test)
#   2. devtools/setup.sh: packages, hugepages, release build in build/
#   3. meson test --suite fast-tests in build/
#   4. a debug build with ASan + UBSan in build-asan/ and the same tests,
#      stopping at the first sanitizer error and reporting leaks
#
# The last line of output is "N passed, M failed" (", K skipped" follows
# when tests were skipped), summed over all steps; a step that cannot build
# counts as one failure. The exit status is non-zero if anything failed.
#
# Options:
#   --no-asan   skip the sanitizer build (step 4)
#   --perf      also run the perf-tests suite in each build
#   -h, --help  this text

set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 2

usage() {
	sed -n '/^# Run every/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

with_asan=1
suites=(--suite fast-tests)
while [ $# -gt 0 ]; do
	case "$1" in
	--no-asan) with_asan=0 ;;
	--perf) suites+=(--suite perf-tests) ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run-tests: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

passed=0
failed=0
skipped=0
recap=()

banner() {
	echo
	echo "==== $* ===="
}

# Record one pass/fail step (style check, a build that did not complete).
count_step() {
	local name=$1 status=$2

	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1))
		recap+=("$name: ok")
	else
		failed=$((failed + 1))
		recap+=("$name: FAILED")
	fi
}

# Count the results in <build>/meson-logs/testlog.json: OK and EXPECTEDFAIL
# pass, SKIP is skipped, anything else (FAIL, TIMEOUT, ERROR,
# UNEXPECTEDPASS) fails.
count_testlog() {
	python3 - "$1/meson-logs/testlog.json" <<'EOF'
import json
import sys

ok = fail = skip = 0
try:
    with open(sys.argv[1]) as log:
        for line in log:
            if not line.strip():
                continue
            result = json.loads(line).get('result', 'ERROR')
            if result in ('OK', 'EXPECTEDFAIL'):
                ok += 1
            elif result == 'SKIP':
                skip += 1
            else:
                fail += 1
except FileNotFoundError:
    pass
print(ok, fail, skip)
EOF
}

# meson test in build dir $1 ($2 names it), with extra environment "${@:3}".
run_meson_tests() {
	local dir=$1 name=$2 rc ok fail skip
	shift 2

	rm -f "$dir/meson-logs/testlog.json"
	env "$@" meson test -C "$dir" "${suites[@]}" --num-processes 2 --print-errorlogs \
		</dev/null
	rc=$?
	read -r ok fail skip < <(count_testlog "$dir")
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		# meson itself failed (e.g. the rebuild before the tests).
		fail=1
	fi
	passed=$((passed + ok))
	failed=$((failed + fail))
	skipped=$((skipped + skip))
	recap+=("$name tests: ok=$ok fail=$fail skip=$skip")
}

banner "style check"
bash devtools/check-style.sh
count_step "style" $?

banner "setup and release build (devtools/setup.sh)"
if bash devtools/setup.sh </dev/null; then
	banner "fast tests${suites[2]:+ and perf tests}: build"
	run_meson_tests build release
else
	count_step "release build" 1
fi

if [ "$with_asan" -eq 1 ]; then
	banner "sanitizer build (ASan + UBSan): build-asan"
	asan_opts=("-Db_sanitize=address,undefined" -Db_lundef=false -Dbuildtype=debug)
	if [ -f build-asan/meson-private/coredata.dat ]; then
		meson setup --reconfigure build-asan "${asan_opts[@]}"
	else
		meson setup build-asan "${asan_opts[@]}"
	fi && ninja -C build-asan
	build_rc=$?
	if [ "$build_rc" -eq 0 ]; then
		banner "fast tests${suites[2]:+ and perf tests}: build-asan"
		run_meson_tests build-asan asan \
			ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:${ASAN_OPTIONS:-}" \
			UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
	else
		count_step "asan build" 1
	fi
fi

banner "summary"
printf '%s\n' "${recap[@]}"
summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
	summary+=", $skipped skipped"
fi
echo "$summary"
[ "$failed" -eq 0 ]
