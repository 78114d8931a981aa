#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors

"""Write the seed corpus of vmap_fuzz (test/fuzz/corpus/).

Each seed is a space header and a sequence of operations, encoded the way
the harness decodes them (see fz_space_create() in fz_space.c, the fz_op_*()
functions in fz_ops.c and LLVMFuzzerTestOneInput() in vmap_fuzz.c): one
seed per kind of space and per family of calls, so that the fuzzer starts
from inputs that reach every part of the API. The regress-* files are
inputs that once failed; they are kept by hand, not written here.

    test/fuzz/make-corpus.py [DIR]     (default: test/fuzz/corpus)
"""

import os
import struct
import sys

# Operation codes: the op byte modulo 24 (vmap_fuzz.c).
ALLOC, FREE, BLOCK_ALLOC, BLOCK_FREE, QUERY = 0, 5, 9, 12, 15
PURGE, MISUSE, DMA, THREAD, BURST, OTHER_SPACE, STATS = 17, 18, 19, 20, 21, 22, 23

# pick_size() kinds (how % 16) and pick_addr() kinds (how % 12), in fz_ops.c.
SZ_BYTES, SZ_PAGES, SZ_1M, SZ_4M, SZ_ARENA, SZ_HUGE, SZ_ZERO, SZ_MAX, SZ_SPACE = \
    0, 5, 8, 10, 11, 12, 13, 14, 15
AD_LIVE, AD_INSIDE, AD_GONE, AD_PAGE, AD_EDGE, AD_OURS, AD_HEAP, AD_ANY = \
    0, 3, 5, 7, 8, 9, 10, 11


def header(strict=False, no_cache=False, iova='va', topo=None, sim=False,
           hugepage=False, va_mib=16, nodes=0, lazy_16k=0, limit_mib=0,
           sim_mode=2, extmem=False, domain_range=0, bad_create=0,
           free_all=False, verify_every=1):
    """The 8 header bytes: see fz_space_create() (fz_space.c)."""
    b0 = (1 if strict else 0) | (2 if no_cache else 0)
    b0 |= {'va': 0, 'domain': 2 << 2, 'auto': 3 << 2}[iova]
    b0 |= {None: 0, 'package:2': 1 << 4, 'numa:2': 2 << 4}[topo]
    b0 |= (0x40 if sim else 0) | (0x80 if hugepage else 0)
    if va_mib <= 32:
        b1 = (va_mib - 1) * 4
    else:
        b1 = 0x80 | ((va_mib - 1) // 4)
    b2 = (nodes & 0xf) | (0x80 if hugepage else 0) | (0x10 if topo is None else 0)
    b3 = lazy_16k & 0xff
    b4 = (0xf0 | (limit_mib - 1)) if limit_mib else 0x04
    if extmem:
        b4 = 0
    b5 = sim_mode & 0xff
    b6 = (domain_range & 3) | (0x40 if extmem else 0) | (0x80 if iova == 'auto' else 0)
    b7 = (bad_create & 0xf) | (0x10 if free_all else 0)
    b7 |= (0 if verify_every == 1 else 0xe0)
    return bytes([b0, b1, b2, b3, b4, b5, b6, b7])


class Seq:
    """Operations appended in the harness's encoding (fz_ops.c)."""

    def __init__(self, hdr):
        self.b = bytearray(hdr)

    def alloc(self, kind=SZ_PAGES, v=0, align=0, socket=0):
        self.b += bytes([ALLOC, kind]) + struct.pack('<H', v) + bytes([align, socket])
        return self

    def free(self, how=AD_LIVE, k=0, null=False):
        self.b += bytes([FREE, how]) + struct.pack('<I', k) + bytes([0 if null else 1])
        return self

    def block_alloc(self, how=4, v=0):
        self.b += bytes([BLOCK_ALLOC, how]) + struct.pack('<H', v)
        return self

    def block_free(self, how=AD_LIVE, k=0, size_how=0):
        self.b += bytes([BLOCK_FREE, how]) + struct.pack('<I', k) + bytes([size_how])
        return self

    def query(self, how=AD_LIVE, k=0):
        self.b += bytes([QUERY, how]) + struct.pack('<I', k)
        return self

    def purge(self):
        self.b += bytes([PURGE])
        return self

    def misuse(self, which):
        self.b += bytes([MISUSE, which])
        return self

    def dma(self, k=0):
        self.b += bytes([DMA]) + struct.pack('<I', k)
        return self

    def thread(self, which):
        """The next call (0 block_alloc, 1 block_free, 2 alloc, 3 free) from a
        thread: append its arguments right after."""
        self.b += bytes([THREAD, which])
        return self

    def burst(self, how, n):
        self.b += bytes([BURST, how, n])
        return self

    def other_space(self):
        self.b += bytes([OTHER_SPACE])
        return self

    def stats(self):
        self.b += bytes([STATS])
        return self


def mixed(s):
    """A little of everything on whatever space s has."""
    s.alloc(SZ_BYTES, 100).alloc(SZ_PAGES, 3).alloc(SZ_1M, 40, align=7 | 2 << 4)
    s.block_alloc(4, 5000).block_alloc(5, 9000).query(AD_LIVE, 1).query(AD_INSIDE, 0x300)
    s.dma(2).free(AD_LIVE, 0).block_free(AD_LIVE, 3).free(AD_GONE, 0)
    s.query(AD_GONE, 0).purge().query(AD_GONE, 1).stats()
    return s


def seeds():
    out = {}
    out['strict-va-sim'] = mixed(Seq(header(strict=True, sim=True, va_mib=8, nodes=2)))
    s = Seq(header(iova='domain', sim=True, lazy_16k=4, va_mib=12))
    s.burst(0x08, 20).burst(0x20 | 4, 30).burst(0x11, 12).purge()
    s.query(AD_GONE, 0).query(AD_GONE, 3).alloc(SZ_PAGES, 7).dma(0).purge()
    out['lazy-domain-sim-bursts'] = s
    s = Seq(header(va_mib=16))
    for i in range(6):
        s.block_alloc(4, 1000 * i + 1)
    s.block_free(AD_LIVE, 0, 0).block_free(AD_LIVE, 1, 4 | 3 << 4).block_free(AD_LIVE, 2, 6)
    s.block_free(AD_LIVE, 3, 7).block_free(AD_INSIDE, 0x123, 0).block_alloc(0).block_alloc(1)
    s.block_alloc(2).thread(0).b += bytes([4]) + struct.pack('<H', 777)
    s.thread(1).b += bytes([AD_LIVE]) + struct.pack('<I', 0) + bytes([0])
    s.thread(2).b += bytes([SZ_PAGES]) + struct.pack('<H', 2) + bytes([0, 0])
    s.thread(3).b += bytes([AD_LIVE]) + struct.pack('<I', 1) + bytes([1])
    s.purge().stats()
    out['blocks-and-threads'] = s
    s = Seq(header(topo='package:2', nodes=4, va_mib=32))
    for sock in (0, 4, 4 | 8, 6, 7, 7 | 8, 7 | 16, 7 | 24):
        s.alloc(SZ_PAGES, 5, 0, sock)
    s.alloc(SZ_ARENA, 1).alloc(SZ_4M, 100, 8 | 3 << 4, 5).query(AD_LIVE, 2).purge()
    out['two-sockets'] = s
    s = Seq(header(bad_create=9, va_mib=4))
    for which in range(16):
        s.misuse(which)
    s.alloc(SZ_ZERO).alloc(SZ_HUGE).alloc(SZ_MAX).alloc(SZ_SPACE).alloc(SZ_PAGES, 1, 10)
    s.alloc(SZ_PAGES, 1, 11).alloc(SZ_PAGES, 1, 12).alloc(SZ_PAGES, 1, 13)
    s.alloc(SZ_PAGES, 1, 14).alloc(SZ_PAGES, 1, 6 | 3 << 4).free(AD_EDGE, 0)
    s.free(AD_EDGE, 1).free(AD_EDGE, 4).free(AD_OURS, 0).free(AD_OURS, 1).free(AD_HEAP)
    s.free(AD_INSIDE, 0x1001).free(AD_LIVE, 0).free(AD_LIVE, 0).free(AD_LIVE, 0, null=True)
    s.misuse(13).query(AD_EDGE, 5).query(AD_ANY, 12345)
    out['misuse'] = s
    for n, bad in (('bad-create-a', 3), ('bad-create-b', 12), ('bad-create-c', 15)):
        out[n] = Seq(header(bad_create=bad, va_mib=2)).alloc(SZ_BYTES, 1)
    out['extmem-va'] = mixed(Seq(header(extmem=True, va_mib=8)))
    s = Seq(header(limit_mib=2, va_mib=16))
    for i in range(12):
        s.alloc(SZ_1M, 60)
    s.free(AD_LIVE, 0).free(AD_LIVE, 1).alloc(SZ_1M, 60).purge().alloc(SZ_4M, 700)
    out['mem-limit'] = s
    out['hugepage-2m'] = mixed(Seq(header(hugepage=True, va_mib=16)))
    s = Seq(header(sim=True, sim_mode=1 | 1 << 3, va_mib=8))
    for i in range(9):
        s.alloc(SZ_PAGES, i)
        s.block_alloc(4, 100 * i)
    s.purge().stats()
    out['sim-map-fails'] = s
    out['sim-small-table'] = mixed(Seq(header(sim=True, sim_mode=0, va_mib=4)))
    out['no-lcore-cache'] = mixed(Seq(header(no_cache=True, va_mib=8)))
    s = Seq(header(free_all=True, va_mib=8, verify_every=8))
    s.other_space().alloc(SZ_PAGES, 2).block_alloc(4, 3).other_space()
    out['other-space-free-all'] = s
    out['tiny-space'] = mixed(Seq(header(va_mib=1, nodes=15)))
    out['auto-iova'] = mixed(Seq(header(iova='auto', va_mib=8)))
    out['domain-range'] = mixed(Seq(header(iova='domain', domain_range=2, sim=True,
                                           va_mib=8)))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'corpus')
    os.makedirs(outdir, exist_ok=True)
    for name, seq in sorted(seeds().items()):
        with open(os.path.join(outdir, 'seed-' + name), 'wb') as f:
            f.write(bytes(seq.b))
        print('%s: %d bytes' % (name, len(seq.b)))


if __name__ == '__main__':
    main()
