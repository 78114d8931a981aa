# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# Sourced by the guest scripts (test/vm/*.sh, devtools/vm/selftest.sh):
# the result lines devtools/run-vm-tests.sh counts, one per check,
#   PASS <name>   FAIL <name>: <why>   SKIP <name>: <why>
# and the last line, "N passed, M failed, K skipped".

passed=0
failed=0
skipped=0

pass() { # name
	echo "PASS $1"
	passed=$((passed + 1))
}

fail() { # name why
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

skip() { # name why
	echo "SKIP $1: $2"
	skipped=$((skipped + 1))
}

# The summary line; the status: 0 unless a check failed.
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# The verdict of autotest NAME from a dpdk-vmap-test LOG that ran several:
# its N-th "Test OK|Failed|Skipped" line; the why of a skip or a failure
# is the log's first line matching SKIP_RE or FAIL_RE.
autotest_verdict() { # log name n skip_re fail_re
	local log=$1 name=$2 n=$3 line why

	line=$(grep -E '^Test (OK|Failed|Skipped)$' "$log" | sed -n "${n}p")
	case "$line" in
	"Test OK") pass "$name" ;;
	"Test Skipped")
		why=$(grep -m1 -E "$4" "$log")
		skip "$name" "${why:-skipped by the test}"
		;;
	*)
		why=$(grep -m1 -E "$5" "$log")
		fail "$name" "${why:-no result}"
		;;
	esac
}
