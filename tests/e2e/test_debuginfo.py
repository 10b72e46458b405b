#!/usr/bin/env python3
"""Where symbols and lines come from: separate debug files (by .gnu_debuglink
with its CRC, by build-id under --debug-dir), MiniDebugInfo (.gnu_debugdata),
compressed debug sections (zlib, zstd), files moved after the crash (--exe,
--sysroot, --file) and a rebuilt executable whose build-id no longer matches
the core.

tests/programs/dbg_crash.c is built non-PIE (runtime address = link-time
address) and writes the address of each of its functions to oracle.txt
before it crashes in dbg_inner <- dbg_outer <- main. Oracles: that file,
`addr2line` on an unstripped twin for file:line, `readelf -n` for build-ids.

Usage: python3 tests/e2e/test_debuginfo.py BUILD_DIR
"""
import json
import lzma
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Fail, Skip, check, check_eq, sh  # noqa: E402

FLAGS = ["-g", "-O1", "-fno-pie", "-no-pie", "-fno-omit-frame-pointer"]
CHAIN = ["dbg_inner", "dbg_outer", "main"]


def oracle_fns(path):
    fns = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "fn":
                fns[parts[1]] = int(parts[2], 16)
    return fns


class Case:
    """A build of dbg_crash.c transformed by `prepare`, crashed once."""

    def __init__(self, name, prepare=None, flags=FLAGS):
        self.name = name
        src = os.path.join(ct.PROGRAMS, "dbg_crash.c")
        self.dir = ct.scratch_dir("dbg-%s-" % name)
        self.full = os.path.join(self.dir, "full")       # unstripped twin
        self.exe = os.path.join(self.dir, "dbg_crash")
        ct.sh("gcc", *flags, "-o", self.full, src)
        shutil.copy(self.full, self.exe)
        if prepare:
            prepare(self)
        _, self.core, oracle = ct.crash_program(self.exe, [], "dbg-" + name)
        self.fns = oracle_fns(oracle)
        check(set(CHAIN) <= set(self.fns), "oracle lacks functions: %r" % self.fns)

    def bt(self, build, *extra):
        doc, r = ct.report(build, self.core, *extra)
        crashed = [t for t in doc["threads"] if t.get("crashed")]
        check_eq(len(crashed), 1, "crashed threads")
        frames = [f for f in crashed[0]["frames"] if not f.get("inline")]
        return doc, frames

    def line_of(self, pc):
        """file basename and line of pc from addr2line on the unstripped twin."""
        out = ct.sh("addr2line", "-e", self.full, "%x" % pc).strip()
        m = re.match(r"(.*):(\d+)", out)
        check(m is not None, "addr2line said %r" % out)
        return os.path.basename(m.group(1)), int(m.group(2))


def check_chain(case, frames, want_lines=True):
    """The first three frames are the oracle's functions, with addr2line's
    file:line when want_lines."""
    check(len(frames) >= 3, "only %d frames" % len(frames))
    for f, name in zip(frames, CHAIN):
        pc = ct.hexval(f["pc"], "pc")
        check_eq(f["function"], name, "function at %#x" % pc)
        check_eq(pc - f["offset"], case.fns[name], "start of %s (pc - offset)" % name)
        if want_lines:
            look = pc if f is frames[0] else pc - 1
            base, line = case.line_of(look)
            check_eq((os.path.basename(f["file"] or ""), f["line"]), (base, line),
                     "file:line of %s" % name)


def module_of(doc, name_part):
    for m in doc.get("modules", []):
        if name_part in (m.get("name") or ""):
            return m
    raise Fail("no module named like %r in %r" % (name_part, doc.get("modules")))


def strip_to_debuglink(case):
    debug = case.exe + ".debug"
    ct.sh("objcopy", "--only-keep-debug", case.exe, debug)
    ct.sh("strip", "--strip-all", case.exe)
    ct.sh("objcopy", "--add-gnu-debuglink=" + debug, case.exe)


def t_debuglink(build):
    case = Case("debuglink", strip_to_debuglink)
    doc, frames = case.bt(build)
    check_chain(case, frames)
    m = module_of(doc, "dbg_crash")
    check_eq(m["debug_file"], case.exe + ".debug", "debug_file")


def t_debuglink_bare_exe(build):
    """--exe NAME without a directory: the debug file is looked for in the
    current directory (./NAME.debug), not in /."""
    case = Case("debuglink-bare", strip_to_debuglink)
    elsewhere = os.path.join(case.dir, "elsewhere")
    os.makedirs(elsewhere)
    for f in ("dbg_crash", "dbg_crash.debug"):
        os.rename(os.path.join(case.dir, f), os.path.join(elsewhere, f))
    doc, r = ct.report(build, os.path.abspath(case.core), "--exe", "dbg_crash", cwd=elsewhere)
    crashed = [t for t in doc["threads"] if t.get("crashed")]
    check_chain(case, [f for f in crashed[0]["frames"] if not f.get("inline")])
    m = module_of(doc, "dbg_crash")
    check_eq(os.path.realpath(m["debug_file"] or ""),
             os.path.realpath(os.path.join(elsewhere, "dbg_crash.debug")), "debug_file")


def t_debuglink_bad_crc(build):
    def prepare(case):
        strip_to_debuglink(case)
        with open(case.exe + ".debug", "ab") as f:
            f.write(b"\0")   # the CRC no longer matches
    case = Case("badcrc", prepare)
    doc, frames = case.bt(build)
    m = module_of(doc, "dbg_crash")
    check_eq(m["debug_file"], None, "debug_file with a bad CRC")
    check(any("CRC" in w for w in ct.warning_texts(doc)), "no CRC warning in %r" % doc["warnings"])
    check_eq(frames[0]["file"], None, "file:line without the debug file")
    check_eq(frames[0]["function"], None, "dbg_inner is static: no name without debug info")


def build_id_of(path):
    out = ct.sh("readelf", "-n", path)
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    check(m is not None, "no build-id in %s" % path)
    return m.group(1)


def t_build_id_dir(build):
    def prepare(case):
        debugroot = os.path.join(case.dir, "debugroot")
        bid = build_id_of(case.exe)
        d = os.path.join(debugroot, ".build-id", bid[:2])
        os.makedirs(d)
        ct.sh("objcopy", "--only-keep-debug", case.exe, os.path.join(d, bid[2:] + ".debug"))
        ct.sh("strip", "--strip-all", case.exe)
        case.debugroot, case.bid = debugroot, bid
    case = Case("buildid", prepare)
    doc, frames = case.bt(build, "--debug-dir", case.debugroot)
    check_chain(case, frames)
    m = module_of(doc, "dbg_crash")
    check_eq(m["build_id"], case.bid, "build_id")
    check_eq(m["debug_file"], os.path.join(case.debugroot, ".build-id", case.bid[:2],
                                           case.bid[2:] + ".debug"), "debug_file")
    # without --debug-dir the default directory does not have it
    doc2, frames2 = case.bt(build)
    check_eq(frames2[0]["function"], None, "dbg_inner named without its debug file")


def t_minidebuginfo(build):
    def prepare(case):
        mini = os.path.join(case.dir, "mini")
        keep = os.path.join(case.dir, "keep")
        with open(keep, "w") as f:
            f.write("dbg_inner\ndbg_outer\nmain\n")
        ct.sh("objcopy", "--only-keep-debug", case.exe, mini)
        ct.sh("objcopy", "-S", "--remove-section", ".comment", "--keep-symbols=" + keep, mini)
        with open(mini, "rb") as f:
            data = lzma.compress(f.read(), format=lzma.FORMAT_XZ)
        with open(mini + ".xz", "wb") as f:
            f.write(data)
        ct.sh("strip", "--strip-all", case.exe)
        ct.sh("objcopy", "--add-section", ".gnu_debugdata=" + mini + ".xz", case.exe)
    case = Case("minidebuginfo", prepare)
    doc, frames = case.bt(build, "--debug-dir", os.path.join(case.dir, "none"))
    check_chain(case, frames, want_lines=False)


def compressed(kind):
    def prepare(case):
        ct.sh("objcopy", "--compress-debug-sections=" + kind, case.exe)
        out = ct.sh("readelf", "-t", case.exe)
        check(kind.upper() in out, "objcopy did not compress with %s" % kind)
    return prepare


def t_zlib(build):
    case = Case("zlib", compressed("zlib"))
    check_chain(case, case.bt(build)[1])


def t_zstd(build):
    case = Case("zstd", compressed("zstd"))
    check_chain(case, case.bt(build)[1])


def t_moved(build):
    case = Case("moved")
    elsewhere = os.path.join(case.dir, "elsewhere")
    os.makedirs(elsewhere)
    moved = os.path.join(elsewhere, "dbg_crash")
    os.rename(case.exe, moved)
    try:
        doc, frames = case.bt(build)
        check_eq(frames[0]["function"], None, "a name without the executable")
        check(any("cannot open" in w and case.exe in w for w in ct.warning_texts(doc)),
              "no warning naming the missing %s: %r" % (case.exe, doc["warnings"]))
        r = ct.coroner(build, "read", case.core, hex(case.fns["dbg_inner"]), "16",
                       ok_codes=(1,))
        check("0x%x" % case.fns["dbg_inner"] in r.err and case.exe in r.err,
              "read error names neither the address nor the file: %r" % r.err)
        _, frames = case.bt(build, "--exe", moved)
        check_chain(case, frames)
        _, frames = case.bt(build, "--file", "%s=%s" % (case.exe, moved))
        check_chain(case, frames)
        _, frames = case.bt(build, "--file", moved)
        check_chain(case, frames)
        root = os.path.join(case.dir, "sysroot")
        os.makedirs(os.path.dirname(root + case.exe), exist_ok=True)
        shutil.copy(moved, root + case.exe)
        _, frames = case.bt(build, "--sysroot", root)
        check_chain(case, frames[:3] if frames else frames)
        # code bytes come from the moved file too: compare with the file itself
        r = ct.coroner(build, "read", case.core, hex(case.fns["dbg_inner"]), "16",
                       "--raw", "--exe", moved, ok_codes=(0, 3))
        elf = ct.Elf(moved)
        va = case.fns["dbg_inner"]
        seg = [p for p in elf.loads() if p["vaddr"] <= va < p["vaddr"] + p["filesz"]]
        check(seg, "dbg_inner not in a PT_LOAD of %s" % moved)
        off = seg[0]["offset"] + va - seg[0]["vaddr"]
        check_eq(r.out, elf.data[off:off + 16], "code bytes of dbg_inner")
    finally:
        if os.path.exists(moved):
            os.rename(moved, case.exe)


def t_build_id_mismatch(build):
    case = Case("mismatch")
    old = build_id_of(case.exe)
    ct.sh("gcc", *FLAGS, "-DVARIANT=2", "-o", case.exe,
       os.path.join(ct.PROGRAMS, "dbg_crash.c"))
    new = build_id_of(case.exe)
    check(old != new, "the rebuild has the same build-id")
    doc, frames = case.bt(build)
    hits = [w for w in ct.warning_texts(doc) if old in w and new in w]
    check(hits, "no warning naming both build-ids %s and %s: %r" % (old, new, doc["warnings"]))
    check_eq(frames[0]["function"], None, "a name from a file with the wrong build-id")
    r = ct.coroner(build, "read", case.core, hex(case.fns["dbg_inner"]), "16", ok_codes=(1,))
    check("build-id" in r.err, "read from the mismatched file: %r" % r.err)


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for name, fn in [("debuglink", t_debuglink), ("debuglink-bare-exe", t_debuglink_bare_exe),
                     ("debuglink-bad-crc", t_debuglink_bad_crc),
                     ("build-id-dir", t_build_id_dir), ("minidebuginfo", t_minidebuginfo),
                     ("compressed-zlib", t_zlib), ("compressed-zstd", t_zstd),
                     ("moved-exe", t_moved), ("build-id-mismatch", t_build_id_mismatch)]:
        rep.run(name, fn, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())
