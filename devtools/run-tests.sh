#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Run every check and test of rte_vmap, the way CI does:
#
#   1. devtools/check-style.sh                      (counts as one test)
#   2. devtools/setup.sh: packages, hugepages, release build in build/
#   3. meson test --suite fast-tests in build/
#   3b. meson test --suite host-tests in build/, one test at a time: tests
#      that change the whole host (vmap_1g_autotest reserves 1 GiB
#      hugepages and gives them back; it skips, printing why, when it
#      cannot have them)
#   4. a debug build with ASan + UBSan and fault injection in build-asan/
#      and the same tests (vmap_fault_autotest sweeps the fault points),
#      stopping at the first sanitizer error and reporting leaks
#   5. a clang ThreadSanitizer build in build-tsan/ and the fast suite
#      under it (the 2-lcore vmap_stress, vmap_lazy and vmap_block among
#      them): any report fails the test (devtools/tsan.supp says what is
#      suppressed, and why)
#   6. devtools/fuzz.sh: the libFuzzer harness for VMAP_FUZZ_SECONDS
#      (default 60) in build-fuzz/ (counts as one test)
#   7. devtools/run-vm-tests.sh: real DMA in QEMU guests with an emulated
#      Intel IOMMU and PCI NICs on vfio-pci, one guest at a time (each
#      check it prints counts; no QEMU here: one skip, with the reason)
#
# The last line of output is "N passed, M failed" (", K skipped" follows
# when tests were skipped), summed over all steps; a step that cannot build
# counts as one failure. The exit status is non-zero if anything failed.
#
# Options:
#   --no-asan   skip the sanitizer build (step 4)
#   --no-tsan   skip the ThreadSanitizer build (step 5)
#   --no-fuzz   skip the fuzzing (step 6)
#   --no-vm     skip the guest suites (step 7)
#   --perf      also run the perf-tests suite in the release and ASan builds
#   -h, --help  this text

set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 2

usage() {
	sed -n '/^# Run every/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

with_asan=1
with_tsan=1
with_fuzz=1
with_vm=1
suites=(--suite fast-tests)
while [ $# -gt 0 ]; do
	case "$1" in
	--no-asan) with_asan=0 ;;
	--no-tsan) with_tsan=0 ;;
	--no-fuzz) with_fuzz=0 ;;
	--no-vm) with_vm=0 ;;
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

# Count the results in <build>/meson-logs/$testlog.json (testlog-<setup>.json
# with meson test --setup <setup>): OK and EXPECTEDFAIL
# pass, SKIP is skipped, anything else (FAIL, TIMEOUT, ERROR,
# UNEXPECTEDPASS) fails.
count_testlog() {
	python3 - "$1/meson-logs/$testlog.json" <<'EOF'
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

# meson test in build dir $1 ($2 names it) of the tests test_sel selects
# (the suites, unless a step sets it), with extra environment "${@:3}".
test_sel=()
testlog=testlog
run_meson_tests() {
	local dir=$1 name=$2 rc ok fail skip
	shift 2

	rm -f "$dir/meson-logs/$testlog.json"
	if [ ${#test_sel[@]} -eq 0 ]; then
		test_sel=("${suites[@]}")
	fi
	env "$@" meson test -C "$dir" --num-processes 2 --print-errorlogs "${test_sel[@]}" \
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
	# After the parallel suites, alone: these tests change the whole host.
	banner "host tests (serial): build"
	test_sel=(--suite host-tests --logbase testlog-host)
	testlog=testlog-host
	run_meson_tests build host
	test_sel=()
	testlog=testlog
else
	count_step "release build" 1
fi

if [ "$with_asan" -eq 1 ]; then
	banner "sanitizer build (ASan + UBSan): build-asan"
	# With fault injection: vmap_fault_autotest sweeps the library's error
	# paths under ASan and LeakSanitizer (the release build stays hook-free).
	asan_opts=("-Db_sanitize=address,undefined" -Db_lundef=false -Dbuildtype=debug
		-Dfault_injection=true)
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

if [ "$with_tsan" -eq 1 ]; then
	# clang: its TSan runtime links statically into the test runner, so the
	# shim TSan needs (test/tsan/) can be preloaded without the runtime.
	# RTE_FORCE_INTRINSICS: DPDK's __atomic spinlocks instead of x86 asm,
	# which TSan cannot see (devtools/tsan.supp has the details).
	banner "ThreadSanitizer build: build-tsan"
	tsan_opts=(-Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug -Dapps=false
		-Dc_args=-DRTE_FORCE_INTRINSICS)
	if [ -f build-tsan/meson-private/coredata.dat ]; then
		CC=clang meson setup --reconfigure build-tsan "${tsan_opts[@]}"
	else
		CC=clang meson setup build-tsan "${tsan_opts[@]}"
	fi && ninja -C build-tsan
	build_rc=$?
	if [ "$build_rc" -eq 0 ]; then
		# Every unit and concurrency test of the fast suite (the TSan build
		# has no apps, so no forwarding tests): the 2-lcore stress, lazy and
		# block tests are the ones that race; the rest check that the
		# single-lcore paths stay clean too.
		banner "fast tests under TSan: build-tsan"
		test_sel=(--setup tsan --suite fast-tests)
		testlog="testlog-tsan"
		run_meson_tests build-tsan tsan
		test_sel=()
		testlog=testlog
	else
		count_step "tsan build" 1
	fi
fi

if [ "$with_fuzz" -eq 1 ]; then
	banner "fuzzing: devtools/fuzz.sh ${VMAP_FUZZ_SECONDS:-60}"
	bash devtools/fuzz.sh "${VMAP_FUZZ_SECONDS:-60}" </dev/null
	count_step "fuzz" $?
fi

if [ "$with_vm" -eq 1 ]; then
	banner "guest suites: devtools/run-vm-tests.sh"
	vm_out=$(mktemp)
	bash devtools/run-vm-tests.sh </dev/null | tee "$vm_out"
	vm_rc=${PIPESTATUS[0]}
	if read -r ok fail skip < <(tail -n 1 "$vm_out" |
			sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p'); then
		[ "$vm_rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
		passed=$((passed + ok))
		failed=$((failed + fail))
		skipped=$((skipped + skip))
		recap+=("guest tests: ok=$ok fail=$fail skip=$skip")
		grep '^SKIP vm-tests:' "$vm_out" >/dev/null && recap+=("$(grep '^SKIP vm-tests:' "$vm_out")")
	else
		count_step "guest tests (no summary line)" 1
	fi
	rm -f "$vm_out"
fi

banner "summary"
printf '%s\n' "${recap[@]}"
summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
	summary+=", $skipped skipped"
fi
echo "$summary"
[ "$failed" -eq 0 ]
