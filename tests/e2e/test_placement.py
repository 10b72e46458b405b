#!/usr/bin/env python3
"""Where a library is placed, and whether the file found for it is the one
the process had, when the core cannot say so by its ELF header:

- the old one-segment layout (-z noseparate-code: text from file offset 0
  and the data segment page-aligned down to offset 0 as well, so two
  mappings of offset 0);
- a core without ELF header pages (the program writes 0x23 to
  /proc/self/coredump_filter: bit 4 off), so no build-id of the library;
  with the library's file missing too, the module still comes from NT_FILE
  and link_map;
- that core analysed with --sysroot where the library's recorded path
  holds another library (one with the same layout but another dynamic
  section, and libstdc++): coroner says so naming both files and uses
  neither (frame 0 has no name rather than a wrong one).

tests/programs/place.c crashes in place_deep of its library
(place_lib.c) after writing `fn NAME ADDR` of the library's functions to
oracle.txt. Oracles: that file with `nm` (load bias = address - nm value)
and gdb's `bt` / `info sharedlibrary` on the core.

Usage: python3 tests/e2e/test_placement.py BUILD_DIR
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq, sh  # noqa: E402

LAYOUTS = {"old": ["-Wl,-z,noseparate-code"], "new": []}
_built = {}


def build(layout):
    """(dir, exe, lib) of place.c and its library in this layout."""
    if layout in _built:
        return _built[layout]
    d = ct.scratch_dir("place-%s-" % layout)
    lib = os.path.join(d, "libplace.so")
    flags = LAYOUTS[layout]
    sh("gcc", "-O1", "-g", "-shared", "-fPIC", *flags, "-o", lib,
       os.path.join(ct.PROGRAMS, "place_lib.c"))
    exe = os.path.join(d, "place")
    sh("gcc", "-O1", "-g", *flags, "-o", exe, os.path.join(ct.PROGRAMS, "place.c"),
       "-L" + d, "-lplace", "-Wl,-rpath," + d)
    if layout == "old":
        # what the test is about: the data segment maps file offset 0 too
        loads = ct.Elf(lib).loads()
        if len(loads) < 2 or any(p["offset"] & ~0xfff for p in loads):
            raise Skip("-z noseparate-code gave %s these PT_LOADs: %r" % (lib, loads))
    _built[layout] = (d, exe, lib)
    return _built[layout]


def crash(layout, filt):
    d, exe, lib = build(layout)
    args = ["filter"] if filt else []
    _, core, oracle = ct.crash_program(exe, args, "place-%s%s" % (layout, "-filter" if filt else ""))
    with open(oracle) as f:
        fns = {p[1]: int(p[2], 16) for p in (l.split() for l in f) if len(p) == 3}
    return exe, lib, core, fns


def crashed(doc):
    return [t for t in doc["threads"] if t.get("crashed")][0]["frames"]


def module_of(doc, lib):
    ms = [m for m in doc["modules"] if m["name"] == lib]
    check_eq(len(ms), 1, "modules named %s (%r)" % (lib, [m["name"] for m in doc["modules"]]))
    return ms[0]


def no_bias_warning(doc):
    bad = [w for w in ct.warning_texts(doc) if "load bias" in w]
    check(not bad, "false load bias warnings: %r" % bad)


def gdb_lib_range(exe, core, lib):
    out = ct.gdb(exe, core, "info sharedlibrary")
    for line in out.splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+(?:\s+\(\*\))?\s+(\S+)$", line)
        if m and os.path.realpath(m.group(3)) == os.path.realpath(lib):
            return int(m.group(1), 16), int(m.group(2), 16)
    raise Skip("gdb's info sharedlibrary does not list %s: %s" % (lib, out[-400:]))


def t_place(build_dir, layout, filt):
    """The library with its file: frame 0 is place_deep in it, at the bias
    the program saw, and gdb agrees."""
    exe, lib, core, fns = crash(layout, filt)
    doc, _ = ct.report(build_dir, core)
    no_bias_warning(doc)
    f = crashed(doc)[0]
    check_eq(f["module"], lib, "frame 0's module")
    check_eq(f["function"], "place_deep", "frame 0's function")
    bias = fns["place_deep"] - ct.nm_symbols(lib)["place_deep"]
    m = module_of(doc, lib)
    check_eq(ct.hexval(m["load_bias"], "load_bias"), bias, "load bias (oracle less nm)")
    pc = ct.hexval(f["pc"], "pc")
    check(ct.hexval(m["start"]) <= pc < ct.hexval(m["end"]), "pc 0x%x outside %r" % (pc, m))
    lo, hi = gdb_lib_range(exe, core, lib)
    check(lo <= pc < hi, "pc 0x%x outside gdb's .text of %s 0x%x-0x%x" % (pc, lib, lo, hi))
    bt = ct.gdb(exe, core, "bt 1")
    check(re.search(r"#0 .*place_deep", bt), "gdb's frame 0: %r" % bt[-300:])


def t_missing(build_dir, layout):
    """The library's file gone and its ELF header not in the core: the
    module is still listed (NT_FILE, link_map) where it was."""
    exe, lib, core, fns = crash(layout, True)
    sr = ct.scratch_dir("place-sysroot-")
    os.makedirs(sr + os.path.dirname(exe), exist_ok=True)
    shutil.copy(exe, sr + exe)
    doc, _ = ct.report(build_dir, core, "--sysroot", sr)
    no_bias_warning(doc)
    f = crashed(doc)[0]
    check_eq(f["module"], lib, "frame 0's module")
    check_eq(f["function"], None, "frame 0 without the library's file")
    m = module_of(doc, lib)
    bias = fns["place_deep"] - ct.nm_symbols(lib)["place_deep"]
    check_eq(ct.hexval(m["load_bias"], "load_bias"), bias, "load bias (oracle less nm)")
    check_eq(ct.hexval(f["module_offset"]), ct.hexval(f["pc"]) - bias, "module_offset")
    check(any(lib in w and "cannot open" in w for w in ct.warning_texts(doc)),
          "no warning that %s is missing: %r" % (lib, doc.get("warnings")))


def sysroot_with(doc, lib, impostor):
    """A sysroot holding every file of the core as it is on this machine,
    but impostor at lib's path."""
    sr = ct.scratch_dir("place-sysroot-")
    for m in doc["modules"]:
        name = m["name"]
        if not name.startswith("/") or not os.path.exists(name):
            continue
        os.makedirs(sr + os.path.dirname(name), exist_ok=True)
        os.symlink(impostor if name == lib else os.path.realpath(name), sr + name)
    return sr


def t_impostor(build_dir, which):
    """Another library at the recorded path, no build-id in the core to tell:
    the mappings, l_ld and the dynamic section tell; it is not used."""
    exe, lib, core, fns = crash("new", True)
    doc0, _ = ct.report(build_dir, core)
    if which == "right":
        impostor = lib
    elif which == "libstdc++":
        impostor = os.path.realpath(sh("gcc", "-print-file-name=libstdc++.so.6").strip())
        if not os.path.isabs(impostor) or not os.path.exists(impostor):
            raise Skip("no libstdc++.so.6")
    else:
        d = ct.scratch_dir("place-impostor-")
        impostor = os.path.join(d, "libother.so")
        sh("gcc", "-O1", "-g", "-shared", "-fPIC", "-o", impostor,
           os.path.join(ct.PROGRAMS, "names_lib.c"))
    sr = sysroot_with(doc0, lib, impostor)
    doc, _ = ct.report(build_dir, core, "--sysroot", sr)
    no_bias_warning(doc)
    f = crashed(doc)[0]
    check_eq(f["module"], lib, "frame 0's module")
    warns = ct.warning_texts(doc)
    used = sr + lib
    if which == "right":
        check_eq(f["function"], "place_deep", "frame 0 with the right file")
        check(not any("not used" in w for w in warns), "files rejected: %r" % warns)
        return
    hit = [w for w in warns if used in w and (lib + " ") in w.replace(used, "") and "not used" in w]
    check(hit, "no warning naming %s and %s: %r" % (used, lib, warns))
    check_eq(f["function"], None, "frame 0 in the library that is not there")
    check(not any("is not mapped" in (t.get("stop_reason") or "") for t in doc["threads"]),
          "bogus unwinding through the impostor's CFI")
    m = module_of(doc, lib)
    check_eq(m.get("path"), None, "the module's file")
    check_eq(ct.hexval(m["load_bias"]), fns["place_deep"] - ct.nm_symbols(lib)["place_deep"], "load bias")
    r = ct.coroner(build_dir, "read", core, "%#x" % fns["place_deep"], "16", "--sysroot", sr,
                   ok_codes=None)
    check(r.rc != 0 and "cannot be used" in r.err,
          "place_deep's bytes read through the impostor: %s" % r.describe())


def main():
    b = ct.build_dir()
    rep = ct.Reporter()
    rep.run("place/old-layout", t_place, b, "old", False)
    rep.run("place/old-layout-no-headers", t_place, b, "old", True)
    rep.run("place/no-headers", t_place, b, "new", True)
    rep.run("place/old-layout-file-missing", t_missing, b, "old")
    rep.run("place/file-missing", t_missing, b, "new")
    rep.run("identity/right-file", t_impostor, b, "right")
    rep.run("identity/other-dynamic", t_impostor, b, "other")
    rep.run("identity/libstdc++", t_impostor, b, "libstdc++")
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())
