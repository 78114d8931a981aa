#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
"""Print the calls between library files that go both ways.

The files of lib/vmap/ are meant to form layers: a file calls the files
below it, and only the few callbacks named in vmap_private.h go up. This
reads the C files (no build needed): a function defined at the start of a
line in one file (DPDK style puts the name in column 0), not static, and
named in another file's code outside comments and strings, is a call from
that file to the first (passing a function as a callback counts too).

Prints every pair of files that call each other, with the functions each
way, and exits 1 if a pair is not in ALLOWED below (each entry with its
reason). --graph prints every file's callees as well.

    devtools/check-layers.py [--graph] [DIR]      (default: lib/vmap)
"""

import os
import re
import sys

# Two-way pairs that stay, each with its reason: (file, file): reason.
# A pair here that no longer exists is reported, so the list stays true.
ALLOWED = {
    ('vmap_alloc.c', 'vmap_block_free.c'):
        'vmap_free_window() asks vmap_block_is_window() whether an address it '
        'refuses is a block window (-EINVAL, not -ENOENT); the blocks free through '
        'vmap_free_window() when they cannot serve',
    ('vmap_alloc.c', 'vmap_grant.c'):
        'vmap_free_window() asks vmap_grant_is_window() whether an address it refuses '
        'is a window of a block granted to a secondary (-EINVAL, as for the blocks); '
        'a grant takes its host range with vmap_host_alloc()',
    ('vmap_grant.c', 'vmap_node.c'):
        'vmap_busy_find() asks vmap_grant_find() for the window inside a host granted '
        'to a secondary, as it asks vmap_block_find() for a block\'s; a grant\'s host '
        'is in the busy tree like a block\'s',
    ('vmap_iova.c', 'vmap_purge.c'):
        'vmap_iova_assign() runs vmap_reclaim() when the DOMAIN IOVA space is full: '
        'pooled and lazy ranges hold IOVA only a purge gives back',
    ('vmap_purge.c', 'vmap_range.c'):
        'vmap_range_recycle() puts a range that overlaps an owed driver call on '
        'the lazy list (vmap_lazy_add()), for a purge to settle',
}

DEFINITION = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\(', re.M)
IDENTIFIER = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
CODE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def strip(text):
    """The text with comments, strings and character literals blanked."""
    def blank(m):
        return re.sub(r'[^\n]', ' ', m.group(0))
    return CODE.sub(blank, text)


def definitions(code):
    """Names of the non-static functions a file defines."""
    names = set()
    for m in DEFINITION.finditer(code):
        # The return type and storage class sit on the line(s) before.
        head = code[:m.start()].rstrip()
        prev = head[head.rfind('\n') + 1:]
        if 'static' in prev.split() or prev.endswith(';') or prev.endswith('}'):
            continue
        if prev == '' or prev.startswith('#'):
            continue
        if m.group(1).isupper():  # a macro at the start of a line
            continue
        names.add(m.group(1))
    return names


def main(argv):
    graph = '--graph' in argv
    args = [a for a in argv if a != '--graph']
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = args[0] if args else os.path.join(top, 'lib', 'vmap')
    files = sorted(f for f in os.listdir(src) if f.endswith('.c'))
    code = {}
    owner = {}
    for f in files:
        with open(os.path.join(src, f), encoding='utf-8') as fh:
            code[f] = strip(fh.read())
        for name in definitions(code[f]):
            owner[name] = f

    calls = {f: {} for f in files}  # caller file -> callee file -> names
    for f in files:
        for name in set(IDENTIFIER.findall(code[f])):
            g = owner.get(name)
            if g is not None and g != f:
                calls[f].setdefault(g, set()).add(name)

    if graph:
        for f in files:
            if calls[f]:
                print('%s -> %s' % (f, ', '.join(sorted(calls[f]))))

    pairs = []
    for f in files:
        for g in calls[f]:
            if f < g and f in calls[g]:
                pairs.append((f, g))

    bad = 0
    for f, g in pairs:
        reason = ALLOWED.get((f, g)) or ALLOWED.get((g, f))
        print('%s <-> %s%s' % (f, g, '  (allowed: %s)' % reason if reason else ''))
        print('    %s -> %s: %s' % (f, g, ', '.join(sorted(calls[f][g]))))
        print('    %s -> %s: %s' % (g, f, ', '.join(sorted(calls[g][f]))))
        if not reason:
            bad += 1
    stale = [p for p in ALLOWED if p not in pairs and (p[1], p[0]) not in pairs]
    for f, g in stale:
        print('%s <-> %s: on the allow-list but no longer two-way' % (f, g))
    if bad or stale:
        print('check-layers: %d two-way pair(s) not allowed, %d stale allow-list entr%s'
              % (bad, len(stale), 'y' if len(stale) == 1 else 'ies'))
        return 1
    print('check-layers: %d files, %d two-way pair(s), all allowed' % (len(files), len(pairs)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
