#!/usr/bin/env python3
"""Names of frames that are not plain functions (tests/programs/names.c):

- a pc in the part gcc split off a function for its unlikely path is named
  after that part's ELF symbol, `check.cold+0x..` (DWARF calls it `check`),
  with the offset from that symbol (nm); a pc in the hot part is `check+0x..`
  from the symbol `check`;
- a pc in a stripped library has no name: the text shows `?? (lib.so+0x..)`
  and the JSON `module_offset`, the link-time address in the file, which
  addr2line on the unstripped twin of the library turns into the function
  the program was in (deep).

Usage: python3 tests/e2e/test_names.py BUILD_DIR
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq, nm_symbols, sh  # noqa: E402

_built = {}


def build_programs():
    if "dir" in _built:
        return _built["dir"]
    d = ct.scratch_dir("names-")
    lib = os.path.join(d, "libnames.so")
    ct.sh("gcc", "-O2", "-g", "-shared", "-fPIC", "-o", lib + ".full",
       os.path.join(ct.PROGRAMS, "names_lib.c"))
    shutil.copy(lib + ".full", lib)
    ct.sh("strip", "--strip-all", lib)
    ct.sh("gcc", "-O2", "-g", "-o", os.path.join(d, "names"), os.path.join(ct.PROGRAMS, "names.c"),
       "-L" + d, "-lnames", "-Wl,-rpath," + d)
    _built["dir"] = d
    return d


def crashed_frames(build, core):
    doc, _ = ct.report(build, core)
    return doc, [t for t in doc["threads"] if t.get("crashed")][0]["frames"]


def module_named(doc, part):
    return [m for m in doc["modules"] if part in (m.get("name") or "")][0]


def t_split(build, mode, symbol):
    d = build_programs()
    exe = os.path.join(d, "names")
    syms = ct.nm_symbols(exe)
    if symbol not in syms:
        raise Skip("gcc split no %s off check (nm: %s)" %
                   (symbol, sorted(s for s in syms if s.startswith("check"))))
    _, core, oracle = ct.crash_program(exe, [mode], "names-" + mode)
    doc, frames = crashed_frames(build, core)
    f = frames[0]
    check_eq(f["function"], symbol, "frame 0's name")
    pc = ct.hexval(f["pc"], "pc")
    with open(oracle) as fo:
        fns = {p[1]: int(p[2], 16) for p in (l.split() for l in fo) if len(p) == 3}
    bias = fns["check"] - syms["check"]  # where the program saw check, less nm's
    check_eq(ct.hexval(module_named(doc, "names")["load_bias"], "load_bias"), bias, "load bias")
    check_eq(f["offset"], pc - bias - syms[symbol], "offset from the %s symbol (nm)" % symbol)
    check_eq(ct.hexval(f["module_offset"], "module_offset"), pc - bias, "module_offset")
    r = ct.coroner(build, "bt", core, ok_codes=(0, 3))
    check(re.search(r"#0 +0x0*%x %s\+0x%x \(names\)" % (pc, re.escape(symbol), f["offset"]),
                    r.text), "text frame 0 of %r" % r.text[:400])


def t_nosym(build):
    d = build_programs()
    _, core, _ = ct.crash_program(os.path.join(d, "names"), ["nosym"], "names-nosym")
    doc, frames = crashed_frames(build, core)
    f = frames[0]
    check_eq(f["function"], None, "frame 0 in the stripped library has no name")
    check((f["module"] or "").endswith("libnames.so"), "module of frame 0: %r" % f["module"])
    off = ct.hexval(f["module_offset"], "module_offset")
    bias = ct.hexval(module_named(doc, "libnames.so")["load_bias"], "load_bias")
    check_eq(off, ct.hexval(f["pc"]) - bias, "module_offset = pc - load bias")
    name = ct.sh("addr2line", "-f", "-e", os.path.join(d, "libnames.so.full"), "%x" % off)
    check_eq(name.split()[0], "deep", "addr2line on the unstripped library at module_offset")
    r = ct.coroner(build, "bt", core, ok_codes=(0, 3))
    check(re.search(r"#0 +0x[0-9a-f]+ \?\? \(libnames\.so\+0x%x\)" % off, r.text),
          "text frame 0 of %r" % r.text[:400])
    check(f.get("offset") is None and frames[1]["function"] == "lib_crash",
          "frame 1 %r" % frames[1])


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("names/cold-part", t_split, build, "cold", "check.cold")
    rep.run("names/hot-part", t_split, build, "hot", "check")
    rep.run("names/no-symbol", t_nosym, build)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())
