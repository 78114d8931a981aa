#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
#
# 1 GiB backing pages (test/test_vmap_1g.c) run INSIDE a guest of
# devtools/vm/ whose 1 GiB pages were reserved at boot:
#
#   devtools/vm/run.sh --aw 48 --hugepages-1g 2 --mem-per-node 6G -- \
#       test/vm/hugepage-1g-tests.sh
#
#   vmap_1g_autotest      small, spanning and block windows, pools, VA and
#                         PA IOVAs, EXTMEM memsegs and a vmap mbuf pool on
#                         1 GiB pages; the pages running out (ENOMEM,
#                         nothing leaked); none reserved (ENOTSUP)
#   vmap_1g_pages_back    the guest's 1 GiB pages, reserved and free, are
#                         as many after the autotest as before
# The autotest takes the free pages it finds and reserves more only when
# fewer than two are free (skipping, with the reason, when it cannot). A
# guest booted with 1 GiB pages (VMAP_VM_HUGEPAGES_1G, run.sh --hugepages-1g)
# has its pages already: there, a skip or a reservation of its own is a
# failure. Prints "PASS name", "FAIL name: why" or "SKIP name: why" per
# check, then "N passed, M failed, K skipped". About 75 s under TCG (the
# kernel zeroes each 1 GiB page it hands out: about 4 s a page there).

set -u

cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

bin=build/test/dpdk-vmap-test
out="${VMAP_VM_OUT:-/tmp}/hugepage-1g-tests"
hp=/sys/kernel/mm/hugepages/hugepages-1048576kB
boot_1g=${VMAP_VM_HUGEPAGES_1G:-0}
mkdir -p "$out"
# shellcheck source=test/vm/verdict.sh
. test/vm/verdict.sh

# "nr free" of the 1 GiB pages, "- -" without them.
pages_1g() {
	echo "$(cat "$hp/nr_hugepages" 2>/dev/null || echo -)" \
		"$(cat "$hp/free_hugepages" 2>/dev/null || echo -)"
}

before=$(pages_1g)
echo "hugepage-1g-tests: 1 GiB pages (reserved free): $before; the boot asked for $boot_1g"
grep -E ' hugetlbfs .*pagesize=1024M' /proc/mounts | sed 's/^/hugepage-1g-tests: mount: /'
timeout 600 "$bin" -l 0-1 -n 1 --in-memory --no-telemetry --no-pci \
	--file-prefix=vmap_1g -- vmap_1g_autotest > "$out/1g.log" 2>&1
grep -E '^(1 GiB pages|[0-9]+ windows of 1 GiB|SKIP|WARNING)' "$out/1g.log" |
	sed 's/^/hugepage-1g-tests: /'
skip_re='^SKIP'
fail_re='failed:|^WARNING|^Error'
if [ "$boot_1g" -ge 2 ] && ! grep -q 'used as they are' "$out/1g.log"; then
	# The boot gave the pages: not using them is the test's fault.
	why=$(grep -m1 -E "$skip_re|$fail_re|^1 GiB pages" "$out/1g.log")
	fail vmap_1g_autotest "the boot's $boot_1g free 1 GiB pages not used (${why:-no line})"
else
	autotest_verdict "$out/1g.log" vmap_1g_autotest 1 "$skip_re" "$fail_re"
fi
after=$(pages_1g)
if [ "$before" = "- -" ]; then
	skip vmap_1g_pages_back "no $hp (a CPU or kernel without 1 GiB pages)"
elif [ "$before" = "$after" ]; then
	pass vmap_1g_pages_back
else
	fail vmap_1g_pages_back "1 GiB pages (reserved free) $before before, $after after"
fi
summary
