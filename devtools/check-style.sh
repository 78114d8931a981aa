#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# checkpatch-like checks over the C sources in lib/ drivers/ app/ test/
# (or over the files given as arguments), after DPDK's devtools/checkpatches.sh:
#
#   everywhere        SPDX-License-Identifier on line 1; no trailing
#                     whitespace; lines of at most 100 columns (tab = 8);
#                     no %llx/%llu/%lld (use PRIx64 and friends)
#   lib/ and drivers/ no rte_panic( or rte_exit( (return an error); no
#                     printf( outside *dump* functions taking a FILE *
#                     (log with RTE_LOG, dump with fprintf(f, ...)); no
#                     getenv( (take parameters or kvargs); no __sync_*,
#                     rte_atomicNN_* or rte_smp_*mb (use __atomic builtins)
#
# Prints "file:line: message" per violation; exits 1 if there is any.
# Without arguments, also runs devtools/check-layers.py: the calls between
# lib/vmap/ files that go both ways, each allowed with a reason or a failure.

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(find lib drivers app test -type f \( -name '*.c' -o -name '*.h' \) \
		2>/dev/null | LC_ALL=C sort)
fi
whole_tree=$(( $# == 0 ))
if [ ${#files[@]} -eq 0 ]; then
	echo "check-style: no C files to check"
	exit 0
fi

awk '
function report(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	errors++
}

# Display width of a line, tabs expanded to the next multiple of 8.
function columns(s,    i, c, n) {
	n = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\t")
			n += 8 - n % 8
		else
			n++
	}
	return n
}

FNR == 1 {
	in_lib = (FILENAME ~ /(^|\/)(lib|drivers)\//)
	func_name = ""
	signature = ""
	in_dump = 0
	if ($0 !~ /SPDX-License-Identifier:/)
		report("no SPDX-License-Identifier on line 1")
}

/[ \t\r]+$/ {
	report("trailing whitespace")
}

{
	width = columns($0)
	if (width > 100)
		report("line is " width " columns, more than 100")
}

/%[-+ #0-9.*]*ll[xud]/ {
	report("%ll[xud] in a format: use PRIx64, PRIu64 or PRId64")
}

!in_lib {
	next
}

# DPDK style: the name of a function definition starts its line, the body
# opens and closes with a brace in column 0.
/^[A-Za-z_][A-Za-z0-9_]*\(/ {
	func_name = $0
	sub(/\(.*/, "", func_name)
	signature = ""
}
func_name != "" && signature !~ /\{/ {
	signature = signature " " $0
}
/^\{/ {
	in_dump = (func_name ~ /dump/ && signature ~ /FILE[ \t]*\*/)
}
/^\}/ {
	func_name = ""
	signature = ""
	in_dump = 0
}

/(^|[^A-Za-z0-9_])rte_panic\(/ {
	report("rte_panic() in a library or driver: return an error instead")
}
/(^|[^A-Za-z0-9_])rte_exit\(/ {
	report("rte_exit() in a library or driver: return an error instead")
}
/(^|[^A-Za-z0-9_])printf\(/ && !in_dump {
	report("printf() in a library or driver: use RTE_LOG, or fprintf(f, ...) " \
		"in a dump function taking a FILE *")
}
/(^|[^A-Za-z0-9_])getenv\(/ {
	report("getenv() in a library or driver: take a parameter or kvargs")
}
/(^|[^A-Za-z0-9_])__sync_/ {
	report("__sync_* builtin: use __atomic_* builtins")
}
/(^|[^A-Za-z0-9_])rte_atomic(16|32|64)_/ {
	report("rte_atomicNN_* is deprecated: use __atomic_* builtins")
}
/(^|[^A-Za-z0-9_])rte_smp_[rw]?mb\(/ {
	report("rte_smp_*mb() is deprecated: use rte_atomic_thread_fence()")
}

END {
	if (errors > 0) {
		printf "check-style: %d violation(s)\n", errors
		exit 1
	}
}
' "${files[@]}"
echo "check-style: ${#files[@]} files clean"
if [ "$whole_tree" -eq 1 ]; then
	python3 devtools/check-layers.py
fi
