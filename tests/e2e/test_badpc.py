#!/usr/bin/env python3
"""End-to-end: a pc in no code (issue "Frames users can trust", item 1).
tests/programs/badpc.c calls through a null function pointer, or into a
non-executable heap buffer, from main -> level_a -> level_b -> level_c,
built -O2 without frame pointers. `coroner bt --json` must recover the caller
from the call's return address (the word at sp on x86) like gdb does:

- frame 0's pc is the address called (the program's oracle "bad" line);
- frame 1 is level_c, marked how "bad-call";
- the physical frames have gdb's function names (all frames) and gdb's pcs
  (frames 1..n), gdb's frame walk going past main and the entry point;
- level_c, level_b, level_a and main start where the program recorded them.

aarch64 (x30), riscv64, ppc and s390x have the same rule with their link
register; there is no emulator in the test setup, so only x86 is run here.

Usage: python3 tests/e2e/test_badpc.py BUILD_DIR
"""
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import bttest as bt  # noqa: E402
import coretest as ct  # noqa: E402
from coretest import Skip, check, check_eq  # noqa: E402

BASE = ["-g", "-O2", "-fomit-frame-pointer"]
# name -> (flags, argument)
CASES = {
    "null": (BASE, "null"),
    "heap": (BASE, "heap"),
    "no-pie-null": (BASE + ["-fno-pie", "-no-pie"], "null"),
    "m32-null": (BASE + ["-m32"], "null"),
    "m32-heap": (BASE + ["-m32"], "heap"),
}
PATH = ["level_c", "level_b", "level_a", "main"]


def read_bad(core):
    with open(os.path.join(os.path.dirname(core), "oracle.txt")) as f:
        for line in f:
            if line.startswith("bad "):
                return int(line.split()[1], 16)
    raise ct.Fail("the oracle has no \"bad\" line")


def case(build, name):
    if platform.machine() not in ("x86_64", "amd64"):
        raise Skip("badpc runs on x86_64 only (machine %s)" % platform.machine())
    flags, arg = CASES[name]
    exe = bt.build(["badpc.c"], "badpc-" + name, flags)
    core, oracle = bt.crash(exe, [arg], "badpc-" + name)
    bad = read_bad(core)
    doc, mine = bt.coroner_bt(build, core, exe)
    tid = oracle["main_tid"]
    check(tid in mine, "no thread %d in bt --json: %s" % (tid, sorted(mine)))
    phys = bt.physical(mine[tid]["frames"])
    check(len(phys) >= 2, "only %d frames (stop reason %r): %s"
          % (len(phys), mine[tid].get("stop_reason"), bt.fmt_frames(phys)))
    check_eq(phys[0]["pcv"], bad, "frame 0 pc (the address called)")
    check_eq(phys[1].get("how"), "bad-call", "how of frame 1 (%#x %s)"
             % (phys[1]["pcv"], phys[1].get("function")))
    names = [bt.norm_name(f.get("function")) for f in phys]
    check_eq(names[1:1 + len(PATH)], PATH, "frames 1..%d" % len(PATH))
    for i, want in enumerate(PATH):
        f = phys[1 + i]
        check_eq(f["pcv"] - f["offset"], oracle["funcs"][want],
                 "start of %s (recorded by the program)" % want)
    gd, _ = bt.gdb_frames(exe, core)
    g = bt.gdb_physical(gd[tid]["frames"]) if tid in gd else []
    check(len(g) >= 1 + len(PATH), "gdb recovers only %d frames: %s"
          % (len(g), [("%#x" % x["pc"], x["name"]) for x in g]))
    check_eq(g[0]["pc"], bad, "gdb's frame 0 pc")
    gnames = [bt.norm_name(x["name"]) for x in g]
    check_eq(names, gnames, "function names of the frames (coroner vs gdb)")
    check_eq(["%#x" % f["pcv"] for f in phys[1:]], ["%#x" % x["pc"] for x in g[1:]],
             "pcs of frames 1..n (coroner vs gdb)")


def main():
    build = ct.build_dir()
    rep = ct.Reporter()
    for name in CASES:
        rep.run("badpc-" + name, case, build, name)
    rep.done()


if __name__ == "__main__":
    main()
