#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors

"""List the tests the given C sources register, for test/meson.build.

Each test is registered where it is written, with one macro of test/test.h:

    REGISTER_FAST_TEST(cmd, NOHUGE_OK|NOHUGE_SKIP, ASAN_OK|ASAN_SKIP, func)
    REGISTER_PERF_TEST(cmd, func)
    REGISTER_HOST_TEST(cmd, func)
    REGISTER_SOAK_TEST(cmd, func)
    REGISTER_VM_TEST(cmd, func)

and REGISTER_TEST_COMMAND(cmd, func) alone for a command no list carries
(run by a guest script or by hand). Prints one line per listed test, in
the order of the files given and, within a file, of the lines:

    <fast|perf|host|soak|vm> <cmd> <nohuge_ok> <asan_ok>

the last two "true" or "false" (always "true" but for REGISTER_FAST_TEST).
Also checks the layout of test/: a file named test_*.c is a suite and
registers a command; a helper, named for what it holds, registers none.
Exits 1 with "file:line: message" lines on stderr if anything is wrong.
"""

import os
import re
import sys

KINDS = {
    'REGISTER_FAST_TEST': ('fast', 4),
    'REGISTER_PERF_TEST': ('perf', 2),
    'REGISTER_HOST_TEST': ('host', 2),
    'REGISTER_SOAK_TEST': ('soak', 2),
    'REGISTER_VM_TEST': ('vm', 2),
    'REGISTER_TEST_COMMAND': (None, 2),
}
NOHUGE = {'NOHUGE_OK': 'true', 'NOHUGE_SKIP': 'false'}
ASAN = {'ASAN_OK': 'true', 'ASAN_SKIP': 'false'}

MACRO_RE = re.compile(r'\b(' + '|'.join(KINDS) + r')\s*\(([^()]*)\)')
IDENT_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
COMMENT_RE = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
DEFINE_RE = re.compile(r'^[ \t]*#[ \t]*define\b(?:[^\n]*\\\n)*[^\n]*', re.M)


def blank(match):
    """The text matched, every character but newlines made a space."""
    return re.sub(r'[^\n]', ' ', match.group(0))


def registrations(path):
    """(macro, args, line) for each registration in the file at path."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    # Comments and #define lines (the macros' own definitions) say nothing;
    # blanked, not removed, so that line numbers stay right.
    text = COMMENT_RE.sub(blank, text)
    text = DEFINE_RE.sub(blank, text)
    for m in MACRO_RE.finditer(text):
        args = [a.strip() for a in m.group(2).split(',')]
        yield m.group(1), args, text.count('\n', 0, m.start()) + 1


def main(paths):
    errors = []
    lines = []
    seen = {}

    for path in paths:
        name = os.path.basename(path)
        where = os.path.relpath(path)
        count = 0
        for macro, args, line in registrations(path):
            count += 1
            kind, nargs = KINDS[macro]
            at = '%s:%d' % (where, line)
            if len(args) != nargs or not all(IDENT_RE.match(a) for a in args[:1] + args[-1:]):
                errors.append('%s: %s() takes %d arguments, a command and a function '
                              'first and last' % (at, macro, nargs))
                continue
            cmd = args[0]
            if cmd in seen:
                errors.append('%s: %s registered again (first at %s)' % (at, cmd, seen[cmd]))
                continue
            seen[cmd] = at
            nohuge = asan = 'true'
            if nargs == 4:
                if args[1] not in NOHUGE or args[2] not in ASAN:
                    errors.append('%s: %s(%s, ...): the second argument is one of %s, '
                                  'the third one of %s' % (at, macro, cmd, '|'.join(NOHUGE),
                                                           '|'.join(ASAN)))
                    continue
                nohuge, asan = NOHUGE[args[1]], ASAN[args[2]]
            if kind is not None:
                lines.append('%s %s %s %s' % (kind, cmd, nohuge, asan))
        if name.startswith('test_') and count == 0:
            errors.append('%s: registers no test: a file named test_*.c is a suite; name a '
                          'helper for what it holds, without the test_ prefix' % where)
        elif not name.startswith('test_') and count != 0:
            errors.append('%s: registers tests: a suite\'s file is named test_*.c' % where)

    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
