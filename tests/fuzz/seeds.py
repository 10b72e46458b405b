#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (run by build.sh; nothing here is committed
output: the seeds go to build-fuzz/seeds).

  seeds.py shrink CORE OUT     copy of CORE that keeps every note, small
                               segments (ELF header pages, the vDSO) and a
                               window around each thread's stack pointer;
                               other PT_LOAD data is dropped (p_filesz 0)
  seeds.py cfi ELF OUTDIR      fuzz_cfi inputs from ELF's .eh_frame(+hdr)
                               and .debug_frame (layout: see targets.h)
  seeds.py line ELF OUTDIR     fuzz_line inputs from ELF's DWARF sections
"""
import os
import struct
import subprocess
import sys

KEEP_WHOLE = 16384
WINDOW_BELOW, WINDOW_ABOVE = 512, 12288
# NT_PRSTATUS: offset of pr_reg, offset of sp inside it, word size
SP_AT = {62: (112, 152, 8), 3: (72, 60, 4), 183: (112, 248, 8), 21: (112, 8, 8),
         22: (112, 16 + 15 * 8, 8), 243: (112, 16, 8)}


class Elf:
    def __init__(self, data):
        self.d = data
        if data[:4] != b"\x7fELF":
            raise ValueError("not ELF")
        self.is64 = data[4] == 2
        self.e = ">" if data[5] == 2 else "<"
        e = self.e
        if self.is64:
            (self.type, self.machine, _, _, self.phoff, self.shoff, _, _, self.phentsize,
             self.phnum, self.shentsize, self.shnum, self.shstrndx) = struct.unpack_from(
                e + "HHIQQQIHHHHHH", data, 16)
        else:
            (self.type, self.machine, _, _, self.phoff, self.shoff, _, _, self.phentsize,
             self.phnum, self.shentsize, self.shnum, self.shstrndx) = struct.unpack_from(
                e + "HHIIIIIHHHHHH", data, 16)

    def phdrs(self):
        out = []
        for i in range(self.phnum):
            o = self.phoff + i * self.phentsize
            if self.is64:
                t, fl, off, va, pa, fs, ms, al = struct.unpack_from(self.e + "IIQQQQQQ", self.d, o)
            else:
                t, off, va, pa, fs, ms, fl, al = struct.unpack_from(self.e + "IIIIIIII", self.d, o)
            out.append([t, fl, off, va, fs, ms, al])
        return out

    def sections(self):
        out = {}
        if not self.shoff or not self.shnum:
            return out
        hs = []
        for i in range(self.shnum):
            o = self.shoff + i * self.shentsize
            if self.is64:
                hs.append(struct.unpack_from(self.e + "IIQQQQIIQQ", self.d, o))
            else:
                hs.append(struct.unpack_from(self.e + "IIIIIIIIII", self.d, o))
        st = hs[self.shstrndx]
        for h in hs:
            name = self.d[st[4] + h[0]:self.d.index(b"\0", st[4] + h[0])].decode()
            out[name] = (h[3], self.d[h[4]:h[4] + h[5]] if h[1] != 8 else b"", h[2])
        return out


def notes(e, off, size):
    p, end = off, off + size
    while end - p >= 12:
        nsz, dsz, typ = struct.unpack_from(e.e + "III", e.d, p)
        name = e.d[p + 12:p + 12 + nsz]
        dp = p + 12 + ((nsz + 3) & ~3)
        yield name.rstrip(b"\0"), typ, e.d[dp:dp + dsz]
        p = dp + ((dsz + 3) & ~3)


def shrink(src, dst):
    e = Elf(open(src, "rb").read())
    phs = e.phdrs()
    sps = []
    for t, fl, off, va, fs, ms, al in phs:
        if t != 4:
            continue
        for name, typ, desc in notes(e, off, fs):
            if name == b"CORE" and typ == 1 and e.machine in SP_AT:
                base, at, w = SP_AT[e.machine]
                if len(desc) >= base + at + w:
                    sps.append(int.from_bytes(desc[base + at:base + at + w],
                                              "big" if e.e == ">" else "little"))
    out_ph = []  # [type, flags, vaddr, memsz, data]
    for t, fl, off, va, fs, ms, al in phs:
        if t != 1:
            out_ph.append([t, fl, va, ms, e.d[off:off + fs], al])
            continue
        if fs <= KEEP_WHOLE:
            out_ph.append([t, fl, va, ms, e.d[off:off + fs], al])
            continue
        wins = sorted((max(va, sp - WINDOW_BELOW) & ~15, min(va + fs, sp + WINDOW_ABOVE))
                      for sp in sps if va <= sp < va + fs)
        cur = va
        for lo, hi in wins:
            if lo < cur:
                lo = cur
            if hi <= lo:
                continue
            if lo > cur:
                out_ph.append([t, fl, cur, lo - cur, b"", al])
            out_ph.append([t, fl, lo, hi - lo, e.d[off + lo - va:off + hi - va], al])
            cur = hi
        if cur < va + ms:
            out_ph.append([t, fl, cur, va + ms - cur, b"", al])
    ehsz, phsz = (64, 56) if e.is64 else (52, 32)
    hdr = bytearray(e.d[:ehsz])
    pos = ehsz + phsz * len(out_ph)
    phbytes, body = b"", b""
    for t, fl, va, ms, data, al in out_ph:
        pad = (-pos) % 8
        body += b"\0" * pad
        pos += pad
        if e.is64:
            phbytes += struct.pack(e.e + "IIQQQQQQ", t, fl, pos, va, 0, len(data), ms, al)
        else:
            phbytes += struct.pack(e.e + "IIIIIIII", t, pos, va, 0, len(data), ms, fl, al)
        body += data
        pos += len(data)
    if e.is64:
        struct.pack_into(e.e + "QQ", hdr, 32, ehsz, 0)
        struct.pack_into(e.e + "HHHHHH", hdr, 52, ehsz, phsz, len(out_ph), 64, 0, 0)
    else:
        struct.pack_into(e.e + "II", hdr, 28, ehsz, 0)
        struct.pack_into(e.e + "HHHHHH", hdr, 40, ehsz, phsz, len(out_ph), 40, 0, 0)
    open(dst, "wb").write(bytes(hdr) + phbytes + body)


def func_addrs(path, n=4):
    try:
        out = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True,
                             text=True).stdout
    except OSError:
        return []
    addrs = [int(l.split()[0], 16) for l in out.splitlines()
             if len(l.split()) == 3 and l.split()[1] in "tTwW"]
    if len(addrs) > n:
        step = len(addrs) // n
        addrs = addrs[::step][:n]
    return (addrs + [0x1000] * n)[:n]


def flags_of(e):
    return (1 if e.e == ">" else 0) | (0 if e.is64 else 2)


def cfi(path, outdir):
    e = Elf(open(path, "rb").read())
    s = e.sections()
    pcs = [a + 4 for a in func_addrs(path)]
    base = os.path.basename(path)
    for name, fl in ((".eh_frame", 0), (".debug_frame", 4)):
        if name not in s or not s[name][1]:
            continue
        addr, data, _ = s[name]
        hdr = s.get(".eh_frame_hdr") if fl == 0 else None
        hdata = hdr[1] if hdr else b""
        hdraddr = hdr[0] if hdr else 0
        head = struct.pack("<BIQQ4Q", flags_of(e) | fl, len(hdata), addr, hdraddr, *pcs)
        open(os.path.join(outdir, base + name), "wb").write(head + data + hdata)
        if hdata:
            head = struct.pack("<BIQQ4Q", flags_of(e) | fl, 0, addr, 0, *pcs)
            open(os.path.join(outdir, base + name + ".nohdr"), "wb").write(head + data)


LINE_SECS = [".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_line_str",
             ".debug_str_offsets", ".debug_addr", ".debug_ranges", ".debug_rnglists",
             ".debug_aranges"]


def line(path, outdir):
    e = Elf(open(path, "rb").read())
    s = e.sections()
    if ".debug_info" not in s and ".debug_line" not in s:
        return
    if any(s[n][2] & 0x800 for n in LINE_SECS if n in s):
        return  # compressed: fuzz_line takes raw section bytes
    datas = [s[n][1] if n in s else b"" for n in LINE_SECS]
    pcs = [a + 4 for a in func_addrs(path)]
    head = struct.pack("<B10I4Q", flags_of(e), *[len(d) for d in datas], *pcs)
    open(os.path.join(outdir, os.path.basename(path) + ".dwarf"), "wb").write(
        head + b"".join(datas))


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"shrink": shrink, "cfi": cfi, "line": line}[cmd](sys.argv[2], sys.argv[3])
