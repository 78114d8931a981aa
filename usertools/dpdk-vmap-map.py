#! /usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors

"""
Draw the address space of the rte_vmap spaces of a running DPDK application,
read through its telemetry socket (the /vmap/* commands of librte_vmap).

Per node, grouped by socket: bytes in live windows (busy), in per-lcore
blocks, freed and awaiting a purge (lazy), and held ready for reuse
(free: pooled ranges and zone chunks); per socket, the arena and its free
VA; per lcore, its blocks; per process, the windows it holds (a space
shared with secondary processes, RTE_VMAP_F_SHARED: the primary answers
for all of them); and the first windows along the address space, each
with the process it was allocated for.

  dpdk-vmap-map.py --file-prefix vmap_demo --text
  dpdk-vmap-map.py --file-prefix vmap_demo --space vmap_demo --png map.png

Point it at the primary's --file-prefix: the primary holds the metadata of
every space, shared ones included (a 22.11 secondary opens no telemetry
socket, and has no /vmap answers for the spaces it attached to).

The socket is <runtime dir>/dpdk_telemetry.v2, as for dpdk-telemetry.py:
/var/run/dpdk/<file-prefix>/ for root. The PNG needs matplotlib (Debian:
python3-matplotlib); --text needs nothing but Python.
"""

import argparse
import json
import os
import socket
import sys

TELEMETRY_VERSION = 'v2'
SOCKET_NAME = 'dpdk_telemetry.' + TELEMETRY_VERSION
DEFAULT_PREFIX = 'rte'

# What a node's bar is made of: (label, telemetry field(s), text char, colour).
SEGMENTS = [
    ('busy', ('va_used',), '#', '#d62728'),
    ('blocks', ('block_bytes',), 'b', '#9467bd'),
    ('lazy', ('lazy',), '~', '#ff7f0e'),
    ('free', ('pooled', 'chunks'), '.', '#2ca02c'),
]


def runtime_dir(prefix):
    """ The DPDK runtime directory of a file prefix (EAL's own rule). """
    run_dir = os.environ.get('RUNTIME_DIRECTORY')
    if not run_dir:
        if os.getuid() == 0:
            run_dir = '/var/run'
        else:
            run_dir = os.environ.get('XDG_RUNTIME_DIR', '/tmp')
    return os.path.join(run_dir, 'dpdk', prefix)


class Telemetry:
    """ A client of one application's telemetry socket (SOCK_SEQPACKET). """

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(10)
        self.sock.connect(path)
        hello = json.loads(self.sock.recv(1024).decode())
        self.max_len = hello['max_output_len']
        self.pid = hello['pid']

    def query(self, cmd):
        """ The value of one command's answer; None for an error answer. """
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply.get(cmd.split(',')[0])

    def close(self):
        self.sock.close()


def human(n):
    """ Bytes, short: 4K, 1.5M, 64G. """
    for unit in ('', 'K', 'M', 'G', 'T'):
        if abs(n) < 1024 or unit == 'T':
            if unit == '' or n == int(n):
                return '{}{}'.format(int(n), unit)
            return '{:.1f}{}'.format(n, unit)
        n /= 1024.0
    return str(n)


def process_state(pid, primary_pid):
    """ 'primary', 'running' or 'gone' (its windows wait for rte_vmap_reclaim()). """
    if pid == primary_pid:
        return 'primary'
    # /proc tells only if it shows the primary too: the same pid namespace.
    if not os.path.exists('/proc/{}'.format(primary_pid)):
        return 'running?'
    try:
        with open('/proc/{}/stat'.format(pid)) as f:
            # "pid (comm) S ...": the state follows the last ')'.
            state = f.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return 'gone'
    return 'gone' if state in ('Z', 'X') else 'running'


def read_processes(tel, name):
    """ /vmap/processes as rows; [] from a library that has no such command. """
    procs = tel.query('/vmap/processes,{}'.format(name))
    if procs is None:
        return []
    primary = procs['primary_pid']
    return [{'pid': pid, 'windows': procs['windows'][i], 'bytes': procs['bytes'][i],
             'state': process_state(pid, primary)}
            for i, pid in enumerate(procs['pid'])]


def read_space(tel, name):
    """ Everything the picture needs about one space, or None if it is gone. """
    space = {'name': name}
    for what in ('stats', 'nodes', 'lcores', 'windows'):
        space[what] = tel.query('/vmap/{},{}'.format(what, name))
        if space[what] is None:
            return None
    space['processes'] = read_processes(tel, name)
    nodes = space['nodes']
    space['node_rows'] = []
    for i, node_id in enumerate(nodes['id']):
        row = {'id': node_id, 'socket': nodes['socket'][i],
               'windows': nodes['windows'][i], 'blocks': nodes['blocks'][i]}
        for label, fields, _, _ in SEGMENTS:
            row[label] = sum(nodes[f][i] for f in fields)
        space['node_rows'].append(row)
    space['sockets'] = []
    for i, sock in enumerate(nodes['arena_socket']):
        space['sockets'].append({'socket': sock,
                                 'start': nodes['arena_start'][i],
                                 'size': nodes['arena_size'][i],
                                 'free': nodes['arena_free'][i],
                                 'free_ranges': nodes['arena_free_ranges'][i]})
    return space


def bar(values, scale, width):
    """ A text bar: one run of characters per segment, proportional to scale. """
    cells = [int(round(v * width / scale)) if scale else 0 for v in values]
    # Never hide a segment that is there: one cell at least, taken from the longest.
    for i, v in enumerate(values):
        if v and cells[i] == 0:
            cells[i] = 1
    while sum(cells) > width:
        cells[cells.index(max(cells))] -= 1
    text = ''.join(seg[2] * n for seg, n in zip(SEGMENTS, cells))
    return text + ' ' * (width - len(text))


def render_processes(space, out):
    """ One line per process holding windows: the primary, then its secondaries. """
    for p in space['processes']:
        out.write(' process {:>7} {:8}: {} windows, {}\n'.format(
            p['pid'], p['state'], p['windows'], human(p['bytes'])))


def render_windows(space, most, out):
    """ The first windows telemetry listed, in address order, with their process. """
    win = space['windows']
    shown = min(most, len(win['va']))
    if shown == 0:
        return
    out.write(' windows: {} of {} live{}\n'.format(
        shown, win['total'], ' (telemetry lists {})'.format(win['shown'])
        if win['shown'] > shown or win['truncated'] else ''))
    # "pid" came with multi-process (issue 16): older libraries have none.
    pids = win.get('pid', ['-'] * len(win['va']))
    for i in range(shown):
        out.write('  0x{:x} {:>6} {:6} node {:3} iova 0x{:x} pid {}\n'.format(
            win['va'][i], human(win['size'][i]), win['kind'][i], win['node'][i],
            win['iova'][i], pids[i]))


def render_text(spaces, width, most_windows, out):
    """ The compact terminal picture. """
    legend = '  '.join('{} {}'.format(c, l) for l, _, c, _ in SEGMENTS)
    for space in spaces:
        st = space['stats']
        out.write('vmap {}: {} VA at 0x{:x}, {} pages, IOVA {}, iommu {}: '
                  '{} windows ({} in use), {} blocks, {} lazy, mem {}{}\n'.format(
                      space['name'], human(st['va_size']), st['va_base'],
                      human(st['page_size']), st['iova_mode'], st['iommu'],
                      st['nr_windows'], human(st['va_used']), st['nr_blocks'],
                      human(st['va_lazy']), human(st['mem_used']),
                      ', shared' if st.get('shared') else ''))
        rows = space['node_rows']
        scale = max([sum(r[l] for l, _, _, _ in SEGMENTS) for r in rows] + [1])
        for sock in space['sockets']:
            out.write(' socket {}: arena {}, free VA {} in {} ranges\n'.format(
                sock['socket'], human(sock['size']), human(sock['free']),
                sock['free_ranges']))
            for r in (r for r in rows if r['socket'] == sock['socket']):
                values = [r[l] for l, _, _, _ in SEGMENTS]
                out.write('  node {:3} [{}] {}\n'.format(
                    r['id'], bar(values, scale, width),
                    ' '.join('{} {}'.format(l, human(v))
                             for (l, _, _, _), v in zip(SEGMENTS, values))))
        if space['nodes']['truncated']:
            out.write('  (more nodes than one telemetry answer holds)\n')
        lc = space['lcores']
        if lc['lcore_cache']:
            for i, lcore in enumerate(lc['lcore']):
                out.write(' lcore {:3} socket {} node {:3}: {} blocks, live {} '
                          'free {} dirty {} unflushed {}\n'.format(
                              lcore, lc['socket'][i], lc['node'][i], lc['blocks'][i],
                              human(lc['block_live'][i]), human(lc['block_free'][i]),
                              human(lc['block_dirty'][i]),
                              human(lc['block_unflushed'][i])))
        else:
            out.write(' no per-lcore block caches (RTE_VMAP_F_NO_LCORE_CACHE)\n')
        render_processes(space, out)
        render_windows(space, most_windows, out)
        out.write(' legend: {} (bars scaled to the fullest node: {})\n'.format(
            legend, human(scale)))


def import_pyplot():
    """ matplotlib with the Agg backend; Debian's python3 has it if this one has not. """
    try:
        import matplotlib
    except ImportError:
        alt = '/usr/bin/python3'
        if (os.access(alt, os.X_OK) and not os.environ.get('VMAP_MAP_REEXEC') and
                os.path.realpath(sys.executable) != os.path.realpath(alt)):
            os.environ['VMAP_MAP_REEXEC'] = '1'
            os.execv(alt, [alt] + sys.argv)
        sys.exit('dpdk-vmap-map: --png needs matplotlib (apt-get install '
                 'python3-matplotlib); --text does not')
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def draw_nodes(ax, space):
    """ Stacked horizontal bars, one per node, grouped by socket. """
    rows = space['node_rows']
    labels = ['s{} n{}'.format(r['socket'], r['id']) for r in rows]
    ys = list(range(len(rows)))[::-1]
    left = [0.0] * len(rows)
    for label, _, _, colour in SEGMENTS:
        widths = [r[label] / 2.0 ** 20 for r in rows]
        ax.barh(ys, widths, left=left, color=colour, label=label, height=0.7)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel('MiB per node', fontsize=8)
    ax.tick_params(axis='x', labelsize=8)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1.0), frameon=False)
    st = space['stats']
    notes = ['socket {}: arena {}, free VA {} ({} ranges)'.format(
        s['socket'], human(s['size']), human(s['free']), s['free_ranges'])
        for s in space['sockets']]
    ax.set_title('vmap space {}: {} VA, {} pages, IOVA {}, {} windows ({}), {} blocks, '
                 'lazy {}, mem {}\nper node; {}'.format(
                     space['name'], human(st['va_size']), human(st['page_size']),
                     st['iova_mode'], st['nr_windows'], human(st['va_used']),
                     st['nr_blocks'], human(st['va_lazy']), human(st['mem_used']),
                     '; '.join(notes)), fontsize=8, loc='left')


def draw_lcores(ax, space):
    """ Per lcore: its blocks' bytes live, still carvable, dirty. """
    lc = space['lcores']
    parts = [('live', 'block_live', '#9467bd'), ('carvable', 'block_free', '#c5b0d5'),
             ('dirty', 'block_dirty', '#7f7f7f')]
    ys = list(range(len(lc['lcore'])))[::-1]
    left = [0.0] * len(ys)
    for label, key, colour in parts:
        widths = [v / 2.0 ** 10 for v in lc[key]]
        ax.barh(ys, widths, left=left, color=colour, label=label, height=0.7)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(ys)
    ax.set_yticklabels(['lcore {} (n{}, {} blk)'.format(l, n, b) for l, n, b in
                        zip(lc['lcore'], lc['node'], lc['blocks'])], fontsize=8)
    ax.set_xlabel('KiB in per-lcore blocks', fontsize=8)
    ax.tick_params(axis='x', labelsize=8)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title('per lcore: its blocks' if lc['lcore_cache'] else
                 'no per-lcore block caches', fontsize=8, loc='left')


def draw_windows(ax, space):
    """ The windows telemetry listed, where they lie in the address space. """
    win = space['windows']
    colours = {'window': '#d62728', 'block': '#9467bd'}
    nodes = space['stats']['nr_nodes']
    socket_of = {r['id']: r['socket'] for r in space['node_rows']}
    primary = [p['pid'] for p in space['processes'] if p['state'] == 'primary']
    pids = win.get('pid', primary[:1] * len(win['va']))
    for va, size, node, kind, pid in zip(win['va'], win['size'], win['node'], win['kind'],
                                         pids):
        # Each socket's arena is far from the next: offsets within the arena.
        base = max((s['start'] for s in space['sockets'] if s['start'] <= va), default=0)
        # A secondary's window: hatched.
        ax.broken_barh([((va - base) / 2.0 ** 20, max(size / 2.0 ** 20, 0.05))],
                       (node - 0.4, 0.8), color=colours.get(kind, 'k'),
                       hatch=None if pid in primary else '////', edgecolor='k')
    ax.set_ylim(-0.6, nodes - 0.4)
    ax.set_yticks(range(nodes))
    ax.set_yticklabels(['s{} n{}'.format(socket_of.get(n, '?'), n) for n in range(nodes)],
                       fontsize=8)
    ax.set_xlabel('MiB from the start of the socket\'s arena', fontsize=8)
    ax.tick_params(axis='x', labelsize=8)
    procs = '; '.join('pid {} ({}) {} windows {}'.format(
        p['pid'], p['state'], p['windows'], human(p['bytes'])) for p in space['processes'])
    ax.set_title('windows by address ({} of {}{}; red: windows, purple: block windows, '
                 'hatched: a secondary\'s)\n{}'.format(
                     win['shown'], win['total'], ', truncated' if win['truncated'] else '',
                     procs), fontsize=8, loc='left')


def render_png(spaces, path):
    """ One row of three panels per space. """
    plt = import_pyplot()
    height = sum(1.2 + 0.3 * max(len(s['node_rows']), len(s['lcores']['lcore']), 2)
                 for s in spaces)
    fig, axes = plt.subplots(len(spaces) * 3, 1, figsize=(9, 2.4 * len(spaces) + height),
                             squeeze=False)
    for i, space in enumerate(spaces):
        draw_nodes(axes[3 * i][0], space)
        draw_lcores(axes[3 * i + 1][0], space)
        draw_windows(axes[3 * i + 2][0], space)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().split('\n')[0])
    parser.add_argument('-f', '--file-prefix', default=DEFAULT_PREFIX,
                        help='file prefix of the DPDK application (default: rte)')
    parser.add_argument('-i', '--instance', default=0, type=int,
                        help='telemetry instance of the application')
    parser.add_argument('-s', '--space', action='append',
                        help='space to draw (repeatable; default: every space)')
    parser.add_argument('--png', metavar='OUT', help='write the picture to OUT (PNG)')
    parser.add_argument('--text', action='store_true',
                        help='print compact bars on the terminal (the default without --png)')
    parser.add_argument('--width', default=40, type=int, help='columns of a text bar')
    parser.add_argument('--windows', default=16, type=int, metavar='N',
                        help='windows listed by --text, at most (default 16; telemetry '
                        'lists 200 at most)')
    args = parser.parse_args()
    if args.png:
        import_pyplot()         # fail (or switch interpreter) before connecting

    path = os.path.join(runtime_dir(args.file_prefix), SOCKET_NAME)
    if args.instance > 0:
        path += ':{}'.format(args.instance)
    try:
        tel = Telemetry(path)
    except OSError as e:
        sys.exit('dpdk-vmap-map: cannot connect to {}: {} (is the application running, '
                 'with telemetry, and --file-prefix right?)'.format(path, e.strerror or e))
    try:
        names = args.space or tel.query('/vmap/list')
        if names is None:
            sys.exit('dpdk-vmap-map: the application has no /vmap telemetry '
                     '(not linked with librte_vmap?)')
        if not names:
            sys.exit('dpdk-vmap-map: no live vmap space in the application')
        spaces = []
        for name in names:
            space = read_space(tel, name)
            if space is None:
                sys.exit('dpdk-vmap-map: no space named {}'.format(name))
            spaces.append(space)
    finally:
        tel.close()

    if args.text or not args.png:
        render_text(spaces, args.width, args.windows, sys.stdout)
    if args.png:
        render_png(spaces, args.png)
        print('dpdk-vmap-map: wrote {}'.format(args.png))


if __name__ == '__main__':
    main()
