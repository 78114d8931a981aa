#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors
"""End-to-end tests of dpdk-vmap-fwd (app/vmap-fwd), one per invocation.

    vmap_fwd_test.py TEST --app PATH [--lcores 0-1] [--no-huge]

Without --no-huge, hugepages are used when at least 64 free 2 MiB pages are
there as the test starts; else EAL runs --no-huge -m 512 and the space has
4 KiB pages (the test says which).

TEST is one of:
  ring        two net_ring ports, frames sent first, forwarded both ways
  null        two net_null ports, 2 RX queues each: counters consistent
  pcap_bridge net_pcap replay of a generated capture (VLAN and not, mixed
              sizes), --no-mac-updating: output equals input byte for byte
  pcap_mac    the same with MAC updating: only the MACs differ
  linux       two network namespaces on veth pairs, net_af_packet ports:
              ping and a TCP transfer (SHA-256 compared at both ends) cross
              the forwarder with --churn on
  check_iova  --iommu sim --check-iova under --churn: every buffer's IOVA
              leads back to it through the sim IOMMU's page table, and
              every unmap and flush the library counts reached the IOMMU
  mp_ring     multi-process: a primary (--shared) with two net_ring ports
              and a worker process (DPDK secondary, --mp-worker, --churn)
              that forwards every packet: it counts as many as the primary
              handed over, every IOVA it checks is right, both exit 0
  mp_linux    the same with the 'linux' traffic (ping, TCP with SHA-256)
              on net_af_packet ports, whose I/O stays in the primary

Every run uses its own EAL --file-prefix, scratch directory, namespace and
interface names (from the pid), and removes them on exit. The mp_ scenarios
need hugepages (a secondary maps the primary's hugepage files: no
--in-memory) and check that the primary removed its files at the end.
Exit status: 0 passed, 77 skipped (what meson counts as a skip), 1 failed.
"""

import argparse
import glob
import hashlib
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
PCAP_PACKETS = 4000       # per direction
APP_TIMEOUT = 30          # seconds any forwarder run may take, at most
TCP_BYTES = 4 << 20


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)
    log('ok: ' + msg)


# Free 2 MiB hugepages below which the forwarder runs without them.
MIN_HUGEPAGES = 64


def free_hugepages():
    """The machine's free 2 MiB hugepages now (0 when it has none)."""
    try:
        with open('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


# ---- running the forwarder ----------------------------------------------

def file_prefix(name):
    return 'vmap_fwd_%s_%d' % (name, os.getpid())


class Forwarder:
    """One dpdk-vmap-fwd process: its command line, output and summary.
    role: None (alone, --in-memory), 'primary' (keeps its hugepage files for
    secondaries) or 'worker' (a secondary on opts.worker_lcores, no ports)."""

    def __init__(self, opts, name, vdevs, app_args, role=None):
        lcores = ['-l', opts.lcores]
        if role == 'worker':
            lcores = ['--lcores', opts.worker_lcores, '--proc-type=secondary']
        self.cmd = [opts.app] + lcores + ['--no-pci', '--no-telemetry',
                                          '--file-prefix', file_prefix(name),
                                          '--log-level', 'lib.vmap:error']
        if opts.no_huge:
            self.cmd += ['--no-huge', '-m', '512']
            app_args = ['--page-size', '4K'] + app_args
        elif role is None:
            self.cmd += ['--in-memory']
        if role == 'primary':
            self.cmd += opts.primary_eal_arg
        for v in vdevs:
            self.cmd += ['--vdev', v]
        self.cmd += ['--'] + app_args
        self.proc = None
        self.output = ''

    def run(self):
        """Run to the end (--duration); return the exit status."""
        log('run: ' + ' '.join(self.cmd))
        try:
            res = subprocess.run(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, text=True, timeout=APP_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            self.output = e.stdout or ''
            if isinstance(self.output, bytes):
                self.output = self.output.decode(errors='replace')
            log(self.output)
            raise Failure('dpdk-vmap-fwd did not stop within %d s' % APP_TIMEOUT)
        self.output = res.stdout
        log(self.output)
        return res.returncode

    def start(self, ready='vmap-fwd: forwarding'):
        """Start in the background; return once the ready line is printed."""
        log('start: ' + ' '.join(self.cmd))
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True)
        deadline = time.time() + APP_TIMEOUT
        lines = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line == '':
                break
            lines.append(line)
            if line.startswith(ready):
                self.output = ''.join(lines)
                log(self.output.rstrip())
                return
        self.output = ''.join(lines)
        log(self.output)
        raise Failure('dpdk-vmap-fwd did not start forwarding')

    def stop(self, sig=signal.SIGINT):
        """sig (SIGINT, as a user would; None: wait for the end); return the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None and sig is not None:
            self.proc.send_signal(sig)
        try:
            rest, _ = self.proc.communicate(timeout=APP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _ = self.proc.communicate()
            log(rest)
            raise Failure('dpdk-vmap-fwd did not stop%s' % (' at SIGINT' if sig else ''))
        log(rest)
        self.output += rest
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def summary(self):
        """The 'summary' lines as dicts: {'port': {0: {...}}, 'direction': {...}, ...}."""
        out = {'port': {}, 'direction': {}}
        for line in self.output.splitlines():
            if not line.startswith('summary '):
                continue
            fields = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
            words = line.split()
            if 'port' in fields:
                out['port'][int(fields['port'])] = {k: to_num(v) for k, v in fields.items()}
            elif 'direction' in fields:
                out['direction'][fields['direction']] = {k: to_num(v)
                                                         for k, v in fields.items()}
            elif '=' not in words[1]:
                out[words[1]] = {k: to_num(v) for k, v in fields.items()}
            else:
                out.setdefault('run', {}).update({k: to_num(v) for k, v in fields.items()})
        return out

    def port_mac(self, port):
        m = re.search(r'^vmap-fwd: port %d \(\S+\) ([0-9A-Fa-f:]{17}):' % port, self.output,
                      re.M)
        return bytes.fromhex(m.group(1).replace(':', '')) if m else None


def to_num(v):
    try:
        return int(v)
    except ValueError:
        return v.strip('"')


def check_run_ok(fwd, rc, directions):
    """Common checks: exit 0, result OK, accounting of every direction."""
    s = fwd.summary()
    check(rc == 0, 'dpdk-vmap-fwd exited with 0 (got %s)' % rc)
    check(s.get('run', {}).get('result') == 'OK', 'summary result=OK')
    check(s.get('run', {}).get('verify') == 'OK', 'rte_vmap_verify() passed at the end')
    for d in directions:
        check(d in s['direction'], 'direction %s reported' % d)
        dd = s['direction'][d]
        check(dd['accounting'] == 'ok' and dd['rx'] == dd['tx'] + dd['drops'],
              'direction %s: rx %d = tx %d + drops %d' % (d, dd['rx'], dd['tx'], dd['drops']))
    for p, pp in s['port'].items():
        check(pp['ipackets'] == pp['rx_pkts'],
              'port %d: ethdev ipackets %d = application rx %d'
              % (p, pp['ipackets'], pp['rx_pkts']))
    return s


# ---- net_ring, net_null -------------------------------------------------

def test_ring(opts, scratch):
    fwd = Forwarder(opts, 'ring', ['net_ring0', 'net_ring1'],
                    ['--tx-first', '64', '--duration', '2'])
    s = check_run_ok(fwd, fwd.run(), ['0->1', '1->0'])
    for p in (0, 1):
        check(s['port'][p]['rx_pkts'] > 1000, 'port %d received %d packets'
              % (p, s['port'][p]['rx_pkts']))
        check(s['port'][p]['drops'] == 0, 'port %d: no drops' % p)
    # The 64 frames sent first on each port keep circulating: each port's
    # ethdev counted exactly them on top of what was forwarded.
    for p in (0, 1):
        check(s['port'][p]['opackets'] == s['port'][p]['tx_pkts'] + 64,
              'port %d: opackets = forwarded + 64 sent first' % p)


def test_null(opts, scratch):
    fwd = Forwarder(opts, 'null', ['net_null0', 'net_null1'],
                    ['--rxq', '2', '--duration', '2'])
    s = check_run_ok(fwd, fwd.run(), ['0->1', '1->0'])
    for p in (0, 1):
        pp = s['port'][p]
        check(pp['rx_pkts'] > 1000 and pp['tx_pkts'] > 1000,
              'port %d: rx %d, tx %d packets' % (p, pp['rx_pkts'], pp['tx_pkts']))
        check(pp['opackets'] == pp['tx_pkts'], 'port %d: ethdev opackets = application tx' % p)
    check(len(re.findall(r'^vmap-fwd: lcore \d+: port \d queue \d', fwd.output, re.M)) == 4,
          '2 RX queues of 2 ports polled')


# ---- pcap replay --------------------------------------------------------

PCAP_GLOBAL = struct.Struct('<IHHiIII')
PCAP_RECORD = struct.Struct('<IIII')


def make_packets(seed, count):
    """Ethernet frames of mixed sizes (60..1514, +4 with a VLAN tag), one in three tagged."""
    rnd = random.Random(seed)
    frames = []
    for i in range(count):
        dst = bytes([0x02]) + rnd.randbytes(5)
        src = bytes([0x02]) + rnd.randbytes(5)
        vlan = i % 3 == 1
        size = rnd.choice([60, 64, 128, 256, 512, 1024, 1514, rnd.randint(60, 1514)])
        hdr = dst + src
        if vlan:
            hdr += struct.pack('>HH', 0x8100, (rnd.randint(0, 7) << 13) | rnd.randint(1, 4094))
        hdr += struct.pack('>H', 0x0800)
        ip_len = size - 14
        ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, ip_len, i & 0xffff, 0, 64, 17, 0,
                         bytes([198, 18, 0, 1]), bytes([198, 19, 0, 1]))
        payload = struct.pack('>I', i) + rnd.randbytes(ip_len - len(ip) - 4)
        frames.append(hdr + ip + payload)
    return frames


def write_pcap(path, frames):
    with open(path, 'wb') as f:
        f.write(PCAP_GLOBAL.pack(0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(PCAP_RECORD.pack(1700000000 + i // 1000, (i % 1000) * 1000,
                                     len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    frames = []
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack_from('<I', data)[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        rec = PCAP_RECORD
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        rec = struct.Struct('>IIII')
    else:
        raise Failure('%s: not a pcap file' % path)
    off = PCAP_GLOBAL.size
    while off < len(data):
        _, _, incl, orig = rec.unpack_from(data, off)
        off += rec.size
        if incl != orig:
            raise Failure('%s: truncated record' % path)
        frames.append(data[off:off + incl])
        off += incl
    return frames


def pcap_run(opts, scratch, name, mac_updating):
    inputs = {p: make_packets(1000 + p, PCAP_PACKETS) for p in (0, 1)}
    vdevs = []
    for p in (0, 1):
        write_pcap(os.path.join(scratch, 'in%d.pcap' % p), inputs[p])
        vdevs.append('net_pcap%d,rx_pcap=%s,tx_pcap=%s' % (
            p, os.path.join(scratch, 'in%d.pcap' % p), os.path.join(scratch, 'out%d.pcap' % p)))
    app_args = ['--duration', '2']
    if not mac_updating:
        app_args.insert(0, '--no-mac-updating')
    fwd = Forwarder(opts, name, vdevs, app_args)
    s = check_run_ok(fwd, fwd.run(), ['0->1', '1->0'])
    outputs = {}
    for p in (0, 1):
        check(s['port'][p]['rx_pkts'] == PCAP_PACKETS, 'port %d read the %d packets of its capture'
              % (p, PCAP_PACKETS))
        check(s['port'][p]['drops'] == 0, 'port %d: no drops' % p)
        outputs[p] = read_pcap(os.path.join(scratch, 'out%d.pcap' % p))
    sizes = {len(f) for f in inputs[0]}
    vlans = sum(1 for f in inputs[0] if f[12:14] == b'\x81\x00')
    log('capture: %d packets per port, %d sizes from %d to %d bytes, %d VLAN-tagged'
        % (PCAP_PACKETS, len(sizes), min(sizes), max(sizes), vlans))
    return fwd, inputs, outputs


def test_pcap_bridge(opts, scratch):
    _, inputs, outputs = pcap_run(opts, scratch, 'pcap_bridge', False)
    for p in (0, 1):
        out = outputs[1 - p]
        check(len(out) == len(inputs[p]), 'port %d sent the %d packets port %d read'
              % (1 - p, len(inputs[p]), p))
        diff = [i for i, (a, b) in enumerate(zip(inputs[p], out)) if a != b]
        check(not diff, 'out%d.pcap equals in%d.pcap byte for byte%s'
              % (1 - p, p, '' if not diff else ' (first difference at packet %d)' % diff[0]))


def test_pcap_mac(opts, scratch):
    fwd, inputs, outputs = pcap_run(opts, scratch, 'pcap_mac', True)
    for p in (0, 1):
        tx = 1 - p
        out = outputs[tx]
        src = fwd.port_mac(tx)
        dst = bytes([0x02, 0, 0, 0, 0, tx])
        check(src is not None, 'port %d MAC address printed' % tx)
        check(len(out) == len(inputs[p]), 'port %d sent the %d packets port %d read'
              % (tx, len(inputs[p]), p))
        bad = [i for i, (a, b) in enumerate(zip(inputs[p], out))
               if len(a) != len(b) or b[12:] != a[12:] or b[0:6] != dst or b[6:12] != src]
        check(not bad, 'out%d.pcap: MACs rewritten (dst %s, src %s), every other byte as in'
              ' in%d.pcap%s' % (tx, dst.hex(':'), src.hex(':'), p,
                                '' if not bad else ' (first bad packet %d)' % bad[0]))


# ---- Linux on the other side --------------------------------------------

TCP_SERVER = r'''
import hashlib, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
srv.settimeout(15)
print('listening', flush=True)
conn, _ = srv.accept()
conn.settimeout(15)
h, n = hashlib.sha256(), 0
while True:
    b = conn.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
print(n, h.hexdigest(), flush=True)
'''

TCP_CLIENT = r'''
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[3]))
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=15)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
'''


def sh(*cmd, ns=None, check_rc=True, timeout=15):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + list(cmd)
    res = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=timeout, stdin=subprocess.DEVNULL)
    if check_rc and res.returncode != 0:
        raise Failure('%s: exit %d: %s' % (' '.join(full), res.returncode, res.stdout.strip()))
    return res


class Namespaces:
    """Two namespaces A and B, each holding one end of a veth pair whose other
    end stays in the root namespace for an af_packet port; 198.18.0.1 and .2."""

    def __init__(self, tag):
        self.ns = ['vfwd-%s-a' % tag, 'vfwd-%s-b' % tag]
        self.root_if = ['vf%sa' % tag, 'vf%sb' % tag]
        self.ns_if = ['vf%san' % tag, 'vf%sbn' % tag]
        self.addr = ['198.18.0.1', '198.18.0.2']

    def create(self):
        if os.geteuid() != 0:
            raise Skip('not root: cannot create network namespaces')
        for tool in ('ip', 'ethtool', 'ping'):
            if shutil.which(tool) is None:
                raise Skip('%s is not installed (devtools/setup.sh installs it)' % tool)
        if sh('ip', 'netns', 'add', self.ns[0], check_rc=False).returncode != 0:
            raise Skip('cannot create a network namespace here')
        sh('ip', 'netns', 'add', self.ns[1])
        for i in (0, 1):
            ns, rif, nif = self.ns[i], self.root_if[i], self.ns_if[i]
            sh('ip', 'link', 'add', rif, 'type', 'veth', 'peer', 'name', nif)
            sh('ip', 'link', 'set', nif, 'netns', ns)
            sh('ip', 'link', 'set', 'lo', 'up', ns=ns)
            sh('ip', 'addr', 'add', self.addr[i] + '/24', 'dev', nif, ns=ns)
            sh('ip', 'link', 'set', nif, 'up', ns=ns)
            sh('sysctl', '-q', '-w', 'net.ipv6.conf.%s.disable_ipv6=1' % rif, check_rc=False)
            sh('ip', 'link', 'set', rif, 'up')
            # Full frames with real checksums: no offloads on either end.
            sh('ethtool', '-K', rif, 'rx', 'off', 'tx', 'off', 'tso', 'off', 'gso', 'off',
               'gro', 'off', check_rc=False)
            sh('ethtool', '-K', nif, 'rx', 'off', 'tx', 'off', 'tso', 'off', 'gso', 'off',
               'gro', 'off', ns=ns, check_rc=False)

    def remove(self):
        for ns in self.ns:
            subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL)
        for rif in self.root_if:
            subprocess.run(['ip', 'link', 'del', rif], stderr=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL)


def tcp_transfer(nets, nbytes):
    port = '5201'
    server = subprocess.Popen(['ip', 'netns', 'exec', nets.ns[1], sys.executable, '-c',
                               TCP_SERVER, nets.addr[1], port], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        check(server.stdout.readline().strip() == 'listening', 'TCP server listening in B')
        client = sh(sys.executable, '-c', TCP_CLIENT, nets.addr[1], port, str(nbytes),
                    ns=nets.ns[0], timeout=30)
        sent = client.stdout.split()
        received = server.communicate(timeout=20)[0].split()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log('TCP: client sent %s bytes sha256 %s; server got %s bytes sha256 %s'
        % (sent[0], sent[1], received[0] if received else '?',
           received[1] if len(received) > 1 else '?'))
    check(len(received) == 2 and received == sent,
          'TCP transfer of %d bytes A -> B: same length and SHA-256 at both ends' % nbytes)


def af_packet_vdevs(nets):
    return ['net_af_packet%d,iface=%s' % (i, nets.root_if[i]) for i in (0, 1)]


def linux_traffic(nets):
    """Ping and a TCP transfer from A to B, through the forwarder."""
    ping = sh('ping', '-c', '5', '-i', '0.2', '-W', '2', nets.addr[1], ns=nets.ns[0],
              check_rc=False, timeout=20)
    log(ping.stdout.strip())
    check(ping.returncode == 0 and ' 0% packet loss' in ping.stdout,
          'ping A -> B through the forwarder: 5 of 5 replies')
    tcp_transfer(nets, TCP_BYTES)
    time.sleep(1.2)  # one more statistics period with churn


def check_linux_ports(s):
    for p in (0, 1):
        check(s['port'][p]['rx_pkts'] > 0, 'port %d forwarded %d packets'
              % (p, s['port'][p]['rx_pkts']))
    check(s['port'][1]['obytes'] >= TCP_BYTES,
          'the TCP stream crossed port 0 -> 1 (%d bytes sent on port 1)'
          % s['port'][1]['obytes'])


def check_churn(s, min_allocs=1):
    churn = s.get('churn', {})
    check(churn.get('allocs', 0) >= min_allocs and churn.get('iova_faults') == 0
          and churn.get('alloc_fails') == 0 and churn.get('free_fails') == 0,
          'churn ran during the traffic: %s windows (%s block windows), no failure'
          % (churn.get('allocs'), churn.get('block_allocs')))
    return churn


def test_linux(opts, scratch):
    nets = Namespaces('%d' % (os.getpid() % 1000000))
    fwd = None
    try:
        nets.create()
        fwd = Forwarder(opts, 'linux', af_packet_vdevs(nets),
                        ['--no-mac-updating', '--churn', '200', '--duration', '25'])
        fwd.start()
        linux_traffic(nets)
        rc = fwd.stop()
        s = check_run_ok(fwd, rc, ['0->1', '1->0'])
        check_linux_ports(s)
        check_churn(s)
    finally:
        if fwd is not None:
            fwd.kill()
        nets.remove()


# ---- --check-iova with the sim IOMMU ------------------------------------

def test_check_iova(opts, scratch):
    fwd = Forwarder(opts, 'check_iova', ['net_ring0', 'net_ring1'],
                    ['--iommu', 'sim', '--check-iova', '--churn', '1000', '--tx-first', '64',
                     '--duration', '3'])
    s = check_run_ok(fwd, fwd.run(), ['0->1', '1->0'])
    ci = s.get('check_iova', {})
    check(ci.get('segments', 0) > 100000 and ci.get('faults') == 0,
          "%s received buffers: buf_iova leads to buf_addr through the sim IOMMU's page"
          " table, 0 faults" % ci.get('segments'))
    churn = s.get('churn', {})
    check(churn.get('allocs', 0) > 1000 and churn.get('block_allocs', 0) > 0
          and churn.get('iova_faults') == 0,
          'churn: %s windows (%s block windows), each IOVA checked, 0 faults'
          % (churn.get('allocs'), churn.get('block_allocs')))
    # The sim's faults_missing/faults_stale count rte_vmap_iommu_sim_dma_read/write()
    # accesses, which the application never makes (--check-iova translates through the
    # page table with rte_vmap_iommu_sim_translate()): no claim about them here. What
    # can be checked is that the library's driver calls reached the IOMMU.
    sim = s.get('iommu_sim', {})
    vm = s.get('vmap', {})
    check(sim.get('unmaps', 0) > 0 and sim.get('unmaps') == vm.get('unmaps')
          and sim.get('flushes') == vm.get('flushes'),
          'the sim IOMMU got every unmap and flush the library counted (%s/%s unmaps,'
          ' %s/%s flushes)' % (sim.get('unmaps'), vm.get('unmaps'), sim.get('flushes'),
                               vm.get('flushes')))
    check(vm.get('purges', 0) > 0 and vm.get('flushes', 0) > 0,
          'lazy purges ran while forwarding (%s purges, %s flushes)'
          % (vm.get('purges'), vm.get('flushes')))


# ---- multi-process: a primary and a worker process ----------------------

def worker_lcores(lcores):
    """Lcore ids past the primary's (EAL needs them disjoint), on the CPU of its
    main lcore, which only keeps time: '0-1' gives '2@0'."""
    ids = []
    for part in lcores.split(','):
        first, _, last = part.partition('-')
        ids += range(int(first), int(last or first) + 1)
    return '%d@%d' % (max(ids) + 1, min(ids))


def hugepage_files(prefix):
    """EAL's hugepage files of a --file-prefix, in every hugetlbfs mount."""
    files = []
    with open('/proc/mounts') as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[2] == 'hugetlbfs':
                files += glob.glob(os.path.join(fields[1], prefix + 'map_*'))
    return files


def runtime_dir(prefix):
    """EAL's runtime directory of a --file-prefix (as eal_create_runtime_dir())."""
    base = '/var/run' if os.geteuid() == 0 else os.environ.get('XDG_RUNTIME_DIR', '/tmp')
    return os.path.join(base, 'dpdk', prefix)


class MultiProcess:
    """A primary (--shared) that owns the ports and one worker process (a DPDK
    secondary of the same --file-prefix, --mp-worker) that forwards."""

    def __init__(self, opts, name, vdevs, primary_args, worker_args):
        if opts.no_huge:
            why = ('%d free 2 MiB hugepages, fewer than %d' % (opts.free_hugepages,
                                                               MIN_HUGEPAGES)
                   if opts.free_hugepages < MIN_HUGEPAGES else '--no-huge')
            raise Skip('%s: a secondary needs the hugepage files of its primary' % why)
        self.prefix = file_prefix(name)
        self.primary = Forwarder(opts, name, vdevs, ['--shared'] + primary_args, 'primary')
        self.worker = Forwarder(opts, name, [], ['--mp-worker'] + worker_args, 'worker')
        self.worker_pid = None

    def start(self):
        self.primary.start()
        self.worker.start()
        self.worker_pid = self.worker.proc.pid

    def stop(self, sig):
        """Stop the primary with sig (None: at its --duration); the worker stops
        when the primary tells it. Returns both exit statuses."""
        if sig is not None and self.primary.proc.poll() is None:
            self.primary.proc.send_signal(sig)
        rc_worker = self.worker.stop(None)
        return self.primary.stop(None), rc_worker

    def close(self):
        """Kill what still runs; remove what EAL left of the prefix."""
        self.worker.kill()
        self.primary.kill()
        for path in hugepage_files(self.prefix):
            os.unlink(path)
        shutil.rmtree(runtime_dir(self.prefix), ignore_errors=True)

    def check(self, rc_primary, rc_worker, directions):
        """Both ran clean; every packet handed over crossed the worker."""
        s = check_run_ok(self.primary, rc_primary, directions)
        w = self.worker.summary()
        check(rc_worker == 0, 'the worker exited with 0 (got %s)' % rc_worker)
        check(w.get('run', {}).get('result') == 'OK', 'worker: summary result=OK')
        for d in directions:
            dd = w['direction'].get(d, {})
            check(dd.get('accounting') == 'ok', 'worker, direction %s: it gave back %s of'
                  ' the %s packets it took' % (d, dd.get('tx'), dd.get('rx')))
        mine, seen, mp = w.get('mp_worker', {}), s.get('mp_worker', {}), s.get('mp', {})
        check(seen.get('pid') == self.worker_pid and seen.get('state') == 'done',
              'the primary saw worker %s finish' % self.worker_pid)
        check(mine.get('taken', 0) > 0 and mine.get('taken') == seen.get('taken')
              == mp.get('sent'),
              'the worker took %s packets: all the primary handed over (%s)'
              % (mine.get('taken'), mp.get('sent')))
        check(mp.get('left') == 0, 'none left in the rings at the end: the worker emptied them')
        check(mine.get('returned') == mine.get('taken') == mp.get('back'),
              'the worker gave back all it took, and the primary got them (%s)'
              % mp.get('back'))
        ci = w.get('check_iova', {})
        check(ci.get('segments') == mine.get('taken') and ci.get('faults') == 0,
              "worker: %s segments' data IOVA = rte_vmap_virt2iova() of their data in its"
              " mapping of the space, 0 mismatches" % ci.get('segments'))
        check(seen.get('iova_faults') == 0 and mp.get('accounting') == 'ok',
              'primary: the workers published 0 IOVA faults, its accounting holds')
        files = hugepage_files(self.prefix)
        check(not files, "the primary removed its hugepage files (%s)"
              % (', '.join(files) or 'none left'))
        return s, w


def test_mp_ring(opts, scratch):
    mp = MultiProcess(opts, 'mp_ring', ['net_ring0', 'net_ring1'],
                      ['--tx-first', '64', '--duration', '4'], ['--churn', '200'])
    try:
        mp.start()
        s, w = mp.check(*mp.stop(None), ['0->1', '1->0'])
        for p in (0, 1):
            check(s['port'][p]['rx_pkts'] > 1000 and s['port'][p]['drops'] == 0,
                  'port %d received %d packets, no drops' % (p, s['port'][p]['rx_pkts']))
            check(s['port'][p]['opackets'] == s['port'][p]['tx_pkts'] + 64,
                  'port %d: opackets = forwarded + 64 sent first' % p)
        churn = check_churn(w)
        check(churn.get('block_allocs', 0) > 0,
              'the worker allocated block windows too (%s), through the primary'
              % churn.get('block_allocs'))
    finally:
        mp.close()


def test_mp_linux(opts, scratch):
    nets = Namespaces('%d' % (os.getpid() % 1000000))
    mp = MultiProcess(opts, 'mp_linux', af_packet_vdevs(nets),
                      ['--no-mac-updating', '--duration', '25'], ['--churn', '200'])
    try:
        nets.create()
        mp.start()
        linux_traffic(nets)
        s, w = mp.check(*mp.stop(signal.SIGINT), ['0->1', '1->0'])
        check_linux_ports(s)
        check_churn(w)
    finally:
        mp.close()
        nets.remove()


TESTS = {
    'ring': test_ring,
    'null': test_null,
    'pcap_bridge': test_pcap_bridge,
    'pcap_mac': test_pcap_mac,
    'linux': test_linux,
    'check_iova': test_check_iova,
    'mp_ring': test_mp_ring,
    'mp_linux': test_mp_linux,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('test', choices=sorted(TESTS))
    ap.add_argument('--app', required=True, help='path of dpdk-vmap-fwd')
    ap.add_argument('--lcores', default='0-1', help='EAL -l (default 0-1)')
    ap.add_argument('--no-huge', action='store_true',
                    help='EAL --no-huge -m 512 and a space on 4 KiB pages')
    ap.add_argument('--primary-eal-arg', action='append', default=[],
                    help='an EAL argument for a primary that workers attach to'
                    ' (repeatable; test/meson.build: --base-virtaddr in ASan builds)')
    ap.add_argument('--worker-lcores',
                    help='EAL --lcores of a worker process (default: one id past the'
                    " primary's, on its main lcore's CPU: 2@0 for 0-1)")
    opts = ap.parse_args()
    opts.worker_lcores = opts.worker_lcores or worker_lcores(opts.lcores)
    opts.free_hugepages = free_hugepages()
    if not opts.no_huge and opts.free_hugepages < MIN_HUGEPAGES:
        log('%d free 2 MiB hugepages, fewer than %d: --no-huge'
            % (opts.free_hugepages, MIN_HUGEPAGES))
        opts.no_huge = True

    scratch = tempfile.mkdtemp(prefix='vmap_fwd_%s_' % opts.test)
    try:
        TESTS[opts.test](opts, scratch)
    except Skip as e:
        log('SKIP: %s' % e)
        return SKIP
    except (Failure, subprocess.TimeoutExpired) as e:
        log('FAIL: %s' % e)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log('PASS: %s' % opts.test)
    return 0


if __name__ == '__main__':
    sys.exit(main())
