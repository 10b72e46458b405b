#!/usr/bin/env python3
"""Rust: a core of tests/programs/rs_crash.rs (built with rustc, its default
and v0 symbol mangling): the crash path's names are demangled as gdb shows them
(generic arguments aside: gdb prints DWARF names such as write_volatile<u32>),
each physical function starts where the program recorded it, and
--raw-names keeps the mangled symbol.

Usage: python3 tests/e2e/test_rust.py BUILD_DIR
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402


def rustc():
    for c in (shutil.which("rustc"), os.path.expanduser("~/.cargo/bin/rustc")):
        if c and os.access(c, os.X_OK):
            return c
    raise Skip("rustc not installed")


def strip_generics(name):
    while True:
        n = re.sub(r"<[^<>]*>", "", name)
        if n == name:
            return re.sub(r"::$", "", n)
        name = n


def gdb_names(exe, core):
    out = ct.gdb(exe, core, "bt")
    names = {}
    for line in out.splitlines():
        m = re.match(r"#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(", line)
        if m:
            names[int(m.group(1))] = strip_generics(m.group(2))
    return [names[i] for i in sorted(names)]


def case(build, mangling):
    rc = rustc()
    d = ct.scratch_dir("rust-%s-" % mangling)
    exe = os.path.join(d, "rs_crash")
    flags = ["-C", "symbol-mangling-version=" + mangling] if mangling != "default" else []
    p = subprocess.run([rc, "-g", "-C", "opt-level=1"] + flags +
                       ["-o", exe, os.path.join(ct.PROGRAMS, "rs_crash.rs")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        if "symbol-mangling-version" in p.stdout:
            raise Skip("this rustc cannot use %s mangling: %s" % (mangling, p.stdout[-200:]))
        raise Skip("rustc failed: " + p.stdout[-300:])
    _, core, oracle = ct.crash_program(exe, [], "rust-" + mangling)
    fns = {}
    with open(oracle) as f:
        for line in f:
            _, name, addr = line.split()
            fns[name] = int(addr, 16)
    doc, _ = ct.report(build, core)
    frames = [t for t in doc["threads"] if t["crashed"]][0]["frames"]
    names = [strip_generics(f["function"] or "??") for f in frames]
    want = gdb_names(exe, core)
    check(len(want) >= 3, "gdb gave %r" % want)
    check_eq(names[:len(want)], want, "names of the crash path (coroner vs gdb)")
    phys = [f for f in frames if not f["inline"]]
    check_eq(phys[0]["function"], "rs_crash::inner", "first physical frame")
    check_eq(ct.hexval(phys[0]["pc"]) - phys[0]["offset"], fns["inner"], "start of inner")
    # outer ends in a tail call to inner: its frame is gone for gdb too
    raw, _ = ct.report(build, core, "--raw-names")
    rawf = [f for f in [t for t in raw["threads"] if t["crashed"]][0]["frames"] if not f["inline"]]
    check(rawf[0]["function"].startswith(("_R", "_ZN")) and
          rawf[0]["function"] != phys[0]["function"],
          "--raw-names gave %r" % rawf[0]["function"])


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    rep.run("rust-default-mangling", case, build, "default")
    rep.run("rust-v0-mangling", case, build, "v0")
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())
